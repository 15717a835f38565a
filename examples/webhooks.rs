//! A Clerk webhook receiver that keeps a local copy of the users in sync.
//!
//! ```text
//! cargo run --example webhooks
//! ```
//!
//! With `CLERK_WEBHOOK_SIGNING_SECRET` set (the endpoint's `whsec_…` secret from the Clerk
//! Dashboard), it serves `POST /webhooks/clerk` on `127.0.0.1:3000` (override with
//! `WEBHOOKS_ADDR`) until stopped; point a tunnel at it and add the endpoint in the
//! Dashboard.
//!
//! Without it, it starts the embedded local Clerk stand-in (`MockClerk`), serves on a free
//! port, sends itself signed `user.created`, `user.updated` and `user.deleted` webhooks,
//! then a forged, a stale and a replayed one, prints what happened, and exits.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::webhooks::{Webhook, WebhookConfig, WebhookEvent, WebhookSecret};
use serde_json::json;

/// The application's own user table, kept in sync by the webhooks.
type Users = Arc<Mutex<HashMap<String, String>>>;

#[derive(Clone, FromRef)]
struct AppState {
    /// The signing secret, body limit and replay guard the `Webhook` extractor uses.
    webhooks: WebhookConfig,
    users: Users,
}

/// Verified before this runs: bad signatures, stale timestamps and replays never get here.
async fn clerk_webhook(State(users): State<Users>, event: Webhook<WebhookEvent>) -> StatusCode {
    let mut users = users.lock().unwrap();
    match &*event {
        WebhookEvent::UserCreated(user) | WebhookEvent::UserUpdated(user) => {
            let name = [user.first_name.as_deref(), user.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            println!("  {} {} → {name:?}", event.event_type(), user.id);
            users.insert(user.id.clone(), name);
        }
        WebhookEvent::UserDeleted(deleted) => {
            println!("  user.deleted {:?}", deleted.id);
            if let Some(id) = &deleted.id {
                users.remove(id);
            }
        }
        other => println!("  ignoring {} (message {})", other.event_type(), event.id()),
    }
    StatusCode::NO_CONTENT
}

fn app(webhooks: WebhookConfig, users: Users) -> Router {
    Router::new()
        .route("/webhooks/clerk", post(clerk_webhook))
        .with_state(AppState { webhooks, users })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let users = Users::default();

    if std::env::var("CLERK_WEBHOOK_SIGNING_SECRET").is_ok_and(|v| !v.trim().is_empty()) {
        let config = WebhookConfig::from_env()?;
        let addr: SocketAddr = std::env::var("WEBHOOKS_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
            .parse()?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("listening on http://{addr}/webhooks/clerk (Ctrl-C to stop)");
        axum::serve(listener, app(config, users)).await?;
        return Ok(());
    }

    // No secret: a local Clerk instance signs the webhooks.
    let mock = MockClerk::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/clerk", listener.local_addr()?);
    let router = app(mock.webhook_config(), users.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    println!("CLERK_WEBHOOK_SIGNING_SECRET is not set: using the local Clerk stand-in");
    println!("receiver: {url}\n");

    let user = mock
        .create_user(&clerk::api::CreateUserParams {
            email_address: vec!["ada@example.com".into()],
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            ..Default::default()
        })
        .map_err(|e| format!("seeding the user: {e}"))?;
    let user_json = mock
        .user_object(&user.id)
        .ok_or("the user was not stored")?;

    println!("signed webhooks:");
    let status = mock
        .send_webhook(&url, "user.created", user_json.clone())
        .await
        .status();
    println!("  → {status}");
    let mut renamed = user_json.clone();
    renamed["first_name"] = json!("Augusta Ada");
    let status = mock
        .send_webhook(&url, "user.updated", renamed)
        .await
        .status();
    println!("  → {status}");
    println!(
        "  local users: {:?}",
        users.lock().unwrap().values().collect::<Vec<_>>()
    );
    let deleted = json!({"object": "user", "id": user.id, "deleted": true});
    let status = mock
        .send_webhook(&url, "user.deleted", deleted.clone())
        .await
        .status();
    println!(
        "  → {status}; local users: {}\n",
        users.lock().unwrap().len()
    );

    println!("refused webhooks:");
    let forged = mock
        .webhook("user.deleted", deleted.clone())
        .secret(WebhookSecret::generate())
        .send(&url)
        .await;
    println!("  forged:   {} {}", forged.status(), forged.text().await?);
    let stale = mock
        .webhook("user.deleted", deleted.clone())
        .timestamp_offset_secs(-600)
        .send(&url)
        .await;
    println!("  stale:    {} {}", stale.status(), stale.text().await?);
    let message = mock.webhook("user.deleted", deleted);
    message.clone().send(&url).await;
    let replayed = message.send(&url).await;
    println!(
        "  replayed: {} {}",
        replayed.status(),
        replayed.text().await?
    );
    Ok(())
}
