//! Actor tokens, email/phone one-time-code verification, replacing a user's email address
//! or phone number, and session refresh: every client method over real HTTP against the
//! local Backend API, with the spec's shapes, statuses and `ClerkErrors` bodies.

mod actor_tokens_and_replacing;
mod verification_and_refresh;

#[path = "../common/mod.rs"]
mod common;
use common::api::{
    assert_fails, assert_not_found, assert_param_missing, email_params, meta, mfa_phone_params,
    params, phone_params, raw, seed_user,
};
use common::mock::start_mock;

use base64::Engine as _;
use clerk::api::{
    ActorTokenStatus, AttemptVerificationParams, CreateActorTokenParams, CreateUserParams,
    RefreshFormat, RefreshSessionParams, ReplaceEmailAddressParams, ReplacePhoneNumberParams,
    ReplacementStatus, SessionRefresh, UpdatePhoneNumberParams, VerificationObject,
    VerificationStatus,
};
use clerk::testing::VERIFICATION_CODE;
use serde_json::{json, Value};

/// The parameters of a verification attempt.
fn attempt(verification_id: impl Into<String>, code: &str) -> AttemptVerificationParams {
    AttemptVerificationParams {
        verification_id: verification_id.into(),
        code: code.into(),
    }
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
