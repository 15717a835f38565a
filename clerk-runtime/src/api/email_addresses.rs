//! `/email_addresses`: create, get, update, delete a user's email address, and verify it
//! with a one-time code.

use serde::Serialize;

use super::models::{DeletedObject, EmailAddress, Verification};
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

/// Body of `POST /email_addresses/{id}/attempt_verification` and
/// `POST /phone_numbers/{id}/attempt_verification`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttemptVerificationParams {
    /// The verification to check: the `id` returned by `prepare_verification` (required).
    pub verification_id: String,
    /// The one-time code the user received (required).
    pub code: String,
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

    /// `POST /email_addresses/{email_address_id}/prepare_verification` (no body): sends a
    /// one-time code to the address and returns the new verification (`object`
    /// `verification_otp`, strategy `email_code`, status `unverified`); pass its `id` to
    /// [`attempt_verification`](Self::attempt_verification). An unknown address is a 404.
    ///
    /// With the local `MockClerk` (feature `testing`) the code is always `424242`, as in
    /// Clerk's test mode.
    pub async fn prepare_verification(
        &self,
        email_address_id: &str,
    ) -> Result<Verification, ApiError> {
        self.transport
            .send(ApiRequest::post(&[
                "email_addresses",
                email_address_id,
                "prepare_verification",
            ]))
            .await
    }

    /// `POST /email_addresses/{email_address_id}/attempt_verification`: checks a code and
    /// returns the verification with its updated `status` and `attempts`.
    ///
    /// A wrong or expired code is **not** an error: it shows up in `status` (`unverified`
    /// while attempts remain, then `failed`; `expired` past `expire_at`). A correct code
    /// gives `verified` and marks the address verified. Resubmitting a verification that
    /// already succeeded is a 400 `verification_already_verified`; an unknown address or
    /// verification is a 404.
    pub async fn attempt_verification(
        &self,
        email_address_id: &str,
        params: &AttemptVerificationParams,
    ) -> Result<Verification, ApiError> {
        self.transport
            .send(
                ApiRequest::post(&["email_addresses", email_address_id, "attempt_verification"])
                    .json(params)?,
            )
            .await
    }
}
