//! Caching: one fetch on a cold start, TTL expiry, instances apart, concurrent cold starts.

use super::*;

#[tokio::test]
async fn cold_start_fetches_once_then_serves_from_cache_with_the_right_headers() {
    let (mock, clerk) = start_mock().await;
    assert_eq!(mock.jwks_requests(), 0, "building a Clerk fetches nothing");

    let token = mock.token().user("user_1").sign();
    let claims = clerk.verify_token(&token).await.unwrap();
    assert_eq!(claims.subject(), "user_1");
    assert_eq!(mock.jwks_requests(), 1);
    assert_eq!(fetch_count(&clerk), 1);
    assert_eq!(
        clerk.verification_keys().unwrap().kids(),
        vec![mock.current_kid()]
    );

    for i in 0..20 {
        assert_verifies(&clerk, &mock.token().user(&format!("user_{i}")).sign()).await;
    }
    // A clone shares the instance and its cache.
    assert_verifies(&clerk.clone(), &token).await;
    assert_eq!(mock.jwks_requests(), 1, "warm verifications fetch nothing");
    assert_eq!(fetch_count(&clerk), 1);

    let headers = mock.jwks_request_headers();
    assert_eq!(headers.len(), 1);
    let h = &headers[0];
    assert_eq!(
        h.get("authorization").unwrap().to_str().unwrap(),
        format!("Bearer {}", mock.secret_key())
    );
    assert_eq!(
        h.get("clerk-api-version").unwrap().to_str().unwrap(),
        "2026-05-12"
    );
    let ua = h.get("user-agent").unwrap().to_str().unwrap();
    assert!(ua.starts_with("clerk-rs/"), "User-Agent {ua:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_expiry_refetches_exactly_once() {
    let (mock, clerk) = start_mock_with(|b| b.jwks_cache_ttl(Duration::from_millis(300))).await;
    let token = mock.token().sign();

    assert_verifies(&clerk, &token).await;
    assert_verifies(&clerk, &token).await;
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(Duration::from_millis(400)).await;
    // 50 concurrent verifications on the expired cache are answered from the cached key
    // and share one background refresh.
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let clerk = clerk.clone();
            let token = token.clone();
            tokio::spawn(async move { clerk.verify_token(&token).await.map(|_| ()) })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        task.unwrap().unwrap();
    }
    wait_for_jwks_refresh(&clerk).await;
    assert_verifies(&clerk, &token).await;
    assert_eq!(mock.jwks_requests(), 2, "exactly one refetch after the TTL");
    assert_eq!(fetch_count(&clerk), 2);
}

#[tokio::test]
async fn two_instances_do_not_share_a_cache() {
    let mock = MockClerk::start().await;
    let first = mock.clerk();
    let second = mock.clerk();
    let token = mock.token().sign();

    assert_verifies(&first, &token).await;
    assert_eq!(mock.jwks_requests(), 1);
    assert_verifies(&second, &token).await;
    assert_eq!(
        mock.jwks_requests(),
        2,
        "the second instance fetches its own JWKS"
    );

    assert_verifies(&first, &token).await;
    assert_verifies(&second, &token).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert_eq!(fetch_count(&first), 1);
    assert_eq!(fetch_count(&second), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_cold_verifications_cause_one_fetch() {
    let (mock, clerk) = start_mock().await;
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..10)
            .map(|i| mock.token().user(&format!("user_{i}")).sign())
            .collect(),
    );
    let start = Arc::new(tokio::sync::Barrier::new(1000));

    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let clerk = clerk.clone();
            let tokens = tokens.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let token = &tokens[i % tokens.len()];
                clerk
                    .verify_token(token)
                    .await
                    .map(|claims| claims.subject().to_owned())
                    .map_err(|e| e.reason())
            })
        })
        .collect();
    let results = futures::future::join_all(tasks).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(
            result.unwrap(),
            Ok(format!("user_{}", i % 10)),
            "verification {i}"
        );
    }
    assert_eq!(mock.jwks_requests(), 1);
    assert_eq!(fetch_count(&clerk), 1);
}
