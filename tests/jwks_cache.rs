//! End-to-end tests of the JWKS cache over real HTTP, against the local Clerk stand-in.
//!
//! Every test asserts which verifications pass, which fail with which reason, and exactly
//! how many JWKS requests reached the mock. Time-dependent options (TTL, cooldown,
//! staleness, HTTP timeout) are set short so the whole file runs in a few seconds; the
//! retry backoff (125 ms · 2^n, plus up to 100 % jitter) makes a fetch that fails all
//! [`FETCH_ATTEMPTS`] attempts take between 1.875 s and 3.75 s of sleeping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clerk::testing::{Fault, MockClerk, MockKey};
use clerk::Clerk;

const FETCH_ATTEMPTS: usize = clerk::jwks::FETCH_ATTEMPTS as usize;
/// Upper bound of the sleeps between the attempts of one failing fetch (jitter included):
/// 2 × (125 + 250 + 500 + 1000) ms.
const MAX_RETRY_SLEEP: Duration = Duration::from_millis(3750);

const REMOTE_FAILED: &str = "jwk-remote-failed-to-load";
const KID_MISMATCH: &str = "jwk-kid-mismatch";
const SECRET_KEY_INVALID: &str = "secret-key-invalid";

async fn assert_verifies(clerk: &Clerk, token: &str) {
    if let Err(err) = clerk.verify_token(token).await {
        panic!("expected the token to verify, got {}: {err}", err.reason());
    }
}

async fn assert_fails(clerk: &Clerk, token: &str, reason: &str) {
    match clerk.verify_token(token).await {
        Ok(claims) => panic!(
            "expected {reason}, but the token verified (sub {})",
            claims.subject()
        ),
        Err(err) => assert_eq!(err.reason(), reason, "unexpected error: {err}"),
    }
}

fn fetch_count(clerk: &Clerk) -> u64 {
    clerk
        .jwks_cache()
        .expect("keys come from the JWKS")
        .fetch_count()
}

/// A token signed by `key`, naming its kid.
fn token_signed_by(mock: &MockClerk, key: &MockKey) -> String {
    mock.token().header("kid", key.kid()).sign_with(key)
}

/// A well-signed token whose kid is not published.
fn forged_kid(mock: &MockClerk, kid: &str) -> String {
    mock.token().header("kid", kid).sign()
}

/// A base URL where nothing listens.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Sleeps until `start + at`.
async fn sleep_until(start: Instant, at: Duration) {
    tokio::time::sleep_until((start + at).into()).await;
}

// ---------------------------------------------------------------------------------------
// Caching
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn cold_start_fetches_once_then_serves_from_cache_with_the_right_headers() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    assert_eq!(mock.jwks_requests(), 0, "building a Clerk fetches nothing");

    let token = mock.token().user("user_1").sign();
    let claims = clerk.verify_token(&token).await.unwrap();
    assert_eq!(claims.subject(), "user_1");
    assert_eq!(mock.jwks_requests(), 1);
    assert_eq!(fetch_count(&clerk), 1);
    assert_eq!(clerk.jwks_cache().unwrap().kids(), vec![mock.current_kid()]);

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
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .jwks_cache_ttl(Duration::from_millis(300))
        .build()
        .unwrap();
    let token = mock.token().sign();

    assert_verifies(&clerk, &token).await;
    assert_verifies(&clerk, &token).await;
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(Duration::from_millis(400)).await;
    // 50 concurrent verifications on the expired cache share one refresh.
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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

// ---------------------------------------------------------------------------------------
// Key rotation and unknown kids
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rotation_new_kid_refetches_once_and_old_kid_keeps_verifying() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let old_key = mock.current_key();
    let old_token = mock.token().sign();

    assert_verifies(&clerk, &old_token).await;
    assert_eq!(mock.jwks_requests(), 1);

    let new_kid = mock.rotate_key();
    assert_ne!(new_kid, old_key.kid());
    let new_token = mock.token().sign();
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 2, "the new kid costs one refetch");

    assert_verifies(&clerk, &old_token).await;
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 2);
    let mut kids = clerk.jwks_cache().unwrap().kids();
    kids.sort();
    let mut expected = vec![old_key.kid().to_owned(), new_kid];
    expected.sort();
    assert_eq!(kids, expected);
}

#[tokio::test]
async fn removed_key_stays_valid_for_one_ttl_after_it_was_last_seen() {
    const TTL: Duration = Duration::from_millis(1000);
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .jwks_cache_ttl(TTL)
        .jwks_refetch_cooldown(Duration::from_millis(200))
        .build()
        .unwrap();
    let old_key = mock.current_key();
    mock.rotate_key();
    let new_token = mock.token().sign();

    // t = 0: both keys published; the old one is last seen now.
    let t0 = Instant::now();
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_eq!(mock.jwks_requests(), 1);

    mock.remove_key(old_key.kid());
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_eq!(mock.jwks_requests(), 1, "a fresh cache is not refetched");

    // t = 0.4 s: an unknown kid refetches; the JWKS no longer has the old key, but it was
    // seen less than one TTL ago, so it is kept.
    sleep_until(t0, Duration::from_millis(400)).await;
    assert_fails(&clerk, &forged_kid(&mock, "ins_forged_1"), KID_MISMATCH).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 2);

    // t = 1.2 s: more than one TTL since the old key was last seen (the snapshot from
    // t = 0.4 s is still fresh): the old key is no longer valid.
    sleep_until(t0, Duration::from_millis(1200)).await;
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    // Its kid is now an unknown kid: one refetch (the cooldown from t = 0.4 s is over).
    assert_eq!(mock.jwks_requests(), 3);
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 3, "within the cooldown: no fetch");
    assert!(!clerk
        .jwks_cache()
        .unwrap()
        .kids()
        .contains(&old_key.kid().to_owned()));
}

#[tokio::test]
async fn removed_key_fails_after_the_ttl_refresh() {
    const TTL: Duration = Duration::from_millis(300);
    let mock = MockClerk::start().await;
    let clerk = mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap();
    let old_key = mock.current_key();
    mock.rotate_key();
    let new_token = mock.token().sign();

    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 1);

    mock.remove_key(old_key.kid());
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    // The TTL refresh drops the key last seen one TTL ago.
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 2);
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_cooldown() {
    const COOLDOWN: Duration = Duration::from_millis(500);
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .jwks_refetch_cooldown(COOLDOWN)
        .build()
        .unwrap();
    // Generating an RSA key can take a few hundred ms: do it before the clock matters.
    let stranger = mock.unpublished_key();
    let good = mock.token().sign();
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 1);

    let refetched = Instant::now();
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown_1"), KID_MISMATCH).await;
    assert_eq!(
        mock.jwks_requests(),
        2,
        "the first unknown kid refetches once"
    );

    for kid in ["ins_unknown_2", "ins_unknown_3", "ins_unknown_1"] {
        assert_fails(&clerk, &forged_kid(&mock, kid), KID_MISMATCH).await;
    }
    // A missing kid behaves like an unknown one.
    assert_fails(
        &clerk,
        &mock.token().without_header("kid").sign(),
        KID_MISMATCH,
    )
    .await;
    // A token signed by an unpublished key, with its own kid.
    assert_fails(&clerk, &token_signed_by(&mock, &stranger), KID_MISMATCH).await;
    assert_verifies(&clerk, &good).await;
    assert!(
        refetched.elapsed() < COOLDOWN,
        "the test's timing assumption"
    );
    assert_eq!(mock.jwks_requests(), 2, "within the cooldown: no fetch");

    sleep_until(refetched, COOLDOWN + Duration::from_millis(100)).await;
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown_4"), KID_MISMATCH).await;
    assert_eq!(
        mock.jwks_requests(),
        3,
        "after the cooldown: one more fetch"
    );
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown_5"), KID_MISMATCH).await;
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 3);
}

/// A new kid whose refetch fails starts the cooldown all the same; once the cooldown is over,
/// the rotated key is fetched and verifies.
#[tokio::test]
async fn rotated_kid_is_picked_up_after_the_cooldown() {
    const COOLDOWN: Duration = Duration::from_millis(500);
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .jwks_refetch_cooldown(COOLDOWN)
        .build()
        .unwrap();
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1);

    // Generating an RSA key can take a while: do it before the clock matters.
    mock.rotate_key();
    let rotated = mock.token().sign();

    // The refetch for the new kid fails (not retried): the cooldown starts anyway.
    mock.fail_jwks_next(1, Fault::Status(404));
    let refetched = Instant::now();
    assert_fails(&clerk, &rotated, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 2);

    // Within the cooldown: no fetch, and the kid is unknown.
    assert_fails(&clerk, &rotated, KID_MISMATCH).await;
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown"), KID_MISMATCH).await;
    assert!(
        refetched.elapsed() < COOLDOWN,
        "the test's timing assumption"
    );
    assert_eq!(mock.jwks_requests(), 2);

    sleep_until(refetched, COOLDOWN + Duration::from_millis(100)).await;
    assert_verifies(&clerk, &rotated).await;
    assert_eq!(mock.jwks_requests(), 3);
    assert_verifies(&clerk, &rotated).await;
    assert_eq!(mock.jwks_requests(), 3);
}

async fn forged_flood(clerk: &Clerk, mock: &MockClerk, n: usize) {
    let tokens: Vec<String> = (0..n)
        .map(|i| forged_kid(mock, &format!("ins_forged_{i:03}")))
        .collect();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let clerk = clerk.clone();
            tokio::spawn(async move { clerk.verify_token(&token).await.map_err(|e| e.reason()) })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        assert_eq!(result.unwrap().map(|_| ()), Err(KID_MISMATCH));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_of_forged_kids_on_a_warm_cache_costs_at_most_one_fetch() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let good = mock.token().sign();
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 1);

    forged_flood(&clerk, &mock, 200).await;
    assert_eq!(mock.jwks_requests(), 2, "200 forged kids: one fetch");

    forged_flood(&clerk, &mock, 200).await;
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_of_forged_kids_on_a_cold_cache_costs_at_most_one_fetch() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();

    forged_flood(&clerk, &mock, 200).await;
    assert_eq!(
        mock.jwks_requests(),
        1,
        "200 forged kids on a cold cache: one fetch"
    );

    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1);
}

// ---------------------------------------------------------------------------------------
// Failures of the endpoint
// ---------------------------------------------------------------------------------------

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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .http_timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
    mock.fail_jwks_next(1, Fault::Delay(Duration::from_millis(200)));
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1);
}

/// `FETCH_ATTEMPTS` times `fault` on a cold cache: `jwk-remote-failed-to-load` after
/// exactly that many requests.
async fn assert_transient_fault_exhausts_retries(fault: Fault) {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .http_timeout(Duration::from_millis(1000))
        .build()
        .unwrap();
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    mock.fail_jwks_next(1, Fault::InvalidSecretKey);
    let token = mock.token().sign();
    assert_fails(&clerk, &token, SECRET_KEY_INVALID).await;
    assert_eq!(mock.jwks_requests(), 1);
    assert_fails(&clerk, &token, SECRET_KEY_INVALID).await;
    assert_eq!(mock.jwks_requests(), 1, "failure backoff: no new fetch");
}

#[tokio::test]
async fn wrong_secret_key_is_not_retried() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .secret_key("sk_test_notTheMockSecretKey0123456789")
        .build()
        .unwrap();
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    mock.fail_jwks_next(1, Fault::EmptyKeys);
    assert_fails(&clerk, &mock.token().sign(), REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 1);
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    mock.fail_jwks_next(1, Fault::Status(404));
    let token = mock.token().sign();
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 1);
    assert_fails(&clerk, &token, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 1, "failure backoff: no new fetch");
}

// ---------------------------------------------------------------------------------------
// Stale-if-error
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn stale_keys_serve_while_the_endpoint_fails_up_to_max_staleness() {
    const TTL: Duration = Duration::from_millis(300);
    // Longer than the TTL plus one fully failing fetch (at most 3.75 s of backoff).
    const MAX_STALENESS: Duration = Duration::from_millis(4800);
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .jwks_cache_ttl(TTL)
        .jwks_max_staleness(MAX_STALENESS)
        .http_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let token = mock.token().sign();

    let t0 = Instant::now();
    assert_verifies(&clerk, &token).await;
    assert_eq!(mock.jwks_requests(), 1);

    sleep_until(t0, TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Status(503));
    // The refresh fails after all its attempts; the cached key keeps verifying.
    assert_verifies(&clerk, &token).await;
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
    // revoked, so stale-if-error does not apply.
    const TTL: Duration = Duration::from_millis(300);
    let mock = MockClerk::start().await;
    let clerk = mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap();
    let token = mock.token().sign();
    assert_verifies(&clerk, &token).await;

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::Status(404));
    let err = clerk.verify_token(&token).await.unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    assert_eq!(mock.jwks_requests(), 2);
    // Within the failure backoff: no new request, the same refusal.
    let err = clerk.verify_token(&token).await.unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    assert_eq!(mock.jwks_requests(), 2);

    let other = mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap();
    assert_verifies(&other, &token).await;
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::InvalidSecretKey);
    let err = other.verify_token(&token).await.unwrap_err();
    assert_eq!(err.reason(), "secret-key-invalid");
}
