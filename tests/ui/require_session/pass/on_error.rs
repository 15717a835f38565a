use axum::routing::get;
use axum::Router;
use clerk::{AuthError, Clerk, ClerkLayer, HttpError, Session};

fn unauthorized(err: &AuthError) -> HttpError {
    HttpError::new(401, "Unauthorized").with_data(serde_json::json!({"reason": err.reason()}))
}

async fn async_unauthorized(err: &AuthError) -> axum::response::Response {
    axum::response::IntoResponse::into_response(err.clone())
}

#[clerk::require_session(on_error = unauthorized)]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session(on_error = async_unauthorized)]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session(crate = "::clerk", on_error = self::unauthorized)]
async fn c(session: Session) -> String {
    session.user_id().to_owned()
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
