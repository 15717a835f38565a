extern crate clerk as my_clerk;

use my_clerk::Session;

#[my_clerk::protect(crate = my_clerk)]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/me", axum::routing::get(me))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
