//! Unit tests of the webhook module: Svix's published vectors, header and timestamp
//! rules, signature lists, secrets, events and their fixtures.

use http::HeaderMap;
use serde_json::{json, Value};

use super::*;

/// The Standard Webhooks specification's published vector (Svix's scheme).
const VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const VECTOR_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const VECTOR_TS: i64 = 1614265330;
const VECTOR_BODY: &[u8] = br#"{"test": 2432232314}"#;
const VECTOR_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn headers(prefix: &str, id: &str, ts: &str, signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        http::HeaderName::try_from(format!("{prefix}-id")).unwrap(),
        id.parse().unwrap(),
    );
    h.insert(
        http::HeaderName::try_from(format!("{prefix}-timestamp")).unwrap(),
        ts.parse().unwrap(),
    );
    h.insert(
        http::HeaderName::try_from(format!("{prefix}-signature")).unwrap(),
        signature.parse().unwrap(),
    );
    h
}

fn vector_headers(signature: &str) -> HeaderMap {
    headers("svix", VECTOR_ID, &VECTOR_TS.to_string(), signature)
}

#[test]
fn standard_webhooks_vector_signs_and_verifies() {
    let secret = WebhookSecret::new(VECTOR_SECRET).unwrap();
    assert_eq!(
        secret.sign(VECTOR_ID, VECTOR_TS, VECTOR_BODY),
        VECTOR_SIGNATURE
    );
    assert_eq!(
        verify_at(
            &vector_headers(VECTOR_SIGNATURE),
            VECTOR_BODY,
            &secret,
            VECTOR_TS
        ),
        Ok(())
    );
    // The same with the Standard Webhooks header names, and with the secret as a string.
    let standard = headers("webhook", VECTOR_ID, "1614265330", VECTOR_SIGNATURE);
    assert_eq!(
        verify_at(&standard, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
        Ok(())
    );
    // And with the bare base64 secret, as Svix's libraries accept it.
    let bare = VECTOR_SECRET.trim_start_matches("whsec_");
    assert_eq!(
        verify_at(&standard, VECTOR_BODY, &bare.to_owned(), VECTOR_TS),
        Ok(())
    );
}

#[test]
fn svix_rust_library_vector() {
    // From the tests of Svix's Rust library (`svix` crate, `webhooks.rs`).
    let secret = WebhookSecret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    assert_eq!(
        secret.sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
    // Its "no verify" case: a well-formed signature that is not the payload's.
    let h = headers(
        "svix",
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        "1649367553",
        "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
    );
    assert_eq!(
        verify_at(&h, body, &secret, 1649367553),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn timestamp_tolerance_is_five_minutes_both_ways_inclusive() {
    let h = vector_headers(VECTOR_SIGNATURE);
    let check = |now| verify_at(&h, VECTOR_BODY, VECTOR_SECRET, now);
    assert_eq!(check(VECTOR_TS + 300), Ok(()));
    assert_eq!(check(VECTOR_TS + 301), Err(WebhookError::TimestampTooOld));
    assert_eq!(check(VECTOR_TS - 300), Ok(()));
    assert_eq!(check(VECTOR_TS - 301), Err(WebhookError::TimestampTooNew));
    assert_eq!(
        check(VECTOR_TS + 86_400 * 365),
        Err(WebhookError::TimestampTooOld)
    );
}

#[test]
fn the_timestamp_is_signed() {
    // A fresh timestamp on an old signature does not verify.
    let h = headers("svix", VECTOR_ID, "1614265331", VECTOR_SIGNATURE);
    assert_eq!(
        verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn invalid_timestamps_are_refused() {
    for ts in [
        "abc",
        "-1",
        "1614265330.0",
        "1e9",
        "99999999999999999999",
        "0x10",
    ] {
        let h = headers("svix", VECTOR_ID, ts, VECTOR_SIGNATURE);
        assert_eq!(
            verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
            Err(WebhookError::InvalidTimestamp),
            "{ts}"
        );
    }
}

#[test]
fn missing_or_empty_headers_are_named() {
    let full = vector_headers(VECTOR_SIGNATURE);
    for (name, expected) in [
        ("svix-id", "svix-id"),
        ("svix-timestamp", "svix-timestamp"),
        ("svix-signature", "svix-signature"),
    ] {
        let mut h = full.clone();
        h.remove(name);
        assert_eq!(
            verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
            Err(WebhookError::MissingHeader(expected))
        );
        let mut h = full.clone();
        h.insert(name, "  ".parse().unwrap());
        assert_eq!(
            verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
            Err(WebhookError::MissingHeader(expected))
        );
    }
    let mut h = full.clone();
    h.insert(
        "svix-id",
        http::HeaderValue::from_bytes(b"msg_\xff").unwrap(),
    );
    assert_eq!(
        verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
        Err(WebhookError::InvalidHeader("svix-id"))
    );
}

#[test]
fn svix_headers_win_over_standard_ones() {
    let mut h = vector_headers(VECTOR_SIGNATURE);
    h.insert("webhook-id", "msg_other".parse().unwrap());
    h.insert("webhook-signature", "v1,AAAA".parse().unwrap());
    assert_eq!(verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS), Ok(()));
    // Mixed: a missing svix header falls back to its webhook-* equivalent.
    let mut h = vector_headers(VECTOR_SIGNATURE);
    h.remove("svix-timestamp");
    h.insert("webhook-timestamp", "1614265330".parse().unwrap());
    assert_eq!(verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS), Ok(()));
}

/// Svix reads `headers["svix-id"] ?? headers["webhook-id"]` (svix `webhook.ts`,
/// `Webhook.verify`): the `webhook-*` name is a fallback for an absent `svix-*` header
/// only. A present but empty `svix-*` header is missing, whatever the `webhook-*` one says.
#[test]
fn standard_names_are_read_only_when_the_svix_header_is_absent() {
    let verify = |h: &HeaderMap| verify_at(h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS);
    let standard = headers("webhook", VECTOR_ID, "1614265330", VECTOR_SIGNATURE);
    for (name, standard_name) in [
        ("svix-id", "webhook-id"),
        ("svix-timestamp", "webhook-timestamp"),
        ("svix-signature", "webhook-signature"),
    ] {
        // Absent: the valid `webhook-*` header is read.
        let mut h = vector_headers(VECTOR_SIGNATURE);
        h.remove(name);
        h.insert(standard_name, standard[standard_name].clone());
        assert_eq!(verify(&h), Ok(()), "{name} absent");
        // Present and empty (or blank): refused, the `webhook-*` header is not read.
        for empty in ["", " ", "\t"] {
            let mut h = vector_headers(VECTOR_SIGNATURE);
            h.insert(name, empty.parse().unwrap());
            h.insert(standard_name, standard[standard_name].clone());
            assert_eq!(
                verify(&h),
                Err(WebhookError::MissingHeader(name)),
                "{name} = {empty:?}"
            );
        }
        // Both present and valid-looking: the `svix-*` one decides, even when it is wrong.
        let mut h = vector_headers(VECTOR_SIGNATURE);
        h.insert(standard_name, standard[standard_name].clone());
        assert_eq!(verify(&h), Ok(()), "both {name}");
        let mut wrong = vector_headers(VECTOR_SIGNATURE);
        let bad = match name {
            "svix-id" => "msg_other",
            "svix-timestamp" => "1614265331",
            _ => "v1,AAAA",
        };
        wrong.insert(name, bad.parse().unwrap());
        wrong.insert(standard_name, standard[standard_name].clone());
        assert_eq!(
            verify(&wrong),
            Err(WebhookError::NoMatchingSignature),
            "svix {name} wrong, webhook right"
        );
    }
    // Only the `webhook-*` names, one of them empty: missing, named by its `svix-*` name.
    let mut h = standard.clone();
    h.insert("webhook-id", "".parse().unwrap());
    assert_eq!(verify(&h), Err(WebhookError::MissingHeader("svix-id")));
}

#[test]
fn signature_lists() {
    let ok = |sig: &str| verify_at(&vector_headers(sig), VECTOR_BODY, VECTOR_SECRET, VECTOR_TS);
    let good = VECTOR_SIGNATURE;
    let good_b64 = good.trim_start_matches("v1,");
    // One of several entries matching is enough (secret rotation).
    assert_eq!(
        ok(&format!(
            "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ= {good} v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE="
        )),
        Ok(())
    );
    assert_eq!(ok(&format!("  {good}  ")), Ok(()));
    // Only `v1` entries count: the right value under another version does not.
    for sig in [
        format!("v1a,{good_b64}"),
        format!("v2,{good_b64}"),
        format!("V1,{good_b64}"),
        good_b64.to_owned(),
        "v1,".to_owned(),
        good[..8].to_owned(),
        format!("{good}="),
        format!("v1,{}", &good_b64[..good_b64.len() - 1]),
        format!("v1,{good_b64},extra"),
        format!("v1a,{good_b64} v1,AAAA"),
    ] {
        assert_eq!(ok(&sig), Err(WebhookError::NoMatchingSignature), "{sig}");
    }
    // A v1a (asymmetric) entry next to a valid v1 one is ignored, not an error.
    assert_eq!(ok(&format!("v1a,bm90IGEgc2lnbmF0dXJl {good}")), Ok(()));
}

#[test]
fn tampering_with_the_body_or_the_id_fails() {
    let h = vector_headers(VECTOR_SIGNATURE);
    assert_eq!(
        verify_at(&h, br#"{"test": 2432232315}"#, VECTOR_SECRET, VECTOR_TS),
        Err(WebhookError::NoMatchingSignature)
    );
    assert_eq!(
        verify_at(&h, br#"{"test":2432232314}"#, VECTOR_SECRET, VECTOR_TS),
        Err(WebhookError::NoMatchingSignature)
    );
    let h = headers("svix", "msg_other", "1614265330", VECTOR_SIGNATURE);
    assert_eq!(
        verify_at(&h, VECTOR_BODY, VECTOR_SECRET, VECTOR_TS),
        Err(WebhookError::NoMatchingSignature)
    );
    let other = WebhookSecret::generate();
    assert_eq!(
        verify_at(
            &vector_headers(VECTOR_SIGNATURE),
            VECTOR_BODY,
            &other,
            VECTOR_TS
        ),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn secrets() {
    assert!(WebhookSecret::new(VECTOR_SECRET).is_ok());
    assert!(WebhookSecret::new(&format!("  {VECTOR_SECRET}\n")).is_ok());
    assert!(WebhookSecret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    for bad in ["", "   ", "whsec_", "whsec_not base64!", "whsec_@@@@"] {
        assert!(
            matches!(WebhookSecret::new(bad), Err(WebhookError::InvalidSecret(_))),
            "{bad:?}"
        );
    }
    assert!(WebhookSecret::from_bytes(Vec::new()).is_err());
    let secret = WebhookSecret::new(VECTOR_SECRET).unwrap();
    assert_eq!(secret.expose_secret(), VECTOR_SECRET);
    let debug = format!("{secret:?} {:?}", WebhookConfig::new(secret.clone()));
    assert!(!debug.contains("MfKQ9r8G"), "{debug}");
    assert_eq!(
        verify_at(
            &vector_headers(VECTOR_SIGNATURE),
            VECTOR_BODY,
            "whsec_!!",
            VECTOR_TS
        ),
        Err(WebhookError::InvalidSecret("not base64 after `whsec_`"))
    );
    let generated = WebhookSecret::generate();
    let round_trip = WebhookSecret::new(&generated.expose_secret()).unwrap();
    assert_eq!(
        generated.sign("msg_1", 1, b"x"),
        round_trip.sign("msg_1", 1, b"x")
    );
}

#[test]
fn verify_event_parses_after_verifying() {
    let secret = WebhookSecret::generate();
    let now = verify::unix_now();
    let body = br#"{"type":"user.deleted","object":"event","data":{"id":"user_1","object":"user","deleted":true}}"#;
    let h = headers(
        "svix",
        "msg_1",
        &now.to_string(),
        &secret.sign("msg_1", now, body),
    );
    match verify_event::<WebhookEvent>(&h, body, &secret).unwrap() {
        WebhookEvent::UserDeleted(d) => assert_eq!(d.id.as_deref(), Some("user_1")),
        other => panic!("{other:?}"),
    }
    let not_json = b"not json";
    let h = headers(
        "svix",
        "msg_2",
        &now.to_string(),
        &secret.sign("msg_2", now, not_json),
    );
    assert!(matches!(
        verify_event::<WebhookEvent>(&h, not_json, &secret),
        Err(WebhookError::InvalidPayload(_))
    ));
    // A forged body is refused before it is parsed.
    assert_eq!(
        verify_event::<Value>(&h, b"{}", &secret).unwrap_err(),
        WebhookError::NoMatchingSignature
    );
}

#[test]
fn error_codes_and_statuses() {
    use axum::response::IntoResponse;
    let cases = [
        (
            WebhookError::MissingHeader("svix-id"),
            400,
            "missing-header",
        ),
        (
            WebhookError::InvalidHeader("svix-id"),
            400,
            "invalid-header",
        ),
        (WebhookError::InvalidTimestamp, 400, "invalid-timestamp"),
        (WebhookError::TimestampTooOld, 400, "timestamp-too-old"),
        (WebhookError::TimestampTooNew, 400, "timestamp-too-new"),
        (
            WebhookError::NoMatchingSignature,
            400,
            "no-matching-signature",
        ),
        (WebhookError::Replayed, 409, "replayed"),
        (
            WebhookError::PayloadTooLarge { limit: 1 },
            413,
            "payload-too-large",
        ),
        (WebhookError::BodyUnreadable, 400, "body-unreadable"),
        (
            WebhookError::InvalidPayload("x".into()),
            400,
            "invalid-payload",
        ),
        (WebhookError::InvalidSecret("x"), 500, "invalid-secret"),
        (WebhookError::MissingSecret, 500, "missing-secret"),
        (WebhookError::NotConfigured, 500, "not-configured"),
    ];
    for (err, status, reason) in cases {
        assert_eq!(err.status().as_u16(), status, "{err:?}");
        assert_eq!(err.reason(), reason);
        assert_eq!(err.clone().into_response().status().as_u16(), status);
    }
    assert!(WebhookError::NoMatchingSignature.is_verification_failure());
    assert!(!WebhookError::Replayed.is_verification_failure());
}

// ---- events ----

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name))
    };
}

fn parse(payload: &str) -> WebhookEvent {
    serde_json::from_str(payload).unwrap_or_else(|e| panic!("{e}"))
}

/// Serializes and reads back: the same event.
fn round_trip(event: &WebhookEvent) {
    let json = serde_json::to_string(event).unwrap();
    let back: WebhookEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, event);
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["object"], "event");
    assert_eq!(value["type"], event.event_type());
}

#[test]
fn fixtures_read_as_their_typed_variants_and_round_trip() {
    let cases: &[(&str, &str)] = &[
        (fixture!("user_created.json"), "user.created"),
        (
            fixture!("user_created_documented_shape.json"),
            "user.created",
        ),
        (fixture!("user_updated.json"), "user.updated"),
        (fixture!("user_deleted.json"), "user.deleted"),
        (fixture!("session_created.json"), "session.created"),
        (fixture!("session_ended.json"), "session.ended"),
        (
            fixture!("organization_created.json"),
            "organization.created",
        ),
        (
            fixture!("organization_deleted.json"),
            "organization.deleted",
        ),
        (
            fixture!("organization_membership_created.json"),
            "organizationMembership.created",
        ),
        (
            fixture!("organization_invitation_accepted.json"),
            "organizationInvitation.accepted",
        ),
    ];
    for (payload, event_type) in cases {
        let event = parse(payload);
        assert_eq!(event.event_type(), *event_type);
        assert!(!event.is_unknown(), "{event_type}");
        let raw: Value = serde_json::from_str(payload).unwrap();
        assert_eq!(
            event.object_id(),
            raw["data"]["id"].as_str(),
            "{event_type}"
        );
        round_trip(&event);
        let envelope: EventEnvelope = serde_json::from_str(payload).unwrap();
        assert_eq!(envelope.event_type, *event_type);
        assert_eq!(envelope.object, "event");
        assert_eq!(envelope.timestamp, raw["timestamp"].as_i64());
        assert_eq!(envelope.instance_id.as_deref(), raw["instance_id"].as_str());
    }
}

#[test]
fn full_user_created_keeps_every_field() {
    let WebhookEvent::UserCreated(user) = parse(fixture!("user_created.json")) else {
        panic!("not user.created");
    };
    let raw: Value = serde_json::from_str(fixture!("user_created.json")).unwrap();
    // Same as reading the data with the strict API model.
    let strict: crate::api::User = serde_json::from_value(raw["data"].clone()).unwrap();
    assert_eq!(user, strict);
    assert_eq!(user.first_name.as_deref(), Some("Ada"));
}

#[test]
fn documented_user_created_shape_reads_with_zero_values_for_absent_fields() {
    let payload = fixture!("user_created_documented_shape.json");
    let WebhookEvent::UserCreated(user) = parse(payload) else {
        panic!("not user.created");
    };
    assert_eq!(user.id, "user_2gH0pKx1Q2w3E4r5T6y7U8i9O0");
    assert_eq!(user.first_name.as_deref(), Some("Grace"));
    assert_eq!(user.external_id.as_deref(), Some("881234"));
    assert_eq!(user.email_addresses.len(), 1);
    let email = &user.email_addresses[0];
    assert_eq!(email.email_address, "grace@example.org");
    assert!(!email.reserved);
    assert_eq!(email.created_at, 0);
    assert_eq!(
        email
            .verification
            .as_ref()
            .and_then(|v| v.strategy.as_deref()),
        Some("ticket")
    );
    assert!(!user.has_image && !user.banned && !user.locked);
    assert!(user.passkeys.is_empty() && user.saml_accounts.is_empty());
    assert!(user.password_enabled);
    let envelope: EventEnvelope = serde_json::from_str(payload).unwrap();
    assert_eq!(envelope.client_ip(), Some("0.0.0.0"));
    assert!(envelope.user_agent().unwrap().starts_with("Mozilla/5.0"));
}

#[test]
fn unknown_types_keep_their_data_and_never_fail() {
    let payload = fixture!("email_created.json");
    let event = parse(payload);
    let raw: Value = serde_json::from_str(payload).unwrap();
    match &event {
        WebhookEvent::Unknown { r#type, data } => {
            assert_eq!(r#type, "email.created");
            assert_eq!(data, &raw["data"]);
        }
        other => panic!("{other:?}"),
    }
    round_trip(&event);
    for payload in [
        json!({"type": "role.created"}),
        json!({"type": "x", "data": null}),
        json!({"type": "x", "data": [1, 2]}),
        json!({"type": "x", "data": "text", "object": 5, "timestamp": "soon"}),
        json!({"type": "", "data": {}}),
        json!({"type": "subscriptionItem.past_due", "data": {"id": "csubi_1"}}),
    ] {
        let event: WebhookEvent = serde_json::from_value(payload.clone()).unwrap();
        assert!(event.is_unknown(), "{payload}");
        assert_eq!(event.event_type(), payload["type"].as_str().unwrap());
        round_trip(&event);
    }
}

#[test]
fn known_types_with_unusable_data_are_errors() {
    for payload in [
        json!({"data": {}}),
        json!({"type": 5, "data": {}}),
        json!({"type": "user.created"}),
        json!({"type": "user.created", "data": null}),
        json!({"type": "user.created", "data": "user_1"}),
        json!({"type": "user.created", "data": {"id": 42}}),
        json!({"type": "session.ended", "data": {"id": "sess_1", "expire_at": "tomorrow"}}),
    ] {
        assert!(
            serde_json::from_value::<WebhookEvent>(payload.clone()).is_err(),
            "{payload}"
        );
    }
}

#[test]
fn every_known_type_has_a_variant() {
    for event_type in KNOWN_EVENT_TYPES {
        let event = WebhookEvent::from_parts(event_type, json!({"id": "x_1"})).unwrap();
        assert!(!event.is_unknown());
        assert_eq!(event.event_type(), *event_type);
        assert_eq!(event.object_id(), Some("x_1"));
        round_trip(&event);
    }
    assert_eq!(KNOWN_EVENT_TYPES.len(), 16);
}
