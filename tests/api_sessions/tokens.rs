//! Session tokens (with JWT template claims) and clients.

use super::*;

#[tokio::test]
async fn session_tokens_verify_and_carry_template_claims() {
    let (mock, clerk) = start_mock().await;
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
    let token = template_token(&clerk, &session.id, "hasura").await;
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
    let custom = template_token(&clerk, &session.id, "supabase").await;
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
    let (mock, clerk) = start_mock().await;
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();
    assert_not_found(
        clerk
            .sessions()
            .create_token("sess_missing", None, None)
            .await,
    );
    assert_not_found(
        clerk
            .sessions()
            .create_token(&session.id, Some("nope"), None)
            .await,
    );
    assert_fails(
        clerk
            .sessions()
            .create_token(&session.id, None, Some(10))
            .await,
        422,
        "form_param_value_invalid",
        Some("expires_in_seconds"),
    );
    clerk.sessions().revoke(&session.id).await.unwrap();
    assert_not_found(clerk.sessions().create_token(&session.id, None, None).await);
}

#[tokio::test]
async fn clients_get_and_verify() {
    let (mock, clerk) = start_mock().await;
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

    assert_not_found(clerk.clients().get("client_missing").await);
    assert_not_found(
        clerk
            .clients()
            .verify(&mock.client_token("client_missing"))
            .await,
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
    assert_fails(
        clerk.clients().verify("").await,
        400,
        "form_param_missing",
        None,
    );
}

/// A session token from the JWT template `template`.
async fn template_token(clerk: &Clerk, session_id: &str, template: &str) -> clerk::api::Token {
    clerk
        .sessions()
        .create_token(session_id, Some(template), None)
        .await
        .unwrap()
}
