//! Invitations: create, validate, list, revoke and bulk.
//!
//! The allow-list and the block-list of identifiers.

use super::*;

fn invite(email: &str) -> CreateInvitationParams {
    params(|it: &mut CreateInvitationParams| it.email_address = email.into())
}

#[tokio::test]
async fn invitations_create_and_validate() {
    let (mock, clerk) = start_mock().await;
    let invitations = clerk.invitations();

    let created = invitations
        .create(&CreateInvitationParams {
            email_address: "ada@example.com".into(),
            public_metadata: Some(meta(json!({"plan": "pro", "seats": 3}))),
            redirect_url: Some("https://app.example.com/welcome?x=1".into()),
            notify: Some(false),
            expires_in_days: Some(7),
            template_slug: Some("invitation".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(created.id.starts_with("inv_"), "{}", created.id);
    assert_eq!(created.object, "invitation");
    assert_eq!(created.email_address, "ada@example.com");
    assert_eq!(created.status, InvitationStatus::Pending);
    assert_eq!(created.revoked, Some(false));
    assert_eq!(created.public_metadata["plan"], "pro");
    assert_eq!(created.public_metadata["seats"], 3);
    let expires = created.expires_at.expect("expires_at");
    assert_eq!(expires - created.created_at, 7 * 24 * 60 * 60 * 1000);
    let url = created.url.as_deref().expect("url");
    assert!(
        url.contains("redirect_url=https%3A%2F%2Fapp.example.com%2Fwelcome%3Fx%3D1"),
        "{url}"
    );

    // The default validity is 30 days.
    let default = invitations
        .create(&invite("bob@example.com"))
        .await
        .unwrap();
    assert_eq!(
        default.expires_at.unwrap() - default.created_at,
        30 * 24 * 60 * 60 * 1000
    );

    // A second pending invitation for the same address (any case) is a duplicate…
    let err = invitations
        .create(&invite("ADA@example.com"))
        .await
        .unwrap_err();
    expect_error(&err, 400, "duplicate_record");
    let dup_meta = err.errors()[0].meta.clone().unwrap();
    assert_eq!(dup_meta["email_addresses"], json!(["ADA@example.com"]));
    // …unless `ignore_existing` is set.
    let again = invitations
        .create(&CreateInvitationParams {
            ignore_existing: Some(true),
            ..invite("ada@example.com")
        })
        .await
        .unwrap();
    assert_ne!(again.id, created.id);

    // An address that already belongs to a user cannot be invited.
    user(&mock, "taken@example.com", "Tak", "En", "taken");
    assert_fails(
        invitations.create(&invite("taken@example.com")).await,
        422,
        "form_identifier_exists",
        Some("email_address"),
    );

    // Validation errors name the parameter.
    assert_fails(
        invitations.create(&invite("not-an-email")).await,
        422,
        "form_param_format_invalid",
        Some("email_address"),
    );
    assert_param_missing(invitations.create(&invite("")).await, "email_address");
    for days in [0, 366] {
        assert_fails(
            invitations
                .create(&CreateInvitationParams {
                    expires_in_days: Some(days),
                    ..invite("carol@example.com")
                })
                .await,
            422,
            "form_param_value_invalid",
            Some("expires_in_days"),
        );
    }
    assert_fails(
        invitations
            .create(&CreateInvitationParams {
                template_slug: Some("welcome".into()),
                ..invite("carol@example.com")
            })
            .await,
        422,
        "form_param_value_invalid",
        Some("template_slug"),
    );

    // The body schema declares no other field.
    let (status, body) = raw(
        &mock,
        "POST",
        "/invitations",
        Some(json!({"email_address": "raw2@example.com", "role": "admin"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "form_param_unknown");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "role");

    // The request body carries only the fields that were set.
    let (status, body) = raw(
        &mock,
        "POST",
        "/invitations",
        Some(json!({"email_address": "raw@example.com"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "invitation");
    assert_eq!(body["public_metadata"], json!({}));
}

#[tokio::test]
async fn invitations_list_shapes_filters_and_paging() {
    let (mock, clerk) = start_mock().await;
    let invitations = clerk.invitations();
    for email in [
        "dora@example.com",
        "alice@example.com",
        "carl@example.com",
        "bea@example.com",
        "eve@example.com",
    ] {
        invitations.create(&invite(email)).await.unwrap();
    }
    let eve = invitations
        .list(&params(|it: &mut InvitationListParams| {
            it.query = Some("eve@".into())
        }))
        .await
        .unwrap();
    assert_eq!(eve.total_count, Some(1));
    invitations.revoke(&eve.data[0].id).await.unwrap();

    // The client sends `paginated=true` and gets the total of the filtered set.
    let page = invitations
        .list(&InvitationListParams {
            order_by: Some("email_address".into()),
            limit: Some(2),
            offset: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.total_count,
        Some(4),
        "revoked invitations are not listed by default"
    );
    let emails: Vec<&str> = page.data.iter().map(|i| i.email_address.as_str()).collect();
    assert_eq!(emails, ["bea@example.com", "carl@example.com"]);
    let last = mock.api_requests().pop().unwrap();
    assert!(last.uri.starts_with("/v1/invitations?"), "{}", last.uri);
    assert!(last.uri.contains("paginated=true"), "{}", last.uri);

    let desc = invitations
        .list(&params(|it: &mut InvitationListParams| {
            it.order_by = Some("-email_address".into())
        }))
        .await
        .unwrap();
    assert_eq!(desc.data[0].email_address, "dora@example.com");

    // Status filter.
    let revoked = invitations
        .list(&params(|it: &mut InvitationListParams| {
            it.status = Some(InvitationStatus::Revoked)
        }))
        .await
        .unwrap();
    assert_eq!(revoked.total_count, Some(1));
    assert_eq!(revoked.data[0].email_address, "eve@example.com");
    assert_eq!(revoked.data[0].status, InvitationStatus::Revoked);
    let pending = invitations
        .list(&params(|it: &mut InvitationListParams| {
            it.status = Some(InvitationStatus::Pending)
        }))
        .await
        .unwrap();
    assert_eq!(pending.total_count, Some(4));
    assert!(pending
        .data
        .iter()
        .all(|i| i.status == InvitationStatus::Pending));

    // The stream pages through everything.
    let before = mock.api_requests().len();
    let all: Vec<_> = invitations
        .list_all(&params(|it: &mut InvitationListParams| it.limit = Some(2)))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let pages = &mock.api_requests()[before..];
    assert_eq!(pages.len(), 3, "pages of 2, 2, then an empty one");
    assert!(pages[2].uri.contains("offset=4"), "{}", pages[2].uri);

    // Wire shapes: a bare array without `paginated=true`, a page with it.
    let (status, bare) = raw(&mock, "GET", "/invitations", None).await;
    assert_eq!(status, 200);
    assert_eq!(bare.as_array().map(Vec::len), Some(4));
    let (_, paged) = raw(&mock, "GET", "/invitations?paginated=true&limit=1", None).await;
    assert!(is_page(&paged), "{paged}");
    assert_eq!(paged["total_count"], 4);
    assert_eq!(paged["data"].as_array().map(Vec::len), Some(1));

    // Bad parameters.
    assert_fails(
        invitations
            .list(&params(|it: &mut InvitationListParams| {
                it.limit = Some(501)
            }))
            .await,
        422,
        "form_param_value_invalid",
        Some("limit"),
    );
    assert_fails(
        invitations
            .list(&params(|it: &mut InvitationListParams| {
                it.order_by = Some("name".into())
            }))
            .await,
        422,
        "form_param_value_invalid",
        Some("order_by"),
    );
    let (status, body) = raw(&mock, "GET", "/invitations?status=lost", None).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["meta"]["param_name"], "status");
}

#[tokio::test]
async fn invitations_revoke() {
    let (_mock, clerk) = start_mock().await;
    let invitations = clerk.invitations();
    let created = invitations
        .create(&invite("rev@example.com"))
        .await
        .unwrap();

    let revoked = invitations.revoke(&created.id).await.unwrap();
    assert_eq!(revoked.id, created.id);
    assert_eq!(revoked.status, InvitationStatus::Revoked);
    assert_eq!(revoked.revoked, Some(true));
    assert!(revoked.updated_at >= created.updated_at);

    assert_fails(
        invitations.revoke(&created.id).await,
        400,
        "invitation_already_revoked",
        None,
    );
    let err = invitations.revoke("inv_missing").await.unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    assert!(err.is_not_found());

    // A revoked invitation no longer blocks a new one.
    let fresh = invitations
        .create(&invite("rev@example.com"))
        .await
        .unwrap();
    assert_eq!(fresh.status, InvitationStatus::Pending);
}

#[tokio::test]
async fn invitations_bulk() {
    let (mock, clerk) = start_mock().await;
    let invitations = clerk.invitations();

    let created = invitations
        .create_bulk(&[
            invite("one@example.com"),
            CreateInvitationParams {
                public_metadata: Some(meta(json!({"team": "blue"}))),
                expires_in_days: Some(2),
                ..invite("two@example.com")
            },
            invite("three@example.com"),
        ])
        .await
        .unwrap();
    assert_eq!(created.len(), 3);
    assert_eq!(created[1].email_address, "two@example.com");
    assert_eq!(created[1].public_metadata["team"], "blue");
    assert!(created
        .iter()
        .all(|i| i.id.starts_with("inv_") && i.status == InvitationStatus::Pending));
    let bulk_request = mock.api_requests().pop().unwrap();
    assert_eq!(bulk_request.method, "POST");
    assert_eq!(bulk_request.uri, "/v1/invitations/bulk");

    // 1 to 10 items.
    assert_fails(
        invitations.create_bulk(&[]).await,
        422,
        "form_param_value_invalid",
        None,
    );
    let eleven: Vec<_> = (0..11)
        .map(|n| invite(&format!("n{n}@example.com")))
        .collect();
    assert_fails(
        invitations.create_bulk(&eleven).await,
        422,
        "form_param_array_size_exceeded",
        None,
    );
    let ten: Vec<_> = (0..10)
        .map(|n| invite(&format!("n{n}@example.com")))
        .collect();
    assert_eq!(invitations.create_bulk(&ten).await.unwrap().len(), 10);

    // Duplicates (existing pending invitations, or twice in the batch) are listed, and
    // nothing is created.
    let err = invitations
        .create_bulk(&[
            invite("one@example.com"),
            invite("new@example.com"),
            invite("new@example.com"),
        ])
        .await
        .unwrap_err();
    expect_error(&err, 400, "duplicate_record");
    let listed = err.errors()[0].meta.clone().unwrap();
    assert_eq!(
        listed["email_addresses"],
        json!(["one@example.com", "new@example.com"])
    );
    let total = invitations
        .list(&Default::default())
        .await
        .unwrap()
        .total_count;
    assert_eq!(total, Some(13));

    // `ignore_existing` bypasses duplicates, but never an existing user.
    let again = invitations
        .create_bulk(&[CreateInvitationParams {
            ignore_existing: Some(true),
            ..invite("one@example.com")
        }])
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    user(&mock, "member@example.com", "Mem", "Ber", "member");
    assert_fails(
        invitations
            .create_bulk(&[CreateInvitationParams {
                ignore_existing: Some(true),
                ..invite("member@example.com")
            }])
            .await,
        422,
        "form_identifier_exists",
        Some("email_address"),
    );

    // An invalid item fails the whole batch with the item's error.
    assert_fails(
        invitations
            .create_bulk(&[invite("ok@example.com"), invite("broken")])
            .await,
        422,
        "form_param_format_invalid",
        Some("email_address"),
    );

    // The wire answer is a bare array; a body that is not an array is a 400.
    let (status, body) = raw(
        &mock,
        "POST",
        "/invitations/bulk",
        Some(json!([{"email_address": "w@example.com"}])),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    let (status, body) = raw(
        &mock,
        "POST",
        "/invitations/bulk",
        Some(json!({"email_address": "w2@example.com"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "request_body_invalid");
}

fn allow(identifier: &str) -> CreateAllowlistIdentifierParams {
    CreateAllowlistIdentifierParams {
        identifier: identifier.into(),
        notify: None,
    }
}

#[tokio::test]
async fn allowlist_identifiers() {
    let (mock, clerk) = start_mock().await;
    let allowlist = clerk.allowlist_identifiers();

    let email = allowlist.create(&allow("ada@example.com")).await.unwrap();
    assert!(email.id.starts_with("alid_"), "{}", email.id);
    assert_eq!(email.object, "allowlist_identifier");
    assert_eq!(email.identifier, "ada@example.com");
    assert_eq!(email.identifier_type, Some(IdentifierType::EmailAddress));
    assert!(email
        .instance_id
        .as_deref()
        .is_some_and(|i| i.starts_with("ins_")));
    assert_eq!(email.invitation_id, None);
    assert!(email.created_at > 0);
    let phone = allowlist.create(&allow("+15555550100")).await.unwrap();
    assert_eq!(phone.identifier_type, Some(IdentifierType::PhoneNumber));
    let wallet = allowlist
        .create(&allow("0x52908400098527886E0F7030069857D2E4169EE7"))
        .await
        .unwrap();
    assert_eq!(wallet.identifier_type, Some(IdentifierType::Web3Wallet));
    let domain = allowlist.create(&allow("*@acme.dev")).await.unwrap();
    assert_eq!(domain.identifier_type, Some(IdentifierType::EmailAddress));

    // `notify` sends (and links) an invitation to an email address.
    let notified = allowlist
        .create(&CreateAllowlistIdentifierParams {
            identifier: "grace@example.com".into(),
            notify: Some(true),
        })
        .await
        .unwrap();
    let invitation_id = notified.invitation_id.clone().expect("invitation_id");
    let invitations = clerk.invitations().list(&Default::default()).await.unwrap();
    assert_eq!(invitations.total_count, Some(1));
    assert_eq!(invitations.data[0].id, invitation_id);
    assert_eq!(invitations.data[0].email_address, "grace@example.com");

    // Errors.
    assert_fails(
        allowlist.create(&allow("ADA@example.com")).await,
        400,
        "duplicate_record",
        None,
    );
    assert_fails(
        allowlist.create(&allow("not an identifier")).await,
        422,
        "form_param_format_invalid",
        Some("identifier"),
    );
    assert_param_missing(allowlist.create(&allow("")).await, "identifier");

    // Listing: a page with `paginated=true` (what the client sends), a bare array without.
    let page = allowlist
        .list(&AllowlistIdentifierListParams {
            limit: Some(2),
            offset: Some(0),
        })
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(5));
    assert_eq!(page.len(), 2);
    assert!(mock
        .api_requests()
        .pop()
        .unwrap()
        .uri
        .contains("paginated=true"));
    let all: Vec<_> = allowlist
        .list_all(&AllowlistIdentifierListParams {
            limit: Some(2),
            offset: None,
        })
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<_> = all.iter().map(|i| i.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    let (_, bare) = raw(&mock, "GET", "/allowlist_identifiers", None).await;
    assert_eq!(bare.as_array().map(Vec::len), Some(5));
    let (_, paged) = raw(
        &mock,
        "GET",
        "/allowlist_identifiers?paginated=true&limit=3&offset=3",
        None,
    )
    .await;
    assert!(is_page(&paged), "{paged}");
    assert_eq!(paged["total_count"], 5);
    assert_eq!(paged["data"].as_array().map(Vec::len), Some(2));

    // Delete.
    let deleted = allowlist.delete(&phone.id).await.unwrap();
    assert_eq!(deleted.object, "allowlist_identifier");
    assert_eq!(deleted.id.as_deref(), Some(phone.id.as_str()));
    assert!(deleted.deleted);
    assert_not_found(allowlist.delete(&phone.id).await);
    assert_eq!(
        allowlist
            .list(&Default::default())
            .await
            .unwrap()
            .total_count,
        Some(4)
    );
}

/// Both wildcard forms Clerk's docs give for a whole email domain (`*@example.com` and
/// `*.example.com`) are accepted, without an invitation even with `notify`; what is not a
/// domain is still refused.
#[tokio::test]
async fn allowlist_wildcard_domains() {
    let (_mock, clerk) = start_mock().await;
    let allowlist = clerk.allowlist_identifiers();
    for identifier in ["*.example.com", "*@example.com", "*.mail.acme-corp.co.uk"] {
        let created = allowlist
            .create(&CreateAllowlistIdentifierParams {
                identifier: identifier.into(),
                notify: Some(true),
            })
            .await
            .unwrap_or_else(|e| panic!("{identifier}: {e}"));
        assert_eq!(created.identifier, identifier);
        assert_eq!(created.identifier_type, Some(IdentifierType::EmailAddress));
        assert_eq!(created.invitation_id, None, "{identifier}");
    }
    let invitations = clerk.invitations().list(&Default::default()).await.unwrap();
    assert_eq!(invitations.total_count, Some(0));
    assert_fails(
        allowlist.create(&allow("*.EXAMPLE.com")).await,
        400,
        "duplicate_record",
        None,
    );
    for refused in [
        "*.com",
        "*.",
        "*",
        "*.example..com",
        "*..example.com",
        "**.example.com",
        "*.exa mple.com",
        "*.*.example.com",
        "example.com",
        ".example.com",
    ] {
        assert_fails(
            allowlist.create(&allow(refused)).await,
            422,
            "form_param_format_invalid",
            Some("identifier"),
        );
    }
    // The block-list takes the wildcard too (and bare domains, as before).
    let blocklist = clerk.blocklist_identifiers();
    for identifier in ["*.spam.example", "spam.example"] {
        let created = blocklist
            .create(&CreateBlocklistIdentifierParams {
                identifier: identifier.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("{identifier}: {e}"));
        assert_eq!(created.identifier_type, Some(IdentifierType::EmailAddress));
    }
}

#[tokio::test]
async fn blocklist_identifiers() {
    let (mock, clerk) = start_mock().await;
    let blocklist = clerk.blocklist_identifiers();

    let empty = blocklist.list().await.unwrap();
    assert_eq!(empty.total_count, Some(0));
    assert!(empty.is_empty());

    let block = |identifier: &str| CreateBlocklistIdentifierParams {
        identifier: identifier.into(),
    };
    let email = blocklist.create(&block("spam@example.com")).await.unwrap();
    assert!(email.id.starts_with("blid_"), "{}", email.id);
    assert_eq!(email.object, "blocklist_identifier");
    assert_eq!(email.identifier_type, Some(IdentifierType::EmailAddress));
    let domain = blocklist.create(&block("spam.example")).await.unwrap();
    assert_eq!(domain.identifier_type, Some(IdentifierType::EmailAddress));
    let phone = blocklist.create(&block("+447700900123")).await.unwrap();
    assert_eq!(phone.identifier_type, Some(IdentifierType::PhoneNumber));
    let wallet = blocklist
        .create(&block("0x0000000000000000000000000000000000000bad"))
        .await
        .unwrap();
    assert_eq!(wallet.identifier_type, Some(IdentifierType::Web3Wallet));

    assert_fails(
        blocklist.create(&block("spam@example.com")).await,
        400,
        "duplicate_record",
        None,
    );
    assert_fails(
        blocklist.create(&block("no way")).await,
        422,
        "form_param_format_invalid",
        Some("identifier"),
    );

    // Always a page, and the client sends no parameters at all.
    let page = blocklist.list().await.unwrap();
    assert_eq!(page.total_count, Some(4));
    assert_eq!(page.len(), 4);
    assert_eq!(
        mock.api_requests().pop().unwrap().uri,
        "/v1/blocklist_identifiers"
    );
    let (_, shape) = raw(&mock, "GET", "/blocklist_identifiers", None).await;
    assert!(is_page(&shape), "{shape}");

    let (status, body) = raw(
        &mock,
        "POST",
        "/blocklist_identifiers",
        Some(json!({"identifier": "x@example.org", "notify": true})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "form_param_unknown");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "notify");

    let deleted = blocklist.delete(&domain.id).await.unwrap();
    assert_eq!(deleted.object, "blocklist_identifier");
    assert!(deleted.deleted);
    assert_not_found(blocklist.delete(&domain.id).await);
    assert_eq!(blocklist.list().await.unwrap().total_count, Some(3));
}
