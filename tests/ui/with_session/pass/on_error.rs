use axum::routing::get;
use axum::Router;
use clerk::{Auth, AuthError, Clerk, ClerkLayer, HttpError, Session};

fn halt_expired(err: &AuthError) -> Option<HttpError> {
    (err.reason() == "token-expired").then(|| HttpError::new(419, "Session expired"))
}

async fn async_halt(err: &AuthError) -> Option<(http::StatusCode, String)> {
    err.is_missing_token()
        .then(|| (http::StatusCode::UNAUTHORIZED, err.reason().to_owned()))
}

fn never(_: &AuthError) -> Option<HttpError> {
    None
}

#[clerk::with_session(on_error = halt_expired)]
async fn a(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::with_session(on_error = async_halt)]
async fn b(session: Option<Session>) -> String {
    format!("{}", session.is_some())
}

#[clerk::with_session(on_error = never, crate = "clerk")]
async fn c() -> &'static str {
    "ok"
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/a", get(a))
        .route("/b", get(b))
        .route("/c", get(c))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
