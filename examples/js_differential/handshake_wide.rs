//! The wider handshake corpus: dimensions `handshake.rs` does not draw from. Legacy
//! `__clerk_handshake` tokens that verify (directives that set, clear and override the
//! session, development clock skew), server-side refreshes the Backend API refuses or
//! answers malformed (`MockClerk::answer_session_refresh`), forwarded and odd hosts,
//! absolute-form URIs and odd queries, more proxy, domain and satellite settings, token
//! variants (pending, v1, `azp` against `authorizedParties`, other keys, `__client_uat`
//! edge values, duplicate cookies), and more methods, `Sec-Fetch-Dest` and `Accept` values.
//! Cases have the same shape as `handshake.rs`'s and go to the same JS check.

use clerk::testing::MockClerk;
use clerk::PublishableKey;
use serde_json::{json, Value};

use super::handshake::{decide, Instance};
use super::Lcg;

fn instances(mock: &MockClerk, dev_pk: &str, live_pk: &str) -> Vec<Instance> {
    let make = |name, live: bool, options: Value| {
        Instance::new(mock, (dev_pk, live_pk), name, live, options)
    };
    vec![
        make("w_dev", false, json!({})),
        make("w_live", true, json!({})),
        make("w_dev_proxy_slash", false, json!({"proxyUrl": "/__clerk/"})),
        make(
            "w_live_proxy_path",
            true,
            json!({"proxyUrl": "https://proxy.test/clerk/fapi//"}),
        ),
        make(
            "w_live_sat_scheme",
            true,
            json!({"isSatellite": true, "domain": "https://sat.test",
                   "signInUrl": "https://primary.test/sign-in?x=1",
                   "signUpUrl": "https://primary.test/sign-up"}),
        ),
        make(
            "w_live_sat_proxy",
            true,
            json!({"isSatellite": true, "proxyUrl": "https://sat.test/__clerk",
                   "signInUrl": "https://primary.test/sign-in"}),
        ),
        make(
            "w_dev_sat_proxy",
            false,
            json!({"isSatellite": true, "proxyUrl": "/__clerk",
                   "signInUrl": "https://primary.test/sign-in#top",
                   "signUpUrl": "https://other.test/sign-up"}),
        ),
        make(
            "w_live_azp",
            true,
            json!({"authorizedParties": ["https://app.test", "http://app.test"]}),
        ),
    ]
}

/// The refresh answers of the corpus' extra sessions: status, content type, body (`{T}`
/// stands for a fresh valid token of that session, `{E}` for an expired one).
const REFRESH_ANSWERS: &[(u16, Option<&str>, &str)] = &[
    (
        400,
        Some("application/json"),
        r#"{"errors":[{"code":"session_not_active","message":"x"}]}"#,
    ),
    (
        401,
        Some("application/json"),
        r#"{"errors":[{"code":"authentication_invalid","message":"x"}]}"#,
    ),
    (
        500,
        Some("application/json"),
        r#"{"errors":[{"code":"unexpected_error","message":"x"}]}"#,
    ),
    (422, Some("application/json"), r#"{"errors":[]}"#),
    (
        400,
        Some("application/json"),
        r#"{"errors":[{"message":"no code"}]}"#,
    ),
    (503, Some("text/html"), "<html>down</html>"),
    (
        400,
        Some("application/json; charset=utf-8"),
        r#"{"errors":[{"code":"charset","message":"x"}]}"#,
    ),
    (204, None, ""),
    (200, Some("application/json"), "null"),
    (200, Some("application/json"), "5"),
    (200, Some("application/json"), "[]"),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":[]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":["__session=garbage; Path=/"]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":["__client_uat=1; Path=/"]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"token","jwt":"{T}"}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":["__client_uat=1; Path=/","__session={E}; Path=/","__session={T}; Path=/"]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":["__session={T}; Path=/","__session_x=; Path=/"]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"cookies":["__session={T}; Path=/; HttpOnly"]}"#,
    ),
    (
        200,
        Some("application/json; charset=utf-8"),
        r#"{"object":"cookies","cookies":["__session={T}; Path=/"]}"#,
    ),
    (200, Some("text/plain"), "__session={T}"),
    (400, Some("application/json"), r#"{"errors":"x"}"#),
    (400, Some("application/json"), r#"{"errors":[null]}"#),
    (400, Some("application/json"), r#"{"errors":[{"code":7}]}"#),
    (200, Some("application/json"), "not json"),
    (200, Some("application/json"), r#"[{"object":"x"}, 1]"#),
    (
        200,
        Some("application/json"),
        r#"{"object":"session","cookies":["__session={T}; Path=/"]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":"__session={T}"}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":[1, "__session={T}"]}"#,
    ),
    (
        200,
        Some("application/json"),
        r#"{"object":"cookies","cookies":["  __session={T}; Path=/  "]}"#,
    ),
];

/// The wide corpus, decided by this SDK (same case shape as `handshake::cases`).
pub async fn cases(mock: &MockClerk, dev_pk: &str, live_pk: &str) -> Vec<Value> {
    let user = mock
        .create_user(&Default::default())
        .expect("a user for the corpus");
    let browser = mock.sign_in_browser(&user.id).expect("a signed-in browser");
    let sid = browser.session_id.clone();
    let refresh_token = browser.refresh_token.clone();
    let suffix = |pk: &str| PublishableKey::parse(pk).expect("valid").cookie_suffix();
    let (dev_sfx, live_sfx) = (suffix(dev_pk), suffix(live_pk));
    let token = |sid: &str| {
        mock.token()
            .user(&user.id)
            .session(sid)
            .azp("https://app.test")
            .expires_in_secs(600)
    };
    let now = token(&sid).claims()["iat"].as_i64().expect("iat");
    let valid = token(&sid).sign();
    let expired = token(&sid).expired().sign();

    // Sessions whose refresh the stand-in answers with one of `REFRESH_ANSWERS`.
    let mut refusing = Vec::new();
    for (status, content_type, body) in REFRESH_ANSWERS {
        let session = mock.create_session(&user.id).expect("a session");
        let body = body
            .replace("{T}", &token(&session.id).sign())
            .replace("{E}", &token(&session.id).expired().sign());
        mock.answer_session_refresh(&session.id, *status, *content_type, body);
        let refresh = mock.refresh_token(&session.id).expect("a refresh token");
        refusing.push((token(&session.id).expired().sign(), refresh));
    }
    // A revoked session: the stand-in refuses its refresh.
    let revoked = mock.create_session(&user.id).expect("a session");
    let revoked_refresh = mock.refresh_token(&revoked.id).expect("a refresh token");
    let revoked_expired = token(&revoked.id).expired().sign();
    mock.clerk()
        .sessions()
        .revoke(&revoked.id)
        .await
        .expect("revoked");

    let tokens = TokenSet {
        now,
        valid: valid.clone(),
        expired: expired.clone(),
        pending: token(&sid).pending().sign(),
        v1: token(&sid).v1().sign(),
        azp_other: token(&sid).azp("https://evil.test").sign(),
        no_azp: token(&sid).without_claim("azp").sign(),
        other_key: token(&sid).sign_with(&mock.unpublished_key()),
        no_sid_expired: token(&sid).without_claim("sid").expired().sign(),
        expired_60: token(&sid).expires_in_secs(-60).sign(),
        expired_2d: token(&sid).expires_in_secs(-2 * 86_400).sign(),
        nbf_future: token(&sid).not_before_in_secs(300).sign(),
        template: token(&sid).header("cat", "cl_B7d4PD222AAA").sign(),
        refresh_token,
        refusing,
        revoked: (revoked_expired, revoked_refresh),
    };
    let legacy = legacy_handshakes(mock, &tokens, &dev_sfx);

    let mut rng = Lcg(0x0d1f_f71d);
    let mut out = Vec::new();
    for instance in instances(mock, dev_pk, live_pk) {
        let sfx = if instance.live { &live_sfx } else { &dev_sfx };
        let mut mine = Vec::new();
        for _ in 0..220 {
            mine.push(random_case(&mut rng, &tokens, &legacy, sfx, &instance));
        }
        for case in mine.iter_mut() {
            let nonce = if case.to_string().contains("{NONCE}") {
                Some(super::handshake::mint_nonce(mock, &browser.client_cookie()).await)
            } else {
                None
            };
            case["rust"] = decide(&instance.clerk, case, nonce.as_deref()).await;
        }
        out.extend(mine);
    }
    out
}

struct TokenSet {
    now: i64,
    valid: String,
    expired: String,
    pending: String,
    v1: String,
    azp_other: String,
    no_azp: String,
    other_key: String,
    no_sid_expired: String,
    expired_60: String,
    expired_2d: String,
    nbf_future: String,
    template: String,
    refresh_token: String,
    /// Expired tokens of sessions whose refresh is refused, with their refresh tokens.
    refusing: Vec<(String, String)>,
    revoked: (String, String),
}

/// Legacy `__clerk_handshake` tokens, signed by the instance key (or not), whose
/// `handshake` claim lists directives.
fn legacy_handshakes(mock: &MockClerk, t: &TokenSet, sfx: &str) -> Vec<String> {
    let hs = |directives: Value| {
        mock.token()
            .claim("handshake", directives)
            .expires_in_secs(600)
    };
    let uat = format!(
        "__client_uat={}; Path=/; Max-Age=315360000; SameSite=Lax",
        t.now
    );
    let session = |token: &str| format!("__session={token}; Path=/; SameSite=Lax");
    vec![
        hs(json!([uat, session(&t.valid)])).sign(),
        hs(json!([
            "__client_uat=0; Path=/; Max-Age=0",
            "__session=; Path=/; Max-Age=0"
        ]))
        .sign(),
        // The last `__session*` wins, suffixed or not.
        hs(json!([
            session(&t.expired_2d),
            format!("__session_{sfx}={}; Path=/", t.valid)
        ]))
        .sign(),
        hs(json!([session(&t.valid), session(&t.expired_2d)])).sign(),
        hs(json!([
            uat,
            session(&t.valid),
            "__clerk_db_jwt=dvb_new; Path=/; SameSite=Lax"
        ]))
        .sign(),
        // Expired by a minute (development retries with a day of skew) or two days.
        hs(json!([uat, session(&t.expired_60)])).sign(),
        hs(json!([uat, session(&t.expired_2d)])).sign(),
        hs(json!([uat, session(&t.nbf_future)])).sign(),
        hs(json!([session(&t.other_key)])).sign(),
        hs(json!(["__session"])).sign(),
        hs(json!([])).sign(),
        hs(json!("not a list")).sign(),
        hs(json!([uat, session(&t.pending)])).sign(),
        hs(json!([session(&t.template)])).sign(),
        hs(json!([session(&t.azp_other)])).sign(),
        // A handshake token without `exp` is accepted (only signature, typ, alg, cat).
        hs(json!([session(&t.valid)])).without_claim("exp").sign(),
        hs(json!([session(&t.valid)])).expired().sign(),
        hs(json!([session(&t.valid)])).sign_with(&mock.unpublished_key()),
        hs(json!([session(&t.valid)]))
            .header("typ", "at+jwt")
            .sign(),
        hs(json!([session(&t.valid)]))
            .header("cat", "cl_B7d4PD222AAA")
            .sign(),
        hs(json!([session(&t.valid)]))
            .header("cat", "cl_I7d4PD111III")
            .sign(),
    ]
}

fn pick<'a, T>(rng: &mut Lcg, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len())]
}

fn random_case(
    rng: &mut Lcg,
    t: &TokenSet,
    legacy: &[String],
    sfx: &str,
    instance: &Instance,
) -> Value {
    let mut cookies: Vec<String> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut volatile = false;
    let mut label = Vec::new();
    let uat = t.now.to_string();
    let plain =
        |token: &str, uat: &str| vec![format!("__session={token}"), format!("__client_uat={uat}")];
    // The session cookies.
    let session_kind = rng.below(24);
    label.push(format!("session#{session_kind}"));
    match session_kind {
        0 => {}
        1 => cookies.extend(plain(&t.valid, &uat)),
        2 => cookies.extend(plain(&t.pending, &uat)),
        3 => cookies.extend(plain(&t.v1, &uat)),
        4 => cookies.extend(plain(&t.azp_other, &uat)),
        5 => cookies.extend(plain(&t.no_azp, &uat)),
        6 => cookies.extend(plain(&t.other_key, &uat)),
        7 => cookies.extend(plain(&t.template, &uat)),
        8 => {
            let edge = [
                "0",
                "-1",
                "1e3",
                "99999999999999999999",
                " 12",
                "+5",
                "",
                "0x10",
                "abc",
                "1.5",
                "-0",
                "00",
                "Infinity",
            ];
            let edge = pick(rng, &edge).to_string();
            let edge = if rng.below(3) == 0 {
                format!("{}.5", t.now)
            } else {
                edge
            };
            cookies.extend(plain(&t.valid, &edge));
        }
        9 => cookies.extend([
            "__session=garbage".to_owned(),
            format!("__session={}", t.valid),
            format!("__client_uat={uat}"),
        ]),
        10 => cookies.extend([
            format!("__session={}", t.valid),
            "__session=garbage".to_owned(),
            format!("__client_uat={uat}"),
            "__client_uat=0".to_owned(),
        ]),
        11 => cookies.extend([
            format!("__session={}", t.expired),
            format!("__client_uat={uat}"),
            format!("__session_{sfx}={}", t.valid),
            format!("__client_uat_{sfx}={uat}"),
        ]),
        12 => cookies.extend([
            format!("__session_{sfx}={}", t.expired),
            format!("__client_uat_{sfx}={uat}"),
            "__client_uat=0".to_owned(),
        ]),
        13..=15 => {
            let index = rng.below(t.refusing.len());
            label.push(format!("refresh-answer#{index}"));
            let (expired, refresh) = t.refusing[index].clone();
            cookies.extend(plain(&expired, &uat));
            cookies.push(format!("__refresh_{sfx}={refresh}"));
        }
        16 => {
            cookies.extend(plain(&t.revoked.0, &uat));
            cookies.push(format!("__refresh_{sfx}={}", t.revoked.1));
        }
        17 => {
            cookies.extend(plain(&t.no_sid_expired, &uat));
            cookies.push(format!("__refresh_{sfx}={}", t.refresh_token));
        }
        18 => {
            // A refresh with the wrong refresh token, and one that works.
            volatile = rng.below(2) == 0;
            let refresh = if volatile {
                t.refresh_token.clone()
            } else {
                t.revoked.1.clone()
            };
            cookies.extend(plain(&t.expired, &uat));
            cookies.push(format!("__refresh_{sfx}={refresh}"));
        }
        19 => {
            // Bearer expired, cookie garbage, a refresh cookie: the expired token is the cookie's.
            headers.push(("authorization".into(), format!("Bearer {}", t.expired)));
            cookies.extend(plain("garbage", &uat));
            cookies.push(format!("__refresh_{sfx}={}", t.refresh_token));
        }
        20 => {
            headers.push(("authorization".into(), format!("Bearer {}", t.nbf_future)));
        }
        21 => cookies.extend(plain(&t.expired_60, &uat)),
        22 => cookies.extend(plain(&t.nbf_future, &uat)),
        _ => cookies.push(format!("__client_uat={uat}")),
    }
    // The development browser: query and cookies, both families, duplicates.
    match rng.below(8) {
        0..=3 => cookies.push("__clerk_db_jwt=dvb_cookie".into()),
        4 => cookies.push(format!("__clerk_db_jwt_{sfx}=dvb_sfx")),
        5 => cookies.extend(["__clerk_db_jwt=".into(), "__clerk_db_jwt=dvb_2".into()]),
        _ => {}
    }
    if rng.below(10) == 0 {
        cookies.push(
            pick(
                rng,
                &[
                    "__clerk_redirect_count=3",
                    "__clerk_redirect_count=1",
                    "__clerk_redirect_count=-1",
                    "__clerk_redirect_count=Infinity",
                    "__clerk_redirect_count=%33",
                ],
            )
            .to_string(),
        );
    }
    // The request kind.
    let method = *pick(
        rng,
        &[
            "GET", "GET", "GET", "GET", "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "POST",
        ],
    );
    match rng.below(14) {
        0..=3 => headers.push(("sec-fetch-dest".into(), "document".into())),
        4 => headers.push(("sec-fetch-dest".into(), "iframe".into())),
        5 => headers.push((
            "sec-fetch-dest".into(),
            pick(
                rng,
                &[
                    "frame",
                    "embed",
                    "empty",
                    "DOCUMENT",
                    "document ",
                    "script",
                    "object",
                ],
            )
            .to_string(),
        )),
        6 => headers.push(("sec-fetch-dest".into(), "".into())),
        7 => {
            headers.push(("sec-fetch-dest".into(), "document".into()));
            headers.push(("sec-fetch-dest".into(), "empty".into()));
        }
        _ => {}
    }
    if rng.below(4) != 0 {
        let accept = *pick(
            rng,
            &[
                "text/html",
                "text/html,application/xhtml+xml,*/*;q=0.8",
                "*/*",
                "application/json",
                "text/html;q=0.9",
                " text/html",
                "",
                "TEXT/HTML",
                "application/xhtml+xml,text/html",
            ],
        );
        headers.push(("accept".into(), accept.into()));
        if rng.below(8) == 0 {
            headers.push(("accept".into(), "text/html".into()));
        }
    }
    if rng.below(5) == 0 {
        headers.push((
            "sec-fetch-site".into(),
            pick(rng, &["cross-site", "same-origin", "same-site", "none"]).to_string(),
        ));
    }
    // Where the request is: Host, forwarded headers.
    let host = *pick(
        rng,
        &[
            "app.test",
            "app.test",
            "app.test:3000",
            "[::1]:8080",
            "127.0.0.1",
            "APP.test:443",
            "app.test:80",
        ],
    );
    headers.push(("host".into(), host.into()));
    match rng.below(12) {
        0 => headers.push(("x-forwarded-host".into(), "fwd.test:8443".into())),
        1 => headers.push(("x-forwarded-host".into(), "[2001:db8::1]".into())),
        2 => {
            headers.push(("x-forwarded-host".into(), "a.test".into()));
            headers.push(("x-forwarded-host".into(), "b.test".into()));
        }
        3 => headers.push(("x-forwarded-proto".into(), "https".into())),
        4 => {
            headers.push(("x-forwarded-proto".into(), "".into()));
            headers.push(("x-forwarded-host".into(), "".into()));
        }
        5 => {
            headers.push(("x-forwarded-proto".into(), "https".into()));
            headers.push(("x-forwarded-port".into(), "8443".into()));
            headers.push(("x-forwarded-host".into(), "fwd.test".into()));
        }
        6 => headers.push(("x-forwarded-proto".into(), "HTTPS".into())),
        7 => headers.push(("cloudfront-forwarded-proto".into(), "https".into())),
        8 => headers.push(("x-forwarded-host".into(), " spaced.test ".into())),
        9 => headers.push(("x-forwarded-proto".into(), "https, http".into())),
        _ => {}
    }
    // The path and query.
    let mut path = pick(
        rng,
        &[
            "/p",
            "/",
            "/p?",
            "/p?a=%2F%3F%23&b=%zz",
            "/p/%C3%A9t%C3%A9?q=%E2%9C%93",
            "/p?a=1+2&b=%2B",
            "/p?__clerk_db_jwt=q1&__clerk_db_jwt=q2",
            "/p?__clerk_db_jwt=",
            "/p?__clerk_synced=false&__clerk_synced=true",
            "/p?__clerk_synced=FALSE",
            "/p?__clerk_synced=",
            "/p?__clerk_redirect_url=https%3A%2F%2Fsat.test%2Fback%3F__clerk_synced%3Dfalse%26__clerk_synced%3Dx",
            "/p?__clerk_redirect_url=",
            "/p?__clerk_help=1&x=1",
            "/p?__clerk_handshake_nonce=&__clerk_handshake=",
            "/%2e%2e/p",
            "/p;param?x=1",
            "http://abs.test/p?x=1",
            "https://app.test:8443/p",
            "/p?a=%00",
            "/p?redirect_url=x&__clerk_hs_reason=y",
        ],
    )
    .to_string();
    // A returning handshake: a legacy token (query or cookie), a nonce, or both.
    match rng.below(6) {
        0 | 1 => {
            let index = rng.below(legacy.len());
            label.push(format!("legacy#{index}"));
            let token = legacy[index].clone();
            if rng.below(3) == 0 {
                cookies.push(format!("__clerk_handshake={token}"));
            } else {
                let sep = if path.contains('?') { '&' } else { '?' };
                path = format!("{path}{sep}__clerk_handshake={token}&__clerk_help=1");
            }
        }
        2 if rng.below(3) == 0 => {
            volatile = true;
            let index = rng.below(legacy.len());
            label.push(format!("legacy#{index}+nonce"));
            let token = legacy[index].clone();
            let sep = if path.contains('?') { '&' } else { '?' };
            path =
                format!("{path}{sep}__clerk_handshake={token}&__clerk_handshake_nonce={{NONCE}}");
        }
        _ => {}
    }
    if rng.below(6) == 0 {
        let origin = *pick(
            rng,
            &[
                "https://primary.test",
                "https://app.test",
                "http://app.test",
                "null",
                "https://sat.test",
            ],
        );
        headers.push(("origin".into(), origin.into()));
    }
    if rng.below(3) == 0 {
        let referer = *pick(
            rng,
            &[
                "https://other.test/x",
                "http://app.test/y",
                "https://app.test/y",
                "http://app.test:3000/",
                "https://accounts.example.com/",
                "https://foo-bar-13.accounts.dev/sign-in",
                "https://accounts.foo.lcl.dev/",
                "https://proxy.test/clerk/",
                "https://sat.test/",
                "https://clerk.sat.test/",
                "not a url",
                "https://user:pw@other.test/",
            ],
        );
        headers.push(("referer".into(), referer.into()));
    }
    if !cookies.is_empty() {
        headers.push(("cookie".into(), cookies.join("; ")));
    }
    json!({
        "instance": instance.name,
        "live": instance.live,
        "options": instance.options,
        "method": method,
        "path": path,
        "headers": headers,
        "volatile": volatile,
        "label": label.join(" "),
    })
}
