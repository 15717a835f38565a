//! Users: `get`, `create`, `update`, `delete` and the metadata calls.

use super::*;

#[tokio::test]
async fn get_returns_the_stored_user_and_404s_unknown_ids() {
    let (mock, clerk) = setup().await;
    let seeded = seed(
        &mock,
        CreateUserParams {
            first_name: Some("Ada".into()),
            ..with_email("ada@example.com")
        },
    );
    let user = clerk.users().get(&seeded.id).await.unwrap();
    assert_eq!(user, seeded);
    let stored: User = serde_json::from_value(mock.user_object(&seeded.id).unwrap()).unwrap();
    assert_eq!(user, stored);
    assert_eq!(user.first_name.as_deref(), Some("Ada"));
    assert_eq!(user.email_addresses[0].email_address, "ada@example.com");

    let err = clerk.users().get("user_missing").await.unwrap_err();
    assert_api_error(&err, 404, "resource_not_found");
    assert!(err.is_not_found());
    assert!(!err.is_transient());
    // A 404 is not retried.
    assert_eq!(mock.api_requests().len(), 2);
    let shown = err.to_string();
    assert!(
        shown.contains("404") && shown.contains("resource_not_found") && shown.contains("trace_"),
        "{shown}"
    );
}

#[tokio::test]
async fn path_segments_are_percent_encoded() {
    let (mock, clerk) = setup().await;
    assert_api_not_found(clerk.users().get("user_1/ban?x=1 #").await);
    assert_eq!(uris(&mock), vec!["/v1/users/user_1%2Fban%3Fx=1%20%23"]);
}

#[tokio::test]
async fn create_sends_every_field_and_stores_the_user() {
    let (mock, clerk) = setup().await;
    let params = CreateUserParams {
        external_id: Some("ext-1".into()),
        first_name: Some("Grace".into()),
        last_name: Some("Hopper".into()),
        locale: Some("en-US".into()),
        email_address: vec!["grace@example.com".into(), "hopper@example.com".into()],
        email_address_identification_status: vec![
            IdentificationStatus::Verified,
            IdentificationStatus::Reserved,
        ],
        phone_number: vec!["+15555550100".into()],
        web3_wallet: vec!["0x0123456789abcdef0123456789abcdef01234567".into()],
        username: Some("grace".into()),
        password: Some("correct horse battery".into()),
        totp_secret: Some("JBSWY3DPEHPK3PXP".into()),
        backup_codes: vec!["backup-1".into()],
        public_metadata: Some(meta(json!({"plan": "pro"}))),
        private_metadata: Some(meta(json!({"stripe": "cus_1"}))),
        unsafe_metadata: Some(meta(json!({"theme": "dark"}))),
        delete_self_enabled: Some(false),
        legal_accepted_at: Some("2024-10-20T07:15:20.902Z".into()),
        create_organization_enabled: Some(false),
        create_organizations_limit: Some(3),
        created_at: Some("2020-01-01T00:00:00Z".into()),
        bypass_client_trust: Some(true),
        banned: Some(true),
        locked: Some(true),
        ..Default::default()
    };
    let user = clerk.users().create(&params).await.unwrap();
    assert!(user.id.starts_with("user_"));
    assert_eq!(user.object, "user");
    assert_eq!(user.external_id.as_deref(), Some("ext-1"));
    assert_eq!(user.first_name.as_deref(), Some("Grace"));
    assert_eq!(user.last_name.as_deref(), Some("Hopper"));
    assert_eq!(user.locale.as_deref(), Some("en-US"));
    assert_eq!(user.username.as_deref(), Some("grace"));
    assert_eq!(user.email_addresses.len(), 2);
    assert_eq!(
        user.primary_email_address_id.as_deref(),
        Some(user.email_addresses[0].id.as_str())
    );
    assert!(!user.email_addresses[0].reserved);
    assert!(user.email_addresses[0].verification.is_some());
    assert!(user.email_addresses[1].reserved);
    assert!(user.email_addresses[1].verification.is_none());
    assert_eq!(user.phone_numbers[0].phone_number, "+15555550100");
    assert_eq!(
        user.primary_phone_number_id.as_deref(),
        Some(user.phone_numbers[0].id.as_str())
    );
    assert_eq!(
        user.web3_wallets[0].web3_wallet,
        "0x0123456789abcdef0123456789abcdef01234567"
    );
    assert!(user.password_enabled);
    assert!(user.password_last_updated_at.is_some());
    assert!(user.totp_enabled && user.two_factor_enabled && user.backup_code_enabled);
    assert!(user.mfa_enabled_at.is_some());
    assert_eq!(user.public_metadata, meta(json!({"plan": "pro"})));
    assert_eq!(
        user.private_metadata,
        Some(meta(json!({"stripe": "cus_1"})))
    );
    assert_eq!(user.unsafe_metadata, Some(meta(json!({"theme": "dark"}))));
    assert!(!user.delete_self_enabled);
    assert!(!user.create_organization_enabled);
    assert_eq!(user.create_organizations_limit, Some(3));
    assert_eq!(user.legal_accepted_at, Some(1_729_408_520_902));
    assert_eq!(user.created_at, 1_577_836_800_000);
    assert!(user.bypass_client_trust && user.banned && user.locked);

    let stored = mock.user_object(&user.id).unwrap();
    assert_eq!(serde_json::from_value::<User>(stored).unwrap(), user);
    let request = mock.api_requests().pop().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(request.uri, "/v1/users");
    assert_eq!(request.headers["content-type"], "application/json");
    assert!(password_matches(&clerk, &user.id, "correct horse battery").await);
}

#[tokio::test]
async fn create_with_no_field_sends_an_empty_object() {
    let (mock, clerk) = setup().await;
    let user = clerk
        .users()
        .create(&CreateUserParams::default())
        .await
        .unwrap();
    assert!(user.email_addresses.is_empty() && !user.password_enabled && !user.banned);
    assert!(user.public_metadata.is_empty());
    assert!(mock.user_object(&user.id).is_some());
}

#[tokio::test]
async fn create_rejects_taken_and_invalid_identifiers() {
    let (mock, clerk) = setup().await;
    seed(
        &mock,
        CreateUserParams {
            username: Some("taken".into()),
            external_id: Some("ext-taken".into()),
            ..with_email("taken@example.com")
        },
    );
    let cases: Vec<(CreateUserParams, &str, &str)> = vec![
        (
            with_email("TAKEN@example.com"),
            "form_identifier_exists",
            "email_address",
        ),
        (
            create_with(|q| q.username = Some("taken".into())),
            "form_identifier_exists",
            "username",
        ),
        (
            create_with(|q| q.external_id = Some("ext-taken".into())),
            "form_identifier_exists",
            "external_id",
        ),
        (
            with_email("not-an-email"),
            "form_param_format_invalid",
            "email_address",
        ),
        (
            create_with(|q| q.phone_number = vec!["555-0100".into()]),
            "form_param_format_invalid",
            "phone_number",
        ),
        (
            create_with(|q| q.password = Some("short".into())),
            "form_password_length_too_short",
            "password",
        ),
        (
            create_with(|q| {
                q.email_address_identification_status = vec![IdentificationStatus::Reserved]
            }),
            "form_param_value_invalid",
            "email_address_identification_status",
        ),
        (
            create_with(|q| q.created_at = Some("yesterday".into())),
            "form_param_format_invalid",
            "created_at",
        ),
    ];
    for (params, code, param) in cases {
        let err = clerk.users().create(&params).await.unwrap_err();
        assert_api_error(&err, 422, code);
        assert_eq!(param_name(&err).as_deref(), Some(param), "{err:?}");
    }
    assert_eq!(count_all(&clerk).await, 1);
}

// ---------------------------------------------------------------------------------------
// update / delete / metadata
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn update_changes_the_fields_sent_and_nothing_else() {
    let (mock, clerk) = setup().await;
    seed(&mock, create_with(|q| q.username = Some("other".into())));
    let user = seed(
        &mock,
        create_with(|q| {
            q.first_name = Some("Old".into());
            q.last_name = Some("Name".into());
            q.public_metadata = Some(meta(json!({"keep": true})));
            q.email_address = vec!["one@example.com".into(), "two@example.com".into()];
        }),
    );
    let second_email = user.email_addresses[1].id.clone();
    let updated = clerk
        .users()
        .update(
            &user.id,
            &UpdateUserParams {
                first_name: Some("New".into()),
                username: Some("newname".into()),
                external_id: Some("ext-9".into()),
                primary_email_address_id: Some(second_email.clone()),
                password: Some("a long new password".into()),
                totp_secret: Some("JBSWY3DPEHPK3PXP".into()),
                delete_self_enabled: Some(false),
                legal_accepted_at: Some("2024-01-01T00:00:00Z".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("New"));
    assert_eq!(updated.last_name.as_deref(), Some("Name"));
    assert_eq!(updated.username.as_deref(), Some("newname"));
    assert_eq!(updated.external_id.as_deref(), Some("ext-9"));
    assert_eq!(
        updated.primary_email_address_id.as_deref(),
        Some(second_email.as_str())
    );
    assert!(updated.password_enabled && updated.totp_enabled && updated.two_factor_enabled);
    assert!(!updated.delete_self_enabled);
    assert_eq!(updated.legal_accepted_at, Some(1_704_067_200_000));
    assert_eq!(updated.public_metadata, meta(json!({"keep": true})));
    assert!(updated.updated_at >= user.updated_at);

    let stored: User = serde_json::from_value(mock.user_object(&user.id).unwrap()).unwrap();
    assert_eq!(stored, updated);
    assert!(password_matches(&clerk, &user.id, "a long new password").await);

    assert_api_fails(
        clerk
            .users()
            .update(
                &user.id,
                &params(|it: &mut UpdateUserParams| it.username = Some("other".into())),
            )
            .await,
        422,
        "form_identifier_exists",
        Some("username"),
    );
    let err = clerk
        .users()
        .update(
            &user.id,
            &params(|it: &mut UpdateUserParams| {
                it.primary_email_address_id = Some("idn_not_mine".into())
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(
        param_name(&err).as_deref(),
        Some("primary_email_address_id")
    );
    assert_api_not_found(
        clerk
            .users()
            .update("user_missing", &UpdateUserParams::default())
            .await,
    );
    // The failed updates changed nothing.
    let after: User = serde_json::from_value(mock.user_object(&user.id).unwrap()).unwrap();
    assert_eq!(after, updated);
}

#[tokio::test]
async fn delete_returns_a_deleted_object_and_removes_the_user() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("gone@example.com"));
    let deleted = clerk.users().delete(&user.id).await.unwrap();
    assert_eq!(
        deleted,
        DeletedObject {
            object: "user".into(),
            id: Some(user.id.clone()),
            slug: None,
            deleted: true,
            external_id: None,
        }
    );
    assert!(mock.user_object(&user.id).is_none());
    assert_api_not_found(clerk.users().delete(&user.id).await);
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert!(err.is_not_found());
    // The address is free again.
    seed(&mock, with_email("gone@example.com"));
}

#[tokio::test]
async fn update_metadata_deep_merges_and_null_deletes() {
    let (mock, clerk) = setup().await;
    let user = seed(
        &mock,
        create_with(|q| {
            q.public_metadata = Some(meta(
                json!({"a": 1, "nested": {"x": 1, "y": 2}, "drop": true}),
            ));
            q.private_metadata = Some(meta(json!({"secret": "s"})));
            q.unsafe_metadata = Some(meta(json!({"u": 1})));
        }),
    );
    let updated = clerk
        .users()
        .update_metadata(
            &user.id,
            &UpdateUserMetadataParams {
                public_metadata: Some(meta(
                    json!({"b": 2, "nested": {"y": null, "z": 3}, "drop": null}),
                )),
                private_metadata: Some(meta(json!({"more": [1, 2]}))),
                unsafe_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        updated.public_metadata,
        meta(json!({"a": 1, "b": 2, "nested": {"x": 1, "z": 3}}))
    );
    assert_eq!(
        updated.private_metadata,
        Some(meta(json!({"secret": "s", "more": [1, 2]})))
    );
    assert_eq!(updated.unsafe_metadata, Some(meta(json!({"u": 1}))));
    let stored = mock.user_object(&user.id).unwrap();
    assert_eq!(
        stored["public_metadata"],
        json!({"a": 1, "b": 2, "nested": {"x": 1, "z": 3}})
    );
    assert_eq!(
        stored["private_metadata"],
        json!({"secret": "s", "more": [1, 2]})
    );
    let request = mock.api_requests().pop().unwrap();
    assert_eq!(
        (request.method.as_str(), request.uri.as_str()),
        ("PATCH", format!("/v1/users/{}/metadata", user.id).as_str())
    );

    assert_api_not_found(
        clerk
            .users()
            .update_metadata("user_missing", &UpdateUserMetadataParams::default())
            .await,
    );
}

#[tokio::test]
async fn replace_metadata_replaces_each_object_sent() {
    let (mock, clerk) = setup().await;
    let user = seed(
        &mock,
        create_with(|q| {
            q.public_metadata = Some(meta(json!({"a": 1, "nested": {"x": 1}})));
            q.private_metadata = Some(meta(json!({"secret": "s"})));
        }),
    );
    let replaced = clerk
        .users()
        .replace_metadata(
            &user.id,
            &UpdateUserMetadataParams {
                public_metadata: Some(meta(json!({"nested": {"y": 2}}))),
                unsafe_metadata: Some(Metadata::new()),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.public_metadata, meta(json!({"nested": {"y": 2}})));
    assert_eq!(
        replaced.private_metadata,
        Some(meta(json!({"secret": "s"})))
    );
    assert_eq!(replaced.unsafe_metadata, Some(Metadata::new()));
    let stored = mock.user_object(&user.id).unwrap();
    assert_eq!(stored["public_metadata"], json!({"nested": {"y": 2}}));
    assert_eq!(stored["private_metadata"], json!({"secret": "s"}));
    assert_eq!(mock.api_requests().pop().unwrap().method, "PUT");
    let err = clerk
        .users()
        .replace_metadata("user_missing", &UpdateUserMetadataParams::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}
