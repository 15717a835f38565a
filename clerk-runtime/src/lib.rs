//! The runtime of the [`clerk`](https://docs.rs/clerk) crate: Clerk session token
//! verification that decides exactly as `@clerk/backend` does, a per-instance JWKS cache,
//! request authentication, and the auth objects handlers receive.
//!
//! Most applications use it through the `clerk` facade crate and its attribute macros.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let clerk = clerk_runtime::Clerk::from_env()?;
//! match clerk.verify_token("eyJ…").await {
//!     Ok(claims) => println!("user {}", claims.subject()),
//!     Err(err) => println!("refused: {}", err.reason()),
//! }
//! # Ok(()) }
//! ```
//!
//! # Where this SDK differs from `@clerk/backend`
//!
//! Every decision and reason code is Clerk's, except where Clerk is lax, and for the
//! machine-token rows below:
//!
//! | case | `@clerk/backend` 3.25 | this SDK |
//! |---|---|---|
//! | `iss` | unchecked unless `issuer` is given | the same; [`ClerkBuilder::issuer`] and [`ClerkBuilder::issuer_from_publishable_key`] turn the check on |
//! | `cat` of a JWT template | accepted by `verifyToken` | `token-invalid` (any `cat` but session or "ignore") |
//! | `sub` starting `mch_` | accepted by `verifyToken` | `token-verification-failed` |
//! | `exp`/`nbf`/`iat` beyond ±8.64e12 s | invalid date, check skipped | `token-verification-failed` |
//! | empty `sub` | accepted | `token-verification-failed` |
//! | `crit` header | ignored | `token-invalid` |
//! | header checks vs key lookup | key lookup (and a JWKS fetch per unknown kid) first | `typ` and `alg` checked first (`alg: none` costs no fetch); an unknown kid refetches at most once per cooldown |
//! | PEM keys | RSA-2048 only | any RSA key of 2048 to 8192 bits, SPKI or PKCS#1 |
//! | `null` header or payload | a JavaScript `TypeError` | `token-invalid` |
//! | tokens over [`MAX_TOKEN_LEN`] bytes | decoded | `token-invalid` before decoding |
//! | JSON nested deeper than 128 levels | parsed | `token-invalid` (parser recursion limit) |
//! | an opaque machine token (`ak_…`, `mt_…`, `oat_…`) where only session tokens are accepted | `token-invalid` (a malformed JWT) | `token-type-mismatch`, deliberately: the caller sent a valid kind of credential to the wrong route, and the reason says so (no Backend API call either way) |
//! | machine token verified by the Backend API | verified on every request | a positive answer is cached per instance for 10 s and refreshed while in use, a refusal (404, revoked, expired) for 5 s ([`MachineTokenCacheConfig`]); concurrent requests with one token share one call; at most 50 calls a second ([`MachineVerificationBudget`]), beyond which a token that is not cached is `token-invalid` at once |
//! | after a Backend API 429 | the 429 is thrown to its caller (`retryAfter`); every other call is still sent | the 429 is returned (not retried), and the instance sends no call until `Retry-After` has elapsed: callers get [`api::ApiError::BackingOff`] at once meanwhile (`GET /v1/jwks` excepted) |
//! | a `200` machine-token answer with `revoked`/`expired` set, or a past `expiration` | accepted | `token-invalid` (fail closed) |
//!
//! `aud` without an `aud` claim, and `=` padding in base64url segments, behave as in
//! Clerk's SDK.

#![warn(missing_docs)]
#![recursion_limit = "256"]

// The layers, from the ground up; a module imports only modules of the layers below it:
// wire (imports nothing of the crate), api, claims, session, token (with the JWKS cache),
// machine, webhooks, cache, publishable_key, frontend, clerk (the handle), config (its builder),
// auth, request, axum.
pub mod api;
mod auth;
pub mod axum;
pub mod cache;
mod claims;
mod clerk;
mod config;
mod frontend;
pub mod machine;
mod publishable_key;
mod request;
mod session;
pub mod token;
pub mod webhooks;
mod wire;

/// The instance's signing keys: the JWKS cache of token verification.
pub use token::jwks;

/// The bodies of the fuzz targets (`fuzz/`) and their regression tests. Not a public API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing/mod.rs"]
pub mod __fuzz;

pub use crate::axum::{AuthError, ClerkLayer, HttpError};
pub use api::User;
pub use auth::Auth;
pub use cache::UserCache;
pub use claims::SessionClaims;
pub use clerk::{Clerk, TokenCacheStats};
pub use config::{ClerkBuilder, ConfigError, OrganizationSyncOptions};
pub use frontend::HandshakeCallPacing;
pub use machine::{
    AcceptsToken, MachineAuth, MachineTokenCacheConfig, MachineTokenVerificationError,
    MachineTokenVerificationErrorCode, MachineVerificationBudget, TokenType,
};
pub use publishable_key::{InstanceType, PublishableKey};
pub use request::{AnyTokenRequestState, AuthErrorReason, Handshake, RequestState, SignedOut};
pub use session::{Has, Reverification, ReverificationLevel, Session};
pub use token::extract::TokenCarrier;
pub use token::keys::KeyError;
pub use token::{
    verify_token, TokenCacheConfig, TokenVerificationError, TokenVerificationErrorReason,
    VerifyTokenOptions, MAX_TOKEN_LEN,
};
pub use wire::{CLERK_API_VERSION, DEFAULT_API_URL, DEFAULT_API_VERSION, USER_AGENT};

/// Renamed to [`CLERK_API_VERSION`]: it holds the version value, not a header name.
#[deprecated(note = "renamed to CLERK_API_VERSION")]
pub const CLERK_API_VERSION_HEADER: &str = CLERK_API_VERSION;

/// Renamed to [`AnyTokenRequestState`]: the state of a request that may carry a machine token.
#[deprecated(note = "renamed to AnyTokenRequestState")]
pub type AcceptedRequestState = AnyTokenRequestState;

/// What the `clerk` macros expand to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::axum::private::*;
}
