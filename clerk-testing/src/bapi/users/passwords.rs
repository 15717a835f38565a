//! Passwords: the length and digest checks, imported digests, `verify_password`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::fields::{flag_of, text, unprocessable};
use crate::bapi::{error, json_body};
use crate::State;

pub(super) fn check_password(body: &Map<String, Value>) -> Result<Option<String>, Response> {
    let password = text(body, "password");
    let skip = flag_of(body, "skip_password_checks").unwrap_or(false);
    if let Some(p) = &password {
        if !skip && p.chars().count() < 8 {
            return Err(unprocessable(
                "form_password_length_too_short",
                "Passwords must be 8 characters or more.",
                "password",
            ));
        }
    }
    if body.get("password_digest").is_some_and(Value::is_string)
        && text(body, "password_hasher").is_none()
    {
        return Err(unprocessable(
            "form_param_missing",
            "password_hasher must be included.",
            "password_hasher",
        ));
    }
    Ok(password)
}

/// How a password is kept: the plain text, or `digest:<hasher>:<digest>` of an import.
pub(super) fn stored_password(
    body: &Map<String, Value>,
    password: Option<String>,
) -> Option<String> {
    password.or_else(|| {
        let digest = text(body, "password_digest")?;
        let hasher = text(body, "password_hasher")?;
        Some(format!("digest:{hasher}:{digest}"))
    })
}

fn password_matches(stored: &str, given: &str) -> bool {
    match stored.strip_prefix("digest:") {
        None => stored == given,
        Some(rest) => match rest.split_once(':') {
            Some(("sha256", digest)) => {
                let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, given.as_bytes());
                let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
                hex.eq_ignore_ascii_case(digest)
            }
            _ => false,
        },
    }
}

pub(super) async fn verify_password(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let store = state.store.lock().unwrap();
    if !store.users.contains_key(&id) {
        return error(404, "resource_not_found", "The user does not exist.", None);
    }
    let Some(given) = text(&body, "password") else {
        return unprocessable(
            "form_param_missing",
            "password must be included.",
            "password",
        );
    };
    match store.passwords.get(&id) {
        None => error(
            400,
            "password_not_set",
            "The user does not have a password set.",
            None,
        ),
        Some(p) if password_matches(p, &given) => Json(json!({"verified": true})).into_response(),
        Some(_) => unprocessable(
            "incorrect_password",
            "The provided password was incorrect.",
            "password",
        ),
    }
}
