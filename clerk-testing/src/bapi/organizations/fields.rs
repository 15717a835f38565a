//! Request bodies of `/v1/organizations`: names, slugs, metadata, limits, and the
//! errors they answer.

use axum::response::Response;
use serde_json::{Map, Value};

use crate::bapi::rfc3339::parse_rfc3339;
use crate::bapi::{error, Store};

pub(super) fn org_not_found() -> Response {
    error(
        404,
        "resource_not_found",
        "Given organization not found.",
        None,
    )
}

pub(super) fn role_name(role: &str) -> Option<&'static str> {
    match role {
        "org:admin" => Some("Admin"),
        "org:member" => Some("Member"),
        _ => None,
    }
}

pub(super) fn role_not_found() -> Response {
    error(
        404,
        "resource_not_found",
        "Organization role not found",
        Some("role"),
    )
}

/// Lowercase letters, digits and dashes from a name (`"Acme, Inc."` → `acme-inc`).
pub(super) fn slugify(name: &str) -> String {
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

pub(super) fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub(super) fn slug_taken(store: &Store, slug: &str, except: Option<&str>) -> bool {
    store
        .organizations
        .values()
        .any(|o| o["slug"] == slug && o["id"].as_str() != except)
}

pub(super) fn slug_exists() -> Response {
    error(
        422,
        "form_identifier_exists",
        "This organization slug is already taken. Please try another.",
        Some("slug"),
    )
}

pub(super) fn check_name(name: &str) -> Result<(), Response> {
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

pub(super) fn metadata_field(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<Value>, Response> {
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

pub(super) fn max_memberships(body: &Map<String, Value>) -> Result<Option<i64>, Response> {
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

pub(super) fn created_at(body: &Map<String, Value>) -> Result<Option<i64>, Response> {
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

pub(super) fn optional_string(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<String>, Response> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme, Inc."), "acme-inc");
        assert_eq!(slugify("  Hello   World  "), "hello-world");
        assert_eq!(slugify("!!!"), "");
    }
}
