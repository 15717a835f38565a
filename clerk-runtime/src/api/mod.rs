//! The Clerk Backend API: a typed client for `clerkClient.users.getUser(id)` and friends.
//!
//! Every resource is a handle borrowed from a [`Clerk`](crate::Clerk):
//!
//! ```no_run
//! # async fn run(clerk: clerk_runtime::Clerk) -> Result<(), clerk_runtime::api::ApiError> {
//! use clerk_runtime::api::UserListParams;
//! let user = clerk.users().get("user_2abc").await?;
//! let admins = clerk
//!     .users()
//!     .list(&UserListParams { email_address: vec!["ada@example.com".into()], ..Default::default() })
//!     .await?;
//! # let _ = (user, admins); Ok(()) }
//! ```
//!
//! Calls send `Authorization: Bearer <secret key>`, `Clerk-API-Version: 2026-05-12` and a
//! `User-Agent` naming this SDK. Idempotent calls (GET, PUT, DELETE) are retried with
//! exponential backoff and jitter on any 5xx (the spec's retry policy), timeouts and
//! connection errors; POST and PATCH only when no connection could be made, since the API
//! cannot have acted on them. Retries are bounded in count and total time
//! ([`RetryPolicy`]). A 429 is not retried: Clerk's limit is per instance, so the instance
//! sends nothing more until its `Retry-After` has elapsed, and its callers get
//! [`ApiError::BackingOff`] at once meanwhile.

mod actor_tokens;
mod clients;
mod email_addresses;
pub(crate) mod error;
mod gate;
mod identifiers;
mod invitations;
mod jwks;
mod jwt_templates;
mod legacy;
pub mod models;
mod organizations;
mod phone_numbers;
mod request;
mod sessions;
mod tokens;
pub(crate) mod transport;
mod users;

use std::future::Future;

use futures_util::stream::{self, Stream, StreamExt as _};

pub use actor_tokens::{ActorTokens, CreateActorTokenParams};
pub use clients::Clients;
pub use email_addresses::{
    AttemptVerificationParams, CreateEmailAddressParams, EmailAddresses, UpdateEmailAddressParams,
};
pub use error::{ApiError, ClerkErrorItem};
pub use gate::{DEFAULT_RATE_LIMIT_WAIT, MAX_RATE_LIMIT_WAIT};
pub use identifiers::{
    AllowlistIdentifierListParams, AllowlistIdentifiers, BlocklistIdentifiers,
    CreateAllowlistIdentifierParams, CreateBlocklistIdentifierParams,
};
pub use invitations::{CreateInvitationParams, InvitationListParams, Invitations};
pub use jwks::JwksKeys;
pub use jwt_templates::{
    CreateJwtTemplateParams, JwtTemplateListParams, JwtTemplates, UpdateJwtTemplateParams,
};
pub use legacy::{
    CreateEmailParams, CreateSmsMessageParams, Email, Emails, SmsMessage, SmsMessages,
};
pub use models::*;
pub use organizations::{
    CreateOrganizationMembershipParams, CreateOrganizationParams, GetOrganizationParams,
    InstanceMembershipListParams, OrganizationListParams, OrganizationMembershipListParams,
    Organizations, UpdateOrganizationMembershipMetadataParams, UpdateOrganizationMembershipParams,
    UpdateOrganizationMetadataParams, UpdateOrganizationParams,
};
pub use phone_numbers::{CreatePhoneNumberParams, PhoneNumbers, UpdatePhoneNumberParams};
pub(crate) use request::ApiRequest;
pub use sessions::{
    CreateSessionParams, RefreshFormat, RefreshSessionParams, SessionListParams, Sessions,
};
pub use tokens::{CreateSignInTokenParams, SignInTokens, TestingTokens};
pub use transport::RetryPolicy;
pub(crate) use transport::{AttemptError, CallPolicy, Failed, Jitter, Judged, Transport};
pub use users::{
    CreateUserParams, IdentificationStatus, ReplaceEmailAddressParams, ReplacePhoneNumberParams,
    ReplacementStatus, UpdateUserMetadataParams, UpdateUserParams, UserCountParams, UserListParams,
    Users,
};

/// Default page size of the paging streams.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Pages through an offset-paged list until a page comes back shorter than `limit`.
pub(crate) fn paginate<T, F, Fut>(
    limit: u32,
    start: u32,
    fetch: F,
) -> impl Stream<Item = Result<T, ApiError>>
where
    F: Fn(u32, u32) -> Fut,
    Fut: Future<Output = Result<Vec<T>, ApiError>>,
{
    let limit = limit.max(1);
    stream::unfold(Some(start), move |offset| {
        let page = offset.map(|o| (o, fetch(limit, o)));
        async move {
            let (offset, page) = page?;
            match page.await {
                Ok(items) => {
                    let next = (items.len() as u32 >= limit).then(|| offset + limit);
                    Some((Ok(items), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    })
    .flat_map(|page: Result<Vec<T>, ApiError>| {
        let items: Vec<Result<T, ApiError>> = match page {
            Ok(items) => items.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(items)
    })
}
