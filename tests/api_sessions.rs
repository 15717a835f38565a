//! Sessions, clients, JWT templates, sign-in and testing tokens, the Backend API JWKS and
//! the legacy Node SDK calls, over real HTTP against `MockClerk`.

mod common;
use common::api::param_name;

use clerk::api::{
    ApiError, CreateJwtTemplateParams, CreateSessionParams, CreateSignInTokenParams,
    CreateUserParams, JwtTemplateListParams, SessionListParams, SessionStatus, SignInTokenStatus,
};
use clerk::testing::{MockClerk, TokenBuilder};
use futures::StreamExt as _;
use serde_json::{json, Map, Value};

fn user_params(email: &str) -> CreateUserParams {
    CreateUserParams {
        email_address: vec![email.into()],
        first_name: Some("Ada".into()),
        public_metadata: Some(json!({"role": "admin"}).as_object().unwrap().clone()),
        ..Default::default()
    }
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn assert_error(err: &ApiError, status: u16, code: &str) {
    assert_eq!(err.status(), Some(status), "{err:?}");
    assert!(err.has_code(code), "expected code {code}: {err:?}");
}

/// Asserts that `result` failed with this status and code, and names `param` when `Some`.
fn assert_rejected<T: std::fmt::Debug>(
    result: Result<T, ApiError>,
    status: u16,
    code: &str,
    param: Option<&str>,
) {
    let err = result.unwrap_err();
    assert_error(&err, status, code);
    if param.is_some() {
        assert_eq!(param_name(&err).as_deref(), param);
    }
}

/// The claims of a JWT, without verifying it.
fn payload(jwt: &str) -> Map<String, Value> {
    use base64::Engine as _;
    let part = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A raw GET with the mock's secret key, to see the exact wire shape.
async fn raw_get(mock: &MockClerk, path_and_query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path_and_query}", mock.api_url()))
        .bearer_auth(mock.secret_key())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn sessions_create_get_list_revoke() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let bob = mock.create_user(&user_params("bob@example.com")).unwrap();

    let seeded = mock.create_session(&ada.id).unwrap();
    assert!(seeded.id.starts_with("sess_"), "{}", seeded.id);
    assert!(
        seeded.client_id.starts_with("client_"),
        "{}",
        seeded.client_id
    );
    assert_eq!(seeded.status, SessionStatus::Active);
    assert!(seeded.expire_at > seeded.created_at && seeded.abandon_at > seeded.expire_at);
    assert!(mock.create_session("user_missing").is_err());

    let created = clerk
        .sessions()
        .create(&CreateSessionParams {
            user_id: ada.id.clone(),
            active_organization_id: Some("org_1".into()),
        })
        .await
        .unwrap();
    assert_eq!(created.user_id, ada.id);
    assert_eq!(
        created.last_active_organization_id.as_deref(),
        Some("org_1")
    );
    assert_ne!(created.client_id, seeded.client_id);
    let bobs = clerk
        .sessions()
        .create(&CreateSessionParams {
            user_id: bob.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

    let fetched = clerk.sessions().get(&seeded.id).await.unwrap();
    assert_eq!(fetched, seeded);

    // By user: a page with the total, newest first; `paginated=true` is always sent.
    let page = clerk
        .sessions()
        .list(&SessionListParams {
            user_id: Some(ada.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(2));
    let ids: Vec<&str> = page.data.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&seeded.id.as_str()) && ids.contains(&created.id.as_str()));
    assert!(page.data.iter().all(|s| s.user_id == ada.id));
    let last = mock.api_requests().pop().unwrap();
    assert!(last.uri.starts_with("/v1/sessions?"), "{}", last.uri);
    assert!(last.uri.contains("paginated=true"), "{}", last.uri);
    assert!(
        last.uri.contains(&format!("user_id={}", ada.id)),
        "{}",
        last.uri
    );

    // By client, and paging: the total counts the whole filtered set.
    let by_client = clerk
        .sessions()
        .list(&SessionListParams {
            client_id: Some(bobs.client_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_client.total_count, Some(1));
    assert_eq!(by_client.data[0].id, bobs.id);
    let first = clerk
        .sessions()
        .list(&SessionListParams {
            user_id: Some(ada.id.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((first.data.len(), first.total_count), (1, Some(2)));
    let all: Vec<_> = clerk
        .sessions()
        .list_all(&SessionListParams {
            user_id: Some(ada.id.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .collect()
        .await;
    let all: Vec<String> = all.into_iter().map(|s| s.unwrap().id).collect();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&seeded.id) && all.contains(&created.id));

    // Revoke, then filter by status.
    let revoked = clerk.sessions().revoke(&seeded.id).await.unwrap();
    assert_eq!(revoked.status, SessionStatus::Revoked);
    assert!(revoked.updated_at >= seeded.updated_at);
    let revoked_list = clerk
        .sessions()
        .list(&SessionListParams {
            user_id: Some(ada.id.clone()),
            status: Some(SessionStatus::Revoked),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(revoked_list.total_count, Some(1));
    assert_eq!(revoked_list.data[0].id, seeded.id);
    let active = clerk
        .sessions()
        .list(&SessionListParams {
            user_id: Some(ada.id.clone()),
            status: Some(SessionStatus::Active),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        active
            .data
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        vec![created.id.as_str()]
    );
}

#[tokio::test]
async fn sessions_list_wire_shapes() {
    let mock = MockClerk::start().await;
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();
    // Without `paginated=true` the endpoint answers a bare array, with it a page.
    let (status, bare) = raw_get(&mock, &format!("/v1/sessions?user_id={}", ada.id)).await;
    assert_eq!(status, 200);
    assert_eq!(bare.as_array().unwrap().len(), 1);
    assert_eq!(bare[0]["id"], json!(session.id));
    let (_, paged) = raw_get(
        &mock,
        &format!("/v1/sessions?user_id={}&paginated=true", ada.id),
    )
    .await;
    assert_eq!(paged["total_count"], json!(1));
    assert_eq!(paged["data"][0]["object"], json!("session"));
    // Deprecated but allowed: no filter at all.
    let (status, _) = raw_get(&mock, "/v1/sessions").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sessions_errors() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    assert_rejected(
        clerk.sessions().get("sess_missing").await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk.sessions().revoke("sess_missing").await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk
            .sessions()
            .create(&CreateSessionParams {
                user_id: "user_missing".into(),
                ..Default::default()
            })
            .await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk
            .sessions()
            .create(&CreateSessionParams::default())
            .await,
        422,
        "form_param_missing",
        Some("user_id"),
    );
    assert_rejected(
        clerk
            .sessions()
            .list(&SessionListParams {
                status: Some(SessionStatus::from("sleeping")),
                ..Default::default()
            })
            .await,
        422,
        "form_param_value_invalid",
        Some("status"),
    );
    assert_rejected(
        clerk
            .sessions()
            .list(&SessionListParams {
                limit: Some(501),
                ..Default::default()
            })
            .await,
        422,
        "form_param_value_invalid",
        Some("limit"),
    );
}

#[tokio::test]
async fn session_tokens_verify_and_carry_template_claims() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();

    // A plain session token: verifies, with `sub`/`sid` of the session.
    let token = clerk
        .sessions()
        .create_token(&session.id, None, None)
        .await
        .unwrap();
    assert_eq!(token.object, "token");
    let claims = clerk.verify_token(&token.jwt).await.unwrap();
    assert_eq!(claims.subject(), ada.id);
    assert_eq!(claims.session_id(), Some(session.id.as_str()));
    assert_eq!(claims.issuer(), Some(mock.issuer().as_str()));
    assert_eq!(claims.get("sts"), Some(&json!("active")));
    assert_eq!(claims.expires_at() - claims.issued_at().unwrap(), 60);
    // The issuer matches the instance's publishable key.
    let strict = mock
        .clerk_builder()
        .issuer_from_publishable_key()
        .build()
        .unwrap();
    strict.verify_token(&token.jwt).await.unwrap();
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("POST", &*format!("/v1/sessions/{}/tokens", session.id))
    );

    let longer = clerk
        .sessions()
        .create_token(&session.id, None, Some(3600))
        .await
        .unwrap();
    let claims = clerk.verify_token(&longer.jwt).await.unwrap();
    assert_eq!(claims.expires_at() - claims.issued_at().unwrap(), 3600);

    // A template: its claims (shortcodes resolved) merged; default claims win.
    let template = clerk
        .jwt_templates()
        .create(&CreateJwtTemplateParams {
            name: "hasura".into(),
            claims: object(json!({
                "aud": "https://hasura.example.com",
                "email": "{{user.primary_email_address}}",
                "role": "{{user.public_metadata.role}}",
                "greeting": "Hi {{user.first_name}}",
                "surname": "{{user.last_name}}",
                "https://hasura.io/jwt/claims": {"x-hasura-user-id": "{{user.id}}"},
                "sub": "someone-else",
            })),
            lifetime: Some(300),
            ..Default::default()
        })
        .await
        .unwrap();
    let token = clerk
        .sessions()
        .create_token(&session.id, Some("hasura"), None)
        .await
        .unwrap();
    let claims = clerk.verify_token(&token.jwt).await.unwrap();
    assert_eq!(claims.subject(), ada.id);
    assert_eq!(claims.session_id(), Some(session.id.as_str()));
    assert_eq!(
        claims.get("aud"),
        Some(&json!("https://hasura.example.com"))
    );
    assert_eq!(claims.get("email"), Some(&json!("ada@example.com")));
    assert_eq!(claims.get("role"), Some(&json!("admin")));
    assert_eq!(claims.get("greeting"), Some(&json!("Hi Ada")));
    assert_eq!(claims.get("surname"), Some(&Value::Null));
    assert_eq!(
        claims.get("https://hasura.io/jwt/claims"),
        Some(&json!({"x-hasura-user-id": ada.id}))
    );
    assert_eq!(claims.expires_at() - claims.issued_at().unwrap(), 300);
    assert_eq!(
        claims.issued_at().unwrap() - claims.not_before().unwrap(),
        template.allowed_clock_skew
    );
    assert!(
        claims.get("sts").is_none(),
        "template tokens carry only default and template claims"
    );
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        last.uri,
        format!("/v1/sessions/{}/tokens/hasura", session.id)
    );
    let short = clerk
        .sessions()
        .create_token(&session.id, Some("hasura"), Some(45))
        .await
        .unwrap();
    let claims = payload(&short.jwt);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        45
    );

    // A template with a custom HS256 key is signed with that key, not the instance's.
    clerk
        .jwt_templates()
        .create(&CreateJwtTemplateParams {
            name: "supabase".into(),
            claims: object(json!({"role": "authenticated"})),
            custom_signing_key: Some(true),
            signing_algorithm: Some("HS256".into()),
            signing_key: Some("super-secret-jwt-key".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let custom = clerk
        .sessions()
        .create_token(&session.id, Some("supabase"), None)
        .await
        .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_aud = false;
    let decoded = jsonwebtoken::decode::<Value>(
        &custom.jwt,
        &jsonwebtoken::DecodingKey::from_secret(b"super-secret-jwt-key").unwrap(),
        &validation,
    )
    .unwrap();
    assert_eq!(decoded.claims["role"], json!("authenticated"));
    assert_eq!(decoded.claims["sub"], json!(ada.id));
    assert!(
        clerk.verify_token(&custom.jwt).await.is_err(),
        "not signed with the instance key"
    );
}

#[tokio::test]
async fn session_token_errors() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();
    assert_rejected(
        clerk
            .sessions()
            .create_token("sess_missing", None, None)
            .await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk
            .sessions()
            .create_token(&session.id, Some("nope"), None)
            .await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk
            .sessions()
            .create_token(&session.id, None, Some(10))
            .await,
        422,
        "form_param_value_invalid",
        Some("expires_in_seconds"),
    );
    clerk.sessions().revoke(&session.id).await.unwrap();
    assert_rejected(
        clerk.sessions().create_token(&session.id, None, None).await,
        404,
        "resource_not_found",
        None,
    );
}

#[tokio::test]
async fn clients_get_and_verify() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();

    let client = clerk.clients().get(&session.client_id).await.unwrap();
    assert_eq!(client.object, "client");
    assert_eq!(client.id, session.client_id);
    assert_eq!(client.session_ids, vec![session.id.clone()]);
    assert_eq!(client.sessions, vec![session.clone()]);
    assert_eq!(
        client.last_active_session_id.as_deref(),
        Some(session.id.as_str())
    );

    // The embedded sessions follow the session's state.
    clerk.sessions().revoke(&session.id).await.unwrap();
    let verified = clerk
        .clients()
        .verify(&mock.client_token(&session.client_id))
        .await
        .unwrap();
    assert_eq!(verified.id, session.client_id);
    assert_eq!(verified.sessions[0].status, SessionStatus::Revoked);
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("POST", "/v1/clients/verify")
    );

    assert_rejected(
        clerk.clients().get("client_missing").await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk
            .clients()
            .verify(&mock.client_token("client_missing"))
            .await,
        404,
        "resource_not_found",
        None,
    );
    let err = clerk.clients().verify("not-a-jwt").await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    let forged = TokenBuilder::sign_raw(
        &mock.unpublished_key(),
        json!({"alg": "RS256", "kid": mock.current_kid(), "typ": "JWT"})
            .to_string()
            .as_bytes(),
        json!({"id": session.client_id}).to_string().as_bytes(),
        "RS256",
    );
    let err = clerk.clients().verify(&forged).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert_rejected(
        clerk.clients().verify("").await,
        400,
        "form_param_missing",
        None,
    );
}

#[tokio::test]
async fn jwt_templates_crud() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let templates = clerk.jwt_templates();
    let params = CreateJwtTemplateParams {
        name: "firebase".into(),
        claims: object(json!({"uid": "{{user.id}}"})),
        ..Default::default()
    };
    let created = templates.create(&params).await.unwrap();
    assert_eq!(created.object, "jwt_template");
    assert!(created.id.starts_with("jtmp_"));
    assert_eq!((created.lifetime, created.allowed_clock_skew), (60, 5));
    assert!(!created.custom_signing_key);
    assert_eq!(created.signing_algorithm, "RS256");
    assert_eq!(created.claims, params.claims);
    assert_eq!(templates.get(&created.id).await.unwrap(), created);

    let second = templates
        .create(&CreateJwtTemplateParams {
            name: "other".into(),
            claims: Map::new(),
            lifetime: Some(120),
            allowed_clock_skew: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((second.lifetime, second.allowed_clock_skew), (120, 0));

    let page = templates
        .list(&JwtTemplateListParams::default())
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.data.len(), 2);
    let last = mock.api_requests().pop().unwrap();
    assert!(last.uri.contains("paginated=true"), "{}", last.uri);
    let one = templates
        .list(&JwtTemplateListParams {
            limit: Some(1),
            offset: Some(1),
        })
        .await
        .unwrap();
    assert_eq!((one.data.len(), one.total_count), (1, Some(2)));
    let all: Vec<_> = templates.list_all().collect().await;
    assert_eq!(all.len(), 2);
    let (_, bare) = raw_get(&mock, "/v1/jwt_templates").await;
    assert_eq!(
        bare.as_array().map(Vec::len),
        Some(2),
        "bare array without paginated=true"
    );

    let updated = templates
        .update(
            &created.id,
            &CreateJwtTemplateParams {
                name: "firebase-v2".into(),
                claims: object(json!({"uid": "{{user.id}}", "v": 2})),
                lifetime: Some(600),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name, "firebase-v2");
    assert_eq!(updated.lifetime, 600);
    assert_eq!(updated.created_at, created.created_at);
    // Keeping its own name is not a duplicate.
    templates
        .update(
            &created.id,
            &CreateJwtTemplateParams {
                name: "firebase-v2".into(),
                claims: Map::new(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let deleted = templates.delete(&created.id).await.unwrap();
    assert_eq!(
        (deleted.object.as_str(), deleted.deleted),
        ("jwt_template", true)
    );
    assert_eq!(deleted.id.as_deref(), Some(created.id.as_str()));
    assert_error(
        &templates.get(&created.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    assert_error(
        &templates.delete(&created.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    assert_eq!(
        templates
            .list(&JwtTemplateListParams::default())
            .await
            .unwrap()
            .total_count,
        Some(1)
    );
}

#[tokio::test]
async fn jwt_templates_validation() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let templates = clerk.jwt_templates();
    assert_rejected(
        templates.create(&CreateJwtTemplateParams::default()).await,
        422,
        "form_param_missing",
        Some("name"),
    );

    let valid = CreateJwtTemplateParams {
        name: "dup".into(),
        claims: Map::new(),
        ..Default::default()
    };
    let first = templates.create(&valid).await.unwrap();
    assert_rejected(
        templates.create(&valid).await,
        422,
        "duplicate_record",
        Some("name"),
    );
    let other = templates
        .create(&CreateJwtTemplateParams {
            name: "other".into(),
            ..valid.clone()
        })
        .await
        .unwrap();
    assert_rejected(
        templates.update(&other.id, &valid).await,
        422,
        "duplicate_record",
        None,
    );

    assert_rejected(
        templates
            .create(&CreateJwtTemplateParams {
                name: "short".into(),
                lifetime: Some(10),
                ..valid.clone()
            })
            .await,
        422,
        "form_param_value_invalid",
        Some("lifetime"),
    );
    let err = templates
        .create(&CreateJwtTemplateParams {
            name: "skewed".into(),
            allowed_clock_skew: Some(301),
            ..valid.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(param_name(&err).as_deref(), Some("allowed_clock_skew"));
    assert_rejected(
        templates
            .create(&CreateJwtTemplateParams {
                name: "custom".into(),
                custom_signing_key: Some(true),
                ..valid.clone()
            })
            .await,
        422,
        "form_param_missing",
        Some("signing_algorithm"),
    );
    assert_rejected(
        templates
            .create(&CreateJwtTemplateParams {
                name: "custom".into(),
                custom_signing_key: Some(true),
                signing_algorithm: Some("RS256".into()),
                signing_key: Some("not a PEM key".into()),
                ..valid.clone()
            })
            .await,
        422,
        "form_param_format_invalid",
        Some("signing_key"),
    );

    // `claims` is required too: a raw body without it.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/jwt_templates", mock.api_url()))
        .bearer_auth(mock.secret_key())
        .json(&json!({"name": "no-claims"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["meta"]["param_name"], json!("claims"));

    assert_error(
        &templates.update("jtmp_missing", &valid).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    assert_rejected(
        templates
            .update(&first.id, &CreateJwtTemplateParams::default())
            .await,
        422,
        "form_param_missing",
        None,
    );
}

#[tokio::test]
async fn sign_in_tokens_create_and_revoke() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let created = clerk
        .sign_in_tokens()
        .create(&CreateSignInTokenParams {
            user_id: ada.id.clone(),
            expires_in_seconds: Some(600),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.object, "sign_in_token");
    assert!(created.id.starts_with("sit_"));
    assert_eq!(created.status, SignInTokenStatus::Pending);
    assert_eq!(created.user_id, ada.id);
    let token = created.token.clone().expect("token on creation");
    assert_eq!(token.split('.').count(), 3);
    let url = created.url.clone().expect("url on creation");
    assert!(url.starts_with(&mock.issuer()), "{url}");
    assert!(url.ends_with(&format!("ticket={token}")), "{url}");

    let revoked = clerk.sign_in_tokens().revoke(&created.id).await.unwrap();
    assert_eq!(revoked.status, SignInTokenStatus::Revoked);
    assert_eq!(revoked.id, created.id);
    assert_eq!(
        (revoked.token, revoked.url),
        (None, None),
        "only returned on creation"
    );

    assert_rejected(
        clerk
            .sign_in_tokens()
            .create(&CreateSignInTokenParams {
                user_id: "user_missing".into(),
                ..Default::default()
            })
            .await,
        404,
        "resource_not_found",
        None,
    );
    assert_rejected(
        clerk
            .sign_in_tokens()
            .create(&CreateSignInTokenParams::default())
            .await,
        422,
        "form_param_missing",
        Some("user_id"),
    );
    assert_rejected(
        clerk
            .sign_in_tokens()
            .create(&CreateSignInTokenParams {
                user_id: ada.id.clone(),
                expires_in_seconds: Some(0),
                ..Default::default()
            })
            .await,
        422,
        "form_param_value_invalid",
        None,
    );
    assert_error(
        &clerk
            .sign_in_tokens()
            .revoke("sit_missing")
            .await
            .unwrap_err(),
        404,
        "resource_not_found",
    );
}

#[tokio::test]
async fn testing_tokens_expire_in_seconds() {
    let mock = MockClerk::start().await;
    let token = mock.clerk().testing_tokens().create().await.unwrap();
    assert_eq!(token.object, "testing_token");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now + 3000..=now + 3700).contains(&token.expires_at),
        "seconds, not ms: {}",
        token.expires_at
    );
    let (issued, rest) = token.token.split_once('-').unwrap();
    assert_eq!(issued.parse::<i64>().unwrap() + 3600, token.expires_at);
    assert!(!rest.is_empty());
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("POST", "/v1/testing_tokens")
    );
}

#[tokio::test]
async fn jwks_keys_returns_the_published_key_set() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let jwks = clerk.jwks().get().await.unwrap();
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(
        jwks.keys[0].kid.as_deref(),
        Some(mock.current_kid().as_str())
    );
    assert_eq!(jwks.keys[0].kty.as_deref(), Some("RSA"));
    let rotated = mock.rotate_key();
    let jwks = clerk.jwks().get().await.unwrap();
    assert_eq!(jwks.keys.len(), 2);
    assert!(jwks
        .keys
        .iter()
        .any(|k| k.kid.as_deref() == Some(rotated.as_str())));
    // Uncached: each call is a request.
    assert_eq!(mock.jwks_requests(), 2);
}

#[tokio::test]
#[allow(deprecated)]
async fn legacy_calls_fail_as_clerk_answers_now() {
    use clerk::api::{CreateEmailParams, CreateSmsMessageParams};
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();
    let token = mock.token().user(&ada.id).session(&session.id).sign();

    let err = clerk
        .sessions()
        .verify_session(&session.id, &token)
        .await
        .unwrap_err();
    assert_error(&err, 410, "operation_deprecated");
    assert!(err.to_string().contains("networkless"), "{err}");
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(last.uri, format!("/v1/sessions/{}/verify", session.id));

    assert_rejected(
        clerk.clients().get_client_list().await,
        410,
        "operation_deprecated",
        None,
    );
    assert_eq!(mock.api_requests().pop().unwrap().uri, "/v1/clients");

    assert_rejected(
        clerk
            .emails()
            .create_email(&CreateEmailParams {
                from_email_name: "support".into(),
                email_address_id: "idn_1".into(),
                subject: "Hi".into(),
                body: "<p>Hello</p>".into(),
            })
            .await,
        404,
        "resource_not_found",
        None,
    );
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("POST", "/v1/emails")
    );

    assert_rejected(
        clerk
            .sms_messages()
            .create_sms_message(&CreateSmsMessageParams {
                phone_number_id: "idn_2".into(),
                message: "Hello".into(),
            })
            .await,
        403,
        "authorization_invalid",
        None,
    );
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("POST", "/v1/sms_messages")
    );
    // None of these is retried: one request each.
    assert_eq!(mock.api_requests().len(), 4);
}

#[test]
fn legacy_types_read_the_old_payloads() {
    let email: clerk::api::Email = serde_json::from_value(json!({
        "object": "email", "id": "ema_1", "from_email_name": "support", "to_email_address": "a@b.c",
        "email_address_id": "idn_1", "subject": "Hi", "body": "x", "status": "queued", "extra": 1
    }))
    .unwrap();
    assert_eq!(email.status.as_deref(), Some("queued"));
    let sms: clerk::api::SmsMessage = serde_json::from_value(json!({
        "object": "sms_message", "from_phone_number": "+15550001", "to_phone_number": "+15550002",
        "phone_number_id": "idn_2", "message": "Hello", "status": "queued"
    }))
    .unwrap();
    assert_eq!(sms.id, None);
    assert_eq!(sms.to_phone_number.as_deref(), Some("+15550002"));
    let body = serde_json::to_value(clerk::api::CreateEmailParams {
        from_email_name: "support".into(),
        email_address_id: "idn_1".into(),
        subject: "s".into(),
        body: "b".into(),
    })
    .unwrap();
    assert_eq!(
        body,
        json!({"from_email_name": "support", "email_address_id": "idn_1", "subject": "s", "body": "b"})
    );
}
