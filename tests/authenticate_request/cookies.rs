//! Spec §1.4: the cookie ladder (rows 5–11 and 14) and cookie parsing.

use super::*;

#[tokio::test]
async fn cookie_ladder_rows() {
    let (mock, clerk) = start_mock().await;
    let (token, iat) = signed(mock.token().user("user_c"));

    // Row 5: nothing at all (and unrelated cookies).
    assert_signed_out(
        &get(&clerk, None, None).await,
        "session-token-and-uat-missing",
        None,
    );
    assert_signed_out(
        &get(&clerk, None, Some("theme=dark; lang=en")).await,
        "session-token-and-uat-missing",
        None,
    );
    // `__client_uat=0` and no session: still row 5.
    assert_signed_out(
        &get(&clerk, None, Some("__client_uat=0")).await,
        "session-token-and-uat-missing",
        None,
    );
    // An empty `__session` counts as absent.
    assert_signed_out(
        &get(&clerk, None, Some("__session=")).await,
        "session-token-and-uat-missing",
        None,
    );

    // Row 6: session without client_uat, or with client_uat 0 (R07, R08) or unparsable.
    for cookie in [
        format!("__session={token}"),
        format!("__session={token}; __client_uat=0"),
        format!("__session={token}; __client_uat=abc"),
        format!("__session={token}; __client_uat="),
    ] {
        assert_signed_out(
            &get(&clerk, None, Some(&cookie)).await,
            "session-token-but-no-client-uat",
            None,
        );
    }

    // Row 7: client_uat without session (R10).
    for cookie in [
        format!("__client_uat={iat}"),
        format!("__client_uat={iat}; __session="),
    ] {
        assert_signed_out(
            &get(&clerk, None, Some(&cookie)).await,
            "client-uat-but-no-session-token",
            None,
        );
    }

    // Row 8: undecodable cookie token → verification error with carrier cookie.
    for bad in ["garbage", "a.b.c", "a.b", "eyJhbGciOiJSUzI1NiJ9.%%%.x"] {
        assert_signed_out(
            &get(&clerk, None, Some(&session_cookie(bad, iat))).await,
            "token-invalid",
            Some(TokenCarrier::Cookie),
        );
    }

    // Row 10: iat < client_uat (R09).
    assert_signed_out(
        &get(&clerk, None, Some(&session_cookie(&token, iat + 1))).await,
        "session-token-iat-before-client-uat",
        Some(TokenCarrier::Cookie),
    );
    // Row 10 comes before verification (row 11): an expired, older cookie reports row 10.
    let old = mock.token().expired();
    let old_iat = iat_of(&old);
    assert_signed_out(
        &get(
            &clerk,
            None,
            Some(&session_cookie(&old.sign(), old_iat + 1)),
        )
        .await,
        "session-token-iat-before-client-uat",
        Some(TokenCarrier::Cookie),
    );

    // Row 14: valid cookie, client_uat ≤ iat.
    for uat in [iat, iat - 1, 1] {
        let state = get(&clerk, None, Some(&session_cookie(&token, uat))).await;
        assert_signed_in(&state, "user_c", TokenCarrier::Cookie);
    }
    // parseInt semantics: `<iat>abc` reads as iat.
    let state = get(
        &clerk,
        None,
        Some(&format!("__session={token}; __client_uat={iat}xyz")),
    )
    .await;
    assert_signed_in(&state, "user_c", TokenCarrier::Cookie);

    // Row 11: verification fails.
    let forged = mock.token().sign_with(&mock.unpublished_key());
    assert_signed_out(
        &get(&clerk, None, Some(&session_cookie(&forged, 1))).await,
        "token-invalid-signature",
        Some(TokenCarrier::Cookie),
    );
}

#[tokio::test]
async fn cookie_parsing_order_and_spacing() {
    let (mock, clerk) = start_mock().await;
    let (token, iat) = signed(mock.token().user("user_q"));

    // Double quotes are part of the value (`cookie` 1.x, as `@clerk/backend` 3.25 parses):
    // a quoted token is not a JWT.
    let quoted = format!("__session=\"{token}\"; __client_uat={iat}");
    let state = get(&clerk, None, Some(&quoted)).await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));

    for cookie in [
        format!("a=1;__session={token};__client_uat={iat}"),
        format!("  __client_uat = {iat} ;  __session = {token}  "),
        // The first occurrence of a name wins.
        format!("__session={token}; __session=garbage; __client_uat={iat}"),
    ] {
        let state = get(&clerk, None, Some(&cookie)).await;
        assert_signed_in(&state, "user_q", TokenCarrier::Cookie);
    }

    // Two Cookie headers are both read.
    let session = format!("__session={token}");
    let uat = format!("__client_uat={iat}");
    let parts = parts_raw(
        Method::GET,
        &[("cookie", session.as_bytes()), ("cookie", uat.as_bytes())],
    );
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_q", TokenCarrier::Cookie);

    // Another cookie with a non-ASCII value does not hide the session cookie.
    let mut raw = b"theme=caf\xe9; ".to_vec();
    raw.extend_from_slice(session_cookie(&token, iat).as_bytes());
    let parts = parts_raw(Method::GET, &[("cookie", &raw)]);
    let state = clerk.authenticate_request(&parts).await;
    assert_signed_in(&state, "user_q", TokenCarrier::Cookie);

    // First occurrence wins the other way round too.
    let state = get(
        &clerk,
        None,
        Some(&format!(
            "__session=garbage; __session={token}; __client_uat={iat}"
        )),
    )
    .await;
    assert_signed_out(&state, "token-invalid", Some(TokenCarrier::Cookie));
}

#[tokio::test]
async fn the_cookie_suffix_is_sha1_of_the_publishable_key() {
    let (mock, clerk) = start_mock().await;
    let pk = PublishableKey::parse(&mock.publishable_key()).unwrap();
    let suffix = pk.cookie_suffix();

    // §1.1: first 8 characters of the URL-safe base64 of SHA-1(publishable key).
    assert_eq!(
        sha1(b"abc"),
        [
            0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50,
            0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d
        ]
    );
    let expected = base64::engine::general_purpose::URL_SAFE
        .encode(sha1(mock.publishable_key().as_bytes()))[..8]
        .to_owned();
    assert_eq!(suffix, expected);
    assert_eq!(suffix.len(), 8);

    let (good, iat) = signed(mock.token().user("user_suffixed"));
    let cookie = format!("__session_{suffix}={good}; __client_uat_{suffix}={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_in(&state, "user_suffixed", TokenCarrier::Cookie);
    // Another instance's suffix is ignored.
    let cookie = format!("__session_zzzzzzzz={good}; __client_uat_zzzzzzzz={iat}");
    let state = get(&clerk, None, Some(&cookie)).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
    // Without a publishable key there is no suffixed family.
    let bare = Clerk::builder()
        .without_env()
        .jwt_key(mock.jwt_key_pem())
        .build()
        .unwrap();
    let cookie = format!("__session_{suffix}={good}; __client_uat_{suffix}={iat}");
    let state = get(&bare, None, Some(&cookie)).await;
    assert_signed_out(&state, "session-token-and-uat-missing", None);
}

/// Spec §1.1/§1.4: `__session` and `__client_uat` come from one family, suffixed or
/// plain, as `AuthenticateContext.usesSuffixedCookies()` of `@clerk/backend` 3.25 chooses
/// it (`initCookieValues` reads both through it), never one cookie of each. Over HTTP, with
/// a development and a production instance of the same Frontend API.
#[tokio::test]
async fn one_cookie_family_for_the_session_and_client_uat() {
    use axum::{routing::get as route, Router};
    let mock = MockClerk::start().await;
    let dev_pk = mock.publishable_key();
    let host = PublishableKey::parse(&dev_pk)
        .unwrap()
        .frontend_api()
        .to_owned();
    let live_pk = format!(
        "pk_live_{}",
        base64::engine::general_purpose::STANDARD.encode(format!("{host}$"))
    );
    let dev = mock
        .clerk_builder()
        .publishable_key(dev_pk)
        .build()
        .unwrap();
    let live = mock
        .clerk_builder()
        .publishable_key(live_pk.clone())
        .build()
        .unwrap();
    let s = PublishableKey::parse(&mock.publishable_key())
        .unwrap()
        .cookie_suffix();
    let ls = PublishableKey::parse(&live_pk).unwrap().cookie_suffix();
    async fn me(session: clerk::Session) -> String {
        session.user_id().to_owned()
    }
    let app = Router::new()
        .route("/dev", route(me).with_state(dev))
        .route("/live", route(me).with_state(live));
    let base = common::serve(app).await;
    let http = common::http::client();

    let (good, t) = signed(mock.token().user("user_s"));
    let (older, t_older) = signed(mock.token().user("user_old").issued_in_secs(-100));
    let (foreign, _) = signed(
        mock.token()
            .user("user_foreign")
            .issuer("https://clerk.other.example"),
    );
    let (no_iss, _) = signed(mock.token().user("user_no_iss").without_claim("iss"));
    let (expired, _) = signed(mock.token().user("user_expired").expired());
    let cases: Vec<(&str, String, &str)> = vec![
        // A plain token that is not a JWT has no issuer: the plain family, whose
        // `__client_uat` is 0 (each cookie on its own would have signed in).
        (
            "/dev",
            format!("__session=garbage; __client_uat=0; __session_{s}={good}; __client_uat_{s}={t}"),
            "session-token-but-no-client-uat",
        ),
        // The plain token is newer than the suffixed one (garbage: `iat` 0): plain.
        (
            "/dev",
            format!("__session={good}; __client_uat={t}; __session_{s}=garbage; __client_uat_{s}={t}"),
            "user_s",
        ),
        (
            "/dev",
            format!("__session={good}; __client_uat={t}; __session_{s}={older}; __client_uat_{s}={t_older}"),
            "user_s",
        ),
        // The suffixed token is as new or newer: suffixed.
        (
            "/dev",
            format!("__session={older}; __client_uat={t_older}; __session_{s}={good}; __client_uat_{s}={t}"),
            "user_s",
        ),
        // A suffixed `__client_uat=0` with a plain one that is not 0: plain, which has no
        // session cookie.
        (
            "/dev",
            format!("__session_{s}={good}; __client_uat_{s}=0; __client_uat={t}"),
            "client-uat-but-no-session-token",
        ),
        // A suffixed session without a suffixed `__client_uat`: plain.
        (
            "/dev",
            format!("__session_{s}={good}; __client_uat={t}"),
            "client-uat-but-no-session-token",
        ),
        // A plain token of another instance: suffixed, even when there is none (the plain
        // cookie, which this instance's key verifies, is not read).
        (
            "/dev",
            format!("__session={foreign}; __client_uat={t}; __session_{s}={good}; __client_uat_{s}={t}"),
            "user_s",
        ),
        (
            "/dev",
            format!("__session={foreign}; __client_uat={t}"),
            "session-token-and-uat-missing",
        ),
        // A plain token without an issuer: plain.
        (
            "/dev",
            format!("__session={no_iss}; __client_uat={t}; __session_{s}={good}; __client_uat_{s}={t}"),
            "user_no_iss",
        ),
        // Development only: an expired suffixed token with a plain `__client_uat=0` (a
        // sign-out in another app of the domain) reads the plain family.
        (
            "/dev",
            format!("__session_{s}={expired}; __client_uat_{s}={t}; __client_uat=0"),
            "session-token-and-uat-missing",
        ),
        (
            "/live",
            format!("__session_{ls}={expired}; __client_uat_{ls}={t}; __client_uat=0"),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        ),
        (
            "/live",
            format!("__session_{ls}={good}; __client_uat_{ls}={t}; __client_uat=0"),
            "user_s",
        ),
    ];
    for (path, cookie, expected) in cases {
        // The development browser of a development instance, in both families (without
        // one, `@clerk/backend` answers `dev-browser-missing` before reading the session).
        let dev_browser = format!("__clerk_db_jwt=dvb; __clerk_db_jwt_{s}=dvb");
        let response = http
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .header("cookie", &dev_browser)
            .send()
            .await
            .unwrap();
        let got = match response.status().as_u16() {
            200 => response.text().await.unwrap(),
            _ => response.headers()["x-clerk-auth-reason"]
                .to_str()
                .unwrap()
                .to_owned(),
        };
        assert_eq!(got, expected, "{path} {cookie}");
    }
}
