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
/// space into at most two fields. One field is the token itself (the scheme is optional);
/// `Bearer <token>` gives the token (any further field is ignored); `Bearer` followed by an
/// empty field gives the literal `Bearer` (which then fails as `token-invalid`); any other
/// scheme, including lower-case `bearer`, means no header token.
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
    if value.is_empty() {
        return None;
    }
    match value.split_once(' ') {
        None => Some(value),
        Some((scheme, rest)) => {
            if scheme != "Bearer" {
                return None;
            }
            let token = rest.split(' ').next().unwrap_or_default();
            Some(if token.is_empty() { scheme } else { token })
        }
    }
}

/// The header token of a request, if any (the first `Authorization` header).
pub fn header_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?;
    // A value with bytes outside visible ASCII cannot hold a JWT; it is still a header
    // token (so cookies are ignored, as in JavaScript) and fails verification.
    match value.to_str() {
        Ok(v) => token_from_authorization(v),
        Err(_) => (!value.is_empty()).then_some("\u{fffd}"),
    }
}

/// Looks up a cookie the way the `cookie` package does: pairs split on `;`, the name and
/// value trimmed, surrounding double quotes removed, percent-decoding when the value has a
/// `%` (kept verbatim if it does not decode), and the first occurrence of a name wins. All
/// `Cookie` headers of the request are read, in order.
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
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            let Some((key, val)) = pair.split_once('=') else {
                continue;
            };
            if key.trim() != name {
                continue;
            }
            let mut val = val.trim();
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

/// `decodeURIComponent`: `None` when an escape is malformed or the bytes are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
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
    }
}
