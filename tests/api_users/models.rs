//! Every model of the users endpoints round-trips through serde.

use super::*;

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
