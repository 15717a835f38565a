//! `/sign_in_tokens` (create, revoke) and `/testing_tokens` (create).

use serde::Serialize;

use super::models::{SignInToken, TestingToken};
use super::{ApiError, ApiRequest, Transport};

/// The `sign_in_tokens` resource: `clerk.sign_in_tokens()`.
///
/// A sign-in token signs a user in without credentials: send the user to its `url` (or
/// pass its `token` as the `ticket` of a sign-in).
#[derive(Debug, Clone, Copy)]
pub struct SignInTokens<'a> {
    pub(crate) transport: &'a Transport,
}

/// Body of `POST /sign_in_tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateSignInTokenParams {
    /// The user the token signs in (required).
    pub user_id: String,
    /// The organization to activate on sign-in (the user must be a member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Lifetime in seconds, at least 1 (Clerk's default: 2592000, i.e. 30 days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u64>,
}

impl<'a> SignInTokens<'a> {
    /// `POST /sign_in_tokens`: the new token, with its `token` and `url` (only returned
    /// here). An unknown user is a 404.
    pub async fn create(&self, params: &CreateSignInTokenParams) -> Result<SignInToken, ApiError> {
        self.transport
            .send(ApiRequest::post(&["sign_in_tokens"]).json(params)?)
            .await
    }

    /// `POST /sign_in_tokens/{sign_in_token_id}/revoke`: the token, now `revoked`.
    pub async fn revoke(&self, sign_in_token_id: &str) -> Result<SignInToken, ApiError> {
        self.transport
            .send(ApiRequest::post(&[
                "sign_in_tokens",
                sign_in_token_id,
                "revoke",
            ]))
            .await
    }
}

/// The `testing_tokens` resource: `clerk.testing_tokens()`.
///
/// A testing token lets end-to-end tests through bot protection: pass it as the
/// `__clerk_testing_token` query parameter of Frontend API requests (development
/// instances).
#[derive(Debug, Clone, Copy)]
pub struct TestingTokens<'a> {
    pub(crate) transport: &'a Transport,
}

impl<'a> TestingTokens<'a> {
    /// `POST /testing_tokens` (no body). Note that
    /// [`TestingToken::expires_at`] is in **seconds**, not milliseconds.
    pub async fn create(&self) -> Result<TestingToken, ApiError> {
        self.transport
            .send(ApiRequest::post(&["testing_tokens"]))
            .await
    }
}
