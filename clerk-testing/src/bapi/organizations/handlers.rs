//! `/v1/organizations` and `/v1/organizations/{id}`: list, fetch, create, update, delete
//! and metadata.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::fields::{
    check_name, created_at, max_memberships, optional_string, org_not_found, slug_exists,
    slug_taken, valid_slug,
};
use super::insert::insert_organization;
use super::query::{all_values, flag, one_value, page, signed_match};
use super::render::{memberships_of, render_org};
use crate::bapi::invitations::only_fields;
use crate::bapi::{deep_merge, error, json_body, now_ms, paging, query_pairs, sort, Store};
use crate::State;

pub(super) async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    if let Err(r) = paging(&pairs) {
        return r;
    }
    let query = one_value(&pairs, "query").map(str::to_lowercase);
    let user_ids = all_values(&pairs, "user_id");
    let org_ids = all_values(&pairs, "organization_id");
    let with_count = flag(&pairs, "include_members_count");
    let with_missing = flag(&pairs, "include_missing_member_with_elevated_permissions");
    let store = state.store.lock().unwrap();
    let mut items: Vec<Value> = store
        .organizations
        .values()
        .filter(|o| {
            let id = o["id"].as_str().unwrap_or_default();
            let members: Vec<&str> = memberships_of(&store, id)
                .iter()
                .filter_map(|m| m["user_id"].as_str())
                .collect();
            signed_match(&org_ids, &[id])
                && signed_match(&user_ids, &members)
                && query.as_ref().is_none_or(|q| {
                    id.to_lowercase() == *q
                        || o["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase()
                            .contains(q.as_str())
                        || o["slug"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase()
                            .contains(q.as_str())
                })
        })
        .map(|o| render_org(&store, o, true, with_missing))
        .collect();
    drop(store);
    if let Err(r) = sort(
        &mut items,
        one_value(&pairs, "order_by"),
        &["name", "created_at", "members_count"],
    ) {
        return r;
    }
    if !with_count {
        for item in &mut items {
            if let Value::Object(map) = item {
                map.remove("members_count");
            }
        }
    }
    page(items, &pairs)
}

/// The organization with this id or slug.
fn find<'s>(store: &'s Store, id_or_slug: &str) -> Option<&'s Value> {
    store.organizations.get(id_or_slug).or_else(|| {
        store
            .organizations
            .values()
            .find(|o| o["slug"] == id_or_slug)
    })
}

pub(super) async fn fetch(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    let pairs = query_pairs(&uri);
    let store = state.store.lock().unwrap();
    match find(&store, &id) {
        Some(org) => {
            let org = render_org(
                &store,
                org,
                flag(&pairs, "include_members_count"),
                flag(&pairs, "include_missing_member_with_elevated_permissions"),
            );
            Json(org).into_response()
        }
        None => org_not_found(),
    }
}

pub(super) async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    match insert_organization(&mut store, &body) {
        Ok(org) => Json(org).into_response(),
        Err(r) => r,
    }
}

pub(super) async fn update(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    // Since 2026-05-12 the body takes no metadata: like any undeclared field, a 422.
    if let Err(r) = only_fields(
        &body,
        &[
            "name",
            "slug",
            "max_allowed_memberships",
            "admin_delete_enabled",
            "created_at",
            "role_set_key",
        ],
    ) {
        return r;
    }
    let mut store = state.store.lock().unwrap();
    if !store.organizations.contains_key(&id) {
        return org_not_found();
    }
    let changes = (|| -> Result<Map<String, Value>, Response> {
        let mut changes = Map::new();
        if let Some(name) = optional_string(&body, "name")? {
            check_name(&name)?;
            changes.insert("name".into(), json!(name));
        }
        if let Some(slug) = optional_string(&body, "slug")? {
            if !valid_slug(&slug) {
                return Err(error(
                    422,
                    "form_param_format_invalid",
                    "slug can only contain lowercase alphanumeric characters and the dash \"-\".",
                    Some("slug"),
                ));
            }
            if slug_taken(&store, &slug, Some(&id)) {
                return Err(slug_exists());
            }
            changes.insert("slug".into(), json!(slug));
        }
        if let Some(max) = max_memberships(&body)? {
            changes.insert("max_allowed_memberships".into(), json!(max));
        }
        match body.get("admin_delete_enabled") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => {
                changes.insert("admin_delete_enabled".into(), json!(b));
            }
            Some(_) => {
                return Err(error(
                    422,
                    "form_param_value_invalid",
                    "admin_delete_enabled must be a boolean.",
                    Some("admin_delete_enabled"),
                ))
            }
        }
        if let Some(at) = created_at(&body)? {
            changes.insert("created_at".into(), json!(at));
        }
        if let Some(key) = optional_string(&body, "role_set_key")? {
            changes.insert("role_set_key".into(), json!(key));
        }
        Ok(changes)
    })();
    let changes = match changes {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(org) = store.organizations.get_mut(&id) else {
        return org_not_found();
    };
    for (k, v) in changes {
        org[k.as_str()] = v;
    }
    org["updated_at"] = json!(now_ms());
    let org = org.clone();
    Json(render_org(&store, &org, false, false)).into_response()
}

pub(super) async fn remove(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
) -> Response {
    let mut store = state.store.lock().unwrap();
    let Some(org) = store.organizations.remove(&id) else {
        return org_not_found();
    };
    store
        .organization_memberships
        .retain(|_, m| m["organization_id"] != id.as_str());
    Json(json!({"object": "organization", "id": id, "slug": org["slug"], "deleted": true}))
        .into_response()
}

/// Applies a metadata body to `target`: deep merge, or replacement of each object sent.
pub(super) fn apply_metadata(
    target: &mut Value,
    body: &Map<String, Value>,
    replace: bool,
) -> Result<(), Response> {
    only_fields(body, &["public_metadata", "private_metadata"])?;
    for key in ["public_metadata", "private_metadata"] {
        match body.get(key) {
            Some(Value::Object(patch)) if replace => target[key] = Value::Object(patch.clone()),
            Some(Value::Object(patch)) => {
                let mut current = target[key].as_object().cloned().unwrap_or_default();
                deep_merge(&mut current, patch);
                target[key] = Value::Object(current);
            }
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(error(
                    422,
                    "form_param_value_invalid",
                    &format!("{key} must be an object."),
                    Some(key),
                ))
            }
        }
    }
    target["updated_at"] = json!(now_ms());
    Ok(())
}

fn org_metadata(state: &State, id: &str, body: &[u8], replace: bool) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut store = state.store.lock().unwrap();
    let Some(org) = store.organizations.get_mut(id) else {
        return org_not_found();
    };
    if let Err(r) = apply_metadata(org, &body, replace) {
        return r;
    }
    let org = org.clone();
    Json(render_org(&store, &org, false, false)).into_response()
}

pub(super) async fn merge_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    org_metadata(&state, &id, &body, false)
}

pub(super) async fn replace_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    org_metadata(&state, &id, &body, true)
}
