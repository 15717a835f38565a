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
    /// v2 (`"v": 2`) reads `o`, `fea`, `pla`; anything else reads the v1 `org_*` claims.
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
        let is_v2 = map.get("v").and_then(Value::as_f64) == Some(2.0);
        if is_v2 {
            fields.features = string(map.get("fea"));
            fields.plans = string(map.get("pla"));
            if let Some(Value::Object(o)) = map.get("o") {
                fields.org_id = string(o.get("id"));
                fields.org_slug = string(o.get("slg"));
                fields.org_role = o
                    .get("rol")
                    .and_then(Value::as_str)
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

/// One `scope:name` entry of a `fea`/`pla` claim. Entries without a colon are skipped
/// (the JavaScript parser throws on them).
pub(crate) fn scoped_entries(claim: &str) -> impl Iterator<Item = (&str, &str)> {
    claim.split(',').filter_map(|entry| {
        let entry = entry.trim();
        let mut parts = entry.split(':');
        let scope = parts.next()?;
        let name = parts.next()?;
        Some((scope, name))
    })
}

/// v2 permission expansion: for the i-th org-scoped feature of `fea`, bit j of the i-th
/// decimal mask in `fpm` (least significant bit first) grants `org:<feature>:<per[j]>`.
fn v2_org_permissions(fea: Option<&str>, per: Option<&str>, fpm: Option<&str>) -> Vec<String> {
    let (Some(per), Some(fpm)) = (per, fpm) else {
        return Vec::new();
    };
    let names: Vec<&str> = per.split(',').map(str::trim).collect();
    let org_features = fea
        .into_iter()
        .flat_map(scoped_entries)
        .filter(|(scope, _)| scope.contains('o'))
        .map(|(_, name)| name);
    let mut permissions = Vec::new();
    for (feature, mask) in org_features.zip(fpm.split(',')) {
        let bits = decimal_to_bits(mask.trim(), names.len());
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
