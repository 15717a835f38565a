//! Users: ban, lock, bulk ban, and password and TOTP verification.
//!
//! Every model of the users endpoints round-trips through serde.

use super::*;

#[tokio::test]
async fn ban_and_unban() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("ban@example.com"));
    let session = mock.create_session(&user.id).unwrap();
    let banned = clerk.users().ban(&user.id).await.unwrap();
    assert!(banned.banned);
    assert_eq!(mock.user_object(&user.id).unwrap()["banned"], json!(true));
    // A ban revokes the user's sessions.
    let session = clerk.sessions().get(&session.id).await.unwrap();
    assert_eq!(session.status.as_str(), "revoked");
    let unbanned = clerk.users().unban(&user.id).await.unwrap();
    assert!(!unbanned.banned);
    assert_eq!(mock.user_object(&user.id).unwrap()["banned"], json!(false));
    assert_api_error(
        &clerk.users().ban("user_missing").await.unwrap_err(),
        404,
        "resource_not_found",
    );
    assert_api_error(
        &clerk.users().unban("user_missing").await.unwrap_err(),
        404,
        "resource_not_found",
    );
}

#[tokio::test]
async fn lock_and_unlock() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("lock@example.com"));
    assert!(!user.locked);
    let locked = clerk.users().lock(&user.id).await.unwrap();
    assert!(locked.locked);
    assert_eq!(locked.verification_attempts_remaining, Some(0));
    assert_eq!(mock.user_object(&user.id).unwrap()["locked"], json!(true));
    let unlocked = clerk.users().unlock(&user.id).await.unwrap();
    assert!(!unlocked.locked);
    assert_eq!(unlocked.lockout_expires_in_seconds, None);
    assert_eq!(mock.user_object(&user.id).unwrap()["locked"], json!(false));
    assert!(clerk
        .users()
        .lock("user_missing")
        .await
        .unwrap_err()
        .is_not_found());
    assert!(clerk
        .users()
        .unlock("user_missing")
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn ban_many_and_unban_many() {
    let (mock, clerk) = setup().await;
    let users: Vec<User> = (0..3)
        .map(|i| seed(&mock, with_email(&format!("bulk{i}@example.com"))))
        .collect();
    let bystander = seed(&mock, with_email("bystander@example.com"));
    let wanted = [
        users[0].id.as_str(),
        "user_unknown",
        users[1].id.as_str(),
        users[2].id.as_str(),
    ];
    let banned = clerk.users().ban_many(&wanted).await.unwrap();
    assert_eq!(
        ids(&banned),
        ids(&users),
        "unknown ids are skipped, order kept"
    );
    assert!(banned.iter().all(|u| u.banned));
    for u in &users {
        assert_eq!(mock.user_object(&u.id).unwrap()["banned"], json!(true));
    }
    assert_eq!(
        mock.user_object(&bystander.id).unwrap()["banned"],
        json!(false)
    );
    let listed = clerk
        .users()
        .list(&params(|it: &mut UserListParams| it.banned = Some(true)))
        .await
        .unwrap();
    assert_eq!(id_set(&listed), id_set(&users));

    let unbanned = clerk
        .users()
        .unban_many(&[users[0].id.clone()])
        .await
        .unwrap();
    assert_eq!(ids(&unbanned), vec![users[0].id.clone()]);
    assert!(!unbanned[0].banned);
    assert_eq!(
        mock.user_object(&users[0].id).unwrap()["banned"],
        json!(false)
    );
    assert_eq!(
        mock.user_object(&users[1].id).unwrap()["banned"],
        json!(true)
    );

    let empty: [&str; 0] = [];
    assert_api_fails(
        clerk.users().ban_many(&empty).await,
        400,
        "form_param_value_invalid",
        Some("user_ids"),
    );
    let too_many: Vec<String> = (0..51).map(|i| format!("user_{i}")).collect();
    let err = clerk.users().unban_many(&too_many).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    // POST is not retried on a 400; the bodies went to /users/ban and /users/unban.
    let posts: Vec<String> = mock
        .api_requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.uri)
        .collect();
    assert_eq!(
        posts,
        [
            "/v1/users/ban",
            "/v1/users/unban",
            "/v1/users/ban",
            "/v1/users/unban"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// verify_password / verify_totp
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn verify_password_answers() {
    let (mock, clerk) = setup().await;
    let with_password = seed(
        &mock,
        create_with(|q| q.password = Some("s3cret-passw0rd".into())),
    );
    let without = seed(&mock, with_email("nopass@example.com"));
    let users = clerk.users();
    assert!(password_matches(&clerk, &with_password.id, "s3cret-passw0rd").await);
    assert!(!password_matches(&clerk, &with_password.id, "wrong-password").await);
    let err = users
        .verify_password(&without.id, "anything")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let err = users
        .verify_password("user_missing", "anything")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    // A wrong password is not retried either (a POST; 422 is not transient anyway).
    assert_eq!(mock.api_requests().len(), 4);
    // An imported sha256 digest verifies too.
    let imported = seed(
        &mock,
        CreateUserParams {
            // sha256("password")
            password_digest: Some(
                "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".into(),
            ),
            password_hasher: Some("sha256".into()),
            ..Default::default()
        },
    );
    assert!(imported.password_enabled);
    assert!(password_matches(&clerk, &imported.id, "password").await);
}

#[tokio::test]
async fn verify_totp_accepts_totp_and_consumes_backup_codes() {
    let (mock, clerk) = setup().await;
    let secret = "JBSWY3DPEHPK3PXP";
    let user = seed(
        &mock,
        create_with(|q| {
            q.totp_secret = Some(secret.into());
            q.backup_codes = vec!["code-one".into(), "code-two".into()];
        }),
    );
    let users = clerk.users();
    let code = mock.totp_code(secret).unwrap();
    assert_eq!(code.len(), 6);
    let result = users.verify_totp(&user.id, &code).await.unwrap();
    assert_eq!(
        result,
        TotpVerification {
            verified: true,
            code_type: Some(TotpCodeType::Totp)
        }
    );
    let result = users.verify_totp(&user.id, "code-one").await.unwrap();
    assert_eq!(result.code_type, Some(TotpCodeType::BackupCode));
    assert!(result.verified);
    // A backup code works once.
    let again = users.verify_totp(&user.id, "code-one").await.unwrap();
    assert_eq!(
        again,
        TotpVerification {
            verified: false,
            code_type: None
        }
    );
    assert!(
        users
            .verify_totp(&user.id, "code-two")
            .await
            .unwrap()
            .verified
    );
    assert!(!mock.user_object(&user.id).unwrap()["backup_code_enabled"]
        .as_bool()
        .unwrap());
    assert!(
        !users
            .verify_totp(&user.id, "000000x")
            .await
            .unwrap()
            .verified
    );

    let plain = seed(&mock, with_email("nototp@example.com"));
    assert_eq!(
        users
            .verify_totp(&plain.id, "123456")
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
    assert_eq!(
        users
            .verify_totp("user_missing", "123456")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

async fn raw(mock: &MockClerk, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", mock.api_url()))
        .bearer_auth(mock.secret_key());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// Every value of `raw` is in `serialized` (a missing key counts as `null`).
fn assert_covers(raw: &Value, serialized: &Value, at: &str) {
    match (raw, serialized) {
        (Value::Object(r), Value::Object(s)) => {
            for (k, v) in r {
                let other = s.get(k).unwrap_or(&Value::Null);
                assert_covers(v, other, &format!("{at}.{k}"));
            }
        }
        (Value::Array(r), Value::Array(s)) => {
            assert_eq!(r.len(), s.len(), "{at}");
            for (i, (a, b)) in r.iter().zip(s).enumerate() {
                assert_covers(a, b, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(raw, serialized, "{at}"),
    }
}

/// Decodes, re-encodes and decodes again: nothing is lost, nothing changes.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(raw: &Value) -> T {
    let model: T = serde_json::from_value(raw.clone()).unwrap();
    let serialized = serde_json::to_value(&model).unwrap();
    assert_covers(raw, &serialized, std::any::type_name::<T>());
    let again: T = serde_json::from_value(serialized).unwrap();
    assert_eq!(again, model);
    model
}

#[tokio::test]
async fn every_model_of_the_users_endpoints_round_trips() {
    use reqwest::Method;
    let mock = MockClerk::start().await;
    let p = population(&mock).await;
    let full = raw(
        &mock,
        Method::POST,
        "/v1/users",
        Some(json!({
            "email_address": ["rt@example.com", "rt2@example.com"],
            "email_address_identification_status": ["verified", "reserved"],
            "phone_number": ["+15555550199"],
            "web3_wallet": ["0x1111111111111111111111111111111111111111"],
            "username": "roundtrip", "password": "roundtrip-pass",
            "totp_secret": "JBSWY3DPEHPK3PXP", "backup_codes": ["b1"],
            "public_metadata": {"a": {"b": [1, 2, {"c": null}]}},
            "legal_accepted_at": "2024-10-20T07:15:20Z", "locked": true
        })),
    )
    .await;
    let user: User = round_trip(&full);
    let id = user.id.clone();
    round_trip::<User>(&raw(&mock, Method::GET, &format!("/v1/users/{}", p.bob.id), None).await);
    let list = raw(&mock, Method::GET, "/v1/users?limit=100", None).await;
    assert_eq!(round_trip::<Vec<User>>(&list).len(), 5);
    // GET /users is a bare array: no total.
    let page: clerk::api::PaginatedList<User> = serde_json::from_value(list.clone()).unwrap();
    assert_eq!((page.len(), page.total_count), (5, None));
    let count = round_trip::<TotalCount>(&raw(&mock, Method::GET, "/v1/users/count", None).await);
    assert_eq!(
        count,
        TotalCount {
            object: "total_count".into(),
            total_count: 5
        }
    );
    round_trip::<User>(
        &raw(
            &mock,
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"first_name": "R"})),
        )
        .await,
    );
    round_trip::<User>(
        &raw(
            &mock,
            Method::PATCH,
            &format!("/v1/users/{id}/metadata"),
            Some(json!({"private_metadata": {"x": 1}})),
        )
        .await,
    );
    round_trip::<User>(
        &raw(
            &mock,
            Method::PUT,
            &format!("/v1/users/{id}/metadata"),
            Some(json!({"unsafe_metadata": {"y": 2}})),
        )
        .await,
    );
    for action in ["ban", "unban", "lock", "unlock"] {
        round_trip::<User>(
            &raw(
                &mock,
                Method::POST,
                &format!("/v1/users/{id}/{action}"),
                None,
            )
            .await,
        );
    }
    let bulk = raw(
        &mock,
        Method::POST,
        "/v1/users/ban",
        Some(json!({"user_ids": [id, p.ada.id]})),
    )
    .await;
    assert_eq!(round_trip::<Vec<User>>(&bulk).len(), 2);
    round_trip::<Vec<User>>(
        &raw(
            &mock,
            Method::POST,
            "/v1/users/unban",
            Some(json!({"user_ids": [id]})),
        )
        .await,
    );
    let verified = raw(
        &mock,
        Method::POST,
        &format!("/v1/users/{id}/verify_password"),
        Some(json!({"password": "roundtrip-pass"})),
    )
    .await;
    assert_eq!(
        round_trip::<PasswordVerification>(&verified),
        PasswordVerification { verified: true }
    );
    let totp = raw(
        &mock,
        Method::POST,
        &format!("/v1/users/{id}/verify_totp"),
        Some(json!({"code": "b1"})),
    )
    .await;
    assert_eq!(
        round_trip::<TotpVerification>(&totp),
        TotpVerification {
            verified: true,
            code_type: Some(TotpCodeType::BackupCode)
        }
    );
    let deleted = raw(&mock, Method::DELETE, &format!("/v1/users/{id}"), None).await;
    assert_eq!(
        round_trip::<DeletedObject>(&deleted).id.as_deref(),
        Some(id.as_str())
    );
    // The population's seeded external account decodes too.
    assert_eq!(p.bob.external_accounts[0].provider_user_id, "google-bob");
}

#[tokio::test]
async fn the_mock_rejects_fields_the_spec_does_not_document() {
    use reqwest::Method;
    let mock = MockClerk::start().await;
    let user = seed(&mock, with_email("strict@example.com"));
    let client = reqwest::Client::new();
    let send = |method: Method, path: String, body: Value| {
        client
            .request(method, format!("{}{path}", mock.api_url()))
            .bearer_auth(mock.secret_key())
            .json(&body)
            .send()
    };
    // Metadata left PATCH /users/{id} in 2026-05-12.
    let response = send(
        Method::PATCH,
        format!("/v1/users/{}", user.id),
        json!({"public_metadata": {}}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_param_unknown");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "public_metadata");
    let response = send(Method::POST, "/v1/users".into(), json!({"first_name": 5}))
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_param_format_invalid");
    let response = send(
        Method::PUT,
        format!("/v1/users/{}/metadata", user.id),
        json!({"public_metadata": [1]}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let response = send(Method::POST, "/v1/users/ban".into(), json!({}))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_param_missing");
    // The stored user did not change.
    assert_eq!(
        mock.user_object(&user.id).unwrap()["public_metadata"],
        json!({})
    );
}
