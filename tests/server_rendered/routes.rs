//! The attribute macros without `ClerkLayer::authenticate()`: each route answers the
//! handshake itself and sets the cookies of a server-side refresh on the handler's response,
//! as the layer does; and a layer (or route) that also accepts machine tokens still sends a
//! navigation through the handshake (Clerk's cookie path for `acceptsToken: [...]`).

use axum::routing::get;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{AcceptsToken, Auth, Clerk, ClerkLayer, Session, TokenType};

use super::{app_clerk, page, serve_app, signed_in_browser, Browser};

#[clerk::protect]
async fn protected(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::with_session]
async fn lax(session: Option<Session>) -> String {
    session.map_or_else(|| "signed-out".to_owned(), |s| s.user_id().to_owned())
}

#[clerk::protect(accepts = [session, api_key])]
async fn mixed(auth: Auth) -> String {
    auth.user_id()
        .or_else(|| auth.machine().map(clerk::MachineAuth::subject))
        .unwrap_or("none")
        .to_owned()
}

#[clerk::protect(role = "org:admin")]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

/// The macro routes with the `Clerk` in the router state, no layer.
async fn serve_routes(clerk: Clerk) -> String {
    let app = Router::new()
        .route("/protected", get(protected))
        .route("/lax", get(lax))
        .route("/mixed", get(mixed))
        .route("/admin", get(admin))
        .with_state(clerk);
    crate::common::serve(app).await
}

/// Gives the browser an expired session cookie (its refresh cookie stays).
fn expire(mock: &MockClerk, browser: &mut Browser, user_id: &str, session_id: &str) -> String {
    browser.remove_cookie("__clerk_redirect_count");
    let expired = mock
        .token()
        .user(user_id)
        .session(session_id)
        .expired()
        .sign();
    browser.set_cookie_pair(&format!("__session={expired}"));
    expired
}

#[tokio::test]
async fn macro_routes_without_the_layer_set_the_refreshed_cookies_on_their_response() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let base = serve_routes(app_clerk(&mock)).await;
    let refresh_cookie = format!("__refresh_{}", mock.cookie_suffix());

    for path in ["/protected", "/lax", "/mixed"] {
        // First visit: the route answers the handshake; the browser lands signed in.
        browser.remove_cookie("__session");
        browser.remove_cookie("__clerk_db_jwt");
        let hops = browser
            .navigate_following(&format!("{base}{path}"), 5)
            .await;
        let statuses: Vec<u16> = hops.iter().map(|h| h.status).collect();
        assert_eq!(statuses, [307, 307, 307, 200], "{path}");
        assert_eq!(hops[3].body, session.user_id, "{path}");
        assert!(browser.cookie(&refresh_cookie).is_some(), "{path}");

        // An idle tab: the handler runs signed in, and its response carries the new
        // cookies, so the next request needs no refresh.
        let expired = expire(&mock, &mut browser, &session.user_id, &session.session_id);
        let before = mock.api_requests().len();
        let hop = browser.navigate(&format!("{base}{path}")).await;
        assert_eq!(
            (hop.status, hop.body.as_str()),
            (200, session.user_id.as_str()),
            "{path}"
        );
        assert!(
            hop.set_cookies.iter().any(|c| c.starts_with("__session=")),
            "{path}: {:?}",
            hop.set_cookies
        );
        let fresh = browser.cookie("__session").unwrap().to_owned();
        assert_ne!(fresh, expired, "{path}");
        assert!(mock.clerk().verify_token(&fresh).await.is_ok(), "{path}");
        let refreshes = |from: usize| {
            mock.api_requests()[from..]
                .iter()
                .filter(|r| r.uri.ends_with("/refresh"))
                .count()
        };
        assert_eq!(refreshes(before), 1, "{path}");

        // The next request uses the cookie it was given: no second refresh.
        let after = mock.api_requests().len();
        let again = browser.fetch(&format!("{base}{path}")).await;
        assert_eq!(again.status, 200, "{path}");
        assert!(
            again.set_cookies.is_empty(),
            "{path}: {:?}",
            again.set_cookies
        );
        assert_eq!(refreshes(after), 0, "{path}");
    }
}

#[tokio::test]
async fn a_refused_request_still_carries_the_refreshed_cookies() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let base = serve_routes(app_clerk(&mock)).await;
    let hops = browser
        .navigate_following(&format!("{base}/protected"), 5)
        .await;
    assert_eq!(hops.last().unwrap().body, session.user_id);

    // Refreshed, then refused by the role check: the 403 carries the new cookies, so the
    // browser does not refresh again on its next request.
    let expired = expire(&mock, &mut browser, &session.user_id, &session.session_id);
    let hop = browser.navigate(&format!("{base}/admin")).await;
    assert_eq!(hop.status, 403, "{}", hop.body);
    assert!(
        hop.set_cookies.iter().any(|c| c.starts_with("__session=")),
        "{:?}",
        hop.set_cookies
    );
    assert_ne!(browser.cookie("__session"), Some(expired.as_str()));
    let page = browser.navigate(&format!("{base}/protected")).await;
    assert_eq!(page.status, 200);
    assert!(page.set_cookies.is_empty(), "{:?}", page.set_cookies);
}

#[tokio::test]
async fn a_route_accepting_machine_tokens_sends_a_navigation_through_the_handshake() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let base = serve_routes(app_clerk(&mock)).await;

    // A navigation with an expired cookie and no refresh cookie: a handshake, not a 401.
    let hops = browser
        .navigate_following(&format!("{base}/mixed"), 5)
        .await;
    assert_eq!(hops.last().unwrap().body, session.user_id);
    browser.remove_cookie(&format!("__refresh_{}", mock.cookie_suffix()));
    expire(&mock, &mut browser, &session.user_id, &session.session_id);
    let hop = browser.navigate(&format!("{base}/mixed")).await;
    assert_eq!(hop.status, 307, "{}", hop.body);
    assert_eq!(
        hop.location_param("__clerk_hs_reason").as_deref(),
        Some("session-token-expired-refresh-non-eligible-no-refresh-cookie")
    );
    // A fetch: 401, as before.
    let api = browser.fetch(&format!("{base}/mixed")).await;
    assert_eq!(api.status, 401);

    // An API key in the header is still verified as one.
    let (_, key) = mock.create_api_key("user_machine", &[], None);
    let response = reqwest::Client::new()
        .get(format!("{base}/mixed"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "user_machine");
}

#[tokio::test]
async fn a_layer_accepting_machine_tokens_sends_a_navigation_through_the_handshake() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let accepts = AcceptsToken::SESSION.with(TokenType::ApiKey);
    let app = Router::new().route("/page", get(page)).layer(
        ClerkLayer::new(app_clerk(&mock))
            .require_auth()
            .accepts(accepts),
    );
    let base = crate::common::serve(app).await;

    // First visit through the handshake, then an expired cookie with a refresh cookie:
    // refreshed, the cookies on the response.
    let hops = browser.navigate_following(&format!("{base}/page"), 5).await;
    let statuses: Vec<u16> = hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [307, 307, 307, 200]);
    assert_eq!(hops[3].body, session.user_id);
    expire(&mock, &mut browser, &session.user_id, &session.session_id);
    let hop = browser.navigate(&format!("{base}/page")).await;
    assert_eq!(
        (hop.status, hop.body.as_str()),
        (200, session.user_id.as_str())
    );
    assert!(hop.set_cookies.iter().any(|c| c.starts_with("__session=")));

    // A verified API key passes the layer.
    let (_, key) = mock.create_api_key("user_machine", &[], None);
    let response = reqwest::Client::new()
        .get(format!("{base}/page"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // An API request without credentials: 401, never a redirect.
    let response = reqwest::Client::new()
        .get(format!("{base}/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let _ = serve_app;
}
