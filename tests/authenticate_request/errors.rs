//! Spec §2.3 categories and machine tokens, §2.10 error mapping and §4.3 pending sessions.

use super::*;

#[tokio::test]
async fn machine_looking_jwts_are_a_type_mismatch() {
    let (mock, clerk) = start_mock().await;
    let variants = [
        mock.token().user("mch_2abc"),
        mock.token().header("typ", "at+jwt"),
        mock.token().header("typ", "application/at+jwt"),
        mock.token().header("cat", "cl_B7d4PD222AAA"),
        mock.token().header("cat", "cl_B7d4PD333AAA"),
        mock.token().header("cat", "cl_something_else"),
    ];
    for builder in variants {
        let iat = iat_of(&builder);
        let token = builder.sign();
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Header));
        let state = get(&clerk, None, Some(&session_cookie(&token, iat))).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Cookie));
    }

    // Session categories are accepted: absent, session, "ignore".
    for builder in [
        mock.token().without_header("cat"),
        mock.token().header("cat", "cl_B7d4PD111AAA"),
        mock.token().header("cat", "cl_I7d4PD111III"),
        mock.token().without_header("typ"),
    ] {
        let token = builder.user("user_s").sign();
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_in(&state, "user_s", TokenCarrier::Header);
    }
}

/// Clerk answers `token-invalid` here (M04: a malformed JWT); this SDK names the actual
/// problem, deliberately ("Where this SDK differs"): a machine token sent to a route that
/// accepts session tokens only. A cookie holding one is still just a malformed session token.
#[tokio::test]
async fn opaque_machine_tokens_in_the_header_are_a_type_mismatch() {
    let (mock, clerk) = start_mock().await;
    for token in [
        "mt_0123456789abcdef0123456789abcdef",
        "ak_0123456789abcdef0123456789abcdef",
        "oat_0123456789abcdef",
    ] {
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Header));
        let state = get(&clerk, Some(token), None).await;
        assert_signed_out(&state, "token-type-mismatch", Some(TokenCarrier::Header));
        let state = get(&clerk, None, Some(&session_cookie(token, 1_700_000_000))).await;
        assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
    }
    assert_eq!(
        mock.jwks_requests(),
        0,
        "opaque tokens never reach the JWKS"
    );
    assert!(mock.api_requests().is_empty(), "nor the Backend API");
}

// ---------------------------------------------------------------------------------------
// §2.10 error mapping

#[tokio::test]
async fn verification_errors_map_to_request_reasons() {
    let (mock, clerk) = start_mock().await;

    // (builder, reason for GET, reason for POST)
    let cases: Vec<(clerk::testing::TokenBuilder, &str, &str)> = vec![
        (
            mock.token().expired(),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            "session-token-expired-refresh-non-eligible-non-get",
        ),
        (
            mock.token().not_before_in_secs(120),
            "session-token-nbf",
            "session-token-nbf",
        ),
        (
            mock.token().issued_in_secs(120),
            "session-token-iat-in-the-future",
            "session-token-iat-in-the-future",
        ),
        (
            mock.token().header("alg", "HS256"),
            "token-invalid-algorithm",
            "token-invalid-algorithm",
        ),
        (
            mock.token().claim("sub", 42),
            "token-verification-failed",
            "token-verification-failed",
        ),
    ];
    for (builder, on_get, on_post) in cases {
        let token = builder.sign();
        let header = format!("Bearer {token}");
        // Cookie: a client_uat far in the past, so row 10 does not apply.
        let cookie = session_cookie(&token, 1);
        for (method, code) in [
            (Method::GET, on_get),
            (Method::POST, on_post),
            (Method::PUT, on_post),
            (Method::HEAD, on_post),
        ] {
            let state = run(&clerk, method.clone(), Some(&header), None).await;
            assert_signed_out(&state, code, Some(TokenCarrier::Header));
            let state = run(&clerk, method, None, Some(&cookie)).await;
            assert_signed_out(&state, code, Some(TokenCarrier::Cookie));
        }
    }

    // Bad signature, both kinds: tampered payload and foreign key.
    for token in [
        mock.token().sign_tampered(),
        mock.token().sign_with(&mock.unpublished_key()),
    ] {
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(
            &state,
            "token-invalid-signature",
            Some(TokenCarrier::Header),
        );
        let state = run(&clerk, Method::POST, None, Some(&session_cookie(&token, 1))).await;
        assert_signed_out(
            &state,
            "token-invalid-signature",
            Some(TokenCarrier::Cookie),
        );
    }
}

#[tokio::test]
async fn authorized_parties_are_enforced() {
    let (mock, clerk) =
        start_mock_with(|b| b.authorized_parties(["https://app.example.com"])).await;

    let ok = mock
        .token()
        .user("user_azp")
        .azp("https://app.example.com")
        .sign();
    let state = get(&clerk, Some(&format!("Bearer {ok}")), None).await;
    assert_signed_in(&state, "user_azp", TokenCarrier::Header);

    for token in [
        mock.token().azp("http://localhost:3000").sign(),
        mock.token().azp("https://app.example.com/").sign(),
        mock.token().azp("https://APP.example.com").sign(),
        mock.token().azp("").sign(),
        mock.token().without_claim("azp").sign(),
    ] {
        let state = get(&clerk, Some(&format!("Bearer {token}")), None).await;
        assert_signed_out(
            &state,
            "token-invalid-authorized-parties",
            Some(TokenCarrier::Header),
        );
        let state = get(&clerk, None, Some(&session_cookie(&token, 1))).await;
        assert_signed_out(
            &state,
            "token-invalid-authorized-parties",
            Some(TokenCarrier::Cookie),
        );
    }

    // Without authorized parties, any azp (or none) is accepted.
    let open = mock.clerk();
    let token = mock.token().user("user_any").without_claim("azp").sign();
    let state = get(&open, Some(&format!("Bearer {token}")), None).await;
    assert_signed_in(&state, "user_any", TokenCarrier::Header);
}

// ---------------------------------------------------------------------------------------
// §4.3 pending sessions

#[tokio::test]
async fn pending_sessions() {
    let mock = MockClerk::start().await;
    let token = mock.token().user("user_pending").pending().sign();
    let header = format!("Bearer {token}");

    let clerk = mock.clerk();
    assert!(clerk.treat_pending_as_signed_out());
    let state = get(&clerk, Some(&header), None).await;
    assert!(
        state.is_signed_in(),
        "pending is signed in at the request level"
    );
    assert_eq!(state.reason(), None);
    let auth = state.to_auth();
    assert!(!auth.is_signed_in());
    assert_eq!(auth.user_id(), None);
    assert_eq!(auth.session_id(), None);
    assert!(auth.session().is_none());
    assert_eq!(auth.session_status(), Some("pending"));
    assert!(!auth.has(&clerk::Has::reverification(clerk::Reverification::Lax)));

    let clerk = mock
        .clerk_builder()
        .treat_pending_as_signed_out(false)
        .build()
        .unwrap();
    assert!(!clerk.treat_pending_as_signed_out());
    let state = get(&clerk, Some(&header), None).await;
    assert!(state.is_signed_in());
    let auth = state.to_auth();
    assert!(auth.is_signed_in());
    assert_eq!(auth.user_id(), Some("user_pending"));
    assert_eq!(auth.session_status(), Some("pending"));
    assert!(auth.session().unwrap().is_pending());

    // An active session reports its status too.
    let active = mock.token().sign();
    let auth = get(&mock.clerk(), Some(&format!("Bearer {active}")), None)
        .await
        .to_auth();
    assert!(auth.is_signed_in());
    assert_eq!(auth.session_status(), Some("active"));
}
