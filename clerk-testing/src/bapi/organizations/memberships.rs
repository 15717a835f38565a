//! `/v1/organizations/{id}/memberships` and the instance-wide
//! `/v1/organization_memberships`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::fields::{metadata_field, org_not_found, role_name, role_not_found};
use super::handlers::apply_metadata;
use super::insert::new_membership;
use super::query::{all_values, millis, one_value, page, signed_match};
use super::render::{memberships_of, primary, render_membership};
use crate::bapi::{error, json_body, now_ms, paging, query_pairs, sort, Store};
use crate::State;

const MEMBERSHIP_ORDER: [&str; 6] = [
    "phone_number",
    "email_address",
    "created_at",
    "first_name",
    "last_name",
    "username",
];

/// Sorts served memberships by a membership or member field (`order_by`).
fn sort_memberships(
    store: &Store,
    items: &mut Vec<Value>,
    order_by: Option<&str>,
) -> Result<(), Response> {
    let mut keyed: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let user = m["public_user_data"]["user_id"].as_str().and_then(|u| store.users.get(u));
            let field = |f: &str| user.map(|u| u[f].clone()).unwrap_or(Value::Null);
            json!({
                "n": n,
                "id": m["id"],
                "created_at": m["created_at"],
                "email_address": user.map(|u| primary(u, "email_addresses", "primary_email_address_id", "email_address")).unwrap_or(Value::Null),
                "phone_number": user.map(|u| primary(u, "phone_numbers", "primary_phone_number_id", "phone_number")).unwrap_or(Value::Null),
                "first_name": field("first_name"),
                "last_name": field("last_name"),
                "username": field("username"),
            })
        })
        .collect();
    sort(&mut keyed, order_by, &MEMBERSHIP_ORDER)?;
    let mut slots: Vec<Option<Value>> = std::mem::take(items).into_iter().map(Some).collect();
    *items = keyed
        .iter()
        .filter_map(|k| {
            k["n"]
                .as_u64()
                .and_then(|n| slots.get_mut(n as usize))
                .and_then(Option::take)
        })
        .collect();
    Ok(())
}

fn strings_of(user: &Value, list: &str, field: &str) -> Vec<String> {
    user[list]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) async fn list_memberships(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    let pairs = query_pairs(&uri);
    if let Err(r) = paging(&pairs) {
        return r;
    }
    let bounds = (|| -> Result<[Option<i64>; 4], Response> {
        Ok([
            millis(&pairs, "created_at_before")?,
            millis(&pairs, "created_at_after")?,
            millis(&pairs, "last_active_at_before")?,
            millis(&pairs, "last_active_at_after")?,
        ])
    })();
    let [created_before, created_after, active_before, active_after] = match bounds {
        Ok(b) => b,
        Err(r) => return r,
    };
    let user_ids = all_values(&pairs, "user_id");
    let emails = all_values(&pairs, "email_address");
    let phones = all_values(&pairs, "phone_number");
    let usernames = all_values(&pairs, "username");
    let wallets = all_values(&pairs, "web3_wallet");
    let roles = all_values(&pairs, "role");
    let lower = |name: &str| one_value(&pairs, name).map(str::to_lowercase);
    let (query, email_query, phone_query, username_query, name_query) = (
        lower("query"),
        lower("email_address_query"),
        lower("phone_number_query"),
        lower("username_query"),
        lower("name_query"),
    );
    let store = state.store.lock().unwrap();
    if !store.organizations.contains_key(&id) {
        return org_not_found();
    }
    let mut items: Vec<Value> = memberships_of(&store, &id)
        .into_iter()
        .filter(|m| {
            let Some(user) = m["user_id"].as_str().and_then(|u| store.users.get(u)) else {
                return false;
            };
            let user_id = user["id"].as_str().unwrap_or_default();
            let user_emails = strings_of(user, "email_addresses", "email_address");
            let user_phones = strings_of(user, "phone_numbers", "phone_number");
            let user_wallets = strings_of(user, "web3_wallets", "web3_wallet");
            let username = user["username"].as_str().unwrap_or_default().to_owned();
            let full_name = format!(
                "{} {}",
                user["first_name"].as_str().unwrap_or_default(),
                user["last_name"].as_str().unwrap_or_default()
            )
            .to_lowercase();
            let created = m["created_at"].as_i64().unwrap_or_default();
            let active = user["last_active_at"].as_i64();
            let any_in = |wanted: &[String], have: &[String]| {
                wanted.is_empty()
                    || wanted
                        .iter()
                        .any(|w| have.iter().any(|h| h.eq_ignore_ascii_case(w)))
            };
            let contains = |q: &Option<String>, have: &[String]| {
                q.as_ref()
                    .is_none_or(|q| have.iter().any(|h| h.to_lowercase().contains(q.as_str())))
            };
            signed_match(&user_ids, &[user_id])
                && any_in(&emails, &user_emails)
                && any_in(&phones, &user_phones)
                && any_in(&usernames, std::slice::from_ref(&username))
                && any_in(&wallets, &user_wallets)
                && (roles.is_empty()
                    || m["role"]
                        .as_str()
                        .is_some_and(|r| roles.iter().any(|x| x == r)))
                && contains(&email_query, &user_emails)
                && contains(&phone_query, &user_phones)
                && contains(&username_query, std::slice::from_ref(&username))
                && name_query
                    .as_ref()
                    .is_none_or(|q| full_name.contains(q.as_str()))
                && query.as_ref().is_none_or(|q| {
                    let mut haystack = vec![
                        user_id.to_lowercase(),
                        username.to_lowercase(),
                        full_name.clone(),
                    ];
                    haystack.extend(
                        user_emails
                            .iter()
                            .chain(&user_phones)
                            .chain(&user_wallets)
                            .map(|s| s.to_lowercase()),
                    );
                    haystack.iter().any(|h| h.contains(q.as_str()))
                })
                && created_before.is_none_or(|t| created < t)
                && created_after.is_none_or(|t| created > t)
                && active_before.is_none_or(|t| active.is_some_and(|a| a < t))
                && active_after.is_none_or(|t| active.is_some_and(|a| a > t))
        })
        .map(|m| render_membership(&store, m))
        .collect();
    if let Err(r) = sort_memberships(&store, &mut items, one_value(&pairs, "order_by")) {
        return r;
    }
    drop(store);
    page(items, &pairs)
}

pub(super) async fn instance_memberships(
    AxumState(state): AxumState<Arc<State>>,
    uri: Uri,
) -> Response {
    let pairs = query_pairs(&uri);
    if let Err(r) = paging(&pairs) {
        return r;
    }
    let store = state.store.lock().unwrap();
    let mut items: Vec<Value> = store
        .organization_memberships
        .values()
        .filter(|m| {
            m["user_id"]
                .as_str()
                .is_some_and(|u| store.users.contains_key(u))
        })
        .filter(|m| {
            m["organization_id"]
                .as_str()
                .is_some_and(|o| store.organizations.contains_key(o))
        })
        .map(|m| render_membership(&store, m))
        .collect();
    if let Err(r) = sort_memberships(&store, &mut items, one_value(&pairs, "order_by")) {
        return r;
    }
    drop(store);
    page(items, &pairs)
}

fn required_string(body: &Map<String, Value>, key: &str) -> Result<String, Response> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | Some(Value::Null) | None => Err(error(
            422,
            "form_param_missing",
            &format!("{key} must be included."),
            Some(key),
        )),
        Some(_) => Err(error(
            422,
            "form_param_value_invalid",
            &format!("{key} must be a string."),
            Some(key),
        )),
    }
}

pub(super) async fn create_membership(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = (|| -> Result<(String, String, Value, Value), Response> {
        let user_id = required_string(&body, "user_id")?;
        let role = required_string(&body, "role")?;
        let public = metadata_field(&body, "public_metadata")?.unwrap_or_else(|| json!({}));
        let private = metadata_field(&body, "private_metadata")?.unwrap_or_else(|| json!({}));
        Ok((user_id, role, public, private))
    })();
    let (user_id, role, public, private) = match fields {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let Some(org) = store.organizations.get(&id) else {
        return org_not_found();
    };
    let max = org["max_allowed_memberships"].as_i64().unwrap_or(0);
    if role_name(&role).is_none() {
        return role_not_found();
    }
    if !store.users.contains_key(&user_id) {
        return error(
            404,
            "resource_not_found",
            &format!("No user was found with id {user_id}"),
            Some("user_id"),
        );
    }
    let members = memberships_of(&store, &id);
    if members.iter().any(|m| m["user_id"] == user_id.as_str()) {
        return error(
            400,
            "already_a_member_in_organization",
            &format!("{user_id} is already a member of the organization."),
            None,
        );
    }
    if max > 0 && members.len() as i64 >= max {
        return error(
            403,
            "organization_membership_quota_exceeded",
            &format!("You have reached your limit of {max} organization memberships, including outstanding invitations."),
            None,
        );
    }
    let membership = new_membership(&id, &user_id, &role, public, private);
    let membership_id = membership["id"].as_str().unwrap_or_default().to_owned();
    let served = render_membership(&store, &membership);
    store
        .organization_memberships
        .insert(membership_id, membership);
    Json(served).into_response()
}

/// The id of the live membership of `user_id` in `organization_id`, or the API's 404.
pub(super) fn membership_id(
    store: &Store,
    organization_id: &str,
    user_id: &str,
) -> Result<String, Response> {
    if !store.organizations.contains_key(organization_id) {
        return Err(org_not_found());
    }
    memberships_of(store, organization_id)
        .into_iter()
        .find(|m| m["user_id"] == user_id)
        .and_then(|m| m["id"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            error(
                404,
                "resource_not_found",
                "Organization membership not found.",
                None,
            )
        })
}

pub(super) async fn update_membership(
    AxumState(state): AxumState<Arc<State>>,
    Path((id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let role = match required_string(&body, "role") {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let membership_id = match membership_id(&store, &id, &user_id) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if role_name(&role).is_none() {
        return role_not_found();
    }
    let Some(membership) = store.organization_memberships.get_mut(&membership_id) else {
        return role_not_found();
    };
    membership["role"] = json!(role);
    membership["updated_at"] = json!(now_ms());
    let membership = membership.clone();
    Json(render_membership(&store, &membership)).into_response()
}

pub(super) async fn delete_membership(
    AxumState(state): AxumState<Arc<State>>,
    Path((id, user_id)): Path<(String, String)>,
) -> Response {
    let mut store = state.store.lock().unwrap();
    let membership_id = match membership_id(&store, &id, &user_id) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let served = store
        .organization_memberships
        .get(&membership_id)
        .map(|m| render_membership(&store, m))
        .unwrap_or(Value::Null);
    store.organization_memberships.remove(&membership_id);
    Json(served).into_response()
}

pub(super) async fn membership_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path((id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let membership_id = match membership_id(&store, &id, &user_id) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(membership) = store.organization_memberships.get_mut(&membership_id) else {
        return org_not_found();
    };
    if let Err(r) = apply_metadata(membership, &body, false) {
        return r;
    }
    let membership = membership.clone();
    Json(render_membership(&store, &membership)).into_response()
}
