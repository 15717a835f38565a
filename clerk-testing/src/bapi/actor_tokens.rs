//! `/v1/actor_tokens` of the local Backend API: create and revoke impersonation tokens.
//!
//! Choices where the spec is silent: the spec documents no 404 for `POST /actor_tokens`,
//! so an unknown `user_id` is a 422 `form_param_value_invalid` naming `user_id`; revoking
//! a token that is already revoked answers it unchanged.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{error, json_body, new_id, not_found, now_ms};
use crate::State;

/// Default lifetime of an actor token: one hour.
const ACTOR_TOKEN_LIFETIME: i64 = 3600;
/// Default maximum lifetime of the session an actor token creates: 30 minutes.
const ACTOR_SESSION_MAX_DURATION: i64 = 1800;

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/actor_tokens", post(create))
        .route("/v1/actor_tokens/{id}/revoke", post(revoke))
}

/// A positive integer field (or its default when absent or `null`), or the API's 422.
fn seconds(
    body: &serde_json::Map<String, Value>,
    key: &str,
    default: i64,
) -> Result<i64, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(secs) if secs >= 1 => Ok(secs),
            _ => Err(error(
                422,
                "form_param_value_invalid",
                &format!("{key} must be at least 1."),
                Some(key),
            )),
        },
        Some(_) => Err(error(
            422,
            "form_param_format_invalid",
            &format!("{key} must be an integer."),
            Some(key),
        )),
    }
}

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    for key in body.keys() {
        if ![
            "user_id",
            "actor",
            "expires_in_seconds",
            "session_max_duration_in_seconds",
        ]
        .contains(&key.as_str())
        {
            return error(
                422,
                "form_param_unknown",
                &format!("{key} is not a valid parameter for this request."),
                Some(key),
            );
        }
    }
    let user_id = match body.get("user_id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return error(
                422,
                "form_param_missing",
                "user_id must be included.",
                Some("user_id"),
            )
        }
        Some(_) => {
            return error(
                422,
                "form_param_format_invalid",
                "user_id must be a string.",
                Some("user_id"),
            )
        }
    };
    let actor = match body.get("actor") {
        Some(Value::Object(actor)) => actor.clone(),
        None | Some(Value::Null) => {
            return error(
                422,
                "form_param_missing",
                "actor must be included.",
                Some("actor"),
            )
        }
        Some(_) => {
            return error(
                422,
                "form_param_format_invalid",
                "actor must be an object.",
                Some("actor"),
            )
        }
    };
    if actor
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return error(
            422,
            "form_param_missing",
            "actor must include a sub with the ID of the actor.",
            Some("actor"),
        );
    }
    let lifetime = match seconds(&body, "expires_in_seconds", ACTOR_TOKEN_LIFETIME) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let session_max = match seconds(
        &body,
        "session_max_duration_in_seconds",
        ACTOR_SESSION_MAX_DURATION,
    ) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let key = state
        .keys
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the mock always has a key");
    let mut store = state.store.lock().unwrap();
    if !store.users.contains_key(&user_id) {
        return error(
            422,
            "form_param_value_invalid",
            &format!("No user was found with id {user_id}"),
            Some("user_id"),
        );
    }
    let now = now_ms();
    let id = new_id("act");
    let claims = json!({
        "act": actor,
        "eis": lifetime,
        "exp": now / 1000 + lifetime,
        "iid": key.kid(),
        "sid": id,
        "smd": session_max,
        "st": "actor_token",
        "sub": user_id,
    });
    let header = json!({ "alg": "RS256", "kid": key.kid(), "typ": "JWT" });
    let token = crate::token::TokenBuilder::sign_raw(
        &key,
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
        "RS256",
    );
    let stored = json!({
        "object": "actor_token",
        "id": id,
        "status": "pending",
        "user_id": user_id,
        "actor": actor,
        "created_at": now,
        "updated_at": now,
    });
    let mut created = stored.clone();
    created["token"] = json!(token);
    created["url"] = json!(format!("{}/v1/tickets/accept?ticket={token}", store.issuer));
    store.actor_tokens.insert(id, stored);
    Json(created).into_response()
}

async fn revoke(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let mut store = state.store.lock().unwrap();
    let Some(token) = store.actor_tokens.get_mut(&id) else {
        return not_found();
    };
    if token["status"].as_str() != Some("revoked") {
        token["status"] = json!("revoked");
        token["updated_at"] = json!(now_ms());
    }
    Json(token.clone()).into_response()
}
