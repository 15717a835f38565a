//! `/email_addresses`: create, get, update, delete a user's email address.

use serde::Serialize;

use super::models::{DeletedObject, EmailAddress};
use super::{ApiError, ApiRequest, Transport};

/// The `email_addresses` resource: `clerk.email_addresses()`.
#[derive(Debug, Clone, Copy)]
pub struct EmailAddresses<'a> {
    pub(crate) transport: &'a Transport,
}

/// Body of `POST /email_addresses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateEmailAddressParams {
    /// The user who gets the address (required).
    pub user_id: String,
    /// The address, RFC 5322 (required).
    pub email_address: String,
    /// Mark the address verified on creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Make it the user's primary address (it is anyway when it is the first one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// When it becomes primary, notify the previous primary address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
}

/// Body of `PATCH /email_addresses/{email_address_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateEmailAddressParams {
    /// Mark the address verified (`true`) or unverified (`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Make it the user's primary address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// When it becomes primary, notify the previous primary address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
}

impl EmailAddresses<'_> {
    /// `POST /email_addresses`.
    pub async fn create(
        &self,
        params: &CreateEmailAddressParams,
    ) -> Result<EmailAddress, ApiError> {
        self.transport
            .send(ApiRequest::post(&["email_addresses"]).json(params)?)
            .await
    }

    /// `GET /email_addresses/{email_address_id}`.
    pub async fn get(&self, email_address_id: &str) -> Result<EmailAddress, ApiError> {
        self.transport
            .send(ApiRequest::get(&["email_addresses", email_address_id]))
            .await
    }

    /// `PATCH /email_addresses/{email_address_id}`.
    pub async fn update(
        &self,
        email_address_id: &str,
        params: &UpdateEmailAddressParams,
    ) -> Result<EmailAddress, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["email_addresses", email_address_id]).json(params)?)
            .await
    }

    /// `DELETE /email_addresses/{email_address_id}`.
    pub async fn delete(&self, email_address_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&["email_addresses", email_address_id]))
            .await
    }
}
