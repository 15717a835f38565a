//! Key rotation and unknown kids, including floods of forged kids.

use super::*;

/// The refetch cooldown of the cooldown tests.
const COOLDOWN: Duration = Duration::from_millis(500);

#[tokio::test]
async fn rotation_new_kid_refetches_once_and_old_kid_keeps_verifying() {
    let (mock, clerk) = start_mock().await;
    let old_key = mock.current_key();
    let old_token = mock.token().sign();

    assert_verifies(&clerk, &old_token).await;
    assert_eq!(mock.jwks_requests(), 1);

    let new_kid = mock.rotate_key();
    assert_ne!(new_kid, old_key.kid());
    let new_token = mock.token().sign();
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 2, "the new kid costs one refetch");

    assert_verifies(&clerk, &old_token).await;
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 2);
    let mut kids = clerk.verification_keys().unwrap().kids();
    kids.sort();
    let mut expected = vec![old_key.kid().to_owned(), new_kid];
    expected.sort();
    assert_eq!(kids, expected);
}

#[tokio::test]
async fn removed_key_stays_valid_for_one_ttl_after_it_was_last_seen() {
    const TTL: Duration = Duration::from_millis(1000);
    let (mock, clerk) = start_mock_with(|b| {
        b.jwks_cache_ttl(TTL)
            .jwks_refetch_cooldown(Duration::from_millis(200))
    })
    .await;
    let old_key = mock.current_key();
    mock.rotate_key();
    let new_token = mock.token().sign();

    // t = 0: both keys published; the old one is last seen now.
    let t0 = Instant::now();
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_eq!(mock.jwks_requests(), 1);

    mock.remove_key(old_key.kid());
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_eq!(mock.jwks_requests(), 1, "a fresh cache is not refetched");

    // t = 0.4 s: an unknown kid refetches; the JWKS no longer has the old key, but it was
    // seen less than one TTL ago, so it is kept.
    sleep_until(t0, Duration::from_millis(400)).await;
    assert_fails(&clerk, &forged_kid(&mock, "ins_forged_1"), KID_MISMATCH).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 2);

    // t = 1.2 s: more than one TTL since the old key was last seen (the snapshot from
    // t = 0.4 s is still fresh): the old key is no longer valid.
    sleep_until(t0, Duration::from_millis(1200)).await;
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    // Its kid is now an unknown kid: one refetch (the cooldown from t = 0.4 s is over).
    assert_eq!(mock.jwks_requests(), 3);
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 3, "within the cooldown: no fetch");
    assert!(!clerk
        .verification_keys()
        .unwrap()
        .kids()
        .contains(&old_key.kid().to_owned()));
}

#[tokio::test]
async fn removed_key_fails_after_the_ttl_refresh() {
    const TTL: Duration = Duration::from_millis(300);
    let mock = MockClerk::start().await;
    let clerk = mock.clerk_builder().jwks_cache_ttl(TTL).build().unwrap();
    let old_key = mock.current_key();
    mock.rotate_key();
    let new_token = mock.token().sign();

    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 1);

    mock.remove_key(old_key.kid());
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    assert_eq!(mock.jwks_requests(), 1);

    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    // The key set is stale: the old key answers until the refresh it starts (in the
    // background) lands; that refresh drops the key last seen one TTL ago.
    assert_verifies(&clerk, &token_signed_by(&mock, &old_key)).await;
    wait_for_jwks_refresh(&clerk).await;
    assert_eq!(mock.jwks_requests(), 2);
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 2);
    // Its kid is now unknown: one refetch (the background refresh was not made for that
    // kid, so no cooldown runs), then the cooldown.
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    assert_eq!(mock.jwks_requests(), 3);
    assert_fails(&clerk, &token_signed_by(&mock, &old_key), KID_MISMATCH).await;
    assert_verifies(&clerk, &new_token).await;
    assert_eq!(mock.jwks_requests(), 3);
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_cooldown() {
    let (mock, clerk) = start_mock_with(|b| b.jwks_refetch_cooldown(COOLDOWN)).await;
    // Generating an RSA key can take a few hundred ms: do it before the clock matters.
    let stranger = mock.unpublished_key();
    let good = mock.token().sign();
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 1);

    let refetched = Instant::now();
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown_1"), KID_MISMATCH).await;
    assert_eq!(
        mock.jwks_requests(),
        2,
        "the first unknown kid refetches once"
    );

    for kid in ["ins_unknown_2", "ins_unknown_3", "ins_unknown_1"] {
        assert_fails(&clerk, &forged_kid(&mock, kid), KID_MISMATCH).await;
    }
    // A missing kid behaves like an unknown one.
    assert_fails(
        &clerk,
        &mock.token().without_header("kid").sign(),
        KID_MISMATCH,
    )
    .await;
    // A token signed by an unpublished key, with its own kid.
    assert_fails(&clerk, &token_signed_by(&mock, &stranger), KID_MISMATCH).await;
    assert_verifies(&clerk, &good).await;
    assert!(
        refetched.elapsed() < COOLDOWN,
        "the test's timing assumption"
    );
    assert_eq!(mock.jwks_requests(), 2, "within the cooldown: no fetch");

    sleep_until(refetched, COOLDOWN + Duration::from_millis(100)).await;
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown_4"), KID_MISMATCH).await;
    assert_eq!(
        mock.jwks_requests(),
        3,
        "after the cooldown: one more fetch"
    );
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown_5"), KID_MISMATCH).await;
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 3);
}

/// A new kid whose refetch fails starts the cooldown all the same; once the cooldown is over,
/// the rotated key is fetched and verifies.
#[tokio::test]
async fn rotated_kid_is_picked_up_after_the_cooldown() {
    let (mock, clerk) = start_mock_with(|b| b.jwks_refetch_cooldown(COOLDOWN)).await;
    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1);

    // Generating an RSA key can take a while: do it before the clock matters.
    mock.rotate_key();
    let rotated = mock.token().sign();

    // The refetch for the new kid fails (not retried): the cooldown starts anyway.
    mock.fail_jwks_next(1, Fault::Status(404));
    let refetched = Instant::now();
    assert_fails(&clerk, &rotated, REMOTE_FAILED).await;
    assert_eq!(mock.jwks_requests(), 2);

    // Within the cooldown: no fetch, and the kid is unknown.
    assert_fails(&clerk, &rotated, KID_MISMATCH).await;
    assert_fails(&clerk, &forged_kid(&mock, "ins_unknown"), KID_MISMATCH).await;
    assert!(
        refetched.elapsed() < COOLDOWN,
        "the test's timing assumption"
    );
    assert_eq!(mock.jwks_requests(), 2);

    sleep_until(refetched, COOLDOWN + Duration::from_millis(100)).await;
    assert_verifies(&clerk, &rotated).await;
    assert_eq!(mock.jwks_requests(), 3);
    assert_verifies(&clerk, &rotated).await;
    assert_eq!(mock.jwks_requests(), 3);
}

async fn forged_flood(clerk: &Clerk, mock: &MockClerk, n: usize) {
    let tokens: Vec<String> = (0..n)
        .map(|i| forged_kid(mock, &format!("ins_forged_{i:03}")))
        .collect();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let clerk = clerk.clone();
            tokio::spawn(async move { clerk.verify_token(&token).await.map_err(|e| e.reason()) })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        assert_eq!(result.unwrap().map(|_| ()), Err(KID_MISMATCH));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_of_forged_kids_on_a_warm_cache_costs_at_most_one_fetch() {
    let (mock, clerk) = start_mock().await;
    let good = mock.token().sign();
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 1);

    forged_flood(&clerk, &mock, 200).await;
    assert_eq!(mock.jwks_requests(), 2, "200 forged kids: one fetch");

    forged_flood(&clerk, &mock, 200).await;
    assert_verifies(&clerk, &good).await;
    assert_eq!(mock.jwks_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_of_forged_kids_on_a_cold_cache_costs_at_most_one_fetch() {
    let (mock, clerk) = start_mock().await;

    forged_flood(&clerk, &mock, 200).await;
    assert_eq!(
        mock.jwks_requests(),
        1,
        "200 forged kids on a cold cache: one fetch"
    );

    assert_verifies(&clerk, &mock.token().sign()).await;
    assert_eq!(mock.jwks_requests(), 1);
}
