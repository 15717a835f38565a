//! Property-test configuration.

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

/// A current-thread runtime for the SDK calls of a property, and a mock started on it.
pub fn runtime_and_mock() -> (tokio::runtime::Runtime, clerk::testing::MockClerk) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(clerk::testing::MockClerk::start());
    (rt, mock)
}
