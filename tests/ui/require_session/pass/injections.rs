use axum::extract::{FromRef, Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use clerk::{Auth, Clerk, Session};
use serde_json::{json, Value};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::require_session]
async fn session_only(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session]
async fn option_session(session: Option<Session>) -> String {
    format!("{:?}", session.map(|s| s.user_id().to_owned()))
}

#[clerk::require_session]
async fn auth_only(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::require_session]
async fn none() -> &'static str {
    "ok"
}

#[clerk::require_session]
async fn interleaved(
    State(name): State<&'static str>,
    maybe: Option<clerk::Session>,
    Path((org, id)): Path<(String, u32)>,
    auth: Auth,
    session: Session,
    Json(body): Json<Value>,
) -> Json<Value> {
    Json(json!({
        "name": name,
        "org": org,
        "id": id,
        "maybe": maybe.is_some(),
        "auth": auth.user_id(),
        "user": session.user_id(),
        "body": body,
    }))
}

#[clerk::require_session]
pub async fn bindings(_: Auth, mut session: Session, _maybe: Option<Session>) -> String {
    session = session.clone();
    session.user_id().to_owned()
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/session", get(session_only))
        .route("/option", get(option_session))
        .route("/auth", get(auth_only))
        .route("/none", get(none))
        .route("/{org}/{id}", put(interleaved))
        .route("/bindings", get(bindings))
        .with_state(AppState { clerk, name: "app" })
}

fn main() {
    let _ = app;
}
