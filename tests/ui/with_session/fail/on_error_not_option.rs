use clerk::{Auth, AuthError, HttpError};

#[clerk::with_session(on_error = halt)]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn halt(_: &AuthError) -> HttpError {
    HttpError::unauthorized()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/home", axum::routing::get(home))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
