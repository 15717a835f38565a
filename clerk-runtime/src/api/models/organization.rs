//! Organizations, memberships and organization invitations.

use serde::{Deserialize, Serialize};

use super::Metadata;

/// An organization (spec: `Organization`).
///
/// Also reads the logo upload's response (spec: `OrganizationWithLogo`), whose extra,
/// deprecated `logo_url` is ignored: use `image_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Always `organization`.
    pub object: String,
    /// Unique identifier, e.g. `org_2abc…`.
    pub id: String,
    /// Name of the organization.
    pub name: String,
    /// URL-friendly unique slug.
    pub slug: String,
    /// URL of the logo.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Whether a logo was uploaded.
    pub has_image: bool,
    /// Number of members (with `include_members_count=true`).
    #[serde(default)]
    pub members_count: Option<i64>,
    /// Whether no member has elevated permissions
    /// (with `include_missing_member_with_elevated_permissions=true`).
    #[serde(default)]
    pub missing_member_with_elevated_permissions: Option<bool>,
    /// Number of pending invitations.
    #[serde(default)]
    pub pending_invitations_count: Option<i64>,
    /// Maximum number of memberships; 0 means unlimited.
    pub max_allowed_memberships: i64,
    /// Whether admins can delete the organization through the Frontend API.
    pub admin_delete_enabled: bool,
    /// Metadata readable from the Frontend API, writable only from the Backend API.
    pub public_metadata: Metadata,
    /// Metadata readable and writable only from the Backend API.
    #[serde(default)]
    pub private_metadata: Option<Metadata>,
    /// ID of the user who created the organization.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
    /// Unix timestamp (ms) of the last activity.
    #[serde(default)]
    pub last_active_at: Option<i64>,
    /// Key of the role set assigned to the organization.
    #[serde(default)]
    pub role_set_key: Option<String>,
}

/// A user's membership in an organization (spec: `OrganizationMembership`).
///
/// DELETE `/organizations/{id}/memberships/{user_id}` returns this, not a `DeletedObject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationMembership {
    /// Unique identifier, e.g. `orgmem_2abc…`.
    pub id: String,
    /// Always `organization_membership`.
    pub object: String,
    /// Role key, e.g. `org:admin`.
    pub role: String,
    /// Display name of the role, e.g. `Admin`.
    #[serde(default)]
    pub role_name: Option<String>,
    /// Permission keys granted by the role, e.g. `org:sys_memberships:manage`.
    pub permissions: Vec<String>,
    /// Metadata readable from the Frontend and Backend APIs.
    pub public_metadata: Metadata,
    /// Metadata readable only from the Backend API.
    #[serde(default)]
    pub private_metadata: Option<Metadata>,
    /// The organization.
    pub organization: Organization,
    /// Public data of the member.
    #[serde(default)]
    pub public_user_data: Option<OrganizationMembershipPublicUserData>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

/// Public data of an organization member (spec: `OrganizationMembershipPublicUserData`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrganizationMembershipPublicUserData {
    /// ID of the user.
    pub user_id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Deprecated: use `image_url`.
    pub profile_image_url: Option<String>,
    /// URL of the profile image.
    pub image_url: String,
    /// Whether the user uploaded a profile image.
    pub has_image: bool,
    /// The user's primary identifier, e.g. an email address.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// Whether the user is banned.
    #[serde(default)]
    pub banned: Option<bool>,
    /// Whether the user was deprovisioned.
    #[serde(default)]
    pub deprovisioned: Option<bool>,
}

string_enum! {
    /// Status of an [`OrganizationInvitation`] (a free string in the spec).
    pub enum OrganizationInvitationStatus {
        /// Sent, not yet used.
        Pending = "pending",
        /// Accepted.
        Accepted = "accepted",
        /// Revoked.
        Revoked = "revoked",
        /// Expired.
        Expired = "expired",
    }
}

/// An invitation to join an organization (spec: `OrganizationInvitation`, and
/// `OrganizationInvitationWithPublicOrganizationData`, which adds
/// `public_organization_data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationInvitation {
    /// Always `organization_invitation`.
    pub object: String,
    /// Unique identifier, e.g. `orginv_2abc…`.
    pub id: String,
    /// The invited email address.
    pub email_address: String,
    /// Role key given on acceptance, e.g. `org:member`.
    pub role: String,
    /// Display name of the role.
    pub role_name: String,
    /// ID of the organization.
    #[serde(default)]
    pub organization_id: Option<String>,
    /// ID of the user who sent the invitation.
    pub inviter_id: Option<String>,
    /// Public data of the inviter.
    pub public_inviter_data: Option<OrganizationInvitationPublicUserData>,
    /// Status of the invitation.
    #[serde(default)]
    pub status: Option<OrganizationInvitationStatus>,
    /// Metadata copied to the membership's `public_metadata`.
    pub public_metadata: Metadata,
    /// Metadata copied to the membership's `private_metadata`.
    #[serde(default)]
    pub private_metadata: Option<Metadata>,
    /// The invitation link.
    pub url: Option<String>,
    /// Unix timestamp (ms) of expiration.
    pub expires_at: Option<i64>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
    /// Public data of the organization (user-scoped invitation lists only).
    #[serde(default)]
    pub public_organization_data: Option<OrganizationInvitationPublicOrganizationData>,
}

/// Public data of an organization inviter (spec: `OrganizationInvitationPublicUserData`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrganizationInvitationPublicUserData {
    /// ID of the user.
    pub user_id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// URL of the profile image.
    pub image_url: String,
    /// Whether the user uploaded a profile image.
    pub has_image: bool,
    /// The user's primary identifier, e.g. an email address.
    pub identifier: String,
}

/// Public data of the inviting organization
/// (spec: `OrganizationInvitationPublicOrganizationData`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrganizationInvitationPublicOrganizationData {
    /// ID of the organization.
    pub id: String,
    /// Name of the organization.
    pub name: String,
    /// Slug of the organization.
    pub slug: String,
    /// URL of the logo.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Whether a logo was uploaded.
    pub has_image: bool,
}
