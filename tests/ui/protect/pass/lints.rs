//! Generated code adds no warning to the user's crate, even under the strictest lints.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::fmt::Display;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use clerk::{Auth, Clerk, ClerkLayer, MachineAuth, Session};
use serde_json::{json, Value};

#[clerk::protect]
async fn one_line(auth: Auth) -> String { auth.user_id().unwrap_or_default().to_owned() }

#[clerk::protect]
async fn me(auth: Auth) -> String {
    auth.user_id().unwrap_or_default().to_owned()
}

#[clerk::protect(role = "org:admin")]
async fn multi_line(session: Session, Json(body): Json<Value>) -> Json<Value> {
    let user = session.user_id().to_owned();
    let echoed = body.get("name").cloned().unwrap_or_default();
    Json(json!({ "user": user, "name": echoed }))
}

#[clerk::protect(any(permission = "org:invoices:create", plan = "pro"))]
async fn generic<T: Display + Default>(session: Session) -> String {
    format!("{} {}", session.user_id(), T::default())
}

#[clerk::protect(accepts = [api_key, m2m])]
async fn machine(machine: MachineAuth) -> impl IntoResponse {
    machine.subject().to_owned()
}

#[clerk::protect]
async fn no_injection() -> &'static str {
    "ok"
}

async fn greeting(user: &str) -> String {
    std::future::ready(format!("hello {user}")).await
}

// The body runs inside the expansion's `async` block: a body that only awaits is not
// `redundant_async_block`, and `?`/`return` keep the declared types.
#[clerk::protect]
async fn only_awaits(session: Session) -> String {
    greeting(session.user_id()).await
}

#[clerk::protect]
async fn question_mark(session: Session) -> Result<String, (axum::http::StatusCode, String)> {
    let n: u32 = session
        .user_id()
        .len()
        .try_into()
        .map_err(|_| (axum::http::StatusCode::BAD_REQUEST, String::from("too long")))?;
    if n == 0 {
        return Err((axum::http::StatusCode::BAD_REQUEST, String::from("empty")));
    }
    Ok(n.to_string())
}

#[clerk::protect]
async fn no_return_type(session: Session) {
    let _ = session;
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/one", get(one_line))
        .route("/me", get(me))
        .route("/multi", get(multi_line))
        .route("/generic", get(generic::<u8>))
        .route("/machine", get(machine))
        .route("/none", get(no_injection))
        .route("/awaits", get(only_awaits))
        .route("/question", get(question_mark))
        .route("/unit", get(no_return_type))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
