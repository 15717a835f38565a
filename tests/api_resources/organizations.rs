//! Organizations: create, get, update, delete, metadata and list.

use super::*;

#[tokio::test]
async fn organizations_create_get_update_delete() {
    let (mock, clerk) = start_mock().await;
    let ada = user(&mock, "ada@example.com", "Ada", "Lovelace", "ada");
    let acme = create_acme(&clerk, &ada).await;
    let twin = slugs_and_create_errors(&clerk, &acme).await;
    get_by_id_or_slug(&clerk, &acme, &twin).await;
    update_organization(&mock, &clerk, &acme, &twin).await;
    delete_organization(&clerk, &acme).await;
}

/// Creates Acme with every field; its creator is its first admin.
async fn create_acme(clerk: &Clerk, ada: &User) -> Organization {
    let orgs = clerk.organizations();
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
    acme
}

/// Generated and explicit slugs, and the errors of `create`; returns Acme's twin.
async fn slugs_and_create_errors(clerk: &Clerk, acme: &Organization) -> Organization {
    let orgs = clerk.organizations();
    // A generated slug never collides; an explicit one must be unique and well-formed.
    let twin = orgs.create(&org("Acme Inc")).await.unwrap();
    assert!(
        twin.slug.starts_with("acme-inc-") && twin.slug != acme.slug,
        "{}",
        twin.slug
    );
    let with_slug = |slug: &str| CreateOrganizationParams {
        slug: Some(slug.into()),
        ..org("Other")
    };
    let dated = CreateOrganizationParams {
        created_at: Some("yesterday".into()),
        ..org("Dated")
    };
    let long_name = "x".repeat(257);
    let refusals = [
        (with_slug("acme-inc"), "form_identifier_exists", "slug"),
        (with_slug("Not A Slug"), "form_param_format_invalid", "slug"),
        (org(""), "form_param_missing", "name"),
        (org(&long_name), "form_param_max_length_exceeded", "name"),
        (dated, "form_param_invalid_time", "created_at"),
    ];
    for (params, code, param) in refusals {
        assert_fails(orgs.create(&params).await, 422, code, Some(param));
    }
    assert_fails(
        orgs.create(&CreateOrganizationParams {
            created_by: Some("user_missing".into()),
            ..org("Orphan")
        })
        .await,
        400,
        "organization_creator_not_found",
        None,
    );
    twin
}

/// `get` by id or slug, with the optional counts.
async fn get_by_id_or_slug(clerk: &Clerk, acme: &Organization, twin: &Organization) {
    let orgs = clerk.organizations();
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
            &params(|it: &mut GetOrganizationParams| {
                it.include_missing_member_with_elevated_permissions = Some(true)
            }),
        )
        .await
        .unwrap();
    assert_eq!(lonely.missing_member_with_elevated_permissions, Some(true));
    assert_not_found(orgs.get("org_missing").await);
}

/// `update`: the fields sent, slug uniqueness, and no metadata in the PATCH body.
async fn update_organization(
    mock: &MockClerk,
    clerk: &Clerk,
    acme: &Organization,
    twin: &Organization,
) {
    let orgs = clerk.organizations();
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
    assert_not_found(orgs.get("acme-inc").await);
    // Keeping its own slug is fine; taking another's is not.
    orgs.update(
        &acme.id,
        &params(|it: &mut UpdateOrganizationParams| it.slug = Some("acme".into())),
    )
    .await
    .unwrap();
    assert_fails(
        orgs.update(
            &twin.id,
            &params(|it: &mut UpdateOrganizationParams| it.slug = Some("acme".into())),
        )
        .await,
        422,
        "form_identifier_exists",
        Some("slug"),
    );
    assert_not_found(
        orgs.update("org_missing", &UpdateOrganizationParams::default())
            .await,
    );
    // Since 2026-05-12 the PATCH body takes no metadata.
    let (status, body) = raw(
        mock,
        "PATCH",
        &format!("/organizations/{}", acme.id),
        Some(json!({"public_metadata": {"tier": "silver"}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "form_param_unknown");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "public_metadata");
}

/// `delete`, which takes the memberships with it.
async fn delete_organization(clerk: &Clerk, acme: &Organization) {
    let orgs = clerk.organizations();
    // Delete.
    let deleted = orgs.delete(&acme.id).await.unwrap();
    assert_eq!(deleted.object, "organization");
    assert_eq!(deleted.id.as_deref(), Some(acme.id.as_str()));
    assert_eq!(deleted.slug.as_deref(), Some("acme"));
    assert!(deleted.deleted);
    assert_not_found(orgs.get(&acme.id).await);
    assert_not_found(orgs.delete(&acme.id).await);
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
    let (mock, clerk) = start_mock().await;
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

    assert_not_found(
        orgs.update_metadata("org_missing", &Default::default())
            .await,
    );
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

/// The names on a page of organizations.
fn names(page: &clerk::api::PaginatedList<Organization>) -> Vec<String> {
    page.data.iter().map(|o| o.name.clone()).collect()
}

/// The names of the organizations `list` returns for `params`.
async fn listed_names(
    orgs: &clerk::api::Organizations<'_>,
    params: &OrganizationListParams,
) -> Vec<String> {
    names(&orgs.list(params).await.unwrap())
}

/// List parameters ordered by name.
fn by_name() -> OrganizationListParams {
    params(|it: &mut OrganizationListParams| it.order_by = Some("name".into()))
}

#[tokio::test]
async fn organizations_list_filters_and_paging() {
    let (mock, clerk) = start_mock().await;
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

    let all = orgs.list(&by_name()).await.unwrap();
    assert_eq!(all.total_count, Some(3));
    assert_eq!(names(&all), ["Alpha Squad", "Beta", "Gamma"]);
    assert!(all.data.iter().all(|o| o.members_count.is_none()));

    // Query: exact id, partial name or slug.
    let q = |query: &str| OrganizationListParams {
        query: Some(query.into()),
        ..by_name()
    };
    assert_eq!(listed_names(&orgs, &q("squad")).await, ["Alpha Squad"]);
    assert_eq!(listed_names(&orgs, &q("team")).await, ["Beta"]);
    assert_eq!(listed_names(&orgs, &q(&gamma.id)).await, ["Gamma"]);
    list_by_user_and_organization_ids(&mock, &clerk, &ada, &bob, &beta, &gamma).await;
    list_counts_paging_and_shape(&mock, &clerk).await;
}

/// `user_id` and `organization_id` filters, with `+` and `-` prefixes.
async fn list_by_user_and_organization_ids(
    mock: &MockClerk,
    clerk: &Clerk,
    ada: &User,
    bob: &User,
    beta: &Organization,
    gamma: &Organization,
) {
    let orgs = clerk.organizations();
    // user_id± and organization_id±.
    let with_users = |ids: &[&str]| OrganizationListParams {
        user_id: ids.iter().map(|s| s.to_string()).collect(),
        ..by_name()
    };
    assert_eq!(
        listed_names(&orgs, &with_users(&[&ada.id])).await,
        ["Alpha Squad"]
    );
    assert_eq!(
        listed_names(&orgs, &with_users(&[&format!("+{}", bob.id)])).await,
        ["Alpha Squad", "Beta"]
    );
    assert_eq!(
        listed_names(&orgs, &with_users(&[&format!("-{}", ada.id)])).await,
        ["Beta", "Gamma"]
    );
    let exclude_beta = OrganizationListParams {
        organization_id: vec![format!("-{}", beta.id)],
        ..by_name()
    };
    assert_eq!(
        listed_names(&orgs, &exclude_beta).await,
        ["Alpha Squad", "Gamma"]
    );
    let include = OrganizationListParams {
        organization_id: vec![gamma.id.clone(), format!("+{}", beta.id)],
        ..by_name()
    };
    assert_eq!(listed_names(&orgs, &include).await, ["Beta", "Gamma"]);
    let last = mock.api_requests().pop().unwrap();
    assert!(
        last.uri
            .contains(&format!("organization_id=%2B{}", beta.id)),
        "{}",
        last.uri
    );
}

/// Members counts and ordering by them, paging, and the page shape on the wire.
async fn list_counts_paging_and_shape(mock: &MockClerk, clerk: &Clerk) {
    let orgs = clerk.organizations();
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
            ..by_name()
        })
        .await
        .unwrap();
    assert_eq!(second.total_count, Some(3));
    assert_eq!(names(&second), ["Beta"]);
    let streamed: Vec<_> = orgs
        .list_all(&OrganizationListParams {
            limit: Some(2),
            ..by_name()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        streamed.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["Alpha Squad", "Beta", "Gamma"]
    );
    assert_fails(
        orgs.list(&params(|it: &mut OrganizationListParams| {
            it.order_by = Some("slug".into())
        }))
        .await,
        422,
        "form_param_value_invalid",
        Some("order_by"),
    );

    // Always a page on the wire.
    let (_, shape) = raw(mock, "GET", "/organizations", None).await;
    assert!(is_page(&shape), "{shape}");
    let (_, shape) = raw(mock, "GET", "/organizations?paginated=false", None).await;
    assert!(is_page(&shape), "{shape}");
}
