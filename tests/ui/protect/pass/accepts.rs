use axum::extract::{FromRef, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::{Auth, Clerk, ClerkLayer, MachineAuth, Session};
use serde_json::{json, Value};

#[clerk::protect(accepts = [api_key])]
async fn api_key_only(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

#[clerk::protect(accepts = m2m)]
async fn m2m_alone(machine: clerk::MachineAuth, auth: Auth) -> String {
    format!("{:?} {:?}", machine.machine_id(), auth.token_type())
}

#[clerk::protect(accepts = [api_key, m2m, oauth], on_error = deny)]
async fn machines(
    Path(id): Path<u32>,
    maybe: Option<MachineAuth>,
    machine: MachineAuth,
    Json(body): Json<Value>,
) -> Json<Value> {
    Json(json!({"id": id, "machine": machine.id(), "some": maybe.is_some(), "body": body}))
}

fn deny(err: &clerk::AuthError) -> clerk::HttpError {
    clerk::HttpError::new(401, "Unauthorized").with_data(json!({"reason": err.reason()}))
}

#[clerk::protect(accepts = [session, api_key])]
async fn mixed(auth: Auth, session: Option<Session>, machine: Option<MachineAuth>) -> String {
    format!(
        "{:?} {} {}",
        auth.user_id(),
        session.is_some(),
        machine.is_some()
    )
}

#[clerk::protect(accepts = any, redirect_to_sign_in)]
async fn everything(auth: Auth) -> String {
    format!("{:?}", auth.token_type())
}

#[clerk::protect(accepts = [session])]
async fn explicit_session(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::protect(accepts = [session], role = "org:admin")]
async fn explicit_session_with_check(session: Session) -> String {
    session.user_id().to_owned()
}

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::protect(accepts = [oauth])]
async fn with_state(State(name): State<&'static str>, machine: MachineAuth) -> String {
    format!("{name} {:?}", machine.client_id())
}

/// The plain extractors work without a macro.
async fn plain(machine: MachineAuth, maybe: Option<MachineAuth>) -> String {
    format!("{} {}", machine.id(), maybe.is_some())
}

fn app(clerk: Clerk) -> Router {
    let stateful = Router::new()
        .route("/state", get(with_state))
        .route("/plain", get(plain))
        .with_state(AppState {
            clerk: clerk.clone(),
            name: "app",
        });
    Router::new()
        .route("/keys", get(api_key_only))
        .route("/m2m", get(m2m_alone))
        .route("/machines/{id}", post(machines))
        .route("/mixed", get(mixed))
        .route("/everything", get(everything))
        .route("/session", get(explicit_session))
        .route("/admin", get(explicit_session_with_check))
        .layer(ClerkLayer::new(clerk))
        .merge(stateful)
}

fn main() {
    let _ = app;
}
