//! The quickstart server.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `CLERK_SECRET_KEY` (or `CLERK_JWT_KEY`) set it verifies real Clerk session tokens.
//! Without, it starts the embedded local Clerk stand-in and prints ready-to-paste `curl`
//! commands with freshly minted tokens.

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use clerk::testing::MockClerk;
use clerk::{Clerk, Has, RequestState};
use serde_json::json;

async fn public() -> &'static str {
    "public: no authentication needed\n"
}

/// Signed in or not, the handler runs (like `withSession`).
async fn home(State(clerk): State<Clerk>, parts: Parts) -> String {
    match clerk.authenticate_request(&parts).await.to_auth().user_id() {
        Some(user) => format!("hello {user}\n"),
        None => "hello stranger\n".to_owned(),
    }
}

/// 401 unless signed in (like `requireSession`), with Clerk's reason in the body.
async fn me(State(clerk): State<Clerk>, parts: Parts) -> impl IntoResponse {
    let state = clerk.authenticate_request(&parts).await;
    match (&state, state.to_auth().session()) {
        (_, Some(session)) => (
            StatusCode::OK,
            Json(json!({
                "user_id": session.user_id(),
                "session_id": session.session_id(),
                "org_id": session.org_id(),
                "org_role": session.org_role(),
                "is_admin": session.has(&Has::role("org:admin")),
            })),
        ),
        (RequestState::SignedOut(out), None) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Unauthenticated", "reason": out.reason.as_str()})),
        ),
        (_, None) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Unauthenticated", "reason": "pending-session"})),
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();

    let real = std::env::var("CLERK_SECRET_KEY").is_ok_and(|v| !v.is_empty())
        || std::env::var("CLERK_JWT_KEY").is_ok_and(|v| !v.is_empty());
    let (clerk, mock) = if real {
        (Clerk::from_env()?, None)
    } else {
        let mock = MockClerk::start().await;
        (mock.clerk(), Some(mock))
    };

    let app = Router::new()
        .route("/", get(public))
        .route("/home", get(home))
        .route("/me", get(me))
        .with_state(clerk);

    let addr: SocketAddr = std::env::var("QUICKSTART_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("quickstart listening on {base}");
    match &mock {
        Some(mock) => {
            let user = mock.token().user("user_quickstart").expires_in_secs(3600).sign();
            let admin = mock
                .token()
                .user("user_admin")
                .org("org_quickstart", "org:admin")
                .expires_in_secs(3600)
                .sign();
            let expired = mock.token().user("user_quickstart").expired().sign();
            println!("no CLERK_SECRET_KEY: using the local Clerk stand-in at {}", mock.api_url());
            println!("try:");
            println!("  curl -i {base}/");
            println!("  curl -i {base}/home");
            println!("  curl -i {base}/me");
            println!("  curl -i -H 'Authorization: Bearer {user}' {base}/me");
            println!("  curl -i -H 'Authorization: Bearer {admin}' {base}/me");
            println!("  curl -i -H 'Authorization: Bearer {expired}' {base}/me");
        }
        None => println!("verifying real Clerk session tokens (CLERK_SECRET_KEY / CLERK_JWT_KEY)"),
    }
    axum::serve(listener, app).await?;
    Ok(())
}
