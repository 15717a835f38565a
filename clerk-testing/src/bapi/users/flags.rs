//! Ban, unban, lock and unlock, one user or in bulk.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::fields::strings;
use crate::bapi::{error, json_body, not_found, now_ms, Store};
use crate::State;

#[derive(Clone, Copy)]
pub(super) enum Flag {
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

pub(super) async fn flag(
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

pub(super) async fn bulk_flag(
    AxumState(state): AxumState<Arc<State>>,
    body: Bytes,
    banned: bool,
) -> Response {
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
