//! `cookie`: see the function's documentation for the input format and the invariants.

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

use super::authorization_header::authenticate;
use super::fixture;
use crate::request::{AuthErrorReason, RequestState};
use crate::token::extract::{self, TokenCarrier};

/// `decodeURIComponent`, or `None` where it throws: every `%` followed by two hex digits,
/// and the bytes UTF-8.
fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = |b: u8| (b as char).to_digit(16);
        let hi = hex(*bytes.get(i + 1)?)?;
        let lo = hex(*bytes.get(i + 2)?)?;
        out.push((hi * 16 + lo) as u8);
        i += 3;
    }
    String::from_utf8(out).ok()
}

/// Header bytes as Node.js's HTTP parser reads them: one Latin-1 character per byte.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `cookie@1.1.1`'s `parse` (the copy `@clerk/backend` 3.25 bundles), step for step, on
/// the `Cookie` headers as Node.js hands them on: Latin-1, joined with `; `. Then
/// `.get(name)`. Quotes are part of the value.
fn cookie_model(values: &[String], name: &str) -> Option<String> {
    let str: Vec<char> = values.join("; ").chars().collect();
    let len = str.len();
    if len < 2 {
        return None;
    }
    let index_of =
        |c: char, from: usize| str[from..].iter().position(|&x| x == c).map(|i| from + i);
    // `valueSlice`: trimmed of spaces and tabs only.
    let slice = |min: usize, max: usize| {
        let (mut start, mut end) = (min, max);
        while start < end && matches!(str[start], ' ' | '\t') {
            start += 1;
        }
        while end > start && matches!(str[end - 1], ' ' | '\t') {
            end -= 1;
        }
        str[start..end].iter().collect::<String>()
    };
    let mut index = 0;
    let mut found: Option<String> = None;
    while index < len {
        let end = index_of(';', index).unwrap_or(len);
        let Some(eq) = index_of('=', index).filter(|&eq| eq < len) else {
            break;
        };
        if eq > end {
            // A part without `=`: on to the part that holds the next `=`.
            index = str[..eq]
                .iter()
                .rposition(|&c| c == ';')
                .map_or(0, |i| i + 1);
            continue;
        }
        if found.is_none() && slice(index, eq) == name {
            let raw = slice(eq + 1, end);
            found = Some(if raw.contains('%') {
                decode_uri_component(&raw).unwrap_or(raw)
            } else {
                raw
            });
        }
        index = end + 1;
    }
    found
}

/// A cookie family's session and `__client_uat` cookies, when present and non-empty.
type Family = (Option<String>, Option<String>);

/// `cookie`: `Cookie` header values separated by `\0` (up to four headers), no
/// `Authorization`.
///
/// Invariants: every cookie lookup equals the model of the `cookie@1.1.1` parse Clerk
/// bundles, on the bytes read as Latin-1 (with a `decodeURIComponent` written
/// independently); any text percent-encoded into a cookie
/// decodes back to itself; a request is signed in only by the `__session` token of one
/// family (suffixed or plain) with that family's `__client_uat`, and the signed-out reasons
/// of the `__client_uat` ladder match the cookies of one family; decisions are deterministic (cache hit); messages never quote the token.
pub fn cookie(data: &[u8]) {
    let fx = fixture();
    let mut headers = HeaderMap::new();
    let mut texts = Vec::new();
    for part in data.split(|b| *b == 0).take(4) {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            texts.push(latin1(part));
            headers.append(COOKIE, value);
        }
    }
    let names = [
        "__session",
        "__client_uat",
        fx.suffixed_session.as_str(),
        fx.suffixed_uat.as_str(),
        "a",
        "",
    ];
    for name in names {
        assert_eq!(
            extract::cookie(&headers, name),
            cookie_model(&texts, name),
            "cookie {name:?} in {texts:?}"
        );
    }

    // Percent-encoding round trip.
    let text = String::from_utf8_lossy(data);
    let encoded: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut single = HeaderMap::new();
    single.insert(
        COOKIE,
        HeaderValue::from_str(&format!("x=1; __session={encoded}")).expect("ASCII"),
    );
    assert_eq!(
        extract::cookie(&single, "__session").as_deref(),
        Some(&*text),
        "percent-encoded text did not decode back"
    );

    // The request. Clerk reads both cookies from one family, suffixed or plain (spec §1.4):
    // whichever it chose, the outcome must be explained by one family alone.
    let families: [Family; 2] = [
        ("__session", "__client_uat"),
        (fx.suffixed_session.as_str(), fx.suffixed_uat.as_str()),
    ]
    .map(|(session, uat)| {
        (
            extract::cookie(&headers, session).filter(|s| !s.is_empty()),
            extract::cookie(&headers, uat).filter(|s| !s.is_empty()),
        )
    });
    let tokens: Vec<&str> = families
        .iter()
        .filter_map(|(session, _)| session.as_deref())
        .collect();
    let state = authenticate(&headers, &tokens);
    let some_family = |f: &dyn Fn(&Family) -> bool| families.iter().any(f);
    match &state {
        RequestState::Handshake(h) => panic!("authenticate_headers answered a handshake: {h:?}"),
        RequestState::SignedIn {
            session,
            token_carrier,
            ..
        } => {
            assert_eq!(*token_carrier, TokenCarrier::Cookie);
            assert!(
                some_family(&|(s, uat)| s.as_deref() == Some(session.token()) && uat.is_some()),
                "signed in without the token and a __client_uat of one family"
            );
        }
        RequestState::SignedOut(s) => {
            assert_ne!(s.token_carrier, Some(TokenCarrier::Header));
            match s.reason {
                AuthErrorReason::SessionTokenAndUatMissing
                | AuthErrorReason::ClientUatButNoSessionToken => {
                    assert!(some_family(&|(s, _)| s.is_none()), "{s:?}")
                }
                AuthErrorReason::SessionTokenButNoClientUat => {
                    assert!(some_family(&|(s, _)| s.is_some()), "{s:?}")
                }
                _ => {
                    assert!(
                        some_family(&|(s, uat)| s.is_some() && uat.is_some()),
                        "{s:?}"
                    );
                    assert_eq!(s.token_carrier, Some(TokenCarrier::Cookie));
                }
            }
        }
    }
}
