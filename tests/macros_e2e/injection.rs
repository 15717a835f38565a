//! Injected parameters in every position, with Path, Query, State and a Json body.

use super::*;

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
