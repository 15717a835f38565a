//! Extractors: [`Auth`] (never rejects), [`Session`] (401 when signed out) and
//! `Option<Session>`.

use std::io::Write as _;
use std::sync::Once;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
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
        Ok(route_state(&clerk, parts).await?.to_auth())
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
        session_or_error(route_state(&clerk, parts).await?).map_err(IntoResponse::into_response)
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
        Ok(route_state(&clerk, parts).await?.to_auth().into_session())
    }
}

/// The request's state for a route, or the `307` to answer instead (a handshake, or a
/// redirect of a resolved handshake), when no `ClerkLayer::authenticate()` answered it.
pub(crate) async fn route_state(clerk: &Clerk, parts: &Parts) -> Result<RequestState, Response> {
    let state = clerk.authenticate_request(parts).await;
    match super::handshake::redirect_response(&state) {
        Some(redirect) => Err(redirect),
        None => Ok(state),
    }
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
