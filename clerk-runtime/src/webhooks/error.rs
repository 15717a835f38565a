//! [`WebhookError`]: why a webhook was refused, and the response it amounts to.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Why a webhook was refused (or a secret could not be read).
///
/// The variants are what Svix's libraries distinguish, plus what the
/// [`Webhook`](super::Webhook) extractor adds (body size, replays, payload parsing).
/// [`reason`](Self::reason) is a stable kebab-case code, [`status`](Self::status) the
/// HTTP status of the default response. Neither the messages nor the response ever
/// contain a signature, a secret or the payload.
///
/// ```
/// use clerk_runtime::webhooks::{verify, WebhookError, WebhookSecret};
/// let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let err = verify(&http::HeaderMap::new(), b"{}", &secret).unwrap_err();
/// assert_eq!(err, WebhookError::MissingHeader("svix-id"));
/// assert_eq!(err.reason(), "missing-header");
/// assert_eq!(err.status().as_u16(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent or empty: `svix-id`, `svix-timestamp` or
    /// `svix-signature` (or its `webhook-*` equivalent). 400.
    #[error("missing the {0} header")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII. 400.
    #[error("the {0} header is not valid")]
    InvalidHeader(&'static str),
    /// `svix-timestamp` is not a non-negative integer number of seconds. 400.
    #[error("the svix-timestamp header is not a Unix timestamp in seconds")]
    InvalidTimestamp,
    /// `svix-timestamp` is more than five minutes in the past. 400.
    #[error("the webhook timestamp is too old")]
    TimestampTooOld,
    /// `svix-timestamp` is more than five minutes in the future. 400.
    #[error("the webhook timestamp is too far in the future")]
    TimestampTooNew,
    /// No `v1` entry of `svix-signature` is the HMAC of this id, timestamp and body under
    /// the secret. 400.
    #[error("no webhook signature matches the payload")]
    NoMatchingSignature,
    /// The message id was already accepted within the timestamp tolerance
    /// (see [`ReplayGuard`](super::ReplayGuard)). 409.
    #[error("this webhook message was already received")]
    Replayed,
    /// The body is larger than the configured limit. 413.
    #[error("the webhook body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body could not be read (the connection failed). 400.
    #[error("the webhook body could not be read")]
    BodyUnreadable,
    /// The signature is valid but the body is not the expected JSON; the text is the
    /// parser's message, for logs (the response does not include it). 400.
    #[error("the webhook payload is not valid: {0}")]
    InvalidPayload(String),
    /// The signing secret is not `whsec_<base64>` or base64 (or decodes to nothing). 500
    /// in a response: a configuration error.
    #[error("the webhook signing secret is invalid: {0}")]
    InvalidSecret(&'static str),
    /// `CLERK_WEBHOOK_SIGNING_SECRET` is not set. 500 in a response.
    #[error("the webhook signing secret is not set (CLERK_WEBHOOK_SIGNING_SECRET)")]
    MissingSecret,
    /// No [`WebhookConfig`](super::WebhookConfig) for the route (neither in the state nor
    /// as a request extension). 500.
    #[error("webhooks are not configured for this route")]
    NotConfigured,
}

impl WebhookError {
    /// The stable reason code: `missing-header`, `invalid-header`, `invalid-timestamp`,
    /// `timestamp-too-old`, `timestamp-too-new`, `no-matching-signature`, `replayed`,
    /// `payload-too-large`, `body-unreadable`, `invalid-payload`, `invalid-secret`,
    /// `missing-secret`, `not-configured`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) => "missing-header",
            Self::InvalidHeader(_) => "invalid-header",
            Self::InvalidTimestamp => "invalid-timestamp",
            Self::TimestampTooOld => "timestamp-too-old",
            Self::TimestampTooNew => "timestamp-too-new",
            Self::NoMatchingSignature => "no-matching-signature",
            Self::Replayed => "replayed",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::BodyUnreadable => "body-unreadable",
            Self::InvalidPayload(_) => "invalid-payload",
            Self::InvalidSecret(_) => "invalid-secret",
            Self::MissingSecret => "missing-secret",
            Self::NotConfigured => "not-configured",
        }
    }

    /// The status of the default response: 400, except 409 for a replay, 413 for an
    /// oversized body, and 500 for configuration errors.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Replayed => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidSecret(_) | Self::MissingSecret | Self::NotConfigured => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the request failed signature verification (headers, timestamp or
    /// signature): the sender is not proven to be Clerk.
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            Self::MissingHeader(_)
                | Self::InvalidHeader(_)
                | Self::InvalidTimestamp
                | Self::TimestampTooOld
                | Self::TimestampTooNew
                | Self::NoMatchingSignature
        )
    }

    /// The message of the response body: fixed text, without the parser's details.
    fn public_message(&self) -> String {
        match self {
            Self::InvalidPayload(_) => "the webhook payload is not valid".to_owned(),
            Self::InvalidSecret(_) | Self::MissingSecret | Self::NotConfigured => {
                "webhooks are not configured".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// `{"error": "<reason>", "message": "<text>"}` with [`status`](WebhookError::status).
/// Configuration errors (500) are logged at `error` level; the body never names the
/// secret, a signature, or a parser message.
impl IntoResponse for WebhookError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(reason = self.reason(), "clerk: webhook rejected: {self}");
        } else {
            tracing::debug!(reason = self.reason(), "clerk: webhook rejected: {self}");
        }
        let body = serde_json::json!({
            "error": self.reason(),
            "message": self.public_message(),
        });
        (
            self.status(),
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body.to_string(),
        )
            .into_response()
    }
}
