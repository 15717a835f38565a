//! `/v1/allowlist_identifiers` (list: bare array, or a page with `paginated=true`) and
//! `/v1/blocklist_identifiers` (list: always a page, no parameters) of the local Backend
//! API. The identifier type is inferred from the value (an email address, a whole domain as
//! `*@example.com` or `*.example.com`, a phone number, a Web3 wallet); a duplicate is a 400
//! `duplicate_record`, an identifier of no known kind a 422 `form_param_format_invalid`.

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::invitations::{build_invitation, is_email, only_fields, pending_for};
use super::{error, json_body, list_response, new_id, now_ms, paging, query_pairs, sort};
use crate::State;

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            "/v1/allowlist_identifiers",
            get(list_allowlist).post(create_allowlist),
        )
        .route(
            "/v1/allowlist_identifiers/{identifier_id}",
            delete(delete_allowlist),
        )
        .route(
            "/v1/blocklist_identifiers",
            get(list_blocklist).post(create_blocklist),
        )
        .route(
            "/v1/blocklist_identifiers/{identifier_id}",
            delete(delete_blocklist),
        )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Allow,
    Block,
}

impl List {
    fn object(self) -> &'static str {
        match self {
            List::Allow => "allowlist_identifier",
            List::Block => "blocklist_identifier",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            List::Allow => "alid",
            List::Block => "blid",
        }
    }

    fn items(self, store: &mut super::Store) -> &mut std::collections::BTreeMap<String, Value> {
        match self {
            List::Allow => &mut store.allowlist_identifiers,
            List::Block => &mut store.blocklist_identifiers,
        }
    }
}

/// The kind of an identifier: an email address (or a whole email domain: `*@domain`, or
/// `*.domain`, the wildcard form Clerk's docs give for `createAllowlistIdentifier`, or, on
/// the block-list, a bare domain), an E.164 phone number or a `0x…` Web3 wallet.
fn identifier_type(identifier: &str, list: List) -> Option<&'static str> {
    let s = identifier;
    if s.contains('@') {
        let pattern = s.strip_prefix("*@").map(|domain| format!("any@{domain}"));
        return is_email(pattern.as_deref().unwrap_or(s)).then_some("email_address");
    }
    if let Some(digits) = s.strip_prefix('+') {
        let ok = (7..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        return ok.then_some("phone_number");
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return (hex.len() == 40 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then_some("web3_wallet");
    }
    if let Some(domain) = s.strip_prefix("*.") {
        return is_domain(domain).then_some("email_address");
    }
    (list == List::Block && is_domain(s)).then_some("email_address")
}

/// A host name of at least two labels (`example.com`): letters, digits and `-`, no empty
/// label. `com`, `.example.com`, `example..com` and `*.*.example.com` are not.
fn is_domain(s: &str) -> bool {
    let mut labels = 0;
    for label in s.split('.') {
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

/// Whether an email-address identifier stands for a whole domain (no invitation for it).
fn is_wildcard(identifier: &str) -> bool {
    identifier.starts_with("*@") || identifier.starts_with("*.")
}

fn instance_id(state: &State) -> String {
    state
        .keys
        .lock()
        .unwrap()
        .first()
        .map(|k| k.kid().to_owned())
        .unwrap_or_default()
}

fn create(state: &State, body: &[u8], list: List) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let allowed: &[&str] = match list {
        List::Allow => &["identifier", "notify"],
        List::Block => &["identifier"],
    };
    if let Err(r) = only_fields(&body, allowed) {
        return r;
    }
    let identifier = match body.get("identifier") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => {
            return error(
                422,
                "form_param_missing",
                "identifier must be included.",
                Some("identifier"),
            )
        }
    };
    let Some(kind) = identifier_type(&identifier, list) else {
        return error(
            422,
            "form_param_format_invalid",
            "identifier must be either a valid email address, a valid phone number according to E.164 international standard or a valid web3 wallet.",
            Some("identifier"),
        );
    };
    if list == List::Allow
        && !matches!(
            body.get("notify"),
            None | Some(Value::Null) | Some(Value::Bool(_))
        )
    {
        return error(
            422,
            "form_param_value_invalid",
            "notify must be a boolean.",
            Some("notify"),
        );
    }
    let instance_id = instance_id(state);
    let mut store = state.store.lock().unwrap();
    let exists = list.items(&mut store).values().any(|i| {
        i["identifier"]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(&identifier))
    });
    if exists {
        return error(
            400,
            "duplicate_record",
            &format!("the identifier {identifier} already exists"),
            None,
        );
    }
    let now = now_ms();
    let mut object = json!({
        "object": list.object(),
        "id": new_id(list.prefix()),
        "identifier": identifier,
        "identifier_type": kind,
        "instance_id": instance_id,
        "created_at": now,
        "updated_at": now,
    });
    let notify = body.get("notify").and_then(Value::as_bool).unwrap_or(false);
    // With `notify`, an email address gets an invitation to sign up (reused if pending).
    if list == List::Allow && notify && kind == "email_address" && !is_wildcard(&identifier) {
        let invitation_id = match pending_for(&store, &identifier) {
            Some(existing) => existing["id"].clone(),
            None => {
                let invitation = build_invitation(&store.issuer, &identifier, json!({}), None, 30);
                let id = invitation["id"].clone();
                store
                    .invitations
                    .insert(id.as_str().unwrap_or_default().to_owned(), invitation);
                id
            }
        };
        object["invitation_id"] = invitation_id;
    }
    let id = object["id"].as_str().unwrap_or_default().to_owned();
    list.items(&mut store).insert(id, object.clone());
    Json(object).into_response()
}

fn remove(state: &State, id: &str, list: List) -> Response {
    let mut store = state.store.lock().unwrap();
    match list.items(&mut store).remove(id) {
        Some(_) => {
            Json(json!({"object": list.object(), "id": id, "deleted": true})).into_response()
        }
        None => error(
            404,
            "resource_not_found",
            &format!("No identifier was found with id {id}"),
            None,
        ),
    }
}

fn all(state: &State, list: List) -> Vec<Value> {
    let mut store = state.store.lock().unwrap();
    let mut items: Vec<Value> = list.items(&mut store).values().cloned().collect();
    // `-created_at` is always an allowed order.
    let _ = sort(&mut items, None, &["created_at"]);
    items
}

async fn list_allowlist(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let items = all(&state, List::Allow);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let paginated = pairs.iter().any(|(k, v)| k == "paginated" && v == "true");
    list_response(page, total, paginated)
}

async fn create_allowlist(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    create(&state, &body, List::Allow)
}

async fn delete_allowlist(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Response {
    remove(&state, &id, List::Allow)
}

async fn list_blocklist(AxumState(state): AxumState<Arc<State>>) -> Response {
    let items = all(&state, List::Block);
    let total = items.len();
    list_response(items, total, true)
}

async fn create_blocklist(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    create(&state, &body, List::Block)
}

async fn delete_blocklist(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Response {
    remove(&state, &id, List::Block)
}
