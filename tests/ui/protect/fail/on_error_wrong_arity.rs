use clerk::{AuthError, HttpError, Session};

#[clerk::protect(role = "org:admin", on_error = deny)]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn deny(_: &AuthError, _status: u16) -> HttpError {
    HttpError::forbidden()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/admin", axum::routing::get(admin))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
