//! The systematic matrix's harness: handlers for every macro (with and without `on_error`,
//! sync and async) and the plain extractors, requests, replies and expectations.

use super::*;

/// What a strict handler answers when it runs.
pub(crate) fn strict_body(auth: &Auth, session: &Session, opt: Option<&Session>) -> Json<Value> {
    Json(json!({
        "auth": auth.user_id(),
        "session": session.user_id(),
        "opt": opt.map(|s| s.user_id()),
        "status": auth.session_status(),
    }))
}

/// What a lax handler answers when it runs.
pub(crate) fn lax_body(auth: &Auth, opt: Option<&Session>) -> Json<Value> {
    Json(json!({
        "auth": auth.user_id(),
        "opt": opt.map(|s| s.user_id()),
        "status": auth.session_status(),
    }))
}

/// The body of every custom `on_error` answer: what the handler was told.
pub(crate) fn custom_error(kind: &'static str, err: &AuthError) -> HttpError {
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

pub(crate) fn on_error_sync(err: &AuthError) -> HttpError {
    custom_error("sync", err)
}

pub(crate) async fn on_error_async(err: &AuthError) -> HttpError {
    tokio::task::yield_now().await;
    custom_error("async", err)
}

/// Halts unless the request carried no credentials at all.
pub(crate) fn lax_sync(err: &AuthError) -> Option<HttpError> {
    (!err.is_missing_token()).then(|| custom_error("sync", err))
}

/// Halts unless the request carried no credentials or its session is pending.
pub(crate) async fn lax_async(err: &AuthError) -> Option<HttpError> {
    tokio::task::yield_now().await;
    (!err.is_missing_token() && err.reason() != "session-pending")
        .then(|| custom_error("async", err))
}

#[clerk::protect]
pub(crate) async fn m_protect(auth: Auth, session: Session, opt: Option<Session>) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::protect(on_error = on_error_sync)]
pub(crate) async fn m_protect_sync(
    session: Session,
    opt: Option<Session>,
    auth: Auth,
) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::protect(on_error = on_error_async)]
pub(crate) async fn m_protect_async(
    opt: Option<Session>,
    auth: Auth,
    session: Session,
) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::require_session]
pub(crate) async fn m_require(auth: Auth, session: Session, opt: Option<Session>) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::require_session(on_error = on_error_sync)]
pub(crate) async fn m_require_sync(
    session: Session,
    auth: Auth,
    opt: Option<Session>,
) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::require_session(on_error = on_error_async)]
pub(crate) async fn m_require_async(
    opt: Option<Session>,
    session: Session,
    auth: Auth,
) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

#[clerk::with_session]
pub(crate) async fn m_with(auth: Auth, opt: Option<Session>) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

#[clerk::with_session(on_error = lax_sync)]
pub(crate) async fn m_with_sync(opt: Option<Session>, auth: Auth) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

#[clerk::with_session(on_error = lax_async)]
pub(crate) async fn m_with_async(auth: Auth, opt: Option<Session>) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

/// The extractors of extract.rs, without any macro.
pub(crate) async fn plain_session(
    auth: Auth,
    session: Session,
    opt: Option<Session>,
) -> Json<Value> {
    strict_body(&auth, &session, opt.as_ref())
}

pub(crate) async fn plain_auth(auth: Auth, opt: Option<Session>) -> Json<Value> {
    lax_body(&auth, opt.as_ref())
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// `protect`, `require_session`, the `Session` extractor.
    Strict,
    /// `with_session`, the `Auth`/`Option<Session>` extractors.
    Lax,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Variant {
    pub(crate) path: &'static str,
    pub(crate) kind: Kind,
    /// `None`: the default answer; `Some("sync" | "async")`: the custom `on_error`.
    pub(crate) on_error: Option<&'static str>,
}

pub(crate) const VARIANTS: [Variant; 11] = [
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
pub(crate) fn matrix_routes<S>() -> Router<S>
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

pub(crate) type Headers = Vec<(&'static str, String)>;

pub(crate) fn bearer(token: &str) -> Headers {
    vec![("authorization", format!("Bearer {token}"))]
}

pub(crate) fn cookies(pairs: &[(&str, &str)]) -> Headers {
    let value = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    vec![("cookie", value)]
}

/// Signs with the instance key (or `key`) and returns the token with its `iat`.
pub(crate) fn mint(
    builder: TokenBuilder,
    key: Option<&clerk::testing::MockKey>,
) -> (String, String) {
    let iat = builder.claims()["iat"].as_i64().expect("iat").to_string();
    let token = match key {
        Some(key) => builder.sign_with(key),
        None => builder.sign(),
    };
    (token, iat)
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) text: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("visible ASCII header"))
    }

    pub(crate) fn json(&self, ctx: &str) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("{ctx}: body is not JSON ({e}): {:?}", self.text))
    }
}

/// The JWTs (and their signatures) a request carries: none of them may come back.
pub(crate) fn secrets_of(headers: &[(&'static str, String)]) -> Vec<String> {
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

pub(crate) async fn send(
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
    req = req.header(
        "cookie",
        crate::common::dev_browser_cookies(
            headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
                .map(|(_, value)| value.as_bytes()),
        ),
    );
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
pub(crate) struct Expect {
    pub(crate) status: u16,
    pub(crate) body: Value,
    /// The `x-clerk-auth-reason` of a default 401 and the expected end of
    /// `x-clerk-auth-message` (`None`: no message header); `None`: no `x-clerk-auth-*`.
    pub(crate) auth: Option<(&'static str, Option<String>)>,
}

impl Expect {
    pub(crate) fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            auth: None,
        }
    }

    pub(crate) fn unauthenticated(reason: &'static str, carrier: Option<&str>) -> Self {
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

    pub(crate) fn pending() -> Self {
        Self {
            status: 401,
            body: json!({"error": "Unauthenticated"}),
            auth: Some(("session-pending", None)),
        }
    }

    pub(crate) fn forbidden() -> Self {
        Self {
            status: 403,
            body: json!({"error": "Forbidden"}),
            auth: None,
        }
    }

    pub(crate) fn not_configured() -> Self {
        Self {
            status: 500,
            body: json!({"error": "Internal Server Error"}),
            auth: None,
        }
    }

    /// The answer of `custom_error`.
    pub(crate) fn custom(kind: &str, reason: &str) -> Self {
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
    pub(crate) fn check(&self, reply: &Reply, ctx: &str) {
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
pub(crate) enum Outcome {
    /// Signed in as this user, with this session status.
    In(&'static str, &'static str),
    /// Signed out with this reason and token carrier.
    Out(&'static str, Option<&'static str>),
    /// A valid token of a pending session (treated as signed out).
    Pending,
}

pub(crate) fn expected(v: &Variant, outcome: &Outcome) -> Expect {
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

pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) method: &'static str,
    pub(crate) headers: Headers,
    pub(crate) outcome: Outcome,
}

pub(crate) fn case(
    name: &'static str,
    method: &'static str,
    headers: Headers,
    outcome: Outcome,
) -> Case {
    Case {
        name,
        method,
        headers,
        outcome,
    }
}

pub(crate) const MISSING: &str = "session-token-and-uat-missing";

pub(crate) const EXPIRED_GET: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";

pub(crate) const EXPIRED_POST: &str = "session-token-expired-refresh-non-eligible-non-get";

pub(crate) const HEADER: Option<&str> = Some("header");

pub(crate) const COOKIE: Option<&str> = Some("cookie");

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub(crate) clerk: Clerk,
    pub(crate) name: &'static str,
}
