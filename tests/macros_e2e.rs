//! The attribute macros end to end: axum on 127.0.0.1:0, a real HTTP client, MockClerk.

mod common;
use common::serve;

use axum::extract::{FromRef, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use clerk::testing::MockClerk;
use clerk::{Auth, AuthError, Clerk, ClerkLayer, HttpError, Session};
use serde_json::{json, Value};

#[clerk::protect]
async fn me(auth: Auth) -> Json<Value> {
    Json(json!({"user_id": auth.user_id()}))
}

#[clerk::with_session]
async fn home(session: Option<Session>) -> String {
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

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
    name: &'static str,
}

#[clerk::require_session]
async fn with_state(State(name): State<&'static str>, session: Session) -> String {
    format!("{name}:{}", session.user_id())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn macros_over_http() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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

    let r = http.get(format!("{base}/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["x-clerk-auth-reason"],
        "session-token-and-uat-missing"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Unauthenticated"})
    );

    let r = http
        .get(format!("{base}/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"user_id": "user_1"})
    );

    let r = http.get(format!("{base}/home")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "hello stranger");
    let r = http
        .get(format!("{base}/home"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "hello user_1");

    let r = http
        .get(format!("{base}/dashboard"))
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Unauthorized", "reason": "session-token-expired-refresh-non-eligible-no-refresh-cookie"})
    );

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
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Forbidden"})
    );
    let r = http
        .post(format!("{base}/admin/7"))
        .bearer_auth(&admin_token)
        .json(&json!({"a":1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"id": 7, "user": "user_admin", "body": {"a": 1}})
    );

    let r = http
        .get(format!("{base}/invoices"))
        .bearer_auth(&member_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http.get(format!("{base}/invoices")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Sign in"})
    );
    let r = http
        .get(format!("{base}/invoices"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "user_admin");

    let r = http
        .get(format!("{base}/lax"))
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 419);
    let r = http.get(format!("{base}/lax")).send().await.unwrap();
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

// =======================================================================================
// The systematic matrix: every macro (with and without `on_error`, sync and async) and the
// plain extractors, against every credential case, over real HTTP.
// =======================================================================================

use axum::extract::Query;
use axum::http::StatusCode;
use clerk::testing::TokenBuilder;
use serde::Deserialize;

// ---------------------------------------------------------------------------------------
// handlers of the matrix

/// What a strict handler answers when it runs.
fn strict_body(auth: &Auth, session: &Session, opt: Option<&Session>) -> Json<Value> {
    Json(json!({
        "auth": auth.user_id(),
        "session": session.user_id(),
        "opt": opt.map(|s| s.user_id()),
        "status": auth.session_status(),
    }))
}

/// What a lax handler answers when it runs.
fn lax_body(auth: &Auth, opt: Option<&Session>) -> Json<Value> {
    Json(json!({
        "auth": auth.user_id(),
        "opt": opt.map(|s| s.user_id()),
        "status": auth.session_status(),
    }))
}

/// The body of every custom `on_error` answer: what the handler was told.
fn custom_error(kind: &'static str, err: &AuthError) -> HttpError {
    let status = match (err.is_authorization(), kind) {
        (true, _) => 404,
        (false, "sync") => 401,
        (false, _) => 419,
    };
    HttpError::new(status, "custom").with_data(json!({
        "on_error": kind,
        "reason": err.reason(),
        "authentication": err.is_authentication(),
        "authorization": err.is_authorization(),
        "missing_token": err.is_missing_token(),
    }))
}

fn on_error_sync(err: &AuthError) -> HttpError {
    custom_error("sync", err)
}

async fn on_error_async(err: &AuthError) -> HttpError {
    tokio::task::yield_now().await;
    custom_error("async", err)
}

/// Halts unless the request carried no credentials at all.
fn lax_sync(err: &AuthError) -> Option<HttpError> {
    (!err.is_missing_token()).then(|| custom_error("sync", err))
}

/// Halts unless the request carried no credentials or its session is pending.
async fn lax_async(err: &AuthError) -> Option<HttpError> {
    tokio::task::yield_now().await;
    (!err.is_missing_token() && err.reason() != "session-pending")
        .then(|| custom_error("async", err))
}

#[clerk::protect]
async fn m_protect(auth: Auth, session: Session, opt: Option<Session>) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::protect(on_error = on_error_sync)]
async fn m_protect_sync(session: Session, opt: Option<Session>, auth: Auth) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::protect(on_error = on_error_async)]
async fn m_protect_async(opt: Option<Session>, auth: Auth, session: Session) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::require_session]
async fn m_require(auth: Auth, session: Session, opt: Option<Session>) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::require_session(on_error = on_error_sync)]
async fn m_require_sync(session: Session, auth: Auth, opt: Option<Session>) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::require_session(on_error = on_error_async)]
async fn m_require_async(opt: Option<Session>, session: Session, auth: Auth) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::with_session]
async fn m_with(auth: Auth, opt: Option<Session>) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

#[clerk::with_session(on_error = lax_sync)]
async fn m_with_sync(opt: Option<Session>, auth: Auth) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

#[clerk::with_session(on_error = lax_async)]
async fn m_with_async(auth: Auth, opt: Option<Session>) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

/// The extractors of extract.rs, without any macro.
async fn plain_session(auth: Auth, session: Session, opt: Option<Session>) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

async fn plain_auth(auth: Auth, opt: Option<Session>) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `protect`, `require_session`, the `Session` extractor.
    Strict,
    /// `with_session`, the `Auth`/`Option<Session>` extractors.
    Lax,
}

#[derive(Clone, Copy, Debug)]
struct Variant {
    path: &'static str,
    kind: Kind,
    /// `None`: the default answer; `Some("sync" | "async")`: the custom `on_error`.
    on_error: Option<&'static str>,
}

const VARIANTS: [Variant; 11] = [
    Variant {
        path: "/m/protect",
        kind: Kind::Strict,
        on_error: None,
    },
    Variant {
        path: "/m/protect_sync",
        kind: Kind::Strict,
        on_error: Some("sync"),
    },
    Variant {
        path: "/m/protect_async",
        kind: Kind::Strict,
        on_error: Some("async"),
    },
    Variant {
        path: "/m/require",
        kind: Kind::Strict,
        on_error: None,
    },
    Variant {
        path: "/m/require_sync",
        kind: Kind::Strict,
        on_error: Some("sync"),
    },
    Variant {
        path: "/m/require_async",
        kind: Kind::Strict,
        on_error: Some("async"),
    },
    Variant {
        path: "/m/with",
        kind: Kind::Lax,
        on_error: None,
    },
    Variant {
        path: "/m/with_sync",
        kind: Kind::Lax,
        on_error: Some("sync"),
    },
    Variant {
        path: "/m/with_async",
        kind: Kind::Lax,
        on_error: Some("async"),
    },
    Variant {
        path: "/m/plain_session",
        kind: Kind::Strict,
        on_error: None,
    },
    Variant {
        path: "/m/plain_auth",
        kind: Kind::Lax,
        on_error: None,
    },
];

/// The matrix handlers on GET and POST, for any state that may carry a `Clerk`.
fn matrix_routes<S>() -> Router<S>
where
    S: clerk::axum::ClerkFromState + Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/m/protect", get(m_protect).post(m_protect))
        .route("/m/protect_sync", get(m_protect_sync).post(m_protect_sync))
        .route(
            "/m/protect_async",
            get(m_protect_async).post(m_protect_async),
        )
        .route("/m/require", get(m_require).post(m_require))
        .route("/m/require_sync", get(m_require_sync).post(m_require_sync))
        .route(
            "/m/require_async",
            get(m_require_async).post(m_require_async),
        )
        .route("/m/with", get(m_with).post(m_with))
        .route("/m/with_sync", get(m_with_sync).post(m_with_sync))
        .route("/m/with_async", get(m_with_async).post(m_with_async))
        .route("/m/plain_session", get(plain_session).post(plain_session))
        .route("/m/plain_auth", get(plain_auth).post(plain_auth))
}

// ---------------------------------------------------------------------------------------
// requests, replies, expectations

type Headers = Vec<(&'static str, String)>;

fn bearer(token: &str) -> Headers {
    vec![("authorization", format!("Bearer {token}"))]
}

fn cookies(pairs: &[(&str, &str)]) -> Headers {
    let value = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    vec![("cookie", value)]
}

/// Signs with the instance key (or `key`) and returns the token with its `iat`.
fn mint(builder: TokenBuilder, key: Option<&clerk::testing::MockKey>) -> (String, String) {
    let iat = builder.claims()["iat"].as_i64().expect("iat").to_string();
    let token = match key {
        Some(key) => builder.sign_with(key),
        None => builder.sign(),
    };
    (token, iat)
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    text: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("visible ASCII header"))
    }

    fn json(&self, ctx: &str) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("{ctx}: body is not JSON ({e}): {:?}", self.text))
    }
}

/// The JWTs (and their signatures) a request carries: none of them may come back.
fn secrets_of(headers: &[(&'static str, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (_, value) in headers {
        for piece in value.split([' ', ';', '=']) {
            if piece.len() > 40 && piece.matches('.').count() == 2 {
                out.push(piece.to_owned());
                out.push(piece.rsplit('.').next().unwrap().to_owned());
            }
        }
    }
    out
}

async fn send(
    http: &reqwest::Client,
    method: &str,
    url: &str,
    headers: &[(&'static str, String)],
    json_body: Option<&str>,
) -> Reply {
    let mut req = http.request(method.parse::<reqwest::Method>().unwrap(), url);
    for (name, value) in headers {
        req = req.header(*name, value.as_str());
    }
    if let Some(body) = json_body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let reply = Reply {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap(),
    };
    for secret in secrets_of(headers) {
        assert!(
            !reply.text.contains(&secret),
            "{method} {url}: the body leaks the token: {}",
            reply.text
        );
        for (name, value) in &reply.headers {
            assert!(
                !String::from_utf8_lossy(value.as_bytes()).contains(&secret),
                "{method} {url}: header {name} leaks the token"
            );
        }
    }
    reply
}

/// What a request should get.
#[derive(Clone, Debug)]
struct Expect {
    status: u16,
    body: Value,
    /// The `x-clerk-auth-reason` of a default 401 and the expected end of
    /// `x-clerk-auth-message` (`None`: no message header); `None`: no `x-clerk-auth-*`.
    auth: Option<(&'static str, Option<String>)>,
}

impl Expect {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            auth: None,
        }
    }

    fn unauthenticated(reason: &'static str, carrier: Option<&str>) -> Self {
        let suffix = match carrier {
            Some(c) => format!(" (reason={reason}, token-carrier={c})"),
            None => format!(" (reason={reason})"),
        };
        Self {
            status: 401,
            body: json!({"error": "Unauthenticated"}),
            auth: Some((reason, Some(suffix))),
        }
    }

    fn pending() -> Self {
        Self {
            status: 401,
            body: json!({"error": "Unauthenticated"}),
            auth: Some(("session-pending", None)),
        }
    }

    fn forbidden() -> Self {
        Self {
            status: 403,
            body: json!({"error": "Forbidden"}),
            auth: None,
        }
    }

    fn not_configured() -> Self {
        Self {
            status: 500,
            body: json!({"error": "Internal Server Error"}),
            auth: None,
        }
    }

    /// The answer of `custom_error`.
    fn custom(kind: &str, reason: &str) -> Self {
        let authorization = reason == "forbidden";
        let status = match (authorization, kind) {
            (true, _) => 404,
            (false, "sync") => 401,
            (false, _) => 419,
        };
        Self {
            status,
            body: json!({
                "on_error": kind,
                "reason": reason,
                "authentication": !authorization,
                "authorization": authorization,
                "missing_token": reason == "session-token-and-uat-missing",
            }),
            auth: None,
        }
    }

    #[track_caller]
    fn check(&self, reply: &Reply, ctx: &str) {
        assert_eq!(
            reply.status, self.status,
            "{ctx}: status (body {:?})",
            reply.text
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{ctx}: content-type"
        );
        assert_eq!(reply.json(ctx), self.body, "{ctx}: body");
        match &self.auth {
            Some((reason, message)) => {
                assert_eq!(
                    reply.header("x-clerk-auth-status"),
                    Some("signed-out"),
                    "{ctx}"
                );
                assert_eq!(reply.header("x-clerk-auth-reason"), Some(*reason), "{ctx}");
                match message {
                    Some(suffix) => {
                        let got = reply.header("x-clerk-auth-message").unwrap_or_default();
                        assert!(
                            got.ends_with(suffix.as_str()) && got.len() > suffix.len(),
                            "{ctx}: x-clerk-auth-message {got:?}"
                        );
                    }
                    None => assert_eq!(reply.header("x-clerk-auth-message"), None, "{ctx}"),
                }
            }
            None => {
                for name in [
                    "x-clerk-auth-status",
                    "x-clerk-auth-reason",
                    "x-clerk-auth-message",
                ] {
                    assert_eq!(reply.header(name), None, "{ctx}: unexpected {name}");
                }
            }
        }
    }
}

/// How `authenticate_request` decides a credential case.
#[derive(Clone, Debug)]
enum Outcome {
    /// Signed in as this user, with this session status.
    In(&'static str, &'static str),
    /// Signed out with this reason and token carrier.
    Out(&'static str, Option<&'static str>),
    /// A valid token of a pending session (treated as signed out).
    Pending,
}

fn expected(v: &Variant, outcome: &Outcome) -> Expect {
    let (reason, carrier) = match *outcome {
        Outcome::In(user, status) => {
            return Expect::ok(match v.kind {
                Kind::Strict => {
                    json!({"auth": user, "session": user, "opt": user, "status": status})
                }
                Kind::Lax => json!({"auth": user, "opt": user, "status": status}),
            })
        }
        Outcome::Out(reason, carrier) => (reason, carrier),
        Outcome::Pending => ("session-pending", None),
    };
    let pending = matches!(outcome, Outcome::Pending);
    let missing = reason == "session-token-and-uat-missing";
    let signed_out = || {
        let status = if pending {
            json!("pending")
        } else {
            Value::Null
        };
        Expect::ok(json!({"auth": null, "opt": null, "status": status}))
    };
    match (v.kind, v.on_error) {
        (Kind::Strict, None) if pending => Expect::pending(),
        (Kind::Strict, None) => Expect::unauthenticated(reason, carrier),
        (Kind::Strict, Some(kind)) => Expect::custom(kind, reason),
        (Kind::Lax, None) => signed_out(),
        (Kind::Lax, Some("sync")) if missing => signed_out(),
        (Kind::Lax, Some("async")) if missing || pending => signed_out(),
        (Kind::Lax, Some(kind)) => Expect::custom(kind, reason),
    }
}

struct Case {
    name: &'static str,
    method: &'static str,
    headers: Headers,
    outcome: Outcome,
}

fn case(name: &'static str, method: &'static str, headers: Headers, outcome: Outcome) -> Case {
    Case {
        name,
        method,
        headers,
        outcome,
    }
}

const MISSING: &str = "session-token-and-uat-missing";
const EXPIRED_GET: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";
const EXPIRED_POST: &str = "session-token-expired-refresh-non-eligible-non-get";
const HEADER: Option<&str> = Some("header");
const COOKIE: Option<&str> = Some("cookie");

/// Every credential case against the default configuration of the mock.
fn credential_cases(mock: &MockClerk, suffix: &str) -> Vec<Case> {
    use Outcome::{In, Out, Pending};
    let s_session = format!("__session_{suffix}");
    let s_uat = format!("__client_uat_{suffix}");
    let (s_session, s_uat) = (s_session.as_str(), s_uat.as_str());
    let unpublished = mock.unpublished_key();

    let (tok, _) = mint(mock.token().user("user_hdr"), None);
    let (ctok, ciat) = mint(mock.token().user("user_cookie"), None);
    let earlier = (ciat.parse::<i64>().unwrap() - 3600).to_string();
    let later = (ciat.parse::<i64>().unwrap() + 10).to_string();
    let (exp, exp_iat) = mint(mock.token().user("user_exp").expired(), None);
    // `sign_with` keeps the header's `kid` (the published one): name the unpublished key's own.
    let (unknown_kid, uk_iat) = mint(
        mock.token()
            .user("user_forged")
            .header("kid", unpublished.kid()),
        Some(&unpublished),
    );
    let (bad_sig, bs_iat) = mint(
        mock.token()
            .user("user_forged")
            .header("kid", mock.current_kid()),
        Some(&unpublished),
    );
    let (pend, pend_iat) = mint(mock.token().user("user_pending").pending(), None);
    let (template, t_iat) = mint(
        mock.token()
            .user("user_tpl")
            .header("cat", "cl_B7d4PD222AAA"),
        None,
    );

    let mut two_cookie_headers = cookies(&[("__session", &ctok)]);
    two_cookie_headers.extend(cookies(&[("__client_uat", &ciat)]));
    let mut bad_header_good_cookie = bearer(&bad_sig);
    bad_header_good_cookie.extend(cookies(&[("__session", &ctok), ("__client_uat", &ciat)]));

    vec![
        case("no credentials", "GET", vec![], Out(MISSING, None)),
        case("no credentials", "POST", vec![], Out(MISSING, None)),
        case(
            "valid bearer",
            "GET",
            bearer(&tok),
            In("user_hdr", "active"),
        ),
        case(
            "valid bearer",
            "POST",
            bearer(&tok),
            In("user_hdr", "active"),
        ),
        case(
            "scheme-less Authorization",
            "GET",
            vec![("authorization", tok.clone())],
            In("user_hdr", "active"),
        ),
        case(
            "lower-case `bearer` is no header token",
            "GET",
            vec![("authorization", format!("bearer {tok}"))],
            Out(MISSING, None),
        ),
        case(
            "malformed bearer",
            "GET",
            bearer("not-a-jwt"),
            Out("token-invalid", HEADER),
        ),
        case(
            "__session + __client_uat=iat",
            "GET",
            cookies(&[("__session", &ctok), ("__client_uat", &ciat)]),
            In("user_cookie", "active"),
        ),
        case(
            "__session + earlier __client_uat",
            "GET",
            cookies(&[("__client_uat", &earlier), ("__session", &ctok)]),
            In("user_cookie", "active"),
        ),
        case(
            "__session + __client_uat=iat",
            "POST",
            cookies(&[("__session", &ctok), ("__client_uat", &ciat)]),
            In("user_cookie", "active"),
        ),
        case(
            "__session and __client_uat in two Cookie headers",
            "GET",
            two_cookie_headers,
            In("user_cookie", "active"),
        ),
        case(
            "suffixed cookies",
            "GET",
            cookies(&[(s_session, &ctok), (s_uat, &ciat)]),
            In("user_cookie", "active"),
        ),
        case(
            "suffixed cookies, earlier uat",
            "POST",
            cookies(&[(s_session, &ctok), (s_uat, &earlier)]),
            In("user_cookie", "active"),
        ),
        case(
            "suffixed cookies win over stale unsuffixed ones",
            "GET",
            cookies(&[
                ("__session", &exp),
                ("__client_uat", &exp_iat),
                (s_session, &ctok),
                (s_uat, &ciat),
            ]),
            In("user_cookie", "active"),
        ),
        case(
            "expired bearer",
            "GET",
            bearer(&exp),
            Out(EXPIRED_GET, HEADER),
        ),
        case(
            "expired bearer",
            "POST",
            bearer(&exp),
            Out(EXPIRED_POST, HEADER),
        ),
        case(
            "expired cookie",
            "GET",
            cookies(&[("__session", &exp), ("__client_uat", &exp_iat)]),
            Out(EXPIRED_GET, COOKIE),
        ),
        case(
            "expired cookie",
            "POST",
            cookies(&[("__session", &exp), ("__client_uat", &exp_iat)]),
            Out(EXPIRED_POST, COOKIE),
        ),
        case(
            "expired suffixed cookie",
            "POST",
            cookies(&[(s_session, &exp), (s_uat, &exp_iat)]),
            Out(EXPIRED_POST, COOKIE),
        ),
        case(
            "unpublished key (unknown kid), bearer",
            "GET",
            bearer(&unknown_kid),
            Out("jwk-kid-mismatch", HEADER),
        ),
        case(
            "unpublished key (unknown kid), cookie",
            "GET",
            cookies(&[("__session", &unknown_kid), ("__client_uat", &uk_iat)]),
            Out("jwk-kid-mismatch", COOKIE),
        ),
        case(
            "published kid, wrong key, bearer",
            "GET",
            bearer(&bad_sig),
            Out("token-invalid-signature", HEADER),
        ),
        case(
            "published kid, wrong key, suffixed cookie",
            "POST",
            cookies(&[(s_session, &bad_sig), (s_uat, &bs_iat)]),
            Out("token-invalid-signature", COOKIE),
        ),
        case(
            "an invalid header token beats a valid cookie",
            "GET",
            bad_header_good_cookie,
            Out("token-invalid-signature", HEADER),
        ),
        case("pending session, bearer", "GET", bearer(&pend), Pending),
        case(
            "pending session, cookie",
            "POST",
            cookies(&[("__session", &pend), ("__client_uat", &pend_iat)]),
            Pending,
        ),
        case(
            "JWT template token, bearer",
            "GET",
            bearer(&template),
            Out("token-type-mismatch", HEADER),
        ),
        case(
            "JWT template token, cookie",
            "GET",
            cookies(&[("__session", &template), ("__client_uat", &t_iat)]),
            Out("token-type-mismatch", COOKIE),
        ),
        case(
            "__session without __client_uat",
            "GET",
            cookies(&[("__session", &ctok)]),
            Out("session-token-but-no-client-uat", None),
        ),
        case(
            "__client_uat=0 counts as absent",
            "GET",
            cookies(&[("__session", &ctok), ("__client_uat", "0")]),
            Out("session-token-but-no-client-uat", None),
        ),
        case(
            "__client_uat without __session",
            "GET",
            cookies(&[("__client_uat", &ciat)]),
            Out("client-uat-but-no-session-token", None),
        ),
        case(
            "cookie issued before __client_uat",
            "GET",
            cookies(&[("__session", &ctok), ("__client_uat", &later)]),
            Out("session-token-iat-before-client-uat", COOKIE),
        ),
    ]
}

/// Runs every case against every variant on this server; returns the number of requests.
async fn run_matrix(http: &reqwest::Client, base: &str, label: &str, cases: &[Case]) -> usize {
    let mut n = 0;
    for case in cases {
        for v in &VARIANTS {
            let reply = send(
                http,
                case.method,
                &format!("{base}{}", v.path),
                &case.headers,
                None,
            )
            .await;
            let ctx = format!("[{label}] {} {} — {}", case.method, v.path, case.name);
            expected(v, &case.outcome).check(&reply, &ctx);
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn credential_matrix_over_layer_and_state() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let suffix = clerk
        .publishable_key()
        .expect("the mock sets a publishable key")
        .cookie_suffix();
    let layer = serve(matrix_routes().layer(ClerkLayer::new(clerk.clone()))).await;
    let state = serve(matrix_routes().with_state(AppState {
        clerk: clerk.clone(),
        name: "app",
    }))
    .await;
    let cases = credential_cases(&mock, &suffix);
    // The leak check of `send` does see the tokens of headers and cookies.
    let sample = mock.token().sign();
    assert_eq!(
        secrets_of(&bearer(&sample)),
        [
            sample.clone(),
            sample.rsplit('.').next().unwrap().to_owned()
        ]
    );
    assert_eq!(
        secrets_of(&cookies(&[("__client_uat", "1"), ("__session", &sample)])).len(),
        2
    );
    let http = client();
    let mut n = run_matrix(&http, &layer, "layer", &cases).await;
    n += run_matrix(&http, &state, "state", &cases).await;
    eprintln!(
        "credential matrix: {} cases x {} variants x 2 routers = {n} requests",
        cases.len(),
        VARIANTS.len()
    );
}

#[tokio::test]
async fn authorized_parties_and_pending_configurations() {
    use Outcome::{In, Out};
    let mock = MockClerk::start().await;
    let azp_clerk = mock
        .clerk_builder()
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap();
    let suffix = azp_clerk.publishable_key().unwrap().cookie_suffix();
    let azp = serve(matrix_routes().with_state(AppState {
        clerk: azp_clerk,
        name: "azp",
    }))
    .await;

    let (default_azp, d_iat) = mint(mock.token().user("user_web"), None);
    let (no_azp, _) = mint(mock.token().user("user_web").without_claim("azp"), None);
    let (right, r_iat) = mint(
        mock.token().user("user_app").azp("https://app.example.com"),
        None,
    );
    let (slash, _) = mint(
        mock.token()
            .user("user_app")
            .azp("https://app.example.com/"),
        None,
    );
    let (expired_wrong, _) = mint(mock.token().user("user_web").expired(), None);
    let (s_session, s_uat) = (
        format!("__session_{suffix}"),
        format!("__client_uat_{suffix}"),
    );
    let azp_cases = vec![
        case(
            "wrong azp, bearer",
            "GET",
            bearer(&default_azp),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "wrong azp, cookie",
            "POST",
            cookies(&[("__session", &default_azp), ("__client_uat", &d_iat)]),
            Out("token-invalid-authorized-parties", COOKIE),
        ),
        case(
            "missing azp",
            "GET",
            bearer(&no_azp),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "azp with a trailing slash",
            "GET",
            bearer(&slash),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "wrong azp is checked before expiry",
            "GET",
            bearer(&expired_wrong),
            Out("token-invalid-authorized-parties", HEADER),
        ),
        case(
            "authorized azp, bearer",
            "GET",
            bearer(&right),
            In("user_app", "active"),
        ),
        case(
            "authorized azp, suffixed cookie",
            "GET",
            cookies(&[(&s_session, &right), (&s_uat, &r_iat)]),
            In("user_app", "active"),
        ),
    ];

    // `treat_pending_as_signed_out(false)`: a pending session is signed in everywhere.
    let lenient = mock
        .clerk_builder()
        .treat_pending_as_signed_out(false)
        .build()
        .unwrap();
    let pending_ok = serve(matrix_routes().layer(ClerkLayer::new(lenient))).await;
    let (pend, p_iat) = mint(mock.token().user("user_pending").pending(), None);
    let pending_cases = vec![
        case(
            "pending counts as signed in, bearer",
            "GET",
            bearer(&pend),
            In("user_pending", "pending"),
        ),
        case(
            "pending counts as signed in, cookie",
            "POST",
            cookies(&[("__session", &pend), ("__client_uat", &p_iat)]),
            In("user_pending", "pending"),
        ),
    ];

    let http = client();
    let n = run_matrix(&http, &azp, "azp", &azp_cases).await
        + run_matrix(&http, &pending_ok, "pending-ok", &pending_cases).await;
    eprintln!("azp/pending matrix: {n} requests");
}

#[tokio::test]
async fn layer_wins_over_state_and_missing_clerk_is_500() {
    let mock = MockClerk::start().await;
    let azp_clerk = mock
        .clerk_builder()
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap();
    // The state's Clerk would refuse the default `azp`; the layer's accepts it.
    let both = serve(
        matrix_routes()
            .with_state(AppState {
                clerk: azp_clerk,
                name: "state",
            })
            .layer(ClerkLayer::new(mock.clerk())),
    )
    .await;
    let bare = serve(
        matrix_routes()
            .route("/az/role", get(az_role))
            .route("/r/page", get(r_page))
            .route("/me", get(me))
            .route("/home", get(home)),
    )
    .await;
    let http = client();
    let token = mock.token().user("user_l").sign();
    for v in &VARIANTS {
        let reply = send(
            &http,
            "GET",
            &format!("{both}{}", v.path),
            &bearer(&token),
            None,
        )
        .await;
        expected(v, &Outcome::In("user_l", "active"))
            .check(&reply, &format!("layer wins {}", v.path));
    }
    let paths: Vec<&str> = VARIANTS
        .iter()
        .map(|v| v.path)
        .chain(["/az/role", "/r/page", "/me", "/home"])
        .collect();
    let html = vec![("accept", "text/html".to_owned())];
    for path in &paths {
        for headers in [vec![], bearer(&token), html.clone()] {
            let reply = send(&http, "GET", &format!("{bare}{path}"), &headers, None).await;
            Expect::not_configured().check(&reply, &format!("no Clerk {path} {headers:?}"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// authorization checks of `protect`

#[clerk::protect(role = "org:admin")]
async fn az_role(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(permission = "org:invoices:create")]
async fn az_permission(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(feature = "premium")]
async fn az_feature(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(feature = "user:premium")]
async fn az_feature_user(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(feature = "org:sso")]
async fn az_feature_org(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(plan = "pro")]
async fn az_plan(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(plan = "org:team")]
async fn az_plan_org(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(any(role = "org:admin", permission = "org:invoices:create"))]
async fn az_any(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(all(role = "org:member", permission = "org:invoices:read"))]
async fn az_all(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(role = "org:admin", plan = "org:team")]
async fn az_and(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(any(all(role = "org:admin", feature = "org:sso"), plan = "pro"))]
async fn az_nested(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(reverification = "strict")]
async fn az_reverify(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(role = "org:admin", on_error = on_error_sync)]
async fn az_sync(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}
#[clerk::protect(any(permission = "org:invoices:create", plan = "pro"), on_error = on_error_async)]
async fn az_async(auth: Auth) -> Json<Value> {
    Json(json!({"user": auth.user_id()}))
}
#[clerk::protect(redirect_to_sign_in, role = "org:admin")]
async fn az_redirect(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}

#[tokio::test]
async fn authorization_matrix() {
    let mock = MockClerk::start().await;
    let app = Router::new()
        .route("/az/role", get(az_role))
        .route("/az/permission", get(az_permission))
        .route("/az/feature", get(az_feature))
        .route("/az/feature_user", get(az_feature_user))
        .route("/az/feature_org", get(az_feature_org))
        .route("/az/plan", get(az_plan))
        .route("/az/plan_org", get(az_plan_org))
        .route("/az/any", get(az_any))
        .route("/az/all", get(az_all))
        .route("/az/and", get(az_and))
        .route("/az/nested", get(az_nested))
        .route("/az/reverify", get(az_reverify))
        .route("/az/sync", get(az_sync))
        .route("/az/async", get(az_async))
        .route("/az/redirect", get(az_redirect))
        .layer(ClerkLayer::new(mock.clerk()));
    let base = serve(app).await;
    let http = client();

    let t = |user: &str| mock.token().user(user);
    let tokens: Vec<(&str, String)> = vec![
        ("plain", t("plain").sign()),
        ("admin", t("admin").org("org_1", "org:admin").sign()),
        (
            "member_read",
            t("member_read")
                .org("org_1", "org:member")
                .permissions(&["org:invoices:read"])
                .sign(),
        ),
        (
            "member_create",
            t("member_create")
                .org("org_1", "org:member")
                .permissions(&["org:invoices:create"])
                .sign(),
        ),
        (
            "premium_user",
            t("premium_user").features("u:premium").sign(),
        ),
        (
            "sso_admin",
            t("sso_admin")
                .org("org_1", "admin")
                .features("o:sso")
                .sign(),
        ),
        (
            "org_premium",
            t("org_premium")
                .org("org_1", "org:member")
                .features("o:premium")
                .sign(),
        ),
        ("pro_user", t("pro_user").plans("u:pro").sign()),
        (
            "team_admin",
            t("team_admin")
                .org("org_1", "org:admin")
                .plans("o:team")
                .sign(),
        ),
        (
            "team_member",
            t("team_member")
                .org("org_1", "org:member")
                .plans("o:team")
                .sign(),
        ),
        (
            "stale_first",
            t("stale_first")
                .org("org_1", "org:admin")
                .factor_ages(30, -1)
                .sign(),
        ),
        ("stale_second", t("stale_second").factor_ages(0, 30).sign()),
        ("fresh_second", t("fresh_second").factor_ages(30, 5).sign()),
    ];
    let all_but = |excluded: &[&str]| -> Vec<&str> {
        tokens
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !excluded.contains(n))
            .collect()
    };
    // (route, who may pass, the answer to the others, the answer without a token)
    let table: Vec<(&str, Vec<&str>, Expect, Expect)> = vec![
        (
            "/az/role",
            vec!["admin", "sso_admin", "team_admin", "stale_first"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/permission",
            vec!["member_create"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/feature",
            vec!["premium_user", "org_premium"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/feature_user",
            vec!["premium_user"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/feature_org",
            vec!["sso_admin"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/plan",
            vec!["pro_user"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/plan_org",
            vec!["team_admin", "team_member"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/any",
            vec![
                "admin",
                "sso_admin",
                "team_admin",
                "stale_first",
                "member_create",
            ],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/all",
            vec!["member_read"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/and",
            vec!["team_admin"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/nested",
            vec!["sso_admin", "pro_user"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/reverify",
            all_but(&["stale_first", "stale_second"]),
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
        (
            "/az/sync",
            vec!["admin", "sso_admin", "team_admin", "stale_first"],
            Expect::custom("sync", "forbidden"),
            Expect::custom("sync", MISSING),
        ),
        (
            "/az/async",
            vec!["member_create", "pro_user"],
            Expect::custom("async", "forbidden"),
            Expect::custom("async", MISSING),
        ),
        // A signed-in browser that lacks the role gets 403, never a redirect to sign in.
        (
            "/az/redirect",
            vec!["admin", "sso_admin", "team_admin", "stale_first"],
            Expect::forbidden(),
            Expect::unauthenticated(MISSING, None),
        ),
    ];
    let mut n = 0;
    for (route, allowed, denied, anonymous) in &table {
        let url = format!("{base}{route}");
        for (name, token) in &tokens {
            let mut headers = bearer(token);
            headers.push(("accept", "text/html".into()));
            let reply = send(&http, "GET", &url, &headers, None).await;
            let expect = if allowed.contains(name) {
                Expect::ok(json!({"user": name}))
            } else {
                denied.clone()
            };
            expect.check(&reply, &format!("{route} as {name}"));
            n += 1;
        }
        let reply = send(
            &http,
            "GET",
            &url,
            &[("accept", "application/json".into())],
            None,
        )
        .await;
        anonymous.check(&reply, &format!("{route} without a token"));
        n += 1;
    }
    // A pending session is unauthenticated, not forbidden, even with the right role.
    let pending_admin = mock
        .token()
        .user("p")
        .org("org_1", "org:admin")
        .pending()
        .sign();
    let reply = send(
        &http,
        "GET",
        &format!("{base}/az/role"),
        &bearer(&pending_admin),
        None,
    )
    .await;
    Expect::pending().check(&reply, "pending admin");
    let reply = send(
        &http,
        "GET",
        &format!("{base}/az/sync"),
        &bearer(&pending_admin),
        None,
    )
    .await;
    Expect::custom("sync", "session-pending").check(&reply, "pending admin, custom on_error");
    eprintln!(
        "authorization matrix: {} routes x {} tokens (+ anonymous) = {n} requests",
        table.len(),
        tokens.len()
    );
}

// ---------------------------------------------------------------------------------------
// protect(redirect_to_sign_in)

#[clerk::protect(redirect_to_sign_in)]
async fn r_page(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}

#[clerk::protect(redirect_to_sign_in, on_error = tuple_on_error)]
async fn r_custom(session: Session) -> Json<Value> {
    Json(json!({"user": session.user_id()}))
}

/// Any `IntoResponse` will do as the answer of `on_error`.
fn tuple_on_error(err: &AuthError) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    (
        StatusCode::UNAUTHORIZED,
        [("www-authenticate", "Bearer")],
        format!("sign in ({})", err.reason()),
    )
}

/// The `Location` of a redirect to `sign_in` back to `back`.
fn sign_in_location(sign_in: &str, back: &str) -> String {
    let encoded: String = back
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let separator = if sign_in.contains('?') { '&' } else { '?' };
    format!("{sign_in}{separator}redirect_url={encoded}")
}

#[track_caller]
fn assert_redirect(reply: &Reply, location: &str, ctx: &str) {
    assert_eq!(reply.status, 307, "{ctx}: status (body {:?})", reply.text);
    assert_eq!(reply.header("location"), Some(location), "{ctx}: location");
    assert_eq!(reply.text, "", "{ctx}: body");
}

#[tokio::test]
async fn redirect_to_sign_in() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let sign_in = format!(
        "{}/sign-in",
        mock.issuer()
            .replace(".clerk.accounts.dev", ".accounts.dev")
    );
    assert!(
        sign_in.starts_with("https://mock-") && sign_in.ends_with(".accounts.dev/sign-in"),
        "{sign_in}"
    );
    let routes = || {
        Router::new()
            .route("/r/page", get(r_page).post(r_page))
            .route("/r/custom", get(r_custom))
    };
    let base = serve(routes().layer(ClerkLayer::new(clerk.clone()))).await;
    let host = base.strip_prefix("http://").unwrap().to_owned();
    let http = client();

    let html = |extra: &[(&'static str, &str)]| -> Headers {
        let mut h: Headers = vec![(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".into(),
        )];
        h.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        h
    };
    let token = mock.token().user("user_r").sign();
    let (exp, exp_iat) = mint(mock.token().user("user_r").expired(), None);
    let pending = mock.token().user("user_r").pending().sign();
    let expired_cookie = format!("__session={exp}; __client_uat={exp_iat}");

    // (what, path, headers, where `redirect_url` points back to)
    let redirects: Vec<(&str, &str, Headers, String)> = vec![
        (
            "browser, no token",
            "/r/page",
            html(&[]),
            format!("http://{host}/r/page"),
        ),
        (
            "query string kept",
            "/r/page?next=%2Fa%20b&x=1",
            html(&[]),
            format!("http://{host}/r/page?next=%2Fa%20b&x=1"),
        ),
        (
            "X-Forwarded-Proto/Host",
            "/r/page",
            html(&[
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "app.example.com"),
            ]),
            "https://app.example.com/r/page".into(),
        ),
        (
            "first of comma-separated forwarded values",
            "/r/page",
            html(&[
                ("x-forwarded-proto", "https, http"),
                ("x-forwarded-host", "app.example.com, proxy.internal"),
            ]),
            "https://app.example.com/r/page".into(),
        ),
        (
            "X-Forwarded-Proto alone",
            "/r/page",
            html(&[("x-forwarded-proto", "https")]),
            format!("https://{host}/r/page"),
        ),
        (
            "sec-fetch-dest: document",
            "/r/page",
            vec![
                ("sec-fetch-dest", "document".into()),
                ("accept", "*/*".into()),
            ],
            format!("http://{host}/r/page"),
        ),
        (
            "sec-fetch-dest: iframe",
            "/r/page",
            vec![
                ("sec-fetch-dest", "iframe".into()),
                ("accept", "application/json".into()),
            ],
            format!("http://{host}/r/page"),
        ),
        (
            "expired bearer",
            "/r/page",
            {
                let mut h = html(&[]);
                h.extend(bearer(&exp));
                h
            },
            format!("http://{host}/r/page"),
        ),
        (
            "expired cookie",
            "/r/page",
            html(&[("cookie", &expired_cookie)]),
            format!("http://{host}/r/page"),
        ),
        (
            "pending session",
            "/r/page",
            {
                let mut h = html(&[]);
                h.extend(bearer(&pending));
                h
            },
            format!("http://{host}/r/page"),
        ),
        (
            "custom on_error, browser",
            "/r/custom",
            html(&[]),
            format!("http://{host}/r/custom"),
        ),
    ];
    for (what, path, headers, back) in &redirects {
        let reply = send(&http, "GET", &format!("{base}{path}"), headers, None).await;
        assert_redirect(&reply, &sign_in_location(&sign_in, back), what);
    }

    // Not browser navigations: 401 (or the custom answer).
    let not_navigations: Vec<(&str, &str, &str, Headers)> = vec![
        (
            "API call",
            "GET",
            "/r/page",
            vec![("accept", "application/json".into())],
        ),
        ("reqwest's default accept", "GET", "/r/page", vec![]),
        (
            "text/html not first",
            "GET",
            "/r/page",
            vec![("accept", "application/json, text/html".into())],
        ),
        (
            "sec-fetch-dest: empty wins over accept",
            "GET",
            "/r/page",
            html(&[("sec-fetch-dest", "empty")]),
        ),
        ("POST never redirects", "POST", "/r/page", html(&[])),
        (
            "POST document never redirects",
            "POST",
            "/r/page",
            html(&[("sec-fetch-dest", "document")]),
        ),
    ];
    for (what, method, path, headers) in &not_navigations {
        let reply = send(&http, method, &format!("{base}{path}"), headers, None).await;
        Expect::unauthenticated(MISSING, None).check(&reply, what);
    }
    let mut api_expired = bearer(&exp);
    api_expired.push(("accept", "application/json".into()));
    let reply = send(&http, "GET", &format!("{base}/r/page"), &api_expired, None).await;
    Expect::unauthenticated(EXPIRED_GET, HEADER).check(&reply, "API call, expired");

    let reply = send(
        &http,
        "GET",
        &format!("{base}/r/custom"),
        &[("accept", "application/json".into())],
        None,
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.text, format!("sign in ({MISSING})"));

    // Signed in: the handler runs.
    let mut signed_in = html(&[]);
    signed_in.extend(bearer(&token));
    let reply = send(&http, "GET", &format!("{base}/r/page"), &signed_in, None).await;
    Expect::ok(json!({"user": "user_r"})).check(&reply, "signed-in browser");

    // A configured sign-in URL with a query string; no sign-in URL at all (no publishable key): 401.
    let custom = mock
        .clerk_builder()
        .sign_in_url("https://app.example.com/login?from=api")
        .build()
        .unwrap();
    let custom_base = serve(routes().layer(ClerkLayer::new(custom))).await;
    let custom_host = custom_base.strip_prefix("http://").unwrap().to_owned();
    let reply = send(
        &http,
        "GET",
        &format!("{custom_base}/r/page?a=1"),
        &html(&[]),
        None,
    )
    .await;
    assert_redirect(
        &reply,
        &format!("https://app.example.com/login?from=api&redirect_url=http%3A%2F%2F{}%2Fr%2Fpage%3Fa%3D1", custom_host.replace(':', "%3A")),
        "custom sign-in URL",
    );
    let no_pk = clerk::Clerk::builder()
        .without_env()
        .secret_key(mock.secret_key())
        .api_url(mock.api_url())
        .build()
        .unwrap();
    assert_eq!(no_pk.sign_in_url(), None);
    let no_pk_base = serve(routes().layer(ClerkLayer::new(no_pk))).await;
    let reply = send(
        &http,
        "GET",
        &format!("{no_pk_base}/r/page"),
        &html(&[]),
        None,
    )
    .await;
    Expect::unauthenticated(MISSING, None).check(&reply, "no sign-in URL");
}

#[tokio::test]
async fn redirect_back_url_under_nested_router() {
    let mock = MockClerk::start().await;
    let sign_in = format!(
        "{}/sign-in",
        mock.issuer()
            .replace(".clerk.accounts.dev", ".accounts.dev")
    );
    let app = Router::new()
        .nest("/app", Router::new().route("/r/page", get(r_page)))
        .layer(ClerkLayer::new(mock.clerk()));
    let base = serve(app).await;
    let host = base.strip_prefix("http://").unwrap().to_owned();
    let reply = send(
        &client(),
        "GET",
        &format!("{base}/app/r/page?x=1"),
        &[("accept", "text/html".into())],
        None,
    )
    .await;
    assert_redirect(
        &reply,
        &sign_in_location(&sign_in, &format!("http://{host}/app/r/page?x=1")),
        "nested",
    );
}

// ---------------------------------------------------------------------------------------
// injected parameters in every position, with Path, Query, State and a Json body

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

#[clerk::protect]
async fn pos_first(
    session: Session,
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    State(name): State<&'static str>,
    Json(body): Json<Value>,
) -> Json<Value> {
    positions(
        "first",
        id,
        &page,
        name,
        body,
        Some(session.user_id()),
        Some(&session),
    )
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
    positions(
        "before_body",
        id,
        &page,
        name,
        body,
        Some(session.user_id()),
        Some(&session),
    )
}

#[clerk::protect(permission = "org:invoices:create", on_error = on_error_async)]
async fn pos_after_body(
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    State(name): State<&'static str>,
    Json(body): Json<Value>,
    session: Session,
) -> Json<Value> {
    positions(
        "after_body",
        id,
        &page,
        name,
        body,
        Some(session.user_id()),
        Some(&session),
    )
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
