//! Svix signature verification, decided as Svix's reference libraries decide.

use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use serde::de::DeserializeOwned;

use super::secret::AsWebhookSecret;
use super::{WebhookError, WebhookSecret, TIMESTAMP_TOLERANCE};

/// The header names, Svix's first and the Standard Webhooks ones as fallback.
const ID_HEADERS: [&str; 2] = ["svix-id", "webhook-id"];
const TIMESTAMP_HEADERS: [&str; 2] = ["svix-timestamp", "webhook-timestamp"];
const SIGNATURE_HEADERS: [&str; 2] = ["svix-signature", "webhook-signature"];

/// The signature headers of a request, read but not yet checked against a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedHeaders<'a> {
    /// `svix-id`: the message id (`msg_…`), the same for every retry of a message.
    pub id: &'a str,
    /// `svix-timestamp`, in Unix seconds.
    pub timestamp: i64,
    /// `svix-signature`: space-separated `<version>,<base64>` entries.
    pub signatures: &'a str,
}

impl<'a> SignedHeaders<'a> {
    /// Reads the three headers (`svix-*`, else `webhook-*`), in Svix's order.
    pub(crate) fn read(headers: &'a HeaderMap) -> Result<Self, WebhookError> {
        let id = header(headers, ID_HEADERS)?;
        let timestamp = header(headers, TIMESTAMP_HEADERS)?;
        let signatures = header(headers, SIGNATURE_HEADERS)?;
        let timestamp = parse_timestamp(timestamp)?;
        Ok(Self {
            id,
            timestamp,
            signatures,
        })
    }

    /// Refuses a timestamp more than the tolerance away from `now` (Unix seconds).
    pub(crate) fn check_timestamp(&self, now: i64) -> Result<(), WebhookError> {
        let tolerance = TIMESTAMP_TOLERANCE.as_secs() as i64;
        if self.timestamp.saturating_add(tolerance) < now {
            Err(WebhookError::TimestampTooOld)
        } else if self.timestamp > now.saturating_add(tolerance) {
            Err(WebhookError::TimestampTooNew)
        } else {
            Ok(())
        }
    }

    /// Whether any `v1` entry is the signature of `body` under `secret`, compared in
    /// constant time. Other versions (`v1a`, `v2`, …) and malformed entries are skipped.
    pub(crate) fn check_signature(
        &self,
        body: &[u8],
        secret: &WebhookSecret,
    ) -> Result<(), WebhookError> {
        let expected = secret.signature(self.id, self.timestamp, body);
        let mut matched = false;
        for entry in self.signatures.split(' ') {
            let Some((version, signature)) = entry.split_once(',') else {
                continue;
            };
            if version != "v1" {
                continue;
            }
            // Constant time in the contents; lengths are public (a base64 SHA-256).
            if aws_lc_rs::constant_time::verify_slices_are_equal(
                signature.as_bytes(),
                expected.as_bytes(),
            )
            .is_ok()
            {
                matched = true;
            }
        }
        if matched {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }
}

/// The `svix-*` header when it is present, else its `webhook-*` equivalent, as Svix's
/// libraries read them (`headers["svix-id"] ?? headers["webhook-id"]`): the fallback is
/// taken only when the `svix-*` header is absent. A present header that is empty (after
/// trimming) is missing, and the other name is not read: an empty `svix-id` next to a
/// valid `webhook-id` is refused, as Svix refuses it.
fn header<'a>(headers: &'a HeaderMap, names: [&'static str; 2]) -> Result<&'a str, WebhookError> {
    let value = headers
        .get(names[0])
        .or_else(|| headers.get(names[1]))
        .ok_or(WebhookError::MissingHeader(names[0]))?;
    let value = value
        .to_str()
        .map_err(|_| WebhookError::InvalidHeader(names[0]))?
        .trim();
    if value.is_empty() {
        return Err(WebhookError::MissingHeader(names[0]));
    }
    Ok(value)
}

/// An integer number of seconds, as Svix's Rust library parses it; negative timestamps
/// are refused.
fn parse_timestamp(value: &str) -> Result<i64, WebhookError> {
    match value.parse::<i64>() {
        Ok(ts) if ts >= 0 => Ok(ts),
        _ => Err(WebhookError::InvalidTimestamp),
    }
}

/// The current Unix time in seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Verifies a webhook as Svix's libraries do, now.
///
/// In order: the `svix-id`, `svix-timestamp` and `svix-signature` headers must be
/// present and non-empty (the Standard Webhooks names `webhook-id`, `webhook-timestamp`
/// and `webhook-signature` are read only when a `svix-*` header is absent, not when it is
/// empty, as in Svix's libraries); the timestamp must
/// be an integer number of seconds within five minutes of now, either way; and one of
/// the space-separated `v1,<base64>` entries of the signature header must be the
/// HMAC-SHA256 of `{svix-id}.{svix-timestamp}.{body}` under the secret, compared in
/// constant time. Entries of other versions (`v1a`, …) are ignored.
///
/// `secret` is a [`WebhookSecret`] or a `whsec_…` string; `body` must be the raw bytes
/// as received (re-serialized JSON does not verify).
///
/// It does not detect replays within the five minutes: see
/// [`ReplayGuard`](super::ReplayGuard), or make your handling idempotent on `svix-id`.
///
/// ```
/// use clerk_runtime::webhooks::{verify, WebhookError, WebhookSecret};
///
/// let secret = WebhookSecret::generate();
/// let body = br#"{"type":"user.deleted","object":"event","data":{"id":"user_1","object":"user","deleted":true}}"#;
/// let now = std::time::SystemTime::now()
///     .duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("svix-id", "msg_1".parse().unwrap());
/// headers.insert("svix-timestamp", now.to_string().parse().unwrap());
/// headers.insert("svix-signature", secret.sign("msg_1", now, body).parse().unwrap());
/// assert_eq!(verify(&headers, body, &secret), Ok(()));
///
/// // One changed byte, or another secret, and it fails.
/// assert_eq!(verify(&headers, b"{}", &secret), Err(WebhookError::NoMatchingSignature));
/// assert_eq!(
///     verify(&headers, body, &WebhookSecret::generate()),
///     Err(WebhookError::NoMatchingSignature),
/// );
/// ```
pub fn verify(
    headers: &HeaderMap,
    body: impl AsRef<[u8]>,
    secret: &(impl AsWebhookSecret + ?Sized),
) -> Result<(), WebhookError> {
    verify_at(headers, body, secret, unix_now())
}

/// [`verify`] with an explicit current time, in Unix seconds (for tests and for
/// re-verifying stored messages).
///
/// ```
/// use clerk_runtime::webhooks::{verify_at, WebhookError};
///
/// // The published test vector of the Standard Webhooks specification (Svix's scheme).
/// let mut headers = http::HeaderMap::new();
/// headers.insert("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap());
/// headers.insert("svix-timestamp", "1614265330".parse().unwrap());
/// headers.insert("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".parse().unwrap());
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let body = br#"{"test": 2432232314}"#;
///
/// assert_eq!(verify_at(&headers, body, secret, 1614265330), Ok(()));
/// assert_eq!(verify_at(&headers, body, secret, 1614265330 + 301), Err(WebhookError::TimestampTooOld));
/// assert_eq!(verify_at(&headers, body, secret, 1614265330 - 301), Err(WebhookError::TimestampTooNew));
/// ```
pub fn verify_at(
    headers: &HeaderMap,
    body: impl AsRef<[u8]>,
    secret: &(impl AsWebhookSecret + ?Sized),
    now: i64,
) -> Result<(), WebhookError> {
    let secret = secret.as_webhook_secret()?;
    let signed = SignedHeaders::read(headers)?;
    signed.check_timestamp(now)?;
    signed.check_signature(body.as_ref(), &secret)
}

/// [`verify`], then parses the body as `T` (like `verifyWebhook` of `@clerk/backend`,
/// which returns the event). A body that verifies but does not parse is
/// [`WebhookError::InvalidPayload`].
///
/// ```
/// use clerk_runtime::webhooks::{verify_event, WebhookEvent, WebhookSecret};
/// # fn handle(headers: &http::HeaderMap, body: &[u8], secret: &WebhookSecret) -> Result<(), Box<dyn std::error::Error>> {
/// match verify_event::<WebhookEvent>(headers, body, secret)? {
///     WebhookEvent::UserCreated(user) => println!("welcome {}", user.id),
///     WebhookEvent::UserDeleted(deleted) => println!("bye {:?}", deleted.id),
///     other => println!("ignoring {}", other.event_type()),
/// }
/// # Ok(()) }
/// ```
pub fn verify_event<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: impl AsRef<[u8]>,
    secret: &(impl AsWebhookSecret + ?Sized),
) -> Result<T, WebhookError> {
    let body = body.as_ref();
    verify(headers, body, secret)?;
    serde_json::from_slice(body).map_err(|e| WebhookError::InvalidPayload(e.to_string()))
}
