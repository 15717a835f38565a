use axum::extract::Path;
use clerk::Session;

#[clerk::protect]
async fn me(a: Session, Path(id): Path<u32>, b: clerk::Session) -> String {
    format!("{id} {} {}", a.user_id(), b.user_id())
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/me", axum::routing::get(me))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
