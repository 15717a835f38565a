//! [`ApiError`]: what a Backend API call can fail with.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::models::Metadata;

/// One entry of a Clerk error body (`ClerkErrors.errors[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClerkErrorItem {
    /// Machine-readable code, e.g. `resource_not_found`, `form_identifier_exists`.
    #[serde(default)]
    pub code: String,
    /// Short message.
    #[serde(default)]
    pub message: String,
    /// Longer explanation.
    #[serde(default)]
    pub long_message: Option<String>,
    /// Free-form details, e.g. `{"param_name": "email_address"}`.
    #[serde(default)]
    pub meta: Option<Metadata>,
}

#[derive(Deserialize)]
pub(crate) struct ClerkErrorBody {
    #[serde(default)]
    pub errors: Vec<ClerkErrorItem>,
    #[serde(default)]
    pub clerk_trace_id: Option<String>,
}

/// A Backend API call failed.
///
/// Match on the variant, or ask [`status`](Self::status) and [`has_code`](Self::has_code):
///
/// ```
/// # async fn run(clerk: clerk_runtime::Clerk) {
/// match clerk.users().get("user_123").await {
///     Ok(user) => println!("{:?}", user.first_name),
///     Err(err) if err.has_code("resource_not_found") => println!("no such user"),
///     Err(err) => println!("Backend API failure: {err}"),
/// }
/// # }
/// ```
#[derive(Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The Backend API answered with an error status.
    #[error("{}", describe_response(*.status, .errors, .body.as_deref(), .clerk_trace_id.as_deref()))]
    Response {
        /// HTTP status.
        status: u16,
        /// The error entries of a JSON error body (empty when the body was not JSON).
        errors: Vec<ClerkErrorItem>,
        /// The trace id: body `clerk_trace_id`, else the `Clerk-Trace-Id` or `cf-ray` header.
        clerk_trace_id: Option<String>,
        /// `Retry-After`, when the API sent one (429).
        retry_after: Option<Duration>,
        /// The start of a body that was not a Clerk JSON error (a proxy's HTML page, …).
        body: Option<String>,
    },
    /// The API could not be reached, or the connection broke.
    #[error("could not reach the Clerk Backend API: {0}")]
    Network(String),
    /// No answer within the configured timeout.
    #[error("the Clerk Backend API did not answer in time")]
    Timeout,
    /// A success answer whose body is not what the API documents.
    #[error("unexpected Backend API response body: {0}")]
    Decode(String),
    /// No secret key is configured, so the Backend API cannot be called.
    #[error("no Clerk secret key is configured (CLERK_SECRET_KEY)")]
    MissingSecretKey,
    /// A request parameter could not be encoded.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Not sent: the Backend API answered 429 to this instance (any caller of it) less than
    /// its `Retry-After` ago, and no call is made until that wait has elapsed (see
    /// [`RetryPolicy`](crate::api::RetryPolicy)). [`retry_after`](ApiError::retry_after)
    /// is what remains of it; [`is_rate_limited`](ApiError::is_rate_limited) is true.
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk) {
    /// use clerk_runtime::api::ApiError;
    /// match clerk.users().get("user_123").await {
    ///     Err(ApiError::BackingOff { retry_after }) => println!("rate-limited, {retry_after:?} to go"),
    ///     Err(err) if err.is_rate_limited() => println!("Clerk said 429 just now: {err}"),
    ///     other => println!("{other:?}"),
    /// }
    /// # }
    /// ```
    #[error("not sent: the Clerk Backend API rate-limited this instance; calls resume in {} ms", .retry_after.as_millis())]
    BackingOff {
        /// How long until calls are sent again.
        retry_after: Duration,
    },
}

fn describe_response(
    status: u16,
    errors: &[ClerkErrorItem],
    body: Option<&str>,
    trace: Option<&str>,
) -> String {
    let mut out = format!("Clerk Backend API error {status}");
    if let Some(first) = errors.first() {
        let text = first
            .long_message
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(&first.message);
        if first.code.is_empty() {
            out.push_str(&format!(": {text}"));
        } else {
            out.push_str(&format!(": {text} ({})", first.code));
        }
        if let Some(param) = first
            .meta
            .as_ref()
            .and_then(|m| m.get("param_name"))
            .and_then(|p| p.as_str())
        {
            out.push_str(&format!(" [param {param}]"));
        }
        if errors.len() > 1 {
            out.push_str(&format!(" and {} more", errors.len() - 1));
        }
    } else if let Some(text) = body.map(readable_text).filter(|t| !t.is_empty()) {
        out.push_str(&format!(": {text}"));
    }
    if let Some(trace) = trace {
        out.push_str(&format!(" [trace {trace}]"));
    }
    out
}

/// The text of a body that is not a Clerk error: an HTML page (a proxy's or gateway's)
/// loses its tags, `<head>`, scripts and styles; whitespace is collapsed.
fn readable_text(body: &str) -> String {
    let trimmed = body.trim_start();
    let text = if trimmed.starts_with('<') {
        let mut text = String::new();
        let mut rest = trimmed;
        let mut skip_until: Option<&str> = None;
        while let Some(open) = rest.find('<') {
            if skip_until.is_none() {
                text.push_str(&rest[..open]);
                text.push(' ');
            }
            let tag_end = rest[open..].find('>').map_or(rest.len(), |i| open + i + 1);
            let tag = rest[open..tag_end].to_ascii_lowercase();
            match skip_until {
                Some(end) if tag.starts_with(end) => skip_until = None,
                Some(_) => {}
                None if tag.starts_with("<head") => skip_until = Some("</head"),
                None if tag.starts_with("<script") => skip_until = Some("</script"),
                None if tag.starts_with("<style") => skip_until = Some("</style"),
                None => {}
            }
            rest = &rest[tag_end..];
        }
        if skip_until.is_none() {
            text.push_str(rest);
        }
        text.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    } else {
        body.to_owned()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Response {
                status,
                errors,
                clerk_trace_id,
                retry_after,
                body,
            } => f
                .debug_struct("Response")
                .field("status", status)
                .field("errors", errors)
                .field("clerk_trace_id", clerk_trace_id)
                .field("retry_after", retry_after)
                .field("body", body)
                .finish(),
            Self::Network(e) => f.debug_tuple("Network").field(e).finish(),
            Self::Timeout => f.write_str("Timeout"),
            Self::Decode(e) => f.debug_tuple("Decode").field(e).finish(),
            Self::MissingSecretKey => f.write_str("MissingSecretKey"),
            Self::InvalidRequest(e) => f.debug_tuple("InvalidRequest").field(e).finish(),
            Self::BackingOff { retry_after } => f
                .debug_struct("BackingOff")
                .field("retry_after", retry_after)
                .finish(),
        }
    }
}

impl ApiError {
    /// The HTTP status, for [`ApiError::Response`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Response { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error entries of the body.
    pub fn errors(&self) -> &[ClerkErrorItem] {
        match self {
            Self::Response { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether any entry has this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors().iter().any(|e| e.code == code)
    }

    /// The trace id, to quote to Clerk support.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Response { clerk_trace_id, .. } => clerk_trace_id.as_deref(),
            _ => None,
        }
    }

    /// `Retry-After` of a 429, or what remains of it for [`ApiError::BackingOff`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Response { retry_after, .. } => *retry_after,
            Self::BackingOff { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// A 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// A 429, or a call not sent because of one ([`ApiError::BackingOff`]).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429) || matches!(self, Self::BackingOff { .. })
    }

    /// Whether retrying the same call later may succeed: 429 (or not sent because of one),
    /// any 5xx (the spec's retry policy), a network failure or a timeout.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Response { status, .. } => *status == 429 || (500..=599).contains(status),
            Self::Network(_) | Self::Timeout | Self::BackingOff { .. } => true,
            _ => false,
        }
    }
}
