//! Spec §1.2 `Authorization` header parsing and §1.3 precedence.

use super::*;

#[tokio::test]
async fn authorization_table_1_2() {
    let (mock, clerk) = start_mock().await;
    let token = mock.token().user("user_hdr").sign();

    // `Bearer <jwt>` → header path.
    let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);

    // `<jwt>` with no space at all → the whole value is the token.
    let state = get(&clerk, Some(&token), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);

    // `Bearer <jwt> extra` → extra fields ignored.
    let state = get(&clerk, Some(&format!("Bearer {token} extra")), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);
    let state = get(&clerk, Some(&format!("Bearer {token} a b c")), None).await;
    assert_signed_in(&state, "user_hdr", TokenCarrier::Header);

    // `bearer <jwt>`, `Basic <x>`, other schemes → no header: cookie path.
    for value in [
        format!("bearer {token}"),
        format!("BEARER {token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Token {token}"),
        format!(" {token}"),
    ] {
        let state = get(&clerk, Some(&value), None).await;
        assert_signed_out(&state, "session-token-and-uat-missing", None);
    }

    // Single word `Bearer` → the literal `Bearer` is the token → token-invalid.
    let state = get(&clerk, Some("Bearer"), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // `Bearer  <jwt>` (two spaces): second field empty → the literal `Bearer`.
    let state = get(&clerk, Some(&format!("Bearer  {token}")), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // `Bearer ` (trailing space): second field empty as well.
    let state = get(&clerk, Some("Bearer "), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // Empty → cookie path.
    let state = get(&clerk, Some(""), None).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
    let state = get(&clerk, None, None).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
}

#[tokio::test]
async fn other_schemes_fall_through_to_a_valid_cookie() {
    let (mock, clerk) = start_mock().await;
    let (cookie_token, uat) = signed(mock.token().user("user_cookie"));
    let header_token = mock.token().user("user_header").sign();
    let cookie = session_cookie(&cookie_token, uat);

    for value in [
        format!("bearer {header_token}"),
        format!("Basic {header_token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
    ] {
        let state = get(&clerk, Some(&value), Some(&cookie)).await;
        assert_signed_in(&state, "user_cookie", TokenCarrier::Cookie);
    }
}

/// `split(' ', 2)`: when the second field is empty, the first field is the token whatever
/// it is (the `Bearer  <jwt>` row of table 1.2, generalised as JavaScript does).
#[tokio::test]
async fn an_empty_second_field_makes_the_first_field_the_token() {
    let (mock, clerk) = start_mock().await;
    let cookie = cookie_of(mock.token());
    for value in ["Basic ", "Basic  dXNlcjpwYXNz", "bearer  x"] {
        let state = get(&clerk, Some(value), Some(&cookie)).await;
        assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));
    }
}

/// Non-ASCII bytes in the header value are parsed like any other (JavaScript reads them as
/// Latin-1): another scheme still falls through, `Bearer <jwt> <junk>` still uses `<jwt>`.
#[tokio::test]
async fn non_ascii_authorization_bytes_are_parsed_by_fields() {
    let (mock, clerk) = start_mock().await;
    let (cookie_token, uat) = signed(mock.token().user("user_cookie"));
    let cookie = session_cookie(&cookie_token, uat);
    let header_token = mock.token().user("user_header").sign();

    // Another scheme with obs-text: no header token, the cookie decides.
    let parts = parts_raw(
        Method::GET,
        &[
            ("authorization", b"Basic caf\xe9"),
            ("cookie", cookie.as_bytes()),
        ],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_cookie", TokenCarrier::Cookie);

    // `Bearer <jwt> <obs-text>`: the extra field is ignored.
    let mut value = format!("Bearer {header_token} ").into_bytes();
    value.extend_from_slice(b"\xff\xfe");
    let parts = parts_raw(Method::GET, &[("authorization", &value)]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_header", TokenCarrier::Header);

    // `Bearer <obs-text>`: a header token that is not a JWT; cookies are ignored.
    let parts = parts_raw(
        Method::GET,
        &[
            ("authorization", b"Bearer \xe9\xe9"),
            ("cookie", cookie.as_bytes()),
        ],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // A single field of obs-text is the token.
    let parts = parts_raw(Method::GET, &[("authorization", b"\xe9abc")]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));
}

// ---------------------------------------------------------------------------------------
// §1.3 precedence

#[tokio::test]
async fn header_token_wins_even_when_invalid() {
    let (mock, clerk) = start_mock().await;
    let (cookie_token, uat) = signed(mock.token().user("user_cookie"));
    let cookie = session_cookie(&cookie_token, uat);

    // Sanity: the cookie alone signs in.
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_cookie", TokenCarrier::Cookie);

    // R13: badly signed header token + valid cookie → the header's reason.
    let forged = mock
        .token()
        .user("user_header")
        .sign_with(&mock.unpublished_key());
    let state = get(&clerk, Some(&format!("Bearer {forged}")), Some(&cookie)).await;
    assert_signed_out(
        &state,
        "token-invalid-signature",
        Some(TokenCarrier::Header),
    );

    // Malformed header token + valid cookie.
    let state = get(&clerk, Some("Bearer not-a-jwt"), Some(&cookie)).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // Expired header token + valid cookie.
    let expired = mock.token().expired().sign();
    let state = get(&clerk, Some(&format!("Bearer {expired}")), Some(&cookie)).await;
    assert_signed_out(
        &state,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        Some(TokenCarrier::Header),
    );

    // A valid header token and a valid cookie: the header's user.
    let header = mock.token().user("user_header").sign();
    let state = get(&clerk, Some(&format!("Bearer {header}")), Some(&cookie)).await;
    assert_signed_in(&state, "user_header", TokenCarrier::Header);

    // The header path does not look at __client_uat at all.
    let state = get(
        &clerk,
        Some(&format!("Bearer {header}")),
        Some(&format!("__client_uat={}", uat + 1000)),
    )
    .await;
    assert_signed_in(&state, "user_header", TokenCarrier::Header);
}
