//! Where a request carries its session token (spec §1): the `Authorization` header, parsed
//! exactly as `@clerk/backend` does, and the `__session` cookie family.

use std::borrow::Cow;

use http::header::{AUTHORIZATION, COOKIE};
use http::HeaderMap;
use serde_json::Value;

use super::js_value;
use super::jwt;

/// Which part of the request a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenCarrier {
    /// The `Authorization` header.
    Header,
    /// The `__session` cookie.
    Cookie,
}

impl TokenCarrier {
    /// `header` or `cookie`, as in Clerk's `x-clerk-auth-message`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// The token in an `Authorization` value, per `@clerk/backend`: the value is split on a
/// space into at most two fields (`split(' ', 2)`). When the second field is missing or
/// empty, the first field is the token (so the scheme is optional, and `Bearer` alone, or
/// `Bearer` followed by two spaces, gives the literal `Bearer`, which then fails as
/// `token-invalid`; the same holds for any other single word such as `Basic `). Otherwise
/// `Bearer <token>` gives the token (any further field is ignored) and any other scheme,
/// including lower-case `bearer`, means no header token.
///
/// ```
/// use clerk_runtime::token::extract::token_from_authorization;
/// assert_eq!(token_from_authorization("Bearer abc"), Some("abc"));
/// assert_eq!(token_from_authorization("abc"), Some("abc"));
/// assert_eq!(token_from_authorization("bearer abc"), None);
/// assert_eq!(token_from_authorization("Bearer  abc"), Some("Bearer"));
/// assert_eq!(token_from_authorization(""), None);
/// ```
pub fn token_from_authorization(value: &str) -> Option<&str> {
    let (start, end) = split_authorization(value.as_bytes())?;
    Some(&value[start..end])
}

/// JavaScript's `const [scheme, token] = value.split(' ', 2)` followed by
/// `parseAuthorizationHeader`, on bytes: the byte range of the header token, if any.
/// Fields are cut at ASCII spaces only, so every range lies on character boundaries.
fn split_authorization(value: &[u8]) -> Option<(usize, usize)> {
    let first_end = memchr::memchr(b' ', value).unwrap_or(value.len());
    let second = if first_end < value.len() {
        let start = first_end + 1;
        let end = memchr::memchr(b' ', &value[start..]).map_or(value.len(), |i| start + i);
        (start, end)
    } else {
        (value.len(), value.len())
    };
    if second.0 == second.1 {
        // No (or an empty) second field: the first field is the token; empty means none.
        return (first_end > 0).then_some((0, first_end));
    }
    (&value[..first_end] == b"Bearer").then_some(second)
}

/// The header token of a request, if any (the first `Authorization` header).
pub fn header_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?;
    // Fields are split on the raw bytes: JavaScript reads bytes outside visible ASCII as
    // Latin-1 and parses the fields all the same, so another scheme still falls through to
    // the cookies and the token of `Bearer <token> <anything>` is still used. A token
    // holding such bytes cannot be a JWT; it is still a header token (cookies are ignored)
    // and fails as `token-invalid`.
    let bytes = value.as_bytes();
    let (start, end) = split_authorization(bytes)?;
    let token = &bytes[start..end];
    match std::str::from_utf8(token) {
        Ok(t) if is_visible_ascii(token) => Some(t),
        _ => Some("\u{fffd}"),
    }
}

/// Whether every byte is visible ASCII (`!` to `~`). Written without an early exit so that
/// the compiler vectorises it: it runs over every header token of every request.
fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(b'!') <= b'~' - b'!'))
}

/// Looks up a cookie the way `@clerk/backend` 3.25 does, with the `cookie@1.1.1` `parse`
/// it bundles: pairs split on `;`, a part without `=` skipped, the name and value trimmed
/// of spaces and tabs only, a value with a `%` percent-decoded as `decodeURIComponent`
/// does (kept verbatim when that throws), and the first occurrence of a name wins.
/// Double quotes are part of the value (`cookie` 1.x no longer strips them).
///
/// The header's bytes are read as Latin-1, one character per byte, as Node.js's HTTP
/// parser reads them before any framework builds the `Request` Clerk sees; several
/// `Cookie` headers are read in order, as Node.js joins them with `; `.
///
/// ```
/// use http::HeaderMap;
/// use clerk_runtime::token::extract::cookie;
/// let mut headers = HeaderMap::new();
/// headers.insert("cookie", "a=1; __session=\"tok\"; b=%E2%82%AC; a=2".parse().unwrap());
/// assert_eq!(cookie(&headers, "__session").as_deref(), Some("\"tok\""));
/// assert_eq!(cookie(&headers, "a").as_deref(), Some("1"));
/// assert_eq!(cookie(&headers, "b").as_deref(), Some("€"));
/// ```
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let values = headers.get_all(COOKIE);
    // `parse` reads nothing from a (joined) header under two characters, such as `=`.
    if values.iter().map(|v| v.len() + 2).sum::<usize>() < 4 {
        return None;
    }
    for value in values {
        let value = latin1(value.as_bytes());
        for pair in value.split(';') {
            let Some((key, val)) = pair.split_once('=') else {
                continue;
            };
            if trim_ows(key) != name {
                continue;
            }
            let val = trim_ows(val);
            return Some(if val.contains('%') {
                percent_decode(val).unwrap_or_else(|| val.to_owned())
            } else {
                val.to_owned()
            });
        }
    }
    None
}

/// Header bytes as Node.js reads them: Latin-1, byte `b` is the character `U+00b`.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// An instance's suffixed cookies (`__session_<suffix>`, `__client_uat_<suffix>`, from its
/// publishable key) and what Clerk compares to choose between them and the plain ones.
#[derive(Debug, Clone)]
pub(crate) struct CookieFamily {
    pub session: String,
    pub client_uat: String,
    /// The suffix itself (`__clerk_db_jwt_<suffix>`, `__refresh_<suffix>`).
    pub suffix: String,
    /// The Frontend API host of the publishable key (`clerk.example.com`).
    pub frontend_api: String,
    pub production: bool,
}

/// The session token and `__client_uat` of a request, both from one cookie family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionCookies {
    /// The session cookie, when non-empty.
    pub session: Option<String>,
    /// The `__client_uat` cookie as sent (parsed by the caller), when non-empty.
    pub client_uat: Option<String>,
}

/// The session cookies of a request, as `@clerk/backend` reads them
/// (`AuthenticateContext.initCookieValues`): both from the suffixed family or both from the
/// plain one, never one of each, as [`uses_suffixed_cookies`] decides. Without a
/// publishable key (`family` is `None`) only the plain cookies exist. `now_secs` is the
/// current Unix time.
pub(crate) fn session_cookies(
    headers: &HeaderMap,
    family: Option<&CookieFamily>,
    now_secs: i64,
) -> SessionCookies {
    let get = |name: &str| cookie(headers, name).filter(|v| !v.is_empty());
    let (session, client_uat) = match family {
        Some(f) if uses_suffixed_cookies(headers, f, now_secs) => {
            (f.session.as_str(), f.client_uat.as_str())
        }
        _ => ("__session", "__client_uat"),
    };
    SessionCookies {
        session: get(session),
        client_uat: get(client_uat),
    }
}

/// `AuthenticateContext.usesSuffixedCookies()` of `@clerk/backend` 3.25, step for step.
/// The claims it reads (`iss`, `iat`, `exp`) are not verified yet: they only choose which
/// family is verified.
pub(crate) fn uses_suffixed_cookies(
    headers: &HeaderMap,
    family: &CookieFamily,
    now_secs: i64,
) -> bool {
    let get = |name: &str| cookie(headers, name).filter(|v| !v.is_empty());
    let suffixed_client_uat = get(&family.client_uat);
    let client_uat = get("__client_uat");
    let suffixed_session = get(&family.session).unwrap_or_default();
    let session = get("__session").unwrap_or_default();
    let session_payload = payload(&session);
    let suffixed_payload = payload(&suffixed_session);

    if !session.is_empty() {
        let iss = session_payload.as_ref().and_then(|p| p.get("iss"));
        // `tokenHasIssuer`: a plain token without an issuer is not Clerk's: plain family.
        if !iss.is_some_and(js_value::truthy) {
            return false;
        }
        // `tokenBelongsToInstance`: one of another instance leaves the suffixed family.
        let belongs = match iss {
            Some(Value::String(iss)) => strip_http_schemes(iss) == family.frontend_api,
            _ => false,
        };
        if !belongs {
            return true;
        }
    }
    if suffixed_client_uat.is_none() && suffixed_session.is_empty() {
        return false;
    }
    // `payload.iat || 0`, compared as JavaScript compares (the claims are not verified).
    let iat = |payload: &Option<serde_json::Map<String, Value>>| {
        payload
            .as_ref()
            .and_then(|p| p.get("iat"))
            .filter(|v| js_value::truthy(v))
            .cloned()
            .unwrap_or(Value::from(0))
    };
    let suffixed_uat_is_zero = suffixed_client_uat.as_deref() == Some("0");
    let uat_is_zero = client_uat.as_deref() == Some("0");
    if !suffixed_uat_is_zero
        && !uat_is_zero
        && js_value::greater_than(&iat(&session_payload), &iat(&suffixed_payload))
    {
        return false;
    }
    if suffixed_uat_is_zero && !uat_is_zero {
        return false;
    }
    if !family.production {
        // `sessionExpired`: `exp <= Date.now() / 1e3 >> 0`, of a decodable token.
        let suffixed_expired = suffixed_payload.as_ref().is_some_and(|p| {
            let exp = js_value::to_number(p.get("exp").unwrap_or(&Value::Null));
            let missing = p.get("exp").is_none();
            !missing && exp <= f64::from(now_secs as i32)
        });
        if !suffixed_uat_is_zero && uat_is_zero && suffixed_expired {
            return false;
        }
    }
    if suffixed_client_uat.is_none() && !suffixed_session.is_empty() {
        return false;
    }
    true
}

/// The payload of a token that decodes as `decodeJwt` decodes it, else `None`.
fn payload(token: &str) -> Option<serde_json::Map<String, Value>> {
    if token.is_empty() {
        return None;
    }
    jwt::decode(token).ok().map(|decoded| decoded.payload)
}

/// `iss.replace(/https?:\/\//gi, "")`: every `http://` and `https://`, in any case, removed.
fn strip_http_schemes(iss: &str) -> String {
    let mut out = String::with_capacity(iss.len());
    let mut rest = iss;
    while !rest.is_empty() {
        let lower = rest.get(..8).map(str::to_ascii_lowercase);
        let skip = if lower.as_deref() == Some("https://") {
            8
        } else if rest.get(..7).map(str::to_ascii_lowercase).as_deref() == Some("http://") {
            7
        } else {
            0
        };
        if skip > 0 {
            rest = &rest[skip..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Without leading and trailing spaces and tabs (the `cookie` package's trimming).
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `decodeURIComponent`: `None` when an escape is malformed or the bytes are not UTF-8.
/// Characters that are not escapes are kept: a Latin-1 character (two UTF-8 bytes, the
/// first a lead byte) can never complete a sequence that escapes began, in JavaScript as here.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            // Two hex digits exactly: `from_str_radix` alone would take `%+1` as 0x01, where
            // `decodeURIComponent` throws (found by fuzzing, fuzz/regressions/cookie/).
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn authorization_table_of_the_spec() {
        assert_eq!(token_from_authorization("Bearer a.b.c"), Some("a.b.c"));
        assert_eq!(token_from_authorization("a.b.c"), Some("a.b.c"));
        assert_eq!(
            token_from_authorization("Bearer a.b.c extra"),
            Some("a.b.c")
        );
        assert_eq!(token_from_authorization("bearer a.b.c"), None);
        assert_eq!(token_from_authorization("Basic abc"), None);
        assert_eq!(token_from_authorization("Bearer"), Some("Bearer"));
        assert_eq!(token_from_authorization("Bearer  a.b.c"), Some("Bearer"));
        assert_eq!(token_from_authorization("Bearer "), Some("Bearer"));
        assert_eq!(token_from_authorization(" a.b.c"), None);
        assert_eq!(token_from_authorization(""), None);
    }

    #[test]
    fn cookies_percent_first_wins_and_quotes_kept() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, "x=%E2%82%AC; y=%ZZ; z; q=\"v\"".parse().unwrap());
        h.append(COOKIE, "x=second; w = spaced ; e=".parse().unwrap());
        assert_eq!(cookie(&h, "x").as_deref(), Some("€"));
        assert_eq!(cookie(&h, "y").as_deref(), Some("%ZZ"));
        assert_eq!(cookie(&h, "z"), None);
        assert_eq!(cookie(&h, "w").as_deref(), Some("spaced"));
        assert_eq!(cookie(&h, "e").as_deref(), Some(""));
        // `cookie@1.1.1` keeps double quotes (0.x stripped them).
        assert_eq!(cookie(&h, "q").as_deref(), Some("\"v\""));
        // Under two characters, `parse` reads nothing; `=` alone is not an empty name.
        let mut h = HeaderMap::new();
        h.append(COOKIE, "=".parse().unwrap());
        assert_eq!(cookie(&h, ""), None);
        h.append(COOKIE, "=".parse().unwrap());
        assert_eq!(cookie(&h, "").as_deref(), Some(""));
    }

    #[test]
    fn cookie_bytes_are_latin1_as_node_reads_them() {
        let mut h = HeaderMap::new();
        // A raw 0xA0 byte is U+00A0; the UTF-8 no-break space (C2 A0) is `Â` and U+00A0.
        // Only spaces and tabs are trimmed: both stay part of the value (and of the name).
        h.append(
            COOKIE,
            HeaderValue::from_bytes(b"\xa0a=1; b=\t2\xc2\xa0; c=\xa0\xe9%41").unwrap(),
        );
        assert_eq!(cookie(&h, "a"), None);
        assert_eq!(cookie(&h, "\u{a0}a").as_deref(), Some("1"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2\u{c2}\u{a0}"));
        // Escapes decode next to Latin-1 characters, which are kept.
        assert_eq!(cookie(&h, "c").as_deref(), Some("\u{a0}\u{e9}A"));
        // An escape sequence a Latin-1 character would have to complete throws in
        // `decodeURIComponent`: the value stays raw.
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_bytes(b"d=%C3\xe9").unwrap());
        assert_eq!(cookie(&h, "d").as_deref(), Some("%C3\u{e9}"));
    }

    #[test]
    fn issuers_lose_every_http_scheme_as_with_a_global_regex() {
        assert_eq!(
            strip_http_schemes("https://clerk.example.com"),
            "clerk.example.com"
        );
        assert_eq!(
            strip_http_schemes("HTTP://clerk.example.com"),
            "clerk.example.com"
        );
        assert_eq!(strip_http_schemes("https://https://a.b"), "a.b");
        // Left to right, without rescanning what a removal joins.
        assert_eq!(strip_http_schemes("hthttps://tps://a.b"), "https://a.b");
        assert_eq!(
            strip_http_schemes("clerk.example.com/https://"),
            "clerk.example.com/"
        );
        assert_eq!(strip_http_schemes("é https:/"), "é https:/");
    }

    #[test]
    fn visible_ascii_agrees_with_the_byte_by_byte_rule_on_every_byte() {
        for b in 0..=255u8 {
            for len in [1usize, 7, 8, 9, 31, 33, 900] {
                let mut v = vec![b'a'; len];
                v[len / 2] = b;
                assert_eq!(
                    is_visible_ascii(&v),
                    v.iter().all(u8::is_ascii_graphic),
                    "byte {b:#x}"
                );
            }
        }
        assert!(is_visible_ascii(b""));
    }
}
