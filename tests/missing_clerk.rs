//! A `Router<()>` route without `ClerkLayer` (and so without any `Clerk`) answers 500. With no
//! tracing subscriber installed, the fix is written to stderr once per process, however many
//! requests hit such routes. The server runs in a child process (this test binary again, with
//! `CLERK_TEST_MISSING_CLERK_CHILD` set) so that its stderr can be read whole.

use std::process::Command;

use axum::routing::get;
use axum::Router;
use clerk::{Auth, Session};

/// Set in the child process: run the server and the requests.
const CHILD: &str = "CLERK_TEST_MISSING_CLERK_CHILD";

/// The line that names the fix.
const FIX: &str = "add `.layer(clerk::ClerkLayer::new(clerk))` to the router, or put a `Clerk` in the router state";

#[clerk::protect]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

async fn plain(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

/// The child: a real server over HTTP, three requests to routes that have no `Clerk`.
#[tokio::test]
async fn child_serves_routes_without_a_clerk() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert!(
        !tracing::dispatcher::has_been_set(),
        "the child must run without a tracing subscriber"
    );
    let app: Router = Router::new()
        .route("/me", get(me))
        .route("/plain", get(plain));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let _server = tokio::spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::new();
    for path in ["/me", "/me", "/plain"] {
        let response = http
            .get(format!("http://{addr}{path}"))
            .header("authorization", "Bearer not-a-token")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 500, "{path}");
    }
}

#[test]
fn without_a_subscriber_the_fix_is_on_stderr_once() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args([
            "child_serves_routes_without_a_clerk",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child test did not run\n--- stdout\n{stdout}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(FIX)).collect();
    assert_eq!(
        lines.len(),
        1,
        "expected the fix once on stderr after three requests\n--- stderr\n{stderr}"
    );
    assert!(
        lines[0].starts_with("clerk: no `Clerk` for route `/me`"),
        "{}",
        lines[0]
    );
}
