use clerk::Auth;

#[clerk::protect]
fn me(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::get(me))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
