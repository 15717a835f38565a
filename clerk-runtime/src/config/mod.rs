//! Configuration: how a [`Clerk`] is made, from options ([`ClerkBuilder`]) and from the
//! environment ([`Clerk::from_env`]), and what is refused ([`ConfigError`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::api::{RetryPolicy, Transport};
use crate::cache::{CacheHandle, InMemoryUserCache, UserCache, DEFAULT_USER_CACHE_TIMEOUT};
use crate::clerk::{Clerk, ClerkInner};
use crate::machine::{MachineState, MachineTokenCacheConfig, MachineVerificationBudget};
use crate::publishable_key::{InstanceType, PublishableKey};
use crate::token::cache::TokenCache;
use crate::token::extract::CookieFamily;
use crate::token::jwks::{self, JwksCache, JwksSettings, KeySource};
use crate::token::keys::VerifyingKey;
use crate::token::{self, TokenCacheConfig};
use crate::wire::{DEFAULT_API_URL, DEFAULT_API_VERSION};

mod env;
mod error;
mod frontend;
mod org_sync;
mod pacing;

use env::validate_secret_key;
pub use error::ConfigError;
pub use org_sync::OrganizationSyncOptions;

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
    Shared(Arc<dyn UserCache>),
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
    machine_token_cache: MachineTokenCacheConfig,
    machine_verification_budget: MachineVerificationBudget,
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
    jwks_failure_backoff: Duration,
    http_timeout: Duration,
    treat_pending_as_signed_out: bool,
    logging: Option<bool>,
    sign_in_url: Option<String>,
    sign_up_url: Option<String>,
    is_satellite: Option<bool>,
    domain: Option<String>,
    proxy_url: Option<String>,
    organization_sync: Option<OrganizationSyncOptions>,
    handshake_call_pacing: crate::frontend::HandshakeCallPacing,
    api_headers: reqwest::header::HeaderMap,
    api_retry: RetryPolicy,
    token_cache: Option<TokenCacheConfig>,
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
            machine_token_cache: MachineTokenCacheConfig::default(),
            machine_verification_budget: MachineVerificationBudget::default(),
            jwt_key: None,
            api_url: None,
            api_version: None,
            authorized_parties: None,
            audience: Vec::new(),
            issuer: IssuerSetting::Unset,
            clock_skew: None,
            jwks_cache_ttl: jwks::DEFAULT_JWKS_TTL,
            jwks_refetch_cooldown: jwks::DEFAULT_REFETCH_COOLDOWN,
            jwks_max_staleness: jwks::DEFAULT_MAX_STALENESS,
            jwks_failure_backoff: jwks::DEFAULT_FAILURE_BACKOFF,
            http_timeout: jwks::DEFAULT_FETCH_TIMEOUT,
            treat_pending_as_signed_out: true,
            logging: None,
            sign_in_url: None,
            sign_up_url: None,
            is_satellite: None,
            domain: None,
            proxy_url: None,
            organization_sync: None,
            handshake_call_pacing: Default::default(),
            api_headers: reqwest::header::HeaderMap::new(),
            api_retry: RetryPolicy::default(),
            token_cache: Some(TokenCacheConfig::default()),
            user_cache: None,
            user_cache_timeout: DEFAULT_USER_CACHE_TIMEOUT,
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
    /// Limits of the caches of opaque machine tokens (default: verified tokens 10 s, at
    /// most 10,000; Clerk's refusals 5 s, at most 10,000; a zero TTL turns one off). See
    /// [`MachineTokenCacheConfig`](MachineTokenCacheConfig).
    pub fn machine_token_cache(mut self, config: MachineTokenCacheConfig) -> Self {
        self.machine_token_cache = config;
        self
    }
    /// The budget of Backend API calls that verify opaque machine tokens (default: 50 a
    /// second, 20 at a time, a fifth of each reserved for tokens verified before); beyond
    /// it a token that is not cached is refused at once. See
    /// [`MachineVerificationBudget`](MachineVerificationBudget) (with an example).
    pub fn machine_verification_budget(mut self, budget: MachineVerificationBudget) -> Self {
        self.machine_verification_budget = budget;
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
    /// After a failed JWKS fetch, how long no new fetch starts (default 10 s,
    /// [`DEFAULT_FAILURE_BACKOFF`](crate::jwks::DEFAULT_FAILURE_BACKOFF)). Meanwhile
    /// requests get the cached keys at once (within
    /// [`jwks_max_staleness`](Self::jwks_max_staleness), unless the fetch was refused) or
    /// the fetch's error, instead of each retrying a failing endpoint. Shorter recovers
    /// sooner from a brief outage; longer spares the Backend API during a long one.
    ///
    /// ```
    /// use std::time::Duration;
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_test_abc")
    ///     .jwks_failure_backoff(Duration::from_secs(2))
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// # let _ = clerk;
    /// ```
    pub fn jwks_failure_backoff(mut self, backoff: Duration) -> Self {
        self.jwks_failure_backoff = backoff;
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
    /// Accounts Portal of the publishable key, `https://accounts.<domain>/sign-in`); env
    /// `CLERK_SIGN_IN_URL` (`NEXT_PUBLIC_CLERK_SIGN_IN_URL` in `@clerk/nextjs`). A
    /// satellite of a development instance syncs through it (`signInUrl`), so it must be
    /// absolute there.
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }
    /// The sign-up URL (`signUpUrl`; env `CLERK_SIGN_UP_URL`,
    /// `NEXT_PUBLIC_CLERK_SIGN_UP_URL` in `@clerk/nextjs`). Kept for the application;
    /// `authenticate_request` does not use it, as in `@clerk/backend`.
    ///
    /// ```
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_test_abc")
    ///     .sign_up_url("https://app.example.com/sign-up")
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(clerk.sign_up_url(), Some("https://app.example.com/sign-up"));
    /// ```
    pub fn sign_up_url(mut self, url: impl Into<String>) -> Self {
        self.sign_up_url = Some(url.into());
        self
    }
    /// This app is a satellite of another domain (`isSatellite`; env `CLERK_IS_SATELLITE`,
    /// `NEXT_PUBLIC_CLERK_IS_SATELLITE` in `@clerk/nextjs`, read as `true`/`false` or a
    /// number). A satellite needs [`domain`](Self::domain) or [`proxy_url`](Self::proxy_url),
    /// and on a development instance an absolute [`sign_in_url`](Self::sign_in_url) on the
    /// primary domain; browser navigations without cookies are then synced with the primary.
    ///
    /// ```
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_live_abc")
    ///     .is_satellite(true)
    ///     .domain("satellite.example.com")
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// # let _ = clerk;
    /// ```
    pub fn is_satellite(mut self, yes: bool) -> Self {
        self.is_satellite = Some(yes);
        self
    }
    /// The satellite's domain (`domain`; env `CLERK_DOMAIN`, `NEXT_PUBLIC_CLERK_DOMAIN` in
    /// `@clerk/nextjs`). On a production satellite the Frontend API is `clerk.<domain>`
    /// (handshake redirects and the cookie choice follow it).
    ///
    /// ```
    /// let builder = clerk_runtime::Clerk::builder().domain("satellite.example.com");
    /// # let _ = builder;
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// The Frontend API proxy (`proxyUrl`; env `CLERK_PROXY_URL`,
    /// `NEXT_PUBLIC_CLERK_PROXY_URL` in `@clerk/nextjs`): an absolute URL, or a path such
    /// as `/__clerk` resolved against each request's origin. Handshake redirects go to
    /// `<proxy>/v1/client/handshake`. With the local stand-in, use
    /// `MockClerk::frontend_api_url()`.
    ///
    /// ```
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_test_abc")
    ///     .proxy_url("/__clerk")
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// # let _ = clerk;
    /// ```
    pub fn proxy_url(mut self, url: impl Into<String>) -> Self {
        self.proxy_url = Some(url.into());
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
    /// Retries of idempotent Backend API calls (default: 3 retries within 10 s; a 429 is
    /// never retried, see [`RetryPolicy`]).
    pub fn api_retry(mut self, policy: RetryPolicy) -> Self {
        self.api_retry = policy;
        self
    }
    /// Limits of the verified-token cache (on by default; see [`TokenCacheConfig`](TokenCacheConfig)
    /// and the security notes of the cache in the crate docs).
    pub fn token_cache(mut self, config: TokenCacheConfig) -> Self {
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
    pub fn user_cache(mut self, cache: Arc<dyn UserCache>) -> Self {
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
        let machine = Arc::new(MachineState::new(
            machine_secret_key.as_deref(),
            self.machine_token_cache,
            self.machine_verification_budget,
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

        let frontend = self.frontend_settings(secret_key.as_deref())?;
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

        let api = Arc::new(Transport::new(
            http,
            &api_url,
            &api_version,
            secret_key.as_deref(),
            self.api_headers.clone(),
            self.api_retry,
        ));

        let keys = if let Some(key) = jwt_key {
            KeySource::Pem(Arc::new(key))
        } else if secret_key.is_some() {
            let mut settings = JwksSettings::new(&api_url, &api_version);
            settings.ttl = self.jwks_cache_ttl;
            settings.refetch_cooldown = self.jwks_refetch_cooldown;
            settings.max_staleness = self.jwks_max_staleness;
            settings.failure_backoff = self.jwks_failure_backoff;
            // The JWKS is fetched through the instance's Backend API transport, whose
            // client has the `http_timeout`.
            KeySource::Jwks(Arc::new(JwksCache::new(settings, api.clone())))
        } else {
            KeySource::Unresolvable
        };

        let suffixed_cookies = publishable_key.as_ref().map(|pk| {
            let suffix = pk.cookie_suffix();
            let production = pk.instance_type() == InstanceType::Production;
            // `originalFrontendApi`: a production satellite's is `clerk.<domain>`
            // (docs/handshake-spec.md §1.2, §1.3).
            let frontend_api = match (&frontend.domain, production && frontend.is_satellite) {
                (Some(domain), true) => format!("clerk.{domain}"),
                _ => pk.frontend_api().to_owned(),
            };
            CookieFamily {
                session: format!("__session_{suffix}"),
                client_uat: format!("__client_uat_{suffix}"),
                suffix,
                frontend_api,
                production,
            }
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
                frontend,
                handshake_pacer: Arc::new(crate::frontend::Pacer::new(self.handshake_call_pacing)),
                suffixed_cookies,
                api,
                keys,
                token_cache: self.token_cache.map(|c| Arc::new(TokenCache::new(c))),
                user_cache: self.user_cache.map(|setting| {
                    let cache: Arc<dyn UserCache> = match setting {
                        UserCacheSetting::InMemory(ttl) => Arc::new(InMemoryUserCache::new(ttl)),
                        UserCacheSetting::Shared(cache) => cache,
                    };
                    Arc::new(CacheHandle::new(cache, self.user_cache_timeout))
                }),
                user_loads: Arc::default(),
                #[cfg(any(test, feature = "testing"))]
                clock: None,
            }),
        })
    }
}
