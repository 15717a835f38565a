//! `/v1/sign_in_tokens` and `/v1/testing_tokens` of the local Backend API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{error, json_body, new_id, not_found, now_ms};
use crate::State;

/// Default lifetime of a sign-in token: 30 days.
const SIGN_IN_TOKEN_LIFETIME: i64 = 2_592_000;
/// Lifetime of a testing token (the spec's example: one hour).
const TESTING_TOKEN_LIFETIME: i64 = 3600;

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/sign_in_tokens", post(create_sign_in_token))
        .route("/v1/sign_in_tokens/{id}/revoke", post(revoke_sign_in_token))
        .route("/v1/testing_tokens", post(create_testing_token))
}

async fn create_sign_in_token(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let user_id = match body.get("user_id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => {
            return error(
                422,
                "form_param_missing",
                "user_id must be included.",
                Some("user_id"),
            )
        }
    };
    let lifetime = match body.get("expires_in_seconds") {
        None | Some(Value::Null) => SIGN_IN_TOKEN_LIFETIME,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(secs) if secs >= 1 => secs,
            _ => {
                return error(
                    422,
                    "form_param_value_invalid",
                    "expires_in_seconds must be at least 1.",
                    Some("expires_in_seconds"),
                )
            }
        },
        Some(_) => {
            return error(
                422,
                "form_param_format_invalid",
                "expires_in_seconds must be an integer.",
                Some("expires_in_seconds"),
            )
        }
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
        return not_found();
    }
    let now = now_ms();
    let id = new_id("sit");
    let claims = json!({
        "eis": lifetime,
        "exp": now / 1000 + lifetime,
        "iid": key.kid(),
        "sid": id,
        "st": "sign_in_token",
    });
    let header = json!({ "alg": "RS256", "kid": key.kid(), "typ": "JWT" });
    let token = crate::token::TokenBuilder::sign_raw(
        &key,
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
        "RS256",
    );
    let stored = json!({
        "object": "sign_in_token",
        "id": id,
        "status": "pending",
        "user_id": user_id,
        "created_at": now,
        "updated_at": now,
    });
    let mut created = stored.clone();
    created["token"] = json!(token);
    created["url"] = json!(format!("{}/v1/tickets/accept?ticket={token}", store.issuer));
    store.sign_in_tokens.insert(id, stored);
    Json(created).into_response()
}

/// Revokes a sign-in token; revoking one that is already revoked answers it unchanged.
async fn revoke_sign_in_token(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Response {
    let mut store = state.store.lock().unwrap();
    let Some(token) = store.sign_in_tokens.get_mut(&id) else {
        return not_found();
    };
    if token["status"].as_str() != Some("revoked") {
        token["status"] = json!("revoked");
        token["updated_at"] = json!(now_ms());
    }
    Json(token.clone()).into_response()
}

/// `{object, token, expires_at}`; `token` is `<issued at, s>-<random>` and `expires_at` is
/// in seconds, as in the spec's example (`1713877200-c_2J2M…`, `1713880800`).
async fn create_testing_token() -> Response {
    let now = now_ms() / 1000;
    Json(json!({
        "object": "testing_token",
        "token": format!("{now}-c_{}", crate::random_id(27)),
        "expires_at": now + TESTING_TOKEN_LIFETIME,
    }))
    .into_response()
}
