//! Servers share cached users; webhooks and `forget_user` invalidate them; bad data is dropped.

use super::*;

/// Server A loads the user from the Backend API, server B gets it from Redis; a
/// `user.updated` webhook received by A makes B see the change at once; a `user.deleted`
/// one makes B refuse the user. Another namespace on the same Redis shares nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: .ci/run runs it with --ignored after installing it"]
async fn two_servers_share_users_and_webhooks_invalidate_them() {
    let (redis, mock, user, token) = fleet_with_ada().await;

    let cache_a = cache_builder(&redis, &mock).connect().await.unwrap();
    let cache_b = cache_builder(&redis, &mock).connect().await.unwrap();
    let a = App::start(&mock, &cache_a).await;
    let b = App::start(&mock, &cache_b).await;
    let ada_json = json!({"id": user.id, "first_name": "Ada"});

    // A: one Backend API call, and the user is in Redis, as JSON, with the TTL.
    assert_eq!(a.profile(&token).await, (200, ada_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 1);
    let key = cache_a.key(&user.id);
    assert!(key.starts_with("clerk:user:") && key.ends_with(&format!(":{}", user.id)));
    let stored: Value = serde_json::from_str(&redis.cmd(&["GET", &key])).unwrap();
    assert_eq!(stored["first_name"], "Ada");
    let pttl: u64 = redis.cmd(&["PTTL", &key]).parse().unwrap();
    assert!(pttl > 50_000 && pttl <= 60_000, "PTTL {pttl}");

    // B: served from Redis, no call.
    assert_eq!(b.profile(&token).await, (200, ada_json.clone()));
    for _ in 0..3 {
        assert_eq!(a.profile(&token).await.0, 200);
        assert_eq!(b.profile(&token).await.0, 200);
    }
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // The user changes in Clerk; until the webhook arrives, the fleet serves the cached copy.
    mock.merge_into_user(&user.id, json!({"first_name": "Grace"}))
        .unwrap();
    assert_eq!(b.profile(&token).await, (200, ada_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // `user.updated` delivered to A: B sees the change on its very next request.
    let status = deliver_user_updated(&mock, &a.webhook_url(), &user.id).await;
    assert_eq!(status, 204);
    let grace_json = json!({"id": user.id, "first_name": "Grace"});
    assert_eq!(b.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 2);
    // For the invalidation hold (1 s here), copies are not stored: a copy loaded just
    // before the change cannot come back. Then the cache fills again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(a.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 3);
    assert_eq!(b.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(a.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 3);

    // Another Clerk instance (namespace) on the same Redis: its own entries.
    let other_cache = cache_builder(&redis, &mock)
        .namespace("another-instance")
        .connect()
        .await
        .unwrap();
    assert_ne!(other_cache.key(&user.id), key);
    let other = App::start(&mock, &other_cache).await;
    assert_eq!(other.profile(&token).await, (200, grace_json.clone()));
    assert_eq!(user_fetches(&mock, &user.id), 4);

    // Deleted in Clerk, then `user.deleted` delivered to B: A refuses the user at once.
    mock.clerk().users().delete(&user.id).await.unwrap();
    assert_eq!(a.profile(&token).await.0, 200, "still cached");
    let status = deliver(
        &mock,
        &b.webhook_url(),
        "user.deleted",
        json!({"object": "user", "id": user.id, "deleted": true}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(a.profile(&token).await.0, 401);
    assert_eq!(b.profile(&token).await.0, 401);

    // Other events leave the cache alone.
    let status = deliver(
        &mock,
        &a.webhook_url(),
        "session.created",
        json!({"id": "sess_1", "object": "session", "user_id": user.id}),
    )
    .await;
    assert_eq!(status, 204);
}

/// Clerk::forget_user / invalidate_user reach every server; unreadable or foreign
/// data in Redis is never served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server: .ci/run runs it with --ignored after installing it"]
async fn forget_user_and_bad_data() {
    let (redis, mock, user, token) = fleet_with_ada().await;
    let cache_a = cache_builder(&redis, &mock)
        .invalidation_hold(Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let cache_b = cache_builder(&redis, &mock)
        .invalidation_hold(Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let clerk_a = mock
        .clerk_builder()
        .user_cache(Arc::new(cache_a.clone()))
        .build()
        .unwrap();
    let b = App::start(&mock, &cache_b).await;

    assert_eq!(clerk_a.load_user(&user.id).await.unwrap().id, user.id);
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 1);

    // invalidate_user waits for Redis: B misses right after.
    clerk_a.invalidate_user(&user.id).await.unwrap();
    assert_eq!(redis.cmd(&["EXISTS", &cache_a.key(&user.id)]), "0");
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 2);

    // forget_user (synchronous) finishes in the background.
    clerk_a.forget_user(&user.id);
    let deadline = Instant::now() + Duration::from_secs(2);
    while redis.cmd(&["EXISTS", &cache_a.key(&user.id)]) != "0" {
        assert!(Instant::now() < deadline, "forget_user did not reach Redis");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(b.profile(&token).await.0, 200);
    assert_eq!(user_fetches(&mock, &user.id), 3);

    // Garbage under the key: a miss (logged), the Backend API answers, the entry is
    // replaced.
    redis.cmd(&["SET", &cache_a.key(&user.id), "{not json"]);
    assert_eq!(
        b.profile(&token).await,
        (200, json!({"id": user.id, "first_name": "Ada"}))
    );
    assert_eq!(user_fetches(&mock, &user.id), 4);
    let stored: Value = serde_json::from_str(&redis.cmd(&["GET", &cache_a.key(&user.id)])).unwrap();
    assert_eq!(stored["id"], json!(user.id));

    // Another user's JSON under this user's key: never served.
    let mut mallory = stored.clone();
    mallory["id"] = json!("user_mallory");
    mallory["first_name"] = json!("Mallory");
    redis.cmd(&["SET", &cache_a.key(&user.id), &mallory.to_string()]);
    assert_eq!(
        b.profile(&token).await,
        (200, json!({"id": user.id, "first_name": "Ada"}))
    );
    assert_eq!(user_fetches(&mock, &user.id), 5);
    assert!(
        log_text().contains("asked for user"),
        "the mismatch is logged"
    );
}
