//! Email address and phone number verification.
//!
//! Session refresh: tokens and cookies.

use super::*;

#[tokio::test]
async fn email_address_verification_reports_attempts_in_status() {
    let (mock, clerk) = start_mock().await;
    let ada = seed_user(&mock, "ada@example.com");
    let email = clerk
        .email_addresses()
        .create(&email_params(&ada.id, "ada.work@example.com"))
        .await
        .unwrap();
    assert!(email.verification.is_none());

    let prepared = clerk
        .email_addresses()
        .prepare_verification(&email.id)
        .await
        .unwrap();
    assert_eq!(prepared.object, Some(VerificationObject::Otp));
    assert_eq!(prepared.status, Some(VerificationStatus::Unverified));
    assert_eq!(prepared.strategy.as_deref(), Some("email_code"));
    assert_eq!(prepared.attempts, Some(0));
    assert!(prepared.expire_at.is_some_and(|t| t > email.created_at));
    assert_eq!(prepared.channel, None);
    let verification_id = prepared.id.clone().expect("verification id");

    // A wrong code is not an error: it shows up in status and attempts.
    let wrong = clerk
        .email_addresses()
        .attempt_verification(&email.id, &attempt(verification_id.clone(), "000000"))
        .await
        .unwrap();
    assert_eq!(wrong.status, Some(VerificationStatus::Unverified));
    assert_eq!(wrong.attempts, Some(1));
    let still = clerk.email_addresses().get(&email.id).await.unwrap();
    assert!(still.verification.is_none());

    let right = clerk
        .email_addresses()
        .attempt_verification(
            &email.id,
            &attempt(verification_id.clone(), VERIFICATION_CODE),
        )
        .await
        .unwrap();
    assert_eq!(right.status, Some(VerificationStatus::Verified));
    assert_eq!(right.attempts, Some(2));
    assert_eq!(right.id.as_deref(), Some(verification_id.as_str()));
    let verified = clerk.email_addresses().get(&email.id).await.unwrap();
    let v = verified.verification.expect("verified now");
    assert_eq!(v.status, Some(VerificationStatus::Verified));
    assert_eq!(v.strategy.as_deref(), Some("email_code"));

    // Resubmitting an accepted verification is rejected.
    assert_fails(
        clerk
            .email_addresses()
            .attempt_verification(
                &email.id,
                &attempt(verification_id.clone(), VERIFICATION_CODE),
            )
            .await,
        400,
        "verification_already_verified",
        None,
    );

    // Too many wrong codes: failed, and the right code no longer helps.
    let second = clerk
        .email_addresses()
        .prepare_verification(&email.id)
        .await
        .unwrap();
    let second_id = second.id.clone().unwrap();
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            clerk
                .email_addresses()
                .attempt_verification(&email.id, &attempt(&second_id, "111111"))
                .await
                .unwrap(),
        );
    }
    let last = last.unwrap();
    assert_eq!(last.status, Some(VerificationStatus::Failed));
    assert_eq!(last.attempts, Some(3));
    let after = clerk
        .email_addresses()
        .attempt_verification(&email.id, &attempt(&second_id, VERIFICATION_CODE))
        .await
        .unwrap();
    assert_eq!(after.status, Some(VerificationStatus::Failed));

    // Unknown address or verification: 404; missing fields: 400 naming the field.
    assert_not_found(
        clerk
            .email_addresses()
            .prepare_verification("idn_missing")
            .await,
    );
    assert_not_found(
        clerk
            .email_addresses()
            .attempt_verification(&email.id, &attempt("ver_missing", VERIFICATION_CODE))
            .await,
    );
    assert_fails(
        clerk
            .email_addresses()
            .attempt_verification(
                &email.id,
                &params(|it: &mut AttemptVerificationParams| {
                    it.verification_id = verification_id.clone()
                }),
            )
            .await,
        400,
        "form_param_missing",
        Some("code"),
    );
    // A verification of another identification is not found through this one.
    let primary = &ada.email_addresses[0].id;
    assert_not_found(
        clerk
            .email_addresses()
            .attempt_verification(
                primary,
                &attempt(second.id.clone().unwrap(), VERIFICATION_CODE),
            )
            .await,
    );
}

#[tokio::test]
async fn phone_number_verification() {
    let (mock, clerk) = start_mock().await;
    let ada = seed_user(&mock, "ada@example.com");
    let phone = clerk
        .phone_numbers()
        .create(&phone_params(&ada.id, "+15555550100"))
        .await
        .unwrap();
    let prepared = clerk
        .phone_numbers()
        .prepare_verification(&phone.id)
        .await
        .unwrap();
    assert_eq!(prepared.strategy.as_deref(), Some("phone_code"));
    assert_eq!(prepared.channel.as_deref(), Some("sms"));
    assert_eq!(prepared.status, Some(VerificationStatus::Unverified));

    // The wire shape is exactly the spec's verification object.
    let (status, body) = raw(
        &mock,
        "POST",
        &format!("/phone_numbers/{}/prepare_verification", phone.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attempts",
            "channel",
            "expire_at",
            "id",
            "object",
            "status",
            "strategy"
        ]
    );

    let done = clerk
        .phone_numbers()
        .attempt_verification(
            &phone.id,
            &attempt(prepared.id.clone().unwrap(), VERIFICATION_CODE),
        )
        .await
        .unwrap();
    assert_eq!(done.status, Some(VerificationStatus::Verified));
    // Verified now, so it can become a second factor.
    let updated = clerk
        .phone_numbers()
        .update(
            &phone.id,
            &params(|it: &mut UpdatePhoneNumberParams| it.reserved_for_second_factor = Some(true)),
        )
        .await
        .unwrap();
    assert_eq!(updated.reserved_for_second_factor, Some(true));

    assert_not_found(
        clerk
            .phone_numbers()
            .prepare_verification("idn_missing")
            .await,
    );
}

#[tokio::test]
async fn session_refresh_token_and_cookie() {
    let (mock, clerk) = start_mock().await;
    let ada = seed_user(&mock, "ada@example.com");
    let session = mock.create_session(&ada.id).unwrap();
    let expired = clerk
        .sessions()
        .create_token(&session.id, None, None)
        .await
        .unwrap()
        .jwt;
    // The refresh token the Frontend API's handshake sets in `__refresh_<suffix>`.
    let refresh_token = mock.refresh_token(&session.id).unwrap();
    let params = RefreshSessionParams {
        expired_token: expired.clone(),
        refresh_token: refresh_token.clone(),
        request_origin: "https://app.example.com".into(),
        ..Default::default()
    };

    let refreshed = clerk
        .sessions()
        .refresh(&session.id, &params)
        .await
        .unwrap();
    let jwt = refreshed.jwt().expect("format token by default").to_owned();
    assert!(refreshed.cookies().is_none());
    let c = claims(&jwt);
    assert_eq!(c["sid"], json!(session.id));
    assert_eq!(c["sub"], json!(ada.id));
    assert_eq!(c["azp"], json!("https://app.example.com"));
    assert_eq!(c["iss"], json!(mock.issuer()));
    // The new token verifies like any session token of the instance.
    let verified = clerk.verify_token(&jwt).await;
    assert!(verified.is_ok(), "{verified:?}");

    let cookies = clerk
        .sessions()
        .refresh(
            &session.id,
            &RefreshSessionParams {
                format: Some(RefreshFormat::Cookie),
                request_headers: Some(meta(json!({"user-agent": "test"}))),
                request_originating_ip: Some("203.0.113.9".into()),
                ..params.clone()
            },
        )
        .await
        .unwrap();
    let SessionRefresh::Cookies(cookies) = cookies else {
        panic!("expected cookies, got {cookies:?}");
    };
    assert_eq!(cookies.object, "cookies");
    let session_cookie = cookies
        .cookies
        .iter()
        .find(|c| c.starts_with("__session="))
        .expect("a __session cookie");
    let cookie_jwt = session_cookie["__session=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(claims(cookie_jwt)["sid"], json!(session.id));
    assert!(cookies
        .cookies
        .iter()
        .any(|c| c.starts_with("__client_uat=")));

    // Missing required fields: 422 naming the field.
    assert_param_missing(
        clerk
            .sessions()
            .refresh(
                &session.id,
                &RefreshSessionParams {
                    refresh_token: String::new(),
                    ..params.clone()
                },
            )
            .await,
        "refresh_token",
    );
    let (status, body) = raw(
        &mock,
        "POST",
        &format!("/sessions/{}/refresh", session.id),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["meta"]["param_name"], "expired_token");

    // A token of another session, or a refresh token the instance did not hand out: 401,
    // the SDKs' cue to fall back to the handshake.
    let other = mock.create_session(&ada.id).unwrap();
    assert_fails(
        clerk.sessions().refresh(&other.id, &params).await,
        401,
        "authentication_invalid",
        None,
    );
    assert_fails(
        clerk
            .sessions()
            .refresh(
                &session.id,
                &RefreshSessionParams {
                    refresh_token: "refresh_abc".into(),
                    ..params.clone()
                },
            )
            .await,
        401,
        "authentication_invalid",
        Some("refresh_token"),
    );

    // Unknown or inactive session: the spec's 401 (it documents 400 and 401 only).
    for (what, id) in [
        ("unknown", "sess_missing"),
        ("revoked", session.id.as_str()),
    ] {
        if what == "revoked" {
            clerk.sessions().revoke(&session.id).await.unwrap();
        }
        assert_fails(
            clerk.sessions().refresh(id, &params).await,
            401,
            "authentication_invalid",
            Some("session_id"),
        );
    }
}
