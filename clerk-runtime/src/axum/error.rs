//! [`AuthError`], what `on_error` handlers receive, and [`HttpError`], a ready-made response.

use std::borrow::Cow;
use std::fmt;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::request::{AuthErrorReason, SignedOut};
use crate::wire::{X_CLERK_AUTH_MESSAGE, X_CLERK_AUTH_REASON, X_CLERK_AUTH_STATUS};

/// Why a protected handler was not allowed to run: what an `on_error` handler receives.
///
/// [`is_authentication`](Self::is_authentication) and
/// [`is_authorization`](Self::is_authorization) tell the two families apart;
/// [`reason`](Self::reason) is Clerk's reason code.
///
/// ```
/// use clerk_runtime::{AuthError, HttpError};
/// fn on_error(err: &AuthError) -> HttpError {
///     if err.is_authorization() {
///         HttpError::new(403, "Admins only")
///     } else {
///         HttpError::new(401, "Please sign in")
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No usable session token: missing, or refused with the reason inside.
    #[error("unauthenticated: {}", .0.full_message())]
    Unauthenticated(SignedOut),
    /// A valid token of a `pending` session (tasks to complete), treated as signed out.
    #[error("unauthenticated: the session is pending")]
    SessionPending,
    /// Signed in, but the authorization check of `#[clerk::protect(…)]` failed.
    #[error("forbidden: the session does not satisfy the route's authorization check")]
    Forbidden,
    /// Signed in, but the injected `User` could not be loaded from the Backend API (the user
    /// was deleted: 404; or the API failed). The default answer is 401 for a deleted user,
    /// else `503 {"error":"Service Unavailable"}`, with `Retry-After` when Clerk answered 429
    /// with one.
    #[error("the user could not be loaded from the Clerk Backend API: {0}")]
    UserUnavailable(crate::api::ApiError),
    /// No `Clerk` was found for the route (neither in the state nor from `ClerkLayer`).
    #[error("Clerk is not configured for this route")]
    NotConfigured,
}

impl AuthError {
    /// Whether the caller is not signed in (missing, invalid or pending session, or a user
    /// that no longer exists).
    pub fn is_authentication(&self) -> bool {
        match self {
            Self::Unauthenticated(_) | Self::SessionPending => true,
            Self::UserUnavailable(e) => e.is_not_found(),
            _ => false,
        }
    }

    /// Whether the Backend API failed while loading the injected `User`.
    pub fn is_backend_failure(&self) -> bool {
        matches!(self, Self::UserUnavailable(e) if !e.is_not_found())
    }

    /// Whether the caller is signed in but not allowed.
    pub fn is_authorization(&self) -> bool {
        matches!(self, Self::Forbidden)
    }

    /// Whether the request carried no credentials at all.
    pub fn is_missing_token(&self) -> bool {
        matches!(self, Self::Unauthenticated(s) if s.reason.is_missing_credentials())
    }

    /// The signed-out details (reason, message, token carrier), for authentication errors.
    pub fn signed_out(&self) -> Option<&SignedOut> {
        match self {
            Self::Unauthenticated(s) => Some(s),
            _ => None,
        }
    }

    /// The reason code: Clerk's (`token-expired`, `session-token-and-uat-missing`, …), or
    /// `session-pending`, `forbidden`, `not-configured`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unauthenticated(s) => s.reason.as_str(),
            Self::SessionPending => "session-pending",
            Self::Forbidden => "forbidden",
            Self::UserUnavailable(e) if e.is_not_found() => "user-not-found",
            Self::UserUnavailable(_) => "user-unavailable",
            Self::NotConfigured => "not-configured",
        }
    }

    /// The reason as an enum, for authentication errors ([`reason`](Self::reason) is its
    /// code as text).
    pub fn code(&self) -> Option<AuthErrorReason> {
        self.signed_out().map(|s| s.reason)
    }

    /// Renamed to [`code`](Self::code), as on every error of this crate.
    #[deprecated(note = "renamed to code")]
    pub fn auth_reason(&self) -> Option<AuthErrorReason> {
        self.code()
    }

    /// The status of the default response: 401, 403, or 500.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) | Self::SessionPending => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::UserUnavailable(e) if e.is_not_found() => StatusCode::UNAUTHORIZED,
            Self::UserUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The default response: `401 {"error":"Unauthenticated"}` with Clerk's
/// `x-clerk-auth-status`/`-reason`/`-message` headers, `403 {"error":"Forbidden"}`, or
/// `500 {"error":"Internal Server Error"}`.
///
/// A 403 names nothing about what was required: the role or permission a route checks is
/// information an attacker can use, and Next.js's `protect()` goes further and answers 404
/// for the same reason. This SDK answers 403 so API clients can tell "sign in" from "not
/// allowed"; an `on_error` handler can answer 404 instead.
impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        // Rejections are answered on the hot path of every refused request (expired and
        // forged tokens included): static bodies and header names, no formatting.
        let mut response = match &self {
            Self::Unauthenticated(_) | Self::SessionPending => {
                static_error(StatusCode::UNAUTHORIZED, UNAUTHENTICATED_BODY)
            }
            Self::Forbidden => static_error(StatusCode::FORBIDDEN, FORBIDDEN_BODY),
            Self::UserUnavailable(e) if e.is_not_found() => {
                static_error(StatusCode::UNAUTHORIZED, UNAUTHENTICATED_BODY)
            }
            Self::UserUnavailable(e) => {
                let mut response = HttpError::new(503, "Service Unavailable").into_response();
                // Clerk asked to wait (429 `Retry-After`): pass the wait on to the client.
                if let Some(wait) = e.retry_after() {
                    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                    response
                        .headers_mut()
                        .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
                }
                response
            }
            Self::NotConfigured => HttpError::internal().into_response(),
        };
        let headers = response.headers_mut();
        match &self {
            Self::Unauthenticated(s) => {
                headers.insert(X_CLERK_AUTH_STATUS, HeaderValue::from_static("signed-out"));
                headers.insert(
                    X_CLERK_AUTH_REASON,
                    HeaderValue::from_static(s.reason.as_str()),
                );
                if let Ok(message) = HeaderValue::try_from(s.full_message()) {
                    headers.insert(X_CLERK_AUTH_MESSAGE, message);
                }
            }
            Self::SessionPending => {
                headers.insert(X_CLERK_AUTH_STATUS, HeaderValue::from_static("signed-out"));
                headers.insert(
                    X_CLERK_AUTH_REASON,
                    HeaderValue::from_static("session-pending"),
                );
            }
            Self::Forbidden | Self::UserUnavailable(_) | Self::NotConfigured => {}
        }
        response
    }
}

/// `HttpError::unauthorized()`'s body, serialised once.
const UNAUTHENTICATED_BODY: &str = r#"{"error":"Unauthenticated"}"#;
/// `HttpError::forbidden()`'s body, serialised once.
const FORBIDDEN_BODY: &str = r#"{"error":"Forbidden"}"#;

fn static_error(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// An HTTP error response: a status, a message, and optional JSON data.
///
/// As a response its body is the data when set, else `{"error": message}`, like the
/// error handler of Clerk's legacy Node SDK (`err.data || {error: err.message}`).
///
/// ```
/// use clerk_runtime::HttpError;
/// let plain = HttpError::new(401, "Unauthorized");
/// let detailed = HttpError::forbidden().with_data(serde_json::json!({"error": "admins only"}));
/// assert_eq!(plain.status().as_u16(), 401);
/// # let _ = detailed;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HttpError {
    status: StatusCode,
    message: Cow<'static, str>,
    data: Option<Value>,
}

impl HttpError {
    /// An error with this status (an invalid code becomes 500) and message.
    pub fn new(status: u16, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status: StatusCode::from_u16(status)
                .ok()
                .filter(|s| s.is_client_error() || s.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: message.into(),
            data: None,
        }
    }

    /// `400 Bad Request` with a message.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, message)
    }

    /// `401 {"error":"Unauthenticated"}`.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthenticated")
    }

    /// `403 {"error":"Forbidden"}`.
    pub fn forbidden() -> Self {
        Self::new(403, "Forbidden")
    }

    /// `404 {"error":"Not Found"}`.
    pub fn not_found() -> Self {
        Self::new(404, "Not Found")
    }

    /// `500 {"error":"Internal Server Error"}`.
    pub fn internal() -> Self {
        Self::new(500, "Internal Server Error")
    }

    /// Uses this JSON value as the body.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON data, when set.
    pub fn data(&self) -> Option<&Value> {
        self.data.as_ref()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for HttpError {}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct ErrorBody<'a> {
            error: &'a str,
        }
        let bytes = match &self.data {
            Some(data) => serde_json::to_vec(data),
            None => serde_json::to_vec(&ErrorBody {
                error: &self.message,
            }),
        }
        .unwrap_or_else(|_| b"{}".to_vec());
        (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response()
    }
}
