//! Failures of the endpoint, their retries, and stale-if-error.

use super::*;

#[tokio::test]
async fn endpoint_down_at_start_fails_in_bounded_time() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_url(closed_port_url().await)
        .http_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let token = mock.token().sign();

    let started = Instant::now();
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < MAX_RETRY_SLEEP + Duration::from_millis(1500),
        "took {elapsed:?}"
    );
    assert_eq!(fetch_count(&clerk), FETCH_ATTEMPTS as u64);

    // Within the failure backoff the error is returned at once, without a new fetch.
    let started = Instant::now();
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(fetch_count(&clerk), FETCH_ATTEMPTS as u64);
    assert_eq!(mock.jwks_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_verifications_share_one_failing_fetch() {
    let (mock, clerk) = start_mock().await;
    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Status(503));
    let token = mock.token().sign();

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let clerk = clerk.clone();
            let token = token.clone();
            tokio::spawn(async move { clerk.verify_token(&token).await.map_err(|e| e.reason()) })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        assert_eq!(result.unwrap().map(|_| ()), Err(REMOTE_FAILED));
    }
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS);
}

#[tokio::test]
async fn slow_endpoint_beyond_the_http_timeout_fails() {
    const TIMEOUT: Duration = Duration::from_millis(200);
    let mock = MockClerk::start().await;
    let clerk = mock.clerk_builder().http_timeout(TIMEOUT).build().unwrap();
    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Delay(Duration::from_secs(2)));
    let token = mock.token().sign();

    let started = Instant::now();
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < TIMEOUT * FETCH_ATTEMPTS as u32 + MAX_RETRY_SLEEP + Duration::from_millis(700),
        "took {elapsed:?}"
    );
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS);
    assert_eq!(fetch_count(&clerk), FETCH_ATTEMPTS as u64);

    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(
        mock.jwks_requests(),
        FETCH_ATTEMPTS,
        "failure backoff: no new fetch"
    );
}

#[tokio::test]
async fn slow_endpoint_within_the_http_timeout_succeeds() {
    let (mock, clerk) = start_mock_with(|b| b.http_timeout(Duration::from_millis(1000))).await;
    mock.fail_jwks_next(1, Fault::Delay(Duration::from_millis(200)));
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1);
}

/// `FETCH_ATTEMPTS` times `fault` on a cold cache: `jwk-remote-failed-to-load` after
/// exactly that many requests.
async fn assert_transient_fault_exhausts_retries(fault: Fault) {
    let (mock, clerk) = start_mock_with(|b| b.http_timeout(Duration::from_millis(1000))).await;
    mock.fail_jwks_next(FETCH_ATTEMPTS, fault.clone());
    let token = mock.token().sign();

    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS, "{fault:?}");
    assert_eq!(fetch_count(&clerk), FETCH_ATTEMPTS as u64, "{fault:?}");
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(
        mock.jwks_requests(),
        FETCH_ATTEMPTS,
        "{fault:?}: failure backoff"
    );
}

/// One `fault`, then a normal answer: verifies after exactly two requests.
async fn assert_transient_fault_is_retried(fault: Fault) {
    let (mock, clerk) = start_mock().await;
    mock.fail_jwks_next(1, fault.clone());
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 2, "{fault:?}");
}

#[tokio::test]
async fn server_error_five_times_fails_after_exactly_five_requests() {
    assert_transient_fault_exhausts_retries(Fault::Status(500)).await;
}

#[tokio::test]
async fn server_error_then_success_verifies_after_two_requests() {
    assert_transient_fault_is_retried(Fault::Status(500)).await;
}

#[tokio::test]
async fn rate_limited_429_is_retried() {
    assert_transient_fault_is_retried(Fault::Status(429)).await;
}

#[tokio::test]
async fn garbage_body_fails_after_retries() {
    assert_transient_fault_exhausts_retries(Fault::Garbage).await;
}

#[tokio::test]
async fn oversized_body_fails_after_retries() {
    assert_transient_fault_exhausts_retries(Fault::Oversized).await;
}

#[tokio::test]
async fn connection_closed_mid_body_fails_after_retries() {
    assert_transient_fault_exhausts_retries(Fault::CloseMidBody).await;
}

#[tokio::test]
async fn mixed_transient_faults_are_retried_until_success() {
    let (mock, clerk) = start_mock().await;
    mock.inject_jwks_faults([
        Fault::Garbage,
        Fault::Oversized,
        Fault::CloseMidBody,
        Fault::Status(502),
    ]);
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 5);
    assert_eq!(fetch_count(&clerk), 5);
}

#[tokio::test]
async fn invalid_secret_key_fault_is_not_retried() {
    assert_fault_not_retried(Fault::InvalidSecretKey, SECRET_KEY_INVALID).await;
}

/// One `fault` of the endpoint fails verification with `code` after a single fetch, and
/// within the failure backoff a second verification does not fetch again.
async fn assert_fault_not_retried(fault: Fault, code: &str) {
    let (mock, clerk) = start_mock().await;
    mock.fail_jwks_next(1, fault);
    let token = mock.token().sign();
    assert_fails(&clerk, &token, code).await;
    assert_eq!(mock.jwks_requests(), 1);
    assert_fails(&clerk, &token, code).await;
    assert_eq!(mock.jwks_requests(), 1, "failure backoff: no new fetch");
}

#[tokio::test]
async fn wrong_secret_key_is_not_retried() {
    let (mock, clerk) =
        start_mock_with(|b| b.secret_key("sk_test_notTheMockSecretKey0123456789")).await;
    assert_fails(&clerk, &mock.token().sign(), SECRET_KEY_INVALID).await;
    assert_eq!(mock.jwks_requests(), 1);
    let headers = mock.jwks_request_headers();
    assert_eq!(
        headers[0].get("authorization").unwrap().to_str().unwrap(),
        "Bearer sk_test_notTheMockSecretKey0123456789"
    );
}

#[tokio::test]
async fn empty_key_set_is_not_retried() {
    let (mock, clerk) = start_mock().await;
    mock.fail_jwks_next(1, Fault::EmptyKeys);
    assert_fails(&clerk, &mock.token().sign(), REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 1);
}

#[tokio::test]
async fn not_found_is_not_retried() {
    assert_fault_not_retried(Fault::Status(404), REMOTE_FAILED).await;
}

// ---------------------------------------------------------------------------------------
// Stale-if-error
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn stale_keys_serve_while_the_endpoint_fails_up_to_max_staleness() {
    const TTL: Duration = Duration::from_millis(300);
    // Longer than the TTL plus one fully failing fetch (at most 3.75 s of backoff).
    const MAX_STALENESS: Duration = Duration::from_millis(4800);
    let (mock, clerk) = start_mock_with(|b| {
        b.jwks_cache_ttl(TTL)
            .jwks_max_staleness(MAX_STALENESS)
            .http_timeout(Duration::from_millis(500))
    })
    .await;
    let token = mock.token().sign();

    let t0 = Instant::now();
    assert_verifies(&clerk, &token).await;
    assert_eq!(mock.jwks_requests(), 1);

    sleep_until(t0, TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Status(503));
    // The cached key answers at once; the refresh, in the background, fails after all its
    // attempts.
    assert_verifies(&clerk, &token).await;
    wait_for_jwks_refresh(&clerk).await;
    assert_eq!(mock.jwks_requests(), 1 + FETCH_ATTEMPTS);
    assert!(t0.elapsed() < MAX_STALENESS, "the test's timing assumption");

    // Within the failure backoff no new fetch starts, and the stale key still serves.
    assert_verifies(&clerk, &token).await;
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1 + FETCH_ATTEMPTS);
    // An unknown kid gets the fetch failure, not a fetch.
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown"), REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 1 + FETCH_ATTEMPTS);

    // Beyond the maximum staleness (still within the failure backoff) the keys stop serving.
    sleep_until(t0, MAX_STALENESS + Duration::from_millis(200)).await;
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 1 + FETCH_ATTEMPTS);
}

#[tokio::test]
async fn refused_refresh_stops_stale_keys() {
    // A 4xx or `clerk_key_invalid` is a refusal, not an outage: the keys may have been
    // revoked, so stale-if-error does not apply. The request that meets the expired key
    // set is answered from it (the refresh runs in the background); once the refusal is
    // known, the keys stop serving.
    const TTL: Duration = Duration::from_millis(300);
    let mock = MockClerk::start().await;
    let clerk = mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap();
    let token = mock.token().sign();
    assert_verifies(&clerk, &token).await;

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::Status(404));
    assert_verifies(&clerk, &token).await;
    wait_for_jwks_refresh(&clerk).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_fails(&clerk, &mock.token().sign(), REMOTE_FAILED).await;
    // Within the failure backoff: no new request, the same refusal.
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 2);

    let other = mock
        .clerk_builder()
        .jwks_cache_ttl(TTL)
        .jwks_failure_backoff(Duration::from_millis(500))
        .build()
        .unwrap();
    assert_verifies(&other, &token).await;
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::InvalidSecretKey);
    assert_verifies(&other, &token).await;
    wait_for_jwks_refresh(&other).await;
    let refused_at = Instant::now();
    assert_fails(&other, &token, SECRET_KEY_INVALID).await;
    assert_eq!(mock.jwks_requests(), 4);
    // After the backoff, refused keys are not served stale: the next request waits for
    // a fetch of its own (which succeeds).
    sleep_until(refused_at, Duration::from_millis(600)).await;
    assert_verifies(&other, &token).await;
    assert_eq!(mock.jwks_requests(), 5);
    assert!(!other
        .verification_keys()
        .unwrap()
        .background_refresh_running());
}

#[tokio::test]
async fn the_failure_backoff_is_configurable() {
    const BACKOFF: Duration = Duration::from_millis(800);
    let mock = MockClerk::start().await;
    let short = mock
        .clerk_builder()
        .jwks_failure_backoff(BACKOFF)
        .build()
        .unwrap();
    let default = mock.clerk();
    let token = mock.token().sign();

    // A refusal (not retried) fails both at once.
    mock.fail_jwks_next(2, Fault::Status(404));
    let failed_at = Instant::now();
    assert_fails(&short, &token, REMOTE_FAILED).await;
    assert_fails(&default, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 2);

    // Within the backoff: no fetch.
    assert_fails(&short, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert!(
        failed_at.elapsed() < BACKOFF,
        "the test's timing assumption"
    );

    // After the configured backoff, the short one fetches again and verifies; the default
    // one (10 s) is still backing off.
    sleep_until(failed_at, BACKOFF + Duration::from_millis(200)).await;
    assert_verifies(&short, &token).await;
    assert_eq!(mock.jwks_requests(), 3);
    assert_fails(&default, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 3);
    assert_eq!(
        clerk::jwks::DEFAULT_FAILURE_BACKOFF,
        Duration::from_secs(10)
    );
}
