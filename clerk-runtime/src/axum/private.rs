//! What the attribute macros generate code against. Not a public API: names and shapes
//! change without notice.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT, HOST, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::extract::{clerk_for, reject_missing_clerk, session_or_error};
use super::{AuthError, ClerkFromState};
use crate::{Auth, Clerk, Session};

pub use axum;

/// The behaviour of a strict handler (`require_session`, `protect`).
pub trait StrictPolicy: Send + Sync + 'static {
    /// `protect(redirect_to_sign_in)`.
    const REDIRECT_TO_SIGN_IN: bool = false;

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
    /// `Some(response)` halts; `None` continues without a session.
    fn on_error(err: &AuthError) -> impl Future<Output = Option<Response>> + Send {
        tracing::debug!(reason = err.reason(), "clerk: no session; the handler runs signed out");
        async { None }
    }
}

/// The hidden first extractor of a strict handler: a verified (and authorized) session.
pub struct Strict<P> {
    session: Session,
    treat_pending_as_signed_out: bool,
    _policy: PhantomData<fn() -> P>,
}

impl<P> Strict<P> {
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

impl<S, P> FromRequestParts<S> for Strict<P>
where
    S: ClerkFromState + Send + Sync,
    P: StrictPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        let err = match session_or_error(clerk.authenticate_request(parts).await) {
            Ok(session) if P::authorize(&session) => {
                return Ok(Self {
                    session,
                    treat_pending_as_signed_out: clerk.treats_pending_as_signed_out(),
                    _policy: PhantomData,
                })
            }
            Ok(_) => AuthError::Forbidden,
            Err(err) => err,
        };
        if P::REDIRECT_TO_SIGN_IN && err.is_authentication() && is_browser_navigation(parts) {
            if let Some(response) = sign_in_redirect(&clerk, parts) {
                return Err(response);
            }
        }
        Err(P::on_error(&err).await)
    }
}

/// The hidden first extractor of a lax handler: the auth object, signed in or not.
pub struct Lax<P> {
    auth: Auth,
    _policy: PhantomData<fn() -> P>,
}

impl<P> Lax<P> {
    /// The auth object.
    pub fn auth(&self) -> Auth {
        self.auth.clone()
    }
    /// The session, when signed in.
    pub fn session_opt(&self) -> Option<Session> {
        self.auth.session().cloned()
    }
}

impl<S, P> FromRequestParts<S> for Lax<P>
where
    S: ClerkFromState + Send + Sync,
    P: LaxPolicy,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let clerk = clerk_for(parts, state).ok_or_else(|| reject_missing_clerk(parts))?;
        match session_or_error(clerk.authenticate_request(parts).await) {
            Ok(session) => Ok(Self {
                auth: Auth::from_session(session, clerk.treats_pending_as_signed_out()),
                _policy: PhantomData,
            }),
            Err(err) => match P::on_error(&err).await {
                Some(response) => Err(response),
                None => Ok(Self {
                    auth: match err {
                        AuthError::SessionPending => Auth::pending(),
                        _ => Auth::signed_out(),
                    },
                    _policy: PhantomData,
                }),
            },
        }
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

/// `307` to the sign-in URL with `redirect_url` back to this request.
fn sign_in_redirect(clerk: &Clerk, parts: &Parts) -> Option<Response> {
    let Some(sign_in) = clerk.sign_in_url() else {
        tracing::warn!("clerk: redirect_to_sign_in needs a sign-in URL (CLERK_SIGN_IN_URL or a publishable key); answering 401");
        return None;
    };
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or_default().trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let proto = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let host = header("x-forwarded-host")
        .or_else(|| header(HOST.as_str()))
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))?;
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let back = format!("{proto}://{host}{path}");
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("redirect_url", &back)
        .finish();
    let separator = if sign_in.contains('?') { '&' } else { '?' };
    let location = HeaderValue::from_str(&format!("{sign_in}{separator}{query}")).ok()?;
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

/// What a strict `on_error` may return: a response.
#[diagnostic::on_unimplemented(
    message = "`on_error` must return a response (`impl IntoResponse`, e.g. `clerk::HttpError`), found `{Self}`",
    label = "this `on_error` handler's return type is not a response",
    note = "the handler needs a session and cannot run without one, so `on_error` of `#[clerk::require_session]` and `#[clerk::protect]` must answer; an `Option` (continue without a session) is only for `#[clerk::with_session]`"
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
    label = "expected `Some(response)` to halt or `None` to continue without a session",
    note = "to always answer with an error, use `#[clerk::require_session(on_error = …)]` instead"
)]
pub trait LaxOnErrorOutput {
    /// Into the decision.
    fn into_on_error_decision(self) -> Option<Response>;
}

impl<R: IntoResponse> LaxOnErrorOutput for Option<R> {
    fn into_on_error_decision(self) -> Option<Response> {
        self.map(IntoResponse::into_response)
    }
}

/// A lax `on_error` result as a decision.
pub fn lax_decision<R: LaxOnErrorOutput>(value: R) -> Option<Response> {
    value.into_on_error_decision()
}

/// Static check used by the macros: the `on_error` handler takes `&AuthError`.
pub fn on_error_arg(err: &AuthError) -> &AuthError {
    err
}

/// The authorization check of `protect`: `has()` of the session.
pub fn has(session: &Session, check: &crate::Has) -> bool {
    session.has(check)
}
