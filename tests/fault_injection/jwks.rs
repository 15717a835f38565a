//! JWKS endpoint faults over HTTP: down at start (alone: it waits out the default 10 s
//! backoff), then every other fault side by side.

use super::*;

/// Down at start (connections refused): every route fails closed after one bounded fetch
/// of `FETCH_ATTEMPTS` attempts; within the failure backoff further requests are refused at
/// once without a fetch, even after the endpoint is back; after it, the first request
/// fetches once and everything passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_down_at_start_fails_closed_then_recovers_after_the_failure_backoff() {
    let mock = MockClerk::start().await;
    let ada = seed_named(&mock, "Ada");
    let proxy = Proxy::start(mock_addr(&mock), Link::Refuse).await;
    let clerk = mock
        .clerk_builder()
        .api_url(proxy.url())
        .http_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let app = App::start(clerk).await;
    let token = mock.token().user(&ada.id).sign();
    let expired = mock.token().user(&ada.id).expired().sign();
    let forged_kid = mock.token().header("kid", "ins_forged").sign();

    // The first request waits for the one failing fetch, then is refused.
    let r = app.get("/protect", Some(&token)).await;
    let failed_at = Instant::now();
    assert_refused_reply(&r, &token, REMOTE_FAILED);
    assert!(r.took < MAX_RETRY_SLEEP + SLACK, "took {:?}", r.took);
    assert_eq!(app.jwks_attempts(), FETCH_ATTEMPTS as u64);
    assert_eq!(mock.jwks_requests(), 0);

    // Within the failure backoff: refused at once, no fetch.
    app.assert_refused(&token, REMOTE_FAILED).await;
    let r = app.get("/user", Some(&token)).await;
    assert_refused_reply(&r, &token, REMOTE_FAILED);
    let r = app.get("/user-explained", Some(&token)).await;
    assert_eq!(
        (r.status, &r.body),
        (401, &json!({"reason": REMOTE_FAILED}))
    );
    let r = app.get("/maybe-user", Some(&token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"signed_in": false, "user": null}));
    assert!(r.took < Duration::from_millis(500), "took {:?}", r.took);
    // Expired tokens and a forged kid need a key too: the same refusal. Garbage is refused
    // before any key lookup.
    app.assert_refused(&expired, REMOTE_FAILED).await;
    app.assert_refused(&forged_kid, REMOTE_FAILED).await;
    app.assert_refused("not.a.token", "token-invalid").await;
    let r = app.get("/protect", None).await;
    // No credentials on a development instance: the development browser is checked first.
    assert_refused_reply(&r, "", "dev-browser-missing");
    assert_eq!(app.runs(), [0, 0, 4, 0, 0, 1], "no strict handler ran");
    assert_eq!(app.jwks_attempts(), FETCH_ATTEMPTS as u64);
    assert!(mock.api_requests().is_empty(), "no Backend API call");

    // The endpoint comes back, but the failure backoff (10 s) is not over: still refused,
    // still no fetch.
    proxy.set(Link::Up).await;
    app.assert_refused(&token, REMOTE_FAILED).await;
    assert_eq!(app.jwks_attempts(), FETCH_ATTEMPTS as u64);
    assert_eq!(mock.jwks_requests(), 0);

    // After the backoff: one fetch, and everything passes.
    sleep_until(
        failed_at,
        clerk::jwks::DEFAULT_FAILURE_BACKOFF + Duration::from_millis(200),
    )
    .await;
    app.assert_signed_in(&token, &ada.id).await;
    assert_eq!(mock.jwks_requests(), 1);
    assert_eq!(app.jwks_attempts(), FETCH_ATTEMPTS as u64 + 1);
    let r = app.get("/user", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"id": ada.id, "first_name": "Ada"}));
    assert_eq!(user_fetches(&mock, &ada.id), 1);
    app.assert_refused(&expired, EXPIRED).await;
    // A kid never seen costs its own refetch (then the cooldown applies).
    app.assert_refused(&forged_kid, KID_MISMATCH).await;
    assert_eq!(mock.jwks_requests(), 2);
}

// ---------------------------------------------------------------------------------------
// The other JWKS faults
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_faults_over_http() {
    let mut scenarios = vec![
        scenario("jwks_short_outage_at_start", jwks_short_outage_at_start),
        scenario("jwks_down_after_start", jwks_down_after_start),
        scenario("jwks_refusal_after_start", jwks_refusal_after_start),
        scenario("jwks_slow_beyond_the_timeout", jwks_slow_beyond_the_timeout),
        scenario("jwks_slow_within_the_timeout", jwks_slow_within_the_timeout),
        scenario("jwks_slow_refresh", jwks_slow_refresh),
        scenario("jwks_endless_body", jwks_endless_body),
        scenario("jwks_refusals", jwks_refusals),
        scenario("key_rotation", key_rotation),
    ];
    for fault in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Garbage,
        Fault::Oversized,
        Fault::CloseMidBody,
        // The JWKS retry does not wait for `Retry-After` (Clerk does not rate-limit
        // `/v1/jwks`; `@clerk/backend` retries the same way).
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    ] {
        scenarios.push(scenario(
            format!("jwks_transient_fault({fault:?})"),
            move |mock| jwks_transient_fault(mock, fault),
        ));
    }
    run_concurrently(scenarios).await;
}

/// A short outage at start (two attempts fail) is absorbed by the fetch's own retries: the
/// first request waits, then passes.
async fn jwks_short_outage_at_start(mock: MockClerk) {
    mock.fail_jwks_next(2, Fault::Status(503));
    let app = App::start(mock.clerk()).await;
    let token = mock.token().user("user_1").sign();
    let r = app.get("/protect", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"user_id": "user_1"}));
    assert_eq!(mock.jwks_requests(), 3);
    app.assert_signed_in(&token, "user_1").await;
    assert_eq!(mock.jwks_requests(), 3);
}

/// Down after start (connections refused): with the cache expired and every refresh
/// failing, the cached key keeps serving (one bounded failing fetch in the background,
/// then none within the backoff) until `jwks_max_staleness` after the last successful
/// fetch; after that bound every request is refused, including a token the verified-token
/// cache holds. A kid never seen is refused throughout.
async fn jwks_down_after_start(mock: MockClerk) {
    const TTL: Duration = Duration::from_millis(300);
    // Longer than the TTL plus one fully failing fetch plus the requests below.
    const MAX_STALENESS: Duration = Duration::from_millis(6000);
    let proxy = Proxy::start(mock_addr(&mock), Link::Up).await;
    let clerk = mock
        .clerk_builder()
        .api_url(proxy.url())
        .jwks_cache_ttl(TTL)
        .jwks_max_staleness(MAX_STALENESS)
        .http_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let app = App::start(clerk).await;
    let token = mock.token().user("user_1").sign();
    let other = mock.token().user("user_2").sign();
    let expired = mock.token().user("user_1").expired().sign();
    let forged_kid = mock.token().user("user_1").header("kid", "ins_new").sign();

    app.assert_signed_in(&token, "user_1").await;
    assert_eq!(mock.jwks_requests(), 1);
    // The fetch happened before this instant: TTL and staleness are counted from here, so a
    // slow (loaded) machine only makes the waits longer, never too short.
    let t0 = Instant::now();

    proxy.set(Link::Refuse).await;
    sleep_until(t0, TTL + Duration::from_millis(100)).await;
    // The TTL is over: the cached key serves at once; the refresh, in the background,
    // fails after all its attempts.
    let r = app.get("/protect", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"user_id": "user_1"}));
    assert!(r.took < MAX_RETRY_SLEEP / 2, "took {:?}", r.took);
    wait_for_jwks_refresh(&app.clerk).await;
    assert_eq!(app.jwks_attempts(), 1 + FETCH_ATTEMPTS as u64);

    // Within the failure backoff: no fetch; the stale key verifies new and old tokens and
    // still refuses expired ones; an unknown kid gets the fetch failure.
    app.assert_signed_in(&token, "user_1").await;
    app.assert_signed_in(&other, "user_2").await;
    app.assert_refused(&expired, EXPIRED).await;
    app.assert_refused(&forged_kid, REMOTE_FAILED).await;
    assert_eq!(app.jwks_attempts(), 1 + FETCH_ATTEMPTS as u64);
    assert_eq!(mock.jwks_requests(), 1);
    assert!(t0.elapsed() < MAX_STALENESS, "the test's timing assumption");

    // Beyond the bound (still within the failure backoff): fail closed, without a fetch.
    sleep_until(t0, MAX_STALENESS + Duration::from_millis(200)).await;
    app.assert_refused(&token, REMOTE_FAILED).await;
    app.assert_refused(&other, REMOTE_FAILED).await;
    let r = app.get("/user", Some(&token)).await;
    assert_refused_reply(&r, &token, REMOTE_FAILED);
    assert_eq!(app.runs(), [4, 3, 7, 0, 0, 0]);
    assert_eq!(app.jwks_attempts(), 1 + FETCH_ATTEMPTS as u64);
    assert_eq!(mock.jwks_requests(), 1);
    assert!(mock.api_requests().is_empty());
}

/// A refusal after start (`clerk_key_invalid`: the key may have been revoked) is not an
/// outage: the request that meets the expired key set is answered from it while the
/// refresh runs in the background; once that refresh is refused (a single request), the
/// cached keys stop serving, including for a token the verified-token cache holds.
async fn jwks_refusal_after_start(mock: MockClerk) {
    const TTL: Duration = Duration::from_millis(300);
    let app = App::start(mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap()).await;
    let token = mock.token().user("user_1").sign();
    app.assert_signed_in(&token, "user_1").await;
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::InvalidSecretKey);
    let r = app.get("/protect", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    wait_for_jwks_refresh(&app.clerk).await;
    app.assert_refused(&token, SECRET_KEY_INVALID).await;
    app.assert_refused(&mock.token().user("user_2").sign(), SECRET_KEY_INVALID)
        .await;
    assert_eq!(mock.jwks_requests(), 2, "a refusal is not retried");
}

/// Slow beyond the timeout on a cold cache: 20 concurrent requests on five routes share
/// one failing fetch of `FETCH_ATTEMPTS` timed-out attempts and are all refused.
async fn jwks_slow_beyond_the_timeout(mock: MockClerk) {
    const TIMEOUT: Duration = Duration::from_millis(200);
    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Delay(Duration::from_secs(3)));
    let app =
        Arc::new(App::start(mock.clerk_builder().http_timeout(TIMEOUT).build().unwrap()).await);
    let token = mock.token().user("user_1").sign();

    let started = Instant::now();
    let tasks: Vec<_> = ["/protect", "/strict", "/lax", "/user", "/maybe-user"]
        .iter()
        .cycle()
        .take(20)
        .map(|path| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { (*path, app.get(path, Some(&token)).await) })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        let (path, r) = task.unwrap();
        match path {
            "/strict" => assert_eq!(
                (r.status, &r.body),
                (401, &json!({"reason": REMOTE_FAILED}))
            ),
            "/lax" => assert_eq!(
                (r.status, &r.body),
                (200, &json!({"signed_in": false, "user_id": null}))
            ),
            "/maybe-user" => assert_eq!(
                (r.status, &r.body),
                (200, &json!({"signed_in": false, "user": null}))
            ),
            _ => assert_refused_reply(&r, &token, REMOTE_FAILED),
        }
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < TIMEOUT * FETCH_ATTEMPTS as u32 + MAX_RETRY_SLEEP + SLACK,
        "took {elapsed:?}"
    );
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS, "one fetch for all");
    assert_eq!(app.jwks_attempts(), FETCH_ATTEMPTS as u64);
    assert_eq!(app.runs(), [0, 0, 4, 0, 0, 4]);
    assert!(mock.api_requests().is_empty());
}

/// Slow within the timeout: one request, signed in.
async fn jwks_slow_within_the_timeout(mock: MockClerk) {
    mock.fail_jwks_next(1, Fault::Delay(Duration::from_millis(100)));
    let app = App::start(
        mock.clerk_builder()
            .http_timeout(Duration::from_millis(1000))
            .build()
            .unwrap(),
    )
    .await;
    app.assert_signed_in(&mock.token().user("user_1").sign(), "user_1")
        .await;
    assert_eq!(mock.jwks_requests(), 1);
}

/// Slow beyond the timeout while refreshing a warm cache: requests are answered at once
/// from the cached key (stale-while-revalidate) while the refresh fails in the background
/// — `FETCH_ATTEMPTS` timed-out attempts, one refresh for all — and within the failure
/// backoff that follows the cached key keeps serving, without a new fetch.
async fn jwks_slow_refresh(mock: MockClerk) {
    const TTL: Duration = Duration::from_millis(300);
    const TIMEOUT: Duration = Duration::from_millis(200);
    let app = Arc::new(
        App::start(
            mock.clerk_builder()
                .jwks_cache_ttl(TTL)
                .http_timeout(TIMEOUT)
                .build()
                .unwrap(),
        )
        .await,
    );
    let token = mock.token().user("user_1").sign();
    app.assert_signed_in(&token, "user_1").await;
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;

    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Delay(Duration::from_secs(3)));
    // The whole failing refresh takes at least FETCH_ATTEMPTS × TIMEOUT (1 s); every
    // request, on every route, is answered well before that.
    let tasks: Vec<_> = ["/protect", "/strict", "/protect", "/strict"]
        .iter()
        .map(|path| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { app.get(path, Some(&token)).await })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        let r = task.unwrap();
        assert_eq!(r.status, 200, "{r:?}");
        assert!(
            r.took < TIMEOUT * FETCH_ATTEMPTS as u32 / 2,
            "took {:?}",
            r.took
        );
    }
    wait_for_jwks_refresh(&app.clerk).await;
    assert_eq!(
        mock.jwks_requests(),
        1 + FETCH_ATTEMPTS,
        "one refresh for all"
    );
    // Within the failure backoff: served at once, no fetch.
    let r = app.get("/strict", Some(&token)).await;
    assert_eq!(r.status, 200);
    assert!(r.took < Duration::from_millis(500), "took {:?}", r.took);
    assert_eq!(mock.jwks_requests(), 1 + FETCH_ATTEMPTS);
}

/// A transient `fault` on every attempt of a cold cache: every route refused after exactly
/// `FETCH_ATTEMPTS` JWKS requests, and none more within the backoff. Then, on a new
/// instance, the same fault once: absorbed by the retry, signed in after two requests.
async fn jwks_transient_fault(mock: MockClerk, fault: Fault) {
    mock.fail_jwks_next(FETCH_ATTEMPTS, fault.clone());
    let app = App::start(mock.clerk()).await;
    let token = mock.token().user("user_1").sign();
    let r = app.get("/protect", Some(&token)).await;
    assert_refused_reply(&r, &token, REMOTE_FAILED);
    assert!(
        r.took < MAX_RETRY_SLEEP + SLACK,
        "{fault:?} took {:?}",
        r.took
    );
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS, "{fault:?}");
    app.assert_refused(&token, REMOTE_FAILED).await;
    let r = app.get("/user", Some(&token)).await;
    assert_refused_reply(&r, &token, REMOTE_FAILED);
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS, "{fault:?}: backoff");
    assert_eq!(app.runs(), [0, 0, 1, 0, 0, 0], "{fault:?}");

    mock.fail_jwks_next(1, fault.clone());
    let app = App::start(mock.clerk()).await;
    let r = app.get("/protect", Some(&token)).await;
    assert_eq!(r.status, 200, "{fault:?}: {r:?}");
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS + 2, "{fault:?}");
    app.assert_signed_in(&token, "user_1").await;
    assert_eq!(mock.jwks_requests(), FETCH_ATTEMPTS + 2, "{fault:?}");
    assert!(mock.api_requests().is_empty());
}

/// Refusals are final: one request each, every route refused, none more within the
/// backoff (each on a new instance).
async fn jwks_refusals(mock: MockClerk) {
    let token = mock.token().user("user_1").sign();
    let mut requests = 0;
    for (fault, reason) in [
        (Fault::InvalidSecretKey, SECRET_KEY_INVALID),
        (Fault::Status(404), REMOTE_FAILED),
        (Fault::Status(401), REMOTE_FAILED),
        (Fault::EmptyKeys, REMOTE_FAILED),
    ] {
        mock.fail_jwks_next(1, fault.clone());
        let app = App::start(mock.clerk()).await;
        app.assert_refused(&token, reason).await;
        let r = app.get("/user", Some(&token)).await;
        assert_refused_reply(&r, &token, reason);
        requests += 1;
        assert_eq!(mock.jwks_requests(), requests, "{fault:?}");
    }
    assert!(mock.api_requests().is_empty());
}

/// A JWKS endpoint whose chunked body never ends (no `Content-Length`): each attempt stops
/// reading at the 256 KiB limit instead of waiting for the timeout or buffering it all.
async fn jwks_endless_body(mock: MockClerk) {
    let requests = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let endless = {
        let (requests, sent) = (requests.clone(), sent.clone());
        get(move || {
            requests.fetch_add(1, SeqCst);
            let sent = sent.clone();
            let chunk = axum::body::Bytes::from(vec![b' '; 64 * 1024]);
            let stream = futures::stream::iter(std::iter::repeat(chunk)).map(move |c| {
                sent.fetch_add(c.len(), SeqCst);
                Ok::<_, std::convert::Infallible>(c)
            });
            async move { axum::body::Body::from_stream(stream) }
        })
    };
    let upstream = serve(Router::new().route("/v1/jwks", endless)).await;
    // A long timeout: a fetch that waited for it would take 5 × 10 s.
    let clerk = mock
        .clerk_builder()
        .api_url(upstream)
        .http_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let app = App::start(clerk).await;
    let token = mock.token().user("user_1").sign();
    let r = app.get("/protect", Some(&token)).await;
    assert_refused_reply(&r, &token, REMOTE_FAILED);
    assert!(r.took < MAX_RETRY_SLEEP + SLACK, "took {:?}", r.took);
    assert_eq!(requests.load(SeqCst), FETCH_ATTEMPTS);
    let sent = sent.load(SeqCst);
    assert!(
        sent < FETCH_ATTEMPTS * 16 * 1024 * 1024,
        "{sent} bytes pulled from the endless body"
    );
    app.assert_refused(&token, REMOTE_FAILED).await;
    assert_eq!(requests.load(SeqCst), FETCH_ATTEMPTS);
}

/// A new kid appears: its first token costs one refetch, old tokens keep passing. The old
/// kid disappears: its tokens keep passing for one TTL after the key was last seen (even
/// across an unrelated refetch), then are refused with `jwk-kid-mismatch` — also the one
/// the verified-token cache holds — at the cost of one refetch per cooldown.
async fn key_rotation(mock: MockClerk) {
    // Margins of 500 ms or more around every boundary: the scenarios run side by side on
    // a loaded machine.
    const TTL: Duration = Duration::from_millis(3000);
    let app = App::start(
        mock.clerk_builder()
            .jwks_cache_ttl(TTL)
            .jwks_refetch_cooldown(Duration::from_millis(1000))
            .build()
            .unwrap(),
    )
    .await;
    let old_key = mock.current_key();
    let old_token = mock.token().user("user_old").sign();
    app.assert_signed_in(&old_token, "user_old").await;
    assert_eq!(mock.jwks_requests(), 1);

    // A new kid appears (RSA key generation happens before the clock matters).
    let new_kid = mock.rotate_key();
    let new_token = mock.token().user("user_new").sign();
    let forged = mock.token().header("kid", "ins_forged").sign();
    let t0 = Instant::now();
    app.assert_signed_in(&new_token, "user_new").await;
    assert_eq!(mock.jwks_requests(), 2, "the new kid costs one refetch");
    app.assert_signed_in(&old_token, "user_old").await;
    app.assert_signed_in(&token_signed_by(&mock, &old_key, "user_o2"), "user_o2")
        .await;
    assert_eq!(mock.jwks_requests(), 2);
    let mut kids = app.clerk.verification_keys().unwrap().kids();
    kids.sort();
    let mut expected = vec![old_key.kid().to_owned(), new_kid];
    expected.sort();
    assert_eq!(kids, expected);

    // The old kid disappears from the JWKS (last seen at t0).
    mock.remove_key(old_key.kid());
    app.assert_signed_in(&old_token, "user_old").await;
    assert_eq!(mock.jwks_requests(), 2, "a fresh cache is not refetched");
    // t0 + 1.5 s (the cooldown started by the new kid is over): an unknown kid refetches;
    // the old key, seen less than one TTL ago, stays.
    sleep_until(t0, Duration::from_millis(1500)).await;
    app.assert_refused(&forged, KID_MISMATCH).await;
    assert_eq!(mock.jwks_requests(), 3);
    app.assert_signed_in(&old_token, "user_old").await;
    app.assert_signed_in(&new_token, "user_new").await;
    assert_eq!(mock.jwks_requests(), 3);
    assert!(t0.elapsed() < TTL, "the test's timing assumption");

    // t0 + 3.6 s: more than one TTL since the old key was last seen: refused (one refetch
    // for its now unknown kid, the cooldown being over), including the cached token.
    sleep_until(t0, TTL + Duration::from_millis(600)).await;
    let r = app.get("/protect", Some(&old_token)).await;
    assert_refused_reply(&r, &old_token, KID_MISMATCH);
    assert_eq!(mock.jwks_requests(), 4);
    app.assert_refused(&old_token, KID_MISMATCH).await;
    app.assert_refused(&token_signed_by(&mock, &old_key, "user_o3"), KID_MISMATCH)
        .await;
    app.assert_signed_in(&new_token, "user_new").await;
    assert_eq!(mock.jwks_requests(), 4, "within the cooldown: no fetch");
    assert_eq!(
        app.clerk.verification_keys().unwrap().kids(),
        vec![mock.current_kid()]
    );
}
