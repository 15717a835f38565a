//! How a `Clerk` is made from the environment, and the checks of key formats.

use super::{ClerkBuilder, ConfigError};
use crate::clerk::Clerk;

pub(super) fn validate_secret_key(key: &str) -> Result<(), ()> {
    let rest = ["sk_test_", "sk_live_", "test_", "live_"]
        .iter()
        .find_map(|prefix| key.strip_prefix(prefix))
        .ok_or(())?;
    if rest.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(());
    }
    Ok(())
}

/// How a `Clerk` is made. Here rather than with the handle, so that the handle does not
/// depend on its configuration.
impl Clerk {
    /// A builder; unset options fall back to environment variables, then defaults.
    pub fn builder() -> ClerkBuilder {
        ClerkBuilder::default()
    }

    /// Configuration from the environment alone:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `CLERK_SECRET_KEY` (legacy `CLERK_API_KEY`) | secret key |
    /// | `CLERK_PUBLISHABLE_KEY` | publishable key |
    /// | `CLERK_JWT_KEY` | PEM public key, networkless verification |
    /// | `CLERK_API_URL` | Backend API URL (default `https://api.clerk.com`) |
    /// | `CLERK_API_VERSION` | API version path segment (default `v1`) |
    /// | `CLERK_AUTHORIZED_PARTIES` | comma-separated accepted `azp` origins (this SDK's own) |
    /// | `CLERK_CLOCK_SKEW_IN_MS` | clock skew in ms (this SDK's own; default 5000) |
    /// | `CLERK_LOGGING` | `true` enables debug events through `tracing` |
    /// | `CLERK_MACHINE_SECRET_KEY` | machine secret key, for M2M token verification |
    /// | `CLERK_SIGN_IN_URL` | sign-in URL (`NEXT_PUBLIC_CLERK_SIGN_IN_URL` in `@clerk/nextjs`) |
    /// | `CLERK_SIGN_UP_URL` | sign-up URL (`NEXT_PUBLIC_CLERK_SIGN_UP_URL`) |
    /// | `CLERK_IS_SATELLITE` | `true` (or a positive number): a satellite app (`NEXT_PUBLIC_CLERK_IS_SATELLITE`) |
    /// | `CLERK_DOMAIN` | the satellite's domain (`NEXT_PUBLIC_CLERK_DOMAIN`) |
    /// | `CLERK_PROXY_URL` | Frontend API proxy, absolute or `/path` (`NEXT_PUBLIC_CLERK_PROXY_URL`) |
    ///
    /// The `NEXT_PUBLIC_` names are not read: set the `CLERK_` ones (or the options).
    ///
    /// ```no_run
    /// let clerk = clerk_runtime::Clerk::from_env().expect("valid Clerk configuration");
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().build()
    }
}
