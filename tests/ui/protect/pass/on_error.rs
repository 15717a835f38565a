use axum::routing::get;
use axum::Router;
use clerk::{AuthError, Clerk, ClerkLayer, HttpError, Session};

fn sync_deny(err: &AuthError) -> HttpError {
    if err.is_authorization() {
        HttpError::not_found()
    } else {
        HttpError::unauthorized()
    }
}

async fn async_deny(err: &AuthError) -> HttpError {
    HttpError::new(err.status().as_u16(), err.reason())
}

fn plain(_: &AuthError) -> (http::StatusCode, &'static str) {
    (http::StatusCode::UNAUTHORIZED, "sign in")
}

async fn owned_future(err: &AuthError) -> String {
    err.reason().to_owned()
}

mod handlers {
    pub fn deny(_: &clerk::AuthError) -> clerk::HttpError {
        clerk::HttpError::forbidden()
    }
}

#[clerk::protect(role = "org:admin", on_error = sync_deny)]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(on_error = async_deny, permission = "org:invoices:read")]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(on_error = plain)]
async fn c() -> &'static str {
    "ok"
}

#[clerk::protect(on_error = owned_future)]
async fn d() -> &'static str {
    "ok"
}

#[clerk::protect(on_error = handlers::deny, redirect_to_sign_in)]
async fn e(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/a", get(a))
        .route("/b", get(b))
        .route("/c", get(c))
        .route("/d", get(d))
        .route("/e", get(e))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
