//! `authenticate_request`: from a request's headers to a [`RequestState`], following
//! `@clerk/backend`'s `authenticateRequest` for an API backend (spec §1.3, §1.4, §2.10).
//!
//! What a pure API backend does differently from a browser-facing Next.js app: it never
//! answers with a handshake redirect, and never refreshes an expired cookie server-side.
//! Every case where Clerk would attempt a handshake ("HS?" in the spec) yields signed-out
//! with the same reason code, which is exactly what Clerk does for a non-navigation
//! (fetch/XHR) request. The development-browser checks (`dev-browser-missing`,
//! `dev-browser-sync`) belong to the handshake machinery and are not applied, and neither
//! are satellite or organization-sync redirects.

mod any_token;

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Map, Value};

pub use any_token::AnyTokenRequestState;

use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::machine::{MachineTokenVerificationErrorCode, TokenType};
use crate::session::Session;
use crate::token::extract::{header_token, session_cookies, TokenCarrier};
use crate::token::{self, TokenVerificationError, TokenVerificationErrorReason as TReason};
use crate::wire::{X_CLERK_AUTH_MESSAGE, X_CLERK_AUTH_REASON, X_CLERK_AUTH_STATUS};

/// Why a request is signed out: a token verification reason, or one of the request-level
/// reasons of `AuthErrorReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorReason {
    /// The token failed verification with this reason.
    Token(TReason),
    /// `session-token-and-uat-missing`: no credentials at all.
    SessionTokenAndUatMissing,
    /// `session-token-but-no-client-uat`: a `__session` cookie without `__client_uat`.
    SessionTokenButNoClientUat,
    /// `client-uat-but-no-session-token`: `__client_uat` without a `__session` cookie.
    ClientUatButNoSessionToken,
    /// `session-token-iat-before-client-uat`: the cookie predates the last sign-in/out.
    SessionTokenIatBeforeClientUat,
    /// `session-token-expired-refresh-non-eligible-non-get`.
    SessionTokenExpiredNonGet,
    /// `session-token-expired-refresh-non-eligible-no-refresh-cookie`.
    SessionTokenExpiredNoRefreshCookie,
    /// `session-token-nbf`: the token is not active yet.
    SessionTokenNbf,
    /// `session-token-iat-in-the-future`.
    SessionTokenIatInTheFuture,
    /// `token-type-mismatch`: a token of a type the route does not accept: a machine token
    /// (`ak_…`, `mt_…`, `oat_…`, or a machine JWT) where only session tokens are accepted, a
    /// JWT of another category, or a session token where only machine tokens are accepted.
    TokenTypeMismatch,
    /// A machine token failed verification with this code (`token-invalid`,
    /// `token-verification-failed`, `secret-key-invalid`, `unexpected-error`).
    MachineToken(MachineTokenVerificationErrorCode),
    /// `No token in header` (Clerk's exact text): a route that accepts machine tokens only
    /// received no `Authorization` token (machine tokens are never read from cookies).
    NoTokenInHeader,
}

impl AuthErrorReason {
    /// The reason code exactly as Clerk spells it.
    ///
    /// ```
    /// use clerk_runtime::AuthErrorReason;
    /// assert_eq!(AuthErrorReason::SessionTokenAndUatMissing.as_str(), "session-token-and-uat-missing");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Token(reason) => reason.as_str(),
            Self::SessionTokenAndUatMissing => "session-token-and-uat-missing",
            Self::SessionTokenButNoClientUat => "session-token-but-no-client-uat",
            Self::ClientUatButNoSessionToken => "client-uat-but-no-session-token",
            Self::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            Self::SessionTokenExpiredNonGet => "session-token-expired-refresh-non-eligible-non-get",
            Self::SessionTokenExpiredNoRefreshCookie => {
                "session-token-expired-refresh-non-eligible-no-refresh-cookie"
            }
            Self::SessionTokenNbf => "session-token-nbf",
            Self::SessionTokenIatInTheFuture => "session-token-iat-in-the-future",
            Self::TokenTypeMismatch => "token-type-mismatch",
            Self::MachineToken(code) => code.as_str(),
            Self::NoTokenInHeader => "No token in header",
        }
    }

    /// Whether credentials were absent (as opposed to present and refused).
    pub const fn is_missing_credentials(self) -> bool {
        matches!(
            self,
            Self::SessionTokenAndUatMissing | Self::NoTokenInHeader
        )
    }
}

impl fmt::Display for AuthErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed-out outcome: why, and where the refused token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOut {
    /// The reason code.
    pub reason: AuthErrorReason,
    /// A human-readable explanation (never contains the token).
    pub message: Cow<'static, str>,
    /// Where the refused token was found; `None` when there was none.
    pub token_carrier: Option<TokenCarrier>,
}

impl SignedOut {
    fn new(
        reason: AuthErrorReason,
        message: impl Into<Cow<'static, str>>,
        carrier: Option<TokenCarrier>,
    ) -> Self {
        Self {
            reason,
            message: message.into(),
            token_carrier: carrier,
        }
    }

    /// Clerk's `x-clerk-auth-message`: the message, the reason, the carrier.
    pub fn full_message(&self) -> String {
        // Built by hand: this runs for every refused request.
        let reason = self.reason.as_str();
        let carrier = self.token_carrier.map(TokenCarrier::as_str);
        let mut out = String::with_capacity(
            self.message.len() + reason.len() + carrier.map_or(0, |c| c.len() + 16) + 10,
        );
        out.push_str(&self.message);
        out.push_str(" (reason=");
        out.push_str(reason);
        if let Some(carrier) = carrier {
            out.push_str(", token-carrier=");
            out.push_str(carrier);
        }
        out.push(')');
        out
    }
}

/// A request's authentication, done once by [`ClerkLayer`](crate::ClerkLayer) and kept in
/// the request extensions for every extractor and macro below it.
#[derive(Clone)]
pub(crate) struct Authenticated {
    pub clerk: Clerk,
    pub state: RequestState,
}

/// The outcome of [`Clerk::authenticate_request`].
#[derive(Debug, Clone)]
pub enum RequestState {
    /// A verified session token. A `pending` session is still reported here (as in Clerk);
    /// [`to_auth`](Self::to_auth) applies the pending rule.
    SignedIn {
        /// The verified session.
        session: Session,
        /// Where the token came from.
        token_carrier: TokenCarrier,
        /// Whether a pending session counts as signed out (from the configuration).
        treat_pending_as_signed_out: bool,
    },
    /// No usable credentials.
    SignedOut(SignedOut),
}

impl RequestState {
    /// Whether a token was verified.
    pub fn is_signed_in(&self) -> bool {
        matches!(self, Self::SignedIn { .. })
    }

    /// The auth object: signed in, or signed out (including pending sessions by default).
    pub fn to_auth(&self) -> Auth {
        match self {
            Self::SignedIn {
                session,
                treat_pending_as_signed_out,
                ..
            } => Auth::from_session(session.clone(), *treat_pending_as_signed_out),
            Self::SignedOut(_) => Auth::signed_out(),
        }
    }

    /// The reason code when signed out.
    pub fn reason(&self) -> Option<AuthErrorReason> {
        match self {
            Self::SignedIn { .. } => None,
            Self::SignedOut(s) => Some(s.reason),
        }
    }

    /// The `x-clerk-auth-status`, `x-clerk-auth-reason` and `x-clerk-auth-message` headers
    /// Clerk's SDKs attach to responses (reason and message only when signed out).
    pub fn observability_headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let status = X_CLERK_AUTH_STATUS;
        match self {
            Self::SignedIn { .. } => vec![(status, HeaderValue::from_static("signed-in"))],
            Self::SignedOut(s) => {
                let mut headers = vec![
                    (status, HeaderValue::from_static("signed-out")),
                    (
                        X_CLERK_AUTH_REASON,
                        HeaderValue::from_static(s.reason.as_str()),
                    ),
                ];
                if let Ok(message) = HeaderValue::try_from(s.full_message()) {
                    headers.push((X_CLERK_AUTH_MESSAGE, message));
                }
                headers
            }
        }
    }
}

impl Clerk {
    /// Authenticates a request from its parts (method and headers).
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, req: http::Request<()>) {
    /// let (parts, _body) = req.into_parts();
    /// let state = clerk.authenticate_request(&parts).await;
    /// match state.to_auth().user_id() {
    ///     Some(user) => println!("signed in as {user}"),
    ///     None => println!("signed out: {:?}", state.reason()),
    /// }
    /// # }
    /// ```
    ///
    /// Under a [`ClerkLayer`](crate::ClerkLayer) that authenticates every request
    /// ([`authenticate`](crate::ClerkLayer::authenticate) or
    /// [`require_auth`](crate::ClerkLayer::require_auth)), this returns the layer's result
    /// for the same instance instead of verifying the token a second time.
    pub async fn authenticate_request(&self, parts: &http::request::Parts) -> RequestState {
        if let Some(done) = parts.extensions.get::<Authenticated>() {
            if std::sync::Arc::ptr_eq(&done.clerk.inner, &self.inner) {
                return done.state.clone();
            }
        }
        self.authenticate_headers(&parts.method, &parts.headers)
            .await
    }

    /// Authenticates a request from its method and headers. The method matters only for
    /// the reason code of an expired cookie (`…-non-eligible-non-get`).
    pub async fn authenticate_headers(&self, method: &Method, headers: &HeaderMap) -> RequestState {
        let state = self.authenticate_inner(method, headers).await;
        if self.inner.logging {
            match &state {
                RequestState::SignedIn { token_carrier, .. } => {
                    tracing::debug!(carrier = token_carrier.as_str(), "clerk: signed in")
                }
                RequestState::SignedOut(s) => tracing::debug!(
                    reason = s.reason.as_str(),
                    carrier = s.token_carrier.map(TokenCarrier::as_str),
                    "clerk: signed out: {}",
                    s.message
                ),
            }
        }
        state
    }

    async fn authenticate_inner(&self, method: &Method, headers: &HeaderMap) -> RequestState {
        if let Some(token) = header_token(headers) {
            // An opaque machine token where only session tokens are accepted. This SDK's
            // own decision (Clerk says `token-invalid`): see "Where this SDK differs".
            if TokenType::from_prefix(token).is_some() {
                return RequestState::SignedOut(SignedOut::new(
                    AuthErrorReason::TokenTypeMismatch,
                    "The token is a machine token (API key, M2M or OAuth token) of a type this route does not accept.",
                    Some(TokenCarrier::Header),
                ));
            }
            return self
                .verify_carried(token, TokenCarrier::Header, method, None)
                .await;
        }

        // One family for both cookies, suffixed or plain, as Clerk chooses it (spec §1.4).
        let now_secs = self
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let cookies = session_cookies(headers, self.inner.suffixed_cookies.as_ref(), now_secs);
        let session_cookie = cookies.session;
        let client_uat = cookies
            .client_uat
            .map(|v| parse_int_like_js(&v))
            .unwrap_or(0.0);
        let has_uat = client_uat != 0.0;

        let signed_out = |reason, message: &'static str| {
            RequestState::SignedOut(SignedOut::new(reason, message, None))
        };
        let token = match (session_cookie, has_uat) {
            (None, false) => {
                // Clerk's reason code either way; the message says why a header that was
                // sent carried no token (`bearer <token>`, `Basic …`): its scheme.
                let message = if headers
                    .get(http::header::AUTHORIZATION)
                    .is_some_and(|v| !v.is_empty())
                {
                    "The Authorization header's scheme is not `Bearer` (it is case-sensitive): no session token was read."
                } else {
                    "No session token in the Authorization header or the __session cookie."
                };
                return signed_out(AuthErrorReason::SessionTokenAndUatMissing, message);
            }
            (Some(_), false) => {
                return signed_out(
                    AuthErrorReason::SessionTokenButNoClientUat,
                    "A __session cookie was sent without __client_uat.",
                )
            }
            (None, true) => {
                return signed_out(
                    AuthErrorReason::ClientUatButNoSessionToken,
                    "__client_uat was sent without a __session cookie.",
                )
            }
            (Some(token), true) => token,
        };
        self.verify_carried(&token, TokenCarrier::Cookie, method, Some(client_uat))
            .await
    }

    async fn verify_carried(
        &self,
        token: &str,
        carrier: TokenCarrier,
        method: &Method,
        client_uat: Option<f64>,
    ) -> RequestState {
        let precheck = |header: Option<&Map<String, Value>>, payload: &Map<String, Value>| {
            if token::jwt::looks_like_machine_or_other_token(header, payload) {
                return Err(Precheck::TypeMismatch);
            }
            if let Some(uat) = client_uat {
                let iat = payload.get("iat").and_then(Value::as_f64);
                if iat.is_some_and(|iat| iat < uat) {
                    return Err(Precheck::IatBeforeClientUat);
                }
            }
            Ok(())
        };
        let cache = self.inner.token_cache.as_deref();
        match token::verify(token, &self.inner.keys, cache, &self.rules(), precheck).await {
            Ok(shared) => RequestState::SignedIn {
                session: Session::from_shared(shared, Some(self.inner.api.clone())),
                token_carrier: carrier,
                treat_pending_as_signed_out: self.inner.treat_pending_as_signed_out,
            },
            Err(Precheck::TypeMismatch) => RequestState::SignedOut(SignedOut::new(
                AuthErrorReason::TokenTypeMismatch,
                "The token is not a session token.",
                Some(carrier),
            )),
            Err(Precheck::IatBeforeClientUat) => RequestState::SignedOut(SignedOut::new(
                AuthErrorReason::SessionTokenIatBeforeClientUat,
                "The session cookie was issued before the last sign-in or sign-out.",
                Some(carrier),
            )),
            Err(Precheck::Token(err)) => self.token_error(err, carrier, method),
        }
    }

    /// `handleSessionTokenError` without handshakes or refresh.
    fn token_error(
        &self,
        err: TokenVerificationError,
        carrier: TokenCarrier,
        method: &Method,
    ) -> RequestState {
        let reason = match err.code() {
            TReason::TokenExpired if method != Method::GET => {
                AuthErrorReason::SessionTokenExpiredNonGet
            }
            TReason::TokenExpired => AuthErrorReason::SessionTokenExpiredNoRefreshCookie,
            TReason::TokenNotActiveYet => AuthErrorReason::SessionTokenNbf,
            TReason::TokenIatInTheFuture => AuthErrorReason::SessionTokenIatInTheFuture,
            other => AuthErrorReason::Token(other),
        };
        if err.code().is_key_failure() {
            tracing::warn!(
                reason = err.reason(),
                "clerk: cannot verify session tokens: {}",
                err.message()
            );
        }
        RequestState::SignedOut(SignedOut::new(reason, err.into_message(), Some(carrier)))
    }
}

/// Why a token was refused before or during verification.
enum Precheck {
    TypeMismatch,
    IatBeforeClientUat,
    Token(TokenVerificationError),
}

impl From<TokenVerificationError> for Precheck {
    fn from(err: TokenVerificationError) -> Self {
        Self::Token(err)
    }
}

/// `Number.parseInt(value) || 0`, as Clerk reads `__client_uat` (the cookie as Node.js
/// reads it, Latin-1: see [`crate::token::extract::cookie`]): `0x` is hexadecimal, leading
/// JavaScript white space (U+00A0 included) is skipped.
fn parse_int_like_js(value: &str) -> f64 {
    let n = token::js_value::parse_int(value);
    if n.is_nan() || n == 0.0 {
        0.0
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_uat_parses_like_parse_int() {
        assert_eq!(parse_int_like_js("1700000000"), 1_700_000_000.0);
        assert_eq!(parse_int_like_js(" 12abc"), 12.0);
        assert_eq!(parse_int_like_js("abc"), 0.0);
        assert_eq!(parse_int_like_js(""), 0.0);
        assert_eq!(parse_int_like_js("-5"), -5.0);
        assert_eq!(parse_int_like_js("0"), 0.0);
        assert_eq!(parse_int_like_js("\u{a0}12"), 12.0);
        assert_eq!(parse_int_like_js("\t\u{b}\u{c} 12"), 12.0);
        // The Latin-1 reading of a UTF-8 no-break space: `Â` is no white space.
        assert_eq!(parse_int_like_js("\u{c2}\u{a0}12"), 0.0);
        assert_eq!(parse_int_like_js("0x10"), 16.0);
        assert_eq!(parse_int_like_js("-0"), 0.0);
        assert!(parse_int_like_js("-0").is_sign_positive());
    }
}
