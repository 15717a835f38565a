//! `/v1/sessions` of the local Backend API: list, create (testing), get, revoke, and
//! session tokens minted with the mock's current signing key (refresh: `session_refresh.rs`).
// Validation helpers return the API's error `Response` as their `Err`, as the handlers do.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::session_cookies::SESSION_TOKEN_LIFETIME;
use super::{
    error, json_body, list_response, new_id, not_found, now_ms, paging, query_pairs, sort, Store,
};
use crate::token::TokenBuilder;
use crate::State;

/// Lifetime of a session (7 days) and inactivity timeout (30 days), as Clerk's defaults.
const SESSION_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;
const SESSION_ABANDON_MS: i64 = 30 * 24 * 3600 * 1000;
/// Bounds of `expires_in_seconds` of the token endpoints.
const TOKEN_LIFETIME_RANGE: std::ops::RangeInclusive<i64> = 30..=315_360_000;
/// Statuses accepted by the `status` filter of `GET /sessions`.
const LIST_STATUSES: [&str; 7] = [
    "abandoned",
    "active",
    "ended",
    "expired",
    "removed",
    "replaced",
    "revoked",
];
/// Claims Clerk sets on every token; a template cannot override them.
const DEFAULT_CLAIMS: [&str; 8] = ["azp", "exp", "iat", "iss", "jti", "nbf", "sub", "sid"];

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/sessions", get(list).post(create))
        .route("/v1/sessions/{id}", get(fetch))
        .route("/v1/sessions/{id}/revoke", post(revoke))
        .route(
            "/v1/sessions/{id}/tokens",
            post(
                |s: AxumState<Arc<State>>, Path(id): Path<String>, body: Bytes| {
                    token(s, id, None, body)
                },
            ),
        )
        .route(
            "/v1/sessions/{id}/tokens/{template}",
            post(
                |s: AxumState<Arc<State>>,
                 Path((id, template)): Path<(String, String)>,
                 body: Bytes| { token(s, id, Some(template), body) },
            ),
        )
}

/// Creates a session (and the client holding it) from a `POST /sessions` body, as the API
/// does: `user_id` is required (422) and must name a user (404). Returns the session.
pub(crate) fn build_session(
    store: &mut Store,
    body: &Map<String, Value>,
) -> Result<Value, Response> {
    let user_id = match body.get("user_id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(error(
                422,
                "form_param_missing",
                "user_id must be included.",
                Some("user_id"),
            ))
        }
        Some(_) => {
            return Err(error(
                422,
                "form_param_format_invalid",
                "user_id must be a string.",
                Some("user_id"),
            ))
        }
    };
    if !store.users.contains_key(&user_id) {
        return Err(not_found());
    }
    let organization = match body.get("active_organization_id") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(org)) => Value::String(org.clone()),
        Some(_) => {
            return Err(error(
                422,
                "form_param_format_invalid",
                "active_organization_id must be a string.",
                Some("active_organization_id"),
            ))
        }
    };
    let now = now_ms();
    let session_id = new_id("sess");
    let client_id = new_id("client");
    let session = json!({
        "object": "session",
        "id": session_id,
        "user_id": user_id,
        "client_id": client_id,
        "actor": null,
        "status": "active",
        "last_active_organization_id": organization,
        "last_active_at": now,
        "latest_activity": {
            "object": "session_activity",
            "id": new_id("sess_activity"),
            "device_type": null,
            "is_mobile": false,
            "browser_name": null,
            "browser_version": null,
            "ip_address": null,
            "city": null,
            "country": null,
        },
        "expire_at": now + SESSION_LIFETIME_MS,
        "abandon_at": now + SESSION_ABANDON_MS,
        "updated_at": now,
        "created_at": now,
        "tasks": null,
    });
    let client = json!({
        "object": "client",
        "id": client_id,
        "session_ids": [session_id],
        "sessions": [],
        "sign_in_id": null,
        "sign_up_id": null,
        "last_active_session_id": session_id,
        "last_authentication_strategy": null,
        "updated_at": now,
        "created_at": now,
    });
    store.sessions.insert(session_id, session.clone());
    store.clients.insert(client_id, client);
    Ok(session)
}

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    match build_session(&mut store, &body) {
        Ok(session) => Json(session).into_response(),
        Err(r) => r,
    }
}

async fn fetch(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    match state.store.lock().unwrap().sessions.get(&id) {
        Some(session) => Json(session.clone()).into_response(),
        None => not_found(),
    }
}

async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let status = one("status");
    if let Some(s) = status {
        if !LIST_STATUSES.contains(&s) {
            return error(
                422,
                "form_param_value_invalid",
                "status is not a valid session status.",
                Some("status"),
            );
        }
    }
    let (client_id, user_id) = (one("client_id"), one("user_id"));
    let paged = one("paginated") == Some("true");
    let mut sessions: Vec<Value> = state
        .store
        .lock()
        .unwrap()
        .sessions
        .values()
        .filter(|s| {
            client_id.is_none_or(|c| s["client_id"].as_str() == Some(c))
                && user_id.is_none_or(|u| s["user_id"].as_str() == Some(u))
                && status.is_none_or(|st| s["status"].as_str() == Some(st))
        })
        .cloned()
        .collect();
    if let Err(r) = sort(&mut sessions, None, &["created_at"]) {
        return r;
    }
    let total = sessions.len();
    let page = sessions.into_iter().skip(offset).take(limit).collect();
    list_response(page, total, paged)
}

async fn revoke(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let mut store = state.store.lock().unwrap();
    let Some(session) = store.sessions.get_mut(&id) else {
        return not_found();
    };
    session["status"] = json!("revoked");
    session["updated_at"] = json!(now_ms());
    Json(session.clone()).into_response()
}

/// `expires_in_seconds` of a token request body: absent or `null`, or 30–315360000.
fn token_lifetime(body: &Map<String, Value>) -> Result<Option<i64>, Response> {
    match body.get("expires_in_seconds") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(secs) if TOKEN_LIFETIME_RANGE.contains(&secs) => Ok(Some(secs)),
            _ => Err(error(
                422,
                "form_param_value_invalid",
                "expires_in_seconds must be between 30 and 315360000.",
                Some("expires_in_seconds"),
            )),
        },
        Some(_) => Err(error(
            422,
            "form_param_format_invalid",
            "expires_in_seconds must be an integer.",
            Some("expires_in_seconds"),
        )),
    }
}

/// `POST /sessions/{id}/tokens[/{template}]`. The spec documents only 401 and 404 here, so
/// a session that is not `active` or `pending`, or an unknown template, is a 404.
async fn token(
    AxumState(state): AxumState<Arc<State>>,
    id: String,
    template: Option<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let lifetime = match token_lifetime(&body) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let key = state
        .keys
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the mock always has a key");
    let store = state.store.lock().unwrap();
    let Some(session) = store.sessions.get(&id) else {
        return not_found();
    };
    let status = session["status"].as_str().unwrap_or_default();
    if status != "active" && status != "pending" {
        return not_found();
    }
    let user_id = session["user_id"].as_str().unwrap_or_default();
    let Some(user) = store.users.get(user_id) else {
        return not_found();
    };
    let builder = TokenBuilder::new(key, &store.issuer)
        .user(user_id)
        .session(&id)
        .without_claim("azp");
    let jwt = match template {
        None => {
            let mut builder = builder
                .claim("sts", status)
                .expires_in_secs(lifetime.unwrap_or(SESSION_TOKEN_LIFETIME));
            if let Some(actor) = session.get("actor").filter(|a| a.is_object()) {
                builder = builder.claim("act", actor.clone());
            }
            builder.sign()
        }
        Some(name) => {
            let Some(template) = store
                .jwt_templates
                .values()
                .find(|t| t["name"].as_str() == Some(name.as_str()))
            else {
                return not_found();
            };
            let context = json!({ "user": user_context(user), "session": { "id": id, "actor": session["actor"] } });
            let mut builder = builder
                .without_claim("fva")
                .without_claim("sts")
                .without_claim("v")
                .without_header("cat");
            if let Some(claims) = template["claims"].as_object() {
                for (name, value) in claims {
                    if !DEFAULT_CLAIMS.contains(&name.as_str()) {
                        builder = builder.claim(name, resolve_shortcodes(value, &context));
                    }
                }
            }
            let lifetime = lifetime.unwrap_or_else(|| template["lifetime"].as_i64().unwrap_or(60));
            let skew = template["allowed_clock_skew"].as_i64().unwrap_or(5);
            let builder = builder.expires_in_secs(lifetime).not_before_in_secs(-skew);
            let template_id = template["id"].as_str().unwrap_or_default();
            match store.jwt_template_keys.get(template_id) {
                None => builder.sign(),
                Some(secret) => {
                    let alg = template["signing_algorithm"].as_str().unwrap_or_default();
                    match super::jwt_templates::sign_custom(alg, secret, builder.claims()) {
                        Ok(jwt) => jwt,
                        Err(message) => return error(400, "signing_key_invalid", &message, None),
                    }
                }
            }
        }
    };
    Json(json!({ "object": "token", "jwt": jwt })).into_response()
}

/// What `{{user.…}}` shortcodes see: the user's fields plus the computed ones Clerk offers.
fn user_context(user: &Value) -> Value {
    let mut context = user.as_object().cloned().unwrap_or_default();
    let primary = |list: &str, id_field: &str, value_field: &str| -> (Value, Value) {
        let id = user[id_field].as_str();
        let found = user[list].as_array().and_then(|items| {
            items
                .iter()
                .find(|i| i["id"].as_str() == id && id.is_some())
        });
        match found {
            Some(item) => (
                item[value_field].clone(),
                json!(item["verification"]["status"].as_str() == Some("verified")),
            ),
            None => (Value::Null, json!(false)),
        }
    };
    let (email, email_verified) = primary(
        "email_addresses",
        "primary_email_address_id",
        "email_address",
    );
    let (phone, phone_verified) =
        primary("phone_numbers", "primary_phone_number_id", "phone_number");
    let (wallet, _) = primary("web3_wallets", "primary_web3_wallet_id", "web3_wallet");
    let full_name = [&user["first_name"], &user["last_name"]]
        .iter()
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    context.insert("primary_email_address".into(), email);
    context.insert("email_verified".into(), email_verified);
    context.insert("primary_phone_number".into(), phone);
    context.insert("phone_number_verified".into(), phone_verified);
    context.insert("primary_web3_wallet".into(), wallet);
    context.insert(
        "full_name".into(),
        if full_name.is_empty() {
            Value::Null
        } else {
            Value::String(full_name)
        },
    );
    context.remove("private_metadata");
    Value::Object(context)
}

/// Looks up a dotted shortcode path (`user.public_metadata.role`) in the context.
fn lookup(context: &Value, path: &str) -> Value {
    path.split('.')
        .try_fold(context, |v, segment| v.get(segment.trim()))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Replaces shortcodes in template claims: a string that is exactly `{{path}}` becomes the
/// value (any JSON type, `null` when missing); shortcodes inside a longer string are
/// interpolated as text.
pub(crate) fn resolve_shortcodes(value: &Value, context: &Value) -> Value {
    match value {
        Value::String(s) => {
            let trimmed = s.trim();
            if let Some(inner) = trimmed
                .strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
            {
                if !inner.contains("{{") && !inner.contains("}}") {
                    return lookup(context, inner.trim());
                }
            }
            if !s.contains("{{") {
                return value.clone();
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("{{") {
                let Some(len) = rest[start..].find("}}") else {
                    break;
                };
                out.push_str(&rest[..start]);
                match lookup(context, rest[start + 2..start + len].trim()) {
                    Value::Null => {}
                    Value::String(text) => out.push_str(&text),
                    other => out.push_str(&other.to_string()),
                }
                rest = &rest[start + len + 2..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_shortcodes(v, context))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve_shortcodes(v, context)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_resolve_whole_and_interpolated() {
        let context = json!({"user": {"id": "user_1", "first_name": "Ada", "public_metadata": {"role": "admin", "n": 3}}});
        let claims = json!({
            "uid": "{{user.id}}",
            "role": "{{ user.public_metadata.role }}",
            "n": "{{user.public_metadata.n}}",
            "greeting": "Hello {{user.first_name}} ({{user.public_metadata.n}}){{user.missing}}!",
            "missing": "{{user.last_name}}",
            "nested": ["{{user.id}}", {"x": "{{user.first_name}}"}],
            "static": 42,
        });
        let resolved = resolve_shortcodes(&claims, &context);
        assert_eq!(
            resolved,
            json!({
                "uid": "user_1",
                "role": "admin",
                "n": 3,
                "greeting": "Hello Ada (3)!",
                "missing": null,
                "nested": ["user_1", {"x": "Ada"}],
                "static": 42,
            })
        );
    }
}
