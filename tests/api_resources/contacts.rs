//! Email addresses and phone numbers, and the authentication of every resource call.

use super::*;

#[tokio::test]
async fn email_addresses() {
    let (mock, clerk) = start_mock().await;
    let emails = clerk.email_addresses();
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let original = ada.primary_email_address_id.clone().unwrap();

    let work = emails
        .create(&CreateEmailAddressParams {
            verified: Some(true),
            ..email_params(&ada.id, "ada@work.io")
        })
        .await
        .unwrap();
    assert!(work.id.starts_with("idn_"), "{}", work.id);
    assert_eq!(work.object, "email_address");
    assert_eq!(work.email_address, "ada@work.io");
    assert!(!work.reserved);
    assert_eq!(
        work.verification.as_ref().and_then(|v| v.status.clone()),
        Some(VerificationStatus::Verified)
    );
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(user.email_addresses.len(), 2);
    assert_eq!(
        user.primary_email_address_id.as_deref(),
        Some(original.as_str()),
        "not primary unless asked"
    );

    let home = emails
        .create(&CreateEmailAddressParams {
            primary: Some(true),
            ..email_params(&ada.id, "ada@home.net")
        })
        .await
        .unwrap();
    assert!(home.verification.is_none(), "unverified");
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(
        user.primary_email_address_id.as_deref(),
        Some(home.id.as_str())
    );

    // Get and update.
    assert_eq!(emails.get(&work.id).await.unwrap(), work);
    let verified = emails
        .update(
            &home.id,
            &params(|it: &mut UpdateEmailAddressParams| it.verified = Some(true)),
        )
        .await
        .unwrap();
    assert_eq!(
        verified.verification.and_then(|v| v.status),
        Some(VerificationStatus::Verified)
    );
    let unverified = emails
        .update(
            &work.id,
            &UpdateEmailAddressParams {
                verified: Some(false),
                primary: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(unverified.verification.is_none());
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(
        user.primary_email_address_id.as_deref(),
        Some(work.id.as_str())
    );
    let bob = email_address_errors(&mock, &clerk).await;
    delete_email_address(&clerk, &ada, &bob, &work, &original).await;
}

/// The errors of the email address calls; returns Bob, who has no work address.
async fn email_address_errors(mock: &MockClerk, clerk: &Clerk) -> User {
    let emails = clerk.email_addresses();
    // Errors.
    assert_not_found(
        emails
            .create(&email_params("user_missing", "x@example.com"))
            .await,
    );
    let bob = user_of(mock, "bob@example.com");
    assert_fails(
        emails.create(&email_params(&bob.id, "ADA@work.io")).await,
        422,
        "form_identifier_exists",
        Some("email_address"),
    );
    assert_fails(
        emails.create(&email_params(&bob.id, "nope")).await,
        422,
        "form_param_format_invalid",
        Some("email_address"),
    );
    assert_param_missing(
        emails.create(&email_params("", "b2@example.com")).await,
        "user_id",
    );
    assert_not_found(emails.get("idn_missing").await);
    assert_not_found(emails.update("idn_missing", &Default::default()).await);
    bob
}

/// Deleting an address: a `DeletedObject`; the primary moves on; the address is free again.
async fn delete_email_address(
    clerk: &Clerk,
    ada: &User,
    bob: &User,
    work: &EmailAddress,
    original: &str,
) {
    let emails = clerk.email_addresses();
    // Delete: a DeletedObject; the primary moves to a remaining address.
    let deleted = emails.delete(&work.id).await.unwrap();
    assert_eq!(deleted.object, "email_address");
    assert_eq!(deleted.id.as_deref(), Some(work.id.as_str()));
    assert!(deleted.deleted);
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(user.email_addresses.len(), 2);
    assert!(user.email_addresses.iter().all(|e| e.id != work.id));
    assert_eq!(user.primary_email_address_id.as_deref(), Some(original));
    assert_not_found(emails.get(&work.id).await);
    assert_not_found(emails.delete(&work.id).await);
    // The freed address can be added again.
    emails
        .create(&email_params(&bob.id, "ada@work.io"))
        .await
        .unwrap();
}

fn user_of(mock: &MockClerk, email: &str) -> User {
    mock.create_user(&params(|it: &mut CreateUserParams| {
        it.email_address = vec![email.into()]
    }))
    .unwrap()
}

#[tokio::test]
async fn phone_numbers() {
    let (mock, clerk) = start_mock().await;
    let phones = clerk.phone_numbers();
    let ada = user_of(&mock, "ada@example.com");
    assert_eq!(ada.primary_phone_number_id, None);

    let mobile = phones
        .create(&mfa_phone_params(&ada.id, "+15555550100"))
        .await
        .unwrap();
    assert!(mobile.id.starts_with("idn_"), "{}", mobile.id);
    assert_eq!(mobile.object, "phone_number");
    assert_eq!(mobile.phone_number, "+15555550100");
    assert_eq!(mobile.reserved_for_second_factor, Some(true));
    assert_eq!(
        mobile.default_second_factor,
        Some(true),
        "the first second factor is the default"
    );
    assert_eq!(
        mobile.verification.as_ref().and_then(|v| v.status.clone()),
        Some(VerificationStatus::Verified)
    );
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(
        user.primary_phone_number_id.as_deref(),
        Some(mobile.id.as_str()),
        "the first number is primary"
    );
    assert!(user.two_factor_enabled);

    let desk = phones
        .create(&phone_params(&ada.id, "+442079460000"))
        .await
        .unwrap();
    assert_eq!(desk.reserved_for_second_factor, Some(false));
    assert!(desk.verification.is_none());
    assert_eq!(phones.get(&desk.id).await.unwrap(), desk);

    // An unverified number cannot be a second factor.
    assert_fails(
        phones
            .update(
                &desk.id,
                &params(|it: &mut UpdatePhoneNumberParams| {
                    it.reserved_for_second_factor = Some(true)
                }),
            )
            .await,
        400,
        "identification_update_second_factor_unverified",
        None,
    );
    assert_fails(
        phones
            .create(&CreatePhoneNumberParams {
                reserved_for_second_factor: Some(true),
                ..phone_params(&ada.id, "+15555550199")
            })
            .await,
        400,
        "identification_create_second_factor_unverified",
        None,
    );

    let updated = phones
        .update(
            &desk.id,
            &UpdatePhoneNumberParams {
                verified: Some(true),
                primary: Some(true),
                reserved_for_second_factor: Some(true),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.reserved_for_second_factor, Some(true));
    assert_eq!(
        updated.default_second_factor,
        Some(false),
        "the default stays the first one"
    );
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(
        user.primary_phone_number_id.as_deref(),
        Some(desk.id.as_str())
    );
    phone_number_errors(&mock, &clerk, &ada, &desk).await;
    delete_phone_number(&clerk, &ada, &mobile, &desk).await;
}

/// The errors of the phone number calls.
async fn phone_number_errors(mock: &MockClerk, clerk: &Clerk, ada: &User, desk: &PhoneNumber) {
    let phones = clerk.phone_numbers();
    // Errors.
    assert_fails(
        phones.create(&phone_params(&ada.id, "555-0100")).await,
        422,
        "form_param_format_invalid",
        Some("phone_number"),
    );
    let other = user_of(mock, "other@example.com");
    assert_fails(
        phones
            .create(&phone_params(&other.id, "+15555550100"))
            .await,
        422,
        "form_identifier_exists",
        Some("phone_number"),
    );
    assert_not_found(
        phones
            .create(&phone_params("user_missing", "+15555550177"))
            .await,
    );
    // An email address id is not a phone number id.
    let email_id = ada.primary_email_address_id.clone().unwrap();
    assert_not_found(phones.get(&email_id).await);
    assert_not_found(clerk.email_addresses().get(&desk.id).await);
}

/// Deleting a number: the default second factor and the primary move on.
async fn delete_phone_number(clerk: &Clerk, ada: &User, mobile: &PhoneNumber, desk: &PhoneNumber) {
    let phones = clerk.phone_numbers();
    // Delete: the default second factor and the primary move on.
    let deleted = phones.delete(&mobile.id).await.unwrap();
    assert_eq!(deleted.object, "phone_number");
    assert!(deleted.deleted);
    let desk_now = phones.get(&desk.id).await.unwrap();
    assert_eq!(desk_now.default_second_factor, Some(true));
    phones.delete(&desk.id).await.unwrap();
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert!(user.phone_numbers.is_empty());
    assert_eq!(user.primary_phone_number_id, None);
    assert!(!user.two_factor_enabled);
    assert_not_found(phones.delete(&desk.id).await);
    assert_not_found(phones.update(&desk.id, &Default::default()).await);
}

#[tokio::test]
async fn resource_calls_are_authenticated_and_versioned() {
    let (mock, clerk) = start_mock().await;
    clerk.invitations().list(&Default::default()).await.unwrap();
    clerk.blocklist_identifiers().list().await.unwrap();
    clerk
        .organizations()
        .list(&Default::default())
        .await
        .unwrap();
    for request in mock.api_requests() {
        let auth = request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(auth, format!("Bearer {}", mock.secret_key()));
        assert_eq!(
            request.headers.get("clerk-api-version").unwrap(),
            "2026-05-12"
        );
    }
    // A wrong key is a 401 for these resources too.
    let wrong = clerk::Clerk::builder()
        .without_env()
        .secret_key("sk_test_wrong")
        .publishable_key(mock.publishable_key())
        .api_url(mock.api_url())
        .build()
        .unwrap();
    assert_fails(
        wrong.organizations().get("org_1").await,
        401,
        "authentication_invalid",
        None,
    );
}
