//! Creating an organization (`POST /organizations`, `MockClerk::create_organization`)
//! and memberships with their role's permissions.

use axum::response::Response;
use serde_json::{json, Map, Value};

use super::fields::{
    check_name, created_at, max_memberships, metadata_field, optional_string, slug_exists,
    slug_taken, slugify, valid_slug,
};
use crate::bapi::{error, new_id, now_ms, Store};
use crate::random_id;

pub(super) const ADMIN_PERMISSIONS: [&str; 6] = [
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
];
pub(super) const MEMBER_PERMISSIONS: [&str; 2] =
    ["org:sys_memberships:read", "org:sys_domains:read"];

pub(super) fn new_membership(
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
