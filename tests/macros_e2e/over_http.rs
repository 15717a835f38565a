//! The macros over HTTP on a small app, and state without a `Clerk`.

use super::*;

#[clerk::protect]
pub(super) async fn me(auth: Auth) -> Json<Value> {
    Json(json!({"user_id": auth.user_id()}))
}

#[clerk::with_session]
pub(super) async fn home(session: Option<Session>) -> String {
    match session {
        Some(s) => format!("hello {}", s.user_id()),
        None => "hello stranger".into(),
    }
}

#[clerk::require_session(on_error = unauthorized)]
async fn dashboard(session: Session) -> String {
    session.user_id().to_owned()
}

fn unauthorized(err: &AuthError) -> HttpError {
    HttpError::new(401, "Unauthorized")
        .with_data(json!({"error": "Unauthorized", "reason": err.reason()}))
}

#[clerk::protect(role = "org:admin")]
async fn admin(Path(id): Path<u32>, session: Session, Json(body): Json<Value>) -> Json<Value> {
    Json(json!({"id": id, "user": session.user_id(), "body": body}))
}

#[clerk::protect(any(role = "org:admin", permission = "org:invoices:create"), on_error = deny)]
async fn invoices(session: Session) -> String {
    session.user_id().to_owned()
}

async fn deny(err: &AuthError) -> HttpError {
    if err.is_authorization() {
        HttpError::new(404, "Not Found")
    } else {
        HttpError::new(401, "Sign in")
    }
}

#[clerk::with_session(on_error = halt_expired)]
async fn lax_custom(auth: Auth) -> String {
    format!("{:?}", auth.user_id())
}

fn halt_expired(err: &AuthError) -> Option<HttpError> {
    (err.reason() == "session-token-expired-refresh-non-eligible-no-refresh-cookie")
        .then(|| HttpError::new(419, "Session expired"))
}

#[clerk::protect(redirect_to_sign_in)]
async fn page(session: Session) -> String {
    session.user_id().to_owned()
}

#[clerk::require_session]
async fn with_state(State(name): State<&'static str>, session: Session) -> String {
    format!("{name}:{}", session.user_id())
}

#[tokio::test]
async fn macros_over_http() {
    let (mock, clerk) = start_mock().await;
    let app = Router::new()
        .route("/me", get(me))
        .route("/home", get(home))
        .route("/dashboard", get(dashboard))
        .route("/admin/{id}", post(admin))
        .route("/invoices", get(invoices))
        .route("/lax", get(lax_custom))
        .route("/page", get(page))
        .layer(ClerkLayer::new(clerk.clone()));
    let base = serve(app).await;
    let http = client();
    let token = mock.token().user("user_1").sign();
    let admin_token = mock
        .token()
        .user("user_admin")
        .org("org_1", "org:admin")
        .sign();
    let member_token = mock
        .token()
        .user("user_m")
        .org("org_1", "org:member")
        .permissions(&["org:invoices:read"])
        .sign();
    let expired = mock.token().user("user_1").expired().sign();

    let r = fetch(&http, format!("{base}/me")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["x-clerk-auth-reason"],
        "session-token-and-uat-missing"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Unauthenticated"})
    );

    let r = fetch_as(&http, format!("{base}/me"), &token).await;
    assert_json(r, 200, json!({"user_id": "user_1"})).await;

    let r = fetch(&http, format!("{base}/home")).await;
    assert_eq!(r.text().await.unwrap(), "hello stranger");
    let r = fetch_as(&http, format!("{base}/home"), &token).await;
    assert_eq!(r.text().await.unwrap(), "hello user_1");

    let r = fetch_as(&http, format!("{base}/dashboard"), &expired).await;
    assert_json(r, 401, json!({"error": "Unauthorized", "reason": "session-token-expired-refresh-non-eligible-no-refresh-cookie"})).await;

    // No token and an invalid JSON body: 401, not 422.
    let r = http
        .post(format!("{base}/admin/7"))
        .body("not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{base}/admin/7"))
        .bearer_auth(&token)
        .json(&json!({"a":1}))
        .send()
        .await
        .unwrap();
    assert_json(r, 403, json!({"error": "Forbidden"})).await;
    let r = http
        .post(format!("{base}/admin/7"))
        .bearer_auth(&admin_token)
        .json(&json!({"a":1}))
        .send()
        .await
        .unwrap();
    assert_json(
        r,
        200,
        json!({"id": 7, "user": "user_admin", "body": {"a": 1}}),
    )
    .await;

    let r = fetch_as(&http, format!("{base}/invoices"), &member_token).await;
    assert_eq!(r.status(), 404);
    let r = fetch(&http, format!("{base}/invoices")).await;
    assert_json(r, 401, json!({"error": "Sign in"})).await;
    let r = fetch_as(&http, format!("{base}/invoices"), &admin_token).await;
    assert_eq!(r.text().await.unwrap(), "user_admin");

    let r = fetch_as(&http, format!("{base}/lax"), &expired).await;
    assert_eq!(r.status(), 419);
    let r = fetch(&http, format!("{base}/lax")).await;
    assert_eq!(r.text().await.unwrap(), "None");

    let r = http
        .get(format!("{base}/page"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://mock-"), "{location}");
    assert!(
        location.contains(".accounts.dev/sign-in?redirect_url=http%3A%2F%2F127.0.0.1"),
        "{location}"
    );
    let r = http
        .get(format!("{base}/page"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn state_and_missing_clerk() {
    let mock = MockClerk::start().await;
    let app = Router::new()
        .route("/s", get(with_state))
        .with_state(AppState {
            clerk: mock.clerk(),
            name: "app",
        });
    let base = serve(app).await;
    let token = mock.token().user("user_s").sign();
    let r = client()
        .get(format!("{base}/s"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "app:user_s");

    let bare = serve(Router::new().route("/me", get(me))).await;
    let r = client()
        .get(format!("{bare}/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
}
