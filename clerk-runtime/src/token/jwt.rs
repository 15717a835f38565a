//! Splitting and decoding a compact JWS, as `decodeJwt` in `@clerk/backend` does.

use serde_json::{Map, Value};

use super::b64;
use super::error::{TokenVerificationError, TokenVerificationErrorReason as Reason};

/// Tokens longer than this many bytes are refused as `token-invalid` before any decoding.
///
/// Clerk session tokens are a few hundred bytes to about 2 KiB, and browsers cap a cookie
/// at 4 KiB; 16 KiB leaves room for generous custom claims while bounding the work an
/// attacker can cause.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JWT session category, the "ignore" marker, and the M2M category (`cat` header).
pub(crate) const CAT_SESSION: &str = "cl_B7d4PD111AAA";
pub(crate) const CAT_IGNORE: &str = "cl_I7d4PD111III";
pub(crate) const CAT_M2M: &str = "cl_B7d4PD333AAA";

/// A structurally valid JWT, not yet verified.
#[derive(Debug)]
pub(crate) struct DecodedJwt<'t> {
    /// `rawHeader.rawPayload`: the bytes the signature covers.
    pub signing_input: &'t [u8],
    pub header: Map<String, Value>,
    pub payload: Map<String, Value>,
    pub signature: Vec<u8>,
}

impl DecodedJwt<'_> {
    pub(crate) fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// Whether `cat` is absent or marks a session token.
    pub(crate) fn has_session_category(&self) -> bool {
        match self.header.get("cat") {
            None => true,
            Some(Value::String(c)) => c == CAT_SESSION || c == CAT_IGNORE,
            Some(_) => false,
        }
    }
}

/// What `authenticateRequest` treats as a machine token rather than a session: an `mch_`
/// subject, an OAuth access-token `typ`, or a non-session category. Without a header (a
/// cached token, whose header passed the session checks) only the subject is looked at.
pub(crate) fn looks_like_machine_or_other_token(
    header: Option<&Map<String, Value>>,
    payload: &Map<String, Value>,
) -> bool {
    let machine_sub = payload
        .get("sub")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("mch_"));
    let Some(header) = header else {
        return machine_sub;
    };
    let oauth_typ = matches!(
        header.get("typ").and_then(Value::as_str),
        Some("at+jwt" | "application/at+jwt")
    );
    let session_category = match header.get("cat") {
        None => true,
        Some(Value::String(c)) => c == CAT_SESSION || c == CAT_IGNORE,
        Some(_) => false,
    };
    machine_sub || oauth_typ || !session_category
}

fn invalid(message: &'static str) -> TokenVerificationError {
    TokenVerificationError::new(Reason::TokenInvalid, message)
}

/// Step 1 of verification: three segments, each decodable; header and payload JSON.
pub(crate) fn decode(token: &str) -> Result<DecodedJwt<'_>, TokenVerificationError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid("Token is larger than the accepted maximum size."));
    }
    let bytes = token.as_bytes();
    let mut dots = memchr_dots(bytes);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(invalid(
            "Invalid JWT form. A JWT consists of three parts separated by dots.",
        ));
    };
    let (raw_header, raw_payload, raw_signature) = (
        &bytes[..first],
        &bytes[first + 1..second],
        &bytes[second + 1..],
    );

    let header = decode_json_segment(raw_header)
        .ok_or_else(|| invalid("The JWT header is not base64url-encoded JSON."))?;
    let payload = decode_json_segment(raw_payload)
        .ok_or_else(|| invalid("The JWT payload is not base64url-encoded JSON."))?;
    let signature = b64::decode_loose(raw_signature)
        .ok_or_else(|| invalid("The JWT signature is not base64url-encoded."))?;

    Ok(DecodedJwt {
        signing_input: &bytes[..second],
        header,
        payload,
        signature,
    })
}

fn memchr_dots(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'.', bytes)
}

/// base64url → UTF-8 (lossy, as `TextDecoder`) → JSON. A JSON value that is not an object
/// reads as an object without properties (as property access on it does in JavaScript);
/// `null` cannot be read at all and fails.
fn decode_json_segment(raw: &[u8]) -> Option<Map<String, Value>> {
    let bytes = b64::decode_loose(raw)?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        // `JSON.parse` accepts two things serde_json refuses: numbers beyond `f64` (1e400
        // is Infinity) and lone UTF-16 surrogate escapes (`"\ud800"`). Rewrite exactly
        // those and parse again, so the claim checks (not the parser) decide, as they do in
        // JavaScript. Text that is not JSON stays not JSON.
        Err(_) => serde_json::from_str(&js_json_compat(text)?).ok()?,
    };
    match value {
        Value::Object(map) => Some(map),
        Value::Null => None,
        _ => Some(Map::new()),
    }
}

/// Rewrites, outside strings, every JSON number (exact JSON grammar) that overflows `f64` as
/// ±1.7976931348623157e308 and, inside strings, every unpaired surrogate escape as
/// `\ufffd`. Returns `None` when nothing needed rewriting.
fn js_json_compat(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut in_string = false;
    let mut copied = 0; // bytes[..copied] are in `out` already
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            match c {
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                    let Some(n) = hex4(bytes, i + 2) else {
                        i += 2; // not a valid escape: the parser will refuse it
                        continue;
                    };
                    let paired = (0xD800..=0xDBFF).contains(&n)
                        && bytes.get(i + 6) == Some(&b'\\')
                        && bytes.get(i + 7) == Some(&b'u')
                        && hex4(bytes, i + 8).is_some_and(|m| (0xDC00..=0xDFFF).contains(&m));
                    if paired {
                        i += 12;
                    } else if (0xD800..=0xDFFF).contains(&n) {
                        out.push_str(&text[copied..i]);
                        out.push_str("\\ufffd");
                        changed = true;
                        i += 6;
                        copied = i;
                    } else {
                        i += 6;
                    }
                }
                b'\\' => i += 2,
                _ => i += 1,
            }
        } else if c == b'"' {
            in_string = true;
            i += 1;
        } else if c == b'-' || c.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
            {
                i += 1;
            }
            let number = &text[start..i];
            if is_json_number(number) {
                if let Ok(v) = number.parse::<f64>() {
                    if v.is_infinite() {
                        out.push_str(&text[copied..start]);
                        out.push_str(if v > 0.0 {
                            "1.7976931348623157e308"
                        } else {
                            "-1.7976931348623157e308"
                        });
                        changed = true;
                        copied = i;
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Four hex digits at `at`, as a code unit.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// Whether `s` is exactly a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(json: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn splits_and_decodes() {
        let token = format!(
            "{}.{}.{}",
            seg(r#"{"alg":"RS256"}"#),
            seg(r#"{"sub":"u"}"#),
            "AAAA"
        );
        let d = decode(&token).unwrap();
        assert_eq!(d.header_str("alg"), Some("RS256"));
        assert_eq!(d.payload["sub"], "u");
        assert_eq!(d.signature, vec![0, 0, 0]);
        assert_eq!(
            d.signing_input,
            token.rsplit_once('.').unwrap().0.as_bytes()
        );
    }

    #[test]
    fn wrong_shapes_are_token_invalid() {
        for token in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "...",
            "e30.e30.@",
            "bnVsbA.e30.",
            "e30.bnVsbA.",
            "e30.e30",
        ] {
            assert_eq!(
                decode(token).unwrap_err().code(),
                Reason::TokenInvalid,
                "{token}"
            );
        }
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(decode(&huge).unwrap_err().code(), Reason::TokenInvalid);
    }

    #[test]
    fn non_object_json_reads_as_empty_object() {
        let token = format!("{}.{}.", seg("\"abc\""), seg("[1,2]"));
        let d = decode(&token).unwrap();
        assert!(d.header.is_empty() && d.payload.is_empty());
    }

    #[test]
    fn overflowing_numbers_are_clamped_not_refused() {
        let token = format!(
            "{}.{}.",
            seg("{}"),
            seg(r#"{"exp":1e400,"s":"1e400","n":-2e999}"#)
        );
        let d = decode(&token).unwrap();
        assert_eq!(d.payload["exp"].as_f64(), Some(f64::MAX));
        assert_eq!(d.payload["n"].as_f64(), Some(f64::MIN));
        assert_eq!(d.payload["s"], "1e400");
    }

    #[test]
    fn invalid_numbers_are_not_repaired_into_valid_ones() {
        for payload in [
            r#"{"a":1e400,"b":01e400}"#,
            r#"{"a":1e400,"b":1.e400}"#,
            r#"{"a":1e400,"b":-01e999}"#,
        ] {
            let token = format!("{}.{}.", seg("{}"), seg(payload));
            assert!(decode(&token).is_err(), "{payload}");
        }
    }

    #[test]
    fn lone_surrogate_escapes_are_read_as_json_parse_reads_them() {
        let token = format!(
            "{}.{}.",
            seg("{}"),
            seg(r#"{"a":"\ud800","b":"x\udc00","c":"\ud800\n","d":"\ud83d\ude00","e":"1e400"}"#)
        );
        let d = decode(&token).unwrap();
        assert_eq!(d.payload["a"], "\u{fffd}");
        assert_eq!(d.payload["b"], "x\u{fffd}");
        assert_eq!(d.payload["c"], "\u{fffd}\n");
        assert_eq!(d.payload["d"], "\u{1f600}");
        assert_eq!(d.payload["e"], "1e400");
        assert!(js_json_compat(r#"{"a":"\\ud800"}"#).is_none());
    }

    #[test]
    fn duplicate_keys_last_wins_and_bom_is_skipped() {
        let token = format!("{}.{}.", seg("\u{feff}{\"a\":1,\"a\":2}"), seg("{}"));
        assert_eq!(decode(&token).unwrap().header["a"], 2);
    }
}
