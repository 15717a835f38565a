//! The handshake corpus of the differential check (`tests/js/handshake_differential.mjs`):
//! generated browser and API requests (methods, `Sec-Fetch-Dest`/`Accept`, cookies of both
//! families, query parameters, forwarded headers, redirect counts, expired, valid and
//! refreshable tokens, returning handshakes) on development and production instances,
//! plain, proxied and satellite, with what `authenticate_request` decides: status, reason,
//! message and every header (docs/handshake-spec.md §12).

use axum::http::{HeaderValue, Method, Request};
use clerk::testing::MockClerk;
use clerk::{Clerk, PublishableKey, RequestState};
use serde_json::{json, Value};

use super::Lcg;

mod org_sync;

/// An instance of a corpus: its name, publishable key and options (as the JS options).
pub(super) struct Instance {
    pub name: &'static str,
    pub live: bool,
    pub options: Value,
    pub clerk: Clerk,
}

impl Instance {
    /// The instance the JS options describe, on the stand-in's keys.
    pub(super) fn new(
        mock: &MockClerk,
        (dev_pk, live_pk): (&str, &str),
        name: &'static str,
        live: bool,
        options: Value,
    ) -> Self {
        let pk = if live { live_pk } else { dev_pk };
        let mut b = Clerk::builder()
            .without_env()
            .secret_key(mock.secret_key())
            .jwt_key(mock.jwt_key_pem())
            .publishable_key(pk)
            .api_url(mock.api_url());
        let text = |key: &str| options[key].as_str().map(str::to_owned);
        if let Some(p) = text("proxyUrl") {
            b = b.proxy_url(p);
        }
        if options["isSatellite"] == json!(true) {
            b = b.is_satellite(true);
        }
        if let Some(d) = text("domain") {
            b = b.domain(d);
        }
        if let Some(s) = text("signInUrl") {
            b = b.sign_in_url(s);
        }
        if let Some(s) = text("signUpUrl") {
            b = b.sign_up_url(s);
        }
        if let Some(parties) = options["authorizedParties"].as_array() {
            b = b.authorized_parties(parties.iter().filter_map(Value::as_str));
        }
        Self {
            name,
            live,
            options,
            clerk: b.build().expect("a valid configuration"),
        }
    }
}

fn instances(mock: &MockClerk, dev_pk: &str, live_pk: &str) -> Vec<Instance> {
    let make = |name, live: bool, options: Value| {
        Instance::new(mock, (dev_pk, live_pk), name, live, options)
    };
    vec![
        make("dev", false, json!({})),
        make("live", true, json!({})),
        make(
            "dev_proxy",
            false,
            json!({"proxyUrl": "https://app.test/__clerk/"}),
        ),
        make("live_proxy_path", true, json!({"proxyUrl": "/__clerk"})),
        make(
            "live_satellite",
            true,
            // The stand-in's secret key is a development one: a sign-in URL is required.
            json!({"isSatellite": true, "domain": "sat.test", "signInUrl": "https://primary.test/sign-in"}),
        ),
        make(
            "dev_satellite",
            false,
            json!({"isSatellite": true, "domain": "sat.test", "signInUrl": "https://primary.test/sign-in"}),
        ),
    ]
}

/// The corpus, decided by this SDK. `volatile` cases mint fresh tokens on each side (a
/// nonce exchange, a refresh): there only the `Set-Cookie` names are compared.
pub async fn cases(mock: &MockClerk, dev_pk: &str, live_pk: &str) -> Value {
    let user = mock
        .create_user(&Default::default())
        .expect("a user for the corpus");
    let browser = mock.sign_in_browser(&user.id).expect("a signed-in browser");
    let sid = browser.session_id.clone();
    let refresh_token = mock.refresh_token(&sid).expect("a refresh token");
    let suffix = PublishableKey::parse(dev_pk)
        .expect("valid")
        .cookie_suffix();
    let live_suffix = PublishableKey::parse(live_pk)
        .expect("valid")
        .cookie_suffix();
    let token = || {
        mock.token()
            .user(&user.id)
            .session(&sid)
            .expires_in_secs(600)
    };
    let now = token().claims()["iat"].as_i64().expect("iat");
    let valid = token().sign();
    let expired = token().expired().sign();
    let nbf_future = token().not_before_in_secs(120).sign();
    let iat_future = token().issued_in_secs(120).sign();
    let foreign = token().issuer("https://clerk.other.example").sign();
    let sat_issued = token().issuer("https://clerk.sat.test").sign();

    let mut rng = Lcg(0x4a5d_5eed);
    let mut out = Vec::new();
    for instance in instances(mock, dev_pk, live_pk) {
        let sfx = if instance.live { &live_suffix } else { &suffix };
        for _ in 0..200 {
            let mut cookies: Vec<String> = Vec::new();
            let mut headers: Vec<(String, String)> = Vec::new();
            let mut volatile = false;
            // The session cookies.
            let uat = now.to_string();
            match rng.below(17) {
                0 => {}
                1 => cookies.push(format!("__client_uat={uat}")),
                2 | 3 => {
                    cookies.extend([format!("__session={valid}"), format!("__client_uat={uat}")])
                }
                4 => cookies.push(format!("__session={valid}")),
                5 => cookies.extend([format!("__session={valid}"), "__client_uat=0".into()]),
                6 => cookies.extend([
                    format!("__session={expired}"),
                    format!("__client_uat={uat}"),
                ]),
                7 => {
                    volatile = true;
                    cookies.extend([
                        format!("__session={expired}"),
                        format!("__client_uat={uat}"),
                        format!("__refresh_{sfx}={refresh_token}"),
                    ])
                }
                8 => cookies.extend([
                    format!("__session={expired}"),
                    format!("__client_uat={uat}"),
                    format!("__refresh_{sfx}=not-the-refresh-token"),
                    // A plain `__refresh` is never read.
                    format!("__refresh={refresh_token}"),
                ]),
                9 => cookies.extend([
                    format!("__session={nbf_future}"),
                    format!("__client_uat={uat}"),
                ]),
                10 => cookies.extend([
                    format!("__session={iat_future}"),
                    format!("__client_uat={uat}"),
                ]),
                11 => cookies.extend([
                    format!("__session={valid}"),
                    format!("__client_uat={}", now + 100),
                ]),
                12 => cookies.extend(["__session=garbage".into(), format!("__client_uat={uat}")]),
                13 => cookies.extend([
                    format!("__session={foreign}"),
                    format!("__client_uat={uat}"),
                ]),
                14 => cookies.extend([
                    format!("__session_{sfx}={valid}"),
                    format!("__client_uat_{sfx}={uat}"),
                ]),
                15 => cookies.extend([
                    format!("__session={sat_issued}"),
                    format!("__client_uat={uat}"),
                ]),
                // Quotes are part of a cookie's value (`cookie` 1.x).
                _ => cookies.extend([
                    format!("__session=\"{valid}\""),
                    format!("__client_uat=\"{uat}\""),
                ]),
            }
            // The development browser.
            if rng.below(10) < 7 {
                let plain = rng.below(2) == 0;
                cookies.push(if plain {
                    "__clerk_db_jwt=dvb_cookie".to_owned()
                } else {
                    format!("__clerk_db_jwt_{sfx}=dvb_cookie")
                });
            }
            // The loop guard.
            match rng.below(8) {
                0 => cookies.push("__clerk_redirect_count=2".into()),
                1 => cookies.push("__clerk_redirect_count=3".into()),
                2 => cookies.push("__clerk_redirect_count=4".into()),
                3 => cookies.push(
                    [
                        "__clerk_redirect_count=3.5",
                        "__clerk_redirect_count=abc",
                        "__clerk_redirect_count=0x3",
                    ][rng.below(3)]
                    .into(),
                ),
                _ => {}
            }
            // A Bearer token sometimes.
            match rng.below(10) {
                0 => headers.push(("authorization".into(), format!("Bearer {expired}"))),
                1 => headers.push(("authorization".into(), format!("Bearer {valid}"))),
                _ => {}
            }
            // What kind of request.
            let (method, kind): (&str, &[(&str, &str)]) = match rng.below(12) {
                0..=3 => (
                    "GET",
                    &[
                        ("sec-fetch-dest", "document"),
                        ("accept", "text/html,application/xhtml+xml"),
                    ],
                ),
                4 => ("GET", &[("sec-fetch-dest", "iframe")]),
                5 => ("GET", &[("sec-fetch-dest", "Document")]),
                6 => ("GET", &[("accept", "text/htmlx")]),
                7 => ("GET", &[("accept", "Text/html")]),
                8 => (
                    "GET",
                    &[("sec-fetch-dest", "empty"), ("accept", "text/html")],
                ),
                9 => (
                    "GET",
                    &[("sec-fetch-dest", "empty"), ("accept", "application/json")],
                ),
                10 => (
                    "POST",
                    &[("sec-fetch-dest", "document"), ("accept", "text/html")],
                ),
                _ => ("HEAD", &[("accept", "text/html")]),
            };
            for (k, v) in kind {
                headers.push(((*k).into(), (*v).into()));
            }
            // Where the request is.
            let host = match rng.below(4) {
                0 => {
                    headers.push(("x-forwarded-host".into(), "app.example.com, other".into()));
                    headers.push(("x-forwarded-proto".into(), "https,http".into()));
                    "app.test"
                }
                1 => "App.TEST:80",
                _ => "app.test",
            };
            headers.push(("host".into(), host.into()));
            let path = [
                "/p",
                "/p?q=a%20b&flag",
                "/p?x=~&a=1;b=2",
                "/p?__clerk_db_jwt=dvb_query&k=1",
                "/p?__clerk_synced=false",
                "/p?__clerk_synced=true",
                "/p?__dev_session=1&b=2",
                "/p?__clerk_redirect_url=http%3A%2F%2Fsat.test%2Fp%3F__clerk_synced%3Dfalse%26y%3D1",
                "/a/./b/../c",
                // A legacy handshake token that does not verify (development: the package
                // throws; production: it falls back to the cookies).
                "/p?__clerk_handshake=garbage",
                // A nonce the Backend API does not know: no directives.
                "/p?__clerk_handshake_nonce=unknown-nonce&k=1",
                // Not an absolute URL: the package throws on a development primary.
                "/p?__clerk_redirect_url=not-a-url",
            ][rng.below(12)];
            // A returning handshake, now and then: its nonce is minted per side.
            let mut path = path.to_owned();
            if rng.below(12) == 0 {
                volatile = true;
                if rng.below(2) == 0 {
                    path = "/p?a=1&__clerk_handshake_nonce={NONCE}&__clerk_help=1&z=2".to_owned();
                } else {
                    cookies.push("__clerk_handshake_nonce={NONCE}".into());
                }
            }
            if rng.below(8) == 0 {
                // A satellite's sign-in URL may not be on the request's own origin.
                let origin = ["https://primary.test", "https://app.test"][rng.below(2)];
                headers.push(("origin".into(), origin.into()));
            }
            if rng.below(3) == 0 {
                headers.push((
                    "referer".into(),
                    [
                        "https://other.test/x",
                        "http://app.test/y",
                        &format!("https://{}/", mock_fapi_host(dev_pk)),
                    ][rng.below(3)]
                    .into(),
                ));
            }
            if !cookies.is_empty() {
                headers.push(("cookie".into(), cookies.join("; ")));
            }
            out.push(json!({
                "instance": instance.name,
                "live": instance.live,
                "options": instance.options,
                "method": method,
                "path": path,
                "headers": headers,
                "volatile": volatile,
            }));
        }
        // Decide this instance's cases.
        for case in out.iter_mut().filter(|c| c["instance"] == instance.name) {
            let nonce = if case.to_string().contains("{NONCE}") {
                Some(mint_nonce(mock, &browser.client_cookie()).await)
            } else {
                None
            };
            let decided = decide(&instance.clerk, case, nonce.as_deref()).await;
            case["rust"] = decided;
        }
    }
    out.extend(org_sync::cases(mock, dev_pk, live_pk, &user.id, &sid).await);
    json!({
        "client_cookie": browser.client_cookie(),
        "frontend_api": mock.frontend_api_url(),
        "cases": out,
    })
}

fn mock_fapi_host(pk: &str) -> String {
    PublishableKey::parse(pk)
        .expect("valid")
        .frontend_api()
        .to_owned()
}

/// A nonce of the stand-in's Frontend API for the signed-in browser.
pub async fn mint_nonce(mock: &MockClerk, client_cookie: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let url = format!(
        "{}/v1/client/handshake?redirect_url=http%3A%2F%2Fapp.test%2Fp&format=nonce&suffixed_cookies=false",
        mock.frontend_api_url()
    );
    let response = http
        .get(url)
        .header("cookie", client_cookie)
        .send()
        .await
        .expect("the stand-in answers");
    let location = response.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    location
        .split("__clerk_handshake_nonce=")
        .nth(1)
        .expect("a nonce in the query")
        .split('&')
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub async fn decide(clerk: &Clerk, case: &Value, nonce: Option<&str>) -> Value {
    let fill = |s: &str| match nonce {
        Some(n) => s.replace("{NONCE}", n),
        None => s.to_owned(),
    };
    let mut request = Request::builder()
        .method(Method::from_bytes(case["method"].as_str().unwrap().as_bytes()).unwrap())
        .uri(fill(case["path"].as_str().unwrap()));
    for pair in case["headers"].as_array().unwrap() {
        let value = fill(pair[1].as_str().unwrap());
        request = request.header(
            pair[0].as_str().unwrap(),
            HeaderValue::from_str(&value).unwrap(),
        );
    }
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let state = clerk.authenticate_request(&parts).await;
    outcome(&state)
}

/// Status, reason, message, `Location`, `Set-Cookie`s and the other headers; a thrown
/// error as `{"error": message}`.
pub fn outcome(state: &RequestState) -> Value {
    if state.reason().map(|r| r.as_str()) == Some("authenticate-request-error") {
        return json!({"error": state.signed_out().map(|s| s.message.to_string())});
    }
    let headers = state.headers();
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let set_cookies: Vec<String> = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    json!({
        "status": state.status(),
        "reason": state.reason().map(|r| r.as_str()),
        "location": get("location"),
        "cache_control": get("cache-control"),
        "cors": [get("access-control-allow-origin"), get("access-control-allow-credentials")],
        "auth_status": get("x-clerk-auth-status"),
        "auth_reason": get("x-clerk-auth-reason"),
        "auth_message": get("x-clerk-auth-message"),
        "set_cookies": set_cookies,
    })
}
