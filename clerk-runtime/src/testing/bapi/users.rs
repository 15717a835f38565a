//! `/v1/users` of the local Backend API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{deep_merge, error, json_body, list_response, new_id, not_found, now_ms, paging, query_pairs, sort};
use crate::testing::State;

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/users", get(list).post(create))
        .route("/v1/users/count", get(count))
        .route("/v1/users/{id}", get(fetch).patch(update).delete(remove))
        .route("/v1/users/{id}/metadata", axum::routing::patch(merge_metadata).put(replace_metadata))
        .route("/v1/users/{id}/ban", post(|s, p| flag(s, p, "banned", true)))
        .route("/v1/users/{id}/unban", post(|s, p| flag(s, p, "banned", false)))
        .route("/v1/users/{id}/lock", post(|s, p| flag(s, p, "locked", true)))
        .route("/v1/users/{id}/unlock", post(|s, p| flag(s, p, "locked", false)))
        .route("/v1/users/{id}/verify_password", post(verify_password))
}

fn strings(body: &Map<String, Value>, key: &str) -> Vec<String> {
    match body.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn identification(kind: &str, object: &str, field: &str, value: &str, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": object,
        field: value,
        "reserved": false,
        "verification": {"object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": null, "expire_at": null},
        "linked_to": [],
        "created_at": now,
        "updated_at": now,
        kind: false,
    })
}

/// Builds a user object from a `POST /users` body, or the API's 422.
pub(crate) fn build_user(store: &super::Store, body: &Map<String, Value>) -> Result<(Value, Option<String>), Response> {
    let now = now_ms();
    let emails = strings(body, "email_address");
    for email in &emails {
        if !email.contains('@') {
            return Err(error(422, "form_param_format_invalid", "email_address must be a valid email address.", Some("email_address")));
        }
        let taken = store.users.values().any(|u| {
            u["email_addresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e["email_address"].as_str() == Some(email)))
        });
        if taken {
            return Err(error(422, "form_identifier_exists", "That email address is taken. Please try another.", Some("email_address")));
        }
    }
    let username = body.get("username").and_then(Value::as_str).map(str::to_owned);
    if let Some(name) = &username {
        if store.users.values().any(|u| u["username"].as_str() == Some(name)) {
            return Err(error(422, "form_identifier_exists", "That username is taken. Please try another.", Some("username")));
        }
    }
    let password = body.get("password").and_then(Value::as_str).map(str::to_owned);
    if password.as_ref().is_some_and(|p| p.len() < 8) {
        return Err(error(422, "form_password_length_too_short", "Passwords must be 8 characters or more.", Some("password")));
    }
    let email_objects: Vec<Value> = emails
        .iter()
        .map(|e| identification("matches_sso_connection", "email_address", "email_address", e, now))
        .collect();
    let phone_objects: Vec<Value> = strings(body, "phone_number")
        .iter()
        .map(|p| identification("reserved_for_second_factor", "phone_number", "phone_number", p, now))
        .collect();
    let id = new_id("user");
    let metadata = |key: &str| body.get(key).filter(|v| v.is_object()).cloned().unwrap_or_else(|| json!({}));
    let user = json!({
        "id": id,
        "object": "user",
        "external_id": body.get("external_id").cloned().unwrap_or(Value::Null),
        "primary_email_address_id": email_objects.first().map(|e| e["id"].clone()).unwrap_or(Value::Null),
        "primary_phone_number_id": phone_objects.first().map(|p| p["id"].clone()).unwrap_or(Value::Null),
        "primary_web3_wallet_id": null,
        "username": username,
        "first_name": body.get("first_name").cloned().unwrap_or(Value::Null),
        "last_name": body.get("last_name").cloned().unwrap_or(Value::Null),
        "locale": body.get("locale").cloned().unwrap_or(Value::Null),
        "profile_image_url": "https://www.gravatar.com/avatar?d=mp",
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        "has_image": false,
        "public_metadata": metadata("public_metadata"),
        "private_metadata": metadata("private_metadata"),
        "unsafe_metadata": metadata("unsafe_metadata"),
        "email_addresses": email_objects,
        "phone_numbers": phone_objects,
        "web3_wallets": [],
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
        "banned": body.get("banned").and_then(Value::as_bool).unwrap_or(false),
        "locked": body.get("locked").and_then(Value::as_bool).unwrap_or(false),
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": 100,
        "created_at": now,
        "updated_at": now,
        "delete_self_enabled": body.get("delete_self_enabled").and_then(Value::as_bool).unwrap_or(true),
        "create_organization_enabled": body.get("create_organization_enabled").and_then(Value::as_bool).unwrap_or(true),
        "create_organizations_limit": body.get("create_organizations_limit").cloned().unwrap_or(Value::Null),
        "last_active_at": null,
        "legal_accepted_at": null,
        "bypass_client_trust": false,
    });
    Ok((user, password))
}

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    match build_user(&store, &body) {
        Ok((user, password)) => {
            let id = user["id"].as_str().unwrap_or_default().to_owned();
            if let Some(p) = password {
                store.passwords.insert(id.clone(), p);
            }
            store.users.insert(id, user.clone());
            Json(user).into_response()
        }
        Err(r) => r,
    }
}

async fn fetch(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    match state.store.lock().unwrap().users.get(&id) {
        Some(user) => Json(user.clone()).into_response(),
        None => not_found(),
    }
}

/// Whether a user matches one filter value with an optional `+`/`-` prefix.
fn signed_match(values: &[String], actual: Option<&str>) -> bool {
    let includes: Vec<&str> = values.iter().filter(|v| !v.starts_with('-')).map(|v| v.trim_start_matches('+')).collect();
    let excludes: Vec<&str> = values.iter().filter_map(|v| v.strip_prefix('-')).collect();
    if actual.is_some_and(|a| excludes.contains(&a)) {
        return false;
    }
    includes.is_empty() || actual.is_some_and(|a| includes.contains(&a))
}

fn filtered(state: &State, pairs: &[(String, String)]) -> Vec<Value> {
    let all = |name: &str| -> Vec<String> { pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect() };
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let emails = all("email_address");
    let phones = all("phone_number");
    let usernames = all("username");
    let user_ids = all("user_id");
    let external_ids = all("external_id");
    let query = one("query").map(|q| q.to_lowercase());
    let email_query = one("email_address_query").map(|q| q.to_lowercase());
    let banned = one("banned").map(|b| b == "true");
    let number = |name: &str| one(name).and_then(|v| v.parse::<i64>().ok());
    let (created_before, created_after) = (number("created_at_before"), number("created_at_after"));
    let store = state.store.lock().unwrap();
    store
        .users
        .values()
        .filter(|u| {
            let identifiers = |list: &str, field: &str| -> Vec<String> {
                u[list]
                    .as_array()
                    .map(|a| a.iter().filter_map(|e| e[field].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            let user_emails = identifiers("email_addresses", "email_address");
            let user_phones = identifiers("phone_numbers", "phone_number");
            let created = u["created_at"].as_i64().unwrap_or_default();
            (emails.is_empty() || emails.iter().any(|e| user_emails.contains(e)))
                && (phones.is_empty() || phones.iter().any(|p| user_phones.contains(p)))
                && (usernames.is_empty() || u["username"].as_str().is_some_and(|n| usernames.iter().any(|x| x == n)))
                && signed_match(&user_ids, u["id"].as_str())
                && signed_match(&external_ids, u["external_id"].as_str())
                && banned.is_none_or(|b| u["banned"].as_bool() == Some(b))
                && created_before.is_none_or(|t| created < t)
                && created_after.is_none_or(|t| created > t)
                && email_query.as_ref().is_none_or(|q| user_emails.iter().any(|e| e.to_lowercase().contains(q)))
                && query.as_ref().is_none_or(|q| {
                    let mut haystack = vec![u["id"].as_str().unwrap_or_default().to_lowercase()];
                    for field in ["username", "first_name", "last_name", "external_id"] {
                        haystack.push(u[field].as_str().unwrap_or_default().to_lowercase());
                    }
                    haystack.extend(user_emails.iter().map(|e| e.to_lowercase()));
                    haystack.extend(user_phones.iter().cloned());
                    haystack.iter().any(|h| h.contains(q.as_str()))
                })
        })
        .cloned()
        .collect()
}

async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut users = filtered(&state, &pairs);
    let order_by = pairs.iter().find(|(k, _)| k == "order_by").map(|(_, v)| v.as_str());
    let allowed = [
        "created_at", "updated_at", "email_address", "web3wallet", "first_name", "last_name",
        "phone_number", "username", "last_active_at", "last_sign_in_at",
    ];
    if let Err(r) = sort(&mut users, order_by, &allowed) {
        return r;
    }
    if let Some((_, after)) = pairs.iter().find(|(k, _)| k == "starting_after") {
        if offset != 0 {
            return error(422, "form_param_value_invalid", "starting_after cannot be combined with offset", Some("starting_after"));
        }
        match users.iter().position(|u| u["id"].as_str() == Some(after)) {
            Some(i) => users.drain(..=i).for_each(drop),
            None => users.clear(),
        }
    }
    let total = users.len();
    let page: Vec<Value> = users.into_iter().skip(offset).take(limit).collect();
    list_response(page, total, false)
}

async fn count(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let total = filtered(&state, &query_pairs(&uri)).len();
    Json(json!({"object": "total_count", "total_count": total})).into_response()
}

async fn update(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    if let Some(p) = body.get("password").and_then(Value::as_str) {
        if p.len() < 8 {
            return error(422, "form_password_length_too_short", "Passwords must be 8 characters or more.", Some("password"));
        }
        if store.users.contains_key(&id) {
            store.passwords.insert(id.clone(), p.to_owned());
        }
    }
    let Some(user) = store.users.get_mut(&id) else { return not_found() };
    for key in ["external_id", "first_name", "last_name", "locale", "username", "delete_self_enabled", "create_organization_enabled", "create_organizations_limit", "primary_email_address_id", "primary_phone_number_id"] {
        if let Some(v) = body.get(key) {
            user[key] = v.clone();
        }
    }
    if body.contains_key("password") {
        user["password_enabled"] = json!(true);
    }
    user["updated_at"] = json!(now_ms());
    Json(user.clone()).into_response()
}

async fn remove(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let mut store = state.store.lock().unwrap();
    store.passwords.remove(&id);
    match store.users.remove(&id) {
        Some(_) => Json(json!({"object": "user", "id": id, "deleted": true})).into_response(),
        None => not_found(),
    }
}

fn metadata(state: &State, id: &str, body: &[u8], replace: bool) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let Some(user) = store.users.get_mut(id) else { return not_found() };
    for key in ["public_metadata", "private_metadata", "unsafe_metadata"] {
        match body.get(key) {
            Some(Value::Object(patch)) if replace => user[key] = Value::Object(patch.clone()),
            Some(Value::Object(patch)) => {
                let mut current = user[key].as_object().cloned().unwrap_or_default();
                deep_merge(&mut current, patch);
                user[key] = Value::Object(current);
            }
            Some(Value::Null) | None => {}
            Some(_) => return error(422, "form_param_format_invalid", "metadata must be an object", Some(key)),
        }
    }
    user["updated_at"] = json!(now_ms());
    Json(user.clone()).into_response()
}

async fn merge_metadata(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>, body: Bytes) -> Response {
    metadata(&state, &id, &body, false)
}

async fn replace_metadata(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>, body: Bytes) -> Response {
    metadata(&state, &id, &body, true)
}

async fn flag(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>, field: &'static str, value: bool) -> Response {
    let mut store = state.store.lock().unwrap();
    let Some(user) = store.users.get_mut(&id) else { return not_found() };
    user[field] = json!(value);
    user["updated_at"] = json!(now_ms());
    Json(user.clone()).into_response()
}

async fn verify_password(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let store = state.store.lock().unwrap();
    if !store.users.contains_key(&id) {
        return not_found();
    }
    let Some(given) = body.get("password").and_then(Value::as_str) else {
        return error(422, "form_param_missing", "password is missing", Some("password"));
    };
    match store.passwords.get(&id) {
        None => error(400, "no_password_set", "This user has no password.", None),
        Some(p) if p == given => Json(json!({"verified": true})).into_response(),
        Some(_) => error(422, "incorrect_password", "Password is incorrect.", Some("password")),
    }
}
