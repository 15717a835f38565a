//! The macros over HTTP on a small app, and state without a `Clerk`.
//!
//! Injected parameters in every position, with Path, Query, State and a Json body.

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
    // No credentials on a development instance: `@clerk/backend` checks the development
    // browser first.
    assert_eq!(r.headers()["x-clerk-auth-reason"], "dev-browser-missing");
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
        // A development browser (without one, a `dev-browser-missing` handshake first).
        .header("cookie", "__clerk_db_jwt=dvb")
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

#[derive(Deserialize)]
struct Page {
    q: String,
}

fn positions(
    at: &str,
    id: u32,
    page: &Page,
    state: &str,
    body: Value,
    user: Option<&str>,
    opt: Option<&Session>,
) -> Json<Value> {
    Json(
        json!({"at": at, "id": id, "q": page.q, "state": state, "body": body, "user": user, "opt": opt.map(|s| s.user_id())}),
    )
}

/// `positions` for a handler that was given a `Session`.
fn session_positions(
    at: &str,
    id: u32,
    page: &Page,
    state: &str,
    body: Value,
    session: &Session,
) -> Json<Value> {
    positions(
        at,
        id,
        page,
        state,
        body,
        Some(session.user_id()),
        Some(session),
    )
}

#[clerk::protect]
async fn pos_first(
    session: Session,
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    State(name): State<&'static str>,
    Json(body): Json<Value>,
) -> Json<Value> {
    session_positions("first", id, &page, name, body, &session)
}

#[clerk::require_session]
async fn pos_middle(
    Path(id): Path<u32>,
    auth: Auth,
    Query(page): Query<Page>,
    opt: Option<Session>,
    State(name): State<&'static str>,
    Json(body): Json<Value>,
) -> Json<Value> {
    positions(
        "middle",
        id,
        &page,
        name,
        body,
        auth.user_id(),
        opt.as_ref(),
    )
}

#[clerk::protect(role = "org:admin")]
async fn pos_before_body(
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    State(name): State<&'static str>,
    session: Session,
    Json(body): Json<Value>,
) -> Json<Value> {
    session_positions("before_body", id, &page, name, body, &session)
}

#[clerk::protect(permission = "org:invoices:create", on_error = on_error_async)]
async fn pos_after_body(
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    State(name): State<&'static str>,
    Json(body): Json<Value>,
    session: Session,
) -> Json<Value> {
    session_positions("after_body", id, &page, name, body, &session)
}

#[clerk::with_session(on_error = lax_sync)]
async fn pos_lax(
    Query(page): Query<Page>,
    State(name): State<&'static str>,
    auth: Auth,
    Path(id): Path<u32>,
    opt: Option<Session>,
    Json(body): Json<Value>,
) -> Json<Value> {
    positions("lax", id, &page, name, body, auth.user_id(), opt.as_ref())
}

#[tokio::test]
async fn injected_positions_and_body_untouched_on_rejection() {
    let mock = MockClerk::start().await;
    let app = Router::new()
        .route("/pos/first/{id}", post(pos_first))
        .route("/pos/middle/{id}", post(pos_middle))
        .route("/pos/before_body/{id}", post(pos_before_body))
        .route("/pos/after_body/{id}", post(pos_after_body))
        .route("/pos/lax/{id}", post(pos_lax))
        .with_state(AppState {
            clerk: mock.clerk(),
            name: "app",
        });
    let base = serve(app).await;
    let http = client();
    let full = mock
        .token()
        .user("user_full")
        .org("org_1", "org:admin")
        .permissions(&["org:invoices:create"])
        .sign();
    let plain = mock.token().user("user_plain").sign();
    let expired = mock.token().user("user_full").expired().sign();

    let missing = || Expect::unauthenticated(MISSING, None);
    for at in ["first", "middle", "before_body", "after_body", "lax"] {
        let url = format!("{base}/pos/{at}/7?q=hi");
        let ctx = |what: &str| format!("/pos/{at}: {what}");

        // Everything extracted, wherever the injected parameters sit.
        let reply = send(&http, "POST", &url, &bearer(&full), Some(r#"{"n":1}"#)).await;
        Expect::ok(json!({"at": at, "id": 7, "q": "hi", "state": "app", "body": {"n": 1}, "user": "user_full", "opt": "user_full"}))
            .check(&reply, &ctx("signed in"));

        // No token: the guard answers before the body (invalid JSON), the path (`abc`) or
        // the query (missing) is looked at; `with_session` runs the handler, whose
        // extractors then reject.
        for (what, url, body) in [
            ("invalid JSON body", url.clone(), "not json"),
            (
                "invalid path and query",
                format!("{base}/pos/{at}/abc"),
                "{}",
            ),
        ] {
            let reply = send(&http, "POST", &url, &[], Some(body)).await;
            match at {
                "lax" => assert_eq!(reply.status, 400, "{}", ctx(what)),
                "after_body" => Expect::custom("async", MISSING).check(&reply, &ctx(what)),
                _ => missing().check(&reply, &ctx(what)),
            }
        }

        // Signed in but not allowed: the guard still answers before the body.
        let reply = send(&http, "POST", &url, &bearer(&plain), Some("not json")).await;
        match at {
            "before_body" => Expect::forbidden().check(&reply, &ctx("forbidden, invalid JSON")),
            "after_body" => {
                Expect::custom("async", "forbidden").check(&reply, &ctx("forbidden, invalid JSON"))
            }
            _ => assert_eq!(reply.status, 400, "{}", ctx("allowed, invalid JSON")),
        }

        // An expired token: strict guards answer 401; `with_session(on_error = lax_sync)` halts.
        let reply = send(&http, "POST", &url, &bearer(&expired), Some("not json")).await;
        match at {
            "lax" => Expect::custom("sync", EXPIRED_POST).check(&reply, &ctx("expired, halted")),
            "after_body" => Expect::custom("async", EXPIRED_POST).check(&reply, &ctx("expired")),
            _ => Expect::unauthenticated(EXPIRED_POST, HEADER).check(&reply, &ctx("expired")),
        }

        // Allowed, invalid JSON: the body extractor runs and rejects.
        let reply = send(&http, "POST", &url, &bearer(&full), Some("not json")).await;
        assert_eq!(reply.status, 400, "{}", ctx("signed in, invalid JSON"));
    }

    // `with_session` signed out, valid body: the handler runs without a session.
    let reply = send(
        &http,
        "POST",
        &format!("{base}/pos/lax/3?q=x"),
        &[],
        Some("[]"),
    )
    .await;
    Expect::ok(json!({"at": "lax", "id": 3, "q": "x", "state": "app", "body": [], "user": null, "opt": null}))
        .check(&reply, "lax signed out");
}
