//! Verified deliveries reach the handler typed, for every event family.

use super::*;

#[tokio::test]
async fn a_signed_user_created_reaches_the_handler_typed() {
    let (mock, server) = start_with_server().await;
    let user = mock
        .create_user(&clerk::api::CreateUserParams {
            email_address: vec!["ada@example.com".into()],
            first_name: Some("Ada".into()),
            ..Default::default()
        })
        .unwrap();

    let response = mock
        .send_webhook(
            &server.url,
            "user.created",
            mock.user_object(&user.id).unwrap(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["type"], "user.created");
    assert_eq!(answer["object_id"], user.id.as_str());
    assert_eq!(answer["instance_id"], mock.instance_id().as_str());
    assert_eq!(answer["client_ip"], "127.0.0.1");
    assert!(answer["id"].as_str().unwrap().starts_with("msg_"));
    assert!((answer["timestamp"].as_i64().unwrap() - now()).abs() < 5);

    let events = server.events();
    assert_eq!(events.len(), 1);
    match &events[0].1 {
        WebhookEvent::UserCreated(received) => assert_eq!(received, &user),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn every_event_family_is_typed_and_unknown_types_fall_back() {
    let (mock, server) = start_with_server().await;
    let fixtures: &[(&str, &str)] = &[
        (
            "user.created",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/user_created.json"),
        ),
        (
            "user.created",
            include_str!(
                "../../clerk-runtime/src/webhooks/fixtures/user_created_documented_shape.json"
            ),
        ),
        (
            "user.updated",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/user_updated.json"),
        ),
        (
            "user.deleted",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/user_deleted.json"),
        ),
        (
            "session.created",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/session_created.json"),
        ),
        (
            "session.ended",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/session_ended.json"),
        ),
        (
            "organization.created",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/organization_created.json"),
        ),
        (
            "organization.deleted",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/organization_deleted.json"),
        ),
        (
            "organizationMembership.created",
            include_str!(
                "../../clerk-runtime/src/webhooks/fixtures/organization_membership_created.json"
            ),
        ),
        (
            "organizationInvitation.accepted",
            include_str!(
                "../../clerk-runtime/src/webhooks/fixtures/organization_invitation_accepted.json"
            ),
        ),
        (
            "email.created",
            include_str!("../../clerk-runtime/src/webhooks/fixtures/email_created.json"),
        ),
    ];
    for (event_type, payload) in fixtures {
        let response = mock
            .webhook(event_type, Value::Null)
            .body(payload.as_bytes())
            .send(&server.url)
            .await;
        assert_eq!(response.status(), 200, "{event_type}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["type"], *event_type);
    }
    let events = server.events();
    assert_eq!(events.len(), fixtures.len());
    assert!(matches!(events[0].1, WebhookEvent::UserCreated(_)));
    assert!(matches!(events[3].1, WebhookEvent::UserDeleted(_)));
    assert!(matches!(events[5].1, WebhookEvent::SessionEnded(_)));
    assert!(matches!(
        events[8].1,
        WebhookEvent::OrganizationMembershipCreated(_)
    ));
    match &events[10].1 {
        WebhookEvent::Unknown { r#type, data } => {
            assert_eq!(r#type, "email.created");
            assert_eq!(data["slug"], "verification_code");
        }
        other => panic!("{other:?}"),
    }

    // Every known type, with minimal data; and types Clerk may add later.
    for event_type in KNOWN_EVENT_TYPES.iter().copied().chain([
        "role.created",
        "subscription.active",
        "something.new",
    ]) {
        let response = mock
            .send_webhook(&server.url, event_type, json!({"id": "obj_1"}))
            .await;
        assert_eq!(response.status(), 200, "{event_type}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["type"], event_type);
        assert_eq!(answer["object_id"], "obj_1");
    }
    let last = server.events().pop().unwrap().1;
    assert!(last.is_unknown());
}
