//! Bodies after verification, oversized bodies, header names, secrets and route configuration.
//!
//! Forged, tampered, malformed, stale and future deliveries are refused.
//!
//! Replays of a message id, concurrent deliveries and the replay guard.

use super::*;

#[tokio::test]
async fn a_verified_body_that_is_not_the_expected_json_is_400_after_verification() {
    let (mock, server) = start_with_server().await;
    for body in [
        b"not json".to_vec(),
        b"{\"type\": \"user.created\", \"data\": \"user_1\"}".to_vec(),
        b"{\"data\": {}}".to_vec(),
        Vec::new(),
    ] {
        let webhook = mock.webhook("user.created", Value::Null).body(body);
        let response = webhook.clone().send(&server.url).await;
        let answer = expect_rejected(response, 400, "invalid-payload", &mock).await;
        assert_eq!(answer["message"], "the webhook payload is not valid");
        // The id was not consumed: the same message is refused for the same reason.
        let again = webhook.send(&server.url).await;
        expect_rejected(again, 400, "invalid-payload", &mock).await;
    }
    // Forged and not JSON: refused for the signature, not the payload.
    let response = mock
        .webhook("user.created", Value::Null)
        .body("not json")
        .secret(WebhookSecret::generate())
        .send(&server.url)
        .await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let mock = MockClerk::start().await;
    let server = serve(mock.webhook_config().max_body_bytes(4096)).await;
    let big = json!({"id": "user_1", "object": "user", "first_name": "x".repeat(8192)});

    // Declared by Content-Length.
    let response = mock
        .send_webhook(&server.url, "user.created", big.clone())
        .await;
    expect_rejected(response, 413, "payload-too-large", &mock).await;

    // Chunked, without Content-Length: refused while reading.
    let webhook = mock.webhook("user.created", big);
    let status = send_chunked(&server.url, &webhook.headers(), webhook.payload()).await;
    assert_eq!(status, 413);

    // Under the limit: accepted.
    let response = mock
        .send_webhook(&server.url, "user.created", json!({"id": "user_1"}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(server.count(), 1);

    // The default limit is 1 MiB.
    let default = serve(mock.webhook_config()).await;
    let response = mock
        .send_webhook(
            &default.url,
            "user.created",
            json!({"id": "user_1", "pad": "x".repeat(1024 * 1024)}),
        )
        .await;
    expect_rejected(response, 413, "payload-too-large", &mock).await;
    let response = mock
        .send_webhook(
            &default.url,
            "user.created",
            json!({"id": "user_1", "pad": "x".repeat(512 * 1024)}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

/// POSTs `body` with `Transfer-Encoding: chunked` over a raw connection; returns the status.
async fn send_chunked(url: &str, headers: &http::HeaderMap, body: &[u8]) -> u16 {
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let path = &url[url.find(&authority).unwrap() + authority.len()..];
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(1000) {
        let frame = format!("{:x}\r\n", chunk.len());
        // The server may answer and close before the whole body is sent.
        if stream.write_all(frame.as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn standard_webhooks_header_names_are_accepted() {
    let (mock, server) = start_with_server().await;
    let response = mock
        .webhook(
            "session.created",
            json!({"id": "sess_1", "object": "session"}),
        )
        .standard_headers()
        .send(&server.url)
        .await;
    assert_eq!(response.status(), 200);
    assert!(matches!(
        server.events()[0].1,
        WebhookEvent::SessionCreated(_)
    ));
}

/// As Svix (`headers["svix-id"] ?? headers["webhook-id"]`): the `webhook-*` names stand in
/// for absent `svix-*` headers only. A sender that leaves `svix-id` empty next to a valid
/// `webhook-id` is refused before the handler.
#[tokio::test]
async fn an_empty_svix_header_does_not_fall_back_to_the_standard_one() {
    let (mock, server) = start_with_server().await;
    let pairs = |map: &http::HeaderMap| -> Vec<(String, String)> {
        map.iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect()
    };
    let post = |headers: Vec<(String, String)>, body: Vec<u8>| {
        let url = server.url.clone();
        async move {
            let headers: Vec<(&str, String)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.clone()))
                .collect();
            raw_post(&url, &headers, body).await
        }
    };
    for part in ["id", "timestamp", "signature"] {
        let svix_name = format!("svix-{part}");
        let standard_name = format!("webhook-{part}");
        // A fresh message each time (the route has a replay guard).
        let webhook = || mock.webhook("user.created", json!({"id": "user_1"}));
        let with_standard = |w: &clerk::testing::MockWebhook| {
            let standard = w.clone().standard_headers().headers();
            (
                standard_name.clone(),
                standard[standard_name.as_str()]
                    .to_str()
                    .unwrap()
                    .to_owned(),
            )
        };

        // Present but empty, next to a valid webhook-* header: refused, naming the svix one.
        let w = webhook();
        let mut headers: Vec<_> = pairs(&w.headers())
            .into_iter()
            .map(|(n, v)| {
                if n == svix_name {
                    (n, String::new())
                } else {
                    (n, v)
                }
            })
            .collect();
        headers.push(with_standard(&w));
        let response = post(headers, w.payload().to_vec()).await;
        let body = expect_rejected(response, 400, "missing-header", &mock).await;
        assert!(
            body["message"].as_str().unwrap().contains(&svix_name),
            "{body}"
        );

        // Absent: the webhook-* header is read.
        let w = webhook();
        let mut headers: Vec<_> = pairs(&w.headers())
            .into_iter()
            .filter(|(n, _)| *n != svix_name)
            .collect();
        headers.push(with_standard(&w));
        assert_eq!(post(headers, w.payload().to_vec()).await.status(), 200);

        // Both present: the svix header decides; a wrong webhook-* one is not looked at.
        let w = webhook();
        let wrong = match part {
            "id" => "msg_other".to_owned(),
            "timestamp" => (now() - 3600).to_string(),
            _ => "v1,AAAA".to_owned(),
        };
        let mut headers = pairs(&w.headers());
        headers.push((standard_name.clone(), wrong));
        assert_eq!(post(headers, w.payload().to_vec()).await.status(), 200);
    }
    assert_eq!(server.count(), 6);
}

#[tokio::test]
async fn a_secret_from_the_dashboard_format_and_raw_requests() {
    // A receiver configured from the `whsec_…` string; a sender signing by hand.
    let secret = WebhookSecret::generate();
    let receiver = WebhookSecret::new(&secret.expose_secret()).unwrap();
    let server = serve(WebhookConfig::new(receiver)).await;
    let body = br#"{"type":"user.deleted","object":"event","data":{"id":"user_9","object":"user","deleted":true}}"#;
    let ts = now();
    let headers = [
        ("svix-id", "msg_hand_made".to_owned()),
        ("svix-timestamp", ts.to_string()),
        ("svix-signature", secret.sign("msg_hand_made", ts, body)),
    ];
    let response = raw_post(&server.url, &headers, body.to_vec()).await;
    assert_eq!(response.status(), 200);
    match &server.events()[0].1 {
        WebhookEvent::UserDeleted(deleted) => {
            assert_eq!(deleted.id.as_deref(), Some("user_9"));
            assert!(deleted.deleted);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_route_without_config_answers_500_and_the_extension_configures_it() {
    let mock = MockClerk::start().await;
    let bare = Router::new().route("/hook", post(|_: Webhook| async { "ok" }));
    let url = format!("{}/hook", common::serve(bare).await);
    let response = mock
        .send_webhook(&url, "user.created", json!({"id": "u"}))
        .await;
    expect_rejected(response, 500, "not-configured", &mock).await;

    let configured = Router::new()
        .route("/hook", post(|_: Webhook| async { "ok" }))
        .layer(Extension(mock.webhook_config()));
    let url = format!("{}/hook", common::serve(configured).await);
    let response = mock
        .send_webhook(&url, "user.created", json!({"id": "u"}))
        .await;
    assert_eq!(response.status(), 200);
}

/// The state's `WebhookConfig` wins over a layer's `Extension`, as the state's `Clerk` wins
/// over a `ClerkLayer`'s: it belongs to the routes that hold it, where a layer may wrap a
/// whole app. Routes whose state has none still take the layer's.
#[tokio::test]
async fn the_state_config_wins_over_the_layer_extension() {
    let mock = MockClerk::start().await;
    let other = WebhookSecret::generate();
    let seen = Seen::default();
    let with_state = Router::new()
        .route("/state", post(handler))
        .with_state(AppState {
            webhooks: mock.webhook_config(),
            seen: seen.clone(),
        });
    let router = Router::new()
        .merge(with_state)
        .route("/layer", post(|_: Webhook| async { "layer" }))
        .layer(Extension(WebhookConfig::new(other.clone())));
    let base = common::serve(router).await;
    let state_url = format!("{base}/state");
    let layer_url = format!("{base}/layer");

    // The state's secret verifies its route; the layer's does not.
    let signed_by_state = mock.webhook("user.created", json!({"id": "user_1"}));
    assert_eq!(signed_by_state.clone().send(&state_url).await.status(), 200);
    assert_eq!(seen.lock().unwrap().len(), 1);
    let signed_by_layer = mock
        .webhook("user.created", json!({"id": "user_2"}))
        .secret(other.clone());
    let response = signed_by_layer.clone().send(&state_url).await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;
    assert_eq!(seen.lock().unwrap().len(), 1);

    // A route whose state has no configuration takes the layer's.
    assert_eq!(signed_by_layer.send(&layer_url).await.status(), 200);
    let response = mock
        .webhook("user.created", json!({"id": "user_3"}))
        .send(&layer_url)
        .await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;
}

#[tokio::test]
async fn custom_payload_types_are_parsed_after_verification() {
    #[derive(serde::Deserialize)]
    struct Minimal {
        r#type: String,
        data: Value,
    }
    let mock = MockClerk::start().await;
    let router = Router::new()
        .route(
            "/hook",
            post(|webhook: Webhook<Minimal>| async move {
                format!("{} {}", webhook.r#type, webhook.data["id"])
            }),
        )
        .route(
            "/raw",
            post(|webhook: Webhook<Value>| async move { webhook["type"].to_string() }),
        )
        .layer(Extension(mock.webhook_config()));
    let base = common::serve(router).await;
    let response = mock
        .send_webhook(
            &format!("{base}/hook"),
            "role.created",
            json!({"id": "role_1"}),
        )
        .await;
    assert_eq!(response.text().await.unwrap(), "role.created \"role_1\"");
    let response = mock
        .send_webhook(&format!("{base}/raw"), "user.created", json!({}))
        .await;
    assert_eq!(response.text().await.unwrap(), "\"user.created\"");
}

#[tokio::test]
async fn forged_signatures_are_refused_with_400_before_the_handler() {
    let (mock, server) = start_with_server().await;
    let data = json!({"id": "user_1", "object": "user"});

    // Signed with another secret.
    let response = mock
        .webhook("user.created", data.clone())
        .secret(WebhookSecret::generate())
        .send(&server.url)
        .await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;

    // A made-up signature, an empty v1 entry, a truncated one.
    for signature in [
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned(),
        "v1,".to_owned(),
        "garbage".to_owned(),
    ] {
        let response = mock
            .webhook("user.created", data.clone())
            .signature(signature)
            .send(&server.url)
            .await;
        expect_rejected(response, 400, "no-matching-signature", &mock).await;
    }

    // The right signature under another version only (`v1a`, `v2`).
    let webhook = mock.webhook("user.created", data.clone());
    let b64 = webhook.computed_signature()[3..].to_owned();
    for signature in [format!("v1a,{b64}"), format!("v2,{b64}")] {
        let response = webhook.clone().signature(signature).send(&server.url).await;
        expect_rejected(response, 400, "no-matching-signature", &mock).await;
    }
    assert_eq!(server.count(), 0, "no forged webhook reached the handler");

    // Several entries, one of them right (a secret rotation): accepted. `v1a` ignored.
    let webhook = mock.webhook("user.created", data.clone());
    let good = webhook.computed_signature();
    let other = WebhookSecret::generate().sign(webhook.message_id(), now(), b"{}");
    let response = webhook
        .signature(format!("v1a,{b64} {other} {good} v1,AAAA"))
        .send(&server.url)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_body_tampered_after_signing_is_refused() {
    let (mock, server) = start_with_server().await;
    let webhook = mock.webhook("user.created", json!({"id": "user_1", "object": "user"}));
    let signature = webhook.computed_signature();
    let tampered = String::from_utf8(webhook.payload().to_vec())
        .unwrap()
        .replace("user_1", "user_2");
    let response = webhook
        .body(tampered)
        .signature(signature)
        .send(&server.url)
        .await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;

    // One trailing byte is enough.
    let webhook = mock.webhook("user.created", json!({"id": "user_1", "object": "user"}));
    let signature = webhook.computed_signature();
    let mut body = webhook.payload().to_vec();
    body.push(b' ');
    let response = webhook
        .body(body)
        .signature(signature)
        .send(&server.url)
        .await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn missing_and_malformed_headers_are_refused() {
    let (mock, server) = start_with_server().await;
    let webhook = mock.webhook("user.created", json!({"id": "user_1"}));
    let all = webhook.headers();
    for name in ["svix-id", "svix-timestamp", "svix-signature"] {
        let headers: Vec<(&str, String)> = all
            .iter()
            .filter(|(n, _)| n.as_str() != name)
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap().to_owned()))
            .collect();
        let response = raw_post(&server.url, &headers, webhook.payload().to_vec()).await;
        let body = expect_rejected(response, 400, "missing-header", &mock).await;
        assert!(body["message"].as_str().unwrap().contains(name), "{body}");
    }
    // No headers at all.
    let response = raw_post(&server.url, &[], webhook.payload().to_vec()).await;
    expect_rejected(response, 400, "missing-header", &mock).await;
    // A timestamp that is not an integer.
    for ts in ["soon", "1.5e9", "-5"] {
        let headers: Vec<(&str, String)> = all
            .iter()
            .map(|(n, v)| {
                let value = if n == "svix-timestamp" {
                    ts.to_owned()
                } else {
                    v.to_str().unwrap().to_owned()
                };
                (n.as_str(), value)
            })
            .collect();
        let response = raw_post(&server.url, &headers, webhook.payload().to_vec()).await;
        expect_rejected(response, 400, "invalid-timestamp", &mock).await;
    }
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused() {
    let (mock, server) = start_with_server().await;
    let data = json!({"id": "user_1", "object": "user"});
    for (offset, reason) in [
        (-301, "timestamp-too-old"),
        (-3600, "timestamp-too-old"),
        (301, "timestamp-too-new"),
        (86_400, "timestamp-too-new"),
    ] {
        // Correctly signed, with that timestamp.
        let response = mock
            .webhook("user.created", data.clone())
            .timestamp_offset_secs(offset)
            .send(&server.url)
            .await;
        expect_rejected(response, 400, reason, &mock).await;
    }
    // A stale message re-signed... is only possible with the secret; an old signature on
    // a fresh timestamp does not verify.
    let stale = mock
        .webhook("user.created", data.clone())
        .timestamp_offset_secs(-600);
    let old_signature = stale.computed_signature();
    let response = stale
        .timestamp(now())
        .signature(old_signature)
        .send(&server.url)
        .await;
    expect_rejected(response, 400, "no-matching-signature", &mock).await;
    assert_eq!(server.count(), 0);

    // Within the tolerance, both ways.
    for offset in [-290, 290] {
        let response = mock
            .webhook("user.created", data.clone())
            .timestamp_offset_secs(offset)
            .send(&server.url)
            .await;
        assert_eq!(response.status(), 200, "{offset}");
    }
}

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
