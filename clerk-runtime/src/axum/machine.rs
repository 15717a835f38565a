//! Machine tokens in axum: the [`MachineAuth`] extractor, and the hidden first extractors of
//! `#[clerk::protect(accepts = […])]` handlers.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::extract::{
    clerk_for, reject_missing_clerk, routed, session_or_error, with_headers, Routed,
};
use super::private::{reject, StrictPolicy};
use super::{AuthError, ClerkFromState};
use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::machine::{AcceptsToken, MachineAuth};
use crate::request::{AnyTokenRequestState, AuthErrorReason, SignedOut};
use crate::session::Session;
use crate::token::extract::TokenCarrier;

/// A verified machine token of any type (API key, M2M token, OAuth token) from the
/// `Authorization` header; `401 {"error":"Unauthenticated"}` with Clerk's `x-clerk-auth-*`
/// headers otherwise (a session token is `token-type-mismatch`).
impl<S> FromRequestParts<S> for MachineAuth
where
    S: ClerkFromState + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        machine_or_error(&clerk, parts, AcceptsToken::MACHINE)
            .await
            .map_err(IntoResponse::into_response)
    }
}

/// `Some(machine)` when the `Authorization` header holds a valid machine token, `None`
/// otherwise.
impl<S> OptionalFromRequestParts<S> for MachineAuth
where
    S: ClerkFromState + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        Ok(machine_or_error(&clerk, parts, AcceptsToken::MACHINE)
            .await
            .ok())
    }
}

/// The machine token of a request on a route accepting machine types only.
async fn machine_or_error(
    clerk: &Clerk,
    parts: &Parts,
    accepts: AcceptsToken,
) -> Result<MachineAuth, AuthError> {
    match clerk.authenticate_request_accepting(parts, accepts).await {
        AnyTokenRequestState::Machine(machine) => Ok(machine),
        AnyTokenRequestState::SignedOut(out) => Err(AuthError::Unauthenticated(out)),
        // Only when `accepts` lists session tokens, which the callers' never do.
        other => Err(other
            .signed_out()
            .cloned()
            .map_or_else(session_not_accepted, AuthError::Unauthenticated)),
    }
}

fn session_not_accepted() -> AuthError {
    AuthError::Unauthenticated(SignedOut {
        headers: Default::default(),
        reason: AuthErrorReason::TokenTypeMismatch,
        message: "The token is a session token; this route does not accept session tokens.".into(),
        token_carrier: Some(TokenCarrier::Header),
    })
}

/// The hidden first extractor of `#[clerk::protect(accepts = […])]` when only machine types
/// are accepted: a verified machine token of one of them.
pub struct StrictMachine<P, S> {
    machine: MachineAuth,
    _policy: PhantomData<fn() -> (P, S)>,
}

impl<P, S> StrictMachine<P, S> {
    /// The headers the handler's response must carry: none (machine tokens come from the
    /// `Authorization` header, which is never refreshed).
    pub fn response_headers(&self) -> Option<HeaderMap> {
        None
    }
    /// The machine token.
    pub fn machine(&self) -> MachineAuth {
        self.machine.clone()
    }
    /// The machine token, always `Some`.
    pub fn machine_opt(&self) -> Option<MachineAuth> {
        Some(self.machine.clone())
    }
    /// The auth object (a machine token).
    pub fn auth(&self) -> Auth {
        Auth::from_machine(self.machine.clone())
    }
}

impl<S, P> FromRequestParts<S> for StrictMachine<P, S>
where
    S: ClerkFromState + Send + Sync,
    P: StrictPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        match machine_or_error(&clerk, parts, P::ACCEPTS).await {
            Ok(machine) => Ok(Self {
                machine,
                _policy: PhantomData,
            }),
            Err(err) => Err(reject::<P>(&clerk, parts, err).await),
        }
    }
}

/// The hidden first extractor of `#[clerk::protect(accepts = […])]` when session tokens and
/// machine types are accepted: a signed-in session (authorized) or a verified machine token.
pub struct StrictMixed<P, S> {
    auth: Auth,
    headers: Option<HeaderMap>,
    _policy: PhantomData<fn() -> (P, S)>,
}

impl<P, S> StrictMixed<P, S> {
    /// The headers the handler's response must carry (the cookies of a server-side refresh).
    pub fn response_headers(&self) -> Option<HeaderMap> {
        self.headers.clone()
    }
    /// The auth object: a session or a machine token.
    pub fn auth(&self) -> Auth {
        self.auth.clone()
    }
    /// The session, when the request carried one.
    pub fn session_opt(&self) -> Option<Session> {
        self.auth.session().cloned()
    }
    /// The machine token, when the request carried one.
    pub fn machine_opt(&self) -> Option<MachineAuth> {
        self.auth.machine().cloned()
    }
}

impl<S, P> FromRequestParts<S> for StrictMixed<P, S>
where
    S: ClerkFromState + Send + Sync,
    P: StrictPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        let (err, headers) = match clerk
            .authenticate_request_accepting(parts, P::ACCEPTS)
            .await
        {
            AnyTokenRequestState::Machine(machine) => {
                return Ok(Self {
                    auth: Auth::from_machine(machine),
                    headers: None,
                    _policy: PhantomData,
                })
            }
            // The session path, as for a session-only route: a navigation may be sent
            // through a handshake, a refresh sets cookies.
            AnyTokenRequestState::Session(state) => {
                let Routed { state, headers } = routed(&clerk, parts, state)?;
                match session_or_error(state) {
                    Ok(session) if P::authorize(&session) => {
                        let pending_out = clerk.treat_pending_as_signed_out();
                        return Ok(Self {
                            auth: Auth::from_session(session, pending_out),
                            headers,
                            _policy: PhantomData,
                        });
                    }
                    Ok(_) => (AuthError::Forbidden, headers),
                    Err(err) => (err, headers),
                }
            }
            AnyTokenRequestState::SignedOut(out) => (AuthError::Unauthenticated(out), None),
        };
        Err(with_headers(reject::<P>(&clerk, parts, err).await, headers))
    }
}
