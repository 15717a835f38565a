use clerk::User;

#[clerk::with_session]
async fn home(user: User) -> String {
    user.id
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/home", axum::routing::get(home))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
