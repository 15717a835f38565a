use clerk::Auth;

#[clerk::protect]
async fn me(auth: Option<Auth>) -> String {
    format!("{:?}", auth.map(|a| a.is_signed_in()))
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/me", axum::routing::get(me))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
