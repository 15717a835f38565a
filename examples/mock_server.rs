//! The local Clerk stand-in as a standalone server, for tests in other languages (e.g.
//! Clerk's official JavaScript client pointed at it).
//!
//! ```text
//! cargo run --example mock_server            # prints API URL, secret key, a session token
//! ```
//!
//! It prints one JSON line with `api_url`, `secret_key`, `publishable_key`, `jwt_key` and a
//! session token, then serves until stopped.

use clerk::testing::MockClerk;

#[tokio::main]
async fn main() {
    let mock = MockClerk::start().await;
    let token = mock.token().user("user_mock").expires_in_secs(3600).sign();
    println!(
        "{}",
        serde_json::json!({
            "api_url": mock.api_url(),
            "secret_key": mock.secret_key(),
            "publishable_key": mock.publishable_key(),
            "jwt_key": mock.jwt_key_pem(),
            "session_token": token,
        })
    );
    // Serve until the process is stopped.
    std::future::pending::<()>().await;
}
