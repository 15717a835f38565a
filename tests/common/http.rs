//! Calling a served app: a client, GET requests, and assertions on the answer.

use serde_json::Value;

/// A client that does not follow redirects, so that tests see them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET url` without credentials.
pub async fn fetch(http: &reqwest::Client, url: String) -> reqwest::Response {
    http.get(url).send().await.unwrap()
}

/// `GET url` with `token` as the bearer token.
pub async fn fetch_as(http: &reqwest::Client, url: String, token: &str) -> reqwest::Response {
    http.get(url).bearer_auth(token).send().await.unwrap()
}

/// Asserts the status of `response`, then its JSON body.
pub async fn assert_json(response: reqwest::Response, status: u16, body: Value) {
    assert_eq!(response.status(), status);
    assert_eq!(response.json::<Value>().await.unwrap(), body);
}

/// The parts of a GET request to `uri` with this `Authorization` header value.
pub fn request_parts(uri: &str, authorization: &str) -> http::request::Parts {
    let (parts, ()) = http::Request::builder()
        .uri(uri)
        .header("authorization", authorization)
        .body(())
        .unwrap()
        .into_parts();
    parts
}

/// The parts of a GET request to `uri` carrying `token` as a Bearer token.
pub fn bearer_parts(uri: &str, token: &str) -> http::request::Parts {
    request_parts(uri, &format!("Bearer {token}"))
}
