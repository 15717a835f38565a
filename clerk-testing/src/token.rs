//! Minting session tokens for tests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::MockKey;

/// Builds a session token; see [`MockClerk::token`](super::MockClerk::token).
///
/// Times are relative to "now" (the system clock, or [`at`](Self::at)).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// let mock = clerk_testing::MockClerk::start().await;
/// let expired = mock.token().expires_in_secs(-30).sign();
/// let hour = mock.token().expires_in(Duration::from_secs(3600)).sign();
/// let admin = mock.token().user("user_2").org("org_9", "org:admin").sign();
/// let forged = mock.token().sign_with(&mock.unpublished_key());
/// let weird = mock.token().header("alg", "none").claim("sub", 42).sign();
/// # let _ = (expired, hour, admin, forged, weird);
/// # }
/// ```
#[derive(Clone)]
#[must_use]
pub struct TokenBuilder {
    key: Arc<MockKey>,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    now: i64,
    v1: bool,
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

impl TokenBuilder {
    pub(crate) fn new(key: Arc<MockKey>, issuer: &str) -> Self {
        let now = unix(SystemTime::now());
        let mut header = Map::new();
        header.insert("alg".into(), "RS256".into());
        header.insert("kid".into(), key.kid().into());
        header.insert("typ".into(), "JWT".into());
        header.insert("cat".into(), "cl_B7d4PD111AAA".into());
        let claims = json!({
            "azp": "http://localhost:3000",
            "exp": now + 60,
            "fva": [0, -1],
            "iat": now,
            "iss": issuer,
            "jti": format!("{:020x}", rand::random::<u64>()),
            "nbf": now - 5,
            "sid": format!("sess_{}", super::random_id(27)),
            "sts": "active",
            "sub": format!("user_{}", super::random_id(27)),
            "v": 2,
        });
        let Value::Object(claims) = claims else {
            unreachable!("json! object")
        };
        Self {
            key,
            header,
            claims,
            now,
            v1: false,
        }
    }

    /// Moves "now" (and so `iat`, `nbf`, `exp`) to this instant.
    pub fn at(mut self, now: SystemTime) -> Self {
        let delta = unix(now) - self.now;
        for name in ["iat", "nbf", "exp"] {
            if let Some(v) = self.claims.get(name).and_then(Value::as_i64) {
                self.claims.insert(name.into(), (v + delta).into());
            }
        }
        self.now = unix(now);
        self
    }

    /// `sub`.
    pub fn user(self, user_id: &str) -> Self {
        self.claim("sub", user_id)
    }
    /// `sid`.
    pub fn session(self, session_id: &str) -> Self {
        self.claim("sid", session_id)
    }
    /// `azp`.
    pub fn azp(self, azp: &str) -> Self {
        self.claim("azp", azp)
    }
    /// `iss`.
    pub fn issuer(self, iss: &str) -> Self {
        self.claim("iss", iss)
    }
    /// `exp` = now + `secs` (negative for an expired token).
    pub fn expires_in_secs(self, secs: i64) -> Self {
        let now = self.now;
        self.claim("exp", now + secs)
    }
    /// `exp` = now + `d`.
    pub fn expires_in(self, d: Duration) -> Self {
        self.expires_in_secs(d.as_secs() as i64)
    }
    /// An `exp` 120 s in the past.
    pub fn expired(self) -> Self {
        self.expires_in_secs(-120)
    }
    /// `nbf` = now + `secs`.
    pub fn not_before_in_secs(self, secs: i64) -> Self {
        let now = self.now;
        self.claim("nbf", now + secs)
    }
    /// `iat` = now + `secs`.
    pub fn issued_in_secs(self, secs: i64) -> Self {
        let now = self.now;
        self.claim("iat", now + secs)
    }
    /// Session status `pending`.
    pub fn pending(self) -> Self {
        self.claim("sts", "pending")
    }
    /// `fva`: minutes since first/second factor verification (-1: not enrolled).
    pub fn factor_ages(self, first: i64, second: i64) -> Self {
        self.claim("fva", json!([first, second]))
    }
    /// `act`: an impersonating actor.
    pub fn actor(self, actor_sub: &str) -> Self {
        self.claim("act", json!({"sub": actor_sub}))
    }

    /// The active organization with a role (`org:admin` or `admin`). v2: `o.id`, `o.rol`
    /// (without prefix), `o.slg`; v1: `org_id`, `org_role`, `org_slug`.
    pub fn org(mut self, org_id: &str, role: &str) -> Self {
        let bare = role.strip_prefix("org:").unwrap_or(role);
        if self.v1 {
            self.claims.insert("org_id".into(), org_id.into());
            self.claims
                .insert("org_role".into(), format!("org:{bare}").into());
            self.claims
                .insert("org_slug".into(), format!("{org_id}-slug").into());
            self.claims
                .entry("org_permissions")
                .or_insert_with(|| json!([]));
        } else {
            let o = self.org_object();
            o.insert("id".into(), org_id.into());
            o.insert("rol".into(), bare.into());
            o.insert("slg".into(), format!("{org_id}-slug").into());
        }
        self
    }

    /// Organization permissions as full names (`org:invoices:create`). v2 encodes them in
    /// `fea` (as `o:` features), `o.per` and `o.fpm`; v1 in `org_permissions`.
    pub fn permissions(mut self, permissions: &[&str]) -> Self {
        if self.v1 {
            self.claims
                .insert("org_permissions".into(), json!(permissions));
            return self;
        }
        let mut features: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let parsed: Vec<(String, String)> = permissions
            .iter()
            .filter_map(|p| {
                let mut it = p.strip_prefix("org:").unwrap_or(p).splitn(2, ':');
                Some((it.next()?.to_owned(), it.next()?.to_owned()))
            })
            .collect();
        for (feature, name) in &parsed {
            if !features.contains(feature) {
                features.push(feature.clone());
            }
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let masks: Vec<String> = features
            .iter()
            .map(|f| {
                let mut mask: u128 = 0;
                for (feature, name) in &parsed {
                    if feature == f {
                        let j = names.iter().position(|n| n == name).unwrap_or(0);
                        mask |= 1 << j;
                    }
                }
                mask.to_string()
            })
            .collect();
        let fea: Vec<String> = features.iter().map(|f| format!("o:{f}")).collect();
        let existing = self
            .claims
            .get("fea")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let fea = if existing.is_empty() {
            fea.join(",")
        } else {
            format!("{},{existing}", fea.join(","))
        };
        self.claims.insert("fea".into(), fea.into());
        let o = self.org_object();
        o.insert("per".into(), names.join(",").into());
        o.insert("fpm".into(), masks.join(",").into());
        self
    }

    /// Appends `fea` entries (`u:premium`, `o:sso`, …), v2.
    pub fn features(self, fea: &str) -> Self {
        let joined = match self.claims.get("fea").and_then(Value::as_str) {
            Some(existing) if !existing.is_empty() => format!("{existing},{fea}"),
            _ => fea.to_owned(),
        };
        self.claim("fea", joined)
    }

    /// `pla` (`u:pro`, `o:team`), v2.
    pub fn plans(self, pla: &str) -> Self {
        self.claim("pla", pla)
    }

    /// Switches to v1 claims (no `v`; organization as `org_*` claims). Call before `org`.
    pub fn v1(mut self) -> Self {
        self.v1 = true;
        self.claims.remove("v");
        self
    }

    fn org_object(&mut self) -> &mut Map<String, Value> {
        let entry = self.claims.entry("o").or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        entry.as_object_mut().expect("object just ensured")
    }

    /// Sets any claim.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }
    /// Removes a claim.
    pub fn without_claim(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }
    /// Sets any header field.
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.header.insert(name.into(), value.into());
        self
    }
    /// Removes a header field.
    pub fn without_header(mut self, name: &str) -> Self {
        self.header.remove(name);
        self
    }

    /// The claims as they will be signed.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// Signs with the instance's current key (RS384/RS512 when the header says so).
    pub fn sign(self) -> String {
        let key = self.key.clone();
        self.sign_with(&key)
    }

    /// Signs with another key (e.g. [`MockClerk::unpublished_key`](super::MockClerk::unpublished_key)),
    /// keeping the header's `kid`.
    pub fn sign_with(self, key: &MockKey) -> String {
        let header = serde_json::to_vec(&self.header).expect("header JSON");
        let claims = serde_json::to_vec(&self.claims).expect("claims JSON");
        Self::sign_raw(
            key,
            &header,
            &claims,
            self.header
                .get("alg")
                .and_then(Value::as_str)
                .unwrap_or("RS256"),
        )
    }

    /// Signs arbitrary header and payload bytes (for malformed JSON and the like).
    pub fn sign_raw(key: &MockKey, header: &[u8], payload: &[u8], alg: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let signing_input = format!("{}.{}", b64.encode(header), b64.encode(payload));
        let signature = key.sign(alg, signing_input.as_bytes());
        format!("{signing_input}.{}", b64.encode(signature))
    }

    /// A token whose payload was altered after signing (`token-invalid-signature`).
    pub fn sign_tampered(self) -> String {
        let token = self.clone().sign();
        let mut claims = self.claims;
        claims.insert("sub".into(), "user_tampered".into());
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut parts = token.split('.');
        let header = parts.next().unwrap_or_default();
        let _payload = parts.next();
        let signature = parts.next().unwrap_or_default();
        let payload = b64.encode(serde_json::to_vec(&claims).expect("claims JSON"));
        format!("{header}.{payload}.{signature}")
    }
}

/// The claims of an RS256 JWT signed by one of `keys`, times not checked: how the stand-in
/// recognizes the tokens it issued (client cookies, dev browsers, expired session tokens).
pub(crate) fn verified_claims(keys: &[Arc<MockKey>], token: &str) -> Option<Map<String, Value>> {
    use aws_lc_rs::signature::{KeyPair as _, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64.decode(header).ok()?).ok()?;
    if header["alg"].as_str() != Some("RS256") {
        return None;
    }
    let signature = b64.decode(signature).ok()?;
    let signing_input = &token[..token.len() - token.rsplit('.').next()?.len() - 1];
    let signed = keys.iter().any(|key| {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.pair.public_key().as_ref())
            .verify(signing_input.as_bytes(), &signature)
            .is_ok()
    });
    if !signed {
        return None;
    }
    match serde_json::from_slice(&b64.decode(payload).ok()?).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

impl std::fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}
