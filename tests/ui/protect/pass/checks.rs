use axum::routing::get;
use axum::Router;
use clerk::{Clerk, ClerkLayer, Session};

#[clerk::protect(
    any(
        role = "org:admin",
        all(permission = "org:invoices:create", feature = "org:invoicing")
    ),
    plan = "pro",
    reverification = "strict"
)]
async fn nested(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(all(
    any(role = "org:admin", role = "org:billing_manager"),
    any(plan = "user:pro", plan = "o:team")
))]
async fn deep(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(role = "org:admin", role = "org:owner-2")]
async fn repeated(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(
    feature = "u:beta",
    feature = "organization:sso",
    feature = "user:export"
)]
async fn features(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(any(
    reverification = "strict_mfa",
    reverification = "moderate",
    reverification = "lax"
))]
async fn reverified(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(redirect_to_sign_in, any(role = "org:admin"))]
async fn page(session: Session) -> String {
    session.user_id().to_owned()
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/nested", get(nested))
        .route("/deep", get(deep))
        .route("/repeated", get(repeated))
        .route("/features", get(features))
        .route("/reverified", get(reverified))
        .route("/page", get(page))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
