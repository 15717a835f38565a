//! The pace of Backend API calls that browser input triggers (`handshake_call_pacing`): a
//! flood of made-up handshake nonces costs at most the burst plus the pace, while a fast
//! sequence within `max_wait` is only slowed, never decided differently.

use std::time::Duration;

use clerk::testing::MockClerk;
use clerk::HandshakeCallPacing;

use super::serve_app;

/// Payload exchanges the stand-in's Backend API has answered.
fn exchanges(mock: &MockClerk) -> usize {
    mock.api_requests()
        .iter()
        .filter(|r| r.uri.contains("/clients/handshake_payload"))
        .count()
}

/// A navigation back from the Frontend API with a nonce nobody minted.
async fn made_up_nonce(http: &reqwest::Client, base: &str, i: usize) -> u16 {
    http.get(format!("{base}/page?__clerk_handshake_nonce=made-up-{i}"))
        .header("sec-fetch-dest", "document")
        .header("cookie", "__clerk_db_jwt=dvb_test")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_made_up_nonces_costs_at_most_the_burst_and_the_pace() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .handshake_call_pacing(HandshakeCallPacing {
            calls_per_second: 5,
            burst: 5,
            max_wait: Duration::from_millis(200),
        })
        .build()
        .unwrap();
    let base = serve_app(clerk).await;
    let http = no_redirects();
    let flood = (0..200).map(|i| made_up_nonce(&http, &base, i));
    let statuses = futures::future::join_all(flood).await;
    // Every request is answered as a failed exchange is (signed out, on to the handshake),
    // none with an error.
    assert!(
        statuses.iter().all(|s| *s == 307 || *s == 200),
        "{statuses:?}"
    );
    // The burst, then the slots that came free within the 200 ms a call may wait (one more
    // at 5 per second; a slow machine may free one or two more).
    let calls = exchanges(&mock);
    assert!((5..=8).contains(&calls), "{calls} exchanges for 200 nonces");
}

#[tokio::test]
async fn a_fast_sequence_within_the_wait_is_slowed_not_refused() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .build()
        .unwrap();
    let base = serve_app(clerk).await;
    let http = no_redirects();
    // The default pace: a burst of 50, then 50 per second. 80 exchanges one after another
    // outrun it, and each still reaches the Backend API.
    let mut statuses = Vec::new();
    for i in 0..80 {
        statuses.push(made_up_nonce(&http, &base, i).await);
    }
    assert_eq!(exchanges(&mock), 80);
    assert!(statuses.iter().all(|s| *s == statuses[0]), "{statuses:?}");
}

#[tokio::test]
async fn a_refresh_beyond_the_pace_fails_as_an_unreachable_backend_api() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .handshake_call_pacing(HandshakeCallPacing {
            calls_per_second: 0,
            burst: 1,
            max_wait: Duration::ZERO,
        })
        .build()
        .unwrap();
    let base = serve_app(clerk).await;
    let user = mock.create_user(&Default::default()).unwrap();
    let browser = mock.sign_in_browser(&user.id).unwrap();
    let expired = mock
        .token()
        .user(&user.id)
        .session(&browser.session_id)
        .expired()
        .sign();
    let cookie = format!(
        "__session={expired}; __client_uat=1; __clerk_db_jwt=dvb_test; __refresh_{}={}",
        mock.cookie_suffix(),
        browser.refresh_token
    );
    let fetch = || {
        no_redirects()
            .get(format!("{base}/api/me"))
            .header("sec-fetch-dest", "empty")
            .header("cookie", cookie.clone())
            .send()
    };
    // The burst: refreshed, signed in.
    assert_eq!(fetch().await.unwrap().status(), 200);
    // Beyond it: no call, refused as a failed fetch.
    let refused = fetch().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["x-clerk-auth-reason"],
        "session-token-expired-refresh-fetch-error"
    );
    let refreshes = mock
        .api_requests()
        .iter()
        .filter(|r| r.uri.ends_with("/refresh"))
        .count();
    assert_eq!(refreshes, 1);
}
