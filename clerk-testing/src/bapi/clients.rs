//! `/v1/clients/{id}` and `/v1/clients/verify` of the local Backend API (the deprecated
//! `GET /v1/clients` is in `legacy.rs`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{error, json_body, not_found, Store};
use crate::token::TokenBuilder;
use crate::{MockKey, State};

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/clients/verify", post(verify))
        .route("/v1/clients/{id}", get(fetch))
}

/// A client as served: its stored fields with `sessions` filled from `session_ids`.
pub(crate) fn client_view(store: &Store, client: &Value) -> Value {
    let mut client = client.clone();
    let sessions: Vec<Value> = client["session_ids"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().and_then(|id| store.sessions.get(id)).cloned())
                .collect()
        })
        .unwrap_or_default();
    client["sessions"] = Value::Array(sessions);
    client
}

async fn fetch(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let store = state.store.lock().unwrap();
    match store.clients.get(&id) {
        Some(client) => Json(client_view(&store, client)).into_response(),
        None => not_found(),
    }
}

/// A client token, as the Frontend API sets it in the `__client` cookie: a JWT signed with
/// the instance key, with the client `id` and a `rotating_token`.
pub(crate) fn client_token(key: &MockKey, client_id: &str) -> String {
    let header = json!({ "alg": "RS256", "kid": key.kid(), "typ": "JWT" });
    let claims = json!({ "id": client_id, "rotating_token": crate::random_id(40) });
    TokenBuilder::sign_raw(
        key,
        header.to_string().as_bytes(),
        claims.to_string().as_bytes(),
        "RS256",
    )
}

/// The client id of a client token signed by one of the published keys.
pub(crate) fn client_id_of(keys: &[Arc<MockKey>], token: &str) -> Option<String> {
    let claims = crate::token::verified_claims(keys, token)?;
    claims.get("id")?.as_str().map(str::to_owned)
}

/// `POST /clients/verify`: the spec documents 400 (bad request), 401 and 404 only, so a
/// missing or invalid token is a 400 and a valid token of an unknown client a 404.
async fn verify(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let token = match body.get("token") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        _ => {
            return error(
                400,
                "form_param_missing",
                "token must be included.",
                Some("token"),
            )
        }
    };
    let keys = state.keys.lock().unwrap().clone();
    let Some(client_id) = client_id_of(&keys, &token) else {
        return error(
            400,
            "token_invalid",
            "The client token is invalid.",
            Some("token"),
        );
    };
    let store = state.store.lock().unwrap();
    match store.clients.get(&client_id) {
        Some(client) => Json(client_view(&store, client)).into_response(),
        None => not_found(),
    }
}
