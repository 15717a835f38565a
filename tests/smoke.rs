use clerk::testing::MockClerk;

#[tokio::test]
async fn mock_round_trip() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let token = mock
        .token()
        .user("user_1")
        .org("org_1", "org:admin")
        .permissions(&["org:invoices:create"])
        .sign();
    let claims = clerk.verify_token(&token).await.unwrap();
    assert_eq!(claims.subject(), "user_1");
    assert_eq!(mock.jwks_requests(), 1);
    let pem = clerk::VerifyTokenOptions {
        jwt_key: Some(mock.jwt_key_pem()),
        ..Default::default()
    };
    clerk::verify_token(&token, &pem).await.unwrap();
    let err = clerk
        .verify_token(&mock.token().expired().sign())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "token-expired");
    let mut req = http::Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap();
    let (parts, _) = std::mem::replace(&mut req, http::Request::new(())).into_parts();
    let state = clerk.authenticate_request(&parts).await;
    let auth = state.to_auth();
    assert_eq!(auth.user_id(), Some("user_1"));
    assert!(auth.has(&clerk::Has::role("admin")));
    assert!(auth.has(&clerk::Has::permission("org:invoices:create")));
    assert!(!auth.has(&clerk::Has::permission("org:invoices:delete")));
}

/// The names renamed for clarity keep working, deprecated, for one release.
#[tokio::test]
#[allow(deprecated)]
async fn deprecated_names_still_answer() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    assert_eq!(clerk::CLERK_API_VERSION_HEADER, clerk::CLERK_API_VERSION);
    assert_eq!(
        clerk::jwks::FAILURE_BACKOFF,
        clerk::jwks::DEFAULT_FAILURE_BACKOFF
    );
    assert_eq!(
        clerk.treats_pending_as_signed_out(),
        clerk.treat_pending_as_signed_out()
    );
    let err = clerk
        .verify_token(&mock.token().expired().sign())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), err.code());
    clerk
        .verify_token(&mock.token().user("user_1").sign())
        .await
        .unwrap();
    let counters = clerk.token_cache_counters().expect("token cache on");
    assert_eq!(
        clerk.token_cache_stats(),
        Some((counters.hits, counters.misses))
    );
    assert_eq!(
        clerk.jwks_cache().map(|c| c.kids()),
        clerk.verification_keys().map(|c| c.kids())
    );
    assert_eq!(
        clerk.jwks().get().await.unwrap().keys.len(),
        clerk.jwks_api().get().await.unwrap().keys.len()
    );
    let _: Option<&clerk::AcceptedRequestState> = None::<&clerk::AnyTokenRequestState>;
}
