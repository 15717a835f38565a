//! Sessions, clients, JWT templates, sign-in and testing tokens, the Backend API JWKS and
//! the legacy Node SDK calls, over real HTTP against `MockClerk`.

mod sessions_and_sign_in;
mod templates;
mod tokens;

#[path = "../common/mod.rs"]
mod common;
use common::api::{assert_fails, assert_not_found, assert_param_missing, param_name, params};
use common::mock::start_mock;

use clerk::api::{
    ApiError, CreateJwtTemplateParams, CreateSessionParams, CreateSignInTokenParams,
    CreateUserParams, JwtTemplateListParams, PaginatedList, Session, SessionListParams,
    SessionStatus, SignInTokenStatus,
};
use clerk::testing::{MockClerk, TokenBuilder};
use clerk::Clerk;
use futures::StreamExt as _;
use serde_json::{json, Map, Value};

fn user_params(email: &str) -> CreateUserParams {
    CreateUserParams {
        email_address: vec![email.into()],
        first_name: Some("Ada".into()),
        public_metadata: Some(json!({"role": "admin"}).as_object().unwrap().clone()),
        ..Default::default()
    }
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn assert_error(err: &ApiError, status: u16, code: &str) {
    assert_eq!(err.status(), Some(status), "{err:?}");
    assert!(err.has_code(code), "expected code {code}: {err:?}");
}

/// The claims of a JWT, without verifying it.
fn payload(jwt: &str) -> Map<String, Value> {
    use base64::Engine as _;
    let part = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A raw GET with the mock's secret key, to see the exact wire shape.
async fn raw_get(mock: &MockClerk, path_and_query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path_and_query}", mock.api_url()))
        .bearer_auth(mock.secret_key())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}
