//! A user cache a fleet shares (feature `redis`), end to end over real HTTP: two axum
//! servers with their own `Clerk`, one real `redis-server` (started by these tests on a
//! free loopback port), the local Clerk stand-in as the Backend API, and signed webhooks
//! that invalidate users on every server. Also: Redis going away and coming back.
//!
//! Needs the `redis-server` binary (`apt-get install -y redis-server`); without it these
//! tests fail, saying so.

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

use common::LogCapture as Capture;

fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(capture.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        capture
    })
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

// ---------------------------------------------------------------------------------------

/// Server A loads the user from the Backend API, server B gets it from Redis; a
/// `user.updated` webhook received by A makes B see the change at once; a `user.deleted`
/// one makes B refuse the user. Another namespace on the same Redis shares nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_users_and_webhooks_invalidate_them() {
    logs();
    let redis = RedisServer::start();
    let mock = MockClerk::start().await;
    let user = ada(&mock).await;
    let token = mock.token().user(&user.id).sign();

    let cache_a = cache_builder(&redis, &mock).connect().await.unwrap();
    let cache_b = cache_builder(&redis, &mock).connect().await.unwrap();
    let a = App::start(&mock, &cache_a).await;
    let b = App::start(&mock, &cache_b).await;
    let ada_json = json!({"id": user.id, "first_name": "Ada"});

    // A: one Backend API call, and the user is in Redis, as JSON, with the TTL.
    assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 1);
    let key = cache_a.key(&user.id);
    assert!(key.starts_with("clerk:user:") && key.ends_with(&format!(":{}", user.id)));
    let stored: Value = serde_json::from_str(&redis.cmd(&["GET", &key])).unwrap();
    assert_eq!(stored["first_name"], "Ada");
    let pttl: u64 = redis.cmd(&["PTTL", &key]).parse().unwrap();
    assert!(pttl > 50_000 && pttl <= 60_000, "PTTL {pttl}");

    // B: served from Redis, no call.
    assert_eq!(b.profile(&token).await, (200, ada_json.clone()));
    for _ in 0..3 {
        assert_eq!(a.profile(&token).await.0, 200);
        assert_eq!(b.profile(&token).await.0, 200);
    }
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // The user changes in Clerk; until the webhook arrives, the fleet serves the cached copy.
    mock.merge_into_user(&user.id, json!({"first_name": "Grace"}))
        .unwrap();
    assert_eq!(b.profile(&token).await, (200, ada_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // `user.updated` delivered to A: B sees the change on its very next request.
    let r = mock
        .send_webhook(
            &a.webhook_url(),
            "user.updated",
            mock.user_object(&user.id).unwrap(),
        )
        .await;
    assert_eq!(r.status(), 204);
    let grace_json = json!({"id": user.id, "first_name": "Grace"});
    assert_eq!(b.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 2);
    // For the invalidation hold (1 s here), copies are not stored: a copy loaded just
    // before the change cannot come back. Then the cache fills again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(a.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 3);
    assert_eq!(b.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(a.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 3);

    // Another Clerk instance (namespace) on the same Redis: its own entries.
    let other_cache = cache_builder(&redis, &mock)
        .namespace("another-instance")
        .connect()
        .await
        .unwrap();
    assert_ne!(other_cache.key(&user.id), key);
    let other = App::start(&mock, &other_cache).await;
    assert_eq!(other.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 4);

    // Deleted in Clerk, then `user.deleted` delivered to B: A refuses the user at once.
    mock.clerk().users().delete(&user.id).await.unwrap();
    assert_eq!(a.profile(&token).await.0, 200, "still cached");
    let r = mock
        .send_webhook(
            &b.webhook_url(),
            "user.deleted",
            json!({"object": "user", "id": user.id, "deleted": true}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(a.profile(&token).await.0, 401);
    assert_eq!(b.profile(&token).await.0, 401);

    // Other events leave the cache alone.
    let r = mock
        .send_webhook(
            &a.webhook_url(),
            "session.created",
            json!({"id": "sess_1", "object": "session", "user_id": user.id}),
        )
        .await;
    assert_eq!(r.status(), 204);
}

/// Clerk::forget_user / invalidate_user reach every server; unreadable or foreign
/// data in Redis is never served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_user_and_bad_data() {
    logs();
    let redis = RedisServer::start();
    let mock = MockClerk::start().await;
    let user = ada(&mock).await;
    let token = mock.token().user(&user.id).sign();
    let cache_a = cache_builder(&redis, &mock)
        .invalidation_hold(Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let cache_b = cache_builder(&redis, &mock)
        .invalidation_hold(Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let clerk_a = mock
        .clerk_builder()
        .user_cache(Arc::new(cache_a.clone()))
        .build()
        .unwrap();
    let b = App::start(&mock, &cache_b).await;

    assert_eq!(clerk_a.load_user(&user.id).await.unwrap().id, user.id);
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // invalidate_user waits for Redis: B misses right after.
    clerk_a.invalidate_user(&user.id).await.unwrap();
    assert_eq!(redis.cmd(&["EXISTS", &cache_a.key(&user.id)]), "0");
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 2);

    // forget_user (synchronous) finishes in the background.
    clerk_a.forget_user(&user.id);
    let deadline = Instant::now() + Duration::from_secs(2);
    while redis.cmd(&["EXISTS", &cache_a.key(&user.id)]) != "0" {
        assert!(Instant::now() < deadline, "forget_user did not reach Redis");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 3);

    // Garbage under the key: a miss (logged), the Backend API answers, the entry is
    // replaced.
    redis.cmd(&["SET", &cache_a.key(&user.id), "{not json"]);
    assert_eq!(
        b.profile(&token).await,
        (200, json!({"id": user.id, "first_name": "Ada"}))
    );
    assert_eq!(user_fetches(&mock, &user.id), 4);
    let stored: Value = serde_json::from_str(&redis.cmd(&["GET", &cache_a.key(&user.id)])).unwrap();
    assert_eq!(stored["id"], json!(user.id));

    // Another user's JSON under this user's key: never served.
    let mut mallory = stored.clone();
    mallory["id"] = json!("user_mallory");
    mallory["first_name"] = json!("Mallory");
    redis.cmd(&["SET", &cache_a.key(&user.id), &mallory.to_string()]);
    assert_eq!(
        b.profile(&token).await,
        (200, json!({"id": user.id, "first_name": "Ada"}))
    );
    assert_eq!(user_fetches(&mock, &user.id), 5);
    assert!(
        log_text().contains("asked for user"),
        "the mismatch is logged"
    );
}

/// Redis killed mid-test: every request still answers 200 with the right user, from the
/// Backend API, quickly, and the failure is logged without the Redis password; a webhook
/// that cannot invalidate answers 503 (Svix retries). Redis restarted on the same port:
/// the cache works again without restarting anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_falls_back_to_the_backend_api() {
    logs();
    const PASSWORD: &str = "fleet-cache-redis-password-7f3a";
    let mut redis = RedisServer::start_with_password(Some(PASSWORD));
    let mock = MockClerk::start().await;
    let user = ada(&mock).await;
    let token = mock.token().user(&user.id).sign();
    let cache = cache_builder(&redis, &mock).connect().await.unwrap();
    assert!(!format!("{cache:?}").contains(PASSWORD));
    let a = App::start(&mock, &cache).await;
    let ada_json = json!({"id": user.id, "first_name": "Ada"});

    assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
    assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 1);

    redis.kill();
    for i in 0..6 {
        let started = Instant::now();
        assert_eq!(
            a.profile(&token).await,
            (200, ada_json.clone()),
            "request {i}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "request {i} took {:?}",
            started.elapsed()
        );
        assert_eq!(user_fetches(&mock, &user.id), 2 + i);
    }
    let logged = log_text();
    assert!(
        logged.contains("clerk: user cache failed; using the Backend API"),
        "the outage is logged at warn"
    );
    assert!(!logged.contains(PASSWORD), "the Redis password was logged");

    // A webhook that cannot reach Redis asks to be retried.
    let r = mock
        .send_webhook(
            &a.webhook_url(),
            "user.updated",
            mock.user_object(&user.id).unwrap(),
        )
        .await;
    assert_eq!(r.status(), 503);

    // Back on the same port (empty): the connection is re-established by itself and users
    // are cached again.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let before = user_fetches(&mock, &user.id);
        assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
        assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
        let after = user_fetches(&mock, &user.id);
        if after - before <= 1 && redis.cmd(&["EXISTS", &cache.key(&user.id)]) == "1" {
            break;
        }
        assert!(Instant::now() < deadline, "the cache never worked again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let fetches = user_fetches(&mock, &user.id);
    for _ in 0..3 {
        assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
    }
    assert_eq!(
        user_fetches(&mock, &user.id),
        fetches,
        "served from Redis again"
    );
    assert!(log_text().contains("the user cache works again"));
}

/// With a local layer, B serves from its own memory; the `user.updated` webhook received
/// by A reaches B's layer through Redis pub/sub. The layer is off while the subscription
/// is down, and back after Redis is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_layers_stay_coherent_through_pubsub() {
    logs();
    let mut redis = RedisServer::start();
    let mock = MockClerk::start().await;
    let user = ada(&mock).await;
    let token = mock.token().user(&user.id).sign();
    let local = |b: RedisUserCacheBuilder| b.local_cache(Duration::from_secs(60));
    let cache_a = local(cache_builder(&redis, &mock)).connect().await.unwrap();
    let cache_b = local(cache_builder(&redis, &mock)).connect().await.unwrap();
    assert!(cache_a.is_subscribed() && cache_b.is_subscribed());
    let a = App::start(&mock, &cache_a).await;
    let b = App::start(&mock, &cache_b).await;

    assert_eq!(a.profile(&token).await.0, 200);
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 1);
    // B holds it locally: even with the Redis key gone, no call.
    redis.cmd(&["DEL", &cache_b.key(&user.id)]);
    assert_eq!(
        b.profile(&token).await,
        (200, json!({"id": user.id, "first_name": "Ada"}))
    );
    assert_eq!(user_fetches(&mock, &user.id), 1);

    mock.merge_into_user(&user.id, json!({"first_name": "Grace"}))
        .unwrap();
    let r = mock
        .send_webhook(
            &a.webhook_url(),
            "user.updated",
            mock.user_object(&user.id).unwrap(),
        )
        .await;
    assert_eq!(r.status(), 204);
    // The message travels A → Redis → B's subscriber: B drops its copy within moments.
    let sent = Instant::now();
    loop {
        let (status, body) = b.profile(&token).await;
        assert_eq!(status, 200);
        if body["first_name"] == "Grace" {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "B's local layer was not invalidated"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(user_fetches(&mock, &user.id), 2);

    // Redis down: the subscription drops, and the local layers with it (they could miss
    // invalidations); requests go to the Backend API.
    redis.kill();
    let deadline = Instant::now() + Duration::from_secs(5);
    while cache_b.is_subscribed() {
        assert!(
            Instant::now() < deadline,
            "B did not notice the lost subscription"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = user_fetches(&mock, &user.id);
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), before + 1);

    // Redis back: B resubscribes by itself.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(cache_a.is_subscribed() && cache_b.is_subscribed()) {
        assert!(Instant::now() < deadline, "no resubscription");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `connect` fails on a bad URL and on a server that is not there; neither error names
/// the password.
#[tokio::test]
async fn connect_errors() {
    let err = RedisUserCache::connect("http://not-redis", Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(err, CacheError::Config(_)), "{err:?}");

    let port = free_port();
    let started = Instant::now();
    let err = RedisUserCache::builder(format!("redis://:hunter2-secret@127.0.0.1:{port}/"))
        .connect_timeout(Duration::from_millis(500))
        .connect()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        matches!(err, CacheError::Unavailable(_) | CacheError::Timeout(_)),
        "{err:?}"
    );
    assert!(!err.to_string().contains("hunter2"));
    assert!(!format!("{err:?}").contains("hunter2"));
}
