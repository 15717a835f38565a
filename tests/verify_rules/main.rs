//! One test per rule of `verifyToken` (spec `clerk-auth-semantics.md` §2, §3.3 and the
//! deliberate deviations of §10), asserting Clerk's exact reason codes.
//!
//! Networkless (PEM) options are used wherever the rule does not involve the JWKS, and
//! every time-dependent test pins `now` so the boundaries are exact and deterministic.

mod basics_and_time;
mod claims_and_keys;
mod differential;
mod order_and_header;
mod robustness;

#[path = "../common/mod.rs"]
mod common;
use common::mock::start_mock;
use common::mock::start_mock_with;
use common::prop::Lcg;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use clerk::testing::{Fault, MockClerk, MockKey, TokenBuilder};
use clerk::{
    verify_token, SessionClaims, TokenVerificationErrorReason as Reason, VerifyTokenOptions,
    MAX_TOKEN_LEN,
};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The pinned "now" of the time tests, in whole seconds since the epoch.
const T0: i64 = 1_700_000_000;

/// `T0` plus `offset_ms` milliseconds.
fn at_ms(offset_ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis((T0 * 1000 + offset_ms) as u64)
}

fn t0() -> SystemTime {
    at_ms(0)
}

/// One mock instance shared by the networkless tests: generating RSA keys is the slow
/// part of this suite. Its JWKS server is not used (it stops with the thread's runtime);
/// tests that talk to the JWKS start their own `MockClerk`.
fn shared_mock() -> &'static MockClerk {
    static MOCK: OnceLock<MockClerk> = OnceLock::new();
    MOCK.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(MockClerk::start())
        })
        .join()
        .unwrap()
    })
}

/// A key that no mock publishes.
fn other_key() -> Arc<MockKey> {
    static KEY: OnceLock<Arc<MockKey>> = OnceLock::new();
    KEY.get_or_init(|| shared_mock().unpublished_key()).clone()
}

/// A token builder whose clock is `T0`: `iat = T0`, `nbf = T0 - 5`, `exp = T0 + 60`.
fn token(mock: &MockClerk) -> TokenBuilder {
    mock.token().at(t0())
}

/// Networkless options with the mock's PEM, verifying at `T0`.
/// The shared mock, and PEM options verifying at `T0`.
fn shared_pem() -> (&'static MockClerk, VerifyTokenOptions) {
    let mock = shared_mock();
    (mock, pem_options(mock))
}

fn pem_options(mock: &MockClerk) -> VerifyTokenOptions {
    VerifyTokenOptions {
        jwt_key: Some(mock.jwt_key_pem()),
        now: Some(t0()),
        ..Default::default()
    }
}

/// Options with a given PEM text, verifying at `T0`.
fn options_with_pem(pem: impl Into<String>) -> VerifyTokenOptions {
    VerifyTokenOptions {
        jwt_key: Some(pem.into()),
        now: Some(t0()),
        ..Default::default()
    }
}

async fn accept(token: &str, options: &VerifyTokenOptions) -> SessionClaims {
    match verify_token(token, options).await {
        Ok(claims) => claims,
        Err(err) => panic!("expected the token to verify, got {err}"),
    }
}

async fn reason(token: &str, options: &VerifyTokenOptions) -> &'static str {
    match verify_token(token, options).await {
        Ok(claims) => panic!("expected a failure, got claims {claims:?}"),
        Err(err) => {
            assert_eq!(err.reason(), err.code().as_str());
            err.reason()
        }
    }
}

async fn clerk_reason(clerk: &clerk::Clerk, token: &str) -> &'static str {
    match clerk.verify_token(token).await {
        Ok(claims) => panic!("expected a failure, got claims {claims:?}"),
        Err(err) => err.reason(),
    }
}

/// The three segments of a compact token.
fn parts(token: &str) -> (String, String, String) {
    let mut it = token.split('.');
    let (h, p, s) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    assert!(it.next().is_none());
    (h.to_owned(), p.to_owned(), s.to_owned())
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs arbitrary header and payload text (RS256) with the mock's current key.
fn raw(mock: &MockClerk, header: &str, payload: &str) -> String {
    TokenBuilder::sign_raw(
        &mock.current_key(),
        header.as_bytes(),
        payload.as_bytes(),
        "RS256",
    )
}

const HEADER: &str = r#"{"alg":"RS256","typ":"JWT"}"#;

/// A minimal valid payload at `T0` with extra raw JSON members appended.
fn payload_with(extra: &str) -> String {
    let base = format!(r#""sub":"user_raw","iat":{T0},"exp":{}"#, T0 + 60);
    if extra.is_empty() {
        format!("{{{base}}}")
    } else {
        format!("{{{base},{extra}}}")
    }
}

/// A payload without `exp` (for tests that put their own `exp`).
fn payload_without_exp(extra: &str) -> String {
    format!(r#"{{"sub":"user_raw","iat":{T0},{extra}}}"#)
}

const ALL_CODES: [&str; 16] = [
    "token-expired",
    "token-invalid",
    "token-invalid-algorithm",
    "token-invalid-authorized-parties",
    "token-invalid-signature",
    "token-not-active-yet",
    "token-iat-in-the-future",
    "token-verification-failed",
    "token-invalid-issuer",
    "jwk-local-missing",
    "jwk-remote-failed-to-load",
    "jwk-remote-invalid",
    "jwk-remote-missing",
    "jwk-failed-to-resolve",
    "jwk-kid-mismatch",
    "secret-key-invalid",
];

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn with_parties(mock: &MockClerk, parties: &[&str]) -> VerifyTokenOptions {
    VerifyTokenOptions {
        authorized_parties: parties.iter().map(|s| s.to_string()).collect(),
        ..pem_options(mock)
    }
}

/// Asserts that a token carrying each `(claim, value)` fails under `options` with `code`.
async fn assert_claims_refused<V: Into<Value>>(
    mock: &MockClerk,
    options: &VerifyTokenOptions,
    code: &str,
    cases: impl IntoIterator<Item = (&str, V)>,
) {
    for (name, value) in cases {
        let value: Value = value.into();
        let t = token(mock).claim(name, value.clone()).sign();
        assert_eq!(reason(&t, options).await, code, "{name} {value}");
    }
}
