use axum::extract::{FromRef, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{Auth, Clerk, Session};
use serde_json::Value;

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::protect(permission = "org:invoices:create")]
async fn create(
    State(name): State<&'static str>,
    session: Session,
    Json(body): Json<Value>,
) -> String {
    format!("{name} {} {body}", session.user_id())
}

#[clerk::protect]
async fn read(auth: Auth, State(state): State<AppState>, Path(id): Path<String>) -> String {
    format!("{} {id} {:?}", state.name, auth.user_id())
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/invoices", post(create))
        .route("/invoices/{id}", get(read))
        .with_state(AppState { clerk, name: "app" })
}

fn main() {
    let _ = app;
}
