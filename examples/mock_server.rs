//! The local Clerk stand-in as a standalone server, for tests in other languages (e.g.
//! Clerk's official JavaScript client pointed at it).
//!
//! ```text
//! cargo run --example mock_server            # prints API URL, secret key, a session token
//! ```
//!
//! It prints one JSON line with `api_url`, `secret_key`, `publishable_key`, `jwt_key`, a
//! session token and machine tokens (`machine_tokens`: a live, a revoked and an expired
//! API key, and a live and a revoked M2M and OAuth token), then serves until stopped.
//! `handshake` describes two more instances, a development and a production one, for the
//! Frontend API's handshake (`tests/js/handshake.mjs`): their keys, the Frontend API URL to
//! use as the proxy URL, the cookie suffix, and a user signed in in a browser (its
//! `__client` cookie, session, an expired session token of that session, and an
//! organization it administers).

use std::time::{Duration, SystemTime};

use clerk::testing::MockClerk;

/// An instance with a browser signed in, described for the JavaScript side.
fn handshake_instance(mock: &MockClerk) -> serde_json::Value {
    let user = mock
        .create_user(&Default::default())
        .expect("a user without fields is valid");
    let organization = mock
        .create_organization(&clerk::api::CreateOrganizationParams {
            name: "Acme".into(),
            created_by: Some(user.id.clone()),
            ..Default::default()
        })
        .expect("a valid organization");
    let browser = mock.sign_in_browser(&user.id).expect("the user exists");
    // Issued two minutes ago, expired one minute ago: a tab left idle.
    let expired = mock
        .token()
        .at(SystemTime::now() - Duration::from_secs(120))
        .user(&user.id)
        .session(&browser.session_id)
        .expires_in_secs(60)
        .sign();
    serde_json::json!({
        "api_url": mock.api_url(),
        "secret_key": mock.secret_key(),
        "publishable_key": mock.publishable_key(),
        "frontend_api_url": mock.frontend_api_url(),
        "cookie_suffix": mock.cookie_suffix(),
        "user_id": user.id,
        "session_id": browser.session_id,
        "client_cookie": browser.client_cookie(),
        "expired_session_token": expired,
        "organization": { "id": organization.id, "slug": organization.slug },
    })
}

#[tokio::main]
async fn main() {
    let mock = MockClerk::start().await;
    let token = mock.token().user("user_mock").expires_in_secs(3600).sign();
    let (_, api_key) = mock.create_api_key("user_mock", &["read"], None);
    let (revoked_id, revoked_api_key) = mock.create_api_key("user_mock", &["read"], None);
    mock.revoke_machine_token(&revoked_id);
    let (expired_id, expired_api_key) = mock.create_api_key("user_mock", &["read"], None);
    mock.expire_machine_token(&expired_id);
    let (_, m2m_token) = mock.create_m2m_token("mch_mock", &[], None);
    let (revoked_id, revoked_m2m_token) = mock.create_m2m_token("mch_mock", &[], None);
    mock.revoke_machine_token(&revoked_id);
    let (_, oauth_token) = mock.create_oauth_token("user_mock", "client_mock", &["email"]);
    let (revoked_id, revoked_oauth_token) =
        mock.create_oauth_token("user_mock", "client_mock", &["email"]);
    mock.revoke_machine_token(&revoked_id);
    let development = MockClerk::start().await;
    let production = MockClerk::start_production().await;
    println!(
        "{}",
        serde_json::json!({
            "api_url": mock.api_url(),
            "secret_key": mock.secret_key(),
            "publishable_key": mock.publishable_key(),
            "jwt_key": mock.jwt_key_pem(),
            "session_token": token,
            "machine_tokens": {
                "api_key": api_key,
                "revoked_api_key": revoked_api_key,
                "expired_api_key": expired_api_key,
                "m2m_token": m2m_token,
                "revoked_m2m_token": revoked_m2m_token,
                "oauth_token": oauth_token,
                "revoked_oauth_token": revoked_oauth_token,
            },
            "handshake": {
                "development": handshake_instance(&development),
                "production": handshake_instance(&production),
            },
        })
    );
    // Serve until the process is stopped.
    std::future::pending::<()>().await;
}
