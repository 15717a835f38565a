//! Backend API faults while injecting `User`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_api_faults_over_http() {
    run_concurrently(vec![
        scenario("backend_api_500", backend_api_500),
        scenario("backend_api_429_retry_after", backend_api_429_retry_after),
        scenario("backend_api_close_mid_body", backend_api_close_mid_body),
        scenario("backend_api_slow", backend_api_slow),
        scenario("backend_api_down", backend_api_down),
    ])
    .await;
}

/// Fast, bounded retries: 2 retries within 3 s.
fn api_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        initial_delay: Duration::from_millis(20),
        budget: Duration::from_secs(3),
    }
}

struct UserApp {
    mock: MockClerk,
    app: App,
    user: User,
    token: String,
}

async fn user_app(
    mock: MockClerk,
    build: impl FnOnce(clerk::ClerkBuilder) -> clerk::ClerkBuilder,
) -> UserApp {
    let user = seed_named(&mock, "Grace");
    let clerk = build(mock.clerk_builder().api_retry(api_retry()))
        .build()
        .unwrap();
    let app = App::start(clerk).await;
    let token = mock.token().user(&user.id).sign();
    UserApp {
        mock,
        app,
        user,
        token,
    }
}

impl UserApp {
    fn fetches(&self) -> usize {
        user_fetches(&self.mock, &self.user.id)
    }

    async fn assert_user_served(&self) {
        let r = self.app.get("/user", Some(&self.token)).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(
            r.body,
            json!({"id": self.user.id, "first_name": "Grace"}),
            "{r:?}"
        );
    }

    /// `/user` answers 503 without running its handler, after `attempts` GETs.
    async fn assert_user_unavailable(&self, attempts: usize) -> Reply {
        let (runs, fetches) = (self.app.runs(), self.fetches());
        let r = self.app.get("/user", Some(&self.token)).await;
        assert_eq!(r.status, 503, "{r:?}");
        assert_eq!(r.body, json!({"error": "Service Unavailable"}));
        assert_eq!(r.header("x-clerk-auth-status"), None);
        assert_eq!(self.app.runs()[3], runs[3], "the handler ran");
        assert_eq!(self.fetches() - fetches, attempts);
        r
    }
}

/// 500 from the Backend API: retried (bounded); when every attempt fails the `User` route
/// answers 503 and its handler does not run, `on_error` sees `user-unavailable`, the lax
/// route runs without the user; authentication itself is unaffected.
async fn backend_api_500(mock: MockClerk) {
    let u = user_app(mock, |b| b).await;
    u.assert_user_served().await;
    assert_eq!(u.fetches(), 1);

    // One 500, then success: retried.
    u.mock.inject_api_faults([Fault::Status(500)]);
    u.assert_user_served().await;
    assert_eq!(u.fetches(), 3);

    // Every attempt fails: 1 + 2 retries, then 503.
    u.mock
        .inject_api_faults(std::iter::repeat_n(Fault::Status(500), 3));
    let r = u.assert_user_unavailable(3).await;
    assert_eq!(r.header("retry-after"), None, "no wait was asked for");
    u.mock
        .inject_api_faults(std::iter::repeat_n(Fault::Status(500), 3));
    let r = u.app.get("/user-explained", Some(&u.token)).await;
    assert_eq!(
        (r.status, &r.body),
        (503, &json!({"reason": "user-unavailable"}))
    );
    u.mock
        .inject_api_faults(std::iter::repeat_n(Fault::Status(500), 3));
    let r = u.app.get("/maybe-user", Some(&u.token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"signed_in": true, "user": null}));
    assert_eq!(u.fetches(), 3 + 9);
    // Routes without `User` never call the Backend API.
    u.app.assert_signed_in(&u.token, &u.user.id).await;
    assert_eq!(u.fetches(), 12);
    assert_eq!(u.app.runs(), [1, 1, 1, 2, 0, 1]);
    assert_eq!(u.mock.jwks_requests(), 1);
}

/// 429 with `Retry-After: 1`: the `User` route answers 503 at once after that one call,
/// passing `Retry-After` on; until the second has elapsed every `User` load of the
/// instance answers 503 without a call (the instance holds back, rather than each request
/// retrying on its own); then loads resume. Authentication itself needs no call.
async fn backend_api_429_retry_after(mock: MockClerk) {
    let u = user_app(mock, |b| b).await;
    u.app.assert_signed_in(&u.token, &u.user.id).await;

    u.mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let limited_at = Instant::now();
    let r = u.assert_user_unavailable(1).await;
    assert!(r.took < Duration::from_millis(500), "took {:?}", r.took);
    assert_eq!(
        r.header("retry-after"),
        Some("1"),
        "Clerk's wait is passed on"
    );

    // Held back: concurrent requests answer 503 at once, without a call.
    let requests = (0..10).map(|_| u.app.get("/user", Some(&u.token)));
    for r in futures::future::join_all(requests).await {
        assert_eq!(r.status, 503, "{r:?}");
        assert_eq!(r.header("retry-after"), Some("1"));
        assert!(r.took < Duration::from_millis(500), "took {:?}", r.took);
    }
    let r = u.assert_user_unavailable(0).await;
    assert_eq!(r.header("retry-after"), Some("1"));
    u.app.assert_signed_in(&u.token, &u.user.id).await;
    assert_eq!(u.fetches(), 1);

    sleep_until(limited_at, Duration::from_millis(1100)).await;
    u.assert_user_served().await;
    assert_eq!(u.fetches(), 2);

    // A long wait is passed on as it is.
    u.mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 30,
    }]);
    let r = u.assert_user_unavailable(1).await;
    assert!(r.took < Duration::from_millis(500), "took {:?}", r.took);
    assert_eq!(r.header("retry-after"), Some("30"));
    assert_eq!(u.app.runs()[3], 1);
}

/// A connection closed in the middle of the user's body: retried; every attempt closed:
/// 503 after three calls. A truncated JSON body with a 200 is not retried: 503 after one.
async fn backend_api_close_mid_body(mock: MockClerk) {
    let u = user_app(mock, |b| b).await;
    u.mock.inject_api_faults([Fault::CloseMidBody]);
    u.assert_user_served().await;
    assert_eq!(u.fetches(), 2);
    u.mock
        .inject_api_faults(std::iter::repeat_n(Fault::CloseMidBody, 3));
    u.assert_user_unavailable(3).await;
    u.mock.inject_api_faults([Fault::Garbage]);
    u.assert_user_unavailable(1).await;
    u.assert_user_served().await;
    assert_eq!(u.fetches(), 7);
}

/// Slower than the HTTP timeout: each attempt is cut at the timeout; one slow answer is
/// retried, three answer 503 within the bound.
async fn backend_api_slow(mock: MockClerk) {
    const TIMEOUT: Duration = Duration::from_millis(300);
    let u = user_app(mock, |b| b.http_timeout(TIMEOUT)).await;
    u.app.assert_signed_in(&u.token, &u.user.id).await;

    u.mock
        .inject_api_faults([Fault::Delay(Duration::from_secs(3))]);
    u.assert_user_served().await;
    assert_eq!(u.fetches(), 2);

    u.mock
        .inject_api_faults(std::iter::repeat_n(Fault::Delay(Duration::from_secs(3)), 3));
    let r = u.assert_user_unavailable(3).await;
    assert!(r.took >= TIMEOUT * 3, "took {:?}", r.took);
    assert!(r.took < TIMEOUT * 3 + SLACK, "took {:?}", r.took);
    assert_eq!(u.app.runs()[3], 1);
}

/// The Backend API down (every connection dropped before an answer) while the JWKS is
/// cached: authentication keeps working; `User` routes answer 503 after 1 + 2 attempts
/// and their handlers do not run; with the user cache on, a cached user is served without
/// a call until its TTL ends.
async fn backend_api_down(mock: MockClerk) {
    const USER_TTL: Duration = Duration::from_millis(800);
    let user = seed_named(&mock, "Grace");
    let proxy = Proxy::start(mock_addr(&mock), Link::Up).await;
    let clerk = mock
        .clerk_builder()
        .api_url(proxy.url())
        .api_retry(api_retry())
        .user_cache_ttl(USER_TTL)
        .build()
        .unwrap();
    let app = App::start(clerk).await;
    let token = mock.token().user(&user.id).sign();
    let r = app.get("/user", Some(&token)).await;
    let cached_at = Instant::now();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(user_fetches(&mock, &user.id), 1);
    assert_eq!(mock.jwks_requests(), 1);

    proxy.set(Link::Drop).await;
    let accepted = proxy.accepted();
    // Within the user cache TTL: served from the cache, no call.
    let r = app.get("/user", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"id": user.id, "first_name": "Grace"}));
    assert_eq!(proxy.accepted(), accepted);
    app.assert_signed_in(&token, &user.id).await;
    assert!(
        cached_at.elapsed() < USER_TTL,
        "the test's timing assumption"
    );

    // After it: 503 after three dropped connections; the handler does not run.
    sleep_until(cached_at, USER_TTL + Duration::from_millis(100)).await;
    let runs = app.runs();
    let r = app.get("/user", Some(&token)).await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.body, json!({"error": "Service Unavailable"}));
    assert_eq!(proxy.accepted() - accepted, 3);
    assert_eq!(app.runs()[3], runs[3]);
    let r = app.get("/user-explained", Some(&token)).await;
    assert_eq!(
        (r.status, &r.body),
        (503, &json!({"reason": "user-unavailable"}))
    );
    let r = app.get("/maybe-user", Some(&token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"signed_in": true, "user": null}));
    assert_eq!(proxy.accepted() - accepted, 9);
    // Authentication needs no Backend API call while the JWKS is fresh.
    app.assert_signed_in(&token, &user.id).await;
    assert_eq!(proxy.accepted() - accepted, 9);
    assert_eq!(user_fetches(&mock, &user.id), 1);
    assert_eq!(mock.jwks_requests(), 1);
    assert_eq!(app.runs(), [2, 2, 2, 2, 0, 1]);
}
