//! `/v1/users` of the local Backend API.
//!
//! Behaviour follows the spec (`2026-05-12`): bodies are checked against the documented
//! fields (an unknown field is a 422 `form_param_unknown`, a wrongly typed one a 422
//! `form_param_format_invalid`), identifiers are unique across the instance (422
//! `form_identifier_exists`), lists are bare arrays, and every error is a `ClerkErrors`
//! body naming the parameter in `meta.param_name`.
//!
//! Choices where the spec is silent: a `starting_after` id that names no user is a 422;
//! the bulk ban endpoints ignore unknown ids; imported password digests only verify with
//! the `sha256` hasher (hex digest); `verify_totp` accepts the codes of the previous,
//! current and next 30 s steps.

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

mod fields;
mod flags;
mod handlers;
mod list;
mod objects;
mod passwords;
mod replace;
mod totp;

use std::sync::Arc;

use axum::routing::{get, patch, post, put};
use axum::Router;

use crate::State;
use flags::{bulk_flag, flag, Flag};
use handlers::{create, fetch, merge_metadata, remove, replace_metadata, update};
use list::{count, list};
use passwords::verify_password;
use replace::{replace_identification, Replaced};
use totp::verify_totp;

pub(crate) use objects::insert_user;
pub(crate) use totp::totp_code;

/// The second factors of a user, kept out of the served object.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mfa {
    /// Base32 TOTP secret.
    pub totp_secret: Option<String>,
    /// Backup codes not used yet.
    pub backup_codes: Vec<String>,
}

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/v1/users", get(list).post(create))
        .route("/v1/users/count", get(count))
        .route("/v1/users/ban", post(|s, b| bulk_flag(s, b, true)))
        .route("/v1/users/unban", post(|s, b| bulk_flag(s, b, false)))
        .route("/v1/users/{id}", get(fetch).patch(update).delete(remove))
        .route(
            "/v1/users/{id}/metadata",
            patch(merge_metadata).put(replace_metadata),
        )
        .route(
            "/v1/users/{id}/ban",
            post(|s, p| flag(s, p, Flag::Ban(true))),
        )
        .route(
            "/v1/users/{id}/unban",
            post(|s, p| flag(s, p, Flag::Ban(false))),
        )
        .route(
            "/v1/users/{id}/lock",
            post(|s, p| flag(s, p, Flag::Lock(true))),
        )
        .route(
            "/v1/users/{id}/unlock",
            post(|s, p| flag(s, p, Flag::Lock(false))),
        )
        .route("/v1/users/{id}/verify_password", post(verify_password))
        .route("/v1/users/{id}/verify_totp", post(verify_totp))
        .route(
            "/v1/users/{id}/email_address",
            put(|s, p, b| replace_identification(s, p, b, Replaced::Email)),
        )
        .route(
            "/v1/users/{id}/phone_number",
            put(|s, p, b| replace_identification(s, p, b, Replaced::Phone)),
        )
}
