//! A server-rendered app: HTML pages under `ClerkLayer::authenticate()`, with the local
//! Clerk stand-in playing the Frontend API (as the app's proxy URL), so that a real browser
//! goes through Clerk's handshake on one machine.
//!
//! ```text
//! cargo run --example server_rendered          # then open http://127.0.0.1:3000/dev/sign-in
//! ```
//!
//! `/dev/sign-in` signs a user in on the stand-in and gives the browser the stand-in's
//! `__client` cookie (cookies ignore ports: the app and the stand-in share `127.0.0.1`),
//! then sends it to `/`: the first visit goes through the handshake (no development browser
//! yet), the stand-in answers with a nonce, the app resolves it and lands on `/` signed in.
//! After the session token's minute, a navigation is refreshed on the server (the stand-in
//! hands out a refresh cookie). `/account` sends signed-out browsers to the sign-in URL;
//! `/api/me` is JSON and never redirects.

use std::net::SocketAddr;

use axum::extract::{FromRef, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, ClerkLayer, Session};
use serde_json::{json, Value};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    mock: std::sync::Arc<MockClerk>,
}

/// The home page: who is signed in, rendered on the server.
async fn home(auth: Auth) -> Html<String> {
    let who = match auth.user_id() {
        Some(user) => format!("Signed in as <b>{user}</b>."),
        None => "Signed out. <a href=\"/dev/sign-in\">Sign in (stand-in)</a>".to_owned(),
    };
    Html(format!(
        "<!doctype html><title>clerk-rs</title><p>{who}</p><p><a href=\"/account\">Account</a> · <a href=\"/api/me\">/api/me</a></p>"
    ))
}

/// A page for signed-in users only: signed-out browsers go to the sign-in URL.
#[clerk::protect(redirect_to_sign_in)]
async fn account(session: Session) -> Html<String> {
    Html(format!(
        "<!doctype html><p>Account of {} (session {}).</p>",
        session.user_id(),
        session.session_id()
    ))
}

/// JSON for the page's scripts: `401` when signed out, never a redirect.
async fn api_me(session: Session) -> Json<Value> {
    Json(json!({"user_id": session.user_id()}))
}

/// Signs a new user in on the stand-in and hands the browser its `__client` cookie.
async fn dev_sign_in(State(mock): State<std::sync::Arc<MockClerk>>) -> Response {
    let signed_in = mock
        .create_user(&Default::default())
        .map_err(|e| e.to_string())
        .and_then(|user| mock.sign_in_browser(&user.id));
    match signed_in {
        // What Clerk's sign-in leaves: the `__client` cookie on the Frontend API, and
        // `__client_uat` on the app's domain (so the next navigation asks for a session).
        Ok(browser) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut response = (StatusCode::SEE_OTHER, [(LOCATION, "/")]).into_response();
            for cookie in [
                format!(
                    "{}; Path=/; HttpOnly; SameSite=Lax",
                    browser.client_cookie()
                ),
                format!("__client_uat={now}; Path=/; SameSite=Lax"),
            ] {
                if let Ok(value) = cookie.parse() {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            response
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

#[tokio::main]
async fn main() {
    let mock = MockClerk::start().await;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let clerk = mock
        .clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .sign_in_url(format!("http://127.0.0.1:{port}/dev/sign-in"))
        .build()
        .expect("a valid configuration");
    let state = AppState {
        clerk: clerk.clone(),
        mock: std::sync::Arc::new(mock),
    };
    let app = Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/api/me", get(api_me))
        .layer(ClerkLayer::new(clerk).authenticate())
        // Outside the layer: the stand-in's sign-in needs no authentication.
        .route("/dev/sign-in", get(dev_sign_in))
        .with_state(state);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("the port is free");
    println!("server-rendered app on http://{addr}/ (sign in: http://{addr}/dev/sign-in)");
    axum::serve(listener, app).await.expect("the server runs");
}
