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

    /// What `authenticateRequest` treats as a machine token rather than a session:
    /// an `mch_` subject, an OAuth access-token `typ`, or a non-session category.
    pub(crate) fn looks_like_machine_or_other_token(&self) -> bool {
        let machine_sub = self
            .payload
            .get("sub")
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with("mch_"));
        let oauth_typ = matches!(
            self.header_str("typ"),
            Some("at+jwt" | "application/at+jwt")
        );
        machine_sub || oauth_typ || !self.has_session_category()
    }
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
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'.')
        .map(|(i, _)| i)
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
        // `JSON.parse` turns 1e400 into Infinity; serde_json refuses it. Clamp such numbers
        // so the claim checks (not the parser) decide, as they do in JavaScript.
        Err(e) if e.to_string().starts_with("number out of range") => {
            serde_json::from_str(&clamp_huge_numbers(text)?).ok()?
        }
        Err(_) => return None,
    };
    match value {
        Value::Object(map) => Some(map),
        Value::Null => None,
        _ => Some(Map::new()),
    }
}

/// Rewrites every JSON number outside strings that overflows `f64` as ±1.7976931348623157e308.
fn clamp_huge_numbers(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.push(chars.next()?.1),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '-' || c.is_ascii_digit() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                    end = j + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            let number = &text[i..end];
            match number.parse::<f64>() {
                Ok(v) if v.is_infinite() => out.push_str(if v > 0.0 {
                    "1.7976931348623157e308"
                } else {
                    "-1.7976931348623157e308"
                }),
                _ => out.push_str(number),
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
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
                decode(token).unwrap_err().kind(),
                Reason::TokenInvalid,
                "{token}"
            );
        }
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(decode(&huge).unwrap_err().kind(), Reason::TokenInvalid);
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
    fn duplicate_keys_last_wins_and_bom_is_skipped() {
        let token = format!("{}.{}.", seg("\u{feff}{\"a\":1,\"a\":2}"), seg("{}"));
        assert_eq!(decode(&token).unwrap().header["a"], 2);
    }
}
