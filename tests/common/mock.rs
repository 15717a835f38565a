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
