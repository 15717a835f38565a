#![doc = include_str!("guide.md")]
#![warn(missing_docs)]
// A warning in a doctest fails it: users copy them.
#![doc(test(attr(deny(warnings))))]
// The user object of the local Backend API is one large `json!`.
#![recursion_limit = "256"]

mod bapi;
mod fapi;
mod rate_limit;
mod server;
mod token;
mod webhooks;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;

use clerk_runtime::Clerk;

pub use bapi::RecordedRequest;
pub use fapi::BrowserSession;
pub use token::TokenBuilder;
pub use webhooks::MockWebhook;

/// The one-time code of every email or phone verification the local Backend API prepares
/// (`POST /v1/{email_addresses,phone_numbers}/{id}/prepare_verification`): `424242`, as in
/// Clerk's test mode. Any other code is a wrong attempt.
pub const VERIFICATION_CODE: &str = bapi::identifications::TEST_CODE;

/// Something the mock's JWKS endpoint does instead of answering normally, once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and a Clerk-style JSON error body.
    Status(u16),
    /// Answer with this status and `{"errors":[{"code":"clerk_key_invalid"}]}`.
    InvalidSecretKey,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Answer 200 with a JSON body larger than the SDK accepts.
    Oversized,
    /// Answer 200 with `{"keys":[]}`.
    EmptyKeys,
    /// Start a 200 answer, then drop the connection in the middle of the body.
    CloseMidBody,
    /// Answer 429 `rate_limit_exceeded` with `Retry-After: <secs>`.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answer with this status and this JSON body, e.g. an answer the real Backend API does
    /// not give, to check that the SDK refuses it:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use clerk_testing::{Fault, MockClerk};
    /// let mock = MockClerk::start().await;
    /// let (id, secret) = mock.create_api_key("user_1", &[], None);
    /// // Clerk answers a revoked key with a 404; a 200 that says `revoked` is refused too.
    /// let body = serde_json::json!({"object": "api_key", "id": id, "subject": "user_1",
    ///     "revoked": true, "expired": false, "scopes": []});
    /// mock.inject_api_faults([Fault::Json { status: 200, body }]);
    /// let err = mock.clerk().verify_machine_token(&secret).await.unwrap_err();
    /// assert_eq!(err.reason(), "token-invalid");
    /// # }
    /// ```
    Json {
        /// The status.
        status: u16,
        /// The body, sent with `content-type: application/json`.
        body: serde_json::Value,
    },
}

/// A signing key of the mock instance.
pub struct MockKey {
    kid: String,
    pair: KeyPair,
}

impl MockKey {
    fn generate(kid: String) -> Self {
        Self::generate_sized(kid, KeySize::Rsa2048)
    }

    fn generate_sized(kid: String, size: KeySize) -> Self {
        let pair = KeyPair::generate(size).expect("RSA key generation");
        Self { kid, pair }
    }

    /// The key id (`ins_…`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_pem(&self) -> String {
        let der = self.pair.public_key().as_der().expect("SPKI encoding");
        pem("PUBLIC KEY", der.as_ref())
    }

    /// The public key as a PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`).
    pub fn public_pem_pkcs1(&self) -> String {
        pem("RSA PUBLIC KEY", self.pair.public_key().as_ref())
    }

    /// The JWK served in the JWKS.
    pub fn jwk(&self) -> serde_json::Value {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let public = self.pair.public_key();
        serde_json::json!({
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": b64.encode(public.modulus().big_endian_without_leading_zero()),
            "e": b64.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    pub(crate) fn sign(&self, alg: &str, message: &[u8]) -> Vec<u8> {
        use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512};
        let padding: &'static dyn aws_lc_rs::signature::RsaEncoding = match alg {
            "RS384" => &RSA_PKCS1_SHA384,
            "RS512" => &RSA_PKCS1_SHA512,
            _ => &RSA_PKCS1_SHA256,
        };
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                padding,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RSA signing");
        signature
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

pub(crate) struct State {
    pub secret_key: String,
    /// Keys served in the JWKS; the last one signs new tokens.
    pub keys: Mutex<Vec<Arc<MockKey>>>,
    pub faults: Mutex<VecDeque<Fault>>,
    pub jwks_requests: Mutex<Vec<http::HeaderMap>>,
    pub api_faults: Mutex<VecDeque<Fault>>,
    pub api_requests: Mutex<Vec<RecordedRequest>>,
    pub store: Mutex<bapi::Store>,
    /// Clerk's per-instance limit, when a test turned it on.
    pub rate_limit: Mutex<Option<rate_limit::RateLimit>>,
}

/// A local Clerk instance on `127.0.0.1`: its JWKS, a local Backend API and the Frontend
/// API's handshake over real HTTP, its signing keys, a session token minter, signed webhooks and fault injection.
///
/// Start one per test with [`start`](Self::start); it stops when dropped. The crate's
/// front page walks through the whole test workflow. The methods, by task:
///
/// * a [`Clerk`] for it: [`clerk`](Self::clerk), [`clerk_builder`](Self::clerk_builder);
/// * tokens: [`token`](Self::token) (a [`TokenBuilder`]), [`m2m_jwt`](Self::m2m_jwt),
///   [`oauth_jwt`](Self::oauth_jwt);
/// * the Backend API's store: [`create_user`](Self::create_user),
///   [`user_object`](Self::user_object), [`merge_into_user`](Self::merge_into_user),
///   [`create_organization`](Self::create_organization),
///   [`create_session`](Self::create_session), [`create_api_key`](Self::create_api_key),
///   [`create_m2m_token`](Self::create_m2m_token),
///   [`create_oauth_token`](Self::create_oauth_token);
/// * webhooks: [`webhook_config`](Self::webhook_config) (for the receiver),
///   [`send_webhook`](Self::send_webhook), [`webhook`](Self::webhook);
/// * faults and observation: [`inject_jwks_faults`](Self::inject_jwks_faults),
///   [`inject_api_faults`](Self::inject_api_faults),
///   [`enforce_rate_limit`](Self::enforce_rate_limit), [`api_requests`](Self::api_requests),
///   [`jwks_requests`](Self::jwks_requests);
/// * keys: [`rotate_key`](Self::rotate_key), [`remove_key`](Self::remove_key),
///   [`unpublished_key`](Self::unpublished_key);
/// * the Frontend API's handshake (server-rendered apps):
///   [`frontend_api_url`](Self::frontend_api_url) (the proxy URL),
///   [`sign_in_browser`](Self::sign_in_browser) ([`BrowserSession`]),
///   [`refresh_token`](Self::refresh_token), [`cookie_suffix`](Self::cookie_suffix),
///   [`start_production`](Self::start_production).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = clerk_testing::MockClerk::start().await;
/// let token = mock.token().user("user_1").sign();
/// assert_eq!(mock.clerk().verify_token(&token).await.unwrap().subject(), "user_1");
/// # }
/// ```
pub struct MockClerk {
    state: Arc<State>,
    addr: std::net::SocketAddr,
    frontend_api: String,
    publishable_key: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for MockClerk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockClerk")
            .field("api_url", &self.api_url())
            .finish_non_exhaustive()
    }
}

impl MockClerk {
    /// Generates a key pair and serves the JWKS on `127.0.0.1:0`: a development instance
    /// (`pk_test_…`, `sk_test_…`).
    pub async fn start() -> Self {
        Self::start_instance(false).await
    }

    /// Like [`start`](Self::start), a production instance (`pk_live_…`, `sk_live_…`, a
    /// Frontend API `clerk.mock-<id>.example.com`): its Frontend API hands the handshake
    /// nonce over in a cookie rather than the URL and has no development browsers, as
    /// Clerk's production instances.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start_production().await;
    /// assert!(mock.publishable_key().starts_with("pk_live_"));
    /// assert!(mock.secret_key().starts_with("sk_live_"));
    /// let token = mock.token().user("user_1").sign();
    /// assert_eq!(mock.clerk().verify_token(&token).await.unwrap().subject(), "user_1");
    /// # }
    /// ```
    pub async fn start_production() -> Self {
        Self::start_instance(true).await
    }

    async fn start_instance(production: bool) -> Self {
        let id = random_id(12).to_lowercase();
        let (frontend_api, environment) = if production {
            (format!("clerk.mock-{id}.example.com"), "live")
        } else {
            (format!("mock-{id}.clerk.accounts.dev"), "test")
        };
        let publishable_key = format!(
            "pk_{environment}_{}",
            base64::engine::general_purpose::STANDARD.encode(format!("{frontend_api}$"))
        );
        let state = Arc::new(State {
            secret_key: format!("sk_{environment}_mock{}", random_id(24)),
            keys: Mutex::new(vec![Arc::new(MockKey::generate(format!(
                "ins_{}",
                random_id(20)
            )))]),
            faults: Mutex::new(VecDeque::new()),
            jwks_requests: Mutex::new(Vec::new()),
            api_faults: Mutex::new(VecDeque::new()),
            api_requests: Mutex::new(Vec::new()),
            store: Mutex::new(bapi::Store {
                issuer: format!("https://{frontend_api}"),
                publishable_key: publishable_key.clone(),
                ..bapi::Store::default()
            }),
            rate_limit: Mutex::new(None),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(listener, state.clone(), rx));
        Self {
            state,
            addr,
            frontend_api,
            publishable_key,
            shutdown: Some(tx),
        }
    }

    /// The Backend API base URL (`http://127.0.0.1:<port>`).
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The instance's secret key, accepted by this mock only.
    pub fn secret_key(&self) -> &str {
        &self.state.secret_key
    }

    /// The instance's publishable key (`pk_test_…`, or `pk_live_…` for
    /// [`start_production`](Self::start_production)): its Frontend API is this instance's.
    pub fn publishable_key(&self) -> String {
        self.publishable_key.clone()
    }

    /// The Frontend API URL, the `iss` of minted tokens.
    pub fn issuer(&self) -> String {
        format!("https://{}", self.frontend_api)
    }

    /// The PEM public key of the current signing key (for networkless verification).
    pub fn jwt_key_pem(&self) -> String {
        self.current_key().public_pem()
    }

    /// The kid of the current signing key.
    pub fn current_kid(&self) -> String {
        self.current_key().kid.clone()
    }

    /// The key that signs new tokens.
    pub fn current_key(&self) -> Arc<MockKey> {
        self.state
            .keys
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the mock always has a key")
    }

    /// Adds a new signing key (new kid) to the JWKS; new tokens are signed with it and the
    /// old keys stay published. Returns the new kid.
    pub fn rotate_key(&self) -> String {
        let key = Arc::new(MockKey::generate(format!("ins_{}", random_id(20))));
        let kid = key.kid.clone();
        self.state.keys.lock().unwrap().push(key);
        kid
    }

    /// Stops publishing the key with this kid (the last key cannot be removed).
    pub fn remove_key(&self, kid: &str) {
        let mut keys = self.state.keys.lock().unwrap();
        if keys.len() > 1 {
            keys.retain(|k| k.kid != kid);
        }
    }

    /// A key that is not published: tokens it signs fail verification.
    pub fn unpublished_key(&self) -> Arc<MockKey> {
        Arc::new(MockKey::generate(format!("ins_{}", random_id(20))))
    }

    /// An unpublished 4096-bit key (for networkless tests with larger keys).
    pub fn unpublished_key_4096(&self) -> Arc<MockKey> {
        Arc::new(MockKey::generate_sized(
            format!("ins_{}", random_id(20)),
            KeySize::Rsa4096,
        ))
    }

    /// Makes the next JWKS requests misbehave, one fault per request, in order.
    pub fn inject_jwks_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.faults.lock().unwrap().extend(faults);
    }

    /// Makes the next `n` JWKS requests misbehave with the same fault.
    pub fn fail_jwks_next(&self, n: usize, fault: Fault) {
        self.inject_jwks_faults(std::iter::repeat_n(fault, n));
    }

    /// Makes the next Backend API requests (all but the JWKS) misbehave, one fault per
    /// request, in order. `Fault::Garbage` answers a truncated JSON body;
    /// `Fault::Oversized` a non-JSON 502 page.
    pub fn inject_api_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.api_faults.lock().unwrap().extend(faults);
    }

    /// The Backend API requests received so far (all but the JWKS).
    pub fn api_requests(&self) -> Vec<RecordedRequest> {
        self.state.api_requests.lock().unwrap().clone()
    }

    /// Rate-limits the Backend API as Clerk does per instance (spec §9): at most
    /// `max_requests` authenticated requests per `window` (a fixed window from its first
    /// request; `GET /v1/jwks` is not counted), the others answered
    /// `429 rate_limit_exceeded` with `Retry-After` (the whole seconds left in the window).
    /// Clerk's production limit is `(1000, 10 s)`, development `(100, 10 s)`. Requests
    /// refused this way are still recorded; [`rate_limited_requests`](Self::rate_limited_requests)
    /// counts them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// let mock = clerk_testing::MockClerk::start().await;
    /// mock.enforce_rate_limit(1, Duration::from_secs(10));
    /// let clerk = mock.clerk();
    /// assert!(clerk.users().get("user_1").await.unwrap_err().is_not_found());
    /// assert_eq!(clerk.users().get("user_1").await.unwrap_err().status(), Some(429));
    /// assert_eq!(mock.rate_limited_requests(), 1);
    /// # }
    /// ```
    pub fn enforce_rate_limit(&self, max_requests: u32, window: Duration) {
        *self.state.rate_limit.lock().unwrap() =
            Some(rate_limit::RateLimit::new(max_requests, window));
    }

    /// How many Backend API requests [`enforce_rate_limit`](Self::enforce_rate_limit)
    /// answered 429.
    pub fn rate_limited_requests(&self) -> u64 {
        self.state
            .rate_limit
            .lock()
            .unwrap()
            .as_ref()
            .map_or(0, |l| l.refused())
    }

    /// Seeds a user as `POST /v1/users` would create it (same validation), and returns it;
    /// `Err` names the status the API would answer (e.g. an email address already taken).
    /// [`user_object`](Self::user_object) gives its JSON (a `user.*` webhook's `data`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use clerk_runtime::api::CreateUserParams;
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let params = CreateUserParams { email_address: vec!["a@example.com".into()], ..Default::default() };
    /// let user = mock.create_user(&params).unwrap();
    /// assert!(user.id.starts_with("user_"));
    /// assert!(mock.create_user(&params).is_err()); // the address is taken
    /// # }
    /// ```
    pub fn create_user(
        &self,
        params: &clerk_runtime::api::CreateUserParams,
    ) -> Result<clerk_runtime::api::User, String> {
        let body = serde_json::to_value(params).map_err(|e| e.to_string())?;
        let body = body.as_object().cloned().unwrap_or_default();
        let mut store = self.state.store.lock().unwrap();
        let user = bapi::users::insert_user(&mut store, &body)
            .map_err(|r| format!("rejected with {}", r.status()))?;
        serde_json::from_value(user).map_err(|e| e.to_string())
    }

    /// The stored user object, exactly as the local Backend API serves it
    /// (`GET /v1/users/{id}`), and as a `user.created` / `user.updated` webhook carries it
    /// in `data`; `None` for an unknown user.
    pub fn user_object(&self, user_id: &str) -> Option<serde_json::Value> {
        self.state.store.lock().unwrap().users.get(user_id).cloned()
    }

    /// Deep-merges `patch` into a stored user object (a `null` deletes a key), to seed
    /// what the Backend API cannot set: `last_active_at`, `last_sign_in_at`,
    /// `external_accounts`, `organization_memberships`, … Returns the merged object, or
    /// `None` for an unknown user.
    pub fn merge_into_user(
        &self,
        user_id: &str,
        patch: serde_json::Value,
    ) -> Option<serde_json::Value> {
        let mut store = self.state.store.lock().unwrap();
        let user = store.users.get_mut(user_id)?;
        if let (Some(target), serde_json::Value::Object(patch)) = (user.as_object_mut(), &patch) {
            bapi::deep_merge(target, patch);
        }
        Some(user.clone())
    }

    /// The current 6-digit TOTP code of a base32 secret (as a user's authenticator app
    /// shows it), for `verify_totp`.
    pub fn totp_code(&self, secret: &str) -> Option<String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        bapi::users::totp_code(secret, now)
    }

    /// Seeds an organization as `POST /v1/organizations` would create it (same
    /// validation; with `created_by`, that user becomes its first `org:admin`), and
    /// returns it.
    pub fn create_organization(
        &self,
        params: &clerk_runtime::api::CreateOrganizationParams,
    ) -> Result<clerk_runtime::api::Organization, String> {
        let body = serde_json::to_value(params).map_err(|e| e.to_string())?;
        let body = body.as_object().cloned().unwrap_or_default();
        let mut store = self.state.store.lock().unwrap();
        let org = bapi::organizations::insert_organization(&mut store, &body)
            .map_err(|r| format!("rejected with {}", r.status()))?;
        serde_json::from_value(org).map_err(|e| e.to_string())
    }

    /// Seeds an active session (`sess_…`) of an existing user, on a new client
    /// (`client_…`), as `POST /v1/sessions` would create it, and returns it. Fails when
    /// the user does not exist.
    pub fn create_session(&self, user_id: &str) -> Result<clerk_runtime::api::Session, String> {
        let mut body = serde_json::Map::new();
        body.insert("user_id".into(), user_id.into());
        let mut store = self.state.store.lock().unwrap();
        let session = bapi::sessions::build_session(&mut store, &body)
            .map_err(|r| format!("rejected with {}", r.status()))?;
        serde_json::from_value(session).map_err(|e| e.to_string())
    }

    /// A client token for `POST /v1/clients/verify`: a JWT signed with the current key
    /// carrying the client `id`, like the Frontend API's `__client` cookie.
    pub fn client_token(&self, client_id: &str) -> String {
        bapi::clients::client_token(&self.current_key(), client_id)
    }

    /// How many JWKS requests reached the mock.
    pub fn jwks_requests(&self) -> usize {
        self.state.jwks_requests.lock().unwrap().len()
    }

    /// The headers of the JWKS requests received so far.
    pub fn jwks_request_headers(&self) -> Vec<http::HeaderMap> {
        self.state.jwks_requests.lock().unwrap().clone()
    }

    /// A token builder with a realistic v2 session token: `sub`, `sid`, `iss`, `azp`,
    /// `iat`, `nbf`, `exp` (60 s), `fva`, `sts`, `v`, `jti`; header `alg`, `kid`, `typ`, `cat`.
    pub fn token(&self) -> TokenBuilder {
        TokenBuilder::new(self.current_key(), &self.issuer())
    }

    /// A [`Clerk`] for this instance (secret key, publishable key, API URL), reading no
    /// environment variable.
    pub fn clerk(&self) -> Clerk {
        self.clerk_builder()
            .build()
            .expect("mock configuration is valid")
    }

    /// A builder preset for this instance, to add options before building.
    pub fn clerk_builder(&self) -> clerk_runtime::ClerkBuilder {
        Clerk::builder()
            .without_env()
            .secret_key(self.secret_key())
            .publishable_key(self.publishable_key())
            .api_url(self.api_url())
    }
}

impl Drop for MockClerk {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Random alphanumerics, for ids.
pub(crate) fn random_id(len: usize) -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
