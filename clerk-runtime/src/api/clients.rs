//! `/clients`: get one client, and verify a client token.

use serde::Serialize;

use super::models::Client;
use super::{ApiError, ApiRequest, Transport};

/// The `clients` resource: `clerk.clients()`.
///
/// A client is a browser or device that signs users in; it holds their sessions. Listing
/// every client (`GET /clients`) is deprecated: see the legacy
/// [`get_client_list`](Self::get_client_list).
#[derive(Debug, Clone, Copy)]
pub struct Clients<'a> {
    pub(crate) transport: &'a Transport,
}

impl<'a> Clients<'a> {
    /// `GET /clients/{client_id}`.
    pub async fn get(&self, client_id: &str) -> Result<Client, ApiError> {
        self.transport
            .send(ApiRequest::get(&["clients", client_id]))
            .await
    }

    /// `POST /clients/verify`: the client a client token (a JWT representing the active
    /// client, as the Frontend API issues it) stands for.
    ///
    /// A token that is not a valid client token is a 400; a client that does not exist
    /// (any more) is a 404.
    pub async fn verify(&self, token: &str) -> Result<Client, ApiError> {
        #[derive(Serialize)]
        struct Body<'t> {
            token: &'t str,
        }
        self.transport
            .send(ApiRequest::post(&["clients", "verify"]).json(&Body { token })?)
            .await
    }
}
