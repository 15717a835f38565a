use clerk::Session;

#[clerk::with_session]
async fn home(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/home", axum::routing::get(home))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
