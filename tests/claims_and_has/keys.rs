//! Publishable keys, the issuer they name, and `Debug` redaction of keys.

use super::*;

#[test]
fn publishable_key_decoding() {
    // pk_live_ → production, pk_test_ → development.
    let live = PublishableKey::parse(&pk("pk_live_", "clerk.example.com$")).unwrap();
    assert_eq!(live.frontend_api(), "clerk.example.com");
    assert_eq!(live.frontend_api_url(), "https://clerk.example.com");
    assert_eq!(live.instance_type(), InstanceType::Production);
    assert_eq!(live.as_str(), pk("pk_live_", "clerk.example.com$"));
    let test = PublishableKey::parse(&pk("pk_test_", "foo-bar-13.clerk.accounts.dev$")).unwrap();
    assert_eq!(test.frontend_api(), "foo-bar-13.clerk.accounts.dev");
    assert_eq!(test.instance_type(), InstanceType::Development);
    // The spec's documented example.
    assert_eq!(
        PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")
            .unwrap()
            .frontend_api(),
        "clerk.example.com"
    );

    // Padding is optional.
    let padded = pk("pk_test_", "clerk.example.co$");
    assert!(padded.ends_with('='));
    let unpadded = padded.trim_end_matches('=').to_owned();
    for key in [&padded, &unpadded] {
        assert_eq!(
            PublishableKey::parse(key).unwrap().frontend_api(),
            "clerk.example.co",
            "{key}"
        );
    }
    let two = pk("pk_test_", "clerk.example.c$");
    assert!(two.ends_with("=="));
    assert!(PublishableKey::parse(two.trim_end_matches('=')).is_ok());

    let invalid = [
        String::new(),
        "pk_test".to_owned(),
        "pk_test_".to_owned(),
        pk("pk_prod_", "clerk.example.com$"),
        pk("sk_test_", "clerk.example.com$"),
        pk("PK_TEST_", "clerk.example.com$"),
        pk("pk_live", "clerk.example.com$"),
        format!("{}_extra", pk("pk_live_", "clerk.example.com$")),
        format!(
            "pk_test__{}",
            base64::engine::general_purpose::STANDARD.encode("a.b$")
        ),
        pk("pk_live_", "clerk.example.com"),   // no `$`
        pk("pk_live_", "clerk.example.com$$"), // two trailing `$`
        pk("pk_live_", "clerk$example.com$"),  // another `$`
        pk("pk_live_", "$clerk.example.com$"), // another `$`
        pk("pk_live_", "localhost$"),          // no `.`
        pk("pk_live_", "$"),                   // empty host
        "pk_live_!!!!".to_owned(),             // not base64
        "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k!".to_owned(),
    ];
    for key in &invalid {
        assert!(PublishableKey::parse(key).is_err(), "{key:?} accepted");
        let err = Clerk::builder()
            .publishable_key(key.clone())
            .without_env()
            .build();
        if !key.is_empty() {
            assert!(
                matches!(err, Err(ConfigError::InvalidPublishableKey { .. })),
                "{key:?}: {err:?}"
            );
        }
    }
}

#[tokio::test]
async fn issuer_from_publishable_key() {
    let (mock, clerk) = start_mock_with(|b| b.issuer_from_publishable_key()).await;
    let ok = mock.token().user("user_iss").sign();
    assert_eq!(verifies(&clerk, &ok).await, Ok(()));
    let s = session_of(&clerk, &ok).await;
    assert_eq!(s.user_id(), "user_iss");

    let fapi = mock.issuer().trim_start_matches("https://").to_owned();
    for token in [
        mock.token()
            .issuer("https://evil.clerk.accounts.dev")
            .sign(),
        mock.token().issuer(&format!("{}/", mock.issuer())).sign(),
        mock.token().issuer(&format!("http://{fapi}")).sign(),
        mock.token().issuer(&fapi).sign(),
        mock.token().issuer(&mock.issuer().to_uppercase()).sign(),
        mock.token().without_claim("iss").sign(),
    ] {
        assert_refused(&clerk, &token, "token-invalid-issuer").await;
        let parts = bearer_parts("/", &token);
        let state = clerk.authenticate_request(&parts).await;
        assert_eq!(
            state.reason().map(|r| r.as_str()),
            Some("token-invalid-issuer")
        );
    }

    // Without the option, iss is not checked (Clerk's default).
    let lax = mock.clerk();
    let foreign = mock
        .token()
        .issuer("https://evil.clerk.accounts.dev")
        .sign();
    assert_eq!(verifies(&lax, &foreign).await, Ok(()));

    // The publishable key may come from the environment.
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_PUBLISHABLE_KEY", &mock.publishable_key()),
            ("CLERK_JWT_KEY", &mock.jwt_key_pem()),
        ]))
        .issuer_from_publishable_key()
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &ok).await, Ok(()));
    assert_refused(&clerk, &foreign, "token-invalid-issuer").await;
}

#[tokio::test]
async fn debug_never_shows_keys() {
    let mock = MockClerk::start().await;
    let sk = mock.secret_key().to_owned();
    let pem = mock.jwt_key_pem();
    // A line of the PEM body (not the armour).
    let pem_line = pem.lines().nth(2).unwrap().to_owned();
    assert!(pem_line.len() > 20);
    let secret_part = sk.trim_start_matches("sk_test_").to_owned();

    let builder = mock.clerk_builder().jwt_key(pem.clone());
    let clerk = builder.clone().build().unwrap();
    let with_sk_only = mock.clerk();
    let from_env = Clerk::builder()
        .env_lookup(env(&[("CLERK_SECRET_KEY", &sk), ("CLERK_JWT_KEY", &pem)]))
        .build()
        .unwrap();
    let options = clerk::VerifyTokenOptions {
        jwt_key: Some(pem.clone()),
        secret_key: Some(sk.clone()),
        ..Default::default()
    };
    let outputs = [
        format!("{builder:?}"),
        format!("{builder:#?}"),
        format!("{clerk:?}"),
        format!("{clerk:#?}"),
        format!("{with_sk_only:?}"),
        format!("{from_env:?}"),
        format!("{options:?}"),
        format!("{options:#?}"),
        format!("{:?}", clerk.publishable_key()),
    ];
    for out in &outputs {
        assert!(!out.contains(&sk), "secret key in {out}");
        assert!(!out.contains(&secret_part), "secret key in {out}");
        assert!(!out.contains(&pem_line), "JWT key in {out}");
        assert!(!out.contains("BEGIN PUBLIC KEY"), "JWT key in {out}");
    }
    // Still useful: the non-secret settings are shown.
    assert!(format!("{clerk:?}").contains(&mock.api_url()));
}
