use clerk::Session;

#[clerk::protect(role = "org:admin")]
#[clerk::protect(permission = "org:invoices:create")]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/admin", axum::routing::get(admin))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
