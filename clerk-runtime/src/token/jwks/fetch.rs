//! One JWKS fetch: the request through the Backend API transport, what each attempt's
//! outcome means (retry, stop, done), and the parsing of the key set.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{JwksCache, FETCH_ATTEMPTS, MAX_JWKS_BYTES, MAX_KEYS};
use crate::api::{ApiRequest, AttemptError, CallPolicy, Failed, Jitter, Judged, RetryPolicy};
use crate::token::b64;
use crate::token::error::{TokenVerificationError, TokenVerificationErrorReason as Reason};
use crate::token::keys::VerifyingKey;

/// How the JWKS is fetched, as `@clerk/backend` does: [`FETCH_ATTEMPTS`] attempts, 125 ms
/// doubled per retry plus up to as much again of jitter, no time budget (the attempts
/// bound it), answers up to [`MAX_JWKS_BYTES`]. Which failures are retried is decided
/// by [`JwksCache::judge`].
pub(crate) const JWKS_POLICY: CallPolicy = CallPolicy {
    retry: RetryPolicy {
        max_retries: FETCH_ATTEMPTS - 1,
        initial_delay: Duration::from_millis(125),
        budget: Duration::MAX,
    },
    jitter: Jitter::Above,
    max_body_bytes: MAX_JWKS_BYTES,
};

/// The keys of one successful fetch, by kid, in the order the JWKS lists them.
pub(super) type FetchedKeys = Vec<(String, Arc<VerifyingKey>)>;

/// Why a fetch failed.
pub(super) enum Failure {
    /// May go away by itself (stale keys may serve meanwhile).
    Transient(TokenVerificationError),
    /// A refusal: the keys may have been revoked.
    Final(TokenVerificationError),
}

impl JwksCache {
    /// One fetch through the Backend API transport, retried within the JWKS policy.
    pub(super) async fn fetch(&self) -> Result<FetchedKeys, Failure> {
        let request = ApiRequest::get(&["jwks"]).without_extra_headers();
        self.transport
            .send_judged(&request, &self.settings.policy, |outcome| {
                self.fetches.fetch_add(1, Ordering::Relaxed);
                self.judge(outcome)
            })
            .await
            .map_err(|Failed { error, transient }| {
                if transient {
                    Failure::Transient(error)
                } else {
                    Failure::Final(error)
                }
            })
    }

    /// What one attempt means for the cache. Transient (retried, and stale keys may serve
    /// meanwhile): no answer, a timeout, a 5xx or 429, an answer too long or not a key set.
    /// Final (the keys may have been revoked): `clerk_key_invalid`, another 4xx, an empty
    /// key set.
    fn judge(
        &self,
        outcome: Result<Vec<u8>, AttemptError>,
    ) -> Judged<FetchedKeys, TokenVerificationError> {
        let load_failed =
            |msg: String| TokenVerificationError::new(Reason::RemoteJwkFailedToLoad, msg);
        let transient = |error| Judged::Retry { error, after: None };
        let body = match outcome {
            Ok(body) => body,
            Err(AttemptError::Http { error, .. }) => {
                return transient(load_failed(format!(
                    "Error loading Clerk JWKS: {}",
                    describe_reqwest_error(&error)
                )))
            }
            // Only an invalid URL reaches here (a JWKS cache always has a secret key and
            // checks for a runtime first): reqwest would fail it the same way.
            Err(AttemptError::Invalid(_)) => {
                return transient(load_failed(
                    "Error loading Clerk JWKS: the request failed".into(),
                ))
            }
            Err(AttemptError::TooLarge(limit)) => {
                return transient(load_failed(format!(
                    "Error loading Clerk JWKS: the response is larger than {limit} bytes"
                )))
            }
            Err(AttemptError::Status { status, body, .. }) => {
                if body_has_error_code(&body, "clerk_key_invalid") {
                    return Judged::Stop(TokenVerificationError::new(
                        Reason::InvalidSecretKey,
                        "The Backend API refused the secret key (clerk_key_invalid).",
                    ));
                }
                let err = load_failed(format!(
                    "Error loading Clerk JWKS from {} with code={status}",
                    self.settings.url
                ));
                return if (500..600).contains(&status) || status == 429 {
                    transient(err)
                } else {
                    Judged::Stop(err)
                };
            }
        };
        match parse_jwks(&body) {
            Err(msg) => transient(load_failed(msg)),
            Ok(keys) if keys.is_empty() => Judged::Stop(load_failed(
                "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com."
                    .into(),
            )),
            Ok(keys) => Judged::Done(keys),
        }
    }
}

fn describe_reqwest_error(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    }
}

pub(crate) fn body_has_error_code(body: &[u8], code: &str) -> bool {
    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<ApiErrorCode>,
    }
    #[derive(Deserialize)]
    struct ApiErrorCode {
        #[serde(default)]
        code: Option<String>,
    }
    serde_json::from_slice::<Errors>(body)
        .map(|e| e.errors.iter().any(|e| e.code.as_deref() == Some(code)))
        .unwrap_or(false)
}

/// Parses a JWKS, keeping the usable RSA signing keys and skipping anything else (other key
/// types, encryption keys, malformed entries) rather than failing the whole set.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<FetchedKeys, String> {
    #[derive(Deserialize)]
    struct Jwks {
        keys: Vec<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct RsaJwk {
        kty: String,
        #[serde(default)]
        kid: Option<String>,
        #[serde(default, rename = "use")]
        use_: Option<String>,
        #[serde(default)]
        alg: Option<String>,
        n: String,
        e: String,
    }
    let jwks: Jwks = serde_json::from_slice(body)
        .map_err(|_| "The JWKS response is not a JSON key set.".to_owned())?;
    let mut keys = Vec::new();
    for raw in jwks.keys.into_iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<RsaJwk>(raw) else {
            continue;
        };
        if jwk.kty != "RSA"
            || jwk.use_.as_deref().is_some_and(|u| u != "sig")
            || jwk.alg.as_deref().is_some_and(|a| a != "RS256")
        {
            continue;
        }
        let (Some(n), Some(e)) = (
            b64::decode_loose(jwk.n.as_bytes()),
            b64::decode_loose(jwk.e.as_bytes()),
        ) else {
            continue;
        };
        let Ok(key) = VerifyingKey::from_components(&n, &e) else {
            continue;
        };
        keys.push((jwk.kid.unwrap_or_default(), Arc::new(key)));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_parsing_skips_unusable_entries() {
        let body = br#"{"keys":[{"kty":"EC","kid":"x","crv":"P-256","x":"a","y":"b"},{"kty":"RSA","kid":"bad","n":"AQAB","e":"AQAB"},{"kty":"RSA"}]}"#;
        assert!(parse_jwks(body).unwrap().is_empty());
        assert!(parse_jwks(b"garbage").is_err());
        assert!(parse_jwks(br#"{"keys":{}}"#).is_err());
    }

    #[test]
    fn error_code_detection() {
        assert!(body_has_error_code(
            br#"{"errors":[{"code":"clerk_key_invalid"}]}"#,
            "clerk_key_invalid"
        ));
        assert!(!body_has_error_code(b"<html>", "clerk_key_invalid"));
    }
}
