//! Sign-in and testing tokens, the Backend API JWKS, and the legacy Node SDK calls.

use super::*;

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
