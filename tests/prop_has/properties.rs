//! The properties: `has()` equals the model.

use super::*;

#[test]
fn has_matches_the_spec_model() {
    let fx = fixture();
    let cov = RefCell::new(Coverage::default());
    let total = common::prop_cases(512) as usize;
    let mut runner = common::prop_runner(total as u32);
    let strategy = claims().prop_flat_map(|c| {
        let g = granted(&c);
        (Just(c), prop::collection::vec(query(&g), 32))
    });
    if let Err(e) = runner.run(&strategy, |(c, queries)| check(&fx, &c, &queries, &cov)) {
        panic!("{e}");
    }
    let cov = cov.into_inner();
    eprintln!(
        "{} queries, {} granted; alone (role, permission, feature, plan, reverification) {:?}; \
         combined {}; v2 permissions {}",
        cov.queries,
        cov.granted,
        cov.granted_alone,
        cov.granted_combined,
        cov.v2_permissions_granted
    );
    // Coverage bounds hold at the default case count (or more); a smaller run (e.g.
    // `PROPTEST_CASES=64`) is too noisy for them.
    if total < 512 {
        return;
    }
    // Both answers are common, and every dimension is granted on its own and in combination.
    assert!(cov.granted * 20 >= cov.queries, "{}", cov.granted);
    assert!(cov.granted * 2 <= cov.queries, "{}", cov.granted);
    for n in cov.granted_alone {
        assert!(n * 20 >= total, "{:?}", cov.granted_alone);
    }
    assert!(cov.granted_combined * 20 >= total);
    assert!(cov.v2_permissions_granted * 50 >= total);
}

/// The model on the spec's own examples.
#[test]
fn the_model_agrees_with_the_spec_examples() {
    // §4.2 V02.
    assert_eq!(
        expand_permissions(
            Some("o:memberships,u:premium,o:domains,ou:reports"),
            Some("read,manage"),
            Some("3,1,2"),
        ),
        [
            "org:memberships:read",
            "org:memberships:manage",
            "org:domains:read",
            "org:reports:manage"
        ]
    );
    assert_eq!(bits_of_decimal("18446744073709551617").len(), 65);
    let f = Fields {
        user_id: "u".into(),
        org_id: Some("org_1".into()),
        org_role: Some("org:admin".into()),
        org_permissions: Some(vec!["org:a:read".into()]),
        features: Some("u:premium,o:sso".into()),
        ..Fields::default()
    };
    // V01: role ok + permission missing → false; `has({})` is false.
    assert!(model_has(&f, &Has::role("admin")));
    assert!(!model_has(
        &f,
        &Has::role("admin").and_permission("org:a:write")
    ));
    assert!(!model_has(&f, &Has::default()));
    assert!(model_has(&f, &Has::feature("user:premium")));
    assert!(!model_has(&f, &Has::feature("org:premium")));
    assert!(!model_has(&f, &Has::feature("team:sso")));
    // Reverification presets.
    let fva = json!([5, -1]);
    assert!(reverification_check(Some(&fva), &Reverification::Strict));
    assert!(reverification_check(Some(&fva), &Reverification::StrictMfa));
    assert!(!reverification_check(
        Some(&json!([-1, -1])),
        &Reverification::Lax
    ));
    assert!(!reverification_check(
        Some(&json!([-1, 5])),
        &Reverification::StrictMfa
    ));
    assert!(reverification_check(
        Some(&json!([-1, 5])),
        &Reverification::Strict
    ));
}
