// `with_session` accepts session tokens only.

#[clerk::with_session(accepts = any)]
async fn accepts_argument(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::with_session]
async fn optional_machine_auth(machine: Option<clerk::MachineAuth>) -> String {
    format!("{:?}", machine.map(|m| m.id().to_owned()))
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/accepts", get(accepts_argument))
        .route("/optional", get(optional_machine_auth))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
