//! The Rust side of the differential check in `tests/js` (`bash tests/js/run.sh`): this
//! SDK's decisions on generated requests, for `tests/js/differential.mjs` to compare with
//! `@clerk/backend`'s on the same requests.
//!
//! It prints one JSON document: the instance keys, then `cookie_cases` (a `Cookie` header
//! over every mix of the plain and suffixed cookie families, and what `authenticate_request`
//! decides for a development and a production instance: which family it reads, spec §1.4)
//! `handshake` (the corpus of `handshake.rs`: browser and API requests
//! through the whole ladder of `authenticate_request`, for `handshake_differential.mjs`)
//! `redirect` (the corpus of `redirect.rs`: what `sign_in_redirect_url` answers, for
//! `redirect_differential.mjs`) and `has_cases` (session tokens with generated organization,
//! feature and plan claims, and what `has()` answers to generated queries, spec §4.4), then
//! `parse_cases` and `source_cases` (cookie bytes on the wire: see `token_sources.rs`).
//! Tokens are valid for ten minutes.

mod token_sources;

mod handshake;

mod handshake_wide;

mod redirect;

use axum::http::{HeaderMap, HeaderValue, Method};
use clerk::testing::MockClerk;
use clerk::{Clerk, Has, PublishableKey, RequestState};
use serde_json::{json, Map, Value};

#[tokio::main]
async fn main() {
    let mock = MockClerk::start().await;
    let dev_pk = mock.publishable_key();
    let host = PublishableKey::parse(&dev_pk)
        .expect("the mock's publishable key")
        .frontend_api()
        .to_owned();
    let live_pk = format!("pk_live_{}", base64(format!("{host}$").as_bytes()));
    let instance = |pk: &str| {
        Clerk::builder()
            .without_env()
            .jwt_key(mock.jwt_key_pem())
            .publishable_key(pk)
            .build()
            .expect("a valid configuration")
    };
    let (dev, live) = (instance(&dev_pk), instance(&live_pk));

    let mut cookie_cases = Vec::new();
    for (name, clerk, pk) in [("dev", &dev, &dev_pk), ("live", &live, &live_pk)] {
        for cookie in cookie_headers(&mock, pk) {
            let mut headers = HeaderMap::new();
            headers.insert("cookie", HeaderValue::from_str(&cookie).expect("ASCII"));
            let state = clerk.authenticate_headers(&Method::GET, &headers).await;
            cookie_cases.push(json!({"instance": name, "cookie": cookie, "rust": outcome(&state)}));
        }
    }

    let mut has_cases = Vec::new();
    let mut rng = Lcg(0x5eed);
    for _ in 0..400 {
        let claims = org_claims(&mut rng);
        let mut builder = mock
            .token()
            .expires_in_secs(600)
            .without_claim("v")
            .without_claim("o");
        for (k, v) in &claims {
            builder = builder.claim(k, v.clone());
        }
        let token = builder.sign();
        let mut headers = HeaderMap::new();
        let bearer = format!("Bearer {token}");
        headers.insert(
            "authorization",
            HeaderValue::from_str(&bearer).expect("ASCII"),
        );
        let auth = dev
            .authenticate_headers(&Method::GET, &headers)
            .await
            .to_auth();
        let queries: Vec<Value> = (0..12)
            .map(|_| {
                let query = has_query(&mut rng);
                let answer = auth.has(&to_has(&query));
                json!({"query": query, "rust": answer})
            })
            .collect();
        has_cases.push(json!({"token": token, "claims": claims, "queries": queries}));
    }

    let parse_cases = token_sources::parse_cases();
    let source_cases =
        token_sources::source_cases(&mock, [("dev", &dev, &dev_pk), ("live", &live, &live_pk)])
            .await;
    let mut handshake_cases = handshake::cases(&mock, &dev_pk, &live_pk).await;
    // The wider corpus (`handshake_wide.rs`) goes to the same check.
    let wide = handshake_wide::cases(&mock, &dev_pk, &live_pk).await;
    if let Some(cases) = handshake_cases["cases"].as_array_mut() {
        cases.extend(wide);
    }

    let redirect_cases = redirect::cases(&host, &mock.jwt_key_pem()).await;

    let document = json!({
        "api_url": mock.api_url(),
        "redirect": redirect_cases,
        "handshake": handshake_cases,
        "secret_key": mock.secret_key(),
        "jwt_key": mock.jwt_key_pem(),
        "publishable_keys": {"dev": dev_pk, "live": live_pk},
        "cookie_cases": cookie_cases,
        "has_cases": has_cases,
        "parse_cases": parse_cases,
        "source_cases": source_cases,
    });
    // `--serve <file>`: the JSON goes to the file and the stand-in stays up (its Backend
    // and Frontend API answer the other side's nonce exchanges and refreshes) until the
    // process is stopped; otherwise it is printed.
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, path] = args.as_slice() {
        if flag == "--serve" {
            let partial = format!("{path}.partial");
            std::fs::write(&partial, document.to_string()).expect("the corpus is written");
            std::fs::rename(&partial, path).expect("the corpus is in place");
            std::future::pending::<()>().await;
        }
    }
    println!("{document}");
}

/// `signed-in:<user>` or `signed-out:<reason>`.
fn outcome(state: &RequestState) -> String {
    match state {
        RequestState::SignedIn { session, .. } => format!("signed-in:{}", session.user_id()),
        RequestState::SignedOut(out) => format!("signed-out:{}", out.reason.as_str()),
        RequestState::Handshake(h) => format!("handshake:{}", h.reason.as_str()),
    }
}

/// Every mix of a plain and a suffixed session cookie and `__client_uat`, with tokens that
/// steer Clerk's choice of a family: newer and older, of another instance, without an
/// issuer, expired, not a JWT. Dev-browser cookies of both families come along, as a
/// browser of a development instance sends them (Clerk refuses a request without one).
fn cookie_headers(mock: &MockClerk, pk: &str) -> Vec<String> {
    let suffix = PublishableKey::parse(pk).expect("valid").cookie_suffix();
    let token = |user: &str| mock.token().user(user).expires_in_secs(600);
    let now = token("x").claims()["iat"].as_i64().expect("iat");
    let sessions = [
        None,
        Some(token("user_new").sign()),
        Some(token("user_old").issued_in_secs(-100).sign()),
        Some(
            token("user_foreign")
                .issuer("https://clerk.other.example")
                .sign(),
        ),
        Some(token("user_no_iss").without_claim("iss").sign()),
        Some(token("user_expired").expires_in_secs(-120).sign()),
        Some("garbage".to_owned()),
    ];
    let uats = [
        None,
        Some("0".to_owned()),
        Some(now.to_string()),
        Some((now - 100).to_string()),
    ];
    let mut headers = Vec::new();
    for plain in &sessions {
        for plain_uat in &uats {
            for suffixed in &sessions[..3] {
                for suffixed_uat in &uats[..3] {
                    let mut pairs = vec![
                        "__clerk_db_jwt=dvb_x".to_owned(),
                        format!("__clerk_db_jwt_{suffix}=dvb_x"),
                    ];
                    let mut push = |name: String, value: &Option<String>| {
                        if let Some(v) = value {
                            pairs.push(format!("{name}={v}"));
                        }
                    };
                    push("__session".to_owned(), plain);
                    push("__client_uat".to_owned(), plain_uat);
                    push(format!("__session_{suffix}"), suffixed);
                    push(format!("__client_uat_{suffix}"), suffixed_uat);
                    headers.push(pairs.join("; "));
                }
            }
        }
    }
    headers
}

/// Organization, feature and plan claims, v1 or v2, with doubled `org:` prefixes, empty
/// roles, names with colons, scopes that only look like Clerk's, spaces. No element without
/// a colon next to a v2 `o` (Clerk throws on the whole request then; spec §4.2, V12).
fn org_claims(rng: &mut Lcg) -> Map<String, Value> {
    let roles = ["admin", "org:admin", "org:org:admin", "member", ""];
    let features = ["a", "b", "a:b", "sso"];
    let perms = ["read", "manage"];
    let mut claims = Map::new();
    let v2 = rng.below(2) == 0;
    let scopes = ["o", "u", "ou", "uo", "org", "user", "oo", "x"];
    let list = |rng: &mut Lcg, names: &[&str], colonless: bool| {
        let n = 1 + rng.below(3);
        (0..n)
            .map(|_| match rng.below(if colonless { 8 } else { 7 }) {
                7 => names[rng.below(names.len())].replace(':', ""),
                6 => format!(
                    " {}:{} ",
                    scopes[rng.below(4)],
                    names[rng.below(names.len())]
                ),
                _ => format!(
                    "{}:{}",
                    scopes[rng.below(scopes.len())],
                    names[rng.below(names.len())]
                ),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let with_org = rng.below(4) != 0;
    if v2 {
        claims.insert("v".into(), json!(2));
        if with_org {
            let mut o = Map::new();
            o.insert("id".into(), json!("org_1"));
            o.insert("rol".into(), json!(roles[rng.below(roles.len())]));
            o.insert(
                "per".into(),
                json!(["read,manage", "read", ""][rng.below(3)]),
            );
            o.insert("fpm".into(), json!(["3,1,2", "1", "2,3", ""][rng.below(4)]));
            claims.insert("o".into(), Value::Object(o));
        }
    } else if with_org {
        claims.insert("org_id".into(), json!("org_1"));
        claims.insert("org_role".into(), json!(roles[rng.below(roles.len())]));
        let mut permissions = Vec::new();
        for _ in 0..rng.below(3) {
            let prefix = ["org:", "", "org:org:"][rng.below(3)];
            let feature = features[rng.below(features.len())];
            permissions.push(format!("{prefix}{feature}:{}", perms[rng.below(2)]));
        }
        claims.insert("org_permissions".into(), json!(permissions));
    }
    let colonless = !(v2 && with_org);
    if rng.below(5) != 0 {
        claims.insert("fea".into(), json!(list(rng, &features, colonless)));
    }
    if rng.below(3) == 0 {
        claims.insert("pla".into(), json!(list(rng, &["pro", "team"], colonless)));
    }
    claims
}

/// One to two of role, permission, feature and plan.
fn has_query(rng: &mut Lcg) -> Value {
    let roles = ["admin", "org:admin", "org:org:admin", "member", "", "org:"];
    let perms = [
        "a:read",
        "org:a:read",
        "org:org:a:read",
        "a:b:read",
        "org:a:b:manage",
        "sso:manage",
        "b:read",
    ];
    let features = [
        "a",
        "b",
        "sso",
        "a:b",
        "o:a",
        "org:a",
        "user:a",
        "u:b",
        "organization:sso",
        "x:a",
        "o:a:b",
        "pro",
    ];
    let plans = ["pro", "team", "u:pro", "org:team", "user:team:x"];
    let mut query = Map::new();
    for _ in 0..1 + rng.below(2) {
        let (key, value) = match rng.below(4) {
            0 => ("role", roles[rng.below(roles.len())]),
            1 => ("permission", perms[rng.below(perms.len())]),
            2 => ("feature", features[rng.below(features.len())]),
            _ => ("plan", plans[rng.below(plans.len())]),
        };
        query.insert(key.into(), json!(value));
    }
    Value::Object(query)
}

fn to_has(query: &Value) -> Has {
    let field = |name: &str| query.get(name).and_then(Value::as_str).map(str::to_owned);
    Has {
        role: field("role"),
        permission: field("permission"),
        feature: field("feature"),
        plan: field("plan"),
        reverification: None,
    }
}

/// A small deterministic generator (the cases are the same on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Standard base64 with padding (for the production publishable key).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
