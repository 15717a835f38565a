//! Organization sync cases of the handshake corpus (docs/handshake-spec.md §6.6): instances
//! with `organizationSyncOptions`, session tokens with and without an active organization
//! (v1 `org_id`/`org_slug`, v2 `o`), pending sessions, paths matching id, slug and
//! personal-account patterns or none, navigations and fetches, and loop counters.

use clerk::testing::MockClerk;
use clerk::{Clerk, OrganizationSyncOptions};
use serde_json::{json, Value};

use super::{decide, Lcg};

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The instances: name, live, options (as the JS options).
fn instances() -> Vec<(&'static str, bool, Value)> {
    vec![
        (
            "dev_orgs",
            false,
            json!({"organizationSyncOptions": {
                "organizationPatterns": ["/orgs/:slug", "/orgs/:slug/(.*)", "/id/:id"],
                "personalAccountPatterns": ["/me", "/me/(.*)"],
            }}),
        ),
        (
            "live_orgs",
            true,
            json!({"proxyUrl": "/__clerk", "organizationSyncOptions": {
                "organizationPatterns": ["/teams/:id(org_\\w+)", "/teams/:id(org_\\w+)/(.*)", "/t/:slug{/:rest}*", "/o/:slug(.*)"],
                "personalAccountPatterns": ["/personal(.*)", "/o/"],
            }}),
        ),
    ]
}

fn build(mock: &MockClerk, pk: &str, options: &Value) -> Clerk {
    let sync = &options["organizationSyncOptions"];
    let mut b = Clerk::builder()
        .without_env()
        .secret_key(mock.secret_key())
        .jwt_key(mock.jwt_key_pem())
        .publishable_key(pk)
        .api_url(mock.api_url())
        .organization_sync(OrganizationSyncOptions {
            organization_patterns: strings(&sync["organizationPatterns"]),
            personal_account_patterns: strings(&sync["personalAccountPatterns"]),
        });
    if let Some(p) = options["proxyUrl"].as_str() {
        b = b.proxy_url(p);
    }
    b.build().expect("a valid configuration")
}

/// The cases, decided by this SDK.
pub(super) async fn cases(
    mock: &MockClerk,
    dev_pk: &str,
    live_pk: &str,
    user_id: &str,
    session_id: &str,
) -> Vec<Value> {
    let token = || {
        mock.token()
            .user(user_id)
            .session(session_id)
            .expires_in_secs(600)
    };
    let now = token().claims()["iat"].as_i64().expect("iat");
    // The organization's slug is `<id>-slug` (`TokenBuilder::org`).
    let tokens = [
        token().sign(),
        token().org("org_acme", "admin").sign(),
        token().v1().org("org_acme", "admin").sign(),
        token().v1().sign(),
        token().org("org_acme", "admin").pending().sign(),
        token().claim("o", json!({"id": "org_acme"})).sign(),
        token().v1().claim("org_id", "").sign(),
        token()
            .claim("o", json!({"id": "org_2abc", "slg": "x"}))
            .sign(),
        token().org("org_acme", "admin").expired().sign(),
    ];
    let paths = [
        "/orgs/org_acme-slug",
        "/orgs/org_acme-slug/settings?tab=1",
        "/orgs/other",
        "/ORGS/org_ACME-slug/",
        "/id/org_acme",
        "/id/org_other/x",
        "/me",
        "/me/profile",
        "/p",
        "/orgs/",
        "/teams/org_acme",
        "/teams/org_2abc/members",
        "/teams/acme",
        "/t/org_acme-slug",
        "/t/a/b/c",
        "/o/",
        "/o/x/y",
        "/personal",
        "/personalx/y",
        "/orgs/a%20b?__clerk_db_jwt=dvb_q",
    ];
    let mut rng = Lcg(0x0a9_5eed);
    let mut out = Vec::new();
    for (name, live, options) in instances() {
        let clerk = build(mock, if live { live_pk } else { dev_pk }, &options);
        for _ in 0..180 {
            let mut cookies: Vec<String> = Vec::new();
            let mut headers: Vec<(String, String)> = Vec::new();
            let tok = &tokens[rng.below(tokens.len())];
            match rng.below(10) {
                // A Bearer session is never organization-synced.
                0 => headers.push(("authorization".into(), format!("Bearer {tok}"))),
                // No `__client_uat`: a handshake of another reason (carrying the org too).
                1 => cookies.push(format!("__session={tok}")),
                _ => cookies.extend([format!("__session={tok}"), format!("__client_uat={now}")]),
            }
            if rng.below(10) < 8 {
                cookies.push("__clerk_db_jwt=dvb_cookie".into());
            }
            // The loop counters: organization sync skips from 3 on (`>= 3`), the common
            // guard only at exactly 3.
            match rng.below(10) {
                0 => cookies.push("__clerk_redirect_count=1".into()),
                1 => cookies.push("__clerk_redirect_count=2".into()),
                2 => cookies.push("__clerk_redirect_count=3".into()),
                3 => cookies.push("__clerk_redirect_count=4".into()),
                4 => cookies.push("__clerk_redirect_count=2.5".into()),
                5 => cookies.push("__clerk_redirect_count=3.5".into()),
                _ => {}
            }
            let (method, kind): (&str, &[(&str, &str)]) = match rng.below(8) {
                0..=3 => (
                    "GET",
                    &[("sec-fetch-dest", "document"), ("accept", "text/html")],
                ),
                4 => ("GET", &[("sec-fetch-dest", "iframe")]),
                5 => ("GET", &[("accept", "text/html")]),
                6 => (
                    "GET",
                    &[("sec-fetch-dest", "empty"), ("accept", "application/json")],
                ),
                _ => (
                    "POST",
                    &[("sec-fetch-dest", "document"), ("accept", "text/html")],
                ),
            };
            for (k, v) in kind {
                headers.push(((*k).into(), (*v).into()));
            }
            headers.push(("host".into(), "app.test".into()));
            headers.push(("cookie".into(), cookies.join("; ")));
            let mut case = json!({
                "instance": name,
                "live": live,
                "options": options,
                "method": method,
                "path": paths[rng.below(paths.len())],
                "headers": headers,
                "volatile": false,
            });
            case["rust"] = decide(&clerk, &case, None).await;
            out.push(case);
        }
    }
    out
}
