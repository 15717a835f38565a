//! `PUT /v1/users/{id}/email_address` and `/phone_number`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::fields::{
    check_fields, identifier_exists, taken, text, unprocessable, valid_email, valid_phone,
    REPLACE_EMAIL_FIELDS, REPLACE_PHONE_FIELDS,
};
use super::objects::{email_object, phone_object};
use super::totp::update_two_factor;
use crate::bapi::{error, json_body, not_found, now_ms};
use crate::State;

/// What `PUT /users/{id}/email_address` or `PUT /users/{id}/phone_number` replaces.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Replaced {
    Email,
    Phone,
}

/// `PUT /users/{id}/email_address` · `/phone_number`: replaces all of the user's addresses
/// (numbers) with one new primary one, created verified (admin strategy), reserved or
/// unverified per `identification_status`. Its uniqueness is checked against the other
/// users only, so the user's current value may be given again.
pub(super) async fn replace_identification(
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
