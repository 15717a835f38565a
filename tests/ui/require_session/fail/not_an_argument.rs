use clerk::Session;

#[clerk::require_session("org:admin")]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/dashboard", axum::routing::get(dashboard))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
