//! Unknown, revoked and expired tokens, Backend API failures, and the cache of positive results.

use super::*;

#[tokio::test]
async fn unknown_revoked_and_expired_tokens_are_refused() {
    let f = Fixture::new().await;
    for (path, token, message) in [
        (
            "/api_keys",
            "ak_0123456789abcdef0123456789abcdef",
            "API key not found",
        ),
        (
            "/m2m",
            "mt_0123456789abcdef0123456789abcdef",
            "Machine token not found",
        ),
        ("/oauth", "oat_0123456789abcdef", "OAuth token not found"),
    ] {
        let got = f.refused(path, Some(token), "token-invalid").await;
        assert_eq!(
            got,
            format!("{message} (reason=token-invalid, token-carrier=header)")
        );
    }

    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    assert!(f.mock.revoke_machine_token(&key_id));
    let message = f.refused("/api_keys", Some(&key), "token-invalid").await;
    assert!(message.starts_with("API key has been revoked"), "{message}");

    let (mt_id, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    assert!(f.mock.expire_machine_token(&mt_id));
    let message = f.refused("/m2m", Some(&mt), "token-invalid").await;
    assert!(
        message.starts_with("Machine token has expired"),
        "{message}"
    );

    // Only the `expiration` says so: still refused.
    let (oat_id, oat) = f.mock.create_oauth_token(USER, CLIENT, &[]);
    f.mock
        .merge_into_machine_token(&oat_id, json!({"expiration": 1_000_000_000_000i64}));
    f.refused("/oauth", Some(&oat), "token-invalid").await;

    // An answer without the `revoked` flag: fail closed.
    let (id, key) = f.mock.create_api_key(USER, &[], None);
    f.mock
        .merge_into_machine_token(&id, json!({"revoked": null}));
    f.refused("/api_keys", Some(&key), "unexpected-error").await;

    // Tokens over 16 KiB never leave the process.
    let before = f.machine_calls();
    let huge = format!("ak_{}", "a".repeat(clerk::MAX_TOKEN_LEN));
    f.refused("/api_keys", Some(&huge), "token-invalid").await;
    assert_eq!(f.machine_calls(), before);
    // Failures are not cached: each refused request asked again.
    assert_eq!(f.calls("/api_keys/verify"), 3);
}

#[tokio::test]
async fn backend_api_failures_fail_closed() {
    let f = Fixture::new().await;
    let (_, key) = f.mock.create_api_key(USER, &[], None);

    // 5xx, 429, garbage: 401 `unexpected-error` (as a JWKS outage is a 401 for sessions).
    f.mock.inject_api_faults([Fault::Status(503)]);
    f.refused("/api_keys", Some(&key), "unexpected-error").await;
    f.mock.inject_api_faults([Fault::Garbage]);
    f.refused("/api_keys", Some(&key), "unexpected-error").await;
    f.mock.inject_api_faults([Fault::InvalidSecretKey]);
    f.refused("/api_keys", Some(&key), "secret-key-invalid")
        .await;
    // Then the Backend API recovers.
    assert_eq!(f.ok("/api_keys", &key).await["subject"], USER);

    // A wrong secret key.
    let wrong = f
        .mock
        .clerk_builder()
        .secret_key("sk_test_wrong")
        .build()
        .unwrap();
    let err = wrong.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidSecretKey);
    assert_eq!(err.status(), Some(401));
    // No secret key at all.
    let none = Clerk::builder()
        .without_env()
        .api_url(f.mock.api_url())
        .build()
        .unwrap();
    let err = none.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::UnexpectedError);

    // A Backend API that answers too late, and one that is gone.
    let slow = f
        .mock
        .clerk_builder()
        .http_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    f.mock
        .inject_api_faults([Fault::Delay(Duration::from_secs(2))]);
    let err = slow.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::UnexpectedError);
    let gone = Clerk::builder()
        .without_env()
        .secret_key("sk_test_gone")
        .api_url("http://127.0.0.1:1")
        .api_retry(clerk::api::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let f = Fixture::with(f.mock, serve(app(gone)).await);
    f.refused("/api_keys", Some(&key), "unexpected-error").await;
    f.refused("/m2m", Some("mt_whatever"), "unexpected-error")
        .await;
}

#[tokio::test]
async fn positive_results_are_cached_per_instance() {
    let f = Fixture::new().await;
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    assert_eq!(f.ok("/machines", &key).await["id"], key_id);
    assert_eq!(f.calls("/api_keys/verify"), 1, "one upstream call");

    // A burst of concurrent requests with a fresh token: one call.
    let (_, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    let requests = (0..20).map(|_| f.get("/m2m", Some(&mt)));
    for r in futures::future::join_all(requests).await {
        assert_eq!(r.status(), 200);
    }
    assert_eq!(f.calls("/m2m_tokens/verify"), 1);

    // Revocation takes effect after the TTL; this instance caches for 10 s, so the key
    // still works right after its revocation…
    assert!(f.mock.revoke_machine_token(&key_id));
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    // …while an instance without the cache refuses it at once.
    let uncached = f
        .mock
        .clerk_builder()
        .machine_token_cache(MachineTokenCacheConfig {
            ttl: Duration::ZERO,
            ..Default::default()
        })
        .build()
        .unwrap();
    let err = uncached.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::TokenInvalid);
    // A short TTL expires.
    let short = f
        .mock
        .clerk_builder()
        .machine_token_cache(MachineTokenCacheConfig {
            ttl: Duration::from_millis(150),
            ..Default::default()
        })
        .build()
        .unwrap();
    let (id2, key2) = f.mock.create_api_key(USER, &[], None);
    short.verify_machine_token(&key2).await.unwrap();
    short.verify_machine_token(&key2).await.unwrap();
    f.mock.revoke_machine_token(&id2);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(short.verify_machine_token(&key2).await.is_err());

    // Keyed by the whole token: a prefix or an extension of it is another token.
    let before = f.calls("/api_keys/verify");
    f.refused("/api_keys", Some(&key[..key.len() - 1]), "token-invalid")
        .await;
    f.refused("/api_keys", Some(&format!("{key}x")), "token-invalid")
        .await;
    assert_eq!(f.calls("/api_keys/verify"), before + 2);
}
