//! The verified-token cache over real HTTP: what one token can do to everyone else's
//! entries, and what a JWKS refresh and an expired replay cost. Asserted with counts
//! (`token_cache_counters()`: hits, misses, RSA signature checks), never timings.

mod common;
use common::http::{client, fetch_as};
use common::mock::{start_mock_with, wait_for_jwks_refresh};
use common::serve;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::routing::get;
use axum::{Json, Router};
use clerk::{Clerk, Session, TokenCacheConfig, TokenCacheStats};
use futures::StreamExt as _;
use serde_json::{json, Value};

#[clerk::protect]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

/// The session token as the handler sees it.
#[clerk::protect]
async fn token(session: Session) -> String {
    session.token().to_owned()
}

/// Serves `/me` and `/token` behind `clerk`; returns the base URL.
async fn serve_app(clerk: &Clerk) -> String {
    serve(
        Router::new()
            .route("/me", get(me))
            .route("/token", get(token))
            .with_state(clerk.clone()),
    )
    .await
}

fn counters(clerk: &Clerk) -> TokenCacheStats {
    clerk.token_cache_counters().expect("token cache on")
}

/// GET `url` with `token`: the status, `x-clerk-auth-reason` and the body.
async fn call(http: &reqwest::Client, url: &str, token: &str) -> (u16, String, String) {
    let res = fetch_as(http, url.to_owned(), token).await;
    let status = res.status().as_u16();
    let reason = res
        .headers()
        .get("x-clerk-auth-reason")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, reason, res.text().await.unwrap())
}

/// Each user's token, once: all signed in.
async fn sign_in_all(http: &reqwest::Client, base: &str, users: &[(String, String)]) {
    for (id, token) in users {
        let (status, _, body) = call(http, &format!("{base}/me"), token).await;
        assert_eq!((status, body.as_str()), (200, id.as_str()));
    }
}

/// `=` padding on the signature segment is tolerated (spec A08), so one token has
/// thousands of spellings. They share one cache entry: a flood of them costs one RSA check
/// and evicts nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_padded_variant_flood_leaves_other_users_cached() {
    // 32 entries per shard: 40 users fit, 3,000 distinct entries would flush every shard.
    let (mock, clerk) = start_mock_with(|b| {
        b.token_cache(TokenCacheConfig {
            max_entries: 16 * 32,
            ..Default::default()
        })
    })
    .await;
    let base = serve_app(&clerk).await;
    let http = client();
    let users: Vec<(String, String)> = (0..40)
        .map(|i| {
            let id = format!("user_{i:02}");
            let token = mock.token().user(&id).sign();
            (id, token)
        })
        .collect();
    sign_in_all(&http, &base, &users).await;
    let before = counters(&clerk);
    assert_eq!(before.signature_checks, 40);

    // The attacker's token: long expired, replayed with 0 to 2,999 trailing '='.
    let expired = mock.token().user("user_attacker").expired().sign();
    let (status, reason, _) = call(&http, &format!("{base}/me"), &expired).await;
    assert_eq!(status, 401);
    assert!(reason.contains("expired"), "{reason}");
    let url = format!("{base}/me");
    let answers: Vec<_> = futures::stream::iter(1..3000)
        .map(|pad| {
            let (http, url) = (http.clone(), url.clone());
            let variant = format!("{expired}{}", "=".repeat(pad));
            async move { call(&http, &url, &variant).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for (status, variant_reason, _) in answers {
        assert_eq!((status, variant_reason.as_str()), (401, reason.as_str()));
    }
    let after_flood = counters(&clerk);
    assert_eq!(
        after_flood.signature_checks - before.signature_checks,
        1,
        "the 3,000 spellings of one token cost one RSA check"
    );
    assert_eq!(after_flood.misses - before.misses, 1);
    assert_eq!(after_flood.hits - before.hits, 2999);

    // Every other user's next request is still a hit.
    sign_in_all(&http, &base, &users).await;
    let after = counters(&clerk);
    assert_eq!(
        after.hits - after_flood.hits,
        40,
        "all 40 users still cached"
    );
    assert_eq!(after.signature_checks, after_flood.signature_checks);

    // A padded spelling of a valid token is served from its entry, and the session hands
    // back the token as the request carried it.
    let (_, alice) = &users[0];
    let padded = format!("{alice}==");
    let (status, _, body) = call(&http, &format!("{base}/token"), &padded).await;
    assert_eq!((status, body.as_str()), (200, padded.as_str()));
    let (status, _, body) = call(&http, &format!("{base}/token"), alice).await;
    assert_eq!((status, body.as_str()), (200, alice.as_str()));
    assert_eq!(counters(&clerk).signature_checks, after.signature_checks);
}

/// A token cached while valid and replayed after its expiry costs one more verification
/// (its entry is replaced, as expired), then hits.
#[tokio::test]
async fn an_expired_replay_is_verified_once_then_hits() {
    let (mock, clerk) = start_mock_with(|b| b).await;
    let replayed = mock.token().user("user_1").expires_in_secs(60).sign();
    let now = SystemTime::now();
    // The same instance (same caches), its clock two minutes ahead.
    let later = clerk.with_fixed_time(now + Duration::from_secs(120));
    let base_now = serve_app(&clerk).await;
    let base_later = serve_app(&later).await;
    let http = client();

    let (status, _, body) = call(&http, &format!("{base_now}/me"), &replayed).await;
    assert_eq!((status, body.as_str()), (200, "user_1"));
    assert_eq!(counters(&clerk).signature_checks, 1);

    let (status, reason, _) = call(&http, &format!("{base_later}/me"), &replayed).await;
    assert_eq!(status, 401);
    assert!(reason.contains("expired"), "{reason}");
    let first = counters(&clerk);
    assert_eq!(
        first.signature_checks, 2,
        "verified once more after its expiry"
    );
    for _ in 0..20 {
        let (status, again, _) = call(&http, &format!("{base_later}/me"), &replayed).await;
        assert_eq!((status, again.as_str()), (401, reason.as_str()));
    }
    let after = counters(&clerk);
    assert_eq!(after.signature_checks, 2, "then served from the cache");
    assert_eq!(after.hits - first.hits, 20);
}

/// A JWKS refresh that finds the keys unchanged keeps their objects: the tokens cached
/// for them stay cached, so the refresh costs no RSA check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwks_refresh_with_unchanged_keys_costs_no_signature_check() {
    const TTL: Duration = Duration::from_millis(300);
    let (mock, clerk) = start_mock_with(|b| b.jwks_cache_ttl(TTL)).await;
    let base = serve_app(&clerk).await;
    let http = client();
    let users: Vec<(String, String)> = (0..20)
        .map(|i| {
            let id = format!("user_{i:02}");
            (id.clone(), mock.token().user(&id).sign())
        })
        .collect();
    sign_in_all(&http, &base, &users).await;
    assert_eq!(counters(&clerk).signature_checks, 20);

    for refresh in 1..=2 {
        tokio::time::sleep(TTL + Duration::from_millis(100)).await;
        // The key set is stale: the first request starts a refresh; all are hits.
        sign_in_all(&http, &base, &users).await;
        wait_for_jwks_refresh(&clerk).await;
        assert_eq!(mock.jwks_requests(), 1 + refresh);
        // After the refresh too.
        sign_in_all(&http, &base, &users).await;
        assert_eq!(
            counters(&clerk).signature_checks,
            20,
            "refresh {refresh}: no token verified again"
        );
    }
}

/// A JWKS endpoint whose key set the test changes, counting its requests.
#[derive(Clone)]
struct KeySet {
    body: Arc<Mutex<Value>>,
    requests: Arc<AtomicUsize>,
}

impl KeySet {
    async fn serve(keys: Vec<Value>) -> (Self, String) {
        let set = Self {
            body: Arc::new(Mutex::new(json!({ "keys": keys }))),
            requests: Arc::new(AtomicUsize::new(0)),
        };
        let state = set.clone();
        let jwks = get(move || {
            let state = state.clone();
            async move {
                state.requests.fetch_add(1, SeqCst);
                let body = state.body.lock().unwrap().clone();
                Json(body)
            }
        });
        let url = serve(Router::new().route("/v1/jwks", jwks)).await;
        (set, url)
    }

    fn publish(&self, keys: Vec<Value>) {
        *self.body.lock().unwrap() = json!({ "keys": keys });
    }
}

/// The key published under a kid changes: the tokens cached for the old key are
/// verified again with the new one (and refused), tokens of the new key pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_key_under_the_same_kid_evicts_its_tokens() {
    const TTL: Duration = Duration::from_millis(300);
    let mock = clerk::testing::MockClerk::start().await;
    let old_key = mock.current_key();
    let kid = old_key.kid().to_owned();
    let new_key = mock.unpublished_key();
    let mut new_jwk = new_key.jwk();
    new_jwk["kid"] = json!(kid);

    let (key_set, url) = KeySet::serve(vec![old_key.jwk()]).await;
    let clerk = mock
        .clerk_builder()
        .api_url(url)
        .jwks_cache_ttl(TTL)
        .build()
        .unwrap();
    let base = serve_app(&clerk).await;
    let http = client();
    let old_token = mock.token().user("user_old").sign();
    let new_token = mock
        .token()
        .user("user_new")
        .header("kid", kid.as_str())
        .sign_with(&new_key);
    let me = format!("{base}/me");

    assert_eq!(call(&http, &me, &old_token).await.0, 200);
    assert_eq!(call(&http, &me, &old_token).await.0, 200);
    assert_eq!(counters(&clerk).signature_checks, 1);

    key_set.publish(vec![new_jwk]);
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    // Stale: the old key answers while the refresh runs.
    assert_eq!(call(&http, &me, &old_token).await.0, 200);
    wait_for_jwks_refresh(&clerk).await;
    assert_eq!(key_set.requests.load(SeqCst), 2);

    let (status, reason, _) = call(&http, &me, &old_token).await;
    assert_eq!((status, reason.as_str()), (401, "token-invalid-signature"));
    assert_eq!(counters(&clerk).signature_checks, 2, "verified again");
    let (status, _, body) = call(&http, &me, &new_token).await;
    assert_eq!((status, body.as_str()), (200, "user_new"));
    assert_eq!(key_set.requests.load(SeqCst), 2);
}
