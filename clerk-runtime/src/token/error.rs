//! Verification failures, with Clerk's reason codes.

use std::borrow::Cow;
use std::fmt;

/// Why a token was refused: one variant per reason code of `@clerk/backend`'s
/// `TokenVerificationErrorReason`.
///
/// [`as_str`](Self::as_str) gives the exact code string Clerk uses, so logs and
/// `x-clerk-auth-reason` headers read the same as with the official SDKs.
///
/// ```
/// use clerk_runtime::TokenVerificationErrorReason as Reason;
/// assert_eq!(Reason::TokenExpired.as_str(), "token-expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenVerificationErrorReason {
    /// `token-expired`: `exp` is in the past (beyond the clock skew).
    TokenExpired,
    /// `token-invalid`: not a well-formed JWT, a wrong `typ`, a non-session `cat`, a `crit` header.
    TokenInvalid,
    /// `token-invalid-algorithm`: `alg` is not one of `RS256`, `RS384`, `RS512`.
    TokenInvalidAlgorithm,
    /// `token-invalid-authorized-parties`: `azp` is not one of the authorized parties.
    TokenInvalidAuthorizedParties,
    /// `token-invalid-signature`: the RSA signature does not match.
    TokenInvalidSignature,
    /// `token-not-active-yet`: `nbf` is in the future (beyond the clock skew).
    TokenNotActiveYet,
    /// `token-iat-in-the-future`: `iat` is in the future (beyond the clock skew).
    TokenIatInTheFuture,
    /// `token-verification-failed`: a malformed claim (`sub`, `aud`, time claims) or a key
    /// that cannot be used with the token's algorithm.
    TokenVerificationFailed,
    /// `token-invalid-issuer`: `iss` does not match the configured issuer.
    TokenInvalidIssuer,
    /// `jwk-local-missing`: networkless verification was asked for without a PEM key.
    LocalJwkMissing,
    /// `jwk-remote-failed-to-load`: the JWKS could not be fetched, or held no key.
    RemoteJwkFailedToLoad,
    /// `jwk-remote-invalid`: defined by Clerk, not produced by current SDKs.
    RemoteJwkInvalid,
    /// `jwk-remote-missing`: defined by Clerk, not produced by current SDKs.
    RemoteJwkMissing,
    /// `jwk-failed-to-resolve`: neither a JWT key nor a secret key is configured.
    JwkFailedToResolve,
    /// `jwk-kid-mismatch`: the token's `kid` is not in the instance's JWKS.
    JwkKidMismatch,
    /// `secret-key-invalid`: the Backend API refused the secret key (`clerk_key_invalid`).
    InvalidSecretKey,
}

impl TokenVerificationErrorReason {
    /// The reason code exactly as `@clerk/backend` spells it.
    ///
    /// ```
    /// use clerk_runtime::TokenVerificationErrorReason as Reason;
    /// assert_eq!(Reason::JwkKidMismatch.as_str(), "jwk-kid-mismatch");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TokenExpired => "token-expired",
            Self::TokenInvalid => "token-invalid",
            Self::TokenInvalidAlgorithm => "token-invalid-algorithm",
            Self::TokenInvalidAuthorizedParties => "token-invalid-authorized-parties",
            Self::TokenInvalidSignature => "token-invalid-signature",
            Self::TokenNotActiveYet => "token-not-active-yet",
            Self::TokenIatInTheFuture => "token-iat-in-the-future",
            Self::TokenVerificationFailed => "token-verification-failed",
            Self::TokenInvalidIssuer => "token-invalid-issuer",
            Self::LocalJwkMissing => "jwk-local-missing",
            Self::RemoteJwkFailedToLoad => "jwk-remote-failed-to-load",
            Self::RemoteJwkInvalid => "jwk-remote-invalid",
            Self::RemoteJwkMissing => "jwk-remote-missing",
            Self::JwkFailedToResolve => "jwk-failed-to-resolve",
            Self::JwkKidMismatch => "jwk-kid-mismatch",
            Self::InvalidSecretKey => "secret-key-invalid",
        }
    }

    /// Every reason, in the order of Clerk's enum.
    pub const ALL: [Self; 16] = [
        Self::TokenExpired,
        Self::TokenInvalid,
        Self::TokenInvalidAlgorithm,
        Self::TokenInvalidAuthorizedParties,
        Self::TokenInvalidSignature,
        Self::TokenNotActiveYet,
        Self::TokenIatInTheFuture,
        Self::TokenVerificationFailed,
        Self::TokenInvalidIssuer,
        Self::LocalJwkMissing,
        Self::RemoteJwkFailedToLoad,
        Self::RemoteJwkInvalid,
        Self::RemoteJwkMissing,
        Self::JwkFailedToResolve,
        Self::JwkKidMismatch,
        Self::InvalidSecretKey,
    ];

    /// Whether the failure says something about the key material rather than the token:
    /// the configuration or the Backend API is at fault, not the caller.
    pub const fn is_key_failure(self) -> bool {
        matches!(
            self,
            Self::LocalJwkMissing
                | Self::RemoteJwkFailedToLoad
                | Self::RemoteJwkInvalid
                | Self::RemoteJwkMissing
                | Self::JwkFailedToResolve
                | Self::InvalidSecretKey
        )
    }
}

impl fmt::Display for TokenVerificationErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A session token was refused.
///
/// Match on [`kind`](Self::kind); [`reason`](Self::reason) is Clerk's code string. The
/// message never contains the token or any secret.
///
/// ```
/// # async fn run() {
/// let options = clerk_runtime::VerifyTokenOptions::default();
/// let err = clerk_runtime::verify_token("not-a-jwt", &options).await.unwrap_err();
/// assert_eq!(err.reason(), "token-invalid");
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TokenVerificationError {
    kind: TokenVerificationErrorReason,
    message: Cow<'static, str>,
}

impl TokenVerificationError {
    pub(crate) fn new(
        kind: TokenVerificationErrorReason,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The reason as a matchable enum (Clerk's code).
    pub fn code(&self) -> TokenVerificationErrorReason {
        self.kind
    }

    /// Renamed to [`code`](Self::code), as on every error of this crate.
    #[deprecated(note = "renamed to code")]
    pub fn kind(&self) -> TokenVerificationErrorReason {
        self.code()
    }

    /// Clerk's reason code, e.g. `"token-expired"`.
    pub fn reason(&self) -> &'static str {
        self.kind.as_str()
    }

    /// A human-readable explanation (never contains the token).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The explanation, without copying it.
    pub(crate) fn into_message(self) -> Cow<'static, str> {
        self.message
    }
}

impl fmt::Debug for TokenVerificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenVerificationError")
            .field("reason", &self.kind.as_str())
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for TokenVerificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (reason={})", self.message, self.kind.as_str())
    }
}

impl std::error::Error for TokenVerificationError {}
