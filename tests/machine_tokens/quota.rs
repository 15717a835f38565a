//! The instance's Backend API quota under made-up machine tokens: the verification
//! budget, the negative cache, the refresh of tokens in use, and the shared 429 gate.

use super::*;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clerk::api::ApiError;
use clerk::MachineVerificationBudget;

const NOT_VERIFIED: &str = "Not verified: this instance's budget";

/// A fixture whose `Clerk` is configured by `configure`.
async fn fixture_with(
    mock: MockClerk,
    configure: impl FnOnce(clerk::ClerkBuilder) -> clerk::ClerkBuilder,
) -> (Fixture, Clerk) {
    let clerk = configure(mock.clerk_builder()).build().unwrap();
    let base = serve(app(clerk.clone())).await;
    (Fixture::with(mock, base), clerk)
}

/// A made-up API key, different for each `n`.
fn garbage(n: usize) -> String {
    format!("ak_garbage{n:08}x0123456789abcdef")
}

/// `GET path` with `token`: the status, the reason and the message.
async fn attempt(http: &reqwest::Client, url: &str, token: &str) -> (u16, String, String) {
    let r = http.get(url).bearer_auth(token).send().await.unwrap();
    let reason = header(&r, "x-clerk-auth-reason").unwrap_or_default();
    let message = header(&r, "x-clerk-auth-message").unwrap_or_default();
    (r.status().as_u16(), reason, message)
}

/// The recorded verification calls that carried this API key.
fn calls_for(mock: &MockClerk, secret: &str) -> usize {
    let body = json!({ "secret": secret }).to_string();
    mock.api_requests()
        .iter()
        .filter(|r| r.uri == "/api_keys/verify" && r.body == body.as_bytes())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_tokens_beyond_the_budget_are_refused_without_a_call() {
    // The default budget: 50 calls a second, 10 of them kept for known tokens.
    let f = Fixture::new().await;
    let url = format!("{}/api_keys", f.base);
    let answers = futures::future::join_all((0..60).map(|n| {
        let (http, url) = (f.http.clone(), url.clone());
        async move { attempt(&http, &url, &garbage(n)).await }
    }))
    .await;
    let calls = f.calls("/api_keys/verify");
    assert!(
        (1..=40).contains(&calls),
        "{calls} calls for 60 made-up tokens"
    );
    let mut not_found = 0;
    let mut not_verified = 0;
    for (status, reason, message) in &answers {
        assert_eq!(
            (*status, reason.as_str()),
            (401, "token-invalid"),
            "{message}"
        );
        if message.starts_with("API key not found") {
            not_found += 1;
        } else {
            assert!(message.starts_with(NOT_VERIFIED), "{message}");
            not_verified += 1;
        }
    }
    assert_eq!(not_found, calls, "one call per token Clerk refused");
    assert_eq!(not_verified, 60 - calls, "the rest were refused at once");

    // The rate: a small budget, spent one token at a time, refills over time.
    let (f, _) = fixture_with(MockClerk::start().await, |b| {
        b.machine_verification_budget(MachineVerificationBudget {
            calls_per_second: 5,
            max_concurrent: 100,
            reserved_calls_per_second: 0,
            reserved_concurrent: 0,
        })
    })
    .await;
    let url = format!("{}/api_keys", f.base);
    let started = Instant::now();
    for n in 0..30 {
        let (status, reason, _) = attempt(&f.http, &url, &garbage(n)).await;
        assert_eq!((status, reason.as_str()), (401, "token-invalid"));
    }
    // At most 5 in any second.
    let allowed = 5.0 * started.elapsed().as_secs_f64().ceil();
    let calls = f.calls("/api_keys/verify");
    assert!(calls as f64 <= allowed, "{calls} calls, budget {allowed}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, key) = f.mock.create_api_key(USER, &[], None);
    assert_eq!(f.ok("/api_keys", &key).await["subject"], USER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_in_use_keeps_authenticating_through_a_flood_of_made_up_tokens() {
    const FLOOD: Duration = Duration::from_millis(3000);
    let mock = MockClerk::start().await;
    // Clerk's production limit per instance.
    mock.enforce_rate_limit(1000, Duration::from_secs(10));
    // A short TTL, so that the key's entry needs refreshing during the flood.
    let (f, _) = fixture_with(mock, |b| {
        b.machine_token_cache(MachineTokenCacheConfig {
            ttl: Duration::from_secs(1),
            ..Default::default()
        })
    })
    .await;
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);

    let url = format!("{}/api_keys", f.base);
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..16)
        .map(|worker| {
            let (http, url, stop, sent) = (f.http.clone(), url.clone(), stop.clone(), sent.clone());
            tokio::spawn(async move {
                let mut n = worker * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    let (status, reason, _) = attempt(&http, &url, &garbage(n)).await;
                    assert_eq!((status, reason.as_str()), (401, "token-invalid"));
                    sent.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            })
        })
        .collect();
    let mut served = 0;
    while started.elapsed() < FLOOD {
        let (status, reason, message) = attempt(&f.http, &url, &key).await;
        assert_eq!(
            status, 200,
            "the key was refused during the flood: {reason} {message}"
        );
        served += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let flood = sent.load(Ordering::Relaxed);
    let calls = f.calls("/api_keys/verify");
    eprintln!("flood: {flood} made-up tokens in {elapsed:.1} s, {calls} verification calls, the key served {served} times");
    assert!(flood >= 300, "only {flood} made-up tokens were sent");
    assert!(served >= 20, "{served}");
    // Within the budget (50 in any second), far below Clerk's limit.
    assert!(
        calls as f64 <= 50.0 * elapsed.ceil(),
        "{calls} calls in {elapsed:.1} s for {flood} made-up tokens"
    );
    assert_eq!(f.mock.rate_limited_requests(), 0);
    // The key's entry was refreshed during the flood (its TTL is 1 s), from the reserve.
    assert!(
        calls_for(&f.mock, &key) >= 3,
        "{}",
        calls_for(&f.mock, &key)
    );
}

#[tokio::test]
async fn a_key_in_use_is_refreshed_before_its_entry_ends() {
    let (f, _) = fixture_with(MockClerk::start().await, |b| {
        b.machine_token_cache(MachineTokenCacheConfig {
            ttl: Duration::from_secs(2),
            ..Default::default()
        })
    })
    .await;
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    let cached_at = Instant::now();
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    // Past three quarters of the TTL: served from the cache, refreshed in the background.
    tokio::time::sleep(Duration::from_millis(1600).saturating_sub(cached_at.elapsed())).await;
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    let deadline = Instant::now() + Duration::from_secs(2);
    while calls_for(&f.mock, &key) < 2 {
        assert!(Instant::now() < deadline, "no refresh");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The refreshed entry serves past the first one's end, without another call.
    tokio::time::sleep(Duration::from_millis(2400).saturating_sub(cached_at.elapsed())).await;
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    assert_eq!(calls_for(&f.mock, &key), 2);

    // A refresh that finds the key revoked drops it at once.
    assert!(f.mock.revoke_machine_token(&key_id));
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let (status, reason, _) = attempt(&f.http, &format!("{}/api_keys", f.base), &key).await;
        if status == 401 {
            assert_eq!(reason, "token-invalid");
            break;
        }
        assert!(Instant::now() < deadline, "the revoked key kept working");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_refused_token_replayed_costs_one_call() {
    let (f, _) = fixture_with(MockClerk::start().await, |b| {
        b.machine_token_cache(MachineTokenCacheConfig {
            negative_ttl: Duration::from_millis(500),
            ..Default::default()
        })
    })
    .await;
    let unknown = garbage(1);
    for _ in 0..10 {
        let message = f
            .refused("/api_keys", Some(&unknown), "token-invalid")
            .await;
        assert!(message.starts_with("API key not found"), "{message}");
    }
    assert_eq!(calls_for(&f.mock, &unknown), 1);

    // Revoked and expired tokens too, whatever route carries them.
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    assert!(f.mock.revoke_machine_token(&key_id));
    let (mt_id, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    assert!(f.mock.expire_machine_token(&mt_id));
    for _ in 0..5 {
        f.refused("/api_keys", Some(&key), "token-invalid").await;
        f.refused("/machines", Some(&key), "token-invalid").await;
        f.refused("/m2m", Some(&mt), "token-invalid").await;
    }
    assert_eq!(calls_for(&f.mock, &key), 1);
    assert_eq!(f.calls("/m2m_tokens/verify"), 1);

    // For a short time only.
    tokio::time::sleep(Duration::from_millis(600)).await;
    f.refused("/api_keys", Some(&unknown), "token-invalid")
        .await;
    assert_eq!(calls_for(&f.mock, &unknown), 2);

    // Failures that may go away are never remembered: the next request asks again.
    let (_, fresh) = f.mock.create_api_key(USER, &[], None);
    f.mock
        .inject_api_faults([Fault::Status(503), Fault::Status(500)]);
    f.refused("/api_keys", Some(&fresh), "unexpected-error")
        .await;
    f.refused("/api_keys", Some(&fresh), "unexpected-error")
        .await;
    assert_eq!(f.ok("/api_keys", &fresh).await["subject"], USER);
    assert_eq!(calls_for(&f.mock, &fresh), 3);
    // Neither is a refused secret key.
    f.mock.inject_api_faults([Fault::InvalidSecretKey]);
    let other = garbage(2);
    f.refused("/api_keys", Some(&other), "secret-key-invalid")
        .await;
    f.refused("/api_keys", Some(&other), "token-invalid").await;
    assert_eq!(calls_for(&f.mock, &other), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_holds_back_every_caller_of_the_instance_until_retry_after() {
    const WAIT: Duration = Duration::from_secs(2);
    let (f, clerk) = fixture_with(MockClerk::start().await, |b| b).await;
    let user = f.mock.create_user(&Default::default()).unwrap();
    let (cached_id, cached) = f.mock.create_api_key(USER, &[], None);
    assert_eq!(f.ok("/api_keys", &cached).await["id"], cached_id);
    let before = f.mock.api_requests().len();

    // One made-up token meets a 429: one call, refused at once (no retry, no waiting).
    f.mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: WAIT.as_secs(),
    }]);
    let limited_at = Instant::now();
    f.refused("/api_keys", Some(&garbage(1)), "unexpected-error")
        .await;
    assert!(
        limited_at.elapsed() < Duration::from_secs(1),
        "{:?}",
        limited_at.elapsed()
    );
    assert_eq!(f.mock.api_requests().len(), before + 1);

    // Until the wait has elapsed, every caller of the instance fails fast, without a call:
    // machine tokens (new, real ones too), `User` loads, plain calls, and clones.
    let (_, new_key) = f.mock.create_api_key(USER, &[], None);
    let url = format!("{}/machines", f.base);
    let machine = (0..10).map(|n| {
        let (http, url) = (f.http.clone(), url.clone());
        let token = if n == 0 {
            new_key.clone()
        } else {
            garbage(100 + n)
        };
        async move { attempt(&http, &url, &token).await }
    });
    for (status, reason, _) in futures::future::join_all(machine).await {
        assert_eq!((status, reason.as_str()), (401, "unexpected-error"));
    }
    let clone = clerk.clone();
    for err in [
        clerk.users().get(&user.id).await.unwrap_err(),
        clone.load_user(&user.id).await.unwrap_err(),
        clerk.users().create(&Default::default()).await.unwrap_err(),
    ] {
        let ApiError::BackingOff { retry_after } = err else {
            panic!("expected BackingOff, got {err:?}");
        };
        assert!(
            retry_after > Duration::ZERO && retry_after <= WAIT,
            "{retry_after:?}"
        );
        assert!(err.is_rate_limited() && err.status().is_none());
        assert_eq!(err.retry_after(), Some(retry_after));
    }
    assert_eq!(
        f.mock.api_requests().len(),
        before + 1,
        "no call while held back"
    );
    // What needs no call keeps working: a cached key, and a session (the JWKS is not
    // rate-limited by Clerk and its fetch ignores the gate).
    assert_eq!(f.ok("/api_keys", &cached).await["id"], cached_id);
    let session = f.mock.token().user("user_s").sign();
    assert_eq!(f.ok("/session", &session).await["user_id"], "user_s");
    assert_eq!(f.mock.jwks_requests(), 1);
    // Another instance on the same secret key has its own gate (the mock said 429 to
    // this one only).
    let other = f.mock.clerk();
    assert_eq!(other.users().get(&user.id).await.unwrap().id, user.id);

    // Then calls resume.
    tokio::time::sleep(WAIT.saturating_sub(limited_at.elapsed()) + Duration::from_millis(100))
        .await;
    assert_eq!(f.ok("/api_keys", &new_key).await["subject"], USER);
    assert_eq!(clerk.load_user(&user.id).await.unwrap().id, user.id);
}
