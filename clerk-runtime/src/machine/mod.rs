//! Machine tokens: API keys (`ak_…`), M2M tokens (`mt_…`) and OAuth access tokens
//! (`oat_…`), as `@clerk/backend` 3.25 verifies them (spec §8).
//!
//! * **Where they come from.** Only the `Authorization` header (`Bearer <token>` or a bare
//!   token). A `__session` cookie is never read as a machine token.
//! * **How they are recognised.** By prefix: `ak_` → [`TokenType::ApiKey`], `mt_` →
//!   [`TokenType::M2mToken`], `oat_` → [`TokenType::OAuthToken`]. Two JWT forms are
//!   recognised too: a JWT whose `sub` starts with `mch_` (or whose `cat` header is the
//!   M2M category `cl_B7d4PD333AAA`) is an M2M token, a JWT whose `typ` is `at+jwt` or
//!   `application/at+jwt` is an OAuth access token.
//! * **How they are verified.** Opaque tokens by the Backend API, on paths **without**
//!   the `/v1` segment, with `Clerk-API-Version: 2026-05-12`:
//!
//!   | type | call | `Authorization` |
//!   |---|---|---|
//!   | `api_key` | `POST /api_keys/verify` `{"secret": …}` | secret key |
//!   | `m2m_token` | `POST /m2m_tokens/verify` `{"token": …}` | machine secret key if configured ([`ClerkBuilder::machine_secret_key`](crate::ClerkBuilder::machine_secret_key)), else secret key |
//!   | `oauth_token` | `POST /oauth_applications/access_tokens/verify` `{"access_token": …}` | secret key |
//!
//!   A 200 answer that says `revoked: true` or `expired: true` (or, for OAuth,
//!   `active: false`), or whose `expiration` is past, is refused; so is an answer without
//!   the `revoked`/`expired` flags (fail closed). JWT forms are verified locally with the
//!   instance's keys, as session tokens are (signature, `exp`, `nbf`, `iat` with the clock
//!   skew, `aud` when an audience is configured); `azp` and `iss` are not checked for them.
//! * **Errors** ([`MachineTokenVerificationError`]) carry Clerk's codes: Backend API 401 →
//!   `secret-key-invalid`; 404 → `token-invalid` ("API key not found", "Machine token not
//!   found", "OAuth token not found"); any other failure → `unexpected-error`; a JWT form
//!   that fails locally → `token-verification-failed`. A Backend API outage is answered as
//!   a JWKS outage is for sessions: the request is refused (401, `unexpected-error`), never
//!   let through.
//! * **Positive-result cache.** A verified opaque token is remembered per [`Clerk`](crate::Clerk)
//!   instance for a short time (default 10 s, [`MachineTokenCacheConfig`]), keyed by the
//!   whole token, never past the token's own `expiration`, at most 10,000 tokens, and
//!   refreshed in the background while it is in use. Concurrent verifications of one token
//!   share one Backend API call. A revoked token may therefore keep working for up to one
//!   TTL on an instance that verified it just before the revocation.
//! * **Negative cache.** Clerk's refusals (404, revoked, expired) are remembered for a few
//!   seconds (default 5 s, at most 10,000), so a token replayed in a loop costs one call.
//!   Failures that may go away (5xx, 429, timeouts) are never remembered.
//! * **Budget.** The instance makes at most 50 verification calls a second, 20 at a time
//!   (default, [`MachineVerificationBudget`]), part of it reserved for tokens it verified
//!   before: beyond it, a token that is not cached is refused at once (`token-invalid`),
//!   so that a flood of made-up tokens cannot spend the instance's Backend API quota or
//!   lock out the keys in use.
//! * **Rate limiting.** After a 429, no verification call is sent until its
//!   `Retry-After` has elapsed (the instance's gate, see
//!   [`RetryPolicy`](crate::api::RetryPolicy)): tokens that are not cached are refused
//!   (`unexpected-error`) at once meanwhile.
//!
//! Routes choose what they accept with [`AcceptsToken`]
//! ([`Clerk::authenticate_request_accepting`](crate::Clerk::authenticate_request_accepting),
//! `#[clerk::protect(accepts = [session, api_key, m2m, oauth])]`); the default is session
//! tokens only, and a machine token sent to such a route is refused as
//! `token-type-mismatch`.
//!
//! ```no_run
//! # async fn run(clerk: clerk_runtime::Clerk) {
//! match clerk.verify_machine_token("ak_…").await {
//!     Ok(machine) => println!("{} {} {:?}", machine.token_type(), machine.subject(), machine.scopes()),
//!     Err(err) => println!("refused: {} ({})", err.reason(), err.message()),
//! }
//! # }
//! ```

mod auth;
mod budget;
pub(crate) mod cache;
mod error;
mod negative;
mod opaque;
mod verify;

use std::fmt;
use std::str::FromStr;

pub use auth::MachineAuth;
pub use budget::MachineVerificationBudget;
pub use cache::MachineTokenCacheConfig;
pub use error::{MachineTokenVerificationError, MachineTokenVerificationErrorCode};
pub(crate) use verify::{machine_jwt_type, Instance, MachineState, Verifier};

/// The kind of a token, with Clerk's names (`tokenType`).
///
/// ```
/// use clerk_runtime::TokenType;
/// assert_eq!(TokenType::ApiKey.as_str(), "api_key");
/// assert_eq!("m2m_token".parse::<TokenType>(), Ok(TokenType::M2mToken));
/// assert_eq!(TokenType::from_prefix("oat_abc"), Some(TokenType::OAuthToken));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// `session_token`: a Clerk session JWT.
    SessionToken,
    /// `api_key`: an API key (`ak_…`).
    ApiKey,
    /// `m2m_token`: a machine-to-machine token (`mt_…`, or a JWT with an `mch_` subject).
    M2mToken,
    /// `oauth_token`: an OAuth access token (`oat_…`, or an `at+jwt` JWT).
    OAuthToken,
}

impl TokenType {
    /// Every token type.
    pub const ALL: [Self; 4] = [
        Self::SessionToken,
        Self::ApiKey,
        Self::M2mToken,
        Self::OAuthToken,
    ];

    /// Clerk's name: `session_token`, `api_key`, `m2m_token`, `oauth_token`.
    ///
    /// ```
    /// assert_eq!(clerk_runtime::TokenType::OAuthToken.as_str(), "oauth_token");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SessionToken => "session_token",
            Self::ApiKey => "api_key",
            Self::M2mToken => "m2m_token",
            Self::OAuthToken => "oauth_token",
        }
    }

    /// Whether this is a machine token type (anything but a session token).
    ///
    /// ```
    /// assert!(clerk_runtime::TokenType::ApiKey.is_machine());
    /// ```
    pub const fn is_machine(self) -> bool {
        !matches!(self, Self::SessionToken)
    }

    /// The machine token type an opaque token's prefix names: `ak_`, `mt_`, `oat_`.
    ///
    /// ```
    /// use clerk_runtime::TokenType;
    /// assert_eq!(TokenType::from_prefix("ak_123"), Some(TokenType::ApiKey));
    /// assert_eq!(TokenType::from_prefix("mt_123"), Some(TokenType::M2mToken));
    /// assert_eq!(TokenType::from_prefix("eyJhbGciOi…"), None);
    /// ```
    pub fn from_prefix(token: &str) -> Option<Self> {
        // Byte comparisons only: this runs on the session path for every header token.
        let b = token.as_bytes();
        match b {
            [b'a', b'k', b'_', ..] => Some(Self::ApiKey),
            [b'm', b't', b'_', ..] => Some(Self::M2mToken),
            [b'o', b'a', b't', b'_', ..] => Some(Self::OAuthToken),
            _ => None,
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Self::SessionToken => 1,
            Self::ApiKey => 2,
            Self::M2mToken => 4,
            Self::OAuthToken => 8,
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of Clerk's token type names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTokenType(pub String);

impl fmt::Display for UnknownTokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown token type `{}`: expected `session_token`, `api_key`, `m2m_token` or `oauth_token`",
            self.0
        )
    }
}

impl std::error::Error for UnknownTokenType {}

impl FromStr for TokenType {
    type Err = UnknownTokenType;

    /// Clerk's names: `session_token`, `api_key`, `m2m_token`, `oauth_token`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTokenType(s.to_owned()))
    }
}

/// Which token types a route accepts, like Clerk's `acceptsToken` option. The default is
/// session tokens only.
///
/// ```
/// use clerk_runtime::{AcceptsToken, TokenType};
/// let accepts = AcceptsToken::only(TokenType::ApiKey).with(TokenType::M2mToken);
/// assert!(accepts.contains(TokenType::ApiKey));
/// assert!(!accepts.contains(TokenType::SessionToken));
/// assert_eq!(AcceptsToken::default(), AcceptsToken::SESSION);
/// assert!(AcceptsToken::ANY.contains(TokenType::OAuthToken));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptsToken(u8);

impl AcceptsToken {
    /// Session tokens only (Clerk's default).
    pub const SESSION: Self = Self(TokenType::SessionToken.bit());
    /// Every machine token type, no session token.
    pub const MACHINE: Self =
        Self(TokenType::ApiKey.bit() | TokenType::M2mToken.bit() | TokenType::OAuthToken.bit());
    /// Every token type (Clerk's `acceptsToken: 'any'`).
    pub const ANY: Self = Self(Self::SESSION.0 | Self::MACHINE.0);

    /// Only this type.
    pub const fn only(token_type: TokenType) -> Self {
        Self(token_type.bit())
    }

    /// This set and `token_type`.
    pub const fn with(self, token_type: TokenType) -> Self {
        Self(self.0 | token_type.bit())
    }

    /// Whether `token_type` is accepted.
    pub const fn contains(self, token_type: TokenType) -> bool {
        self.0 & token_type.bit() != 0
    }

    /// Whether session tokens are accepted.
    pub const fn accepts_session(self) -> bool {
        self.contains(TokenType::SessionToken)
    }

    /// Whether at least one machine token type is accepted.
    pub const fn accepts_machine(self) -> bool {
        self.0 & Self::MACHINE.0 != 0
    }

    /// The accepted types, in [`TokenType::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = TokenType> {
        TokenType::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

impl Default for AcceptsToken {
    fn default() -> Self {
        Self::SESSION
    }
}

impl From<TokenType> for AcceptsToken {
    fn from(token_type: TokenType) -> Self {
        Self::only(token_type)
    }
}

impl FromIterator<TokenType> for AcceptsToken {
    /// The set of the given types (an empty iterator accepts nothing).
    fn from_iter<I: IntoIterator<Item = TokenType>>(iter: I) -> Self {
        iter.into_iter().fold(Self(0), Self::with)
    }
}

impl fmt::Debug for AcceptsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(TokenType::as_str))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_names() {
        assert_eq!(TokenType::from_prefix("ak_"), Some(TokenType::ApiKey));
        assert_eq!(TokenType::from_prefix("mt_x"), Some(TokenType::M2mToken));
        assert_eq!(TokenType::from_prefix("oat_x"), Some(TokenType::OAuthToken));
        for other in ["", "a", "ak", "Ak_x", "oa_x", "mt", "eyJ.x.y", "mch_x"] {
            assert_eq!(TokenType::from_prefix(other), None, "{other}");
        }
        for t in TokenType::ALL {
            assert_eq!(t.as_str().parse::<TokenType>(), Ok(t));
        }
        assert!("session".parse::<TokenType>().is_err());
    }

    #[test]
    fn accepts_sets() {
        assert!(AcceptsToken::SESSION.accepts_session());
        assert!(!AcceptsToken::SESSION.accepts_machine());
        assert!(!AcceptsToken::MACHINE.accepts_session());
        assert_eq!(AcceptsToken::ANY.iter().count(), 4);
        let set: AcceptsToken = [TokenType::OAuthToken, TokenType::ApiKey]
            .into_iter()
            .collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [TokenType::ApiKey, TokenType::OAuthToken]
        );
        assert_eq!(format!("{set:?}"), r#"{"api_key", "oauth_token"}"#);
    }
}
