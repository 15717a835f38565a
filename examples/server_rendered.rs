//! A server-rendered app: HTML pages under `ClerkLayer::authenticate()`, which answers
//! Clerk's handshake (an expired `__session` cookie, a first visit) before any page runs.
//!
//! ```text
//! cargo run --example server_rendered
//! ```
//!
//! With `CLERK_SECRET_KEY` set it runs against your Clerk instance (set `CLERK_SIGN_IN_URL`,
//! and `CLERK_PROXY_URL` if you use a proxy). Without, it starts the embedded local Clerk
//! stand-in, uses the stand-in's Frontend API as the proxy URL, and serves a demo sign-in
//! page at `/sign-in` that signs a demo user in on the stand-in (as Clerk's hosted pages
//! would): open the printed `http://127.0.0.1:…` address (the stand-in is on 127.0.0.1
//! too, and cookies are shared by host, not by port). `tests/browser` drives it with
//! headless Chromium.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{FromRef, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use clerk::api::CreateUserParams;
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, ClerkLayer, Session};
use serde_json::{json, Value};

/// The router state: the `Clerk` handle (found by the macros through `FromRef`) and, on
/// the stand-in, what the demo sign-in page needs.
#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    demo: Option<Demo>,
}

/// The stand-in's demo user, for `/sign-in`.
#[derive(Clone)]
struct Demo {
    mock: std::sync::Arc<MockClerk>,
    user_id: String,
    /// The app's own origin: where `/sign-in` may send the browser back to.
    base: String,
}

/// Public: says who is signed in.
async fn home(auth: Auth) -> Html<String> {
    let status = match auth.user_id() {
        Some(user) => format!("Signed in as {}", escape(user)),
        None => "Signed out".to_owned(),
    };
    layout(
        "Home",
        &format!(
            r#"<p id="status">{status}</p>
<p><a href="/dashboard">Dashboard</a> (signed in only)</p>"#
        ),
    )
}

/// Signed-in only: a signed-out browser is sent to the sign-in page; an API client gets 401.
#[clerk::protect(redirect_to_sign_in)]
async fn dashboard(session: Session) -> Html<String> {
    layout(
        "Dashboard",
        &format!(
            r#"<p id="status">Dashboard of {user}</p>
<p>Session <code>{sid}</code></p>
<p><button id="call" onclick="callApi()">fetch('/api/me')</button> <code id="api"></code></p>
<script>
async function callApi() {{
  const r = await fetch('/api/me');
  document.getElementById('api').textContent = r.status + ' ' + await r.text();
}}
</script>
<p><a href="/">Home</a></p>"#,
            user = escape(session.user_id()),
            sid = escape(session.session_id()),
        ),
    )
}

/// The API a page's JavaScript calls: 401 when signed out, never a redirect.
#[clerk::protect]
async fn api_me(session: Session) -> Json<Value> {
    Json(json!({"user_id": session.user_id(), "session_id": session.session_id()}))
}

/// The query of `GET /sign-in` and the form of `POST /sign-in`: `redirect_url`.
type SignInQuery = HashMap<String, String>;

/// The stand-in's demo sign-in page (Clerk's hosted sign-in page plays this part).
async fn sign_in_page(
    State(demo): State<Option<Demo>>,
    Query(query): Query<SignInQuery>,
) -> Response {
    let Some(demo) = demo else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let back = escape(&demo.back_to(query.get("redirect_url").map(String::as_str)));
    layout(
        "Sign in",
        &format!(
            r#"<p id="status">Sign in</p>
<form method="post" action="/sign-in">
  <input type="hidden" name="redirect_url" value="{back}">
  <button id="sign-in" type="submit">Sign in as the demo user ({user})</button>
</form>"#,
            user = escape(&demo.user_id),
        ),
    )
    .into_response()
}

/// Signs the demo user in on the stand-in and sends the browser back: the `__client`
/// cookie names the new client to the stand-in's Frontend API (cookies ignore ports, so
/// one set here reaches the stand-in on the same host), and `__client_uat` says "signed
/// in since now", as Clerk's browser SDK sets it after a sign-in. The next navigation
/// then has no session token for that sign-in, so the app's SDK sends it through the
/// handshake, where the stand-in mints the session token.
async fn sign_in(State(demo): State<Option<Demo>>, Form(form): Form<SignInQuery>) -> Response {
    let Some(demo) = demo else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let browser = match demo.mock.sign_in_browser(&demo.user_id) {
        Ok(browser) => browser,
        Err(err) => return (StatusCode::INTERNAL_SERVER_ERROR, err).into_response(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let suffix = demo.mock.cookie_suffix();
    let cookies = [
        format!(
            "{}; Path=/; HttpOnly; SameSite=Lax",
            browser.client_cookie()
        ),
        format!("__client_uat={now}; Path=/; SameSite=Lax"),
        "__session=; Path=/; Max-Age=0".to_owned(),
        format!("__session_{suffix}=; Path=/; Max-Age=0"),
    ];
    let mut response = (
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            demo.back_to(form.get("redirect_url").map(String::as_str)),
        )],
    )
        .into_response();
    for cookie in cookies {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

impl Demo {
    /// `redirect_url` when it is a page of this app (no open redirect), else the home page.
    fn back_to(&self, redirect_url: Option<&str>) -> String {
        match redirect_url {
            Some(url) if url.starts_with(&format!("{}/", self.base)) => url.to_owned(),
            _ => format!("{}/", self.base),
        }
    }
}

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body></html>\n"
    ))
}

/// HTML text and attribute escaping.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();

    let addr: SocketAddr = std::env::var("SERVER_RENDERED_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let base = format!("http://{}", listener.local_addr()?);

    let real = std::env::var("CLERK_SECRET_KEY").is_ok_and(|v| !v.is_empty());
    let (clerk, demo) = if real {
        (Clerk::from_env()?, None)
    } else {
        let mock = MockClerk::start().await;
        let user = mock.create_user(&CreateUserParams {
            first_name: Some("Demo".into()),
            email_address: vec!["demo@example.com".into()],
            ..Default::default()
        })?;
        // Handshakes go to the stand-in's Frontend API: the host in its publishable key
        // cannot be reached.
        let clerk = mock
            .clerk_builder()
            .proxy_url(mock.frontend_api_url())
            .sign_in_url(format!("{base}/sign-in"))
            .build()?;
        let demo = Demo {
            mock: std::sync::Arc::new(mock),
            user_id: user.id,
            base: base.clone(),
        };
        (clerk, Some(demo))
    };

    let mut app = Router::new()
        .route("/", get(home))
        .route("/dashboard", get(dashboard))
        .route("/api/me", get(api_me));
    if demo.is_some() {
        app = app.route("/sign-in", get(sign_in_page).post(sign_in));
    }
    let app = app
        .layer(ClerkLayer::new(clerk.clone()).authenticate())
        .with_state(AppState {
            clerk,
            demo: demo.clone(),
        });

    println!("server_rendered listening on {base}");
    match &demo {
        Some(demo) => {
            println!(
                "no CLERK_SECRET_KEY: using the local Clerk stand-in at {} (also its Frontend API)",
                demo.mock.api_url()
            );
            println!("open {base}/dashboard and sign in as the demo user");
        }
        None => println!("using your Clerk instance (CLERK_SECRET_KEY)"),
    }
    axum::serve(listener, app).await?;
    Ok(())
}
