//! The allow-list and the block-list of identifiers.

use super::*;

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
