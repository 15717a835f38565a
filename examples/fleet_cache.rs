//! Two servers sharing a user cache in Redis, kept fresh by Clerk's webhooks.
//!
//! ```text
//! cargo run --example fleet_cache --features redis
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run --example fleet_cache --features redis
//! ```
//!
//! With `REDIS_URL` set, it uses that Redis (under a namespace of its own); without, it
//! starts a `redis-server` (`apt-get install -y redis-server`) on a free loopback port.
//! It starts the local Clerk stand-in (`MockClerk`) as the Backend API, serves the same
//! application twice (servers A and B, each with its own `Clerk` and `RedisUserCache`),
//! and shows: A loads a user from the Backend API, B gets it from Redis, the user changes,
//! a signed `user.updated` webhook reaches A, and B sees the change on its next request;
//! then `user.deleted`. It prints each step and exits.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::api::CreateUserParams;
use clerk::cache::RedisUserCache;
use clerk::testing::MockClerk;
use clerk::webhooks::{Webhook, WebhookConfig};
use clerk::{Clerk, User};
use serde_json::{json, Value};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    webhooks: WebhookConfig,
}

#[clerk::require_session]
async fn profile(user: User) -> Json<Value> {
    Json(json!({"id": user.id, "first_name": user.first_name}))
}

/// The webhook endpoint: `user.updated` / `user.deleted` drop the user on every server.
async fn clerk_webhook(State(clerk): State<Clerk>, event: Webhook) -> StatusCode {
    match clerk.handle_user_webhook(&event).await {
        Ok(Some(user_id)) => {
            println!(
                "  webhook {}: invalidated {user_id} fleet-wide",
                event.event_type()
            );
            StatusCode::NO_CONTENT
        }
        Ok(None) => StatusCode::NO_CONTENT,
        Err(e) => {
            // The cache could not be told: let Svix deliver the event again later.
            println!("  webhook {}: cache unreachable ({e})", event.event_type());
            event.allow_retry();
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// A `redis-server` of the example's own, killed on drop.
struct OwnRedis(Child);

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Result<(String, OwnRedis), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!("could not start redis-server ({e}): install it (`apt-get install -y redis-server`) or set REDIS_URL")
        })?;
    let own = OwnRedis(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("redis-server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((format!("redis://127.0.0.1:{port}/"), own))
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "clerk_runtime=warn".into()),
        )
        .init();

    let (redis_url, _own_redis) = match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => (url, None),
        _ => {
            let (url, own) = start_redis()?;
            println!("started redis-server at {url}");
            (url, Some(own))
        }
    };

    let mock = MockClerk::start().await;
    let user = mock
        .create_user(&CreateUserParams {
            first_name: Some("Ada".into()),
            email_address: vec!["ada@example.com".into()],
            ..Default::default()
        })
        .map_err(|e| format!("creating the user: {e}"))?;
    let token = mock.token().user(&user.id).expires_in_secs(600).sign();

    // One namespace per Clerk instance: here a fresh one, so a shared Redis is left alone.
    let namespace = format!("example-{}", user.id);
    let mut servers = Vec::new();
    for name in ["A", "B"] {
        let cache = RedisUserCache::builder(&redis_url)
            .ttl(Duration::from_secs(60))
            .namespace(&namespace)
            .connect()
            .await?;
        let clerk = mock.clerk_builder().user_cache(Arc::new(cache)).build()?;
        let base = serve(
            Router::new()
                .route("/profile", get(profile))
                .route("/webhooks/clerk", post(clerk_webhook))
                .with_state(AppState {
                    clerk,
                    webhooks: mock.webhook_config(),
                }),
        )
        .await;
        println!("server {name} at {base}");
        servers.push(base);
    }
    let (a, b) = (&servers[0], &servers[1]);

    let http = reqwest::Client::new();
    let fetches = || {
        mock.api_requests()
            .iter()
            .filter(|r| r.method == "GET" && r.uri.ends_with(&format!("/users/{}", user.id)))
            .count()
    };
    let ask = |server: &'static str, base: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let r = http
                .get(format!("{base}/profile"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("the server answers");
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            println!("  GET {server}/profile -> {status} {body}");
        }
    };

    println!("\n1. A loads the user from the Backend API; B gets it from Redis:");
    ask("A", a.clone()).await;
    ask("B", b.clone()).await;
    ask("B", b.clone()).await;
    println!("  Backend API calls for the user: {}", fetches());

    println!("\n2. The user is renamed in Clerk; the fleet still serves the cached copy:");
    mock.merge_into_user(&user.id, json!({"first_name": "Grace"}));
    ask("B", b.clone()).await;

    println!("\n3. Clerk sends `user.updated` to A; B sees the change at once:");
    let data = mock.user_object(&user.id).ok_or("the user is gone")?;
    let r = mock
        .send_webhook(&format!("{a}/webhooks/clerk"), "user.updated", data)
        .await;
    println!("  webhook answered {}", r.status());
    ask("B", b.clone()).await;
    println!("  Backend API calls for the user: {}", fetches());

    println!("\n4. The user is deleted; `user.deleted` reaches B; A refuses the user:");
    mock.clerk().users().delete(&user.id).await?;
    let r = mock
        .send_webhook(
            &format!("{b}/webhooks/clerk"),
            "user.deleted",
            json!({"object": "user", "id": user.id, "deleted": true}),
        )
        .await;
    println!("  webhook answered {}", r.status());
    ask("A", a.clone()).await;

    println!("\ndone");
    Ok(())
}
