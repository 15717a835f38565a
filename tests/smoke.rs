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
