//! `GET /v1/users` and `GET /v1/users/count`: filters, ordering and paging.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::State as AxumState;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::fields::{identifier_values, unprocessable};
use crate::bapi::{paging, query_pairs, Store};
use crate::State;

/// The parsed filters of `GET /users` and `GET /users/count`.
struct Filters {
    emails: Vec<String>,
    phones: Vec<String>,
    external_ids: Vec<String>,
    usernames: Vec<String>,
    wallets: Vec<String>,
    user_ids: Vec<String>,
    organization_ids: Vec<String>,
    provider_user_ids: Vec<String>,
    provider: Option<String>,
    query: Option<String>,
    email_query: Option<String>,
    phone_query: Option<String>,
    username_query: Option<String>,
    name_query: Option<String>,
    banned: Option<bool>,
    created_before: Option<i64>,
    created_after: Option<i64>,
    active_before: Option<i64>,
    active_after: Option<i64>,
    active_since: Option<i64>,
    sign_in_before: Option<i64>,
    sign_in_after: Option<i64>,
}

fn parse_filters(pairs: &[(String, String)]) -> Result<Filters, Response> {
    let all = |name: &str| -> Result<Vec<String>, Response> {
        let values: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        if values.len() > 100 {
            return Err(unprocessable(
                "form_param_value_invalid",
                &format!("{name} accepts up to 100 values."),
                name,
            ));
        }
        Ok(values)
    };
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let lower = |name: &str| one(name).map(|v| v.to_lowercase());
    let number = |name: &str| -> Result<Option<i64>, Response> {
        match one(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                unprocessable(
                    "form_param_format_invalid",
                    &format!("{name} must be an integer timestamp in milliseconds."),
                    name,
                )
            }),
        }
    };
    let banned = match one("banned").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(unprocessable(
                "form_param_format_invalid",
                "banned must be true or false.",
                "banned",
            ))
        }
    };
    let filters = Filters {
        emails: all("email_address")?
            .iter()
            .map(|e| e.to_lowercase())
            .collect(),
        phones: all("phone_number")?,
        external_ids: all("external_id")?,
        usernames: all("username")?.iter().map(|u| u.to_lowercase()).collect(),
        wallets: all("web3_wallet")?
            .iter()
            .map(|w| w.to_lowercase())
            .collect(),
        user_ids: all("user_id")?,
        organization_ids: all("organization_id")?,
        provider_user_ids: all("provider_user_id")?,
        provider: one("provider"),
        query: lower("query"),
        email_query: lower("email_address_query"),
        phone_query: lower("phone_number_query"),
        username_query: lower("username_query"),
        name_query: lower("name_query"),
        banned,
        created_before: number("created_at_before")?,
        created_after: number("created_at_after")?,
        active_before: number("last_active_at_before")?,
        active_after: number("last_active_at_after")?,
        active_since: number("last_active_at_since")?,
        sign_in_before: number("last_sign_in_at_before")?,
        sign_in_after: number("last_sign_in_at_after")?,
    };
    match (&filters.provider, filters.provider_user_ids.is_empty()) {
        (Some(_), true) => Err(unprocessable(
            "form_param_missing",
            "provider must be combined with provider_user_id.",
            "provider_user_id",
        )),
        (None, false) => Err(unprocessable(
            "form_param_missing",
            "provider_user_id must be combined with provider.",
            "provider",
        )),
        _ => Ok(filters),
    }
}

/// Whether a set of values matches, each value optionally prefixed with `+` (include) or
/// `-` (exclude): excluded values never match; with included values, one must match.
fn signed_match(values: &[String], actual: &[&str]) -> bool {
    let includes: Vec<&str> = values
        .iter()
        .filter(|v| !v.starts_with('-'))
        .map(|v| v.strip_prefix('+').unwrap_or(v))
        .collect();
    let excludes: Vec<&str> = values.iter().filter_map(|v| v.strip_prefix('-')).collect();
    if actual.iter().any(|a| excludes.contains(a)) {
        return false;
    }
    includes.is_empty() || actual.iter().any(|a| includes.contains(a))
}

fn time_matches(
    value: Option<i64>,
    before: Option<i64>,
    after: Option<i64>,
    since: Option<i64>,
) -> bool {
    if before.is_none() && after.is_none() && since.is_none() {
        return true;
    }
    value.is_some_and(|v| {
        before.is_none_or(|t| v < t) && after.is_none_or(|t| v > t) && since.is_none_or(|t| v >= t)
    })
}

/// The organization ids of a user's memberships.
fn organization_ids<'s>(store: &'s Store, user_id: &str) -> Vec<&'s str> {
    store
        .organization_memberships
        .values()
        .filter(|m| m["user_id"].as_str() == Some(user_id))
        .filter_map(|m| m["organization_id"].as_str())
        .collect()
}

impl Filters {
    fn matches(&self, u: &Value, organizations: &[&str]) -> bool {
        let lower = |list: &str, field: &str| -> Vec<String> {
            identifier_values(u, list, field)
                .iter()
                .map(|v| v.to_lowercase())
                .collect()
        };
        let emails = lower("email_addresses", "email_address");
        let phones = identifier_values(u, "phone_numbers", "phone_number");
        let wallets = lower("web3_wallets", "web3_wallet");
        let str_field = |f: &str| u[f].as_str().unwrap_or_default().to_lowercase();
        let (username, first, last) = (
            str_field("username"),
            str_field("first_name"),
            str_field("last_name"),
        );
        let id = u["id"].as_str().unwrap_or_default();
        let contains = |haystack: &[String], q: &str| haystack.iter().any(|h| h.contains(q));
        let names = [first.clone(), last.clone(), format!("{first} {last}")];
        let provider_ok = match &self.provider {
            None => true,
            Some(provider) => u["external_accounts"].as_array().is_some_and(|accounts| {
                accounts.iter().any(|a| {
                    let p = a["provider"].as_str().unwrap_or_default();
                    (p == provider || p.strip_prefix("oauth_") == Some(provider.as_str()))
                        && a["provider_user_id"]
                            .as_str()
                            .is_some_and(|pid| self.provider_user_ids.iter().any(|x| x == pid))
                })
            }),
        };
        (self.emails.is_empty() || self.emails.iter().any(|e| emails.contains(e)))
            && (self.phones.is_empty() || self.phones.iter().any(|p| phones.contains(p)))
            && (self.usernames.is_empty()
                || (!username.is_empty() && self.usernames.contains(&username)))
            && (self.wallets.is_empty() || self.wallets.iter().any(|w| wallets.contains(w)))
            && signed_match(&self.user_ids, &[id])
            && signed_match(
                &self.external_ids,
                &u["external_id"].as_str().into_iter().collect::<Vec<_>>(),
            )
            && signed_match(&self.organization_ids, organizations)
            && provider_ok
            && self.banned.is_none_or(|b| u["banned"].as_bool() == Some(b))
            && time_matches(
                u["created_at"].as_i64(),
                self.created_before,
                self.created_after,
                None,
            )
            && time_matches(
                u["last_active_at"].as_i64(),
                self.active_before,
                self.active_after,
                self.active_since,
            )
            && time_matches(
                u["last_sign_in_at"].as_i64(),
                self.sign_in_before,
                self.sign_in_after,
                None,
            )
            && self
                .email_query
                .as_deref()
                .is_none_or(|q| contains(&emails, q))
            && self
                .phone_query
                .as_deref()
                .is_none_or(|q| phones.iter().any(|p| p.contains(q)))
            && self
                .username_query
                .as_deref()
                .is_none_or(|q| username.contains(q))
            && self
                .name_query
                .as_deref()
                .is_none_or(|q| contains(&names, q))
            && self.query.as_deref().is_none_or(|q| {
                let mut haystack = vec![
                    id.to_lowercase(),
                    username.clone(),
                    first.clone(),
                    last.clone(),
                ];
                haystack.extend(emails.iter().cloned());
                haystack.extend(phones.iter().cloned());
                haystack.extend(wallets.iter().cloned());
                contains(&haystack, q)
            })
    }
}

fn filtered(store: &Store, filters: &Filters) -> Vec<Value> {
    store
        .users
        .values()
        .filter(|u| {
            let organizations = if filters.organization_ids.is_empty() {
                Vec::new()
            } else {
                organization_ids(store, u["id"].as_str().unwrap_or_default())
            };
            filters.matches(u, &organizations)
        })
        .cloned()
        .collect()
}

const ORDER_FIELDS: &[&str] = &[
    "created_at",
    "updated_at",
    "email_address",
    "web3wallet",
    "first_name",
    "last_name",
    "phone_number",
    "username",
    "last_active_at",
    "last_sign_in_at",
];

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Int(i64),
    Str(String),
}

/// The sort value of a user: a top-level field, or the primary identification's value.
fn sort_key(user: &Value, field: &str) -> Option<SortKey> {
    let primary = |id_field: &str, list: &str, value: &str| -> Option<SortKey> {
        let id = user[id_field].as_str()?;
        user[list]
            .as_array()?
            .iter()
            .find(|i| i["id"].as_str() == Some(id))
            .and_then(|i| i[value].as_str())
            .map(|s| SortKey::Str(s.to_lowercase()))
    };
    match field {
        "email_address" => primary(
            "primary_email_address_id",
            "email_addresses",
            "email_address",
        ),
        "phone_number" => primary("primary_phone_number_id", "phone_numbers", "phone_number"),
        "web3wallet" => primary("primary_web3_wallet_id", "web3_wallets", "web3_wallet"),
        _ => match &user[field] {
            Value::Number(n) => n.as_i64().map(SortKey::Int),
            Value::String(s) => Some(SortKey::Str(s.to_lowercase())),
            _ => None,
        },
    }
}

/// The order of two users: by the field (missing values last when ascending, first when
/// descending, as PostgreSQL sorts NULLs), then by id, in the same direction.
fn compare(a: &Value, b: &Value, field: &str, desc: bool) -> Ordering {
    let ascending = match (sort_key(a, field), sort_key(b, field)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()));
    if desc {
        ascending.reverse()
    } else {
        ascending
    }
}

pub(super) async fn list(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    let (limit, offset) = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filters = match parse_filters(&pairs) {
        Ok(f) => f,
        Err(r) => return r,
    };
    // Only the first `order_by` counts.
    let order = pairs
        .iter()
        .find(|(k, _)| k == "order_by")
        .map_or("-created_at", |(_, v)| v.as_str());
    let (desc, field) = match order.as_bytes().first() {
        Some(b'-') => (true, &order[1..]),
        Some(b'+') => (false, &order[1..]),
        _ => (false, order),
    };
    if !ORDER_FIELDS.contains(&field) {
        return unprocessable(
            "form_param_value_invalid",
            &format!(
                "order_by cannot be {order}; use one of {}, with + or -.",
                ORDER_FIELDS.join(", ")
            ),
            "order_by",
        );
    }
    let store = state.store.lock().unwrap();
    let mut users = filtered(&store, &filters);
    users.sort_by(|a, b| compare(a, b, field, desc));
    if let Some((_, after)) = pairs.iter().find(|(k, _)| k == "starting_after") {
        if field != "created_at" {
            return unprocessable(
                "form_param_value_invalid",
                "starting_after requires ordering by created_at.",
                "starting_after",
            );
        }
        if offset != 0 {
            return unprocessable(
                "form_param_value_invalid",
                "starting_after cannot be combined with a non-zero offset.",
                "starting_after",
            );
        }
        let Some(cursor) = store.users.get(after) else {
            return unprocessable(
                "form_param_value_invalid",
                "starting_after must be the id of an existing user.",
                "starting_after",
            );
        };
        users.retain(|u| compare(u, cursor, field, desc) == Ordering::Greater);
    }
    let page: Vec<Value> = users.into_iter().skip(offset).take(limit).collect();
    Json(Value::Array(page)).into_response()
}

pub(super) async fn count(AxumState(state): AxumState<Arc<State>>, uri: Uri) -> Response {
    let filters = match parse_filters(&query_pairs(&uri)) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let total = filtered(&state.store.lock().unwrap(), &filters).len();
    Json(json!({"object": "total_count", "total_count": total})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_filters() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(signed_match(&v(&[]), &["a"]));
        assert!(signed_match(&v(&["+a", "b"]), &["a"]));
        assert!(!signed_match(&v(&["+a"]), &["c"]));
        assert!(!signed_match(&v(&["-a"]), &["a"]));
        assert!(signed_match(&v(&["-a"]), &["c"]));
        assert!(signed_match(&v(&["-a"]), &[]));
        assert!(!signed_match(&v(&["a"]), &[]));
    }
}
