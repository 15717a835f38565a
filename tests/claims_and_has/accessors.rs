//! The `Session` accessors.

use super::*;

#[derive(serde::Deserialize, Debug, PartialEq)]
struct CustomClaims {
    sub: String,
    sid: String,
    tier: String,
    seats: u32,
    #[serde(default)]
    missing: Option<String>,
    meta: Meta,
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Meta {
    region: String,
}

#[tokio::test]
async fn session_accessors() {
    let (mock, clerk) = start_mock().await;
    let token = mock
        .token()
        .user("user_42")
        .session("sess_42")
        .org("org_7", "admin")
        .permissions(&["org:invoices:create", "org:invoices:read"])
        .actor("user_admin")
        .factor_ages(3, -1)
        .claim("tier", "gold")
        .claim("seats", 5)
        .claim("meta", json!({"region": "eu"}))
        .sign();
    let s = session_of(&clerk, &token).await;

    assert_eq!(s.user_id(), "user_42");
    assert_eq!(s.session_id(), "sess_42");
    assert_eq!(s.session_status(), Some("active"));
    assert!(!s.is_pending());
    assert_eq!(s.org_id(), Some("org_7"));
    assert_eq!(s.org_role(), Some("org:admin"));
    assert_eq!(s.org_slug(), Some("org_7-slug"));
    assert_eq!(perms(&s), ["org:invoices:create", "org:invoices:read"]);
    assert_eq!(s.actor(), Some(&json!({"sub": "user_admin"})));
    assert_eq!(s.factor_verification_age(), Some([3, -1]));
    assert_eq!(s.token(), token);

    let claims = s.claims_json();
    assert_eq!(claims["sub"], "user_42");
    assert_eq!(claims["sid"], "sess_42");
    assert_eq!(claims["tier"], "gold");
    assert_eq!(claims["seats"], 5);
    assert_eq!(claims["act"], json!({"sub": "user_admin"}));
    assert_eq!(claims["fva"], json!([3, -1]));

    let custom: CustomClaims = s.claims_as().unwrap();
    assert_eq!(
        custom,
        CustomClaims {
            sub: "user_42".into(),
            sid: "sess_42".into(),
            tier: "gold".into(),
            seats: 5,
            missing: None,
            meta: Meta {
                region: "eu".into()
            },
        }
    );
    // A type that does not match is an error, not a panic.
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wrong {
        seats: String,
    }
    assert!(s.claims_as::<Wrong>().is_err());

    let c = s.claims();
    assert_eq!(c.subject(), "user_42");
    assert_eq!(c.session_id(), Some("sess_42"));
    assert_eq!(c.issuer(), Some(mock.issuer().as_str()));
    assert_eq!(c.authorized_party(), Some("http://localhost:3000"));
    assert_eq!(c.get("tier"), Some(&json!("gold")));
    assert!(c.expires_at() > c.issued_at().unwrap());

    // The Auth object mirrors the session.
    let auth = Auth::from_session(s.clone(), true);
    assert_eq!(auth.user_id(), Some("user_42"));
    assert_eq!(auth.session_id(), Some("sess_42"));
    assert_eq!(auth.org_id(), Some("org_7"));
    assert_eq!(auth.org_role(), Some("org:admin"));
    assert_eq!(auth.org_slug(), Some("org_7-slug"));
    assert_eq!(auth.org_permissions().len(), 2);
    assert_eq!(auth.actor(), Some(&json!({"sub": "user_admin"})));
    assert_eq!(auth.session_status(), Some("active"));

    // Debug never prints the token, nor its payload or signature.
    let signature = token.rsplit('.').next().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    for debug in [format!("{s:?}"), format!("{auth:?}"), format!("{s:#?}")] {
        assert!(!debug.contains(&token));
        assert!(!debug.contains(signature), "{debug}");
        assert!(!debug.contains(payload), "{debug}");
        assert!(debug.contains("user_42"));
    }
    let parts = bearer_parts("/", &token);
    let state = clerk.authenticate_request(&parts).await;
    let debug = format!("{state:?}");
    assert!(
        !debug.contains(signature) && !debug.contains(payload),
        "{debug}"
    );

    // Minimal session: no org, no actor, no status.
    let s = session(
        &mock,
        mock.token()
            .without_claim("sts")
            .without_claim("fva")
            .without_claim("act"),
    )
    .await;
    assert_eq!(s.session_status(), None);
    assert_eq!(s.actor(), None);
    assert_eq!(s.factor_verification_age(), None);
    assert_eq!(s.org_id(), None);
    let auth = Auth::from_session(s, true);
    assert!(auth.is_signed_in());
    assert_eq!(auth.session_status(), None);
}
