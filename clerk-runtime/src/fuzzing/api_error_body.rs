//! `api_error_body`: see the function's documentation for the input format and the invariants.

use std::time::Duration;

use http::{HeaderMap, HeaderValue};

use crate::api::error::ClerkErrorBody;
use crate::api::transport::{error_from_response, MAX_ERROR_TEXT};

/// `api_error_body`: an error answer of the Backend API, as [`ApiError`](crate::api::ApiError).
///
/// Input: the status (16-bit little-endian), a flags byte (1 `Retry-After`, 2
/// `Clerk-Trace-Id`, 4 `cf-ray`), the value of each flagged header followed by `\0`, then
/// the body.
///
/// Invariants: deterministic; the status is kept; a Clerk JSON error body gives exactly its
/// errors and trace id, any other body gives no errors and at most 512 bytes of text; the
/// trace id falls back to the headers; `Retry-After` is whole seconds; `is_transient` is
/// 429 or 5xx; the message starts with the status and stays bounded for non-JSON bodies.
pub fn api_error_body(data: &[u8]) {
    let [lo, hi, flags, rest @ ..] = data else {
        return;
    };
    let status = u16::from_le_bytes([*lo, *hi]);
    let mut rest = rest;
    let mut headers = HeaderMap::new();
    for (bit, name) in [(1, "retry-after"), (2, "clerk-trace-id"), (4, "cf-ray")] {
        if flags & bit == 0 {
            continue;
        }
        let (value, after) = match memchr::memchr(0, rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        rest = after;
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let body = rest;
    let err = error_from_response(status, &headers, body);
    assert_eq!(err, error_from_response(status, &headers, body));
    assert_eq!(err.status(), Some(status));
    assert_eq!(
        err.is_transient(),
        status == 429 || (500..=599).contains(&status)
    );
    assert_eq!(err.is_not_found(), status == 404);

    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let expected_retry = header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    assert_eq!(err.retry_after(), expected_retry);

    let parsed = serde_json::from_slice::<ClerkErrorBody>(body)
        .ok()
        .filter(|p| !p.errors.is_empty() || p.clerk_trace_id.is_some());
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("Clerk Backend API error {status}")));
    let _ = format!("{err:?}");
    match parsed {
        Some(p) => {
            assert_eq!(err.errors(), &p.errors[..]);
            for e in &p.errors {
                assert!(err.has_code(&e.code));
            }
            assert_eq!(
                err.trace_id(),
                p.clerk_trace_id
                    .as_deref()
                    .or_else(|| header("clerk-trace-id"))
                    .or_else(|| header("cf-ray"))
            );
        }
        None => {
            assert!(err.errors().is_empty());
            let trace = header("clerk-trace-id").or_else(|| header("cf-ray"));
            assert_eq!(err.trace_id(), trace);
            let crate::api::ApiError::Response {
                body: Some(text), ..
            } = &err
            else {
                panic!("a non-JSON error body is kept as text: {err:?}");
            };
            assert!(text.len() <= MAX_ERROR_TEXT + '…'.len_utf8());
            let bound = 64 + MAX_ERROR_TEXT + trace.map_or(0, |t| t.len() + 10);
            assert!(shown.len() <= bound, "{} > {bound}", shown.len());
        }
    }
}
