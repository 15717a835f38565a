//! Allow-list and block-list identifiers.
//!
//! The spec marks no field of `AllowlistIdentifier` or `BlocklistIdentifier` as
//! required (README quirk 5). The fields real payloads always carry (`object`, `id`,
//! `identifier`, `created_at`, `updated_at`) are therefore plain values with
//! `#[serde(default)]` (`""` or `0` when absent); the others are `Option`s.

use serde::{Deserialize, Serialize};

string_enum! {
    /// Kind of an allow-list or block-list identifier.
    pub enum IdentifierType {
        /// An email address (or, on the block-list, an email domain).
        EmailAddress = "email_address",
        /// A phone number.
        PhoneNumber = "phone_number",
        /// A Web3 wallet address.
        Web3Wallet = "web3_wallet",
    }
}

/// An identifier allowed to sign up (spec: `AllowlistIdentifier`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AllowlistIdentifier {
    /// Always `allowlist_identifier`; `""` if absent.
    #[serde(default)]
    pub object: String,
    /// Unique identifier, e.g. `alid_2abc…`; `""` if absent.
    #[serde(default)]
    pub id: String,
    /// ID of the invitation sent to the identifier, if any.
    #[serde(default)]
    pub invitation_id: Option<String>,
    /// An email address, phone number or Web3 wallet; `""` if absent.
    #[serde(default)]
    pub identifier: String,
    /// Kind of identifier.
    #[serde(default)]
    pub identifier_type: Option<IdentifierType>,
    /// ID of the instance.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Unix timestamp (ms) of creation; `0` if absent.
    #[serde(default)]
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update; `0` if absent.
    #[serde(default)]
    pub updated_at: i64,
}

/// An identifier blocked from signing up or in (spec: `BlocklistIdentifier`).
///
/// GET `/blocklist_identifiers` returns them as a
/// [`PaginatedList<BlocklistIdentifier>`](super::PaginatedList) (spec: `BlocklistIdentifiers`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BlocklistIdentifier {
    /// Always `blocklist_identifier`; `""` if absent.
    #[serde(default)]
    pub object: String,
    /// Unique identifier, e.g. `blid_2abc…`; `""` if absent.
    #[serde(default)]
    pub id: String,
    /// An email address, email domain, phone number or Web3 wallet; `""` if absent.
    #[serde(default)]
    pub identifier: String,
    /// Kind of identifier.
    #[serde(default)]
    pub identifier_type: Option<IdentifierType>,
    /// ID of the instance.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Unix timestamp (ms) of creation; `0` if absent.
    #[serde(default)]
    pub created_at: i64,
    /// Unix timestamp (ms) of the last update; `0` if absent.
    #[serde(default)]
    pub updated_at: i64,
}
