//! `GET /users`: the filters, against a small population.

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
