//! `/invitations`: list, create, bulk create, revoke.

use futures_util::Stream;
use serde::Serialize;

use super::models::{Invitation, InvitationStatus, Metadata, PaginatedList};
use super::{paginate, ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The `invitations` resource: `clerk.invitations()`.
#[derive(Debug, Clone, Copy)]
pub struct Invitations<'a> {
    pub(crate) transport: &'a Transport,
}

/// Filters and paging of `GET /invitations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationListParams {
    /// Only invitations with this status. Without it the API returns every invitation
    /// that is not revoked.
    pub status: Option<InvitationStatus>,
    /// Matches the invited email address or the invitation id.
    pub query: Option<String>,
    /// Sort: `created_at`, `email_address` or `expires_at`, with `+`/`-`
    /// (default `-created_at`).
    pub order_by: Option<String>,
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

/// Body of `POST /invitations`, and one item of `POST /invitations/bulk`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateInvitationParams {
    /// The email address to invite (required).
    pub email_address: String,
    /// Metadata copied to the user's `public_metadata` when they sign up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Metadata>,
    /// Where the invitation link sends the user (custom flows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Whether Clerk emails the invitation (the API defaults to `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// Create the invitation even if a pending one exists for the address (and, on the
    /// single create, even if a user already has the address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_existing: Option<bool>,
    /// Validity in days, 1–365 (the API defaults to 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<u32>,
    /// Email template: `invitation` (default) or `waitlist_invitation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_slug: Option<String>,
}

impl<'a> Invitations<'a> {
    /// `GET /invitations?paginated=true`: one page, with the total count of matching
    /// invitations.
    pub async fn list(
        &self,
        params: &InvitationListParams,
    ) -> Result<PaginatedList<Invitation>, ApiError> {
        let request = ApiRequest::get(&["invitations"])
            .query("paginated", true)
            .query_opt("status", params.status.as_ref())
            .query_opt("query", params.query.as_ref())
            .query_opt("order_by", params.order_by.as_ref())
            .query_opt("limit", params.limit)
            .query_opt("offset", params.offset);
        self.transport.send(request).await
    }

    /// Every invitation matching the filters, page after page ([`DEFAULT_PAGE_SIZE`] per
    /// page unless `limit` is set), as a stream.
    pub fn list_all(
        &self,
        params: &InvitationListParams,
    ) -> impl Stream<Item = Result<Invitation, ApiError>> + 'a {
        let transport = self.transport;
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = InvitationListParams {
                limit: Some(limit),
                offset: Some(offset),
                ..params.clone()
            };
            async move { Invitations { transport }.list(&page).await.map(|p| p.data) }
        })
    }

    /// `POST /invitations`.
    pub async fn create(&self, params: &CreateInvitationParams) -> Result<Invitation, ApiError> {
        self.transport
            .send(ApiRequest::post(&["invitations"]).json(params)?)
            .await
    }

    /// `POST /invitations/bulk`: 1 to 10 invitations in one call (the body is a JSON
    /// array); the answer is a bare array of the created invitations.
    pub async fn create_bulk(
        &self,
        params: &[CreateInvitationParams],
    ) -> Result<Vec<Invitation>, ApiError> {
        self.transport
            .send(ApiRequest::post(&["invitations", "bulk"]).json(&params)?)
            .await
    }

    /// `POST /invitations/{invitation_id}/revoke`: the invitation, now `revoked`. Only
    /// pending invitations can be revoked (400 `invitation_already_revoked` otherwise).
    pub async fn revoke(&self, invitation_id: &str) -> Result<Invitation, ApiError> {
        self.transport
            .send(ApiRequest::post(&["invitations", invitation_id, "revoke"]))
            .await
    }
}
