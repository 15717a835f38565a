//! `jwks`: see the function's documentation for the input format and the invariants.

use std::sync::Arc;

use serde_json::Value;

use super::VALID_TOKEN;
use crate::token::b64;
use crate::token::jwks::fetch::{body_has_error_code, parse_jwks};
use crate::token::keys::VerifyingKey;

/// `jwks`: a JWKS response body (and the same bytes as a `CLERK_JWT_KEY` PEM).
///
/// Invariants: parsing is deterministic (same kids, in order); at most 64 keys are kept;
/// re-serializing the `keys` array of a parsed body keeps the same keys; each key can check
/// a signature; the PEM parser is deterministic too.
pub fn jwks(data: &[u8]) {
    let first = parse_jwks(data);
    let kids = |r: &Result<Vec<(String, Arc<VerifyingKey>)>, String>| {
        r.as_ref()
            .map(|keys| keys.iter().map(|(kid, _)| kid.clone()).collect::<Vec<_>>())
            .map_err(Clone::clone)
    };
    assert_eq!(kids(&first), kids(&parse_jwks(data)), "not deterministic");
    let _ = body_has_error_code(data, "clerk_key_invalid");
    if let Ok(keys) = &first {
        assert!(keys.len() <= 64);
        let value: Option<Value> = serde_json::from_slice(data).ok();
        if let Some(array) = value
            .as_ref()
            .and_then(|v| v.get("keys"))
            .filter(|k| k.is_array())
        {
            let again = serde_json::to_vec(&serde_json::json!({ "keys": array })).expect("JSON");
            assert_eq!(kids(&first), kids(&parse_jwks(&again)), "re-serialized");
        }
        let (signing_input, signature) = VALID_TOKEN.rsplit_once('.').expect("token");
        let signature = b64::decode_loose(signature.as_bytes()).expect("signature");
        for (_, key) in keys {
            key.verify_rs256(signing_input.as_bytes(), &signature);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let a = VerifyingKey::from_pem(text).map(|_| ());
        assert_eq!(a, VerifyingKey::from_pem(text).map(|_| ()));
    }
}
