//! Sign-in tokens, testing tokens and actor (impersonation) tokens.

use serde::{Deserialize, Serialize};

string_enum! {
    /// Status of a [`SignInToken`].
    pub enum SignInTokenStatus {
        /// Not used yet.
        Pending = "pending",
        /// Used to sign in.
        Accepted = "accepted",
        /// Revoked.
        Revoked = "revoked",
    }
}

/// A token that signs a user in without credentials (spec: `SignInToken`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInToken {
    /// Always `sign_in_token`.
    pub object: String,
    /// Unique identifier, e.g. `sit_2abc…`.
    pub id: String,
    /// Status of the token.
    pub status: SignInTokenStatus,
    /// ID of the user the token signs in.
    pub user_id: String,
    /// The token; only returned on creation.
    #[serde(default)]
    pub token: Option<String>,
    /// The sign-in link; only returned on creation.
    #[serde(default)]
    pub url: Option<String>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

/// A token that bypasses bot protection in tests (spec: `TestingToken`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TestingToken {
    /// Always `testing_token`.
    pub object: String,
    /// The token, for the `__clerk_testing_token` query parameter of Frontend API requests.
    pub token: String,
    /// Unix timestamp of expiration, in **seconds** (unlike every other `*_at` field).
    pub expires_at: i64,
}

string_enum! {
    /// Status of an [`ActorToken`].
    pub enum ActorTokenStatus {
        /// Not used yet.
        Pending = "pending",
        /// Used to start an impersonation session.
        Accepted = "accepted",
        /// Revoked.
        Revoked = "revoked",
    }
}

/// A token that lets an actor impersonate a user (spec: `ActorToken`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorToken {
    /// Always `actor_token`.
    pub object: String,
    /// Unique identifier, e.g. `act_2abc…`.
    pub id: String,
    /// Status of the token.
    pub status: ActorTokenStatus,
    /// ID of the impersonated user.
    pub user_id: String,
    /// The actor's claims, at least `{"sub": …}`.
    pub actor: serde_json::Map<String, serde_json::Value>,
    /// The token; only returned on creation.
    #[serde(default)]
    pub token: Option<String>,
    /// The impersonation link; only returned on creation.
    #[serde(default)]
    pub url: Option<String>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}
