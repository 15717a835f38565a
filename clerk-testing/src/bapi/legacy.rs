//! The legacy endpoints of the old Node SDK, answered as Clerk answers them now:
//!
//! - `POST /v1/sessions/{id}/verify` and `GET /v1/clients`: 410 Gone, code
//!   `operation_deprecated` (the body Clerk sends for the removed session verification,
//!   and the `DeprecatedEndpoint` response the spec lists for `GET /clients`);
//! - `POST /v1/emails`: 404 `resource_not_found` (the route is in no dated spec);
//! - `POST /v1/sms_messages`: 403 `authorization_invalid` (disabled for new instances
//!   since November 2023).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::error;
use crate::State;

pub(super) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route(
            "/v1/sessions/{id}/verify",
            post(|| async {
                deprecated(
                    "This endpoint is deprecated and will be removed in future versions. We strongly recommend \
                     switching to networkless verification using short-lived session tokens, which is \
                     implemented transparently in all recent SDK versions.",
                )
            }),
        )
        .route(
            "/v1/clients",
            get(|| async {
                deprecated(
                    "This endpoint is deprecated and will be removed in future versions. Retrieve clients \
                     individually by id, or verify a client token, instead.",
                )
            }),
        )
        .route("/v1/emails", post(|| async { error(404, "resource_not_found", "not found", None) }))
        .route(
            "/v1/sms_messages",
            post(|| async {
                error(
                    403,
                    "authorization_invalid",
                    "Sending SMS messages through the Backend API is not available for this instance.",
                    None,
                )
            }),
        )
}

/// 410 with Clerk's `operation_deprecated` error.
fn deprecated(long_message: &str) -> Response {
    let body = json!({
        "errors": [{
            "code": "operation_deprecated",
            "message": "endpoint is deprecated and pending removal",
            "long_message": long_message,
            "meta": {},
        }],
        "meta": {},
        "clerk_trace_id": format!("trace_{}", crate::random_id(16)),
    });
    (StatusCode::GONE, axum::Json(body)).into_response()
}
