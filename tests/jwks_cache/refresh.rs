//! Stale-while-revalidate over real HTTP: once the TTL has passed, requests are answered
//! from the cached keys while one refresh runs in the background.

use super::*;
use common::http::{client, fetch_as};
use common::serve;

use axum::routing::get;
use axum::Router;
use clerk::Session;

#[clerk::protect]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

/// Serves `/me` behind `clerk`; returns its URL.
async fn serve_me(clerk: &Clerk) -> String {
    let url = serve(
        Router::new()
            .route("/me", get(me))
            .with_state(clerk.clone()),
    )
    .await;
    format!("{url}/me")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_ttl_requests_are_answered_at_once_while_a_slow_refresh_runs() {
    const TTL: Duration = Duration::from_millis(300);
    /// How long the JWKS endpoint takes to answer the refresh (within the HTTP timeout).
    const SLOW: Duration = Duration::from_secs(3);
    let (mock, clerk) =
        start_mock_with(|b| b.jwks_cache_ttl(TTL).http_timeout(Duration::from_secs(10))).await;
    let url = serve_me(&clerk).await;
    let http = client();
    let tokens: Vec<String> = (0..20)
        .map(|i| mock.token().user(&format!("user_{i}")).sign())
        .collect();
    let res = fetch_as(&http, url.clone(), &tokens[0]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::Delay(SLOW));
    // 20 concurrent requests (new and cached tokens) meet the expired key set: all are
    // answered from the cached key, none waits for the slow refresh.
    let started = Instant::now();
    let answers = futures::future::join_all(tokens.iter().map(|token| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let res = fetch_as(&http, url, token).await;
            (res.status(), res.text().await.unwrap(), started.elapsed())
        }
    }))
    .await;
    for (i, (status, body, took)) in answers.into_iter().enumerate() {
        assert_eq!(
            (status.as_u16(), body.as_str()),
            (200, &*format!("user_{i}"))
        );
        assert!(took < SLOW / 2, "request {i} took {took:?}");
    }
    // The refresh is under way: one request reached the endpoint, and later requests
    // still do not wait for it.
    let res = fetch_as(&http, url.clone(), &tokens[3]).await;
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() < SLOW / 2, "took {:?}", started.elapsed());
    assert!(clerk
        .verification_keys()
        .unwrap()
        .background_refresh_running());

    wait_for_jwks_refresh(&clerk).await;
    assert!(
        started.elapsed() >= SLOW,
        "the refresh waited for the endpoint"
    );
    assert_eq!(mock.jwks_requests(), 2, "one refresh");
    assert_eq!(fetch_count(&clerk), 2);
    // Fresh again: no fetch.
    let res = fetch_as(&http, url.clone(), &tokens[5]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(mock.jwks_requests(), 2);
}

/// A request that needs a key the cache does not have waits for the fetch, even while
/// the other keys are stale.
#[tokio::test]
async fn an_unknown_kid_on_a_stale_key_set_waits_for_the_fetch() {
    const TTL: Duration = Duration::from_millis(300);
    let (mock, clerk) = start_mock_with(|b| b.jwks_cache_ttl(TTL)).await;
    assert_verifies(&clerk, &mock.token().sign()).await;
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;

    // A key published since: its kid is not held, so the request waits and verifies.
    mock.rotate_key();
    let rotated = mock.token().sign();
    assert_verifies(&clerk, &rotated).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert!(!clerk
        .verification_keys()
        .unwrap()
        .background_refresh_running());
}

/// Beyond the staleness bound the keys are not served stale: the request waits for the
/// refresh, and fails closed when it fails.
#[tokio::test]
async fn beyond_max_staleness_the_request_waits_for_the_refresh() {
    const TTL: Duration = Duration::from_millis(200);
    let (mock, clerk) = start_mock_with(|b| {
        b.jwks_cache_ttl(TTL)
            .jwks_max_staleness(Duration::from_millis(400))
    })
    .await;
    let token = mock.token().sign();
    assert_verifies(&clerk, &token).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    mock.fail_jwks_next(1, Fault::Status(404));
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 2);
}
