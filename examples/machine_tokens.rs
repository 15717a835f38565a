//! Machine tokens: routes for API keys, M2M tokens and OAuth access tokens.
//!
//! ```text
//! cargo run --example machine_tokens                  # local Clerk stand-in: a tour, then exit
//! CLERK_SECRET_KEY=sk_… cargo run --example machine_tokens -- ak_… mt_… oat_…
//!                                                     # verifies your tokens, then exits
//! CLERK_SECRET_KEY=sk_… cargo run --example machine_tokens -- --serve
//!                                                     # serves the routes (MACHINE_TOKENS_ADDR, default 127.0.0.1:3001)
//! ```
//!
//! Without `CLERK_SECRET_KEY` it starts the embedded local Clerk stand-in
//! (`clerk::testing::MockClerk`), creates an API key, an M2M token and an OAuth token,
//! calls the protected routes with them over HTTP (and with the wrong token types), prints
//! each answer and exits. With `CLERK_SECRET_KEY` (and `CLERK_MACHINE_SECRET_KEY` for M2M
//! tokens, optional), the tokens given as arguments are sent to the same routes; `--serve`
//! keeps the server running for your own `curl` calls.

use std::net::SocketAddr;

use axum::extract::FromRef;
use axum::routing::get;
use axum::{Json, Router};
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, MachineAuth, Session};
use serde_json::{json, Value};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
}

fn describe(machine: &MachineAuth) -> Value {
    json!({
        "token_type": machine.token_type().as_str(),
        "id": machine.id(),
        "subject": machine.subject(),
        "scopes": machine.scopes(),
        "name": machine.name(),
        "user_id": machine.user_id(),
        "org_id": machine.org_id(),
        "machine_id": machine.machine_id(),
        "client_id": machine.client_id(),
        "claims": machine.claims(),
    })
}

/// API keys only.
#[clerk::protect(accepts = [api_key])]
async fn api_keys(machine: MachineAuth) -> Json<Value> {
    Json(describe(&machine))
}

/// M2M tokens only (`mt_…`, or an M2M JWT).
#[clerk::protect(accepts = [m2m])]
async fn m2m(machine: MachineAuth) -> Json<Value> {
    Json(describe(&machine))
}

/// Any machine token; a scope check in the handler.
#[clerk::protect(accepts = [api_key, m2m, oauth])]
async fn machines(machine: MachineAuth) -> Json<Value> {
    let mut body = describe(&machine);
    body["may_write"] = json!(machine.has_scope("write"));
    Json(body)
}

/// A signed-in user, or an API key.
#[clerk::protect(accepts = [session, api_key])]
async fn users_or_keys(auth: Auth, session: Option<Session>) -> Json<Value> {
    Json(json!({
        "token_type": auth.token_type().as_str(),
        "user_id": auth.user_id(),
        "org_id": auth.org_id(),
        "session_id": session.as_ref().map(Session::session_id),
    }))
}

/// Sessions only (the default): a machine token here is `401 token-type-mismatch`.
#[clerk::protect]
async fn sessions(session: Session) -> Json<Value> {
    Json(json!({"user_id": session.user_id()}))
}

fn app(clerk: Clerk) -> Router {
    Router::new()
        .route("/api-keys", get(api_keys))
        .route("/m2m", get(m2m))
        .route("/machines", get(machines))
        .route("/users-or-keys", get(users_or_keys))
        .route("/sessions", get(sessions))
        .with_state(AppState { clerk })
}

/// Sends `token` to `path` and prints the answer.
async fn call(http: &reqwest::Client, base: &str, path: &str, label: &str, token: &str) {
    let response = match http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            println!("GET {path} with {label}: request failed: {e}");
            return;
        }
    };
    let status = response.status();
    let reason = response
        .headers()
        .get("x-clerk-auth-reason")
        .and_then(|v| v.to_str().ok())
        .map(|r| format!(" (x-clerk-auth-reason: {r})"))
        .unwrap_or_default();
    let body = response.text().await.unwrap_or_default();
    println!("GET {path:<15} with {label:<14} → {status}{reason}\n    {body}");
}

/// The token type of a token given on the command line, for the label.
fn label(token: &str) -> &'static str {
    match clerk::TokenType::from_prefix(token) {
        Some(t) => t.as_str(),
        None => "a JWT",
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let serve_forever = args.iter().any(|a| a == "--serve");
    let tokens: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let real = std::env::var("CLERK_SECRET_KEY").is_ok_and(|v| !v.is_empty());

    let mut mock = None;
    let clerk = if real {
        Clerk::from_env()?
    } else {
        let m = MockClerk::start().await;
        let clerk = m.clerk();
        mock = Some(m);
        clerk
    };

    let addr: SocketAddr = if serve_forever {
        std::env::var("MACHINE_TOKENS_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:3001".into())
            .parse()?
    } else {
        "127.0.0.1:0".parse()?
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app(clerk)).await });
    let http = reqwest::Client::new();

    if let Some(mock) = &mock {
        println!("Local Clerk stand-in at {}\n", mock.api_url());
        let (_, api_key) = mock.create_api_key(
            "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            &["read", "write"],
            Some(json!({"plan": "gold"})),
        );
        let (_, m2m_token) = mock.create_m2m_token(
            "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            &["mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em"],
            None,
        );
        let (_, oauth_token) = mock.create_oauth_token(
            "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "client_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            &["email"],
        );
        let session = mock.token().user("user_2abc").sign();
        let (revoked_id, revoked) =
            mock.create_api_key("org_2xhFjEI5X2qWRvtV13BzSj8H6Dk", &[], None);
        mock.revoke_machine_token(&revoked_id);

        call(&http, &base, "/api-keys", "an API key", &api_key).await;
        call(&http, &base, "/m2m", "an M2M token", &m2m_token).await;
        call(&http, &base, "/machines", "an OAuth token", &oauth_token).await;
        call(&http, &base, "/users-or-keys", "an API key", &api_key).await;
        call(&http, &base, "/users-or-keys", "a session", &session).await;
        println!("\nWrong token types and refused tokens:");
        call(&http, &base, "/sessions", "an API key", &api_key).await;
        call(&http, &base, "/api-keys", "a session", &session).await;
        call(&http, &base, "/api-keys", "an M2M token", &m2m_token).await;
        call(&http, &base, "/api-keys", "a revoked key", &revoked).await;
        call(&http, &base, "/api-keys", "an unknown key", "ak_unknown").await;
        let verify_calls = mock
            .api_requests()
            .iter()
            .filter(|r| r.uri.ends_with("/verify"))
            .map(|r| r.uri.clone())
            .collect::<Vec<_>>();
        println!(
            "\nBackend API verify calls: {} ({:?}); the API key's second use was cached.",
            verify_calls.len(),
            verify_calls
        );
    } else {
        for token in &tokens {
            for path in ["/machines", "/users-or-keys", "/sessions"] {
                call(&http, &base, path, label(token), token).await;
            }
        }
        if tokens.is_empty() && !serve_forever {
            println!("Give machine tokens as arguments, or --serve to keep the server running.");
        }
    }

    if serve_forever {
        println!(
            "\nServing on {base}: try\n  curl -i -H 'Authorization: Bearer ak_…' {base}/machines"
        );
        server.await??;
    }
    Ok(())
}
