//! [`MachineAuth`]: a verified machine token, Clerk's machine auth object.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::TokenType;
use crate::session::Has;

/// A verified machine token: an API key, an M2M token or an OAuth access token. The
/// machine counterpart of [`Session`](crate::Session), mirroring the auth objects of
/// `@clerk/backend` for `api_key`, `m2m_token` and `oauth_token`.
///
/// Cheap to clone (one reference count). Inject it into a handler of
/// `#[clerk::protect(accepts = [api_key, m2m, oauth])]`, or use it as a plain axum
/// extractor (any machine token type; 401 otherwise).
///
/// | accessor | `api_key` | `m2m_token` | `oauth_token` |
/// |---|---|---|---|
/// | [`id`](Self::id) | `ak_…` | `mt_…` (a JWT's `jti`) | `oat_…` (a JWT's `jti`) |
/// | [`subject`](Self::subject) | `user_…`, `org_…` or `mch_…` | `mch_…` | `user_…` |
/// | [`user_id`](Self::user_id) | subject if `user_…` | — | subject |
/// | [`org_id`](Self::org_id) | subject if `org_…` | — | — |
/// | [`machine_id`](Self::machine_id) | — | subject | — |
/// | [`client_id`](Self::client_id) | — | — | the OAuth application's client id |
/// | [`name`](Self::name) | the key's name | — | — |
/// | [`claims`](Self::claims) | custom claims | custom claims (a JWT's payload) | — (a JWT's payload) |
///
/// ```
/// use clerk_runtime::{MachineAuth, TokenType};
/// fn describe(machine: &MachineAuth) -> String {
///     match machine.token_type() {
///         TokenType::ApiKey => format!("API key {:?} of {}", machine.name(), machine.subject()),
///         TokenType::M2mToken => format!("machine {:?}", machine.machine_id()),
///         _ => format!("OAuth client {:?} for {:?}", machine.client_id(), machine.user_id()),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct MachineAuth {
    inner: Arc<MachineShared>,
}

/// What a verified machine token says (shared by the cache and every request carrying it).
pub(crate) struct MachineShared {
    pub token_type: TokenType,
    pub id: String,
    pub subject: String,
    pub scopes: Vec<String>,
    pub claims: Option<Value>,
    pub name: Option<String>,
    pub client_id: Option<String>,
    /// Unix milliseconds, as the Backend API reports it (a JWT's `exp` × 1000).
    pub expiration: Option<i64>,
    pub jwt: bool,
    pub token: Box<str>,
}

impl MachineAuth {
    pub(crate) fn new(shared: MachineShared) -> Self {
        Self {
            inner: Arc::new(shared),
        }
    }

    /// The token type: [`TokenType::ApiKey`], [`TokenType::M2mToken`] or
    /// [`TokenType::OAuthToken`].
    pub fn token_type(&self) -> TokenType {
        self.inner.token_type
    }

    /// The token's id (`ak_…`, `mt_…`, `oat_…`; for a JWT form its `jti`, or empty).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Who the token stands for: `user_…`, `org_…` or `mch_…`.
    pub fn subject(&self) -> &str {
        &self.inner.subject
    }

    /// The granted scopes (for M2M tokens: the machines it may reach, `mch_…`).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// Whether `scope` is one of [`scopes`](Self::scopes).
    ///
    /// ```
    /// # fn run(machine: clerk_runtime::MachineAuth) {
    /// if !machine.has_scope("write") { /* answer 403 */ }
    /// # }
    /// ```
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.iter().any(|s| s == scope)
    }

    /// The custom claims of an API key or M2M token (`null` ones are `None`); for a JWT
    /// form, its whole verified payload.
    pub fn claims(&self) -> Option<&Value> {
        self.inner.claims.as_ref()
    }

    /// The API key's name (`api_key` only).
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// The user the token acts for: an API key whose subject is `user_…`, or the subject of
    /// an OAuth token.
    pub fn user_id(&self) -> Option<&str> {
        match self.inner.token_type {
            TokenType::ApiKey => Some(self.subject()).filter(|s| s.starts_with("user_")),
            TokenType::OAuthToken => Some(self.subject()),
            _ => None,
        }
    }

    /// The organization of an API key whose subject is `org_…`.
    pub fn org_id(&self) -> Option<&str> {
        match self.inner.token_type {
            TokenType::ApiKey => Some(self.subject()).filter(|s| s.starts_with("org_")),
            _ => None,
        }
    }

    /// The machine of an M2M token (its subject, `mch_…`).
    pub fn machine_id(&self) -> Option<&str> {
        match self.inner.token_type {
            TokenType::M2mToken => Some(self.subject()),
            _ => None,
        }
    }

    /// The OAuth application's client id (`oauth_token` only).
    pub fn client_id(&self) -> Option<&str> {
        self.inner.client_id.as_deref()
    }

    /// When the token expires, in Unix milliseconds, when it does.
    pub fn expiration(&self) -> Option<i64> {
        self.inner.expiration
    }

    /// Whether the token was a JWT verified locally (rather than an opaque token verified
    /// by the Backend API).
    pub fn is_jwt(&self) -> bool {
        self.inner.jwt
    }

    /// The raw token (Clerk's `getToken()`), to forward it. A secret: never log it.
    pub fn token(&self) -> &str {
        &self.inner.token
    }

    /// Always `false`: roles, permissions, features and plans belong to sessions, and Clerk's
    /// `has()` of a machine auth object is `false`. Check [`scopes`](Self::scopes) instead.
    pub fn has(&self, _check: &Has) -> bool {
        false
    }
}

impl fmt::Debug for MachineAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineAuth")
            .field("token_type", &self.token_type().as_str())
            .field("id", &self.id())
            .field("subject", &self.subject())
            .field("scopes", &self.scopes())
            .field("name", &self.name())
            .field("client_id", &self.client_id())
            .finish_non_exhaustive()
    }
}
