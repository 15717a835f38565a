use axum::extract::Path;
use axum::Json;
use clerk::{Auth, Session, User};

#[clerk::require_session]
async fn profile(Path(id): Path<u32>, user: User, session: Session, auth: Auth) -> String {
    format!("{id} {} {} {:?}", user.id, session.user_id(), auth.user_id())
}

#[clerk::protect(role = "org:admin")]
async fn admin(user: Option<User>, Json(body): Json<serde_json::Value>) -> String {
    format!("{:?} {body}", user.map(|u| u.id))
}

#[clerk::with_session]
async fn home(user: Option<User>, auth: Auth) -> String {
    format!("{:?} {}", user.map(|u| u.id), auth.is_signed_in())
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    axum::Router::new()
        .route("/profile/{id}", axum::routing::get(profile))
        .route("/admin", axum::routing::post(admin))
        .route("/", axum::routing::get(home))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
