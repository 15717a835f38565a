//! Where each machine token type is accepted, with and without macros, and type mismatches.

use super::*;

#[tokio::test]
async fn each_machine_token_type_is_accepted_where_allowed() {
    let f = Fixture::new().await;
    let (key_id, key) =
        f.mock
            .create_api_key(USER, &["read", "write"], Some(json!({"tier": "gold"})));
    let (org_key_id, org_key) = f.mock.create_api_key(ORG, &[], None);
    let (mt_id, mt) = f.mock.create_m2m_token(MACHINE, &[OTHER_MACHINE], None);
    let (oat_id, oat) = f
        .mock
        .create_oauth_token(USER, CLIENT, &["email", "profile"]);

    assert_eq!(
        f.ok("/api_keys", &key).await,
        json!({
            "type": "api_key", "id": key_id, "subject": USER, "scopes": ["read", "write"],
            "name": "mock-api-key", "user_id": USER, "org_id": null, "machine_id": null,
            "client_id": null, "claims": {"tier": "gold"}, "jwt": false,
        })
    );
    let body = f.ok("/api_keys", &org_key).await;
    assert_eq!(
        (
            &body["id"],
            &body["org_id"],
            &body["user_id"],
            &body["claims"]
        ),
        (&json!(org_key_id), &json!(ORG), &Value::Null, &Value::Null)
    );
    assert_eq!(
        f.ok("/m2m", &mt).await,
        json!({
            "type": "m2m_token", "id": mt_id, "subject": MACHINE, "scopes": [OTHER_MACHINE],
            "name": null, "user_id": null, "org_id": null, "machine_id": MACHINE,
            "client_id": null, "claims": null, "jwt": false,
        })
    );
    assert_eq!(
        f.ok("/oauth", &oat).await,
        json!({
            "type": "oauth_token", "id": oat_id, "subject": USER, "scopes": ["email", "profile"],
            "name": null, "user_id": USER, "org_id": null, "machine_id": null,
            "client_id": CLIENT, "claims": null, "jwt": false,
        })
    );
    for (token, ty) in [(&key, "api_key"), (&mt, "m2m_token"), (&oat, "oauth_token")] {
        assert_eq!(f.ok("/machines", token).await["type"], ty);
        assert_eq!(f.ok("/any", token).await["type"], ty);
    }

    // Mixed route: a session, or an API key.
    let session = f.mock.token().user("user_s").sign();
    assert_eq!(
        f.ok("/mixed", &session).await,
        json!({"type": "session_token", "user_id": "user_s", "session": "user_s", "machine": null, "has": false})
    );
    assert_eq!(
        f.ok("/mixed", &key).await,
        json!({"type": "api_key", "user_id": USER, "session": null, "machine": key_id, "has": false})
    );
    assert_eq!(
        f.ok("/any", &session).await,
        json!({"type": "session_token", "user_id": "user_s"})
    );
    assert_eq!(
        f.ok("/session", &session).await,
        json!({"type": "session_token", "user_id": "user_s"})
    );
}

#[tokio::test]
async fn plain_extractors_without_macros() {
    let f = Fixture::new().await;
    let (_, key) = f.mock.create_api_key(USER, &[], None);
    let (_, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    assert_eq!(f.text("/plain", Some(&key)).await, (200, USER.to_owned()));
    assert_eq!(f.text("/plain", Some(&mt)).await, (200, MACHINE.to_owned()));
    let session = f.mock.token().sign();
    f.refused("/plain", Some(&session), "token-type-mismatch")
        .await;
    f.refused("/plain", None, "No token in header").await;
    assert_eq!(
        f.text("/plain_optional", Some(&key)).await,
        (200, "Some(ApiKey)".to_owned())
    );
    assert_eq!(
        f.text("/plain_optional", Some(&session)).await,
        (200, "None".to_owned())
    );
    assert_eq!(
        f.text("/plain_optional", None).await,
        (200, "None".to_owned())
    );
}

#[tokio::test]
async fn wrong_token_types_are_a_type_mismatch() {
    let f = Fixture::new().await;
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    let (_, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    let (_, oat) = f.mock.create_oauth_token(USER, CLIENT, &[]);
    let session = f.mock.token().user("user_s").sign();

    // A machine token where only sessions are accepted: 401 token-type-mismatch, decided
    // by prefix alone (no Backend API call). Clerk's JS says token-invalid here: see the
    // crate docs, "Where this SDK differs".
    for token in [&key, &mt, &oat] {
        let message = f
            .refused("/session", Some(token), "token-type-mismatch")
            .await;
        assert!(message.contains("token-carrier=header"), "{message}");
        assert!(
            !message.contains(token.as_str()),
            "the token is never echoed"
        );
    }
    // The same for unknown tokens with a machine prefix, and the bare (scheme-less) form.
    f.refused("/session", Some("ak_unknown"), "token-type-mismatch")
        .await;
    let r = f
        .http
        .get(format!("{}/session", f.base))
        .header("authorization", key.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("token-type-mismatch")
    );
    assert_eq!(
        f.machine_calls(),
        0,
        "wrong types never reach the Backend API"
    );

    // A session token where only machine tokens are accepted (M05).
    for path in ["/api_keys", "/m2m", "/oauth", "/machines"] {
        f.refused(path, Some(&session), "token-type-mismatch").await;
    }
    // A machine type the route does not list.
    f.refused("/api_keys", Some(&mt), "token-type-mismatch")
        .await;
    f.refused("/api_keys", Some(&oat), "token-type-mismatch")
        .await;
    f.refused("/m2m", Some(&key), "token-type-mismatch").await;
    f.refused("/oauth", Some(&key), "token-type-mismatch").await;
    f.refused("/mixed", Some(&mt), "token-type-mismatch").await;
    f.refused("/mixed", Some(&oat), "token-type-mismatch").await;
    // Garbage on a machine-only route is not a machine token this route accepts.
    f.refused("/api_keys", Some("not-a-token"), "token-type-mismatch")
        .await;
    assert_eq!(f.machine_calls(), 0);

    // `on_error` sees the reason.
    let r = f.get("/custom", Some(&session)).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"reason": "token-type-mismatch"})
    );
    assert_eq!(f.text("/custom", Some(&key)).await, (200, key_id));
}
