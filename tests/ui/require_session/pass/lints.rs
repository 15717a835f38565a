//! Generated code adds no warning to the user's crate, even under the strictest lints.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::fmt::Display;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use clerk::{Auth, AuthError, Clerk, ClerkLayer, HttpError, Session};

#[clerk::require_session]
async fn one_line(session: Session) -> String { session.user_id().to_owned() }

#[clerk::require_session(on_error = unauthorized)]
async fn multi_line(session: Session, auth: Auth) -> String {
    let user = session.user_id().to_owned();
    let signed_in = auth.is_signed_in();
    format!("{user} {signed_in}")
}

#[clerk::require_session]
async fn generic<T: Display + Default>(session: Session) -> String {
    format!("{} {}", T::default(), session.user_id())
}

#[clerk::require_session]
async fn returns_impl(session: Option<Session>) -> impl IntoResponse {
    session.map(|s| s.user_id().to_owned()).unwrap_or_default()
}

#[clerk::require_session]
async fn no_injection() -> &'static str {
    "ok"
}

fn unauthorized(err: &AuthError) -> HttpError {
    HttpError::new(401, "Unauthorized").with_data(serde_json::json!({ "reason": err.reason() }))
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/one", get(one_line))
        .route("/multi", get(multi_line))
        .route("/generic", get(generic::<u8>))
        .route("/impl", get(returns_impl))
        .route("/none", get(no_injection))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
