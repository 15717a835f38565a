//! # clerk
//!
//! Clerk authentication for Rust web handlers.
//!
//! * [`verify_token`] and [`Clerk::verify_token`] decide exactly as `@clerk/backend`'s
//!   `verifyToken`: same checks, same order, same reason codes (see the differences table
//!   in the `clerk-runtime` crate's front page and in README).
//! * [`Clerk::authenticate_request`] reads the session token from `Authorization: Bearer`
//!   or the `__session` cookie and returns a [`RequestState`].
//! * [`Session`] and [`Auth`] expose the user, the organization, and [`Has`] checks.
//! * `#[clerk::protect(accepts = [session, api_key, m2m, oauth])]` and [`MachineAuth`]:
//!   machine tokens, verified through the Backend API.
//! * [`ClerkLayer`] authenticates a whole router once per request
//!   ([`ClerkLayer::authenticate`], [`ClerkLayer::require_auth`]).
//! * [`webhooks`] verifies Clerk's Svix-signed webhooks; [`cache`] holds the user caches,
//!   a Redis one shared by a fleet with feature `redis`.
//! * `testing::MockClerk` (feature `testing`) is a local Clerk stand-in for tests.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let clerk = clerk::Clerk::from_env()?;
//! let claims = clerk.verify_token("eyJ…").await?;
//! println!("signed in as {}", claims.subject());
//! # Ok(()) }
//! ```

pub use clerk_macros::{protect, require_session, with_session};
pub use clerk_runtime::*;

/// A local Clerk stand-in for tests: `MockClerk`, `TokenBuilder`, `MockWebhook` (feature
/// `testing`; the `clerk-testing` crate).
#[cfg(feature = "testing")]
pub use clerk_testing as testing;

/// What generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use clerk_runtime::__private::*;
}
