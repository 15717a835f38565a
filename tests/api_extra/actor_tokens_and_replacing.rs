//! Actor tokens: create and revoke.
//!
//! Replacing a user's email addresses and phone numbers.

use super::*;

#[tokio::test]
async fn actor_tokens_create_and_revoke() {
    let (mock, clerk) = start_mock().await;
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
    assert_param_missing(
        clerk
            .actor_tokens()
            .create(&params(|it: &mut CreateActorTokenParams| {
                it.actor = meta(json!({"sub": "user_admin"}))
            }))
            .await,
        "user_id",
    );
    assert_param_missing(
        clerk
            .actor_tokens()
            .create(&CreateActorTokenParams {
                user_id: ada.id.clone(),
                actor: meta(json!({"name": "no sub"})),
                ..Default::default()
            })
            .await,
        "actor",
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

#[tokio::test]
async fn replace_email_address_replaces_all() {
    let (mock, clerk) = start_mock().await;
    let ada = mock
        .create_user(&params(|it: &mut CreateUserParams| {
            it.email_address = vec!["ada@example.com".into(), "ada2@example.com".into()]
        }))
        .unwrap();
    seed_user(&mock, "grace@example.com");

    let email = clerk
        .users()
        .replace_email_address(
            &ada.id,
            &params(|it: &mut ReplaceEmailAddressParams| {
                it.email_address = "ada@new.example.com".into()
            }),
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
    let taken =
        params(|it: &mut ReplaceEmailAddressParams| it.email_address = "GRACE@example.com".into());
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
                &params(|it: &mut ReplaceEmailAddressParams| {
                    it.email_address = "not-an-email".into()
                }),
            )
            .await,
        422,
        "form_param_format_invalid",
        None,
    );
    assert_param_missing(
        clerk
            .users()
            .replace_email_address(&ada.id, &ReplaceEmailAddressParams::default())
            .await,
        "email_address",
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
            &params(|it: &mut ReplaceEmailAddressParams| {
                it.email_address = "ada@unverified.example.com".into()
            }),
        )
        .await
        .unwrap();
    assert_eq!(same.email_address, "ada@unverified.example.com");
}

#[tokio::test]
async fn replace_phone_number_replaces_all_and_drops_sms_mfa() {
    let (mock, clerk) = start_mock().await;
    let ada = seed_user(&mock, "ada@example.com");
    let phone = clerk
        .phone_numbers()
        .create(&mfa_phone_params(&ada.id, "+15555550100"))
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
                &params(|it: &mut ReplacePhoneNumberParams| it.phone_number = "555-0100".into()),
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
                &params(|it: &mut ReplacePhoneNumberParams| {
                    it.phone_number = "+15555550133".into()
                }),
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
