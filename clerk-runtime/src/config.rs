//! Configuration: the [`Clerk`] instance handle and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::jwks::{JwksCache, JwksSettings, KeySource};
use crate::keys::{KeyError, VerifyingKey};
use crate::token::{self, Rules, TokenVerificationError};
use crate::SessionClaims;

/// Backend API base URL used when none is configured.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";
/// Backend API version path segment used when none is configured.
pub const DEFAULT_API_VERSION: &str = "v1";
/// The `Clerk-API-Version` header this SDK speaks (the spec it was built from).
pub const CLERK_API_VERSION_HEADER: &str = "2026-05-12";
/// `User-Agent` sent to the Backend API.
pub const USER_AGENT: &str = concat!("clerk-rs/", env!("CARGO_PKG_VERSION"));

/// A configuration value was rejected; the message names the option or variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The secret key is not `sk_test_…`/`sk_live_…` (or legacy `test_…`/`live_…`).
    #[error("invalid secret key from {origin}: expected `sk_test_…` or `sk_live_…`")]
    InvalidSecretKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// The publishable key could not be decoded.
    #[error("invalid publishable key from {origin}: {reason}")]
    InvalidPublishableKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The JWT key is not a usable RSA public key.
    #[error("invalid JWT key from {origin}: {error}")]
    InvalidJwtKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
        /// What is wrong with it.
        error: KeyError,
    },
    /// The API URL is not an absolute `http(s)` URL.
    #[error("invalid API URL from {origin}: expected an absolute http(s) URL")]
    InvalidApiUrl {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// The API version is empty or contains `/`.
    #[error("invalid API version from {origin}: expected a path segment such as `v1`")]
    InvalidApiVersion {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// A number was expected.
    #[error("invalid value for {origin}: expected a whole number of milliseconds")]
    InvalidNumber {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
    /// An issuer was to be derived from the publishable key, but none is configured.
    #[error(
        "issuer_from_publishable_key() needs a publishable key (option or CLERK_PUBLISHABLE_KEY)"
    )]
    IssuerNeedsPublishableKey,
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
    /// The machine secret key is empty or not a valid header value.
    #[error("invalid machine secret key from {origin}: expected printable ASCII without spaces")]
    InvalidMachineSecretKey {
        /// The option or environment variable the value came from.
        origin: &'static str,
    },
}

/// Whether an instance is for development or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    /// `pk_test_…` / `sk_test_…`.
    Development,
    /// `pk_live_…` / `sk_live_…`.
    Production,
}

/// A decoded publishable key.
///
/// ```
/// use clerk_runtime::PublishableKey;
/// // "pk_live_" + base64("clerk.example.com$")
/// let pk = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").unwrap();
/// assert_eq!(pk.frontend_api(), "clerk.example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublishableKey {
    key: String,
    frontend_api: String,
    instance_type: InstanceType,
}

impl PublishableKey {
    /// Decodes a key as `parsePublishableKey` does: `pk_test_`/`pk_live_`, then standard
    /// base64 of `<frontend api host>$`.
    pub fn parse(key: &str) -> Result<Self, &'static str> {
        let instance_type = if key.starts_with("pk_live_") {
            InstanceType::Production
        } else if key.starts_with("pk_test_") {
            InstanceType::Development
        } else {
            return Err("it must start with `pk_test_` or `pk_live_`");
        };
        let parts: Vec<&str> = key.split('_').collect();
        if parts.len() != 3 {
            return Err("it must have exactly three `_`-separated parts");
        }
        let decoded =
            token::b64::decode_standard(parts[2]).ok_or("its third part is not base64")?;
        let text = String::from_utf8(decoded).map_err(|_| "it does not decode to text")?;
        let host = text
            .strip_suffix('$')
            .ok_or("it does not decode to a host ending in `$`")?;
        if host.contains('$') || !host.contains('.') {
            return Err("it does not decode to a Frontend API host");
        }
        Ok(Self {
            key: key.to_owned(),
            frontend_api: host.to_owned(),
            instance_type,
        })
    }

    /// The Frontend API host, e.g. `clerk.example.com` or `foo-bar-13.clerk.accounts.dev`.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// `https://<frontend api>`: the `iss` of this instance's session tokens.
    pub fn frontend_api_url(&self) -> String {
        format!("https://{}", self.frontend_api)
    }

    /// The Accounts Portal of the instance: `clerk.example.com` → `https://accounts.example.com`,
    /// `foo-bar-13.clerk.accounts.dev` → `https://foo-bar-13.accounts.dev`.
    pub fn accounts_portal_url(&self) -> String {
        let host = &self.frontend_api;
        let portal = if let Some(i) = host.find(".clerk.accounts.") {
            format!(
                "{}.accounts.{}",
                &host[..i],
                &host[i + ".clerk.accounts.".len()..]
            )
        } else if let Some(rest) = host.strip_prefix("clerk.") {
            format!("accounts.{rest}")
        } else {
            host.clone()
        };
        format!("https://{portal}")
    }

    /// Development or production.
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The key as given.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The suffix of this instance's cookies (`__session_<suffix>`): the first 8 characters
    /// of the URL-safe base64 of SHA-1 of the key.
    pub fn cookie_suffix(&self) -> String {
        use base64::Engine as _;
        let digest = sha1_smol::Sha1::from(self.key.as_bytes()).digest().bytes();
        let mut encoded = base64::engine::general_purpose::URL_SAFE.encode(digest);
        encoded.truncate(8);
        encoded
    }
}

impl fmt::Debug for PublishableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishableKey")
            .field("frontend_api", &self.frontend_api)
            .field("instance_type", &self.instance_type)
            .finish()
    }
}

/// Which `iss` to require.
#[derive(Debug, Clone, PartialEq, Eq)]
enum IssuerSetting {
    Unset,
    Exact(String),
    FromPublishableKey,
}

type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The user cache to build: an in-process one per `Clerk`, or a given one.
#[derive(Clone)]
enum UserCacheSetting {
    InMemory(Duration),
    Shared(Arc<dyn crate::cache::UserCache>),
}

/// Builds a [`Clerk`]. Every option falls back to its environment variable, then to its
/// default: see [`Clerk::from_env`] for the variables.
///
/// ```
/// use std::time::Duration;
/// let clerk = clerk_runtime::Clerk::builder()
///     .secret_key("sk_test_abc")
///     .authorized_parties(["https://app.example.com"])
///     .clock_skew(Duration::from_secs(10))
///     .without_env()
///     .build()
///     .unwrap();
/// # let _ = clerk;
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClerkBuilder {
    secret_key: Option<String>,
    publishable_key: Option<String>,
    machine_secret_key: Option<String>,
    machine_token_cache: crate::MachineTokenCacheConfig,
    jwt_key: Option<String>,
    api_url: Option<String>,
    api_version: Option<String>,
    authorized_parties: Option<Vec<String>>,
    audience: Vec<String>,
    issuer: IssuerSetting,
    clock_skew: Option<Duration>,
    jwks_cache_ttl: Duration,
    jwks_refetch_cooldown: Duration,
    jwks_max_staleness: Duration,
    http_timeout: Duration,
    treat_pending_as_signed_out: bool,
    logging: Option<bool>,
    sign_in_url: Option<String>,
    api_headers: reqwest::header::HeaderMap,
    api_retry: crate::api::RetryPolicy,
    token_cache: Option<crate::TokenCacheConfig>,
    user_cache: Option<UserCacheSetting>,
    user_cache_timeout: Duration,
    env: EnvLookup,
}

impl fmt::Debug for ClerkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkBuilder")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("publishable_key", &self.publishable_key)
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "[set]"))
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("authorized_parties", &self.authorized_parties)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("clock_skew", &self.clock_skew)
            .finish_non_exhaustive()
    }
}

impl Default for ClerkBuilder {
    fn default() -> Self {
        Self {
            secret_key: None,
            publishable_key: None,
            machine_secret_key: None,
            machine_token_cache: crate::MachineTokenCacheConfig::default(),
            jwt_key: None,
            api_url: None,
            api_version: None,
            authorized_parties: None,
            audience: Vec::new(),
            issuer: IssuerSetting::Unset,
            clock_skew: None,
            jwks_cache_ttl: crate::jwks::DEFAULT_JWKS_TTL,
            jwks_refetch_cooldown: crate::jwks::DEFAULT_REFETCH_COOLDOWN,
            jwks_max_staleness: crate::jwks::DEFAULT_MAX_STALENESS,
            http_timeout: crate::jwks::DEFAULT_FETCH_TIMEOUT,
            treat_pending_as_signed_out: true,
            logging: None,
            sign_in_url: None,
            api_headers: reqwest::header::HeaderMap::new(),
            api_retry: crate::api::RetryPolicy::default(),
            token_cache: Some(crate::TokenCacheConfig::default()),
            user_cache: None,
            user_cache_timeout: crate::cache::DEFAULT_USER_CACHE_TIMEOUT,
            env: Arc::new(|name| std::env::var(name).ok()),
        }
    }
}

impl ClerkBuilder {
    /// The secret key (`sk_test_…`/`sk_live_…`): Backend API calls and the JWKS.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }
    /// The machine secret key (env `CLERK_MACHINE_SECRET_KEY`): M2M tokens (`mt_…`) are
    /// verified with it instead of the secret key, so the Backend API only accepts tokens
    /// granted access to that machine. Never printed by `Debug`.
    ///
    /// ```
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_test_abc")
    ///     .machine_secret_key("ak_machine_secret")
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{clerk:?}").contains("ak_machine_secret"));
    /// ```
    pub fn machine_secret_key(mut self, key: impl Into<String>) -> Self {
        self.machine_secret_key = Some(key.into());
        self
    }
    /// Limits of the positive-result cache of opaque machine tokens (default: 10 s, 10,000
    /// tokens; a zero TTL turns it off). See [`MachineTokenCacheConfig`](crate::MachineTokenCacheConfig).
    pub fn machine_token_cache(mut self, config: crate::MachineTokenCacheConfig) -> Self {
        self.machine_token_cache = config;
        self
    }
    /// The publishable key: Frontend API host, instance type, cookie suffix.
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.publishable_key = Some(key.into());
        self
    }
    /// A PEM public key for networkless verification; wins over the JWKS.
    pub fn jwt_key(mut self, pem: impl Into<String>) -> Self {
        self.jwt_key = Some(pem.into());
        self
    }
    /// Backend API base URL (default `https://api.clerk.com`).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }
    /// Backend API version path segment (default `v1`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }
    /// Accepted `azp` origins. Strongly recommended for cookie-based apps.
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = Some(parties.into_iter().map(Into::into).collect());
        self
    }
    /// Accepted `aud` values.
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audience.into_iter().map(Into::into).collect();
        self
    }
    /// Requires `iss` to equal this value exactly.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = IssuerSetting::Exact(issuer.into());
        self
    }
    /// Requires `iss` to be `https://<Frontend API>` of the publishable key. Do not use
    /// with satellites or a proxy, whose tokens carry another issuer.
    pub fn issuer_from_publishable_key(mut self) -> Self {
        self.issuer = IssuerSetting::FromPublishableKey;
        self
    }
    /// Allowed clock difference for `exp`, `nbf`, `iat` (default 5 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = Some(skew);
        self
    }
    /// How long a fetched JWKS is trusted (default 5 min).
    pub fn jwks_cache_ttl(mut self, ttl: Duration) -> Self {
        self.jwks_cache_ttl = ttl;
        self
    }
    /// Minimum time between refetches caused by unknown `kid`s (default 5 min).
    pub fn jwks_refetch_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_refetch_cooldown = cooldown;
        self
    }
    /// How long cached keys keep serving while the JWKS endpoint fails (default 1 h).
    pub fn jwks_max_staleness(mut self, staleness: Duration) -> Self {
        self.jwks_max_staleness = staleness;
        self
    }
    /// Timeout of each Backend API request (default 5 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }
    /// Whether a `pending` session counts as signed out (default `true`, as Clerk's SDKs).
    pub fn treat_pending_as_signed_out(mut self, yes: bool) -> Self {
        self.treat_pending_as_signed_out = yes;
        self
    }
    /// Debug events through `tracing` (default: `CLERK_LOGGING=true`).
    pub fn logging(mut self, on: bool) -> Self {
        self.logging = Some(on);
        self
    }
    /// Where `protect(redirect_to_sign_in)` sends signed-out browsers (default: the
    /// Accounts Portal of the publishable key, `https://accounts.<domain>/sign-in`).
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }
    /// An extra header sent with every Backend API call (the legacy `httpOptions`).
    /// Invalid names or values are ignored with a warning.
    pub fn api_header(mut self, name: &str, value: &str) -> Self {
        match (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.api_headers.append(name, value);
            }
            _ => tracing::warn!(
                header = name,
                "clerk: ignoring an invalid Backend API header"
            ),
        }
        self
    }
    /// Retries of idempotent Backend API calls (default: 3 retries within 10 s).
    pub fn api_retry(mut self, policy: crate::api::RetryPolicy) -> Self {
        self.api_retry = policy;
        self
    }
    /// Limits of the verified-token cache (on by default; see [`TokenCacheConfig`](crate::TokenCacheConfig)
    /// and the security notes of the cache in the crate docs).
    pub fn token_cache(mut self, config: crate::TokenCacheConfig) -> Self {
        self.token_cache = Some(config);
        self
    }
    /// Caches the users loaded for `User` injection for this long, in this process
    /// (off by default; zero turns it off): a new
    /// [`InMemoryUserCache`](crate::cache::InMemoryUserCache) per built `Clerk`. Saves
    /// Backend API calls, which Clerk rate-limits per secret key; a user may be seen up to
    /// `ttl` out of date unless [`Clerk::forget_user`] is called. For a fleet, see
    /// [`user_cache`](Self::user_cache).
    pub fn user_cache_ttl(mut self, ttl: Duration) -> Self {
        self.user_cache = Some(UserCacheSetting::InMemory(ttl)).filter(|_| !ttl.is_zero());
        self
    }
    /// Caches the users loaded for `User` injection in this cache, e.g. a
    /// [`RedisUserCache`](crate::cache) shared by every server (replaces
    /// [`user_cache_ttl`](Self::user_cache_ttl)). See [`crate::cache`].
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// use clerk_runtime::cache::InMemoryUserCache;
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_test_abc")
    ///     .user_cache(Arc::new(InMemoryUserCache::new(Duration::from_secs(30))))
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// # let _ = clerk;
    /// ```
    pub fn user_cache(mut self, cache: Arc<dyn crate::cache::UserCache>) -> Self {
        self.user_cache = Some(UserCacheSetting::Shared(cache));
        self
    }
    /// The longest `load_user` waits for one user cache operation (default 250 ms),
    /// whatever the cache; then it logs and uses the Backend API.
    pub fn user_cache_timeout(mut self, timeout: Duration) -> Self {
        self.user_cache_timeout = timeout;
        self
    }
    /// Turns the verified-token cache off: every request pays a full verification.
    pub fn disable_token_cache(mut self) -> Self {
        self.token_cache = None;
        self
    }
    /// Reads no environment variable: only the options given count.
    pub fn without_env(self) -> Self {
        self.env_lookup(|_| None)
    }
    /// Reads "environment variables" through this function instead of the process
    /// environment (for tests and for configuration stores).
    pub fn env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(lookup);
        self
    }

    fn env(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    /// Option first, then environment variable; each with the name to blame.
    fn pick(
        &self,
        option: &Option<String>,
        option_name: &'static str,
        var: &'static str,
    ) -> Option<(String, &'static str)> {
        match option.as_ref().filter(|v| !v.is_empty()) {
            Some(v) => Some((v.clone(), option_name)),
            None => self.env(var).map(|v| (v, var)),
        }
    }

    /// Validates everything and builds the instance.
    pub fn build(self) -> Result<Clerk, ConfigError> {
        let secret_key = match self.pick(
            &self.secret_key,
            "the `secret_key` option",
            "CLERK_SECRET_KEY",
        ) {
            Some(found) => Some(found),
            None => self.env("CLERK_API_KEY").map(|v| {
                tracing::warn!("clerk: CLERK_API_KEY is deprecated; use CLERK_SECRET_KEY");
                (v, "CLERK_API_KEY")
            }),
        };
        let secret_key = match secret_key {
            Some((key, source)) => {
                validate_secret_key(&key)
                    .map_err(|()| ConfigError::InvalidSecretKey { origin: source })?;
                Some(key)
            }
            None => None,
        };
        let machine_secret_key = match self.pick(
            &self.machine_secret_key,
            "the `machine_secret_key` option",
            "CLERK_MACHINE_SECRET_KEY",
        ) {
            Some((key, _)) if key.bytes().all(|b| b.is_ascii_graphic()) => Some(key),
            Some((_, origin)) => return Err(ConfigError::InvalidMachineSecretKey { origin }),
            None => None,
        };
        let machine = Arc::new(crate::machine::MachineState::new(
            machine_secret_key.as_deref(),
            self.machine_token_cache,
        ));

        let publishable_key = match self.pick(
            &self.publishable_key,
            "the `publishable_key` option",
            "CLERK_PUBLISHABLE_KEY",
        ) {
            Some((key, source)) => Some(PublishableKey::parse(&key).map_err(|reason| {
                ConfigError::InvalidPublishableKey {
                    origin: source,
                    reason,
                }
            })?),
            None => None,
        };

        let jwt_key =
            match self.pick(&self.jwt_key, "the `jwt_key` option", "CLERK_JWT_KEY") {
                Some((pem, source)) => Some(VerifyingKey::from_pem(&pem).map_err(|error| {
                    ConfigError::InvalidJwtKey {
                        origin: source,
                        error,
                    }
                })?),
                None => None,
            };

        let api_url = match self.pick(&self.api_url, "the `api_url` option", "CLERK_API_URL") {
            Some((url, source)) => {
                let parsed = reqwest::Url::parse(&url)
                    .map_err(|_| ConfigError::InvalidApiUrl { origin: source })?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err(ConfigError::InvalidApiUrl { origin: source });
                }
                url.trim_end_matches('/').to_owned()
            }
            None => DEFAULT_API_URL.to_owned(),
        };

        let api_version = match self.pick(
            &self.api_version,
            "the `api_version` option",
            "CLERK_API_VERSION",
        ) {
            Some((v, source)) => {
                let v = v.trim_matches('/');
                if v.is_empty() || v.contains('/') || v.contains(char::is_whitespace) {
                    return Err(ConfigError::InvalidApiVersion { origin: source });
                }
                v.to_owned()
            }
            None => DEFAULT_API_VERSION.to_owned(),
        };

        let clock_skew = match self.clock_skew {
            Some(skew) => skew,
            None => match self.env("CLERK_CLOCK_SKEW_IN_MS") {
                Some(v) => Duration::from_millis(v.trim().parse().map_err(|_| {
                    ConfigError::InvalidNumber {
                        origin: "CLERK_CLOCK_SKEW_IN_MS",
                    }
                })?),
                None => token::DEFAULT_CLOCK_SKEW,
            },
        };

        let logging = self
            .logging
            .unwrap_or_else(|| self.env("CLERK_LOGGING").as_deref() == Some("true"));

        let authorized_parties = match self.authorized_parties.clone() {
            Some(parties) => parties,
            None => self
                .env("CLERK_AUTHORIZED_PARTIES")
                .map(|v| {
                    v.split(',')
                        .map(|p| p.trim().to_owned())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        };

        let issuer = match &self.issuer {
            IssuerSetting::Unset => None,
            IssuerSetting::Exact(iss) => Some(iss.clone()),
            IssuerSetting::FromPublishableKey => Some(
                publishable_key
                    .as_ref()
                    .ok_or(ConfigError::IssuerNeedsPublishableKey)?
                    .frontend_api_url(),
            ),
        };

        let sign_in_url = self
            .pick(
                &self.sign_in_url,
                "the `sign_in_url` option",
                "CLERK_SIGN_IN_URL",
            )
            .map(|(url, _)| url)
            .or_else(|| {
                publishable_key
                    .as_ref()
                    .map(|pk| format!("{}/sign-in", pk.accounts_portal_url()))
            });

        let http = reqwest::Client::builder()
            .timeout(self.http_timeout)
            .connect_timeout(self.http_timeout)
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;

        let api = crate::api::Transport::new(
            http.clone(),
            &api_url,
            &api_version,
            secret_key.as_deref(),
            self.api_headers.clone(),
            self.api_retry,
        );

        let keys = if let Some(key) = jwt_key {
            KeySource::Pem(Arc::new(key))
        } else if let Some(sk) = &secret_key {
            let mut settings = JwksSettings::new(&api_url, &api_version, sk);
            settings.ttl = self.jwks_cache_ttl;
            settings.refetch_cooldown = self.jwks_refetch_cooldown;
            settings.max_staleness = self.jwks_max_staleness;
            settings.timeout = self.http_timeout;
            KeySource::Jwks(Arc::new(JwksCache::new(settings, http)))
        } else {
            KeySource::Unresolvable
        };

        let suffixed_cookies = publishable_key.as_ref().map(|pk| {
            let suffix = pk.cookie_suffix();
            (
                format!("__session_{suffix}"),
                format!("__client_uat_{suffix}"),
            )
        });

        Ok(Clerk {
            inner: Arc::new(ClerkInner {
                secret_key,
                machine,
                publishable_key,
                api_url,
                api_version,
                authorized_parties,
                audience: self.audience,
                issuer,
                clock_skew,
                treat_pending_as_signed_out: self.treat_pending_as_signed_out,
                logging,
                sign_in_url,
                suffixed_cookies,
                api,
                keys,
                token_cache: self
                    .token_cache
                    .map(|c| Arc::new(crate::token::cache::TokenCache::new(c))),
                user_cache: self.user_cache.map(|setting| {
                    let cache: Arc<dyn crate::cache::UserCache> = match setting {
                        UserCacheSetting::InMemory(ttl) => {
                            Arc::new(crate::cache::InMemoryUserCache::new(ttl))
                        }
                        UserCacheSetting::Shared(cache) => cache,
                    };
                    Arc::new(crate::cache::CacheHandle::new(
                        cache,
                        self.user_cache_timeout,
                    ))
                }),
                #[cfg(any(test, feature = "testing"))]
                clock: None,
            }),
        })
    }
}

fn validate_secret_key(key: &str) -> Result<(), ()> {
    let rest = ["sk_test_", "sk_live_", "test_", "live_"]
        .iter()
        .find_map(|prefix| key.strip_prefix(prefix))
        .ok_or(())?;
    if rest.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(());
    }
    Ok(())
}

pub(crate) fn default_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(crate::jwks::DEFAULT_FETCH_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// A configured Clerk instance: verification settings, the JWKS cache, the HTTP client.
///
/// Cheap to clone (`Arc`), `Send + Sync`: build it once at startup and share it, through
/// axum state or the layer.
///
/// ```
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let clerk = clerk_runtime::Clerk::from_env()?;
/// let claims = clerk.verify_token("eyJ…").await;
/// # let _ = claims; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Clerk {
    pub(crate) inner: Arc<ClerkInner>,
}

pub(crate) struct ClerkInner {
    pub secret_key: Option<String>,
    /// Machine secret key and machine-token cache.
    pub machine: Arc<crate::machine::MachineState>,
    pub publishable_key: Option<PublishableKey>,
    pub api_url: String,
    pub api_version: String,
    pub authorized_parties: Vec<String>,
    pub audience: Vec<String>,
    pub issuer: Option<String>,
    pub clock_skew: Duration,
    pub treat_pending_as_signed_out: bool,
    pub logging: bool,
    pub sign_in_url: Option<String>,
    /// `__session_<suffix>` and `__client_uat_<suffix>`, when a publishable key is set.
    pub suffixed_cookies: Option<(String, String)>,
    pub api: crate::api::Transport,
    pub keys: KeySource,
    pub token_cache: Option<Arc<crate::token::cache::TokenCache>>,
    pub user_cache: Option<Arc<crate::cache::CacheHandle>>,
    #[cfg(any(test, feature = "testing"))]
    pub clock: Option<SystemTime>,
}

impl fmt::Debug for Clerk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Clerk")
            .field("secret_key", &i.secret_key.as_ref().map(|_| "[redacted]"))
            .field(
                "machine_secret_key",
                &i.machine.has_machine_secret_key().then_some("[redacted]"),
            )
            .field("publishable_key", &i.publishable_key)
            .field("api_url", &i.api_url)
            .field("api_version", &i.api_version)
            .field("authorized_parties", &i.authorized_parties)
            .field("audience", &i.audience)
            .field("issuer", &i.issuer)
            .field("clock_skew", &i.clock_skew)
            .field(
                "keys",
                &match &i.keys {
                    KeySource::Pem(_) => "networkless (JWT key)",
                    KeySource::Jwks(_) => "JWKS",
                    KeySource::Unresolvable => "none",
                },
            )
            .finish_non_exhaustive()
    }
}

impl Clerk {
    /// A builder; unset options fall back to environment variables, then defaults.
    pub fn builder() -> ClerkBuilder {
        ClerkBuilder::default()
    }

    /// Configuration from the environment alone:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `CLERK_SECRET_KEY` (legacy `CLERK_API_KEY`) | secret key |
    /// | `CLERK_PUBLISHABLE_KEY` | publishable key |
    /// | `CLERK_JWT_KEY` | PEM public key, networkless verification |
    /// | `CLERK_API_URL` | Backend API URL (default `https://api.clerk.com`) |
    /// | `CLERK_API_VERSION` | API version path segment (default `v1`) |
    /// | `CLERK_AUTHORIZED_PARTIES` | comma-separated accepted `azp` origins (this SDK's own) |
    /// | `CLERK_CLOCK_SKEW_IN_MS` | clock skew in ms (this SDK's own; default 5000) |
    /// | `CLERK_LOGGING` | `true` enables debug events through `tracing` |
    /// | `CLERK_MACHINE_SECRET_KEY` | machine secret key, for M2M token verification |
    ///
    /// ```no_run
    /// let clerk = clerk_runtime::Clerk::from_env().expect("valid Clerk configuration");
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// The publishable key, when configured.
    pub fn publishable_key(&self) -> Option<&PublishableKey> {
        self.inner.publishable_key.as_ref()
    }

    /// The Backend API base URL.
    pub fn api_url(&self) -> &str {
        &self.inner.api_url
    }

    /// The Backend API version path segment.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// Whether a secret key is configured.
    pub fn has_secret_key(&self) -> bool {
        self.inner.secret_key.is_some()
    }

    /// The instance's JWKS cache, when keys come from the Backend API (for diagnostics).
    pub fn jwks_cache(&self) -> Option<&JwksCache> {
        match &self.inner.keys {
            KeySource::Jwks(cache) => Some(cache),
            _ => None,
        }
    }

    /// Where signed-out browsers are sent by `protect(redirect_to_sign_in)`.
    pub fn sign_in_url(&self) -> Option<&str> {
        self.inner.sign_in_url.as_deref()
    }

    /// The `users` resource of the Backend API.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let user = clerk.users().get("user_123").await?;
    /// # Ok(()) }
    /// ```
    pub fn users(&self) -> crate::api::Users<'_> {
        crate::api::Users {
            transport: &self.inner.api,
        }
    }

    /// The `actor_tokens` resource of the Backend API (create, revoke): impersonation.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// use clerk_runtime::api::CreateActorTokenParams;
    /// let mut actor = clerk_runtime::api::Metadata::new();
    /// actor.insert("sub".into(), "user_admin".into());
    /// let token = clerk
    ///     .actor_tokens()
    ///     .create(&CreateActorTokenParams { user_id: "user_123".into(), actor, ..Default::default() })
    ///     .await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn actor_tokens(&self) -> crate::api::ActorTokens<'_> {
        crate::api::ActorTokens {
            transport: &self.inner.api,
        }
    }

    /// The `invitations` resource of the Backend API (list, create, bulk create, revoke).
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let page = clerk.invitations().list(&Default::default()).await?;
    /// # let _ = page; Ok(()) }
    /// ```
    pub fn invitations(&self) -> crate::api::Invitations<'_> {
        crate::api::Invitations {
            transport: &self.inner.api,
        }
    }

    /// The allow-list of the Backend API (`/allowlist_identifiers`).
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let page = clerk.allowlist_identifiers().list(&Default::default()).await?;
    /// # let _ = page; Ok(()) }
    /// ```
    pub fn allowlist_identifiers(&self) -> crate::api::AllowlistIdentifiers<'_> {
        crate::api::AllowlistIdentifiers {
            transport: &self.inner.api,
        }
    }

    /// The block-list of the Backend API (`/blocklist_identifiers`).
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let page = clerk.blocklist_identifiers().list().await?;
    /// # let _ = page; Ok(()) }
    /// ```
    pub fn blocklist_identifiers(&self) -> crate::api::BlocklistIdentifiers<'_> {
        crate::api::BlocklistIdentifiers {
            transport: &self.inner.api,
        }
    }

    /// The `organizations` resource of the Backend API, with memberships.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let org = clerk.organizations().get("my-org-slug").await?;
    /// # let _ = org; Ok(()) }
    /// ```
    pub fn organizations(&self) -> crate::api::Organizations<'_> {
        crate::api::Organizations {
            transport: &self.inner.api,
        }
    }

    /// The `email_addresses` resource of the Backend API.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let email = clerk.email_addresses().get("idn_123").await?;
    /// # let _ = email; Ok(()) }
    /// ```
    pub fn email_addresses(&self) -> crate::api::EmailAddresses<'_> {
        crate::api::EmailAddresses {
            transport: &self.inner.api,
        }
    }

    /// The `phone_numbers` resource of the Backend API.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let phone = clerk.phone_numbers().get("idn_123").await?;
    /// # let _ = phone; Ok(()) }
    /// ```
    pub fn phone_numbers(&self) -> crate::api::PhoneNumbers<'_> {
        crate::api::PhoneNumbers {
            transport: &self.inner.api,
        }
    }

    /// The `sessions` resource of the Backend API (list, get, revoke, tokens).
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let token = clerk.sessions().create_token("sess_123", Some("hasura"), None).await?;
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn sessions(&self) -> crate::api::Sessions<'_> {
        crate::api::Sessions {
            transport: &self.inner.api,
        }
    }

    /// The `clients` resource of the Backend API (get, verify).
    pub fn clients(&self) -> crate::api::Clients<'_> {
        crate::api::Clients {
            transport: &self.inner.api,
        }
    }

    /// The `jwt_templates` resource of the Backend API.
    pub fn jwt_templates(&self) -> crate::api::JwtTemplates<'_> {
        crate::api::JwtTemplates {
            transport: &self.inner.api,
        }
    }

    /// The `sign_in_tokens` resource of the Backend API.
    pub fn sign_in_tokens(&self) -> crate::api::SignInTokens<'_> {
        crate::api::SignInTokens {
            transport: &self.inner.api,
        }
    }

    /// The `testing_tokens` resource of the Backend API.
    pub fn testing_tokens(&self) -> crate::api::TestingTokens<'_> {
        crate::api::TestingTokens {
            transport: &self.inner.api,
        }
    }

    /// The `jwks` resource of the Backend API: `GET /jwks`, uncached (the
    /// `clerkClient.jwks.getJwks()` of the JavaScript SDK). Token verification does not use
    /// it: it has its own cache, [`Clerk::jwks_cache`].
    pub fn jwks(&self) -> crate::api::JwksKeys<'_> {
        crate::api::JwksKeys {
            transport: &self.inner.api,
        }
    }

    /// The legacy `emails` resource of the old Node SDK: its only call,
    /// `create_email`, is deprecated (Clerk answers 404).
    pub fn emails(&self) -> crate::api::Emails<'_> {
        crate::api::Emails {
            transport: &self.inner.api,
        }
    }

    /// The legacy `smsMessages` resource of the old Node SDK: its only call,
    /// `create_sms_message`, is deprecated (Clerk answers 403).
    pub fn sms_messages(&self) -> crate::api::SmsMessages<'_> {
        crate::api::SmsMessages {
            transport: &self.inner.api,
        }
    }

    /// Whether a `pending` session counts as signed out.
    pub fn treats_pending_as_signed_out(&self) -> bool {
        self.inner.treat_pending_as_signed_out
    }

    pub(crate) fn now(&self) -> SystemTime {
        #[cfg(any(test, feature = "testing"))]
        if let Some(t) = self.inner.clock {
            return t;
        }
        SystemTime::now()
    }

    /// A copy of this instance that verifies as if the time were `now` (tests only).
    #[cfg(any(test, feature = "testing"))]
    pub fn with_fixed_time(&self, now: SystemTime) -> Self {
        let i = &self.inner;
        Self {
            inner: Arc::new(ClerkInner {
                secret_key: i.secret_key.clone(),
                machine: i.machine.clone(),
                publishable_key: i.publishable_key.clone(),
                api_url: i.api_url.clone(),
                api_version: i.api_version.clone(),
                authorized_parties: i.authorized_parties.clone(),
                audience: i.audience.clone(),
                issuer: i.issuer.clone(),
                clock_skew: i.clock_skew,
                treat_pending_as_signed_out: i.treat_pending_as_signed_out,
                logging: i.logging,
                sign_in_url: i.sign_in_url.clone(),
                suffixed_cookies: i.suffixed_cookies.clone(),
                api: i.api.clone(),
                keys: i.keys.clone(),
                token_cache: i.token_cache.clone(),
                user_cache: i.user_cache.clone(),
                clock: Some(now),
            }),
        }
    }

    pub(crate) fn rules(&self) -> Rules<'_> {
        Rules {
            authorized_parties: &self.inner.authorized_parties,
            audience: &self.inner.audience,
            issuer: self.inner.issuer.as_deref(),
            clock_skew: self.inner.clock_skew,
            now: self.now(),
        }
    }

    /// Verifies a session token with this instance's keys and rules (and its JWKS cache).
    ///
    /// ```
    /// # async fn run(clerk: clerk_runtime::Clerk) {
    /// match clerk.verify_token("eyJ…").await {
    ///     Ok(claims) => println!("{}", claims.subject()),
    ///     Err(e) => println!("refused: {}", e.reason()),
    /// }
    /// # }
    /// ```
    pub async fn verify_token(&self, token: &str) -> Result<SessionClaims, TokenVerificationError> {
        let cache = self.inner.token_cache.as_deref();
        let shared = token::verify(token, &self.inner.keys, cache, &self.rules(), |_, _| {
            Ok::<(), TokenVerificationError>(())
        })
        .await?;
        Ok(shared.claims().clone())
    }

    /// The Backend API user with this id, through the user cache when it is on: what
    /// `User` injection uses.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
    /// let user = clerk.load_user("user_123").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// A user cache failure (unreachable, slow, unreadable data) is logged and the user
    /// is loaded from the Backend API: only the Backend API's own failure is an error.
    pub async fn load_user(&self, user_id: &str) -> Result<crate::User, crate::api::ApiError> {
        let Some(cache) = &self.inner.user_cache else {
            return self.users().get(user_id).await;
        };
        if let Some(user) = cache.get(user_id).await {
            return Ok(user);
        }
        cache
            .load_once(user_id, || async {
                let user = self.users().get(user_id).await?;
                cache.put(&user).await;
                Ok(user)
            })
            .await
    }

    /// Drops a user from the user cache (e.g. on a `user.updated` webhook): at once in
    /// this process; for a shared cache, everywhere in the background (a failure is
    /// logged). [`invalidate_user`](Self::invalidate_user) waits and reports.
    ///
    /// ```no_run
    /// # fn run(clerk: clerk_runtime::Clerk) {
    /// clerk.forget_user("user_123");
    /// # }
    /// ```
    pub fn forget_user(&self, user_id: &str) {
        if let Some(cache) = &self.inner.user_cache {
            cache.invalidate_detached(user_id);
        }
    }

    /// Drops a user from the user cache everywhere (for a shared cache: on every server)
    /// and waits for it. An error means the shared cache could not be told: other servers
    /// may serve the old user until its TTL ends (a webhook handler should answer 5xx so
    /// that Clerk delivers the event again). Without a user cache, does nothing.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::cache::CacheError> {
    /// clerk.invalidate_user("user_123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn invalidate_user(&self, user_id: &str) -> Result<(), crate::cache::CacheError> {
        match &self.inner.user_cache {
            Some(cache) => cache.invalidate(user_id).await,
            None => Ok(()),
        }
    }

    /// Keeps the user cache in sync with Clerk's webhooks: for `user.updated` and
    /// `user.deleted`, [`invalidate_user`](Self::invalidate_user)s the user and returns
    /// its id; any other event is left alone (`Ok(None)`).
    ///
    /// ```no_run
    /// use axum::{extract::State, http::StatusCode};
    /// use clerk_runtime::{webhooks::Webhook, Clerk};
    ///
    /// async fn clerk_webhook(State(clerk): State<Clerk>, event: Webhook) -> StatusCode {
    ///     match clerk.handle_user_webhook(&event).await {
    ///         Ok(_) => StatusCode::NO_CONTENT,
    ///         Err(_) => {
    ///             event.allow_retry(); // Svix delivers it again later
    ///             StatusCode::SERVICE_UNAVAILABLE
    ///         }
    ///     }
    /// }
    /// ```
    pub async fn handle_user_webhook<'e>(
        &self,
        event: &'e crate::webhooks::WebhookEvent,
    ) -> Result<Option<&'e str>, crate::cache::CacheError> {
        use crate::webhooks::WebhookEvent;
        let user_id = match event {
            WebhookEvent::UserUpdated(user) => Some(user.id.as_str()),
            WebhookEvent::UserDeleted(deleted) => deleted.id.as_deref(),
            _ => None,
        };
        match user_id.filter(|id| !id.is_empty()) {
            Some(id) => self.invalidate_user(id).await.map(|()| Some(id)),
            None => Ok(None),
        }
    }

    /// Hits and misses of the verified-token cache (`None` when it is disabled).
    pub fn token_cache_stats(&self) -> Option<(u64, u64)> {
        self.inner.token_cache.as_ref().map(|c| c.stats())
    }
}
