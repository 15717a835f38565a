//! The outcome of `authenticate_request`: [`RequestState`] (signed in, signed out, or a
//! handshake), its reason codes and the response headers `@clerk/backend` attaches
//! (docs/handshake-spec.md §7).

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::machine::MachineTokenVerificationErrorCode;
use crate::session::Session;
use crate::token::extract::TokenCarrier;
use crate::token::TokenVerificationErrorReason as TReason;
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
    /// `dev-browser-missing`: a development instance without a development-browser token.
    DevBrowserMissing,
    /// `dev-browser-sync`: `__clerk_db_jwt` in the query of a development instance.
    DevBrowserSync,
    /// `primary-responds-to-syncing`: a development primary asked by a satellite to sync.
    PrimaryRespondsToSyncing,
    /// `primary-domain-cross-origin-sync`: a navigation from another origin.
    PrimaryDomainCrossOriginSync,
    /// `satellite-needs-syncing`: a satellite navigation without cookies, or asked to sync.
    SatelliteNeedsSyncing,
    /// `session-token-missing`: a resolved handshake set no session.
    SessionTokenMissing,
    /// `active-organization-mismatch`: the URL asks for another active organization (or
    /// the personal account) than the session's (organization sync).
    ActiveOrganizationMismatch,
    /// `unexpected-error`.
    UnexpectedError,
    /// `session-token-expired-refresh-<failure>`: server-side refresh failed; the text is
    /// the whole reason, ending with the refresh failure (a Backend API error code
    /// verbatim, or one of `@clerk/backend`'s, e.g. `fetch-error`).
    SessionTokenExpiredRefreshFailed(&'static str),
    /// `@clerk/backend`'s `authenticateRequest` throws here (an invalid handshake token on
    /// a development instance, a non-absolute `__clerk_redirect_url`, a sign-in URL on the
    /// request's origin): no state exists in Clerk. This SDK answers signed out with this
    /// reason, `authenticate-request-error`, and the thrown message.
    AuthenticateRequestError,
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
            Self::DevBrowserMissing => "dev-browser-missing",
            Self::DevBrowserSync => "dev-browser-sync",
            Self::PrimaryRespondsToSyncing => "primary-responds-to-syncing",
            Self::PrimaryDomainCrossOriginSync => "primary-domain-cross-origin-sync",
            Self::SatelliteNeedsSyncing => "satellite-needs-syncing",
            Self::SessionTokenMissing => "session-token-missing",
            Self::ActiveOrganizationMismatch => "active-organization-mismatch",
            Self::UnexpectedError => "unexpected-error",
            Self::SessionTokenExpiredRefreshFailed(reason) => reason,
            Self::AuthenticateRequestError => "authenticate-request-error",
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
    /// Headers for the response besides `x-clerk-auth-*`: the `Set-Cookie`s, CORS pair and
    /// (development) `Location` of a handshake that resolved to signed out. Usually empty.
    pub headers: HeaderMap,
}

impl SignedOut {
    pub(crate) fn new(
        reason: AuthErrorReason,
        message: impl Into<Cow<'static, str>>,
        carrier: Option<TokenCarrier>,
    ) -> Self {
        Self {
            reason,
            message: message.into(),
            token_carrier: carrier,
            headers: HeaderMap::new(),
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
        /// Headers for the response: the `Set-Cookie`s of a server-side refresh or of a
        /// resolved handshake (with its CORS pair, and `Location` + `Cache-Control` on
        /// development instances). Usually empty.
        headers: HeaderMap,
    },
    /// No usable credentials.
    SignedOut(SignedOut),
    /// A browser navigation to send through Clerk's handshake: answer `307` with
    /// [`headers`](Self::headers) (`Location`, `Cache-Control: no-store`, the loop counter
    /// cookie). `ClerkLayer::authenticate()` and the extractors do this themselves.
    Handshake(Handshake),
}

/// A handshake outcome: the reason, and the redirect to send.
///
/// Without `ClerkLayer::authenticate()`, answer it yourself:
///
/// ```
/// use clerk_runtime::RequestState;
/// fn answer(state: &RequestState) -> Option<http::Response<()>> {
///     let RequestState::Handshake(_) = state else { return None };
///     let mut response = http::Response::new(());
///     *response.status_mut() = http::StatusCode::TEMPORARY_REDIRECT;
///     *response.headers_mut() = state.headers();
///     Some(response)
/// }
/// # let _ = answer;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Why the session must be resolved through the Frontend API.
    pub reason: AuthErrorReason,
    /// The detail of that reason (a token error's message, or empty).
    pub message: Cow<'static, str>,
    /// Where the refused token was found; `None` when there was none.
    pub token_carrier: Option<TokenCarrier>,
    /// `Location`, `Cache-Control: no-store`, `Set-Cookie: __clerk_redirect_count=…`.
    pub headers: HeaderMap,
}

impl Handshake {
    /// As a signed-out outcome (what a non-navigation or the loop guard gets).
    ///
    /// ```
    /// # fn f(h: &clerk_runtime::Handshake) {
    /// assert_eq!(h.to_signed_out().reason, h.reason);
    /// # }
    /// ```
    pub fn to_signed_out(&self) -> SignedOut {
        SignedOut {
            reason: self.reason,
            message: self.message.clone(),
            token_carrier: self.token_carrier,
            headers: HeaderMap::new(),
        }
    }
}

/// The package's message for a reason: a token error's `getFullMessage()`, the fixed text
/// of a cross-origin sync or of a throw, else none.
fn clerk_message(
    reason: AuthErrorReason,
    message: &str,
    carrier: Option<TokenCarrier>,
) -> Option<String> {
    use AuthErrorReason as R;
    match reason {
        R::PrimaryDomainCrossOriginSync | R::AuthenticateRequestError | R::MachineToken(_) => {
            (!message.is_empty()).then(|| message.to_owned())
        }
        // `TokenVerificationError.getFullMessage()`: the token's own reason, not the
        // request's (`token-expired` for `session-token-expired-refresh-…`).
        R::Token(_)
        | R::SessionTokenExpiredNonGet
        | R::SessionTokenExpiredNoRefreshCookie
        | R::SessionTokenExpiredRefreshFailed(_)
        | R::SessionTokenNbf
        | R::SessionTokenIatInTheFuture
            if carrier.is_some() =>
        {
            let token_reason = match reason {
                R::Token(t) => t,
                R::SessionTokenNbf => TReason::TokenNotActiveYet,
                R::SessionTokenIatInTheFuture => TReason::TokenIatInTheFuture,
                _ => TReason::TokenExpired,
            };
            let out = SignedOut::new(R::Token(token_reason), message.to_owned(), carrier);
            Some(out.full_message())
        }
        _ => None,
    }
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
            Self::SignedOut(_) | Self::Handshake(_) => Auth::signed_out(),
        }
    }

    /// The reason code when signed out or sent through a handshake.
    pub fn reason(&self) -> Option<AuthErrorReason> {
        match self {
            Self::SignedIn { .. } => None,
            Self::SignedOut(s) => Some(s.reason),
            Self::Handshake(h) => Some(h.reason),
        }
    }

    /// `signed-in`, `signed-out` or `handshake`, as Clerk spells them.
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
    /// let state = clerk.authenticate_request(&parts).await;
    /// assert!(["signed-in", "signed-out", "handshake"].contains(&state.status()));
    /// # }
    /// ```
    pub fn status(&self) -> &'static str {
        match self {
            Self::SignedIn { .. } => "signed-in",
            Self::SignedOut(_) => "signed-out",
            Self::Handshake(_) => "handshake",
        }
    }

    /// Whether this is a handshake (a `307` to answer with [`headers`](Self::headers)).
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
    /// let state = clerk.authenticate_request(&parts).await;
    /// if state.is_handshake() {
    ///     assert_eq!(state.status(), "handshake");
    /// }
    /// # }
    /// ```
    pub fn is_handshake(&self) -> bool {
        matches!(self, Self::Handshake(_))
    }

    /// The signed-out outcome of a signed-out state, or of a handshake (what a request
    /// that is not answered with the redirect amounts to).
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
    /// let state = clerk.authenticate_request(&parts).await;
    /// if let Some(out) = state.signed_out() {
    ///     println!("signed out: {}", out.reason);
    /// }
    /// # }
    /// ```
    pub fn signed_out(&self) -> Option<SignedOut> {
        match self {
            Self::SignedIn { .. } => None,
            Self::SignedOut(s) => Some(s.clone()),
            Self::Handshake(h) => Some(h.to_signed_out()),
        }
    }

    /// Every header `@clerk/backend` puts on the response for this outcome: `Location`,
    /// each `Set-Cookie`, `Cache-Control`, the CORS pair of a resolved handshake, and
    /// `x-clerk-auth-status`/`-reason`/`-message` (none when signed in). A message that
    /// cannot be a header value is left out, as the package does.
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
    /// let state = clerk.authenticate_request(&parts).await;
    /// if let Some(location) = state.headers().get(http::header::LOCATION) {
    ///     println!("redirect to {location:?}");
    /// }
    /// # }
    /// ```
    pub fn headers(&self) -> HeaderMap {
        let (mut headers, reason, message, carrier) = match self {
            Self::SignedIn { headers, .. } => return headers.clone(),
            Self::SignedOut(s) => (s.headers.clone(), s.reason, &s.message, s.token_carrier),
            Self::Handshake(h) => (h.headers.clone(), h.reason, &h.message, h.token_carrier),
        };
        if let Some(message) = clerk_message(reason, message, carrier) {
            if let Ok(value) = HeaderValue::try_from(message) {
                headers.insert(X_CLERK_AUTH_MESSAGE, value);
            }
        }
        if let Ok(value) = HeaderValue::try_from(reason.as_str()) {
            headers.insert(X_CLERK_AUTH_REASON, value);
        }
        headers.insert(X_CLERK_AUTH_STATUS, HeaderValue::from_static(self.status()));
        headers
    }

    /// The `x-clerk-auth-status`, `x-clerk-auth-reason` and `x-clerk-auth-message` headers
    /// Clerk's SDKs attach to responses (reason and message only when signed out).
    pub fn observability_headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let status = X_CLERK_AUTH_STATUS;
        match self {
            Self::SignedIn { .. } => vec![(status, HeaderValue::from_static("signed-in"))],
            Self::Handshake(h) => {
                RequestState::SignedOut(h.to_signed_out()).observability_headers()
            }
            Self::SignedOut(s) => {
                let mut headers = vec![
                    (status, HeaderValue::from_static("signed-out")),
                    (
                        X_CLERK_AUTH_REASON,
                        HeaderValue::try_from(s.reason.as_str())
                            .unwrap_or(HeaderValue::from_static("unexpected-error")),
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
