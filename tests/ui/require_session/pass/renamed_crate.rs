extern crate clerk as my_clerk;

use axum::routing::get;
use axum::Router;

async fn unauthorized(err: &my_clerk::AuthError) -> my_clerk::HttpError {
    my_clerk::HttpError::new(401, err.reason())
}

#[my_clerk::require_session(crate = "my_clerk", on_error = unauthorized)]
async fn dashboard(session: my_clerk::Session, maybe: Option<my_clerk::Session>) -> String {
    format!("{} {}", session.user_id(), maybe.is_some())
}

fn app(clerk: my_clerk::Clerk) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .layer(my_clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
