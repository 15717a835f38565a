//! `MockClerk` set-up.

use clerk::testing::MockClerk;
use clerk::Clerk;

/// A started mock, and a client of it with the default configuration.
pub async fn start_mock() -> (MockClerk, Clerk) {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    (mock, clerk)
}
