//! Where machine tokens come from, the verify calls, JWT forms and the runtime API.

use super::*;

#[tokio::test]
async fn machine_tokens_come_from_the_authorization_header_only() {
    let f = Fixture::new().await;
    let (_, key) = f.mock.create_api_key(USER, &[], None);
    let cookie = format!("__session={key}; __client_uat=1700000000");
    let send = |path: &'static str| {
        f.http
            .get(format!("{}{path}", f.base))
            .header("cookie", cookie.clone())
            .send()
    };
    // A machine-only route: no header token.
    let r = send("/api_keys").await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("No token in header")
    );
    // A session route: the cookie is a (malformed) session token, never a machine token.
    let r = send("/session").await.unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    let r = send("/mixed").await.unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    assert_eq!(f.machine_calls(), 0);
    // Another scheme is no header token either.
    let r = f
        .http
        .get(format!("{}/api_keys", f.base))
        .header("authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("No token in header")
    );
    // Without anything, a mixed route answers as a session route does.
    f.refused("/mixed", None, "session-token-and-uat-missing")
        .await;
}

#[tokio::test]
async fn verify_calls_use_unversioned_paths_and_the_right_key() {
    let (mock, clerk) = start_mock().await;
    let (_, key) = mock.create_api_key(USER, &[], None);
    let (_, mt) = mock.create_m2m_token(MACHINE, &[], None);
    let (_, oat) = mock.create_oauth_token(USER, CLIENT, &[]);
    for token in [&key, &mt, &oat] {
        clerk.verify_machine_token(token).await.unwrap();
    }
    let calls = mock.api_requests();
    let uris: Vec<&str> = calls.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "/api_keys/verify",
            "/m2m_tokens/verify",
            "/oauth_applications/access_tokens/verify"
        ]
    );
    let bearer = format!("Bearer {}", mock.secret_key());
    for call in &calls {
        assert!(!call.uri.starts_with("/v1"), "{}", call.uri);
        assert_eq!(call.method, "POST");
        assert_eq!(call.headers["clerk-api-version"], "2026-05-12");
        assert_eq!(call.headers["content-type"], "application/json");
        assert_eq!(call.headers["authorization"], bearer.as_str());
    }

    // M2M tokens are verified with the machine secret key when one is configured (here
    // from the environment); the other types keep the secret key.
    let machine_key = mock.machine_secret_key();
    let env_key = machine_key.clone();
    let with_machine_key = mock
        .clerk_builder()
        .env_lookup(move |name| (name == "CLERK_MACHINE_SECRET_KEY").then(|| env_key.clone()))
        .build()
        .unwrap();
    assert!(!format!("{with_machine_key:?}").contains(&machine_key));
    with_machine_key.verify_machine_token(&mt).await.unwrap();
    with_machine_key.verify_machine_token(&key).await.unwrap();
    let calls = mock.api_requests();
    let m2m_call = &calls[calls.len() - 2];
    assert_eq!(m2m_call.uri, "/m2m_tokens/verify");
    assert_eq!(
        m2m_call.headers["authorization"],
        format!("Bearer {machine_key}").as_str()
    );
    assert_eq!(
        calls[calls.len() - 1].headers["authorization"],
        bearer.as_str()
    );

    // A wrong machine secret key: the Backend API says 401.
    let wrong = mock
        .clerk_builder()
        .machine_secret_key("ak_wrong")
        .build()
        .unwrap();
    let err = wrong.verify_machine_token(&mt).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidSecretKey);
}

#[tokio::test]
async fn jwt_forms_are_verified_locally() {
    let f = Fixture::new().await;
    let m2m_jwt = f
        .mock
        .m2m_jwt(MACHINE, &[OTHER_MACHINE])
        .claim("jti", "mt_0000")
        .sign();
    let body = f.ok("/m2m", &m2m_jwt).await;
    assert_eq!(
        (
            &body["id"],
            &body["machine_id"],
            &body["scopes"],
            &body["jwt"]
        ),
        (
            &json!("mt_0000"),
            &json!(MACHINE),
            &json!([OTHER_MACHINE]),
            &json!(true)
        )
    );
    let oauth_jwt = f.mock.oauth_jwt(USER, CLIENT, &["email"]).sign();
    let body = f.ok("/oauth", &oauth_jwt).await;
    assert_eq!(
        (&body["user_id"], &body["client_id"], &body["scopes"]),
        (&json!(USER), &json!(CLIENT), &json!(["email"]))
    );
    // The session path refuses them (as before), a route listing them accepts them.
    f.refused("/session", Some(&m2m_jwt), "token-type-mismatch")
        .await;
    f.refused("/api_keys", Some(&m2m_jwt), "token-type-mismatch")
        .await;
    f.refused("/m2m", Some(&oauth_jwt), "token-type-mismatch")
        .await;
    assert_eq!(
        f.ok("/session_or_m2m", &m2m_jwt).await,
        json!({"type": "m2m_token", "machine_id": MACHINE})
    );
    let session = f.mock.token().user("user_s").sign();
    assert_eq!(
        f.ok("/session_or_m2m", &session).await,
        json!({"type": "session_token", "machine_id": null})
    );
    assert_eq!(f.machine_calls(), 0, "JWT forms need no Backend API call");

    // Local failures: token-verification-failed.
    for bad in [
        f.mock.m2m_jwt(MACHINE, &[]).expired().sign(),
        f.mock
            .m2m_jwt(MACHINE, &[])
            .sign_with(&f.mock.unpublished_key()),
        f.mock.m2m_jwt(MACHINE, &[]).sign_tampered(),
        f.mock
            .m2m_jwt(MACHINE, &[])
            .header("cat", "cl_B7d4PD111AAA")
            .sign(),
        f.mock.m2m_jwt(MACHINE, &[]).header("alg", "none").sign(),
    ] {
        f.refused("/m2m", Some(&bad), "token-verification-failed")
            .await;
    }
    f.refused(
        "/oauth",
        Some(&f.mock.oauth_jwt(USER, CLIENT, &[]).expired().sign()),
        "token-verification-failed",
    )
    .await;
}

#[tokio::test]
async fn the_runtime_api() {
    let (mock, clerk) = start_mock().await;
    let (key_id, key) = mock.create_api_key(ORG, &["admin"], None);
    let machine = clerk.verify_machine_token(&key).await.unwrap();
    assert_eq!(machine.token_type(), TokenType::ApiKey);
    assert_eq!(
        (machine.id(), machine.org_id()),
        (key_id.as_str(), Some(ORG))
    );
    assert!(machine.has_scope("admin") && !machine.has_scope("read"));
    assert!(!machine.has(&clerk::Has::role("org:admin")));
    assert_eq!(machine.token(), key);
    assert!(
        !format!("{machine:?}").contains(&key),
        "Debug hides the token"
    );

    let err = clerk
        .verify_machine_token("eyJ.not.machine")
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "token-invalid");

    let request = |token: &str| {
        http::Request::builder()
            .uri("/")
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let state = clerk
        .authenticate_request_accepting(&request(&key), AcceptsToken::ANY)
        .await;
    assert!(state.is_signed_in());
    assert_eq!(state.token_type(), Some(TokenType::ApiKey));
    let auth = state.to_auth();
    assert!(auth.is_authenticated() && !auth.is_signed_in());
    assert_eq!((auth.org_id(), auth.user_id()), (Some(ORG), None));
    assert_eq!(
        auth.get_token(None).await.unwrap().as_deref(),
        Some(key.as_str())
    );
    assert_eq!(state.observability_headers().len(), 1);

    // The session-only default is `authenticate_request` itself.
    let session = mock.token().user("user_s").sign();
    for token in [&session, &key, &"garbage".to_owned()] {
        let parts = request(token);
        let plain = clerk.authenticate_request(&parts).await;
        let accepting = clerk
            .authenticate_request_accepting(&parts, AcceptsToken::SESSION)
            .await;
        assert!(matches!(&accepting, AnyTokenRequestState::Session(_)));
        assert_eq!(plain.reason(), accepting.reason());
        assert_eq!(plain.is_signed_in(), accepting.is_signed_in());
    }
    let state = clerk
        .authenticate_request_accepting(&request(&session), AcceptsToken::MACHINE)
        .await;
    assert_eq!(
        state.reason().map(|r| r.as_str()),
        Some("token-type-mismatch")
    );
    assert_eq!(state.to_auth().token_type(), TokenType::SessionToken);
    assert!(!state.to_auth().is_authenticated());
}
