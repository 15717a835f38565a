//! Backend API helpers: clients with fast retries, seeded users, raw requests to the
//! mock, recorded requests, and assertions on `ApiError`s.

use std::fmt::Debug;
use std::time::Duration;

use clerk::api::{ApiError, CreateUserParams, Metadata, RetryPolicy, User};
use clerk::testing::MockClerk;
use clerk::Clerk;
use serde_json::Value;

/// Retries with short delays, so the tests stay fast.
pub fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_delay: Duration::from_millis(10),
        budget: Duration::from_secs(5),
    }
}

/// A started mock and a client of it that retries three times, quickly.
pub async fn setup() -> (MockClerk, Clerk) {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .api_retry(fast_retry(3))
        .build()
        .unwrap();
    (mock, clerk)
}

/// Seeds a user with this one email address.
pub fn seed_user(mock: &MockClerk, email: &str) -> User {
    mock.create_user(&CreateUserParams {
        email_address: vec![email.into()],
        ..Default::default()
    })
    .expect("seed user")
}

/// A JSON object literal as `Metadata`.
pub fn meta(value: Value) -> Metadata {
    value.as_object().cloned().expect("a JSON object")
}

/// The `meta.param_name` of the first error.
pub fn param_name(err: &ApiError) -> Option<String> {
    err.errors()
        .first()?
        .meta
        .as_ref()?
        .get("param_name")?
        .as_str()
        .map(str::to_owned)
}

/// Asserts the status and code of an API error, and returns its `meta.param_name`.
pub fn expect_error(err: &ApiError, status: u16, code: &str) -> Option<String> {
    assert_eq!(err.status(), Some(status), "unexpected error: {err:?}");
    assert!(err.has_code(code), "expected code {code}, got {err:?}");
    assert!(err.trace_id().is_some(), "no clerk_trace_id in {err:?}");
    param_name(err)
}

/// Asserts that `result` failed with this status and code, and names `param` (checked
/// only when `Some`).
pub fn assert_fails<T: Debug>(
    result: Result<T, ApiError>,
    status: u16,
    code: &str,
    param: Option<&str>,
) {
    let err = result.unwrap_err();
    let named = expect_error(&err, status, code);
    if param.is_some() {
        assert_eq!(named.as_deref(), param, "param_name of {err:?}");
    }
}

/// A request straight to the mock's `/v1` API at version 2026-05-12, to look at the wire
/// shape: the status and the JSON body.
pub async fn raw(mock: &MockClerk, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}/v1{path}", mock.api_url());
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), url)
        .bearer_auth(mock.secret_key())
        .header("Clerk-API-Version", "2026-05-12");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The path and query of the recorded Backend API requests.
pub fn uris(mock: &MockClerk) -> Vec<String> {
    mock.api_requests().into_iter().map(|r| r.uri).collect()
}

/// The query pairs of a recorded URI.
pub fn query_of(uri: &str) -> Vec<(String, String)> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Asserts that `result` failed with 404 `resource_not_found`.
pub fn assert_not_found<T: Debug>(result: Result<T, ApiError>) {
    assert_fails(result, 404, "resource_not_found", None);
}

/// A `Default` parameter struct with the fields `set_fields` sets: a builder for the
/// request parameters of any resource.
pub fn params<T: Default>(set_fields: impl FnOnce(&mut T)) -> T {
    let mut params = T::default();
    set_fields(&mut params);
    params
}

/// A client of `mock` with this retry policy.
pub fn client_with_retry(mock: &MockClerk, retry: RetryPolicy) -> Clerk {
    mock.clerk_builder().api_retry(retry).build().unwrap()
}

/// A client of `mock` that retries `max_retries` times, quickly.
pub fn retrying_client(mock: &MockClerk, max_retries: u32) -> Clerk {
    client_with_retry(mock, fast_retry(max_retries))
}

/// Asserts that `result` failed with 422 `form_param_missing`, naming `param`.
pub fn assert_param_missing<T: Debug>(result: Result<T, ApiError>, param: &str) {
    assert_fails(result, 422, "form_param_missing", Some(param));
}

/// A new email address of `user_id`, with no other field.
pub fn email_params(user_id: &str, address: &str) -> clerk::api::CreateEmailAddressParams {
    clerk::api::CreateEmailAddressParams {
        user_id: user_id.into(),
        email_address: address.into(),
        ..Default::default()
    }
}

/// A new phone number of `user_id`, with no other field.
pub fn phone_params(user_id: &str, number: &str) -> clerk::api::CreatePhoneNumberParams {
    clerk::api::CreatePhoneNumberParams {
        user_id: user_id.into(),
        phone_number: number.into(),
        ..Default::default()
    }
}

/// A new phone number of `user_id`, verified and reserved for second-factor (SMS) use.
pub fn mfa_phone_params(user_id: &str, number: &str) -> clerk::api::CreatePhoneNumberParams {
    clerk::api::CreatePhoneNumberParams {
        verified: Some(true),
        reserved_for_second_factor: Some(true),
        ..phone_params(user_id, number)
    }
}
