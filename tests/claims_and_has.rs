//! Claims v1/v2, the auth object, `has()` (spec §4) and configuration (spec §5).

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use clerk::testing::{MockClerk, TokenBuilder};
use clerk::{
    Auth, Clerk, ConfigError, Has, InstanceType, PublishableKey, Reverification,
    ReverificationLevel, Session,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------
// helpers

/// Verifies the token through `authenticate_request` (Bearer header) and returns the session.
async fn session_of(clerk: &Clerk, token: &str) -> Session {
    let (parts, ()) = http::Request::builder()
        .uri("/")
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts();
    let state = clerk.authenticate_request(&parts).await;
    assert!(state.is_signed_in(), "token refused: {state:?}");
    state
        .to_auth()
        .into_session()
        .expect("an active session is signed in")
}

async fn session(mock: &MockClerk, builder: TokenBuilder) -> Session {
    session_of(&mock.clerk(), &builder.sign()).await
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn pk(prefix: &str, decoded: &str) -> String {
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::STANDARD.encode(decoded)
    )
}

fn perms(session: &Session) -> Vec<&str> {
    session
        .org_permissions()
        .iter()
        .map(String::as_str)
        .collect()
}

// ---------------------------------------------------------------------------------------
// §4.1 / §4.2 claims v1 and v2

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

// ---------------------------------------------------------------------------------------
// §4.4 has()

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
    let (parts, ()) = http::Request::builder()
        .header("authorization", format!("Bearer {}", pending.sign()))
        .body(())
        .unwrap()
        .into_parts();
    let pending_auth = mock.clerk().authenticate_request(&parts).await.to_auth();
    assert_eq!(pending_auth.session_status(), Some("pending"));
    assert_eq!(pending_auth.org_id(), None);
    assert_eq!(pending_auth.actor(), None);

    // A refused token.
    let (parts, ()) = http::Request::builder()
        .header("authorization", "Bearer nope")
        .body(())
        .unwrap()
        .into_parts();
    let refused = mock.clerk().authenticate_request(&parts).await.to_auth();

    for auth in [&signed_out, &pending_auth, &refused] {
        for check in &all {
            assert!(!auth.has(check), "{check:?} on {auth:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Session accessors

#[derive(serde::Deserialize, Debug, PartialEq)]
struct CustomClaims {
    sub: String,
    sid: String,
    tier: String,
    seats: u32,
    #[serde(default)]
    missing: Option<String>,
    meta: Meta,
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Meta {
    region: String,
}

#[tokio::test]
async fn session_accessors() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let token = mock
        .token()
        .user("user_42")
        .session("sess_42")
        .org("org_7", "admin")
        .permissions(&["org:invoices:create", "org:invoices:read"])
        .actor("user_admin")
        .factor_ages(3, -1)
        .claim("tier", "gold")
        .claim("seats", 5)
        .claim("meta", json!({"region": "eu"}))
        .sign();
    let s = session_of(&clerk, &token).await;

    assert_eq!(s.user_id(), "user_42");
    assert_eq!(s.session_id(), "sess_42");
    assert_eq!(s.session_status(), Some("active"));
    assert!(!s.is_pending());
    assert_eq!(s.org_id(), Some("org_7"));
    assert_eq!(s.org_role(), Some("org:admin"));
    assert_eq!(s.org_slug(), Some("org_7-slug"));
    assert_eq!(perms(&s), ["org:invoices:create", "org:invoices:read"]);
    assert_eq!(s.actor(), Some(&json!({"sub": "user_admin"})));
    assert_eq!(s.factor_verification_age(), Some([3, -1]));
    assert_eq!(s.token(), token);

    let claims = s.claims_json();
    assert_eq!(claims["sub"], "user_42");
    assert_eq!(claims["sid"], "sess_42");
    assert_eq!(claims["tier"], "gold");
    assert_eq!(claims["seats"], 5);
    assert_eq!(claims["act"], json!({"sub": "user_admin"}));
    assert_eq!(claims["fva"], json!([3, -1]));

    let custom: CustomClaims = s.claims_as().unwrap();
    assert_eq!(
        custom,
        CustomClaims {
            sub: "user_42".into(),
            sid: "sess_42".into(),
            tier: "gold".into(),
            seats: 5,
            missing: None,
            meta: Meta {
                region: "eu".into()
            },
        }
    );
    // A type that does not match is an error, not a panic.
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wrong {
        seats: String,
    }
    assert!(s.claims_as::<Wrong>().is_err());

    let c = s.claims();
    assert_eq!(c.subject(), "user_42");
    assert_eq!(c.session_id(), Some("sess_42"));
    assert_eq!(c.issuer(), Some(mock.issuer().as_str()));
    assert_eq!(c.authorized_party(), Some("http://localhost:3000"));
    assert_eq!(c.get("tier"), Some(&json!("gold")));
    assert!(c.expires_at() > c.issued_at().unwrap());

    // The Auth object mirrors the session.
    let auth = Auth::from_session(s.clone(), true);
    assert_eq!(auth.user_id(), Some("user_42"));
    assert_eq!(auth.session_id(), Some("sess_42"));
    assert_eq!(auth.org_id(), Some("org_7"));
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert_eq!(auth.org_slug(), Some("org_7-slug"));
    assert_eq!(auth.org_permissions().len(), 2);
    assert_eq!(auth.actor(), Some(&json!({"sub": "user_admin"})));
    assert_eq!(auth.session_status(), Some("active"));

    // Debug never prints the token, nor its payload or signature.
    let signature = token.rsplit('.').next().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    for debug in [format!("{s:?}"), format!("{auth:?}"), format!("{s:#?}")] {
        assert!(!debug.contains(&token));
        assert!(!debug.contains(signature), "{debug}");
        assert!(!debug.contains(payload), "{debug}");
        assert!(debug.contains("user_42"));
    }
    let (parts, ()) = http::Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts();
    let state = clerk.authenticate_request(&parts).await;
    let debug = format!("{state:?}");
    assert!(
        !debug.contains(signature) && !debug.contains(payload),
        "{debug}"
    );

    // Minimal session: no org, no actor, no status.
    let s = session(
        &mock,
        mock.token()
            .without_claim("sts")
            .without_claim("fva")
            .without_claim("act"),
    )
    .await;
    assert_eq!(s.session_status(), None);
    assert_eq!(s.actor(), None);
    assert_eq!(s.factor_verification_age(), None);
    assert_eq!(s.org_id(), None);
    let auth = Auth::from_session(s, true);
    assert!(auth.is_signed_in());
    assert_eq!(auth.session_status(), None);
}

// ---------------------------------------------------------------------------------------
// §5 configuration

const _: () = {
    const fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Clerk>();
    assert_traits::<Session>();
    assert_traits::<Auth>();
    assert_traits::<clerk::ClerkBuilder>();
};

async fn verifies(clerk: &Clerk, token: &str) -> Result<(), String> {
    clerk
        .verify_token(token)
        .await
        .map(|_| ())
        .map_err(|e| e.reason().to_owned())
}

#[tokio::test]
async fn secret_key_precedence() {
    let mock = MockClerk::start().await;
    let token = mock.token().sign();
    let sk = mock.secret_key().to_owned();
    let url = mock.api_url();
    let wrong = "sk_test_wrongwrongwrong";

    // Environment alone.
    let clerk = Clerk::builder()
        .env_lookup(env(&[("CLERK_SECRET_KEY", &sk), ("CLERK_API_URL", &url)]))
        .build()
        .unwrap();
    assert!(clerk.has_secret_key());
    assert_eq!(clerk.api_url(), url);
    assert_eq!(verifies(&clerk, &token).await, Ok(()));

    // The option beats the environment, both ways.
    let clerk = Clerk::builder()
        .secret_key(&sk)
        .env_lookup(env(&[("CLERK_SECRET_KEY", wrong), ("CLERK_API_URL", &url)]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    let clerk = Clerk::builder()
        .secret_key(wrong)
        .env_lookup(env(&[("CLERK_SECRET_KEY", &sk), ("CLERK_API_URL", &url)]))
        .build()
        .unwrap();
    assert_eq!(
        verifies(&clerk, &token).await,
        Err("secret-key-invalid".into())
    );
    // An invalid environment value is not even looked at when the option is set.
    let clerk = Clerk::builder()
        .secret_key(&sk)
        .env_lookup(env(&[
            ("CLERK_SECRET_KEY", "garbage"),
            ("CLERK_API_URL", &url),
        ]))
        .build();
    assert!(clerk.is_ok());

    // CLERK_SECRET_KEY beats the legacy CLERK_API_KEY.
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_SECRET_KEY", &sk),
            ("CLERK_API_KEY", wrong),
            ("CLERK_API_URL", &url),
        ]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_SECRET_KEY", wrong),
            ("CLERK_API_KEY", &sk),
            ("CLERK_API_URL", &url),
        ]))
        .build()
        .unwrap();
    assert_eq!(
        verifies(&clerk, &token).await,
        Err("secret-key-invalid".into())
    );
    // ... and an invalid CLERK_SECRET_KEY is reported even when CLERK_API_KEY is fine.
    let err = Clerk::builder()
        .env_lookup(env(&[("CLERK_SECRET_KEY", "nope"), ("CLERK_API_KEY", &sk)]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("CLERK_SECRET_KEY"), "{err}");

    // CLERK_API_KEY as the fallback (absent or empty CLERK_SECRET_KEY).
    for pairs in [
        vec![
            ("CLERK_API_KEY", sk.as_str()),
            ("CLERK_API_URL", url.as_str()),
        ],
        vec![
            ("CLERK_SECRET_KEY", ""),
            ("CLERK_API_KEY", sk.as_str()),
            ("CLERK_API_URL", url.as_str()),
        ],
    ] {
        let clerk = Clerk::builder().env_lookup(env(&pairs)).build().unwrap();
        assert!(clerk.has_secret_key());
        assert_eq!(verifies(&clerk, &token).await, Ok(()));
    }
    let err = Clerk::builder()
        .env_lookup(env(&[("CLERK_API_KEY", "nope")]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("CLERK_API_KEY"), "{err}");

    // Nothing configured: no key; verification cannot resolve a key.
    let clerk = Clerk::builder().without_env().build().unwrap();
    assert!(!clerk.has_secret_key());
    assert_eq!(
        verifies(&clerk, &token).await,
        Err("jwk-failed-to-resolve".into())
    );
}

#[tokio::test]
async fn other_options_beat_their_variables() {
    let mock = MockClerk::start().await;
    let other_pk = pk("pk_live_", "clerk.other.example$");

    // Publishable key.
    let clerk = Clerk::builder()
        .publishable_key(mock.publishable_key())
        .env_lookup(env(&[("CLERK_PUBLISHABLE_KEY", &other_pk)]))
        .build()
        .unwrap();
    assert_eq!(
        clerk.publishable_key().unwrap().frontend_api_url(),
        mock.issuer()
    );
    let clerk = Clerk::builder()
        .env_lookup(env(&[("CLERK_PUBLISHABLE_KEY", &other_pk)]))
        .build()
        .unwrap();
    let pk = clerk.publishable_key().unwrap();
    assert_eq!(pk.frontend_api(), "clerk.other.example");
    assert_eq!(pk.instance_type(), InstanceType::Production);
    assert!(Clerk::builder()
        .publishable_key(mock.publishable_key())
        .env_lookup(env(&[("CLERK_PUBLISHABLE_KEY", "pk_garbage")]))
        .build()
        .is_ok());

    // API URL (default, env, option).
    let clerk = Clerk::builder().without_env().build().unwrap();
    assert_eq!(clerk.api_url(), "https://api.clerk.com");
    assert_eq!(clerk.api_version(), "v1");
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_API_URL", "https://api.env.example"),
            ("CLERK_API_VERSION", "v9"),
        ]))
        .build()
        .unwrap();
    assert_eq!(clerk.api_url(), "https://api.env.example");
    assert_eq!(clerk.api_version(), "v9");
    let clerk = Clerk::builder()
        .api_url("https://api.option.example")
        .api_version("v2")
        .env_lookup(env(&[
            ("CLERK_API_URL", "not a url"),
            ("CLERK_API_VERSION", "a/b"),
        ]))
        .build()
        .unwrap();
    assert_eq!(clerk.api_url(), "https://api.option.example");
    assert_eq!(clerk.api_version(), "v2");

    // JWT key from the environment: networkless, no JWKS request even with a secret key.
    let token = mock.token().user("user_pem").sign();
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_JWT_KEY", &mock.jwt_key_pem()),
            ("CLERK_SECRET_KEY", mock.secret_key()),
            ("CLERK_API_URL", &mock.api_url()),
        ]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    assert_eq!(mock.jwks_requests(), 0);
    // The option beats the variable (an invalid variable is not read).
    let clerk = Clerk::builder()
        .jwt_key(mock.jwt_key_pem())
        .env_lookup(env(&[("CLERK_JWT_KEY", "garbage")]))
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &token).await, Ok(()));
    // A valid key of another instance from the option wins over the right one in env.
    let other = mock.unpublished_key();
    let clerk = Clerk::builder()
        .jwt_key(other.public_pem())
        .env_lookup(env(&[("CLERK_JWT_KEY", &mock.jwt_key_pem())]))
        .build()
        .unwrap();
    assert_eq!(
        verifies(&clerk, &token).await,
        Err("token-invalid-signature".into())
    );

    // Clock skew: CLERK_CLOCK_SKEW_IN_MS, and the option beats it.
    let early = mock.token().not_before_in_secs(3).sign();
    let with_skew = |pairs: &[(&str, &str)]| {
        Clerk::builder()
            .jwt_key(mock.jwt_key_pem())
            .env_lookup(env(pairs))
    };
    let default = with_skew(&[]).build().unwrap();
    assert_eq!(
        verifies(&default, &early).await,
        Ok(()),
        "default skew is 5 s"
    );
    let zero = with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "0")])
        .build()
        .unwrap();
    assert_eq!(
        verifies(&zero, &early).await,
        Err("token-not-active-yet".into())
    );
    let later = mock.token().not_before_in_secs(8).sign();
    let wide = with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "10000")])
        .build()
        .unwrap();
    assert_eq!(verifies(&wide, &later).await, Ok(()));
    assert_eq!(
        verifies(&default, &later).await,
        Err("token-not-active-yet".into())
    );
    let option = with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "0")])
        .clock_skew(Duration::from_secs(10))
        .build()
        .unwrap();
    assert_eq!(verifies(&option, &later).await, Ok(()));
    assert!(with_skew(&[("CLERK_CLOCK_SKEW_IN_MS", "abc")])
        .clock_skew(Duration::from_secs(1))
        .build()
        .is_ok());
}

#[tokio::test]
async fn invalid_values_name_their_source() {
    let pem_like = "-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n";
    let cases: Vec<(&str, &str)> = vec![
        ("CLERK_SECRET_KEY", "nope"),
        ("CLERK_SECRET_KEY", "pk_test_abc"),
        ("CLERK_SECRET_KEY", "sk_test_"),
        ("CLERK_SECRET_KEY", "sk_live_has space"),
        ("CLERK_PUBLISHABLE_KEY", "pk_garbage"),
        ("CLERK_PUBLISHABLE_KEY", "pk_test_!!!!"),
        ("CLERK_JWT_KEY", "not a pem"),
        ("CLERK_JWT_KEY", pem_like),
        ("CLERK_JWT_KEY", "QUFBQQ=="),
        ("CLERK_API_URL", "not a url"),
        ("CLERK_API_URL", "ftp://api.example.com"),
        ("CLERK_API_URL", "/relative"),
        ("CLERK_API_VERSION", "v1/extra"),
        ("CLERK_CLOCK_SKEW_IN_MS", "abc"),
        ("CLERK_CLOCK_SKEW_IN_MS", "-5"),
        ("CLERK_CLOCK_SKEW_IN_MS", "1.5"),
    ];
    for (var, value) in cases {
        let err: ConfigError = Clerk::builder()
            .env_lookup(env(&[(var, value)]))
            .build()
            .expect_err(&format!("{var}={value:?} must be refused"));
        let message = err.to_string();
        assert!(message.contains(var), "{var}={value:?}: {message}");
        if var == "CLERK_SECRET_KEY" && value.len() > 9 {
            assert!(!message.contains(value), "secret echoed: {message}");
        }
    }

    // Options are named as options.
    let options: Vec<(clerk::ClerkBuilder, &str)> = vec![
        (Clerk::builder().secret_key("nope"), "secret_key"),
        (
            Clerk::builder().publishable_key("pk_nope"),
            "publishable_key",
        ),
        (Clerk::builder().jwt_key("not a pem"), "jwt_key"),
        (Clerk::builder().api_url("not a url"), "api_url"),
        (Clerk::builder().api_version("a/b"), "api_version"),
    ];
    for (builder, name) in options {
        let err = builder.without_env().build().unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }

    // issuer_from_publishable_key without a publishable key.
    let err = Clerk::builder()
        .without_env()
        .issuer_from_publishable_key()
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::IssuerNeedsPublishableKey));
    assert!(err.to_string().contains("publishable key"), "{err}");
}

#[test]
fn publishable_key_decoding() {
    // pk_live_ → production, pk_test_ → development.
    let live = PublishableKey::parse(&pk("pk_live_", "clerk.example.com$")).unwrap();
    assert_eq!(live.frontend_api(), "clerk.example.com");
    assert_eq!(live.frontend_api_url(), "https://clerk.example.com");
    assert_eq!(live.instance_type(), InstanceType::Production);
    assert_eq!(live.as_str(), pk("pk_live_", "clerk.example.com$"));
    let test = PublishableKey::parse(&pk("pk_test_", "foo-bar-13.clerk.accounts.dev$")).unwrap();
    assert_eq!(test.frontend_api(), "foo-bar-13.clerk.accounts.dev");
    assert_eq!(test.instance_type(), InstanceType::Development);
    // The spec's documented example.
    assert_eq!(
        PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")
            .unwrap()
            .frontend_api(),
        "clerk.example.com"
    );

    // Padding is optional.
    let padded = pk("pk_test_", "clerk.example.co$");
    assert!(padded.ends_with('='));
    let unpadded = padded.trim_end_matches('=').to_owned();
    for key in [&padded, &unpadded] {
        assert_eq!(
            PublishableKey::parse(key).unwrap().frontend_api(),
            "clerk.example.co",
            "{key}"
        );
    }
    let two = pk("pk_test_", "clerk.example.c$");
    assert!(two.ends_with("=="));
    assert!(PublishableKey::parse(two.trim_end_matches('=')).is_ok());

    let invalid = [
        String::new(),
        "pk_test".to_owned(),
        "pk_test_".to_owned(),
        pk("pk_prod_", "clerk.example.com$"),
        pk("sk_test_", "clerk.example.com$"),
        pk("PK_TEST_", "clerk.example.com$"),
        pk("pk_live", "clerk.example.com$"),
        format!("{}_extra", pk("pk_live_", "clerk.example.com$")),
        format!(
            "pk_test__{}",
            base64::engine::general_purpose::STANDARD.encode("a.b$")
        ),
        pk("pk_live_", "clerk.example.com"),   // no `$`
        pk("pk_live_", "clerk.example.com$$"), // two trailing `$`
        pk("pk_live_", "clerk$example.com$"),  // another `$`
        pk("pk_live_", "$clerk.example.com$"), // another `$`
        pk("pk_live_", "localhost$"),          // no `.`
        pk("pk_live_", "$"),                   // empty host
        "pk_live_!!!!".to_owned(),             // not base64
        "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k!".to_owned(),
    ];
    for key in &invalid {
        assert!(PublishableKey::parse(key).is_err(), "{key:?} accepted");
        let err = Clerk::builder()
            .publishable_key(key.clone())
            .without_env()
            .build();
        if !key.is_empty() {
            assert!(
                matches!(err, Err(ConfigError::InvalidPublishableKey { .. })),
                "{key:?}: {err:?}"
            );
        }
    }
}

#[tokio::test]
async fn issuer_from_publishable_key() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .issuer_from_publishable_key()
        .build()
        .unwrap();
    let ok = mock.token().user("user_iss").sign();
    assert_eq!(verifies(&clerk, &ok).await, Ok(()));
    let s = session_of(&clerk, &ok).await;
    assert_eq!(s.user_id(), "user_iss");

    let fapi = mock.issuer().trim_start_matches("https://").to_owned();
    for token in [
        mock.token()
            .issuer("https://evil.clerk.accounts.dev")
            .sign(),
        mock.token().issuer(&format!("{}/", mock.issuer())).sign(),
        mock.token().issuer(&format!("http://{fapi}")).sign(),
        mock.token().issuer(&fapi).sign(),
        mock.token().issuer(&mock.issuer().to_uppercase()).sign(),
        mock.token().without_claim("iss").sign(),
    ] {
        assert_eq!(
            verifies(&clerk, &token).await,
            Err("token-invalid-issuer".into())
        );
        let (parts, ()) = http::Request::builder()
            .header("authorization", format!("Bearer {token}"))
            .body(())
            .unwrap()
            .into_parts();
        let state = clerk.authenticate_request(&parts).await;
        assert_eq!(
            state.reason().map(|r| r.as_str()),
            Some("token-invalid-issuer")
        );
    }

    // Without the option, iss is not checked (Clerk's default).
    let lax = mock.clerk();
    let foreign = mock
        .token()
        .issuer("https://evil.clerk.accounts.dev")
        .sign();
    assert_eq!(verifies(&lax, &foreign).await, Ok(()));

    // The publishable key may come from the environment.
    let clerk = Clerk::builder()
        .env_lookup(env(&[
            ("CLERK_PUBLISHABLE_KEY", &mock.publishable_key()),
            ("CLERK_JWT_KEY", &mock.jwt_key_pem()),
        ]))
        .issuer_from_publishable_key()
        .build()
        .unwrap();
    assert_eq!(verifies(&clerk, &ok).await, Ok(()));
    assert_eq!(
        verifies(&clerk, &foreign).await,
        Err("token-invalid-issuer".into())
    );
}

#[tokio::test]
async fn debug_never_shows_keys() {
    let mock = MockClerk::start().await;
    let sk = mock.secret_key().to_owned();
    let pem = mock.jwt_key_pem();
    // A line of the PEM body (not the armour).
    let pem_line = pem.lines().nth(2).unwrap().to_owned();
    assert!(pem_line.len() > 20);
    let secret_part = sk.trim_start_matches("sk_test_").to_owned();

    let builder = mock.clerk_builder().jwt_key(pem.clone());
    let clerk = builder.clone().build().unwrap();
    let with_sk_only = mock.clerk();
    let from_env = Clerk::builder()
        .env_lookup(env(&[("CLERK_SECRET_KEY", &sk), ("CLERK_JWT_KEY", &pem)]))
        .build()
        .unwrap();
    let options = clerk::VerifyTokenOptions {
        jwt_key: Some(pem.clone()),
        secret_key: Some(sk.clone()),
        ..Default::default()
    };
    let outputs = [
        format!("{builder:?}"),
        format!("{builder:#?}"),
        format!("{clerk:?}"),
        format!("{clerk:#?}"),
        format!("{with_sk_only:?}"),
        format!("{from_env:?}"),
        format!("{options:?}"),
        format!("{options:#?}"),
        format!("{:?}", clerk.publishable_key()),
    ];
    for out in &outputs {
        assert!(!out.contains(&sk), "secret key in {out}");
        assert!(!out.contains(&secret_part), "secret key in {out}");
        assert!(!out.contains(&pem_line), "JWT key in {out}");
        assert!(!out.contains("BEGIN PUBLIC KEY"), "JWT key in {out}");
    }
    // Still useful: the non-secret settings are shown.
    assert!(format!("{clerk:?}").contains(&mock.api_url()));
}
