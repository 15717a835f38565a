//! `GET /v1/client/handshake`: who the browser is, the directives, the three delivery
//! forms, organization activation and the refusal of bad redirect URLs.

use clerk::testing::MockClerk;

use super::*;

const APP: &str = "http://127.0.0.1:3000/dashboard?tab=1";

#[tokio::test]
async fn development_nonce_signs_the_browser_in() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let back = handshake(&mock, &query(APP, false), Some(&browser.client_cookie())).await;

    assert_eq!(back.status(), 307);
    assert_eq!(back.headers()["cache-control"], "no-store");
    assert!(back.headers().get("set-cookie").is_none());
    let location = location(&back);
    let nonce = param(&location, "__clerk_handshake_nonce").expect("nonce in the query");
    assert_eq!(
        location,
        format!("{APP}&__clerk_handshake_nonce={nonce}"),
        "back to the app, its URL kept"
    );

    let directives = directives(&mock, &nonce).await;
    let sfx = mock.cookie_suffix();
    assert_eq!(
        names(&directives),
        [
            "__client_uat".to_owned(),
            "__session".into(),
            "__clerk_db_jwt".into(),
            format!("__refresh_{sfx}"),
        ]
    );
    // A fresh session token of the browser's session, for the app's origin.
    let token = value_of(&directives, "__session").unwrap();
    let verified = mock.clerk().verify_token(&token).await.unwrap();
    assert_eq!(verified.subject(), browser.user_id);
    let c = claims(&token);
    assert_eq!(c["sid"], browser.session_id.as_str());
    assert_eq!(c["azp"], "http://127.0.0.1:3000");
    assert_eq!(c["iss"], mock.issuer().as_str());
    // `__client_uat` is the sign-in time: never after the token's `iat`.
    let uat: i64 = value_of(&directives, "__client_uat")
        .unwrap()
        .parse()
        .unwrap();
    assert!(uat > 0 && uat <= c["iat"].as_i64().unwrap());
    assert_eq!(
        value_of(&directives, &format!("__refresh_{sfx}")),
        Some(browser.refresh_token.clone())
    );
    assert!(directives[3].contains("HttpOnly"));
    // Plain http app: no `Secure` cookie (a browser would drop it).
    assert!(directives.iter().all(|d| !d.contains("Secure")));
}

#[tokio::test]
async fn dev_browser_is_minted_once_and_kept() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let first = handshake(&mock, &query(APP, false), Some(&browser.client_cookie())).await;
    let nonce = param(&location(&first), "__clerk_handshake_nonce").unwrap();
    let dev_browser = value_of(&directives(&mock, &nonce).await, "__clerk_db_jwt").unwrap();
    assert!(claims(&dev_browser)["dev"]
        .as_str()
        .unwrap()
        .starts_with("dvb_"));

    // Sent back (as `@clerk/backend` does), it is kept; a foreign one is replaced.
    for (sent, kept) in [(dev_browser.as_str(), true), ("eyJfake.eyJfake.sig", false)] {
        let mut q = query(APP, false);
        q.push(("__clerk_db_jwt", sent));
        let back = handshake(&mock, &q, Some(&browser.client_cookie())).await;
        let nonce = param(&location(&back), "__clerk_handshake_nonce").unwrap();
        let returned = value_of(&directives(&mock, &nonce).await, "__clerk_db_jwt").unwrap();
        assert_eq!(returned == sent, kept, "{sent}");
    }
}

#[tokio::test]
async fn suffixed_cookies_and_https_apps() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let back = handshake(
        &mock,
        &query("https://app.example.com/", true),
        Some(&browser.client_cookie()),
    )
    .await;
    let nonce = param(&location(&back), "__clerk_handshake_nonce").unwrap();
    let directives = directives(&mock, &nonce).await;
    let sfx = mock.cookie_suffix();
    assert_eq!(
        names(&directives),
        [
            "__client_uat".to_owned(),
            "__session".into(),
            format!("__client_uat_{sfx}"),
            format!("__session_{sfx}"),
            "__clerk_db_jwt".into(),
            format!("__clerk_db_jwt_{sfx}"),
            format!("__refresh_{sfx}"),
        ]
    );
    assert_eq!(
        value_of(&directives, "__session"),
        value_of(&directives, &format!("__session_{sfx}"))
    );
    assert!(
        directives.iter().all(|d| d.ends_with("; Secure")),
        "{directives:?}"
    );
    let token = value_of(&directives, "__session").unwrap();
    assert_eq!(claims(&token)["azp"], "https://app.example.com");
}

#[tokio::test]
async fn unknown_browsers_and_ended_sessions_are_signed_out() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let forged = mock
        .token()
        .claim("id", browser.client_id.as_str())
        .sign_with(&mock.unpublished_key());
    let sfx = mock.cookie_suffix();
    let signed_out = [
        "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax".to_owned(),
        "__session=; Path=/; Max-Age=0; SameSite=Lax".into(),
    ];
    let forged_cookie = format!("__client={forged}");
    for cookie in [None, Some("__client=garbage"), Some(forged_cookie.as_str())] {
        let back = handshake(&mock, &query(APP, false), cookie).await;
        assert_eq!(back.status(), 307);
        let nonce = param(&location(&back), "__clerk_handshake_nonce").unwrap();
        let directives = directives(&mock, &nonce).await;
        assert_eq!(directives[..2], signed_out, "{cookie:?}");
        // A development browser all the same (or the app would ask again), and the refresh
        // cookie removed.
        assert_eq!(names(&directives)[2], "__clerk_db_jwt");
        assert_eq!(
            directives[3],
            format!("__refresh_{sfx}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
        );
    }

    mock.clerk()
        .sessions()
        .revoke(&browser.session_id)
        .await
        .unwrap();
    let back = handshake(&mock, &query(APP, false), Some(&browser.client_cookie())).await;
    let nonce = param(&location(&back), "__clerk_handshake_nonce").unwrap();
    assert_eq!(directives(&mock, &nonce).await[..2], signed_out);
}

#[tokio::test]
async fn production_hands_the_nonce_over_in_a_cookie() {
    let (mock, browser) = signed_in(MockClerk::start_production().await).await;
    let app = "http://127.0.0.1:3000/p?q=a%20b";
    let back = handshake(&mock, &query(app, false), Some(&browser.client_cookie())).await;
    assert_eq!(back.status(), 307);
    assert_eq!(location(&back), app, "the app's URL unchanged");
    let set_cookie = back.headers()["set-cookie"].to_str().unwrap().to_owned();
    let nonce = set_cookie
        .strip_prefix("__clerk_handshake_nonce=")
        .and_then(|rest| rest.split(';').next())
        .expect("the nonce cookie");
    assert!(set_cookie.contains("; Path=/; Max-Age="), "{set_cookie}");

    let directives = directives(&mock, nonce).await;
    let sfx = mock.cookie_suffix();
    // No development browser; the last directive deletes the nonce cookie, which the SDK
    // never deletes itself.
    assert_eq!(
        names(&directives),
        [
            "__client_uat".to_owned(),
            "__session".into(),
            format!("__refresh_{sfx}"),
            "__clerk_handshake_nonce".into(),
        ]
    );
    assert_eq!(
        directives[3],
        "__clerk_handshake_nonce=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    let token = value_of(&directives, "__session").unwrap();
    assert_eq!(
        mock.clerk().verify_token(&token).await.unwrap().subject(),
        browser.user_id
    );
}

#[tokio::test]
async fn legacy_form_carries_a_signed_handshake_token() {
    for production in [false, true] {
        let mock = if production {
            MockClerk::start_production().await
        } else {
            MockClerk::start().await
        };
        let (mock, browser) = signed_in(mock).await;
        let legacy: Vec<_> = query(APP, false)
            .into_iter()
            .filter(|(k, _)| *k != "format")
            .collect();
        let back = handshake(&mock, &legacy, Some(&browser.client_cookie())).await;
        assert_eq!(back.status(), 307);
        let token = if production {
            assert_eq!(location(&back), APP);
            let cookie = back.headers()["set-cookie"].to_str().unwrap().to_owned();
            let rest = cookie
                .strip_prefix("__clerk_handshake=")
                .expect("token cookie");
            rest.split(';').next().unwrap().to_owned()
        } else {
            param(&location(&back), "__clerk_handshake").expect("token in the query")
        };
        // Signed by the instance's key (RS256, its kid), directives in `handshake`.
        let header: Value = {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap();
            serde_json::from_slice(&bytes).unwrap()
        };
        assert_eq!(header["kid"], mock.current_kid().as_str());
        assert_eq!(
            (header["alg"].as_str(), header["typ"].as_str()),
            (Some("RS256"), Some("JWT"))
        );
        let jwk = mock.current_key().jwk();
        let key = jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let verified = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
        let directives: Vec<String> =
            serde_json::from_value(verified.claims["handshake"].clone()).unwrap();
        let session = value_of(&directives, "__session").unwrap();
        assert_eq!(claims(&session)["sid"], browser.session_id.as_str());
        assert_eq!(
            names(&directives).last().unwrap() == "__clerk_handshake",
            production,
            "production deletes the token cookie"
        );
    }
}

#[tokio::test]
async fn organization_id_activates_a_membership() {
    let (mock, browser) = signed_in(MockClerk::start().await).await;
    let acme = mock
        .create_organization(&clerk::api::CreateOrganizationParams {
            name: "Acme".into(),
            created_by: Some(browser.user_id.clone()),
            ..Default::default()
        })
        .unwrap();
    let other = mock
        .create_organization(&clerk::api::CreateOrganizationParams {
            name: "Other".into(),
            ..Default::default()
        })
        .unwrap();
    let cookie = browser.client_cookie();
    assert!(handshake_claims(&mock, &cookie, None)
        .await
        .get("o")
        .is_none());
    // By slug (what `@clerk/backend` sends for `/orgs/:slug` patterns): activated, and
    // kept by later handshakes.
    let o = handshake_claims(&mock, &cookie, Some("acme")).await["o"].clone();
    assert_eq!(o["id"], acme.id.as_str());
    assert_eq!(
        (o["slg"].as_str(), o["rol"].as_str()),
        (Some("acme"), Some("admin"))
    );
    let later = handshake_claims(&mock, &cookie, None).await;
    assert_eq!(later["o"]["id"], acme.id.as_str());
    // Not a member: unchanged. Empty: the personal account.
    let refused = handshake_claims(&mock, &cookie, Some(&other.id)).await;
    assert_eq!(refused["o"]["id"], acme.id.as_str());
    assert!(handshake_claims(&mock, &cookie, Some(""))
        .await
        .get("o")
        .is_none());
}

/// The claims of the session token a handshake with this `organization_id` mints.
async fn handshake_claims(mock: &MockClerk, cookie: &str, organization_id: Option<&str>) -> Value {
    let mut q = query(APP, false);
    if let Some(wanted) = organization_id {
        q.push(("organization_id", wanted));
    }
    let back = handshake(mock, &q, Some(cookie)).await;
    let nonce = param(&location(&back), "__clerk_handshake_nonce").unwrap();
    claims(&value_of(&directives(mock, &nonce).await, "__session").unwrap())
}

#[tokio::test]
async fn bad_redirect_urls_and_formats_are_refused() {
    let mock = MockClerk::start().await;
    for (redirect_url, format, detail) in [
        ("", "nonce", "missing redirect_url"),
        ("/dashboard", "nonce", "invalid url"),
        ("javascript:alert(1)", "nonce", "invalid url scheme"),
        ("ftp://127.0.0.1/", "nonce", "invalid url scheme"),
        ("http://", "nonce", "invalid url"),
        ("http://127.0.0.1:3000/", "token", "invalid format"),
    ] {
        let mut q = query(redirect_url, false);
        q.retain(|(k, _)| *k != "format");
        q.push(("format", format));
        if redirect_url.is_empty() {
            q.retain(|(k, _)| *k != "redirect_url");
        }
        let refused = handshake(&mock, &q, None).await;
        assert_eq!(refused.status(), 400, "{redirect_url}");
        assert!(refused.headers().get("location").is_none());
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "invalid_handshake");
        assert_eq!(
            body["errors"][0]["long_message"],
            format!("The handshake request is invalid: {detail}")
        );
    }
    // The Frontend API is not the Backend API: no secret key needed, none recorded.
    assert!(mock.api_requests().is_empty());
}
