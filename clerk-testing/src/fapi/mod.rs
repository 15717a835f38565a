//! The stand-in's Frontend API: the part of Clerk a browser talks to, as far as a
//! server-rendered app needs it. `GET /v1/client/handshake` knows the browser by its
//! `__client` cookie, mints a fresh session token and sends the browser back to the app
//! with the handshake's cookie directives (behind a nonce the app's SDK exchanges at the
//! Backend API, `bapi/handshake_payload.rs`). It is served on the same address as the
//! Backend API, outside its secret-key check: browsers call it.

mod handshake;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;

use crate::bapi;
use crate::{MockClerk, State};

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new().route("/v1/client/handshake", get(handshake::handshake))
}

/// A browser signed in at the stand-in's Frontend API, from
/// [`MockClerk::sign_in_browser`]: its client (the `__client` cookie the Frontend API
/// knows it by), its active session, and the session's refresh token.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mock = clerk_testing::MockClerk::start().await;
/// let user = mock.create_user(&Default::default()).unwrap();
/// let browser = mock.sign_in_browser(&user.id).unwrap();
/// assert!(browser.session_id.starts_with("sess_"));
/// assert!(browser.client_cookie().starts_with("__client="));
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct BrowserSession {
    /// The signed-in user.
    pub user_id: String,
    /// The active session (`sess_…`): the `sid` of the tokens the handshake mints.
    pub session_id: String,
    /// The client (`client_…`) holding the session.
    pub client_id: String,
    /// The value of the `__client` cookie on the Frontend API's origin.
    pub client_token: String,
    /// The refresh token of the session, as the handshake sets it in `__refresh_<suffix>`
    /// and `POST /v1/sessions/{id}/refresh` accepts it.
    pub refresh_token: String,
}

impl BrowserSession {
    /// `__client=<token>`: the `Cookie` header a browser sends to the Frontend API.
    pub fn client_cookie(&self) -> String {
        format!("__client={}", self.client_token)
    }
}

impl std::fmt::Debug for BrowserSession {
    // The tokens are credentials: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSession")
            .field("user_id", &self.user_id)
            .field("session_id", &self.session_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl MockClerk {
    /// The Frontend API base URL, `http://127.0.0.1:<port>` (the Backend API's address:
    /// one server plays both). A browser cannot reach the Frontend API host the
    /// publishable key names (`mock-<id>.clerk.accounts.dev`), so configure it as the
    /// app's **proxy URL** (`proxyUrl` of `@clerk/backend`, `CLERK_PROXY_URL`): the SDK
    /// then sends handshakes to `<this URL>/v1/client/handshake`. Tokens keep the
    /// publishable key's issuer, so they stay the instance's own.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let handshake = format!("{}/v1/client/handshake", mock.frontend_api_url());
    /// assert!(handshake.starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub fn frontend_api_url(&self) -> String {
        self.api_url()
    }

    /// The suffix of this instance's cookies (`__session_<suffix>`, `__refresh_<suffix>`):
    /// the first 8 characters of the URL-safe base64 of SHA-1 of the publishable key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// assert_eq!(mock.cookie_suffix().len(), 8);
    /// # }
    /// ```
    pub fn cookie_suffix(&self) -> String {
        bapi::session_cookies::cookie_suffix(&self.publishable_key())
    }

    /// Signs a browser in for an existing user, as signing in on Clerk's hosted pages
    /// would: a new client with an active session (`POST /v1/sessions` of a testing
    /// instance), the `__client` cookie that names it to the Frontend API, and the
    /// session's refresh token. Send [`BrowserSession::client_cookie`] with a request to
    /// `<frontend_api_url>/v1/client/handshake` and the handshake signs the app in; revoke
    /// the session (`clerk.sessions().revoke(..)`) and it signs the app out. Fails when
    /// the user does not exist.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let user = mock.create_user(&Default::default()).unwrap();
    /// let browser = mock.sign_in_browser(&user.id).unwrap();
    /// let handshake = format!(
    ///     "{}/v1/client/handshake?redirect_url=http%3A%2F%2F127.0.0.1%3A3000%2F&format=nonce",
    ///     mock.frontend_api_url()
    /// );
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let back = http.get(handshake).header("cookie", browser.client_cookie()).send().await.unwrap();
    /// assert_eq!(back.status(), 307);
    /// let location = back.headers()["location"].to_str().unwrap();
    /// assert!(location.starts_with("http://127.0.0.1:3000/?__clerk_handshake_nonce="));
    /// assert!(mock.sign_in_browser("user_missing").is_err());
    /// # }
    /// ```
    pub fn sign_in_browser(&self, user_id: &str) -> Result<BrowserSession, String> {
        let key = self.current_key();
        let mut body = serde_json::Map::new();
        body.insert("user_id".into(), user_id.into());
        let mut store = self.state.store.lock().unwrap();
        let session = bapi::sessions::build_session(&mut store, &body)
            .map_err(|r| format!("rejected with {}", r.status()))?;
        let session_id = session["id"].as_str().unwrap_or_default().to_owned();
        let client_id = session["client_id"].as_str().unwrap_or_default().to_owned();
        let refresh_token = store.handshake.refresh_token_for(&session_id);
        Ok(BrowserSession {
            user_id: user_id.to_owned(),
            client_token: bapi::clients::client_token(&key, &client_id),
            session_id,
            client_id,
            refresh_token,
        })
    }

    /// The refresh token of a session (created on first use; the one the handshake sets in
    /// `__refresh_<suffix>`), for `POST /v1/sessions/{id}/refresh`; `None` for an unknown
    /// session.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let user = mock.create_user(&Default::default()).unwrap();
    /// let session = mock.create_session(&user.id).unwrap();
    /// assert!(mock.refresh_token(&session.id).is_some());
    /// assert_eq!(mock.refresh_token("sess_missing"), None);
    /// # }
    /// ```
    pub fn refresh_token(&self, session_id: &str) -> Option<String> {
        let mut store = self.state.store.lock().unwrap();
        if !store.sessions.contains_key(session_id) {
            return None;
        }
        Some(store.handshake.refresh_token_for(session_id))
    }
    /// Makes `POST /v1/sessions/{session_id}/refresh` answer every refresh of this session
    /// with this status, `Content-Type` (`None`: no header) and body, verbatim, instead of
    /// refreshing it: a Backend API error code the SDK must report
    /// (`session-token-expired-refresh-<code>`), or a malformed answer. Unlike
    /// [`inject_api_faults`](Self::inject_api_faults) it is not used up, so two SDKs
    /// deciding the same requests see the same answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mock = clerk_testing::MockClerk::start().await;
    /// let user = mock.create_user(&Default::default()).unwrap();
    /// let session = mock.create_session(&user.id).unwrap();
    /// let body = r#"{"errors":[{"code":"session_expired","message":"expired"}]}"#;
    /// mock.answer_session_refresh(&session.id, 400, Some("application/json"), body);
    /// let url = format!("{}/v1/sessions/{}/refresh", mock.api_url(), session.id);
    /// let response = reqwest::Client::new()
    ///     .post(url)
    ///     .bearer_auth(mock.secret_key())
    ///     .body("{}")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(response.status(), 400);
    /// assert_eq!(response.text().await.unwrap(), body);
    /// # }
    /// ```
    pub fn answer_session_refresh(
        &self,
        session_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: impl Into<String>,
    ) {
        let answer = bapi::handshake_payload::RawAnswer {
            status,
            content_type: content_type.map(str::to_owned),
            body: body.into(),
        };
        let mut store = self.state.store.lock().unwrap();
        store
            .handshake
            .refresh_answers
            .insert(session_id.to_owned(), answer);
    }
}
