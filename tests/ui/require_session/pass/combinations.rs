use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{require_session, Auth, Clerk, ClerkLayer, Session};
use serde_json::Value;

#[require_session]
async fn session_auth(session: Session, Path(id): Path<u32>, auth: Auth) -> String {
    format!("{} {id} {:?}", session.user_id(), auth.user_id())
}

#[require_session]
async fn option_auth(auth: Auth, maybe: Option<Session>) -> String {
    format!("{:?} {}", auth.user_id(), maybe.is_some())
}

#[require_session]
async fn session_option(
    maybe: Option<Session>,
    Path(id): Path<u32>,
    session: Session,
    Json(body): Json<Value>,
) -> String {
    format!("{} {id} {} {body}", maybe.is_some(), session.user_id())
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/a/{id}", get(session_auth))
        .route("/b", get(option_auth))
        .route("/c/{id}", post(session_option))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
