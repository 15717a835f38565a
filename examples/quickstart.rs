//! The quickstart server: one route per macro, a custom `on_error`, and a public route.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `CLERK_SECRET_KEY` (or `CLERK_JWT_KEY`) set it verifies real Clerk session tokens.
//! Without, it starts the embedded local Clerk stand-in and prints ready-to-paste `curl`
//! commands with freshly minted tokens.

use std::net::SocketAddr;

use axum::extract::FromRef;
use axum::routing::get;
use axum::{Json, Router};
use clerk::testing::MockClerk;
use clerk::{Auth, AuthError, Clerk, HttpError, Session};
use serde_json::{json, Value};

/// The router state: the `Clerk` handle (found by the macros through `FromRef`).
#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
}

/// Public: no authentication.
async fn public() -> &'static str {
    "public: no authentication needed\n"
}

/// 401 unless signed in.
#[clerk::protect]
async fn me(auth: Auth) -> Json<Value> {
    Json(json!({
        "user_id": auth.user_id(),
        "session_id": auth.session_id(),
        "org_id": auth.org_id(),
        "org_role": auth.org_role(),
    }))
}

/// The handler runs either way.
#[clerk::with_session]
async fn home(session: Option<Session>) -> String {
    match session {
        Some(session) => format!("hello {}\n", session.user_id()),
        None => "hello stranger\n".to_owned(),
    }
}

/// Strict, with a custom answer on failure.
#[clerk::require_session(on_error = unauthorized)]
async fn dashboard(session: Session) -> Json<Value> {
    Json(json!({"dashboard_of": session.user_id(), "claims": session.claims_json()}))
}

fn unauthorized(err: &AuthError) -> HttpError {
    HttpError::new(401, "Unauthorized").with_data(json!({
        "error": "Unauthorized",
        "reason": err.reason(),
    }))
}

/// Organization admins only: 401 when signed out, 403 when not an admin.
#[clerk::protect(role = "org:admin")]
async fn admin(session: Session) -> Json<Value> {
    Json(json!({"admin": session.user_id(), "org": session.org_id()}))
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
        .route("/dashboard", get(dashboard))
        .route("/admin", get(admin))
        .with_state(AppState { clerk });

    let addr: SocketAddr = std::env::var("QUICKSTART_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("quickstart listening on {base}");
    match &mock {
        Some(mock) => {
            // `__client_uat` is the last sign-in time (Unix seconds) the browser SDK keeps
            // next to `__session`: a cookie token is accepted only with one that is not 0
            // and not later than the token's `iat`, so read the clock before minting.
            let client_uat = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            let user = mock
                .token()
                .user("user_quickstart")
                .expires_in_secs(3600)
                .sign();
            let admin = mock
                .token()
                .user("user_admin")
                .org("org_quickstart", "org:admin")
                .expires_in_secs(3600)
                .sign();
            let expired = mock.token().user("user_quickstart").expired().sign();
            println!(
                "no CLERK_SECRET_KEY: using the local Clerk stand-in at {}",
                mock.api_url()
            );
            println!("tokens are valid for an hour; try:\n");
            println!("  curl -i {base}/");
            println!("  curl -i {base}/home");
            println!("  curl -i -H 'Authorization: Bearer {user}' {base}/home");
            println!("  curl -i {base}/me");
            println!("  curl -i -H 'Authorization: Bearer {user}' {base}/me");
            // On a development instance (the stand-in is one) a cookie request also needs
            // the development browser's cookie, `__clerk_db_jwt`, which Clerk's browser SDK
            // keeps: without it the answer is `dev-browser-missing`, as in `@clerk/backend`.
            println!(
                "  curl -i -H 'Cookie: __clerk_db_jwt=dvb_quickstart; __session={user}; __client_uat={client_uat}' {base}/me"
            );
            println!("  curl -i -H 'Cookie: __clerk_db_jwt=dvb_quickstart; __session={user}' {base}/me   # 401 session-token-but-no-client-uat");
            println!("  curl -i -H 'Cookie: __session={user}; __client_uat={client_uat}' {base}/me   # 401 dev-browser-missing");
            println!("  curl -i -H 'Authorization: Bearer {expired}' {base}/dashboard");
            println!("  curl -i -H 'Authorization: Bearer {user}' {base}/admin");
            println!("  curl -i -H 'Authorization: Bearer {admin}' {base}/admin");
        }
        None => println!("verifying real Clerk session tokens (CLERK_SECRET_KEY / CLERK_JWT_KEY)"),
    }
    axum::serve(listener, app).await?;
    Ok(())
}
