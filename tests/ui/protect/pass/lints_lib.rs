//! Generated code adds no warning to a library-style crate under rustc's strictest lints:
//! documented `pub` handlers (`missing_docs`, `unreachable_pub` and
//! `missing_debug_implementations` apply to what the macros add next to them), crate-visible
//! and private ones, one-line, multi-line, generic and `impl IntoResponse` handlers under the
//! three macros. The same file under `cargo clippy` with `clippy::all`, `clippy::pedantic`
//! and `clippy::nursery` denied is clean too (not run here: trybuild runs rustc only).
#![deny(
    warnings,
    missing_docs,
    unreachable_pub,
    let_underscore,
    unused,
    unused_qualifications,
    unused_results,
    single_use_lifetimes,
    unused_lifetimes,
    elided_lifetimes_in_paths,
    missing_debug_implementations,
    missing_copy_implementations,
    trivial_casts,
    trivial_numeric_casts,
    unnameable_types,
    unsafe_code,
    rust_2018_idioms,
    nonstandard_style,
    future_incompatible
)]

use std::collections::HashMap;
use std::fmt::Display;

use axum::extract::{FromRef, Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{Auth, AuthError, Clerk, ClerkLayer, HttpError, MachineAuth, Session, User};
use serde_json::{json, Value};

/// The application state.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The Clerk instance.
    pub clerk: Clerk,
    /// A greeting.
    pub greeting: &'static str,
}

fn deny(err: &AuthError) -> HttpError {
    if err.is_authorization() {
        HttpError::not_found()
    } else {
        HttpError::unauthorized()
    }
}

async fn async_deny(err: &AuthError) -> HttpError {
    std::future::ready(()).await;
    HttpError::new(err.status().as_u16(), err.reason())
}

fn halt(err: &AuthError) -> Option<HttpError> {
    (err.reason() == "token-expired").then(|| HttpError::new(419, "Session expired"))
}

async fn async_halt(err: &AuthError) -> Option<(http::StatusCode, String)> {
    std::future::ready(()).await;
    err.is_missing_token()
        .then(|| (http::StatusCode::UNAUTHORIZED, err.reason().to_owned()))
}

/// One line.
#[clerk::protect]
pub async fn one_line(auth: Auth) -> String { auth.user_id().unwrap_or_default().to_owned() }

/// Multi-line, with a role check and another extractor.
#[clerk::protect(role = "org:admin")]
pub async fn multi_line(session: Session, Json(body): Json<Value>) -> Json<Value> {
    let user = session.user_id().to_owned();
    let echoed = body.get("name").cloned().unwrap_or_default();
    Json(json!({ "user": user, "name": echoed }))
}

/// Generic, with nested checks.
#[clerk::protect(any(permission = "org:invoices:create", plan = "pro"), role = "org:member")]
pub async fn generic<T: Display + Default>(session: Session) -> String {
    format!("{} {}", session.user_id(), T::default())
}

/// Machine tokens only, `impl IntoResponse`.
#[clerk::protect(accepts = [api_key, m2m])]
pub async fn machine(machine: MachineAuth) -> impl IntoResponse {
    machine.subject().to_owned()
}

/// Sessions and OAuth tokens.
#[clerk::protect(accepts = [session, oauth])]
pub async fn mixed(auth: Auth) -> impl IntoResponse {
    format!("{:?}", auth.user_id())
}

/// Browsers are sent to sign in.
#[clerk::protect(redirect_to_sign_in, permission = "org:invoices:read")]
pub async fn redirect(session: Session, State(greeting): State<&'static str>) -> String {
    format!("{greeting} {}", session.user_id())
}

/// The user, a sync `on_error`.
#[clerk::protect(on_error = deny)]
pub async fn user(user: User, session: Session, Path(id): Path<String>) -> String {
    format!("{} {} {id}", user.id, session.user_id())
}

#[clerk::protect(on_error = async_deny)]
async fn private_protect(auth: Auth) -> impl IntoResponse {
    format!("{:?}", auth.user_id())
}

#[clerk::protect]
pub(crate) async fn crate_visible() -> &'static str {
    "ok"
}

/// Lax, no `on_error`.
#[clerk::with_session]
pub async fn lax(auth: Auth, session: Option<Session>) -> String { format!("{:?} {}", auth.user_id(), session.is_some()) }

/// Lax, a sync `on_error`.
#[clerk::with_session(on_error = halt)]
pub async fn lax_halt(user: Option<User>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    format!("{} {}", user.is_some(), q.len())
}

/// Lax, an async `on_error`, generic.
#[clerk::with_session(on_error = async_halt)]
pub async fn lax_generic<T: Default + Display>(session: Option<Session>, State(state): State<AppState>) -> String {
    let user = session.map(|s| s.user_id().to_owned());
    format!("{} {user:?} {}", state.greeting, T::default())
}

/// Strict, a sync `on_error`.
#[clerk::require_session(on_error = deny)]
pub async fn strict(session: Session) -> String {
    session.user_id().to_owned()
}

/// Strict, an async `on_error`, the user.
#[clerk::require_session(on_error = async_deny)]
pub async fn strict_user(auth: Auth, user: Option<User>) -> impl IntoResponse {
    format!("{:?} {}", auth.user_id(), user.is_some())
}

/// Strict, one line.
#[clerk::require_session]
pub async fn strict_plain(user: User) -> String { user.id }

/// The routes, with the layer.
pub fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/one", get(one_line))
        .route("/multi", post(multi_line))
        .route("/generic", get(generic::<u8>))
        .route("/machine", get(machine))
        .route("/mixed", get(mixed))
        .route("/private", get(private_protect))
        .route("/crate", get(crate_visible))
        .route("/lax", get(lax))
        .route("/lax_halt", get(lax_halt))
        .route("/strict", get(strict))
        .route("/strict_user", get(strict_user))
        .route("/strict_plain", get(strict_plain))
        .layer(ClerkLayer::new(clerk))
}

/// The routes, with the `Clerk` in the state.
pub fn app_state(clerk: Clerk) -> Router {
    Router::new()
        .route("/redirect", get(redirect))
        .route("/user/{id}", get(user))
        .route("/lax_generic", get(lax_generic::<u16>))
        .with_state(AppState { clerk, greeting: "hi" })
}

fn main() {
    let _app: fn(Clerk) -> Router = app;
    let _app_state: fn(Clerk) -> Router = app_state;
}
