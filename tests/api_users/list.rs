//! `GET /users`: the filters, against a small population.
//!
//! `GET /users`: the parameters on the wire, order, paging, validation and `list_all`.

use super::*;
use clerk::api::Organization;

/// A row of the filter table: name, parameters, the ids expected.
type FilterCase = (&'static str, UserListParams, BTreeSet<String>);

fn strs(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// The ids of the whole population but `drop`.
fn all_but(p: &Population, drop: &[&User]) -> BTreeSet<String> {
    let all = set(&[&p.ada, &p.bob, &p.cy, &p.dee]);
    all.difference(&set(drop)).cloned().collect()
}

/// Filters on identifiers, user ids and organizations.
fn identifier_cases(p: &Population, org: &Organization, org2: &Organization) -> Vec<FilterCase> {
    vec![
        ("no filter", UserListParams::default(), all_but(p, &[])),
        (
            "email_address (case-insensitive, several)",
            list_with(|q| {
                q.email_address = strs(&["ADA@lovelace.dev", "cy@example.com", "nobody@x.io"])
            }),
            set(&[&p.ada, &p.cy]),
        ),
        (
            "phone_number",
            list_with(|q| q.phone_number = strs(&["+447700900123"])),
            set(&[&p.bob]),
        ),
        (
            "external_id",
            list_with(|q| q.external_id = strs(&["ext-ada", "+ext-bob"])),
            set(&[&p.ada, &p.bob]),
        ),
        (
            "external_id excluded",
            list_with(|q| q.external_id = strs(&["-ext-ada"])),
            all_but(p, &[&p.ada]),
        ),
        (
            "username",
            list_with(|q| q.username = strs(&["cyborg", "ada_l"])),
            set(&[&p.ada, &p.cy]),
        ),
        (
            "web3_wallet",
            list_with(|q| q.web3_wallet = strs(&["0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])),
            set(&[&p.ada]),
        ),
        (
            "user_id included",
            list_with(|q| q.user_id = vec![format!("+{}", p.bob.id), p.dee.id.clone()]),
            set(&[&p.bob, &p.dee]),
        ),
        (
            "user_id excluded",
            list_with(|q| q.user_id = vec![format!("-{}", p.bob.id), format!("-{}", p.dee.id)]),
            set(&[&p.ada, &p.cy]),
        ),
        (
            "user_id included and excluded",
            list_with(|q| {
                q.user_id = vec![
                    format!("+{}", p.bob.id),
                    format!("+{}", p.ada.id),
                    format!("-{}", p.ada.id),
                ]
            }),
            set(&[&p.bob]),
        ),
        (
            "organization_id",
            list_with(|q| q.organization_id = vec![org.id.clone()]),
            set(&[&p.ada]),
        ),
        (
            "organization_id both",
            list_with(|q| {
                q.organization_id = vec![format!("+{}", org.id), format!("+{}", org2.id)]
            }),
            set(&[&p.ada, &p.bob]),
        ),
        (
            "organization_id excluded",
            list_with(|q| q.organization_id = vec![format!("-{}", org.id)]),
            all_but(p, &[&p.ada]),
        ),
        (
            "provider + provider_user_id",
            list_with(|q| {
                q.provider = Some("oauth_google".into());
                q.provider_user_id = strs(&["google-bob"]);
            }),
            set(&[&p.bob]),
        ),
        (
            "provider + unknown provider_user_id",
            list_with(|q| {
                q.provider = Some("oauth_google".into());
                q.provider_user_id = strs(&["google-ada"]);
            }),
            BTreeSet::new(),
        ),
    ]
}

/// Free-text queries, the ban flag and time windows.
fn query_and_time_cases(p: &Population) -> Vec<FilterCase> {
    let t2024 = 1_704_067_200_000i64;
    let day = 86_400_000;
    vec![
        (
            "query over names",
            list_with(|q| q.query = Some("LOVE".into())),
            set(&[&p.ada]),
        ),
        (
            "query over emails",
            list_with(|q| q.query = Some("example.com".into())),
            set(&[&p.cy, &p.dee]),
        ),
        (
            "query over phones",
            list_with(|q| q.query = Some("7700900".into())),
            set(&[&p.bob]),
        ),
        (
            "query over ids",
            list_with(|q| q.query = Some(p.dee.id.clone())),
            set(&[&p.dee]),
        ),
        (
            "email_address_query",
            list_with(|q| q.email_address_query = Some("BUILDER".into())),
            set(&[&p.bob]),
        ),
        (
            "phone_number_query",
            list_with(|q| q.phone_number_query = Some("555".into())),
            set(&[&p.ada]),
        ),
        (
            "username_query",
            list_with(|q| q.username_query = Some("BOR".into())),
            set(&[&p.cy]),
        ),
        (
            "name_query",
            list_with(|q| q.name_query = Some("bor".into())),
            set(&[&p.cy]),
        ),
        (
            "name_query over the full name",
            list_with(|q| q.name_query = Some("bob build".into())),
            set(&[&p.bob]),
        ),
        (
            "banned",
            list_with(|q| q.banned = Some(true)),
            set(&[&p.cy]),
        ),
        (
            "not banned",
            list_with(|q| q.banned = Some(false)),
            all_but(p, &[&p.cy]),
        ),
        (
            "created_at_before",
            list_with(|q| q.created_at_before = Some(p.bob.created_at)),
            set(&[&p.ada]),
        ),
        (
            "created_at_after",
            list_with(|q| q.created_at_after = Some(p.bob.created_at)),
            set(&[&p.cy, &p.dee]),
        ),
        (
            "created_at window",
            list_with(|q| {
                q.created_at_after = Some(p.ada.created_at);
                q.created_at_before = Some(p.dee.created_at);
            }),
            set(&[&p.bob, &p.cy]),
        ),
        (
            "last_active_at_before",
            list_with(|q| q.last_active_at_before = Some(t2024 + 5 * day)),
            set(&[&p.ada]),
        ),
        (
            "last_active_at_after",
            list_with(|q| q.last_active_at_after = Some(t2024 + 5 * day)),
            set(&[&p.bob]),
        ),
        (
            "last_active_at_since",
            list_with(|q| q.last_active_at_since = Some(t2024 + day)),
            set(&[&p.ada, &p.bob]),
        ),
        (
            "last_sign_in_at_before",
            list_with(|q| q.last_sign_in_at_before = Some(t2024 + 2 * day)),
            set(&[&p.ada]),
        ),
        (
            "last_sign_in_at_after",
            list_with(|q| q.last_sign_in_at_after = Some(t2024 + 2 * day)),
            set(&[&p.bob]),
        ),
        (
            "filters combine",
            list_with(|q| {
                q.query = Some("example.com".into());
                q.banned = Some(false);
            }),
            set(&[&p.dee]),
        ),
    ]
}

#[tokio::test]
async fn list_filters() {
    let (mock, clerk) = setup().await;
    let p = population(&mock).await;
    let org = mock
        .create_organization(&CreateOrganizationParams {
            name: "Analytical Engines".into(),
            created_by: Some(p.ada.id.clone()),
            ..Default::default()
        })
        .unwrap();
    let org2 = mock
        .create_organization(&CreateOrganizationParams {
            name: "Builders".into(),
            created_by: Some(p.bob.id.clone()),
            ..Default::default()
        })
        .unwrap();
    let mut cases = identifier_cases(&p, &org, &org2);
    cases.extend(query_and_time_cases(&p));
    assert_eq!(cases.len(), 35, "every filter case runs");
    for (name, params, expected) in cases {
        let listed = clerk
            .users()
            .list(&params)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(id_set(&listed), expected, "list: {name}");
        let counted = clerk
            .users()
            .count(&UserCountParams::from(&params))
            .await
            .unwrap();
        assert_eq!(counted, expected.len() as i64, "count: {name}");
    }
    // `+` is percent-encoded, repeated keys are repeated.
    let with_plus = uris(&mock)
        .into_iter()
        .find(|u| u.contains("user_id=%2B"))
        .expect("a `+` prefix is sent as %2B");
    assert_eq!(
        query_of(&with_plus)
            .iter()
            .filter(|(k, _)| k == "user_id")
            .count(),
        2
    );
}

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
