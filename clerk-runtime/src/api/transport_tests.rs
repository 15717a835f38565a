//! Unit tests of `transport.rs`.
use super::*;

#[test]
fn errors_from_json_and_from_text() {
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("7"));
    headers.insert("cf-ray", HeaderValue::from_static("ray-1"));
    let err = error_from_response(
        429,
        &headers,
        br#"{"errors":[{"code":"rate_limit_exceeded","message":"Too many","long_message":"Slow down"}]}"#,
    );
    assert!(err.has_code("rate_limit_exceeded"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.trace_id(), Some("ray-1"));
    assert!(err.is_transient());
    assert!(err.to_string().contains("Slow down"));

    let err = error_from_response(502, &HeaderMap::new(), b"<html>Bad gateway</html>");
    assert_eq!(err.status(), Some(502));
    assert!(err.errors().is_empty());
    assert!(err.to_string().contains("Bad gateway"), "{err}");

    let page = b"<!DOCTYPE html>\n<html><head><title>t</title><style>p{}</style></head>\n<body><h1>504 Gateway  Time-out</h1><script>x()</script><p>cloudflare &amp; co</p></body></html>";
    let err = error_from_response(504, &HeaderMap::new(), page);
    assert_eq!(
        err.to_string(),
        "Clerk Backend API error 504: 504 Gateway Time-out cloudflare & co"
    );
    let err = error_from_response(500, &HeaderMap::new(), b"");
    assert_eq!(err.to_string(), "Clerk Backend API error 500");
    let mut headers = HeaderMap::new();
    headers.insert("clerk-trace-id", HeaderValue::from_static("hdr-trace"));
    let err = error_from_response(
        400,
        &headers,
        br#"{"errors":[{"code":"a","message":"first"},{"code":"b","message":"second"}]}"#,
    );
    assert_eq!(
        err.to_string(),
        "Clerk Backend API error 400: first (a) and 1 more [trace hdr-trace]"
    );
    assert!(err.has_code("b") && !err.has_code("c"));

    let big = "x".repeat(5000);
    let err = error_from_response(500, &HeaderMap::new(), big.as_bytes());
    assert!(err.to_string().len() < 700);
}
