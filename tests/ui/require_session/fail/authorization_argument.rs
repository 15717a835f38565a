use clerk::Session;

#[clerk::require_session(permission = "org:invoices:create")]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session(redirect_to_sign_in)]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/a", axum::routing::get(a))
        .route("/b", axum::routing::get(b))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
