//! Application invitations.

use serde::{Deserialize, Serialize};

use super::Metadata;

string_enum! {
    /// Status of an [`Invitation`].
    pub enum InvitationStatus {
        /// Sent, not yet used.
        Pending = "pending",
        /// Used to sign up.
        Accepted = "accepted",
        /// Revoked.
        Revoked = "revoked",
        /// Expired.
        Expired = "expired",
    }
}

/// An invitation to sign up to the application (spec: `Invitation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    /// Always `invitation`.
    pub object: String,
    /// Unique identifier, e.g. `inv_2abc…`.
    pub id: String,
    /// The invited email address.
    pub email_address: String,
    /// Metadata copied to the user's `public_metadata` on sign-up.
    pub public_metadata: Metadata,
    /// Whether the invitation was revoked.
    #[serde(default)]
    pub revoked: Option<bool>,
    /// Status of the invitation.
    pub status: InvitationStatus,
    /// The invitation link.
    #[serde(default)]
    pub url: Option<String>,
    /// Unix timestamp (ms) of expiration.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}
