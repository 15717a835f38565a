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
//!   1 h) after the last successful fetch, then requests are refused. Once the TTL has
//!   passed, requests do not wait for the refresh: it runs in the background.
//! * **Backend API failing while loading `User`**: `503 {"error":"Service Unavailable"}`,
//!   the handler does not run, `on_error` sees `user-unavailable`; the lax route runs with
//!   no user. Idempotent calls are retried on 5xx and broken connections (bounded); a
//!   429 is not retried: every `User` load of the instance answers 503 at once (with
//!   Clerk's `Retry-After`) until that wait has elapsed.
//!
//! Time-dependent options are set short (TTL, staleness, HTTP timeout, API retries). A JWKS
//! fetch that fails all its attempts sleeps 1.875–3.75 s between them (125 ms · 2ⁿ plus
//! jitter, not configurable); after a failed fetch no new fetch starts for
//! [`clerk::jwks::DEFAULT_FAILURE_BACKOFF`] (10 s, `jwks_failure_backoff`), which only the
//! recovery test waits out. The other scenarios run side by side (see
//! [`run_concurrently`]); the file takes about 15 s.

mod backend_api;
mod jwks;

#[path = "../common/mod.rs"]
mod common;
use common::mock::seed_named;
use common::mock::wait_for_jwks_refresh;
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
use clerk::api::RetryPolicy;
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
        self.clerk
            .verification_keys()
            .expect("JWKS mode")
            .fetch_count()
    }

    /// GETs `path` with `token`, and asserts the status and the JSON body.
    async fn expect(&self, path: &str, token: &str, status: u16, body: &Value) {
        let r = self.get(path, Some(token)).await;
        assert_eq!(r.status, status, "{path}: {r:?}");
        assert_eq!(&r.body, body);
    }

    /// `token` signed in as `user_id` on the three session routes.
    async fn assert_signed_in(&self, token: &str, user_id: &str) {
        let session = json!({"user_id": user_id});
        self.expect("/protect", token, 200, &session).await;
        self.expect("/strict", token, 200, &session).await;
        let lax = json!({"signed_in": true, "user_id": user_id});
        self.expect("/lax", token, 200, &lax).await;
    }

    /// `token` refused with `reason` on the three session routes: 401 with Clerk's headers
    /// on `protect`, the reason through `on_error`, the lax handler run signed out; the
    /// strict handlers never run.
    async fn assert_refused(&self, token: &str, reason: &str) {
        let before = self.runs();
        let r = self.get("/protect", Some(token)).await;
        assert_refused_reply(&r, token, reason);
        let refused = json!({"reason": reason});
        self.expect("/strict", token, 401, &refused).await;
        let signed_out = json!({"signed_in": false, "user_id": null});
        self.expect("/lax", token, 200, &signed_out).await;
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
