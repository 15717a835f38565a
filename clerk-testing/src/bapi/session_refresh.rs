//! `POST /v1/sessions/{id}/refresh`: server-side refresh of an expired session token with
//! the refresh token the handshake handed out, as `@clerk/backend` calls it (body of
//! `docs/handshake-spec.md` §8.2, `?suffixed_cookies=true` when the app reads the suffixed
//! cookies).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::session_cookies::{cookie_suffix, mint_session_token, CookieOptions};
use super::{error, json_body, not_found, now_ms, query_pairs};
use crate::token::verified_claims;
use crate::State;

/// Fields of a `POST /sessions/{id}/refresh` body.
const REFRESH_FIELDS: [&str; 6] = [
    "expired_token",
    "refresh_token",
    "request_origin",
    "request_headers",
    "format",
    "request_originating_ip",
];

/// The body, validated as the API does (422 naming the field), as
/// `(expired_token, refresh_token, request_origin, format is cookie)`.
fn parse_body(body: &Map<String, Value>) -> Result<(String, String, String, bool), Response> {
    if let Some(key) = body.keys().find(|k| !REFRESH_FIELDS.contains(&k.as_str())) {
        return Err(error(
            422,
            "form_param_unknown",
            &format!("{key} is not a valid parameter for this request."),
            Some(key),
        ));
    }
    let mut required = Vec::new();
    for key in ["expired_token", "refresh_token", "request_origin"] {
        match body.get(key) {
            Some(Value::String(v)) if !v.is_empty() => required.push(v.clone()),
            Some(Value::String(_)) | Some(Value::Null) | None => {
                return Err(error(
                    422,
                    "form_param_missing",
                    &format!("{key} must be included."),
                    Some(key),
                ))
            }
            Some(_) => {
                return Err(error(
                    422,
                    "form_param_format_invalid",
                    &format!("{key} must be a string."),
                    Some(key),
                ))
            }
        }
    }
    let cookie = match body.get("format") {
        None | Some(Value::Null) => false,
        Some(Value::String(f)) if f == "token" => false,
        Some(Value::String(f)) if f == "cookie" => true,
        Some(_) => {
            return Err(error(
                422,
                "form_param_value_invalid",
                "format must be one of token or cookie.",
                Some("format"),
            ))
        }
    };
    for (key, ok) in [
        (
            "request_headers",
            body.get("request_headers")
                .is_none_or(|v| v.is_null() || v.is_object()),
        ),
        (
            "request_originating_ip",
            body.get("request_originating_ip")
                .is_none_or(|v| v.is_null() || v.is_string()),
        ),
    ] {
        if !ok {
            return Err(error(
                422,
                "form_param_format_invalid",
                &format!("{key} has an invalid format."),
                Some(key),
            ));
        }
    }
    let mut required = required.into_iter();
    let (expired, refresh, origin) = (
        required.next().unwrap_or_default(),
        required.next().unwrap_or_default(),
        required.next().unwrap_or_default(),
    );
    Ok((expired, refresh, origin, cookie))
}

/// A refresh that fails validation: a 401, the spec's signal for SDKs to fall back to the
/// handshake (`@clerk/backend` reports `session-token-expired-refresh-authentication_invalid`).
fn invalid(message: &str, param: &str) -> Response {
    error(401, "authentication_invalid", message, Some(param))
}

/// `POST /sessions/{id}/refresh`: a new session token (`format` `token`, the default) or
/// `Set-Cookie` directives (`format` `cookie`: `__client_uat` and `__session`, then their
/// `_<suffix>` twins with `?suffixed_cookies=true`), all with exactly `application/json`.
///
/// A missing required field is a 422 `form_param_missing`. The spec's 401 ("validation
/// errors", `authentication_invalid`) answers an unknown session or one that is not
/// `active`, an `expired_token` that is not a token the instance signed for this session,
/// and a `refresh_token` the Frontend API did not hand out for it. The new token's `azp` is the
/// request origin; its cookies are `Secure` for an `https` origin.
async fn refresh(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let answer = state
        .store
        .lock()
        .unwrap()
        .handshake
        .refresh_answers
        .get(&id)
        .cloned();
    if let Some(answer) = answer {
        return answer.into_response();
    }
    let (expired_token, refresh_token, origin, cookie) =
        match json_body(&body).and_then(|b| parse_body(&b)) {
            Ok(parsed) => parsed,
            Err(r) => return r,
        };
    let suffixed = query_pairs(&uri)
        .iter()
        .any(|(k, v)| k == "suffixed_cookies" && v == "true");
    let keys = state.keys.lock().unwrap().clone();
    let key = keys.last().cloned().expect("the mock always has a key");
    let mut store = state.store.lock().unwrap();
    match store.sessions.get(&id) {
        Some(session) if session["status"].as_str() == Some("active") => {}
        // The spec documents 400 and 401 only: a session that cannot be refreshed is a
        // validation error, Clerk's signal to fall back to the handshake.
        _ => return invalid("The session is not active.", "session_id"),
    }
    let expired_sid = verified_claims(&keys, &expired_token)
        .and_then(|claims| claims.get("sid")?.as_str().map(str::to_owned));
    if expired_sid.as_deref() != Some(id.as_str()) {
        return invalid(
            "The expired token does not belong to this session.",
            "expired_token",
        );
    }
    if store.handshake.session_of_refresh_token(&refresh_token) != Some(id.as_str()) {
        return invalid("The refresh token is invalid.", "refresh_token");
    }
    let Some((jwt, signed_in_at)) = mint_session_token(&store, key, &id, &origin) else {
        return not_found();
    };
    let now = now_ms();
    if let Some(session) = store.sessions.get_mut(&id) {
        session["last_active_at"] = json!(now);
        session["updated_at"] = json!(now);
    }
    if !cookie {
        return Json(json!({ "object": "token", "jwt": jwt })).into_response();
    }
    let options = CookieOptions {
        suffix: cookie_suffix(&store.publishable_key),
        suffixed,
        secure: origin.starts_with("https://"),
    };
    Json(json!({
        "object": "cookies",
        "cookies": options.session(Some((&jwt, signed_in_at))),
    }))
    .into_response()
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new().route("/v1/sessions/{id}/refresh", axum::routing::post(refresh))
}
