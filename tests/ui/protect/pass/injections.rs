use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{Auth, Clerk, ClerkLayer, Session};
use serde_json::{json, Value};

#[clerk::protect]
async fn auth_only(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect]
async fn session_only(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect]
async fn option_session(session: Option<Session>) -> String {
    format!("{:?}", session.map(|s| s.user_id().to_owned()))
}

#[clerk::protect]
async fn none() -> &'static str {
    "ok"
}

#[clerk::protect]
async fn all_three(session: Session, auth: clerk::Auth, maybe: Option<clerk::Session>) -> String {
    format!(
        "{} {:?} {}",
        session.user_id(),
        auth.user_id(),
        maybe.is_some()
    )
}

#[clerk::protect(role = "org:admin")]
async fn session_middle(
    Path(id): Path<u32>,
    session: Session,
    Json(body): Json<Value>,
) -> Json<Value> {
    Json(json!({"id": id, "user": session.user_id(), "body": body}))
}

#[clerk::protect]
async fn injected_last(Path(id): Path<u32>, Json(body): Json<Value>, auth: Auth) -> Json<Value> {
    Json(json!({"id": id, "user": auth.user_id(), "body": body}))
}

#[clerk::protect]
async fn interleaved(
    auth: Auth,
    Path(id): Path<u32>,
    session: ::clerk::Session,
    maybe: Option<Session>,
    Json(body): Json<Value>,
) -> Json<Value> {
    Json(json!({
        "id": id,
        "auth": auth.user_id(),
        "user": session.user_id(),
        "maybe": maybe.is_some(),
        "body": body,
    }))
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/auth", get(auth_only))
        .route("/session", get(session_only))
        .route("/option", get(option_session))
        .route("/none", get(none))
        .route("/all", get(all_three))
        .route("/middle/{id}", post(session_middle))
        .route("/last/{id}", post(injected_last))
        .route("/interleaved/{id}", post(interleaved))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
