//! `GET /jwks`: the instance's public keys as the Backend API serves them.

use super::models::Jwks;
use super::{ApiError, ApiRequest, Transport};

/// The `jwks` resource of the Backend API: `clerk.jwks_api()`.
///
/// The plain API call, uncached: each [`get`](Self::get) is one request, returning the
/// [`Jwks`] model (the `clerkClient.jwks.getJwks()` of the JavaScript SDK). Token
/// verification uses its own cache instead (`Clerk::verification_keys`), with its TTL,
/// refetch cooldown and stale-if-error behaviour.
#[derive(Debug, Clone, Copy)]
pub struct JwksKeys<'a> {
    pub(crate) transport: &'a Transport,
}

impl<'a> JwksKeys<'a> {
    /// `GET /jwks`: the key set (not cached; Clerk does not rate-limit this endpoint).
    pub async fn get(&self) -> Result<Jwks, ApiError> {
        self.transport.send(ApiRequest::get(&["jwks"])).await
    }
}
