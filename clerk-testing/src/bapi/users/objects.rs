//! The user object as served: identifications, verifications, two-factor flags, and the
//! validated insertion `POST /users` and `MockClerk::create_user` share.

use axum::response::Response;
use serde_json::{json, Map, Value};

use super::fields::{
    check_fields, check_identifiers, field_taken, flag_of, identifier_exists, strings, text,
    timestamp, unprocessable, valid_email, valid_phone, valid_wallet, CREATE_FIELDS,
};
use super::passwords::{check_password, stored_password};
use super::totp::{check_totp_secret, update_two_factor};
use super::Mfa;
use crate::bapi::{new_id, now_ms, Store};

fn admin_verification() -> Value {
    json!({"object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": null, "expire_at": null})
}

pub(super) fn email_object(email: &str, reserved: bool, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": "email_address",
        "email_address": email,
        "reserved": reserved,
        "verification": if reserved { Value::Null } else { admin_verification() },
        "linked_to": [],
        "matches_sso_connection": false,
        "created_at": now,
        "updated_at": now,
    })
}

pub(super) fn phone_object(phone: &str, reserved: bool, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": "phone_number",
        "phone_number": phone,
        "reserved_for_second_factor": false,
        "default_second_factor": false,
        "reserved": reserved,
        "verification": if reserved { Value::Null } else { admin_verification() },
        "linked_to": [],
        "backup_codes": null,
        "created_at": now,
        "updated_at": now,
    })
}

fn wallet_object(wallet: &str, now: i64) -> Value {
    json!({
        "id": new_id("idn"),
        "object": "web3_wallet",
        "web3_wallet": wallet,
        "verification": admin_verification(),
        "created_at": now,
        "updated_at": now,
    })
}

/// The statuses of `*_identification_status`, one per value (`true`: reserved).
fn reserved_flags(
    body: &Map<String, Value>,
    key: &str,
    values: usize,
    param: &str,
) -> Result<Vec<bool>, Response> {
    let statuses = strings(body, key);
    if statuses.is_empty() {
        return Ok(vec![false; values]);
    }
    if statuses.len() != values {
        return Err(unprocessable(
            "form_param_value_invalid",
            &format!("{key} must have exactly one item per {param}."),
            key,
        ));
    }
    Ok(statuses.iter().map(|s| s == "reserved").collect())
}

/// Validates a `POST /users` body and stores the new user (password and second factors
/// kept aside), as the API does; returns the served object or the API's error.
pub(crate) fn insert_user(store: &mut Store, body: &Map<String, Value>) -> Result<Value, Response> {
    check_fields(body, CREATE_FIELDS)?;
    let now = now_ms();
    let emails = strings(body, "email_address");
    let phones = strings(body, "phone_number");
    let wallets = strings(body, "web3_wallet");
    check_identifiers(
        store,
        &emails,
        "email_address",
        "email address",
        valid_email,
        ("email_addresses", "email_address"),
    )?;
    check_identifiers(
        store,
        &phones,
        "phone_number",
        "phone number",
        valid_phone,
        ("phone_numbers", "phone_number"),
    )?;
    check_identifiers(
        store,
        &wallets,
        "web3_wallet",
        "Web3 wallet",
        valid_wallet,
        ("web3_wallets", "web3_wallet"),
    )?;
    let email_reserved = reserved_flags(
        body,
        "email_address_identification_status",
        emails.len(),
        "email_address",
    )?;
    let phone_reserved = reserved_flags(
        body,
        "phone_number_identification_status",
        phones.len(),
        "phone_number",
    )?;
    let username = text(body, "username");
    if let Some(name) = &username {
        if field_taken(store, "username", name, None) {
            return Err(identifier_exists("username", "username"));
        }
    }
    let external_id = text(body, "external_id");
    if let Some(ext) = &external_id {
        if field_taken(store, "external_id", ext, None) {
            return Err(identifier_exists("external_id", "external ID"));
        }
    }
    let password = check_password(body)?;
    let totp_secret = check_totp_secret(body)?;
    let created_at = timestamp(body, "created_at")?.unwrap_or(now);
    let legal_accepted_at = timestamp(body, "legal_accepted_at")?;
    let password = stored_password(body, password);

    let email_objects: Vec<Value> = emails
        .iter()
        .zip(&email_reserved)
        .map(|(e, r)| email_object(e, *r, now))
        .collect();
    let phone_objects: Vec<Value> = phones
        .iter()
        .zip(&phone_reserved)
        .map(|(p, r)| phone_object(p, *r, now))
        .collect();
    let wallet_objects: Vec<Value> = wallets.iter().map(|w| wallet_object(w, now)).collect();
    let first_id = |objects: &[Value]| objects.first().map_or(Value::Null, |o| o["id"].clone());
    let id = new_id("user");
    let metadata = |key: &str| {
        body.get(key)
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}))
    };
    let locked = flag_of(body, "locked").unwrap_or(false);
    let mut user = json!({
        "id": id,
        "object": "user",
        "external_id": external_id,
        "primary_email_address_id": first_id(&email_objects),
        "primary_phone_number_id": first_id(&phone_objects),
        "primary_web3_wallet_id": first_id(&wallet_objects),
        "username": username,
        "first_name": text(body, "first_name"),
        "last_name": text(body, "last_name"),
        "locale": text(body, "locale"),
        "profile_image_url": "https://www.gravatar.com/avatar?d=mp",
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        "has_image": false,
        "public_metadata": metadata("public_metadata"),
        "private_metadata": metadata("private_metadata"),
        "unsafe_metadata": metadata("unsafe_metadata"),
        "email_addresses": email_objects,
        "phone_numbers": phone_objects,
        "web3_wallets": wallet_objects,
        "passkeys": [],
        "password_enabled": password.is_some(),
        "two_factor_enabled": false,
        "totp_enabled": false,
        "backup_code_enabled": false,
        "mfa_enabled_at": null,
        "mfa_disabled_at": null,
        "password_last_updated_at": if password.is_some() { json!(now) } else { Value::Null },
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "organization_memberships": [],
        "last_sign_in_at": null,
        "banned": flag_of(body, "banned").unwrap_or(false),
        "locked": locked,
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": if locked { 0 } else { 100 },
        "created_at": created_at,
        "updated_at": now,
        "delete_self_enabled": flag_of(body, "delete_self_enabled").unwrap_or(true),
        "create_organization_enabled": flag_of(body, "create_organization_enabled").unwrap_or(true),
        "create_organizations_limit": body.get("create_organizations_limit").filter(|v| v.is_i64()).cloned().unwrap_or(Value::Null),
        "last_active_at": null,
        "legal_accepted_at": legal_accepted_at,
        "bypass_client_trust": flag_of(body, "bypass_client_trust").unwrap_or(false),
    });
    let mfa = Mfa {
        totp_secret,
        backup_codes: strings(body, "backup_codes"),
    };
    update_two_factor(&mut user, &mfa, now);
    if let Some(p) = password {
        store.passwords.insert(id.clone(), p);
    }
    store.user_mfa.insert(id.clone(), mfa);
    store.users.insert(id, user.clone());
    Ok(user)
}
