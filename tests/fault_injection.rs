//! Fault injection as a user of protected routes sees it, over real HTTP.
//!
//! An axum app with `#[clerk::protect]`, `#[clerk::require_session(on_error = …)]`,
//! `#[clerk::with_session]` and `User`-injecting routes is served on `127.0.0.1:0` and
//! driven with a real HTTP client, while the local Clerk stand-in misbehaves (its injected
//! faults), or while a purpose-built loopback server stands in for it: a switchable TCP
//! proxy that can refuse or drop connections, and a JWKS endpoint with an endless body.
//! Each test asserts the status of every request, Clerk's `x-clerk-auth-*` headers or the
//! body where they matter, whether the handler ran, and exactly how many requests reached
//! the JWKS endpoint and the Backend API.
//!
//! What a user of a protected route sees:
//!
//! * **No usable key** (JWKS down at start, or down for longer than the staleness bound,
//!   slow beyond the timeout, answering garbage or a huge body, closing mid-body): the
//!   request is refused — fail closed. Strict routes answer `401` with
//!   `x-clerk-auth-status: signed-out` and `x-clerk-auth-reason: jwk-remote-failed-to-load`
//!   (`secret-key-invalid` when Clerk refuses the key), as for any other verification
//!   failure (spec §2.10: every other reason → signed-out with the verification reason; the
//!   Go SDK's middleware answers 401 too); `on_error` sees that reason; lax routes run signed
//!   out; `User` routes answer 401 without calling the Backend API.
//! * **JWKS down after start**: cached keys keep serving up to `jwks_max_staleness` (default
//!   1 h) after the last successful fetch, then requests are refused.
//! * **Backend API failing while loading `User`**: `503 {"error":"Service Unavailable"}`,
//!   the handler does not run, `on_error` sees `user-unavailable`; the lax route runs with
//!   no user. Idempotent calls are retried (bounded), honouring `Retry-After`.
//!
//! Time-dependent options are set short (TTL, staleness, HTTP timeout, API retries). A JWKS
//! fetch that fails all its attempts sleeps 1.875–3.75 s between them (125 ms · 2ⁿ plus
//! jitter, not configurable); after a failed fetch no new fetch starts for
//! [`clerk::jwks::FAILURE_BACKOFF`] (10 s), which only the recovery test waits out. The
//! other scenarios run side by side (see [`run_concurrently`]); the file takes about 15 s.

mod common;
use common::serve;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::{Json, Router};
use clerk::api::{CreateUserParams, RetryPolicy};
use clerk::testing::{Fault, MockClerk, MockKey};
use clerk::{Auth, AuthError, Clerk, HttpError, Session, User};
use futures::StreamExt as _;
use serde_json::{json, Value};

const FETCH_ATTEMPTS: usize = clerk::jwks::FETCH_ATTEMPTS as usize;
/// Upper bound of the sleeps between the attempts of one failing JWKS fetch.
const MAX_RETRY_SLEEP: Duration = Duration::from_millis(3750);
/// Slack for scheduling on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

const REMOTE_FAILED: &str = "jwk-remote-failed-to-load";
const KID_MISMATCH: &str = "jwk-kid-mismatch";
const SECRET_KEY_INVALID: &str = "secret-key-invalid";
const EXPIRED: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";

// ---------------------------------------------------------------------------------------
// The application under test
// ---------------------------------------------------------------------------------------

/// How many times each handler ran: a refused request must not reach its handler.
#[derive(Default)]
struct Counters {
    protect: AtomicUsize,
    strict: AtomicUsize,
    lax: AtomicUsize,
    user: AtomicUsize,
    user_explained: AtomicUsize,
    maybe_user: AtomicUsize,
}

#[derive(Clone, Default)]
struct Runs(Arc<Counters>);

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    runs: Runs,
}

#[clerk::protect]
async fn protected(State(runs): State<Runs>, auth: Auth) -> Json<Value> {
    runs.0.protect.fetch_add(1, SeqCst);
    Json(json!({"user_id": auth.user_id()}))
}

#[clerk::require_session(on_error = explain)]
async fn strict(session: Session, State(runs): State<Runs>) -> Json<Value> {
    runs.0.strict.fetch_add(1, SeqCst);
    Json(json!({"user_id": session.user_id()}))
}

fn explain(err: &AuthError) -> HttpError {
    HttpError::new(err.status().as_u16(), "denied").with_data(json!({"reason": err.reason()}))
}

#[clerk::with_session]
async fn lax(State(runs): State<Runs>, auth: Auth) -> Json<Value> {
    runs.0.lax.fetch_add(1, SeqCst);
    Json(json!({"signed_in": auth.is_signed_in(), "user_id": auth.user_id()}))
}

#[clerk::require_session]
async fn user(State(runs): State<Runs>, user: User) -> Json<Value> {
    runs.0.user.fetch_add(1, SeqCst);
    Json(json!({"id": user.id, "first_name": user.first_name}))
}

#[clerk::protect(on_error = explain)]
async fn user_explained(user: User, State(runs): State<Runs>) -> Json<Value> {
    runs.0.user_explained.fetch_add(1, SeqCst);
    Json(json!({"id": user.id}))
}

#[clerk::with_session]
async fn maybe_user(State(runs): State<Runs>, auth: Auth, user: Option<User>) -> Json<Value> {
    runs.0.maybe_user.fetch_add(1, SeqCst);
    Json(json!({"signed_in": auth.is_signed_in(), "user": user.map(|u| u.id)}))
}

/// One answer of the app.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    took: Duration,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The app served on `127.0.0.1:0`, its client and its handler counters.
struct App {
    base: String,
    http: reqwest::Client,
    runs: Runs,
    clerk: Clerk,
}

impl App {
    async fn start(clerk: Clerk) -> Self {
        let runs = Runs::default();
        let router = Router::new()
            .route("/protect", get(protected))
            .route("/strict", get(strict))
            .route("/lax", get(lax))
            .route("/user", get(user))
            .route("/user-explained", get(user_explained))
            .route("/maybe-user", get(maybe_user))
            .with_state(AppState {
                clerk: clerk.clone(),
                runs: runs.clone(),
            });
        let base = serve(router).await;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Self {
            base,
            http,
            runs,
            clerk,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let started = Instant::now();
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the app answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a complete body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            took: started.elapsed(),
        }
    }

    /// How many times the handlers ran: protect, strict, lax, user, user-explained,
    /// maybe-user.
    fn runs(&self) -> [usize; 6] {
        let c = &self.runs.0;
        [
            c.protect.load(SeqCst),
            c.strict.load(SeqCst),
            c.lax.load(SeqCst),
            c.user.load(SeqCst),
            c.user_explained.load(SeqCst),
            c.maybe_user.load(SeqCst),
        ]
    }

    /// HTTP requests the SDK made to the JWKS endpoint (each attempt counts, including
    /// those that never reached a server).
    fn jwks_attempts(&self) -> u64 {
        self.clerk.jwks_cache().expect("JWKS mode").fetch_count()
    }

    /// `token` signed in as `user_id` on the three session routes.
    async fn assert_signed_in(&self, token: &str, user_id: &str) {
        let r = self.get("/protect", Some(token)).await;
        assert_eq!(r.status, 200, "/protect: {r:?}");
        assert_eq!(r.body, json!({"user_id": user_id}));
        let r = self.get("/strict", Some(token)).await;
        assert_eq!(r.status, 200, "/strict: {r:?}");
        assert_eq!(r.body, json!({"user_id": user_id}));
        let r = self.get("/lax", Some(token)).await;
        assert_eq!(r.status, 200, "/lax: {r:?}");
        assert_eq!(r.body, json!({"signed_in": true, "user_id": user_id}));
    }

    /// `token` refused with `reason` on the three session routes: 401 with Clerk's headers
    /// on `protect`, the reason through `on_error`, the lax handler run signed out; the
    /// strict handlers never run.
    async fn assert_refused(&self, token: &str, reason: &str) {
        let before = self.runs();
        let r = self.get("/protect", Some(token)).await;
        assert_refused_reply(&r, token, reason);
        let r = self.get("/strict", Some(token)).await;
        assert_eq!(r.status, 401, "/strict: {r:?}");
        assert_eq!(r.body, json!({"reason": reason}));
        let r = self.get("/lax", Some(token)).await;
        assert_eq!(r.status, 200, "/lax: {r:?}");
        assert_eq!(r.body, json!({"signed_in": false, "user_id": null}));
        let after = self.runs();
        assert_eq!(after[0], before[0], "the protect handler ran");
        assert_eq!(after[1], before[1], "the strict handler ran");
        assert_eq!(after[2], before[2] + 1, "the lax handler did not run");
    }
}

/// `401 {"error":"Unauthenticated"}` with `x-clerk-auth-status: signed-out`, the reason,
/// and a message that does not contain the token.
fn assert_refused_reply(r: &Reply, token: &str, reason: &str) {
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.body, json!({"error": "Unauthenticated"}));
    assert_eq!(r.header("x-clerk-auth-status"), Some("signed-out"), "{r:?}");
    assert_eq!(r.header("x-clerk-auth-reason"), Some(reason), "{r:?}");
    let message = r.header("x-clerk-auth-message").unwrap_or_default();
    assert!(message.contains(&format!("reason={reason}")), "{message}");
    assert!(
        token.is_empty() || !message.contains(token),
        "the token leaked into {message}"
    );
}

/// `GET /v1/users/{user_id}` requests that reached the mock.
fn user_fetches(mock: &MockClerk, user_id: &str) -> usize {
    mock.api_requests()
        .iter()
        .filter(|r| r.method == "GET" && r.uri.ends_with(&format!("/v1/users/{user_id}")))
        .count()
}

fn mock_addr(mock: &MockClerk) -> SocketAddr {
    mock.api_url()
        .trim_start_matches("http://")
        .parse()
        .expect("the mock's address")
}

fn token_signed_by(mock: &MockClerk, key: &MockKey, user_id: &str) -> String {
    mock.token()
        .user(user_id)
        .header("kid", key.kid())
        .sign_with(key)
}

async fn sleep_until(start: Instant, at: Duration) {
    tokio::time::sleep_until((start + at).into()).await;
}

// ---------------------------------------------------------------------------------------
// A purpose-built loopback upstream: a TCP proxy in front of the mock that can go down
// ---------------------------------------------------------------------------------------

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Forwards them to the mock.
    Up,
    /// Nothing listens: connections are refused.
    Refuse,
    /// Accepts each connection and closes it at once, before any answer.
    Drop,
}

/// A TCP proxy on a fixed loopback port in front of the mock. Switching the link aborts
/// every connection it holds, so pooled keep-alive connections die as in a real outage.
struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    accepted: Arc<AtomicUsize>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Proxy {
    async fn start(target: SocketAddr, link: Link) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            addr: listener.local_addr().unwrap(),
            target,
            accepted: Arc::default(),
            task: Mutex::new(None),
        };
        drop(listener);
        proxy.set(link).await;
        proxy
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far (in `Up` and `Drop`).
    fn accepted(&self) -> usize {
        self.accepted.load(SeqCst)
    }

    async fn set(&self, link: Link) {
        let previous = self.task.lock().unwrap().take();
        if let Some(task) = previous {
            task.abort();
            let _ = task.await;
        }
        if link != Link::Refuse {
            // SO_REUSEADDR (set by Tokio) lets the port be bound again at once.
            let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
            let (target, accepted) = (self.target, self.accepted.clone());
            let task = tokio::spawn(async move {
                // Dropping the set (when this task is aborted) aborts every connection.
                let mut connections = tokio::task::JoinSet::new();
                loop {
                    let Ok((mut inbound, _)) = listener.accept().await else {
                        continue;
                    };
                    accepted.fetch_add(1, SeqCst);
                    if link == Link::Drop {
                        drop(inbound);
                        continue;
                    }
                    connections.spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    while connections.try_join_next().is_some() {}
                }
            });
            *self.task.lock().unwrap() = Some(task);
        }
        // Let the client's pool see its connections close.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------
// Running scenarios side by side
// ---------------------------------------------------------------------------------------

type Scenario = Pin<Box<dyn Future<Output = ()> + Send>>;
type MakeScenario = Box<dyn FnOnce(MockClerk) -> Scenario + Send>;

fn scenario<F, Fut>(name: impl Into<String>, f: F) -> (String, MakeScenario)
where
    F: FnOnce(MockClerk) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    (
        name.into(),
        Box::new(move |mock| Box::pin(f(mock)) as Scenario),
    )
}

/// Runs the scenarios concurrently, each against its own mock, and names those that failed
/// (their panic messages are printed above). Most of a scenario's time is spent waiting
/// (retry backoffs, TTLs, timeouts): side by side, the file runs in about 15 s instead of
/// the sum of the scenarios. The mocks (an RSA key generation each, which blocks a worker
/// for a moment) are all started before any scenario's clock starts.
async fn run_concurrently(scenarios: Vec<(String, MakeScenario)>) {
    let mocks =
        futures::future::join_all(scenarios.iter().map(|_| tokio::spawn(MockClerk::start()))).await;
    let tasks: Vec<_> = scenarios
        .into_iter()
        .zip(mocks)
        .map(|((name, make), mock)| (name, tokio::spawn(make(mock.unwrap()))))
        .collect();
    let mut failed = Vec::new();
    for (name, task) in tasks {
        if task.await.is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "failed scenarios: {failed:?}");
}

// ---------------------------------------------------------------------------------------
// JWKS endpoint down at start, with recovery (alone: it waits out the 10 s backoff)
// ---------------------------------------------------------------------------------------

/// Down at start (connections refused): every route fails closed after one bounded fetch
/// of `FETCH_ATTEMPTS` attempts; within the failure backoff further requests are refused at
/// once without a fetch, even after the endpoint is back; after it, the first request
/// fetches once and everything passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_down_at_start_fails_closed_then_recovers_after_the_failure_backoff() {
    let mock = MockClerk::start().await;
    let ada = mock
        .create_user(&CreateUserParams {
            first_name: Some("Ada".into()),
            ..Default::default()
        })
        .unwrap();
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
    assert_refused_reply(&r, "", "session-token-and-uat-missing");
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
        clerk::jwks::FAILURE_BACKOFF + Duration::from_millis(200),
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
/// failing, the cached key keeps serving (one bounded failing fetch, then none within the
/// backoff) until `jwks_max_staleness` after the last successful fetch; after that bound
/// every request is refused, including a token the verified-token cache holds. A kid never
/// seen is refused throughout.
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
    // The TTL is over: the refresh fails after all its attempts; the cached key serves.
    let r = app.get("/protect", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"user_id": "user_1"}));
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
/// outage: the cached keys stop serving at once, after a single request.
async fn jwks_refusal_after_start(mock: MockClerk) {
    const TTL: Duration = Duration::from_millis(300);
    let app = App::start(mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap()).await;
    let token = mock.token().user("user_1").sign();
    app.assert_signed_in(&token, "user_1").await;
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    mock.fail_jwks_next(1, Fault::InvalidSecretKey);
    app.assert_refused(&token, SECRET_KEY_INVALID).await;
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

/// Slow beyond the timeout while refreshing a warm cache: the request that triggers the
/// refresh (and any that arrive meanwhile) waits for the whole failing fetch — at most
/// `FETCH_ATTEMPTS` × timeout plus the backoff — then the cached key serves.
async fn jwks_slow_refresh(mock: MockClerk) {
    const TTL: Duration = Duration::from_millis(300);
    const TIMEOUT: Duration = Duration::from_millis(200);
    let app = App::start(
        mock.clerk_builder()
            .jwks_cache_ttl(TTL)
            .http_timeout(TIMEOUT)
            .build()
            .unwrap(),
    )
    .await;
    let token = mock.token().user("user_1").sign();
    app.assert_signed_in(&token, "user_1").await;
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;

    mock.fail_jwks_next(FETCH_ATTEMPTS, Fault::Delay(Duration::from_secs(3)));
    let r = app.get("/protect", Some(&token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.took >= TIMEOUT * FETCH_ATTEMPTS as u32,
        "took {:?}",
        r.took
    );
    assert!(
        r.took < TIMEOUT * FETCH_ATTEMPTS as u32 + MAX_RETRY_SLEEP + SLACK,
        "took {:?}",
        r.took
    );
    assert_eq!(mock.jwks_requests(), 1 + FETCH_ATTEMPTS);
    // Within the failure backoff: served at once.
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
    let mut kids = app.clerk.jwks_cache().unwrap().kids();
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
        app.clerk.jwks_cache().unwrap().kids(),
        vec![mock.current_kid()]
    );
}

// ---------------------------------------------------------------------------------------
// Backend API faults while injecting `User`
// ---------------------------------------------------------------------------------------

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
    let user = mock
        .create_user(&CreateUserParams {
            first_name: Some("Grace".into()),
            ..Default::default()
        })
        .unwrap();
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

/// 429 with `Retry-After: 1`: the call waits one second, then succeeds; a `Retry-After`
/// beyond the retry budget answers 503 at once after a single call.
async fn backend_api_429_retry_after(mock: MockClerk) {
    let u = user_app(mock, |b| b).await;
    u.app.assert_signed_in(&u.token, &u.user.id).await;

    u.mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let r = u.app.get("/user", Some(&u.token)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.took >= Duration::from_secs(1), "took {:?}", r.took);
    assert!(r.took < Duration::from_secs(1) + SLACK, "took {:?}", r.took);
    assert_eq!(u.fetches(), 2);

    u.mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 30,
    }]);
    let r = u.assert_user_unavailable(1).await;
    assert!(r.took < Duration::from_millis(500), "took {:?}", r.took);
    assert_eq!(
        r.header("retry-after"),
        Some("30"),
        "Clerk's wait is passed on"
    );
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
    let user = mock
        .create_user(&CreateUserParams {
            first_name: Some("Grace".into()),
            ..Default::default()
        })
        .unwrap();
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
