//! `GET /jwks`: the instance's public keys as the Backend API serves them.

use super::models::Jwks;
use super::{ApiError, ApiRequest, Transport};

/// The `jwks` resource of the Backend API: `clerk.jwks_keys()`.
///
/// The accessor is not named `jwks()` because [`Clerk::jwks`](crate::Clerk::jwks) already
/// exists and returns the verification key cache, which is what token verification uses
/// (with its TTL, refetch cooldown and stale-while-error behaviour). This handle is the
/// plain API call, uncached: each [`get`](Self::get) is one request, returning the
/// [`Jwks`] model (the legacy `clerkClient.jwks.getJwks()`).
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
