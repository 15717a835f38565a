//! A signed-in session ([`Session`]) and the authorization checks ([`Has`]) made on it.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::api::{ApiError, ApiRequest, Token, Transport};
use crate::claims::{is_org_scope, is_user_scope, scoped_entries, AuthFields, SessionClaims};

/// A signed-in session: who the user is, their active organization, and the verified claims.
///
/// Cheap to clone (two reference counts).
///
/// ```
/// use clerk_runtime::{Has, Session};
/// fn handler(session: Session) -> String {
///     if session.has(&Has::role("org:admin")) {
///         format!("admin {} of {:?}", session.user_id(), session.org_id())
///     } else {
///         format!("member {}", session.user_id())
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionShared>,
    /// The Backend API of the instance that verified the session (`get_token`).
    api: Option<Arc<Transport>>,
}

/// What a verified token says, independent of the request: shared by every request that
/// carries the same token (and kept by the verified-token cache).
pub(crate) struct SessionShared {
    claims: SessionClaims,
    fields: AuthFields,
    token: Box<str>,
}

impl SessionShared {
    pub(crate) fn new(claims: SessionClaims, token: &str) -> Self {
        let fields = AuthFields::from_claims(&claims);
        Self {
            claims,
            fields,
            token: token.into(),
        }
    }

    pub(crate) fn claims(&self) -> &SessionClaims {
        &self.claims
    }

    /// The token as the request that verified it carried it.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Rough heap size, for cache accounting.
    pub(crate) fn approximate_size(&self) -> usize {
        self.claims.approximate_size() + self.token.len() + 256
    }
}

impl Session {
    /// A session for a request, from a verified token.
    pub(crate) fn from_shared(inner: Arc<SessionShared>, api: Option<Arc<Transport>>) -> Self {
        Self { inner, api }
    }

    /// A session token for this session, like Clerk's `getToken({ template })`.
    ///
    /// `None` returns the request's own session token. `Some(template)` asks the Backend API
    /// for a token of that JWT template (`POST /sessions/{id}/tokens/{template}`), e.g. for
    /// Supabase or Hasura.
    ///
    /// ```no_run
    /// # async fn run(session: clerk_runtime::Session) -> Result<(), clerk_runtime::api::ApiError> {
    /// let supabase_jwt = session.get_token(Some("supabase")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_token(&self, template: Option<&str>) -> Result<String, ApiError> {
        let Some(template) = template else {
            return Ok(self.token().to_owned());
        };
        let api = self.api.as_ref().ok_or(ApiError::MissingSecretKey)?;
        let request = ApiRequest::post(&["sessions", self.session_id(), "tokens", template]);
        let token: Token = api.send(request).await?;
        Ok(token.jwt)
    }

    /// The user id (`sub`), `user_…`.
    pub fn user_id(&self) -> &str {
        &self.inner.fields.user_id
    }

    /// The session id (`sid`), `sess_…`.
    pub fn session_id(&self) -> &str {
        self.inner.fields.session_id.as_deref().unwrap_or_default()
    }

    /// The session status claim (`sts`): `active` or `pending`, when the instance sends it.
    pub fn session_status(&self) -> Option<&str> {
        self.inner.fields.session_status.as_deref()
    }

    /// The active organization id.
    pub fn org_id(&self) -> Option<&str> {
        self.inner.fields.org_id.as_deref()
    }

    /// The user's role in the active organization, with its `org:` prefix (`org:admin`).
    pub fn org_role(&self) -> Option<&str> {
        self.inner.fields.org_role.as_deref()
    }

    /// The active organization's slug.
    pub fn org_slug(&self) -> Option<&str> {
        self.inner.fields.org_slug.as_deref()
    }

    /// The user's permissions in the active organization (`org:<feature>:<permission>`).
    pub fn org_permissions(&self) -> &[String] {
        self.inner
            .fields
            .org_permissions
            .as_deref()
            .unwrap_or_default()
    }

    /// The actor (`act`) when the session is an impersonation or an agent acting for the user.
    pub fn actor(&self) -> Option<&Value> {
        self.inner.fields.actor.as_ref()
    }

    /// Minutes since the last first- and second-factor verification (`fva`); `-1` means the
    /// factor is not enrolled.
    pub fn factor_verification_age(&self) -> Option<[i64; 2]> {
        match self.inner.fields.factor_verification_age.as_ref()? {
            Value::Array(a) if a.len() == 2 => Some([a[0].as_i64()?, a[1].as_i64()?]),
            _ => None,
        }
    }

    /// Authorization check, exactly as Clerk's `has()`; see [`Has`].
    pub fn has(&self, check: &Has) -> bool {
        check.evaluate(&self.inner.fields)
    }

    /// The verified claims.
    pub fn claims(&self) -> &SessionClaims {
        &self.inner.claims
    }

    /// The verified claims as one JSON object.
    pub fn claims_json(&self) -> Value {
        self.inner.claims.to_json()
    }

    /// Deserializes the claims into your own type (custom session claims).
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Custom { #[serde(default)] plan_tier: Option<String> }
    /// # fn run(session: clerk_runtime::Session) {
    /// let custom: Custom = session.claims_as().expect("claims match");
    /// # }
    /// ```
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.inner.claims.deserialize()
    }

    /// The raw session token this session was verified from (to forward it to another
    /// service). Treat it as a secret: never log it.
    pub fn token(&self) -> &str {
        &self.inner.token
    }

    /// Whether the session is `pending` (signed in, but with tasks to complete).
    pub fn is_pending(&self) -> bool {
        self.session_status() == Some("pending")
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id())
            .field("session_id", &self.session_id())
            .field("org_id", &self.org_id())
            .field("org_role", &self.org_role())
            .field("session_status", &self.session_status())
            .finish_non_exhaustive()
    }
}

/// Parameters of an authorization check, like the object passed to Clerk's `has()`.
///
/// Each parameter given is one condition and all must hold (AND); a check with no
/// parameter is false. Roles and permissions compare with their leading `org:` prefixes
/// normalised to one, as Clerk's `prefixWithOrg` does (`admin`, `org:admin` and
/// `org:org:admin` are one role); permissions are `org:<feature>:<permission>`; features
/// and plans take an optional scope (`org:`, `o:`, `organization:`, `user:`, `u:`).
///
/// ```
/// use clerk_runtime::{Has, Reverification};
/// let admin = Has::role("org:admin");
/// let can_invoice = Has::permission("org:invoices:create").and_feature("invoicing");
/// let fresh = Has::reverification(Reverification::Strict);
/// # let _ = (admin, can_invoice, fresh);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Has {
    /// An organization role (`org:admin` or `admin`).
    pub role: Option<String>,
    /// An organization permission (`org:invoices:create`).
    pub permission: Option<String>,
    /// A billing feature (`premium`, `user:premium`, `org:premium`).
    pub feature: Option<String>,
    /// A billing plan (`pro`, `user:pro`, `org:pro`).
    pub plan: Option<String>,
    /// A recent-verification requirement.
    pub reverification: Option<Reverification>,
}

impl Has {
    /// Requires this organization role.
    pub fn role(role: impl Into<String>) -> Self {
        Self::default().and_role(role)
    }
    /// Requires this organization permission.
    pub fn permission(permission: impl Into<String>) -> Self {
        Self::default().and_permission(permission)
    }
    /// Requires this feature.
    pub fn feature(feature: impl Into<String>) -> Self {
        Self::default().and_feature(feature)
    }
    /// Requires this plan.
    pub fn plan(plan: impl Into<String>) -> Self {
        Self::default().and_plan(plan)
    }
    /// Requires a recent verification.
    pub fn reverification(level: Reverification) -> Self {
        Self::default().and_reverification(level)
    }
    /// Adds a role condition.
    pub fn and_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }
    /// Adds a permission condition.
    pub fn and_permission(mut self, permission: impl Into<String>) -> Self {
        self.permission = Some(permission.into());
        self
    }
    /// Adds a feature condition.
    pub fn and_feature(mut self, feature: impl Into<String>) -> Self {
        self.feature = Some(feature.into());
        self
    }
    /// Adds a plan condition.
    pub fn and_plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }
    /// Adds a reverification condition.
    pub fn and_reverification(mut self, level: Reverification) -> Self {
        self.reverification = Some(level);
        self
    }

    pub(crate) fn evaluate(&self, fields: &AuthFields) -> bool {
        if fields.user_id.is_empty() {
            return false;
        }
        let results = [
            self.check_org(fields),
            self.check_billing(fields),
            self.check_reverification(fields),
        ];
        results.contains(&Verdict::Pass) && !results.contains(&Verdict::Fail)
    }

    fn check_org(&self, f: &AuthFields) -> Verdict {
        if self.role.is_none() && self.permission.is_none() {
            return Verdict::Skip;
        }
        if f.org_id.as_deref().unwrap_or_default().is_empty() {
            return Verdict::Fail;
        }
        if let Some(role) = &self.role {
            match f.org_role.as_deref() {
                Some(have) if !have.is_empty() && strip_org(have) == strip_org(role) => {}
                _ => return Verdict::Fail,
            }
        }
        if let Some(permission) = &self.permission {
            let Some(have) = &f.org_permissions else {
                return Verdict::Fail;
            };
            let wanted = strip_org(permission);
            if !have.iter().any(|p| p.strip_prefix("org:") == Some(wanted)) {
                return Verdict::Fail;
            }
        }
        Verdict::Pass
    }

    fn check_billing(&self, f: &AuthFields) -> Verdict {
        if self.feature.is_none() && self.plan.is_none() {
            return Verdict::Skip;
        }
        for (asked, claim) in [(&self.feature, &f.features), (&self.plan, &f.plans)] {
            if let Some(asked) = asked {
                match claim.as_deref() {
                    Some(claim) if !claim.is_empty() && has_feature_or_plan(claim, asked) => {}
                    _ => return Verdict::Fail,
                }
            }
        }
        Verdict::Pass
    }

    fn check_reverification(&self, f: &AuthFields) -> Verdict {
        let Some(config) = &self.reverification else {
            return Verdict::Skip;
        };
        let Some((level, after_minutes)) = config.level_and_minutes() else {
            return Verdict::Fail;
        };
        let Some(Value::Array(ages)) = &f.factor_verification_age else {
            return Verdict::Fail;
        };
        let valid_age = |v: &Value| {
            v.as_f64()
                .filter(|x| x.is_finite() && (*x == -1.0 || *x >= 0.0))
        };
        let (Some(f1), Some(f2), 2) = (
            ages.first().and_then(valid_age),
            ages.get(1).and_then(valid_age),
            ages.len(),
        ) else {
            return Verdict::Fail;
        };
        if f1 == -1.0 && f2 == -1.0 {
            return Verdict::Fail;
        }
        let fresh1 = f1 != -1.0 && after_minutes > f1;
        let fresh2 = f2 != -1.0 && after_minutes > f2;
        let pass = match level {
            ReverificationLevel::FirstFactor => fresh1,
            ReverificationLevel::SecondFactor => {
                if f2 == -1.0 {
                    fresh1
                } else {
                    fresh2
                }
            }
            ReverificationLevel::MultiFactor => {
                if f2 == -1.0 {
                    fresh1
                } else {
                    f1 != -1.0 && fresh1 && fresh2
                }
            }
        };
        if pass {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
    Skip,
}

/// `value` without any number of leading `org:`. Clerk's `prefixWithOrg` is
/// `value.replace(/^(org:)*/, "org:")` (`@clerk/shared` `authorization.ts`): every leading
/// `org:` is replaced by one, so `org:org:admin` and `admin` are the same role. Comparing
/// the stripped forms is comparing the prefixed ones.
fn strip_org(mut value: &str) -> &str {
    while let Some(rest) = value.strip_prefix("org:") {
        value = rest;
    }
    value
}

/// Clerk's `checkForFeatureOrPlan` over a `fea`/`pla` claim: `name` is looked up in the org
/// and user sets, `org:name`/`o:`/`organization:` in the org set, `user:name`/`u:` in the
/// user set; any other scope is false. A claim with an element Clerk cannot parse (no
/// colon) fails every check, as Clerk's parser throws and `has()` catches it as a failure.
fn has_feature_or_plan(claim: &str, asked: &str) -> bool {
    let mut org = Vec::new();
    let mut user = Vec::new();
    for entry in scoped_entries(claim) {
        let Some((scope, name)) = entry else {
            return false;
        };
        if is_org_scope(scope) {
            org.push(name);
        }
        if is_user_scope(scope) {
            user.push(name);
        }
    }
    let mut parts = asked.split(':');
    let raw_scope = parts.next().unwrap_or_default();
    let raw_id = parts.next();
    let id = match raw_id {
        Some(id) if !id.is_empty() => id,
        _ => raw_scope,
    };
    match raw_id.map(|_| raw_scope) {
        None => org.contains(&id) || user.contains(&id),
        Some("org" | "o" | "organization") => org.contains(&id),
        Some("user" | "u") => user.contains(&id),
        Some(_) => false,
    }
}

/// How recently the user must have verified, as in Clerk's reverification presets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reverification {
    /// Multi-factor within 10 minutes.
    StrictMfa,
    /// Second factor within 10 minutes.
    Strict,
    /// Second factor within 60 minutes.
    Moderate,
    /// Second factor within 24 hours.
    Lax,
    /// A custom level and window (minutes must be positive).
    Custom {
        /// Which factors.
        level: ReverificationLevel,
        /// Minutes since the verification.
        after_minutes: u32,
    },
}

impl Reverification {
    fn level_and_minutes(&self) -> Option<(ReverificationLevel, f64)> {
        Some(match self {
            Self::StrictMfa => (ReverificationLevel::MultiFactor, 10.0),
            Self::Strict => (ReverificationLevel::SecondFactor, 10.0),
            Self::Moderate => (ReverificationLevel::SecondFactor, 60.0),
            Self::Lax => (ReverificationLevel::SecondFactor, 1440.0),
            Self::Custom {
                level,
                after_minutes,
            } if *after_minutes > 0 => (*level, f64::from(*after_minutes)),
            Self::Custom { .. } => return None,
        })
    }
}

/// Which factors a reverification requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReverificationLevel {
    /// The first factor.
    FirstFactor,
    /// The second factor (or the first, when no second factor is enrolled).
    SecondFactor,
    /// Both factors (or the first, when no second factor is enrolled).
    MultiFactor,
}
