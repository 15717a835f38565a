//! Spec §4.1 / §4.2: organization claims, v1 and v2.

use super::*;

#[tokio::test]
async fn v1_organization_claims() {
    let mock = MockClerk::start().await;
    let s = session(
        &mock,
        mock.token()
            .v1()
            .org("org_1", "org:admin")
            .permissions(&["org:invoices:create", "org:invoices:read"]),
    )
    .await;
    assert_eq!(s.claims().version(), None);
    assert_eq!(s.org_id(), Some("org_1"));
    assert_eq!(s.org_role(), Some("org:admin"));
    assert_eq!(s.org_slug(), Some("org_1-slug"));
    assert_eq!(perms(&s), ["org:invoices:create", "org:invoices:read"]);
    assert!(s.has(&Has::role("admin")));
    assert!(s.has(&Has::permission("org:invoices:read")));

    // v1 `org_role` is taken as-is (no prefix added), has() still normalises.
    let s = session(
        &mock,
        mock.token()
            .v1()
            .claim("org_id", "org_2")
            .claim("org_role", "admin")
            .claim("org_slug", "acme"),
    )
    .await;
    assert_eq!(s.org_id(), Some("org_2"));
    assert_eq!(s.org_role(), Some("admin"));
    assert_eq!(s.org_slug(), Some("acme"));
    assert!(s.org_permissions().is_empty());
    assert!(s.has(&Has::role("org:admin")));
    assert!(s.has(&Has::role("admin")));
    // No `org_permissions` array: any permission check fails.
    assert!(!s.has(&Has::permission("org:invoices:read")));

    // An explicit `v: 1` is v1 as well.
    let s = session(
        &mock,
        mock.token()
            .claim("v", 1)
            .claim("org_id", "org_3")
            .claim("org_permissions", json!(["org:a:b"])),
    )
    .await;
    assert_eq!(s.org_id(), Some("org_3"));
    assert_eq!(perms(&s), ["org:a:b"]);
}

#[tokio::test]
async fn v2_organization_claims() {
    let mock = MockClerk::start().await;
    let s = session(
        &mock,
        mock.token()
            .org("org_9", "admin")
            .permissions(&["org:invoices:create"]),
    )
    .await;
    assert_eq!(s.claims().version(), Some(2));
    assert_eq!(s.claims().get("o").unwrap()["rol"], "admin");
    assert_eq!(s.org_id(), Some("org_9"));
    assert_eq!(
        s.org_role(),
        Some("org:admin"),
        "v2 role gets the org: prefix"
    );
    assert_eq!(s.org_slug(), Some("org_9-slug"));
    assert_eq!(perms(&s), ["org:invoices:create"]);

    // `o` without `rol`, `slg`, `per`, `fpm`.
    let s = session(&mock, mock.token().claim("o", json!({"id": "org_bare"}))).await;
    assert_eq!(s.org_id(), Some("org_bare"));
    assert_eq!(s.org_role(), None);
    assert_eq!(s.org_slug(), None);
    assert!(s.org_permissions().is_empty());
    assert!(!s.has(&Has::role("admin")));
    assert!(!s.has(&Has::permission("org:invoices:create")));

    // No `o` at all.
    let s = session(&mock, mock.token()).await;
    assert_eq!(s.org_id(), None);
    assert_eq!(s.org_role(), None);
    assert_eq!(s.org_slug(), None);
    assert!(s.org_permissions().is_empty());
}

#[tokio::test]
async fn v2_permission_expansion_follows_the_spec_example() {
    let mock = MockClerk::start().await;
    let s = session(
        &mock,
        mock.token()
            .claim("fea", "o:memberships,u:premium,o:domains,ou:reports")
            .claim(
                "o",
                json!({"id": "org_1", "rol": "admin", "slg": "acme",
                       "per": "read,manage", "fpm": "3,1,2"}),
            ),
    )
    .await;
    assert_eq!(s.org_id(), Some("org_1"));
    assert_eq!(s.org_slug(), Some("acme"));
    assert_eq!(s.org_role(), Some("org:admin"));
    assert_eq!(
        perms(&s),
        [
            "org:memberships:read",
            "org:memberships:manage",
            "org:domains:read",
            "org:reports:manage",
        ]
    );
    assert!(s.has(&Has::permission("org:reports:manage")));
    assert!(s.has(&Has::permission("reports:manage")));
    assert!(!s.has(&Has::permission("org:reports:read")));
    assert!(
        !s.has(&Has::permission("org:premium:read")),
        "u: features grant nothing"
    );

    // `uo` counts as org-scoped too; missing `per` or `fpm` → no permissions.
    let o = |extra: serde_json::Value| {
        let mut o = json!({"id": "org_1", "rol": "member"});
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o
    };
    let cases = [
        (
            "uo:audit",
            o(json!({"per": "read", "fpm": "1"})),
            vec!["org:audit:read"],
        ),
        ("o:a", o(json!({"fpm": "1"})), vec![]),
        ("o:a", o(json!({"per": "read"})), vec![]),
        ("u:a", o(json!({"per": "read", "fpm": "1"})), vec![]),
        // Extra masks and bits beyond the lists are ignored.
        (
            "o:a,o:b",
            o(json!({"per": "read,manage", "fpm": "7,2,3"})),
            vec!["org:a:read", "org:a:manage", "org:b:manage"],
        ),
        // Arbitrary precision: 2^64 + 3.
        (
            "o:big",
            o(json!({"per": "read,manage", "fpm": "18446744073709551619"})),
            vec!["org:big:read", "org:big:manage"],
        ),
        ("o:a", o(json!({"per": "read", "fpm": "0"})), vec![]),
        // V12: an element without a colon is skipped, and grants nothing.
        (
            "nocolon,o:sso",
            o(json!({"per": "read", "fpm": "1"})),
            vec!["org:sso:read"],
        ),
    ];
    for (fea, o, expected) in cases {
        let s = session(&mock, mock.token().claim("fea", fea).claim("o", o.clone())).await;
        assert_eq!(perms(&s), expected, "fea={fea} o={o}");
        if fea.starts_with("nocolon") {
            assert!(!s.has(&Has::feature("nocolon")));
            assert!(!s.has(&Has::permission("org:nocolon:read")));
            assert!(s.has(&Has::feature("sso")));
        }
    }
}

#[tokio::test]
async fn claim_versions_do_not_mix() {
    let mock = MockClerk::start().await;
    let v1_claims = |b: TokenBuilder| {
        b.claim("org_id", "org_v1")
            .claim("org_role", "org:admin")
            .claim("org_slug", "v1-slug")
            .claim("org_permissions", json!(["org:a:b"]))
    };
    let v2_claims = |b: TokenBuilder| {
        b.claim("fea", "o:a").claim(
            "o",
            json!({"id": "org_v2", "rol": "admin", "slg": "v2-slug", "per": "b", "fpm": "1"}),
        )
    };

    // v1 claims in a v2 token are ignored (V11).
    let s = session(&mock, v1_claims(mock.token())).await;
    assert_eq!(s.claims().version(), Some(2));
    assert_eq!(s.org_id(), None);
    assert_eq!(s.org_role(), None);
    assert_eq!(s.org_slug(), None);
    assert!(s.org_permissions().is_empty());
    assert!(!s.has(&Has::role("admin")));
    assert!(!s.has(&Has::permission("org:a:b")));

    // v2 claims in a v1 token are ignored.
    let s = session(&mock, v2_claims(mock.token().v1())).await;
    assert_eq!(s.org_id(), None);
    assert_eq!(s.org_role(), None);
    assert!(s.org_permissions().is_empty());
    assert!(!s.has(&Has::role("admin")));

    // Both present: v2 reads only `o`, v1 only `org_*`.
    let s = session(&mock, v2_claims(v1_claims(mock.token()))).await;
    assert_eq!(s.org_id(), Some("org_v2"));
    assert_eq!(s.org_slug(), Some("v2-slug"));
    assert_eq!(perms(&s), ["org:a:b"]);
    let s = session(&mock, v2_claims(v1_claims(mock.token().v1()))).await;
    assert_eq!(s.org_id(), Some("org_v1"));
    assert_eq!(s.org_slug(), Some("v1-slug"));

    // Anything but the number 2 uses v1 rules (V10): 3, "2", absent.
    for v in [json!(3), json!("2"), json!(1.5)] {
        let s = session(
            &mock,
            v2_claims(v1_claims(mock.token())).claim("v", v.clone()),
        )
        .await;
        assert_eq!(s.org_id(), Some("org_v1"), "v={v}");
        assert_eq!(s.org_role(), Some("org:admin"));
        assert_eq!(perms(&s), ["org:a:b"]);
    }
}
