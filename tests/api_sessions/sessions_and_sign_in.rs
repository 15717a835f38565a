//! Sessions: create, get, list, revoke, the list's wire shape and errors.
//!
//! Sign-in and testing tokens, the Backend API JWKS, and the legacy Node SDK calls.

use super::*;

#[tokio::test]
async fn sessions_create_get_list_revoke() {
    let (mock, clerk) = start_mock().await;
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
        .create(&params(|it: &mut CreateSessionParams| {
            it.user_id = bob.id.clone()
        }))
        .await
        .unwrap();

    let fetched = clerk.sessions().get(&seeded.id).await.unwrap();
    assert_eq!(fetched, seeded);

    // By user: a page with the total, newest first; `paginated=true` is always sent.
    let page = clerk
        .sessions()
        .list(&params(|it: &mut SessionListParams| {
            it.user_id = Some(ada.id.clone())
        }))
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
        .list(&params(|it: &mut SessionListParams| {
            it.client_id = Some(bobs.client_id.clone())
        }))
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
    let revoked_list = sessions_of(&clerk, &ada.id, SessionStatus::Revoked).await;
    assert_eq!(revoked_list.total_count, Some(1));
    assert_eq!(revoked_list.data[0].id, seeded.id);
    let active = sessions_of(&clerk, &ada.id, SessionStatus::Active).await;
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
    let (_mock, clerk) = start_mock().await;
    assert_not_found(clerk.sessions().get("sess_missing").await);
    assert_not_found(clerk.sessions().revoke("sess_missing").await);
    assert_not_found(
        clerk
            .sessions()
            .create(&params(|it: &mut CreateSessionParams| {
                it.user_id = "user_missing".into()
            }))
            .await,
    );
    assert_param_missing(
        clerk
            .sessions()
            .create(&CreateSessionParams::default())
            .await,
        "user_id",
    );
    assert_fails(
        clerk
            .sessions()
            .list(&params(|it: &mut SessionListParams| {
                it.status = Some(SessionStatus::from("sleeping"))
            }))
            .await,
        422,
        "form_param_value_invalid",
        Some("status"),
    );
    assert_fails(
        clerk
            .sessions()
            .list(&params(|it: &mut SessionListParams| it.limit = Some(501)))
            .await,
        422,
        "form_param_value_invalid",
        Some("limit"),
    );
}

/// The sessions of `user_id` with this status, as a page.
async fn sessions_of(
    clerk: &Clerk,
    user_id: &str,
    status: SessionStatus,
) -> PaginatedList<Session> {
    let params = SessionListParams {
        user_id: Some(user_id.into()),
        status: Some(status),
        ..Default::default()
    };
    clerk.sessions().list(&params).await.unwrap()
}

#[tokio::test]
async fn sign_in_tokens_create_and_revoke() {
    let (mock, clerk) = start_mock().await;
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

    assert_not_found(
        clerk
            .sign_in_tokens()
            .create(&params(|it: &mut CreateSignInTokenParams| {
                it.user_id = "user_missing".into()
            }))
            .await,
    );
    assert_param_missing(
        clerk
            .sign_in_tokens()
            .create(&CreateSignInTokenParams::default())
            .await,
        "user_id",
    );
    assert_fails(
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
    let (mock, clerk) = start_mock().await;
    let jwks = clerk.jwks_api().get().await.unwrap();
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(
        jwks.keys[0].kid.as_deref(),
        Some(mock.current_kid().as_str())
    );
    assert_eq!(jwks.keys[0].kty.as_deref(), Some("RSA"));
    let rotated = mock.rotate_key();
    let jwks = clerk.jwks_api().get().await.unwrap();
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
    let (mock, clerk) = start_mock().await;
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

    assert_fails(
        clerk.clients().get_client_list().await,
        410,
        "operation_deprecated",
        None,
    );
    assert_eq!(mock.api_requests().pop().unwrap().uri, "/v1/clients");

    assert_not_found(
        clerk
            .emails()
            .create_email(&CreateEmailParams {
                from_email_name: "support".into(),
                email_address_id: "idn_1".into(),
                subject: "Hi".into(),
                body: "<p>Hello</p>".into(),
            })
            .await,
    );
    let last = mock.api_requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.uri.as_str()),
        ("POST", "/v1/emails")
    );

    assert_fails(
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
