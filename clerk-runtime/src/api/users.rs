//! `/users`: get, list, count, create, update, delete, metadata, ban, lock, passwords and
//! TOTP codes.

use futures_util::stream::{self, Stream, StreamExt as _};
use serde::Serialize;

use super::models::{
    DeletedObject, EmailAddress, Metadata, PasswordVerification, PhoneNumber, TotalCount,
    TotpVerification, User,
};
use super::{ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The `users` resource: `clerk.users()`.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    pub(crate) transport: &'a Transport,
}

/// Declares a params struct holding every filter of `GET /users` and `GET /users/count`,
/// plus the given extra fields, and its `apply_filters`.
macro_rules! user_filters {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident: $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            /// Users with any of these email addresses (exact match; up to 100).
            pub email_address: Vec<String>,
            /// Users with any of these phone numbers (exact match; up to 100).
            pub phone_number: Vec<String>,
            /// Users with these external ids (up to 100). Prefix a value with `+` to
            /// include it or `-` to exclude it.
            pub external_id: Vec<String>,
            /// Users with any of these usernames (exact match; up to 100).
            pub username: Vec<String>,
            /// Users with any of these Web3 wallet addresses (up to 100).
            pub web3_wallet: Vec<String>,
            /// Users with these ids (up to 100). Prefix a value with `+` to include it or
            /// `-` to exclude it.
            pub user_id: Vec<String>,
            /// Users with a membership in these organizations (up to 100). Prefix a value
            /// with `+` to include it or `-` to exclude it.
            pub organization_id: Vec<String>,
            /// Users whose external account of `provider` has one of these provider user
            /// ids (up to 100). Only valid together with `provider`.
            pub provider_user_id: Vec<String>,
            /// OAuth provider of `provider_user_id`, e.g. `oauth_google`.
            pub provider: Option<String>,
            /// Partial, case-insensitive match over email addresses, phone numbers,
            /// usernames, Web3 wallets, user ids, first and last names.
            pub query: Option<String>,
            /// Partial, case-insensitive match over email addresses.
            pub email_address_query: Option<String>,
            /// Partial match over phone numbers.
            pub phone_number_query: Option<String>,
            /// Partial, case-insensitive match over usernames.
            pub username_query: Option<String>,
            /// Partial, case-insensitive match over first and last names.
            pub name_query: Option<String>,
            /// Only banned users (`true`) or only users who are not banned (`false`).
            pub banned: Option<bool>,
            /// Users created before this time (Unix epoch milliseconds).
            pub created_at_before: Option<i64>,
            /// Users created after this time (Unix epoch milliseconds).
            pub created_at_after: Option<i64>,
            /// Users whose last session activity was before this time (Unix epoch ms).
            pub last_active_at_before: Option<i64>,
            /// Users whose last session activity was after this time (Unix epoch ms).
            pub last_active_at_after: Option<i64>,
            /// Users with session activity since this time (Unix epoch ms). Deprecated by
            /// the API in favour of `last_active_at_after`.
            pub last_active_at_since: Option<i64>,
            /// Users whose last sign-in was before this time (Unix epoch milliseconds).
            pub last_sign_in_at_before: Option<i64>,
            /// Users whose last sign-in was after this time (Unix epoch milliseconds).
            pub last_sign_in_at_after: Option<i64>,
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl $name {
            fn apply_filters(&self, r: ApiRequest) -> ApiRequest {
                r.query_all("email_address", &self.email_address)
                    .query_all("phone_number", &self.phone_number)
                    .query_all("external_id", &self.external_id)
                    .query_all("username", &self.username)
                    .query_all("web3_wallet", &self.web3_wallet)
                    .query_all("user_id", &self.user_id)
                    .query_all("organization_id", &self.organization_id)
                    .query_all("provider_user_id", &self.provider_user_id)
                    .query_opt("provider", self.provider.as_ref())
                    .query_opt("query", self.query.as_ref())
                    .query_opt("email_address_query", self.email_address_query.as_ref())
                    .query_opt("phone_number_query", self.phone_number_query.as_ref())
                    .query_opt("username_query", self.username_query.as_ref())
                    .query_opt("name_query", self.name_query.as_ref())
                    .query_opt("banned", self.banned)
                    .query_opt("created_at_before", self.created_at_before)
                    .query_opt("created_at_after", self.created_at_after)
                    .query_opt("last_active_at_before", self.last_active_at_before)
                    .query_opt("last_active_at_after", self.last_active_at_after)
                    .query_opt("last_active_at_since", self.last_active_at_since)
                    .query_opt("last_sign_in_at_before", self.last_sign_in_at_before)
                    .query_opt("last_sign_in_at_after", self.last_sign_in_at_after)
            }
        }
    };
}

user_filters! {
    /// Filters, order and paging of `GET /users` (every parameter of the spec).
    ///
    /// Repeatable filters take several values and match any of them; different filters
    /// all have to match.
    pub struct UserListParams {
        /// Sort order: `created_at`, `updated_at`, `email_address`, `web3wallet`,
        /// `first_name`, `last_name`, `phone_number`, `username`, `last_active_at` or
        /// `last_sign_in_at`, prefixed with `-` for descending or `+` (or nothing) for
        /// ascending. The API's default is `-created_at`.
        pub order_by: Option<String>,
        /// Page size, 1–500 (the API's default is 10).
        pub limit: Option<u32>,
        /// Number of users to skip (default 0).
        pub offset: Option<u32>,
        /// Keyset cursor: the id of the last user of the previous page. Only valid with a
        /// `created_at` order and a zero `offset` (otherwise the API answers 422).
        pub starting_after: Option<String>,
    }
}

user_filters! {
    /// Filters of `GET /users/count`: those of [`UserListParams`], without order and paging.
    pub struct UserCountParams {}
}

impl From<&UserListParams> for UserCountParams {
    /// The filters of a list query, to count every user it would page through.
    fn from(p: &UserListParams) -> Self {
        Self {
            email_address: p.email_address.clone(),
            phone_number: p.phone_number.clone(),
            external_id: p.external_id.clone(),
            username: p.username.clone(),
            web3_wallet: p.web3_wallet.clone(),
            user_id: p.user_id.clone(),
            organization_id: p.organization_id.clone(),
            provider_user_id: p.provider_user_id.clone(),
            provider: p.provider.clone(),
            query: p.query.clone(),
            email_address_query: p.email_address_query.clone(),
            phone_number_query: p.phone_number_query.clone(),
            username_query: p.username_query.clone(),
            name_query: p.name_query.clone(),
            banned: p.banned,
            created_at_before: p.created_at_before,
            created_at_after: p.created_at_after,
            last_active_at_before: p.last_active_at_before,
            last_active_at_after: p.last_active_at_after,
            last_active_at_since: p.last_active_at_since,
            last_sign_in_at_before: p.last_sign_in_at_before,
            last_sign_in_at_after: p.last_sign_in_at_after,
        }
    }
}

impl UserListParams {
    fn apply_paging(&self, r: ApiRequest) -> ApiRequest {
        r.query_opt("order_by", self.order_by.as_ref())
            .query_opt("limit", self.limit)
            .query_opt("offset", self.offset)
            .query_opt("starting_after", self.starting_after.as_ref())
    }

    /// Whether `starting_after` may be used with this order (the `created_at` orders).
    fn keyset_order(&self) -> bool {
        matches!(
            self.order_by.as_deref(),
            None | Some("created_at" | "+created_at" | "-created_at")
        )
    }
}

/// How an email address or phone number is created by [`Users::create`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentificationStatus {
    /// Verified (the API's default).
    Verified,
    /// Reserved: unverified but usable for sign-in, and no other user can claim it.
    Reserved,
}

/// How the replacement address or number of [`Users::replace_email_address`] and
/// [`Users::replace_phone_number`] is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplacementStatus {
    /// Verified, with the admin strategy (the API's default).
    Verified,
    /// Reserved: unverified but usable for sign-in, and no other user can claim it.
    Reserved,
    /// Unverified: neither usable for sign-in nor locked. **This can lock the user out**
    /// when they have no other verified or reserved identifier.
    Unverified,
}

/// Body of `PUT /users/{user_id}/email_address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplaceEmailAddressParams {
    /// The new address, RFC 5322 (required).
    pub email_address: String,
    /// How the new address is created (the API's default: verified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_status: Option<ReplacementStatus>,
    /// Notify the previous primary address that the primary address changed (the API's
    /// default: no notification; never sent when the address does not change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
}

/// Body of `PUT /users/{user_id}/phone_number`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplacePhoneNumberParams {
    /// The new number, E.164 (e.g. `+15555550100`) (required).
    pub phone_number: String,
    /// How the new number is created (the API's default: verified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification_status: Option<ReplacementStatus>,
}

/// Body of `POST /users`. No field is required; unset fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateUserParams {
    /// The user's id in your own system; unique across the instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Locale, e.g. `en-US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Email addresses, unique across the instance; the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_address: Vec<String>,
    /// The status of each email address, by position (one per address); empty means
    /// every address is created verified.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_address_identification_status: Vec<IdentificationStatus>,
    /// Phone numbers (E.164), unique across the instance; the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_number: Vec<String>,
    /// The status of each phone number, by position (one per number); empty means every
    /// number is created verified.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_number_identification_status: Vec<IdentificationStatus>,
    /// Web3 wallets, unique across the instance; the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub web3_wallet: Vec<String>,
    /// Username, unique across the instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Plain-text password (at least 8 characters, not in a list of breached passwords).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A password digest to import, made with `password_hasher`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<String>,
    /// The algorithm of `password_digest`: `bcrypt`, `argon2id`, `pbkdf2_sha256`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// Skip the password strength and breach checks (for migrations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// Create the user without a password even if the instance requires one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_requirement: Option<bool>,
    /// TOTP secret to import (30 s period, 6 digits, SHA-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// Backup codes to import, plain or as bcrypt digests.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backup_codes: Vec<String>,
    /// Public metadata (readable by the frontend, writable by the backend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Private metadata (backend only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Metadata>,
    /// Unsafe metadata (writable by the frontend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<Metadata>,
    /// Whether the user may delete themselves through the Frontend API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_self_enabled: Option<bool>,
    /// When the user accepted the legal terms (RFC 3339, e.g. `2024-10-20T07:15:20Z`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_accepted_at: Option<String>,
    /// Skip the legal-acceptance requirement (for migrations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_legal_checks: Option<bool>,
    /// Do not enforce the instance's required identification types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_user_requirement: Option<bool>,
    /// Whether the user may create organizations through the Frontend API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organization_enabled: Option<bool>,
    /// How many organizations the user may create (0: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organizations_limit: Option<i64>,
    /// When the user signed up (RFC 3339), for imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Bypass the Device Trust checks at sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
    /// Create the user already banned (needs the same plan feature as [`Users::ban`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
    /// Create the user already locked (needs user lockout enabled on the instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
}

/// Body of `PATCH /users/{user_id}`; unset fields are not sent and stay unchanged.
///
/// Metadata is not part of it since API version 2026-05-12: use
/// [`Users::update_metadata`] (merge) or [`Users::replace_metadata`] (replace).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateUserParams {
    /// The user's id in your own system; unique across the instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Locale, e.g. `fr-FR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Id of a verified email address of this user to make primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email_address_id: Option<String>,
    /// Tell the user that their primary email address changed (default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
    /// Id of a verified phone number of this user to make primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_phone_number_id: Option<String>,
    /// Id of a verified Web3 wallet of this user to make primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_web3_wallet_id: Option<String>,
    /// Username, unique across the instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Id of an uploaded image to use as the profile image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_image_id: Option<String>,
    /// New plain-text password (at least 8 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A password digest to import, made with `password_hasher`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<String>,
    /// The algorithm of `password_digest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// Skip the password policy checks (only with `password`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// Sign the user out of every active session after the change (only with `password`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_out_of_other_sessions: Option<bool>,
    /// TOTP secret to set without a reset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// Backup codes to set without a reset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_codes: Option<Vec<String>>,
    /// Whether the user may delete themselves through the Frontend API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_self_enabled: Option<bool>,
    /// Whether the user may create organizations through the Frontend API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organization_enabled: Option<bool>,
    /// When the user accepted the legal terms (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_accepted_at: Option<String>,
    /// Skip the legal checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_legal_checks: Option<bool>,
    /// How many organizations the user may create (0: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organizations_limit: Option<i64>,
    /// When the user signed up (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Bypass the Device Trust checks at sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
}

/// Body of the metadata endpoints. Fields left `None` are not sent and stay unchanged.
///
/// With [`Users::update_metadata`] (PATCH) each object is deep-merged into the stored
/// one, and a `null` value deletes its key; with [`Users::replace_metadata`] (PUT) each
/// object sent replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateUserMetadataParams {
    /// Public metadata (readable by the frontend, writable by the backend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Private metadata (backend only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Metadata>,
    /// Unsafe metadata (writable by the frontend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<Metadata>,
}

#[derive(Serialize)]
struct UserIdsBody<'p> {
    user_ids: Vec<&'p str>,
}

/// Where the next page of [`Users::list_all`] starts.
enum Next {
    /// Keyset paging: after this user (none: the first page).
    After(Option<String>),
    /// Offset paging.
    Offset(u32),
}

impl<'a> Users<'a> {
    /// `GET /users/{user_id}`.
    pub async fn get(&self, user_id: &str) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::get(&["users", user_id]))
            .await
    }

    /// `GET /users`: one page, as a bare array (the total comes from
    /// [`count`](Self::count)).
    pub async fn list(&self, params: &UserListParams) -> Result<Vec<User>, ApiError> {
        let request = params.apply_paging(params.apply_filters(ApiRequest::get(&["users"])));
        self.transport.send(request).await
    }

    /// Every user matching the filters, page after page, as a stream
    /// ([`DEFAULT_PAGE_SIZE`] users per request unless `limit` is set).
    ///
    /// With a `created_at` order (the default) and no offset, pages are chained with the
    /// `starting_after` cursor, so users created or deleted meanwhile neither shift nor
    /// repeat the pages; with another order, pages are chained by offset. The stream ends
    /// after a page shorter than the page size, or after the first error.
    pub fn list_all(
        &self,
        params: &UserListParams,
    ) -> impl Stream<Item = Result<User, ApiError>> + 'a {
        let transport = self.transport;
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
        let offset = params.offset.unwrap_or(0);
        let first = if params.keyset_order() && offset == 0 {
            Next::After(params.starting_after.clone())
        } else {
            Next::Offset(offset)
        };
        stream::unfold(Some(first), move |next| {
            let mut page = UserListParams {
                limit: Some(limit),
                ..params.clone()
            };
            async move {
                let next = next?;
                match &next {
                    Next::After(cursor) => {
                        page.starting_after = cursor.clone();
                        page.offset = None;
                    }
                    Next::Offset(offset) => page.offset = Some(*offset),
                }
                match (Users { transport }).list(&page).await {
                    Ok(users) => {
                        let following = (users.len() as u32 >= limit).then(|| match next {
                            Next::After(_) => Next::After(users.last().map(|u| u.id.clone())),
                            Next::Offset(offset) => Next::Offset(offset + limit),
                        });
                        Some((Ok(users), following))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            }
        })
        .flat_map(|page: Result<Vec<User>, ApiError>| {
            let items: Vec<Result<User, ApiError>> = match page {
                Ok(users) => users.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            stream::iter(items)
        })
    }

    /// `GET /users/count`: how many users match the filters.
    pub async fn count(&self, params: &UserCountParams) -> Result<i64, ApiError> {
        let request = params.apply_filters(ApiRequest::get(&["users", "count"]));
        let count: TotalCount = self.transport.send(request).await?;
        Ok(count.total_count)
    }

    /// `POST /users`. A taken email address, username or external id is a 422 with
    /// code `form_identifier_exists` and `meta.param_name` naming the field.
    pub async fn create(&self, params: &CreateUserParams) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::post(&["users"]).json(params)?)
            .await
    }

    /// `PATCH /users/{user_id}`.
    pub async fn update(&self, user_id: &str, params: &UpdateUserParams) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["users", user_id]).json(params)?)
            .await
    }

    /// `DELETE /users/{user_id}`.
    pub async fn delete(&self, user_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&["users", user_id]))
            .await
    }

    /// `PATCH /users/{user_id}/metadata`: deep-merges each object sent into the stored one;
    /// a `null` value deletes its key.
    pub async fn update_metadata(
        &self,
        user_id: &str,
        params: &UpdateUserMetadataParams,
    ) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["users", user_id, "metadata"]).json(params)?)
            .await
    }

    /// `PUT /users/{user_id}/metadata`: each object sent replaces the stored one.
    pub async fn replace_metadata(
        &self,
        user_id: &str,
        params: &UpdateUserMetadataParams,
    ) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::put(&["users", user_id, "metadata"]).json(params)?)
            .await
    }

    /// `POST /users/{user_id}/ban`: bans the user and revokes their sessions (402 when the
    /// plan lacks the feature).
    pub async fn ban(&self, user_id: &str) -> Result<User, ApiError> {
        self.action(user_id, "ban").await
    }

    /// `POST /users/{user_id}/unban`.
    pub async fn unban(&self, user_id: &str) -> Result<User, ApiError> {
        self.action(user_id, "unban").await
    }

    /// `POST /users/ban`: bans up to 50 users at once and returns them (the API answers
    /// 400 for an empty list or more than 50 ids).
    pub async fn ban_many(&self, user_ids: &[impl AsRef<str>]) -> Result<Vec<User>, ApiError> {
        self.bulk("ban", user_ids).await
    }

    /// `POST /users/unban`: unbans up to 50 users at once and returns them.
    pub async fn unban_many(&self, user_ids: &[impl AsRef<str>]) -> Result<Vec<User>, ApiError> {
        self.bulk("unban", user_ids).await
    }

    /// `POST /users/{user_id}/lock`: locks the user out of sign-in (403 when lockout is
    /// disabled on the instance).
    pub async fn lock(&self, user_id: &str) -> Result<User, ApiError> {
        self.action(user_id, "lock").await
    }

    /// `POST /users/{user_id}/unlock`.
    pub async fn unlock(&self, user_id: &str) -> Result<User, ApiError> {
        self.action(user_id, "unlock").await
    }

    /// `POST /users/{user_id}/verify_password`: `Ok(true)` when the password matches,
    /// `Ok(false)` when the API answers 422 (a wrong password). The other failures are
    /// errors: 400 when the user has no password, 404 when there is no such user.
    pub async fn verify_password(&self, user_id: &str, password: &str) -> Result<bool, ApiError> {
        #[derive(Serialize)]
        struct Body<'p> {
            password: &'p str,
        }
        let request =
            ApiRequest::post(&["users", user_id, "verify_password"]).json(&Body { password })?;
        match self.transport.send::<PasswordVerification>(request).await {
            Ok(v) => Ok(v.verified),
            Err(e) if e.status() == Some(422) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `POST /users/{user_id}/verify_totp`: checks a TOTP code or a backup code (a backup
    /// code is consumed). A wrong code (the API's 422) gives `verified: false` and no
    /// `code_type`; 400 (no TOTP configured) and 404 (no such user) are errors.
    pub async fn verify_totp(
        &self,
        user_id: &str,
        code: &str,
    ) -> Result<TotpVerification, ApiError> {
        #[derive(Serialize)]
        struct Body<'p> {
            code: &'p str,
        }
        let request = ApiRequest::post(&["users", user_id, "verify_totp"]).json(&Body { code })?;
        match self.transport.send::<TotpVerification>(request).await {
            Err(e) if e.status() == Some(422) => Ok(TotpVerification::default()),
            other => other,
        }
    }

    /// `PUT /users/{user_id}/email_address`: replaces **all** of the user's email
    /// addresses with one new primary address, and returns it.
    ///
    /// An unknown user is a 404; a malformed address, or one another user holds, is a 422
    /// (`form_param_format_invalid`, `form_identifier_exists`); an existing address linked
    /// to a connected account is a 400 (remove the account first).
    pub async fn replace_email_address(
        &self,
        user_id: &str,
        params: &ReplaceEmailAddressParams,
    ) -> Result<EmailAddress, ApiError> {
        self.transport
            .send(ApiRequest::put(&["users", user_id, "email_address"]).json(params)?)
            .await
    }

    /// `PUT /users/{user_id}/phone_number`: replaces **all** of the user's phone numbers
    /// with one new primary number (never reserved for second factor), and returns it.
    /// Replacing a number reserved for second factor disables the user's SMS MFA.
    ///
    /// An unknown user is a 404; a malformed number, or one another user holds, is a 422.
    pub async fn replace_phone_number(
        &self,
        user_id: &str,
        params: &ReplacePhoneNumberParams,
    ) -> Result<PhoneNumber, ApiError> {
        self.transport
            .send(ApiRequest::put(&["users", user_id, "phone_number"]).json(params)?)
            .await
    }

    async fn action(&self, user_id: &str, action: &str) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::post(&["users", user_id, action]))
            .await
    }

    async fn bulk(
        &self,
        action: &str,
        user_ids: &[impl AsRef<str>],
    ) -> Result<Vec<User>, ApiError> {
        let body = UserIdsBody {
            user_ids: user_ids.iter().map(AsRef::as_ref).collect(),
        };
        self.transport
            .send(ApiRequest::post(&["users", action]).json(&body)?)
            .await
    }
}
