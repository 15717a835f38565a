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

use clerk::testing::MockClerk;

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
        })
    );
    // Serve until the process is stopped.
    std::future::pending::<()>().await;
}
