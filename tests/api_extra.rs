//! Actor tokens, email/phone one-time-code verification, replacing a user's email address
//! or phone number, and session refresh: every client method over real HTTP against the
//! local Backend API, with the spec's shapes, statuses and `ClerkErrors` bodies.

mod common;
use common::api::{assert_fails, assert_not_found, meta, raw, seed_user};

use base64::Engine as _;
use clerk::api::{
    ActorTokenStatus, AttemptVerificationParams, CreateActorTokenParams, CreateEmailAddressParams,
    CreatePhoneNumberParams, CreateUserParams, RefreshFormat, RefreshSessionParams,
    ReplaceEmailAddressParams, ReplacePhoneNumberParams, ReplacementStatus, SessionRefresh,
    UpdatePhoneNumberParams, VerificationObject, VerificationStatus,
};
use clerk::testing::{MockClerk, VERIFICATION_CODE};
use serde_json::{json, Value};

/// The parameters of a verification attempt.
fn attempt(verification_id: impl Into<String>, code: &str) -> AttemptVerificationParams {
    AttemptVerificationParams {
        verification_id: verification_id.into(),
        code: code.into(),
    }
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

// ---------------------------------------------------------------------------------------
// Actor tokens
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn actor_tokens_create_and_revoke() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = seed_user(&mock, "ada@example.com");

    let token = clerk
        .actor_tokens()
        .create(&CreateActorTokenParams {
            user_id: ada.id.clone(),
            actor: meta(json!({"sub": "user_admin"})),
            expires_in_seconds: Some(600),
            session_max_duration_in_seconds: Some(900),
        })
        .await
        .unwrap();
    assert_eq!(token.object, "actor_token");
    assert!(token.id.starts_with("act_"), "{}", token.id);
    assert_eq!(token.status, ActorTokenStatus::Pending);
    assert_eq!(token.user_id, ada.id);
    assert_eq!(token.actor, meta(json!({"sub": "user_admin"})));
    let jwt = token.token.clone().expect("token returned on creation");
    let url = token.url.clone().expect("url returned on creation");
    assert!(url.ends_with(&format!("ticket={jwt}")), "{url}");
    let c = claims(&jwt);
    assert_eq!(c["act"], json!({"sub": "user_admin"}));
    assert_eq!(c["eis"], json!(600));
    assert_eq!(c["smd"], json!(900));

    // The wire body: exactly the fields sent, and the spec's required answer fields.
    let recorded = mock.api_requests();
    let last = recorded.last().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.uri, "/v1/actor_tokens");

    let revoked = clerk.actor_tokens().revoke(&token.id).await.unwrap();
    assert_eq!(revoked.status, ActorTokenStatus::Revoked);
    assert_eq!(revoked.id, token.id);
    assert_eq!(revoked.token, None, "token is only returned on creation");
    assert!(revoked.updated_at >= token.updated_at);
    // Revoking again answers the revoked token unchanged.
    let again = clerk.actor_tokens().revoke(&token.id).await.unwrap();
    assert_eq!(again, revoked);

    assert_not_found(clerk.actor_tokens().revoke("act_missing").await);

    // Validation: required fields, `actor.sub`, an unknown user, lifetimes.
    assert_fails(
        clerk
            .actor_tokens()
            .create(&CreateActorTokenParams {
                actor: meta(json!({"sub": "user_admin"})),
                ..Default::default()
            })
            .await,
        422,
        "form_param_missing",
        Some("user_id"),
    );
    assert_fails(
        clerk
            .actor_tokens()
            .create(&CreateActorTokenParams {
                user_id: ada.id.clone(),
                actor: meta(json!({"name": "no sub"})),
                ..Default::default()
            })
            .await,
        422,
        "form_param_missing",
        Some("actor"),
    );
    assert_fails(
        clerk
            .actor_tokens()
            .create(&CreateActorTokenParams {
                user_id: "user_missing".into(),
                actor: meta(json!({"sub": "user_admin"})),
                ..Default::default()
            })
            .await,
        422,
        "form_param_value_invalid",
        Some("user_id"),
    );
    let (status, body) = raw(
        &mock,
        "POST",
        "/actor_tokens",
        Some(json!({"user_id": ada.id, "actor": {"sub": "x"}, "expires_in_seconds": 0})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][0]["meta"]["param_name"],
        "expires_in_seconds"
    );

    // Defaults: one hour, 30-minute sessions.
    let (status, body) = raw(
        &mock,
        "POST",
        "/actor_tokens",
        Some(json!({"user_id": ada.id, "actor": {"sub": "user_admin", "role": "support"}})),
    )
    .await;
    assert_eq!(status, 200);
    let c = claims(body["token"].as_str().unwrap());
    assert_eq!(c["eis"], json!(3600));
    assert_eq!(c["smd"], json!(1800));
    assert_eq!(
        body["actor"],
        json!({"sub": "user_admin", "role": "support"})
    );
}

// ---------------------------------------------------------------------------------------
// Email and phone verification
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn email_address_verification_reports_attempts_in_status() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = seed_user(&mock, "ada@example.com");
    let email = clerk
        .email_addresses()
        .create(&CreateEmailAddressParams {
            user_id: ada.id.clone(),
            email_address: "ada.work@example.com".into(),
            ..Default::default()
        })
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
                &AttemptVerificationParams {
                    verification_id: verification_id.clone(),
                    ..Default::default()
                },
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = seed_user(&mock, "ada@example.com");
    let phone = clerk
        .phone_numbers()
        .create(&CreatePhoneNumberParams {
            user_id: ada.id.clone(),
            phone_number: "+15555550100".into(),
            ..Default::default()
        })
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
            &UpdatePhoneNumberParams {
                reserved_for_second_factor: Some(true),
                ..Default::default()
            },
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

// ---------------------------------------------------------------------------------------
// Replacing a user's email address / phone number
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn replace_email_address_replaces_all() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = mock
        .create_user(&CreateUserParams {
            email_address: vec!["ada@example.com".into(), "ada2@example.com".into()],
            ..Default::default()
        })
        .unwrap();
    seed_user(&mock, "grace@example.com");

    let email = clerk
        .users()
        .replace_email_address(
            &ada.id,
            &ReplaceEmailAddressParams {
                email_address: "ada@new.example.com".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(email.email_address, "ada@new.example.com");
    assert_eq!(email.object, "email_address");
    assert!(!email.reserved);
    let v = email.verification.clone().expect("verified by default");
    assert_eq!(v.status, Some(VerificationStatus::Verified));
    assert_eq!(v.strategy.as_deref(), Some("admin"));
    let after = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(after.email_addresses.len(), 1);
    assert_eq!(after.email_addresses[0].id, email.id);
    assert_eq!(
        after.primary_email_address_id.as_deref(),
        Some(email.id.as_str())
    );

    let reserved = clerk
        .users()
        .replace_email_address(
            &ada.id,
            &ReplaceEmailAddressParams {
                email_address: "ada@reserved.example.com".into(),
                identification_status: Some(ReplacementStatus::Reserved),
                notify_primary_email_address_changed: Some(true),
            },
        )
        .await
        .unwrap();
    assert!(reserved.reserved);
    assert!(reserved.verification.is_none());
    let unverified = clerk
        .users()
        .replace_email_address(
            &ada.id,
            &ReplaceEmailAddressParams {
                email_address: "ada@unverified.example.com".into(),
                identification_status: Some(ReplacementStatus::Unverified),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!unverified.reserved);
    assert!(unverified.verification.is_none());
    // The request carried the snake_case status.
    let (status, body) = raw(
        &mock,
        "PUT",
        &format!("/users/{}/email_address", ada.id),
        Some(json!({"email_address": "ada@x.example.com", "identification_status": "pending"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][0]["meta"]["param_name"],
        "identification_status"
    );

    // Errors: another user's address, a malformed one, a missing one, an unknown user.
    let taken = ReplaceEmailAddressParams {
        email_address: "GRACE@example.com".into(),
        ..Default::default()
    };
    assert_fails(
        clerk.users().replace_email_address(&ada.id, &taken).await,
        422,
        "form_identifier_exists",
        Some("email_address"),
    );
    assert_fails(
        clerk
            .users()
            .replace_email_address(
                &ada.id,
                &ReplaceEmailAddressParams {
                    email_address: "not-an-email".into(),
                    ..Default::default()
                },
            )
            .await,
        422,
        "form_param_format_invalid",
        None,
    );
    assert_fails(
        clerk
            .users()
            .replace_email_address(&ada.id, &ReplaceEmailAddressParams::default())
            .await,
        422,
        "form_param_missing",
        Some("email_address"),
    );
    assert_not_found(
        clerk
            .users()
            .replace_email_address("user_missing", &taken)
            .await,
    );
    // Giving the user's own current address again is fine.
    let same = clerk
        .users()
        .replace_email_address(
            &ada.id,
            &ReplaceEmailAddressParams {
                email_address: "ada@unverified.example.com".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(same.email_address, "ada@unverified.example.com");
}

#[tokio::test]
async fn replace_phone_number_replaces_all_and_drops_sms_mfa() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = seed_user(&mock, "ada@example.com");
    let phone = clerk
        .phone_numbers()
        .create(&CreatePhoneNumberParams {
            user_id: ada.id.clone(),
            phone_number: "+15555550100".into(),
            verified: Some(true),
            reserved_for_second_factor: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(phone.reserved_for_second_factor, Some(true));
    assert!(clerk.users().get(&ada.id).await.unwrap().two_factor_enabled);

    let replaced = clerk
        .users()
        .replace_phone_number(
            &ada.id,
            &ReplacePhoneNumberParams {
                phone_number: "+15555550111".into(),
                identification_status: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.phone_number, "+15555550111");
    assert_eq!(replaced.reserved_for_second_factor, Some(false));
    assert_eq!(
        replaced
            .verification
            .as_ref()
            .and_then(|v| v.status.clone()),
        Some(VerificationStatus::Verified)
    );
    let after = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(after.phone_numbers.len(), 1);
    assert_eq!(
        after.primary_phone_number_id.as_deref(),
        Some(replaced.id.as_str())
    );
    assert!(
        !after.two_factor_enabled,
        "replacing the MFA number disables it"
    );

    let reserved = clerk
        .users()
        .replace_phone_number(
            &ada.id,
            &ReplacePhoneNumberParams {
                phone_number: "+15555550122".into(),
                identification_status: Some(ReplacementStatus::Reserved),
            },
        )
        .await
        .unwrap();
    assert!(reserved.reserved);
    assert!(reserved.verification.is_none());

    assert_fails(
        clerk
            .users()
            .replace_phone_number(
                &ada.id,
                &ReplacePhoneNumberParams {
                    phone_number: "555-0100".into(),
                    ..Default::default()
                },
            )
            .await,
        422,
        "form_param_format_invalid",
        Some("phone_number"),
    );
    assert_not_found(
        clerk
            .users()
            .replace_phone_number(
                "user_missing",
                &ReplacePhoneNumberParams {
                    phone_number: "+15555550133".into(),
                    ..Default::default()
                },
            )
            .await,
    );
    // The phone body has no notify field (the spec's body is phone_number,
    // identification_status only).
    let (status, body) = raw(
        &mock,
        "PUT",
        &format!("/users/{}/phone_number", ada.id),
        Some(json!({"phone_number": "+15555550144", "notify_primary_email_address_changed": true})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "form_param_unknown");
}

// ---------------------------------------------------------------------------------------
// Session refresh
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn session_refresh_token_and_cookie() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let ada = seed_user(&mock, "ada@example.com");
    let session = mock.create_session(&ada.id).unwrap();
    let expired = clerk
        .sessions()
        .create_token(&session.id, None, None)
        .await
        .unwrap()
        .jwt;
    let params = RefreshSessionParams {
        expired_token: expired.clone(),
        refresh_token: "refresh_abc".into(),
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
    assert_fails(
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
        422,
        "form_param_missing",
        Some("refresh_token"),
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

    // A token of another session: 401, the SDKs' cue to fall back to the handshake.
    let other = mock.create_session(&ada.id).unwrap();
    assert_fails(
        clerk.sessions().refresh(&other.id, &params).await,
        401,
        "authentication_invalid",
        None,
    );

    // Unknown or inactive session: 404.
    assert_not_found(clerk.sessions().refresh("sess_missing", &params).await);
    clerk.sessions().revoke(&session.id).await.unwrap();
    assert_not_found(clerk.sessions().refresh(&session.id, &params).await);
}
