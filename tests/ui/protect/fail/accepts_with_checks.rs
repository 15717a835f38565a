// Machine tokens never pass `has()` checks, and never sign in in a browser.

#[clerk::protect(accepts = [session, api_key], role = "org:admin")]
async fn role_and_keys(auth: clerk::Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[clerk::protect(accepts = [m2m], redirect_to_sign_in)]
async fn redirect_machines(machine: clerk::MachineAuth) -> String {
    machine.id().to_owned()
}

fn app(clerk: clerk::Clerk) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/role", get(role_and_keys))
        .route("/redirect", get(redirect_machines))
        .layer(clerk::ClerkLayer::new(clerk))
}

fn main() {
    let _ = app;
}
