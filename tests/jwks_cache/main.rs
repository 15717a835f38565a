//! End-to-end tests of the JWKS cache over real HTTP, against the local Clerk stand-in.
//!
//! Every test asserts which verifications pass, which fail with which reason, and exactly
//! how many JWKS requests reached the mock. Time-dependent options (TTL, cooldown,
//! staleness, HTTP timeout) are set short so the whole file runs in a few seconds; the
//! retry backoff (125 ms · 2^n, plus up to 100 % jitter) makes a fetch that fails all
//! [`FETCH_ATTEMPTS`] attempts take between 1.875 s and 3.75 s of sleeping.

mod caching;
mod failures;
mod refresh;
mod rotation;

#[path = "../common/mod.rs"]
mod common;
use common::mock::start_mock;
use common::mock::start_mock_with;
use common::mock::wait_for_jwks_refresh;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clerk::testing::{Fault, MockClerk, MockKey};
use clerk::Clerk;

const FETCH_ATTEMPTS: usize = clerk::jwks::FETCH_ATTEMPTS as usize;
/// Upper bound of the sleeps between the attempts of one failing fetch (jitter included):
/// 2 × (125 + 250 + 500 + 1000) ms.
const MAX_RETRY_SLEEP: Duration = Duration::from_millis(3750);

const REMOTE_FAILED: &str = "jwk-remote-failed-to-load";
const KID_MISMATCH: &str = "jwk-kid-mismatch";
const SECRET_KEY_INVALID: &str = "secret-key-invalid";

async fn assert_verifies(clerk: &Clerk, token: &str) {
    if let Err(err) = clerk.verify_token(token).await {
        panic!("expected the token to verify, got {}: {err}", err.reason());
    }
}

async fn assert_fails(clerk: &Clerk, token: &str, reason: &str) {
    match clerk.verify_token(token).await {
        Ok(claims) => panic!(
            "expected {reason}, but the token verified (sub {})",
            claims.subject()
        ),
        Err(err) => assert_eq!(err.reason(), reason, "unexpected error: {err}"),
    }
}

fn fetch_count(clerk: &Clerk) -> u64 {
    clerk
        .verification_keys()
        .expect("keys come from the JWKS")
        .fetch_count()
}

/// A token signed by `key`, naming its kid.
fn token_signed_by(mock: &MockClerk, key: &MockKey) -> String {
    mock.token().header("kid", key.kid()).sign_with(key)
}

/// A well-signed token whose kid is not published.
fn forged_kid(mock: &MockClerk, kid: &str) -> String {
    mock.token().header("kid", kid).sign()
}

/// A base URL where nothing listens.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Sleeps until `start + at`.
async fn sleep_until(start: Instant, at: Duration) {
    tokio::time::sleep_until((start + at).into()).await;
}
