//! `authenticate_request`: from a request to a [`RequestState`], following
//! `@clerk/backend` 3.25's `authenticateRequest` (spec §1.3, §1.4, §2.10;
//! docs/handshake-spec.md for the handshake, refresh, development browser and satellites).
//!
//! [`Clerk::authenticate_request`] runs the whole ladder (`ladder.rs`) when a publishable
//! key is configured: browser navigations may get a handshake, an expired cookie with a
//! refresh cookie is refreshed server-side. A non-navigation never gets a handshake: it is
//! signed out with the same reason, as in Clerk. [`Clerk::authenticate_headers`] (no URL)
//! and an instance without a publishable key decide as an API backend: every "handshake
//! if eligible" row is signed out, with no development-browser or satellite rows.

mod any_token;
mod context;
mod handshake;
mod ladder;
mod redirect;
mod refresh;
mod refresh_answer;
mod state;

use std::sync::Arc;

use http::{HeaderMap, Method};
use serde_json::{Map, Value};

pub use any_token::AnyTokenRequestState;
pub(crate) use state::Authenticated;
pub use state::{AuthErrorReason, Handshake, RequestState, SignedOut};

use crate::clerk::Clerk;
use crate::machine::TokenType;
use crate::session::{Session, SessionShared};
use crate::token::extract::{header_token, session_cookies, TokenCarrier};
use crate::token::{self, TokenVerificationError, TokenVerificationErrorReason as TReason};

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
        if let Some(state) = self.layer_state(parts) {
            return state.clone();
        }
        let Some(family) = self.inner.suffixed_cookies.as_ref() else {
            return self
                .authenticate_headers(&parts.method, &parts.headers)
                .await;
        };
        let ctx = context::RequestContext::new(self, parts, family, self.now_secs());
        let state = ladder::authenticate(self, &ctx).await;
        self.log_state(&state);
        state
    }

    /// The outcome a [`ClerkLayer`](crate::ClerkLayer) of this instance already decided for
    /// the request, if one did.
    pub(crate) fn layer_state<'a>(
        &self,
        parts: &'a http::request::Parts,
    ) -> Option<&'a RequestState> {
        parts
            .extensions
            .get::<Authenticated>()
            .filter(|done| Arc::ptr_eq(&done.clerk.inner, &self.inner))
            .map(|done| &done.state)
    }

    fn now_secs(&self) -> i64 {
        self.now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    fn log_state(&self, state: &RequestState) {
        if !self.inner.logging {
            return;
        }
        match state {
            RequestState::SignedIn { token_carrier, .. } => {
                tracing::debug!(carrier = token_carrier.as_str(), "clerk: signed in")
            }
            RequestState::SignedOut(s) => tracing::debug!(
                reason = s.reason.as_str(),
                carrier = s.token_carrier.map(TokenCarrier::as_str),
                "clerk: signed out: {}",
                s.message
            ),
            RequestState::Handshake(h) => {
                tracing::debug!(reason = h.reason.as_str(), "clerk: handshake")
            }
        }
    }

    /// Decode, category and `__client_uat` checks, and verification of a session token.
    pub(crate) async fn verify_session_token(
        &self,
        token: &str,
        client_uat: Option<f64>,
    ) -> Result<Arc<SessionShared>, Precheck> {
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
        token::verify(token, &self.inner.keys, cache, &self.rules(), precheck).await
    }

    pub(crate) fn signed_in(
        &self,
        shared: Arc<SessionShared>,
        carrier: TokenCarrier,
        headers: HeaderMap,
    ) -> RequestState {
        RequestState::SignedIn {
            session: Session::from_shared(shared, Some(self.inner.api.clone())),
            token_carrier: carrier,
            treat_pending_as_signed_out: self.inner.treat_pending_as_signed_out,
            headers,
        }
    }

    /// Authenticates a request from its method and headers alone, as an API backend: no
    /// URL, so never a handshake, a refresh or a development-browser check (every
    /// "handshake if eligible" outcome is signed out with its reason). The method matters
    /// only for the reason code of an expired cookie (`…-non-eligible-non-get`).
    pub async fn authenticate_headers(&self, method: &Method, headers: &HeaderMap) -> RequestState {
        let state = self.authenticate_inner(method, headers).await;
        self.log_state(&state);
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
        match self.verify_session_token(token, client_uat).await {
            Ok(shared) => self.signed_in(shared, carrier, HeaderMap::new()),
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
pub(crate) enum Precheck {
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
pub(crate) fn parse_int_like_js(value: &str) -> f64 {
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
