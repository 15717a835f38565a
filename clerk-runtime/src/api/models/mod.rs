//! Response models of the Clerk Backend API (BAPI), version `2026-05-12`.
//!
//! Every type mirrors a component schema of Clerk's official OpenAPI description
//! (`bapi/2026-05-12.yml` in `github.com/clerk/openapi-specs`), with Rust casing
//! (`SAMLAccount` → [`SamlAccount`], `JWTTemplate` → [`JwtTemplate`]).
//!
//! The models are deliberately tolerant, because real payloads drift from the spec:
//!
//! - **Unknown fields are ignored.** No type uses `deny_unknown_fields`, although most
//!   schemas say `additionalProperties: false`.
//! - **Unknown enum values are kept.** Every enum has an `Unknown(String)` arm holding
//!   the raw value, and serializes it back unchanged.
//! - **Nullable fields are `Option`s**, and every field the spec does not mark required
//!   carries `#[serde(default)]`. A few fields the spec marks required (or forgets to)
//!   are defaulted too. Each one says so in its documentation.
//! - **Timestamps** (`*_at`) are `i64` Unix epoch **milliseconds**. The one exception is
//!   [`TestingToken::expires_at`], which is in seconds.
//! - **Metadata** is a free-form JSON object: [`Metadata`].
//!
//! `None` is serialized as `null` rather than skipped, so serializing a model and
//! deserializing the result gives back an equal value.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Declares a string enum: the known values as unit variants, plus `Unknown(String)`,
/// which keeps any other value verbatim.
///
/// The enum gets `as_str()`, `Display`, `From<&str>`, `From<String>`, and
/// `Serialize`/`Deserialize` as a plain JSON string. An unknown value serializes back
/// unchanged.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value this SDK does not know yet, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )+
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether this is a value the SDK does not know (`Unknown`).
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $value => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $value => Self::$variant, )+
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

mod identifiers;
mod invitation;
mod jwks;
mod jwt_template;
mod organization;
mod session;
mod tokens;
mod user;

#[cfg(test)]
mod tests;

pub use identifiers::{AllowlistIdentifier, BlocklistIdentifier, IdentifierType};
pub use invitation::{Invitation, InvitationStatus};
pub use jwks::{Jwks, JwksKey};
pub use jwt_template::JwtTemplate;
pub use organization::{
    Organization, OrganizationInvitation, OrganizationInvitationPublicOrganizationData,
    OrganizationInvitationPublicUserData, OrganizationInvitationStatus, OrganizationMembership,
    OrganizationMembershipPublicUserData,
};
pub use session::{
    Client, Cookies, Session, SessionActivity, SessionRefresh, SessionStatus, SessionTask, Token,
};
pub use tokens::{ActorToken, ActorTokenStatus, SignInToken, SignInTokenStatus, TestingToken};
pub use user::{
    EmailAddress, EnterpriseAccount, EnterpriseAccountConnection, EnterpriseProtocol,
    ExternalAccount, ExternalAccountObject, IdentificationLink, Passkey, PasswordVerification,
    PhoneNumber, SamlAccount, SamlAccountConnection, ScimUserMetadata, TotpCodeType,
    TotpVerification, User, Verification, VerificationError, VerificationObject,
    VerificationStatus, Web3Wallet,
};

/// Free-form JSON object: `public_metadata`, `private_metadata`, `unsafe_metadata`.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// The result of most deletes (spec: `DeletedObject`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeletedObject {
    /// Type of the deleted object, e.g. `user`.
    pub object: String,
    /// ID of the deleted object.
    #[serde(default)]
    pub id: Option<String>,
    /// Slug of the deleted object (organizations).
    #[serde(default)]
    pub slug: Option<String>,
    /// Always `true` on success.
    pub deleted: bool,
    /// External ID of the deleted object, when it had one.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A count of objects, as returned by `GET /users/count` (spec: `TotalCount`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TotalCount {
    /// Always `total_count`.
    pub object: String,
    /// The number of objects matching the filters.
    pub total_count: i64,
}

/// One page of a list endpoint.
///
/// Clerk answers list endpoints in two shapes, and this type reads both:
///
/// - a bare JSON array (`total_count` is then `None`), as GET `/users` does, and as
///   GET `/sessions`, `/invitations`, `/allowlist_identifiers`, `/jwt_templates` and
///   `/clients` do without `paginated=true`;
/// - `{"data": [...], "total_count": n}`, as the organization lists, the membership
///   lists, `/blocklist_identifiers` (spec: `BlocklistIdentifiers`) and the endpoints
///   above with `paginated=true` do. `total_count` counts the whole filtered set, not
///   just this page.
///
/// It always serializes as `{"data": [...], "total_count": n|null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaginatedList<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Total number of items matching the query, when the endpoint reports it.
    pub total_count: Option<i64>,
}

impl<T> Default for PaginatedList<T> {
    fn default() -> Self {
        Self {
            data: Vec::new(),
            total_count: None,
        }
    }
}

impl<T> PaginatedList<T> {
    /// Number of items in this page.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether this page holds no items.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl<T> IntoIterator for PaginatedList<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a PaginatedList<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for PaginatedList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = PaginatedList<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array or an object with `data` and `total_count`")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut data = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    data.push(item);
                }
                Ok(PaginatedList {
                    data,
                    total_count: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut data: Option<Vec<T>> = None;
                let mut total_count: Option<i64> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "data" => {
                            if data.is_some() {
                                return Err(de::Error::duplicate_field("data"));
                            }
                            data = Some(map.next_value()?);
                        }
                        "total_count" => total_count = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let data = data.ok_or_else(|| de::Error::missing_field("data"))?;
                Ok(PaginatedList { data, total_count })
            }
        }

        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}
