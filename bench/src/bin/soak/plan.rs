//! What the driver sends: the requests of each kind, prepared once, and the answer each
//! must get.

use base64::Engine as _;

use crate::BoxError;

/// What a request must get.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Valid,
    Expired,
    Garbage,
}

/// A prepared request and the answer it must get.
pub(crate) struct Probe {
    pub(crate) kind: Kind,
    /// The whole HTTP/1.1 request.
    pub(crate) request: Vec<u8>,
    /// For valid tokens, the user id the route must answer.
    pub(crate) user: Option<String>,
    /// Which garbage variant (for the figures).
    pub(crate) label: &'static str,
}

pub(crate) struct Plan {
    pub(crate) valid: Vec<Probe>,
    pub(crate) expired: Vec<Probe>,
    pub(crate) garbage: Vec<Probe>,
    pub(crate) host: String,
    pub(crate) path: String,
    /// Percentages of valid and expired (the rest is garbage).
    pub(crate) mix: (u64, u64),
}

impl Plan {
    pub(crate) fn request(host: &str, path: &str, token: Option<&str>) -> Vec<u8> {
        let mut r = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n");
        if let Some(token) = token {
            r.push_str("Authorization: Bearer ");
            r.push_str(token);
            r.push_str("\r\n");
        }
        r.push_str("\r\n");
        r.into_bytes()
    }

    pub(crate) fn probe(&self, kind: Kind, token: Option<&str>, label: &'static str) -> Probe {
        Probe {
            kind,
            request: Self::request(&self.host, &self.path, token),
            user: None,
            label,
        }
    }
}

/// `sub` of a JWT (unverified: the driver minted nothing, it only reads what to expect).
pub(crate) fn subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

/// The same token with one base64url character of its signature changed.
pub(crate) fn flip_signature(token: &str) -> String {
    let sig_start = token.rfind('.').map_or(0, |i| i + 1);
    let at = sig_start + (token.len() - sig_start) / 2;
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap_or_default()
}

/// Header and signature of `a` around the payload of `b`.
pub(crate) fn swap_payload(a: &str, b: &str) -> String {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    match (pa.as_slice(), pb.as_slice()) {
        ([h, _, s], [_, p, _]) => format!("{h}.{p}.{s}"),
        _ => a.to_owned(),
    }
}

pub(crate) fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn build_plan(
    url: &str,
    tokens: &serde_json::Value,
    mix: (u64, u64),
) -> Result<Plan, BoxError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--url must be http://host:port/path")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
        None => (rest.to_owned(), "/".to_owned()),
    };
    let mut plan = Plan {
        valid: Vec::new(),
        expired: Vec::new(),
        garbage: Vec::new(),
        host,
        path,
        mix,
    };
    let valid = strings(&tokens["valid"]);
    if valid.is_empty() {
        return Err("the tokens file has no valid token".into());
    }
    for token in &valid {
        let user = subject(token).ok_or("a valid token without sub")?;
        let mut probe = plan.probe(Kind::Valid, Some(token), "valid");
        probe.user = Some(user);
        plan.valid.push(probe);
    }
    for token in strings(&tokens["expired"]) {
        plan.expired
            .push(plan.probe(Kind::Expired, Some(&token), "expired"));
    }
    if plan.expired.is_empty() {
        return Err("the tokens file has no expired token".into());
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut garbage: Vec<(String, &'static str)> = strings(&tokens["garbage"])
        .into_iter()
        .map(|t| (t, "fixed"))
        .collect();
    for fixed in ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "Bearer"] {
        garbage.push((fixed.to_owned(), "fixed"));
    }
    for (i, token) in valid.iter().take(50).enumerate() {
        garbage.push((flip_signature(token), "forged signature"));
        let other = &valid[(i + 1) % valid.len()];
        if other != token {
            garbage.push((swap_payload(token, other), "swapped payload"));
        }
    }
    let sub = plan.valid[0].user.clone().unwrap_or_default();
    let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = b64.encode(
        serde_json::json!({"sub": sub, "exp": 4_000_000_000u64, "iat": 1, "nbf": 1}).to_string(),
    );
    garbage.push((format!("{none_header}.{none_payload}."), "alg none"));
    for token in strings(&tokens["unknown_kid"]) {
        garbage.push((token, "unknown kid"));
    }
    garbage.push((
        format!(
            "{}.{}.{}",
            "e".repeat(6000),
            "p".repeat(6000),
            "s".repeat(6000)
        ),
        "oversized",
    ));
    for (token, label) in garbage {
        plan.garbage
            .push(plan.probe(Kind::Garbage, Some(&token), label));
    }
    plan.garbage
        .push(plan.probe(Kind::Garbage, None, "no token"));
    Ok(plan)
}
