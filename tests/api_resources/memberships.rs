//! Organization memberships: create, update, delete and list.

use super::*;

fn member(user_id: &str, role: &str) -> CreateOrganizationMembershipParams {
    CreateOrganizationMembershipParams {
        user_id: user_id.into(),
        role: role.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn memberships_create_update_delete() {
    let (mock, clerk) = start_mock().await;
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let bob = user(&mock, "bob@example.com", "Bob", "Builder", "bob");
    let team = mock.create_organization(&org("Team")).unwrap();
    let bobs = create_memberships(&clerk, &team, &ada, &bob).await;
    let carol = membership_errors_and_limit(&mock, &clerk, &team, &bob).await;
    membership_role_and_metadata(&clerk, &team, &ada, &bob, &carol, &bobs).await;
    membership_delete(&mock, &clerk, &team, &ada, &bob, &carol, &bobs).await;
}

/// Creates Ada's (admin, with metadata) and Bob's memberships; returns Bob's.
async fn create_memberships(
    clerk: &Clerk,
    team: &Organization,
    ada: &User,
    bob: &User,
) -> OrganizationMembership {
    let orgs = clerk.organizations();
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
    bobs
}

/// The errors of `create_membership`, and the membership limit; returns Carol, not a member.
async fn membership_errors_and_limit(
    mock: &MockClerk,
    clerk: &Clerk,
    team: &Organization,
    bob: &User,
) -> User {
    let orgs = clerk.organizations();
    // Errors.
    assert_fails(
        orgs.create_membership(&team.id, &member(&bob.id, "org:member"))
            .await,
        400,
        "already_a_member_in_organization",
        None,
    );
    assert_not_found(
        orgs.create_membership(&team.id, &member("user_missing", "org:member"))
            .await,
    );
    assert_not_found(
        orgs.create_membership("org_missing", &member(&bob.id, "org:member"))
            .await,
    );
    let carol = user(mock, "carol@example.com", "Carol", "Cole", "carol");
    assert_fails(
        orgs.create_membership(&team.id, &member(&carol.id, "org:owner"))
            .await,
        404,
        "resource_not_found",
        Some("role"),
    );
    assert_param_missing(
        orgs.create_membership(&team.id, &member(&carol.id, ""))
            .await,
        "role",
    );
    assert_param_missing(
        orgs.create_membership(&team.id, &member("", "org:member"))
            .await,
        "user_id",
    );

    // The membership limit.
    orgs.update(
        &team.id,
        &params(|it: &mut UpdateOrganizationParams| it.max_allowed_memberships = Some(2)),
    )
    .await
    .unwrap();
    assert_fails(
        orgs.create_membership(&team.id, &member(&carol.id, "org:member"))
            .await,
        403,
        "organization_membership_quota_exceeded",
        None,
    );
    carol
}

/// Role changes and membership metadata (deep merge, `null` deletes).
async fn membership_role_and_metadata(
    clerk: &Clerk,
    team: &Organization,
    ada: &User,
    bob: &User,
    carol: &User,
    bobs: &OrganizationMembership,
) {
    let orgs = clerk.organizations();
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
    assert_not_found(
        orgs.update_membership(
            &team.id,
            &carol.id,
            &UpdateOrganizationMembershipParams {
                role: "org:admin".into(),
            },
        )
        .await,
    );
    assert_not_found(
        orgs.update_membership(
            &team.id,
            &bob.id,
            &UpdateOrganizationMembershipParams {
                role: "boss".into(),
            },
        )
        .await,
    );
    assert_param_missing(
        orgs.update_membership(
            &team.id,
            &bob.id,
            &UpdateOrganizationMembershipParams::default(),
        )
        .await,
        "role",
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
    assert_not_found(
        orgs.update_membership_metadata(&team.id, &carol.id, &Default::default())
            .await,
    );
}

/// Deleting memberships, directly and with their user.
async fn membership_delete(
    mock: &MockClerk,
    clerk: &Clerk,
    team: &Organization,
    ada: &User,
    bob: &User,
    carol: &User,
    bobs: &OrganizationMembership,
) {
    let orgs = clerk.organizations();
    // Delete returns the membership itself, not a DeletedObject.
    let removed = orgs.delete_membership(&team.id, &bob.id).await.unwrap();
    assert_eq!(removed.id, bobs.id);
    assert_eq!(removed.object, "organization_membership");
    assert_eq!(removed.public_user_data.unwrap().user_id, bob.id);
    let (status, body) = raw(
        mock,
        "DELETE",
        &format!("/organizations/{}/memberships/{}", team.id, ada.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "organization_membership");
    assert!(body.get("deleted").is_none());
    assert_not_found(orgs.delete_membership(&team.id, &bob.id).await);
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

/// A filter to set on the list parameters, and the user ids it lists.
type FilterCase = (fn(&mut OrganizationMembershipListParams), Vec<String>);

#[tokio::test]
async fn memberships_list_filters_order_and_instance_list() {
    let (mock, clerk) = start_mock().await;
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
    let by_first_name =
        params(|it: &mut OrganizationMembershipListParams| it.order_by = Some("first_name".into()));
    assert_eq!(
        list(by_first_name.clone()).await,
        (Some(3), vec![ada.id.clone(), bob.id.clone(), cy.id.clone()])
    );
    let desc = params(|it: &mut OrganizationMembershipListParams| {
        it.order_by = Some("-email_address".into())
    });
    assert_eq!(
        list(desc).await.1,
        [cy.id.clone(), bob.id.clone(), ada.id.clone()]
    );

    let with = |f: fn(&mut OrganizationMembershipListParams)| {
        let mut params = by_first_name.clone();
        f(&mut params);
        params
    };
    // One filter at a time, ordered by first name: the ids listed.
    let filters: Vec<FilterCase> = vec![
        (|p| p.role = vec!["org:admin".into()], vec![ada.id.clone()]),
        (
            |p| p.email_address = vec!["bob@work.io".into()],
            vec![bob.id.clone()],
        ),
        (
            |p| p.phone_number = vec!["+15555550123".into()],
            vec![cy.id.clone()],
        ),
        (
            |p| p.username = vec!["bobby".into(), "ada".into()],
            vec![ada.id.clone(), bob.id.clone()],
        ),
        (|p| p.query = Some("LOVELACE".into()), vec![ada.id.clone()]),
        (
            |p| p.email_address_query = Some("example".into()),
            vec![ada.id.clone(), cy.id.clone()],
        ),
        (
            |p| p.phone_number_query = Some("5550".into()),
            vec![cy.id.clone()],
        ),
        (
            |p| p.username_query = Some("BOB".into()),
            vec![bob.id.clone()],
        ),
        (
            |p| p.name_query = Some("cy you".into()),
            vec![cy.id.clone()],
        ),
        (|p| p.created_at_before = Some(0), vec![]),
    ];
    for (i, (set_filter, expected)) in filters.into_iter().enumerate() {
        assert_eq!(list(with(set_filter)).await.1, expected, "filter {i}");
    }
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
    memberships_list_wire_errors_and_stream(&mock, &clerk, &team).await;
    instance_memberships_and_page_shape(&mock, &clerk, &team).await;
}

/// The list's URI, its errors, and `list_all_memberships`.
async fn memberships_list_wire_errors_and_stream(
    mock: &MockClerk,
    clerk: &Clerk,
    team: &Organization,
) {
    let orgs = clerk.organizations();
    let sent = mock.api_requests().pop().unwrap();
    assert!(
        sent.uri
            .starts_with(&format!("/v1/organizations/{}/memberships?", team.id)),
        "{}",
        sent.uri
    );
    assert_fails(
        orgs.list_memberships(
            &team.id,
            &params(|it: &mut OrganizationMembershipListParams| it.order_by = Some("role".into())),
        )
        .await,
        422,
        "form_param_value_invalid",
        Some("order_by"),
    );
    assert_not_found(
        orgs.list_memberships("org_missing", &Default::default())
            .await,
    );

    let streamed: Vec<_> = orgs
        .list_all_memberships(
            &team.id,
            &OrganizationMembershipListParams {
                limit: Some(2),
                order_by: Some("first_name".into()),
                ..Default::default()
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 3);
    assert!(streamed.iter().all(|m| m.organization.id == team.id));
}

/// The instance-wide list covers every organization; both lists are pages on the wire.
async fn instance_memberships_and_page_shape(mock: &MockClerk, clerk: &Clerk, team: &Organization) {
    let orgs = clerk.organizations();
    // The instance-wide list covers every organization.
    let instance = orgs
        .list_instance_memberships(&params(|it: &mut InstanceMembershipListParams| {
            it.order_by = Some("+username".into())
        }))
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
        .list_all_instance_memberships(&params(|it: &mut InstanceMembershipListParams| {
            it.limit = Some(3)
        }))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 4);
    assert_fails(
        orgs.list_instance_memberships(&params(|it: &mut InstanceMembershipListParams| {
            it.limit = Some(0)
        }))
        .await,
        422,
        "form_param_value_invalid",
        Some("limit"),
    );

    // Both lists are always pages on the wire.
    let (_, shape) = raw(
        mock,
        "GET",
        &format!("/organizations/{}/memberships", team.id),
        None,
    )
    .await;
    assert!(is_page(&shape), "{shape}");
    let (_, shape) = raw(mock, "GET", "/organization_memberships", None).await;
    assert!(is_page(&shape), "{shape}");
}
