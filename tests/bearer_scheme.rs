//! The `Authorization` scheme over real HTTP: only `Bearer` (case-sensitive, as in
//! `@clerk/backend`) carries a session token. Another scheme (`bearer`, `Basic`) keeps
//! Clerk's reason code, `session-token-and-uat-missing`, but the message says that a header
//! was sent and why it carried no token; `Bearer` alone is the literal token `Bearer`
//! (`token-invalid`); `Bearer <token>` signs in.

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, MachineAuth};

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
}

#[clerk::protect]
async fn me(auth: Auth) -> String {
    auth.user_id().unwrap_or_default().to_owned()
}

#[clerk::protect(accepts = [api_key])]
async fn machine(auth: MachineAuth) -> String {
    auth.subject().to_owned()
}

/// Serves `/me` and the API-key-only `/machine` on a loopback port; its base URL.
async fn serve(clerk: Clerk) -> String {
    let app = Router::new()
        .route("/me", get(me))
        .route("/machine", get(machine))
        .with_state(AppState { clerk });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// `GET /me` with `authorization`: the status, `x-clerk-auth-reason`,
/// `x-clerk-auth-message` and the body.
async fn get_me(base: &str, authorization: &str) -> (u16, String, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{base}/me"))
        .header("authorization", authorization)
        // The development browser a browser of a development instance has: without it,
        // `@clerk/backend` answers `dev-browser-missing` before reading the session.
        .header("cookie", "__clerk_db_jwt=dvb")
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (reason, message) = (
        header("x-clerk-auth-reason"),
        header("x-clerk-auth-message"),
    );
    let status = response.status().as_u16();
    (status, reason, message, response.text().await.unwrap())
}

const SCHEME_MESSAGE: &str =
    "The Authorization header's scheme is not `Bearer` (it is case-sensitive): no session token was read.";

#[tokio::test]
async fn only_the_bearer_scheme_carries_a_token_and_the_message_says_so() {
    let mock = MockClerk::start().await;
    let base = serve(mock.clerk()).await;
    let token = mock.token().user("user_1").sign();

    // The right header, for contrast.
    let (status, reason, message, body) = get_me(&base, &format!("Bearer {token}")).await;
    assert_eq!((status, body.as_str()), (200, "user_1"));
    assert_eq!((reason.as_str(), message.as_str()), ("", ""));

    // Lower-case `bearer`, and another scheme: Clerk's reason code, a message naming the
    // scheme (not "no session token in the Authorization header").
    for authorization in [format!("bearer {token}"), "Basic dXNlcjpwYXNz".to_owned()] {
        let (status, reason, message, _) = get_me(&base, &authorization).await;
        assert_eq!(status, 401, "{authorization}");
        assert_eq!(reason, "session-token-and-uat-missing", "{authorization}");
        // Clerk's header message: the message, then the reason code.
        assert_eq!(
            message,
            format!("{SCHEME_MESSAGE} (reason=session-token-and-uat-missing)"),
            "{authorization}"
        );
    }

    // `Bearer` with no token: the single word is the token (`token-invalid`, Clerk's own
    // message), as in `@clerk/backend`.
    let (status, reason, message, _) = get_me(&base, "Bearer").await;
    assert_eq!(status, 401);
    assert_eq!(reason, "token-invalid");
    assert_eq!(
        message,
        "Invalid JWT form. A JWT consists of three parts separated by dots. \
         (reason=token-invalid, token-carrier=header)"
    );

    // No header at all: the message is unchanged.
    let response = reqwest::Client::new()
        .get(format!("{base}/me"))
        .header("cookie", "__clerk_db_jwt=dvb")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["x-clerk-auth-reason"],
        "session-token-and-uat-missing"
    );
    assert_eq!(
        response.headers()["x-clerk-auth-message"],
        "No session token in the Authorization header or the __session cookie. \
         (reason=session-token-and-uat-missing)"
    );
}

#[tokio::test]
async fn a_machine_only_route_names_the_scheme_too() {
    let mock = MockClerk::start().await;
    let base = serve(mock.clerk()).await;
    let (_, key) = mock.create_api_key("user_1", &[], None);
    let machine = |authorization: String| {
        let base = base.clone();
        async move {
            let response = reqwest::Client::new()
                .get(format!("{base}/machine"))
                .header("authorization", authorization)
                .send()
                .await
                .unwrap();
            let message = response.headers()["x-clerk-auth-message"]
                .to_str()
                .unwrap()
                .to_owned();
            (response.status().as_u16(), message)
        }
    };
    let (status, message) = machine(format!("bearer {key}")).await;
    assert_eq!(status, 401);
    assert!(
        message.starts_with("The Authorization header's scheme is not `Bearer`"),
        "{message}"
    );
    let response = reqwest::Client::new()
        .get(format!("{base}/machine"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
