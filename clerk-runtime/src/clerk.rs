//! The [`Clerk`] handle: one configured instance, and everything done through it.
//!
//! How a `Clerk` is made (the builder, the environment) is in `config.rs`; this file only
//! holds what an instance has and does.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::api::{ApiError, Transport, User};
use crate::cache::{CacheError, CacheHandle, UserLoads};
use crate::claims::SessionClaims;
use crate::machine::{self, MachineAuth, MachineState, MachineTokenVerificationError, TokenType};
use crate::publishable_key::PublishableKey;
use crate::token::cache::TokenCache;
use crate::token::jwks::{JwksCache, KeySource};
use crate::token::jwt::DecodedJwt;
use crate::token::{self, Rules, TokenVerificationError};
use crate::webhooks::WebhookEvent;

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
    pub machine: Arc<MachineState>,
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
    /// Satellite, domain, proxy, configured sign-in/up URLs (the handshake ladder).
    pub frontend: crate::frontend::FrontendSettings,
    /// The pace of nonce exchanges and server-side refreshes.
    pub handshake_pacer: Arc<crate::frontend::Pacer>,
    /// `__session_<suffix>` and `__client_uat_<suffix>`, and what chooses between them and
    /// the plain cookies, when a publishable key is set.
    pub suffixed_cookies: Option<crate::token::extract::CookieFamily>,
    /// Shared with every `Session` this instance verifies (`get_token`).
    pub api: Arc<Transport>,
    pub keys: KeySource,
    pub token_cache: Option<Arc<TokenCache>>,
    pub user_cache: Option<Arc<CacheHandle>>,
    /// `User` loads in flight: single flight per user id, with or without a user cache.
    pub user_loads: Arc<UserLoads>,
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

// Settings and state of the instance.
impl Clerk {
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

    /// Where signed-out browsers are sent by `protect(redirect_to_sign_in)`.
    pub fn sign_in_url(&self) -> Option<&str> {
        self.inner.sign_in_url.as_deref()
    }

    /// The sign-up URL, when configured (`sign_up_url`, `CLERK_SIGN_UP_URL`).
    pub fn sign_up_url(&self) -> Option<&str> {
        self.inner.frontend.sign_up_url.as_deref()
    }

    /// Whether this app is a satellite (`is_satellite`, `CLERK_IS_SATELLITE`).
    ///
    /// ```
    /// let clerk = clerk_runtime::Clerk::builder()
    ///     .secret_key("sk_live_abc")
    ///     .is_satellite(true)
    ///     .domain("satellite.example.com")
    ///     .without_env()
    ///     .build()
    ///     .unwrap();
    /// assert!(clerk.is_satellite());
    /// assert_eq!(clerk.domain(), Some("satellite.example.com"));
    /// assert_eq!(clerk.proxy_url(), None);
    /// ```
    pub fn is_satellite(&self) -> bool {
        self.inner.frontend.is_satellite
    }

    /// The satellite's domain (`domain`, `CLERK_DOMAIN`).
    pub fn domain(&self) -> Option<&str> {
        self.inner.frontend.domain.as_deref()
    }

    /// The Frontend API proxy URL as configured (`proxy_url`, `CLERK_PROXY_URL`).
    pub fn proxy_url(&self) -> Option<&str> {
        self.inner.frontend.proxy_url.as_deref()
    }

    /// Whether a `pending` session counts as signed out (as set by
    /// [`ClerkBuilder::treat_pending_as_signed_out`](crate::ClerkBuilder::treat_pending_as_signed_out)).
    pub fn treat_pending_as_signed_out(&self) -> bool {
        self.inner.treat_pending_as_signed_out
    }

    /// Renamed to [`treat_pending_as_signed_out`](Self::treat_pending_as_signed_out), the
    /// name of the builder option.
    #[deprecated(note = "renamed to treat_pending_as_signed_out")]
    pub fn treats_pending_as_signed_out(&self) -> bool {
        self.treat_pending_as_signed_out()
    }

    /// The keys that verify this instance's session tokens, when they come from the
    /// Backend API: the JWKS cache of token verification (for diagnostics). `None` with a
    /// JWT key (networkless) or without a secret key. Not to be confused with
    /// [`jwks_api`](Self::jwks_api), the uncached `GET /jwks` call.
    pub fn verification_keys(&self) -> Option<&JwksCache> {
        match &self.inner.keys {
            KeySource::Jwks(cache) => Some(cache),
            _ => None,
        }
    }

    /// Renamed to [`verification_keys`](Self::verification_keys).
    #[deprecated(note = "renamed to verification_keys")]
    pub fn jwks_cache(&self) -> Option<&JwksCache> {
        self.verification_keys()
    }

    /// Hits and misses of the verified-token cache, and the RSA signature checks made
    /// through it (`None` when it is disabled).
    ///
    /// ```
    /// let clerk = clerk_runtime::Clerk::builder().without_env().build().unwrap();
    /// let counters = clerk.token_cache_counters().expect("on by default");
    /// assert_eq!((counters.hits, counters.misses), (0, 0));
    /// assert_eq!(counters.signature_checks, 0);
    /// ```
    pub fn token_cache_counters(&self) -> Option<TokenCacheStats> {
        self.inner.token_cache.as_ref().map(|c| {
            let counts = c.counts();
            TokenCacheStats {
                hits: counts.hits,
                misses: counts.misses,
                signature_checks: counts.signature_checks,
            }
        })
    }

    /// `(hits, misses)` of the verified-token cache: use
    /// [`token_cache_counters`](Self::token_cache_counters), whose fields are named.
    #[deprecated(note = "renamed to token_cache_counters, which returns named fields")]
    pub fn token_cache_stats(&self) -> Option<(u64, u64)> {
        self.token_cache_counters().map(|c| (c.hits, c.misses))
    }
}

// Verification: session tokens and machine tokens, at the instance's time and rules.
impl Clerk {
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

    /// Verifies a machine token: an API key (`ak_…`), an M2M token (`mt_…`, or a JWT with an
    /// `mch_` subject) or an OAuth access token (`oat_…`, or an `at+jwt` JWT), as
    /// `@clerk/backend`'s `verifyMachineAuthToken` does (see [`crate::machine`]).
    ///
    /// Opaque tokens are verified by the Backend API (a positive answer is cached for a few
    /// seconds, [`MachineTokenCacheConfig`](crate::MachineTokenCacheConfig)); JWT forms
    /// locally with the instance's keys.
    ///
    /// ```no_run
    /// # async fn run(clerk: clerk_runtime::Clerk) {
    /// match clerk.verify_machine_token("ak_…").await {
    ///     Ok(machine) => println!("{} of {}, scopes {:?}", machine.token_type(), machine.subject(), machine.scopes()),
    ///     Err(err) => println!("refused: {}", err.reason()), // "token-invalid", "secret-key-invalid", …
    /// }
    /// # }
    /// ```
    pub async fn verify_machine_token(
        &self,
        token: &str,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        machine::Verifier(self).verify_machine_token(token).await
    }

    /// An opaque machine token of a known type (cached, one Backend API call at a time).
    pub(crate) async fn verify_opaque_machine_token(
        &self,
        token: &str,
        token_type: TokenType,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        machine::Verifier(self)
            .verify_opaque_machine_token(token, token_type)
            .await
    }

    /// A JWT form of an M2M or OAuth token, verified with the instance's keys.
    pub(crate) async fn verify_machine_jwt(
        &self,
        decoded: DecodedJwt<'_>,
        token: &str,
        token_type: TokenType,
    ) -> Result<MachineAuth, MachineTokenVerificationError> {
        machine::Verifier(self)
            .verify_machine_jwt(decoded, token, token_type)
            .await
    }

    pub(crate) fn now(&self) -> SystemTime {
        #[cfg(any(test, feature = "testing"))]
        if let Some(t) = self.inner.clock {
            return t;
        }
        SystemTime::now()
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

    /// A copy of this instance that verifies as if the time were `now` (tests only).
    #[cfg(any(test, feature = "testing"))]
    #[doc(hidden)]
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
                frontend: i.frontend.clone(),
                handshake_pacer: i.handshake_pacer.clone(),
                suffixed_cookies: i.suffixed_cookies.clone(),
                api: i.api.clone(),
                keys: i.keys.clone(),
                token_cache: i.token_cache.clone(),
                user_cache: i.user_cache.clone(),
                user_loads: i.user_loads.clone(),
                clock: Some(now),
            }),
        }
    }
}

// Users: loading them through the user cache, and keeping it in sync.
impl Clerk {
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
    /// Concurrent loads of one user share one Backend API call, with or without a user
    /// cache (Clerk rate-limits the Backend API per instance).
    pub async fn load_user(&self, user_id: &str) -> Result<User, ApiError> {
        let cache = self.inner.user_cache.as_deref();
        if let Some(cache) = cache {
            if let Some(user) = cache.get(user_id).await {
                return Ok(user);
            }
        }
        self.inner
            .user_loads
            .load_once(user_id, || async {
                let user = self.users().get(user_id).await?;
                if let Some(cache) = cache {
                    cache.put(&user).await;
                }
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
    pub async fn invalidate_user(&self, user_id: &str) -> Result<(), CacheError> {
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
        event: &'e WebhookEvent,
    ) -> Result<Option<&'e str>, CacheError> {
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
}

// The resources of the Backend API, each a handle borrowed from the instance.
impl Clerk {
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
    /// it: it has its own cache, [`Clerk::verification_keys`].
    pub fn jwks_api(&self) -> crate::api::JwksKeys<'_> {
        crate::api::JwksKeys {
            transport: &self.inner.api,
        }
    }

    /// Renamed to [`jwks_api`](Self::jwks_api) (the uncached Backend API call), so that it
    /// is not taken for the verifier's cache, [`verification_keys`](Self::verification_keys).
    #[deprecated(note = "renamed to jwks_api")]
    pub fn jwks(&self) -> crate::api::JwksKeys<'_> {
        self.jwks_api()
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
}

impl machine::Instance for Clerk {
    fn api(&self) -> &Transport {
        &self.inner.api
    }
    fn machine(&self) -> &MachineState {
        &self.inner.machine
    }
    fn keys(&self) -> &KeySource {
        &self.inner.keys
    }
    fn now(&self) -> SystemTime {
        Clerk::now(self)
    }
    fn rules(&self) -> Rules<'_> {
        Clerk::rules(self)
    }
}

/// What [`Clerk::token_cache_counters`] counts: verifications the verified-token cache
/// answered, and those it did not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Tokens found in the cache (verified before, still valid).
    pub hits: u64,
    /// Tokens not found in it, verified in full.
    pub misses: u64,
    /// RSA signature checks (the expensive step, about 27 µs each) made by verifications
    /// through the cache: misses whose token got as far as the signature, and hits whose
    /// signing key had changed since. A cache that works keeps this near the number of
    /// distinct tokens seen.
    pub signature_checks: u64,
}
