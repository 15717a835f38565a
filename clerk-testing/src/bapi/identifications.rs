//! `/v1/email_addresses` and `/v1/phone_numbers` of the local Backend API. The addresses
//! and numbers live inside the user objects of the store (`email_addresses`,
//! `phone_numbers`), so `GET /v1/users/{id}` sees every change.
//!
//! One-time-code verification: `prepare_verification` "sends" the code [`TEST_CODE`]
//! (`424242`, as Clerk's test mode) and returns a `verification_otp` valid for 10 minutes;
//! `attempt_verification` reports a wrong code through `status` (`unverified`, then
//! `failed` after [`MAX_ATTEMPTS`] attempts; `expired` past `expire_at`), and a correct
//! one as `verified`, marking the identification verified. Missing body fields are a 400
//! `form_param_missing` (the spec documents no 422 for these endpoints).

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::invitations::is_email;
use super::{error, json_body, new_id, not_found, now_ms, Store};
use crate::State;

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/email_addresses", post(create_email))
        .route(
            "/v1/email_addresses/{email_address_id}",
            get(|s, p| fetch(s, p, Kind::Email))
                .patch(update_email)
                .delete(|s, p| remove(s, p, Kind::Email)),
        )
        .route(
            "/v1/email_addresses/{email_address_id}/prepare_verification",
            post(|s, p| prepare_verification(s, p, Kind::Email)),
        )
        .route(
            "/v1/email_addresses/{email_address_id}/attempt_verification",
            post(|s, p, b| attempt_verification(s, p, b, Kind::Email)),
        )
        .route(
            "/v1/phone_numbers/{phone_number_id}/prepare_verification",
            post(|s, p| prepare_verification(s, p, Kind::Phone)),
        )
        .route(
            "/v1/phone_numbers/{phone_number_id}/attempt_verification",
            post(|s, p, b| attempt_verification(s, p, b, Kind::Phone)),
        )
        .route("/v1/phone_numbers", post(create_phone))
        .route(
            "/v1/phone_numbers/{phone_number_id}",
            get(|s, p| fetch(s, p, Kind::Phone))
                .patch(update_phone)
                .delete(|s, p| remove(s, p, Kind::Phone)),
        )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Phone,
}

impl Kind {
    /// The user field holding the list, the object type, the value field, the user's
    /// primary-id field.
    fn fields(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Kind::Email => (
                "email_addresses",
                "email_address",
                "email_address",
                "primary_email_address_id",
            ),
            Kind::Phone => (
                "phone_numbers",
                "phone_number",
                "phone_number",
                "primary_phone_number_id",
            ),
        }
    }
}

fn verification(verified: bool) -> Value {
    if verified {
        json!({"object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": null, "expire_at": null})
    } else {
        Value::Null
    }
}

fn is_verified(identification: &Value) -> bool {
    identification["verification"]["status"] == "verified"
}

/// Whether `s` is an E.164 phone number (`+` then 7 to 15 digits, no leading zero).
fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// The user id and position of the identification with this id and kind.
fn locate(store: &Store, kind: Kind, id: &str) -> Option<(String, usize)> {
    let (list, object, _, _) = kind.fields();
    store.users.iter().find_map(|(user_id, user)| {
        user[list]
            .as_array()?
            .iter()
            .position(|e| e["id"] == id && e["object"] == object)
            .map(|n| (user_id.clone(), n))
    })
}

fn taken(store: &Store, kind: Kind, value: &str) -> bool {
    let (list, _, field, _) = kind.fields();
    store.users.values().any(|u| {
        u[list].as_array().is_some_and(|a| {
            a.iter().any(|e| {
                e[field].as_str().is_some_and(|x| match kind {
                    Kind::Email => x.eq_ignore_ascii_case(value),
                    Kind::Phone => x == value,
                })
            })
        })
    })
}

fn optional_bool(body: &Map<String, Value>, key: &str) -> Result<Option<bool>, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(error(
            422,
            "form_param_value_invalid",
            &format!("{key} must be a boolean."),
            Some(key),
        )),
    }
}

fn required_string(body: &Map<String, Value>, key: &str) -> Result<String, Response> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(Value::String(_)) | Some(Value::Null) | None => Err(error(
            422,
            "form_param_missing",
            &format!("{key} must be included."),
            Some(key),
        )),
        Some(_) => Err(error(
            422,
            "form_param_value_invalid",
            &format!("{key} must be a string."),
            Some(key),
        )),
    }
}

/// Recomputes `two_factor_enabled` and the default second factor of a user's phones.
fn refresh_second_factors(user: &mut Value) {
    let Some(phones) = user["phone_numbers"].as_array_mut() else {
        return;
    };
    for phone in phones.iter_mut() {
        if phone["reserved_for_second_factor"] != true {
            phone["default_second_factor"] = json!(false);
        }
    }
    let has_default = phones.iter().any(|p| p["default_second_factor"] == true);
    if !has_default {
        if let Some(first) = phones
            .iter_mut()
            .find(|p| p["reserved_for_second_factor"] == true)
        {
            first["default_second_factor"] = json!(true);
        }
    }
    let reserved = phones
        .iter()
        .any(|p| p["reserved_for_second_factor"] == true);
    let other = user["totp_enabled"] == true || user["backup_code_enabled"] == true;
    user["two_factor_enabled"] = json!(reserved || other);
}

fn create(state: &State, body: &[u8], kind: Kind) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (list, object, field, primary_key) = kind.fields();
    let fields = (|| -> Result<_, Response> {
        let user_id = required_string(&body, "user_id")?;
        let value = required_string(&body, field)?;
        let verified = optional_bool(&body, "verified")?.unwrap_or(false);
        let primary = optional_bool(&body, "primary")?.unwrap_or(false);
        let second_factor = match kind {
            Kind::Email => {
                optional_bool(&body, "notify_primary_email_address_changed")?;
                false
            }
            Kind::Phone => optional_bool(&body, "reserved_for_second_factor")?.unwrap_or(false),
        };
        Ok((user_id, value, verified, primary, second_factor))
    })();
    let (user_id, value, verified, primary, second_factor) = match fields {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    if !store.users.contains_key(&user_id) {
        return error(
            404,
            "resource_not_found",
            &format!("No user was found with id {user_id}"),
            Some("user_id"),
        );
    }
    let well_formed = match kind {
        Kind::Email => is_email(&value),
        Kind::Phone => is_e164(&value),
    };
    if !well_formed {
        let message = match kind {
            Kind::Email => "email_address must be a valid email address.",
            Kind::Phone => "phone_number must be a valid phone number according to E.164 international standard.",
        };
        return error(422, "form_param_format_invalid", message, Some(field));
    }
    if taken(&store, kind, &value) {
        let message = match kind {
            Kind::Email => "That email address is taken. Please try another.",
            Kind::Phone => "That phone number is taken. Please try another.",
        };
        return error(422, "form_identifier_exists", message, Some(field));
    }
    if second_factor && !verified {
        return error(
            400,
            "identification_create_second_factor_unverified",
            "Unverified identifications cannot be a second factor",
            None,
        );
    }
    let now = now_ms();
    let mut identification = json!({
        "id": new_id("idn"),
        "object": object,
        field: value,
        "reserved": false,
        "verification": verification(verified),
        "linked_to": [],
        "created_at": now,
        "updated_at": now,
    });
    match kind {
        Kind::Email => identification["matches_sso_connection"] = json!(false),
        Kind::Phone => {
            identification["reserved_for_second_factor"] = json!(second_factor);
            identification["default_second_factor"] = json!(false);
            identification["backup_codes"] = Value::Null;
        }
    }
    let id = identification["id"].as_str().unwrap_or_default().to_owned();
    let Some(user) = store.users.get_mut(&user_id) else {
        return not_found();
    };
    match user[list].as_array_mut() {
        Some(items) => items.push(identification),
        None => user[list] = json!([identification]),
    }
    if primary || user[primary_key].is_null() {
        user[primary_key] = json!(id);
    }
    if kind == Kind::Phone {
        refresh_second_factors(user);
    }
    user["updated_at"] = json!(now);
    let served = user[list]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["id"] == id.as_str()))
        .cloned();
    Json(served.unwrap_or(Value::Null)).into_response()
}

async fn create_email(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    create(&state, &body, Kind::Email)
}

async fn create_phone(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    create(&state, &body, Kind::Phone)
}

async fn fetch(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    kind: Kind,
) -> Response {
    let store = state.store.lock().unwrap();
    let (list, _, _, _) = kind.fields();
    match locate(&store, kind, &id) {
        Some((user_id, n)) => Json(store.users[&user_id][list][n].clone()).into_response(),
        None => not_found(),
    }
}

fn update(state: &State, id: &str, body: &[u8], kind: Kind) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (list, _, _, primary_key) = kind.fields();
    let fields = (|| -> Result<_, Response> {
        let verified = optional_bool(&body, "verified")?;
        let primary = optional_bool(&body, "primary")?;
        let second_factor = match kind {
            Kind::Email => {
                optional_bool(&body, "notify_primary_email_address_changed")?;
                None
            }
            Kind::Phone => optional_bool(&body, "reserved_for_second_factor")?,
        };
        Ok((verified, primary, second_factor))
    })();
    let (verified, primary, second_factor) = match fields {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let Some((user_id, n)) = locate(&store, kind, id) else {
        return not_found();
    };
    let Some(user) = store.users.get_mut(&user_id) else {
        return not_found();
    };
    let now = now_ms();
    let identification = &mut user[list][n];
    if let Some(v) = verified {
        if v != is_verified(identification) {
            identification["verification"] = verification(v);
        }
    }
    if let Some(reserve) = second_factor {
        if reserve && !is_verified(identification) {
            return error(
                400,
                "identification_update_second_factor_unverified",
                "Cannot update second factor attributes for unverified identification",
                None,
            );
        }
        identification["reserved_for_second_factor"] = json!(reserve);
    }
    identification["updated_at"] = json!(now);
    if primary == Some(true) {
        user[primary_key] = json!(id);
    }
    if kind == Kind::Phone {
        refresh_second_factors(user);
    }
    user["updated_at"] = json!(now);
    Json(user[list][n].clone()).into_response()
}

async fn update_email(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    update(&state, &id, &body, Kind::Email)
}

async fn update_phone(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    update(&state, &id, &body, Kind::Phone)
}

async fn remove(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    kind: Kind,
) -> Response {
    let (list, object, _, primary_key) = kind.fields();
    let mut store = state.store.lock().unwrap();
    let Some((user_id, n)) = locate(&store, kind, &id) else {
        return not_found();
    };
    let Some(user) = store.users.get_mut(&user_id) else {
        return not_found();
    };
    if let Some(items) = user[list].as_array_mut() {
        items.remove(n);
    }
    if user[primary_key] == id.as_str() {
        // The next remaining identification becomes primary, if any.
        user[primary_key] = user[list]
            .as_array()
            .and_then(|a| a.first())
            .map(|e| e["id"].clone())
            .unwrap_or(Value::Null);
    }
    if kind == Kind::Phone {
        refresh_second_factors(user);
    }
    user["updated_at"] = json!(now_ms());
    Json(json!({"object": object, "id": id, "deleted": true})).into_response()
}

/// The one-time code of every verification prepared by the local Backend API.
pub const TEST_CODE: &str = "424242";
/// Attempts allowed before a verification becomes `failed`.
pub const MAX_ATTEMPTS: i64 = 3;
/// Lifetime of a one-time code: 10 minutes.
const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// A verification prepared by `prepare_verification`, as kept in the store.
#[derive(Debug, Clone)]
pub(crate) struct PendingVerification {
    /// The email address or phone number it verifies.
    pub identification_id: String,
    /// The code that verifies it.
    pub code: String,
    /// The verification as served (`object`, `id`, `status`, `strategy`, `attempts`,
    /// `expire_at`, `channel`).
    pub verification: Value,
}

async fn prepare_verification(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    kind: Kind,
) -> Response {
    let mut store = state.store.lock().unwrap();
    if locate(&store, kind, &id).is_none() {
        return not_found();
    }
    let (strategy, channel) = match kind {
        Kind::Email => ("email_code", Value::Null),
        Kind::Phone => ("phone_code", json!("sms")),
    };
    let verification = json!({
        "object": "verification_otp",
        "id": new_id("ver"),
        "status": "unverified",
        "strategy": strategy,
        "attempts": 0,
        "expire_at": now_ms() + CODE_LIFETIME_MS,
        "channel": channel,
    });
    let verification_id = verification["id"].as_str().unwrap_or_default().to_owned();
    store.verifications.insert(
        verification_id,
        PendingVerification {
            identification_id: id,
            code: TEST_CODE.to_owned(),
            verification: verification.clone(),
        },
    );
    Json(verification).into_response()
}

fn body_string(body: &Map<String, Value>, key: &str) -> Result<String, Response> {
    match body.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | Some(Value::Null) | None => Err(error(
            400,
            "form_param_missing",
            &format!("{key} must be included."),
            Some(key),
        )),
        Some(_) => Err(error(
            400,
            "form_param_format_invalid",
            &format!("{key} must be a string."),
            Some(key),
        )),
    }
}

async fn attempt_verification(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
    kind: Kind,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = (|| -> Result<_, Response> {
        Ok((
            body_string(&body, "verification_id")?,
            body_string(&body, "code")?,
        ))
    })();
    let (verification_id, code) = match fields {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let Some((user_id, n)) = locate(&store, kind, &id) else {
        return not_found();
    };
    let Some(pending) = store
        .verifications
        .get_mut(&verification_id)
        .filter(|p| p.identification_id == id)
    else {
        return error(
            404,
            "resource_not_found",
            &format!("No verification was found with id {verification_id}"),
            Some("verification_id"),
        );
    };
    let now = now_ms();
    let verification = &mut pending.verification;
    match verification["status"].as_str() {
        Some("verified") => {
            return error(
                400,
                "verification_already_verified",
                "This verification has already been verified.",
                None,
            )
        }
        Some("failed") | Some("expired") => return Json(verification.clone()).into_response(),
        _ => {}
    }
    let attempts = verification["attempts"].as_i64().unwrap_or(0) + 1;
    verification["attempts"] = json!(attempts);
    let expired = verification["expire_at"].as_i64().is_some_and(|t| now > t);
    let status = if expired {
        "expired"
    } else if code == pending.code {
        "verified"
    } else if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "unverified"
    };
    verification["status"] = json!(status);
    let served = verification.clone();
    if status == "verified" {
        let (list, _, _, _) = kind.fields();
        if let Some(user) = store.users.get_mut(&user_id) {
            let identification = &mut user[list][n];
            if !is_verified(identification) {
                identification["verification"] = json!({
                    "object": "verification_otp",
                    "status": "verified",
                    "strategy": served["strategy"],
                    "attempts": served["attempts"],
                    "expire_at": served["expire_at"],
                });
                identification["updated_at"] = json!(now);
                user["updated_at"] = json!(now);
            }
        }
    }
    Json(served).into_response()
}
