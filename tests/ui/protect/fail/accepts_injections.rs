// What a handler may take depends on the token types its route accepts.
use clerk::{MachineAuth, Session, User};

// No machine type accepted: no `MachineAuth`.
#[clerk::protect]
async fn default_route(machine: MachineAuth) -> String {
    machine.id().to_owned()
}

// Machine types only: no `Session`, not even optional, and no `User`.
#[clerk::protect(accepts = [api_key, m2m])]
async fn machine_route(session: Session, maybe: Option<Session>, user: User) -> String {
    format!("{} {} {:?}", session.user_id(), maybe.is_some(), user.id)
}

// Sessions and machines: each may be missing.
#[clerk::protect(accepts = [session, oauth])]
async fn mixed_route(session: Session, machine: MachineAuth) -> String {
    format!("{} {}", session.user_id(), machine.id())
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/default", get(default_route))
        .route("/machine", get(machine_route))
        .route("/mixed", get(mixed_route))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
