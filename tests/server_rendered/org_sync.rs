//! Organization sync (`ClerkBuilder::organization_sync`): a navigation to an organization's
//! URL with a session token of another organization goes through the handshake with
//! `organization_id`, and the stand-in's Frontend API activates that organization
//! (docs/handshake-spec.md §6.6).

use axum::routing::get;
use axum::Router;
use clerk::api::CreateOrganizationParams;
use clerk::testing::MockClerk;
use clerk::{Auth, ClerkLayer, OrganizationSyncOptions};

use super::{signed_in_browser, Browser};

/// Who the handler sees: the user and the active organization's slug.
async fn whoami(auth: Auth) -> String {
    match auth.user_id() {
        Some(user) => format!("{user} {}", auth.org_slug().unwrap_or("-")),
        None => "signed-out".to_owned(),
    }
}

async fn serve_org_app(mock: &MockClerk) -> String {
    let clerk = mock
        .clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .organization_sync(OrganizationSyncOptions {
            organization_patterns: vec!["/orgs/:slug".into(), "/orgs/:slug/(.*)".into()],
            personal_account_patterns: vec!["/me".into(), "/me/(.*)".into()],
        })
        .build()
        .unwrap();
    let app = Router::new()
        .route("/page", get(whoami))
        .route("/orgs/{slug}/dashboard", get(whoami))
        .route("/me/settings", get(whoami))
        .layer(ClerkLayer::new(clerk).authenticate());
    crate::common::serve(app).await
}

fn organization(mock: &MockClerk, slug: &str, member: Option<&str>) {
    mock.create_organization(&CreateOrganizationParams {
        name: slug.to_uppercase(),
        slug: Some(slug.to_owned()),
        created_by: member.map(str::to_owned),
        ..Default::default()
    })
    .unwrap();
}

/// The statuses of a navigation followed to its end, the last hop's body, and the hops.
/// The loop counter of an earlier visit is gone (it lives two seconds).
async fn visit(browser: &mut Browser, url: &str) -> (Vec<u16>, String, Vec<super::browser::Hop>) {
    browser.remove_cookie("__clerk_redirect_count");
    let hops = browser.navigate_following(url, 12).await;
    let statuses = hops.iter().map(|h| h.status).collect();
    let body = hops.last().unwrap().body.clone();
    (statuses, body, hops)
}

#[tokio::test]
async fn an_organization_url_activates_its_organization_through_the_handshake() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    let user = session.user_id.clone();
    organization(&mock, "acme", Some(&user));
    organization(&mock, "globex", Some(&user));
    organization(&mock, "initech", None);
    let base = serve_org_app(&mock).await;

    // First visit: the development browser's handshake, no organization in the URL.
    let (statuses, body, hops) = visit(&mut browser, &format!("{base}/page")).await;
    assert_eq!(
        (statuses, body),
        (vec![307, 307, 307, 200], format!("{user} -"))
    );
    assert_eq!(hops[0].location_param("organization_id"), None);

    // An organization's URL while no organization is active: the handshake asks the
    // Frontend API to activate it by slug; the page then sees it.
    for slug in ["globex", "acme"] {
        let url = format!("{base}/orgs/{slug}/dashboard");
        let (statuses, body, hops) = visit(&mut browser, &url).await;
        assert_eq!(statuses, [307, 307, 307, 200], "{slug}");
        assert_eq!(
            hops[0].location_param("__clerk_hs_reason").as_deref(),
            Some("active-organization-mismatch")
        );
        assert_eq!(
            hops[0].location_param("organization_id").as_deref(),
            Some(slug)
        );
        assert_eq!(hops[0].location_param("redirect_url"), Some(url.clone()));
        assert_eq!(hops[0].headers["x-clerk-auth-status"], "handshake");
        assert_eq!(body, format!("{user} {slug}"));
        // Now active: no handshake.
        let again = browser.navigate(&url).await;
        assert_eq!((again.status, again.body), (200, format!("{user} {slug}")));
    }

    // A fetch is never sent through a handshake: signed in with the session as it is.
    let api = browser
        .fetch(&format!("{base}/orgs/globex/dashboard"))
        .await;
    assert_eq!((api.status, api.body), (200, format!("{user} acme")));

    // The personal account: `organization_id=` (empty) deactivates the organization.
    let (statuses, body, hops) = visit(&mut browser, &format!("{base}/me/settings")).await;
    assert_eq!(
        (statuses, body),
        (vec![307, 307, 307, 200], format!("{user} -"))
    );
    assert_eq!(
        hops[0].location_param("organization_id").as_deref(),
        Some("")
    );

    // An organization the user is not a member of: the Frontend API leaves the session
    // as it is, each visit goes round again, and from a counter of three the organization
    // handshake is skipped: the page renders signed in, without that organization.
    let (statuses, body, hops) =
        visit(&mut browser, &format!("{base}/orgs/initech/dashboard")).await;
    assert_eq!(statuses, [307, 307, 307, 307, 307, 307, 307, 307, 307, 200]);
    assert_eq!(body, format!("{user} -"));
    let counters: Vec<&str> = hops
        .iter()
        .filter(|h| h.location_param("__clerk_hs_reason").is_some())
        .flat_map(|h| h.set_cookies.iter())
        .filter_map(|c| c.strip_prefix("__clerk_redirect_count="))
        .map(|c| c.split(';').next().unwrap())
        .collect();
    assert_eq!(counters, ["1", "2", "3"]);
}

#[tokio::test]
async fn organization_id_rides_on_handshakes_of_other_reasons() {
    let mock = MockClerk::start().await;
    let (session, mut browser) = signed_in_browser(&mock).await;
    organization(&mock, "acme", Some(&session.user_id));
    let base = serve_org_app(&mock).await;
    // The very first visit is an organization's URL: the development browser's
    // handshake already carries `organization_id`, and lands with it active.
    let url = format!("{base}/orgs/acme/dashboard");
    let (statuses, body, hops) = visit(&mut browser, &url).await;
    assert_eq!(statuses, [307, 307, 307, 200]);
    assert_eq!(
        hops[0].location_param("__clerk_hs_reason").as_deref(),
        Some("dev-browser-missing")
    );
    assert_eq!(
        hops[0].location_param("organization_id").as_deref(),
        Some("acme")
    );
    assert_eq!(body, format!("{} acme", session.user_id));
}
