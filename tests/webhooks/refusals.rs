//! Forged, tampered, malformed, stale and future deliveries are refused.

use super::*;

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
