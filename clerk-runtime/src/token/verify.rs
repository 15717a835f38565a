//! `verify_token`: the rules of `@clerk/backend`'s `verifyToken`, in its order, with the
//! deliberate differences listed in the crate docs ("Where this SDK differs").

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde_json::{Map, Value};

use super::cache::{Cached, TokenCache, TokenCacheConfig};
use super::error::{TokenVerificationError, TokenVerificationErrorReason as Reason};
use super::jwks::{JwksCache, JwksSettings, KeySource};
use super::jwt::{self, DecodedJwt, CAT_M2M};
use super::rules::{js_json, with_action, ClaimFacts, Rules};
use crate::api::{RetryPolicy, Transport};
use crate::claims::SessionClaims;
use crate::session::SessionShared;
use crate::wire;

/// Clock skew used when none is configured: 5 seconds, as in `@clerk/backend`.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);

/// Options of [`verify_token`], mirroring `verifyToken`'s options object.
///
/// Build it with struct update syntax; every field has a default:
///
/// ```
/// use clerk_runtime::VerifyTokenOptions;
/// let options = VerifyTokenOptions {
///     secret_key: Some("sk_test_xxx".into()),
///     authorized_parties: vec!["https://app.example.com".into()],
///     ..Default::default()
/// };
/// assert!(format!("{options:?}").contains("[redacted]"));
/// ```
#[derive(Clone, Default)]
pub struct VerifyTokenOptions {
    /// PEM public key for networkless verification (`CLERK_JWT_KEY`). Wins over `secret_key`.
    pub jwt_key: Option<String>,
    /// Secret key used to fetch the JWKS from the Backend API.
    pub secret_key: Option<String>,
    /// Backend API base URL; default `https://api.clerk.com`.
    pub api_url: Option<String>,
    /// Backend API version path segment; default `v1`.
    pub api_version: Option<String>,
    /// Accepted `azp` values; empty means no check.
    pub authorized_parties: Vec<String>,
    /// Accepted `aud` values; empty means no check.
    pub audience: Vec<String>,
    /// Required exact `iss`; `None` means no check (Clerk's default).
    pub issuer: Option<String>,
    /// Allowed clock difference; `None` means 5 seconds.
    pub clock_skew: Option<Duration>,
    /// The time to verify at; `None` means the system clock.
    pub now: Option<SystemTime>,
}

impl fmt::Debug for VerifyTokenOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyTokenOptions")
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "[redacted]"))
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("authorized_parties", &self.authorized_parties)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("clock_skew", &self.clock_skew)
            .field("now", &self.now)
            .finish()
    }
}

/// Verifies a Clerk session token and returns its claims, like `verifyToken` in
/// `@clerk/backend` 3.25: same checks, same order, same reason codes
/// ([`TokenVerificationError::reason`]).
///
/// Keys come from `jwt_key` (networkless) or from the instance's JWKS fetched with
/// `secret_key`. Like the JavaScript SDK, this function keeps a small process-wide cache
/// of keys per `(api_url, api_version, secret_key)` and per PEM, so repeated calls do not
/// refetch or reparse. Applications should prefer a [`Clerk`](crate::Clerk) instance,
/// whose cache is its own.
///
/// ```
/// # async fn run() {
/// use clerk_runtime::{verify_token, VerifyTokenOptions};
/// let options = VerifyTokenOptions { jwt_key: Some("…".into()), ..Default::default() };
/// match verify_token("eyJ…", &options).await {
///     Ok(claims) => println!("signed in as {}", claims.subject()),
///     Err(err) => println!("refused: {}", err.reason()),
/// }
/// # }
/// ```
pub async fn verify_token(
    token: &str,
    options: &VerifyTokenOptions,
) -> Result<SessionClaims, TokenVerificationError> {
    let (source, cache) = shared_key_source(options);
    let rules = Rules {
        authorized_parties: &options.authorized_parties,
        audience: &options.audience,
        issuer: options.issuer.as_deref(),
        clock_skew: options.clock_skew.unwrap_or(DEFAULT_CLOCK_SKEW),
        now: options.now.unwrap_or_else(SystemTime::now),
    };
    let shared = verify(token, &source, cache.as_deref(), &rules, |_, _| Ok(())).await?;
    Ok(shared.claims().clone())
}

/// Verifies `token`, through the verified-token cache when there is one.
///
/// `precheck` runs before verification with the header (`None` on a cache hit: only tokens
/// whose header passed [`check_header`] are cached) and the payload; `authenticate_request`
/// uses it for its token-type and `__client_uat` rules.
pub(crate) async fn verify<E>(
    token: &str,
    source: &KeySource,
    cache: Option<&TokenCache>,
    rules: &Rules<'_>,
    precheck: impl Fn(Option<&Map<String, Value>>, &Map<String, Value>) -> Result<(), E>,
) -> Result<Arc<SessionShared>, E>
where
    E: From<TokenVerificationError>,
{
    if let Some(cache) = cache {
        if let Some(hit) = cache.get(token, rules.now) {
            precheck(None, hit.shared.claims().as_map())?;
            let key = source.resolve(hit.kid.as_deref()).await?;
            if Arc::ptr_eq(&key, &hit.key) {
                hit.facts.check(rules)?;
                if hit.shared.token() == token {
                    return Ok(hit.shared.clone());
                }
                // Another padding of the cached token: same claims, but the session
                // hands back the token as this request carried it.
                return Ok(Arc::new(SessionShared::new(
                    hit.shared.claims().clone(),
                    token,
                )));
            }
            // The JWKS no longer has the key that verified this token.
            cache.remove(token);
        }
    }
    let decoded = jwt::decode(token)?;
    precheck(Some(&decoded.header), &decoded.payload)?;
    Ok(verify_decoded(decoded, token, source, cache, rules, true).await?)
}

/// `verifyToken` of `@clerk/backend` as its handshake resolution and server-side refresh
/// call it on the session token they receive: only a machine category (`cat`) is refused
/// before the signature and claims, any other is accepted (the request's own tokens get
/// the category check earlier in `authenticateRequest`). Never through the token cache,
/// whose hits skip the header checks.
pub(crate) async fn verify_any_category(
    token: &str,
    source: &KeySource,
    rules: &Rules<'_>,
) -> Result<Arc<SessionShared>, TokenVerificationError> {
    let decoded = jwt::decode(token)?;
    verify_decoded(decoded, token, source, None, rules, false).await
}

/// Steps 2 to 14 of verification (step 1, decoding, is done by the caller).
async fn verify_decoded(
    decoded: DecodedJwt<'_>,
    token: &str,
    source: &KeySource,
    cache: Option<&TokenCache>,
    rules: &Rules<'_>,
    session_category_only: bool,
) -> Result<Arc<SessionShared>, TokenVerificationError> {
    let rs256 = check_header_with(&decoded, session_category_only)?;
    let kid = decoded.header_str("kid").map(Box::<str>::from);
    let key = source.resolve(kid.as_deref()).await?;
    if !rs256 {
        // Clerk's keys are tagged RS256; WebCrypto refuses to use them with SHA-384/512.
        return Err(TokenVerificationError::new(
            Reason::TokenVerificationFailed,
            "Error verifying JWT signature: the key is for RS256 only.",
        ));
    }
    if let Some(cache) = cache {
        cache.note_signature_check();
    }
    if !key.verify_rs256(decoded.signing_input, &decoded.signature) {
        return Err(TokenVerificationError::new(
            Reason::TokenInvalidSignature,
            "JWT signature is invalid.",
        ));
    }
    let exp = decoded
        .payload
        .get("exp")
        .and_then(Value::as_f64)
        .map(|e| e as i64);
    let facts = ClaimFacts::of(&decoded.payload);
    let shared = Arc::new(SessionShared::new(
        SessionClaims::from_verified(decoded.payload),
        token,
    ));
    let checked = facts.check(rules);
    if let Some(cache) = cache {
        cache.insert(
            token,
            Cached {
                shared: shared.clone(),
                key,
                kid,
                facts,
            },
            exp,
            rules.clock_skew,
            rules.now,
        );
    }
    checked?;
    Ok(shared)
}

/// The `typ` check (absent or `"JWT"`) and the `alg` allow-list, in Clerk's order and with
/// its messages. Returns whether `alg` is RS256 (RS384/RS512 pass the allow-list but fail
/// later, after the key is resolved).
fn check_typ_and_alg(header: &Map<String, Value>) -> Result<bool, TokenVerificationError> {
    match header.get("typ") {
        None => {}
        Some(Value::String(t)) if t == "JWT" => {}
        Some(other) => {
            return Err(TokenVerificationError::new(
                Reason::TokenInvalid,
                with_action(format!(
                    "Invalid JWT type {}. Expected \"JWT\".",
                    js_json(Some(other))
                )),
            ))
        }
    }
    Ok(match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => true,
        Some("RS384" | "RS512") => false,
        _ => {
            return Err(TokenVerificationError::new(
                Reason::TokenInvalidAlgorithm,
                with_action(format!(
                    "Invalid JWT algorithm {}. Supported: RS256,RS384,RS512.",
                    js_json(header.get("alg"))
                )),
            ))
        }
    })
}

/// Header checks, before any key lookup. Returns whether `alg` is RS256 (RS384/RS512 pass
/// the allow-list but fail later, after the key is resolved).
#[cfg(feature = "fuzzing")]
pub(crate) fn check_header(decoded: &DecodedJwt<'_>) -> Result<bool, TokenVerificationError> {
    check_header_with(decoded, true)
}

/// [`check_header`], with the session-category check only when `session_category_only`
/// (the machine category is refused either way).
fn check_header_with(
    decoded: &DecodedJwt<'_>,
    session_category_only: bool,
) -> Result<bool, TokenVerificationError> {
    let header = &decoded.header;
    if header.get("cat").and_then(Value::as_str) == Some(CAT_M2M) {
        return Err(TokenVerificationError::new(
            Reason::TokenInvalid,
            with_action("Invalid session token category.".to_owned()),
        ));
    }
    let rs256 = check_typ_and_alg(header)?;
    if session_category_only && !decoded.has_session_category() {
        return Err(TokenVerificationError::new(
            Reason::TokenInvalid,
            "The token's category (cat) is not a session token.",
        ));
    }
    if header.contains_key("crit") {
        return Err(TokenVerificationError::new(
            Reason::TokenInvalid,
            "The token has critical header parameters (crit) this SDK does not understand.",
        ));
    }
    Ok(rs256)
}

/// Key sources (and their verified-token caches) for the free function, shared
/// process-wide like `@clerk/backend`'s module cache, bounded so that distinct keys cannot
/// grow it without limit. Lookups compare the options in place (no allocation).
fn shared_key_source(options: &VerifyTokenOptions) -> (KeySource, Option<Arc<TokenCache>>) {
    const MAX_ENTRIES: usize = 32;
    type Registry = RwLock<Vec<(RegistryKey, KeySource, Arc<TokenCache>)>>;
    static REGISTRY: OnceLock<Registry> = OnceLock::new();

    let wanted = WantedKey::of(options);
    if let WantedKey::None = wanted {
        return (KeySource::Unresolvable, None);
    }
    let registry = REGISTRY.get_or_init(Default::default);
    let find = |entries: &[(RegistryKey, KeySource, Arc<TokenCache>)]| {
        entries
            .iter()
            .find(|(k, _, _)| wanted.matches(k))
            .map(|(_, source, cache)| (source.clone(), Some(cache.clone())))
    };
    if let Some(found) = find(&registry.read().unwrap_or_else(|e| e.into_inner())) {
        return found;
    }
    let (key, source) = match wanted {
        WantedKey::Pem(pem) => (
            RegistryKey::Pem(pem.to_owned()),
            KeySource::from_pem_lenient(pem),
        ),
        WantedKey::Jwks {
            api_url,
            api_version,
            secret_key,
        } => (
            RegistryKey::Jwks {
                api_url: api_url.to_owned(),
                api_version: api_version.to_owned(),
                secret_key: secret_key.to_owned(),
            },
            KeySource::Jwks(Arc::new(JwksCache::new(
                JwksSettings::new(api_url, api_version),
                Arc::new(Transport::new(
                    wire::default_http_client(),
                    api_url,
                    api_version.trim_matches('/'),
                    Some(secret_key),
                    HeaderMap::new(),
                    RetryPolicy::default(),
                )),
            ))),
        ),
        WantedKey::None => return (KeySource::Unresolvable, None),
    };
    let mut entries = registry.write().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = find(&entries) {
        return found;
    }
    if entries.len() >= MAX_ENTRIES {
        entries.remove(0);
    }
    let cache = Arc::new(TokenCache::new(TokenCacheConfig::default()));
    entries.push((key, source.clone(), cache.clone()));
    (source, Some(cache))
}

enum RegistryKey {
    Pem(String),
    Jwks {
        api_url: String,
        api_version: String,
        secret_key: String,
    },
}

/// The key source the options ask for, borrowed from them.
enum WantedKey<'o> {
    Pem(&'o str),
    Jwks {
        api_url: &'o str,
        api_version: &'o str,
        secret_key: &'o str,
    },
    None,
}

impl<'o> WantedKey<'o> {
    fn of(options: &'o VerifyTokenOptions) -> Self {
        let non_empty = |s: &'o Option<String>| s.as_deref().filter(|s| !s.is_empty());
        if let Some(pem) = non_empty(&options.jwt_key) {
            return Self::Pem(pem);
        }
        match non_empty(&options.secret_key) {
            Some(secret_key) => Self::Jwks {
                api_url: non_empty(&options.api_url).unwrap_or(wire::DEFAULT_API_URL),
                api_version: non_empty(&options.api_version).unwrap_or(wire::DEFAULT_API_VERSION),
                secret_key,
            },
            None => Self::None,
        }
    }

    fn matches(&self, key: &RegistryKey) -> bool {
        match (self, key) {
            (Self::Pem(a), RegistryKey::Pem(b)) => *a == b,
            (
                Self::Jwks {
                    api_url,
                    api_version,
                    secret_key,
                },
                RegistryKey::Jwks {
                    api_url: u,
                    api_version: v,
                    secret_key: k,
                },
            ) => api_url == u && api_version == v && secret_key == k,
            _ => false,
        }
    }
}

/// `verifyHandshakeToken` of `@clerk/backend` (docs/handshake-spec.md §5.2): the signature
/// of a `__clerk_handshake` JWT with the instance key, its `typ`, `alg` and `cat`; no time
/// or party claims. Returns the payload.
pub(crate) async fn verify_handshake_token(
    token: &str,
    source: &KeySource,
) -> Result<Map<String, Value>, TokenVerificationError> {
    let decoded = jwt::decode(token)?;
    let key = source.resolve(decoded.header_str("kid")).await?;
    let header = &decoded.header;
    let rs256 = check_typ_and_alg(header)?;
    if let Some(cat) = header.get("cat") {
        if !matches!(cat.as_str(), Some(jwt::CAT_SESSION | jwt::CAT_IGNORE)) {
            return Err(TokenVerificationError::new(
                Reason::TokenInvalid,
                with_action("Invalid handshake token category.".to_owned()),
            ));
        }
    }
    if !rs256 {
        return Err(TokenVerificationError::new(
            Reason::TokenVerificationFailed,
            "Error verifying handshake token. the key is for RS256 only.",
        ));
    }
    if !key.verify_rs256(decoded.signing_input, &decoded.signature) {
        return Err(TokenVerificationError::new(
            Reason::TokenInvalidSignature,
            "Handshake signature is invalid.",
        ));
    }
    Ok(decoded.payload)
}
