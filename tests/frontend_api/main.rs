//! The stand-in's Frontend API (`GET /v1/client/handshake`) and the Backend API endpoints
//! of the handshake (`GET /v1/clients/handshake_payload`, `POST /v1/sessions/{id}/refresh`
//! with `format: cookie`), over real HTTP, as a browser and `@clerk/backend` call them
//! (`docs/handshake-spec.md` §8, §13). `tests/js/handshake.mjs` runs the same loop with the
//! official package.

mod backend;
mod handshake;

use base64::Engine as _;
use clerk::testing::{BrowserSession, MockClerk};
use serde_json::Value;

/// A client that does not follow redirects, as the tests read each hop.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET <frontend api>/v1/client/handshake?<query>` with an optional `Cookie` header.
async fn handshake(
    mock: &MockClerk,
    query: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/v1/client/handshake", mock.frontend_api_url()),
        query,
    )
    .unwrap();
    let mut request = http().get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// The query `@clerk/backend` sends (development reason, nonce format) for this app URL.
fn query(redirect_url: &str, suffixed: bool) -> Vec<(&str, &str)> {
    vec![
        ("redirect_url", redirect_url),
        ("__clerk_api_version", "2026-05-12"),
        ("suffixed_cookies", if suffixed { "true" } else { "false" }),
        ("__clerk_hs_reason", "dev-browser-missing"),
        ("format", "nonce"),
    ]
}

/// The `Location` of a redirect.
fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The value of a query parameter of a URL.
fn param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `GET /v1/clients/handshake_payload?nonce=…` with the secret key: status, exact
/// `Content-Type` and body.
async fn payload(mock: &MockClerk, nonce: &str) -> (u16, String, Value) {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/v1/clients/handshake_payload", mock.api_url()),
        &[("nonce", nonce)],
    )
    .unwrap();
    let response = http()
        .get(url)
        .bearer_auth(mock.secret_key())
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// A Backend API answer: status, exact `Content-Type` and JSON body.
async fn answer(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

/// The directives a nonce stands for (exchanged once).
async fn directives(mock: &MockClerk, nonce: &str) -> Vec<String> {
    let (status, _, body) = payload(mock, nonce).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body["directives"].clone()).unwrap()
}

/// `name` of each `Set-Cookie` directive, in order.
fn names(directives: &[String]) -> Vec<String> {
    directives
        .iter()
        .map(|d| d.split('=').next().unwrap().to_owned())
        .collect()
}

/// The value the last directive named `name` sets.
fn value_of(directives: &[String], name: &str) -> Option<String> {
    directives
        .iter()
        .rev()
        .find(|d| d.split('=').next() == Some(name))
        .map(|d| d.split(';').next().unwrap()[name.len() + 1..].to_owned())
}

/// The payload of a JWT (not verified).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A started mock with a user signed in in a browser.
async fn signed_in(mock: MockClerk) -> (MockClerk, BrowserSession) {
    let user = mock.create_user(&Default::default()).unwrap();
    let browser = mock.sign_in_browser(&user.id).unwrap();
    (mock, browser)
}
