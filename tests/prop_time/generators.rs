//! Generated time claims, skews and instants.

use super::*;

/// A JSON number text whose value is `int` plus a fraction of the same sign.
pub(crate) fn with_fraction(int: i64, negative: bool, fraction: &str) -> String {
    let sign = if negative { "-" } else { "" };
    format!("{sign}{}.{fraction}", int.unsigned_abs())
}

/// Numbers around `base` (seconds): integers, fractions, other spellings of integers.
pub(crate) fn number_near(base: i64) -> impl Strategy<Value = Claim> {
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
pub(crate) fn special_number() -> impl Strategy<Value = Claim> {
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

pub(crate) fn not_a_number() -> impl Strategy<Value = Claim> {
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

pub(crate) fn claim_near(base: i64) -> impl Strategy<Value = Claim> {
    prop_oneof![
        2 => Just(Claim::Absent),
        12 => number_near(base),
        2 => special_number(),
        1 => not_a_number(),
    ]
}

/// Where a case's claims cluster, in seconds.
pub(crate) fn base() -> impl Strategy<Value = i64> {
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
pub(crate) enum SkewSource {
    /// `ClerkBuilder::clock_skew` / `VerifyTokenOptions::clock_skew`.
    Option(Duration),
    /// `CLERK_CLOCK_SKEW_IN_MS` (the SDK's own variable: whole milliseconds).
    Env(u64),
    /// Neither: 5 s.
    Default,
}

impl SkewSource {
    /// The spec's `skew`, in ns.
    pub(crate) fn nanos(self) -> i128 {
        match self {
            Self::Option(d) => d.as_nanos() as i128,
            Self::Env(ms) => ms as i128 * NS_PER_MS,
            Self::Default => 5_000 * NS_PER_MS,
        }
    }

    /// The same skew as a `VerifyTokenOptions` field.
    pub(crate) fn option(self) -> Option<Duration> {
        match self {
            Self::Option(d) => Some(d),
            Self::Env(ms) => Some(Duration::from_millis(ms)),
            Self::Default => None,
        }
    }
}

/// The skews for which a `Clerk` instance pair (cache on, cache off) is built once.
pub(crate) fn skew_pool() -> Vec<SkewSource> {
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
pub(crate) enum Skew {
    /// An entry of [`skew_pool`]: verified by the pooled instances and the free function.
    Pool(usize),
    /// Any skew: verified by the free function only (building an instance costs ~30 ms).
    Free(Duration),
}

pub(crate) fn skew(pool_len: usize) -> impl Strategy<Value = Skew> {
    prop_oneof![
        4 => (0..pool_len).prop_map(Skew::Pool),
        1 => (0u64..=120_000).prop_map(|ms| Skew::Free(Duration::from_millis(ms))),
        1 => (0u64..=10_000_000_000).prop_map(|ns| Skew::Free(Duration::from_nanos(ns))),
    ]
}

/// Which boundary a verification time is put on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Anchor {
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
pub(crate) enum Rounding {
    None,
    FloorMs,
    CeilMs,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct When {
    pub(crate) anchor: Anchor,
    pub(crate) rounding: Rounding,
    pub(crate) jitter_ns: i128,
}

pub(crate) fn when() -> impl Strategy<Value = When> {
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
pub(crate) struct Case {
    pub(crate) base: i64,
    pub(crate) exp: Claim,
    pub(crate) nbf: Claim,
    pub(crate) iat: Claim,
    pub(crate) skew: Skew,
    pub(crate) times: Vec<When>,
}

pub(crate) fn case(pool_len: usize) -> impl Strategy<Value = Case> {
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
pub(crate) fn now_ns(case: &Case, when: When, skew_ns: i128) -> i128 {
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

pub(crate) fn system_time(ns: i128) -> SystemTime {
    UNIX_EPOCH + Duration::new((ns / NS_PER_S) as u64, (ns % NS_PER_S) as u32)
}
