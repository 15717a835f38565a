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

/// A small deterministic generator (Knuth's MMIX LCG), enough for reproducible garbage.
/// Each binary adds the draws it needs in its own `impl Lcg`.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}
