//! Spec §1.4: the cookie ladder (rows 5–11 and 14) and cookie parsing.

use super::*;

#[tokio::test]
async fn cookie_ladder_rows() {
    let (mock, clerk) = start_mock().await;
    let (token, iat) = signed(mock.token().user("user_c"));

    // Row 5: nothing at all (and unrelated cookies).
    assert_signed_out(
        &get(&clerk, None, None).await,
        "session-token-and-uat-missing",
        None,
    );
    assert_signed_out(
        &get(&clerk, None, Some("theme=dark; lang=en")).await,
        "session-token-and-uat-missing",
        None,
    );
    // `__client_uat=0` and no session: still row 5.
    assert_signed_out(
        &get(&clerk, None, Some("__client_uat=0")).await,
        "session-token-and-uat-missing",
        None,
    );
    // An empty `__session` counts as absent.
    assert_signed_out(
        &get(&clerk, None, Some("__session=")).await,
        "session-token-and-uat-missing",
        None,
    );

    // Row 6: session without client_uat, or with client_uat 0 (R07, R08) or unparsable.
    for cookie in [
        format!("__session={token}"),
        format!("__session={token}; __client_uat=0"),
        format!("__session={token}; __client_uat=abc"),
        format!("__session={token}; __client_uat="),
    ] {
        assert_signed_out(
            &get(&clerk, None, Some(&cookie)).await,
            "session-token-but-no-client-uat",
            None,
        );
    }

    // Row 7: client_uat without session (R10).
    for cookie in [
        format!("__client_uat={iat}"),
        format!("__client_uat={iat}; __session="),
    ] {
        assert_signed_out(
            &get(&clerk, None, Some(&cookie)).await,
            "client-uat-but-no-session-token",
            None,
        );
    }

    // Row 8: undecodable cookie token → verification error with carrier cookie.
    for bad in ["garbage", "a.b.c", "a.b", "eyJhbGciOiJSUzI1NiJ9.%%%.x"] {
        assert_signed_out(
            &get(&clerk, None, Some(&session_cookie(bad, iat))).await,
            "token-invalid",
            Some(TokenCarrier::Cookie),
        );
    }

    // Row 10: iat < client_uat (R09).
    assert_signed_out(
        &get(&clerk, None, Some(&session_cookie(&token, iat + 1))).await,
        "session-token-iat-before-client-uat",
        Some(TokenCarrier::Cookie),
    );
    // Row 10 comes before verification (row 11): an expired, older cookie reports row 10.
    let old = mock.token().expired();
    let old_iat = iat_of(&old);
    assert_signed_out(
        &get(
            &clerk,
            None,
            Some(&session_cookie(&old.sign(), old_iat + 1)),
        )
        .await,
        "session-token-iat-before-client-uat",
        Some(TokenCarrier::Cookie),
    );

    // Row 14: valid cookie, client_uat ≤ iat.
    for uat in [iat, iat - 1, 1] {
        let state = get(&clerk, None, Some(&session_cookie(&token, uat))).await;
        assert_signed_in(&state, "user_c", TokenCarrier::Cookie);
    }
    // parseInt semantics: `<iat>abc` reads as iat.
    let state = get(
        &clerk,
        None,
        Some(&format!("__session={token}; __client_uat={iat}xyz")),
    )
    .await;
    assert_signed_in(&state, "user_c", TokenCarrier::Cookie);

    // Row 11: verification fails.
    let forged = mock.token().sign_with(&mock.unpublished_key());
    assert_signed_out(
        &get(&clerk, None, Some(&session_cookie(&forged, 1))).await,
        "token-invalid-signature",
        Some(TokenCarrier::Cookie),
    );
}

#[tokio::test]
async fn cookie_parsing_quotes_order_and_spacing() {
    let (mock, clerk) = start_mock().await;
    let (token, iat) = signed(mock.token().user("user_q"));

    for cookie in [
        format!("__session=\"{token}\"; __client_uat=\"{iat}\""),
        format!("a=1;__session={token};__client_uat={iat}"),
        format!("  __client_uat = {iat} ;  __session = {token}  "),
        // The first occurrence of a name wins.
        format!("__session={token}; __session=garbage; __client_uat={iat}"),
    ] {
        let state = get(&clerk, None, Some(&cookie)).await;
        assert_signed_in(&state, "user_q", TokenCarrier::Cookie);
    }

    // Two Cookie headers are both read.
    let session = format!("__session={token}");
    let uat = format!("__client_uat={iat}");
    let parts = parts_raw(
        Method::GET,
        &[("cookie", session.as_bytes()), ("cookie", uat.as_bytes())],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_q", TokenCarrier::Cookie);

    // Another cookie with a non-ASCII value does not hide the session cookie.
    let mut raw = b"theme=caf\xe9; ".to_vec();
    raw.extend_from_slice(session_cookie(&token, iat).as_bytes());
    let parts = parts_raw(Method::GET, &[("cookie", &raw)]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_q", TokenCarrier::Cookie);

    // First occurrence wins the other way round too.
    let state = get(
        &clerk,
        None,
        Some(&format!(
            "__session=garbage; __session={token}; __client_uat={iat}"
        )),
    )
    .await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
}

#[tokio::test]
async fn suffixed_cookies_win_over_unsuffixed() {
    let (mock, clerk) = start_mock().await;
    let pk = PublishableKey::parse(&mock.publishable_key()).unwrap();
    let suffix = pk.cookie_suffix();

    // §1.1: first 8 characters of the URL-safe base64 of SHA-1(publishable key).
    assert_eq!(
        sha1(b"abc"),
        [
            0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50,
            0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d
        ]
    );
    let expected = base64::engine::general_purpose::URL_SAFE
        .encode(sha1(mock.publishable_key().as_bytes()))[..8]
        .to_owned();
    assert_eq!(suffix, expected);
    assert_eq!(suffix.len(), 8);

    let (good, iat) = signed(mock.token().user("user_suffixed"));

    // Suffixed valid, unsuffixed garbage → suffixed wins.
    let cookie = format!(
        "__session=garbage; __client_uat=0; __session_{suffix}={good}; __client_uat_{suffix}={iat}"
    );
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_suffixed", TokenCarrier::Cookie);

    // Suffixed garbage, unsuffixed valid → suffixed still wins.
    let cookie = format!(
        "__session={good}; __client_uat={iat}; __session_{suffix}=garbage; __client_uat_{suffix}={iat}"
    );
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));

    // Suffixed only.
    let cookie = format!("__session_{suffix}={good}; __client_uat_{suffix}={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_suffixed", TokenCarrier::Cookie);

    // Suffixed client_uat of 0 is "signed out" even if the unsuffixed one is set.
    let cookie = format!("__session_{suffix}={good}; __client_uat_{suffix}=0; __client_uat={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "session-token-but-no-client-uat", None);

    // Another instance's suffix is ignored.
    let cookie = format!("__session_zzzzzzzz={good}; __client_uat_zzzzzzzz={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
}
