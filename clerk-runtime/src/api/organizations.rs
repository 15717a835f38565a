//! `/organizations` (list, get by id or slug, create, update, delete, metadata),
//! `/organizations/{id}/memberships` and the instance-wide `/organization_memberships`.

use futures_util::Stream;
use serde::Serialize;

use super::models::{DeletedObject, Metadata, Organization, OrganizationMembership, PaginatedList};
use super::{paginate, ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The `organizations` resource and its memberships: `clerk.organizations()`.
#[derive(Debug, Clone, Copy)]
pub struct Organizations<'a> {
    pub(crate) transport: &'a Transport,
}

/// Filters and paging of `GET /organizations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationListParams {
    /// Matches the id exactly, or part of the name or slug.
    pub query: Option<String>,
    /// Organizations having any of these users as members; a `-` prefix excludes the
    /// organizations the user belongs to (`+` is the explicit include).
    pub user_id: Vec<String>,
    /// These organizations; a `-` prefix excludes one (`+` is the explicit include).
    pub organization_id: Vec<String>,
    /// Sort: `name`, `created_at` or `members_count`, with `+`/`-` (default `-created_at`).
    pub order_by: Option<String>,
    /// Fill `members_count` on each organization.
    pub include_members_count: Option<bool>,
    /// Fill `missing_member_with_elevated_permissions` on each organization.
    pub include_missing_member_with_elevated_permissions: Option<bool>,
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

/// Options of `GET /organizations/{organization_id}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetOrganizationParams {
    /// Fill `members_count`.
    pub include_members_count: Option<bool>,
    /// Fill `missing_member_with_elevated_permissions`.
    pub include_missing_member_with_elevated_permissions: Option<bool>,
}

/// Body of `POST /organizations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateOrganizationParams {
    /// Name, at most 256 characters, no URLs or HTML (required).
    pub name: String,
    /// Id of the user who becomes the first admin of the organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Public metadata (read-only from the Frontend API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Private metadata (Backend API only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Metadata>,
    /// Unique slug: lowercase letters, digits and `-`. Derived from the name when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Maximum number of memberships; 0 means unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    /// Override the creation time (RFC 3339), for imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Key of the role set to assign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}

/// Body of `PATCH /organizations/{organization_id}`. Metadata is not part of it since API
/// version 2026-05-12: use [`Organizations::update_metadata`] /
/// [`Organizations::replace_metadata`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateOrganizationParams {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New slug, unique in the instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Maximum number of memberships; 0 means unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_allowed_memberships: Option<i64>,
    /// Whether admins may delete the organization through the Frontend API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_delete_enabled: Option<bool>,
    /// Override the creation time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Key of the role set to assign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_set_key: Option<String>,
}

/// Body of the organization and membership metadata endpoints. With `update_metadata`
/// (PATCH) each object is deep-merged and a `null` value deletes its key; with
/// `replace_metadata` (PUT) each object sent replaces the old one. Fields left `None` are
/// untouched.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateOrganizationMetadataParams {
    /// Public metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Private metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Metadata>,
}

/// Body of `PATCH /organizations/{id}/memberships/{user_id}/metadata` (deep merge).
pub type UpdateOrganizationMembershipMetadataParams = UpdateOrganizationMetadataParams;

/// Filters and paging of `GET /organizations/{organization_id}/memberships`. The repeatable
/// filters take up to 100 values each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationMembershipListParams {
    /// Members with these user ids; a `-` prefix excludes one (`+` is the explicit include).
    pub user_id: Vec<String>,
    /// Members with these email addresses.
    pub email_address: Vec<String>,
    /// Members with these phone numbers.
    pub phone_number: Vec<String>,
    /// Members with these usernames.
    pub username: Vec<String>,
    /// Members with these Web3 wallets.
    pub web3_wallet: Vec<String>,
    /// Members with these roles, e.g. `org:admin`.
    pub role: Vec<String>,
    /// Partial match over emails, phones, usernames, wallets, user ids and names.
    pub query: Option<String>,
    /// Partial, case-insensitive email match.
    pub email_address_query: Option<String>,
    /// Partial phone match.
    pub phone_number_query: Option<String>,
    /// Partial, case-insensitive username match.
    pub username_query: Option<String>,
    /// Partial, case-insensitive name match.
    pub name_query: Option<String>,
    /// Last session activity before (ms).
    pub last_active_at_before: Option<i64>,
    /// Last session activity after (ms).
    pub last_active_at_after: Option<i64>,
    /// Created before (ms).
    pub created_at_before: Option<i64>,
    /// Created after (ms).
    pub created_at_after: Option<i64>,
    /// Sort: `phone_number`, `email_address`, `created_at`, `first_name`, `last_name` or
    /// `username`, with `+`/`-`.
    pub order_by: Option<String>,
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

/// Paging of the instance-wide `GET /organization_memberships`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceMembershipListParams {
    /// Sort: `phone_number`, `email_address`, `created_at`, `first_name`, `last_name` or
    /// `username`, with `+`/`-`.
    pub order_by: Option<String>,
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

/// Body of `POST /organizations/{organization_id}/memberships`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateOrganizationMembershipParams {
    /// The user to add; they must exist and not be a member yet (required).
    pub user_id: String,
    /// Role key, e.g. `org:admin` or `org:member` (required).
    pub role: String,
    /// Public metadata of the membership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Private metadata of the membership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Metadata>,
}

/// Body of `PATCH /organizations/{organization_id}/memberships/{user_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateOrganizationMembershipParams {
    /// The new role key (required).
    pub role: String,
}

impl OrganizationListParams {
    fn apply(&self, r: ApiRequest) -> ApiRequest {
        r.query_opt("query", self.query.as_ref())
            .query_all("user_id", &self.user_id)
            .query_all("organization_id", &self.organization_id)
            .query_opt("order_by", self.order_by.as_ref())
            .query_opt("include_members_count", self.include_members_count)
            .query_opt(
                "include_missing_member_with_elevated_permissions",
                self.include_missing_member_with_elevated_permissions,
            )
            .query_opt("limit", self.limit)
            .query_opt("offset", self.offset)
    }
}

impl OrganizationMembershipListParams {
    fn apply(&self, r: ApiRequest) -> ApiRequest {
        r.query_all("user_id", &self.user_id)
            .query_all("email_address", &self.email_address)
            .query_all("phone_number", &self.phone_number)
            .query_all("username", &self.username)
            .query_all("web3_wallet", &self.web3_wallet)
            .query_all("role", &self.role)
            .query_opt("query", self.query.as_ref())
            .query_opt("email_address_query", self.email_address_query.as_ref())
            .query_opt("phone_number_query", self.phone_number_query.as_ref())
            .query_opt("username_query", self.username_query.as_ref())
            .query_opt("name_query", self.name_query.as_ref())
            .query_opt("last_active_at_before", self.last_active_at_before)
            .query_opt("last_active_at_after", self.last_active_at_after)
            .query_opt("created_at_before", self.created_at_before)
            .query_opt("created_at_after", self.created_at_after)
            .query_opt("order_by", self.order_by.as_ref())
            .query_opt("limit", self.limit)
            .query_opt("offset", self.offset)
    }
}

impl<'a> Organizations<'a> {
    /// `GET /organizations`: one page, with the total count of matching organizations.
    pub async fn list(
        &self,
        params: &OrganizationListParams,
    ) -> Result<PaginatedList<Organization>, ApiError> {
        self.transport
            .send(params.apply(ApiRequest::get(&["organizations"])))
            .await
    }

    /// Every organization matching the filters, page after page ([`DEFAULT_PAGE_SIZE`]
    /// per page unless `limit` is set), as a stream.
    pub fn list_all(
        &self,
        params: &OrganizationListParams,
    ) -> impl Stream<Item = Result<Organization, ApiError>> + 'a {
        let transport = self.transport;
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = OrganizationListParams {
                limit: Some(limit),
                offset: Some(offset),
                ..params.clone()
            };
            async move {
                Organizations { transport }
                    .list(&page)
                    .await
                    .map(|p| p.data)
            }
        })
    }

    /// `GET /organizations/{organization_id}`: by id (`org_…`) or by slug.
    pub async fn get(&self, id_or_slug: &str) -> Result<Organization, ApiError> {
        self.get_with(id_or_slug, &GetOrganizationParams::default())
            .await
    }

    /// `GET /organizations/{organization_id}` with the optional counts.
    pub async fn get_with(
        &self,
        id_or_slug: &str,
        params: &GetOrganizationParams,
    ) -> Result<Organization, ApiError> {
        let request = ApiRequest::get(&["organizations", id_or_slug])
            .query_opt("include_members_count", params.include_members_count)
            .query_opt(
                "include_missing_member_with_elevated_permissions",
                params.include_missing_member_with_elevated_permissions,
            );
        self.transport.send(request).await
    }

    /// `POST /organizations`.
    pub async fn create(
        &self,
        params: &CreateOrganizationParams,
    ) -> Result<Organization, ApiError> {
        self.transport
            .send(ApiRequest::post(&["organizations"]).json(params)?)
            .await
    }

    /// `PATCH /organizations/{organization_id}`.
    pub async fn update(
        &self,
        organization_id: &str,
        params: &UpdateOrganizationParams,
    ) -> Result<Organization, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["organizations", organization_id]).json(params)?)
            .await
    }

    /// `DELETE /organizations/{organization_id}`.
    pub async fn delete(&self, organization_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&["organizations", organization_id]))
            .await
    }

    /// `PATCH /organizations/{organization_id}/metadata`: deep-merge (a `null` value
    /// deletes a key).
    pub async fn update_metadata(
        &self,
        organization_id: &str,
        params: &UpdateOrganizationMetadataParams,
    ) -> Result<Organization, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["organizations", organization_id, "metadata"]).json(params)?)
            .await
    }

    /// `PUT /organizations/{organization_id}/metadata`: each object sent replaces the old
    /// one.
    pub async fn replace_metadata(
        &self,
        organization_id: &str,
        params: &UpdateOrganizationMetadataParams,
    ) -> Result<Organization, ApiError> {
        self.transport
            .send(ApiRequest::put(&["organizations", organization_id, "metadata"]).json(params)?)
            .await
    }

    /// `GET /organizations/{organization_id}/memberships`: one page, with the total count.
    pub async fn list_memberships(
        &self,
        organization_id: &str,
        params: &OrganizationMembershipListParams,
    ) -> Result<PaginatedList<OrganizationMembership>, ApiError> {
        let request = params.apply(ApiRequest::get(&[
            "organizations",
            organization_id,
            "memberships",
        ]));
        self.transport.send(request).await
    }

    /// Every membership of the organization matching the filters, page after page, as a
    /// stream.
    pub fn list_all_memberships(
        &self,
        organization_id: &str,
        params: &OrganizationMembershipListParams,
    ) -> impl Stream<Item = Result<OrganizationMembership, ApiError>> + 'a {
        let transport = self.transport;
        let organization_id = organization_id.to_owned();
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = OrganizationMembershipListParams {
                limit: Some(limit),
                offset: Some(offset),
                ..params.clone()
            };
            let organization_id = organization_id.clone();
            async move {
                Organizations { transport }
                    .list_memberships(&organization_id, &page)
                    .await
                    .map(|p| p.data)
            }
        })
    }

    /// `POST /organizations/{organization_id}/memberships`.
    pub async fn create_membership(
        &self,
        organization_id: &str,
        params: &CreateOrganizationMembershipParams,
    ) -> Result<OrganizationMembership, ApiError> {
        self.transport
            .send(
                ApiRequest::post(&["organizations", organization_id, "memberships"])
                    .json(params)?,
            )
            .await
    }

    /// `PATCH /organizations/{organization_id}/memberships/{user_id}`: changes the role.
    pub async fn update_membership(
        &self,
        organization_id: &str,
        user_id: &str,
        params: &UpdateOrganizationMembershipParams,
    ) -> Result<OrganizationMembership, ApiError> {
        let request =
            ApiRequest::patch(&["organizations", organization_id, "memberships", user_id])
                .json(params)?;
        self.transport.send(request).await
    }

    /// `DELETE /organizations/{organization_id}/memberships/{user_id}`: returns the removed
    /// membership (not a [`DeletedObject`]).
    pub async fn delete_membership(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<OrganizationMembership, ApiError> {
        self.transport
            .send(ApiRequest::delete(&[
                "organizations",
                organization_id,
                "memberships",
                user_id,
            ]))
            .await
    }

    /// `PATCH /organizations/{organization_id}/memberships/{user_id}/metadata`: deep-merge
    /// (a `null` value deletes a key).
    pub async fn update_membership_metadata(
        &self,
        organization_id: &str,
        user_id: &str,
        params: &UpdateOrganizationMembershipMetadataParams,
    ) -> Result<OrganizationMembership, ApiError> {
        let request = ApiRequest::patch(&[
            "organizations",
            organization_id,
            "memberships",
            user_id,
            "metadata",
        ])
        .json(params)?;
        self.transport.send(request).await
    }

    /// `GET /organization_memberships`: one page of the memberships of every organization
    /// of the instance, with the total count.
    pub async fn list_instance_memberships(
        &self,
        params: &InstanceMembershipListParams,
    ) -> Result<PaginatedList<OrganizationMembership>, ApiError> {
        let request = ApiRequest::get(&["organization_memberships"])
            .query_opt("order_by", params.order_by.as_ref())
            .query_opt("limit", params.limit)
            .query_opt("offset", params.offset);
        self.transport.send(request).await
    }

    /// Every membership of the instance, page after page, as a stream.
    pub fn list_all_instance_memberships(
        &self,
        params: &InstanceMembershipListParams,
    ) -> impl Stream<Item = Result<OrganizationMembership, ApiError>> + 'a {
        let transport = self.transport;
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = InstanceMembershipListParams {
                limit: Some(limit),
                offset: Some(offset),
                ..params.clone()
            };
            async move {
                Organizations { transport }
                    .list_instance_memberships(&page)
                    .await
                    .map(|p| p.data)
            }
        })
    }
}
