//! `/jwt_templates`: list, get, create, update, delete.

use futures_util::Stream;
use serde::Serialize;

use super::models::{DeletedObject, JwtTemplate, Metadata, PaginatedList};
use super::{paginate, ApiError, ApiRequest, Transport, DEFAULT_PAGE_SIZE};

/// The `jwt_templates` resource: `clerk.jwt_templates()`.
///
/// Tokens are minted from a template with
/// [`Sessions::create_token`](super::Sessions::create_token).
#[derive(Debug, Clone, Copy)]
pub struct JwtTemplates<'a> {
    pub(crate) transport: &'a Transport,
}

/// Paging of `GET /jwt_templates` (the endpoint has no filters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwtTemplateListParams {
    /// Page size, 1–500 (default 10).
    pub limit: Option<u32>,
    /// Offset (default 0).
    pub offset: Option<u32>,
}

/// Body of `POST /jwt_templates` and `PATCH /jwt_templates/{id}` (the API requires `name`
/// and `claims` on both).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateJwtTemplateParams {
    /// Name of the template, unique in the instance (required; it is the `{template_name}`
    /// of `POST /sessions/{id}/tokens/{template_name}`).
    pub name: String,
    /// The claims, static values or shortcodes such as `"{{user.id}}"` (required). The
    /// default claims (`azp`, `exp`, `iat`, `iss`, `jti`, `nbf`, `sub`) cannot be
    /// overridden.
    pub claims: Metadata,
    /// Token lifetime in seconds, 30–315360000 (Clerk's default is 60).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<u32>,
    /// Allowed clock skew in seconds, 0–300 (Clerk's default is 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_clock_skew: Option<u32>,
    /// Sign with `signing_key`/`signing_algorithm` instead of the instance key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_signing_key: Option<bool>,
    /// Algorithm of the custom key, e.g. `HS256` or `RS256` (required with
    /// `custom_signing_key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<String>,
    /// The custom private key or secret (required with `custom_signing_key`). Clerk never
    /// returns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
}

/// Body of `PATCH /jwt_templates/{id}`: the same fields as creation, `name` and `claims`
/// included (the update replaces the template).
pub type UpdateJwtTemplateParams = CreateJwtTemplateParams;

impl<'a> JwtTemplates<'a> {
    /// `GET /jwt_templates?paginated=true`: one page and the total count.
    pub async fn list(
        &self,
        params: &JwtTemplateListParams,
    ) -> Result<PaginatedList<JwtTemplate>, ApiError> {
        let request = ApiRequest::get(&["jwt_templates"])
            .query("paginated", "true")
            .query_opt("limit", params.limit)
            .query_opt("offset", params.offset);
        self.transport.send(request).await
    }

    /// Every template, page after page, as a stream.
    pub fn list_all(&self) -> impl Stream<Item = Result<JwtTemplate, ApiError>> + 'a {
        let transport = self.transport;
        paginate(DEFAULT_PAGE_SIZE, 0, move |limit, offset| async move {
            let page = JwtTemplateListParams {
                limit: Some(limit),
                offset: Some(offset),
            };
            JwtTemplates { transport }.list(&page).await.map(|p| p.data)
        })
    }

    /// `GET /jwt_templates/{template_id}`.
    pub async fn get(&self, template_id: &str) -> Result<JwtTemplate, ApiError> {
        self.transport
            .send(ApiRequest::get(&["jwt_templates", template_id]))
            .await
    }

    /// `POST /jwt_templates`. A missing name or claims, or a name already used, is a 422.
    pub async fn create(&self, params: &CreateJwtTemplateParams) -> Result<JwtTemplate, ApiError> {
        self.transport
            .send(ApiRequest::post(&["jwt_templates"]).json(params)?)
            .await
    }

    /// `PATCH /jwt_templates/{template_id}`.
    pub async fn update(
        &self,
        template_id: &str,
        params: &UpdateJwtTemplateParams,
    ) -> Result<JwtTemplate, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["jwt_templates", template_id]).json(params)?)
            .await
    }

    /// `DELETE /jwt_templates/{template_id}`.
    pub async fn delete(&self, template_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&["jwt_templates", template_id]))
            .await
    }
}
