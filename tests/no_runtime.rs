//! Misuse that must not panic: verification outside a Tokio runtime.

use clerk::testing::MockClerk;

#[test]
fn cold_verification_outside_a_tokio_runtime_fails_instead_of_panicking() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(MockClerk::start());
    let clerk = mock.clerk_builder().disable_token_cache().build().unwrap();
    let token = mock.token().sign();
    // Cold cache, no runtime: reqwest cannot run; a clear error, no panic.
    let err = futures::executor::block_on(clerk.verify_token(&token)).unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    // Warm, the same call works without a runtime (no I/O needed).
    rt.block_on(clerk.verify_token(&token)).unwrap();
    futures::executor::block_on(clerk.verify_token(&token)).unwrap();
}
