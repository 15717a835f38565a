//! Where `redirect_to_sign_in` sends a browser, as `createRedirect(…).redirectToSignIn()` of
//! `@clerk/backend` 3.25 builds it (the differential check `tests/js/redirect_differential.mjs`
//! compares it on a generated corpus): the Accounts Portal of every kind of Frontend API, a
//! request URL behind a proxy, a relative sign-in URL, a satellite's round trip.

use base64::Engine as _;
use reqwest::Url;

use super::redirect::r_page;
use super::*;
use crate::common::mock::start_mock_with;

/// A browser navigation's headers, and `extra`.
fn html(extra: &[(&'static str, &str)]) -> Headers {
    let mut h: Headers = vec![("accept", "text/html".into())];
    h.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    h
}

/// A value as `URLSearchParams` serializes it (`application/x-www-form-urlencoded`).
pub(super) fn form(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[track_caller]
fn assert_redirect(reply: &Reply, location: &str, ctx: &str) {
    assert_eq!(reply.status, 307, "{ctx}: status (body {:?})", reply.text);
    assert_eq!(reply.header("location"), Some(location), "{ctx}: location");
}

/// `buildAccountsBaseUrl` of `@clerk/shared`: the first `clerk.accounts.` or `clerk.` of the
/// Frontend API becomes `accounts.`, wherever it is, and `clerk.accountsstage.` becomes
/// `accountsstage.`.
#[tokio::test]
async fn accounts_portal_of_every_frontend_api() {
    let mock = MockClerk::start().await;
    let http = client();
    let cases = [
        (
            "pk_live",
            "clerk.example.com",
            "https://accounts.example.com",
        ),
        (
            "pk_live",
            "clerk.accounts.example.com",
            "https://accounts.example.com",
        ),
        (
            "pk_live",
            "app.clerk.example.com",
            "https://app.accounts.example.com",
        ),
        (
            "pk_live",
            "myclerk.example.com",
            "https://myaccounts.example.com",
        ),
        (
            "pk_test",
            "foo.clerk.accountsstage.dev",
            "https://foo.accountsstage.dev",
        ),
        (
            "pk_test",
            "foo.clerk.accounts.lclclerk.com",
            "https://foo.accounts.lclclerk.com",
        ),
    ];
    for (prefix, frontend_api, portal) in cases {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{frontend_api}$"));
        let clerk = Clerk::builder()
            .without_env()
            .jwt_key(mock.jwt_key_pem())
            .publishable_key(format!("{prefix}_{encoded}"))
            .build()
            .unwrap();
        let base = serve(
            Router::new()
                .route("/r/page", get(r_page))
                .layer(ClerkLayer::new(clerk)),
        )
        .await;
        let back = form(&format!("{base}/r/page"));
        // A development instance hands its browser's token to a sign-in page on another host.
        let dev_browser = if prefix == "pk_test" {
            "&__clerk_db_jwt=dvb_test"
        } else {
            ""
        };
        let reply = send(&http, "GET", &format!("{base}/r/page"), &html(&[]), None).await;
        assert_redirect(
            &reply,
            &format!("{portal}/sign-in?redirect_url={back}{dev_browser}"),
            frontend_api,
        );
    }
}

/// A relative sign-in URL: on the request's host (as the proxy in front names it), without
/// the development browser's token (same host), `/tasks` for a pending session; the
/// browser lands on the app's sign-in page. An empty query (`/r/page?`) is no query, as
/// `URL.search` has it.
#[tokio::test]
async fn relative_sign_in_url_end_to_end() {
    let (mock, clerk) = start_mock_with(|b| b.sign_in_url("/sign-in")).await;
    let app = Router::new()
        .route("/r/page", get(r_page))
        .route("/sign-in", get(|| async { "the sign-in page" }))
        .route("/sign-in/tasks", get(|| async { "the tasks page" }))
        .layer(ClerkLayer::new(clerk.clone()));
    let base = serve(app).await;
    let http = client();
    let proxied = [
        ("x-forwarded-host", "app.example.com"),
        ("x-forwarded-proto", "https"),
    ];
    let pending = format!("Bearer {}", mock.token().user("user_p").pending().sign());
    let cases: Vec<(&str, &str, Headers, String)> = vec![
        (
            "direct",
            "/r/page?next=%2Fa%20b&x=1",
            html(&[]),
            format!(
                "{base}/sign-in?redirect_url={}",
                form(&format!("{base}/r/page?next=%2Fa%20b&x=1"))
            ),
        ),
        (
            "behind a proxy",
            "/r/page?a=1&a=2",
            html(&proxied),
            format!(
                "https://app.example.com/sign-in?redirect_url={}",
                form("https://app.example.com/r/page?a=1&a=2")
            ),
        ),
        (
            "behind a proxy, empty query",
            "/r/page?",
            html(&proxied),
            format!(
                "https://app.example.com/sign-in?redirect_url={}",
                form("https://app.example.com/r/page")
            ),
        ),
        (
            "pending session",
            "/r/page",
            html(&[("authorization", &pending)]),
            format!(
                "{base}/sign-in/tasks?redirect_url={}",
                form(&format!("{base}/r/page"))
            ),
        ),
    ];
    for (what, path, headers, location) in &cases {
        let reply = send(&http, "GET", &format!("{base}{path}"), headers, None).await;
        assert_redirect(&reply, location, what);
        if location.starts_with(&base) {
            let landed = http.get(location).send().await.unwrap();
            assert_eq!(landed.status(), 200, "{what}: the sign-in page");
            let page = landed.text().await.unwrap();
            assert!(page.ends_with("page"), "{what}: {page}");
        }
    }
    // The layer's `require_auth().redirect_to_sign_in()` answers the same.
    let layered = serve(
        Router::new()
            .route("/page", get(|| async { "private" }))
            .layer(ClerkLayer::new(clerk).require_auth().redirect_to_sign_in()),
    )
    .await;
    let reply = send(
        &http,
        "GET",
        &format!("{layered}/page?"),
        &html(&proxied),
        None,
    )
    .await;
    assert_redirect(
        &reply,
        &format!(
            "https://app.example.com/sign-in?redirect_url={}",
            form("https://app.example.com/page")
        ),
        "require_auth layer, empty query behind a proxy",
    );
}

/// A development satellite: a signed-out navigation goes to the primary's sign-in page with
/// the development browser's token and `__clerk_synced=false` on the way back; coming back
/// unsynced, it is sent to sync; once synced with a session, the page answers.
#[tokio::test]
async fn satellite_redirect_to_sign_in_end_to_end() {
    let sign_in = "https://primary.test/sign-in";
    let (mock, clerk) =
        start_mock_with(|b| b.is_satellite(true).domain("sat.test").sign_in_url(sign_in)).await;
    let base = serve(
        Router::new()
            .route("/r/page", get(r_page))
            .layer(ClerkLayer::new(clerk)),
    )
    .await;
    let http = client();

    let reply = send(
        &http,
        "GET",
        &format!("{base}/r/page?x=1"),
        &html(&[]),
        None,
    )
    .await;
    let back = format!("{base}/r/page?x=1&__clerk_synced=false");
    assert_redirect(
        &reply,
        &format!(
            "{sign_in}?redirect_url={}&__clerk_db_jwt=dvb_test",
            form(&back)
        ),
        "signed out on the satellite",
    );

    // Back from the primary, not yet synced: the satellite asks the primary to sync.
    let reply = send(&http, "GET", &back, &html(&[]), None).await;
    assert_eq!(reply.status, 307, "unsynced return: {:?}", reply.text);
    let location = Url::parse(reply.header("location").expect("a Location")).unwrap();
    assert_eq!(
        location.as_str().split('?').next(),
        Some(sign_in),
        "{location}"
    );
    let redirect_back = location
        .query_pairs()
        .find(|(k, _)| k == "redirect_url")
        .map(|(_, v)| v.into_owned());
    assert_eq!(redirect_back.as_deref(), Some(back.as_str()), "{location}");

    // Synced, with the session's cookies: signed in.
    let (token, iat) = mint(mock.token().user("user_sat"), None);
    let reply = send(
        &http,
        "GET",
        &format!("{base}/r/page?x=1&__clerk_synced=true"),
        &{
            let mut h = html(&[]);
            h.extend(cookies(&[("__session", &token), ("__client_uat", &iat)]));
            h
        },
        None,
    )
    .await;
    Expect::ok(json!({"user": "user_sat"})).check(&reply, "synced satellite");
}
