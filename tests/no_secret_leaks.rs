//! Secrets never reach the logs: every path runs with all `tracing` output captured at
//! TRACE level (this crate's and its dependencies', including the HTTP client and server),
//! and no secret key, token, cookie value or JWT key may appear in it.

mod common;
use common::mock::start_mock_with;

use axum::routing::get;
use axum::Router;
use clerk::api::CreateUserParams;
use clerk::testing::Fault;
use clerk::{Auth, ClerkLayer, Session};

use common::logs::capture_globally;

#[clerk::protect(role = "org:admin")]
async fn admin(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::with_session]
async fn home(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_any_log_line() {
    // Global: the runtime's worker threads and the mock's server tasks log too. This file
    // holds a single test, so nothing else installs a subscriber.
    let capture = capture_globally(tracing::Level::TRACE);

    let (mock, clerk) = start_mock_with(|b| {
        b.logging(true)
            .authorized_parties(["http://localhost:3000"])
    })
    .await;
    let valid = mock
        .token()
        .user("user_leak")
        .org("org_1", "org:member")
        .sign();
    let expired = mock.token().expired().sign();
    let forged = mock.token().sign_with(&mock.unpublished_key());
    let wrong_azp = mock.token().azp("https://evil.example").sign();

    // Verification, every outcome.
    for token in [&valid, &expired, &forged, &wrong_azp] {
        let _ = clerk.verify_token(token).await;
    }
    // Request authentication from header and cookie, over HTTP, through the macros.
    let app = Router::new()
        .route("/admin", get(admin))
        .route("/home", get(home))
        .layer(ClerkLayer::new(clerk.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::new();
    for token in [&valid, &expired, &forged, &wrong_azp] {
        for path in ["admin", "home"] {
            http.get(format!("{base}/{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            http.get(format!("{base}/{path}"))
                .header("cookie", format!("__client_uat=1; __session={token}"))
                .send()
                .await
                .unwrap();
        }
    }
    // JWKS failures (warnings), Backend API retries (debug events) and a 429 (warning).
    let cold = mock.clerk_builder().logging(true).build().unwrap();
    mock.fail_jwks_next(5, Fault::Status(503));
    let _ = cold.verify_token(&valid).await;
    let user = mock
        .create_user(&CreateUserParams {
            password: Some("hunter2-hunter2".into()),
            ..Default::default()
        })
        .unwrap();
    mock.inject_api_faults([
        Fault::Status(503),
        Fault::RateLimited {
            retry_after_secs: 0,
        },
    ]);
    // The 503 is retried; the 429 is not (it holds the instance back, here for 0 s).
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    let _ = clerk
        .users()
        .verify_password(&user.id, "hunter2-hunter2")
        .await;

    // Server-rendered paths: a handshake redirect, a nonce exchange, a server-side refresh
    // (an instance without `authorized_parties`: refreshed tokens carry the request origin).
    let pages = mock.clerk_builder().logging(true).build().unwrap();
    let app = Router::new()
        .route("/home", get(home))
        .layer(ClerkLayer::new(pages));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let rendered = mock.create_user(&CreateUserParams::default()).unwrap();
    let browser = mock.sign_in_browser(&rendered.id).unwrap();
    let expired_session = mock
        .token()
        .user(&rendered.id)
        .session(&browser.session_id)
        .expired()
        .sign();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let navigate = |url: String, cookie: String| {
        no_redirects
            .get(url)
            .header("accept", "text/html")
            .header("cookie", cookie)
            .send()
    };
    let refresh_cookie = format!(
        "__session={expired_session}; __client_uat=1; __clerk_db_jwt=dvb_leak; __refresh_{}={}",
        mock.cookie_suffix(),
        browser.refresh_token
    );
    let refreshed = navigate(format!("{base}/home"), refresh_cookie)
        .await
        .unwrap();
    let mut minted = session_cookies(&refreshed);
    assert!(!minted.is_empty(), "the refresh set a new session cookie");
    let handshake = navigate(
        format!("{base}/home"),
        format!("__session={expired_session}; __client_uat=1; __clerk_db_jwt=dvb_leak"),
    )
    .await
    .unwrap();
    assert_eq!(handshake.status(), 307);
    let to_frontend_api = format!(
        "{}/v1/client/handshake?redirect_url=http%3A%2F%2Fapp.test%2Fhome&format=nonce",
        mock.frontend_api_url()
    );
    let back = navigate(to_frontend_api, browser.client_cookie())
        .await
        .unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    let nonce = location
        .split("__clerk_handshake_nonce=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_owned();
    let resolved = navigate(
        format!("{base}/home?__clerk_handshake_nonce={nonce}"),
        "__clerk_db_jwt=dvb_leak".to_owned(),
    )
    .await
    .unwrap();
    minted.extend(session_cookies(&resolved));

    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    // The paths above did log (so the assertions below inspect something).
    for expected in [
        "clerk: signed out",
        "clerk: signed in",
        "JWKS fetch failed",
        "retrying a Backend API call",
        "rate-limited this instance",
        "clerk: handshake",
    ] {
        assert!(
            logs.contains(expected),
            "no `{expected}` event was captured"
        );
    }
    let pem_body: String = mock
        .jwt_key_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let mut secrets: Vec<(&str, String)> = vec![
        ("secret key", mock.secret_key().to_owned()),
        ("password", "hunter2-hunter2".to_owned()),
        ("JWT key", pem_body[..40].to_owned()),
    ];
    secrets.extend([
        ("refresh token", browser.refresh_token.clone()),
        ("client cookie", browser.client_token.clone()),
        ("handshake nonce", nonce.clone()),
    ]);
    let mut tokens = vec![
        ("valid token", &valid),
        ("expired token", &expired),
        ("forged token", &forged),
        ("wrong-azp token", &wrong_azp),
        ("expired session cookie", &expired_session),
    ];
    tokens.extend(minted.iter().map(|t| ("minted session token", t)));
    for (name, token) in tokens {
        // Any of its three segments would leak it.
        for segment in token.split('.') {
            secrets.push((name, segment.to_owned()));
        }
    }
    for (name, secret) in secrets {
        assert!(!logs.contains(&secret), "the {name} appears in the logs");
    }
}

/// The values of the `__session` cookies a response sets (empty ones, deletions, left out).
fn session_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("__session=")?
                .split(';')
                .next()
                .map(str::to_owned)
        })
        .filter(|v| !v.is_empty())
        .collect()
}
