//! Claims v1/v2, the auth object, `has()` (spec §4) and configuration (spec §5).

mod accessors;
mod config;
mod has_and_org_claims;
mod keys;

#[path = "../common/mod.rs"]
mod common;
use common::http::{bearer_parts, request_parts};
use common::mock::start_mock;
use common::mock::start_mock_with;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use clerk::testing::{MockClerk, TokenBuilder};
use clerk::{
    Auth, Clerk, ConfigError, Has, InstanceType, PublishableKey, Reverification,
    ReverificationLevel, Session,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------
// helpers

/// Verifies the token through `authenticate_request` (Bearer header) and returns the session.
async fn session_of(clerk: &Clerk, token: &str) -> Session {
    let parts = bearer_parts("/", token);
    let state = clerk.authenticate_request(&parts).await;
    assert!(state.is_signed_in(), "token refused: {state:?}");
    state
        .to_auth()
        .into_session()
        .expect("an active session is signed in")
}

async fn session(mock: &MockClerk, builder: TokenBuilder) -> Session {
    session_of(&mock.clerk(), &builder.sign()).await
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn pk(prefix: &str, decoded: &str) -> String {
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::STANDARD.encode(decoded)
    )
}

fn perms(session: &Session) -> Vec<&str> {
    session
        .org_permissions()
        .iter()
        .map(String::as_str)
        .collect()
}

async fn verifies(clerk: &Clerk, token: &str) -> Result<(), String> {
    clerk
        .verify_token(token)
        .await
        .map(|_| ())
        .map_err(|e| e.reason().to_owned())
}

/// Asserts that `clerk` refuses `token` with the reason `expected`.
async fn assert_refused(clerk: &Clerk, token: &str, expected: &str) {
    assert_eq!(verifies(clerk, token).await, Err(expected.to_owned()));
}
