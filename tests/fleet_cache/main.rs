//! A user cache a fleet shares (feature `redis`), end to end over real HTTP: two axum
//! servers with their own `Clerk`, one real `redis-server` (started by these tests on a
//! free loopback port), the local Clerk stand-in as the Backend API, and signed webhooks
//! that invalidate users on every server. Also: Redis going away and coming back.
//!
//! The tests that start a `redis-server` are `#[ignore]`d, so README's test command passes
//! on a machine without it; `.ci/run` installs it (`apt-get install -y redis-server`) and
//! runs them with `cargo test --all-features --test fleet_cache -- --ignored`.

mod failures;
mod sharing;

#[path = "../common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::api::CreateUserParams;
use clerk::cache::{CacheError, RedisUserCache, RedisUserCacheBuilder};
use clerk::testing::MockClerk;
use clerk::webhooks::{Webhook, WebhookConfig};
use clerk::{Clerk, User};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// A redis-server of our own.

/// A `redis-server` on `127.0.0.1:<free port>`, without persistence, killed on drop.
struct RedisServer {
    port: u16,
    password: Option<String>,
    child: Option<Child>,
}

impl RedisServer {
    fn start() -> Self {
        Self::start_with_password(None)
    }

    fn start_with_password(password: Option<&str>) -> Self {
        for _ in 0..5 {
            let port = free_port();
            if let Some(child) = spawn_redis(port, password) {
                return Self {
                    port,
                    password: password.map(str::to_owned),
                    child: Some(child),
                };
            }
        }
        panic!("redis-server did not start on a free loopback port (5 attempts)");
    }

    fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    /// Kills the server (SIGKILL): connections drop, data is gone.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    fn restart(&mut self) {
        assert!(self.child.is_none(), "still running");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(child) = spawn_redis(self.port, self.password.as_deref()) {
                self.child = Some(child);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not restart on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One command over a fresh connection, the reply as text (`(nil)` for a null).
    fn cmd(&self, args: &[&str]) -> String {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).expect("redis reachable");
        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        if let Some(p) = &self.password {
            assert_eq!(resp(&mut conn, &["AUTH", p]), "OK");
        }
        resp(&mut conn, args)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `redis-server` on `port` and waits until it answers; `None` if it exited (the
/// port was taken).
fn spawn_redis(port: u16, password: Option<&str>) -> Option<Child> {
    let port_arg = port.to_string();
    let mut args = vec![
        "--port",
        &port_arg,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ];
    if let Some(p) = password {
        args.extend(["--requirepass", p]);
    }
    let mut child = match Command::new("redis-server")
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`redis-server` is not installed, and the fleet_cache tests need it: \
             `apt-get install -y redis-server` (the tests start their own on 127.0.0.1)"
        ),
        Err(e) => panic!("could not run redis-server: {e}"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        if let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) {
            conn.set_read_timeout(Some(Duration::from_secs(1))).ok();
            let reply = resp(&mut conn, &["PING"]);
            if reply == "PONG" || reply.starts_with("NOAUTH") {
                return Some(child);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Sends a RESP command and reads one simple, integer, error or bulk reply.
fn resp(conn: &mut TcpStream, args: &[&str]) -> String {
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    if conn.write_all(request.as_bytes()).is_err() {
        return String::new();
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(pos) = buf.windows(2).position(|w| w == b"\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).into_owned();
            match head.as_bytes().first() {
                Some(b'+' | b':') => return head[1..].to_owned(),
                Some(b'-') => return head[1..].to_owned(),
                Some(b'$') => {
                    let len: i64 = head[1..].parse().unwrap();
                    if len < 0 {
                        return "(nil)".into();
                    }
                    let end = pos + 2 + len as usize;
                    if buf.len() >= end + 2 {
                        return String::from_utf8_lossy(&buf[pos + 2..end]).into_owned();
                    }
                }
                _ => return head,
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&buf).into_owned(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Logs, captured for every test of this file.

use common::logs::capture_globally;
use common::LogCapture as Capture;

fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| capture_globally(tracing::Level::DEBUG))
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------------------------------
// The application: `User` injection and a webhook route that invalidates.

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    webhooks: WebhookConfig,
}

#[clerk::require_session]
async fn profile(user: User) -> Json<Value> {
    Json(json!({"id": user.id, "first_name": user.first_name}))
}

async fn clerk_webhook(State(clerk): State<Clerk>, event: Webhook) -> StatusCode {
    match clerk.handle_user_webhook(&event).await {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(_) => {
            event.allow_retry();
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// One server of the fleet.
struct App {
    base: String,
    http: reqwest::Client,
}

impl App {
    async fn start(mock: &MockClerk, cache: &RedisUserCache) -> Self {
        let clerk = mock
            .clerk_builder()
            .user_cache(Arc::new(cache.clone()))
            .build()
            .unwrap();
        let router = Router::new()
            .route("/profile", get(profile))
            .route("/webhooks/clerk", post(clerk_webhook))
            .with_state(AppState {
                clerk,
                webhooks: mock.webhook_config(),
            });
        Self {
            base: common::serve(router).await,
            http: reqwest::Client::new(),
        }
    }

    /// `GET /profile`: the status and the body.
    async fn profile(&self, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/profile", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    fn webhook_url(&self) -> String {
        format!("{}/webhooks/clerk", self.base)
    }
}

fn user_fetches(mock: &MockClerk, user_id: &str) -> usize {
    mock.api_requests()
        .iter()
        .filter(|r| r.method == "GET" && r.uri.ends_with(&format!("/v1/users/{user_id}")))
        .count()
}

/// The settings of every cache in these tests: the instance's namespace, short waits.
fn cache_builder(redis: &RedisServer, mock: &MockClerk) -> RedisUserCacheBuilder {
    let namespace = clerk::PublishableKey::parse(&mock.publishable_key())
        .unwrap()
        .frontend_api()
        .to_owned();
    RedisUserCache::builder(redis.url())
        .ttl(Duration::from_secs(60))
        .namespace(namespace)
        .timeout(Duration::from_millis(200))
        .connect_timeout(Duration::from_secs(2))
        .retry_after(Duration::from_millis(300))
        .invalidation_hold(Duration::from_secs(1))
}

async fn ada(mock: &MockClerk) -> User {
    mock.create_user(&CreateUserParams {
        first_name: Some("Ada".into()),
        email_address: vec!["ada@example.com".into()],
        ..Default::default()
    })
    .unwrap()
}

/// Delivers a signed webhook of `event` about `data` to `url`; the status of the answer.
async fn deliver(mock: &MockClerk, url: &str, event: &str, data: Value) -> u16 {
    mock.send_webhook(url, event, data).await.status().as_u16()
}

/// Delivers `user.updated` with the user's current object to `url`; the status.
async fn deliver_user_updated(mock: &MockClerk, url: &str, user_id: &str) -> u16 {
    let user = mock.user_object(user_id).unwrap();
    deliver(mock, url, "user.updated", user).await
}

/// The set-up of a fleet test: logs captured, a Redis server, a mock with Ada, and a
/// session token of hers.
async fn fleet_with_ada() -> (RedisServer, MockClerk, User, String) {
    logs();
    let redis = RedisServer::start();
    let mock = MockClerk::start().await;
    let user = ada(&mock).await;
    let token = mock.token().user(&user.id).sign();
    (redis, mock, user, token)
}
