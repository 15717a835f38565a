//! `/phone_numbers`: create, get, update, delete a user's phone number.

use serde::Serialize;

use super::models::{DeletedObject, PhoneNumber};
use super::{ApiError, ApiRequest, Transport};

/// The `phone_numbers` resource: `clerk.phone_numbers()`.
#[derive(Debug, Clone, Copy)]
pub struct PhoneNumbers<'a> {
    pub(crate) transport: &'a Transport,
}

/// Body of `POST /phone_numbers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreatePhoneNumberParams {
    /// The user who gets the number (required).
    pub user_id: String,
    /// The number, E.164 (e.g. `+15555550100`) (required).
    pub phone_number: String,
    /// Mark the number verified on creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Make it the user's primary number (it is anyway when it is the first one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Reserve it for multi-factor authentication; it must be verified too. The first
    /// reserved number becomes the default second factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_for_second_factor: Option<bool>,
}

/// Body of `PATCH /phone_numbers/{phone_number_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdatePhoneNumberParams {
    /// Mark the number verified (`true`) or unverified (`false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Make it the user's primary number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Reserve it for (or release it from) multi-factor authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_for_second_factor: Option<bool>,
}

impl PhoneNumbers<'_> {
    /// `POST /phone_numbers`.
    pub async fn create(&self, params: &CreatePhoneNumberParams) -> Result<PhoneNumber, ApiError> {
        self.transport
            .send(ApiRequest::post(&["phone_numbers"]).json(params)?)
            .await
    }

    /// `GET /phone_numbers/{phone_number_id}`.
    pub async fn get(&self, phone_number_id: &str) -> Result<PhoneNumber, ApiError> {
        self.transport
            .send(ApiRequest::get(&["phone_numbers", phone_number_id]))
            .await
    }

    /// `PATCH /phone_numbers/{phone_number_id}`.
    pub async fn update(
        &self,
        phone_number_id: &str,
        params: &UpdatePhoneNumberParams,
    ) -> Result<PhoneNumber, ApiError> {
        self.transport
            .send(ApiRequest::patch(&["phone_numbers", phone_number_id]).json(params)?)
            .await
    }

    /// `DELETE /phone_numbers/{phone_number_id}`.
    pub async fn delete(&self, phone_number_id: &str) -> Result<DeletedObject, ApiError> {
        self.transport
            .send(ApiRequest::delete(&["phone_numbers", phone_number_id]))
            .await
    }
}
