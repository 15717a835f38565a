//! Second factors: TOTP secrets and codes (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits),
//! backup codes and `verify_totp`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::fields::{text, unprocessable};
use super::Mfa;
use crate::bapi::{error, json_body, now_ms};
use crate::State;

pub(super) fn check_totp_secret(body: &Map<String, Value>) -> Result<Option<String>, Response> {
    match text(body, "totp_secret") {
        Some(secret) if base32_decode(&secret).is_none_or(|k| k.is_empty()) => Err(unprocessable(
            "form_param_format_invalid",
            "totp_secret must be a base32 encoded secret.",
            "totp_secret",
        )),
        other => Ok(other),
    }
}

/// Sets the user object's second-factor flags from its stored factors, stamping
/// `mfa_enabled_at`/`mfa_disabled_at` when two-factor turns on or off.
pub(super) fn update_two_factor(user: &mut Value, mfa: &Mfa, now: i64) {
    let was = user["two_factor_enabled"].as_bool().unwrap_or(false);
    let totp = mfa.totp_secret.is_some();
    let backup = !mfa.backup_codes.is_empty();
    let second_factor_phone = user["phone_numbers"].as_array().is_some_and(|a| {
        a.iter()
            .any(|p| p["reserved_for_second_factor"] == json!(true))
    });
    let now_enabled = totp || second_factor_phone;
    user["totp_enabled"] = json!(totp);
    user["backup_code_enabled"] = json!(backup);
    user["two_factor_enabled"] = json!(now_enabled);
    if now_enabled && !was {
        user["mfa_enabled_at"] = json!(now);
    } else if was && !now_enabled {
        user["mfa_disabled_at"] = json!(now);
    }
}

pub(super) async fn verify_totp(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    if !store.users.contains_key(&id) {
        return error(404, "resource_not_found", "The user does not exist.", None);
    }
    let Some(code) = text(&body, "code") else {
        return unprocessable("form_param_missing", "code must be included.", "code");
    };
    let Some(mfa) = store
        .user_mfa
        .get_mut(&id)
        .filter(|m| m.totp_secret.is_some() || !m.backup_codes.is_empty())
    else {
        return error(
            400,
            "totp_not_configured",
            "The user does not have TOTP configured for their account.",
            None,
        );
    };
    let now = (now_ms() / 1000) as u64;
    let totp_ok = mfa.totp_secret.as_deref().is_some_and(|secret| {
        [now.saturating_sub(30), now, now + 30]
            .iter()
            .any(|t| totp_code(secret, *t).is_some_and(|c| c == code.trim()))
    });
    if totp_ok {
        return Json(json!({"verified": true, "code_type": "totp"})).into_response();
    }
    if let Some(i) = mfa.backup_codes.iter().position(|c| *c == code.trim()) {
        mfa.backup_codes.remove(i);
        let remaining = mfa.clone();
        if let Some(user) = store.users.get_mut(&id) {
            update_two_factor(user, &remaining, now_ms());
        }
        return Json(json!({"verified": true, "code_type": "backup_code"})).into_response();
    }
    unprocessable(
        "incorrect_code",
        "The provided TOTP or backup code was incorrect.",
        "code",
    )
}

fn base32_decode(secret: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0u32;
    let mut out = Vec::new();
    for c in secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
    {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return None,
        };
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..20].copy_from_slice(&sha1_smol::Sha1::from(key).digest().bytes());
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = sha1_smol::Sha1::new();
    inner.update(&block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = sha1_smol::Sha1::new();
    outer.update(&block.map(|b| b ^ 0x5c));
    outer.update(&inner.digest().bytes());
    outer.digest().bytes()
}

/// The 6-digit TOTP code of a base32 secret at a Unix time (seconds).
pub(crate) fn totp_code(secret: &str, unix_secs: u64) -> Option<String> {
    let key = base32_decode(secret).filter(|k| !k.is_empty())?;
    let mac = hmac_sha1(&key, &(unix_secs / 30).to_be_bytes());
    let offset = (mac[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    Some(format!("{:06}", value % 1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_rfc6238() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (8 digits there; the
        // last 6 digits here).
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(totp_code(secret, 59).as_deref(), Some("287082"));
        assert_eq!(totp_code(secret, 1_111_111_109).as_deref(), Some("081804"));
        assert_eq!(totp_code(secret, 20_000_000_000).as_deref(), Some("353130"));
        assert_eq!(totp_code("not base32!", 59), None);
    }
}
