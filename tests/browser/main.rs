//! A real browser (headless Chromium, Debian's `chromium`, installed by `.ci/run`) through
//! a server-rendered app under `ClerkLayer::authenticate()` whose Frontend API is the local
//! stand-in: sign-in state from the stand-in, a session cookie expired as after an idle
//! tab, a navigation that follows the handshake and lands signed in; a signed-out
//! navigation to a `redirect_to_sign_in` page that ends on the sign-in page; a `fetch` with
//! an expired cookie that gets 401, not a redirect.
//!
//! `#[ignore]`d in the plain test run (which needs nothing but the toolchain); `.ci/run`
//! installs Chromium and runs them: `cargo test --all-features --test browser -- --ignored`.

#[path = "../common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{FromRef, Query, Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, ClerkLayer, Session};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    mock: Arc<MockClerk>,
}

/// The page; with `?next=<path>` and signed in, its script goes on to that page (a user
/// clicking on, within one browser run: session cookies live as long as the browser).
async fn home(auth: Auth, Query(query): Query<HashMap<String, String>>) -> Html<String> {
    let next = match (auth.user_id(), query.get("next")) {
        (Some(_), Some(next)) if next.starts_with("/dev/") => {
            format!("<script>setTimeout(() => location.replace('{next}'), 10)</script>")
        }
        _ => String::new(),
    };
    Html(match auth.user_id() {
        Some(user) => format!("<p id=who>signed in as {user}</p>{next}"),
        None => "<p id=who>signed out</p>".to_owned(),
    })
}

#[clerk::protect(redirect_to_sign_in)]
async fn account(session: Session) -> Html<String> {
    Html(format!("<p>account of {}</p>", session.user_id()))
}

async fn api_me(session: Session) -> String {
    session.user_id().to_owned()
}

async fn sign_in_page() -> Html<&'static str> {
    Html("<p>the sign-in page</p>")
}

/// What Clerk's sign-in leaves in a browser: `__client` on the Frontend API (the stand-in,
/// same host), `__client_uat` on the app.
async fn dev_sign_in(
    State(mock): State<Arc<MockClerk>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let user = mock.create_user(&Default::default()).unwrap();
    let browser = mock.sign_in_browser(&user.id).unwrap();
    let to = match query.get("next") {
        Some(next) => format!("/?next={next}"),
        None => "/".to_owned(),
    };
    redirect_with_cookies(
        &to,
        &[
            format!(
                "{}; Path=/; HttpOnly; SameSite=Lax",
                browser.client_cookie()
            ),
            "__client_uat=1700000000; Path=/; SameSite=Lax".to_owned(),
        ],
    )
}

/// The cookies of an idle tab: the session token expired, no refresh cookie.
fn expired_cookies(mock: &MockClerk, auth: &Auth) -> Vec<String> {
    let expired = mock
        .token()
        .user(auth.user_id().unwrap())
        .session(auth.session_id().unwrap())
        .expired()
        .sign();
    vec![
        format!("__session={expired}; Path=/; SameSite=Lax"),
        format!("__refresh_{}=; Path=/; Max-Age=0", mock.cookie_suffix()),
    ]
}

async fn dev_expire(State(mock): State<Arc<MockClerk>>, auth: Auth) -> Response {
    redirect_with_cookies("/", &expired_cookies(&mock, &auth))
}

/// Expires the session cookie, then the page's script `fetch`es `/api/me`.
async fn dev_expire_and_fetch(State(mock): State<Arc<MockClerk>>, auth: Auth) -> Response {
    let page = Html(
        "<p id=out>pending</p><script>fetch('/api/me', {redirect: 'manual'}).then(r => { document.getElementById('out').textContent = 'fetch ' + r.status + ' ' + r.type; });</script>",
    );
    let mut response = page.into_response();
    for cookie in expired_cookies(&mock, &auth) {
        response
            .headers_mut()
            .append(SET_COOKIE, cookie.parse().unwrap());
    }
    response
}

fn redirect_with_cookies(to: &str, cookies: &[String]) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response();
    for cookie in cookies {
        response
            .headers_mut()
            .append(SET_COOKIE, cookie.parse().unwrap());
    }
    response
}

/// What the app saw: the reasons of the handshakes it answered, and the requests that
/// came back from the Frontend API with a nonce.
#[derive(Default)]
struct Seen {
    reasons: Mutex<Vec<String>>,
    returns: AtomicUsize,
}

/// The app and what it sees.
async fn serve_app() -> (String, Arc<Seen>, Arc<MockClerk>) {
    let mock = Arc::new(MockClerk::start().await);
    let seen = Arc::new(Seen::default());
    let watch = seen.clone();
    let record = move |request: Request, next: Next| {
        let seen = watch.clone();
        async move {
            if request
                .uri()
                .query()
                .is_some_and(|q| q.contains("__clerk_handshake_nonce="))
            {
                seen.returns.fetch_add(1, Ordering::SeqCst);
            }
            let response = next.run(request).await;
            let reason = response
                .headers()
                .get(LOCATION)
                .and_then(|l| reqwest::Url::parse(l.to_str().ok()?).ok())
                .and_then(|l| {
                    l.query_pairs()
                        .find(|(k, _)| k == "__clerk_hs_reason")
                        .map(|(_, v)| v.into_owned())
                });
            if let Some(reason) = reason {
                seen.reasons.lock().unwrap().push(reason);
            }
            response
        }
    };
    // The sign-in URL is set once the port is known: a listener first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let clerk = mock
        .clerk_builder()
        .proxy_url(mock.frontend_api_url())
        .sign_in_url(format!("{base}/sign-in"))
        .build()
        .unwrap();
    let state = AppState {
        clerk: clerk.clone(),
        mock: mock.clone(),
    };
    let app = Router::new()
        .route("/", get(home))
        .route("/account", get(account))
        .route("/api/me", get(api_me))
        .route("/dev/expire", get(dev_expire))
        .route("/dev/expire-and-fetch", get(dev_expire_and_fetch))
        .layer(ClerkLayer::new(clerk).authenticate())
        .route("/sign-in", get(sign_in_page))
        .route("/dev/sign-in", get(dev_sign_in))
        .layer(middleware::from_fn(record))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen, mock)
}

/// A browser profile (its cookies persist across `visit`s).
struct Chromium {
    profile: PathBuf,
}

impl Chromium {
    fn new(name: &str) -> Self {
        let profile =
            std::env::temp_dir().join(format!("clerk-browser-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        Self { profile }
    }

    /// Opens `url`, follows every redirect, runs the page's scripts for a moment, and
    /// returns the final DOM.
    async fn visit(&self, url: &str) -> String {
        let profile = self.profile.clone();
        let url = url.to_owned();
        tokio::task::spawn_blocking(move || {
            let output = Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--virtual-time-budget=3000",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg("--dump-dom")
                .arg(&url)
                .output()
                .expect("Chromium runs (Debian's `chromium`, installed by .ci/run)");
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
        .await
        .unwrap()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

const EXPIRED: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Debian's chromium: .ci/run installs it and runs these with --ignored"]
async fn an_idle_tab_navigates_through_the_handshake_and_lands_signed_in() {
    let browser = Chromium::new("idle");
    let (base, seen, _mock) = serve_app().await;
    // Signed in on the stand-in; the first visit goes through the handshake (no development
    // browser yet) and lands signed in; then the session cookie expires as in an idle tab,
    // and the next navigation follows the handshake again and lands signed in.
    let dom = browser
        .visit(&format!("{base}/dev/sign-in?next=/dev/expire"))
        .await;
    assert!(dom.contains("signed in as user_"), "{dom}");
    assert_eq!(
        *seen.reasons.lock().unwrap(),
        ["dev-browser-missing", EXPIRED],
        "the handshakes answered"
    );
    assert_eq!(
        seen.returns.load(Ordering::SeqCst),
        2,
        "both came back with a nonce"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Debian's chromium: .ci/run installs it and runs these with --ignored"]
async fn a_fetch_with_an_expired_cookie_gets_401_not_a_redirect() {
    let browser = Chromium::new("fetch");
    let (base, seen, _mock) = serve_app().await;
    let dom = browser
        .visit(&format!("{base}/dev/sign-in?next=/dev/expire-and-fetch"))
        .await;
    assert!(dom.contains("fetch 401 basic"), "{dom}");
    assert_eq!(*seen.reasons.lock().unwrap(), ["dev-browser-missing"]);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Debian's chromium: .ci/run installs it and runs these with --ignored"]
async fn a_signed_out_navigation_to_a_protected_page_ends_on_the_sign_in_page() {
    let browser = Chromium::new("signed-out");
    let (base, seen, _mock) = serve_app().await;
    // A new browser: the development browser comes from a handshake first, then the page
    // sends the signed-out browser to the sign-in URL.
    let dom = browser.visit(&format!("{base}/account")).await;
    assert!(dom.contains("the sign-in page"), "{dom}");
    assert_eq!(*seen.reasons.lock().unwrap(), ["dev-browser-missing"]);
}
