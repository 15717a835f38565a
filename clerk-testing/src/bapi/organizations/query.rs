//! Query parameters of the organization lists, and their paging.

use axum::response::Response;
use serde_json::Value;

use crate::bapi::{error, list_response, paging};

/// Whether `actual` passes `+`/`-` prefixed id filters (no include values: all pass).
pub(super) fn signed_match(values: &[String], actual: &[&str]) -> bool {
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

pub(super) fn all_values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

pub(super) fn one_value<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn flag(pairs: &[(String, String)], name: &str) -> bool {
    one_value(pairs, name) == Some("true")
}

pub(super) fn millis(pairs: &[(String, String)], name: &str) -> Result<Option<i64>, Response> {
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

pub(super) fn page(items: Vec<Value>, pairs: &[(String, String)]) -> Response {
    let (limit, offset) = match paging(pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    list_response(data, total, true)
}
