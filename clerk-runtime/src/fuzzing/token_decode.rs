//! `token_decode`: see the function's documentation for the input format and the invariants.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::token::verify::check_header;
use crate::token::{b64, jwt, MAX_TOKEN_LEN};
use crate::token::{TokenVerificationError, TokenVerificationErrorReason as Reason};

/// `token_decode`: the JWT decoder (`decodeJwt`) and its base64url decoder, on any bytes
/// (read as UTF-8, lossily).
///
/// Invariants: the base64url decoder agrees with the `base64` crate configured as the
/// `rfc4648` package's loose mode; decoding is deterministic; only `token-invalid` is
/// returned; a decoded token has exactly three segments, its signing input is the first two
/// and its signature the third decoded; the header checks accept only RS256/384/512, typ
/// `JWT` and a session category; a decodable token grown past [`MAX_TOKEN_LEN`] is refused,
/// and grown to exactly the limit is not.
pub fn token_decode(data: &[u8]) {
    base64url_model(data);
    for segment in data.split(|b| *b == b'.') {
        base64url_model(segment);
    }
    let text = String::from_utf8_lossy(data);
    let token: &str = &text;
    let first = jwt::decode(token);
    assert_eq!(
        decoded_summary(&first),
        decoded_summary(&jwt::decode(token)),
        "decoding is not deterministic"
    );
    let decoded = match first {
        Ok(decoded) => decoded,
        Err(err) => {
            assert_eq!(err.code(), Reason::TokenInvalid, "{err:?}");
            return;
        }
    };
    assert!(token.len() <= MAX_TOKEN_LEN);
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "decoded a token without three segments");
    assert_eq!(
        decoded.signing_input,
        &token.as_bytes()[..segments[0].len() + 1 + segments[1].len()]
    );
    assert_eq!(
        Some(&decoded.signature),
        b64::decode_loose(segments[2].as_bytes()).as_ref()
    );
    jwt::looks_like_machine_or_other_token(Some(&decoded.header), &decoded.payload);
    jwt::looks_like_machine_or_other_token(None, &decoded.payload);
    if let Ok(rs256) = check_header(&decoded) {
        let alg = decoded.header_str("alg");
        assert!(matches!(alg, Some("RS256" | "RS384" | "RS512")), "{alg:?}");
        assert_eq!(rs256, alg == Some("RS256"));
        assert!(matches!(
            decoded.header.get("typ"),
            None | Some(Value::String(_))
        ));
        assert!(decoded.header.get("typ").is_none_or(|t| t == "JWT"));
        assert!(!decoded.header.contains_key("crit"));
        assert!(decoded.has_session_category());
    }

    // The size limit, and only it, refuses the same token grown past it: "AAAA" groups in
    // front of the signature keep it valid base64url.
    let room = MAX_TOKEN_LEN - token.len();
    let split = segments[0].len() + segments[1].len() + 2;
    let grown = |groups: usize| {
        let mut t = String::with_capacity(token.len() + groups * 4);
        t.push_str(&token[..split]);
        t.extend(std::iter::repeat_n("AAAA", groups));
        t.push_str(&token[split..]);
        t
    };
    let at_limit = grown(room / 4);
    assert!(
        jwt::decode(&at_limit).is_ok(),
        "a decodable token grown to {} bytes was refused",
        at_limit.len()
    );
    let over = grown(room / 4 + 1);
    assert!(over.len() > MAX_TOKEN_LEN);
    let err = jwt::decode(&over).expect_err("a token over MAX_TOKEN_LEN was decoded");
    assert_eq!(err.code(), Reason::TokenInvalid);
}

type DecodedSummary = Result<(Vec<u8>, Map<String, Value>, Map<String, Value>, Vec<u8>), String>;

fn decoded_summary(r: &Result<jwt::DecodedJwt<'_>, TokenVerificationError>) -> DecodedSummary {
    match r {
        Ok(d) => Ok((
            d.signing_input.to_vec(),
            d.header.clone(),
            d.payload.clone(),
            d.signature.clone(),
        )),
        Err(e) => Err(format!("{}: {}", e.reason(), e.message())),
    }
}

/// `rfc4648`'s loose base64url: trailing `=` dropped, then strict unpadded decoding with
/// zero leftover bits.
fn base64url_model(input: &[u8]) {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let mut end = input.len();
    while end > 0 && input[end - 1] == b'=' {
        end -= 1;
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(false),
    );
    assert_eq!(
        b64::decode_loose(input),
        engine.decode(&input[..end]).ok(),
        "base64url decoding differs from the model"
    );
}
