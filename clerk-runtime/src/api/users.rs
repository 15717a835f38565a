//! `/users`: get, list, count, create, update, delete, metadata, ban, lock, passwords.

use futures_util::Stream;
use serde::Serialize;

use super::models::{DeletedObject, Metadata, TotalCount, User};
use super::{paginate, ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The `users` resource: `clerk.users()`.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    pub(crate) transport: &'a Transport,
}

/// Filters of `GET /users` (every filter of the spec). Repeatable filters take several
/// values; `user_id`, `external_id` and `organization_id` values may start with `+` or `-`
/// to include or exclude.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserListParams {
    /// Exact email addresses.
    pub email_address: Vec<String>,
    /// Exact phone numbers.
    pub phone_number: Vec<String>,
    /// External ids.
    pub external_id: Vec<String>,
    /// Usernames.
    pub username: Vec<String>,
    /// Web3 wallet addresses.
    pub web3_wallet: Vec<String>,
    /// User ids.
    pub user_id: Vec<String>,
    /// Organization ids the users belong to.
    pub organization_id: Vec<String>,
    /// OAuth provider user ids (with `provider`).
    pub provider_user_id: Vec<String>,
    /// OAuth provider, e.g. `oauth_google`.
    pub provider: Option<String>,
    /// Free-text search over ids, emails, phones, usernames, names.
    pub query: Option<String>,
    /// Partial email match.
    pub email_address_query: Option<String>,
    /// Partial phone match.
    pub phone_number_query: Option<String>,
    /// Partial username match.
    pub username_query: Option<String>,
    /// Partial name match.
    pub name_query: Option<String>,
    /// Only banned (or only unbanned) users.
    pub banned: Option<bool>,
    /// Created before (ms).
    pub created_at_before: Option<i64>,
    /// Created after (ms).
    pub created_at_after: Option<i64>,
    /// Last active before (ms).
    pub last_active_at_before: Option<i64>,
    /// Last active after (ms).
    pub last_active_at_after: Option<i64>,
    /// Deprecated: last active since (ms).
    pub last_active_at_since: Option<i64>,
    /// Last sign-in before (ms).
    pub last_sign_in_at_before: Option<i64>,
    /// Last sign-in after (ms).
    pub last_sign_in_at_after: Option<i64>,
    /// Sort: `created_at`, `updated_at`, `email_address`, `web3wallet`, `first_name`,
    /// `last_name`, `phone_number`, `username`, `last_active_at`, `last_sign_in_at`, with
    /// `+`/`-` (default `-created_at`).
    pub order_by: Option<String>,
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
    /// Keyset cursor: the last user id of the previous page (`created_at` ordering only).
    pub starting_after: Option<String>,
}

/// Filters of `GET /users/count`: those of [`UserListParams`] without paging and order.
pub type UserCountParams = UserListParams;

impl UserListParams {
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

    fn apply_paging(&self, r: ApiRequest) -> ApiRequest {
        r.query_opt("order_by", self.order_by.as_ref())
            .query_opt("limit", self.limit)
            .query_opt("offset", self.offset)
            .query_opt("starting_after", self.starting_after.as_ref())
    }
}

/// Body of `POST /users`. Every field is optional; unset fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateUserParams {
    /// Your own id for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Locale (BCP 47).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Email addresses; the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_address: Vec<String>,
    /// Phone numbers (E.164); the first becomes primary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone_number: Vec<String>,
    /// Web3 wallets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub web3_wallet: Vec<String>,
    /// Username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Plain-text password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A password digest to import (with `password_hasher`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<String>,
    /// The hasher of `password_digest` (`bcrypt`, `argon2id`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// Skip password strength and pwned checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// Create the user without a password even if the instance requires one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_requirement: Option<bool>,
    /// TOTP secret to import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// Backup codes to import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backup_codes: Vec<String>,
    /// Public metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Private metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Metadata>,
    /// Unsafe metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<Metadata>,
    /// Whether the user may delete themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_self_enabled: Option<bool>,
    /// When the user accepted the legal terms (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_accepted_at: Option<String>,
    /// Skip the legal-acceptance requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_legal_checks: Option<bool>,
    /// Whether the user may create organizations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organization_enabled: Option<bool>,
    /// How many organizations the user may create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organizations_limit: Option<i64>,
    /// Override the creation time (RFC 3339), for imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Skip client-trust checks on new devices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
}

/// Body of `PATCH /users/{id}`. Metadata is not part of it since API version 2026-05-12:
/// use [`Users::update_metadata`] / [`Users::replace_metadata`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateUserParams {
    /// Your own id for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Locale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Id of an existing verified email address to make primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email_address_id: Option<String>,
    /// Notify the old primary address of the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
    /// Id of an existing verified phone number to make primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_phone_number_id: Option<String>,
    /// Id of an existing web3 wallet to make primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_web3_wallet_id: Option<String>,
    /// Username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Id of an uploaded image to use as profile image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_image_id: Option<String>,
    /// New password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A password digest to import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_digest: Option<String>,
    /// The hasher of `password_digest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hasher: Option<String>,
    /// Skip password checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_password_checks: Option<bool>,
    /// Sign out of the user's other sessions after a password change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_out_of_other_sessions: Option<bool>,
    /// TOTP secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// Backup codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_codes: Option<Vec<String>>,
    /// Whether the user may delete themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_self_enabled: Option<bool>,
    /// Whether the user may create organizations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organization_enabled: Option<bool>,
    /// When the user accepted the legal terms (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_accepted_at: Option<String>,
    /// Skip legal checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_legal_checks: Option<bool>,
    /// How many organizations the user may create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_organizations_limit: Option<i64>,
    /// Override the creation time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Skip client-trust checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_client_trust: Option<bool>,
}

/// Body of the metadata endpoints. With `update_metadata` (PATCH) each object is deep-merged
/// and a `null` value deletes its key; with `replace_metadata` (PUT) each object sent
/// replaces the old one. Fields left `None` are untouched.
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

impl<'a> Users<'a> {
    /// `GET /users/{user_id}`.
    pub async fn get(&self, user_id: &str) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::get(&["users", user_id])).await
    }

    /// `GET /users`: one page (a bare array; the total comes from [`count`](Self::count)).
    pub async fn list(&self, params: &UserListParams) -> Result<Vec<User>, ApiError> {
        let request = params.apply_paging(params.apply_filters(ApiRequest::get(&["users"])));
        self.transport.send(request).await
    }

    /// Every user matching the filters, page after page ([`DEFAULT_PAGE_SIZE`] per page
    /// unless `limit` is set), as a stream.
    pub fn list_all(&self, params: &UserListParams) -> impl Stream<Item = Result<User, ApiError>> + 'a {
        let transport = self.transport;
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = UserListParams {
                limit: Some(limit),
                offset: Some(offset),
                ..params.clone()
            };
            async move { Users { transport }.list(&page).await }
        })
    }

    /// `GET /users/count`.
    pub async fn count(&self, params: &UserCountParams) -> Result<i64, ApiError> {
        let request = params.apply_filters(ApiRequest::get(&["users", "count"]));
        let count: TotalCount = self.transport.send(request).await?;
        Ok(count.total_count)
    }

    /// `POST /users`.
    pub async fn create(&self, params: &CreateUserParams) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::post(&["users"]).json(params)?).await
    }

    /// `PATCH /users/{user_id}`.
    pub async fn update(&self, user_id: &str, params: &UpdateUserParams) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::patch(&["users", user_id]).json(params)?).await
    }

    /// `DELETE /users/{user_id}`.
    pub async fn delete(&self, user_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport.send(ApiRequest::delete(&["users", user_id])).await
    }

    /// `PATCH /users/{user_id}/metadata`: deep-merge (a `null` value deletes a key).
    pub async fn update_metadata(&self, user_id: &str, params: &UpdateUserMetadataParams) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["users", user_id, "metadata"]).json(params)?)
            .await
    }

    /// `PUT /users/{user_id}/metadata`: each object sent replaces the old one.
    pub async fn replace_metadata(&self, user_id: &str, params: &UpdateUserMetadataParams) -> Result<User, ApiError> {
        self.transport
            .send(ApiRequest::put(&["users", user_id, "metadata"]).json(params)?)
            .await
    }

    /// `POST /users/{user_id}/ban`.
    pub async fn ban(&self, user_id: &str) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::post(&["users", user_id, "ban"])).await
    }

    /// `POST /users/{user_id}/unban`.
    pub async fn unban(&self, user_id: &str) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::post(&["users", user_id, "unban"])).await
    }

    /// `POST /users/{user_id}/lock`.
    pub async fn lock(&self, user_id: &str) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::post(&["users", user_id, "lock"])).await
    }

    /// `POST /users/{user_id}/unlock`.
    pub async fn unlock(&self, user_id: &str) -> Result<User, ApiError> {
        self.transport.send(ApiRequest::post(&["users", user_id, "unlock"])).await
    }

    /// `POST /users/{user_id}/verify_password`: `Ok(true)` when it matches, `Ok(false)`
    /// when the API answers 422 (wrong password); other failures are errors (400: the user
    /// has no password; 404: no such user).
    pub async fn verify_password(&self, user_id: &str, password: &str) -> Result<bool, ApiError> {
        #[derive(Serialize)]
        struct Body<'p> {
            password: &'p str,
        }
        #[derive(serde::Deserialize)]
        struct Verified {
            #[serde(default)]
            verified: bool,
        }
        let request = ApiRequest::post(&["users", user_id, "verify_password"]).json(&Body { password })?;
        match self.transport.send::<Verified>(request).await {
            Ok(v) => Ok(v.verified),
            Err(e) if e.status() == Some(422) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
