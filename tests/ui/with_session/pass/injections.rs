use axum::extract::{FromRef, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{Auth, Clerk, Session};
use serde_json::{json, Value};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::with_session]
async fn auth_only(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::with_session]
async fn option_session(session: Option<Session>) -> String {
    format!("{:?}", session.map(|s| s.user_id().to_owned()))
}

#[clerk::with_session]
async fn none() -> &'static str {
    "ok"
}

#[clerk::with_session]
async fn both(session: Option<clerk::Session>, auth: ::clerk::Auth) -> String {
    format!("{} {:?}", session.is_some(), auth.user_id())
}

#[clerk::with_session]
async fn interleaved(
    Path(id): Path<u32>,
    auth: Auth,
    State(name): State<&'static str>,
    session: Option<Session>,
    Json(body): Json<Value>,
) -> Json<Value> {
    Json(json!({
        "id": id,
        "name": name,
        "auth": auth.user_id(),
        "session": session.is_some(),
        "body": body,
    }))
}

#[clerk::with_session]
pub async fn bindings(_: Auth, mut session: Option<Session>) -> String {
    session
        .take()
        .map(|s| s.user_id().to_owned())
        .unwrap_or_default()
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/auth", get(auth_only))
        .route("/option", get(option_session))
        .route("/none", get(none))
        .route("/both", get(both))
        .route("/interleaved/{id}", post(interleaved))
        .route("/bindings", get(bindings))
        .with_state(AppState { clerk, name: "app" })
}

fn main() {
    let _ = app;
}
