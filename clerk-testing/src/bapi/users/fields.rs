//! Request bodies of `/v1/users`: the documented fields and their types, and the
//! identifier checks (format, uniqueness across the instance).

use std::collections::BTreeSet;

use axum::response::Response;
use serde_json::{Map, Value};

use crate::bapi::rfc3339::parse_rfc3339;
use crate::bapi::{error, Store};

/// The JSON type a body field must have.
#[derive(Clone, Copy)]
pub(super) enum Kind {
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

pub(super) const CREATE_FIELDS: &[(&str, Kind)] = &[
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

pub(super) const UPDATE_FIELDS: &[(&str, Kind)] = &[
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

pub(super) const METADATA_FIELDS: &[(&str, Kind)] = &[
    ("public_metadata", Kind::Object),
    ("private_metadata", Kind::Object),
    ("unsafe_metadata", Kind::Object),
];

pub(super) const REPLACE_EMAIL_FIELDS: &[(&str, Kind)] = &[
    ("email_address", Kind::Str),
    ("identification_status", Kind::Str),
    ("notify_primary_email_address_changed", Kind::Bool),
];

pub(super) const REPLACE_PHONE_FIELDS: &[(&str, Kind)] = &[
    ("phone_number", Kind::Str),
    ("identification_status", Kind::Str),
];

pub(super) fn unprocessable(code: &str, message: &str, param: &str) -> Response {
    error(422, code, message, Some(param))
}

/// Rejects unknown and wrongly typed fields, like the API's form parsing.
pub(super) fn check_fields(
    body: &Map<String, Value>,
    fields: &[(&str, Kind)],
) -> Result<(), Response> {
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

pub(super) fn text(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(super) fn flag_of(body: &Map<String, Value>, key: &str) -> Option<bool> {
    body.get(key).and_then(Value::as_bool)
}

pub(super) fn strings(body: &Map<String, Value>, key: &str) -> Vec<String> {
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
pub(super) fn timestamp(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, Response> {
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

pub(super) fn valid_email(email: &str) -> bool {
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
pub(super) fn valid_phone(phone: &str) -> bool {
    phone.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len())
            && digits.bytes().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// An Ethereum-style address: `0x` and 40 hex digits.
pub(super) fn valid_wallet(wallet: &str) -> bool {
    wallet
        .strip_prefix("0x")
        .is_some_and(|hex| hex.len() == 40 && hex.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// The identifier values of one kind across the instance's users, except `except`'s.
pub(super) fn taken(
    store: &Store,
    list: &str,
    field: &str,
    except: Option<&str>,
) -> BTreeSet<String> {
    store
        .users
        .values()
        .filter(|u| except.is_none_or(|id| u["id"].as_str() != Some(id)))
        .flat_map(|u| identifier_values(u, list, field))
        .map(|v| v.to_lowercase())
        .collect()
}

pub(super) fn identifier_values(user: &Value, list: &str, field: &str) -> Vec<String> {
    user[list]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn field_taken(store: &Store, field: &str, value: &str, except: Option<&str>) -> bool {
    store.users.values().any(|u| {
        except.is_none_or(|id| u["id"].as_str() != Some(id)) && u[field].as_str() == Some(value)
    })
}

pub(super) fn identifier_exists(param: &str, what: &str) -> Response {
    unprocessable(
        "form_identifier_exists",
        &format!("That {what} is taken. Please try another."),
        param,
    )
}

/// Checks a list of new identifiers: format, and unique in the request and the instance.
pub(super) fn check_identifiers(
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
