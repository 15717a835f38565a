use axum::extract::{FromRef, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{Auth, Clerk, Session};
use serde_json::Value;

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::protect]
async fn auth_session(auth: Auth, Path(id): Path<u32>, session: Session) -> String {
    format!("{id} {:?} {}", auth.user_id(), session.user_id())
}

#[clerk::protect]
async fn session_auth(State(name): State<&'static str>, session: Session, auth: Auth) -> String {
    format!("{name} {} {:?}", session.user_id(), auth.user_id())
}

#[clerk::protect]
async fn auth_option(maybe: Option<Session>, auth: Auth, Json(body): Json<Value>) -> String {
    format!("{} {:?} {body}", maybe.is_some(), auth.user_id())
}

#[clerk::protect]
async fn option_session(
    Path(id): Path<u32>,
    session: Session,
    State(name): State<&'static str>,
    maybe: Option<Session>,
    Json(body): Json<Value>,
) -> String {
    format!(
        "{id} {name} {} {} {body}",
        session.user_id(),
        maybe.is_some()
    )
}

#[clerk::protect(role = "org:admin")]
async fn all_last(
    State(state): State<AppState>,
    Json(body): Json<Value>,
    session: Session,
    auth: Auth,
    maybe: Option<Session>,
) -> String {
    format!(
        "{} {body} {} {:?} {}",
        state.name,
        session.user_id(),
        auth.user_id(),
        maybe.is_some()
    )
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/a/{id}", get(auth_session))
        .route("/b", get(session_auth))
        .route("/c", post(auth_option))
        .route("/d/{id}", post(option_session))
        .route("/e", post(all_last))
        .with_state(AppState { clerk, name: "app" })
}

fn main() {
    let _ = app;
}
