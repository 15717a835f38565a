//! JWT templates: CRUD and validation.

use super::*;

#[tokio::test]
async fn jwt_templates_crud() {
    let (mock, clerk) = start_mock().await;
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
    let (mock, clerk) = start_mock().await;
    let templates = clerk.jwt_templates();
    assert_param_missing(
        templates.create(&CreateJwtTemplateParams::default()).await,
        "name",
    );

    let valid = CreateJwtTemplateParams {
        name: "dup".into(),
        claims: Map::new(),
        ..Default::default()
    };
    let first = templates.create(&valid).await.unwrap();
    assert_fails(
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
    assert_fails(
        templates.update(&other.id, &valid).await,
        422,
        "duplicate_record",
        None,
    );

    assert_fails(
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
    assert_param_missing(
        templates
            .create(&CreateJwtTemplateParams {
                name: "custom".into(),
                custom_signing_key: Some(true),
                ..valid.clone()
            })
            .await,
        "signing_algorithm",
    );
    assert_fails(
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
    assert_fails(
        templates
            .update(&first.id, &CreateJwtTemplateParams::default())
            .await,
        422,
        "form_param_missing",
        None,
    );
}
