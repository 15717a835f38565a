//! Invitations, allow-list, block-list, organizations (with memberships), email addresses
//! and phone numbers: every client method over real HTTP against the local Backend API,
//! with the list shapes, filters, errors and metadata semantics of the real API.

mod common;
use common::{expect_error, meta};

use clerk::api::{
    AllowlistIdentifierListParams, CreateAllowlistIdentifierParams,
    CreateBlocklistIdentifierParams, CreateEmailAddressParams, CreateInvitationParams,
    CreateOrganizationMembershipParams, CreateOrganizationParams, CreatePhoneNumberParams,
    CreateUserParams, GetOrganizationParams, IdentifierType, InstanceMembershipListParams,
    InvitationListParams, InvitationStatus, Metadata, OrganizationListParams,
    OrganizationMembershipListParams, UpdateEmailAddressParams, UpdateOrganizationMembershipParams,
    UpdateOrganizationMetadataParams, UpdateOrganizationParams, UpdatePhoneNumberParams, User,
    VerificationStatus,
};
use clerk::testing::MockClerk;
use futures::TryStreamExt as _;
use serde_json::{json, Value};

fn user(mock: &MockClerk, email: &str, first: &str, last: &str, username: &str) -> User {
    mock.create_user(&CreateUserParams {
        email_address: vec![email.into()],
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        username: Some(username.into()),
        ..Default::default()
    })
    .expect("seed user")
}

/// A request straight to the mock, to look at the wire shape.
async fn raw(
    mock: &MockClerk,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}/v1{path_and_query}", mock.api_url());
    let mut request = client
        .request(method.parse().unwrap(), url)
        .bearer_auth(mock.secret_key())
        .header("Clerk-API-Version", "2026-05-12");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn is_page(value: &Value) -> bool {
    value["data"].is_array() && value["total_count"].is_i64()
}

// ---------------------------------------------------------------------------------------
// Invitations
// ---------------------------------------------------------------------------------------

fn invite(email: &str) -> CreateInvitationParams {
    CreateInvitationParams {
        email_address: email.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn invitations_create_and_validate() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let err = invitations
        .create(&invite("taken@example.com"))
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_identifier_exists").as_deref(),
        Some("email_address")
    );

    // Validation errors name the parameter.
    let err = invitations
        .create(&invite("not-an-email"))
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("email_address")
    );
    let err = invitations.create(&invite("")).await.unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("email_address")
    );
    for days in [0, 366] {
        let err = invitations
            .create(&CreateInvitationParams {
                expires_in_days: Some(days),
                ..invite("carol@example.com")
            })
            .await
            .unwrap_err();
        assert_eq!(
            expect_error(&err, 422, "form_param_value_invalid").as_deref(),
            Some("expires_in_days")
        );
    }
    let err = invitations
        .create(&CreateInvitationParams {
            template_slug: Some("welcome".into()),
            ..invite("carol@example.com")
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_value_invalid").as_deref(),
        Some("template_slug")
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
        .list(&InvitationListParams {
            query: Some("eve@".into()),
            ..Default::default()
        })
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
        .list(&InvitationListParams {
            order_by: Some("-email_address".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(desc.data[0].email_address, "dora@example.com");

    // Status filter.
    let revoked = invitations
        .list(&InvitationListParams {
            status: Some(InvitationStatus::Revoked),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(revoked.total_count, Some(1));
    assert_eq!(revoked.data[0].email_address, "eve@example.com");
    assert_eq!(revoked.data[0].status, InvitationStatus::Revoked);
    let pending = invitations
        .list(&InvitationListParams {
            status: Some(InvitationStatus::Pending),
            ..Default::default()
        })
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
        .list_all(&InvitationListParams {
            limit: Some(2),
            ..Default::default()
        })
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
    let err = invitations
        .list(&InvitationListParams {
            limit: Some(501),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_value_invalid").as_deref(),
        Some("limit")
    );
    let err = invitations
        .list(&InvitationListParams {
            order_by: Some("name".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_value_invalid").as_deref(),
        Some("order_by")
    );
    let (status, body) = raw(&mock, "GET", "/invitations?status=lost", None).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["meta"]["param_name"], "status");
}

#[tokio::test]
async fn invitations_revoke() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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

    let err = invitations.revoke(&created.id).await.unwrap_err();
    expect_error(&err, 400, "invitation_already_revoked");
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let err = invitations.create_bulk(&[]).await.unwrap_err();
    expect_error(&err, 422, "form_param_value_invalid");
    let eleven: Vec<_> = (0..11)
        .map(|n| invite(&format!("n{n}@example.com")))
        .collect();
    let err = invitations.create_bulk(&eleven).await.unwrap_err();
    expect_error(&err, 422, "form_param_array_size_exceeded");
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
    let err = invitations
        .create_bulk(&[CreateInvitationParams {
            ignore_existing: Some(true),
            ..invite("member@example.com")
        }])
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_identifier_exists").as_deref(),
        Some("email_address")
    );

    // An invalid item fails the whole batch with the item's error.
    let err = invitations
        .create_bulk(&[invite("ok@example.com"), invite("broken")])
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("email_address")
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

// ---------------------------------------------------------------------------------------
// Allow-list and block-list
// ---------------------------------------------------------------------------------------

fn allow(identifier: &str) -> CreateAllowlistIdentifierParams {
    CreateAllowlistIdentifierParams {
        identifier: identifier.into(),
        notify: None,
    }
}

#[tokio::test]
async fn allowlist_identifiers() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let err = allowlist
        .create(&allow("ADA@example.com"))
        .await
        .unwrap_err();
    expect_error(&err, 400, "duplicate_record");
    let err = allowlist
        .create(&allow("not an identifier"))
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("identifier")
    );
    let err = allowlist.create(&allow("")).await.unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("identifier")
    );

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
    let err = allowlist.delete(&phone.id).await.unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    assert_eq!(
        allowlist
            .list(&Default::default())
            .await
            .unwrap()
            .total_count,
        Some(4)
    );
}

#[tokio::test]
async fn blocklist_identifiers() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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

    let err = blocklist
        .create(&block("spam@example.com"))
        .await
        .unwrap_err();
    expect_error(&err, 400, "duplicate_record");
    let err = blocklist.create(&block("no way")).await.unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("identifier")
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
    expect_error(
        &blocklist.delete(&domain.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    assert_eq!(blocklist.list().await.unwrap().total_count, Some(3));
}

// ---------------------------------------------------------------------------------------
// Organizations
// ---------------------------------------------------------------------------------------

fn org(name: &str) -> CreateOrganizationParams {
    CreateOrganizationParams {
        name: name.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn organizations_create_get_update_delete() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let orgs = clerk.organizations();
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");

    let acme = orgs
        .create(&CreateOrganizationParams {
            name: "Acme, Inc.".into(),
            created_by: Some(ada.id.clone()),
            public_metadata: Some(meta(json!({"tier": "gold"}))),
            private_metadata: Some(meta(json!({"crm": "42"}))),
            max_allowed_memberships: Some(25),
            created_at: Some("2024-01-02T03:04:05.678Z".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(acme.id.starts_with("org_"), "{}", acme.id);
    assert_eq!(acme.object, "organization");
    assert_eq!(acme.name, "Acme, Inc.");
    assert_eq!(acme.slug, "acme-inc", "slug derived from the name");
    assert_eq!(acme.created_by.as_deref(), Some(ada.id.as_str()));
    assert_eq!(acme.max_allowed_memberships, 25);
    assert!(acme.admin_delete_enabled);
    assert!(!acme.has_image);
    assert_eq!(acme.public_metadata["tier"], "gold");
    assert_eq!(acme.private_metadata.as_ref().unwrap()["crm"], "42");
    assert_eq!(acme.created_at, 1_704_164_645_678);
    assert_eq!(acme.members_count, None, "only with include_members_count");

    // The creator is its first admin.
    let members = orgs
        .list_memberships(&acme.id, &Default::default())
        .await
        .unwrap();
    assert_eq!(members.total_count, Some(1));
    assert_eq!(members.data[0].role, "org:admin");
    assert_eq!(
        members.data[0].public_user_data.as_ref().unwrap().user_id,
        ada.id
    );

    // A generated slug never collides; an explicit one must be unique and well-formed.
    let twin = orgs.create(&org("Acme Inc")).await.unwrap();
    assert!(
        twin.slug.starts_with("acme-inc-") && twin.slug != acme.slug,
        "{}",
        twin.slug
    );
    let err = orgs
        .create(&CreateOrganizationParams {
            slug: Some("acme-inc".into()),
            ..org("Other")
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_identifier_exists").as_deref(),
        Some("slug")
    );
    let err = orgs
        .create(&CreateOrganizationParams {
            slug: Some("Not A Slug".into()),
            ..org("Other")
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("slug")
    );
    let err = orgs.create(&org("")).await.unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("name")
    );
    let err = orgs.create(&org(&"x".repeat(257))).await.unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_max_length_exceeded").as_deref(),
        Some("name")
    );
    let err = orgs
        .create(&CreateOrganizationParams {
            created_by: Some("user_missing".into()),
            ..org("Orphan")
        })
        .await
        .unwrap_err();
    expect_error(&err, 400, "organization_creator_not_found");
    let err = orgs
        .create(&CreateOrganizationParams {
            created_at: Some("yesterday".into()),
            ..org("Dated")
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_invalid_time").as_deref(),
        Some("created_at")
    );

    // Get by id or by slug, with the optional counts.
    assert_eq!(orgs.get(&acme.id).await.unwrap().id, acme.id);
    assert_eq!(orgs.get("acme-inc").await.unwrap().id, acme.id);
    let counted = orgs
        .get_with(
            "acme-inc",
            &GetOrganizationParams {
                include_members_count: Some(true),
                include_missing_member_with_elevated_permissions: Some(true),
            },
        )
        .await
        .unwrap();
    assert_eq!(counted.members_count, Some(1));
    assert_eq!(
        counted.missing_member_with_elevated_permissions,
        Some(false)
    );
    let lonely = orgs
        .get_with(
            &twin.id,
            &GetOrganizationParams {
                include_missing_member_with_elevated_permissions: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(lonely.missing_member_with_elevated_permissions, Some(true));
    expect_error(
        &orgs.get("org_missing").await.unwrap_err(),
        404,
        "resource_not_found",
    );

    // Update.
    let updated = orgs
        .update(
            &acme.id,
            &UpdateOrganizationParams {
                name: Some("Acme Corp".into()),
                slug: Some("acme".into()),
                max_allowed_memberships: Some(0),
                admin_delete_enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Acme Corp");
    assert_eq!(updated.slug, "acme");
    assert_eq!(updated.max_allowed_memberships, 0);
    assert!(!updated.admin_delete_enabled);
    assert_eq!(
        updated.public_metadata["tier"], "gold",
        "metadata untouched"
    );
    assert!(updated.updated_at >= acme.updated_at);
    assert_eq!(orgs.get("acme").await.unwrap().id, acme.id);
    expect_error(
        &orgs.get("acme-inc").await.unwrap_err(),
        404,
        "resource_not_found",
    );
    // Keeping its own slug is fine; taking another's is not.
    orgs.update(
        &acme.id,
        &UpdateOrganizationParams {
            slug: Some("acme".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = orgs
        .update(
            &twin.id,
            &UpdateOrganizationParams {
                slug: Some("acme".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_identifier_exists").as_deref(),
        Some("slug")
    );
    let err = orgs
        .update("org_missing", &UpdateOrganizationParams::default())
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    // Since 2026-05-12 the PATCH body takes no metadata.
    let (status, body) = raw(
        &mock,
        "PATCH",
        &format!("/organizations/{}", acme.id),
        Some(json!({"public_metadata": {"tier": "silver"}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "form_param_unknown");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "public_metadata");

    // Delete.
    let deleted = orgs.delete(&acme.id).await.unwrap();
    assert_eq!(deleted.object, "organization");
    assert_eq!(deleted.id.as_deref(), Some(acme.id.as_str()));
    assert_eq!(deleted.slug.as_deref(), Some("acme"));
    assert!(deleted.deleted);
    expect_error(
        &orgs.get(&acme.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    expect_error(
        &orgs.delete(&acme.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    let instance = orgs
        .list_instance_memberships(&Default::default())
        .await
        .unwrap();
    assert_eq!(
        instance.total_count,
        Some(0),
        "memberships go with their organization"
    );
}

#[tokio::test]
async fn organizations_metadata_merge_and_replace() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let orgs = clerk.organizations();
    let org = mock
        .create_organization(&CreateOrganizationParams {
            public_metadata: Some(meta(
                json!({"a": 1, "nested": {"x": 1, "y": 2}, "gone": true}),
            )),
            private_metadata: Some(meta(json!({"secret": "s"}))),
            ..org("Meta")
        })
        .unwrap();

    // PATCH deep-merges; `null` deletes a key; an absent field is untouched.
    let merged = orgs
        .update_metadata(
            &org.id,
            &UpdateOrganizationMetadataParams {
                public_metadata: Some(meta(
                    json!({"b": 2, "nested": {"y": 3, "z": 4}, "gone": null}),
                )),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        Value::Object(merged.public_metadata.clone()),
        json!({"a": 1, "b": 2, "nested": {"x": 1, "y": 3, "z": 4}})
    );
    assert_eq!(merged.private_metadata, Some(meta(json!({"secret": "s"}))));

    // PUT replaces each field sent wholesale; an absent field is untouched.
    let replaced = orgs
        .replace_metadata(
            &org.id,
            &UpdateOrganizationMetadataParams {
                public_metadata: Some(meta(json!({"only": true}))),
                private_metadata: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        Value::Object(replaced.public_metadata),
        json!({"only": true})
    );
    assert_eq!(
        replaced.private_metadata,
        Some(meta(json!({"secret": "s"})))
    );
    let cleared = orgs
        .replace_metadata(
            &org.id,
            &UpdateOrganizationMetadataParams {
                public_metadata: None,
                private_metadata: Some(Metadata::new()),
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.private_metadata, Some(Metadata::new()));
    assert_eq!(
        Value::Object(cleared.public_metadata),
        json!({"only": true})
    );

    let requests = mock.api_requests();
    let methods: Vec<&str> = requests
        .iter()
        .rev()
        .take(3)
        .map(|r| r.method.as_str())
        .collect();
    assert_eq!(methods, ["PUT", "PUT", "PATCH"]);
    assert!(requests
        .iter()
        .rev()
        .take(3)
        .all(|r| r.uri == format!("/v1/organizations/{}/metadata", org.id)));

    let err = orgs
        .update_metadata("org_missing", &Default::default())
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    let (status, body) = raw(
        &mock,
        "PATCH",
        &format!("/organizations/{}/metadata", org.id),
        Some(json!({"public_metadata": [1, 2]})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["meta"]["param_name"], "public_metadata");
}

#[tokio::test]
async fn organizations_list_filters_and_paging() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let orgs = clerk.organizations();
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let bob = user(&mock, "bob@example.com", "Bob", "Builder", "bob");
    let alpha = mock.create_organization(&org("Alpha Squad")).unwrap();
    let beta = mock
        .create_organization(&CreateOrganizationParams {
            slug: Some("beta-team".into()),
            ..org("Beta")
        })
        .unwrap();
    let gamma = mock.create_organization(&org("Gamma")).unwrap();
    let add = |org_id: String, user_id: String| {
        let orgs = clerk.organizations();
        async move {
            orgs.create_membership(
                &org_id,
                &CreateOrganizationMembershipParams {
                    user_id,
                    role: "org:member".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    add(alpha.id.clone(), ada.id.clone()).await;
    add(alpha.id.clone(), bob.id.clone()).await;
    add(beta.id.clone(), bob.id.clone()).await;

    let names = |page: &clerk::api::PaginatedList<clerk::api::Organization>| -> Vec<String> {
        page.data.iter().map(|o| o.name.clone()).collect()
    };
    let by_name = OrganizationListParams {
        order_by: Some("name".into()),
        ..Default::default()
    };
    let all = orgs.list(&by_name).await.unwrap();
    assert_eq!(all.total_count, Some(3));
    assert_eq!(names(&all), ["Alpha Squad", "Beta", "Gamma"]);
    assert!(all.data.iter().all(|o| o.members_count.is_none()));

    // Query: exact id, partial name or slug.
    let q = |query: &str| OrganizationListParams {
        query: Some(query.into()),
        ..by_name.clone()
    };
    assert_eq!(
        names(&orgs.list(&q("squad")).await.unwrap()),
        ["Alpha Squad"]
    );
    assert_eq!(names(&orgs.list(&q("team")).await.unwrap()), ["Beta"]);
    assert_eq!(names(&orgs.list(&q(&gamma.id)).await.unwrap()), ["Gamma"]);

    // user_id± and organization_id±.
    let with_users = |ids: &[&str]| OrganizationListParams {
        user_id: ids.iter().map(|s| s.to_string()).collect(),
        ..by_name.clone()
    };
    assert_eq!(
        names(&orgs.list(&with_users(&[&ada.id])).await.unwrap()),
        ["Alpha Squad"]
    );
    assert_eq!(
        names(
            &orgs
                .list(&with_users(&[&format!("+{}", bob.id)]))
                .await
                .unwrap()
        ),
        ["Alpha Squad", "Beta"]
    );
    assert_eq!(
        names(
            &orgs
                .list(&with_users(&[&format!("-{}", ada.id)]))
                .await
                .unwrap()
        ),
        ["Beta", "Gamma"]
    );
    let exclude_beta = OrganizationListParams {
        organization_id: vec![format!("-{}", beta.id)],
        ..by_name.clone()
    };
    assert_eq!(
        names(&orgs.list(&exclude_beta).await.unwrap()),
        ["Alpha Squad", "Gamma"]
    );
    let include = OrganizationListParams {
        organization_id: vec![gamma.id.clone(), format!("+{}", beta.id)],
        ..by_name.clone()
    };
    assert_eq!(
        names(&orgs.list(&include).await.unwrap()),
        ["Beta", "Gamma"]
    );
    let last = mock.api_requests().pop().unwrap();
    assert!(
        last.uri
            .contains(&format!("organization_id=%2B{}", beta.id)),
        "{}",
        last.uri
    );

    // Members count, and ordering by it.
    let counted = orgs
        .list(&OrganizationListParams {
            include_members_count: Some(true),
            order_by: Some("-members_count".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let counts: Vec<_> = counted
        .data
        .iter()
        .map(|o| (o.name.as_str(), o.members_count))
        .collect();
    assert_eq!(
        counts,
        [
            ("Alpha Squad", Some(2)),
            ("Beta", Some(1)),
            ("Gamma", Some(0))
        ]
    );

    // Paging.
    let second = orgs
        .list(&OrganizationListParams {
            limit: Some(1),
            offset: Some(1),
            ..by_name.clone()
        })
        .await
        .unwrap();
    assert_eq!(second.total_count, Some(3));
    assert_eq!(names(&second), ["Beta"]);
    let streamed: Vec<_> = orgs
        .list_all(&OrganizationListParams {
            limit: Some(2),
            ..by_name.clone()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        streamed.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["Alpha Squad", "Beta", "Gamma"]
    );
    let err = orgs
        .list(&OrganizationListParams {
            order_by: Some("slug".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_value_invalid").as_deref(),
        Some("order_by")
    );

    // Always a page on the wire.
    let (_, shape) = raw(&mock, "GET", "/organizations", None).await;
    assert!(is_page(&shape), "{shape}");
    let (_, shape) = raw(&mock, "GET", "/organizations?paginated=false", None).await;
    assert!(is_page(&shape), "{shape}");
}

// ---------------------------------------------------------------------------------------
// Memberships
// ---------------------------------------------------------------------------------------

fn member(user_id: &str, role: &str) -> CreateOrganizationMembershipParams {
    CreateOrganizationMembershipParams {
        user_id: user_id.into(),
        role: role.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn memberships_create_update_delete() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let orgs = clerk.organizations();
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let bob = user(&mock, "bob@example.com", "Bob", "Builder", "bob");
    let team = mock.create_organization(&org("Team")).unwrap();

    let created = orgs
        .create_membership(
            &team.id,
            &CreateOrganizationMembershipParams {
                public_metadata: Some(meta(json!({"title": "CTO", "prefs": {"a": 1}}))),
                private_metadata: Some(meta(json!({"salary": 1}))),
                ..member(&ada.id, "org:admin")
            },
        )
        .await
        .unwrap();
    assert!(created.id.starts_with("orgmem_"), "{}", created.id);
    assert_eq!(created.object, "organization_membership");
    assert_eq!(created.role, "org:admin");
    assert_eq!(created.role_name.as_deref(), Some("Admin"));
    assert!(created
        .permissions
        .iter()
        .any(|p| p == "org:sys_memberships:manage"));
    assert_eq!(created.organization.id, team.id);
    assert_eq!(created.public_metadata["title"], "CTO");
    let data = created.public_user_data.clone().unwrap();
    assert_eq!(data.user_id, ada.id);
    assert_eq!(data.first_name.as_deref(), Some("Ada"));
    assert_eq!(data.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(data.identifier.as_deref(), Some("ada@example.com"));
    assert_eq!(data.username.as_deref(), Some("ada"));
    assert!(!data.image_url.is_empty());

    let bobs = orgs
        .create_membership(&team.id, &member(&bob.id, "org:member"))
        .await
        .unwrap();
    assert_eq!(bobs.role_name.as_deref(), Some("Member"));
    assert!(!bobs
        .permissions
        .iter()
        .any(|p| p == "org:sys_memberships:manage"));

    // Errors.
    let err = orgs
        .create_membership(&team.id, &member(&bob.id, "org:member"))
        .await
        .unwrap_err();
    expect_error(&err, 400, "already_a_member_in_organization");
    let err = orgs
        .create_membership(&team.id, &member("user_missing", "org:member"))
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    let err = orgs
        .create_membership("org_missing", &member(&bob.id, "org:member"))
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    let carol = user(&mock, "carol@example.com", "Carol", "Cole", "carol");
    let err = orgs
        .create_membership(&team.id, &member(&carol.id, "org:owner"))
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 404, "resource_not_found").as_deref(),
        Some("role")
    );
    let err = orgs
        .create_membership(&team.id, &member(&carol.id, ""))
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("role")
    );
    let err = orgs
        .create_membership(&team.id, &member("", "org:member"))
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("user_id")
    );

    // The membership limit.
    orgs.update(
        &team.id,
        &UpdateOrganizationParams {
            max_allowed_memberships: Some(2),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = orgs
        .create_membership(&team.id, &member(&carol.id, "org:member"))
        .await
        .unwrap_err();
    expect_error(&err, 403, "organization_membership_quota_exceeded");

    // Role change.
    let promoted = orgs
        .update_membership(
            &team.id,
            &bob.id,
            &UpdateOrganizationMembershipParams {
                role: "org:admin".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(promoted.id, bobs.id);
    assert_eq!(promoted.role, "org:admin");
    assert_eq!(promoted.role_name.as_deref(), Some("Admin"));
    let err = orgs
        .update_membership(
            &team.id,
            &carol.id,
            &UpdateOrganizationMembershipParams {
                role: "org:admin".into(),
            },
        )
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    let err = orgs
        .update_membership(
            &team.id,
            &bob.id,
            &UpdateOrganizationMembershipParams {
                role: "boss".into(),
            },
        )
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    let err = orgs
        .update_membership(
            &team.id,
            &bob.id,
            &UpdateOrganizationMembershipParams::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("role")
    );

    // Membership metadata: deep merge, `null` deletes.
    let merged = orgs
        .update_membership_metadata(
            &team.id,
            &ada.id,
            &UpdateOrganizationMetadataParams {
                public_metadata: Some(meta(json!({"prefs": {"b": 2}, "title": null}))),
                private_metadata: Some(meta(json!({"bonus": 2}))),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        Value::Object(merged.public_metadata),
        json!({"prefs": {"a": 1, "b": 2}})
    );
    assert_eq!(
        merged.private_metadata,
        Some(meta(json!({"salary": 1, "bonus": 2})))
    );
    let err = orgs
        .update_membership_metadata(&team.id, &carol.id, &Default::default())
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");

    // Delete returns the membership itself, not a DeletedObject.
    let removed = orgs.delete_membership(&team.id, &bob.id).await.unwrap();
    assert_eq!(removed.id, bobs.id);
    assert_eq!(removed.object, "organization_membership");
    assert_eq!(removed.public_user_data.unwrap().user_id, bob.id);
    let (status, body) = raw(
        &mock,
        "DELETE",
        &format!("/organizations/{}/memberships/{}", team.id, ada.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "organization_membership");
    assert!(body.get("deleted").is_none());
    expect_error(
        &orgs.delete_membership(&team.id, &bob.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    assert_eq!(
        orgs.list_memberships(&team.id, &Default::default())
            .await
            .unwrap()
            .total_count,
        Some(0)
    );

    // A deleted user's memberships disappear with them.
    orgs.create_membership(&team.id, &member(&carol.id, "org:member"))
        .await
        .unwrap();
    clerk.users().delete(&carol.id).await.unwrap();
    assert_eq!(
        orgs.list_memberships(&team.id, &Default::default())
            .await
            .unwrap()
            .total_count,
        Some(0)
    );
}

#[tokio::test]
async fn memberships_list_filters_order_and_instance_list() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let orgs = clerk.organizations();
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let bob = user(&mock, "bob@work.io", "Bob", "Builder", "bobby");
    let cy = mock
        .create_user(&CreateUserParams {
            email_address: vec!["cy@example.com".into()],
            phone_number: vec!["+15555550123".into()],
            first_name: Some("Cy".into()),
            last_name: Some("Young".into()),
            ..Default::default()
        })
        .unwrap();
    let team = mock
        .create_organization(&CreateOrganizationParams {
            created_by: Some(ada.id.clone()),
            ..org("Team")
        })
        .unwrap();
    let other = mock.create_organization(&org("Other")).unwrap();
    orgs.create_membership(&team.id, &member(&bob.id, "org:member"))
        .await
        .unwrap();
    orgs.create_membership(&team.id, &member(&cy.id, "org:member"))
        .await
        .unwrap();
    orgs.create_membership(&other.id, &member(&bob.id, "org:admin"))
        .await
        .unwrap();

    let list = |params: OrganizationMembershipListParams| {
        let orgs = clerk.organizations();
        let team_id = team.id.clone();
        async move {
            let page = orgs.list_memberships(&team_id, &params).await.unwrap();
            let ids: Vec<String> = page
                .data
                .iter()
                .map(|m| m.public_user_data.as_ref().unwrap().user_id.clone())
                .collect();
            (page.total_count, ids)
        }
    };
    let by_first_name = OrganizationMembershipListParams {
        order_by: Some("first_name".into()),
        ..Default::default()
    };
    assert_eq!(
        list(by_first_name.clone()).await,
        (Some(3), vec![ada.id.clone(), bob.id.clone(), cy.id.clone()])
    );
    let desc = OrganizationMembershipListParams {
        order_by: Some("-email_address".into()),
        ..Default::default()
    };
    assert_eq!(
        list(desc).await.1,
        [cy.id.clone(), bob.id.clone(), ada.id.clone()]
    );

    let with = |f: fn(&mut OrganizationMembershipListParams)| {
        let mut params = by_first_name.clone();
        f(&mut params);
        params
    };
    assert_eq!(
        list(with(|p| p.role = vec!["org:admin".into()])).await.1,
        vec![ada.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.email_address = vec!["bob@work.io".into()]))
            .await
            .1,
        vec![bob.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.phone_number = vec!["+15555550123".into()]))
            .await
            .1,
        vec![cy.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.username = vec!["bobby".into(), "ada".into()]))
            .await
            .1,
        [ada.id.clone(), bob.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.query = Some("LOVELACE".into()))).await.1,
        vec![ada.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.email_address_query = Some("example".into())))
            .await
            .1,
        [ada.id.clone(), cy.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.phone_number_query = Some("5550".into())))
            .await
            .1,
        vec![cy.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.username_query = Some("BOB".into())))
            .await
            .1,
        vec![bob.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.name_query = Some("cy you".into()))).await.1,
        vec![cy.id.clone()]
    );
    assert_eq!(
        list(with(|p| p.created_at_before = Some(0))).await.1,
        Vec::<String>::new()
    );
    assert_eq!(
        list(with(|p| p.created_at_after = Some(0))).await.0,
        Some(3)
    );
    let mut excluded = by_first_name.clone();
    excluded.user_id = vec![format!("-{}", bob.id)];
    assert_eq!(list(excluded).await.1, [ada.id.clone(), cy.id.clone()]);
    let mut included = by_first_name.clone();
    included.user_id = vec![format!("+{}", cy.id), bob.id.clone()];
    assert_eq!(list(included).await.1, [bob.id.clone(), cy.id.clone()]);
    let mut paged = by_first_name.clone();
    paged.limit = Some(1);
    paged.offset = Some(2);
    assert_eq!(list(paged).await, (Some(3), vec![cy.id.clone()]));

    let sent = mock.api_requests().pop().unwrap();
    assert!(
        sent.uri
            .starts_with(&format!("/v1/organizations/{}/memberships?", team.id)),
        "{}",
        sent.uri
    );
    let err = orgs
        .list_memberships(
            &team.id,
            &OrganizationMembershipListParams {
                order_by: Some("role".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_value_invalid").as_deref(),
        Some("order_by")
    );
    let err = orgs
        .list_memberships("org_missing", &Default::default())
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");

    let streamed: Vec<_> = orgs
        .list_all_memberships(
            &team.id,
            &OrganizationMembershipListParams {
                limit: Some(2),
                ..by_first_name.clone()
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 3);
    assert!(streamed.iter().all(|m| m.organization.id == team.id));

    // The instance-wide list covers every organization.
    let instance = orgs
        .list_instance_memberships(&InstanceMembershipListParams {
            order_by: Some("+username".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(instance.total_count, Some(4));
    let orgs_seen: Vec<&str> = instance
        .data
        .iter()
        .map(|m| m.organization.name.as_str())
        .collect();
    assert!(orgs_seen.contains(&"Other") && orgs_seen.contains(&"Team"));
    let streamed: Vec<_> = orgs
        .list_all_instance_memberships(&InstanceMembershipListParams {
            limit: Some(3),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 4);
    let err = orgs
        .list_instance_memberships(&InstanceMembershipListParams {
            limit: Some(0),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_value_invalid").as_deref(),
        Some("limit")
    );

    // Both lists are always pages on the wire.
    let (_, shape) = raw(
        &mock,
        "GET",
        &format!("/organizations/{}/memberships", team.id),
        None,
    )
    .await;
    assert!(is_page(&shape), "{shape}");
    let (_, shape) = raw(&mock, "GET", "/organization_memberships", None).await;
    assert!(is_page(&shape), "{shape}");
}

// ---------------------------------------------------------------------------------------
// Email addresses and phone numbers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn email_addresses() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let emails = clerk.email_addresses();
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let original = ada.primary_email_address_id.clone().unwrap();

    let work = emails
        .create(&CreateEmailAddressParams {
            user_id: ada.id.clone(),
            email_address: "ada@work.io".into(),
            verified: Some(true),
            ..Default::default()
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
            user_id: ada.id.clone(),
            email_address: "ada@home.net".into(),
            primary: Some(true),
            ..Default::default()
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
            &UpdateEmailAddressParams {
                verified: Some(true),
                ..Default::default()
            },
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

    // Errors.
    let err = emails
        .create(&CreateEmailAddressParams {
            user_id: "user_missing".into(),
            email_address: "x@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    let bob = user_of(&mock, "bob@example.com");
    let err = emails
        .create(&CreateEmailAddressParams {
            user_id: bob.id.clone(),
            email_address: "ADA@work.io".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_identifier_exists").as_deref(),
        Some("email_address")
    );
    let err = emails
        .create(&CreateEmailAddressParams {
            user_id: bob.id.clone(),
            email_address: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("email_address")
    );
    let err = emails
        .create(&CreateEmailAddressParams {
            email_address: "b2@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_missing").as_deref(),
        Some("user_id")
    );
    expect_error(
        &emails.get("idn_missing").await.unwrap_err(),
        404,
        "resource_not_found",
    );
    expect_error(
        &emails
            .update("idn_missing", &Default::default())
            .await
            .unwrap_err(),
        404,
        "resource_not_found",
    );

    // Delete: a DeletedObject; the primary moves to a remaining address.
    let deleted = emails.delete(&work.id).await.unwrap();
    assert_eq!(deleted.object, "email_address");
    assert_eq!(deleted.id.as_deref(), Some(work.id.as_str()));
    assert!(deleted.deleted);
    let user = clerk.users().get(&ada.id).await.unwrap();
    assert_eq!(user.email_addresses.len(), 2);
    assert!(user.email_addresses.iter().all(|e| e.id != work.id));
    assert_eq!(
        user.primary_email_address_id.as_deref(),
        Some(original.as_str())
    );
    expect_error(
        &emails.get(&work.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    expect_error(
        &emails.delete(&work.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    // The freed address can be added again.
    emails
        .create(&CreateEmailAddressParams {
            user_id: bob.id.clone(),
            email_address: "ada@work.io".into(),
            ..Default::default()
        })
        .await
        .unwrap();
}

fn user_of(mock: &MockClerk, email: &str) -> User {
    mock.create_user(&CreateUserParams {
        email_address: vec![email.into()],
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn phone_numbers() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let phones = clerk.phone_numbers();
    let ada = user_of(&mock, "ada@example.com");
    assert_eq!(ada.primary_phone_number_id, None);

    let mobile = phones
        .create(&CreatePhoneNumberParams {
            user_id: ada.id.clone(),
            phone_number: "+15555550100".into(),
            verified: Some(true),
            reserved_for_second_factor: Some(true),
            ..Default::default()
        })
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
        .create(&CreatePhoneNumberParams {
            user_id: ada.id.clone(),
            phone_number: "+442079460000".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(desk.reserved_for_second_factor, Some(false));
    assert!(desk.verification.is_none());
    assert_eq!(phones.get(&desk.id).await.unwrap(), desk);

    // An unverified number cannot be a second factor.
    let err = phones
        .update(
            &desk.id,
            &UpdatePhoneNumberParams {
                reserved_for_second_factor: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    expect_error(&err, 400, "identification_update_second_factor_unverified");
    let err = phones
        .create(&CreatePhoneNumberParams {
            user_id: ada.id.clone(),
            phone_number: "+15555550199".into(),
            reserved_for_second_factor: Some(true),
            ..Default::default()
        })
        .await
        .unwrap_err();
    expect_error(&err, 400, "identification_create_second_factor_unverified");

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

    // Errors.
    let err = phones
        .create(&CreatePhoneNumberParams {
            user_id: ada.id.clone(),
            phone_number: "555-0100".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_param_format_invalid").as_deref(),
        Some("phone_number")
    );
    let other = user_of(&mock, "other@example.com");
    let err = phones
        .create(&CreatePhoneNumberParams {
            user_id: other.id.clone(),
            phone_number: "+15555550100".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        expect_error(&err, 422, "form_identifier_exists").as_deref(),
        Some("phone_number")
    );
    let err = phones
        .create(&CreatePhoneNumberParams {
            user_id: "user_missing".into(),
            phone_number: "+15555550177".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    expect_error(&err, 404, "resource_not_found");
    // An email address id is not a phone number id.
    let email_id = ada.primary_email_address_id.clone().unwrap();
    expect_error(
        &phones.get(&email_id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    expect_error(
        &clerk.email_addresses().get(&desk.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );

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
    expect_error(
        &phones.delete(&desk.id).await.unwrap_err(),
        404,
        "resource_not_found",
    );
    expect_error(
        &phones
            .update(&desk.id, &Default::default())
            .await
            .unwrap_err(),
        404,
        "resource_not_found",
    );
}

#[tokio::test]
async fn resource_calls_are_authenticated_and_versioned() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let err = wrong.organizations().get("org_1").await.unwrap_err();
    expect_error(&err, 401, "authentication_invalid");
}
