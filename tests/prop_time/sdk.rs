//! The SDK side: instances, signed tokens and decisions.

use super::*;

pub(crate) struct Fixture {
    /// Keeps the key (and the runtime its JWKS server was spawned on) alive.
    pub(crate) _mock: MockClerk,
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) key: std::sync::Arc<clerk::testing::MockKey>,
    pub(crate) pem: String,
    pub(crate) pool: Vec<SkewSource>,
    /// Per pool entry: (verified-token cache on, cache off).
    pub(crate) instances: Vec<(Clerk, Clerk)>,
}

pub(crate) fn instance(pem: &str, skew: SkewSource, cache: bool) -> Clerk {
    let mut builder = Clerk::builder().jwt_key(pem);
    builder = match skew {
        SkewSource::Option(d) => builder.without_env().clock_skew(d),
        SkewSource::Env(ms) => builder
            .env_lookup(move |name| (name == "CLERK_CLOCK_SKEW_IN_MS").then(|| ms.to_string())),
        SkewSource::Default => builder.without_env(),
    };
    if !cache {
        builder = builder.disable_token_cache();
    }
    builder.build().expect("valid configuration")
}

pub(crate) fn fixture() -> Fixture {
    let (rt, mock) = runtime_and_mock();
    let pem = mock.jwt_key_pem();
    let pool = skew_pool();
    let instances = pool
        .iter()
        .map(|&s| (instance(&pem, s, true), instance(&pem, s, false)))
        .collect();
    Fixture {
        key: mock.current_key(),
        _mock: mock,
        rt,
        pem,
        pool,
        instances,
    }
}

/// The payload: a valid `sub` and the three time claims as generated.
pub(crate) fn sign(fx: &Fixture, case: &Case) -> String {
    let mut payload = String::from(r#"{"sub":"user_prop","sid":"sess_prop""#);
    for (name, claim) in [("exp", &case.exp), ("nbf", &case.nbf), ("iat", &case.iat)] {
        match claim {
            Claim::Absent => {}
            Claim::Number(text) => payload.push_str(&format!(r#","{name}":{text}"#)),
            Claim::Other(text) => payload.push_str(&format!(r#","{name}":{text}"#)),
        }
    }
    payload.push('}');
    TokenBuilder::sign_raw(
        &fx.key,
        br#"{"alg":"RS256","typ":"JWT","kid":"ins_prop"}"#,
        payload.as_bytes(),
        "RS256",
    )
}

pub(crate) fn decision<T>(result: Result<T, clerk::TokenVerificationError>) -> Decision {
    result.map(|_| ()).map_err(|e| e.reason())
}

pub(crate) fn runner(default_cases: u32) -> TestRunner {
    common::prop_runner(common::prop_cases(default_cases))
}

#[derive(Default)]
pub(crate) struct Coverage {
    pub(crate) decisions: BTreeMap<&'static str, usize>,
    /// Verifications at a time within 1 ms of a decision's boundary.
    pub(crate) boundary_hits: usize,
    /// Cache hits (pooled instance) on the second or later verification of a token.
    pub(crate) cache_hits: usize,
    /// … of which decided differently from the token's first verification.
    pub(crate) cache_hits_that_changed_decision: usize,
    pub(crate) env_skews: usize,
    pub(crate) free_skews: usize,
}

/// Whether `now` lies within 1 ms of a boundary of the model (the decision flips nearby).
pub(crate) fn near_boundary(case: &Case, skew_ns: i128, now_ns: i128) -> bool {
    let d = |t: i128| model(&case.exp, &case.nbf, &case.iat, skew_ns, t);
    d(now_ns) != d(now_ns - NS_PER_MS) || d(now_ns) != d(now_ns + NS_PER_MS)
}

pub(crate) fn check_case(
    fx: &Fixture,
    case: &Case,
    cov: &RefCell<Coverage>,
) -> Result<(), TestCaseError> {
    let token = sign(fx, case);
    let (source, pooled) = match case.skew {
        Skew::Pool(i) => (fx.pool[i], Some(&fx.instances[i])),
        Skew::Free(d) => (SkewSource::Option(d), None),
    };
    let skew_ns = source.nanos();
    let mut first: Option<Decision> = None;
    for (step, &when) in case.times.iter().enumerate() {
        let now = now_ns(case, when, skew_ns);
        let expected = model(&case.exp, &case.nbf, &case.iat, skew_ns, now);
        let at = system_time(now);

        let options = VerifyTokenOptions {
            jwt_key: Some(fx.pem.clone()),
            clock_skew: source.option(),
            now: Some(at),
            ..Default::default()
        };
        let free = decision(fx.rt.block_on(verify_token(&token, &options)));
        prop_assert_eq!(
            free,
            expected,
            "verify_token at {} ns, skew {} ns",
            now,
            skew_ns
        );

        if let Some((cached, uncached)) = pooled {
            let full = decision(
                fx.rt
                    .block_on(uncached.with_fixed_time(at).verify_token(&token)),
            );
            prop_assert_eq!(full, expected, "no cache, at {} ns", now);
            let hits_before = cached.token_cache_counters().expect("cache on").hits;
            let through_cache = decision(
                fx.rt
                    .block_on(cached.with_fixed_time(at).verify_token(&token)),
            );
            let hits_after = cached.token_cache_counters().expect("cache on").hits;
            prop_assert_eq!(
                through_cache,
                expected,
                "cache on (hit: {}), at {} ns",
                hits_after > hits_before,
                now
            );
            let mut cov = cov.borrow_mut();
            if step > 0 && hits_after > hits_before {
                cov.cache_hits += 1;
                if first != Some(expected) {
                    cov.cache_hits_that_changed_decision += 1;
                }
            }
            if step == 0 && matches!(source, SkewSource::Env(_)) {
                cov.env_skews += 1;
            }
        } else if step == 0 {
            cov.borrow_mut().free_skews += 1;
        }

        first.get_or_insert(expected);
        let mut cov = cov.borrow_mut();
        *cov.decisions
            .entry(expected.err().unwrap_or("ok"))
            .or_default() += 1;
        if near_boundary(case, skew_ns, now) {
            cov.boundary_hits += 1;
        }
    }
    Ok(())
}
