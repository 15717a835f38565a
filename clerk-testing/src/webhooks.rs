//! Signed webhooks from the mock instance, as Clerk (through Svix) sends them.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::{random_id, MockClerk};
use clerk_runtime::webhooks::{WebhookConfig, WebhookSecret};

/// The `User-Agent` of the mock's webhook requests.
const USER_AGENT: &str = "Svix-Webhooks/1.0 (clerk-rs MockClerk)";

impl MockClerk {
    /// The signing secret of the mock's webhook endpoint: `whsec_…`, 24 bytes derived
    /// from the instance's secret key (stable for the instance's lifetime).
    pub fn webhook_secret(&self) -> WebhookSecret {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.secret_key().as_bytes());
        let tag = hmac::sign(&key, b"clerk-rs MockClerk webhook signing secret");
        WebhookSecret::from_bytes(&tag.as_ref()[..24]).expect("24 bytes are not empty")
    }

    /// A [`WebhookConfig`] for the mock's secret (default limit, a fresh replay guard).
    pub fn webhook_config(&self) -> WebhookConfig {
        WebhookConfig::new(self.webhook_secret())
    }

    /// The `instance_id` of the mock's webhook payloads (`ins_…`).
    pub fn instance_id(&self) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.secret_key().as_bytes());
        let tag = hmac::sign(&key, b"clerk-rs MockClerk instance id");
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let id: String = tag.as_ref()[..27]
            .iter()
            .map(|b| CHARS[*b as usize % CHARS.len()] as char)
            .collect();
        format!("ins_{id}")
    }

    /// The headers Svix sends for this message, signed with the mock's secret:
    /// `svix-id`, `svix-timestamp` (Unix seconds), `svix-signature` (`v1,<base64>`),
    /// `content-type: application/json`. Combine with other ids, timestamps or bodies to
    /// craft stale, replayed or tampered requests.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use clerk_testing::MockClerk;
    /// use clerk_runtime::webhooks::{verify_at, WebhookError};
    /// let mock = MockClerk::start().await;
    /// let headers = mock.sign_webhook("msg_1", 1_700_000_000, b"{}");
    /// assert_eq!(verify_at(&headers, b"{}", &mock.webhook_secret(), 1_700_000_000), Ok(()));
    /// assert_eq!(
    ///     verify_at(&headers, b"{}", &mock.webhook_secret(), 1_700_000_000 + 600),
    ///     Err(WebhookError::TimestampTooOld),
    /// );
    /// # }
    /// ```
    pub fn sign_webhook(&self, id: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
        signed_headers(&self.webhook_secret(), id, timestamp, body)
    }

    /// The JSON payload Clerk sends for an event: `{"data", "object": "event", "type",
    /// "timestamp" (now, ms), "instance_id", "event_attributes"}`.
    pub fn webhook_payload(&self, event_type: &str, data: Value) -> Value {
        serde_json::json!({
            "data": data,
            "event_attributes": {
                "http_request": {
                    "client_ip": "127.0.0.1",
                    "user_agent": "Mozilla/5.0 (clerk-rs MockClerk)",
                }
            },
            "instance_id": self.instance_id(),
            "object": "event",
            "timestamp": now_millis(),
            "type": event_type,
        })
    }

    /// A webhook request to customize (id, timestamp, secret, signature, body, header
    /// names) before [`send`](MockWebhook::send)ing it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use clerk_testing::MockClerk;
    /// use clerk_runtime::webhooks::WebhookSecret;
    /// let mock = MockClerk::start().await;
    /// let forged = mock
    ///     .webhook("user.created", serde_json::json!({"id": "user_1", "object": "user"}))
    ///     .secret(WebhookSecret::generate())          // signed with another secret
    ///     .timestamp_offset_secs(-600);               // ten minutes old
    /// let headers = forged.headers();
    /// assert!(headers.contains_key("svix-signature"));
    /// # }
    /// ```
    pub fn webhook(&self, event_type: &str, data: Value) -> MockWebhook {
        let body = serde_json::to_vec(&self.webhook_payload(event_type, data))
            .expect("a JSON value serializes");
        MockWebhook {
            secret: self.webhook_secret(),
            id: format!("msg_{}", random_id(27)),
            timestamp: now_secs(),
            body,
            signature: None,
            prefix: "svix",
        }
    }

    /// Sends a signed `event_type` webhook with this `data` (the payload of
    /// [`webhook_payload`](Self::webhook_payload), a fresh `msg_…` id, now) to `url`,
    /// and returns the response.
    ///
    /// # Panics
    ///
    /// When the request cannot be sent (connection refused, …): this is a test helper.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use axum::{http::StatusCode, routing::post, Router};
    /// use clerk_runtime::webhooks::Webhook;
    /// let mock = clerk_testing::MockClerk::start().await;
    /// # let receiver = Router::new()
    /// #     .route("/webhooks/clerk", post(|_: Webhook| async { StatusCode::OK }))
    /// #     .with_state(mock.webhook_config());
    /// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let url = format!("http://{}/webhooks/clerk", listener.local_addr().unwrap());
    /// # tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    /// // `url`: a receiver verifying with `mock.webhook_config()` (answering 200).
    /// let user = mock.create_user(&Default::default()).unwrap();
    /// let data = mock.user_object(&user.id).unwrap();
    /// let response = mock.send_webhook(&url, "user.created", data).await;
    /// assert_eq!(response.status(), 200);
    /// # }
    /// ```
    pub async fn send_webhook(
        &self,
        url: &str,
        event_type: &str,
        data: Value,
    ) -> reqwest::Response {
        self.webhook(event_type, data).send(url).await
    }
}

/// A webhook request of the mock, signed when sent: change the id, timestamp, secret,
/// signature header, body or header names to test how a receiver refuses it.
#[derive(Debug, Clone)]
pub struct MockWebhook {
    secret: WebhookSecret,
    id: String,
    timestamp: i64,
    body: Vec<u8>,
    signature: Option<String>,
    prefix: &'static str,
}

impl MockWebhook {
    /// The message id (`svix-id`); default a fresh `msg_…`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The `svix-timestamp` (Unix seconds); default now.
    pub fn timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// Moves the timestamp by this many seconds (negative: in the past).
    pub fn timestamp_offset_secs(mut self, offset: i64) -> Self {
        self.timestamp = self.timestamp.saturating_add(offset);
        self
    }

    /// Signs with another secret (a forgery).
    pub fn secret(mut self, secret: WebhookSecret) -> Self {
        self.secret = secret;
        self
    }

    /// Sends this `svix-signature` value verbatim instead of the computed one.
    pub fn signature(mut self, header: impl Into<String>) -> Self {
        self.signature = Some(header.into());
        self
    }

    /// Replaces the body (signed as is, unless a [`signature`](Self::signature) is set).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Uses the Standard Webhooks header names (`webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`) instead of `svix-*`.
    pub fn standard_headers(mut self) -> Self {
        self.prefix = "webhook";
        self
    }

    /// The message id.
    pub fn message_id(&self) -> &str {
        &self.id
    }

    /// The body that will be sent.
    pub fn payload(&self) -> &[u8] {
        &self.body
    }

    /// The `v1,<base64>` signature of the id, timestamp and body under the secret.
    pub fn computed_signature(&self) -> String {
        self.secret.sign(&self.id, self.timestamp, &self.body)
    }

    /// The request headers (signature, id, timestamp, `content-type`).
    pub fn headers(&self) -> HeaderMap {
        let mut headers = signed_headers(&self.secret, &self.id, self.timestamp, &self.body);
        if self.prefix != "svix" {
            for name in ["id", "timestamp", "signature"] {
                if let Some(value) = headers.remove(format!("svix-{name}").as_str()) {
                    headers.insert(
                        http::HeaderName::try_from(format!("{}-{name}", self.prefix))
                            .expect("a valid header name"),
                        value,
                    );
                }
            }
        }
        if let Some(signature) = &self.signature {
            let name = format!("{}-signature", self.prefix);
            match HeaderValue::from_str(signature) {
                Ok(value) => {
                    headers.insert(
                        http::HeaderName::try_from(name).expect("a valid header name"),
                        value,
                    );
                }
                Err(_) => panic!("the signature header is not a valid header value"),
            }
        }
        headers
    }

    /// POSTs the webhook to `url` and returns the response.
    ///
    /// # Panics
    ///
    /// When the request cannot be sent: this is a test helper.
    pub async fn send(self, url: &str) -> reqwest::Response {
        let headers = self.headers();
        reqwest::Client::new()
            .post(url)
            .headers(headers)
            .header(http::header::USER_AGENT, USER_AGENT)
            .body(self.body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("sending the webhook to {url} failed: {e}"))
    }
}

fn signed_headers(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = |s: &str| HeaderValue::from_str(s).expect("a valid header value");
    headers.insert("svix-id", value(id));
    headers.insert("svix-timestamp", value(&timestamp.to_string()));
    headers.insert("svix-signature", value(&secret.sign(id, timestamp, body)));
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
