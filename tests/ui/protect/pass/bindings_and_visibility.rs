use axum::routing::get;
use axum::Router;
use clerk::{Auth, Clerk, ClerkLayer, Session};

mod routes {
    use clerk::{Auth, Session};

    #[clerk::protect]
    pub async fn me(mut session: Session) -> String {
        session = session.clone();
        session.user_id().to_owned()
    }

    #[clerk::protect(role = "org:admin")]
    pub(crate) async fn admin(_: Auth, mut maybe: Option<Session>) -> String {
        maybe
            .take()
            .map(|s| s.user_id().to_owned())
            .unwrap_or_default()
    }
}

#[clerk::protect]
async fn ignored(_: Auth, _session: Session) -> &'static str {
    "ok"
}

#[clerk::protect]
pub async fn public(mut auth: Auth) -> String {
    auth = auth.clone();
    format!("{:?}", auth.user_id())
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/me", get(routes::me))
        .route("/admin", get(routes::admin))
        .route("/ignored", get(ignored))
        .route("/public", get(public))
        .layer(ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
