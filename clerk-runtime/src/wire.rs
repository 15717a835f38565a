//! What goes over the wire to and from Clerk: the Backend API's address and version, the
//! headers this SDK sends and sets, and the default HTTP client.
//!
//! The lowest module of the crate: it imports nothing of it, so that every other module
//! (the token verifier, the JWKS cache, the Backend API transport, the axum glue) may
//! share these values without depending on one another.

use std::time::Duration;

use http::HeaderName;

/// Backend API base URL used when none is configured.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";
/// Backend API version path segment used when none is configured.
pub const DEFAULT_API_VERSION: &str = "v1";
/// The `Clerk-API-Version` this SDK speaks (the date of the spec it was built from), sent
/// in the `Clerk-API-Version` header.
pub const CLERK_API_VERSION: &str = "2026-05-12";
/// `User-Agent` sent to the Backend API.
pub const USER_AGENT: &str = concat!("clerk-rs/", env!("CARGO_PKG_VERSION"));

/// The name of the header that carries [`CLERK_API_VERSION`].
pub(crate) const CLERK_API_VERSION_HEADER_NAME: HeaderName =
    HeaderName::from_static("clerk-api-version");

/// `signed-in` or `signed-out`, on responses (Clerk's observability headers).
pub(crate) const X_CLERK_AUTH_STATUS: HeaderName = HeaderName::from_static("x-clerk-auth-status");
/// Why a request is signed out (an [`AuthErrorReason`](crate::AuthErrorReason) code).
pub(crate) const X_CLERK_AUTH_REASON: HeaderName = HeaderName::from_static("x-clerk-auth-reason");
/// The detail of that reason.
pub(crate) const X_CLERK_AUTH_MESSAGE: HeaderName = HeaderName::from_static("x-clerk-auth-message");

/// Timeout of one request of the default HTTP client.
pub(crate) const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client of what has no `Clerk` to borrow one from (the free
/// [`verify_token`](crate::verify_token)).
pub(crate) fn default_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(DEFAULT_HTTP_TIMEOUT)
        .build()
        .unwrap_or_default()
}
