//! `MockClerk` set-up.

use clerk::testing::MockClerk;
use clerk::Clerk;

/// A started mock, and a client of it with the default configuration.
pub async fn start_mock() -> (MockClerk, Clerk) {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    (mock, clerk)
}

/// A started mock, and a client of it with the configuration `configure` adds.
pub async fn start_mock_with(
    configure: impl FnOnce(clerk::ClerkBuilder) -> clerk::ClerkBuilder,
) -> (MockClerk, Clerk) {
    let mock = MockClerk::start().await;
    let clerk = configure(mock.clerk_builder()).build().unwrap();
    (mock, clerk)
}

/// Seeds a user with this first name and no other field.
pub fn seed_named(mock: &MockClerk, first_name: &str) -> clerk::api::User {
    mock.create_user(&clerk::api::CreateUserParams {
        first_name: Some(first_name.into()),
        ..Default::default()
    })
    .expect("seed user")
}

/// Waits until the background JWKS refresh of `clerk` (started by a request that met a
/// stale key set) has stored its outcome.
pub async fn wait_for_jwks_refresh(clerk: &Clerk) {
    let keys = clerk.verification_keys().expect("keys come from the JWKS");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while keys.background_refresh_running() {
        assert!(
            std::time::Instant::now() < deadline,
            "the background JWKS refresh did not finish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
