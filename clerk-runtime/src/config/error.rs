//! [`ConfigError`]: what the builder refuses, naming the option or variable.

use crate::token::keys::KeyError;

/// A configuration value was rejected; the message names the option or variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The secret key is not `sk_test_…`/`sk_live_…` (or legacy `test_…`/`live_…`).
    #[error("invalid secret key from {origin}: expected `sk_test_…` or `sk_live_…`")]
    InvalidSecretKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// The publishable key could not be decoded.
    #[error("invalid publishable key from {origin}: {reason}")]
    InvalidPublishableKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The JWT key is not a usable RSA public key.
    #[error("invalid JWT key from {origin}: {error}")]
    InvalidJwtKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
        /// What is wrong with it.
        error: KeyError,
    },
    /// The API URL is not an absolute `http(s)` URL.
    #[error("invalid API URL from {origin}: expected an absolute http(s) URL")]
    InvalidApiUrl {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// The API version is empty or contains `/`.
    #[error("invalid API version from {origin}: expected a path segment such as `v1`")]
    InvalidApiVersion {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// A number was expected.
    #[error("invalid value for {origin}: expected a whole number of milliseconds")]
    InvalidNumber {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// An issuer was to be derived from the publishable key, but none is configured.
    #[error(
        "issuer_from_publishable_key() needs a publishable key (option or CLERK_PUBLISHABLE_KEY)"
    )]
    IssuerNeedsPublishableKey,
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
    /// The machine secret key is empty or not a valid header value.
    #[error("invalid machine secret key from {origin}: expected printable ASCII without spaces")]
    InvalidMachineSecretKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// A satellite application needs a domain or a proxy URL (`@clerk/backend`'s
    /// "Missing domain and proxyUrl").
    #[error(
        "a satellite application needs `domain` (CLERK_DOMAIN) or `proxy_url` (CLERK_PROXY_URL)"
    )]
    SatelliteNeedsDomainOrProxy,
    /// A satellite of a development instance needs an absolute sign-in URL (`@clerk/backend`'s
    /// "Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite").
    #[error(
        "a satellite of a development instance needs an absolute `sign_in_url` (CLERK_SIGN_IN_URL)"
    )]
    SatelliteNeedsSignInUrl,
    /// The proxy URL is neither an absolute `http(s)` URL nor a path starting with `/`.
    #[error("invalid proxy URL from {origin}: expected an absolute http(s) URL or a path such as `/__clerk`")]
    InvalidProxyUrl {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// An organization sync pattern is refused: the message of `@clerk/backend`
    /// (`Invalid pattern "<patterns>": …`), or why this SDK cannot match it exactly.
    #[error("invalid organization sync option: {0}")]
    InvalidOrganizationPattern(String),
}
