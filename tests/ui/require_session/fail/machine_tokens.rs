// `require_session` accepts session tokens only.

#[clerk::require_session(accepts = [api_key])]
async fn accepts_argument(session: clerk::Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session]
async fn machine_auth(machine: clerk::MachineAuth) -> String {
    machine.id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/accepts", get(accepts_argument))
        .route("/machine", get(machine_auth))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
