//! Session refresh: tokens and cookies.

use super::*;

#[tokio::test]
async fn session_refresh_token_and_cookie() {
    let (mock, clerk) = start_mock().await;
    let ada = seed_user(&mock, "ada@example.com");
    let session = mock.create_session(&ada.id).unwrap();
    let expired = clerk
        .sessions()
        .create_token(&session.id, None, None)
        .await
        .unwrap()
        .jwt;
    let params = RefreshSessionParams {
        expired_token: expired.clone(),
        refresh_token: "refresh_abc".into(),
        request_origin: "https://app.example.com".into(),
        ..Default::default()
    };

    let refreshed = clerk
        .sessions()
        .refresh(&session.id, &params)
        .await
        .unwrap();
    let jwt = refreshed.jwt().expect("format token by default").to_owned();
    assert!(refreshed.cookies().is_none());
    let c = claims(&jwt);
    assert_eq!(c["sid"], json!(session.id));
    assert_eq!(c["sub"], json!(ada.id));
    assert_eq!(c["azp"], json!("https://app.example.com"));
    assert_eq!(c["iss"], json!(mock.issuer()));
    // The new token verifies like any session token of the instance.
    let verified = clerk.verify_token(&jwt).await;
    assert!(verified.is_ok(), "{verified:?}");

    let cookies = clerk
        .sessions()
        .refresh(
            &session.id,
            &RefreshSessionParams {
                format: Some(RefreshFormat::Cookie),
                request_headers: Some(meta(json!({"user-agent": "test"}))),
                request_originating_ip: Some("203.0.113.9".into()),
                ..params.clone()
            },
        )
        .await
        .unwrap();
    let SessionRefresh::Cookies(cookies) = cookies else {
        panic!("expected cookies, got {cookies:?}");
    };
    assert_eq!(cookies.object, "cookies");
    let session_cookie = cookies
        .cookies
        .iter()
        .find(|c| c.starts_with("__session="))
        .expect("a __session cookie");
    let cookie_jwt = session_cookie["__session=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(claims(cookie_jwt)["sid"], json!(session.id));
    assert!(cookies
        .cookies
        .iter()
        .any(|c| c.starts_with("__client_uat=")));

    // Missing required fields: 422 naming the field.
    assert_param_missing(
        clerk
            .sessions()
            .refresh(
                &session.id,
                &RefreshSessionParams {
                    refresh_token: String::new(),
                    ..params.clone()
                },
            )
            .await,
        "refresh_token",
    );
    let (status, body) = raw(
        &mock,
        "POST",
        &format!("/sessions/{}/refresh", session.id),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["meta"]["param_name"], "expired_token");

    // A token of another session: 401, the SDKs' cue to fall back to the handshake.
    let other = mock.create_session(&ada.id).unwrap();
    assert_fails(
        clerk.sessions().refresh(&other.id, &params).await,
        401,
        "authentication_invalid",
        None,
    );

    // Unknown or inactive session: 404.
    assert_not_found(clerk.sessions().refresh("sess_missing", &params).await);
    clerk.sessions().revoke(&session.id).await.unwrap();
    assert_not_found(clerk.sessions().refresh(&session.id, &params).await);
}
