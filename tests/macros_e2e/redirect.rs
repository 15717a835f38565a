//! `protect(redirect_to_sign_in)`.

use super::*;

#[clerk::protect(redirect_to_sign_in)]
pub(super) async fn r_page(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}

#[clerk::protect(redirect_to_sign_in, on_error = tuple_on_error)]
async fn r_custom(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}

/// Any `IntoResponse` will do as the answer of `on_error`.
fn tuple_on_error(err: &AuthError) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    (
        StatusCode::UNAUTHORIZED,
        [("www-authenticate", "Bearer")],
        format!("sign in ({})", err.reason()),
    )
}

/// The `Location` of a redirect to `sign_in` back to `back`.
fn sign_in_location(sign_in: &str, back: &str) -> String {
    let encoded = super::sign_in_url::form(back);
    let separator = if sign_in.contains('?') { '&' } else { '?' };
    // A sign-in page on another host of a development instance gets the development
    // browser's token (every request here carries `__clerk_db_jwt=dvb_test`), as
    // `@clerk/backend`'s `createRedirect` adds it.
    format!("{sign_in}{separator}redirect_url={encoded}&__clerk_db_jwt=dvb_test")
}

#[track_caller]
fn assert_redirect(reply: &Reply, location: &str, ctx: &str) {
    assert_eq!(reply.status, 307, "{ctx}: status (body {:?})", reply.text);
    assert_eq!(reply.header("location"), Some(location), "{ctx}: location");
    assert_eq!(reply.text, "", "{ctx}: body");
}

/// The routes under test: a page and a page with a custom `on_error`.
fn routes() -> Router {
    Router::new()
        .route("/r/page", get(r_page).post(r_page))
        .route("/r/custom", get(r_custom))
}

/// A browser's `accept` header, and `extra` headers.
fn html(extra: &[(&'static str, &str)]) -> Headers {
    let mut h: Headers = vec![(
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".into(),
    )];
    h.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    h
}

#[tokio::test]
async fn redirect_to_sign_in() {
    let (mock, clerk) = start_mock().await;
    let sign_in = format!(
        "{}/sign-in",
        mock.issuer()
            .replace(".clerk.accounts.dev", ".accounts.dev")
    );
    assert!(
        sign_in.starts_with("https://mock-") && sign_in.ends_with(".accounts.dev/sign-in"),
        "{sign_in}"
    );
    let base = serve(routes().layer(ClerkLayer::new(clerk.clone()))).await;
    let host = base.strip_prefix("http://").unwrap().to_owned();
    let http = client();

    let token = mock.token().user("user_r").sign();
    let (exp, exp_iat) = mint(mock.token().user("user_r").expired(), None);
    let pending = mock.token().user("user_r").pending().sign();
    let expired_cookie = format!("__session={exp}; __client_uat={exp_iat}");

    // (what, path, headers, where `redirect_url` points back to)
    let redirects: Vec<(&str, &str, Headers, String)> = vec![
        (
            "browser, no token",
            "/r/page",
            html(&[]),
            format!("http://{host}/r/page"),
        ),
        (
            "query string kept",
            "/r/page?next=%2Fa%20b&x=1",
            html(&[]),
            format!("http://{host}/r/page?next=%2Fa%20b&x=1"),
        ),
        (
            "X-Forwarded-Proto/Host",
            "/r/page",
            html(&[
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "app.example.com"),
            ]),
            "https://app.example.com/r/page".into(),
        ),
        (
            "first of comma-separated forwarded values",
            "/r/page",
            html(&[
                ("x-forwarded-proto", "https, http"),
                ("x-forwarded-host", "app.example.com, proxy.internal"),
            ]),
            "https://app.example.com/r/page".into(),
        ),
        (
            "X-Forwarded-Proto alone",
            "/r/page",
            html(&[("x-forwarded-proto", "https")]),
            format!("https://{host}/r/page"),
        ),
        (
            "sec-fetch-dest: document",
            "/r/page",
            vec![
                ("sec-fetch-dest", "document".into()),
                ("accept", "*/*".into()),
            ],
            format!("http://{host}/r/page"),
        ),
        (
            "sec-fetch-dest: iframe",
            "/r/page",
            vec![
                ("sec-fetch-dest", "iframe".into()),
                ("accept", "application/json".into()),
            ],
            format!("http://{host}/r/page"),
        ),
        (
            "pending session",
            "/r/page",
            {
                let mut h = html(&[]);
                h.extend(bearer(&pending));
                h
            },
            format!("http://{host}/r/page"),
        ),
        (
            "custom on_error, browser",
            "/r/custom",
            html(&[]),
            format!("http://{host}/r/custom"),
        ),
    ];
    for (what, path, headers, back) in &redirects {
        let reply = send(&http, "GET", &format!("{base}{path}"), headers, None).await;
        // A pending session is sent to the sign-in page's tasks.
        let target = if *what == "pending session" {
            format!("{sign_in}/tasks")
        } else {
            sign_in.clone()
        };
        assert_redirect(&reply, &sign_in_location(&target, back), what);
    }
    expired_navigations_go_through_the_handshake(&mock, &http, &base, &exp, &expired_cookie).await;
    other_requests_are_not_redirected(&http, &base, &exp, &token).await;
    configured_and_missing_sign_in_urls(&mock, &http).await;
}

/// An expired token on a navigation is resolved through Clerk's handshake before any
/// sign-in redirect, as `@clerk/backend` decides; its URL carries the token, as the
/// package's does (so these go around `send`, which refuses a token in any header).
async fn expired_navigations_go_through_the_handshake(
    mock: &clerk::testing::MockClerk,
    http: &reqwest::Client,
    base: &str,
    exp: &str,
    expired_cookie: &str,
) {
    let fapi = mock.issuer();
    let cases = [
        (
            "expired bearer",
            Some(exp),
            "__clerk_db_jwt=dvb_test".to_owned(),
        ),
        (
            "expired cookie",
            None,
            format!("{expired_cookie}; __clerk_db_jwt=dvb_test"),
        ),
    ];
    for (what, bearer_token, cookie) in cases {
        let mut req = http
            .get(format!("{base}/r/page"))
            .header("accept", "text/html")
            .header("cookie", cookie);
        if let Some(token) = bearer_token {
            req = req.bearer_auth(token);
        }
        let reply = req.send().await.unwrap();
        assert_eq!(reply.status(), 307, "{what}");
        let location = reply.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with(&format!("{fapi}/v1/client/handshake?")),
            "{what}: {location}"
        );
        assert!(
            location.contains(
                "__clerk_hs_reason=session-token-expired-refresh-non-eligible-no-refresh-cookie"
            ),
            "{what}: {location}"
        );
        assert_eq!(
            reply.headers()["x-clerk-auth-status"],
            "handshake",
            "{what}"
        );
    }
}

/// Requests that are not browser navigations answer 401 (or the custom answer); a signed-in
/// browser reaches the handler.
async fn other_requests_are_not_redirected(
    http: &reqwest::Client,
    base: &str,
    exp: &str,
    token: &str,
) {
    // Not browser navigations: 401 (or the custom answer).
    let not_navigations: Vec<(&str, &str, &str, Headers)> = vec![
        (
            "API call",
            "GET",
            "/r/page",
            vec![("accept", "application/json".into())],
        ),
        ("reqwest's default accept", "GET", "/r/page", vec![]),
        (
            "text/html not first",
            "GET",
            "/r/page",
            vec![("accept", "application/json, text/html".into())],
        ),
        (
            "sec-fetch-dest: empty wins over accept",
            "GET",
            "/r/page",
            html(&[("sec-fetch-dest", "empty")]),
        ),
        ("POST never redirects", "POST", "/r/page", html(&[])),
        (
            "POST document never redirects",
            "POST",
            "/r/page",
            html(&[("sec-fetch-dest", "document")]),
        ),
    ];
    for (what, method, path, headers) in &not_navigations {
        let reply = send(http, method, &format!("{base}{path}"), headers, None).await;
        Expect::unauthenticated(MISSING, None).check(&reply, what);
    }
    let mut api_expired = bearer(exp);
    api_expired.push(("accept", "application/json".into()));
    let reply = send(http, "GET", &format!("{base}/r/page"), &api_expired, None).await;
    Expect::unauthenticated(EXPIRED_GET, HEADER).check(&reply, "API call, expired");

    let reply = send(
        http,
        "GET",
        &format!("{base}/r/custom"),
        &[("accept", "application/json".into())],
        None,
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.text, format!("sign in ({MISSING})"));

    // Signed in: the handler runs.
    let mut signed_in = html(&[]);
    signed_in.extend(bearer(token));
    let reply = send(http, "GET", &format!("{base}/r/page"), &signed_in, None).await;
    Expect::ok(json!({"user": "user_r"})).check(&reply, "signed-in browser");
}

/// A configured sign-in URL with a query string; no sign-in URL at all (no publishable
/// key): 401.
async fn configured_and_missing_sign_in_urls(mock: &MockClerk, http: &reqwest::Client) {
    // A configured sign-in URL with a query string; no sign-in URL at all (no publishable key): 401.
    let custom = mock
        .clerk_builder()
        .sign_in_url("https://app.example.com/login?from=api")
        .build()
        .unwrap();
    let custom_base = serve(routes().layer(ClerkLayer::new(custom))).await;
    let custom_host = custom_base.strip_prefix("http://").unwrap().to_owned();
    let reply = send(
        http,
        "GET",
        &format!("{custom_base}/r/page?a=1"),
        &html(&[]),
        None,
    )
    .await;
    assert_redirect(
        &reply,
        &format!("https://app.example.com/login?from=api&redirect_url=http%3A%2F%2F{}%2Fr%2Fpage%3Fa%3D1&__clerk_db_jwt=dvb_test", custom_host.replace(':', "%3A")),
        "custom sign-in URL",
    );
    let no_pk = clerk::Clerk::builder()
        .without_env()
        .secret_key(mock.secret_key())
        .api_url(mock.api_url())
        .build()
        .unwrap();
    assert_eq!(no_pk.sign_in_url(), None);
    let no_pk_base = serve(routes().layer(ClerkLayer::new(no_pk))).await;
    let reply = send(
        http,
        "GET",
        &format!("{no_pk_base}/r/page"),
        &html(&[]),
        None,
    )
    .await;
    Expect::unauthenticated(MISSING, None).check(&reply, "no sign-in URL");
}

#[tokio::test]
async fn redirect_back_url_under_nested_router() {
    let mock = MockClerk::start().await;
    let sign_in = format!(
        "{}/sign-in",
        mock.issuer()
            .replace(".clerk.accounts.dev", ".accounts.dev")
    );
    let app = Router::new()
        .nest("/app", Router::new().route("/r/page", get(r_page)))
        .layer(ClerkLayer::new(mock.clerk()));
    let base = serve(app).await;
    let host = base.strip_prefix("http://").unwrap().to_owned();
    let reply = send(
        &client(),
        "GET",
        &format!("{base}/app/r/page?x=1"),
        &[("accept", "text/html".into())],
        None,
    )
    .await;
    assert_redirect(
        &reply,
        &sign_in_location(&sign_in, &format!("http://{host}/app/r/page?x=1")),
        "nested",
    );
}
