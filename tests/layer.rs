//! The router-wide `ClerkLayer` modes over real HTTP: `authenticate()` verifies once per
//! request whatever the number of extractors and macros below it, `require_auth()` keeps
//! signed-out requests away from every handler, `redirect_to_sign_in()` sends browsers to
//! the sign-in page.

mod common;
use common::mock::start_mock;
use common::mock::start_mock_with;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::Extension;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{Auth, Clerk, ClerkLayer, Session};
use common::http::{client, fetch, fetch_as};
use common::serve;
use reqwest::StatusCode;

/// Verifications performed so far: every verification is a token-cache hit or miss.
fn verifications(clerk: &Clerk) -> u64 {
    let stats = clerk.token_cache_counters().expect("token cache on");
    stats.hits + stats.misses
}

#[clerk::protect]
async fn protected(session: Session, auth: Auth) -> String {
    assert_eq!(auth.user_id(), Some(session.user_id()));
    session.user_id().to_owned()
}

/// Three extractors asking for the same request's authentication.
async fn many(auth: Auth, session: Session, maybe: Option<Session>) -> String {
    assert_eq!(auth.user_id(), Some(session.user_id()));
    assert_eq!(
        maybe.map(|s| s.user_id().to_owned()).as_deref(),
        Some(session.user_id())
    );
    session.user_id().to_owned()
}

#[clerk::protect(accepts = [session, api_key])]
async fn mixed(auth: Auth) -> String {
    auth.user_id().unwrap_or("none").to_owned()
}

#[clerk::with_session]
async fn lax(auth: Auth) -> String {
    auth.user_id().unwrap_or("anonymous").to_owned()
}

#[tokio::test]
async fn authenticate_verifies_once_per_request_for_macros_and_extractors() {
    let (mock, clerk) = start_mock().await;
    let app = Router::new()
        .route("/protected", get(protected))
        .route("/many", get(many))
        .route("/lax", get(lax))
        .route("/mixed", get(mixed))
        .layer(ClerkLayer::new(clerk.clone()).authenticate());
    let url = serve(app).await;
    let token = mock.token().user("user_once").sign();
    let http = client();

    for path in ["/protected", "/many", "/lax", "/mixed"] {
        let before = verifications(&clerk);
        let res = fetch_as(&http, format!("{url}{path}"), &token).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.text().await.unwrap(), "user_once", "{path}");
        assert_eq!(
            verifications(&clerk) - before,
            1,
            "{path} verified more than once"
        );
    }

    // A route that also accepts API keys still takes them under the layer.
    let (_, api_key) = mock.create_api_key("user_machine_owner_000000000000", &["read"], None);
    let res = fetch_as(&http, format!("{url}/mixed"), &api_key).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Signed out: the layer lets the request through; the macro and extractors decide.
    let res = fetch(&http, format!("{url}/lax")).await;
    assert_eq!(res.text().await.unwrap(), "anonymous");
    let res = fetch(&http, format!("{url}/protected")).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A development instance without a development browser (as `@clerk/backend` decides).
    assert_eq!(res.headers()["x-clerk-auth-reason"], "dev-browser-missing");
}

#[tokio::test]
async fn without_authenticate_each_extractor_verifies() {
    // The plain layer only hands out the instance: the baseline the test above improves on.
    let (mock, clerk) = start_mock().await;
    let app = Router::new()
        .route("/many", get(many))
        .layer(ClerkLayer::new(clerk.clone()));
    let url = serve(app).await;
    let token = mock.token().user("user_thrice").sign();
    let before = verifications(&clerk);
    let res = client()
        .get(format!("{url}/many"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(verifications(&clerk) - before, 3);
}

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

async fn counted(Extension(counter): Extension<Counter>, auth: Auth) -> String {
    counter.0.fetch_add(1, Ordering::SeqCst);
    auth.user_id().unwrap_or("anonymous").to_owned()
}

async fn open() -> &'static str {
    "open"
}

#[tokio::test]
async fn require_auth_keeps_signed_out_requests_from_every_handler() {
    let (mock, clerk) = start_mock().await;
    let counter = Counter(Arc::default());
    let api = Router::new()
        .route("/me", get(counted))
        .layer(Extension(counter.clone()))
        .layer(ClerkLayer::new(clerk.clone()).require_auth());
    let app = Router::new().route("/open", get(open)).nest("/api", api);
    let url = serve(app).await;
    let http = client();

    let valid = mock.token().user("user_in").sign();
    let res = fetch_as(&http, format!("{url}/api/me"), &valid).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "user_in");
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);

    // No credentials on a development instance: `@clerk/backend` checks the development
    // browser first (`dev-browser-missing`, signed out for an API request).
    let refused = [
        (None, "dev-browser-missing"),
        (
            Some(mock.token().user("user_old").expired().sign()),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        ),
        (
            Some(mock.token().user("user_x").sign_tampered()),
            "token-invalid-signature",
        ),
        (Some("not-a-token".to_owned()), "token-invalid"),
    ];
    for (token, reason) in refused {
        let mut req = http.get(format!("{url}/api/me"));
        if let Some(token) = &token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(res.headers()["x-clerk-auth-status"], "signed-out");
        assert_eq!(res.headers()["x-clerk-auth-reason"], reason);
        let body = res.text().await.unwrap();
        assert_eq!(body, r#"{"error":"Unauthenticated"}"#);
        if let Some(token) = token {
            assert!(!body.contains(&token), "the token is echoed");
        }
    }
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "a refused request reached the handler"
    );

    // Routes outside the layer are not affected.
    let res = fetch(&http, format!("{url}/open")).await;
    assert_eq!(res.text().await.unwrap(), "open");
}

#[tokio::test]
async fn require_auth_refuses_pending_sessions() {
    let mock = MockClerk::start().await;
    let app = Router::new()
        .route(
            "/me",
            get(|auth: Auth| async move { format!("{:?}", auth.user_id()) }),
        )
        .layer(ClerkLayer::new(mock.clerk()).require_auth());
    let url = serve(app).await;
    let pending = mock.token().user("user_pending").pending().sign();
    let res = client()
        .get(format!("{url}/me"))
        .bearer_auth(&pending)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn require_auth_with_redirect_sends_browsers_to_sign_in_and_apis_a_401() {
    let (mock, clerk) =
        start_mock_with(|b| b.sign_in_url("https://accounts.example.com/sign-in")).await;
    let app = Router::new()
        .route("/dashboard", get(|| async { "dashboard" }))
        .layer(ClerkLayer::new(clerk).require_auth().redirect_to_sign_in());
    let url = serve(app).await;
    let http = client();

    let res = http
        .get(format!("{url}/dashboard?tab=1"))
        .header("accept", "text/html,application/xhtml+xml")
        // A browser of a development instance has its development browser (without it,
        // the navigation is a `dev-browser-missing` handshake first).
        .header("cookie", "__clerk_db_jwt=dvb")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://accounts.example.com/sign-in?redirect_url="),
        "{location}"
    );
    assert!(location.contains("%2Fdashboard%3Ftab%3D1"), "{location}");

    let res = http
        .get(format!("{url}/dashboard"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let token = mock.token().user("user_browser").sign();
    let res = http
        .get(format!("{url}/dashboard"))
        .header("accept", "text/html")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "dashboard");
}

#[tokio::test]
async fn a_layer_of_another_instance_does_not_lend_its_result() {
    // Two Clerk instances (say, two applications behind one server): the state's instance
    // must verify with its own keys, not reuse what another instance decided.
    let mock_a = MockClerk::start().await;
    let mock_b = MockClerk::start().await;
    let clerk_b = mock_b.clerk();
    let inner = Router::new()
        .route(
            "/me",
            get(
                |State(clerk): State<Clerk>, parts: axum::http::request::Parts| async move {
                    let state = clerk.authenticate_request(&parts).await;
                    format!("{:?}", state.reason().map(|r| r.as_str().to_owned()))
                },
            ),
        )
        .with_state(clerk_b);
    let app = inner.layer(ClerkLayer::new(mock_a.clerk()).authenticate());
    let url = serve(app).await;
    let token_a = mock_a.token().user("user_a").sign();
    let res = client()
        .get(format!("{url}/me"))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    // Instance B does not know A's key: refused, not signed in through A's result.
    let body = res.text().await.unwrap();
    assert!(body.starts_with("Some("), "{body}");
}

#[tokio::test]
async fn require_auth_with_machine_types_lets_verified_machine_tokens_through() {
    use clerk::{AcceptsToken, MachineAuth, TokenType};
    let mock = MockClerk::start().await;
    let app = Router::new()
        .route(
            "/ingest",
            get(|auth: Auth, machine: Option<MachineAuth>| async move {
                match machine {
                    Some(m) => format!("machine {}", m.subject()),
                    None => format!("user {}", auth.user_id().unwrap_or("?")),
                }
            }),
        )
        .layer(
            ClerkLayer::new(mock.clerk())
                .require_auth()
                .accepts(AcceptsToken::SESSION.with(TokenType::ApiKey)),
        );
    let url = serve(app).await;
    let http = client();
    let get = |token: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let res = fetch_as(&http, format!("{url}/ingest"), &token).await;
            let reason = res
                .headers()
                .get("x-clerk-auth-reason")
                .map(|v| v.to_str().unwrap().to_owned());
            (res.status(), reason, res.text().await.unwrap())
        }
    };

    let subject = "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk";
    let (_, api_key) = mock.create_api_key(subject, &["read"], None);
    let (status, _, body) = get(api_key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, format!("machine {subject}"));

    let (status, _, body) = get(mock.token().user("user_s").sign()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "user user_s");

    // An M2M token is not in the list: refused before the handler.
    let (_, m2m) = mock.create_m2m_token("mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk", &[], None);
    let (status, reason, _) = get(m2m).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(reason.as_deref(), Some("token-type-mismatch"));

    // An unknown API key: refused.
    let (status, reason, _) = get("ak_0123456789abcdef0123456789abcdef".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(reason.as_deref(), Some("token-invalid"));
}

/// Two instances with different keys: `a` in a layer around the whole app, `b` in the state
/// of the `/tenant` routes. The state's instance, the more specific one, decides for its
/// routes (macros, plain extractors, machine tokens alike); the layer's decides elsewhere.
#[tokio::test]
async fn the_state_clerk_wins_over_the_layer_clerk() {
    let mock_a = MockClerk::start().await;
    let mock_b = MockClerk::start().await;
    let (clerk_a, clerk_b) = (mock_a.clerk(), mock_b.clerk());
    let tenant = || {
        Router::new()
            .route("/protected", get(protected))
            .route("/many", get(many))
            .route("/mixed", get(mixed))
            .with_state(clerk_b.clone())
    };
    let app = |layer: ClerkLayer| {
        Router::new()
            .route("/protected", get(protected))
            .nest("/tenant", tenant())
            .layer(layer)
    };
    let token_a = mock_a.token().user("user_a").sign();
    let token_b = mock_b.token().user("user_b").sign();
    let (_, key_a) = mock_a.create_api_key("user_key_a", &[], None);
    let (_, key_b) = mock_b.create_api_key("user_key_b", &[], None);
    let http = client();
    let get = |url: String, token: String| {
        let request = http.get(url).bearer_auth(token);
        async move {
            let res = request.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };

    let url = serve(app(ClerkLayer::new(clerk_a.clone()))).await;
    let (a_before, b_before) = (verifications(&clerk_a), verifications(&clerk_b));
    for path in ["/tenant/protected", "/tenant/many"] {
        assert_eq!(
            get(format!("{url}{path}"), token_b.clone()).await,
            (200, "user_b".to_owned()),
            "{path}"
        );
        assert_eq!(
            get(format!("{url}{path}"), token_a.clone()).await.0,
            401,
            "{path}"
        );
    }
    // Only the state's instance verified the tenant requests: `/protected` once per token;
    // `/many` three times for b's token, twice for a's (refused by its second extractor).
    assert_eq!(verifications(&clerk_a), a_before);
    assert_eq!(verifications(&clerk_b) - b_before, 1 + 1 + 3 + 2);
    // API keys too: the state's instance asks its own Backend API.
    assert_eq!(
        get(format!("{url}/tenant/mixed"), key_b.clone()).await,
        (200, "user_key_b".to_owned())
    );
    assert_eq!(get(format!("{url}/tenant/mixed"), key_a).await.0, 401);
    // Routes without a `Clerk` in their state use the layer's.
    assert_eq!(
        get(format!("{url}/protected"), token_a.clone()).await,
        (200, "user_a".to_owned())
    );
    assert_eq!(
        get(format!("{url}/protected"), token_b.clone()).await.0,
        401
    );

    // `authenticate()`: the layer's result (signed out, for b's token) is not reused.
    let url = serve(app(ClerkLayer::new(clerk_a.clone()).authenticate())).await;
    assert_eq!(
        get(format!("{url}/tenant/protected"), token_b.clone()).await,
        (200, "user_b".to_owned())
    );
    // `require_auth()` is a gate before routing: it refuses what its own instance refuses.
    let url = serve(app(ClerkLayer::new(clerk_a).require_auth())).await;
    assert_eq!(get(format!("{url}/tenant/protected"), token_b).await.0, 401);
}
