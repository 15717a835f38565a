//! Invitations, allow-list, block-list, organizations (with memberships), email addresses
//! and phone numbers: every client method over real HTTP against the local Backend API,
//! with the list shapes, filters, errors and metadata semantics of the real API.

mod contacts;
mod invitations_and_lists;
mod memberships;
mod organizations;

#[path = "../common/mod.rs"]
mod common;
use common::api::{
    assert_fails, assert_not_found, assert_param_missing, email_params, expect_error, meta,
    mfa_phone_params, params, phone_params, raw,
};
use common::mock::start_mock;

use clerk::api::{
    AllowlistIdentifierListParams, CreateAllowlistIdentifierParams,
    CreateBlocklistIdentifierParams, CreateEmailAddressParams, CreateInvitationParams,
    CreateOrganizationMembershipParams, CreateOrganizationParams, CreatePhoneNumberParams,
    CreateUserParams, GetOrganizationParams, IdentifierType, InstanceMembershipListParams,
    InvitationListParams, InvitationStatus, Metadata, OrganizationListParams,
    OrganizationMembershipListParams, UpdateEmailAddressParams, UpdateOrganizationMembershipParams,
    UpdateOrganizationMetadataParams, UpdateOrganizationParams, UpdatePhoneNumberParams, User,
    VerificationStatus,
};
use clerk::api::{EmailAddress, Organization, OrganizationMembership, PhoneNumber};
use clerk::testing::MockClerk;
use clerk::Clerk;
use futures::TryStreamExt as _;
use serde_json::{json, Value};

fn user(mock: &MockClerk, email: &str, first: &str, last: &str, username: &str) -> User {
    mock.create_user(&CreateUserParams {
        email_address: vec![email.into()],
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        username: Some(username.into()),
        ..Default::default()
    })
    .expect("seed user")
}

fn org(name: &str) -> CreateOrganizationParams {
    params(|it: &mut CreateOrganizationParams| it.name = name.into())
}

fn is_page(value: &Value) -> bool {
    value["data"].is_array() && value["total_count"].is_i64()
}
