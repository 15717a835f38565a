//! Spec §4.4: `has()` for roles, permissions, features, plans and reverification.
//!
//! Spec §4.1 / §4.2: organization claims, v1 and v2.

use super::*;

#[tokio::test]
async fn has_roles_and_permissions() {
    let mock = MockClerk::start().await;
    for builder in [
        mock.token(),
        mock.token().v1(), // the v1 encoding of the same organization
    ] {
        let s = session(
            &mock,
            builder
                .org("org_1", "admin")
                .permissions(&["org:invoices:create", "org:invoices:read"]),
        )
        .await;
        // Role, with and without the `org:` prefix.
        assert!(s.has(&Has::role("admin")));
        assert!(s.has(&Has::role("org:admin")));
        assert!(!s.has(&Has::role("member")));
        assert!(!s.has(&Has::role("org:member")));
        assert!(!s.has(&Has::role("")));
        // Permission.
        assert!(s.has(&Has::permission("org:invoices:create")));
        assert!(s.has(&Has::permission("invoices:read")));
        assert!(!s.has(&Has::permission("org:invoices:delete")));
        // Role and permission are AND-ed (V01).
        assert!(s.has(&Has::role("admin").and_permission("org:invoices:create")));
        assert!(!s.has(&Has::role("admin").and_permission("org:invoices:delete")));
        assert!(!s.has(&Has::role("member").and_permission("org:invoices:create")));
        // Nothing asked → false.
        assert!(!s.has(&Has::default()));
    }

    // No organization → role and permission checks are false.
    let s = session(&mock, mock.token()).await;
    assert!(!s.has(&Has::role("admin")));
    assert!(!s.has(&Has::permission("org:invoices:create")));
    assert!(!s.has(&Has::default()));
    let s = session(&mock, mock.token().v1()).await;
    assert!(!s.has(&Has::role("admin")));
    assert!(!s.has(&Has::default()));

    // A role without an organization id does not count (v1).
    let s = session(&mock, mock.token().v1().claim("org_role", "org:admin")).await;
    assert!(!s.has(&Has::role("admin")));
}

#[tokio::test]
async fn has_features_and_plans() {
    let mock = MockClerk::start().await;
    let s = session(
        &mock,
        mock.token()
            .features("u:premium,o:sso,ou:reports,uo:audit")
            .plans("u:pro,o:team"),
    )
    .await;

    let feature = |name: &str| s.has(&Has::feature(name));
    let plan = |name: &str| s.has(&Has::plan(name));

    // user-scoped feature
    for (asked, expected) in [
        ("premium", true),
        ("user:premium", true),
        ("u:premium", true),
        ("org:premium", false),
        ("o:premium", false),
        ("organization:premium", false),
    ] {
        assert_eq!(feature(asked), expected, "feature {asked}");
    }
    // org-scoped feature
    for (asked, expected) in [
        ("sso", true),
        ("org:sso", true),
        ("o:sso", true),
        ("organization:sso", true),
        ("user:sso", false),
        ("u:sso", false),
    ] {
        assert_eq!(feature(asked), expected, "feature {asked}");
    }
    // both scopes
    for asked in [
        "reports",
        "org:reports",
        "o:reports",
        "organization:reports",
        "user:reports",
        "u:reports",
        "audit",
        "u:audit",
        "o:audit",
    ] {
        assert!(feature(asked), "feature {asked}");
    }
    // unknown scope or unknown name → false
    for asked in [
        "team:sso",
        "x:premium",
        "users:premium",
        "orgs:sso",
        "ou:reports",
        "missing",
        "org:missing",
        "",
    ] {
        assert!(!feature(asked), "feature {asked}");
    }

    for (asked, expected) in [
        ("pro", true),
        ("user:pro", true),
        ("u:pro", true),
        ("org:pro", false),
        ("o:pro", false),
        ("team", true),
        ("org:team", true),
        ("o:team", true),
        ("organization:team", true),
        ("user:team", false),
        ("u:team", false),
        ("foo:team", false),
        ("enterprise", false),
    ] {
        assert_eq!(plan(asked), expected, "plan {asked}");
    }

    // Feature and plan are AND-ed; so is a role.
    assert!(s.has(&Has::feature("premium").and_plan("pro")));
    assert!(!s.has(&Has::feature("premium").and_plan("enterprise")));
    assert!(!s.has(&Has::feature("missing").and_plan("pro")));
    assert!(!s.has(&Has::feature("premium").and_role("admin")), "no org");

    // No `fea` / `pla` claims → false.
    let s = session(&mock, mock.token()).await;
    assert!(!s.has(&Has::feature("premium")));
    assert!(!s.has(&Has::plan("pro")));
    let s = session(&mock, mock.token().claim("fea", "").claim("pla", "")).await;
    assert!(!s.has(&Has::feature("premium")));
    assert!(!s.has(&Has::plan("pro")));

    // With an organization: role + feature.
    let s = session(&mock, mock.token().org("org_1", "admin").features("o:sso")).await;
    assert!(s.has(&Has::role("admin").and_feature("sso")));
    assert!(!s.has(&Has::role("admin").and_feature("premium")));
}

#[tokio::test]
async fn has_reverification() {
    use Reverification::*;
    use ReverificationLevel::*;
    let mock = MockClerk::start().await;

    let custom = |level, after_minutes| Custom {
        level,
        after_minutes,
    };
    // (config, fva, expected)
    let cases: Vec<(Reverification, [i64; 2], bool)> = vec![
        // strict_mfa: 10 minutes, multi_factor
        (StrictMfa, [5, 5], true),
        (StrictMfa, [9, 9], true),
        (StrictMfa, [5, 10], false),
        (StrictMfa, [10, 5], false),
        (StrictMfa, [5, -1], true), // 2nd not enrolled → 1st alone
        (StrictMfa, [10, -1], false),
        (StrictMfa, [-1, 5], false), // 1st not enrolled → fail
        (StrictMfa, [-1, -1], false),
        // strict: 10 minutes, second_factor
        (Strict, [100, 5], true),
        (Strict, [0, 10], false),
        (Strict, [5, -1], true), // 2nd not enrolled → 1st
        (Strict, [10, -1], false),
        (Strict, [-1, 5], true), // 1st not enrolled → 2nd
        (Strict, [-1, 10], false),
        (Strict, [-1, -1], false),
        // moderate: 60 minutes, second_factor
        (Moderate, [1000, 59], true),
        (Moderate, [0, 60], false),
        (Moderate, [59, -1], true),
        (Moderate, [60, -1], false),
        (Moderate, [-1, 59], true),
        (Moderate, [-1, -1], false),
        // lax: 1440 minutes, second_factor
        (Lax, [0, 1439], true),
        (Lax, [0, 1440], false),
        (Lax, [1439, -1], true),
        (Lax, [1440, -1], false),
        (Lax, [-1, 0], true),
        (Lax, [-1, -1], false),
        // custom levels
        (custom(FirstFactor, 30), [29, -1], true),
        (custom(FirstFactor, 30), [29, 1000], true),
        (custom(FirstFactor, 30), [30, 0], false),
        (custom(FirstFactor, 30), [-1, 0], false),
        (custom(FirstFactor, 30), [-1, -1], false),
        (custom(SecondFactor, 30), [1000, 29], true),
        (custom(SecondFactor, 30), [0, 30], false),
        (custom(SecondFactor, 30), [29, -1], true),
        (custom(SecondFactor, 30), [-1, 29], true),
        (custom(SecondFactor, 30), [-1, -1], false),
        (custom(MultiFactor, 30), [29, 29], true),
        (custom(MultiFactor, 30), [29, 30], false),
        (custom(MultiFactor, 30), [30, 29], false),
        (custom(MultiFactor, 30), [29, -1], true),
        (custom(MultiFactor, 30), [-1, 29], false),
        (custom(MultiFactor, 30), [-1, -1], false),
        (custom(FirstFactor, 1), [0, -1], true),
        (custom(FirstFactor, 1), [1, -1], false),
        // afterMinutes must be > 0
        (custom(FirstFactor, 0), [0, 0], false),
        (custom(SecondFactor, 0), [0, 0], false),
    ];
    for (config, [first, second], expected) in cases {
        let s = session(&mock, mock.token().factor_ages(first, second)).await;
        assert_eq!(s.factor_verification_age(), Some([first, second]));
        assert_eq!(
            s.has(&Has::reverification(config.clone())),
            expected,
            "{config:?} with fva [{first}, {second}]"
        );
    }

    // Invalid or missing fva → false.
    for fva in [
        json!(null),
        json!([1]),
        json!([1, 2, 3]),
        json!([-2, 0]),
        json!([0, -5]),
        json!(["1", 0]),
        json!("0,0"),
        json!({}),
    ] {
        let s = session(&mock, mock.token().claim("fva", fva.clone())).await;
        assert!(!s.has(&Has::reverification(Lax)), "fva={fva}");
    }
    let s = session(&mock, mock.token().without_claim("fva")).await;
    assert_eq!(s.factor_verification_age(), None);
    assert!(!s.has(&Has::reverification(Lax)));

    // Combined with other dimensions: AND.
    let s = session(&mock, mock.token().org("org_1", "admin").factor_ages(5, 5)).await;
    assert!(s.has(&Has::role("admin").and_reverification(Strict)));
    assert!(!s.has(&Has::role("member").and_reverification(Strict)));
    let s = session(
        &mock,
        mock.token().org("org_1", "admin").factor_ages(50, 50),
    )
    .await;
    assert!(!s.has(&Has::role("admin").and_reverification(Strict)));
    assert!(s.has(&Has::role("admin").and_reverification(Moderate)));
}

#[tokio::test]
async fn signed_out_has_is_always_false() {
    let mock = MockClerk::start().await;
    let all = [
        Has::role("admin"),
        Has::permission("org:invoices:create"),
        Has::feature("premium"),
        Has::plan("pro"),
        Has::reverification(Reverification::Lax),
        Has::default(),
    ];
    let signed_out = Auth::signed_out();
    assert!(!signed_out.is_signed_in());
    assert_eq!(signed_out.user_id(), None);
    assert_eq!(signed_out.session_status(), None);
    assert!(signed_out.org_permissions().is_empty());
    assert!(signed_out.claims().is_none());

    // A pending session seen through `to_auth()` is signed out as well.
    let pending = mock
        .token()
        .pending()
        .org("org_1", "admin")
        .permissions(&["org:invoices:create"])
        .features("u:premium")
        .plans("u:pro");
    let parts = bearer_parts("/", &pending.sign());
    let pending_auth = mock.clerk().authenticate_request(&parts).await.to_auth();
    assert_eq!(pending_auth.session_status(), Some("pending"));
    assert_eq!(pending_auth.org_id(), None);
    assert_eq!(pending_auth.actor(), None);

    // A refused token.
    let parts = request_parts("/", "Bearer nope");
    let refused = mock.clerk().authenticate_request(&parts).await.to_auth();

    for auth in [&signed_out, &pending_auth, &refused] {
        for check in &all {
            assert!(!auth.has(check), "{check:?} on {auth:?}");
        }
    }
}

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
            // Clerk's `has()` fails every feature check of a `fea` its parser throws on.
            assert!(!s.has(&Has::feature("sso")));
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

/// Roles and permissions as `@clerk/shared`'s `has()` compares them: `prefixWithOrg` is
/// `value.replace(/^(org:)*/, "org:")`, so every leading `org:` of the asked value and of
/// the role becomes one; permissions of the claims are compared as they are. Checked
/// against `createCheckAuthorization` of `@clerk/shared` 4.41 (the version
/// `@clerk/backend` 3.25 installs).
#[tokio::test]
async fn org_prefixes_and_org_claims_as_clerk_reads_them() {
    let mock = MockClerk::start().await;
    // v1 `org_role: "org:org:admin"`, and v2 `rol: "org:admin"` (read as `org:org:admin`).
    let v1 = mock
        .token()
        .v1()
        .org("org_1", "admin")
        .claim("org_role", "org:org:admin")
        .claim("org_permissions", json!(["org:org:a:read", "org:b:read"]));
    let v2 = mock.token().org("org_1", "org:org:admin");
    for builder in [v1, v2] {
        let s = session(&mock, builder).await;
        assert_eq!(s.org_role(), Some("org:org:admin"));
        for role in ["admin", "org:admin", "org:org:admin", "org:org:org:admin"] {
            assert!(s.has(&Has::role(role)), "{role}");
        }
        assert!(!s.has(&Has::role("org:member")));
    }
    let s = session(
        &mock,
        mock.token()
            .v1()
            .org("org_1", "admin")
            .claim("org_permissions", json!(["org:org:a:read", "org:b:read"])),
    )
    .await;
    // A claimed `org:org:a:read` matches nothing (the asked value becomes `org:a:read`);
    // a claimed `org:b:read` matches `b:read`, `org:b:read` and `org:org:b:read`.
    for asked in ["a:read", "org:a:read", "org:org:a:read"] {
        assert!(!s.has(&Has::permission(asked)), "{asked}");
    }
    for asked in ["b:read", "org:b:read", "org:org:b:read"] {
        assert!(s.has(&Has::permission(asked)), "{asked}");
    }

    // v2 `rol: ""` is no role at all (`if (claims.o?.rol)`), not the role `org:`.
    let s = session(&mock, mock.token().org("org_1", "")).await;
    assert_eq!(s.org_role(), None);
    for role in ["", "org:", "org:org:"] {
        assert!(!s.has(&Has::role(role)), "{role:?}");
    }
    // An empty `per` grants no permission (`if (!per || !fpm)`), whatever `fpm` says.
    let s = session(
        &mock,
        mock.token().org("org_1", "admin").features("o:a").claim(
            "o",
            json!({"id": "org_1", "rol": "admin", "per": "", "fpm": "1"}),
        ),
    )
    .await;
    assert_eq!(s.org_permissions(), &[] as &[String]);
    assert!(!s.has(&Has::permission("a:")));
}

/// `fea`/`pla` as `splitByScope` reads them: scopes `o`, `u`, `ou`, `uo` only; a name runs
/// from the first colon to the end of its element; an element without a colon makes every
/// feature (or plan) check fail; and `has()` reads them in v1 tokens too.
#[tokio::test]
async fn features_and_plans_as_clerk_parses_them() {
    let mock = MockClerk::start().await;
    let s = session(&mock, mock.token().features("user:premium,org:sso,oo:x")).await;
    for asked in ["premium", "user:premium", "sso", "org:sso", "x", "o:x"] {
        assert!(!s.has(&Has::feature(asked)), "{asked}");
    }
    let s = session(&mock, mock.token().features("u:premium:trial")).await;
    for asked in ["premium", "u:premium", "premium:trial"] {
        assert!(!s.has(&Has::feature(asked)), "{asked}");
    }
    // `user:premium:trial` asks for `premium` (the first two fields of the query).
    let s = session(&mock, mock.token().features("u:premium")).await;
    assert!(s.has(&Has::feature("user:premium:trial")));
    for fea in ["u:premium,oops", "u:premium,", "u:premium,,o:sso"] {
        let s = session(&mock, mock.token().features(fea).plans("u:pro")).await;
        assert!(!s.has(&Has::feature("premium")), "{fea}");
        assert!(s.has(&Has::plan("pro")), "{fea}: only `fea` is unreadable");
    }
    let s = session(&mock, mock.token().features(" u:premium , o:sso ")).await;
    assert!(s.has(&Has::feature("premium")) && s.has(&Has::feature("org:sso")));
    let s = session(
        &mock,
        mock.token().v1().features("u:premium").plans("o:team"),
    )
    .await;
    assert!(s.has(&Has::feature("premium")));
    assert!(s.has(&Has::plan("org:team")));
}
