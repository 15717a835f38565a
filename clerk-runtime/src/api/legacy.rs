//! Calls of the old Node SDK (`@clerk/clerk-sdk-node` v2) whose Backend API endpoints are
//! deprecated or gone.
//!
//! They exist so that code ported from Node compiles as-is and then fails with a clear
//! [`ApiError`] instead of a missing method. Each is `#[deprecated]` with a note naming
//! what Clerk answers today and what to use instead:
//!
//! | Old call | Endpoint | What Clerk answers now | Use instead |
//! | --- | --- | --- | --- |
//! | `sessions.verifySession(id, token)` | POST `/sessions/{id}/verify` | 410 `operation_deprecated` (the route left the spec in 2025-04-10) | [`Clerk::verify_token`](crate::Clerk::verify_token) (networkless) |
//! | `clients.getClientList()` | GET `/clients` | 410 (deprecated in the spec, `DeprecatedEndpoint`) | [`Clients::get`] / [`Clients::verify`], [`Sessions::list`](super::Sessions::list) |
//! | `emails.createEmail(params)` | POST `/emails` | 404 (in no dated spec; dropped from the SDKs in Jan 2024) | your own email provider |
//! | `smsMessages.createSMSMessage(params)` | POST `/sms_messages` | 403 (disabled for new instances since Nov 2023, then dropped) | your own SMS provider |

use serde::{Deserialize, Serialize};

use super::clients::Clients;
use super::models::{Client, PaginatedList, Session};
use super::sessions::Sessions;
use super::{ApiError, ApiRequest, Transport};

impl<'a> Sessions<'a> {
    /// Legacy `sessions.verifySession(sessionId, token)`: `POST /sessions/{session_id}/verify`
    /// with `{"token": …}`.
    ///
    /// **What Clerk answers now:** `410 Gone` with the error code `operation_deprecated`
    /// ("endpoint is deprecated and pending removal"). The endpoint was marked deprecated
    /// (with that 410) in spec versions 2021-02-05 to 2025-03-12 and is absent from
    /// 2025-04-10 on, so expect an [`ApiError::Response`] with status 410 (or 404 once the
    /// route is removed).
    ///
    /// **Use instead:** networkless verification of the session token against the JWKS,
    /// [`Clerk::verify_token`](crate::Clerk::verify_token) (or
    /// [`Clerk::authenticate_request`](crate::Clerk::authenticate_request)), then
    /// [`Sessions::get`] if you need the session object.
    #[deprecated(
        note = "POST /sessions/{id}/verify is gone: Clerk answers 410 `operation_deprecated` (removed from the API spec in 2025-04-10). Verify the session token networklessly with `Clerk::verify_token` (or `Clerk::authenticate_request`), then `sessions().get(sid)` if you need the session."
    )]
    pub async fn verify_session(&self, session_id: &str, token: &str) -> Result<Session, ApiError> {
        #[derive(Serialize)]
        struct Body<'t> {
            token: &'t str,
        }
        self.transport
            .send(ApiRequest::post(&["sessions", session_id, "verify"]).json(&Body { token })?)
            .await
    }
}

impl<'a> Clients<'a> {
    /// Legacy `clients.getClientList()`: `GET /clients` (no paging parameters, as the old
    /// SDK sent it).
    ///
    /// **What Clerk answers now:** the endpoint is `deprecated: true` in the spec, which
    /// documents a `410 Gone` (`DeprecatedEndpoint`, a `ClerkErrors` body) for it; expect an
    /// [`ApiError::Response`] with status 410. Should an instance still answer, the bare
    /// array (or `{data, total_count}` page) is decoded.
    ///
    /// **Use instead:** [`Clients::get`] for a known client id, [`Clients::verify`] for a
    /// client token, or [`Sessions::list`](super::Sessions::list) filtered by user.
    #[deprecated(
        note = "GET /clients is deprecated: Clerk answers 410 (DeprecatedEndpoint). Use `clients().get(client_id)`, `clients().verify(token)`, or `sessions().list(..)` filtered by `user_id`."
    )]
    pub async fn get_client_list(&self) -> Result<Vec<Client>, ApiError> {
        let list: PaginatedList<Client> =
            self.transport.send(ApiRequest::get(&["clients"])).await?;
        Ok(list.data)
    }
}

/// The legacy `emails` resource of the old Node SDK: `clerk.emails()`.
///
/// Only the deprecated [`create_email`](Self::create_email) is here. Clerk does not send
/// arbitrary emails through the Backend API any more.
#[derive(Debug, Clone, Copy)]
pub struct Emails<'a> {
    pub(crate) transport: &'a Transport,
}

/// Body of the legacy `POST /emails` (old Node SDK `EmailParams`, snake_cased on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateEmailParams {
    /// The local part of the sender address (`<from_email_name>@<your domain>`).
    pub from_email_name: String,
    /// The id (`idn_…`) of the recipient's email address.
    pub email_address_id: String,
    /// Subject line.
    pub subject: String,
    /// Body (HTML).
    pub body: String,
}

/// An email sent through the legacy `POST /emails` (old Node SDK `Email`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Email {
    /// Always `email`.
    #[serde(default)]
    pub object: String,
    /// Unique identifier.
    #[serde(default)]
    pub id: String,
    /// The local part of the sender address.
    #[serde(default)]
    pub from_email_name: String,
    /// The recipient address.
    #[serde(default)]
    pub to_email_address: Option<String>,
    /// The id of the recipient's email address.
    #[serde(default)]
    pub email_address_id: Option<String>,
    /// Subject line.
    #[serde(default)]
    pub subject: Option<String>,
    /// Body.
    #[serde(default)]
    pub body: Option<String>,
    /// Delivery status, e.g. `queued`.
    #[serde(default)]
    pub status: Option<String>,
}

impl<'a> Emails<'a> {
    /// Legacy `emails.createEmail(params)`: `POST /emails`.
    ///
    /// **What Clerk answers now:** the route is in no dated Backend API spec (2021-02-05
    /// to 2026-05-12) and was dropped from Clerk's SDKs in January 2024 as deprecated;
    /// expect an [`ApiError::Response`] with status 404 (`resource_not_found`). The newer,
    /// experimental `POST /email` (singular) is a different, unspecified route with another
    /// body, and is not what this calls.
    ///
    /// **Use instead:** send email from your own provider, to the address read from
    /// [`Users::get`](super::Users::get); Clerk's own notifications are configured in the
    /// dashboard (or delivered by you through its webhooks).
    #[deprecated(
        note = "POST /emails is not part of the Backend API any more: Clerk answers 404. Send email through your own provider (addresses from `users().get(..)`), or use Clerk's webhooks for its notifications."
    )]
    pub async fn create_email(&self, params: &CreateEmailParams) -> Result<Email, ApiError> {
        self.transport
            .send(ApiRequest::post(&["emails"]).json(params)?)
            .await
    }
}

/// The legacy `smsMessages` resource of the old Node SDK: `clerk.sms_messages()`.
///
/// Only the deprecated [`create_sms_message`](Self::create_sms_message) is here.
#[derive(Debug, Clone, Copy)]
pub struct SmsMessages<'a> {
    pub(crate) transport: &'a Transport,
}

/// Body of the legacy `POST /sms_messages` (old Node SDK `SMSParams`, snake_cased on the
/// wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateSmsMessageParams {
    /// The id (`idn_…`) of the recipient's phone number.
    pub phone_number_id: String,
    /// The text.
    pub message: String,
}

/// An SMS sent through the legacy `POST /sms_messages` (old Node SDK `SMSMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SmsMessage {
    /// Always `sms_message`.
    #[serde(default)]
    pub object: String,
    /// Unique identifier.
    #[serde(default)]
    pub id: Option<String>,
    /// The sender number.
    #[serde(default)]
    pub from_phone_number: Option<String>,
    /// The recipient number.
    #[serde(default)]
    pub to_phone_number: Option<String>,
    /// The id of the recipient's phone number.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// The text.
    #[serde(default)]
    pub message: Option<String>,
    /// Delivery status, e.g. `queued`.
    #[serde(default)]
    pub status: Option<String>,
}

impl<'a> SmsMessages<'a> {
    /// Legacy `smsMessages.createSMSMessage(params)`: `POST /sms_messages`.
    ///
    /// **What Clerk answers now:** `403 Forbidden`. Clerk disabled the endpoint for new
    /// instances in November 2023 (when it was removed from the SDKs) and announced its
    /// removal; it is in no dated spec. Expect an [`ApiError::Response`] with status 403
    /// (or 404 once the route is gone).
    ///
    /// **Use instead:** send SMS from your own provider, to the number read from
    /// [`Users::get`](super::Users::get).
    #[deprecated(
        note = "POST /sms_messages was dropped: Clerk answers 403 for new instances and is removing the route. Send SMS through your own provider (numbers from `users().get(..)`)."
    )]
    pub async fn create_sms_message(
        &self,
        params: &CreateSmsMessageParams,
    ) -> Result<SmsMessage, ApiError> {
        self.transport
            .send(ApiRequest::post(&["sms_messages"]).json(params)?)
            .await
    }
}
