//! Machine tokens end to end (spec §8): API keys, M2M and OAuth tokens over real HTTP
//! (axum on 127.0.0.1:0, reqwest), verified by MockClerk's local Backend API.

mod quota;
mod verification;

#[path = "../common/mod.rs"]
mod common;
use common::mock::start_mock;
use common::serve;

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use clerk::testing::{Fault, MockClerk};
use clerk::{
    AcceptsToken, AnyTokenRequestState, Auth, AuthError, Clerk, ClerkLayer, HttpError, MachineAuth,
    MachineTokenCacheConfig, MachineTokenVerificationErrorCode as Code, Session, TokenType,
};
use serde_json::{json, Value};

const USER: &str = "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const ORG: &str = "org_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const MACHINE: &str = "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
const OTHER_MACHINE: &str = "mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em";
const CLIENT: &str = "client_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

fn describe(machine: &MachineAuth) -> Value {
    json!({
        "type": machine.token_type().as_str(),
        "id": machine.id(),
        "subject": machine.subject(),
        "scopes": machine.scopes(),
        "name": machine.name(),
        "user_id": machine.user_id(),
        "org_id": machine.org_id(),
        "machine_id": machine.machine_id(),
        "client_id": machine.client_id(),
        "claims": machine.claims(),
        "jwt": machine.is_jwt(),
    })
}

#[clerk::protect]
async fn session_only(auth: Auth) -> Json<Value> {
    Json(json!({"user_id": auth.user_id(), "type": auth.token_type().as_str()}))
}

#[clerk::protect(accepts = [api_key])]
async fn api_keys(machine: MachineAuth) -> Json<Value> {
    Json(describe(&machine))
}

#[clerk::protect(accepts = m2m)]
async fn m2m(machine: MachineAuth) -> Json<Value> {
    Json(describe(&machine))
}

#[clerk::protect(accepts = [oauth])]
async fn oauth(machine: MachineAuth, auth: Auth) -> Json<Value> {
    assert_eq!(auth.machine().map(MachineAuth::id), Some(machine.id()));
    Json(describe(&machine))
}

#[clerk::protect(accepts = [api_key, m2m, oauth])]
async fn machines(machine: MachineAuth) -> Json<Value> {
    Json(describe(&machine))
}

#[clerk::protect(accepts = [session, api_key])]
async fn mixed(auth: Auth, session: Option<Session>, machine: Option<MachineAuth>) -> Json<Value> {
    Json(json!({
        "type": auth.token_type().as_str(),
        "user_id": auth.user_id(),
        "session": session.map(|s| s.user_id().to_owned()),
        "machine": machine.map(|m| m.id().to_owned()),
        "has": auth.has(&clerk::Has::role("org:admin")),
    }))
}

#[clerk::protect(accepts = any)]
async fn any(auth: Auth) -> Json<Value> {
    Json(json!({"type": auth.token_type().as_str(), "user_id": auth.user_id()}))
}

#[clerk::protect(accepts = [session, m2m])]
async fn session_or_m2m(auth: Auth) -> Json<Value> {
    Json(
        json!({"type": auth.token_type().as_str(), "machine_id": auth.machine().and_then(MachineAuth::machine_id)}),
    )
}

#[clerk::protect(accepts = [api_key], on_error = machine_error)]
async fn api_keys_custom(machine: MachineAuth) -> String {
    machine.id().to_owned()
}

fn machine_error(err: &AuthError) -> HttpError {
    HttpError::new(401, "Unauthorized").with_data(json!({"reason": err.reason()}))
}

/// The plain extractors, without macros.
async fn plain(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

async fn plain_optional(machine: Option<MachineAuth>) -> String {
    format!("{:?}", machine.map(|m| m.token_type()))
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/session", get(session_only))
        .route("/api_keys", get(api_keys))
        .route("/m2m", get(m2m))
        .route("/oauth", get(oauth))
        .route("/machines", get(machines))
        .route("/mixed", get(mixed))
        .route("/any", get(any))
        .route("/session_or_m2m", get(session_or_m2m))
        .route("/custom", get(api_keys_custom))
        .route("/plain", get(plain))
        .route("/plain_optional", get(plain_optional))
        .layer(ClerkLayer::new(clerk))
}

struct Fixture {
    mock: MockClerk,
    base: String,
    http: reqwest::Client,
}

impl Fixture {
    async fn new() -> Self {
        let mock = MockClerk::start().await;
        let base = serve(app(mock.clerk())).await;
        Self::with(mock, base)
    }

    fn with(mock: MockClerk, base: String) -> Self {
        Self {
            mock,
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// Asserts a 200 and returns the JSON body.
    async fn ok(&self, path: &str, token: &str) -> Value {
        let r = self.get(path, Some(token)).await;
        let status = r.status();
        let reason = header(&r, "x-clerk-auth-reason");
        assert_eq!(status, 200, "{path}: {reason:?}");
        r.json().await.unwrap()
    }

    /// Asserts a 401 with this reason, and returns the `x-clerk-auth-message`.
    async fn refused(&self, path: &str, token: Option<&str>, reason: &str) -> String {
        let r = self.get(path, token).await;
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(
            header(&r, "x-clerk-auth-status").as_deref(),
            Some("signed-out")
        );
        assert_eq!(
            header(&r, "x-clerk-auth-reason").as_deref(),
            Some(reason),
            "{path}"
        );
        let message = header(&r, "x-clerk-auth-message").unwrap_or_default();
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"error": "Unauthenticated"})
        );
        message
    }

    /// The Backend API calls to this (unversioned) verify path.
    fn calls(&self, path: &str) -> usize {
        self.mock
            .api_requests()
            .iter()
            .filter(|r| r.uri == path)
            .count()
    }

    fn machine_calls(&self) -> usize {
        self.mock
            .api_requests()
            .iter()
            .filter(|r| r.uri.ends_with("/verify"))
            .count()
    }
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

impl Fixture {
    /// `ok` for handlers that answer text.
    async fn text(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let r = self.get(path, token).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }
}
