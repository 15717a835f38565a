//! [`WebhookSecret`]: the signing secret of a webhook endpoint, and the Svix signature.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use aws_lc_rs::hmac;
use base64::Engine as _;

use super::WebhookError;

/// The environment variable Clerk's SDKs read the signing secret from.
pub const SIGNING_SECRET_ENV: &str = "CLERK_WEBHOOK_SIGNING_SECRET";

const PREFIX: &str = "whsec_";

/// The signing secret of a webhook endpoint (Clerk Dashboard → Webhooks → the endpoint →
/// *Signing Secret*): `whsec_` followed by base64.
///
/// Like Svix's libraries, it also accepts the base64 part alone. Surrounding whitespace
/// is ignored; a secret that is not base64, or decodes to nothing, is refused. `Debug`
/// prints `WebhookSecret(<redacted>)`; there is no `Display`.
///
/// ```
/// use clerk_runtime::webhooks::WebhookSecret;
/// let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
/// assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
/// assert_eq!(
///     secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#),
///     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
/// );
/// assert!(WebhookSecret::new("whsec_not base64!").is_err());
/// ```
#[derive(Clone)]
pub struct WebhookSecret {
    key: Arc<hmac::Key>,
    raw: Arc<[u8]>,
}

impl WebhookSecret {
    /// Parses `whsec_<base64>` (or bare base64).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(WebhookError::InvalidSecret("empty"));
        }
        let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
        let engine = base64::engine::general_purpose::STANDARD;
        let bytes = engine
            .decode(encoded)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| WebhookError::InvalidSecret("not base64 after `whsec_`"))?;
        Self::from_bytes(bytes)
    }

    /// A secret from its raw key bytes (the decoded base64). Empty keys are refused: an
    /// HMAC under an empty key proves nothing.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, WebhookError> {
        let bytes: Vec<u8> = bytes.into();
        if bytes.is_empty() {
            return Err(WebhookError::InvalidSecret("the key is empty"));
        }
        Ok(Self {
            key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, &bytes)),
            raw: bytes.into(),
        })
    }

    /// Reads `CLERK_WEBHOOK_SIGNING_SECRET`, the variable Clerk's own SDKs read.
    ///
    /// ```no_run
    /// let secret = clerk_runtime::webhooks::WebhookSecret::from_env()?;
    /// # Ok::<(), clerk_runtime::webhooks::WebhookError>(())
    /// ```
    pub fn from_env() -> Result<Self, WebhookError> {
        match std::env::var(SIGNING_SECRET_ENV) {
            Ok(value) if !value.trim().is_empty() => Self::new(&value),
            Ok(_) | Err(std::env::VarError::NotPresent) => Err(WebhookError::MissingSecret),
            Err(std::env::VarError::NotUnicode(_)) => Err(WebhookError::InvalidSecret(
                "CLERK_WEBHOOK_SIGNING_SECRET is not UTF-8",
            )),
        }
    }

    /// A new random secret of 24 bytes, the size Svix generates (for tests and local
    /// senders).
    ///
    /// ```
    /// let secret = clerk_runtime::webhooks::WebhookSecret::generate();
    /// assert!(secret.expose_secret().starts_with("whsec_"));
    /// ```
    pub fn generate() -> Self {
        use rand::RngCore as _;
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_bytes(bytes.to_vec()).expect("24 bytes are not empty")
    }

    /// The secret as `whsec_<base64>`, e.g. to hand it to a sender. Treat it as a
    /// password.
    pub fn expose_secret(&self) -> String {
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(&self.raw)
        )
    }

    /// The `svix-signature` entry of a message: `v1,` and the base64 HMAC-SHA256 of
    /// `{id}.{timestamp}.{body}`, exactly as Svix signs.
    ///
    /// ```
    /// use clerk_runtime::webhooks::WebhookSecret;
    /// let secret = WebhookSecret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    /// let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    /// assert_eq!(
    ///     secret.sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body),
    ///     "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    /// );
    /// ```
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", self.signature(id, timestamp, body))
    }

    /// The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    pub(crate) fn signature(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(id.as_bytes());
        ctx.update(b".");
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        base64::engine::general_purpose::STANDARD.encode(ctx.sign().as_ref())
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl FromStr for WebhookSecret {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// What [`verify`](super::verify) accepts as a secret: a [`WebhookSecret`], or a
/// `whsec_…` string (`str`, `String`) parsed on each call.
pub trait AsWebhookSecret {
    /// The parsed secret.
    fn as_webhook_secret(&self) -> Result<Cow<'_, WebhookSecret>, WebhookError>;
}

impl AsWebhookSecret for WebhookSecret {
    fn as_webhook_secret(&self) -> Result<Cow<'_, WebhookSecret>, WebhookError> {
        Ok(Cow::Borrowed(self))
    }
}

impl AsWebhookSecret for str {
    fn as_webhook_secret(&self) -> Result<Cow<'_, WebhookSecret>, WebhookError> {
        WebhookSecret::new(self).map(Cow::Owned)
    }
}

impl AsWebhookSecret for String {
    fn as_webhook_secret(&self) -> Result<Cow<'_, WebhookSecret>, WebhookError> {
        self.as_str().as_webhook_secret()
    }
}

impl<T: AsWebhookSecret + ?Sized> AsWebhookSecret for &T {
    fn as_webhook_secret(&self) -> Result<Cow<'_, WebhookSecret>, WebhookError> {
        (**self).as_webhook_secret()
    }
}
