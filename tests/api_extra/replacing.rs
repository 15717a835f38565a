//! Replacing a user's email addresses and phone numbers.

use super::*;

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
