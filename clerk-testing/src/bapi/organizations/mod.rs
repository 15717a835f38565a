//! `/v1/organizations`, their memberships and the instance-wide
//! `/v1/organization_memberships` of the local Backend API. Every list is a page.
//!
//! Memberships are stored with their `organization_id` and `user_id`; the served object
//! embeds the current organization and the member's `public_user_data`. Memberships of
//! deleted users are not served.

// The helpers return the error `Response` itself, as the handlers answer it; boxing it would
// only add noise to a test server.
#![allow(clippy::result_large_err)]

mod fields;
mod handlers;
mod insert;
mod memberships;
mod query;
mod render;

use std::sync::Arc;

use axum::routing::{get, patch};
use axum::Router;

use crate::State;
use handlers::{create, fetch, list, merge_metadata, remove, replace_metadata, update};
use memberships::{
    create_membership, delete_membership, instance_memberships, list_memberships,
    membership_metadata, update_membership,
};

pub(crate) use insert::insert_organization;

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
