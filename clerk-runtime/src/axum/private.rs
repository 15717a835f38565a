//! What the attribute macros generate code against. Not a public API: names and shapes
//! change without notice.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::extract::{
    clerk_for, reject_missing_clerk, route_state, session_or_error, with_headers, Routed,
};
use super::AuthError;
use crate::api::User;
use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::machine::AcceptsToken;
use crate::session::{Has, Session};

pub use axum;

/// The bound the generated handlers put on the router state (`impl ClerkFromState` in
/// the hidden extractor's type): a state without a `Clerk` is reported at the route with
/// [`ClerkFromState`]'s message, not as axum's "`Handler` is not implemented".
pub use super::ClerkFromState;

pub use super::machine::{StrictMachine, StrictMixed};

/// The behaviour of a strict handler (`require_session`, `protect`).
pub trait StrictPolicy: Send + Sync + 'static {
    /// Whether the handler injects `User` (fetched from the Backend API).
    const LOAD_USER: bool = false;

    /// `protect(redirect_to_sign_in)`.
    const REDIRECT_TO_SIGN_IN: bool = false;

    /// `protect(accepts = […])`: read by the guards of routes that accept machine tokens
    /// (`StrictMachine`, `StrictMixed`); `Strict`/`StrictUser` accept session tokens only.
    const ACCEPTS: AcceptsToken = AcceptsToken::SESSION;

    /// The authorization check of `protect(…)`.
    fn authorize(_session: &Session) -> bool {
        true
    }

    /// The response when the handler may not run.
    fn on_error(err: &AuthError) -> impl Future<Output = Response> + Send {
        let response = err.clone().into_response();
        async move { response }
    }
}

/// The behaviour of a lax handler (`with_session`).
pub trait LaxPolicy: Send + Sync + 'static {
    /// Whether the handler injects `Option<User>` (fetched from the Backend API).
    const LOAD_USER: bool = false;

    /// `Some(response)` halts; `None` continues without a session.
    fn on_error(err: &AuthError) -> impl Future<Output = Option<Response>> + Send {
        tracing::debug!(
            reason = err.reason(),
            "clerk: no session; the handler runs signed out"
        );
        async { None }
    }
}

/// The hidden first extractor of a strict handler: a verified (and authorized) session.
pub struct Strict<P, S> {
    session: Session,
    treat_pending_as_signed_out: bool,
    headers: Option<HeaderMap>,
    _policy: PhantomData<fn() -> (P, S)>,
}

impl<P, S> Strict<P, S> {
    /// The headers the handler's response must carry (the cookies of a server-side refresh).
    pub fn response_headers(&self) -> Option<HeaderMap> {
        self.headers.clone()
    }
    /// The session.
    pub fn session(&self) -> Session {
        self.session.clone()
    }
    /// The session, always `Some`.
    pub fn session_opt(&self) -> Option<Session> {
        Some(self.session.clone())
    }
    /// The auth object (signed in).
    pub fn auth(&self) -> Auth {
        Auth::from_session(self.session.clone(), self.treat_pending_as_signed_out)
    }
}

impl<S, P> FromRequestParts<S> for Strict<P, S>
where
    S: ClerkFromState + Send + Sync,
    P: StrictPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (clerk, session, headers) = strict_session::<S, P>(parts, state).await?;
        Ok(Self {
            session,
            treat_pending_as_signed_out: clerk.treat_pending_as_signed_out(),
            headers,
            _policy: PhantomData,
        })
    }
}

/// The authentication (and authorization) of a strict handler and the headers its
/// response must carry, or the response to send.
async fn strict_session<S, P>(
    parts: &Parts,
    state: &S,
) -> Result<(Clerk, Session, Option<HeaderMap>), Response>
where
    S: ClerkFromState + Send + Sync,
    P: StrictPolicy,
{
    let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
    let Routed { state, headers } = route_state(&clerk, parts).await?;
    let err = match session_or_error(state) {
        Ok(session) if P::authorize(&session) => return Ok((clerk, session, headers)),
        Ok(_) => AuthError::Forbidden,
        Err(err) => err,
    };
    Err(with_headers(reject::<P>(&clerk, parts, err).await, headers))
}

/// The answer of a strict guard that may not run the handler: the sign-in redirect of a
/// signed-out navigation (`protect(redirect_to_sign_in)`), else `on_error`'s response.
pub(crate) async fn reject<P: StrictPolicy>(
    clerk: &Clerk,
    parts: &Parts,
    err: AuthError,
) -> Response {
    if P::REDIRECT_TO_SIGN_IN && err.is_authentication() && is_browser_navigation(parts) {
        if let Some(response) = sign_in_redirect(clerk, parts, &err) {
            return response;
        }
    }
    P::on_error(&err).await
}

/// The hidden first extractor of a strict handler that injects `User`: the session and the
/// Backend API user of its `sub`.
pub struct StrictUser<P, S> {
    session: Session,
    user: User,
    treat_pending_as_signed_out: bool,
    headers: Option<HeaderMap>,
    _policy: PhantomData<fn() -> (P, S)>,
}

impl<P, S> StrictUser<P, S> {
    /// The headers the handler's response must carry (the cookies of a server-side refresh).
    pub fn response_headers(&self) -> Option<HeaderMap> {
        self.headers.clone()
    }
    /// The session.
    pub fn session(&self) -> Session {
        self.session.clone()
    }
    /// The session, always `Some`.
    pub fn session_opt(&self) -> Option<Session> {
        Some(self.session.clone())
    }
    /// The auth object (signed in).
    pub fn auth(&self) -> Auth {
        Auth::from_session(self.session.clone(), self.treat_pending_as_signed_out)
    }
    /// The user (the macros bind it last).
    pub fn into_user(self) -> User {
        self.user
    }
    /// The user, always `Some` (the macros bind it last).
    pub fn into_user_opt(self) -> Option<User> {
        Some(self.user)
    }
}

impl<S, P> FromRequestParts<S> for StrictUser<P, S>
where
    S: ClerkFromState + Send + Sync,
    P: StrictPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (clerk, session, headers) = strict_session::<S, P>(parts, state).await?;
        match clerk.load_user(session.user_id()).await {
            Ok(user) => Ok(Self {
                session,
                user,
                treat_pending_as_signed_out: clerk.treat_pending_as_signed_out(),
                headers,
                _policy: PhantomData,
            }),
            Err(e) => Err(with_headers(
                P::on_error(&AuthError::UserUnavailable(e)).await,
                headers,
            )),
        }
    }
}

/// The hidden first extractor of a lax handler: the auth object, signed in or not.
pub struct Lax<P, S> {
    auth: Auth,
    user: Option<User>,
    headers: Option<HeaderMap>,
    _policy: PhantomData<fn() -> (P, S)>,
}

impl<P, S> Lax<P, S> {
    /// The headers the handler's response must carry (the cookies of a server-side refresh,
    /// or of a handshake that resolved signed out).
    pub fn response_headers(&self) -> Option<HeaderMap> {
        self.headers.clone()
    }
    /// The auth object.
    pub fn auth(&self) -> Auth {
        self.auth.clone()
    }
    /// The session, when signed in.
    pub fn session_opt(&self) -> Option<Session> {
        self.auth.session().cloned()
    }
    /// The user, when signed in and loaded (the macros bind it last).
    pub fn into_user_opt(self) -> Option<User> {
        self.user
    }
}

impl<S, P> FromRequestParts<S> for Lax<P, S>
where
    S: ClerkFromState + Send + Sync,
    P: LaxPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        let Routed { state, headers } = route_state(&clerk, parts).await?;
        match session_or_error(state) {
            Ok(session) => {
                let user = if P::LOAD_USER {
                    match clerk.load_user(session.user_id()).await {
                        Ok(user) => Some(user),
                        Err(e) => match P::on_error(&AuthError::UserUnavailable(e)).await {
                            Some(response) => return Err(with_headers(response, headers)),
                            None => None,
                        },
                    }
                } else {
                    None
                };
                Ok(Self {
                    auth: Auth::from_session(session, clerk.treat_pending_as_signed_out()),
                    user,
                    headers,
                    _policy: PhantomData,
                })
            }
            Err(err) => match P::on_error(&err).await {
                Some(response) => Err(with_headers(response, headers)),
                None => Ok(Self {
                    auth: match err {
                        AuthError::SessionPending => Auth::pending(),
                        _ => Auth::signed_out(),
                    },
                    user: None,
                    headers,
                    _policy: PhantomData,
                }),
            },
        }
    }
}

/// A handler's response with the headers its guard says it must carry: what the macros
/// make of the handler's return value.
pub struct WithResponseHeaders<R> {
    response: R,
    headers: Option<HeaderMap>,
}

impl<R: HandlerResponse> WithResponseHeaders<R> {
    /// The handler's response and its guard's headers. The bound is checked at the user's
    /// return type (the macros span this call there), so a handler that returns something
    /// else is reported there with [`HandlerResponse`]'s message.
    pub fn new(response: R, headers: Option<HeaderMap>) -> Self {
        Self { response, headers }
    }
}

/// What a protected handler may return: a response.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a response: a `#[clerk::…]` handler must return a type that implements `axum::response::IntoResponse`",
    label = "this return type is not a response",
    note = "return e.g. `String`, `axum::Json<T>`, `(StatusCode, String)`, `clerk::HttpError`, `Result<T, E>` of responses, or `impl IntoResponse`"
)]
pub trait HandlerResponse: IntoResponse {}

impl<R: IntoResponse> HandlerResponse for R {}

impl<R: IntoResponse> IntoResponse for WithResponseHeaders<R> {
    fn into_response(self) -> Response {
        with_headers(self.response.into_response(), self.headers)
    }
}

/// A browser navigation, as Clerk decides handshake eligibility: a `GET` whose
/// `sec-fetch-dest` is `document`/`iframe`, or without `sec-fetch-dest`, whose `accept`
/// starts with `text/html`.
pub fn is_browser_navigation(parts: &Parts) -> bool {
    if parts.method != Method::GET {
        return false;
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-dest") {
        Some(dest) => dest == "document" || dest == "iframe",
        None => parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("text/html")),
    }
}

/// `307` to the sign-in URL, as `redirectToSignIn()` of `@clerk/backend`'s `createRedirect`
/// builds it (`redirect_url` back to this request; the development browser's token for a
/// sign-in page on another host; `/tasks` for a pending session).
pub(crate) fn sign_in_redirect(clerk: &Clerk, parts: &Parts, err: &AuthError) -> Option<Response> {
    let pending = matches!(err, AuthError::SessionPending);
    let Some(url) = clerk.sign_in_redirect(parts, pending) else {
        tracing::warn!("clerk: redirect_to_sign_in needs a sign-in URL (CLERK_SIGN_IN_URL or a publishable key); answering 401");
        return None;
    };
    let location = HeaderValue::from_str(&url).ok()?;
    Some((StatusCode::TEMPORARY_REDIRECT, [(LOCATION, location)]).into_response())
}

/// Holds an `on_error` result until it is known to be a future (awaited) or a value.
pub struct Resolve<T>(Cell<Option<T>>);

impl<T> Resolve<T> {
    /// Wraps an `on_error` result.
    pub fn new(value: T) -> Self {
        Self(Cell::new(Some(value)))
    }
}

/// An `async fn` handler's result: a future to await.
pub trait ResolveFuture {
    /// The future.
    type Fut: Future;
    /// Takes the future out (`Some` on the one call the macros make).
    fn resolve(&self) -> Option<Self::Fut>;
}

impl<F: Future> ResolveFuture for Resolve<F> {
    type Fut = F;
    fn resolve(&self) -> Option<F> {
        self.0.take()
    }
}

/// A plain value: a future ready at once.
pub trait ResolveValue {
    /// The value.
    type Value;
    /// Takes the value out (`Some` on the one call the macros make).
    fn resolve(&self) -> Option<std::future::Ready<Self::Value>>;
}

impl<T> ResolveValue for &Resolve<T> {
    type Value = T;
    fn resolve(&self) -> Option<std::future::Ready<T>> {
        self.0.take().map(std::future::ready)
    }
}

/// Calls the `on_error` handler. The bound states the signature the macros expect, so a
/// handler with another one is reported at the user's `on_error = path` as "expected
/// function signature `fn(&AuthError) -> _`" (E0631) or "expected function that takes 1
/// argument" (E0593), with a suggested fix, instead of an error inside the expansion.
pub fn call_on_error<'a, OnError, Output>(on_error: OnError, err: &'a AuthError) -> Output
where
    OnError: FnOnce(&'a AuthError) -> Output,
{
    on_error(err)
}

/// The `on_error` handler, unchanged. The macros pass `on_error_handler(path)` rather than
/// `path` to [`call_on_error`]: rustc then does not suggest "wrapping the function in a
/// closure", which `on_error = …` does not accept.
pub fn on_error_handler<OnError>(on_error: OnError) -> OnError {
    on_error
}

/// What a strict `on_error` may return: a response.
#[diagnostic::on_unimplemented(
    message = "`on_error` must return a response (`impl IntoResponse`, e.g. `clerk::HttpError`), found `{Self}`",
    label = "this `on_error` handler returns `{Self}`, which is not a response",
    note = "the handler needs a session and cannot run without one, so `on_error` of `#[clerk::require_session]` and `#[clerk::protect]` must answer: return a response such as `clerk::HttpError`, `(StatusCode, &str)` or `axum::response::Response`",
    note = "an `Option` (`None` = run the handler signed out) is only for `#[clerk::with_session(on_error = …)]`"
)]
pub trait StrictOnErrorOutput {
    /// Into the response.
    fn into_on_error_response(self) -> Response;
}

impl<R: IntoResponse> StrictOnErrorOutput for R {
    fn into_on_error_response(self) -> Response {
        self.into_response()
    }
}

/// A strict `on_error` result as a response.
pub fn strict_response<R: StrictOnErrorOutput>(value: R) -> Response {
    value.into_on_error_response()
}

/// What a lax `on_error` may return: `Option` of a response.
#[diagnostic::on_unimplemented(
    message = "`on_error` of `#[clerk::with_session]` must return `Option<impl IntoResponse>`, found `{Self}`",
    label = "this `on_error` handler returns `{Self}`: expected `Some(response)` to halt or `None` to run the handler signed out",
    note = "wrap the response: `-> Option<{Self}>`, returning `Some(…)` to halt and `None` to continue without a session",
    note = "to always answer with an error, use `#[clerk::require_session(on_error = …)]` instead"
)]
pub trait LaxOnErrorOutput {
    /// The response inside the `Option`.
    type Response;
    /// Into the `Option`.
    fn into_on_error_option(self) -> Option<Self::Response>;
}

impl<R> LaxOnErrorOutput for Option<R> {
    type Response = R;
    fn into_on_error_option(self) -> Option<R> {
        self
    }
}

/// What a lax `on_error` may return inside its `Option`: a response. A separate trait from
/// [`LaxOnErrorOutput`] so that `Option<NotAResponse>` gets a message of its own.
#[diagnostic::on_unimplemented(
    message = "`on_error` of `#[clerk::with_session]` must return `Option<impl IntoResponse>`, found `Option<{Self}>`",
    label = "`{Self}` in this `on_error` handler's `Option<{Self}>` is not a response",
    note = "return `Option` of a response, e.g. `Option<clerk::HttpError>`: `Some(response)` halts, `None` runs the handler signed out"
)]
pub trait LaxOnErrorResponse {
    /// Into the response.
    fn into_on_error_response(self) -> Response;
}

impl<R: IntoResponse> LaxOnErrorResponse for R {
    fn into_on_error_response(self) -> Response {
        self.into_response()
    }
}

/// A lax `on_error` result as an `Option` (checked first: an `Option` at all).
pub fn lax_option<O: LaxOnErrorOutput>(value: O) -> Option<O::Response> {
    value.into_on_error_option()
}

/// A lax `on_error` `Option` as a decision (checked second: of a response).
pub fn lax_decision<R: LaxOnErrorResponse>(value: Option<R>) -> Option<Response> {
    value.map(LaxOnErrorResponse::into_on_error_response)
}

/// Stands for a handler parameter the macro rejected, so that the handler's body still
/// type-checks and only the macro's own error is reported. Never called: the expansion
/// that uses it also emits a `compile_error!`.
#[doc(hidden)]
pub fn rejected_parameter<T>() -> T {
    unreachable!("clerk: a rejected handler parameter was compiled")
}

/// The authorization check of `protect`: `has()` of the session.
pub fn has(session: &Session, check: &Has) -> bool {
    session.has(check)
}
