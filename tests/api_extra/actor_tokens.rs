//! Actor tokens: create and revoke.

use super::*;

#[tokio::test]
async fn actor_tokens_create_and_revoke() {
    let (mock, clerk) = start_mock().await;
    let ada = seed_user(&mock, "ada@example.com");

    let token = clerk
        .actor_tokens()
        .create(&CreateActorTokenParams {
            user_id: ada.id.clone(),
            actor: meta(json!({"sub": "user_admin"})),
            expires_in_seconds: Some(600),
            session_max_duration_in_seconds: Some(900),
        })
        .await
        .unwrap();
    assert_eq!(token.object, "actor_token");
    assert!(token.id.starts_with("act_"), "{}", token.id);
    assert_eq!(token.status, ActorTokenStatus::Pending);
    assert_eq!(token.user_id, ada.id);
    assert_eq!(token.actor, meta(json!({"sub": "user_admin"})));
    let jwt = token.token.clone().expect("token returned on creation");
    let url = token.url.clone().expect("url returned on creation");
    assert!(url.ends_with(&format!("ticket={jwt}")), "{url}");
    let c = claims(&jwt);
    assert_eq!(c["act"], json!({"sub": "user_admin"}));
    assert_eq!(c["eis"], json!(600));
    assert_eq!(c["smd"], json!(900));

    // The wire body: exactly the fields sent, and the spec's required answer fields.
    let recorded = mock.api_requests();
    let last = recorded.last().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.uri, "/v1/actor_tokens");

    let revoked = clerk.actor_tokens().revoke(&token.id).await.unwrap();
    assert_eq!(revoked.status, ActorTokenStatus::Revoked);
    assert_eq!(revoked.id, token.id);
    assert_eq!(revoked.token, None, "token is only returned on creation");
    assert!(revoked.updated_at >= token.updated_at);
    // Revoking again answers the revoked token unchanged.
    let again = clerk.actor_tokens().revoke(&token.id).await.unwrap();
    assert_eq!(again, revoked);

    assert_not_found(clerk.actor_tokens().revoke("act_missing").await);

    // Validation: required fields, `actor.sub`, an unknown user, lifetimes.
    assert_param_missing(
        clerk
            .actor_tokens()
            .create(&params(|it: &mut CreateActorTokenParams| {
                it.actor = meta(json!({"sub": "user_admin"}))
            }))
            .await,
        "user_id",
    );
    assert_param_missing(
        clerk
            .actor_tokens()
            .create(&CreateActorTokenParams {
                user_id: ada.id.clone(),
                actor: meta(json!({"name": "no sub"})),
                ..Default::default()
            })
            .await,
        "actor",
    );
    assert_fails(
        clerk
            .actor_tokens()
            .create(&CreateActorTokenParams {
                user_id: "user_missing".into(),
                actor: meta(json!({"sub": "user_admin"})),
                ..Default::default()
            })
            .await,
        422,
        "form_param_value_invalid",
        Some("user_id"),
    );
    let (status, body) = raw(
        &mock,
        "POST",
        "/actor_tokens",
        Some(json!({"user_id": ada.id, "actor": {"sub": "x"}, "expires_in_seconds": 0})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][0]["meta"]["param_name"],
        "expires_in_seconds"
    );

    // Defaults: one hour, 30-minute sessions.
    let (status, body) = raw(
        &mock,
        "POST",
        "/actor_tokens",
        Some(json!({"user_id": ada.id, "actor": {"sub": "user_admin", "role": "support"}})),
    )
    .await;
    assert_eq!(status, 200);
    let c = claims(body["token"].as_str().unwrap());
    assert_eq!(c["eis"], json!(3600));
    assert_eq!(c["smd"], json!(1800));
    assert_eq!(
        body["actor"],
        json!({"sub": "user_admin", "role": "support"})
    );
}
