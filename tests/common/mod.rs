//! Helpers shared by the integration tests (each test binary uses a subset).
#![allow(dead_code)]

use clerk::api::{ApiError, Metadata};
use serde_json::Value;

/// Serves `router` on `127.0.0.1:0` and returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A JSON object literal as `Metadata`.
pub fn meta(value: Value) -> Metadata {
    value.as_object().cloned().expect("a JSON object")
}

/// Asserts the status and code of an API error, and returns its `meta.param_name`.
pub fn expect_error(err: &ApiError, status: u16, code: &str) -> Option<String> {
    assert_eq!(err.status(), Some(status), "unexpected error: {err:?}");
    assert!(err.has_code(code), "expected code {code}, got {err:?}");
    assert!(err.trace_id().is_some(), "no clerk_trace_id in {err:?}");
    err.errors()
        .first()?
        .meta
        .as_ref()?
        .get("param_name")?
        .as_str()
        .map(str::to_owned)
}

/// Collects everything a `tracing` subscriber writes, for assertions on log output.
#[derive(Clone, Default)]
pub struct LogCapture(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Property-test cases: `PROPTEST_CASES` when set, else `default`.
pub fn prop_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A proptest runner for `cases` cases that writes no failure-persistence files.
pub fn prop_runner(cases: u32) -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..Default::default()
    })
}
