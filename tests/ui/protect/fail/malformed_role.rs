use clerk::Session;

#[clerk::protect(role = "admin")]
async fn a(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(role = "org:")]
async fn b(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(role = "org:billing:admin")]
async fn c(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/a", axum::routing::get(a))
        .route("/b", axum::routing::get(b))
        .route("/c", axum::routing::get(c))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
