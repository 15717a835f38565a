//! `/actor_tokens`: create and revoke impersonation tokens.

use serde::Serialize;

use super::models::{ActorToken, Metadata};
use super::{ApiError, ApiRequest, Transport};

/// The `actor_tokens` resource: `clerk.actor_tokens()`.
///
/// An actor token lets an actor (an administrator, say) impersonate a user: send the
/// actor to the token's `url` (or pass its `token` as the `ticket` of a sign-in). The
/// session it creates carries the actor's claims as `act`.
#[derive(Debug, Clone, Copy)]
pub struct ActorTokens<'a> {
    pub(crate) transport: &'a Transport,
}

/// Body of `POST /actor_tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateActorTokenParams {
    /// The user to impersonate (required).
    pub user_id: String,
    /// The actor's claims (required): at least `{"sub": "<actor id>"}`. The whole object
    /// is copied into the `act` claim of the impersonation session's tokens.
    pub actor: Metadata,
    /// Lifetime of the token in seconds (Clerk's default: 3600, one hour).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u64>,
    /// Maximum lifetime in seconds of the session the token creates (Clerk's default:
    /// 1800, 30 minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_max_duration_in_seconds: Option<u64>,
}

impl ActorTokens<'_> {
    /// `POST /actor_tokens`: a new `pending` token, with its `token` and `url` (only
    /// returned here). A missing `user_id` or an `actor` without `sub` is a 422; a plan
    /// without impersonation is a 402.
    pub async fn create(&self, params: &CreateActorTokenParams) -> Result<ActorToken, ApiError> {
        self.transport
            .send(ApiRequest::post(&["actor_tokens"]).json(params)?)
            .await
    }

    /// `POST /actor_tokens/{actor_token_id}/revoke`: the token, now `revoked`. An unknown
    /// token is a 404.
    pub async fn revoke(&self, actor_token_id: &str) -> Result<ActorToken, ApiError> {
        self.transport
            .send(ApiRequest::post(&[
                "actor_tokens",
                actor_token_id,
                "revoke",
            ]))
            .await
    }
}
