//! The properties: the SDK decides as the model does.

use super::*;

#[test]
fn time_checks_match_the_spec_model_at_every_boundary() {
    let fx = fixture();
    let cov = RefCell::new(Coverage::default());
    let total = common::prop_cases(512) as usize;
    let result = runner(512).run(&case(fx.pool.len()), |case| check_case(&fx, &case, &cov));
    if let Err(e) = result {
        panic!("{e}");
    }
    let cov = cov.into_inner();
    eprintln!(
        "decisions {:?}; near a boundary {}; cache hits {} ({} changed decision); env skews {}; free skews {}",
        cov.decisions,
        cov.boundary_hits,
        cov.cache_hits,
        cov.cache_hits_that_changed_decision,
        cov.env_skews,
        cov.free_skews
    );
    // Coverage bounds hold at the default case count (or more); a smaller run (e.g.
    // `PROPTEST_CASES=64`) is too noisy for them.
    if total < 512 {
        return;
    }
    // The generator reaches every outcome, the boundaries, and the cache-hit path.
    for code in [
        "ok",
        "token-expired",
        "token-not-active-yet",
        "token-iat-in-the-future",
        "token-verification-failed",
    ] {
        let n = cov.decisions.get(code).copied().unwrap_or(0);
        assert!(n * 50 >= total, "{code} decided only {n} times");
    }
    assert!(cov.boundary_hits * 4 >= total, "{}", cov.boundary_hits);
    assert!(cov.cache_hits * 4 >= total, "{}", cov.cache_hits);
    assert!(
        cov.cache_hits_that_changed_decision * 50 >= total,
        "{}",
        cov.cache_hits_that_changed_decision
    );
    assert!(cov.env_skews * 50 >= total && cov.free_skews * 50 >= total);
}

/// The model itself, on the spec's own examples (so that a wrong model cannot hide behind
/// an SDK that is wrong the same way).
#[test]
fn the_model_agrees_with_the_spec_examples() {
    let n = |s: &str| Claim::Number(s.to_owned());
    let at = |ms: i128| (T0 as i128 * 1000 + ms) * NS_PER_MS;
    let skew = 5_000 * NS_PER_MS;
    let exp = n(&T0.to_string());
    let none = Claim::Absent;
    // C08/C11: exp*1000 == now - skew is expired; one ms earlier is not.
    assert_eq!(
        model(&exp, &none, &none, skew, at(5_000)),
        Err("token-expired")
    );
    assert_eq!(model(&exp, &none, &none, skew, at(4_999)), Ok(()));
    // C20/C27: nbf/iat*1000 == now + skew is accepted; one ms later is not.
    let later = n(&(T0 + 100).to_string());
    let far = n(&(T0 + 1_000).to_string());
    assert_eq!(model(&far, &later, &none, skew, at(95_000)), Ok(()));
    assert_eq!(
        model(&far, &later, &none, skew, at(94_999)),
        Err("token-not-active-yet")
    );
    assert_eq!(model(&far, &none, &later, skew, at(95_000)), Ok(()));
    assert_eq!(
        model(&far, &none, &later, skew, at(94_999)),
        Err("token-iat-in-the-future")
    );
    // C16: fractions are truncated.
    assert_eq!(
        model(&n("1700000000.9"), &none, &none, 0, at(0)),
        Err("token-expired")
    );
    // C06/C24: null is not a number; exp is required.
    assert_eq!(
        model(&Claim::Other("null"), &none, &none, skew, at(0)),
        Err("token-verification-failed")
    );
    assert_eq!(
        model(&none, &none, &none, skew, at(0)),
        Err("token-verification-failed")
    );
    // C17/C25 (deviation): beyond ±8.64e12 s.
    assert_eq!(
        model(&n("8640000000001"), &none, &none, skew, at(0)),
        Err("token-verification-failed")
    );
    assert_eq!(
        model(&n("8640000000000"), &none, &none, skew, at(0)),
        Ok(())
    );
    // Order (C30, C31): expired wins over nbf and iat; nbf over iat.
    let past = n(&(T0 - 100).to_string());
    assert_eq!(
        model(&past, &later, &later, skew, at(0)),
        Err("token-expired")
    );
    assert_eq!(
        model(&far, &later, &later, skew, at(0)),
        Err("token-not-active-yet")
    );
}

/// Regression (found by the property above): a time claim must be read as `JSON.parse` reads
/// it, correctly rounded. serde_json's default float parser read `0.9999999999999999` as
/// `1.0` (its nearest double is 0.99999999999999988898), so the truncated `exp`/`nbf` was
/// 1 s instead of 0: this token was accepted 1 s too long, and a token with that `nbf`
/// refused at exactly its boundary. Fixed by serde_json's `float_roundtrip` feature in
/// `clerk-runtime`.
#[test]
fn time_claims_are_read_as_json_parse_reads_them() {
    let fx = fixture();
    let epoch = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    let zero = &fx.instances[1]; // skew 0, cache on and off
    assert!(matches!(fx.pool[1], SkewSource::Option(d) if d.is_zero()));
    for (exp, nbf, now_ms, expected) in [
        // exp truncates to 0 s: expired at 0 ms with no skew (0 <= 0 - 0).
        ("0.9999999999999999", None, 0, Err("token-expired")),
        // nbf truncates to 0 s: active at 0 ms (0 > 0 + 0 is false).
        ("60", Some("0.9999999999999999"), 0, Ok(())),
        ("60", Some("0.9999999999999999"), 1, Ok(())),
    ] {
        let case = Case {
            base: 0,
            exp: Claim::Number(exp.into()),
            nbf: nbf.map_or(Claim::Absent, |n| Claim::Number(n.into())),
            iat: Claim::Absent,
            skew: Skew::Pool(1),
            times: vec![],
        };
        let now_ns = now_ms as i128 * NS_PER_MS;
        assert_eq!(
            model(&case.exp, &case.nbf, &case.iat, 0, now_ns),
            expected,
            "the model"
        );
        let token = sign(&fx, &case);
        for clerk in [&zero.0, &zero.1] {
            let got = decision(
                fx.rt
                    .block_on(clerk.with_fixed_time(epoch(now_ms)).verify_token(&token)),
            );
            assert_eq!(got, expected, "exp {exp}, nbf {nbf:?}, now {now_ms} ms");
        }
    }
}
