//! The Backend API side of the handshake: `GET /v1/clients/handshake_payload` and
//! `POST /v1/sessions/{id}/refresh` as `@clerk/backend` 3.25 calls them.

use clerk::testing::MockClerk;
use serde_json::json;

use super::*;

const APP: &str = "http://127.0.0.1:3000/";

/// A nonce from a signed-in development handshake.
async fn nonce_of(mock: &MockClerk, browser: &BrowserSession) -> String {
    let back = handshake(mock, &query(APP, false), Some(&browser.client_cookie())).await;
    param(&location(&back), "__clerk_handshake_nonce").unwrap()
}

#[tokio::test]
async fn handshake_payload_is_exchanged_once_with_the_secret_key() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let nonce = nonce_of(&mock, &browser).await;

    // Without the secret key: refused, and the nonce is not used up.
    let url = format!(
        "{}/v1/clients/handshake_payload?nonce={nonce}",
        mock.api_url()
    );
    let anonymous = http().get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let (status, content_type, body) = payload(&mock, &nonce).await;
    assert_eq!(status, 200);
    // Exactly `application/json` (`@clerk/backend` reads anything else as text) and no
    // `object` field (`"cookies"` would hide the directives from it).
    assert_eq!(content_type, "application/json");
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["directives"]);
    assert_eq!(body["directives"].as_array().unwrap().len(), 4);

    // Single use: used, unknown and missing nonces.
    for nonce in [nonce.as_str(), "unknown"] {
        let (status, content_type, body) = payload(&mock, nonce).await;
        assert_eq!((status, content_type.as_str()), (404, "application/json"));
        assert_eq!(body["errors"][0]["code"], "resource_not_found");
    }
    let (status, _, body) = payload(&mock, "").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["meta"]["param_name"], "nonce");

    // Recorded as Backend API calls, with the query as sent.
    let calls: Vec<_> = mock
        .api_requests()
        .into_iter()
        .filter(|r| r.uri.starts_with("/v1/clients/handshake_payload?nonce="))
        .collect();
    assert_eq!(calls.len(), 5);
}

/// `POST /v1/sessions/{sid}/refresh[?suffixed_cookies=true]` with the body of
/// `docs/handshake-spec.md` §8.2 (key order and header arrays as the package sends them).
async fn refresh(
    mock: &MockClerk,
    session_id: &str,
    suffixed: bool,
    expired_token: &str,
    refresh_token: &str,
) -> (u16, String, Value) {
    let query = if suffixed {
        "?suffixed_cookies=true"
    } else {
        ""
    };
    let url = format!("{}/v1/sessions/{session_id}/refresh{query}", mock.api_url());
    let body = json!({
        "format": "cookie",
        "expired_token": expired_token,
        "refresh_token": refresh_token,
        "request_origin": "http://127.0.0.1:3000",
        "request_headers": {
            "accept": ["text/html"],
            "cookie": [format!("__session={expired_token}")],
            "host": ["127.0.0.1:3000"],
        },
    });
    let response = http()
        .post(url)
        .bearer_auth(mock.secret_key())
        .header("Clerk-API-Version", "2026-05-12")
        .header("User-Agent", "@clerk/backend@3.25.0")
        .json(&body)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// An expired session token of the browser's session.
fn expired(mock: &MockClerk, browser: &BrowserSession) -> String {
    mock.token()
        .user(&browser.user_id)
        .session(&browser.session_id)
        .expired()
        .sign()
}

#[tokio::test]
async fn refresh_answers_cookies_for_the_handshake_refresh_token() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    // The refresh token the handshake handed out is the one refresh accepts.
    let directives = directives(&mock, &nonce_of(&mock, &browser).await).await;
    let sfx = mock.cookie_suffix();
    let refresh_token = value_of(&directives, &format!("__refresh_{sfx}")).unwrap();
    assert_eq!(refresh_token, browser.refresh_token);

    for suffixed in [false, true] {
        let (status, content_type, body) = refresh(
            &mock,
            &browser.session_id,
            suffixed,
            &expired(&mock, &browser),
            &refresh_token,
        )
        .await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/json"),
            "{body}"
        );
        assert_eq!(body["object"], "cookies");
        let cookies: Vec<String> = serde_json::from_value(body["cookies"].clone()).unwrap();
        let mut expected = vec!["__client_uat".to_owned(), "__session".into()];
        if suffixed {
            expected.extend([format!("__client_uat_{sfx}"), format!("__session_{sfx}")]);
        }
        assert_eq!(names(&cookies), expected);
        // The last `__session*` cookie is the one the SDK reads: a valid token of the same
        // session, for the request's origin.
        let last = cookies
            .iter()
            .rev()
            .find(|c| c.starts_with("__session"))
            .unwrap();
        let token = last.split(';').next().unwrap().split_once('=').unwrap().1;
        let verified = mock.clerk().verify_token(token).await.unwrap();
        assert_eq!(verified.subject(), browser.user_id);
        assert_eq!(claims(token)["sid"], browser.session_id.as_str());
        assert_eq!(claims(token)["azp"], "http://127.0.0.1:3000");
        assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    }
}

#[tokio::test]
async fn refresh_refuses_what_the_instance_did_not_hand_out() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let user = mock.create_user(&Default::default()).unwrap();
    let other = mock.sign_in_browser(&user.id).unwrap();
    let expired_token = expired(&mock, &browser);
    let forged = mock
        .token()
        .user(&browser.user_id)
        .session(&browser.session_id)
        .expired()
        .sign_with(&mock.unpublished_key());

    for (case, expired_token, refresh_token, param) in [
        (
            "unknown refresh token",
            expired_token.as_str(),
            "rt_unknown",
            "refresh_token",
        ),
        (
            "another session's refresh token",
            expired_token.as_str(),
            other.refresh_token.as_str(),
            "refresh_token",
        ),
        (
            "another session's expired token",
            &*expired(&mock, &other),
            browser.refresh_token.as_str(),
            "expired_token",
        ),
        (
            "expired token not signed by the instance",
            forged.as_str(),
            browser.refresh_token.as_str(),
            "expired_token",
        ),
    ] {
        let (status, content_type, body) = refresh(
            &mock,
            &browser.session_id,
            false,
            expired_token,
            refresh_token,
        )
        .await;
        // `@clerk/backend` reports `session-token-expired-refresh-authentication_invalid`.
        assert_eq!(
            (status, content_type.as_str()),
            (401, "application/json"),
            "{case}"
        );
        assert_eq!(
            body["errors"][0]["code"], "authentication_invalid",
            "{case}"
        );
        assert_eq!(body["errors"][0]["meta"]["param_name"], param, "{case}");
    }

    // A revoked session cannot be refreshed, even with its own tokens.
    mock.clerk()
        .sessions()
        .revoke(&browser.session_id)
        .await
        .unwrap();
    let (status, _, body) = refresh(
        &mock,
        &browser.session_id,
        false,
        &expired_token,
        &browser.refresh_token,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "session_id");
}
