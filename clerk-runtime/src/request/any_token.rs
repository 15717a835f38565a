//! `authenticate_request` with `acceptsToken`: which token types a route accepts.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::{AuthErrorReason, RequestState, SignedOut};
use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::machine::{
    machine_jwt_type, AcceptsToken, MachineAuth, MachineTokenVerificationError, TokenType,
};
use crate::token::extract::{header_token, TokenCarrier};
use crate::token::jwt;

/// The outcome of [`Clerk::authenticate_request_accepting`]: Clerk's session outcome, a
/// verified machine token, or a refusal.
///
/// ```
/// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
/// use clerk_runtime::{AnyTokenRequestState, AcceptsToken};
/// match clerk.authenticate_request_accepting(&parts, AcceptsToken::ANY).await {
///     AnyTokenRequestState::Machine(machine) => println!("machine {}", machine.subject()),
///     state => println!("user {:?}, reason {:?}", state.to_auth().user_id(), state.reason()),
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyTokenRequestState {
    /// The request went through the session path (the route accepts session tokens and the
    /// request carried a session token, a cookie, or nothing): signed in or signed out,
    /// exactly as [`Clerk::authenticate_request`] decides.
    Session(RequestState),
    /// A verified machine token of an accepted type, from the `Authorization` header.
    Machine(MachineAuth),
    /// Refused: a token of a type the route does not accept (`token-type-mismatch`), a
    /// machine token that failed verification (Clerk's machine codes), or no header token on
    /// a route that accepts machine tokens only (`No token in header`).
    SignedOut(SignedOut),
}

impl AnyTokenRequestState {
    /// Whether a session or a machine token was verified (a `pending` session counts here,
    /// as in [`RequestState::is_signed_in`]).
    pub fn is_signed_in(&self) -> bool {
        match self {
            Self::Session(state) => state.is_signed_in(),
            Self::Machine(_) => true,
            Self::SignedOut(_) => false,
        }
    }

    /// The auth object: a session's, a machine token's ([`Auth::machine`]), or signed out.
    pub fn to_auth(&self) -> Auth {
        match self {
            Self::Session(state) => state.to_auth(),
            Self::Machine(machine) => Auth::from_machine(machine.clone()),
            Self::SignedOut(_) => Auth::signed_out(),
        }
    }

    /// The type of the verified token, when one was verified.
    pub fn token_type(&self) -> Option<TokenType> {
        match self {
            Self::Session(state) if state.is_signed_in() => Some(TokenType::SessionToken),
            Self::Machine(machine) => Some(machine.token_type()),
            _ => None,
        }
    }

    /// The refusal, when signed out.
    pub fn signed_out(&self) -> Option<&SignedOut> {
        match self {
            Self::Session(RequestState::SignedOut(s)) | Self::SignedOut(s) => Some(s),
            _ => None,
        }
    }

    /// The reason code when signed out.
    pub fn reason(&self) -> Option<AuthErrorReason> {
        self.signed_out().map(|s| s.reason)
    }

    /// Clerk's `x-clerk-auth-status`, `-reason` and `-message` headers (reason and message
    /// only when signed out).
    pub fn observability_headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        match self {
            Self::Session(state) => state.observability_headers(),
            Self::Machine(_) => vec![(
                HeaderName::from_static("x-clerk-auth-status"),
                HeaderValue::from_static("signed-in"),
            )],
            Self::SignedOut(s) => RequestState::SignedOut(s.clone()).observability_headers(),
        }
    }
}

fn refused(reason: AuthErrorReason, message: impl Into<Cow<'static, str>>) -> AnyTokenRequestState {
    AnyTokenRequestState::SignedOut(SignedOut {
        reason,
        message: message.into(),
        token_carrier: Some(TokenCarrier::Header),
        headers: Default::default(),
    })
}

/// The refusal of a token whose type the route does not accept.
fn mismatch(detected: TokenType) -> AnyTokenRequestState {
    let message = match detected {
        TokenType::SessionToken => "The token is a session token; this route does not accept session tokens.",
        TokenType::ApiKey => "The token is an API key (api_key); this route does not accept API keys.",
        TokenType::M2mToken => "The token is an M2M token (m2m_token); this route does not accept M2M tokens.",
        TokenType::OAuthToken => "The token is an OAuth access token (oauth_token); this route does not accept OAuth tokens.",
    };
    refused(AuthErrorReason::TokenTypeMismatch, message)
}

/// A machine verification outcome as a request state.
fn machine_state(
    result: Result<MachineAuth, MachineTokenVerificationError>,
) -> AnyTokenRequestState {
    match result {
        Ok(machine) => AnyTokenRequestState::Machine(machine),
        Err(err) => refused(
            AuthErrorReason::MachineToken(err.code()),
            err.into_message(),
        ),
    }
}

impl Clerk {
    /// Authenticates a request accepting the given token types, like Clerk's
    /// `authenticateRequest(req, { acceptsToken })` (spec §8).
    ///
    /// * Machine tokens are read from the `Authorization` header only and verified as
    ///   [`Clerk::verify_machine_token`] does.
    /// * A token of a type `accepts` does not list is refused as `token-type-mismatch`
    ///   (a session JWT on a machine-only route, an `ak_…` key on a route for M2M tokens…).
    /// * With session tokens accepted, everything else is [`Clerk::authenticate_request`]'s
    ///   decision (header, then cookies); without, a request with no header token is refused
    ///   with Clerk's reason `No token in header`.
    ///
    /// `AcceptsToken::SESSION` gives the same decisions as [`Clerk::authenticate_request`].
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, parts: http::request::Parts) {
    /// use clerk_runtime::{AcceptsToken, TokenType};
    /// let accepts = AcceptsToken::SESSION.with(TokenType::ApiKey);
    /// let auth = clerk.authenticate_request_accepting(&parts, accepts).await.to_auth();
    /// if let Some(machine) = auth.machine() {
    ///     println!("API key {} of {}", machine.id(), machine.subject());
    /// }
    /// # }
    /// ```
    pub async fn authenticate_request_accepting(
        &self,
        parts: &http::request::Parts,
        accepts: AcceptsToken,
    ) -> AnyTokenRequestState {
        // Under a `ClerkLayer` that authenticated the request already, its session outcome
        // stands for the session path: the same decision without a second verification.
        // Opaque machine tokens and machine JWTs (a session-path type mismatch) still take
        // the machine path.
        if accepts.accepts_session() {
            if let Some(state) = self.layer_state(parts) {
                let opaque_machine = header_token(&parts.headers)
                    .is_some_and(|t| TokenType::from_prefix(t).is_some());
                if !opaque_machine && state.reason() != Some(AuthErrorReason::TokenTypeMismatch) {
                    return AnyTokenRequestState::Session(state.clone());
                }
            }
        }
        // With the request's URL, the session path is the whole ladder (Clerk's cookie path
        // for `acceptsToken: [...]`/`'any'`): a navigation may get a handshake, an expired
        // cookie may be refreshed.
        let state = self
            .accepting_inner(&parts.method, &parts.headers, accepts, Some(parts))
            .await;
        self.log_accepting(&state);
        state
    }

    /// [`authenticate_request_accepting`](Self::authenticate_request_accepting) from a
    /// request's method and headers.
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk, headers: http::HeaderMap) {
    /// use clerk_runtime::AcceptsToken;
    /// let state = clerk
    ///     .authenticate_headers_accepting(&http::Method::GET, &headers, AcceptsToken::MACHINE)
    ///     .await;
    /// println!("{:?} {:?}", state.token_type(), state.reason());
    /// # }
    /// ```
    pub async fn authenticate_headers_accepting(
        &self,
        method: &Method,
        headers: &HeaderMap,
        accepts: AcceptsToken,
    ) -> AnyTokenRequestState {
        let state = self.accepting_inner(method, headers, accepts, None).await;
        self.log_accepting(&state);
        state
    }

    fn log_accepting(&self, state: &AnyTokenRequestState) {
        if self.inner.logging {
            match &state {
                AnyTokenRequestState::Machine(machine) => tracing::debug!(
                    token_type = machine.token_type().as_str(),
                    "clerk: machine token verified"
                ),
                AnyTokenRequestState::SignedOut(s) => tracing::debug!(
                    reason = s.reason.as_str(),
                    "clerk: signed out: {}",
                    s.message
                ),
                // Logged by the session path.
                AnyTokenRequestState::Session(_) => {}
            }
        }
    }

    /// The session path: the whole ladder when the request is known, else the decision of
    /// an API backend from the headers.
    async fn session_path(
        &self,
        method: &Method,
        headers: &HeaderMap,
        request: Option<&http::request::Parts>,
    ) -> RequestState {
        match request {
            Some(parts) => self.authenticate_request(parts).await,
            None => self.authenticate_headers(method, headers).await,
        }
    }

    async fn accepting_inner(
        &self,
        method: &Method,
        headers: &HeaderMap,
        accepts: AcceptsToken,
        request: Option<&http::request::Parts>,
    ) -> AnyTokenRequestState {
        let Some(token) = header_token(headers) else {
            // Machine tokens never come from cookies.
            if accepts.accepts_session() {
                return AnyTokenRequestState::Session(
                    self.session_path(method, headers, request).await,
                );
            }
            // The message says why a header that was sent carried no token: its scheme.
            let scheme_not_bearer = headers
                .get(http::header::AUTHORIZATION)
                .is_some_and(|v| !v.is_empty());
            return AnyTokenRequestState::SignedOut(SignedOut {
                headers: Default::default(),
                reason: AuthErrorReason::NoTokenInHeader,
                message: Cow::Borrowed(if scheme_not_bearer {
                    "The Authorization header's scheme is not `Bearer` (it is case-sensitive): machine tokens are read from a `Bearer` header only."
                } else {
                    "No token in the Authorization header: machine tokens are read from the header only."
                }),
                token_carrier: None,
            });
        };
        if let Some(token_type) = TokenType::from_prefix(token) {
            if accepts.contains(token_type) {
                return machine_state(self.verify_opaque_machine_token(token, token_type).await);
            }
            if !accepts.accepts_session() {
                return mismatch(token_type);
            }
            // The session path refuses it as `token-type-mismatch` too.
        }
        if accepts.accepts_session() {
            let state = self.session_path(method, headers, request).await;
            // The session path calls a machine JWT a type mismatch: verify it as the
            // machine token it is when the route accepts its type.
            if accepts.accepts_machine()
                && state.reason() == Some(AuthErrorReason::TokenTypeMismatch)
            {
                if let Ok(decoded) = jwt::decode(token) {
                    if let Some(token_type) =
                        machine_jwt_type(&decoded).filter(|t| accepts.contains(*t))
                    {
                        return machine_state(
                            self.verify_machine_jwt(decoded, token, token_type).await,
                        );
                    }
                }
            }
            return AnyTokenRequestState::Session(state);
        }
        // Machine types only: anything but a machine token of an accepted type is a
        // mismatch, as in Clerk (a session JWT: M05).
        let Ok(decoded) = jwt::decode(token) else {
            return refused(
                AuthErrorReason::TokenTypeMismatch,
                "The token is not a machine token this route accepts.",
            );
        };
        match machine_jwt_type(&decoded) {
            Some(token_type) if accepts.contains(token_type) => {
                machine_state(self.verify_machine_jwt(decoded, token, token_type).await)
            }
            Some(token_type) => mismatch(token_type),
            None => mismatch(TokenType::SessionToken),
        }
    }
}
