//! The axum extractor [`Webhook`] and its [`WebhookConfig`].

use std::fmt;
use std::ops::{Deref, DerefMut};

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequest, Request};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use super::verify::{unix_now, SignedHeaders};
use super::{EventEnvelope, ReplayGuard, WebhookError, WebhookEvent, WebhookSecret};

/// The default body limit of the [`Webhook`] extractor: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// How the [`Webhook`] extractor verifies: the signing secret, the body limit, and the
/// replay guard.
///
/// Put it in the router state (derive `FromRef`, as for `Clerk`), or add it to a
/// `Router<()>` with `.layer(axum::Extension(config))`. When both are present, the
/// state's wins, as for `Clerk`: it is the more specific one (it belongs to the routes
/// that hold it, where a layer may wrap a whole app). Cloning is cheap and clones share
/// the replay guard.
///
/// ```
/// use clerk_runtime::webhooks::{ReplayGuard, WebhookConfig, WebhookSecret};
/// let config = WebhookConfig::new(WebhookSecret::generate())
///     .max_body_bytes(256 * 1024)
///     .replay_guard(ReplayGuard::with_capacity(10_000));
/// assert_eq!(config.body_limit(), 256 * 1024);
/// ```
#[derive(Clone)]
pub struct WebhookConfig {
    secret: WebhookSecret,
    max_body_bytes: usize,
    replay_guard: Option<ReplayGuard>,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("secret", &self.secret)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("replay_guard", &self.replay_guard)
            .finish()
    }
}

impl From<WebhookSecret> for WebhookConfig {
    fn from(secret: WebhookSecret) -> Self {
        Self::new(secret)
    }
}

impl WebhookConfig {
    /// Verifies with this secret, a body limit of [`DEFAULT_MAX_BODY_BYTES`] and a new
    /// [`ReplayGuard`] (on by default).
    pub fn new(secret: WebhookSecret) -> Self {
        Self {
            secret,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            replay_guard: Some(ReplayGuard::new()),
        }
    }

    /// [`WebhookConfig::new`] with the secret of `CLERK_WEBHOOK_SIGNING_SECRET`.
    pub fn from_env() -> Result<Self, WebhookError> {
        WebhookSecret::from_env().map(Self::new)
    }

    /// Refuses bodies larger than this many bytes with 413 (default 1 MiB), before
    /// buffering them.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Uses this replay guard (for example one shared by several routes or configs).
    pub fn replay_guard(mut self, guard: ReplayGuard) -> Self {
        self.replay_guard = Some(guard);
        self
    }

    /// Turns replay detection off: a replay within the five-minute tolerance is then
    /// accepted again, as with Svix's libraries alone. Make your handler idempotent on
    /// [`Webhook::id`].
    pub fn without_replay_guard(mut self) -> Self {
        self.replay_guard = None;
        self
    }

    /// The signing secret.
    pub fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    /// The body limit, in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// The replay guard, when on.
    pub fn guard(&self) -> Option<&ReplayGuard> {
        self.replay_guard.as_ref()
    }
}

/// A router state that may carry a [`WebhookConfig`]: any state with
/// `WebhookConfig: FromRef<State>`, and `()` (whose routes need
/// `.layer(axum::Extension(config))`).
#[diagnostic::on_unimplemented(
    message = "the router state `{Self}` does not provide a `clerk::webhooks::WebhookConfig`",
    label = "no `WebhookConfig` in this state",
    note = "add a `webhooks: clerk::webhooks::WebhookConfig` field to the state and `#[derive(axum::extract::FromRef)]`, or use `Router<()>` with `.layer(axum::Extension(config))`"
)]
pub trait WebhookConfigFromState {
    /// The configuration held by the state, if any.
    fn webhook_config(&self) -> Option<WebhookConfig>;
}

impl WebhookConfigFromState for () {
    fn webhook_config(&self) -> Option<WebhookConfig> {
        None
    }
}

impl<S> WebhookConfigFromState for S
where
    WebhookConfig: FromRef<S>,
{
    fn webhook_config(&self) -> Option<WebhookConfig> {
        Some(WebhookConfig::from_ref(self))
    }
}

/// A verified Clerk webhook whose JSON body is parsed as `T` (by default the typed
/// [`WebhookEvent`]).
///
/// The extractor reads the `svix-*` headers and checks the timestamp, then reads the
/// body (at most [`WebhookConfig::max_body_bytes`]), then checks the signature, then
/// the [`ReplayGuard`], and only then parses the body. Any failure answers with
/// [`WebhookError`]'s response: 400 `{"error": "<reason>", "message": …}` for headers,
/// timestamps, signatures and unparsable payloads, 409 for a replayed message id, 413
/// for an oversized body, 500 when the route has no [`WebhookConfig`]. The body is
/// never parsed before the signature is checked.
///
/// It consumes the body, so it must be the last extractor. Dereferences to `T`.
///
/// When your handler fails after extracting (it answers non-2xx and wants Svix to retry
/// soon), call [`allow_retry`](Self::allow_retry): otherwise the retry of that message
/// within five minutes is refused as a replay (and the one after succeeds).
///
/// ```
/// use axum::{extract::FromRef, http::StatusCode, routing::post, Router};
/// use clerk_runtime::webhooks::{Webhook, WebhookConfig, WebhookEvent};
///
/// #[derive(Clone)]
/// struct AppState { webhooks: WebhookConfig }
/// impl FromRef<AppState> for WebhookConfig {
///     fn from_ref(state: &AppState) -> Self { state.webhooks.clone() }
/// }
///
/// async fn clerk_webhook(event: Webhook<WebhookEvent>) -> StatusCode {
///     match &*event {
///         WebhookEvent::UserCreated(user) => println!("new user {}", user.id),
///         WebhookEvent::UserDeleted(deleted) => println!("deleted {:?}", deleted.id),
///         other => println!("{} (message {})", other.event_type(), event.id()),
///     }
///     StatusCode::NO_CONTENT
/// }
///
/// fn app(webhooks: WebhookConfig) -> Router {
///     Router::new()
///         .route("/webhooks/clerk", post(clerk_webhook))
///         .with_state(AppState { webhooks })
/// }
/// ```
pub struct Webhook<T = WebhookEvent> {
    payload: T,
    id: String,
    timestamp: i64,
    body: Bytes,
    guard: Option<ReplayGuard>,
}

impl<T: fmt::Debug> fmt::Debug for Webhook<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("payload", &self.payload)
            .finish_non_exhaustive()
    }
}

impl<T> Webhook<T> {
    /// The message id (`svix-id`, `msg_…`): the same for every delivery attempt of a
    /// message, so the key for idempotent processing.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The signed `svix-timestamp` of this delivery attempt, in Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The verified body, exactly as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The envelope fields of the payload (`type`, `timestamp` in ms, `instance_id`,
    /// `event_attributes`), read from the body on each call; `None` when the body is not
    /// a JSON object of that shape.
    pub fn envelope(&self) -> Option<EventEnvelope> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Forgets this message id in the replay guard, so that Svix's next retry of it is
    /// accepted: call it when you answer with an error after extracting. Does nothing
    /// without a guard.
    pub fn allow_retry(&self) {
        if let Some(guard) = &self.guard {
            guard.forget(&self.id);
        }
    }

    /// The parsed payload.
    pub fn into_inner(self) -> T {
        self.payload
    }
}

impl<T> Deref for Webhook<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.payload
    }
}

impl<T> DerefMut for Webhook<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.payload
    }
}

impl<S, T> FromRequest<S> for Webhook<T>
where
    S: WebhookConfigFromState + Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebhookError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // The state's configuration, the more specific one, wins over a layer's.
        let config = match state.webhook_config() {
            Some(config) => config,
            None => req
                .extensions()
                .get::<WebhookConfig>()
                .cloned()
                .ok_or_else(|| {
                    tracing::error!(
                        path = req.uri().path(),
                        "clerk: no `WebhookConfig` for this route: put one in the router state, or add `.layer(axum::Extension(config))`"
                    );
                    WebhookError::NotConfigured
                })?,
        };
        let (parts, body) = req.into_parts();

        // Headers and timestamp first: a forged or stale request costs no body read.
        let signed = SignedHeaders::read(&parts.headers)?;
        signed.check_timestamp(unix_now())?;

        let body = read_body(&parts.headers, body, config.max_body_bytes).await?;
        signed.check_signature(&body, &config.secret)?;

        if let Some(guard) = &config.replay_guard {
            guard.check_and_record(signed.id, signed.timestamp)?;
        }
        let payload = match serde_json::from_slice::<T>(&body) {
            Ok(payload) => payload,
            Err(e) => {
                if let Some(guard) = &config.replay_guard {
                    guard.forget(signed.id);
                }
                return Err(WebhookError::InvalidPayload(e.to_string()));
            }
        };
        Ok(Self {
            payload,
            id: signed.id.to_owned(),
            timestamp: signed.timestamp,
            body,
            guard: config.replay_guard,
        })
    }
}

/// Buffers the body, refusing more than `limit` bytes (by `Content-Length` up front,
/// then while reading).
async fn read_body(
    headers: &http::HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, WebhookError> {
    let too_large = WebhookError::PayloadTooLarge { limit };
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large);
    }
    let capacity = declared.map_or(0, |len| len as usize).min(limit);
    let mut buf = Vec::with_capacity(capacity);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| WebhookError::BodyUnreadable)?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}
