extern crate clerk as my_clerk;

use axum::routing::get;
use axum::Router;

fn halt(_: &my_clerk::AuthError) -> Option<my_clerk::HttpError> {
    None
}

#[my_clerk::with_session(crate = "my_clerk", on_error = halt)]
async fn home(session: Option<my_clerk::Session>, auth: my_clerk::Auth) -> String {
    format!("{} {:?}", session.is_some(), auth.user_id())
}

fn app(clerk: my_clerk::Clerk) -> Router {
    Router::new()
        .route("/", get(home))
        .layer(my_clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
