//! Whole loops: first visit, expired cookie, refresh, the loop guard, production, and the
//! extractors without the layer.

use axum::routing::get;
use axum::Router;
use clerk::testing::{BrowserSession, MockClerk};

use super::{app_clerk, page, serve_app, signed_in_browser, Browser};

const EXPIRED_NO_REFRESH: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";

/// The first visit of a signed-in browser on a development instance: no development
/// browser yet, so a handshake; the stand-in answers with a nonce; the app resolves it,
/// sets the cookies and sends the browser to the clean URL, where the page is signed in.
async fn first_visit(mock: &MockClerk, browser: &mut Browser, base: &str, user_id: &str) {
    let fapi = mock.frontend_api_url();
    let first = browser.navigate(&format!("{base}/page?tab=1")).await;
    assert_eq!(first.status, 307, "{}", first.body);
    let to_fapi = first.location.clone().unwrap();
    assert!(
        to_fapi.starts_with(&format!("{fapi}/v1/client/handshake?redirect_url=")),
        "{to_fapi}"
    );
    assert_eq!(
        first.location_param("__clerk_hs_reason").as_deref(),
        Some("dev-browser-missing")
    );
    assert_eq!(
        first.location_param("redirect_url"),
        Some(format!("{base}/page?tab=1"))
    );
    assert_eq!(first.location_param("format").as_deref(), Some("nonce"));
    assert_eq!(first.headers["cache-control"], "no-store");
    assert_eq!(first.headers["x-clerk-auth-status"], "handshake");
    assert!(first
        .set_cookies
        .contains(&"__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2".to_owned()));

    // The stand-in knows the browser by its `__client` cookie.
    let back = browser.navigate(&to_fapi).await;
    assert_eq!(back.status, 307);
    assert!(back.location_param("__clerk_handshake_nonce").is_some());

    // The app exchanges the nonce at the Backend API, sets the cookies, and (development)
    // sends the browser to the URL without the nonce.
    let resolved = browser.navigate(back.location.as_ref().unwrap()).await;
    assert_eq!(resolved.status, 307);
    assert_eq!(
        resolved.location.as_deref(),
        Some(format!("{base}/page?tab=1").as_str())
    );
    assert_eq!(resolved.headers["cache-control"], "no-store");
    assert_eq!(resolved.headers["access-control-allow-origin"], "null");
    assert_eq!(resolved.headers["access-control-allow-credentials"], "true");
    for name in ["__session=", "__client_uat=", "__clerk_db_jwt="] {
        assert!(
            resolved.set_cookies.iter().any(|c| c.starts_with(name)),
            "{name} in {:?}",
            resolved.set_cookies.len()
        );
    }
    // Signed in: no `x-clerk-auth-*` on the answer, as in Clerk.
    assert!(resolved.headers.get("x-clerk-auth-status").is_none());

    let page = browser.navigate(&format!("{base}/page?tab=1")).await;
    assert_eq!((page.status, page.body.as_str()), (200, user_id));
}

/// An idle tab: the session cookie has expired (the loop counter is long gone).
fn expire_session(mock: &MockClerk, browser: &mut Browser, session: &BrowserSession) -> String {
    browser.remove_cookie("__clerk_redirect_count");
    let expired = mock
        .token()
        .user(&session.user_id)
        .session(&session.session_id)
        .expired()
        .sign();
    browser.set_cookie_pair(&format!("__session={expired}"));
    expired
}

#[tokio::test]
async fn an_expired_cookie_goes_through_the_handshake_and_lands_signed_in() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let base = serve_app(app_clerk(&mock)).await;
    first_visit(&mock, &mut browser, &base, &session.user_id).await;

    browser.remove_cookie(&format!("__refresh_{}", mock.cookie_suffix()));
    let expired = expire_session(&mock, &mut browser, &session);

    // A fetch with the expired cookie: 401, never a redirect.
    let api = browser.fetch(&format!("{base}/api/me")).await;
    assert_eq!(api.status, 401);
    assert!(api.location.is_none());
    assert_eq!(api.headers["x-clerk-auth-reason"], EXPIRED_NO_REFRESH);

    // The navigation: handshake (carrying the expired token), stand-in, resolution, page.
    let hops = browser.navigate_following(&format!("{base}/page"), 5).await;
    let statuses: Vec<u16> = hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [307, 307, 307, 200]);
    assert_eq!(
        hops[0].location_param("__clerk_hs_reason").as_deref(),
        Some(EXPIRED_NO_REFRESH)
    );
    assert_eq!(
        hops[0].location_param("__session").as_deref(),
        Some(expired.as_str())
    );
    assert!(hops[0].location_param("__clerk_db_jwt").is_some());
    assert_eq!(hops[3].body, session.user_id);
    assert_ne!(browser.cookie("__session"), Some(expired.as_str()));
}

#[tokio::test]
async fn an_expired_cookie_with_a_refresh_cookie_is_refreshed_on_the_server() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let base = serve_app(app_clerk(&mock)).await;
    first_visit(&mock, &mut browser, &base, &session.user_id).await;
    let refresh_cookie = format!("__refresh_{}", mock.cookie_suffix());
    assert!(browser.cookie(&refresh_cookie).is_some());

    // A navigation: signed in at once, the new cookies on the handler's response.
    let expired = expire_session(&mock, &mut browser, &session);
    let page = browser.navigate(&format!("{base}/page")).await;
    assert_eq!(
        (page.status, page.body.as_str()),
        (200, session.user_id.as_str())
    );
    assert!(page.location.is_none());
    assert!(page.set_cookies.iter().any(|c| c.starts_with("__session")));
    let fresh = browser.cookie("__session").unwrap().to_owned();
    assert_ne!(fresh, expired);
    assert!(mock.clerk().verify_token(&fresh).await.is_ok());

    // Any GET is refreshed, a fetch too.
    expire_session(&mock, &mut browser, &session);
    let api = browser.fetch(&format!("{base}/api/me")).await;
    assert_eq!(
        (api.status, api.body.as_str()),
        (200, session.user_id.as_str())
    );
    assert!(api.set_cookies.iter().any(|c| c.starts_with("__session")));

    // A refresh token the Backend API refuses: its error code, verbatim, in the reason;
    // a fetch is signed out, a navigation goes through the handshake.
    expire_session(&mock, &mut browser, &session);
    browser.set_cookie_pair(&format!("{refresh_cookie}=not-the-refresh-token"));
    let reason = "session-token-expired-refresh-authentication_invalid";
    let api = browser.fetch(&format!("{base}/api/me")).await;
    assert_eq!(api.status, 401);
    assert_eq!(api.headers["x-clerk-auth-reason"], reason);
    let page = browser.navigate(&format!("{base}/page")).await;
    assert_eq!(page.status, 307);
    assert_eq!(
        page.location_param("__clerk_hs_reason").as_deref(),
        Some(reason)
    );
}

#[tokio::test]
async fn the_loop_guard_trips_at_exactly_three() {
    let mock = MockClerk::start().await;
    let base = serve_app(app_clerk(&mock)).await;
    let mut browser = Browser::new();
    // `__client_uat` without a session: `client-uat-but-no-session-token`.
    browser.set_cookie_pair("__clerk_db_jwt=dvb_test");
    browser.set_cookie_pair("__client_uat=1700000000");
    for (count, next) in [
        ("0", Some("1")),
        ("2", Some("3")),
        ("3", None),
        ("4", Some("5")),
        ("3.5", Some("4.5")),
    ] {
        browser.set_cookie_pair(&format!("__clerk_redirect_count={count}"));
        let hop = browser.navigate(&format!("{base}/page")).await;
        match next {
            Some(next) => {
                assert_eq!(hop.status, 307, "counter {count}");
                assert_eq!(
                    hop.location_param("__clerk_hs_reason").as_deref(),
                    Some("client-uat-but-no-session-token")
                );
                assert!(
                    hop.set_cookies.contains(&format!(
                        "__clerk_redirect_count={next}; SameSite=Lax; HttpOnly; Max-Age=2"
                    )),
                    "counter {count}: {:?}",
                    hop.set_cookies
                );
            }
            None => {
                // Tripped: signed out with the same reason; the handler runs.
                assert_eq!(
                    (hop.status, hop.body.as_str()),
                    (200, "signed-out"),
                    "counter {count}"
                );
                assert!(hop.location.is_none());
            }
        }
    }
}

#[tokio::test]
async fn production_sets_the_cookies_on_the_handlers_response() {
    let mock = MockClerk::start_production().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let base = serve_app(app_clerk(&mock)).await;
    // A production browser signed in on the Frontend API has `__client_uat` on the app's
    // domain but no session cookie yet.
    browser.set_cookie_pair("__client_uat=1700000000");
    let hops = browser.navigate_following(&format!("{base}/page"), 5).await;
    let statuses: Vec<u16> = hops.iter().map(|h| h.status).collect();
    // App → stand-in (nonce in a cookie) → app: resolved and rendered in one answer.
    assert_eq!(statuses, [307, 307, 200]);
    assert_eq!(
        hops[0].location_param("__clerk_hs_reason").as_deref(),
        Some("client-uat-but-no-session-token")
    );
    assert_eq!(hops[2].body, session.user_id);
    assert!(hops[2]
        .set_cookies
        .iter()
        .any(|c| c.starts_with("__session")));
    assert_eq!(hops[2].headers["access-control-allow-origin"], "null");
    // The directives deleted the nonce cookie.
    assert!(browser.cookie("__clerk_handshake_nonce").is_none());
    let page = browser.navigate(&format!("{base}/page")).await;
    assert_eq!(
        (page.status, page.body.as_str()),
        (200, session.user_id.as_str())
    );
}

#[tokio::test]
async fn extractors_without_the_layer_answer_the_handshake_for_their_route() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let app = Router::new()
        .route("/page", get(page))
        .with_state(app_clerk(&mock));
    let base = crate::common::serve(app).await;
    let hops = browser
        .navigate_following(&format!("{base}/page?tab=1"), 5)
        .await;
    let statuses: Vec<u16> = hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [307, 307, 307, 200]);
    assert_eq!(hops[3].body, session.user_id);
    // A fetch without any cookie of the instance: signed out, no redirect.
    let mut other = Browser::new();
    let api = other.fetch(&format!("{base}/page")).await;
    assert_eq!((api.status, api.body.as_str()), (200, "signed-out"));
}
