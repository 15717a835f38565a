//! [`OrganizationSyncOptions`]: URL patterns that make a navigation activate an
//! organization (or the personal account) through the handshake, as `@clerk/backend`'s
//! `organizationSyncOptions` (docs/handshake-spec.md §6.6).

use super::{ClerkBuilder, ConfigError};
use crate::frontend::org_sync::OrganizationMatcher;

/// Which URLs activate which organization (`organizationSyncOptions` of Clerk's SDKs).
///
/// Patterns use the path-to-regexp v6 syntax Clerk's `@clerk/shared` reads: named
/// parameters (`:slug`), optional and repeated ones (`:slug?`, `{/:rest}*`), groups with a
/// custom pattern (`/(.*)`), matched case-insensitively on the whole (percent-encoded) path,
/// with an optional trailing `/`. An organization pattern names the organization with an
/// `:id` parameter (an `org_…` id) or a `:slug` parameter.
///
/// When a signed-in navigation (a session from cookies, not a pending one) reaches a URL
/// whose organization is not the session's active one, or a personal-account URL while an
/// organization is active, the request goes through a handshake whose Frontend API call
/// carries `organization_id`; Clerk activates that organization (if the user is a member)
/// and the browser comes back with a session token for it. A request that cannot be sent
/// through a handshake (not a navigation, or after three handshakes in a row) stays signed
/// in with the session as it is.
///
/// ```
/// use clerk_runtime::{Clerk, OrganizationSyncOptions};
///
/// let clerk = Clerk::builder()
///     .without_env()
///     .publishable_key("pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk")
///     .organization_sync(OrganizationSyncOptions {
///         organization_patterns: vec!["/orgs/:slug".into(), "/orgs/:slug/(.*)".into()],
///         personal_account_patterns: vec!["/me".into(), "/me/(.*)".into()],
///     })
///     .build()
///     .expect("valid patterns");
/// # let _ = clerk;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationSyncOptions {
    /// Patterns of URLs of one organization: an `:id` or a `:slug` parameter says which.
    /// Tried before the personal-account patterns. Empty: none.
    pub organization_patterns: Vec<String>,
    /// Patterns of URLs of the user's personal account (no active organization). Empty:
    /// none.
    pub personal_account_patterns: Vec<String>,
}

impl ClerkBuilder {
    /// Organization sync: URLs that activate an organization or the personal account (see
    /// [`OrganizationSyncOptions`]). A pattern Clerk's path-to-regexp refuses makes
    /// [`build`](Self::build) fail with its message (`Invalid pattern "…": …`), and so does
    /// one it accepts but this SDK cannot match exactly (a lookaround in a custom group, a
    /// non-ASCII character, …), never matched differently.
    ///
    /// ```
    /// use clerk_runtime::{Clerk, ConfigError, OrganizationSyncOptions};
    ///
    /// let refused = Clerk::builder()
    ///     .without_env()
    ///     .organization_sync(OrganizationSyncOptions {
    ///         organization_patterns: vec!["/orgs/:".into()],
    ///         ..Default::default()
    ///     })
    ///     .build();
    /// assert!(matches!(refused, Err(ConfigError::InvalidOrganizationPattern(_))));
    /// ```
    pub fn organization_sync(mut self, options: OrganizationSyncOptions) -> Self {
        self.organization_sync = Some(options);
        self
    }

    /// The compiled patterns, if configured.
    pub(super) fn organization_matcher(&self) -> Result<Option<OrganizationMatcher>, ConfigError> {
        let Some(options) = &self.organization_sync else {
            return Ok(None);
        };
        if options.organization_patterns.is_empty() && options.personal_account_patterns.is_empty()
        {
            return Ok(None);
        }
        OrganizationMatcher::new(
            &options.organization_patterns,
            &options.personal_account_patterns,
        )
        .map(Some)
        .map_err(ConfigError::InvalidOrganizationPattern)
    }
}
