//! Replays of a message id, concurrent deliveries and the replay guard.

use super::*;

#[tokio::test]
async fn replays_of_a_message_id_are_refused_with_409() {
    let (mock, server) = start_with_server().await;
    let webhook = mock.webhook("user.created", json!({"id": "user_1", "object": "user"}));

    let first = webhook.clone().send(&server.url).await;
    assert_eq!(first.status(), 200);
    // The identical request again (a captured webhook, replayed).
    let replay = webhook.clone().send(&server.url).await;
    expect_rejected(replay, 409, "replayed", &mock).await;
    // Re-signed with another timestamp but the same id (what a Svix retry looks like).
    let retry = webhook
        .clone()
        .timestamp_offset_secs(-10)
        .send(&server.url)
        .await;
    expect_rejected(retry, 409, "replayed", &mock).await;
    assert_eq!(server.count(), 1, "the handler ran once");

    // Another message with the same body is a different message.
    let other = webhook.id("msg_other").send(&server.url).await;
    assert_eq!(other.status(), 200);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn concurrent_deliveries_of_one_message_run_the_handler_once() {
    let (mock, server) = start_with_server().await;
    let webhook = mock.webhook("user.created", json!({"id": "user_1", "object": "user"}));
    let sends = (0..16).map(|_| webhook.clone().send(&server.url));
    let statuses: Vec<u16> = futures::future::join_all(sends)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn without_the_guard_replays_are_accepted_and_the_id_is_exposed() {
    let mock = MockClerk::start().await;
    let server = serve(mock.webhook_config().without_replay_guard()).await;
    let webhook = mock.webhook("user.created", json!({"id": "user_1", "object": "user"}));
    for _ in 0..2 {
        assert_eq!(webhook.clone().send(&server.url).await.status(), 200);
    }
    let events = server.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, webhook.message_id());
    assert_eq!(
        events[0].0, events[1].0,
        "same svix-id: dedupe on Webhook::id()"
    );
}

#[tokio::test]
async fn a_failing_handler_can_let_the_retry_through() {
    let mock = MockClerk::start().await;
    let attempts = Arc::new(Mutex::new(0));
    let counter = attempts.clone();
    let router = Router::new()
        .route(
            "/hook",
            post(move |webhook: Webhook| {
                let counter = counter.clone();
                async move {
                    let mut n = counter.lock().unwrap();
                    *n += 1;
                    if *n == 1 {
                        // Our database was down: ask Svix to retry, and let the retry in.
                        webhook.allow_retry();
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .layer(Extension(mock.webhook_config()));
    let url = format!("{}/hook", common::serve(router).await);
    let webhook = mock.webhook("user.updated", json!({"id": "user_1", "object": "user"}));
    assert_eq!(webhook.clone().send(&url).await.status(), 503);
    assert_eq!(webhook.clone().send(&url).await.status(), 204);
    assert_eq!(webhook.clone().send(&url).await.status(), 409);
    assert_eq!(*attempts.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_shared_guard_spans_routes() {
    let mock = MockClerk::start().await;
    let guard = ReplayGuard::with_capacity(100);
    let config = mock.webhook_config().replay_guard(guard.clone());
    let router = Router::new()
        .route("/a", post(|_: Webhook| async { "a" }))
        .route("/b", post(|_: Webhook| async { "b" }))
        .layer(Extension(config));
    let base = common::serve(router).await;
    let webhook = mock.webhook("user.created", json!({"id": "user_1"}));
    assert_eq!(
        webhook.clone().send(&format!("{base}/a")).await.status(),
        200
    );
    assert_eq!(
        webhook.clone().send(&format!("{base}/b")).await.status(),
        409
    );
    assert!(guard.contains(webhook.message_id()));
    assert_eq!(guard.len(), 1);
}
