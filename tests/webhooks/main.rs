//! Webhooks end to end over real HTTP: an axum server with a `Webhook<WebhookEvent>`
//! route, and `MockClerk` (or hand-made requests) sending signed, forged, stale,
//! replayed, tampered and oversized webhooks.

mod checks;
mod delivery;

#[path = "../common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use clerk::testing::MockClerk;
use clerk::webhooks::{
    ReplayGuard, Webhook, WebhookConfig, WebhookEvent, WebhookSecret, KNOWN_EVENT_TYPES,
};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the handler saw: (svix-id, event).
type Seen = Arc<Mutex<Vec<(String, WebhookEvent)>>>;

#[derive(Clone, FromRef)]
struct AppState {
    webhooks: WebhookConfig,
    seen: Seen,
}

async fn handler(State(seen): State<Seen>, webhook: Webhook<WebhookEvent>) -> Json<Value> {
    let envelope = webhook.envelope().unwrap_or_default();
    let answer = json!({
        "type": webhook.event_type(),
        "object_id": webhook.object_id(),
        "id": webhook.id(),
        "timestamp": webhook.timestamp(),
        "instance_id": envelope.instance_id,
        "client_ip": envelope.client_ip(),
    });
    seen.lock()
        .unwrap()
        .push((webhook.id().to_owned(), webhook.into_inner()));
    Json(answer)
}

struct Server {
    url: String,
    seen: Seen,
}

impl Server {
    fn events(&self) -> Vec<(String, WebhookEvent)> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn serve(config: WebhookConfig) -> Server {
    let seen = Seen::default();
    let router = Router::new()
        .route("/webhooks/clerk", post(handler))
        .with_state(AppState {
            webhooks: config,
            seen: seen.clone(),
        });
    let base = common::serve(router).await;
    Server {
        url: format!("{base}/webhooks/clerk"),
        seen,
    }
}

/// A started mock, and a server with its default webhook configuration.
async fn start_with_server() -> (MockClerk, Server) {
    let mock = MockClerk::start().await;
    let server = serve(mock.webhook_config()).await;
    (mock, server)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Asserts a rejection: status, `{"error": reason}`, and a body that names neither the
/// signature nor the secret.
async fn expect_rejected(
    response: reqwest::Response,
    status: u16,
    reason: &str,
    mock: &MockClerk,
) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "rejections are JSON"
    );
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"], reason, "{text}");
    let secret = mock.webhook_secret().expose_secret();
    assert!(
        !text.contains(&secret) && !text.contains(&secret[6..]),
        "{text}"
    );
    assert!(!text.contains("v1,"), "{text}");
    body
}

async fn raw_post(url: &str, headers: &[(&str, String)], body: Vec<u8>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(url).body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.unwrap()
}
