//! The `users` resource and the Backend API transport, end to end over real HTTP against
//! `MockClerk`: every client method (the returned model and the stored state), every
//! filter of `GET /users`, paging, request headers, retries, timeouts and errors.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use clerk::api::{
    ApiError, CreateOrganizationParams, CreateUserParams, DeletedObject, IdentificationStatus,
    Metadata, PasswordVerification, RetryPolicy, TotalCount, TotpCodeType, TotpVerification,
    UpdateUserMetadataParams, UpdateUserParams, User, UserCountParams, UserListParams,
};
use clerk::testing::{Fault, MockClerk};
use clerk::Clerk;
use futures::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Retries with short delays, so the tests stay fast.
fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_delay: Duration::from_millis(10),
        budget: Duration::from_secs(5),
    }
}

async fn setup() -> (MockClerk, Clerk) {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(3))
        .build()
        .unwrap();
    (mock, clerk)
}

fn with_email(email: &str) -> CreateUserParams {
    CreateUserParams {
        email_address: vec![email.into()],
        ..Default::default()
    }
}

fn seed(mock: &MockClerk, params: CreateUserParams) -> User {
    mock.create_user(&params).unwrap()
}

fn meta(value: Value) -> Metadata {
    value.as_object().cloned().unwrap()
}

fn ids(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.id.clone()).collect()
}

fn id_set<'a>(users: impl IntoIterator<Item = &'a User>) -> BTreeSet<String> {
    users.into_iter().map(|u| u.id.clone()).collect()
}

fn set(items: &[&User]) -> BTreeSet<String> {
    items.iter().map(|u| u.id.clone()).collect()
}

/// The `meta.param_name` of the first error.
fn param_name(err: &ApiError) -> Option<String> {
    err.errors()
        .first()?
        .meta
        .as_ref()?
        .get("param_name")?
        .as_str()
        .map(str::to_owned)
}

fn assert_api_error(err: &ApiError, status: u16, code: &str) {
    assert_eq!(err.status(), Some(status), "{err:?}");
    assert!(err.has_code(code), "expected {code}: {err:?}");
    assert!(
        err.trace_id().is_some_and(|t| t.starts_with("trace_")),
        "{err:?}"
    );
}

/// The path and query of the recorded Backend API requests.
fn uris(mock: &MockClerk) -> Vec<String> {
    mock.api_requests().into_iter().map(|r| r.uri).collect()
}

/// The query pairs of a recorded URI.
fn query_of(uri: &str) -> Vec<(String, String)> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// get / create
// ---------------------------------------------------------------------------------------

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
    let err = clerk.users().get("user_1/ban?x=1 #").await.unwrap_err();
    assert_api_error(&err, 404, "resource_not_found");
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
    assert!(clerk
        .users()
        .verify_password(&user.id, "correct horse battery")
        .await
        .unwrap());
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
            CreateUserParams {
                username: Some("taken".into()),
                ..Default::default()
            },
            "form_identifier_exists",
            "username",
        ),
        (
            CreateUserParams {
                external_id: Some("ext-taken".into()),
                ..Default::default()
            },
            "form_identifier_exists",
            "external_id",
        ),
        (
            with_email("not-an-email"),
            "form_param_format_invalid",
            "email_address",
        ),
        (
            CreateUserParams {
                phone_number: vec!["555-0100".into()],
                ..Default::default()
            },
            "form_param_format_invalid",
            "phone_number",
        ),
        (
            CreateUserParams {
                password: Some("short".into()),
                ..Default::default()
            },
            "form_password_length_too_short",
            "password",
        ),
        (
            CreateUserParams {
                email_address_identification_status: vec![IdentificationStatus::Reserved],
                ..Default::default()
            },
            "form_param_value_invalid",
            "email_address_identification_status",
        ),
        (
            CreateUserParams {
                created_at: Some("yesterday".into()),
                ..Default::default()
            },
            "form_param_format_invalid",
            "created_at",
        ),
    ];
    for (params, code, param) in cases {
        let err = clerk.users().create(&params).await.unwrap_err();
        assert_api_error(&err, 422, code);
        assert_eq!(param_name(&err).as_deref(), Some(param), "{err:?}");
    }
    assert_eq!(
        clerk
            .users()
            .count(&UserCountParams::default())
            .await
            .unwrap(),
        1
    );
}

// ---------------------------------------------------------------------------------------
// update / delete / metadata
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn update_changes_the_fields_sent_and_nothing_else() {
    let (mock, clerk) = setup().await;
    seed(
        &mock,
        CreateUserParams {
            username: Some("other".into()),
            ..Default::default()
        },
    );
    let user = seed(
        &mock,
        CreateUserParams {
            first_name: Some("Old".into()),
            last_name: Some("Name".into()),
            public_metadata: Some(meta(json!({"keep": true}))),
            email_address: vec!["one@example.com".into(), "two@example.com".into()],
            ..Default::default()
        },
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
    assert!(clerk
        .users()
        .verify_password(&user.id, "a long new password")
        .await
        .unwrap());

    let err = clerk
        .users()
        .update(
            &user.id,
            &UpdateUserParams {
                username: Some("other".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_api_error(&err, 422, "form_identifier_exists");
    assert_eq!(param_name(&err).as_deref(), Some("username"));
    let err = clerk
        .users()
        .update(
            &user.id,
            &UpdateUserParams {
                primary_email_address_id: Some("idn_not_mine".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        param_name(&err).as_deref(),
        Some("primary_email_address_id")
    );
    let err = clerk
        .users()
        .update("user_missing", &UpdateUserParams::default())
        .await
        .unwrap_err();
    assert_api_error(&err, 404, "resource_not_found");
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
    let err = clerk.users().delete(&user.id).await.unwrap_err();
    assert_api_error(&err, 404, "resource_not_found");
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
        CreateUserParams {
            public_metadata: Some(meta(
                json!({"a": 1, "nested": {"x": 1, "y": 2}, "drop": true}),
            )),
            private_metadata: Some(meta(json!({"secret": "s"}))),
            unsafe_metadata: Some(meta(json!({"u": 1}))),
            ..Default::default()
        },
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

    let err = clerk
        .users()
        .update_metadata("user_missing", &UpdateUserMetadataParams::default())
        .await
        .unwrap_err();
    assert_api_error(&err, 404, "resource_not_found");
}

#[tokio::test]
async fn replace_metadata_replaces_each_object_sent() {
    let (mock, clerk) = setup().await;
    let user = seed(
        &mock,
        CreateUserParams {
            public_metadata: Some(meta(json!({"a": 1, "nested": {"x": 1}}))),
            private_metadata: Some(meta(json!({"secret": "s"}))),
            ..Default::default()
        },
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

// ---------------------------------------------------------------------------------------
// ban / lock / bulk ban
// ---------------------------------------------------------------------------------------

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
        .list(&UserListParams {
            banned: Some(true),
            ..Default::default()
        })
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
    let err = clerk.users().ban_many(&empty).await.unwrap_err();
    assert_api_error(&err, 400, "form_param_value_invalid");
    assert_eq!(param_name(&err).as_deref(), Some("user_ids"));
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
        CreateUserParams {
            password: Some("s3cret-passw0rd".into()),
            ..Default::default()
        },
    );
    let without = seed(&mock, with_email("nopass@example.com"));
    let users = clerk.users();
    assert!(users
        .verify_password(&with_password.id, "s3cret-passw0rd")
        .await
        .unwrap());
    assert!(!users
        .verify_password(&with_password.id, "wrong-password")
        .await
        .unwrap());
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
    assert!(users
        .verify_password(&imported.id, "password")
        .await
        .unwrap());
}

#[tokio::test]
async fn verify_totp_accepts_totp_and_consumes_backup_codes() {
    let (mock, clerk) = setup().await;
    let secret = "JBSWY3DPEHPK3PXP";
    let user = seed(
        &mock,
        CreateUserParams {
            totp_secret: Some(secret.into()),
            backup_codes: vec!["code-one".into(), "code-two".into()],
            ..Default::default()
        },
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

// ---------------------------------------------------------------------------------------
// list / count / list_all
// ---------------------------------------------------------------------------------------

/// A small population covering every filter.
struct Population {
    ada: User,
    bob: User,
    cy: User,
    dee: User,
}

async fn population(mock: &MockClerk) -> Population {
    let ada = seed(
        mock,
        CreateUserParams {
            email_address: vec!["ada@lovelace.dev".into()],
            phone_number: vec!["+15555550101".into()],
            username: Some("ada_l".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            external_id: Some("ext-ada".into()),
            web3_wallet: vec!["0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()],
            created_at: Some("2021-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    );
    let bob = seed(
        mock,
        CreateUserParams {
            email_address: vec!["bob@builder.io".into()],
            phone_number: vec!["+447700900123".into()],
            username: Some("bobthebuilder".into()),
            first_name: Some("Bob".into()),
            last_name: Some("Builder".into()),
            external_id: Some("ext-bob".into()),
            created_at: Some("2022-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    );
    let cy = seed(
        mock,
        CreateUserParams {
            email_address: vec!["cy@example.com".into()],
            username: Some("cyborg".into()),
            first_name: Some("Cy".into()),
            last_name: Some("Borg".into()),
            created_at: Some("2023-01-01T00:00:00Z".into()),
            banned: Some(true),
            ..Default::default()
        },
    );
    let dee = seed(
        mock,
        CreateUserParams {
            email_address: vec!["dee@example.com".into()],
            first_name: Some("Dee".into()),
            created_at: Some("2024-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    );
    // What the API cannot set: activity, sign-ins, OAuth accounts.
    let day = 86_400_000;
    let t2024 = 1_704_067_200_000i64;
    mock.merge_into_user(
        &ada.id,
        json!({"last_active_at": t2024 + day, "last_sign_in_at": t2024 + day}),
    )
    .unwrap();
    mock.merge_into_user(
        &bob.id,
        json!({"last_active_at": t2024 + 10 * day, "last_sign_in_at": t2024 + 10 * day}),
    )
    .unwrap();
    mock.merge_into_user(
        &bob.id,
        json!({"external_accounts": [{
            "object": "external_account", "id": "eac_bob", "provider": "oauth_google",
            "identification_id": "idn_bob_google", "provider_user_id": "google-bob",
            "approved_scopes": "email profile", "email_address": "bob@builder.io",
            "first_name": "Bob", "last_name": "Builder", "public_metadata": {},
            "created_at": t2024, "updated_at": t2024, "verification": null
        }]}),
    )
    .unwrap();
    let to_user =
        |u: &User| -> User { serde_json::from_value(mock.user_object(&u.id).unwrap()).unwrap() };
    Population {
        ada: to_user(&ada),
        bob: to_user(&bob),
        cy: to_user(&cy),
        dee: to_user(&dee),
    }
}

#[tokio::test]
async fn list_filters() {
    let (mock, clerk) = setup().await;
    let p = population(&mock).await;
    let org = mock
        .create_organization(&CreateOrganizationParams {
            name: "Analytical Engines".into(),
            created_by: Some(p.ada.id.clone()),
            ..Default::default()
        })
        .unwrap();
    let org2 = mock
        .create_organization(&CreateOrganizationParams {
            name: "Builders".into(),
            created_by: Some(p.bob.id.clone()),
            ..Default::default()
        })
        .unwrap();
    let t2024 = 1_704_067_200_000i64;
    let day = 86_400_000;
    let all = set(&[&p.ada, &p.bob, &p.cy, &p.dee]);
    let minus = |drop: &[&User]| -> BTreeSet<String> {
        let drop = set(drop);
        all.difference(&drop).cloned().collect()
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let cases: Vec<(&str, UserListParams, BTreeSet<String>)> = vec![
        ("no filter", UserListParams::default(), all.clone()),
        (
            "email_address (case-insensitive, several)",
            UserListParams {
                email_address: s(&["ADA@lovelace.dev", "cy@example.com", "nobody@x.io"]),
                ..Default::default()
            },
            set(&[&p.ada, &p.cy]),
        ),
        (
            "phone_number",
            UserListParams {
                phone_number: s(&["+447700900123"]),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "external_id",
            UserListParams {
                external_id: s(&["ext-ada", "+ext-bob"]),
                ..Default::default()
            },
            set(&[&p.ada, &p.bob]),
        ),
        (
            "external_id excluded",
            UserListParams {
                external_id: s(&["-ext-ada"]),
                ..Default::default()
            },
            minus(&[&p.ada]),
        ),
        (
            "username",
            UserListParams {
                username: s(&["cyborg", "ada_l"]),
                ..Default::default()
            },
            set(&[&p.ada, &p.cy]),
        ),
        (
            "web3_wallet",
            UserListParams {
                web3_wallet: s(&["0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]),
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "user_id included",
            UserListParams {
                user_id: vec![format!("+{}", p.bob.id), p.dee.id.clone()],
                ..Default::default()
            },
            set(&[&p.bob, &p.dee]),
        ),
        (
            "user_id excluded",
            UserListParams {
                user_id: vec![format!("-{}", p.bob.id), format!("-{}", p.dee.id)],
                ..Default::default()
            },
            set(&[&p.ada, &p.cy]),
        ),
        (
            "user_id included and excluded",
            UserListParams {
                user_id: vec![
                    format!("+{}", p.bob.id),
                    format!("+{}", p.ada.id),
                    format!("-{}", p.ada.id),
                ],
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "organization_id",
            UserListParams {
                organization_id: vec![org.id.clone()],
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "organization_id both",
            UserListParams {
                organization_id: vec![format!("+{}", org.id), format!("+{}", org2.id)],
                ..Default::default()
            },
            set(&[&p.ada, &p.bob]),
        ),
        (
            "organization_id excluded",
            UserListParams {
                organization_id: vec![format!("-{}", org.id)],
                ..Default::default()
            },
            minus(&[&p.ada]),
        ),
        (
            "provider + provider_user_id",
            UserListParams {
                provider: Some("oauth_google".into()),
                provider_user_id: s(&["google-bob"]),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "provider + unknown provider_user_id",
            UserListParams {
                provider: Some("oauth_google".into()),
                provider_user_id: s(&["google-ada"]),
                ..Default::default()
            },
            BTreeSet::new(),
        ),
        (
            "query over names",
            UserListParams {
                query: Some("LOVE".into()),
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "query over emails",
            UserListParams {
                query: Some("example.com".into()),
                ..Default::default()
            },
            set(&[&p.cy, &p.dee]),
        ),
        (
            "query over phones",
            UserListParams {
                query: Some("7700900".into()),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "query over ids",
            UserListParams {
                query: Some(p.dee.id.clone()),
                ..Default::default()
            },
            set(&[&p.dee]),
        ),
        (
            "email_address_query",
            UserListParams {
                email_address_query: Some("BUILDER".into()),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "phone_number_query",
            UserListParams {
                phone_number_query: Some("555".into()),
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "username_query",
            UserListParams {
                username_query: Some("BOR".into()),
                ..Default::default()
            },
            set(&[&p.cy]),
        ),
        (
            "name_query",
            UserListParams {
                name_query: Some("bor".into()),
                ..Default::default()
            },
            set(&[&p.cy]),
        ),
        (
            "name_query over the full name",
            UserListParams {
                name_query: Some("bob build".into()),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "banned",
            UserListParams {
                banned: Some(true),
                ..Default::default()
            },
            set(&[&p.cy]),
        ),
        (
            "not banned",
            UserListParams {
                banned: Some(false),
                ..Default::default()
            },
            minus(&[&p.cy]),
        ),
        (
            "created_at_before",
            UserListParams {
                created_at_before: Some(p.bob.created_at),
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "created_at_after",
            UserListParams {
                created_at_after: Some(p.bob.created_at),
                ..Default::default()
            },
            set(&[&p.cy, &p.dee]),
        ),
        (
            "created_at window",
            UserListParams {
                created_at_after: Some(p.ada.created_at),
                created_at_before: Some(p.dee.created_at),
                ..Default::default()
            },
            set(&[&p.bob, &p.cy]),
        ),
        (
            "last_active_at_before",
            UserListParams {
                last_active_at_before: Some(t2024 + 5 * day),
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "last_active_at_after",
            UserListParams {
                last_active_at_after: Some(t2024 + 5 * day),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "last_active_at_since",
            UserListParams {
                last_active_at_since: Some(t2024 + day),
                ..Default::default()
            },
            set(&[&p.ada, &p.bob]),
        ),
        (
            "last_sign_in_at_before",
            UserListParams {
                last_sign_in_at_before: Some(t2024 + 2 * day),
                ..Default::default()
            },
            set(&[&p.ada]),
        ),
        (
            "last_sign_in_at_after",
            UserListParams {
                last_sign_in_at_after: Some(t2024 + 2 * day),
                ..Default::default()
            },
            set(&[&p.bob]),
        ),
        (
            "filters combine",
            UserListParams {
                query: Some("example.com".into()),
                banned: Some(false),
                ..Default::default()
            },
            set(&[&p.dee]),
        ),
    ];
    for (name, params, expected) in cases {
        let listed = clerk
            .users()
            .list(&params)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(id_set(&listed), expected, "list: {name}");
        let counted = clerk
            .users()
            .count(&UserCountParams::from(&params))
            .await
            .unwrap();
        assert_eq!(counted, expected.len() as i64, "count: {name}");
    }
    // `+` is percent-encoded, repeated keys are repeated.
    let with_plus = uris(&mock)
        .into_iter()
        .find(|u| u.contains("user_id=%2B"))
        .expect("a `+` prefix is sent as %2B");
    assert_eq!(
        query_of(&with_plus)
            .iter()
            .filter(|(k, _)| k == "user_id")
            .count(),
        2
    );
}

#[tokio::test]
async fn list_sends_every_parameter_on_the_wire() {
    let (mock, clerk) = setup().await;
    let params = UserListParams {
        email_address: vec!["a@x.io".into(), "b@x.io".into()],
        phone_number: vec!["+1555".into()],
        external_id: vec!["-e".into()],
        username: vec!["u".into()],
        web3_wallet: vec!["0x1".into()],
        user_id: vec!["+user_1".into()],
        organization_id: vec!["org_1".into()],
        provider_user_id: vec!["p1".into()],
        provider: Some("oauth_github".into()),
        query: Some("q q".into()),
        email_address_query: Some("eq".into()),
        phone_number_query: Some("pq".into()),
        username_query: Some("uq".into()),
        name_query: Some("nq".into()),
        banned: Some(false),
        created_at_before: Some(1),
        created_at_after: Some(2),
        last_active_at_before: Some(3),
        last_active_at_after: Some(4),
        last_active_at_since: Some(5),
        last_sign_in_at_before: Some(6),
        last_sign_in_at_after: Some(7),
        order_by: Some("-created_at".into()),
        limit: Some(20),
        offset: None,
        starting_after: None,
    };
    assert!(clerk.users().list(&params).await.unwrap().is_empty());
    clerk
        .users()
        .count(&UserCountParams::from(&params))
        .await
        .unwrap();
    let uris = uris(&mock);
    let expected =
        "email_address=a%40x.io&email_address=b%40x.io&phone_number=%2B1555&external_id=-e\
        &username=u&web3_wallet=0x1&user_id=%2Buser_1&organization_id=org_1&provider_user_id=p1\
        &provider=oauth_github&query=q+q&email_address_query=eq&phone_number_query=pq\
        &username_query=uq&name_query=nq&banned=false&created_at_before=1&created_at_after=2\
        &last_active_at_before=3&last_active_at_after=4&last_active_at_since=5\
        &last_sign_in_at_before=6&last_sign_in_at_after=7";
    assert_eq!(
        uris[0],
        format!("/v1/users?{expected}&order_by=-created_at&limit=20")
    );
    assert_eq!(uris[1], format!("/v1/users/count?{expected}"));
}

#[tokio::test]
async fn list_orders_and_pages() {
    let (mock, clerk) = setup().await;
    let p = population(&mock).await;
    let order = |by: &str| UserListParams {
        order_by: Some(by.into()),
        ..Default::default()
    };
    let users = clerk.users();
    // Default: newest first.
    assert_eq!(
        ids(&users.list(&UserListParams::default()).await.unwrap()),
        ids(&[p.dee.clone(), p.cy.clone(), p.bob.clone(), p.ada.clone()])
    );
    assert_eq!(
        ids(&users.list(&order("created_at")).await.unwrap()),
        ids(&[p.ada.clone(), p.bob.clone(), p.cy.clone(), p.dee.clone()])
    );
    assert_eq!(
        ids(&users.list(&order("+first_name")).await.unwrap()),
        ids(&[p.ada.clone(), p.bob.clone(), p.cy.clone(), p.dee.clone()])
    );
    assert_eq!(
        ids(&users.list(&order("-first_name")).await.unwrap()),
        ids(&[p.dee.clone(), p.cy.clone(), p.bob.clone(), p.ada.clone()])
    );
    // Primary email addresses: ada@lovelace.dev < bob@builder.io < cy@ < dee@.
    assert_eq!(
        ids(&users.list(&order("email_address")).await.unwrap()),
        ids(&[p.ada.clone(), p.bob.clone(), p.cy.clone(), p.dee.clone()])
    );
    // Missing values last when ascending (dee has no username), first when descending.
    assert_eq!(
        ids(&users.list(&order("username")).await.unwrap()),
        ids(&[p.ada.clone(), p.bob.clone(), p.cy.clone(), p.dee.clone()])
    );
    assert_eq!(
        ids(&users.list(&order("-last_active_at")).await.unwrap())[2..],
        ids(&[p.bob.clone(), p.ada.clone()])
    );
    assert_eq!(
        ids(&users.list(&order("phone_number")).await.unwrap())[..2],
        ids(&[p.ada.clone(), p.bob.clone()])
    );

    // limit / offset.
    let page = users
        .list(&UserListParams {
            limit: Some(2),
            offset: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&page), ids(&[p.cy.clone(), p.bob.clone()]));
    // starting_after: keyset paging on created_at.
    let page = users
        .list(&UserListParams {
            starting_after: Some(p.cy.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&page), ids(&[p.bob.clone(), p.ada.clone()]));
    let page = users
        .list(&UserListParams {
            starting_after: Some(p.bob.id.clone()),
            ..order("+created_at")
        })
        .await
        .unwrap();
    assert_eq!(ids(&page), ids(&[p.cy.clone(), p.dee.clone()]));
    // Only the first order_by counts.
    let listed: Vec<User> = {
        let url = format!(
            "{}/v1/users?order_by=first_name&order_by=-first_name",
            mock.api_url()
        );
        raw_get(&mock, &url).await
    };
    assert_eq!(ids(&listed)[0], p.ada.id);
}

#[tokio::test]
async fn list_validates_its_parameters() {
    let (mock, clerk) = setup().await;
    let p = population(&mock).await;
    let cases: Vec<(UserListParams, &str, &str)> = vec![
        (
            UserListParams {
                limit: Some(0),
                ..Default::default()
            },
            "form_param_value_invalid",
            "limit",
        ),
        (
            UserListParams {
                limit: Some(501),
                ..Default::default()
            },
            "form_param_value_invalid",
            "limit",
        ),
        (
            UserListParams {
                order_by: Some("-password".into()),
                ..Default::default()
            },
            "form_param_value_invalid",
            "order_by",
        ),
        (
            UserListParams {
                starting_after: Some(p.ada.id.clone()),
                order_by: Some("first_name".into()),
                ..Default::default()
            },
            "form_param_value_invalid",
            "starting_after",
        ),
        (
            UserListParams {
                starting_after: Some(p.ada.id.clone()),
                offset: Some(1),
                ..Default::default()
            },
            "form_param_value_invalid",
            "starting_after",
        ),
        (
            UserListParams {
                starting_after: Some("user_missing".into()),
                ..Default::default()
            },
            "form_param_value_invalid",
            "starting_after",
        ),
        (
            UserListParams {
                provider: Some("oauth_google".into()),
                ..Default::default()
            },
            "form_param_missing",
            "provider_user_id",
        ),
        (
            UserListParams {
                provider_user_id: vec!["x".into()],
                ..Default::default()
            },
            "form_param_missing",
            "provider",
        ),
        (
            UserListParams {
                user_id: (0..101).map(|i| format!("user_{i}")).collect(),
                ..Default::default()
            },
            "form_param_value_invalid",
            "user_id",
        ),
    ];
    for (params, code, param) in cases {
        let err = clerk.users().list(&params).await.unwrap_err();
        assert_api_error(&err, 422, code);
        assert_eq!(param_name(&err).as_deref(), Some(param), "{params:?}");
    }
    // Limits 1 and 500 are fine; the default page is 10.
    assert_eq!(
        clerk
            .users()
            .list(&UserListParams {
                limit: Some(1),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        clerk
            .users()
            .list(&UserListParams {
                limit: Some(500),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        4
    );
    for i in 0..8 {
        seed(&mock, with_email(&format!("more{i}@example.com")));
    }
    assert_eq!(
        clerk
            .users()
            .list(&UserListParams::default())
            .await
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        clerk
            .users()
            .count(&UserCountParams::default())
            .await
            .unwrap(),
        12
    );
    let err = clerk
        .users()
        .count(&UserCountParams {
            provider: Some("oauth_google".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_api_error(&err, 422, "form_param_missing");
}

#[tokio::test]
async fn list_all_pages_with_the_cursor() {
    let (mock, clerk) = setup().await;
    for i in 0..25 {
        seed(
            &mock,
            CreateUserParams {
                created_at: Some(format!("2024-01-01T00:00:{i:02}Z")),
                ..with_email(&format!("page{i:02}@example.com"))
            },
        );
    }
    let everyone = clerk
        .users()
        .list(&UserListParams {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap();
    let before = mock.api_requests().len();
    let streamed: Vec<User> = clerk
        .users()
        .list_all(&UserListParams {
            limit: Some(10),
            ..Default::default()
        })
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(streamed.len(), 25);
    assert_eq!(ids(&streamed), ids(&everyone));
    // Newest first.
    assert!(streamed
        .windows(2)
        .all(|w| w[0].created_at > w[1].created_at));
    let requests: Vec<String> = uris(&mock)[before..].to_vec();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[0], "/v1/users?limit=10");
    assert_eq!(
        requests[1],
        format!("/v1/users?limit=10&starting_after={}", streamed[9].id)
    );
    assert_eq!(
        requests[2],
        format!("/v1/users?limit=10&starting_after={}", streamed[19].id)
    );

    // Filters are kept on every page; a full last page costs one more (empty) request.
    let before = mock.api_requests().len();
    let filtered: Vec<User> = clerk
        .users()
        .list_all(&UserListParams {
            email_address_query: Some("page1".into()),
            limit: Some(5),
            ..Default::default()
        })
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(filtered.len(), 10);
    let requests: Vec<String> = uris(&mock)[before..].to_vec();
    assert_eq!(requests.len(), 3);
    assert!(requests
        .iter()
        .all(|u| u.contains("email_address_query=page1")));
}

#[tokio::test]
async fn list_all_pages_by_offset_for_other_orders() {
    let (mock, clerk) = setup().await;
    for i in 0..7 {
        seed(
            &mock,
            CreateUserParams {
                first_name: Some(format!("N{}", 6 - i)),
                ..with_email(&format!("o{i}@example.com"))
            },
        );
    }
    let before = mock.api_requests().len();
    let streamed: Vec<User> = clerk
        .users()
        .list_all(&UserListParams {
            order_by: Some("first_name".into()),
            limit: Some(3),
            ..Default::default()
        })
        .map(Result::unwrap)
        .collect()
        .await;
    let names: Vec<String> = streamed
        .iter()
        .map(|u| u.first_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["N0", "N1", "N2", "N3", "N4", "N5", "N6"]);
    let requests: Vec<String> = uris(&mock)[before..].to_vec();
    assert_eq!(
        requests,
        [
            "/v1/users?order_by=first_name&limit=3&offset=0",
            "/v1/users?order_by=first_name&limit=3&offset=3",
            "/v1/users?order_by=first_name&limit=3&offset=6",
        ]
    );
}

#[tokio::test]
async fn list_all_stops_at_the_first_error() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(0))
        .build()
        .unwrap();
    for i in 0..4 {
        seed(&mock, with_email(&format!("e{i}@example.com")));
    }
    let before = mock.api_requests().len();
    let mut stream = Box::pin(clerk.users().list_all(&UserListParams {
        limit: Some(2),
        ..Default::default()
    }));
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_ok());
    mock.inject_api_faults([Fault::Status(500)]);
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(stream.next().await.is_none());
    assert_eq!(mock.api_requests().len() - before, 2);
}

// ---------------------------------------------------------------------------------------
// Transport: headers, retries, timeouts
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn requests_carry_auth_version_user_agent_and_extra_headers() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_header("X-Request-Source", "tests")
        .api_header("X-Tenant", "acme")
        .build()
        .unwrap();
    let user = clerk
        .users()
        .create(&with_email("h@example.com"))
        .await
        .unwrap();
    clerk.users().get(&user.id).await.unwrap();
    let requests = mock.api_requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let h = &r.headers;
        assert_eq!(
            h["authorization"],
            format!("Bearer {}", mock.secret_key()).as_str()
        );
        assert_eq!(h["clerk-api-version"], "2026-05-12");
        let agent = h["user-agent"].to_str().unwrap();
        assert!(agent.starts_with("clerk-rs/"), "{agent}");
        assert_eq!(h["x-request-source"], "tests");
        assert_eq!(h["x-tenant"], "acme");
    }
    assert_eq!(requests[0].headers["content-type"], "application/json");
    assert!(requests[1].headers.get("content-type").is_none());
    assert!(requests[0].uri.starts_with("/v1/"));
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_401() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .secret_key("sk_test_wrong")
        .build()
        .unwrap();
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert_api_error(&err, 401, "authentication_invalid");
    assert_eq!(mock.api_requests().len(), 1);
}

#[tokio::test]
async fn missing_secret_key_fails_without_a_request() {
    let mock = MockClerk::start().await;
    let clerk = Clerk::builder()
        .without_env()
        .jwt_key(mock.jwt_key_pem())
        .api_url(mock.api_url())
        .build()
        .unwrap();
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert_eq!(err, ApiError::MissingSecretKey);
    assert!(err.to_string().contains("secret key"));
    assert!(!err.is_transient());
    let err = clerk
        .users()
        .create(&CreateUserParams::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::MissingSecretKey));
    assert!(mock.api_requests().is_empty());
}

#[tokio::test]
async fn a_503_is_retried_then_succeeds() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("retry@example.com"));
    mock.inject_api_faults([Fault::Status(503)]);
    let got = clerk.users().get(&user.id).await.unwrap();
    assert_eq!(got.id, user.id);
    assert_eq!(mock.api_requests().len(), 2);
    // Every 5xx follows the spec's retry policy, PUT and DELETE too.
    mock.inject_api_faults([Fault::Status(500), Fault::Status(502), Fault::Status(504)]);
    clerk
        .users()
        .replace_metadata(&user.id, &UpdateUserMetadataParams::default())
        .await
        .unwrap();
    assert_eq!(mock.api_requests().len(), 6);
    mock.inject_api_faults([Fault::Status(503)]);
    clerk.users().delete(&user.id).await.unwrap();
    assert_eq!(mock.api_requests().len(), 8);
    assert!(mock.user_object(&user.id).is_none());
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("slow@example.com"));
    mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let started = Instant::now();
    clerk.users().get(&user.id).await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(mock.api_requests().len(), 2);
}

#[tokio::test]
async fn a_429_is_retried_for_posts_too_but_a_503_is_not() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(10),
            budget: Duration::from_secs(3),
        })
        .build()
        .unwrap();
    // 503 on a POST: the API may have acted, so it is not repeated.
    mock.inject_api_faults([Fault::Status(503)]);
    let err = clerk
        .users()
        .create(&with_email("p@example.com"))
        .await
        .unwrap_err();
    assert_api_error(&err, 503, "internal_clerk_error");
    assert!(err.is_transient());
    assert_eq!(mock.api_requests().len(), 1);
    assert_eq!(
        clerk
            .users()
            .count(&UserCountParams::default())
            .await
            .unwrap(),
        0
    );
    // 429: the rate limiter refused it, so it is safe to send again.
    mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 0,
    }]);
    let user = clerk
        .users()
        .create(&with_email("p@example.com"))
        .await
        .unwrap();
    assert_eq!(mock.api_requests().len(), 4);
    assert!(mock.user_object(&user.id).is_some());
    // PATCH is not idempotent either.
    mock.inject_api_faults([Fault::Status(502)]);
    let err = clerk
        .users()
        .update(
            &user.id,
            &UpdateUserParams {
                first_name: Some("X".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(mock.api_requests().len(), 5);
    assert_eq!(
        mock.user_object(&user.id).unwrap()["first_name"],
        Value::Null
    );
}

#[tokio::test]
async fn retries_are_bounded_by_count() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(2))
        .build()
        .unwrap();
    mock.inject_api_faults(std::iter::repeat_n(Fault::Status(503), 5));
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert_api_error(&err, 503, "internal_clerk_error");
    assert_eq!(mock.api_requests().len(), 3, "1 attempt + 2 retries");

    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(0))
        .build()
        .unwrap();
    let before = mock.api_requests().len();
    mock.inject_api_faults([Fault::Status(503)]);
    clerk.users().get("user_1").await.unwrap_err();
    assert_eq!(mock.api_requests().len() - before, 1, "retries disabled");
}

#[tokio::test]
async fn retries_are_bounded_by_time_budget() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(RetryPolicy {
            max_retries: 10,
            initial_delay: Duration::from_millis(10),
            budget: Duration::from_millis(500),
        })
        .build()
        .unwrap();
    // A Retry-After beyond the budget: give up at once and report it.
    mock.inject_api_faults([Fault::RateLimited {
        retry_after_secs: 30,
    }]);
    let started = Instant::now();
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_api_error(&err, 429, "rate_limit_exceeded");
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(mock.api_requests().len(), 1);

    // Backoff delays add up until the budget is spent, well before 10 retries.
    let clerk = mock
        .clerk_builder()
        .api_retry(RetryPolicy {
            max_retries: 10,
            initial_delay: Duration::from_millis(100),
            budget: Duration::from_millis(400),
        })
        .build()
        .unwrap();
    let before = mock.api_requests().len();
    mock.inject_api_faults(std::iter::repeat_n(Fault::Status(503), 20));
    let started = Instant::now();
    let err = clerk.users().get("user_1").await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.status(), Some(503));
    let attempts = mock.api_requests().len() - before;
    assert!((2..=4).contains(&attempts), "{attempts} attempts");
    assert!(elapsed <= Duration::from_millis(600), "{elapsed:?}");
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_retried_or_reported() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("mid@example.com"));
    mock.inject_api_faults([Fault::CloseMidBody]);
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);
    assert_eq!(mock.api_requests().len(), 2);

    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(0))
        .build()
        .unwrap();
    mock.inject_api_faults([Fault::CloseMidBody]);
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("Clerk Backend API"), "{err}");
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let mock = MockClerk::start().await;
    let user = seed(&mock, with_email("slow@example.com"));
    let clerk = mock
        .clerk_builder()
        .http_timeout(Duration::from_millis(200))
        .api_retry(fast_retry(0))
        .build()
        .unwrap();
    mock.inject_api_faults([Fault::Delay(Duration::from_millis(1500))]);
    let started = Instant::now();
    let err = clerk.users().get(&user.id).await.unwrap_err();
    assert_eq!(err, ApiError::Timeout);
    assert!(err.is_transient());
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );

    // With retries, the next attempt answers in time.
    let clerk = mock
        .clerk_builder()
        .http_timeout(Duration::from_millis(200))
        .api_retry(fast_retry(1))
        .build()
        .unwrap();
    let before = mock.api_requests().len();
    mock.inject_api_faults([Fault::Delay(Duration::from_millis(1500))]);
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);
    assert_eq!(mock.api_requests().len() - before, 2);
}

#[tokio::test]
async fn an_unreachable_api_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_url(url)
        .api_retry(fast_retry(1))
        .build()
        .unwrap();
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn error_bodies_are_parsed() {
    let (mock, clerk) = setup().await;
    seed(&mock, with_email("dup@example.com"));
    let err = clerk
        .users()
        .create(&with_email("dup@example.com"))
        .await
        .unwrap_err();
    match &err {
        ApiError::Response {
            status,
            errors,
            clerk_trace_id,
            retry_after,
            body,
        } => {
            assert_eq!(*status, 422);
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].code, "form_identifier_exists");
            assert!(!errors[0].message.is_empty());
            assert!(errors[0].long_message.is_some());
            assert_eq!(
                errors[0].meta.as_ref().unwrap()["param_name"],
                "email_address"
            );
            assert!(clerk_trace_id
                .as_deref()
                .is_some_and(|t| t.starts_with("trace_")));
            assert_eq!(*retry_after, None);
            assert_eq!(*body, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_transient());
    let shown = err.to_string();
    assert!(
        shown.contains("422") && shown.contains("form_identifier_exists"),
        "{shown}"
    );
    assert!(
        shown.contains("email_address") && shown.contains(err.trace_id().unwrap()),
        "{shown}"
    );
}

#[tokio::test]
async fn a_non_json_error_page_still_explains_itself() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(0))
        .build()
        .unwrap();
    mock.inject_api_faults([Fault::Oversized]);
    let err = clerk.users().get("user_1").await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.errors().is_empty());
    assert!(err.trace_id().is_none());
    assert!(err.is_transient());
    let ApiError::Response { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        body.as_deref().is_some_and(|b| b.contains("<html>")),
        "{body:?}"
    );
    let shown = err.to_string();
    assert_eq!(shown, "Clerk Backend API error 502: 502 Bad Gateway");

    // Retried when idempotent, like any 5xx.
    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(1))
        .build()
        .unwrap();
    mock.inject_api_faults([Fault::Oversized]);
    assert!(clerk
        .users()
        .get("user_1")
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error() {
    let (mock, clerk) = setup().await;
    let user = seed(&mock, with_email("garbage@example.com"));
    mock.inject_api_faults([Fault::Garbage]);
    let err = clerk.users().get(&user.id).await.unwrap_err();
    let ApiError::Decode(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("User"), "{message}");
    assert!(!err.is_transient());
    // Not retried: the next call is the one that answers.
    assert_eq!(mock.api_requests().len(), 1);
    assert!(err
        .to_string()
        .contains("unexpected Backend API response body"));
    mock.inject_api_faults([Fault::Garbage]);
    let err = clerk
        .users()
        .list(&UserListParams::default())
        .await
        .unwrap_err();
    let ApiError::Decode(message) = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("Vec<User>"), "{message}");
}

// ---------------------------------------------------------------------------------------
// Model round-trips
// ---------------------------------------------------------------------------------------

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

async fn raw_get<T: DeserializeOwned>(mock: &MockClerk, url: &str) -> T {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(mock.secret_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
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
