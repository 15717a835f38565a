//! `/allowlist_identifiers` and `/blocklist_identifiers`: list, create, delete.

use futures_util::Stream;
use serde::Serialize;

use super::models::{AllowlistIdentifier, BlocklistIdentifier, DeletedObject, PaginatedList};
use super::{paginate, ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The allow-list: `clerk.allowlist_identifiers()`. Only allow-listed identifiers may sign
/// up when the instance restricts sign-ups to its allow-list (a paid feature: the API
/// answers 402 without it).
#[derive(Debug, Clone, Copy)]
pub struct AllowlistIdentifiers<'a> {
    pub(crate) transport: &'a Transport,
}

/// The block-list: `clerk.blocklist_identifiers()`. Block-listed identifiers can neither
/// sign up nor sign in (a paid feature: the API answers 402 without it).
#[derive(Debug, Clone, Copy)]
pub struct BlocklistIdentifiers<'a> {
    pub(crate) transport: &'a Transport,
}

/// Paging of `GET /allowlist_identifiers`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowlistIdentifierListParams {
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

/// Body of `POST /allowlist_identifiers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateAllowlistIdentifierParams {
    /// An email address (or `*@domain` pattern), an E.164 phone number or a Web3 wallet
    /// address (required).
    pub identifier: String,
    /// Whether to send the identifier an invitation to sign up (email addresses and phone
    /// numbers only; the API defaults to `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
}

/// Body of `POST /blocklist_identifiers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateBlocklistIdentifierParams {
    /// An email address, an email domain, an E.164 phone number or a Web3 wallet address
    /// (required).
    pub identifier: String,
}

impl<'a> AllowlistIdentifiers<'a> {
    /// `GET /allowlist_identifiers?paginated=true`: one page, with the total count.
    pub async fn list(
        &self,
        params: &AllowlistIdentifierListParams,
    ) -> Result<PaginatedList<AllowlistIdentifier>, ApiError> {
        let request = ApiRequest::get(&["allowlist_identifiers"])
            .query("paginated", true)
            .query_opt("limit", params.limit)
            .query_opt("offset", params.offset);
        self.transport.send(request).await
    }

    /// Every allow-listed identifier, page after page ([`DEFAULT_PAGE_SIZE`] per page
    /// unless `limit` is set), as a stream.
    pub fn list_all(
        &self,
        params: &AllowlistIdentifierListParams,
    ) -> impl Stream<Item = Result<AllowlistIdentifier, ApiError>> + 'a {
        let transport = self.transport;
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = AllowlistIdentifierListParams {
                limit: Some(limit),
                offset: Some(offset),
            };
            async move {
                AllowlistIdentifiers { transport }
                    .list(&page)
                    .await
                    .map(|p| p.data)
            }
        })
    }

    /// `POST /allowlist_identifiers`.
    pub async fn create(
        &self,
        params: &CreateAllowlistIdentifierParams,
    ) -> Result<AllowlistIdentifier, ApiError> {
        self.transport
            .send(ApiRequest::post(&["allowlist_identifiers"]).json(params)?)
            .await
    }

    /// `DELETE /allowlist_identifiers/{identifier_id}`.
    pub async fn delete(&self, identifier_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&[
                "allowlist_identifiers",
                identifier_id,
            ]))
            .await
    }
}

impl BlocklistIdentifiers<'_> {
    /// `GET /blocklist_identifiers`: every block-listed identifier. The endpoint takes no
    /// parameters and always answers `{data, total_count}`.
    pub async fn list(&self) -> Result<PaginatedList<BlocklistIdentifier>, ApiError> {
        self.transport
            .send(ApiRequest::get(&["blocklist_identifiers"]))
            .await
    }

    /// `POST /blocklist_identifiers`.
    pub async fn create(
        &self,
        params: &CreateBlocklistIdentifierParams,
    ) -> Result<BlocklistIdentifier, ApiError> {
        self.transport
            .send(ApiRequest::post(&["blocklist_identifiers"]).json(params)?)
            .await
    }

    /// `DELETE /blocklist_identifiers/{identifier_id}`.
    pub async fn delete(&self, identifier_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&[
                "blocklist_identifiers",
                identifier_id,
            ]))
            .await
    }
}
