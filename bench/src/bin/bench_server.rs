//! A server for the load benchmark (`bench/load.sh`); one authentication style per process.
//!
//! ```text
//! bench_server <mode> <port> <tokens-file>
//! ```
//!
//! Modes: `noauth` (no authentication), `jwt` (a hand-written extractor around a bare
//! `jsonwebtoken::decode`, RS256), `protect` (`#[clerk::protect]`), `protect-nocache` (the
//! same with the verified-token cache off), `with-session` (`#[clerk::with_session]`),
//! `extractor` (the plain `clerk::Session` extractor), `protect-user` (`#[clerk::protect]`
//! injecting the `User` from the local Backend API, with a 60 s user cache). Every mode starts the local Clerk
//! stand-in and writes `{"valid": …, "expired": …, "garbage": …}` to the tokens file.
//!
//! For `bench/cliffs.sh`: `BENCH_USERS=N` also writes N valid tokens of N distinct users,
//! one a line, to `<tokens-file>.users`; `BENCH_JWKS_TTL_MS` sets the JWKS cache TTL of
//! the Clerk modes; and every mode serves `GET /counters` (no authentication): the
//! verified-token cache's hits, misses and RSA signature checks, and the JWKS requests.

use std::net::SocketAddr;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, Session, User};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    jwt: JwtKey,
}

/// Behind an `Arc`: axum clones the router state for every request.
#[derive(Clone)]
struct JwtKey(std::sync::Arc<(DecodingKey, Validation)>);

async fn noauth() -> &'static str {
    "anonymous"
}

/// What a team writes by hand with `jsonwebtoken`: the header token, RS256, `exp` checked.
struct JwtUser(String);

impl<S: Send + Sync> FromRequestParts<S> for JwtUser
where
    JwtKey: FromRef<S>,
{
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let jwt = JwtKey::from_ref(state);
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token, &jwt.0 .0, &jwt.0 .1,
        )
        .map_err(|_| StatusCode::UNAUTHORIZED)?;
        let sub = data
            .claims
            .get("sub")
            .and_then(|s| s.as_str())
            .unwrap_or_default();
        Ok(JwtUser(sub.to_owned()))
    }
}

async fn jwt(JwtUser(sub): JwtUser) -> String {
    sub
}

#[clerk::protect]
async fn protect(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::with_session]
async fn with_session(auth: Auth) -> String {
    auth.user_id().unwrap_or("anonymous").to_owned()
}

#[clerk::protect]
async fn protect_user(user: User) -> String {
    user.id
}

async fn extractor(session: Session) -> String {
    session.user_id().to_owned()
}

/// What the cliff benchmarks read between runs.
async fn counters(axum::extract::State(clerk): axum::extract::State<Clerk>) -> String {
    let cache = clerk.token_cache_counters().unwrap_or_default();
    let jwks_fetches = clerk.verification_keys().map_or(0, |k| k.fetch_count());
    serde_json::json!({
        "hits": cache.hits,
        "misses": cache.misses,
        "signature_checks": cache.signature_checks,
        "jwks_fetches": jwks_fetches,
    })
    .to_string()
}

/// `BENCH_USERS` tokens of as many users, one a line, next to the tokens file.
fn write_user_tokens(mock: &MockClerk, tokens_file: &str) -> std::io::Result<()> {
    let users: usize = std::env::var("BENCH_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if users == 0 {
        return Ok(());
    }
    let lines: Vec<String> = (0..users)
        .map(|i| {
            mock.token()
                .user(&format!("user_bench_{i:05}"))
                .expires_in_secs(24 * 3600)
                .sign()
        })
        .collect();
    std::fs::write(format!("{tokens_file}.users"), lines.join("\n") + "\n")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_server <mode> <port> <tokens-file>";
    let mode = args.next().ok_or(usage)?;
    let port: u16 = args.next().ok_or(usage)?.parse()?;
    let tokens_file = args.next().ok_or(usage)?;

    // The server gets one worker thread: the benchmark pins it to one core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mock = MockClerk::start().await;
        let user = mock.create_user(&clerk::api::CreateUserParams::default())?;
        let valid = mock
            .token()
            .user(&user.id)
            .expires_in_secs(24 * 3600)
            .sign();
        let expired = mock.token().user(&user.id).expired().sign();
        let garbage = "eyJnYXJiYWdlIjp0cnVlfQ.bm90IGEgdG9rZW4.c2lnbmF0dXJl-but_garbage";
        // Before the tokens file: the scripts wait for that one.
        write_user_tokens(&mock, &tokens_file)?;
        std::fs::write(
            &tokens_file,
            serde_json::json!({"valid": valid, "expired": expired, "garbage": garbage}).to_string(),
        )?;

        let jwk = mock.current_key().jwk();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.leeway = 5;
        let jwt_key = JwtKey(std::sync::Arc::new((
            DecodingKey::from_rsa_components(
                jwk["n"].as_str().unwrap_or_default(),
                jwk["e"].as_str().unwrap_or_default(),
            )?,
            validation,
        )));
        let mut builder = mock.clerk_builder();
        if let Some(ms) = std::env::var("BENCH_JWKS_TTL_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
        {
            builder = builder.jwks_cache_ttl(std::time::Duration::from_millis(ms));
        }
        let clerk = match mode.as_str() {
            "protect-nocache" => builder.disable_token_cache().build()?,
            "protect-user" => builder
                .user_cache_ttl(std::time::Duration::from_secs(60))
                .build()?,
            _ => builder.build()?,
        };
        // Warm the JWKS so that the first measured request does not fetch it.
        let _ = clerk.verify_token(&valid).await;

        let route = match mode.as_str() {
            "noauth" => get(noauth),
            "jwt" => get(jwt),
            "protect" | "protect-nocache" => get(protect),
            "with-session" => get(with_session),
            "extractor" => get(extractor),
            "protect-user" => get(protect_user),
            other => return Err(format!("unknown mode {other}").into()),
        };
        let app = Router::new()
            .route("/me", route)
            .route("/counters", get(counters))
            .with_state(AppState {
                clerk,
                jwt: jwt_key,
            });
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        axum::serve(listener, app).await?;
        drop(mock);
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
