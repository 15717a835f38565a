//! What a server-rendered app adds to the configuration: where the Frontend API is reached
//! (the publishable key's host, a satellite's `clerk.<domain>`, or a proxy), the sign-in
//! and sign-up URLs, and whether this app is a satellite. Read by the handshake ladder of
//! `authenticate_request` (docs/handshake-spec.md §1.2, §9), and the organization sync
//! patterns (§6.6).

mod js_regex;
pub(crate) mod org_sync;
mod pacing;
mod path_pattern;

pub use pacing::HandshakeCallPacing;
pub(crate) use pacing::Pacer;

use org_sync::OrganizationMatcher;

/// The fullstack settings of an instance (set with `ClerkBuilder::sign_in_url`,
/// `sign_up_url`, `is_satellite`, `domain`, `proxy_url`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FrontendSettings {
    /// `signInUrl` as configured (the Accounts Portal default is not one: the package
    /// checks only a configured value).
    pub sign_in_url: Option<String>,
    /// `signUpUrl` as configured.
    pub sign_up_url: Option<String>,
    /// `isSatellite`.
    pub is_satellite: bool,
    /// `domain` (a satellite's own domain, e.g. `satellite.example.com`).
    pub domain: Option<String>,
    /// `proxyUrl`, absolute or starting with `/` (then resolved against each request).
    pub proxy_url: Option<String>,
    /// `organizationSyncOptions`, compiled (`None` when not configured).
    pub organization_sync: Option<OrganizationMatcher>,
}

/// `isTruthy` of `@clerk/shared` (`underscore.ts`), for `CLERK_IS_SATELLITE`: `true`/`false`
/// in any case, else `parseInt(v, 10) > 0`.
pub(crate) fn is_truthy(value: &str) -> bool {
    if value.eq_ignore_ascii_case("true") {
        return true;
    }
    if value.eq_ignore_ascii_case("false") {
        return false;
    }
    let s = value.trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    !negative && digits[..end].bytes().any(|b| b != b'0')
}

#[cfg(test)]
mod tests {
    use super::is_truthy;

    #[test]
    fn truthy_as_clerk_shared() {
        assert!(is_truthy("TRUE") && is_truthy("1") && is_truthy("2abc") && is_truthy(" 7"));
        assert!(!is_truthy("false") && !is_truthy("0") && !is_truthy("yes") && !is_truthy("-1"));
        assert!(!is_truthy("") && !is_truthy("00"));
    }
}
