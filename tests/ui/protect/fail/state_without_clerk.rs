use axum::routing::get;
use axum::Router;
use clerk::Session;

#[derive(Clone)]
struct AppState {
    name: &'static str,
}

#[clerk::protect]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

fn app() -> Router {
    Router::new()
        .route("/me", get(me))
        .with_state(AppState { name: "app" })
}

fn main() {
    let _ = app;
}
