//! `/phone_numbers`: create, get, update, delete a user's phone number, and verify it with
//! a one-time code.

use serde::Serialize;

use super::models::{DeletedObject, PhoneNumber, Verification};
use super::{ApiError, ApiRequest, AttemptVerificationParams, Transport};

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

    /// `POST /phone_numbers/{phone_number_id}/prepare_verification` (no body): sends a
    /// one-time code by SMS and returns the new verification (`object`
    /// `verification_otp`, strategy `phone_code`, channel `sms`, status `unverified`); pass
    /// its `id` to [`attempt_verification`](Self::attempt_verification). An unknown number
    /// is a 404; sending too many codes is a 429.
    ///
    /// With the local `MockClerk` (feature `testing`) the code is always `424242`, as in
    /// Clerk's test mode.
    pub async fn prepare_verification(
        &self,
        phone_number_id: &str,
    ) -> Result<Verification, ApiError> {
        self.transport
            .send(ApiRequest::post(&[
                "phone_numbers",
                phone_number_id,
                "prepare_verification",
            ]))
            .await
    }

    /// `POST /phone_numbers/{phone_number_id}/attempt_verification`: checks a code and
    /// returns the verification with its updated `status` and `attempts`.
    ///
    /// A wrong or expired code is **not** an error: it shows up in `status` (`unverified`
    /// while attempts remain, then `failed`; `expired` past `expire_at`). A correct code
    /// gives `verified` and marks the number verified. Resubmitting a verification that
    /// already succeeded is a 400 `verification_already_verified`; an unknown number or
    /// verification is a 404.
    pub async fn attempt_verification(
        &self,
        phone_number_id: &str,
        params: &AttemptVerificationParams,
    ) -> Result<Verification, ApiError> {
        self.transport
            .send(
                ApiRequest::post(&["phone_numbers", phone_number_id, "attempt_verification"])
                    .json(params)?,
            )
            .await
    }
}
