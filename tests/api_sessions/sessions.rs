//! Sessions: create, get, list, revoke, the list's wire shape and errors.

use super::*;

#[tokio::test]
async fn sessions_create_get_list_revoke() {
    let (mock, clerk) = start_mock().await;
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let bob = mock.create_user(&user_params("bob@example.com")).unwrap();

    let seeded = mock.create_session(&ada.id).unwrap();
    assert!(seeded.id.starts_with("sess_"), "{}", seeded.id);
    assert!(
        seeded.client_id.starts_with("client_"),
        "{}",
        seeded.client_id
    );
    assert_eq!(seeded.status, SessionStatus::Active);
    assert!(seeded.expire_at > seeded.created_at && seeded.abandon_at > seeded.expire_at);
    assert!(mock.create_session("user_missing").is_err());

    let created = clerk
        .sessions()
        .create(&CreateSessionParams {
            user_id: ada.id.clone(),
            active_organization_id: Some("org_1".into()),
        })
        .await
        .unwrap();
    assert_eq!(created.user_id, ada.id);
    assert_eq!(
        created.last_active_organization_id.as_deref(),
        Some("org_1")
    );
    assert_ne!(created.client_id, seeded.client_id);
    let bobs = clerk
        .sessions()
        .create(&params(|it: &mut CreateSessionParams| {
            it.user_id = bob.id.clone()
        }))
        .await
        .unwrap();

    let fetched = clerk.sessions().get(&seeded.id).await.unwrap();
    assert_eq!(fetched, seeded);

    // By user: a page with the total, newest first; `paginated=true` is always sent.
    let page = clerk
        .sessions()
        .list(&params(|it: &mut SessionListParams| {
            it.user_id = Some(ada.id.clone())
        }))
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(2));
    let ids: Vec<&str> = page.data.iter().map(|s| s.id.as_str()).collect();
    assert!(ids.contains(&seeded.id.as_str()) && ids.contains(&created.id.as_str()));
    assert!(page.data.iter().all(|s| s.user_id == ada.id));
    let last = mock.api_requests().pop().unwrap();
    assert!(last.uri.starts_with("/v1/sessions?"), "{}", last.uri);
    assert!(last.uri.contains("paginated=true"), "{}", last.uri);
    assert!(
        last.uri.contains(&format!("user_id={}", ada.id)),
        "{}",
        last.uri
    );

    // By client, and paging: the total counts the whole filtered set.
    let by_client = clerk
        .sessions()
        .list(&params(|it: &mut SessionListParams| {
            it.client_id = Some(bobs.client_id.clone())
        }))
        .await
        .unwrap();
    assert_eq!(by_client.total_count, Some(1));
    assert_eq!(by_client.data[0].id, bobs.id);
    let first = clerk
        .sessions()
        .list(&SessionListParams {
            user_id: Some(ada.id.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((first.data.len(), first.total_count), (1, Some(2)));
    let all: Vec<_> = clerk
        .sessions()
        .list_all(&SessionListParams {
            user_id: Some(ada.id.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .collect()
        .await;
    let all: Vec<String> = all.into_iter().map(|s| s.unwrap().id).collect();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&seeded.id) && all.contains(&created.id));

    // Revoke, then filter by status.
    let revoked = clerk.sessions().revoke(&seeded.id).await.unwrap();
    assert_eq!(revoked.status, SessionStatus::Revoked);
    assert!(revoked.updated_at >= seeded.updated_at);
    let revoked_list = sessions_of(&clerk, &ada.id, SessionStatus::Revoked).await;
    assert_eq!(revoked_list.total_count, Some(1));
    assert_eq!(revoked_list.data[0].id, seeded.id);
    let active = sessions_of(&clerk, &ada.id, SessionStatus::Active).await;
    assert_eq!(
        active
            .data
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        vec![created.id.as_str()]
    );
}

#[tokio::test]
async fn sessions_list_wire_shapes() {
    let mock = MockClerk::start().await;
    let ada = mock.create_user(&user_params("ada@example.com")).unwrap();
    let session = mock.create_session(&ada.id).unwrap();
    // Without `paginated=true` the endpoint answers a bare array, with it a page.
    let (status, bare) = raw_get(&mock, &format!("/v1/sessions?user_id={}", ada.id)).await;
    assert_eq!(status, 200);
    assert_eq!(bare.as_array().unwrap().len(), 1);
    assert_eq!(bare[0]["id"], json!(session.id));
    let (_, paged) = raw_get(
        &mock,
        &format!("/v1/sessions?user_id={}&paginated=true", ada.id),
    )
    .await;
    assert_eq!(paged["total_count"], json!(1));
    assert_eq!(paged["data"][0]["object"], json!("session"));
    // Deprecated but allowed: no filter at all.
    let (status, _) = raw_get(&mock, "/v1/sessions").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sessions_errors() {
    let (_mock, clerk) = start_mock().await;
    assert_not_found(clerk.sessions().get("sess_missing").await);
    assert_not_found(clerk.sessions().revoke("sess_missing").await);
    assert_not_found(
        clerk
            .sessions()
            .create(&params(|it: &mut CreateSessionParams| {
                it.user_id = "user_missing".into()
            }))
            .await,
    );
    assert_param_missing(
        clerk
            .sessions()
            .create(&CreateSessionParams::default())
            .await,
        "user_id",
    );
    assert_fails(
        clerk
            .sessions()
            .list(&params(|it: &mut SessionListParams| {
                it.status = Some(SessionStatus::from("sleeping"))
            }))
            .await,
        422,
        "form_param_value_invalid",
        Some("status"),
    );
    assert_fails(
        clerk
            .sessions()
            .list(&params(|it: &mut SessionListParams| it.limit = Some(501)))
            .await,
        422,
        "form_param_value_invalid",
        Some("limit"),
    );
}

/// The sessions of `user_id` with this status, as a page.
async fn sessions_of(
    clerk: &Clerk,
    user_id: &str,
    status: SessionStatus,
) -> PaginatedList<Session> {
    let params = SessionListParams {
        user_id: Some(user_id.into()),
        status: Some(status),
        ..Default::default()
    };
    clerk.sessions().list(&params).await.unwrap()
}
