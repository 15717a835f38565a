//! Extractors: [`Auth`] (never rejects), [`Session`] (401 when signed out) and
//! `Option<Session>`.

use std::io::Write as _;
use std::sync::Once;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::AuthError;
use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::request::RequestState;
use crate::session::Session;

/// A router state that may carry a [`Clerk`]: any state with `Clerk: FromRef<State>`, and
/// `()` (whose routes need [`ClerkLayer`](super::ClerkLayer)).
#[diagnostic::on_unimplemented(
    message = "the router state `{Self}` does not provide a `clerk::Clerk`",
    label = "this handler needs a `clerk::Clerk` from the router state `{Self}`",
    note = "add a `clerk: clerk::Clerk` field to the state and `#[derive(axum::extract::FromRef)]`, or use `Router<()>` with `.layer(clerk::ClerkLayer::new(clerk))`"
)]
pub trait ClerkFromState {
    /// The instance held by the state, if any.
    fn clerk_from_state(&self) -> Option<Clerk>;
}

impl ClerkFromState for () {
    fn clerk_from_state(&self) -> Option<Clerk> {
        None
    }
}

// Not named in errors: a state without a `Clerk` is reported with the trait's own message
// (which names the fix), not as "`Clerk: FromRef<AppState>` is not satisfied".
#[diagnostic::do_not_recommend]
impl<S> ClerkFromState for S
where
    Clerk: FromRef<S>,
{
    fn clerk_from_state(&self) -> Option<Clerk> {
        Some(Clerk::from_ref(self))
    }
}

/// The `Clerk` for this request: the handler's router state's, else the layer's. The state
/// is the more specific of the two (it belongs to these routes, where a layer may wrap a
/// whole app), so it wins when both are present.
pub(crate) fn clerk_for<S: ClerkFromState>(parts: &Parts, state: &S) -> Option<Clerk> {
    state
        .clerk_from_state()
        .or_else(|| parts.extensions.get::<Clerk>().cloned())
}

/// What a route without a `Clerk` needs.
const MISSING_CLERK_FIX: &str = "add `.layer(clerk::ClerkLayer::new(clerk))` to the router, or put a `Clerk` in the router state";

/// The 500 of a route that has no `Clerk`, with a log line naming the fix. Without a tracing
/// subscriber that line would go nowhere, so the fix is then written to stderr, once per
/// process.
pub(crate) fn reject_missing_clerk(parts: &Parts) -> Response {
    tracing::error!(
        path = parts.uri.path(),
        "clerk: no `Clerk` for this route: {MISSING_CLERK_FIX}"
    );
    if !tracing::dispatcher::has_been_set() {
        static SAID: Once = Once::new();
        SAID.call_once(|| {
            // Not `eprintln!`: a closed stderr must not make a request panic.
            let _ = writeln!(
                std::io::stderr(),
                "clerk: no `Clerk` for route `{}` (answered 500): {MISSING_CLERK_FIX}. Said once; install a tracing subscriber to see every such request.",
                parts.uri.path()
            );
        });
    }
    AuthError::NotConfigured.into_response()
}

/// The auth object of the request, signed in or not. Rejects only when the route has no
/// `Clerk` (500).
impl<S> FromRequestParts<S> for Auth
where
    S: ClerkFromState + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        let routed = route_state(&clerk, parts).await?;
        warn_if_unsent(routed.headers.as_ref());
        Ok(routed.state.to_auth())
    }
}

/// The signed-in session; `401 {"error":"Unauthenticated"}` (with Clerk's
/// `x-clerk-auth-*` headers) otherwise.
impl<S> FromRequestParts<S> for Session
where
    S: ClerkFromState + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        let Routed { state, headers } = route_state(&clerk, parts).await?;
        match session_or_error(state) {
            Ok(session) => {
                warn_if_unsent(headers.as_ref());
                Ok(session)
            }
            Err(err) => Err(with_headers(err.into_response(), headers)),
        }
    }
}

/// `Some(session)` when signed in, `None` otherwise.
impl<S> OptionalFromRequestParts<S> for Session
where
    S: ClerkFromState + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        let routed = route_state(&clerk, parts).await?;
        warn_if_unsent(routed.headers.as_ref());
        Ok(routed.state.to_auth().into_session())
    }
}

/// A route's view of its request: the state, and the headers its response must carry.
pub(crate) struct Routed {
    pub state: RequestState,
    /// The state's `Set-Cookie`s (a server-side refresh, a resolved handshake) and CORS pair
    /// when this route decided the state; `None` when there are none, or when a
    /// `ClerkLayer` decided it (the layer adds them to whatever the route answers).
    pub headers: Option<HeaderMap>,
}

/// A response a route answers, with the route's headers added.
pub(crate) fn with_headers(mut response: Response, headers: Option<HeaderMap>) -> Response {
    if let Some(headers) = headers {
        super::handshake::append_all(response.headers_mut(), headers);
    }
    response
}

/// For extractors, which cannot add headers to the handler's response: says once that the
/// browser will not keep the cookies of a server-side refresh.
fn warn_if_unsent(headers: Option<&HeaderMap>) {
    if headers.is_some_and(|h| h.contains_key(SET_COOKIE)) {
        static SAID: Once = Once::new();
        SAID.call_once(|| {
            tracing::warn!(
                "clerk: a session was refreshed (or a handshake resolved) for an `Auth`/`Session` extractor, which cannot set the new cookies on the response, so the browser keeps its old ones and the next request refreshes again: add `.layer(clerk::ClerkLayer::new(clerk).authenticate())` or use the `#[clerk::…]` macros. Said once."
            )
        });
    }
}

/// The request's state for a route, or the `307` to answer instead (a handshake, or a
/// redirect of a resolved handshake), when no `ClerkLayer::authenticate()` answered it.
pub(crate) async fn route_state(clerk: &Clerk, parts: &Parts) -> Result<Routed, Response> {
    if let Some(state) = clerk.layer_state(parts) {
        return Ok(from_layer(state.clone()));
    }
    decided_here(clerk.authenticate_request(parts).await)
}

/// [`route_state`] of a state already decided (by `authenticate_request` or its
/// `accepting` form).
// The `Err` is the response to answer at once, as axum's rejections are.
#[allow(clippy::result_large_err)]
pub(crate) fn routed(
    clerk: &Clerk,
    parts: &Parts,
    state: RequestState,
) -> Result<Routed, Response> {
    if clerk.layer_state(parts).is_some() {
        return Ok(from_layer(state));
    }
    decided_here(state)
}

/// A state a layer of this instance decided: it answered any redirect, and adds the
/// headers to whatever the route answers.
fn from_layer(state: RequestState) -> Routed {
    Routed {
        state,
        headers: None,
    }
}

/// A state this route decided: the redirect to answer, or the headers to add.
#[allow(clippy::result_large_err)]
fn decided_here(state: RequestState) -> Result<Routed, Response> {
    if let Some(redirect) = super::handshake::redirect_response(&state) {
        return Err(redirect);
    }
    Ok(Routed {
        headers: super::handshake::response_headers(&state),
        state,
    })
}

/// The session of a request state, or the authentication error it amounts to.
// `AuthError` carries the signed-out state with its headers; it is made once per refused
// request and turned into a response at once, so boxing would only add an allocation.
#[allow(clippy::result_large_err)]
pub(crate) fn session_or_error(state: RequestState) -> Result<Session, AuthError> {
    match state {
        RequestState::SignedOut(out) => Err(AuthError::Unauthenticated(out)),
        RequestState::Handshake(h) => Err(AuthError::Unauthenticated(h.to_signed_out())),
        signed_in => signed_in
            .to_auth()
            .into_session()
            .ok_or(AuthError::SessionPending),
    }
}
