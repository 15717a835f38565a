//! The reference model (spec §2.4 and §10), independent of the SDK's code.

/// A JavaScript `Date` holds ±8.64e15 ms, i.e. ±8.64e12 s (spec §2.4).
pub(crate) const DATE_LIMIT_S: i64 = 8_640_000_000_000;
/// A realistic "now", in seconds.
pub(crate) const T0: i64 = 1_700_000_000;
pub(crate) const NS_PER_MS: i128 = 1_000_000;
pub(crate) const NS_PER_S: i128 = 1_000_000_000;

/// A time claim as it appears in the payload's JSON text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Claim {
    Absent,
    /// A JSON number, as written.
    Number(String),
    /// Any other JSON value (string, null, boolean, array, object), as written.
    Other(&'static str),
}

/// What the spec says `verifyToken` answers: `Ok` or the reason code.
pub(crate) type Decision = Result<(), &'static str>;

/// The value of a JSON number text, as `JSON.parse` reads it: the nearest double
/// (correctly rounded; beyond the double range, ±Infinity).
pub(crate) fn js_number(text: &str) -> f64 {
    text.parse::<f64>()
        .expect("the generator writes JSON numbers")
}

/// A numeric time claim in whole milliseconds, or `None` when it is outside what a `Date`
/// holds. `Date#setUTCSeconds` truncates the fractional part (C16); the values for which
/// JavaScript gets an invalid date (NaN) are refused by this SDK (§10, C17/C25).
pub(crate) fn claim_ms(value: f64) -> Option<i128> {
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
pub(crate) fn model(
    exp: &Claim,
    nbf: &Claim,
    iat: &Claim,
    skew_ns: i128,
    now_ns: i128,
) -> Decision {
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
