//! `/v1/organizations`, their memberships and the instance-wide
//! `/v1/organization_memberships` of the local Backend API. Every list is a page.
//!
//! Memberships are stored with their `organization_id` and `user_id`; the served object
//! embeds the current organization and the member's `public_user_data`. Memberships of
//! deleted users are not served.

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::invitations::only_fields;
use super::{
    deep_merge, error, json_body, list_response, new_id, now_ms, paging, query_pairs, sort, Store,
};
use crate::{random_id, State};

const ADMIN_PERMISSIONS: [&str; 6] = [
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
];
const MEMBER_PERMISSIONS: [&str; 2] = ["org:sys_memberships:read", "org:sys_domains:read"];
const MEMBERSHIP_ORDER: [&str; 6] = [
    "phone_number",
    "email_address",
    "created_at",
    "first_name",
    "last_name",
    "username",
];

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/organizations", get(list).post(create))
        .route(
            "/v1/organizations/{organization_id}",
            get(fetch).patch(update).delete(remove),
        )
        .route(
            "/v1/organizations/{organization_id}/metadata",
            patch(merge_metadata).put(replace_metadata),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships",
            get(list_memberships).post(create_membership),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships/{user_id}",
            patch(update_membership).delete(delete_membership),
        )
        .route(
            "/v1/organizations/{organization_id}/memberships/{user_id}/metadata",
            patch(membership_metadata),
        )
        .route("/v1/organization_memberships", get(instance_memberships))
}

fn org_not_found() -> Response {
    error(
        404,
        "resource_not_found",
        "Given organization not found.",
        None,
    )
}

fn role_name(role: &str) -> Option<&'static str> {
    match role {
        "org:admin" => Some("Admin"),
        "org:member" => Some("Member"),
        _ => None,
    }
}

fn role_not_found() -> Response {
    error(
        404,
        "resource_not_found",
        "Organization role not found",
        Some("role"),
    )
}

/// Parses an RFC 3339 date-time (`2012-10-20T07:15:20.902Z`, `…+02:00`) into Unix ms.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let h: i64 = rest[1..3].parse().ok()?;
            let m: i64 = rest[4..6].parse().ok()?;
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Lowercase letters, digits and dashes from a name (`"Acme, Inc."` → `acme-inc`).
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn slug_taken(store: &Store, slug: &str, except: Option<&str>) -> bool {
    store
        .organizations
        .values()
        .any(|o| o["slug"] == slug && o["id"].as_str() != except)
}

fn slug_exists() -> Response {
    error(
        422,
        "form_identifier_exists",
        "This organization slug is already taken. Please try another.",
        Some("slug"),
    )
}

fn check_name(name: &str) -> Result<(), Response> {
    if name.trim().is_empty() {
        return Err(error(
            422,
            "form_param_missing",
            "name must be included.",
            Some("name"),
        ));
    }
    if name.chars().count() > 256 {
        return Err(error(
            422,
            "form_param_max_length_exceeded",
            "name should not exceed 256 characters.",
            Some("name"),
        ));
    }
    let lower = name.to_lowercase();
    if lower.contains("http://")
        || lower.contains("https://")
        || name.contains('<')
        || name.contains('>')
    {
        return Err(error(
            422,
            "form_param_value_invalid",
            "The organization name may not contain URLs or HTML.",
            Some("name"),
        ));
    }
    Ok(())
}

fn metadata_field(body: &Map<String, Value>, key: &str) -> Result<Option<Value>, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(error(
            422,
            "form_param_value_invalid",
            &format!("{key} must be an object."),
            Some(key),
        )),
    }
}

fn max_memberships(body: &Map<String, Value>) -> Result<Option<i64>, Response> {
    match body.get("max_allowed_memberships") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Ok(Some(n)),
            _ => Err(error(
                422,
                "form_param_value_invalid",
                "max_allowed_memberships must be a non-negative integer.",
                Some("max_allowed_memberships"),
            )),
        },
    }
}

fn created_at(body: &Map<String, Value>) -> Result<Option<i64>, Response> {
    match body.get("created_at") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_rfc3339(s).map(Some).ok_or_else(|| {
            error(
                422,
                "form_param_invalid_time",
                "created_at must contain a datetime specified in RFC3339 format (e.g. `2022-10-20T10:00:27.645Z`).",
                Some("created_at"),
            )
        }),
        Some(_) => Err(error(422, "form_param_value_invalid", "created_at must be a string.", Some("created_at"))),
    }
}

fn optional_string(body: &Map<String, Value>, key: &str) -> Result<Option<String>, Response> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(error(
            422,
            "form_param_value_invalid",
            &format!("{key} must be a string."),
            Some(key),
        )),
    }
}

fn new_membership(
    organization_id: &str,
    user_id: &str,
    role: &str,
    public: Value,
    private: Value,
) -> Value {
    let now = now_ms();
    json!({
        "object": "organization_membership",
        "id": new_id("orgmem"),
        "organization_id": organization_id,
        "user_id": user_id,
        "role": role,
        "public_metadata": public,
        "private_metadata": private,
        "created_at": now,
        "updated_at": now,
    })
}

/// Validates a `POST /organizations` body, stores the organization (and the creator's
/// admin membership) and returns it, or the API's error.
pub(crate) fn insert_organization(
    store: &mut Store,
    body: &Map<String, Value>,
) -> Result<Value, Response> {
    let name = match body.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => {
            return Err(error(
                422,
                "form_param_missing",
                "name must be included.",
                Some("name"),
            ))
        }
        Some(_) => {
            return Err(error(
                422,
                "form_param_value_invalid",
                "name must be a string.",
                Some("name"),
            ))
        }
    };
    check_name(&name)?;
    let slug = match optional_string(body, "slug")? {
        Some(slug) => {
            if !valid_slug(&slug) {
                return Err(error(
                    422,
                    "form_param_format_invalid",
                    "slug can only contain lowercase alphanumeric characters and the dash \"-\".",
                    Some("slug"),
                ));
            }
            if slug_taken(store, &slug, None) {
                return Err(slug_exists());
            }
            slug
        }
        None => {
            let base = slugify(&name);
            let base = if base.is_empty() {
                "org".to_owned()
            } else {
                base
            };
            let mut slug = base.clone();
            while slug_taken(store, &slug, None) {
                slug = format!("{base}-{}", random_id(6).to_lowercase());
            }
            slug
        }
    };
    let public_metadata = metadata_field(body, "public_metadata")?.unwrap_or_else(|| json!({}));
    let private_metadata = metadata_field(body, "private_metadata")?.unwrap_or_else(|| json!({}));
    let max_allowed = max_memberships(body)?.unwrap_or(0);
    let created = created_at(body)?;
    let role_set_key = optional_string(body, "role_set_key")?;
    let created_by = optional_string(body, "created_by")?;
    if let Some(user_id) = &created_by {
        if !store.users.contains_key(user_id) {
            return Err(error(
                400,
                "organization_creator_not_found",
                &format!("No users found with id {user_id}."),
                None,
            ));
        }
    }
    let now = now_ms();
    let id = new_id("org");
    let mut org = json!({
        "object": "organization",
        "id": id,
        "name": name,
        "slug": slug,
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        "has_image": false,
        "max_allowed_memberships": max_allowed,
        "admin_delete_enabled": true,
        "public_metadata": public_metadata,
        "private_metadata": private_metadata,
        "created_at": created.unwrap_or(now),
        "updated_at": now,
        "role_set_key": role_set_key,
    });
    if let Some(user_id) = &created_by {
        org["created_by"] = json!(user_id);
        let membership = new_membership(&id, user_id, "org:admin", json!({}), json!({}));
        let membership_id = membership["id"].as_str().unwrap_or_default().to_owned();
        store
            .organization_memberships
            .insert(membership_id, membership);
    }
    store.organizations.insert(id, org.clone());
    Ok(org)
}

/// The live memberships of an organization (members that still exist).
fn memberships_of<'s>(store: &'s Store, organization_id: &str) -> Vec<&'s Value> {
    store
        .organization_memberships
        .values()
        .filter(|m| m["organization_id"] == organization_id)
        .filter(|m| {
            m["user_id"]
                .as_str()
                .is_some_and(|u| store.users.contains_key(u))
        })
        .collect()
}

/// The organization as served, with the optional counts.
fn render_org(store: &Store, org: &Value, members_count: bool, missing_elevated: bool) -> Value {
    let mut out = org.clone();
    let id = org["id"].as_str().unwrap_or_default();
    if members_count {
        out["members_count"] = json!(memberships_of(store, id).len());
    }
    if missing_elevated {
        let has_admin = memberships_of(store, id)
            .iter()
            .any(|m| m["role"] == "org:admin");
        out["missing_member_with_elevated_permissions"] = json!(!has_admin);
    }
    out
}

fn primary(user: &Value, list: &str, primary_key: &str, field: &str) -> Value {
    let primary_id = &user[primary_key];
    user[list]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["id"] == *primary_id))
        .map(|e| e[field].clone())
        .unwrap_or(Value::Null)
}

fn public_user_data(user: &Value) -> Value {
    let email = primary(
        user,
        "email_addresses",
        "primary_email_address_id",
        "email_address",
    );
    let identifier = if email.is_null() {
        let phone = primary(
            user,
            "phone_numbers",
            "primary_phone_number_id",
            "phone_number",
        );
        if phone.is_null() {
            user["username"].clone()
        } else {
            phone
        }
    } else {
        email
    };
    json!({
        "user_id": user["id"],
        "first_name": user["first_name"],
        "last_name": user["last_name"],
        "profile_image_url": user["profile_image_url"],
        "image_url": user["image_url"],
        "has_image": user["has_image"].as_bool().unwrap_or(false),
        "identifier": identifier,
        "username": user["username"],
        "banned": user["banned"].as_bool().unwrap_or(false),
    })
}

/// The membership as served: the organization embedded, the member's public data.
fn render_membership(store: &Store, membership: &Value) -> Value {
    let role = membership["role"].as_str().unwrap_or_default();
    let permissions: &[&str] = if role == "org:admin" {
        &ADMIN_PERMISSIONS
    } else {
        &MEMBER_PERMISSIONS
    };
    let organization = membership["organization_id"]
        .as_str()
        .and_then(|id| store.organizations.get(id))
        .map(|o| render_org(store, o, false, false))
        .unwrap_or(Value::Null);
    let user_data = membership["user_id"]
        .as_str()
        .and_then(|id| store.users.get(id))
        .map(public_user_data)
        .unwrap_or(Value::Null);
    json!({
        "object": "organization_membership",
        "id": membership["id"],
        "role": role,
        "role_name": role_name(role).unwrap_or(role),
        "permissions": permissions,
        "public_metadata": membership["public_metadata"],
        "private_metadata": membership["private_metadata"],
        "organization": organization,
        "public_user_data": user_data,
        "created_at": membership["created_at"],
        "updated_at": membership["updated_at"],
    })
}

/// Whether `actual` passes `+`/`-` prefixed id filters (no include values: all pass).
fn signed_match(values: &[String], actual: &[&str]) -> bool {
    let includes: Vec<&str> = values
        .iter()
        .filter(|v| !v.starts_with('-'))
        .map(|v| v.trim_start_matches('+'))
        .collect();
    let excludes: Vec<&str> = values.iter().filter_map(|v| v.strip_prefix('-')).collect();
    if actual.iter().any(|a| excludes.contains(a)) {
        return false;
    }
    includes.is_empty() || actual.iter().any(|a| includes.contains(a))
}

fn all_values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn one_value<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn flag(pairs: &[(String, String)], name: &str) -> bool {
    one_value(pairs, name) == Some("true")
}

fn millis(pairs: &[(String, String)], name: &str) -> Result<Option<i64>, Response> {
    match one_value(pairs, name) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
            error(
                422,
                "form_param_invalid_date",
                "Date values must be given in Unix millisecond timestamp format.",
                Some(name),
            )
        }),
    }
}

fn page(items: Vec<Value>, pairs: &[(String, String)]) -> Response {
    let (limit, offset) = match paging(pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    list_response(data, total, true)
}

async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
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

async fn fetch(
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

async fn create(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
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

async fn update(
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

async fn remove(AxumState(state): AxumState<Arc<State>>, Path(id): Path<String>) -> Response {
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
fn apply_metadata(
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

async fn merge_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    org_metadata(&state, &id, &body, false)
}

async fn replace_metadata(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    org_metadata(&state, &id, &body, true)
}

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

async fn list_memberships(
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

async fn instance_memberships(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
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

async fn create_membership(
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
fn membership_id(store: &Store, organization_id: &str, user_id: &str) -> Result<String, Response> {
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

async fn update_membership(
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

async fn delete_membership(
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

async fn membership_metadata(
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

#[cfg(test)]
mod tests {
    use super::{parse_rfc3339, slugify};

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2012-10-20T07:15:20.902Z"),
            Some(1_350_717_320_902)
        );
        assert_eq!(
            parse_rfc3339("2012-10-20T09:15:20.9+02:00"),
            Some(1_350_717_320_900)
        );
        assert_eq!(parse_rfc3339("2012-10-20"), None);
        assert_eq!(parse_rfc3339("2012-13-20T07:15:20Z"), None);
        assert_eq!(parse_rfc3339("2012-10-20T07:15:20"), None);
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme, Inc."), "acme-inc");
        assert_eq!(slugify("  Hello   World  "), "hello-world");
        assert_eq!(slugify("!!!"), "");
    }
}
