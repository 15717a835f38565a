//! Users: ban, lock, bulk ban, and password and TOTP verification.

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
