//! Generated code adds no warning to the user's crate, even under the strictest lints.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::fmt::Display;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use clerk::{Auth, Clerk, ClerkLayer, Session};

#[clerk::with_session]
async fn one_line(auth: Auth) -> String { auth.user_id().unwrap_or_default().to_owned() }

#[clerk::with_session]
async fn multi_line(session: Option<Session>) -> String {
    let name = session.map(|s| s.user_id().to_owned());
    name.unwrap_or_else(|| "stranger".to_owned())
}

#[clerk::with_session]
async fn generic<T: Display + Default>(auth: Auth) -> String {
    format!("{} {:?}", T::default(), auth.user_id())
}

#[clerk::with_session]
async fn returns_impl(auth: Auth) -> impl IntoResponse {
    auth.is_signed_in().to_string()
}

#[clerk::with_session]
async fn no_injection() -> &'static str {
    "ok"
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
