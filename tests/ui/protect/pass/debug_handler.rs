//! `#[axum::debug_handler]` below a clerk attribute checks the generated handler with the
//! state it infers (`state = T`, the `State<T>` parameter, or `()`).
use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::Router;
use clerk::{Clerk, ClerkLayer, Session};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::protect]
#[axum::debug_handler]
async fn unit_state(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::with_session]
#[axum::debug_handler]
async fn from_parameter(session: Option<Session>, State(state): State<AppState>) -> String {
    format!("{} {}", state.name, session.is_some())
}

#[clerk::require_session]
#[axum::debug_handler(state = AppState)]
async fn explicit(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: Clerk) -> (Router, Router) {
    let layered = Router::new()
        .route("/a", get(unit_state))
        .layer(ClerkLayer::new(clerk.clone()));
    let stateful = Router::new()
        .route("/b", get(from_parameter))
        .route("/c", get(explicit))
        .with_state(AppState { clerk, name: "app" });
    (layered, stateful)
}

fn main() {
    let _ = app;
}
