//! Misuse that must not panic: verification outside a Tokio runtime.

use std::time::Duration;

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

/// A stale key set is refreshed in the background on the Tokio runtime; without one there
/// is nothing to refresh on, so the request falls back to waiting for a fetch (which
/// cannot run: a clear error, as on a cold cache, and no panic). On the runtime the same
/// stale key set answers at once.
#[test]
fn stale_key_set_outside_a_tokio_runtime_waits_instead_of_spawning() {
    const TTL: Duration = Duration::from_millis(200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(MockClerk::start());
    let clerk = mock
        .clerk_builder()
        .jwks_cache_ttl(TTL)
        .disable_token_cache()
        .build()
        .unwrap();
    let token = mock.token().sign();
    rt.block_on(clerk.verify_token(&token)).unwrap();
    std::thread::sleep(TTL + Duration::from_millis(100));

    let err = futures::executor::block_on(clerk.verify_token(&token)).unwrap_err();
    assert_eq!(err.reason(), "jwk-remote-failed-to-load");
    let keys = clerk.verification_keys().unwrap();
    assert!(!keys.background_refresh_running());
    assert_eq!(mock.jwks_requests(), 1);

    rt.block_on(async {
        clerk.verify_token(&token).await.unwrap();
        while keys.background_refresh_running() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    assert_eq!(mock.jwks_requests(), 2);
}
