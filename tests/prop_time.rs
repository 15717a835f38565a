//! Property tests of the time checks of `verifyToken` (spec `clerk-auth-semantics.md` §2.4,
//! with the out-of-range deviation of §10) against a reference model written from the spec
//! text alone.
//!
//! Every case signs a real token (one RSA key for the whole file) whose `exp`, `nbf` and
//! `iat` are generated close to one another and close to the interesting places: around the
//! current time, 0, negative values, and the ±8.64e12 s edge of a JavaScript `Date`; as
//! integers, fractions (including decimal texts within a float's precision of an integer),
//! exponent forms, overflowing numbers, and values of other JSON types. The clock skew comes
//! from the three places the SDK takes it (`ClerkBuilder::clock_skew`, the
//! `CLERK_CLOCK_SKEW_IN_MS` variable, the 5 s default) and from `VerifyTokenOptions`; the
//! current time is put on the boundaries the model computes (exactly on, ±1 ns, ±1 ms, …).
//!
//! Each token is verified at several times in a row, by an instance with the verified-token
//! cache, one without, and the free `verify_token` (process-wide cache): every decision and
//! reason code must be the model's, so a cache hit must decide as a full verification does
//! while time moves.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk::testing::{MockClerk, TokenBuilder};
use clerk::{verify_token, Clerk, VerifyTokenOptions};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

// ---------------------------------------------------------------------------------------
// The reference model (spec §2.4 and §10), independent of the SDK's code
// ---------------------------------------------------------------------------------------

/// A JavaScript `Date` holds ±8.64e15 ms, i.e. ±8.64e12 s (spec §2.4).
const DATE_LIMIT_S: i64 = 8_640_000_000_000;
/// A realistic "now", in seconds.
const T0: i64 = 1_700_000_000;
const NS_PER_MS: i128 = 1_000_000;
const NS_PER_S: i128 = 1_000_000_000;

/// A time claim as it appears in the payload's JSON text.
#[derive(Clone, Debug, PartialEq)]
enum Claim {
    Absent,
    /// A JSON number, as written.
    Number(String),
    /// Any other JSON value (string, null, boolean, array, object), as written.
    Other(&'static str),
}

/// What the spec says `verifyToken` answers: `Ok` or the reason code.
type Decision = Result<(), &'static str>;

/// The value of a JSON number text, as `JSON.parse` reads it: the nearest double
/// (correctly rounded; beyond the double range, ±Infinity).
fn js_number(text: &str) -> f64 {
    text.parse::<f64>()
        .expect("the generator writes JSON numbers")
}

/// A numeric time claim in whole milliseconds, or `None` when it is outside what a `Date`
/// holds. `Date#setUTCSeconds` truncates the fractional part (C16); the values for which
/// JavaScript gets an invalid date (NaN) are refused by this SDK (§10, C17/C25).
fn claim_ms(value: f64) -> Option<i128> {
    let secs = value.trunc();
    if secs.is_nan() || secs.abs() > DATE_LIMIT_S as f64 {
        return None;
    }
    Some(secs as i128 * 1000)
}

/// Spec §2.4, steps 12–14 of §2.1 (all other steps pass for the generated tokens).
///
/// * `skew_ns`: the clock skew in nanoseconds (the spec's `skew` in ms, kept exact).
/// * `now_ns`: the verification time in nanoseconds since the epoch; the spec's `now` is
///   `Date.now()`, whole milliseconds.
///
/// With all quantities in ns, the spec's inequalities (in ms) are compared exactly:
/// `exp*1000 <= now - skew` expired, `nbf*1000 > now + skew` not active yet,
/// `iat*1000 > now + skew` issued in the future.
fn model(exp: &Claim, nbf: &Claim, iat: &Claim, skew_ns: i128, now_ns: i128) -> Decision {
    let now_ms = now_ns.div_euclid(NS_PER_MS);
    let now = now_ms * NS_PER_MS;
    const FAILED: &str = "token-verification-failed";
    // exp: required, a number.
    let exp_ms = match exp {
        Claim::Number(text) => claim_ms(js_number(text)).ok_or(FAILED)?,
        Claim::Absent | Claim::Other(_) => return Err(FAILED),
    };
    if exp_ms * NS_PER_MS <= now - skew_ns {
        return Err("token-expired");
    }
    // nbf, then iat: optional; when present, a number.
    for (claim, reason) in [
        (nbf, "token-not-active-yet"),
        (iat, "token-iat-in-the-future"),
    ] {
        let ms = match claim {
            Claim::Absent => continue,
            Claim::Other(_) => return Err(FAILED),
            Claim::Number(text) => claim_ms(js_number(text)).ok_or(FAILED)?,
        };
        if ms * NS_PER_MS > now + skew_ns {
            return Err(reason);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// A JSON number text whose value is `int` plus a fraction of the same sign.
fn with_fraction(int: i64, negative: bool, fraction: &str) -> String {
    let sign = if negative { "-" } else { "" };
    format!("{sign}{}.{fraction}", int.unsigned_abs())
}

/// Numbers around `base` (seconds): integers, fractions, other spellings of integers.
fn number_near(base: i64) -> impl Strategy<Value = Claim> {
    let delta = prop_oneof![
        4 => -2i64..=2,
        2 => -120i64..=120,
        1 => -1_000_000i64..=1_000_000,
    ];
    let fraction = prop_oneof![
        Just("5".to_owned()),
        Just("0".to_owned()),
        Just("001".to_owned()),
        Just("999".to_owned()),
        // Within a float's precision of the next integer: `JSON.parse` rounds it up.
        Just("99999999".to_owned()),
        Just("9999999999".to_owned()),
        Just("99999999999999999999".to_owned()),
        // Within a float's precision of the integer itself.
        Just("00000000001".to_owned()),
        "[0-9]{1,20}",
    ];
    let spelling = 0u8..8;
    (delta, fraction, spelling).prop_map(move |(delta, fraction, spelling)| {
        let n = base.saturating_add(delta);
        Claim::Number(match spelling {
            0..=2 => n.to_string(),
            3 => with_fraction(n, n < 0, &fraction),
            // The fraction on the other side of zero (`-0.5` for 0, `0.5` for -1 + 1).
            4 => with_fraction(n, n <= 0, &fraction),
            5 => format!("{n}.0"),
            // (`00e-1` is not JSON: a leading zero.)
            6 if n != 0 => format!("{n}0e-1"),
            6 => "0e-1".to_owned(),
            _ => format!("{n}E+0"),
        })
    })
}

/// Numbers at the edges of what a `Date` and a double hold.
fn special_number() -> impl Strategy<Value = Claim> {
    prop_oneof![
        Just("8640000000000"),
        Just("8640000000001"),
        Just("-8640000000000"),
        Just("-8640000000001"),
        Just("8640000000000.9"),
        Just("-8640000000000.9"),
        Just("8640000000000.9999999"),
        Just("8640000000001.0"),
        Just("8.64e12"),
        Just("8.640000000001e12"),
        Just("1e400"),
        Just("-1e400"),
        Just("1.7976931348623157e308"),
        Just("-1.7976931348623157e308"),
        Just("5e-324"),
        Just("-5e-324"),
        Just("0"),
        Just("-0"),
        Just("-0.0"),
        Just("0.9999999999999999"),
        Just("18446744073709551616"),
        Just("-9223372036854775809"),
        Just("9007199254740993"),
        Just("17e8"),
        Just("1.7e9"),
    ]
    .prop_map(|s| Claim::Number(s.to_owned()))
}

fn not_a_number() -> impl Strategy<Value = Claim> {
    prop_oneof![
        Just("null"),
        Just("true"),
        Just("false"),
        Just("\"1700000000\""),
        Just("\"\""),
        Just("[]"),
        Just("[1700000000]"),
        Just("{}"),
        Just("{\"n\":1700000000}"),
    ]
    .prop_map(Claim::Other)
}

fn claim_near(base: i64) -> impl Strategy<Value = Claim> {
    prop_oneof![
        2 => Just(Claim::Absent),
        12 => number_near(base),
        2 => special_number(),
        1 => not_a_number(),
    ]
}

/// Where a case's claims cluster, in seconds.
fn base() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => Just(T0),
        1 => Just(0i64),
        1 => Just(-86_400i64),
        1 => Just(DATE_LIMIT_S),
        1 => Just(DATE_LIMIT_S - 86_400),
        1 => Just(-DATE_LIMIT_S),
        1 => 0i64..=DATE_LIMIT_S,
    ]
}

/// Where the clock skew comes from.
#[derive(Clone, Copy, Debug)]
enum SkewSource {
    /// `ClerkBuilder::clock_skew` / `VerifyTokenOptions::clock_skew`.
    Option(Duration),
    /// `CLERK_CLOCK_SKEW_IN_MS` (the SDK's own variable: whole milliseconds).
    Env(u64),
    /// Neither: 5 s.
    Default,
}

impl SkewSource {
    /// The spec's `skew`, in ns.
    fn nanos(self) -> i128 {
        match self {
            Self::Option(d) => d.as_nanos() as i128,
            Self::Env(ms) => ms as i128 * NS_PER_MS,
            Self::Default => 5_000 * NS_PER_MS,
        }
    }

    /// The same skew as a `VerifyTokenOptions` field.
    fn option(self) -> Option<Duration> {
        match self {
            Self::Option(d) => Some(d),
            Self::Env(ms) => Some(Duration::from_millis(ms)),
            Self::Default => None,
        }
    }
}

/// The skews for which a `Clerk` instance pair (cache on, cache off) is built once.
fn skew_pool() -> Vec<SkewSource> {
    use SkewSource::*;
    vec![
        Default,
        Option(Duration::ZERO),
        Option(Duration::from_nanos(1)),
        Option(Duration::from_micros(1)),
        Option(Duration::from_nanos(999_999)),
        Option(Duration::from_millis(1)),
        Option(Duration::from_micros(1_500)),
        Option(Duration::from_millis(999)),
        Option(Duration::from_secs(1)),
        Option(Duration::from_secs(5)),
        Option(Duration::new(5, 1)),
        Option(Duration::from_secs(60)),
        Option(Duration::from_secs(86_400)),
        Option(Duration::from_secs(DATE_LIMIT_S as u64)),
        Option(Duration::MAX),
        Env(0),
        Env(1),
        Env(1_500),
        Env(5_000),
        Env(86_400_000),
    ]
}

#[derive(Clone, Copy, Debug)]
enum Skew {
    /// An entry of [`skew_pool`]: verified by the pooled instances and the free function.
    Pool(usize),
    /// Any skew: verified by the free function only (building an instance costs ~30 ms).
    Free(Duration),
}

fn skew(pool_len: usize) -> impl Strategy<Value = Skew> {
    prop_oneof![
        4 => (0..pool_len).prop_map(Skew::Pool),
        1 => (0u64..=120_000).prop_map(|ms| Skew::Free(Duration::from_millis(ms))),
        1 => (0u64..=10_000_000_000).prop_map(|ns| Skew::Free(Duration::from_nanos(ns))),
    ]
}

/// Which boundary a verification time is put on.
#[derive(Clone, Copy, Debug)]
enum Anchor {
    /// `exp*1000 == now - skew`.
    Exp,
    /// `nbf*1000 == now + skew`.
    Nbf,
    /// `iat*1000 == now + skew`.
    Iat,
    /// The case's base time.
    Base,
}

/// How the anchor is rounded to whole milliseconds before the jitter is added (`now` is
/// whole milliseconds in the spec, so the decision flips on a millisecond).
#[derive(Clone, Copy, Debug)]
enum Rounding {
    None,
    FloorMs,
    CeilMs,
}

#[derive(Clone, Copy, Debug)]
struct When {
    anchor: Anchor,
    rounding: Rounding,
    jitter_ns: i128,
}

fn when() -> impl Strategy<Value = When> {
    let anchor = prop_oneof![
        3 => Just(Anchor::Exp),
        2 => Just(Anchor::Nbf),
        2 => Just(Anchor::Iat),
        1 => Just(Anchor::Base),
    ];
    let rounding = prop_oneof![
        Just(Rounding::None),
        Just(Rounding::FloorMs),
        Just(Rounding::CeilMs),
    ];
    let ms = NS_PER_MS;
    let jitter = prop_oneof![
        4 => prop::sample::select(vec![
            0,
            1,
            -1,
            ms,
            -ms,
            ms - 1,
            -ms + 1,
            ms + 1,
            -ms - 1,
            NS_PER_S,
            -NS_PER_S,
        ]),
        1 => (-10 * NS_PER_S)..=(10 * NS_PER_S),
    ];
    (anchor, rounding, jitter).prop_map(|(anchor, rounding, jitter_ns)| When {
        anchor,
        rounding,
        jitter_ns,
    })
}

#[derive(Clone, Debug)]
struct Case {
    base: i64,
    exp: Claim,
    nbf: Claim,
    iat: Claim,
    skew: Skew,
    times: Vec<When>,
}

fn case(pool_len: usize) -> impl Strategy<Value = Case> {
    base()
        .prop_flat_map(move |base| {
            (
                Just(base),
                claim_near(base),
                claim_near(base),
                claim_near(base),
                skew(pool_len),
                prop::collection::vec(when(), 2..=4),
            )
        })
        .prop_map(|(base, exp, nbf, iat, skew, times)| Case {
            base,
            exp,
            nbf,
            iat,
            skew,
            times,
        })
}

/// The verification time of `when`, in ns (kept within what `SystemTime` holds, ≥ 0).
fn now_ns(case: &Case, when: When, skew_ns: i128) -> i128 {
    let ms_of = |claim: &Claim| match claim {
        Claim::Number(text) => claim_ms(js_number(text)),
        _ => None,
    };
    let base = case.base as i128 * NS_PER_S;
    let anchor = match when.anchor {
        Anchor::Exp => ms_of(&case.exp).map(|ms| ms * NS_PER_MS + skew_ns),
        Anchor::Nbf => ms_of(&case.nbf).map(|ms| ms * NS_PER_MS - skew_ns),
        Anchor::Iat => ms_of(&case.iat).map(|ms| ms * NS_PER_MS - skew_ns),
        Anchor::Base => None,
    }
    .unwrap_or(base);
    let rounded = match when.rounding {
        Rounding::None => anchor,
        Rounding::FloorMs => anchor.div_euclid(NS_PER_MS) * NS_PER_MS,
        Rounding::CeilMs => (anchor + NS_PER_MS - 1).div_euclid(NS_PER_MS) * NS_PER_MS,
    };
    (rounded + when.jitter_ns).clamp(0, 2 * DATE_LIMIT_S as i128 * NS_PER_S)
}

fn system_time(ns: i128) -> SystemTime {
    UNIX_EPOCH + Duration::new((ns / NS_PER_S) as u64, (ns % NS_PER_S) as u32)
}

// ---------------------------------------------------------------------------------------
// The SDK side
// ---------------------------------------------------------------------------------------

struct Fixture {
    /// Keeps the key (and the runtime its JWKS server was spawned on) alive.
    _mock: MockClerk,
    rt: tokio::runtime::Runtime,
    key: std::sync::Arc<clerk::testing::MockKey>,
    pem: String,
    pool: Vec<SkewSource>,
    /// Per pool entry: (verified-token cache on, cache off).
    instances: Vec<(Clerk, Clerk)>,
}

fn instance(pem: &str, skew: SkewSource, cache: bool) -> Clerk {
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

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(MockClerk::start());
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
fn sign(fx: &Fixture, case: &Case) -> String {
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

fn decision<T>(result: Result<T, clerk::TokenVerificationError>) -> Decision {
    result.map(|_| ()).map_err(|e| e.reason())
}

fn runner(default_cases: u32) -> TestRunner {
    common::prop_runner(common::prop_cases(default_cases))
}

#[derive(Default)]
struct Coverage {
    decisions: BTreeMap<&'static str, usize>,
    /// Verifications at a time within 1 ms of a decision's boundary.
    boundary_hits: usize,
    /// Cache hits (pooled instance) on the second or later verification of a token.
    cache_hits: usize,
    /// … of which decided differently from the token's first verification.
    cache_hits_that_changed_decision: usize,
    env_skews: usize,
    free_skews: usize,
}

/// Whether `now` lies within 1 ms of a boundary of the model (the decision flips nearby).
fn near_boundary(case: &Case, skew_ns: i128, now_ns: i128) -> bool {
    let d = |t: i128| model(&case.exp, &case.nbf, &case.iat, skew_ns, t);
    d(now_ns) != d(now_ns - NS_PER_MS) || d(now_ns) != d(now_ns + NS_PER_MS)
}

fn check_case(fx: &Fixture, case: &Case, cov: &RefCell<Coverage>) -> Result<(), TestCaseError> {
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
            let (hits_before, _) = cached.token_cache_stats().expect("cache on");
            let through_cache = decision(
                fx.rt
                    .block_on(cached.with_fixed_time(at).verify_token(&token)),
            );
            let (hits_after, _) = cached.token_cache_stats().expect("cache on");
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

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

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
