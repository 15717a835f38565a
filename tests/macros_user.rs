//! `User` injection and `get_token` over real HTTP against the local Clerk stand-in.

mod common;
use common::http::{assert_json, fetch, fetch_as};
use common::mock::{seed_named, start_mock};
use common::serve;

use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use clerk::api::{CreateJwtTemplateParams, CreateUserParams};
use clerk::testing::{Fault, MockClerk};
use clerk::{Auth, AuthError, Clerk, ClerkLayer, HttpError, Session, User};
use serde_json::{json, Value};

#[clerk::require_session]
async fn profile(session: Session, user: User) -> Json<Value> {
    Json(json!({"sid": session.session_id(), "id": user.id, "first_name": user.first_name}))
}

#[clerk::protect(on_error = explain)]
async fn profile_explained(user: Option<User>) -> Json<Value> {
    Json(json!({"id": user.map(|u| u.id)}))
}

fn explain(err: &AuthError) -> HttpError {
    HttpError::new(err.status().as_u16(), "denied").with_data(json!({"reason": err.reason()}))
}

#[clerk::with_session]
async fn maybe_profile(user: Option<User>, auth: Auth) -> Json<Value> {
    Json(json!({"user": user.map(|u| u.id), "signed_in": auth.is_signed_in()}))
}

#[clerk::require_session]
async fn template_token(auth: Auth) -> Result<String, HttpError> {
    let token = auth
        .get_token(Some("supabase"))
        .await
        .map_err(|e| HttpError::new(502, e.to_string()))?;
    let own = auth
        .get_token(None)
        .await
        .map_err(|e| HttpError::new(502, e.to_string()))?;
    Ok(format!(
        "{}|{}",
        token.unwrap_or_default(),
        own.unwrap_or_default()
    ))
}

fn user_fetches(mock: &MockClerk, user_id: &str) -> usize {
    mock.api_requests()
        .iter()
        .filter(|r| r.method == "GET" && r.uri.ends_with(&format!("/v1/users/{user_id}")))
        .count()
}

#[tokio::test]
async fn user_injection() {
    let mock = MockClerk::start().await;
    let user = mock
        .create_user(&CreateUserParams {
            first_name: Some("Ada".into()),
            email_address: vec!["ada@example.com".into()],
            ..Default::default()
        })
        .unwrap();
    let app = Router::new()
        .route("/profile", get(profile))
        .route("/explained", get(profile_explained))
        .route("/maybe", get(maybe_profile))
        .layer(ClerkLayer::new(mock.clerk()));
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let token = mock.token().user(&user.id).session("sess_ada").sign();

    let r = fetch_as(&http, format!("{base}/profile"), &token).await;
    assert_json(
        r,
        200,
        json!({"sid": "sess_ada", "id": user.id, "first_name": "Ada"}),
    )
    .await;
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // Signed out: 401 before any Backend API call.
    let r = fetch(&http, format!("{base}/profile")).await;
    assert_eq!(r.status(), 401);
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // Strict Option<User> is always Some.
    let r = fetch_as(&http, format!("{base}/explained"), &token).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"id": user.id}));

    // Lax: None when signed out, Some when signed in.
    let r = fetch(&http, format!("{base}/maybe")).await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"user": null, "signed_in": false})
    );
    let r = fetch_as(&http, format!("{base}/maybe"), &token).await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"user": user.id, "signed_in": true})
    );

    // The Backend API failing: 503 by default, on_error sees `user-unavailable`; the lax
    // handler runs without the user.
    mock.inject_api_faults(std::iter::repeat_n(Fault::Status(500), 12));
    let r = fetch_as(&http, format!("{base}/profile"), &token).await;
    assert_json(r, 503, json!({"error": "Service Unavailable"})).await;
    let r = fetch_as(&http, format!("{base}/explained"), &token).await;
    assert_json(r, 503, json!({"reason": "user-unavailable"})).await;
    let r = fetch_as(&http, format!("{base}/maybe"), &token).await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"user": null, "signed_in": true})
    );

    // A deleted user with a still-valid session token: 401 `user-not-found`.
    let ghost = mock.token().user("user_deleted").sign();
    let r = fetch_as(&http, format!("{base}/explained"), &ghost).await;
    assert_json(r, 401, json!({"reason": "user-not-found"})).await;
}

#[tokio::test]
async fn user_cache_saves_backend_calls() {
    let mock = MockClerk::start().await;
    let user = seed_named(&mock, "Grace");
    let clerk = mock
        .clerk_builder()
        .user_cache_ttl(Duration::from_millis(400))
        .build()
        .unwrap();
    let base = serve_layered(Router::new().route("/profile", get(profile)), &clerk).await;
    let http = reqwest::Client::new();
    let token = mock.token().user(&user.id).sign();
    for _ in 0..5 {
        let r = fetch_as(&http, format!("{base}/profile"), &token).await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(user_fetches(&mock, &user.id), 1);
    tokio::time::sleep(Duration::from_millis(450)).await;
    fetch_as(&http, format!("{base}/profile"), &token).await;
    assert_eq!(user_fetches(&mock, &user.id), 2);
    clerk.forget_user(&user.id);
    fetch_as(&http, format!("{base}/profile"), &token).await;
    assert_eq!(user_fetches(&mock, &user.id), 3);
}

#[tokio::test]
async fn get_token_with_a_template() {
    let (mock, clerk) = start_mock().await;
    let user = mock.create_user(&CreateUserParams::default()).unwrap();
    let session = mock.create_session(&user.id).unwrap();
    let mut claims = serde_json::Map::new();
    claims.insert("role".into(), json!("authenticated"));
    clerk
        .jwt_templates()
        .create(&CreateJwtTemplateParams {
            name: "supabase".into(),
            claims,
            ..Default::default()
        })
        .await
        .unwrap();
    let base = serve_layered(Router::new().route("/t", get(template_token)), &clerk).await;
    let token = mock.token().user(&user.id).session(&session.id).sign();
    let r = reqwest::Client::new()
        .get(format!("{base}/t"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let (template, own) = body.split_once('|').unwrap();
    assert_eq!(own, token);
    let claims = clerk.verify_token(template).await.unwrap();
    assert_eq!(claims.subject(), user.id);
    assert_eq!(claims.get("role"), Some(&json!("authenticated")));
    assert!(mock.api_requests().iter().any(|r| r.method == "POST"
        && r.uri
            .ends_with(&format!("/v1/sessions/{}/tokens/supabase", session.id))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_user_cache_under_concurrent_requests_costs_one_backend_api_call() {
    let mock = MockClerk::start().await;
    let user = seed_named(&mock, "Herd");
    // A slow Backend API widens the window in which the requests miss together.
    mock.inject_api_faults([Fault::Delay(Duration::from_millis(300))]);
    let clerk = mock
        .clerk_builder()
        .user_cache_ttl(Duration::from_secs(60))
        .build()
        .unwrap();
    let app = Router::new()
        .route("/profile", get(profile))
        .layer(ClerkLayer::new(clerk));
    let url = serve(app).await;
    let token = mock.token().user(&user.id).sign();
    let http = reqwest::Client::new();

    let answers = futures::future::join_all((0..50).map(|_| {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        async move {
            let res = fetch_as(&http, format!("{url}/profile"), &token).await;
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["id"], user.id.as_str());
        assert_eq!(body["first_name"], "Herd");
    }
    assert_eq!(
        user_fetches(&mock, &user.id),
        1,
        "one load for 50 concurrent misses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_user_cache_concurrent_requests_of_one_user_share_one_call() {
    let mock = MockClerk::start().await;
    let ada = seed_named(&mock, "Ada");
    let bob = seed_named(&mock, "Bob");
    // No user cache: every request loads its user, but concurrent ones share the load.
    let clerk = mock.clerk();
    let url = serve_layered(Router::new().route("/profile", get(profile)), &clerk).await;
    let http = reqwest::Client::new();
    let ada_token = mock.token().user(&ada.id).sign();
    let bob_token = mock.token().user(&bob.id).sign();
    // Warm the JWKS, so that the requests below overlap only on the user load.
    assert_eq!(
        fetch_as(&http, format!("{url}/profile"), &ada_token)
            .await
            .status(),
        200
    );
    assert_eq!(user_fetches(&mock, &ada.id), 1);

    // A slow Backend API keeps the first load in flight while the others arrive.
    mock.inject_api_faults([
        Fault::Delay(Duration::from_millis(400)),
        Fault::Delay(Duration::from_millis(400)),
    ]);
    let requests = (0..20)
        .map(|_| ada_token.clone())
        .chain((0..5).map(|_| bob_token.clone()))
        .map(|token| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let r = fetch_as(&http, format!("{url}/profile"), &token).await;
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        });
    let answers = futures::future::join_all(requests).await;
    for (i, (status, body)) in answers.iter().enumerate() {
        let expected = if i < 20 { &ada } else { &bob };
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["id"], expected.id.as_str());
    }
    assert_eq!(user_fetches(&mock, &ada.id), 2, "one call for 20 requests");
    assert_eq!(user_fetches(&mock, &bob.id), 1, "one call per user");

    // Once a load is over, the next request loads again (there is no cache).
    fetch_as(&http, format!("{url}/profile"), &ada_token).await;
    assert_eq!(user_fetches(&mock, &ada.id), 3);
}

/// Serves `router` behind a `ClerkLayer` of `clerk`; the base URL.
async fn serve_layered(router: Router, clerk: &Clerk) -> String {
    serve(router.layer(ClerkLayer::new(clerk.clone()))).await
}
