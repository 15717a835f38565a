//! Server-rendered apps over real HTTP (issue 14): a browser-like client (cookie jar,
//! redirects followed by hand) against an axum app under `ClerkLayer::authenticate()` whose
//! Frontend API is the stand-in (`proxy_url = mock.frontend_api_url()`). Each step is what
//! `@clerk/backend` 3.25 decides (docs/handshake-spec.md): the handshake redirect, the
//! stand-in's answer, the nonce resolved through the Backend API, server-side refresh, the
//! loop guard, and API requests that never get a redirect.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod loops;
mod org_sync;
mod pacing;
mod routes;
mod wide;

use axum::routing::get;
use axum::Router;
use clerk::testing::{BrowserSession, MockClerk};
use clerk::{Auth, Clerk, ClerkLayer, Session};

use browser::Browser;

/// The page: who the handler sees.
async fn page(auth: Auth) -> String {
    auth.user_id()
        .map_or_else(|| "signed-out".to_owned(), str::to_owned)
}

/// An API route that needs a session.
async fn api_me(session: Session) -> String {
    session.user_id().to_owned()
}

/// The app's `Clerk`: the stand-in's keys, its Frontend API as the proxy.
fn app_clerk(mock: &MockClerk) -> Clerk {
    mock.clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .build()
        .unwrap()
}

/// The app under `ClerkLayer::authenticate()`.
async fn serve_app(clerk: Clerk) -> String {
    let app = Router::new()
        .route("/page", get(page))
        .route("/api/me", get(api_me))
        .layer(ClerkLayer::new(clerk).authenticate());
    common::serve(app).await
}

/// A stand-in with a user signed in on a browser (the `__client` cookie in its jar).
async fn signed_in_browser(mock: &MockClerk) -> (BrowserSession, Browser) {
    let user = mock.create_user(&Default::default()).unwrap();
    let session = mock.sign_in_browser(&user.id).unwrap();
    let mut browser = Browser::new();
    browser.set_cookie_pair(&session.client_cookie());
    (session, browser)
}
