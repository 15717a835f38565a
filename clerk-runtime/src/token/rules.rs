//! The claim rules of a session token (spec §2): what a [`Rules`] value asks, and the
//! checks of `sub`, `aud`, `azp`, `iss`, `exp`, `nbf` and `iat` against it, shared by the
//! verifier, the verified-token cache (which re-runs them on every hit) and machine JWTs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::error::{TokenVerificationError, TokenVerificationErrorReason as Reason};

/// Largest |seconds| a JavaScript `Date` can hold (±8.64e15 ms). Beyond it `@clerk/backend`
/// gets an invalid date and silently skips the check; this SDK refuses the token.
const MAX_TIME_SECS: f64 = 8.64e12;

/// Everything besides keys that decides a verification.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub authorized_parties: &'a [String],
    pub audience: &'a [String],
    pub issuer: Option<&'a str>,
    pub clock_skew: Duration,
    pub now: SystemTime,
}

fn failed(message: impl Into<std::borrow::Cow<'static, str>>) -> TokenVerificationError {
    TokenVerificationError::new(Reason::TokenVerificationFailed, message)
}

/// `TokenVerificationErrorAction.EnsureClerkJWT`: `@clerk/backend` appends it to the
/// message of most claim and header errors (`getFullMessage()`).
pub(crate) const ENSURE_CLERK_JWT: &str = "Make sure that this is a valid Clerk-generated JWT.";

/// `JSON.stringify(value)` in a template literal, as `@clerk/backend`'s messages show a
/// claim: `undefined` when absent, JSON otherwise (integral floats without `.0`).
pub(crate) fn js_json(value: Option<&Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(Value::Number(n)) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.is_finite() && f == f.trunc() && f.abs() < 1e21 {
                format!("{}", f as i128)
            } else {
                n.to_string()
            }
        }
        Some(v) => v.to_string(),
    }
}

/// A claim or header error with the claim shown and `EnsureClerkJWT` appended, as
/// `getFullMessage()` joins them.
pub(crate) fn with_action(message: String) -> String {
    format!("{message} {ENSURE_CLERK_JWT}")
}

/// Claim checks, run only after the signature is valid (no claim oracle).
pub(crate) fn check_claims(
    payload: &serde_json::Map<String, Value>,
    rules: &Rules<'_>,
) -> Result<(), TokenVerificationError> {
    ClaimFacts::of(payload).check(rules)
}

/// What the claim checks read from a payload, taken out once. A verified token's facts are
/// cached with it, so that a hit re-runs every check (the same code, in the same order)
/// without looking into the JSON again.
#[derive(Debug, Clone)]
pub(crate) struct ClaimFacts {
    sub: SubFact,
    /// Only read when an audience is configured.
    aud: Option<Value>,
    /// The `azp` claim (shown in the error message).
    azp: Option<Value>,
    /// The `iss` claim (shown in the error message).
    iss: Option<Value>,
    exp: TimeFact,
    nbf: TimeFact,
    iat: TimeFact,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SubFact {
    Ok,
    Empty,
    Machine,
    /// The claim as `JSON.stringify` shows it.
    NotAString(String),
}

/// A time claim in whole milliseconds, truncated as `Date#setUTCSeconds` does.
#[derive(Debug, Clone)]
enum TimeFact {
    Absent,
    Millis(i128),
    OutOfRange,
    /// The claim as `JSON.stringify` shows it.
    NotANumber(String),
}

impl TimeFact {
    fn of(claim: Option<&Value>) -> Self {
        match claim {
            None => Self::Absent,
            Some(Value::Number(n)) => {
                let secs = n.as_f64().unwrap_or(f64::NAN).trunc();
                if secs.is_nan() || secs.abs() > MAX_TIME_SECS {
                    Self::OutOfRange
                } else {
                    Self::Millis(secs as i128 * 1000)
                }
            }
            Some(other) => Self::NotANumber(js_json(Some(other))),
        }
    }

    /// `label` names the claim as the package's message does (`expiry date claim (exp)`).
    fn millis(
        &self,
        name: &str,
        required: bool,
        label: &str,
    ) -> Result<Option<i128>, TokenVerificationError> {
        let not_a_number = |shown: &str| {
            failed(with_action(format!(
                "Invalid JWT {label} {shown}. Expected number."
            )))
        };
        match self {
            Self::Absent if !required => Ok(None),
            Self::Millis(ms) => Ok(Some(*ms)),
            Self::OutOfRange => Err(TokenVerificationError::new(
                Reason::TokenVerificationFailed,
                format!("The {name} claim is outside the representable date range."),
            )),
            Self::Absent => Err(not_a_number("undefined")),
            Self::NotANumber(shown) => Err(not_a_number(shown)),
        }
    }
}

impl ClaimFacts {
    pub(crate) fn of(payload: &serde_json::Map<String, Value>) -> Self {
        Self {
            sub: match payload.get("sub") {
                Some(Value::String(sub)) if sub.is_empty() => SubFact::Empty,
                Some(Value::String(sub)) if sub.starts_with("mch_") => SubFact::Machine,
                Some(Value::String(_)) => SubFact::Ok,
                other => SubFact::NotAString(js_json(other)),
            },
            aud: payload.get("aud").cloned(),
            azp: payload.get("azp").cloned(),
            iss: payload.get("iss").cloned(),
            exp: TimeFact::of(payload.get("exp")),
            nbf: TimeFact::of(payload.get("nbf")),
            iat: TimeFact::of(payload.get("iat")),
        }
    }

    /// Heap bytes held, for the token cache's memory bound.
    pub(crate) fn approximate_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.azp.as_ref().map_or(0, |v| v.to_string().len() * 2)
            + self.iss.as_ref().map_or(0, |v| v.to_string().len() * 2)
            + self.aud.as_ref().map_or(0, |a| a.to_string().len() * 2)
    }

    /// The claim checks of spec §2, in order: `sub`, `aud`, `azp`, `iss`, `exp`, `nbf`, `iat`.
    pub(crate) fn check(&self, rules: &Rules<'_>) -> Result<(), TokenVerificationError> {
        match &self.sub {
            SubFact::Ok => {}
            SubFact::Empty => return Err(failed("Subject claim (sub) must not be empty.")),
            SubFact::Machine => {
                return Err(failed(
                    "Subject claim (sub) names a machine; a session token is required.",
                ))
            }
            SubFact::NotAString(shown) => {
                return Err(failed(with_action(format!(
                    "Subject claim (sub) is required and must be a string. Received {shown}."
                ))))
            }
        }

        check_audience(self.aud.as_ref(), rules.audience)?;

        if !rules.authorized_parties.is_empty() {
            let ok = match &self.azp {
                Some(Value::String(azp)) => {
                    !azp.is_empty() && rules.authorized_parties.iter().any(|p| p == azp)
                }
                _ => false,
            };
            if !ok {
                // No action here, as in `assertAuthorizedPartiesClaim`.
                return Err(TokenVerificationError::new(
                    Reason::TokenInvalidAuthorizedParties,
                    format!(
                        "Invalid JWT Authorized party claim (azp) {}. Expected \"{}\".",
                        js_json(self.azp.as_ref()),
                        rules.authorized_parties.join(",")
                    ),
                ));
            }
        }

        if let Some(issuer) = rules.issuer {
            if self.iss.as_ref().and_then(Value::as_str) != Some(issuer) {
                return Err(TokenVerificationError::new(
                    Reason::TokenInvalidIssuer,
                    with_action(format!(
                        "Invalid JWT issuer claim (iss) {}. Expected \"{issuer}\".",
                        js_json(self.iss.as_ref())
                    )),
                ));
            }
        }

        let now_ms = millis_since_epoch(rules.now);
        let skew_ns = i128::try_from(rules.clock_skew.as_nanos()).unwrap_or(i128::MAX / 4);
        let now_ns = now_ms * 1_000_000;

        let exp = self.exp.millis("exp", true, "expiry date claim (exp)")?;
        if let Some(exp_ms) = exp {
            if exp_ms * 1_000_000 <= now_ns - skew_ns {
                return Err(TokenVerificationError::new(
                    Reason::TokenExpired,
                    format!(
                        "JWT is expired. Expiry date: {}, Current date: {}.",
                        utc_string(exp_ms),
                        utc_string(now_ms)
                    ),
                ));
            }
        }
        if let Some(nbf_ms) = self
            .nbf
            .millis("nbf", false, "not before date claim (nbf)")?
        {
            if nbf_ms * 1_000_000 > now_ns + skew_ns {
                return Err(TokenVerificationError::new(
                    Reason::TokenNotActiveYet,
                    format!(
                        "JWT cannot be used prior to not before date claim (nbf). Not before date: {}; Current date: {};",
                        utc_string(nbf_ms),
                        utc_string(now_ms)
                    ),
                ));
            }
        }
        if let Some(iat_ms) = self
            .iat
            .millis("iat", false, "issued at date claim (iat)")?
        {
            if iat_ms * 1_000_000 > now_ns + skew_ns {
                return Err(TokenVerificationError::new(
                    Reason::TokenIatInTheFuture,
                    format!(
                        "JWT issued at date claim (iat) is in the future. Issued at date: {}; Current date: {};",
                        utc_string(iat_ms),
                        utc_string(now_ms)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `aud` is checked only when both the option and the claim are non-empty; a string must
/// be listed, an array of strings must share a member with the list.
fn check_audience(aud: Option<&Value>, audience: &[String]) -> Result<(), TokenVerificationError> {
    let wanted = || audience.iter().filter(|a| !a.is_empty());
    if wanted().next().is_none() {
        return Ok(());
    }
    let ok = match aud {
        Some(Value::String(a)) if !a.is_empty() => wanted().any(|w| w == a),
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_string) => {
            let truthy = items
                .iter()
                .filter_map(Value::as_str)
                .any(|s| !s.is_empty());
            !truthy
                || items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| wanted().any(|w| w == a))
        }
        // Absent, empty, or of another shape: not checked, as in `assertAudienceClaim`.
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let list = Value::from(wanted().cloned().collect::<Vec<_>>()).to_string();
    let kind = if matches!(aud, Some(Value::Array(_))) {
        "audience claim array (aud)"
    } else {
        "audience claim (aud)"
    };
    Err(failed(with_action(format!(
        "Invalid JWT {kind} {}. Is not included in \"{list}\".",
        js_json(aud)
    ))))
}

/// Whole milliseconds since the epoch, as `Date.now()`.
/// JavaScript's `Date.prototype.toUTCString()` of a time in milliseconds since the epoch
/// (`Sun, 06 Dec 2026 06:26:32 GMT`), as `@clerk/backend`'s messages print dates.
pub(crate) fn utc_string(ms: i128) -> String {
    const MAX_MS: i128 = 8_640_000_000_000_000;
    if !(-MAX_MS..=MAX_MS).contains(&ms) {
        return "Invalid Date".to_owned();
    }
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000) / 1000;
    let (h, m, sec) = (in_day / 3600, in_day % 3600 / 60, in_day % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let year = if year < 0 {
        format!("-{:06}", -year)
    } else {
        format!("{year:04}")
    };
    format!(
        "{weekday}, {day:02} {} {year} {h:02}:{m:02}:{sec:02} GMT",
        MONTHS[(month - 1) as usize]
    )
}

pub(crate) fn millis_since_epoch(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i128,
        Err(e) => -((e.duration().as_nanos() as i128 + 999_999) / 1_000_000),
    }
}

#[cfg(test)]
mod tests {
    use super::utc_string;

    #[test]
    fn dates_as_javascript_prints_them() {
        assert_eq!(utc_string(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            utc_string(1_796_538_392_999),
            "Sun, 06 Dec 2026 06:26:32 GMT"
        );
        assert_eq!(utc_string(951_782_400_000), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(utc_string(-1000), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(utc_string(8_640_000_000_000_001), "Invalid Date");
    }
}
