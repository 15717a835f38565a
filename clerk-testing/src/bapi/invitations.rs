//! `/v1/invitations` of the local Backend API: list (bare array, or a page with
//! `paginated=true`), create, bulk create, revoke.
//!
//! Errors follow Clerk's Backend API error index: a pending invitation for the same
//! address is a 400 `duplicate_record` listing the addresses in `meta.email_addresses`,
//! revoking twice a 400 `invitation_already_revoked`, an unknown id a 404.

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{error, json_body, list_response, new_id, now_ms, paging, query_pairs, sort, Store};
use crate::{random_id, State};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const STATUSES: [&str; 4] = ["pending", "accepted", "revoked", "expired"];

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/invitations", get(list).post(create))
        .route("/v1/invitations/bulk", post(bulk))
        .route("/v1/invitations/{invitation_id}/revoke", post(revoke))
}

/// A Clerk error whose entry carries its own `meta` object.
pub(super) fn error_with_meta(
    status: u16,
    code: &str,
    message: &str,
    long_message: &str,
    meta: Value,
) -> Response {
    let body = json!({
        "errors": [{"code": code, "message": message, "long_message": long_message, "meta": meta}],
        "meta": {},
        "clerk_trace_id": format!("trace_{}", random_id(16)),
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}

/// Rejects the fields a body schema with `additionalProperties: false` does not declare:
/// 422 `form_param_unknown` naming the field.
pub(super) fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), Response> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(error(
            422,
            "form_param_unknown",
            &format!("{key} is not a valid parameter for this request."),
            Some(key),
        )),
        None => Ok(()),
    }
}

/// Whether `s` looks like an email address (`local@domain.tld`).
pub(super) fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The invitation as served: a pending invitation past `expires_at` reads `expired`.
fn served(invitation: &Value, now: i64) -> Value {
    let mut out = invitation.clone();
    let expired = invitation["expires_at"].as_i64().is_some_and(|t| t <= now);
    if invitation["status"] == "pending" && expired {
        out["status"] = json!("expired");
    }
    out
}

/// A new pending invitation (not yet stored).
pub(super) fn build_invitation(
    issuer: &str,
    email: &str,
    public_metadata: Value,
    redirect_url: Option<&str>,
    expires_in_days: i64,
) -> Value {
    let now = now_ms();
    let mut url = format!("{issuer}/v1/tickets/accept?ticket={}", random_id(40));
    if let Some(redirect) = redirect_url {
        url.push_str("&redirect_url=");
        url.extend(form_urlencoded::byte_serialize(redirect.as_bytes()));
    }
    json!({
        "object": "invitation",
        "id": new_id("inv"),
        "email_address": email,
        "public_metadata": public_metadata,
        "revoked": false,
        "status": "pending",
        "url": url,
        "expires_at": now + expires_in_days * DAY_MS,
        "created_at": now,
        "updated_at": now,
    })
}

/// The pending (not expired) invitation for this address, if any.
pub(super) fn pending_for<'s>(store: &'s Store, email: &str) -> Option<&'s Value> {
    let now = now_ms();
    store.invitations.values().find(|i| {
        i["email_address"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
            && served(i, now)["status"] == "pending"
    })
}

fn user_has_email(store: &Store, email: &str) -> bool {
    store.users.values().any(|u| {
        u["email_addresses"].as_array().is_some_and(|a| {
            a.iter().any(|e| {
                e["email_address"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(email))
            })
        })
    })
}

/// A validated item of a create or bulk-create body.
struct Item {
    email: String,
    public_metadata: Value,
    redirect_url: Option<String>,
    ignore_existing: bool,
    expires_in_days: i64,
}

const FIELDS: [&str; 7] = [
    "email_address",
    "public_metadata",
    "redirect_url",
    "notify",
    "ignore_existing",
    "expires_in_days",
    "template_slug",
];

fn validate(body: &Map<String, Value>) -> Result<Item, Response> {
    only_fields(body, &FIELDS)?;
    let invalid =
        |param: &str, message: &str| error(422, "form_param_value_invalid", message, Some(param));
    let email = match body.get("email_address") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Err(error(
                422,
                "form_param_missing",
                "email_address must be included.",
                Some("email_address"),
            ))
        }
        Some(_) => return Err(invalid("email_address", "email_address must be a string.")),
    };
    if !is_email(&email) {
        return Err(error(
            422,
            "form_param_format_invalid",
            "email_address must be a valid email address.",
            Some("email_address"),
        ));
    }
    let public_metadata = match body.get("public_metadata") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => {
            return Err(invalid(
                "public_metadata",
                "public_metadata must be an object.",
            ))
        }
    };
    let redirect_url = match body.get("redirect_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("redirect_url", "redirect_url must be a string.")),
    };
    for flag in ["notify", "ignore_existing"] {
        if !matches!(
            body.get(flag),
            None | Some(Value::Null) | Some(Value::Bool(_))
        ) {
            return Err(invalid(flag, &format!("{flag} must be a boolean.")));
        }
    }
    let expires_in_days = match body.get("expires_in_days") {
        None | Some(Value::Null) => 30,
        Some(v) => match v.as_i64() {
            Some(d) if (1..=365).contains(&d) => d,
            _ => {
                return Err(invalid(
                    "expires_in_days",
                    "expires_in_days must be between 1 and 365.",
                ))
            }
        },
    };
    match body.get("template_slug") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "invitation" || s == "waitlist_invitation" => {}
        Some(_) => {
            return Err(invalid(
                "template_slug",
                "template_slug does not match one of the allowed values: invitation, waitlist_invitation",
            ))
        }
    }
    Ok(Item {
        email,
        public_metadata,
        redirect_url,
        ignore_existing: body
            .get("ignore_existing")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        expires_in_days,
    })
}

fn duplicates(emails: &[String]) -> Response {
    error_with_meta(
        400,
        "duplicate_record",
        "duplicate invitation",
        &format!(
            "There are already pending invitations for the following email addresses: {}",
            emails.join(", ")
        ),
        json!({ "email_addresses": emails }),
    )
}

fn taken() -> Response {
    error(
        422,
        "form_identifier_exists",
        "That email address is taken. Please try another.",
        Some("email_address"),
    )
}

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let item = match validate(&body) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    if !item.ignore_existing {
        if user_has_email(&store, &item.email) {
            return taken();
        }
        if pending_for(&store, &item.email).is_some() {
            return duplicates(&[item.email]);
        }
    }
    let invitation = build_invitation(
        &store.issuer,
        &item.email,
        item.public_metadata,
        item.redirect_url.as_deref(),
        item.expires_in_days,
    );
    let id = invitation["id"].as_str().unwrap_or_default().to_owned();
    store.invitations.insert(id, invitation.clone());
    Json(invitation).into_response()
}

async fn bulk(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let items = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items,
        _ => {
            return error(
                400,
                "request_body_invalid",
                "The request body is invalid. Please consult the API documentation for more information.",
                None,
            )
        }
    };
    if items.is_empty() {
        return error(
            422,
            "form_param_value_invalid",
            "At least one invitation must be included.",
            None,
        );
    }
    if items.len() > 10 {
        return error(
            422,
            "form_param_array_size_exceeded",
            "The request should not exceed 10 items.",
            None,
        );
    }
    let mut valid = Vec::with_capacity(items.len());
    for item in &items {
        let Value::Object(body) = item else {
            return error(
                400,
                "request_body_invalid",
                "The request body is invalid. Please consult the API documentation for more information.",
                None,
            );
        };
        match validate(body) {
            Ok(i) => valid.push(i),
            Err(r) => return r,
        }
    }
    let mut store = state.store.lock().unwrap();
    // An existing user cannot be invited in bulk, even with `ignore_existing`.
    if valid.iter().any(|i| user_has_email(&store, &i.email)) {
        return taken();
    }
    let mut dupes: Vec<String> = Vec::new();
    for (n, item) in valid.iter().enumerate() {
        let earlier = valid[..n]
            .iter()
            .any(|i| i.email.eq_ignore_ascii_case(&item.email));
        if !item.ignore_existing && (earlier || pending_for(&store, &item.email).is_some()) {
            dupes.push(item.email.clone());
        }
    }
    if !dupes.is_empty() {
        return duplicates(&dupes);
    }
    let created: Vec<Value> = valid
        .into_iter()
        .map(|i| {
            build_invitation(
                &store.issuer,
                &i.email,
                i.public_metadata,
                i.redirect_url.as_deref(),
                i.expires_in_days,
            )
        })
        .collect();
    for invitation in &created {
        let id = invitation["id"].as_str().unwrap_or_default().to_owned();
        store.invitations.insert(id, invitation.clone());
    }
    Json(Value::Array(created)).into_response()
}

async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let status = one("status");
    if status.is_some_and(|s| !STATUSES.contains(&s)) {
        return error(
            422,
            "form_param_value_invalid",
            "status does not match one of the allowed values: pending, accepted, revoked, expired",
            Some("status"),
        );
    }
    let query = one("query").map(str::to_lowercase);
    let now = now_ms();
    let mut items: Vec<Value> = state
        .store
        .lock()
        .unwrap()
        .invitations
        .values()
        .map(|i| served(i, now))
        .filter(|i| match status {
            Some(s) => i["status"] == s,
            // Without a status filter the API lists every invitation that is not revoked.
            None => i["status"] != "revoked",
        })
        .filter(|i| {
            query.as_ref().is_none_or(|q| {
                i["email_address"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase()
                    .contains(q.as_str())
                    || i["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(q.as_str())
            })
        })
        .collect();
    if let Err(r) = sort(
        &mut items,
        one("order_by"),
        &["created_at", "email_address", "expires_at"],
    ) {
        return r;
    }
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    list_response(page, total, one("paginated") == Some("true"))
}

async fn revoke(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
    let mut store = state.store.lock().unwrap();
    let Some(invitation) = store.invitations.get_mut(&id) else {
        return error(
            404,
            "resource_not_found",
            &format!("No invitation was found with id {id}."),
            None,
        );
    };
    match invitation["status"].as_str() {
        Some("revoked") => {
            return error(
                400,
                "invitation_already_revoked",
                "Invitation is already revoked.",
                None,
            );
        }
        Some("accepted") => {
            return error(
                400,
                "invitation_already_accepted",
                "Invitation is already accepted, try signing in instead.",
                None,
            );
        }
        _ => {}
    }
    invitation["status"] = json!("revoked");
    invitation["revoked"] = json!(true);
    invitation["updated_at"] = json!(now_ms());
    Json(invitation.clone()).into_response()
}
