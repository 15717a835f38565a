//! Organization sync (`organizationSyncOptions` of `@clerk/backend` 3.25,
//! `OrganizationMatcher` and `handleMaybeOrganizationSyncHandshake`; docs/handshake-spec.md
//! §6.6): which organization a URL asks to be active, and whether a session must go through
//! a handshake to activate it.

use serde_json::Value;

use super::path_pattern::{ParamName, ParamValue, PathPattern, PatternError};

/// The organization (or personal account) a URL asks for (`findTarget`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyncTarget {
    /// `params.id` of an organization pattern.
    OrganizationId(ParamValue),
    /// `params.slug` of an organization pattern (when there is no `id`).
    OrganizationSlug(ParamValue),
    /// A personal-account pattern matched.
    PersonalAccount,
}

impl SyncTarget {
    /// The `organization_id` parameter of the handshake URL: the id or the slug (a slug is
    /// sent under the same name), `""` for the personal account. A repeated parameter's
    /// values are joined with `,`, as JavaScript turns an array into a string.
    pub(crate) fn query_value(&self) -> String {
        match self {
            Self::OrganizationId(v) | Self::OrganizationSlug(v) => js_string(v),
            Self::PersonalAccount => String::new(),
        }
    }

    /// Whether a session whose claims are these must activate the target: another
    /// organization id or slug, or an active organization on a personal-account URL.
    /// Claims are read as the package's auth object reads them (v2 `o.id`/`o.slg`, v1
    /// `org_id`/`org_slug`) and compared with `!==` (a repeated parameter, an array, never
    /// equals a claim).
    pub(crate) fn must_activate(&self, claims: &serde_json::Map<String, Value>) -> bool {
        let (org_id, org_slug) = active_organization(claims);
        let differs = |wanted: &ParamValue, claim: Option<&Value>| match (wanted, claim) {
            (ParamValue::One(w), Some(Value::String(c))) => w != c,
            _ => true,
        };
        match self {
            Self::OrganizationId(id) => differs(id, org_id),
            Self::OrganizationSlug(slug) => differs(slug, org_slug),
            Self::PersonalAccount => org_id.is_some_and(js_truthy),
        }
    }
}

/// `orgId` and `orgSlug` of `__experimental_JWTPayloadToAuthObjectProperties`: a
/// version-2 token (`v` is 2) reads its `o` object, any other the `org_*` claims.
fn active_organization(
    claims: &serde_json::Map<String, Value>,
) -> (Option<&Value>, Option<&Value>) {
    if claims.get("v").and_then(Value::as_f64) == Some(2.0) {
        match claims.get("o") {
            Some(Value::Object(o)) => (o.get("id"), o.get("slg")),
            _ => (None, None),
        }
    } else {
        (claims.get("org_id"), claims.get("org_slug"))
    }
}

/// JavaScript truthiness of a JSON value.
fn js_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `String(value)` of a captured parameter.
fn js_string(value: &ParamValue) -> String {
    match value {
        ParamValue::One(s) => s.clone(),
        ParamValue::Many(values) => values.join(","),
    }
}

/// Whether a parameter is truthy: a non-empty string, or an array (even of empty strings).
fn truthy(value: &ParamValue) -> bool {
    match value {
        ParamValue::One(s) => !s.is_empty(),
        ParamValue::Many(_) => true,
    }
}

/// `OrganizationMatcher`: the compiled patterns.
#[derive(Debug, Clone)]
pub(crate) struct OrganizationMatcher {
    organization: Option<PathPattern>,
    personal_account: Option<PathPattern>,
    /// The patterns as given, to compare two configurations.
    source: (Vec<String>, Vec<String>),
}

impl PartialEq for OrganizationMatcher {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for OrganizationMatcher {}

impl OrganizationMatcher {
    /// Compiles both lists; an empty list matches nothing. The error is the whole message,
    /// starting as the package's (`Invalid pattern "<patterns>": …`).
    pub(crate) fn new(
        organization: &[String],
        personal_account: &[String],
    ) -> Result<Self, String> {
        Ok(Self {
            organization: compile(organization)?,
            personal_account: compile(personal_account)?,
            source: (organization.to_vec(), personal_account.to_vec()),
        })
    }

    /// `findTarget(clerkUrl)` on the URL's path: organization patterns first (`id`, else
    /// `slug`), then (also when an organization pattern matched with neither)
    /// personal-account patterns.
    pub(crate) fn find_target(&self, path: &str) -> Option<SyncTarget> {
        if let Some(params) = self.organization.as_ref().and_then(|p| p.matches(path)) {
            let param = |name: &str| {
                params
                    .iter()
                    .find(|(n, v)| *n == ParamName::Named(name.to_owned()) && truthy(v))
                    .map(|(_, v)| v.clone())
            };
            if let Some(id) = param("id") {
                return Some(SyncTarget::OrganizationId(id));
            }
            if let Some(slug) = param("slug") {
                return Some(SyncTarget::OrganizationSlug(slug));
            }
        }
        self.personal_account
            .as_ref()
            .and_then(|p| p.matches(path))
            .map(|_| SyncTarget::PersonalAccount)
    }
}

/// One list, with the package's message on failure (`${patterns}` joins with `,`).
fn compile(patterns: &[String]) -> Result<Option<PathPattern>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    PathPattern::compile(patterns).map(Some).map_err(|err| {
        let joined = patterns.join(",");
        match err {
            PatternError::Invalid(message) => format!(
                "Invalid pattern \"{joined}\": Error: Invalid path and options: Consult the \
                 documentation of path-to-regexp here: \
                 https://github.com/pillarjs/path-to-regexp/tree/6.x\n{message}"
            ),
            PatternError::Unsupported(why) => {
                format!("Invalid pattern \"{joined}\": not supported by this SDK: {why}")
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{OrganizationMatcher, ParamValue, SyncTarget};

    fn matcher() -> OrganizationMatcher {
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        OrganizationMatcher::new(
            &strings(&["/orgs/:id", "/o/:slug(.*)", "/many/:slug+"]),
            &strings(&["/me", "/me/(.*)", "/o/"]),
        )
        .unwrap()
    }

    fn one(s: &str) -> ParamValue {
        ParamValue::One(s.to_owned())
    }

    #[test]
    fn finds_the_target_as_the_package() {
        let m = matcher();
        assert_eq!(
            m.find_target("/orgs/org_1"),
            Some(SyncTarget::OrganizationId(one("org_1")))
        );
        assert_eq!(
            m.find_target("/O/Acme/x"),
            Some(SyncTarget::OrganizationSlug(one("Acme/x")))
        );
        assert_eq!(
            m.find_target("/me/settings"),
            Some(SyncTarget::PersonalAccount)
        );
        // An organization pattern matched with an empty slug: the personal patterns decide.
        assert_eq!(m.find_target("/o/"), Some(SyncTarget::PersonalAccount));
        assert_eq!(m.find_target("/orgs"), None);
        assert_eq!(m.find_target("/elsewhere"), None);
        let many = m.find_target("/many/a/b").unwrap();
        assert_eq!(many.query_value(), "a,b");
        assert_eq!(SyncTarget::PersonalAccount.query_value(), "");
        assert_eq!(m.find_target("/o/acme").unwrap().query_value(), "acme");
    }

    fn claims(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn must_activate_compares_as_the_package() {
        let id = SyncTarget::OrganizationId(one("org_1"));
        let slug = SyncTarget::OrganizationSlug(one("acme"));
        let personal = SyncTarget::PersonalAccount;
        let v1 = claims(json!({"org_id": "org_1", "org_slug": "acme"}));
        let v2 = claims(json!({"v": 2, "o": {"id": "org_1", "slg": "acme"}}));
        for active in [&v1, &v2] {
            assert!(!id.must_activate(active));
            assert!(!slug.must_activate(active));
            assert!(personal.must_activate(active));
        }
        // v2 reads only `o`, v1 only `org_*`.
        let v2_with_v1_claims = claims(json!({"v": 2, "org_id": "org_1", "org_slug": "acme"}));
        assert!(id.must_activate(&v2_with_v1_claims));
        assert!(!personal.must_activate(&v2_with_v1_claims));
        let v1_with_o = claims(json!({"o": {"id": "org_1"}}));
        assert!(id.must_activate(&v1_with_o));
        let none = claims(json!({}));
        assert!(id.must_activate(&none) && slug.must_activate(&none));
        assert!(!personal.must_activate(&none));
        // Case matters; `orgId` truthiness decides the personal account.
        assert!(SyncTarget::OrganizationSlug(one("Acme")).must_activate(&v1));
        assert!(!personal.must_activate(&claims(json!({"org_id": ""}))));
        assert!(personal.must_activate(&claims(json!({"org_id": 5}))));
        assert!(id.must_activate(&claims(json!({"org_id": ["org_1"]}))));
        // A repeated parameter (an array in JavaScript) never equals a claim.
        let array = SyncTarget::OrganizationSlug(ParamValue::Many(vec!["acme".into()]));
        assert!(array.must_activate(&v1));
    }
}
