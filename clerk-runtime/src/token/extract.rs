//! Where a request carries its session token (spec §1): the `Authorization` header, parsed
//! exactly as `@clerk/backend` does, and the `__session` cookie family.

use http::header::{AUTHORIZATION, COOKIE};
use http::HeaderMap;

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

/// Looks up a cookie the way the `cookie` package does: pairs split on `;`, the name and
/// value trimmed of spaces and tabs (HTTP's whitespace; not of other Unicode whitespace,
/// which JavaScript, reading the bytes as Latin-1, does not see as such), surrounding double
/// quotes removed, percent-decoding when the value has a `%` (kept verbatim if it does not
/// decode), and the first occurrence of a name wins. All `Cookie` headers of the request
/// are read, in order.
///
/// ```
/// use http::HeaderMap;
/// use clerk_runtime::token::extract::cookie;
/// let mut headers = HeaderMap::new();
/// headers.insert("cookie", "a=1; __session=\"tok\"; a=2".parse().unwrap());
/// assert_eq!(cookie(&headers, "__session").as_deref(), Some("tok"));
/// assert_eq!(cookie(&headers, "a").as_deref(), Some("1"));
/// ```
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    for value in headers.get_all(COOKIE) {
        // Bytes outside visible ASCII (a non-ASCII value of another cookie) do not hide the
        // other pairs of the header: JavaScript reads them as Latin-1 and parses on.
        let value = String::from_utf8_lossy(value.as_bytes());
        for pair in value.split(';') {
            let Some((key, val)) = pair.split_once('=') else {
                continue;
            };
            if trim_ows(key) != name {
                continue;
            }
            let mut val = trim_ows(val);
            if val.len() >= 2 && val.starts_with('"') && val.ends_with('"') {
                val = &val[1..val.len() - 1];
            }
            return Some(if val.contains('%') {
                percent_decode(val).unwrap_or_else(|| val.to_owned())
            } else {
                val.to_owned()
            });
        }
    }
    None
}

/// Without leading and trailing spaces and tabs (the `cookie` package's trimming).
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `decodeURIComponent`: `None` when an escape is malformed or the bytes are not UTF-8.
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
    fn cookies_quotes_percent_and_first_wins() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, "x=%E2%82%AC; y=%ZZ; z".parse().unwrap());
        h.append(COOKIE, "x=second; w = spaced ".parse().unwrap());
        assert_eq!(cookie(&h, "x").as_deref(), Some("€"));
        assert_eq!(cookie(&h, "y").as_deref(), Some("%ZZ"));
        assert_eq!(cookie(&h, "z"), None);
        assert_eq!(cookie(&h, "w").as_deref(), Some("spaced"));
        // Only spaces and tabs are trimmed (a UTF-8 no-break space is not whitespace to
        // JavaScript, which reads the bytes as Latin-1).
        let mut h = HeaderMap::new();
        h.append(COOKIE, "\u{a0}a=1; b=\t2\u{a0}".parse().unwrap());
        assert_eq!(cookie(&h, "a"), None);
        assert_eq!(cookie(&h, "b").as_deref(), Some("2\u{a0}"));
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
