//! Verified session token claims, v1 and v2, and what they say about the session.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The claims of a verified session token.
///
/// Typed accessors cover Clerk's standard claims; [`get`](Self::get),
/// [`as_map`](Self::as_map) and [`deserialize`](Self::deserialize) reach everything else,
/// including custom claims added in the Clerk dashboard.
///
/// ```
/// # fn run(claims: clerk_runtime::SessionClaims) {
/// println!("user {} in session {:?}", claims.subject(), claims.session_id());
/// # }
/// ```
#[derive(Clone, PartialEq)]
pub struct SessionClaims {
    map: Arc<Map<String, Value>>,
}

impl SessionClaims {
    /// Wraps a payload that passed verification (so `sub` is a string and `exp` a number).
    pub(crate) fn from_verified(map: Map<String, Value>) -> Self {
        Self { map: Arc::new(map) }
    }

    /// Rough heap size, for cache accounting.
    pub(crate) fn approximate_size(&self) -> usize {
        fn size(v: &Value) -> usize {
            match v {
                Value::String(s) => 32 + s.len(),
                Value::Array(a) => 32 + a.iter().map(size).sum::<usize>(),
                Value::Object(o) => {
                    48 + o.iter().map(|(k, v)| 32 + k.len() + size(v)).sum::<usize>()
                }
                _ => 16,
            }
        }
        self.map.iter().map(|(k, v)| 32 + k.len() + size(v)).sum()
    }

    /// `sub`: the user id (`user_…`).
    pub fn subject(&self) -> &str {
        self.str("sub").unwrap_or_default()
    }

    /// `sid`: the session id (`sess_…`).
    pub fn session_id(&self) -> Option<&str> {
        self.str("sid")
    }

    /// `iss`: the Frontend API URL that issued the token.
    pub fn issuer(&self) -> Option<&str> {
        self.str("iss")
    }

    /// `azp`: the origin the token was requested from.
    pub fn authorized_party(&self) -> Option<&str> {
        self.str("azp")
    }

    /// `exp` in whole seconds since the epoch.
    pub fn expires_at(&self) -> i64 {
        self.seconds("exp").unwrap_or_default()
    }

    /// `iat` in whole seconds since the epoch.
    pub fn issued_at(&self) -> Option<i64> {
        self.seconds("iat")
    }

    /// `nbf` in whole seconds since the epoch.
    pub fn not_before(&self) -> Option<i64> {
        self.seconds("nbf")
    }

    /// `v`: the claims version (`2` for v2 tokens; v1 tokens have none).
    pub fn version(&self) -> Option<i64> {
        self.map.get("v").and_then(Value::as_i64)
    }

    /// Any claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    /// All claims.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// All claims as one JSON object.
    pub fn to_json(&self) -> Value {
        Value::Object((*self.map).clone())
    }

    /// Deserializes the claims into your own type, for custom claims.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct MyClaims { sub: String, #[serde(default)] tier: Option<String> }
    /// # fn run(claims: clerk_runtime::SessionClaims) -> Result<(), serde_json::Error> {
    /// let mine: MyClaims = claims.deserialize()?;
    /// # Ok(()) }
    /// ```
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object((*self.map).clone()))
    }

    fn str(&self, name: &str) -> Option<&str> {
        self.map.get(name).and_then(Value::as_str)
    }

    fn seconds(&self, name: &str) -> Option<i64> {
        self.map
            .get(name)
            .and_then(Value::as_f64)
            .map(|v| v.trunc() as i64)
    }
}

impl fmt::Debug for SessionClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

impl serde::Serialize for SessionClaims {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(serializer)
    }
}

/// What the claims say about the session: the fields of Clerk's auth object (spec §4.2).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AuthFields {
    pub user_id: String,
    pub session_id: Option<String>,
    pub session_status: Option<String>,
    pub actor: Option<Value>,
    pub factor_verification_age: Option<Value>,
    pub org_id: Option<String>,
    pub org_slug: Option<String>,
    pub org_role: Option<String>,
    pub org_permissions: Option<Vec<String>>,
    pub features: Option<String>,
    pub plans: Option<String>,
}

impl AuthFields {
    /// v2 (`"v": 2`) reads `o` (with `fea` for its permissions); anything else reads the v1
    /// `org_*` claims. `fea` and `pla` are read in both, as `has()` reads them.
    pub(crate) fn from_claims(claims: &SessionClaims) -> Self {
        let map = &claims.map;
        let string = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let mut fields = AuthFields {
            user_id: claims.subject().to_owned(),
            session_id: string(map.get("sid")),
            session_status: string(map.get("sts")),
            actor: map.get("act").filter(|v| !v.is_null()).cloned(),
            factor_verification_age: map.get("fva").filter(|v| !v.is_null()).cloned(),
            ..Default::default()
        };
        // `has()` reads `fea`/`pla` whatever the version (`sessionClaims.fea || ""` in
        // `signedInAuthObject`); only the org fields depend on it.
        fields.features = string(map.get("fea"));
        fields.plans = string(map.get("pla"));
        let is_v2 = map.get("v").and_then(Value::as_f64) == Some(2.0);
        if is_v2 {
            if let Some(Value::Object(o)) = map.get("o") {
                fields.org_id = string(o.get("id"));
                fields.org_slug = string(o.get("slg"));
                // Clerk sets `orgRole` only `if (claims.o?.rol)`: an empty `rol` is no role.
                fields.org_role = o
                    .get("rol")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty())
                    .map(|r| format!("org:{r}"));
                fields.org_permissions = Some(v2_org_permissions(
                    fields.features.as_deref(),
                    o.get("per").and_then(Value::as_str),
                    o.get("fpm").and_then(Value::as_str),
                ));
            }
        } else {
            fields.org_id = string(map.get("org_id"));
            fields.org_slug = string(map.get("org_slug"));
            fields.org_role = string(map.get("org_role"));
            fields.org_permissions = match map.get("org_permissions") {
                Some(Value::Array(items)) => Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                ),
                _ => None,
            };
        }
        fields
    }
}

/// The elements of a `fea`/`pla` claim as `splitByScope` (`@clerk/shared`) reads them:
/// split on `,`, each trimmed, cut at its first colon into scope and name (`o:a:b` is
/// scope `o`, name `a:b`). An element without a colon (an empty one included) is `None`:
/// Clerk's parser throws on it.
pub(crate) fn scoped_entries(claim: &str) -> impl Iterator<Item = Option<(&str, &str)>> {
    claim.split(',').map(|entry| js_trim(entry).split_once(':'))
}

/// Scopes of the org set: `o`, and `ou`/`uo` (both). Any other scope is in neither set.
pub(crate) fn is_org_scope(scope: &str) -> bool {
    matches!(scope, "o" | "ou" | "uo")
}

/// Scopes of the user set: `u`, and `ou`/`uo` (both).
pub(crate) fn is_user_scope(scope: &str) -> bool {
    matches!(scope, "u" | "ou" | "uo")
}

/// JavaScript's `String.prototype.trim`: its white space and line terminators (Rust's
/// `trim` differs on U+0085, which JavaScript keeps, and U+FEFF, which it removes).
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}')
}

/// v2 permission expansion: for the i-th org-scoped feature of `fea`, bit j of the i-th
/// decimal mask in `fpm` (least significant bit first) grants `org:<feature>:<per[j]>`.
/// Elements of `fea` without a colon are skipped (where Clerk's parser throws; spec §4.2),
/// and an empty `per` or `fpm` grants nothing (`if (!per || !fpm)`).
fn v2_org_permissions(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> Vec<String> {
    let (Some(per), Some(fpm)) = (per.filter(|p| !p.is_empty()), fpm.filter(|f| !f.is_empty()))
    else {
        return Vec::new();
    };
    let names: Vec<&str> = per.split(',').map(js_trim).collect();
    let org_features = fea
        .into_iter()
        .flat_map(scoped_entries)
        .flatten()
        .filter(|(scope, _)| is_org_scope(scope))
        .map(|(_, name)| name);
    let mut permissions = Vec::new();
    for (feature, mask) in org_features.zip(fpm.split(',')) {
        let bits = decimal_to_bits(js_trim(mask), names.len());
        for (j, name) in names.iter().enumerate() {
            if bits.get(j).copied().unwrap_or(false) {
                permissions.push(format!("org:{feature}:{name}"));
            }
        }
    }
    permissions
}

/// The lowest `width` bits of a non-negative decimal number of any length (LSB first).
/// Anything that is not a plain decimal number grants nothing.
fn decimal_to_bits(decimal: &str, width: usize) -> Vec<bool> {
    if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
    let mut bits = Vec::with_capacity(width);
    while bits.len() < width && digits.iter().any(|&d| d != 0) {
        // Divide the decimal digit string by two, collecting the remainder.
        let mut remainder = 0u8;
        for d in digits.iter_mut() {
            let cur = remainder * 10 + *d;
            *d = cur / 2;
            remainder = cur % 2;
        }
        bits.push(remainder == 1);
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> SessionClaims {
        SessionClaims::from_verified(v.as_object().unwrap().clone())
    }

    #[test]
    fn v2_permissions_follow_the_spec_example() {
        let c = claims(
            json!({"sub":"user_1","v":2,"fea":"o:memberships,u:premium,o:domains,ou:reports",
            "o":{"id":"org_1","rol":"admin","slg":"acme","per":"read,manage","fpm":"3,1,2"}}),
        );
        let f = AuthFields::from_claims(&c);
        assert_eq!(f.org_role.as_deref(), Some("org:admin"));
        assert_eq!(
            f.org_permissions.unwrap(),
            [
                "org:memberships:read",
                "org:memberships:manage",
                "org:domains:read",
                "org:reports:manage"
            ]
        );
    }

    #[test]
    fn big_masks_and_odd_entries() {
        assert!(decimal_to_bits("18446744073709551617", 70)[64]); // 2^64 + 1
        assert!(decimal_to_bits("18446744073709551617", 70)[0]);
        assert!(decimal_to_bits("-1", 8).is_empty());
        assert!(decimal_to_bits("0x3", 8).is_empty());
        let p = v2_org_permissions(Some("nocolon,o:a"), Some("read"), Some("1,1"));
        assert_eq!(p, ["org:a:read"]);
        assert!(v2_org_permissions(Some("o:a"), None, Some("1")).is_empty());
    }

    #[test]
    fn fea_elements_are_cut_at_their_first_colon_and_scoped_exactly() {
        let entries: Vec<_> =
            scoped_entries(" o:a:b ,org:x,\u{feff}u:y\u{feff},nocolon,").collect();
        assert_eq!(
            entries,
            [
                Some(("o", "a:b")),
                Some(("org", "x")),
                Some(("u", "y")),
                None,
                None
            ]
        );
        // Only `o`, `ou` and `uo` are org scopes: `org:x` grants no permission.
        let p = v2_org_permissions(Some("org:x,oo:y,o:a:b,uo:c"), Some("read"), Some("1,1,1,1"));
        assert_eq!(p, ["org:a:b:read", "org:c:read"]);
        // An empty `per` or `fpm` grants nothing.
        assert!(v2_org_permissions(Some("o:a"), Some(""), Some("1")).is_empty());
        assert!(v2_org_permissions(Some("o:a"), Some("read"), Some("")).is_empty());
    }

    #[test]
    fn an_empty_v2_role_is_no_role_and_fea_is_read_in_v1_too() {
        let f = AuthFields::from_claims(&claims(
            json!({"sub":"u","v":2,"o":{"id":"org_1","rol":""}}),
        ));
        assert_eq!(f.org_role, None);
        let v1 = claims(json!({"sub":"u","fea":"u:premium","pla":"u:pro"}));
        let f = AuthFields::from_claims(&v1);
        assert_eq!(
            (f.features.as_deref(), f.plans.as_deref()),
            (Some("u:premium"), Some("u:pro"))
        );
    }

    #[test]
    fn v1_and_v2_do_not_mix() {
        let v1_in_v2 = claims(json!({"sub":"u","v":2,"org_id":"org_1","org_role":"org:admin"}));
        assert_eq!(AuthFields::from_claims(&v1_in_v2).org_id, None);
        let v2_in_v1 = claims(json!({"sub":"u","o":{"id":"org_1"}}));
        assert_eq!(AuthFields::from_claims(&v2_in_v1).org_id, None);
        let v3 = claims(json!({"sub":"u","v":3,"org_id":"org_1","org_permissions":["org:a:b"]}));
        let f = AuthFields::from_claims(&v3);
        assert_eq!(f.org_id.as_deref(), Some("org_1"));
        assert_eq!(f.org_permissions.unwrap(), ["org:a:b"]);
    }
}
