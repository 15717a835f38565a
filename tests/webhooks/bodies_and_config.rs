//! Bodies after verification, oversized bodies, header names, secrets and route configuration.

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
