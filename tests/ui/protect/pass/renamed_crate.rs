extern crate clerk as my_clerk;

use axum::routing::get;
use axum::Router;

#[my_clerk::protect(crate = "my_clerk", role = "org:admin", on_error = deny)]
async fn admin(
    session: my_clerk::Session,
    auth: my_clerk::Auth,
    maybe: Option<my_clerk::Session>,
) -> String {
    format!(
        "{} {:?} {}",
        session.user_id(),
        auth.user_id(),
        maybe.is_some()
    )
}

#[my_clerk::protect(crate = "::my_clerk")]
async fn me(session: my_clerk::Session) -> String {
    session.user_id().to_owned()
}

fn deny(_: &my_clerk::AuthError) -> my_clerk::HttpError {
    my_clerk::HttpError::forbidden()
}

fn app(clerk: my_clerk::Clerk) -> Router {
    Router::new()
        .route("/admin", get(admin))
        .route("/me", get(me))
        .layer(my_clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
