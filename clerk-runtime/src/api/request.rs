//! One Backend API request, built by the resource handles and sent by the transport.

use reqwest::header::HeaderValue;
use reqwest::Method;
use serde::Serialize;

use super::error::ApiError;

/// One Backend API request.
pub(crate) struct ApiRequest {
    pub(super) method: Method,
    pub(super) segments: Vec<String>,
    pub(super) query: Vec<(&'static str, String)>,
    pub(super) body: Option<Vec<u8>>,
    pub(super) versioned: bool,
    /// `Authorization` to send instead of the secret key's (the machine secret key).
    pub(super) bearer: Option<HeaderValue>,
    /// Whether the extra headers of `ClerkBuilder::api_header` are sent.
    pub(super) extra_headers: bool,
}

impl ApiRequest {
    pub(crate) fn new(method: Method, segments: &[&str]) -> Self {
        Self {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            versioned: true,
            bearer: None,
            extra_headers: true,
        }
    }

    pub(crate) fn get(segments: &[&str]) -> Self {
        Self::new(Method::GET, segments)
    }
    pub(crate) fn post(segments: &[&str]) -> Self {
        Self::new(Method::POST, segments)
    }
    pub(crate) fn patch(segments: &[&str]) -> Self {
        Self::new(Method::PATCH, segments)
    }
    pub(crate) fn put(segments: &[&str]) -> Self {
        Self::new(Method::PUT, segments)
    }
    pub(crate) fn delete(segments: &[&str]) -> Self {
        Self::new(Method::DELETE, segments)
    }

    /// Without the `/v1` segment (machine-token endpoints).
    pub(crate) fn unversioned(mut self) -> Self {
        self.versioned = false;
        self
    }

    /// Without the extra headers of `ClerkBuilder::api_header`: the JWKS fetch sends only
    /// what `@clerk/backend`'s does.
    pub(crate) fn without_extra_headers(mut self) -> Self {
        self.extra_headers = false;
        self
    }

    /// Sends this `Authorization` value (a sensitive `Bearer …`) instead of the secret
    /// key's: the machine secret key of `POST /m2m_tokens/verify`.
    pub(crate) fn bearer(mut self, authorization: HeaderValue) -> Self {
        self.bearer = Some(authorization);
        self
    }

    /// Adds one query pair (repeat the call for repeated keys).
    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Adds a pair when the value is set.
    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds one pair per value.
    pub(crate) fn query_all<V: ToString>(mut self, key: &'static str, values: &[V]) -> Self {
        for v in values {
            self.query.push((key, v.to_string()));
        }
        self
    }

    /// A JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, ApiError> {
        self.body =
            Some(serde_json::to_vec(body).map_err(|e| ApiError::InvalidRequest(e.to_string()))?);
        Ok(self)
    }

    /// Whether Clerk rate-limits this call: all but `GET /v1/jwks` (spec §9).
    pub(super) fn rate_limited(&self) -> bool {
        !(self.method == Method::GET && self.versioned && self.segments == ["jwks"])
    }

    pub(super) fn idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        )
    }
}
