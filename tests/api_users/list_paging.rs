//! `GET /users`: the parameters on the wire, order, paging, validation and `list_all`.

use super::*;

#[tokio::test]
async fn list_sends_every_parameter_on_the_wire() {
    let (mock, clerk) = setup().await;
    let params = UserListParams {
        email_address: vec!["a@x.io".into(), "b@x.io".into()],
        phone_number: vec!["+1555".into()],
        external_id: vec!["-e".into()],
        username: vec!["u".into()],
        web3_wallet: vec!["0x1".into()],
        user_id: vec!["+user_1".into()],
        organization_id: vec!["org_1".into()],
        provider_user_id: vec!["p1".into()],
        provider: Some("oauth_github".into()),
        query: Some("q q".into()),
        email_address_query: Some("eq".into()),
        phone_number_query: Some("pq".into()),
        username_query: Some("uq".into()),
        name_query: Some("nq".into()),
        banned: Some(false),
        created_at_before: Some(1),
        created_at_after: Some(2),
        last_active_at_before: Some(3),
        last_active_at_after: Some(4),
        last_active_at_since: Some(5),
        last_sign_in_at_before: Some(6),
        last_sign_in_at_after: Some(7),
        order_by: Some("-created_at".into()),
        limit: Some(20),
        offset: None,
        starting_after: None,
    };
    assert!(clerk.users().list(&params).await.unwrap().is_empty());
    clerk
        .users()
        .count(&UserCountParams::from(&params))
        .await
        .unwrap();
    let uris = uris(&mock);
    let expected =
        "email_address=a%40x.io&email_address=b%40x.io&phone_number=%2B1555&external_id=-e\
        &username=u&web3_wallet=0x1&user_id=%2Buser_1&organization_id=org_1&provider_user_id=p1\
        &provider=oauth_github&query=q+q&email_address_query=eq&phone_number_query=pq\
        &username_query=uq&name_query=nq&banned=false&created_at_before=1&created_at_after=2\
        &last_active_at_before=3&last_active_at_after=4&last_active_at_since=5\
        &last_sign_in_at_before=6&last_sign_in_at_after=7";
    assert_eq!(
        uris[0],
        format!("/v1/users?{expected}&order_by=-created_at&limit=20")
    );
    assert_eq!(uris[1], format!("/v1/users/count?{expected}"));
}

#[tokio::test]
async fn list_orders_and_pages() {
    let (mock, clerk) = setup().await;
    let p = population(&mock).await;
    let order = |by: &str| params(|it: &mut UserListParams| it.order_by = Some(by.into()));
    let users = clerk.users();
    let newest_first = ids(&[p.dee.clone(), p.cy.clone(), p.bob.clone(), p.ada.clone()]);
    let oldest_first = ids(&[p.ada.clone(), p.bob.clone(), p.cy.clone(), p.dee.clone()]);
    // (order_by, the ids listed); none is the default, newest first. Primary email
    // addresses: ada@lovelace.dev < bob@builder.io < cy@ < dee@.
    let orders = [
        (None, &newest_first),
        (Some("created_at"), &oldest_first),
        (Some("+first_name"), &oldest_first),
        (Some("-first_name"), &newest_first),
        (Some("email_address"), &oldest_first),
        (Some("username"), &oldest_first),
    ];
    for (by, expected) in orders {
        let params = by.map_or_else(UserListParams::default, order);
        let listed = ids(&users.list(&params).await.unwrap());
        assert_eq!(&listed, expected, "order_by {by:?}");
    }
    // Missing values last when ascending (dee has no username), first when descending.
    assert_eq!(
        ids(&users.list(&order("-last_active_at")).await.unwrap())[2..],
        ids(&[p.bob.clone(), p.ada.clone()])
    );
    assert_eq!(
        ids(&users.list(&order("phone_number")).await.unwrap())[..2],
        ids(&[p.ada.clone(), p.bob.clone()])
    );

    // limit / offset.
    let page = users
        .list(&UserListParams {
            limit: Some(2),
            offset: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&page), ids(&[p.cy.clone(), p.bob.clone()]));
    // starting_after: keyset paging on created_at.
    let page = users
        .list(&params(|it: &mut UserListParams| {
            it.starting_after = Some(p.cy.id.clone())
        }))
        .await
        .unwrap();
    assert_eq!(ids(&page), ids(&[p.bob.clone(), p.ada.clone()]));
    let page = users
        .list(&UserListParams {
            starting_after: Some(p.bob.id.clone()),
            ..order("+created_at")
        })
        .await
        .unwrap();
    assert_eq!(ids(&page), ids(&[p.cy.clone(), p.dee.clone()]));
    // Only the first order_by counts.
    let listed: Vec<User> = {
        let url = format!(
            "{}/v1/users?order_by=first_name&order_by=-first_name",
            mock.api_url()
        );
        raw_get(&mock, &url).await
    };
    assert_eq!(ids(&listed)[0], p.ada.id);
}

#[tokio::test]
async fn list_validates_its_parameters() {
    let (mock, clerk) = setup().await;
    let p = population(&mock).await;
    let cases: Vec<(UserListParams, &str, &str)> = vec![
        (
            list_with(|q| q.limit = Some(0)),
            "form_param_value_invalid",
            "limit",
        ),
        (
            list_with(|q| q.limit = Some(501)),
            "form_param_value_invalid",
            "limit",
        ),
        (
            list_with(|q| q.order_by = Some("-password".into())),
            "form_param_value_invalid",
            "order_by",
        ),
        (
            list_with(|q| {
                q.starting_after = Some(p.ada.id.clone());
                q.order_by = Some("first_name".into());
            }),
            "form_param_value_invalid",
            "starting_after",
        ),
        (
            list_with(|q| {
                q.starting_after = Some(p.ada.id.clone());
                q.offset = Some(1);
            }),
            "form_param_value_invalid",
            "starting_after",
        ),
        (
            list_with(|q| q.starting_after = Some("user_missing".into())),
            "form_param_value_invalid",
            "starting_after",
        ),
        (
            list_with(|q| q.provider = Some("oauth_google".into())),
            "form_param_missing",
            "provider_user_id",
        ),
        (
            list_with(|q| q.provider_user_id = vec!["x".into()]),
            "form_param_missing",
            "provider",
        ),
        (
            list_with(|q| q.user_id = (0..101).map(|i| format!("user_{i}")).collect()),
            "form_param_value_invalid",
            "user_id",
        ),
    ];
    for (params, code, param) in cases {
        let err = clerk.users().list(&params).await.unwrap_err();
        assert_api_error(&err, 422, code);
        assert_eq!(param_name(&err).as_deref(), Some(param), "{params:?}");
    }
    // Limits 1 and 500 are fine; the default page is 10.
    assert_eq!(
        list_len(&clerk, params(|it: &mut UserListParams| it.limit = Some(1))).await,
        1
    );
    assert_eq!(
        list_len(
            &clerk,
            params(|it: &mut UserListParams| it.limit = Some(500))
        )
        .await,
        4
    );
    for i in 0..8 {
        seed(&mock, with_email(&format!("more{i}@example.com")));
    }
    assert_eq!(list_len(&clerk, UserListParams::default()).await, 10);
    assert_eq!(count_all(&clerk).await, 12);
    assert_api_fails(
        clerk
            .users()
            .count(&params(|it: &mut UserCountParams| {
                it.provider = Some("oauth_google".into())
            }))
            .await,
        422,
        "form_param_missing",
        None,
    );
}

#[tokio::test]
async fn list_all_pages_with_the_cursor() {
    let (mock, clerk) = setup().await;
    for i in 0..25 {
        seed(
            &mock,
            CreateUserParams {
                created_at: Some(format!("2024-01-01T00:00:{i:02}Z")),
                ..with_email(&format!("page{i:02}@example.com"))
            },
        );
    }
    let everyone = clerk
        .users()
        .list(&params(|it: &mut UserListParams| it.limit = Some(500)))
        .await
        .unwrap();
    let (streamed, requests) = stream_all(
        &mock,
        &clerk,
        params(|it: &mut UserListParams| it.limit = Some(10)),
    )
    .await;
    assert_eq!(streamed.len(), 25);
    assert_eq!(ids(&streamed), ids(&everyone));
    // Newest first.
    assert!(streamed
        .windows(2)
        .all(|w| w[0].created_at > w[1].created_at));
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[0], "/v1/users?limit=10");
    assert_eq!(
        requests[1],
        format!("/v1/users?limit=10&starting_after={}", streamed[9].id)
    );
    assert_eq!(
        requests[2],
        format!("/v1/users?limit=10&starting_after={}", streamed[19].id)
    );

    // Filters are kept on every page; a full last page costs one more (empty) request.
    let filter = list_with(|q| {
        q.email_address_query = Some("page1".into());
        q.limit = Some(5);
    });
    let (filtered, requests) = stream_all(&mock, &clerk, filter).await;
    assert_eq!(filtered.len(), 10);
    assert_eq!(requests.len(), 3);
    assert!(requests
        .iter()
        .all(|u| u.contains("email_address_query=page1")));
}

#[tokio::test]
async fn list_all_pages_by_offset_for_other_orders() {
    let (mock, clerk) = setup().await;
    for i in 0..7 {
        seed(
            &mock,
            CreateUserParams {
                first_name: Some(format!("N{}", 6 - i)),
                ..with_email(&format!("o{i}@example.com"))
            },
        );
    }
    let by_name = list_with(|q| {
        q.order_by = Some("first_name".into());
        q.limit = Some(3);
    });
    let (streamed, requests) = stream_all(&mock, &clerk, by_name).await;
    let names: Vec<String> = streamed
        .iter()
        .map(|u| u.first_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["N0", "N1", "N2", "N3", "N4", "N5", "N6"]);
    assert_eq!(
        requests,
        [
            "/v1/users?order_by=first_name&limit=3&offset=0",
            "/v1/users?order_by=first_name&limit=3&offset=3",
            "/v1/users?order_by=first_name&limit=3&offset=6",
        ]
    );
}

#[tokio::test]
async fn list_all_stops_at_the_first_error() {
    let mock = MockClerk::start().await;
    let clerk = retrying_client(&mock, 0);
    for i in 0..4 {
        seed(&mock, with_email(&format!("e{i}@example.com")));
    }
    let before = mock.api_requests().len();
    let mut stream = Box::pin(
        clerk
            .users()
            .list_all(&params(|it: &mut UserListParams| it.limit = Some(2))),
    );
    assert!(stream.next().await.unwrap().is_ok());
    assert!(stream.next().await.unwrap().is_ok());
    mock.inject_api_faults([Fault::Status(500)]);
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(stream.next().await.is_none());
    assert_eq!(mock.api_requests().len() - before, 2);
}
