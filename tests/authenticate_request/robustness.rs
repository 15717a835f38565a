//! Robustness: pseudo-random and oversized inputs, and `authenticate_headers`.

use super::*;

#[tokio::test]
async fn pseudo_random_inputs_never_sign_in_or_panic() {
    let (mock, clerk) = start_mock().await;
    let (token, uat) = signed(mock.token().user("user_fallback"));
    let valid_cookie = session_cookie(&token, uat);

    let mut rng = Lcg(0x5eed_c1e7_2024);
    let mut checked_headers = 0;
    let mut checked_cookies = 0;
    for i in 0..400 {
        let mut input = match i % 4 {
            0 => rng.bytes(),
            1 => rng.jwt_shaped(),
            2 => {
                let mut v = b"Bearer ".to_vec();
                v.extend(rng.bytes());
                v
            }
            _ => {
                let mut v = b"Bearer ".to_vec();
                v.extend(rng.jwt_shaped());
                v
            }
        };
        if i % 7 == 0 {
            input.extend(b" trailing");
        }

        // As the Authorization header, without cookies: always signed out with a reason.
        if HeaderValue::from_bytes(&input).is_ok() {
            checked_headers += 1;
            let parts = parts_raw(Method::GET, &[("authorization", &input)]);
            let state = clerk.authenticate_request(&parts).await;
            assert!(!state.is_signed_in(), "input {input:?} signed in");
            assert!(state.reason().is_some());
            assert!(!state.to_auth().is_signed_in());
            let _ = state.observability_headers();

            // With a valid cookie: either the header token is refused, or (no header
            // token) the cookie signs in. Never the header.
            let parts = parts_raw(
                Method::POST,
                &[
                    ("authorization", &input),
                    ("cookie", valid_cookie.as_bytes()),
                ],
            );
            let state = clerk.authenticate_request(&parts).await;
            match &state {
                RequestState::SignedIn { token_carrier, .. } => {
                    assert_eq!(*token_carrier, TokenCarrier::Cookie, "input {input:?}")
                }
                RequestState::SignedOut(s) => {
                    assert_eq!(
                        s.token_carrier,
                        Some(TokenCarrier::Header),
                        "input {input:?}"
                    )
                }
                RequestState::Handshake(h) => panic!("a handshake for a non-navigation: {h:?}"),
            }
        }

        // As a Cookie header, raw and as the session cookie's value.
        let stripped: Vec<u8> = input
            .iter()
            .copied()
            .filter(|b| !matches!(b, b';'))
            .collect();
        let mut as_session = b"__session=".to_vec();
        as_session.extend(&stripped);
        as_session.extend(format!("; __client_uat={uat}").as_bytes());
        for cookie in [&input, &as_session] {
            if HeaderValue::from_bytes(cookie).is_err() {
                continue;
            }
            checked_cookies += 1;
            for method in [Method::GET, Method::DELETE] {
                let parts = parts_raw(method, &[("cookie", cookie)]);
                let state = clerk.authenticate_request(&parts).await;
                assert!(!state.is_signed_in(), "cookie {cookie:?} signed in");
                assert!(state.reason().is_some());
                let _ = state.observability_headers();
            }
        }
    }
    assert!(checked_headers > 100, "{checked_headers}");
    assert!(checked_cookies > 200, "{checked_cookies}");
}

#[tokio::test]
async fn oversized_tokens_are_token_invalid() {
    let (mock, clerk) = start_mock().await;

    let huge = "a".repeat(MAX_TOKEN_LEN + 1);
    let state = get(&clerk, Some(&format!("Bearer {huge}")), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));

    // A correctly signed token that is simply too large.
    let (big, iat) = signed(
        mock.token()
            .user("user_big")
            .claim("padding", "p".repeat(MAX_TOKEN_LEN)),
    );
    assert!(big.len() > MAX_TOKEN_LEN);
    let state = get(&clerk, Some(&format!("Bearer {big}")), None).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Header));
    let state = get(&clerk, None, Some(&session_cookie(&big, iat))).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
    assert_eq!(mock.jwks_requests(), 0, "refused before any key lookup");

    // Just under the limit still verifies.
    let pad = 10_000;
    let token = mock
        .token()
        .user("user_big")
        .claim("padding", "p".repeat(pad))
        .sign();
    assert!(token.len() <= MAX_TOKEN_LEN);
    let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
    assert_signed_in(&state, "user_big", TokenCarrier::Header);
}

#[tokio::test]
async fn authenticate_headers_matches_authenticate_request() {
    let (mock, clerk) = start_mock().await;
    let token = mock.token().user("user_h").expired().sign();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let state = clerk.authenticate_headers(&Method::PATCH, &headers).await;
    assert_signed_out(
        &state,
        "session-token-expired-refresh-non-eligible-non-get",
        Some(TokenCarrier::Header),
    );
    let state = clerk.authenticate_headers(&Method::GET, &headers).await;
    assert_signed_out(
        &state,
        "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        Some(TokenCarrier::Header),
    );
}
