//! Decisions the widened differential (examples/js_differential/handshake_wide.rs) found
//! this SDK making differently from `@clerk/backend` 3.25, over real HTTP through
//! `ClerkLayer::authenticate()`: how a refresh answer is read, a handshake directive
//! whose token has another category, and the claim and header error messages.

use clerk::testing::MockClerk;
use clerk::Clerk;

use super::{app_clerk, serve_app, signed_in_browser, Browser};

/// A browser of the development instance with an expired `__session`, its refresh cookie
/// and a development browser: every `fetch` of an API route goes through a refresh.
async fn expired_browser(mock: &MockClerk) -> (String, Browser) {
    let (session, mut browser) = signed_in_browser(mock).await;
    let expired = mock
        .token()
        .user(&session.user_id)
        .session(&session.session_id)
        .expired()
        .sign();
    let now = mock.token().claims()["iat"].as_i64().unwrap();
    browser.set_cookie_pair(&format!("__session={expired}"));
    browser.set_cookie_pair(&format!("__client_uat={}", now - 3600));
    browser.set_cookie_pair("__clerk_db_jwt=dvb_test");
    browser.set_cookie_pair(&format!(
        "__refresh_{}={}",
        mock.cookie_suffix(),
        session.refresh_token
    ));
    (session.session_id, browser)
}

#[tokio::test]
async fn refresh_answers_are_read_as_the_package_reads_them() {
    let mock = MockClerk::start().await;
    let base = serve_app(app_clerk(&mock)).await;
    let (sid, mut browser) = expired_browser(&mock).await;
    let fresh = mock.token().session(&sid).expires_in_secs(600).sign();
    let json = Some("application/json");
    // (status, content type, body) → the reason's ending.
    let cases: Vec<(u16, Option<&str>, String, &str)> = vec![
        // No data: reading its `cookies` throws inside the package's `try`.
        (204, None, String::new(), "unexpected-bapi-error"),
        // `jsonToObject(null)` and of a number throw inside its client: `unexpected_error`.
        (200, json, "null".into(), "fetch-error"),
        (200, json, "5".into(), "fetch-error"),
        (200, json, "not json".into(), "fetch-error"),
        (400, json, r#"{"errors":[null]}"#.into(), "fetch-error"),
        // A known resource other than `cookies` has no `cookies`.
        (
            200,
            json,
            format!(r#"{{"object":"session","cookies":["__session={fresh}"]}}"#),
            "unexpected-sdk-error",
        ),
        // An error code that is not a string, as a template literal prints it.
        (400, json, r#"{"errors":[{"code":7}]}"#.into(), "7"),
    ];
    for (status, content_type, body, ending) in cases {
        mock.answer_session_refresh(&sid, status, content_type, body.clone());
        let hop = browser.fetch(&format!("{base}/api/me")).await;
        assert_eq!(hop.status, 401, "{status} {body}");
        assert_eq!(
            hop.headers["x-clerk-auth-reason"],
            format!("session-token-expired-refresh-{ending}").as_str(),
            "{status} {body}"
        );
    }

    // `cookies` that is not a list: the package's `forEach` throws out of
    // `authenticateRequest` (this SDK: signed out, `authenticate-request-error`).
    mock.answer_session_refresh(
        &sid,
        200,
        json,
        format!(r#"{{"object":"cookies","cookies":"__session={fresh}"}}"#),
    );
    let hop = browser.fetch(&format!("{base}/api/me")).await;
    assert_eq!(hop.status, 401);
    assert_eq!(
        hop.headers["x-clerk-auth-reason"],
        "authenticate-request-error"
    );

    // `Headers.append` trims a directive: the refreshed cookie is set without its
    // trailing blanks (leading ones would hide the `__session` name from the package).
    mock.answer_session_refresh(
        &sid,
        200,
        json,
        format!(r#"{{"object":"cookies","cookies":["__session={fresh}; Path=/  "]}}"#),
    );
    let hop = browser.fetch(&format!("{base}/api/me")).await;
    assert_eq!(
        hop.status,
        200,
        "{:?}",
        hop.headers.get("x-clerk-auth-reason")
    );
    assert!(hop
        .set_cookies
        .contains(&format!("__session={fresh}; Path=/")));
}

#[tokio::test]
async fn a_handshake_directive_of_another_category_signs_in() {
    let mock = MockClerk::start().await;
    let base = serve_app(app_clerk(&mock)).await;
    let user = mock.create_user(&Default::default()).unwrap();
    // `verifyToken` refuses only the machine category; the request's own cookies get the
    // category check earlier, a handshake's directive does not.
    let template = mock
        .token()
        .user(&user.id)
        .expires_in_secs(600)
        .header("cat", "cl_B7d4PD222AAA")
        .sign();
    let directive = format!("__session={template}; Path=/; SameSite=Lax");
    let handshake = mock
        .token()
        .claim("handshake", serde_json::json!([directive]))
        .sign();
    let mut browser = Browser::new();
    browser.set_cookie_pair("__clerk_db_jwt=dvb_test");
    let hop = browser
        .navigate(&format!("{base}/page?__clerk_handshake={handshake}&x=1"))
        .await;
    assert_eq!(hop.status, 307, "{}", hop.body);
    assert_eq!(
        hop.location.as_deref(),
        Some(format!("{base}/page?x=1").as_str())
    );
    assert_eq!(hop.set_cookies, vec![directive]);
    assert!(hop.headers.get("x-clerk-auth-status").is_none());
}

#[tokio::test]
async fn claim_errors_show_the_claim_as_the_package_does() {
    let mock = MockClerk::start().await;
    let clerk: Clerk = mock
        .clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .authorized_parties(["https://app.test", "http://app.test"])
        .build()
        .unwrap();
    let base = serve_app(clerk).await;
    let now = mock.token().claims()["iat"].as_i64().unwrap();
    let mut browser = Browser::new();
    browser.set_cookie_pair("__clerk_db_jwt=dvb_test");
    browser.set_cookie_pair(&format!("__client_uat={}", now - 60));
    browser.set_cookie_pair(&format!(
        "__session={}",
        mock.token().azp("https://evil.test").sign()
    ));
    let hop = browser.fetch(&format!("{base}/api/me")).await;
    assert_eq!(hop.status, 401);
    assert_eq!(
        hop.headers["x-clerk-auth-message"],
        "Invalid JWT Authorized party claim (azp) \"https://evil.test\". Expected \"https://app.test,http://app.test\". (reason=token-invalid-authorized-parties, token-carrier=cookie)"
    );

    // A development handshake token of another `typ`: the package throws with the type
    // shown and its action.
    let handshake = mock
        .token()
        .claim("handshake", serde_json::json!([]))
        .header("typ", "at+jwt")
        .sign();
    let hop = browser
        .fetch(&format!("{base}/api/me?__clerk_handshake={handshake}"))
        .await;
    assert_eq!(
        hop.headers["x-clerk-auth-reason"],
        "authenticate-request-error"
    );
    // The layer's answer adds this SDK's reason to the package's message.
    let message = hop.headers["x-clerk-auth-message"].to_str().unwrap();
    assert!(
        message.starts_with("Clerk: Handshake token verification failed: Invalid JWT type \"at+jwt\". Expected \"JWT\". Make sure that this is a valid Clerk-generated JWT. (reason=token-invalid, token-carrier=undefined)."),
        "{message}"
    );
}
