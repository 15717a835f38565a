//! `POST`, `GET`, `PATCH` and `DELETE /v1/users/{id}`, and the user's metadata.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::fields::{
    check_fields, field_taken, identifier_exists, strings, text, timestamp, unprocessable,
    METADATA_FIELDS, UPDATE_FIELDS,
};
use super::objects::insert_user;
use super::passwords::{check_password, stored_password};
use super::totp::check_totp_secret;
use super::totp::update_two_factor;
use crate::bapi::{deep_merge, json_body, not_found, now_ms, Store};
use crate::State;

pub(super) async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
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

pub(super) async fn fetch(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Response {
    match state.store.lock().unwrap().users.get(&id) {
        Some(user) => Json(user.clone()).into_response(),
        None => not_found(),
    }
}

pub(super) async fn update(
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

pub(super) async fn remove(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Response {
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

pub(super) async fn merge_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    metadata(&state, &id, &body, false)
}

pub(super) async fn replace_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    metadata(&state, &id, &body, true)
}
