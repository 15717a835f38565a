//! The reference model (spec §1), independent of the SDK's code.

use super::*;

/// §1.2: `const [scheme, token] = value.split(' ', 2)`; no (or an empty) second field →
/// the first field is the token; `Bearer <token>` → the token; another scheme → none. An
/// empty result is no header token (§1.3: "if tokenInHeader is non-empty").
pub(crate) fn model_header_token(value: &[u8]) -> Option<Vec<u8>> {
    let mut fields = value.split(|&b| b == b' ');
    let scheme = fields.next().unwrap_or_default();
    let token = match fields.next() {
        None | Some([]) => scheme,
        Some(token) if scheme == b"Bearer" => token,
        Some(_) => return None,
    };
    (!token.is_empty()).then(|| token.to_vec())
}

pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The cookie named `name` (RFC 6265 §4.2.1 / the `cookie` package; see the module docs).
pub(crate) fn model_cookie(headers: &[Vec<u8>], name: &[u8]) -> Option<Vec<u8>> {
    let joined = headers.join(&b"; "[..]);
    for pair in joined.split(|&b| b == b';') {
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        if trim_ows(&pair[..eq]) != name {
            continue;
        }
        // Quotes are kept (`cookie` 1.x, as `@clerk/backend` 3.25 parses).
        let value = trim_ows(&pair[eq + 1..]);
        return Some(value.to_vec());
    }
    None
}

/// `parseInt(value, 10) || 0` (§1.1) for the ASCII values generated.
pub(crate) fn parse_int(value: &[u8]) -> f64 {
    let mut s = value;
    while let [b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c, rest @ ..] = s {
        s = rest;
    }
    let (sign, s) = match s {
        [b'-', rest @ ..] => (-1.0, rest),
        [b'+', rest @ ..] => (1.0, rest),
        _ => (1.0, s),
    };
    let digits: Vec<u8> = s.iter().copied().take_while(u8::is_ascii_digit).collect();
    if digits.is_empty() {
        return 0.0;
    }
    let n: f64 = std::str::from_utf8(&digits).unwrap().parse().unwrap();
    let n = sign * n;
    if n == 0.0 {
        0.0
    } else {
        n
    }
}

/// What `authenticate_request` must answer.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    SignedIn {
        user: &'static str,
        carrier: TokenCarrier,
    },
    SignedOut {
        /// `None`: any verification reason (a garbage token whose exact reason depends on
        /// its bytes).
        reason: Option<&'static str>,
        carrier: Option<TokenCarrier>,
    },
}

/// A carried token: a known one signs in (or fails as that token does), anything else is
/// refused; with other than three `.`-separated parts it is `token-invalid` (§2.1 step 1).
pub(crate) fn model_token(
    fx: &Fixture,
    token: &[u8],
    carrier: TokenCarrier,
    client_uat: Option<f64>,
    post: bool,
) -> Outcome {
    let signed_out = |reason| Outcome::SignedOut {
        reason,
        carrier: Some(carrier),
    };
    match fx.known.iter().position(|k| k.as_bytes() == token) {
        Some(i) => {
            let iat = known_iat(i);
            // §1.4 row 10 (cookie path only), before verification.
            if client_uat.is_some_and(|uat| (iat as f64) < uat) {
                return signed_out(Some("session-token-iat-before-client-uat"));
            }
            if i == EXPIRED {
                // §2.10 without a refresh: GET → no refresh cookie, else non-GET.
                return signed_out(Some(if post {
                    "session-token-expired-refresh-non-eligible-non-get"
                } else {
                    "session-token-expired-refresh-non-eligible-no-refresh-cookie"
                }));
            }
            Outcome::SignedIn {
                user: USERS[i],
                carrier,
            }
        }
        None if token.iter().filter(|&&b| b == b'.').count() != 2 => {
            signed_out(Some("token-invalid"))
        }
        // §1.4 row 10 runs on any decodable token, before its signature is checked.
        None if client_uat.is_some_and(|uat| decoded_iat(token).is_some_and(|iat| iat < uat)) => {
            signed_out(Some("session-token-iat-before-client-uat"))
        }
        None => signed_out(None),
    }
}

/// The payload of a three-part token whose header and payload are base64url JSON objects
/// and whose signature is base64url (§2.1 step 1; canonical base64url, which every decoder
/// accepts).
pub(crate) fn decoded_payload(token: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let mut parts = token.split(|&b| b == b'.');
    let object = |part: Option<&[u8]>| {
        let json = URL_SAFE_NO_PAD.decode(part?).ok()?;
        match serde_json::from_slice(&json).ok()? {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        }
    };
    object(parts.next())?;
    let payload = object(parts.next())?;
    URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    parts.next().is_none().then_some(payload)
}

pub(crate) fn decoded_iat(token: &[u8]) -> Option<f64> {
    decoded_payload(token)?.get("iat")?.as_f64()
}

/// `usesSuffixedCookies()` of `@clerk/backend` 3.25 (`AuthenticateContext`), on the cookies
/// this generator makes (issuers are strings or absent, `iat`/`exp` numbers). `getCookie`
/// reads an empty cookie as absent. The instance is a development one, at T0.
pub(crate) fn model_uses_suffixed(fx: &Fixture, cookies: &[Vec<u8>], suffix: &str) -> bool {
    let get = |name: String| model_cookie(cookies, name.as_bytes()).filter(|v| !v.is_empty());
    let suffixed_uat = get(format!("__client_uat_{suffix}"));
    let uat = get("__client_uat".to_owned());
    let suffixed_session = get(format!("__session_{suffix}")).unwrap_or_default();
    let session = get("__session".to_owned()).unwrap_or_default();
    let claim = |token: &[u8], name: &str| decoded_payload(token)?.get(name).cloned();
    if !session.is_empty() {
        // `tokenHasIssuer`, then `tokenBelongsToInstance` (`iss` without `https://`).
        let iss = claim(&session, "iss");
        let iss = iss
            .as_ref()
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty());
        let Some(iss) = iss else {
            return false;
        };
        if iss.strip_prefix("https://") != Some(fx.frontend_api.as_str()) {
            return true;
        }
    }
    if suffixed_uat.is_none() && suffixed_session.is_empty() {
        return false;
    }
    let iat = |token: &[u8]| claim(token, "iat").and_then(|v| v.as_f64()).unwrap_or(0.0);
    let zero = |v: &Option<Vec<u8>>| v.as_deref() == Some(b"0");
    if !zero(&suffixed_uat) && !zero(&uat) && iat(&session) > iat(&suffixed_session) {
        return false;
    }
    if zero(&suffixed_uat) && !zero(&uat) {
        return false;
    }
    // Development instance: a suffixed token expired at T0 with a plain `__client_uat=0`.
    let expired = claim(&suffixed_session, "exp")
        .and_then(|v| v.as_f64())
        .is_some_and(|exp| exp <= T0 as f64);
    if !zero(&suffixed_uat) && zero(&uat) && expired {
        return false;
    }
    if suffixed_uat.is_none() && !suffixed_session.is_empty() {
        return false;
    }
    true
}

/// §1.3 and §1.4.
pub(crate) fn model_outcome(
    fx: &Fixture,
    authorization: Option<&[u8]>,
    cookies: &[Vec<u8>],
    suffix: Option<&str>,
    post: bool,
) -> Outcome {
    if let Some(token) = authorization.and_then(model_header_token) {
        return model_token(fx, &token, TokenCarrier::Header, None, post);
    }
    // §1.1, §1.4: both cookies from one family, suffixed or plain, as Clerk chooses it
    // (only the plain one without a publishable key).
    let family = match suffix {
        Some(s) if model_uses_suffixed(fx, cookies, s) => format!("_{s}"),
        _ => String::new(),
    };
    let read = |name: &str| model_cookie(cookies, format!("{name}{family}").as_bytes());
    let session = read("__session").filter(|s| !s.is_empty());
    let uat = read("__client_uat").map_or(0.0, |v| parse_int(&v));
    let ladder = |reason| Outcome::SignedOut {
        reason: Some(reason),
        carrier: None,
    };
    match (session, uat != 0.0) {
        (None, false) => ladder("session-token-and-uat-missing"),
        (Some(_), false) => ladder("session-token-but-no-client-uat"),
        (None, true) => ladder("client-uat-but-no-session-token"),
        (Some(token), true) => model_token(fx, &token, TokenCarrier::Cookie, Some(uat), post),
    }
}
