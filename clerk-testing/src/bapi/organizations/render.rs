//! Organizations and memberships as served: counts, the embedded organization and the
//! member's `public_user_data`.

use serde_json::{json, Value};

use super::fields::role_name;
use super::insert::{ADMIN_PERMISSIONS, MEMBER_PERMISSIONS};
use crate::bapi::Store;

/// The live memberships of an organization (members that still exist).
pub(super) fn memberships_of<'s>(store: &'s Store, organization_id: &str) -> Vec<&'s Value> {
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
pub(super) fn render_org(
    store: &Store,
    org: &Value,
    members_count: bool,
    missing_elevated: bool,
) -> Value {
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

pub(super) fn primary(user: &Value, list: &str, primary_key: &str, field: &str) -> Value {
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
pub(super) fn render_membership(store: &Store, membership: &Value) -> Value {
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
