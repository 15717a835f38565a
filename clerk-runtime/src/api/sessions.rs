//! `/sessions`: list, get, revoke, create (testing instances only) and session tokens.

use futures_util::Stream;
use serde::Serialize;

use super::models::{Metadata, PaginatedList, Session, SessionRefresh, SessionStatus, Token};
use super::{paginate, ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The `sessions` resource: `clerk.sessions()`.
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    pub(crate) transport: &'a Transport,
}

/// Filters of `GET /sessions`.
///
/// Pass `client_id` or `user_id` (or both): Clerk deprecated listing without either
/// (2024-01-01). The answer is sorted newest first, and old inactive sessions are
/// periodically cleaned up by Clerk, so they may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionListParams {
    /// Only the sessions of this client (browser or device).
    pub client_id: Option<String>,
    /// Only the sessions of this user.
    pub user_id: Option<String>,
    /// Only sessions with this status: `abandoned`, `active`, `ended`, `expired`,
    /// `removed`, `replaced` or `revoked` (other values get a 422).
    pub status: Option<SessionStatus>,
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

impl SessionListParams {
    fn apply(&self, r: ApiRequest) -> ApiRequest {
        r.query_opt("client_id", self.client_id.as_ref())
            .query_opt("user_id", self.user_id.as_ref())
            .query_opt("status", self.status.as_ref().map(SessionStatus::as_str))
            .query("paginated", "true")
            .query_opt("limit", self.limit)
            .query_opt("offset", self.offset)
    }
}

/// Body of `POST /sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateSessionParams {
    /// The user to create an active session for (required).
    pub user_id: String,
    /// The organization to make active in the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_organization_id: Option<String>,
}

/// What `POST /sessions/{session_id}/refresh` answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshFormat {
    /// A new session token, [`SessionRefresh::Token`] (the API's default).
    Token,
    /// `Set-Cookie` directives, [`SessionRefresh::Cookies`].
    Cookie,
}

/// Body of `POST /sessions/{session_id}/refresh`.
///
/// The first three fields are required; the API rejects an empty body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefreshSessionParams {
    /// The (expired) session JWT from the frontend's `__session` cookie; it must belong to
    /// the session being refreshed (required).
    pub expired_token: String,
    /// The refresh token from the `__refresh` cookie set by the Frontend API's handshake
    /// (required).
    pub refresh_token: String,
    /// The origin of the request being served, e.g. `https://example.com` (required).
    pub request_origin: String,
    /// The headers of the request being served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<Metadata>,
    /// The answer's format (the API's default: [`RefreshFormat::Token`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<RefreshFormat>,
    /// The IP address of the request being served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_originating_ip: Option<String>,
}

#[derive(Serialize)]
struct CreateTokenBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_seconds: Option<u64>,
}

impl<'a> Sessions<'a> {
    /// `GET /sessions?paginated=true`: one page and the total count of matching sessions.
    ///
    /// `paginated=true` is always sent, so the answer is `{data, total_count}` and
    /// [`PaginatedList::total_count`] is set.
    pub async fn list(
        &self,
        params: &SessionListParams,
    ) -> Result<PaginatedList<Session>, ApiError> {
        self.transport
            .send(params.apply(ApiRequest::get(&["sessions"])))
            .await
    }

    /// Every session matching the filters, page after page ([`DEFAULT_PAGE_SIZE`] per page
    /// unless `limit` is set), as a stream.
    pub fn list_all(
        &self,
        params: &SessionListParams,
    ) -> impl Stream<Item = Result<Session, ApiError>> + 'a {
        let transport = self.transport;
        let params = params.clone();
        let limit = params.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let start = params.offset.unwrap_or(0);
        paginate(limit, start, move |limit, offset| {
            let page = SessionListParams {
                limit: Some(limit),
                offset: Some(offset),
                ..params.clone()
            };
            async move { Sessions { transport }.list(&page).await.map(|p| p.data) }
        })
    }

    /// `GET /sessions/{session_id}`.
    pub async fn get(&self, session_id: &str) -> Result<Session, ApiError> {
        self.transport
            .send(ApiRequest::get(&["sessions", session_id]))
            .await
    }

    /// `POST /sessions/{session_id}/revoke`: the session, now with status `revoked`.
    pub async fn revoke(&self, session_id: &str) -> Result<Session, ApiError> {
        self.transport
            .send(ApiRequest::post(&["sessions", session_id, "revoke"]))
            .await
    }

    /// `POST /sessions/{session_id}/refresh`: a new session token for a session whose
    /// token expired, as a [`SessionRefresh::Token`] (`format` `token`, the default) or
    /// as `Set-Cookie` directives, [`SessionRefresh::Cookies`] (`format` `cookie`).
    ///
    /// The spec documents a 401 for a refresh that fails validation (the signal for SDKs
    /// to fall back to the handshake flow) and a 400 for other errors; an unknown or
    /// inactive session is a 404, and a missing required field a 422.
    pub async fn refresh(
        &self,
        session_id: &str,
        params: &RefreshSessionParams,
    ) -> Result<SessionRefresh, ApiError> {
        self.transport
            .send(ApiRequest::post(&["sessions", session_id, "refresh"]).json(params)?)
            .await
    }

    /// `POST /sessions`: a new active session for a user.
    ///
    /// **Testing only**: Clerk does not offer this on production instances. To sign a user
    /// in from the backend in production, create a sign-in token
    /// ([`SignInTokens::create`](super::SignInTokens::create)) instead.
    pub async fn create(&self, params: &CreateSessionParams) -> Result<Session, ApiError> {
        self.transport
            .send(ApiRequest::post(&["sessions"]).json(params)?)
            .await
    }

    /// `POST /sessions/{session_id}/tokens` (no template) or
    /// `POST /sessions/{session_id}/tokens/{template}`: a fresh JWT for the session.
    ///
    /// Without a template this is a session token, as the frontend's `getToken()` returns.
    /// With a template it carries the template's claims (and its lifetime).
    /// `expires_in_seconds` (30–315360000) overrides the lifetime. An unknown session or
    /// template is a 404.
    pub async fn create_token(
        &self,
        session_id: &str,
        template: Option<&str>,
        expires_in_seconds: Option<u64>,
    ) -> Result<Token, ApiError> {
        let request = match template {
            Some(name) => ApiRequest::post(&["sessions", session_id, "tokens", name]),
            None => ApiRequest::post(&["sessions", session_id, "tokens"]),
        };
        self.transport
            .send(request.json(&CreateTokenBody { expires_in_seconds })?)
            .await
    }
}
