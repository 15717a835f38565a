//! [`MachineTokenVerificationError`]: why a machine token was refused, with Clerk's codes.

use std::borrow::Cow;
use std::fmt;

use super::TokenType;

/// The code of a machine token failure, as `@clerk/backend`'s
/// `MachineTokenVerificationErrorCode`.
///
/// ```
/// use clerk_runtime::MachineTokenVerificationErrorCode as Code;
/// assert_eq!(Code::InvalidSecretKey.as_str(), "secret-key-invalid");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MachineTokenVerificationErrorCode {
    /// `token-invalid`: unknown to the Backend API (404), revoked, expired, or not a
    /// machine token at all.
    TokenInvalid,
    /// `token-verification-failed`: a JWT form failed local verification.
    TokenVerificationFailed,
    /// `secret-key-invalid`: the Backend API refused the (machine) secret key (401).
    InvalidSecretKey,
    /// `unexpected-error`: any other failure (Backend API unreachable, 5xx, 429, an answer
    /// that cannot be read, no secret key configured).
    UnexpectedError,
}

impl MachineTokenVerificationErrorCode {
    /// The code exactly as Clerk spells it.
    ///
    /// ```
    /// use clerk_runtime::MachineTokenVerificationErrorCode as Code;
    /// assert_eq!(Code::UnexpectedError.as_str(), "unexpected-error");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TokenInvalid => "token-invalid",
            Self::TokenVerificationFailed => "token-verification-failed",
            Self::InvalidSecretKey => "secret-key-invalid",
            Self::UnexpectedError => "unexpected-error",
        }
    }
}

impl fmt::Display for MachineTokenVerificationErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A machine token was refused.
///
/// [`reason`](Self::reason) is Clerk's code; the message never contains the token or a
/// secret.
///
/// ```
/// # async fn run(clerk: clerk_runtime::Clerk) {
/// use clerk_runtime::MachineTokenVerificationErrorCode as Code;
/// match clerk.verify_machine_token("ak_unknown").await {
///     Ok(machine) => println!("key of {}", machine.subject()),
///     Err(err) if err.code() == Code::TokenInvalid => println!("unknown key: {}", err.message()),
///     Err(err) => println!("cannot verify now: {err}"),
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MachineTokenVerificationError {
    code: MachineTokenVerificationErrorCode,
    message: Cow<'static, str>,
    status: Option<u16>,
    token_type: Option<TokenType>,
}

impl MachineTokenVerificationError {
    pub(crate) fn new(
        code: MachineTokenVerificationErrorCode,
        message: impl Into<Cow<'static, str>>,
        token_type: Option<TokenType>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            status: None,
            token_type,
        }
    }

    pub(crate) fn with_status(mut self, status: Option<u16>) -> Self {
        self.status = status;
        self
    }

    /// The code as a matchable enum.
    pub fn code(&self) -> MachineTokenVerificationErrorCode {
        self.code
    }

    /// Clerk's code string, e.g. `"token-invalid"`.
    pub fn reason(&self) -> &'static str {
        self.code.as_str()
    }

    /// A human-readable explanation, e.g. `API key not found`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The Backend API status that caused the failure, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The type of the refused token, when it was recognised.
    pub fn token_type(&self) -> Option<TokenType> {
        self.token_type
    }

    pub(crate) fn into_message(self) -> Cow<'static, str> {
        self.message
    }
}

impl fmt::Debug for MachineTokenVerificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineTokenVerificationError")
            .field("code", &self.code.as_str())
            .field("message", &self.message)
            .field("status", &self.status)
            .field("token_type", &self.token_type.map(TokenType::as_str))
            .finish()
    }
}

impl fmt::Display for MachineTokenVerificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code={})", self.message, self.code.as_str())
    }
}

impl std::error::Error for MachineTokenVerificationError {}
