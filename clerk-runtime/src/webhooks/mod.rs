//! Clerk webhooks: Svix signature verification, typed events, and an axum extractor.
//!
//! Clerk sends webhooks through [Svix](https://www.svix.com). Each request carries three
//! headers: `svix-id` (the message id, the same for every retry), `svix-timestamp` (Unix
//! seconds) and `svix-signature` (space-separated `v1,<base64>` entries, several during
//! a secret rotation). A signature is the HMAC-SHA256 of `{svix-id}.{svix-timestamp}.{body}`
//! under the endpoint's signing secret (`whsec_<base64>`, in the Clerk Dashboard).
//!
//! This module decides as Svix's reference libraries do: the `svix-*` headers (or the
//! Standard Webhooks `webhook-*` names for the absent ones only: an empty `svix-*` header
//! is refused, as Svix refuses it), a timestamp within five minutes either way,
//! `v1` entries only (`v1a` and other versions ignored), constant-time comparison.
//!
//! * [`verify`] / [`verify_at`] / [`verify_event`]: for any framework.
//! * [`Webhook<T>`](Webhook): an axum extractor that verifies before parsing the body as
//!   `T` (by default [`WebhookEvent`]), with a body limit and a [`ReplayGuard`].
//! * [`WebhookEvent`]: `user.created`, `session.ended`, `organizationMembership.updated`,
//!   … carrying the Backend API models, with an `Unknown` fallback.
//! * `MockClerk::send_webhook` (feature `testing`): signed webhooks for your tests.
//!
//! ```
//! use axum::{routing::post, Extension, Router};
//! use clerk_runtime::webhooks::{Webhook, WebhookConfig, WebhookEvent};
//!
//! async fn clerk_webhook(event: Webhook) -> &'static str {
//!     if let WebhookEvent::UserCreated(user) = &*event {
//!         println!("welcome {}", user.id);
//!     }
//!     "ok"
//! }
//!
//! # fn run() -> Result<(), clerk_runtime::webhooks::WebhookError> {
//! let config = WebhookConfig::from_env()?; // CLERK_WEBHOOK_SIGNING_SECRET
//! let app: Router = Router::new()
//!     .route("/webhooks/clerk", post(clerk_webhook))
//!     .layer(Extension(config));
//! # Ok(()) }
//! ```
//!
//! # Replays
//!
//! A captured request stays valid for the five minutes of the timestamp tolerance. The
//! extractor's [`ReplayGuard`] (on by default, per process) remembers the message ids it
//! accepted for that long and answers a second delivery of one with `409 Conflict`.
//! Svix retries a message (same id) only when your endpoint did not answer 2xx; a
//! handler that fails should call [`Webhook::allow_retry`], or the retry 5 seconds later
//! is refused and the next one (5 minutes later) accepted. For exactly-once processing
//! across processes, record [`Webhook::id`] in your database.

mod error;
mod events;
mod extract;
mod lenient;
mod replay;
mod secret;
mod verify;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use error::WebhookError;
pub use events::{
    EventAttributes, EventEnvelope, HttpRequestAttributes, WebhookEvent, KNOWN_EVENT_TYPES,
};
pub use extract::{Webhook, WebhookConfig, WebhookConfigFromState, DEFAULT_MAX_BODY_BYTES};
pub use replay::{ReplayGuard, DEFAULT_REPLAY_CAPACITY};
pub use secret::{AsWebhookSecret, WebhookSecret, SIGNING_SECRET_ENV};
pub use verify::{verify, verify_at, verify_event};

/// How far `svix-timestamp` may be from now, in either direction: five minutes, as in
/// Svix's libraries.
pub const TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);
