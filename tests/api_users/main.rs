//! The `users` resource and the Backend API transport, end to end over real HTTP against
//! `MockClerk`: every client method (the returned model and the stored state), every
//! filter of `GET /users`, paging, request headers, retries, timeouts and errors.

mod crud;
mod list;
mod moderation_and_models;
mod transport;

#[path = "../common/mod.rs"]
mod common;
use common::api::{
    client_with_retry, fast_retry, meta, param_name, params, query_of, retrying_client, setup, uris,
};
use common::mock::start_mock_with;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use clerk::api::{
    ApiError, CreateOrganizationParams, CreateUserParams, DeletedObject, IdentificationStatus,
    Metadata, PasswordVerification, RetryPolicy, TotalCount, TotpCodeType, TotpVerification,
    UpdateUserMetadataParams, UpdateUserParams, User, UserCountParams, UserListParams,
};
use clerk::testing::{Fault, MockClerk};
use clerk::Clerk;
use futures::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn with_email(email: &str) -> CreateUserParams {
    params(|it: &mut CreateUserParams| it.email_address = vec![email.into()])
}

fn seed(mock: &MockClerk, params: CreateUserParams) -> User {
    mock.create_user(&params).unwrap()
}

fn ids(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.id.clone()).collect()
}

fn id_set<'a>(users: impl IntoIterator<Item = &'a User>) -> BTreeSet<String> {
    users.into_iter().map(|u| u.id.clone()).collect()
}

fn set(items: &[&User]) -> BTreeSet<String> {
    items.iter().map(|u| u.id.clone()).collect()
}

/// Asserts that `result` failed as `assert_api_error` checks, and names `param` when `Some`.
fn assert_api_fails<T: std::fmt::Debug>(
    result: Result<T, ApiError>,
    status: u16,
    code: &str,
    param: Option<&str>,
) {
    let err = result.unwrap_err();
    assert_api_error(&err, status, code);
    if param.is_some() {
        assert_eq!(param_name(&err).as_deref(), param);
    }
}

/// Like `common::expect_error`, and the trace id is one of the mock's.
fn assert_api_error(err: &ApiError, status: u16, code: &str) {
    assert_eq!(err.status(), Some(status), "{err:?}");
    assert!(err.has_code(code), "expected {code}: {err:?}");
    assert!(
        err.trace_id().is_some_and(|t| t.starts_with("trace_")),
        "{err:?}"
    );
}

/// A small population covering every filter.
struct Population {
    ada: User,
    bob: User,
    cy: User,
    dee: User,
}

async fn population(mock: &MockClerk) -> Population {
    let ada = seed(
        mock,
        CreateUserParams {
            email_address: vec!["ada@lovelace.dev".into()],
            phone_number: vec!["+15555550101".into()],
            username: Some("ada_l".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            external_id: Some("ext-ada".into()),
            web3_wallet: vec!["0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()],
            created_at: Some("2021-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    );
    let bob = seed(
        mock,
        CreateUserParams {
            email_address: vec!["bob@builder.io".into()],
            phone_number: vec!["+447700900123".into()],
            username: Some("bobthebuilder".into()),
            first_name: Some("Bob".into()),
            last_name: Some("Builder".into()),
            external_id: Some("ext-bob".into()),
            created_at: Some("2022-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    );
    let cy = seed(
        mock,
        CreateUserParams {
            email_address: vec!["cy@example.com".into()],
            username: Some("cyborg".into()),
            first_name: Some("Cy".into()),
            last_name: Some("Borg".into()),
            created_at: Some("2023-01-01T00:00:00Z".into()),
            banned: Some(true),
            ..Default::default()
        },
    );
    let dee = seed(
        mock,
        CreateUserParams {
            email_address: vec!["dee@example.com".into()],
            first_name: Some("Dee".into()),
            created_at: Some("2024-01-01T00:00:00Z".into()),
            ..Default::default()
        },
    );
    // What the API cannot set: activity, sign-ins, OAuth accounts.
    let day = 86_400_000;
    let t2024 = 1_704_067_200_000i64;
    mock.merge_into_user(
        &ada.id,
        json!({"last_active_at": t2024 + day, "last_sign_in_at": t2024 + day}),
    )
    .unwrap();
    mock.merge_into_user(
        &bob.id,
        json!({"last_active_at": t2024 + 10 * day, "last_sign_in_at": t2024 + 10 * day}),
    )
    .unwrap();
    mock.merge_into_user(
        &bob.id,
        json!({"external_accounts": [{
            "object": "external_account", "id": "eac_bob", "provider": "oauth_google",
            "identification_id": "idn_bob_google", "provider_user_id": "google-bob",
            "approved_scopes": "email profile", "email_address": "bob@builder.io",
            "first_name": "Bob", "last_name": "Builder", "public_metadata": {},
            "created_at": t2024, "updated_at": t2024, "verification": null
        }]}),
    )
    .unwrap();
    let to_user =
        |u: &User| -> User { serde_json::from_value(mock.user_object(&u.id).unwrap()).unwrap() };
    Population {
        ada: to_user(&ada),
        bob: to_user(&bob),
        cy: to_user(&cy),
        dee: to_user(&dee),
    }
}

async fn raw_get<T: DeserializeOwned>(mock: &MockClerk, url: &str) -> T {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(mock.secret_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `UserListParams` with the fields `set_fields` sets.
fn list_with(set_fields: impl FnOnce(&mut UserListParams)) -> UserListParams {
    let mut params = UserListParams::default();
    set_fields(&mut params);
    params
}

/// `CreateUserParams` with the fields `set_fields` sets.
fn create_with(set_fields: impl FnOnce(&mut CreateUserParams)) -> CreateUserParams {
    let mut params = CreateUserParams::default();
    set_fields(&mut params);
    params
}

/// Every user `list_all` streams for `params`, and the requests it sent for them.
async fn stream_all(
    mock: &MockClerk,
    clerk: &Clerk,
    params: UserListParams,
) -> (Vec<User>, Vec<String>) {
    let before = mock.api_requests().len();
    let streamed: Vec<User> = clerk
        .users()
        .list_all(&params)
        .map(Result::unwrap)
        .collect()
        .await;
    (streamed, uris(mock)[before..].to_vec())
}

/// How many users `GET /users/count` counts with no filter.
async fn count_all(clerk: &Clerk) -> i64 {
    clerk
        .users()
        .count(&UserCountParams::default())
        .await
        .unwrap()
}

/// How many users one `GET /users` page with `params` holds.
async fn list_len(clerk: &Clerk, params: UserListParams) -> usize {
    clerk.users().list(&params).await.unwrap().len()
}

/// Asserts that `result` failed with 404 `resource_not_found`, as `assert_api_error` checks.
fn assert_api_not_found<T: std::fmt::Debug>(result: Result<T, ApiError>) {
    assert_api_fails(result, 404, "resource_not_found", None);
}

/// Retries `max_retries` times, from `initial_delay_ms`, within `budget`.
fn retry_policy(max_retries: u32, initial_delay_ms: u64, budget: Duration) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_delay: Duration::from_millis(initial_delay_ms),
        budget,
    }
}

/// Whether `password` is the password of `user_id`.
async fn password_matches(clerk: &Clerk, user_id: &str, password: &str) -> bool {
    clerk
        .users()
        .verify_password(user_id, password)
        .await
        .unwrap()
}
