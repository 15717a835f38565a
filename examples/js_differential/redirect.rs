//! The `redirect_to_sign_in` corpus of the differential check
//! (`tests/js/redirect_differential.mjs`): instances (development and production keys of
//! several Frontend API hosts, or none; sign-in URL absent, absolute on another host, on the
//! same host and port, same host other port, other scheme, relative, with a query string or
//! a fragment; satellite or not) and generated requests (odd paths and queries, `Host` /
//! `X-Forwarded-Host` / `X-Forwarded-Proto`, development-browser cookies), each with what
//! `Clerk::sign_in_redirect_url` answers for a signed-out or a pending request. The other
//! side asks `createRedirect(…).redirectToSignIn()` of `@clerk/backend` 3.25.

use axum::http::Request;
use clerk::{Auth, Clerk};
use serde_json::{json, Value};

use super::{base64, Lcg};

/// Frontend API hosts of the publishable keys, beyond the stand-in's own: the Accounts
/// Portal (`buildAccountsBaseUrl`) is derived from them.
const FRONTEND_APIS: [&str; 11] = [
    "foo-bar-13.clerk.accounts.dev",
    "foo.clerk.accountsstage.dev",
    "foo.clerk.accounts.lclclerk.com",
    "clerk.example.com",
    "clerk.app.example.com",
    "app.clerk.example.com",
    "myclerk.example.com",
    "auth.example.com",
    "clerk.accounts.example.com",
    "clerk.example.com:8443",
    "clerk.clerk.example.com",
];

/// Sign-in URLs (`None`: not configured, the Accounts Portal of the key). Requests are on
/// `app.test` unless their headers say otherwise.
const SIGN_IN_URLS: [Option<&str>; 22] = [
    None,
    Some(""),
    Some("https://accounts.other.test/sign-in"),
    Some("http://app.test/login"),
    Some("http://app.test:8080/sign-in"),
    Some("https://app.test/sign-in"),
    Some("https://APP.test:443/sign-in"),
    Some("/sign-in"),
    Some("sign-in"),
    Some("/sign-in?x=1&y=a+b&e=%20"),
    Some("/sign-in#frag"),
    Some("https://other.test/login?from=app&from=x#top"),
    Some("//other.test/sign-in"),
    Some("http://[bad/sign-in"),
    Some("https://other.test/sign-in?redirect_url=kept&__clerk_db_jwt=old"),
    Some("https://other.test/sign-in?"),
    Some("/sign-in?"),
    Some("http://app.test:80/login"),
    Some("https://app.test:3000/x"),
    Some("HTTPS://Other.TEST/Sign-In"),
    Some("https://user:pw@other.test/sign-in"),
    Some("javascript:alert(1)"),
];

/// Request paths and queries: encoded characters, `+`, repeated and empty parameters, the
/// development browser's parameter.
const PATHS: [&str; 22] = [
    "/",
    "/p",
    "/p?q=a%20b&flag",
    "/p?a=1&a=2",
    "/p?a=b+c&d=%2B",
    "/p?__clerk_db_jwt=dvb_query&k=1",
    "/p?__clerk_db_jwt=&k=1",
    "/p?__clerk_db_jwt=dvb_a&__clerk_db_jwt=dvb_b",
    "/p?__clerk_db_jwt=dvb%2Bplus+sp",
    "/p?k=",
    "/p?=v",
    "/p?",
    "/p%2Fq/%7Euser",
    "/caf%C3%A9?x=%E2%9C%93",
    "/a/./b/../c",
    "/p?redirect_url=http%3A%2F%2Fevil.test",
    "/p?__clerk_synced=true&x=1",
    "/p?x=~&a=1;b=2",
    "/p?a=%zz&b=%",
    "//double/slash?x",
    "/p?x=*-._!'()",
    "/deep/path/?a[]=1&a[]=2",
];

/// `Host`, `X-Forwarded-Host`, `X-Forwarded-Proto` (as the JS side reads them).
const HOSTS: [(Option<&str>, Option<&str>, Option<&str>); 18] = [
    (Some("app.test"), None, None),
    (Some("App.TEST:80"), None, None),
    (Some("app.test:3000"), None, None),
    (Some("app.test:8080"), None, None),
    (
        Some("app.test"),
        Some("app.example.com, other"),
        Some("https,http"),
    ),
    (Some("app.test"), Some("app.example.com"), None),
    (Some("app.test"), None, Some("https")),
    (Some("app.test"), Some(""), Some("https")),
    (Some("app.test"), Some("other.test:8443"), Some("https")),
    (Some("app.test"), None, Some("HTTPS")),
    (Some("app.test"), Some("accounts.other.test"), Some("https")),
    (Some("app.test"), Some("[::1]:3000"), None),
    (Some("app.test"), Some("other.test"), Some("https")),
    (None, None, None),
    (Some("app.test"), None, Some("ftp")),
    (Some("app.test"), Some("evil.test/path"), None),
    (Some("app.test"), Some("a b"), None),
    (Some("app.test:3000"), None, Some("https")),
];

/// `Cookie` headers: the development browser's plain cookie, suffixed, absent, empty,
/// encoded, quoted, repeated.
const COOKIES: [Option<&str>; 9] = [
    None,
    Some("__clerk_db_jwt=dvb_cookie"),
    Some("__clerk_db_jwt_AbCd1234=dvb_suffixed"),
    Some("__clerk_db_jwt="),
    Some("__clerk_db_jwt=dvb%20enc"),
    Some("__clerk_db_jwt=\"dvb_q\""),
    Some("a=1; __clerk_db_jwt=dvb_1; __clerk_db_jwt=dvb_2"),
    Some("__clerk_db_jwt=dvb_plain; __clerk_db_jwt_AbCd1234=dvb_suf"),
    Some("__session=x; other=y"),
];

/// How many requests each instance answers.
const REQUESTS_PER_INSTANCE: usize = 10;

/// The corpus, decided by this SDK: `{"cases": [...], "skipped": [...]}`. `skipped` lists
/// the instances `ClerkBuilder` refuses to build (with why), which the other side does not
/// check.
pub async fn cases(mock_frontend_api: &str, jwt_key: &str) -> Value {
    let mut keys: Vec<Option<String>> = vec![None];
    for host in std::iter::once(mock_frontend_api).chain(FRONTEND_APIS) {
        let encoded = base64(format!("{host}$").as_bytes());
        keys.push(Some(format!("pk_test_{encoded}")));
        keys.push(Some(format!("pk_live_{encoded}")));
    }
    let mut rng = Lcg(0x7ed1_4ec7);
    let mut cases = Vec::new();
    let mut skipped = Vec::new();
    for key in &keys {
        for sign_in in SIGN_IN_URLS {
            for satellite in [false, true] {
                let mut builder = Clerk::builder().without_env().jwt_key(jwt_key);
                if let Some(key) = key {
                    builder = builder.publishable_key(key);
                }
                if let Some(url) = sign_in {
                    builder = builder.sign_in_url(url);
                }
                if satellite {
                    builder = builder.is_satellite(true).domain("sat.test");
                }
                let config = json!({
                    "publishable_key": key,
                    "sign_in_url": sign_in,
                    "is_satellite": satellite,
                });
                let clerk = match builder.build() {
                    Ok(clerk) => clerk,
                    Err(e) => {
                        skipped.push(json!({"config": config, "error": e.to_string()}));
                        continue;
                    }
                };
                for _ in 0..REQUESTS_PER_INSTANCE {
                    cases.push(case(&clerk, &config, &mut rng));
                }
            }
        }
    }
    json!({"cases": cases, "skipped": skipped})
}

/// One generated request on this instance, and the SDK's answer.
fn case(clerk: &Clerk, config: &Value, rng: &mut Lcg) -> Value {
    let path = PATHS[rng.below(PATHS.len())];
    let (host, forwarded_host, forwarded_proto) = HOSTS[rng.below(HOSTS.len())];
    let cookie = COOKIES[rng.below(COOKIES.len())];
    let pending = rng.below(3) == 0;
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for (name, value) in [
        ("host", host),
        ("x-forwarded-host", forwarded_host),
        ("x-forwarded-proto", forwarded_proto),
        ("cookie", cookie),
    ] {
        if let Some(value) = value {
            headers.push((name, value));
        }
    }
    let mut request = Request::builder().method("GET").uri(path);
    for (name, value) in &headers {
        request = request.header(*name, *value);
    }
    let (parts, ()) = request
        .body(())
        .unwrap_or_else(|e| panic!("a valid request for {path}: {e}"))
        .into_parts();
    let auth = if pending {
        Auth::pending()
    } else {
        Auth::signed_out()
    };
    let rust = clerk.sign_in_redirect_url(&parts, &auth);
    json!({
        "config": config,
        "path": path,
        "headers": headers,
        "pending": pending,
        "rust": rust,
    })
}
