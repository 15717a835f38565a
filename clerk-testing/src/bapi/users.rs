//! `/v1/users` of the local Backend API.
//!
//! Behaviour follows the spec (`2026-05-12`): bodies are checked against the documented
//! fields (an unknown field is a 422 `form_param_unknown`, a wrongly typed one a 422
//! `form_param_format_invalid`), identifiers are unique across the instance (422
//! `form_identifier_exists`), lists are bare arrays, and every error is a `ClerkErrors`
//! body naming the parameter in `meta.param_name`.
//!
//! Choices where the spec is silent: a `starting_after` id that names no user is a 422;
//! the bulk ban endpoints ignore unknown ids; imported password digests only verify with
//! the `sha256` hasher (hex digest); `verify_totp` accepts the codes of the previous,
//! current and next 30 s steps.

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{deep_merge, error, json_body, new_id, not_found, now_ms, paging, query_pairs, Store};
use crate::State;

/// The second factors of a user, kept out of the served object.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mfa {
    /// Base32 TOTP secret.
    pub totp_secret: Option<String>,
    /// Backup codes not used yet.
    pub backup_codes: Vec<String>,
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/users", get(list).post(create))
        .route("/v1/users/count", get(count))
        .route("/v1/users/ban", post(|s, b| bulk_flag(s, b, true)))
        .route("/v1/users/unban", post(|s, b| bulk_flag(s, b, false)))
        .route("/v1/users/{id}", get(fetch).patch(update).delete(remove))
        .route(
            "/v1/users/{id}/metadata",
            patch(merge_metadata).put(replace_metadata),
        )
        .route(
            "/v1/users/{id}/ban",
            post(|s, p| flag(s, p, Flag::Ban(true))),
        )
        .route(
            "/v1/users/{id}/unban",
            post(|s, p| flag(s, p, Flag::Ban(false))),
        )
        .route(
            "/v1/users/{id}/lock",
            post(|s, p| flag(s, p, Flag::Lock(true))),
        )
        .route(
            "/v1/users/{id}/unlock",
            post(|s, p| flag(s, p, Flag::Lock(false))),
        )
        .route("/v1/users/{id}/verify_password", post(verify_password))
        .route("/v1/users/{id}/verify_totp", post(verify_totp))
        .route(
            "/v1/users/{id}/email_address",
            put(|s, p, b| replace_identification(s, p, b, Replaced::Email)),
        )
        .route(
            "/v1/users/{id}/phone_number",
            put(|s, p, b| replace_identification(s, p, b, Replaced::Phone)),
        )
}

// ---------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------

/// The JSON type a body field must have.
#[derive(Clone, Copy)]
enum Kind {
    /// A string (or `null`).
    Str,
    /// A boolean (or `null`).
    Bool,
    /// An integer (or `null`).
    Int,
    /// An array of strings.
    Strs,
    /// An array of `verified` / `reserved`.
    Statuses,
    /// An object.
    Object,
}

const CREATE_FIELDS: &[(&str, Kind)] = &[
    ("external_id", Kind::Str),
    ("first_name", Kind::Str),
    ("last_name", Kind::Str),
    ("locale", Kind::Str),
    ("email_address", Kind::Strs),
    ("email_address_identification_status", Kind::Statuses),
    ("phone_number", Kind::Strs),
    ("phone_number_identification_status", Kind::Statuses),
    ("web3_wallet", Kind::Strs),
    ("username", Kind::Str),
    ("password", Kind::Str),
    ("password_digest", Kind::Str),
    ("password_hasher", Kind::Str),
    ("skip_password_checks", Kind::Bool),
    ("skip_password_requirement", Kind::Bool),
    ("totp_secret", Kind::Str),
    ("backup_codes", Kind::Strs),
    ("public_metadata", Kind::Object),
    ("private_metadata", Kind::Object),
    ("unsafe_metadata", Kind::Object),
    ("delete_self_enabled", Kind::Bool),
    ("legal_accepted_at", Kind::Str),
    ("skip_legal_checks", Kind::Bool),
    ("skip_user_requirement", Kind::Bool),
    ("create_organization_enabled", Kind::Bool),
    ("create_organizations_limit", Kind::Int),
    ("created_at", Kind::Str),
    ("bypass_client_trust", Kind::Bool),
    ("banned", Kind::Bool),
    ("locked", Kind::Bool),
];

const UPDATE_FIELDS: &[(&str, Kind)] = &[
    ("external_id", Kind::Str),
    ("first_name", Kind::Str),
    ("last_name", Kind::Str),
    ("locale", Kind::Str),
    ("primary_email_address_id", Kind::Str),
    ("notify_primary_email_address_changed", Kind::Bool),
    ("primary_phone_number_id", Kind::Str),
    ("primary_web3_wallet_id", Kind::Str),
    ("username", Kind::Str),
    ("profile_image_id", Kind::Str),
    ("password", Kind::Str),
    ("password_digest", Kind::Str),
    ("password_hasher", Kind::Str),
    ("skip_password_checks", Kind::Bool),
    ("sign_out_of_other_sessions", Kind::Bool),
    ("totp_secret", Kind::Str),
    ("backup_codes", Kind::Strs),
    ("delete_self_enabled", Kind::Bool),
    ("create_organization_enabled", Kind::Bool),
    ("legal_accepted_at", Kind::Str),
    ("skip_legal_checks", Kind::Bool),
    ("create_organizations_limit", Kind::Int),
    ("created_at", Kind::Str),
    ("bypass_client_trust", Kind::Bool),
];

const METADATA_FIELDS: &[(&str, Kind)] = &[
    ("public_metadata", Kind::Object),
    ("private_metadata", Kind::Object),
    ("unsafe_metadata", Kind::Object),
];

const REPLACE_EMAIL_FIELDS: &[(&str, Kind)] = &[
    ("email_address", Kind::Str),
    ("identification_status", Kind::Str),
    ("notify_primary_email_address_changed", Kind::Bool),
];

const REPLACE_PHONE_FIELDS: &[(&str, Kind)] = &[
    ("phone_number", Kind::Str),
    ("identification_status", Kind::Str),
];

fn unprocessable(code: &str, message: &str, param: &str) -> Response {
    error(422, code, message, Some(param))
}

/// Rejects unknown and wrongly typed fields, like the API's form parsing.
fn check_fields(body: &Map<String, Value>, fields: &[(&str, Kind)]) -> Result<(), Response> {
    for (key, value) in body {
        let Some((_, kind)) = fields.iter().find(|(name, _)| name == key) else {
            return Err(unprocessable(
                "form_param_unknown",
                &format!("{key} is not a valid parameter for this request."),
                key,
            ));
        };
        let ok = match (kind, value) {
            (_, Value::Null) => true,
            (Kind::Str, v) => v.is_string(),
            (Kind::Bool, v) => v.is_boolean(),
            (Kind::Int, v) => v.is_i64(),
            (Kind::Object, v) => v.is_object(),
            (Kind::Strs, Value::Array(items)) => items.iter().all(Value::is_string),
            (Kind::Statuses, Value::Array(items)) => items
                .iter()
                .all(|i| matches!(i.as_str(), Some("verified" | "reserved"))),
            _ => false,
        };
        if !ok {
            return Err(unprocessable(
                "form_param_format_invalid",
                &format!("{key} has an invalid format."),
                key,
            ));
        }
    }
    Ok(())
}

fn text(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn flag_of(body: &Map<String, Value>, key: &str) -> Option<bool> {
    body.get(key).and_then(Value::as_bool)
}

fn strings(body: &Map<String, Value>, key: &str) -> Vec<String> {
    match body.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// An RFC 3339 field as Unix milliseconds, or the API's 422.
fn timestamp(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, Response> {
    match text(body, key) {
        None => Ok(None),
        Some(s) => parse_rfc3339(&s).map(Some).ok_or_else(|| {
            unprocessable(
                "form_param_format_invalid",
                &format!("{key} must be an RFC 3339 date-time."),
                key,
            )
        }),
    }
}

/// `2024-10-20T07:15:20.902Z` / `…+02:00` as Unix milliseconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &s[start..i.min(start + 3)];
        millis = digits.parse::<i64>().ok()? * 10i64.pow(3 - digits.len() as u32);
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let minutes = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// E.164: `+`, then 2 to 15 digits, the first not 0.
fn valid_phone(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// An Ethereum-style address: `0x` and 40 hex digits.
fn valid_wallet(wallet: &str) -> bool {
    wallet
        .strip_prefix("0x")
        .is_some_and(|hex| hex.len() == 40 && hex.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// The identifier values of one kind across the instance's users, except `except`'s.
fn taken(store: &Store, list: &str, field: &str, except: Option<&str>) -> BTreeSet<String> {
    store
        .users
        .values()
        .filter(|u| except.is_none_or(|id| u["id"].as_str() != Some(id)))
        .flat_map(|u| identifier_values(u, list, field))
        .map(|v| v.to_lowercase())
        .collect()
}

fn identifier_values(user: &Value, list: &str, field: &str) -> Vec<String> {
    user[list]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn field_taken(store: &Store, field: &str, value: &str, except: Option<&str>) -> bool {
    store.users.values().any(|u| {
        except.is_none_or(|id| u["id"].as_str() != Some(id)) && u[field].as_str() == Some(value)
    })
}

fn identifier_exists(param: &str, what: &str) -> Response {
    unprocessable(
        "form_identifier_exists",
        &format!("That {what} is taken. Please try another."),
        param,
    )
}

/// Checks a list of new identifiers: format, and unique in the request and the instance.
fn check_identifiers(
    store: &Store,
    values: &[String],
    param: &str,
    what: &str,
    valid: fn(&str) -> bool,
    existing: (&str, &str),
) -> Result<(), Response> {
    let taken = taken(store, existing.0, existing.1, None);
    let mut seen = BTreeSet::new();
    for value in values {
        if !valid(value) {
            return Err(unprocessable(
                "form_param_format_invalid",
                &format!("{param} must be a valid {what}."),
                param,
            ));
        }
        let key = value.to_lowercase();
        if taken.contains(&key) || !seen.insert(key) {
            return Err(identifier_exists(param, what));
        }
    }
    Ok(())
}

fn check_password(body: &Map<String, Value>) -> Result<Option<String>, Response> {
    let password = text(body, "password");
    let skip = flag_of(body, "skip_password_checks").unwrap_or(false);
    if let Some(p) = &password {
        if !skip && p.chars().count() < 8 {
            return Err(unprocessable(
                "form_password_length_too_short",
                "Passwords must be 8 characters or more.",
                "password",
            ));
        }
    }
    if body.get("password_digest").is_some_and(Value::is_string)
        && text(body, "password_hasher").is_none()
    {
        return Err(unprocessable(
            "form_param_missing",
            "password_hasher must be included.",
            "password_hasher",
        ));
    }
    Ok(password)
}

/// How a password is kept: the plain text, or `digest:<hasher>:<digest>` of an import.
fn stored_password(body: &Map<String, Value>, password: Option<String>) -> Option<String> {
    password.or_else(|| {
        let digest = text(body, "password_digest")?;
        let hasher = text(body, "password_hasher")?;
        Some(format!("digest:{hasher}:{digest}"))
    })
}

fn password_matches(stored: &str, given: &str) -> bool {
    match stored.strip_prefix("digest:") {
        None => stored == given,
        Some(rest) => match rest.split_once(':') {
            Some(("sha256", digest)) => {
                let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, given.as_bytes());
                let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
                hex.eq_ignore_ascii_case(digest)
            }
            _ => false,
        },
    }
}

fn check_totp_secret(body: &Map<String, Value>) -> Result<Option<String>, Response> {
    match text(body, "totp_secret") {
        Some(secret) if base32_decode(&secret).is_none_or(|k| k.is_empty()) => Err(unprocessable(
            "form_param_format_invalid",
            "totp_secret must be a base32 encoded secret.",
            "totp_secret",
        )),
        other => Ok(other),
    }
}

// ---------------------------------------------------------------------------------------
// User objects
// ---------------------------------------------------------------------------------------

fn admin_verification() -> Value {
    json!({"object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": null, "expire_at": null})
}

fn email_object(email: &str, reserved: bool, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": "email_address",
        "email_address": email,
        "reserved": reserved,
        "verification": if reserved { Value::Null } else { admin_verification() },
        "linked_to": [],
        "matches_sso_connection": false,
        "created_at": now,
        "updated_at": now,
    })
}

fn phone_object(phone: &str, reserved: bool, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": "phone_number",
        "phone_number": phone,
        "reserved_for_second_factor": false,
        "default_second_factor": false,
        "reserved": reserved,
        "verification": if reserved { Value::Null } else { admin_verification() },
        "linked_to": [],
        "backup_codes": null,
        "created_at": now,
        "updated_at": now,
    })
}

fn wallet_object(wallet: &str, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": "web3_wallet",
        "web3_wallet": wallet,
        "verification": admin_verification(),
        "created_at": now,
        "updated_at": now,
    })
}

/// The statuses of `*_identification_status`, one per value (`true`: reserved).
fn reserved_flags(
    body: &Map<String, Value>,
    key: &str,
    values: usize,
    param: &str,
) -> Result<Vec<bool>, Response> {
    let statuses = strings(body, key);
    if statuses.is_empty() {
        return Ok(vec![false; values]);
    }
    if statuses.len() != values {
        return Err(unprocessable(
            "form_param_value_invalid",
            &format!("{key} must have exactly one item per {param}."),
            key,
        ));
    }
    Ok(statuses.iter().map(|s| s == "reserved").collect())
}

fn update_two_factor(user: &mut Value, mfa: &Mfa, now: i64) {
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

/// Validates a `POST /users` body and stores the new user (password and second factors
/// kept aside), as the API does; returns the served object or the API's error.
pub(crate) fn insert_user(store: &mut Store, body: &Map<String, Value>) -> Result<Value, Response> {
    check_fields(body, CREATE_FIELDS)?;
    let now = now_ms();
    let emails = strings(body, "email_address");
    let phones = strings(body, "phone_number");
    let wallets = strings(body, "web3_wallet");
    check_identifiers(
        store,
        &emails,
        "email_address",
        "email address",
        valid_email,
        ("email_addresses", "email_address"),
    )?;
    check_identifiers(
        store,
        &phones,
        "phone_number",
        "phone number",
        valid_phone,
        ("phone_numbers", "phone_number"),
    )?;
    check_identifiers(
        store,
        &wallets,
        "web3_wallet",
        "Web3 wallet",
        valid_wallet,
        ("web3_wallets", "web3_wallet"),
    )?;
    let email_reserved = reserved_flags(
        body,
        "email_address_identification_status",
        emails.len(),
        "email_address",
    )?;
    let phone_reserved = reserved_flags(
        body,
        "phone_number_identification_status",
        phones.len(),
        "phone_number",
    )?;
    let username = text(body, "username");
    if let Some(name) = &username {
        if field_taken(store, "username", name, None) {
            return Err(identifier_exists("username", "username"));
        }
    }
    let external_id = text(body, "external_id");
    if let Some(ext) = &external_id {
        if field_taken(store, "external_id", ext, None) {
            return Err(identifier_exists("external_id", "external ID"));
        }
    }
    let password = check_password(body)?;
    let totp_secret = check_totp_secret(body)?;
    let created_at = timestamp(body, "created_at")?.unwrap_or(now);
    let legal_accepted_at = timestamp(body, "legal_accepted_at")?;
    let password = stored_password(body, password);

    let email_objects: Vec<Value> = emails
        .iter()
        .zip(&email_reserved)
        .map(|(e, r)| email_object(e, *r, now))
        .collect();
    let phone_objects: Vec<Value> = phones
        .iter()
        .zip(&phone_reserved)
        .map(|(p, r)| phone_object(p, *r, now))
        .collect();
    let wallet_objects: Vec<Value> = wallets.iter().map(|w| wallet_object(w, now)).collect();
    let first_id = |objects: &[Value]| objects.first().map_or(Value::Null, |o| o["id"].clone());
    let id = new_id("user");
    let metadata = |key: &str| {
        body.get(key)
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}))
    };
    let locked = flag_of(body, "locked").unwrap_or(false);
    let mut user = json!({
        "id": id,
        "object": "user",
        "external_id": external_id,
        "primary_email_address_id": first_id(&email_objects),
        "primary_phone_number_id": first_id(&phone_objects),
        "primary_web3_wallet_id": first_id(&wallet_objects),
        "username": username,
        "first_name": text(body, "first_name"),
        "last_name": text(body, "last_name"),
        "locale": text(body, "locale"),
        "profile_image_url": "https://www.gravatar.com/avatar?d=mp",
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        "has_image": false,
        "public_metadata": metadata("public_metadata"),
        "private_metadata": metadata("private_metadata"),
        "unsafe_metadata": metadata("unsafe_metadata"),
        "email_addresses": email_objects,
        "phone_numbers": phone_objects,
        "web3_wallets": wallet_objects,
        "passkeys": [],
        "password_enabled": password.is_some(),
        "two_factor_enabled": false,
        "totp_enabled": false,
        "backup_code_enabled": false,
        "mfa_enabled_at": null,
        "mfa_disabled_at": null,
        "password_last_updated_at": if password.is_some() { json!(now) } else { Value::Null },
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "organization_memberships": [],
        "last_sign_in_at": null,
        "banned": flag_of(body, "banned").unwrap_or(false),
        "locked": locked,
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": if locked { 0 } else { 100 },
        "created_at": created_at,
        "updated_at": now,
        "delete_self_enabled": flag_of(body, "delete_self_enabled").unwrap_or(true),
        "create_organization_enabled": flag_of(body, "create_organization_enabled").unwrap_or(true),
        "create_organizations_limit": body.get("create_organizations_limit").filter(|v| v.is_i64()).cloned().unwrap_or(Value::Null),
        "last_active_at": null,
        "legal_accepted_at": legal_accepted_at,
        "bypass_client_trust": flag_of(body, "bypass_client_trust").unwrap_or(false),
    });
    let mfa = Mfa {
        totp_secret,
        backup_codes: strings(body, "backup_codes"),
    };
    update_two_factor(&mut user, &mfa, now);
    if let Some(p) = password {
        store.passwords.insert(id.clone(), p);
    }
    store.user_mfa.insert(id.clone(), mfa);
    store.users.insert(id, user.clone());
    Ok(user)
}

// ---------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    match insert_user(&mut store, &body) {
        Ok(user) => Json(user).into_response(),
        Err(r) => r,
    }
}

async fn fetch(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    match state.store.lock().unwrap().users.get(&id) {
        Some(user) => Json(user.clone()).into_response(),
        None => not_found(),
    }
}

async fn update(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = check_fields(&body, UPDATE_FIELDS) {
        return r;
    }
    let mut store = state.store.lock().unwrap();
    match apply_update(&mut store, &id, &body) {
        Ok(user) => Json(user).into_response(),
        Err(r) => r,
    }
}

fn apply_update(store: &mut Store, id: &str, body: &Map<String, Value>) -> Result<Value, Response> {
    let Some(current) = store.users.get(id) else {
        return Err(not_found());
    };
    if let Some(name) = text(body, "username") {
        if field_taken(store, "username", &name, Some(id)) {
            return Err(identifier_exists("username", "username"));
        }
    }
    if let Some(ext) = text(body, "external_id") {
        if field_taken(store, "external_id", &ext, Some(id)) {
            return Err(identifier_exists("external_id", "external ID"));
        }
    }
    for (param, list) in [
        ("primary_email_address_id", "email_addresses"),
        ("primary_phone_number_id", "phone_numbers"),
        ("primary_web3_wallet_id", "web3_wallets"),
    ] {
        if let Some(wanted) = text(body, param) {
            let usable = current[list].as_array().is_some_and(|items| {
                items.iter().any(|i| {
                    i["id"].as_str() == Some(wanted.as_str())
                        && i["verification"]["status"] == json!("verified")
                })
            });
            if !usable {
                return Err(unprocessable(
                    "form_param_value_invalid",
                    &format!("{param} must be the id of a verified identification of this user."),
                    param,
                ));
            }
        }
    }
    let password = check_password(body)?;
    let totp_secret = check_totp_secret(body)?;
    let created_at = timestamp(body, "created_at")?;
    let legal_accepted_at = timestamp(body, "legal_accepted_at")?;
    let password = stored_password(body, password);
    let now = now_ms();

    let mut mfa = store.user_mfa.get(id).cloned().unwrap_or_default();
    if totp_secret.is_some() {
        mfa.totp_secret = totp_secret;
    }
    if body.contains_key("backup_codes") {
        mfa.backup_codes = strings(body, "backup_codes");
    }
    let Some(user) = store.users.get_mut(id) else {
        return Err(not_found());
    };
    // Nullable strings: `null` clears them.
    for key in [
        "external_id",
        "first_name",
        "last_name",
        "locale",
        "username",
    ] {
        if let Some(v) = body.get(key) {
            user[key] = v.clone();
        }
    }
    for key in [
        "primary_email_address_id",
        "primary_phone_number_id",
        "primary_web3_wallet_id",
        "delete_self_enabled",
        "create_organization_enabled",
        "bypass_client_trust",
    ] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            user[key] = v.clone();
        }
    }
    if let Some(v) = body.get("create_organizations_limit") {
        user["create_organizations_limit"] = v.clone();
    }
    if body.get("profile_image_id").is_some_and(Value::is_string) {
        user["has_image"] = json!(true);
    }
    if let Some(t) = created_at {
        user["created_at"] = json!(t);
    }
    if let Some(t) = legal_accepted_at {
        user["legal_accepted_at"] = json!(t);
    }
    if password.is_some() {
        user["password_enabled"] = json!(true);
        user["password_last_updated_at"] = json!(now);
    }
    update_two_factor(user, &mfa, now);
    user["updated_at"] = json!(now);
    let served = user.clone();
    if let Some(p) = password {
        store.passwords.insert(id.to_owned(), p);
    }
    store.user_mfa.insert(id.to_owned(), mfa);
    Ok(served)
}

/// What `PUT /users/{id}/email_address` or `PUT /users/{id}/phone_number` replaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replaced {
    Email,
    Phone,
}

/// `PUT /users/{id}/email_address` · `/phone_number`: replaces all of the user's addresses
/// (numbers) with one new primary one, created verified (admin strategy), reserved or
/// unverified per `identification_status`. Its uniqueness is checked against the other
/// users only, so the user's current value may be given again.
async fn replace_identification(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
    replaced: Replaced,
) -> Response {
    let (fields, param, list, primary_key, what, valid): (_, _, _, _, _, fn(&str) -> bool) =
        match replaced {
            Replaced::Email => (
                REPLACE_EMAIL_FIELDS,
                "email_address",
                "email_addresses",
                "primary_email_address_id",
                "email address",
                valid_email,
            ),
            Replaced::Phone => (
                REPLACE_PHONE_FIELDS,
                "phone_number",
                "phone_numbers",
                "primary_phone_number_id",
                "phone number",
                valid_phone,
            ),
        };
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = check_fields(&body, fields) {
        return r;
    }
    let Some(value) = text(&body, param).filter(|v| !v.trim().is_empty()) else {
        return unprocessable(
            "form_param_missing",
            &format!("{param} must be included."),
            param,
        );
    };
    let value = value.trim().to_owned();
    let status = text(&body, "identification_status").unwrap_or_else(|| "verified".into());
    if !matches!(status.as_str(), "verified" | "reserved" | "unverified") {
        return unprocessable(
            "form_param_value_invalid",
            "identification_status must be one of verified, reserved or unverified.",
            "identification_status",
        );
    }
    let mut store = state.store.lock().unwrap();
    let Some(current) = store.users.get(&id) else {
        return not_found();
    };
    let linked = current[list].as_array().is_some_and(|items| {
        items
            .iter()
            .any(|i| i["linked_to"].as_array().is_some_and(|l| !l.is_empty()))
    });
    if !valid(&value) {
        return unprocessable(
            "form_param_format_invalid",
            &format!("{param} must be a valid {what}."),
            param,
        );
    }
    if taken(&store, list, param, Some(&id)).contains(&value.to_lowercase()) {
        return identifier_exists(param, what);
    }
    if linked {
        return error(
            400,
            "identification_linked_to_connected_account",
            &format!(
                "An existing {what} is linked to a connected account; remove the account first."
            ),
            Some(param),
        );
    }
    let now = now_ms();
    let mut identification = match replaced {
        Replaced::Email => email_object(&value, status == "reserved", now),
        Replaced::Phone => phone_object(&value, status == "reserved", now),
    };
    if status == "unverified" {
        identification["verification"] = Value::Null;
    }
    let mfa = store.user_mfa.get(&id).cloned().unwrap_or_default();
    let Some(user) = store.users.get_mut(&id) else {
        return not_found();
    };
    user[list] = json!([identification]);
    user[primary_key] = identification["id"].clone();
    if replaced == Replaced::Phone {
        update_two_factor(user, &mfa, now);
    }
    user["updated_at"] = json!(now);
    Json(identification).into_response()
}

async fn remove(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let mut store = state.store.lock().unwrap();
    match store.users.remove(&id) {
        Some(_) => {
            store.passwords.remove(&id);
            store.user_mfa.remove(&id);
            Json(json!({"object": "user", "id": id, "deleted": true})).into_response()
        }
        None => not_found(),
    }
}

fn metadata(state: &State, id: &str, body: &[u8], replace: bool) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = check_fields(&body, METADATA_FIELDS) {
        return r;
    }
    let mut store = state.store.lock().unwrap();
    let Some(user) = store.users.get_mut(id) else {
        return not_found();
    };
    for key in ["public_metadata", "private_metadata", "unsafe_metadata"] {
        let Some(Value::Object(sent)) = body.get(key) else {
            continue;
        };
        if replace {
            user[key] = Value::Object(sent.clone());
        } else {
            let mut current = user[key].as_object().cloned().unwrap_or_default();
            deep_merge(&mut current, sent);
            user[key] = Value::Object(current);
        }
    }
    user["updated_at"] = json!(now_ms());
    Json(user.clone()).into_response()
}

async fn merge_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    metadata(&state, &id, &body, false)
}

async fn replace_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    metadata(&state, &id, &body, true)
}

#[derive(Clone, Copy)]
enum Flag {
    Ban(bool),
    Lock(bool),
}

/// Sets a flag on a stored user; a ban also revokes the user's active sessions.
fn set_flag(store: &mut Store, id: &str, flag: Flag) -> Option<Value> {
    let now = now_ms();
    let user = store.users.get_mut(id)?;
    match flag {
        Flag::Ban(banned) => user["banned"] = json!(banned),
        Flag::Lock(true) => {
            user["locked"] = json!(true);
            user["lockout_expires_in_seconds"] = Value::Null;
            user["verification_attempts_remaining"] = json!(0);
        }
        Flag::Lock(false) => {
            user["locked"] = json!(false);
            user["lockout_expires_in_seconds"] = Value::Null;
            user["verification_attempts_remaining"] = json!(100);
        }
    }
    user["updated_at"] = json!(now);
    let served = user.clone();
    if let Flag::Ban(true) = flag {
        for session in store.sessions.values_mut() {
            if session["user_id"].as_str() == Some(id) && session["status"] == json!("active") {
                session["status"] = json!("revoked");
                session["updated_at"] = json!(now);
            }
        }
    }
    Some(served)
}

async fn flag(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    flag: Flag,
) -> Response {
    let mut store = state.store.lock().unwrap();
    match set_flag(&mut store, &id, flag) {
        Some(user) => Json(user).into_response(),
        None => not_found(),
    }
}

async fn bulk_flag(AxumState(state): AxumState<Arc<State>>, body: Bytes, banned: bool) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Some(key) = body.keys().find(|k| *k != "user_ids") {
        return error(
            400,
            "form_param_unknown",
            &format!("{key} is not a valid parameter for this request."),
            Some(key),
        );
    }
    let ids = match body.get("user_ids") {
        None | Some(Value::Null) => {
            return error(
                400,
                "form_param_missing",
                "user_ids must be included.",
                Some("user_ids"),
            );
        }
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            strings(&body, "user_ids")
        }
        Some(_) => {
            return error(
                400,
                "form_param_format_invalid",
                "user_ids must be an array of strings.",
                Some("user_ids"),
            );
        }
    };
    if !(1..=50).contains(&ids.len()) {
        return error(
            400,
            "form_param_value_invalid",
            "user_ids must contain between 1 and 50 user IDs.",
            Some("user_ids"),
        );
    }
    let mut store = state.store.lock().unwrap();
    let mut seen = BTreeSet::new();
    let users: Vec<Value> = ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .filter_map(|id| set_flag(&mut store, id, Flag::Ban(banned)))
        .collect();
    Json(Value::Array(users)).into_response()
}

async fn verify_password(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let store = state.store.lock().unwrap();
    if !store.users.contains_key(&id) {
        return error(404, "resource_not_found", "The user does not exist.", None);
    }
    let Some(given) = text(&body, "password") else {
        return unprocessable(
            "form_param_missing",
            "password must be included.",
            "password",
        );
    };
    match store.passwords.get(&id) {
        None => error(
            400,
            "password_not_set",
            "The user does not have a password set.",
            None,
        ),
        Some(p) if password_matches(p, &given) => Json(json!({"verified": true})).into_response(),
        Some(_) => unprocessable(
            "incorrect_password",
            "The provided password was incorrect.",
            "password",
        ),
    }
}

async fn verify_totp(
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

// ---------------------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits)
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// GET /users and /users/count
// ---------------------------------------------------------------------------------------

/// The parsed filters of `GET /users` and `GET /users/count`.
struct Filters {
    emails: Vec<String>,
    phones: Vec<String>,
    external_ids: Vec<String>,
    usernames: Vec<String>,
    wallets: Vec<String>,
    user_ids: Vec<String>,
    organization_ids: Vec<String>,
    provider_user_ids: Vec<String>,
    provider: Option<String>,
    query: Option<String>,
    email_query: Option<String>,
    phone_query: Option<String>,
    username_query: Option<String>,
    name_query: Option<String>,
    banned: Option<bool>,
    created_before: Option<i64>,
    created_after: Option<i64>,
    active_before: Option<i64>,
    active_after: Option<i64>,
    active_since: Option<i64>,
    sign_in_before: Option<i64>,
    sign_in_after: Option<i64>,
}

fn parse_filters(pairs: &[(String, String)]) -> Result<Filters, Response> {
    let all = |name: &str| -> Result<Vec<String>, Response> {
        let values: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        if values.len() > 100 {
            return Err(unprocessable(
                "form_param_value_invalid",
                &format!("{name} accepts up to 100 values."),
                name,
            ));
        }
        Ok(values)
    };
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let lower = |name: &str| one(name).map(|v| v.to_lowercase());
    let number = |name: &str| -> Result<Option<i64>, Response> {
        match one(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                unprocessable(
                    "form_param_format_invalid",
                    &format!("{name} must be an integer timestamp in milliseconds."),
                    name,
                )
            }),
        }
    };
    let banned = match one("banned").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(unprocessable(
                "form_param_format_invalid",
                "banned must be true or false.",
                "banned",
            ))
        }
    };
    let filters = Filters {
        emails: all("email_address")?
            .iter()
            .map(|e| e.to_lowercase())
            .collect(),
        phones: all("phone_number")?,
        external_ids: all("external_id")?,
        usernames: all("username")?.iter().map(|u| u.to_lowercase()).collect(),
        wallets: all("web3_wallet")?
            .iter()
            .map(|w| w.to_lowercase())
            .collect(),
        user_ids: all("user_id")?,
        organization_ids: all("organization_id")?,
        provider_user_ids: all("provider_user_id")?,
        provider: one("provider"),
        query: lower("query"),
        email_query: lower("email_address_query"),
        phone_query: lower("phone_number_query"),
        username_query: lower("username_query"),
        name_query: lower("name_query"),
        banned,
        created_before: number("created_at_before")?,
        created_after: number("created_at_after")?,
        active_before: number("last_active_at_before")?,
        active_after: number("last_active_at_after")?,
        active_since: number("last_active_at_since")?,
        sign_in_before: number("last_sign_in_at_before")?,
        sign_in_after: number("last_sign_in_at_after")?,
    };
    match (&filters.provider, filters.provider_user_ids.is_empty()) {
        (Some(_), true) => Err(unprocessable(
            "form_param_missing",
            "provider must be combined with provider_user_id.",
            "provider_user_id",
        )),
        (None, false) => Err(unprocessable(
            "form_param_missing",
            "provider_user_id must be combined with provider.",
            "provider",
        )),
        _ => Ok(filters),
    }
}

/// Whether a set of values matches, each value optionally prefixed with `+` (include) or
/// `-` (exclude): excluded values never match; with included values, one must match.
fn signed_match(values: &[String], actual: &[&str]) -> bool {
    let includes: Vec<&str> = values
        .iter()
        .filter(|v| !v.starts_with('-'))
        .map(|v| v.strip_prefix('+').unwrap_or(v))
        .collect();
    let excludes: Vec<&str> = values.iter().filter_map(|v| v.strip_prefix('-')).collect();
    if actual.iter().any(|a| excludes.contains(a)) {
        return false;
    }
    includes.is_empty() || actual.iter().any(|a| includes.contains(a))
}

fn time_matches(
    value: Option<i64>,
    before: Option<i64>,
    after: Option<i64>,
    since: Option<i64>,
) -> bool {
    if before.is_none() && after.is_none() && since.is_none() {
        return true;
    }
    value.is_some_and(|v| {
        before.is_none_or(|t| v < t) && after.is_none_or(|t| v > t) && since.is_none_or(|t| v >= t)
    })
}

/// The organization ids of a user's memberships.
fn organization_ids<'s>(store: &'s Store, user_id: &str) -> Vec<&'s str> {
    store
        .organization_memberships
        .values()
        .filter(|m| m["user_id"].as_str() == Some(user_id))
        .filter_map(|m| m["organization_id"].as_str())
        .collect()
}

impl Filters {
    fn matches(&self, u: &Value, organizations: &[&str]) -> bool {
        let lower = |list: &str, field: &str| -> Vec<String> {
            identifier_values(u, list, field)
                .iter()
                .map(|v| v.to_lowercase())
                .collect()
        };
        let emails = lower("email_addresses", "email_address");
        let phones = identifier_values(u, "phone_numbers", "phone_number");
        let wallets = lower("web3_wallets", "web3_wallet");
        let str_field = |f: &str| u[f].as_str().unwrap_or_default().to_lowercase();
        let (username, first, last) = (
            str_field("username"),
            str_field("first_name"),
            str_field("last_name"),
        );
        let id = u["id"].as_str().unwrap_or_default();
        let contains = |haystack: &[String], q: &str| haystack.iter().any(|h| h.contains(q));
        let names = [first.clone(), last.clone(), format!("{first} {last}")];
        let provider_ok = match &self.provider {
            None => true,
            Some(provider) => u["external_accounts"].as_array().is_some_and(|accounts| {
                accounts.iter().any(|a| {
                    let p = a["provider"].as_str().unwrap_or_default();
                    (p == provider || p.strip_prefix("oauth_") == Some(provider.as_str()))
                        && a["provider_user_id"]
                            .as_str()
                            .is_some_and(|pid| self.provider_user_ids.iter().any(|x| x == pid))
                })
            }),
        };
        (self.emails.is_empty() || self.emails.iter().any(|e| emails.contains(e)))
            && (self.phones.is_empty() || self.phones.iter().any(|p| phones.contains(p)))
            && (self.usernames.is_empty()
                || (!username.is_empty() && self.usernames.contains(&username)))
            && (self.wallets.is_empty() || self.wallets.iter().any(|w| wallets.contains(w)))
            && signed_match(&self.user_ids, &[id])
            && signed_match(
                &self.external_ids,
                &u["external_id"].as_str().into_iter().collect::<Vec<_>>(),
            )
            && signed_match(&self.organization_ids, organizations)
            && provider_ok
            && self.banned.is_none_or(|b| u["banned"].as_bool() == Some(b))
            && time_matches(
                u["created_at"].as_i64(),
                self.created_before,
                self.created_after,
                None,
            )
            && time_matches(
                u["last_active_at"].as_i64(),
                self.active_before,
                self.active_after,
                self.active_since,
            )
            && time_matches(
                u["last_sign_in_at"].as_i64(),
                self.sign_in_before,
                self.sign_in_after,
                None,
            )
            && self
                .email_query
                .as_deref()
                .is_none_or(|q| contains(&emails, q))
            && self
                .phone_query
                .as_deref()
                .is_none_or(|q| phones.iter().any(|p| p.contains(q)))
            && self
                .username_query
                .as_deref()
                .is_none_or(|q| username.contains(q))
            && self
                .name_query
                .as_deref()
                .is_none_or(|q| contains(&names, q))
            && self.query.as_deref().is_none_or(|q| {
                let mut haystack = vec![
                    id.to_lowercase(),
                    username.clone(),
                    first.clone(),
                    last.clone(),
                ];
                haystack.extend(emails.iter().cloned());
                haystack.extend(phones.iter().cloned());
                haystack.extend(wallets.iter().cloned());
                contains(&haystack, q)
            })
    }
}

fn filtered(store: &Store, filters: &Filters) -> Vec<Value> {
    store
        .users
        .values()
        .filter(|u| {
            let organizations = if filters.organization_ids.is_empty() {
                Vec::new()
            } else {
                organization_ids(store, u["id"].as_str().unwrap_or_default())
            };
            filters.matches(u, &organizations)
        })
        .cloned()
        .collect()
}

const ORDER_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "email_address",
    "web3wallet",
    "first_name",
    "last_name",
    "phone_number",
    "username",
    "last_active_at",
    "last_sign_in_at",
];

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Int(i64),
    Str(String),
}

/// The sort value of a user: a top-level field, or the primary identification's value.
fn sort_key(user: &Value, field: &str) -> Option<SortKey> {
    let primary = |id_field: &str, list: &str, value: &str| -> Option<SortKey> {
        let id = user[id_field].as_str()?;
        user[list]
            .as_array()?
            .iter()
            .find(|i| i["id"].as_str() == Some(id))
            .and_then(|i| i[value].as_str())
            .map(|s| SortKey::Str(s.to_lowercase()))
    };
    match field {
        "email_address" => primary(
            "primary_email_address_id",
            "email_addresses",
            "email_address",
        ),
        "phone_number" => primary("primary_phone_number_id", "phone_numbers", "phone_number"),
        "web3wallet" => primary("primary_web3_wallet_id", "web3_wallets", "web3_wallet"),
        _ => match &user[field] {
            Value::Number(n) => n.as_i64().map(SortKey::Int),
            Value::String(s) => Some(SortKey::Str(s.to_lowercase())),
            _ => None,
        },
    }
}

/// The order of two users: by the field (missing values last when ascending, first when
/// descending, as PostgreSQL sorts NULLs), then by id, in the same direction.
fn compare(a: &Value, b: &Value, field: &str, desc: bool) -> Ordering {
    let ascending = match (sort_key(a, field), sort_key(b, field)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()));
    if desc {
        ascending.reverse()
    } else {
        ascending
    }
}

async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filters = match parse_filters(&pairs) {
        Ok(f) => f,
        Err(r) => return r,
    };
    // Only the first `order_by` counts.
    let order = pairs
        .iter()
        .find(|(k, _)| k == "order_by")
        .map_or("-created_at", |(_, v)| v.as_str());
    let (desc, field) = match order.as_bytes().first() {
        Some(b'-') => (true, &order[1..]),
        Some(b'+') => (false, &order[1..]),
        _ => (false, order),
    };
    if !ORDER_FIELDS.contains(&field) {
        return unprocessable(
            "form_param_value_invalid",
            &format!(
                "order_by cannot be {order}; use one of {}, with + or -.",
                ORDER_FIELDS.join(", ")
            ),
            "order_by",
        );
    }
    let store = state.store.lock().unwrap();
    let mut users = filtered(&store, &filters);
    users.sort_by(|a, b| compare(a, b, field, desc));
    if let Some((_, after)) = pairs.iter().find(|(k, _)| k == "starting_after") {
        if field != "created_at" {
            return unprocessable(
                "form_param_value_invalid",
                "starting_after requires ordering by created_at.",
                "starting_after",
            );
        }
        if offset != 0 {
            return unprocessable(
                "form_param_value_invalid",
                "starting_after cannot be combined with a non-zero offset.",
                "starting_after",
            );
        }
        let Some(cursor) = store.users.get(after) else {
            return unprocessable(
                "form_param_value_invalid",
                "starting_after must be the id of an existing user.",
                "starting_after",
            );
        };
        users.retain(|u| compare(u, cursor, field, desc) == Ordering::Greater);
    }
    let page: Vec<Value> = users.into_iter().skip(offset).take(limit).collect();
    Json(Value::Array(page)).into_response()
}

async fn count(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let filters = match parse_filters(&query_pairs(&uri)) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let total = filtered(&state.store.lock().unwrap(), &filters).len();
    Json(json!({"object": "total_count", "total_count": total})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2012-10-20T07:15:20.902Z"),
            Some(1_350_717_320_902)
        );
        assert_eq!(
            parse_rfc3339("2012-10-20T09:15:20.902+02:00"),
            Some(1_350_717_320_902)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00.5Z"),
            Some(1_709_164_800_500)
        );
        assert_eq!(parse_rfc3339("2024-02-29"), None);
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00"), None);
    }

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

    #[test]
    fn signed_filters() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(signed_match(&v(&[]), &["a"]));
        assert!(signed_match(&v(&["+a", "b"]), &["a"]));
        assert!(!signed_match(&v(&["+a"]), &["c"]));
        assert!(!signed_match(&v(&["-a"]), &["a"]));
        assert!(signed_match(&v(&["-a"]), &["c"]));
        assert!(signed_match(&v(&["-a"]), &[]));
        assert!(!signed_match(&v(&["a"]), &[]));
    }
}
