//! Where each machine token type is accepted, with and without macros, and type mismatches.
//!
//! Unknown, revoked and expired tokens, Backend API failures, and the cache of positive results.
//!
//! Where machine tokens come from, the verify calls, JWT forms and the runtime API.

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

#[tokio::test]
async fn unknown_revoked_and_expired_tokens_are_refused() {
    let f = Fixture::new().await;
    for (path, token, message) in [
        (
            "/api_keys",
            "ak_0123456789abcdef0123456789abcdef",
            "API key not found",
        ),
        (
            "/m2m",
            "mt_0123456789abcdef0123456789abcdef",
            "Machine token not found",
        ),
        ("/oauth", "oat_0123456789abcdef", "OAuth token not found"),
    ] {
        let got = f.refused(path, Some(token), "token-invalid").await;
        assert_eq!(
            got,
            format!("{message} (reason=token-invalid, token-carrier=header)")
        );
    }

    // Revoked and expired tokens: the stand-in answers 404, as Clerk does, and the SDK says
    // what Clerk's client says for a 404.
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    assert!(f.mock.revoke_machine_token(&key_id));
    let message = f.refused("/api_keys", Some(&key), "token-invalid").await;
    assert!(message.starts_with("API key not found"), "{message}");

    let (mt_id, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    assert!(f.mock.expire_machine_token(&mt_id));
    let message = f.refused("/m2m", Some(&mt), "token-invalid").await;
    assert!(message.starts_with("Machine token not found"), "{message}");

    // Only the `expiration` says so: still a 404.
    let (oat_id, oat) = f.mock.create_oauth_token(USER, CLIENT, &[]);
    f.mock
        .merge_into_machine_token(&oat_id, json!({"expiration": 1_000_000_000_000i64}));
    let message = f.refused("/oauth", Some(&oat), "token-invalid").await;
    assert!(message.starts_with("OAuth token not found"), "{message}");

    // A 200 that says the token is revoked or expired (Clerk does not answer so; fail
    // closed all the same): refused, as is a 200 without the `revoked` flag. One key per
    // case, so that no case is answered from an earlier one.
    for (patch, reason, message) in [
        (
            json!({"revoked": true}),
            "token-invalid",
            "API key has been revoked",
        ),
        (
            json!({"expired": true}),
            "token-invalid",
            "API key has expired",
        ),
        (
            json!({"expiration": 1_000_000_000_000i64}),
            "token-invalid",
            "API key has expired",
        ),
        (
            json!({"revoked": null}),
            "unexpected-error",
            "Unexpected error",
        ),
    ] {
        let (id, key) = f.mock.create_api_key(USER, &[], None);
        let mut body = json!({
            "object": "api_key", "id": id, "type": "api_key", "subject": USER,
            "name": "k", "claims": null, "scopes": [], "revoked": false,
            "revocation_reason": null, "expired": false, "expiration": null,
        });
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        f.mock
            .inject_api_faults([Fault::Json { status: 200, body }]);
        let got = f.refused("/api_keys", Some(&key), reason).await;
        assert!(got.starts_with(message), "{patch}: {got}");
    }

    // Tokens over 16 KiB never leave the process.
    let before = f.machine_calls();
    let huge = format!("ak_{}", "a".repeat(clerk::MAX_TOKEN_LEN));
    f.refused("/api_keys", Some(&huge), "token-invalid").await;
    assert_eq!(f.machine_calls(), before);
    // One call per distinct token (repeats of a refused one are `quota.rs`'s).
    assert_eq!(f.calls("/api_keys/verify"), 6);
}

/// The stand-in answers a revoked or expired machine token as the Backend API does: 404
/// `resource_not_found` with Clerk's error body (the verify endpoints document 400 and 404
/// only), never a 200 that a client reading no flag (Clerk's own) would take as valid.
#[tokio::test]
async fn the_stand_in_refuses_revoked_and_expired_tokens_with_404() {
    let (mock, _) = start_mock().await;
    let http = reqwest::Client::new();
    let verify = |path: &'static str, field: &'static str, token: String| {
        let request = http
            .post(format!("{}{path}", mock.api_url()))
            .bearer_auth(mock.secret_key())
            .json(&json!({ field: token }));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (key_id, key) = mock.create_api_key(USER, &[], None);
    let (mt_id, mt) = mock.create_m2m_token(MACHINE, &[], None);
    let (oat_id, oat) = mock.create_oauth_token(USER, CLIENT, &[]);
    let (expiring_id, expiring) = mock.create_api_key(USER, &[], None);
    let cases = [
        ("/api_keys/verify", "secret", key.clone()),
        ("/m2m_tokens/verify", "token", mt.clone()),
        (
            "/oauth_applications/access_tokens/verify",
            "access_token",
            oat.clone(),
        ),
        ("/api_keys/verify", "secret", expiring.clone()),
    ];
    for (path, field, token) in cases.clone() {
        let (status, body) = verify(path, field, token).await;
        assert_eq!((status, &body["revoked"]), (200, &json!(false)), "{path}");
    }
    assert!(mock.revoke_machine_token(&key_id));
    assert!(mock.revoke_machine_token(&mt_id));
    assert!(mock.expire_machine_token(&oat_id));
    let past = json!({"expiration": 1_000_000_000_000i64});
    assert!(mock.merge_into_machine_token(&expiring_id, past));
    for (path, field, token) in cases {
        let (status, body) = verify(path, field, token).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["errors"][0]["code"], "resource_not_found", "{body}");
        assert!(body["errors"][0]["message"].is_string(), "{body}");
        assert!(body["errors"][0]["long_message"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn backend_api_failures_fail_closed() {
    let f = Fixture::new().await;
    let (_, key) = f.mock.create_api_key(USER, &[], None);

    // 5xx, 429, garbage: 401 `unexpected-error` (as a JWKS outage is a 401 for sessions).
    f.mock.inject_api_faults([Fault::Status(503)]);
    f.refused("/api_keys", Some(&key), "unexpected-error").await;
    f.mock.inject_api_faults([Fault::Garbage]);
    f.refused("/api_keys", Some(&key), "unexpected-error").await;
    f.mock.inject_api_faults([Fault::InvalidSecretKey]);
    f.refused("/api_keys", Some(&key), "secret-key-invalid")
        .await;
    // Then the Backend API recovers.
    assert_eq!(f.ok("/api_keys", &key).await["subject"], USER);

    // A wrong secret key.
    let wrong = f
        .mock
        .clerk_builder()
        .secret_key("sk_test_wrong")
        .build()
        .unwrap();
    let err = wrong.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidSecretKey);
    assert_eq!(err.status(), Some(401));
    // No secret key at all.
    let none = Clerk::builder()
        .without_env()
        .api_url(f.mock.api_url())
        .build()
        .unwrap();
    let err = none.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::UnexpectedError);

    // A Backend API that answers too late, and one that is gone.
    let slow = f
        .mock
        .clerk_builder()
        .http_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    f.mock
        .inject_api_faults([Fault::Delay(Duration::from_secs(2))]);
    let err = slow.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::UnexpectedError);
    let gone = Clerk::builder()
        .without_env()
        .secret_key("sk_test_gone")
        .api_url("http://127.0.0.1:1")
        .api_retry(clerk::api::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let f = Fixture::with(f.mock, serve(app(gone)).await);
    f.refused("/api_keys", Some(&key), "unexpected-error").await;
    f.refused("/m2m", Some("mt_whatever"), "unexpected-error")
        .await;
}

#[tokio::test]
async fn positive_results_are_cached_per_instance() {
    let f = Fixture::new().await;
    let (key_id, key) = f.mock.create_api_key(USER, &[], None);
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    assert_eq!(f.ok("/machines", &key).await["id"], key_id);
    assert_eq!(f.calls("/api_keys/verify"), 1, "one upstream call");

    // A burst of concurrent requests with a fresh token: one call.
    let (_, mt) = f.mock.create_m2m_token(MACHINE, &[], None);
    let requests = (0..20).map(|_| f.get("/m2m", Some(&mt)));
    for r in futures::future::join_all(requests).await {
        assert_eq!(r.status(), 200);
    }
    assert_eq!(f.calls("/m2m_tokens/verify"), 1);

    // Revocation takes effect after the TTL; this instance caches for 10 s, so the key
    // still works right after its revocation…
    assert!(f.mock.revoke_machine_token(&key_id));
    assert_eq!(f.ok("/api_keys", &key).await["id"], key_id);
    // …while an instance without the cache refuses it at once.
    let uncached = f
        .mock
        .clerk_builder()
        .machine_token_cache(MachineTokenCacheConfig {
            ttl: Duration::ZERO,
            ..Default::default()
        })
        .build()
        .unwrap();
    let err = uncached.verify_machine_token(&key).await.unwrap_err();
    assert_eq!(err.code(), Code::TokenInvalid);
    // A short TTL expires.
    let short = f
        .mock
        .clerk_builder()
        .machine_token_cache(MachineTokenCacheConfig {
            ttl: Duration::from_millis(150),
            ..Default::default()
        })
        .build()
        .unwrap();
    let (id2, key2) = f.mock.create_api_key(USER, &[], None);
    short.verify_machine_token(&key2).await.unwrap();
    short.verify_machine_token(&key2).await.unwrap();
    f.mock.revoke_machine_token(&id2);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(short.verify_machine_token(&key2).await.is_err());

    // Keyed by the whole token: a prefix or an extension of it is another token.
    let before = f.calls("/api_keys/verify");
    f.refused("/api_keys", Some(&key[..key.len() - 1]), "token-invalid")
        .await;
    f.refused("/api_keys", Some(&format!("{key}x")), "token-invalid")
        .await;
    assert_eq!(f.calls("/api_keys/verify"), before + 2);
}

#[tokio::test]
async fn machine_tokens_come_from_the_authorization_header_only() {
    let f = Fixture::new().await;
    let (_, key) = f.mock.create_api_key(USER, &[], None);
    // With the development browser a browser of a development instance has.
    let cookie = format!("__session={key}; __client_uat=1700000000; __clerk_db_jwt=dvb");
    let send = |path: &'static str| {
        f.http
            .get(format!("{}{path}", f.base))
            .header("cookie", cookie.clone())
            .send()
    };
    // A machine-only route: no header token.
    let r = send("/api_keys").await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("No token in header")
    );
    // A session route: the cookie is a (malformed) session token, never a machine token.
    let r = send("/session").await.unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    let r = send("/mixed").await.unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("token-invalid")
    );
    assert_eq!(f.machine_calls(), 0);
    // Another scheme is no header token either.
    let r = f
        .http
        .get(format!("{}/api_keys", f.base))
        .header("authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&r, "x-clerk-auth-reason").as_deref(),
        Some("No token in header")
    );
    // Without anything, a mixed route answers as a session route does: the whole cookie
    // ladder (Clerk's `acceptsToken: [...]` without a header token), where a development
    // instance without a development browser comes first.
    f.refused("/session", None, "dev-browser-missing").await;
    f.refused("/mixed", None, "dev-browser-missing").await;
}

#[tokio::test]
async fn verify_calls_use_unversioned_paths_and_the_right_key() {
    let (mock, clerk) = start_mock().await;
    let (_, key) = mock.create_api_key(USER, &[], None);
    let (_, mt) = mock.create_m2m_token(MACHINE, &[], None);
    let (_, oat) = mock.create_oauth_token(USER, CLIENT, &[]);
    for token in [&key, &mt, &oat] {
        clerk.verify_machine_token(token).await.unwrap();
    }
    let calls = mock.api_requests();
    let uris: Vec<&str> = calls.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "/api_keys/verify",
            "/m2m_tokens/verify",
            "/oauth_applications/access_tokens/verify"
        ]
    );
    let bearer = format!("Bearer {}", mock.secret_key());
    for call in &calls {
        assert!(!call.uri.starts_with("/v1"), "{}", call.uri);
        assert_eq!(call.method, "POST");
        assert_eq!(call.headers["clerk-api-version"], "2026-05-12");
        assert_eq!(call.headers["content-type"], "application/json");
        assert_eq!(call.headers["authorization"], bearer.as_str());
    }

    // M2M tokens are verified with the machine secret key when one is configured (here
    // from the environment); the other types keep the secret key.
    let machine_key = mock.machine_secret_key();
    let env_key = machine_key.clone();
    let with_machine_key = mock
        .clerk_builder()
        .env_lookup(move |name| (name == "CLERK_MACHINE_SECRET_KEY").then(|| env_key.clone()))
        .build()
        .unwrap();
    assert!(!format!("{with_machine_key:?}").contains(&machine_key));
    with_machine_key.verify_machine_token(&mt).await.unwrap();
    with_machine_key.verify_machine_token(&key).await.unwrap();
    let calls = mock.api_requests();
    let m2m_call = &calls[calls.len() - 2];
    assert_eq!(m2m_call.uri, "/m2m_tokens/verify");
    assert_eq!(
        m2m_call.headers["authorization"],
        format!("Bearer {machine_key}").as_str()
    );
    assert_eq!(
        calls[calls.len() - 1].headers["authorization"],
        bearer.as_str()
    );

    // A wrong machine secret key: the Backend API says 401.
    let wrong = mock
        .clerk_builder()
        .machine_secret_key("ak_wrong")
        .build()
        .unwrap();
    let err = wrong.verify_machine_token(&mt).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidSecretKey);
}

#[tokio::test]
async fn jwt_forms_are_verified_locally() {
    let f = Fixture::new().await;
    let m2m_jwt = f
        .mock
        .m2m_jwt(MACHINE, &[OTHER_MACHINE])
        .claim("jti", "mt_0000")
        .sign();
    let body = f.ok("/m2m", &m2m_jwt).await;
    assert_eq!(
        (
            &body["id"],
            &body["machine_id"],
            &body["scopes"],
            &body["jwt"]
        ),
        (
            &json!("mt_0000"),
            &json!(MACHINE),
            &json!([OTHER_MACHINE]),
            &json!(true)
        )
    );
    let oauth_jwt = f.mock.oauth_jwt(USER, CLIENT, &["email"]).sign();
    let body = f.ok("/oauth", &oauth_jwt).await;
    assert_eq!(
        (&body["user_id"], &body["client_id"], &body["scopes"]),
        (&json!(USER), &json!(CLIENT), &json!(["email"]))
    );
    // The session path refuses them (as before), a route listing them accepts them.
    f.refused("/session", Some(&m2m_jwt), "token-type-mismatch")
        .await;
    f.refused("/api_keys", Some(&m2m_jwt), "token-type-mismatch")
        .await;
    f.refused("/m2m", Some(&oauth_jwt), "token-type-mismatch")
        .await;
    assert_eq!(
        f.ok("/session_or_m2m", &m2m_jwt).await,
        json!({"type": "m2m_token", "machine_id": MACHINE})
    );
    let session = f.mock.token().user("user_s").sign();
    assert_eq!(
        f.ok("/session_or_m2m", &session).await,
        json!({"type": "session_token", "machine_id": null})
    );
    assert_eq!(f.machine_calls(), 0, "JWT forms need no Backend API call");

    // Local failures: token-verification-failed.
    for bad in [
        f.mock.m2m_jwt(MACHINE, &[]).expired().sign(),
        f.mock
            .m2m_jwt(MACHINE, &[])
            .sign_with(&f.mock.unpublished_key()),
        f.mock.m2m_jwt(MACHINE, &[]).sign_tampered(),
        f.mock
            .m2m_jwt(MACHINE, &[])
            .header("cat", "cl_B7d4PD111AAA")
            .sign(),
        f.mock.m2m_jwt(MACHINE, &[]).header("alg", "none").sign(),
    ] {
        f.refused("/m2m", Some(&bad), "token-verification-failed")
            .await;
    }
    f.refused(
        "/oauth",
        Some(&f.mock.oauth_jwt(USER, CLIENT, &[]).expired().sign()),
        "token-verification-failed",
    )
    .await;
}

#[tokio::test]
async fn the_runtime_api() {
    let (mock, clerk) = start_mock().await;
    let (key_id, key) = mock.create_api_key(ORG, &["admin"], None);
    let machine = clerk.verify_machine_token(&key).await.unwrap();
    assert_eq!(machine.token_type(), TokenType::ApiKey);
    assert_eq!(
        (machine.id(), machine.org_id()),
        (key_id.as_str(), Some(ORG))
    );
    assert!(machine.has_scope("admin") && !machine.has_scope("read"));
    assert!(!machine.has(&clerk::Has::role("org:admin")));
    assert_eq!(machine.token(), key);
    assert!(
        !format!("{machine:?}").contains(&key),
        "Debug hides the token"
    );

    let err = clerk
        .verify_machine_token("eyJ.not.machine")
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "token-invalid");

    let request = |token: &str| {
        http::Request::builder()
            .uri("/")
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let state = clerk
        .authenticate_request_accepting(&request(&key), AcceptsToken::ANY)
        .await;
    assert!(state.is_signed_in());
    assert_eq!(state.token_type(), Some(TokenType::ApiKey));
    let auth = state.to_auth();
    assert!(auth.is_authenticated() && !auth.is_signed_in());
    assert_eq!((auth.org_id(), auth.user_id()), (Some(ORG), None));
    assert_eq!(
        auth.get_token(None).await.unwrap().as_deref(),
        Some(key.as_str())
    );
    assert_eq!(state.observability_headers().len(), 1);

    // The session-only default is `authenticate_request` itself.
    let session = mock.token().user("user_s").sign();
    for token in [&session, &key, &"garbage".to_owned()] {
        let parts = request(token);
        let plain = clerk.authenticate_request(&parts).await;
        let accepting = clerk
            .authenticate_request_accepting(&parts, AcceptsToken::SESSION)
            .await;
        assert!(matches!(&accepting, AnyTokenRequestState::Session(_)));
        assert_eq!(plain.reason(), accepting.reason());
        assert_eq!(plain.is_signed_in(), accepting.is_signed_in());
    }
    let state = clerk
        .authenticate_request_accepting(&request(&session), AcceptsToken::MACHINE)
        .await;
    assert_eq!(
        state.reason().map(|r| r.as_str()),
        Some("token-type-mismatch")
    );
    assert_eq!(state.to_auth().token_type(), TokenType::SessionToken);
    assert!(!state.to_auth().is_authenticated());
}
