//! Users and their identifications: email addresses, phone numbers, Web3 wallets,
//! passkeys, external (OAuth), SAML and enterprise accounts, and their verifications.

use serde::{Deserialize, Serialize};

use super::{Metadata, OrganizationMembership};

/// A Clerk user (spec: `User`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Unique identifier of the user, e.g. `user_2abc…`.
    pub id: String,
    /// Always `user`.
    pub object: String,
    /// The user's ID in your own system.
    pub external_id: Option<String>,
    /// ID of the primary email address.
    pub primary_email_address_id: Option<String>,
    /// ID of the primary phone number.
    pub primary_phone_number_id: Option<String>,
    /// ID of the primary Web3 wallet.
    pub primary_web3_wallet_id: Option<String>,
    /// The username.
    pub username: Option<String>,
    /// The first name.
    pub first_name: Option<String>,
    /// The last name.
    pub last_name: Option<String>,
    /// The user's locale (BCP 47 tag).
    #[serde(default)]
    pub locale: Option<String>,
    /// Deprecated: use `image_url`.
    #[serde(default)]
    pub profile_image_url: Option<String>,
    /// URL of the profile image.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Whether the user uploaded a profile image.
    pub has_image: bool,
    /// Metadata readable from the Frontend API, writable only from the Backend API.
    pub public_metadata: Metadata,
    /// Metadata readable and writable only from the Backend API.
    #[serde(default)]
    pub private_metadata: Option<Metadata>,
    /// Metadata readable and writable from the Frontend API.
    #[serde(default)]
    pub unsafe_metadata: Option<Metadata>,
    /// The user's email addresses.
    pub email_addresses: Vec<EmailAddress>,
    /// The user's phone numbers.
    pub phone_numbers: Vec<PhoneNumber>,
    /// The user's Web3 wallets.
    pub web3_wallets: Vec<Web3Wallet>,
    /// The user's passkeys.
    pub passkeys: Vec<Passkey>,
    /// Whether the user has a password.
    pub password_enabled: bool,
    /// Whether any second factor is enabled.
    pub two_factor_enabled: bool,
    /// Whether a TOTP authenticator is enabled.
    pub totp_enabled: bool,
    /// Whether backup codes are enabled.
    pub backup_code_enabled: bool,
    /// Unix timestamp (ms) of when MFA was last enabled; not cleared when MFA is disabled.
    pub mfa_enabled_at: Option<i64>,
    /// Unix timestamp (ms) of when MFA was last disabled; not cleared when MFA is re-enabled.
    pub mfa_disabled_at: Option<i64>,
    /// Unix timestamp (ms) of the last password update.
    #[serde(default)]
    pub password_last_updated_at: Option<i64>,
    /// OAuth accounts linked to the user.
    pub external_accounts: Vec<ExternalAccount>,
    /// SAML accounts linked to the user.
    pub saml_accounts: Vec<SamlAccount>,
    /// Enterprise (SAML or OIDC) accounts linked to the user.
    pub enterprise_accounts: Vec<EnterpriseAccount>,
    /// The user's organization memberships, when the endpoint includes them.
    #[serde(default)]
    pub organization_memberships: Option<Vec<OrganizationMembership>>,
    /// Unix timestamp (ms) of the last sign-in.
    pub last_sign_in_at: Option<i64>,
    /// Whether the user is banned.
    pub banned: bool,
    /// Whether the user is currently locked, i.e. restricted from signing in.
    pub locked: bool,
    /// Whether the user was deprovisioned and is restricted from signing in.
    #[serde(default)]
    pub deprovisioned: Option<bool>,
    /// Seconds left until a locked user's lockout expires; `None` on a locked user means never.
    pub lockout_expires_in_seconds: Option<i64>,
    /// Verification attempts left before the user is locked; `None` if lockout is disabled.
    pub verification_attempts_remaining: Option<i64>,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Whether the user can delete themselves through the Frontend API.
    pub delete_self_enabled: bool,
    /// Whether the user can create organizations through the Frontend API.
    pub create_organization_enabled: bool,
    /// Maximum number of organizations the user can create; 0 means unlimited.
    #[serde(default)]
    pub create_organizations_limit: Option<i64>,
    /// Unix timestamp (ms) of the latest session activity, with day precision.
    pub last_active_at: Option<i64>,
    /// Unix timestamp (ms) of when the user accepted the legal requirements.
    pub legal_accepted_at: Option<i64>,
    /// Whether the user bypasses Device Trust checks at sign-in (spec default `false`).
    #[serde(default)]
    pub bypass_client_trust: bool,
    /// Directory (SCIM) linkage; only sent on `user.created`/`user.updated` webhooks.
    #[serde(default)]
    pub scim: Option<ScimUserMetadata>,
}

/// A user's linkage to a SCIM directory (spec: `SCIMUserMetadata`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScimUserMetadata {
    /// ID of the directory the user is provisioned from.
    pub directory_id: String,
    /// Whether the directory is enabled; omitted when false.
    #[serde(default)]
    pub directory_enabled: Option<bool>,
    /// The user's external ID as reported by the directory.
    pub external_id: Option<String>,
}

/// An email address of a user (spec: `EmailAddress`).
///
/// `id` is not in the spec's `required` list (README quirk 5) although real payloads
/// always carry it: it is a plain `String` that defaults to `""` when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailAddress {
    /// Unique identifier, e.g. `idn_2abc…`; `""` if the payload omits it.
    #[serde(default)]
    pub id: String,
    /// Always `email_address`.
    pub object: String,
    /// The email address.
    pub email_address: String,
    /// Whether the address is reserved (e.g. by an allowlist or an invitation).
    pub reserved: bool,
    /// How the address was verified, if at all.
    pub verification: Option<Verification>,
    /// External accounts this address is linked to.
    pub linked_to: Vec<IdentificationLink>,
    /// Whether the address's domain matches an active enterprise connection.
    #[serde(default)]
    pub matches_sso_connection: Option<bool>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

/// A phone number of a user (spec: `PhoneNumber`).
///
/// `id` is not in the spec's `required` list (README quirk 5) although real payloads
/// always carry it: it is a plain `String` that defaults to `""` when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// Unique identifier, e.g. `idn_2abc…`; `""` if the payload omits it.
    #[serde(default)]
    pub id: String,
    /// Always `phone_number`.
    pub object: String,
    /// The phone number, in E.164 format.
    pub phone_number: String,
    /// Whether the number is reserved for second-factor authentication.
    #[serde(default)]
    pub reserved_for_second_factor: Option<bool>,
    /// Whether the number is the default second factor.
    #[serde(default)]
    pub default_second_factor: Option<bool>,
    /// Whether the number is reserved.
    pub reserved: bool,
    /// How the number was verified, if at all.
    pub verification: Option<Verification>,
    /// External accounts this number is linked to.
    pub linked_to: Vec<IdentificationLink>,
    /// Backup codes, when just generated.
    #[serde(default)]
    pub backup_codes: Option<Vec<String>>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

/// A Web3 wallet of a user (spec: `Web3Wallet`).
///
/// `id` is not in the spec's `required` list (README quirk 5) although real payloads
/// always carry it: it is a plain `String` that defaults to `""` when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Web3Wallet {
    /// Unique identifier, e.g. `idn_2abc…`; `""` if the payload omits it.
    #[serde(default)]
    pub id: String,
    /// Always `web3_wallet`.
    pub object: String,
    /// The wallet address.
    pub web3_wallet: String,
    /// How the wallet was verified, if at all.
    pub verification: Option<Verification>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

/// A passkey of a user (spec: `Passkey`).
///
/// `id` is not in the spec's `required` list (README quirk 5) although real payloads
/// always carry it: it is a plain `String` that defaults to `""` when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passkey {
    /// Unique identifier, e.g. `idn_2abc…`; `""` if the payload omits it.
    #[serde(default)]
    pub id: String,
    /// Always `passkey`.
    pub object: String,
    /// The passkey's name.
    pub name: String,
    /// Unix timestamp (ms) of when the passkey was last used.
    pub last_used_at: i64,
    /// The passkey's verification.
    pub verification: Option<Verification>,
}

/// A link from an identification to an external account (spec: `IdentificationLink`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IdentificationLink {
    /// Kind of link, e.g. `oauth_google`.
    pub r#type: String,
    /// ID of the linked account.
    pub id: String,
}

/// An OAuth account linked to a user (spec: `ExternalAccountWithVerification`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalAccount {
    /// `external_account`, `google_account` or `facebook_account`.
    pub object: ExternalAccountObject,
    /// Unique identifier, e.g. `eac_2abc…`.
    pub id: String,
    /// OAuth provider, e.g. `oauth_google`.
    pub provider: String,
    /// ID of the identification this account belongs to.
    pub identification_id: String,
    /// The user's ID at the provider.
    pub provider_user_id: String,
    /// Scopes granted, space-separated.
    pub approved_scopes: String,
    /// Email address reported by the provider.
    pub email_address: String,
    /// Whether the provider verified the email at creation; `None` if unknown.
    #[serde(default)]
    pub email_address_verified: Option<bool>,
    /// First name reported by the provider.
    pub first_name: String,
    /// Last name reported by the provider.
    pub last_name: String,
    /// Deprecated: use `image_url`.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Avatar URL reported by the provider.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Username reported by the provider.
    #[serde(default)]
    pub username: Option<String>,
    /// Phone number reported by the provider.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Public metadata of the account.
    pub public_metadata: Metadata,
    /// Label of the account.
    #[serde(default)]
    pub label: Option<String>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
    /// The OAuth verification.
    pub verification: Option<Verification>,
}

/// A SAML account linked to a user (spec: `SAMLAccount`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlAccount {
    /// Unique identifier, e.g. `samlacc_2abc…`.
    pub id: String,
    /// Always `saml_account`.
    pub object: String,
    /// SAML provider, e.g. `saml_okta`.
    pub provider: String,
    /// Whether the account is active.
    pub active: bool,
    /// Email address of the account.
    pub email_address: String,
    /// First name from the identity provider.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name from the identity provider.
    #[serde(default)]
    pub last_name: Option<String>,
    /// The user's ID at the identity provider.
    #[serde(default)]
    pub provider_user_id: Option<String>,
    /// Unix timestamp (ms) of the last authentication.
    #[serde(default)]
    pub last_authenticated_at: Option<i64>,
    /// Public metadata of the account.
    #[serde(default)]
    pub public_metadata: Option<Metadata>,
    /// The SAML verification.
    pub verification: Option<Verification>,
    /// The SAML connection the account belongs to.
    #[serde(default)]
    pub saml_connection: Option<SamlAccountConnection>,
}

/// The SAML connection embedded in a [`SamlAccount`] (spec: `SAMLAccountConnection`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SamlAccountConnection {
    /// Unique identifier, e.g. `samlc_2abc…`.
    pub id: String,
    /// Name of the connection.
    pub name: String,
    /// Deprecated: use `domains`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Email domains of the connection.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Whether the connection is active.
    pub active: bool,
    /// SAML provider, e.g. `saml_okta`.
    pub provider: String,
    /// Whether user attributes are synced from the identity provider.
    pub sync_user_attributes: bool,
    /// Whether subdomains of the domains are allowed.
    #[serde(default)]
    pub allow_subdomains: Option<bool>,
    /// Whether IdP-initiated flows are allowed.
    #[serde(default)]
    pub allow_idp_initiated: Option<bool>,
    /// Whether additional identifications are disabled.
    #[serde(default)]
    pub disable_additional_identifications: Option<bool>,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

string_enum! {
    /// Protocol of an enterprise account or connection.
    pub enum EnterpriseProtocol {
        /// OpenID Connect / OAuth.
        Oauth = "oauth",
        /// SAML.
        Saml = "saml",
    }
}

/// An enterprise (SAML or OIDC) account linked to a user (spec: `EnterpriseAccount`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseAccount {
    /// Unique identifier, e.g. `enta_2abc…`.
    pub id: String,
    /// Always `enterprise_account`.
    pub object: String,
    /// Protocol used to sign in.
    #[serde(default)]
    pub protocol: Option<EnterpriseProtocol>,
    /// Provider, e.g. `saml_okta` or `oauth_custom_acme`.
    pub provider: String,
    /// Whether the account is active.
    pub active: bool,
    /// Email address of the account.
    pub email_address: String,
    /// First name from the identity provider.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name from the identity provider.
    #[serde(default)]
    pub last_name: Option<String>,
    /// The user's ID at the identity provider.
    #[serde(default)]
    pub provider_user_id: Option<String>,
    /// ID of the enterprise connection.
    #[serde(default)]
    pub enterprise_connection_id: Option<String>,
    /// Public metadata of the account.
    #[serde(default)]
    pub public_metadata: Option<Metadata>,
    /// The verification.
    pub verification: Option<Verification>,
    /// The enterprise connection the account belongs to.
    #[serde(default)]
    pub enterprise_connection: Option<EnterpriseAccountConnection>,
    /// Unix timestamp (ms) of the last authentication.
    #[serde(default)]
    pub last_authenticated_at: Option<i64>,
}

/// The enterprise connection embedded in an [`EnterpriseAccount`]
/// (spec: `EnterpriseAccountConnection`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseAccountConnection {
    /// Unique identifier of the connection.
    pub id: String,
    /// Protocol of the connection (`saml` or `oauth`).
    pub protocol: EnterpriseProtocol,
    /// Provider, e.g. `saml_okta`.
    pub provider: String,
    /// Name of the connection.
    pub name: String,
    /// Public URL of the connection's logo.
    pub logo_public_url: Option<String>,
    /// Deprecated: use `domains`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Email domains of the connection.
    #[serde(default)]
    pub domains: Option<Vec<String>>,
    /// Whether the connection is active.
    pub active: bool,
    /// Whether user attributes are synced from the identity provider.
    pub sync_user_attributes: bool,
    /// Whether subdomains of the domains are allowed.
    pub allow_subdomains: bool,
    /// Whether IdP-initiated flows are allowed.
    pub allow_idp_initiated: bool,
    /// Whether additional identifications are disabled.
    pub disable_additional_identifications: bool,
    /// Unix timestamp (ms) of creation.
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update.
    pub updated_at: i64,
}

string_enum! {
    /// Kind of verification (the `object` of a verification).
    pub enum VerificationObject {
        /// One-time code by email or SMS.
        Otp = "verification_otp",
        /// Verified by an administrator.
        Admin = "verification_admin",
        /// Verified through an OAuth provider.
        FromOauth = "verification_from_oauth",
        /// Verified with a ticket (invitation, sign-in token).
        Ticket = "verification_ticket",
        /// SAML.
        Saml = "verification_saml",
        /// Email link.
        EmailLink = "verification_email_link",
        /// SCIM provisioning.
        Scim = "verification_scim",
        /// Web3 signature.
        Web3 = "verification_web3",
        /// Passkey.
        Passkey = "verification_passkey",
        /// OAuth.
        Oauth = "verification_oauth",
        /// Google One Tap.
        GoogleOneTap = "verification_google_one_tap",
    }
}

string_enum! {
    /// Status of a verification.
    pub enum VerificationStatus {
        /// Not verified yet.
        Unverified = "unverified",
        /// Verified.
        Verified = "verified",
        /// The attempt failed.
        Failed = "failed",
        /// The verification expired.
        Expired = "expired",
        /// The external account can be transferred to a sign-up.
        Transferable = "transferable",
    }
}

/// A verification of an identification (spec: the `verification_*` schemas, and the
/// body of `prepare_verification`/`attempt_verification`).
///
/// The spec's `oneOf` is keyed on `object`, which no branch requires (README quirk 3),
/// so this is one struct whose fields cover every branch, all optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Verification {
    /// Kind of verification, e.g. `verification_otp`.
    #[serde(default)]
    pub object: Option<VerificationObject>,
    /// ID of the verification (only from `prepare_verification`/`attempt_verification`).
    #[serde(default)]
    pub id: Option<String>,
    /// Status of the verification.
    #[serde(default)]
    pub status: Option<VerificationStatus>,
    /// Strategy, e.g. `email_code`, `oauth_google`, `from_oauth_github`; a `String`
    /// because OAuth strategies are open-ended (`^oauth_[a-z]+$`).
    #[serde(default)]
    pub strategy: Option<String>,
    /// Number of attempts made.
    #[serde(default)]
    pub attempts: Option<i64>,
    /// Unix timestamp (ms) at which the verification expires.
    #[serde(default)]
    pub expire_at: Option<i64>,
    /// Delivery channel of the code (phone codes only), e.g. `sms`.
    #[serde(default)]
    pub channel: Option<String>,
    /// Client on which the verification was completed.
    #[serde(default)]
    pub verified_at_client: Option<String>,
    /// Error of a failed OAuth or SAML verification.
    #[serde(default)]
    pub error: Option<VerificationError>,
    /// Where to send the user to complete an OAuth or SAML verification.
    #[serde(default)]
    pub external_verification_redirect_url: Option<String>,
    /// Nonce to sign (Web3) or `nonce` (passkeys).
    #[serde(default)]
    pub nonce: Option<String>,
    /// Message to sign (Web3, passkeys).
    #[serde(default)]
    pub message: Option<String>,
}

/// An error embedded in a verification (spec: `ClerkError`).
///
/// `long_message` and `meta` are optional here although the spec requires
/// `long_message`: the JS SDK types it as optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VerificationError {
    /// Short, human-readable message.
    pub message: String,
    /// Longer, more detailed message.
    #[serde(default)]
    pub long_message: Option<String>,
    /// Machine-readable error code, e.g. `oauth_access_denied`.
    pub code: String,
    /// Extra details about the error.
    #[serde(default)]
    pub meta: Option<Metadata>,
}

/// Result of `POST /users/{user_id}/verify_password` (an inline schema in the spec).
///
/// The spec requires no field; `verified` defaults to `false` when absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PasswordVerification {
    /// Whether the password was correct.
    #[serde(default)]
    pub verified: bool,
}

string_enum! {
    /// Kind of code accepted by `verify_totp`.
    pub enum TotpCodeType {
        /// A TOTP code from an authenticator app.
        Totp = "totp",
        /// A backup code (now consumed).
        BackupCode = "backup_code",
    }
}

/// Result of `POST /users/{user_id}/verify_totp` (an inline schema in the spec).
///
/// The spec requires no field; `verified` defaults to `false` when absent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TotpVerification {
    /// Whether the code was correct.
    #[serde(default)]
    pub verified: bool,
    /// Whether the code was a TOTP or a backup code.
    #[serde(default)]
    pub code_type: Option<TotpCodeType>,
}

string_enum! {
    /// The `object` of an [`ExternalAccount`].
    pub enum ExternalAccountObject {
        /// A generic OAuth account.
        ExternalAccount = "external_account",
        /// A Facebook account (legacy).
        FacebookAccount = "facebook_account",
        /// A Google account (legacy).
        GoogleAccount = "google_account",
    }
}
