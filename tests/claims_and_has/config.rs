//! Spec §5: configuration sources and their precedence.

use super::*;

const _: () = {
    const fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Clerk>();
    assert_traits::<Session>();
    assert_traits::<Auth>();
    assert_traits::<clerk::ClerkBuilder>();
};

#[tokio::test]
async fn secret_key_precedence() {
    let mock = MockClerk::start().await;
    let token = mock.token().sign();
    let sk = mock.secret_key().to_owned();
    let url = mock.api_url();
    let wrong = "sk_test_wrongwrongwrong";

    // Environment alone.
    let clerk = Clerk::builder()
        .env_lookup(env(&[("CLERK_SECRET_KEY", &sk), ("CLERK_API_URL", &url)]))
        .build()
        .unwrap();
    assert!(clerk.has_secret_key());
    assert_eq!(clerk.api_url(), url);
    assert_eq!(verifies(&clerk, &token).await, Ok(()));

    // The option beats the environment, both ways.
    let clerk = Clerk::builder()
        .secret_key(&sk)
        .env_lookup(env(&[("CLERK_SECRET_KEY", wrong), ("CLERK_API_URL", &url)]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    let clerk = Clerk::builder()
        .secret_key(wrong)
        .env_lookup(env(&[("CLERK_SECRET_KEY", &sk), ("CLERK_API_URL", &url)]))
        .build()
        .unwrap();
    assert_refused(&clerk, &token, "secret-key-invalid").await;
    // An invalid environment value is not even looked at when the option is set.
    let clerk = Clerk::builder()
        .secret_key(&sk)
        .env_lookup(env(&[
            ("CLERK_SECRET_KEY", "garbage"),
            ("CLERK_API_URL", &url),
        ]))
        .build();
    assert!(clerk.is_ok());

    // CLERK_SECRET_KEY beats the legacy CLERK_API_KEY.
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_SECRET_KEY", &sk),
            ("CLERK_API_KEY", wrong),
            ("CLERK_API_URL", &url),
        ]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_SECRET_KEY", wrong),
            ("CLERK_API_KEY", &sk),
            ("CLERK_API_URL", &url),
        ]))
        .build()
        .unwrap();
    assert_refused(&clerk, &token, "secret-key-invalid").await;
    // ... and an invalid CLERK_SECRET_KEY is reported even when CLERK_API_KEY is fine.
    let err = Clerk::builder()
        .env_lookup(env(&[("CLERK_SECRET_KEY", "nope"), ("CLERK_API_KEY", &sk)]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("CLERK_SECRET_KEY"), "{err}");

    // CLERK_API_KEY as the fallback (absent or empty CLERK_SECRET_KEY).
    for pairs in [
        vec![
            ("CLERK_API_KEY", sk.as_str()),
            ("CLERK_API_URL", url.as_str()),
        ],
        vec![
            ("CLERK_SECRET_KEY", ""),
            ("CLERK_API_KEY", sk.as_str()),
            ("CLERK_API_URL", url.as_str()),
        ],
    ] {
        let clerk = Clerk::builder().env_lookup(env(&pairs)).build().unwrap();
        assert!(clerk.has_secret_key());
        assert_eq!(verifies(&clerk, &token).await, Ok(()));
    }
    let err = Clerk::builder()
        .env_lookup(env(&[("CLERK_API_KEY", "nope")]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("CLERK_API_KEY"), "{err}");

    // Nothing configured: no key; verification cannot resolve a key.
    let clerk = Clerk::builder().without_env().build().unwrap();
    assert!(!clerk.has_secret_key());
    assert_refused(&clerk, &token, "jwk-failed-to-resolve").await;
}

#[tokio::test]
async fn other_options_beat_their_variables() {
    let mock = MockClerk::start().await;
    let other_pk = pk("pk_live_", "clerk.other.example$");

    // Publishable key.
    let clerk = Clerk::builder()
        .publishable_key(mock.publishable_key())
        .env_lookup(env(&[("CLERK_PUBLISHABLE_KEY", &other_pk)]))
        .build()
        .unwrap();
    assert_eq!(
        clerk.publishable_key().unwrap().frontend_api_url(),
        mock.issuer()
    );
    let clerk = Clerk::builder()
        .env_lookup(env(&[("CLERK_PUBLISHABLE_KEY", &other_pk)]))
        .build()
        .unwrap();
    let pk = clerk.publishable_key().unwrap();
    assert_eq!(pk.frontend_api(), "clerk.other.example");
    assert_eq!(pk.instance_type(), InstanceType::Production);
    assert!(Clerk::builder()
        .publishable_key(mock.publishable_key())
        .env_lookup(env(&[("CLERK_PUBLISHABLE_KEY", "pk_garbage")]))
        .build()
        .is_ok());

    // API URL (default, env, option).
    let clerk = Clerk::builder().without_env().build().unwrap();
    assert_eq!(clerk.api_url(), "https://api.clerk.com");
    assert_eq!(clerk.api_version(), "v1");
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_API_URL", "https://api.env.example"),
            ("CLERK_API_VERSION", "v9"),
        ]))
        .build()
        .unwrap();
    assert_eq!(clerk.api_url(), "https://api.env.example");
    assert_eq!(clerk.api_version(), "v9");
    let clerk = Clerk::builder()
        .api_url("https://api.option.example")
        .api_version("v2")
        .env_lookup(env(&[
            ("CLERK_API_URL", "not a url"),
            ("CLERK_API_VERSION", "a/b"),
        ]))
        .build()
        .unwrap();
    assert_eq!(clerk.api_url(), "https://api.option.example");
    assert_eq!(clerk.api_version(), "v2");

    // JWT key from the environment: networkless, no JWKS request even with a secret key.
    let token = mock.token().user("user_pem").sign();
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_JWT_KEY", &mock.jwt_key_pem()),
            ("CLERK_SECRET_KEY", mock.secret_key()),
            ("CLERK_API_URL", &mock.api_url()),
        ]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    assert_eq!(mock.jwks_requests(), 0);
    // The option beats the variable (an invalid variable is not read).
    let clerk = Clerk::builder()
        .jwt_key(mock.jwt_key_pem())
        .env_lookup(env(&[("CLERK_JWT_KEY", "garbage")]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    // A valid key of another instance from the option wins over the right one in env.
    let other = mock.unpublished_key();
    let clerk = Clerk::builder()
        .jwt_key(other.public_pem())
        .env_lookup(env(&[("CLERK_JWT_KEY", &mock.jwt_key_pem())]))
        .build()
        .unwrap();
    assert_refused(&clerk, &token, "token-invalid-signature").await;

    // Clock skew: CLERK_CLOCK_SKEW_IN_MS, and the option beats it.
    let early = mock.token().not_before_in_secs(3).sign();
    let with_skew = |pairs: &[(&str, &str)]| {
        Clerk::builder()
            .jwt_key(mock.jwt_key_pem())
            .env_lookup(env(pairs))
    };
    let default = with_skew(&[]).build().unwrap();
    assert_eq!(
        verifies(&default, &early).await,
        Ok(()),
        "default skew is 5 s"
    );
    let zero = with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "0")])
        .build()
        .unwrap();
    assert_refused(&zero, &early, "token-not-active-yet").await;
    let later = mock.token().not_before_in_secs(8).sign();
    let wide = with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "10000")])
        .build()
        .unwrap();
    assert_eq!(verifies(&wide, &later).await, Ok(()));
    assert_refused(&default, &later, "token-not-active-yet").await;
    let option = with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "0")])
        .clock_skew(Duration::from_secs(10))
        .build()
        .unwrap();
    assert_eq!(verifies(&option, &later).await, Ok(()));
    assert!(with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "abc")])
        .clock_skew(Duration::from_secs(1))
        .build()
        .is_ok());
}

#[tokio::test]
async fn invalid_values_name_their_source() {
    let pem_like = "-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n";
    let cases: Vec<(&str, &str)> = vec![
        ("CLERK_SECRET_KEY", "nope"),
        ("CLERK_SECRET_KEY", "pk_test_abc"),
        ("CLERK_SECRET_KEY", "sk_test_"),
        ("CLERK_SECRET_KEY", "sk_live_has space"),
        ("CLERK_PUBLISHABLE_KEY", "pk_garbage"),
        ("CLERK_PUBLISHABLE_KEY", "pk_test_!!!!"),
        ("CLERK_JWT_KEY", "not a pem"),
        ("CLERK_JWT_KEY", pem_like),
        ("CLERK_JWT_KEY", "QUFBQQ=="),
        ("CLERK_API_URL", "not a url"),
        ("CLERK_API_URL", "ftp://api.example.com"),
        ("CLERK_API_URL", "/relative"),
        ("CLERK_API_VERSION", "v1/extra"),
        ("CLERK_CLOCK_SKEW_IN_MS", "abc"),
        ("CLERK_CLOCK_SKEW_IN_MS", "-5"),
        ("CLERK_CLOCK_SKEW_IN_MS", "1.5"),
    ];
    for (var, value) in cases {
        let err: ConfigError = Clerk::builder()
            .env_lookup(env(&[(var, value)]))
            .build()
            .expect_err(&format!("{var}={value:?} must be refused"));
        let message = err.to_string();
        assert!(message.contains(var), "{var}={value:?}: {message}");
        if var == "CLERK_SECRET_KEY" && value.len() > 9 {
            assert!(!message.contains(value), "secret echoed: {message}");
        }
    }

    // Options are named as options.
    let options: Vec<(clerk::ClerkBuilder, &str)> = vec![
        (Clerk::builder().secret_key("nope"), "secret_key"),
        (
            Clerk::builder().publishable_key("pk_nope"),
            "publishable_key",
        ),
        (Clerk::builder().jwt_key("not a pem"), "jwt_key"),
        (Clerk::builder().api_url("not a url"), "api_url"),
        (Clerk::builder().api_version("a/b"), "api_version"),
    ];
    for (builder, name) in options {
        let err = builder.without_env().build().unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }

    // issuer_from_publishable_key without a publishable key.
    let err = Clerk::builder()
        .without_env()
        .issuer_from_publishable_key()
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::IssuerNeedsPublishableKey));
    assert!(err.to_string().contains("publishable key"), "{err}");
}
