//! The session cookies as `@clerk/backend` 3.25 reads them behind a Node.js HTTP server,
//! over real HTTP: the bundled `cookie@1.1.1` `parse` keeps double quotes, Node.js reads
//! header bytes as Latin-1 and joins several `Cookie` headers with `; `, and `__client_uat`
//! goes through `Number.parseInt` (`0x` is hexadecimal, a no-break space is skipped).
//! Each expectation was checked against the real package behind `node:http`.

use super::*;

/// A server whose `/me` route answers the signed-in user, or the reason of a refusal.
async fn serve_me(clerk: Clerk) -> String {
    use axum::{routing::get as route, Router};
    async fn me(session: clerk::Session) -> String {
        session.user_id().to_owned()
    }
    let app = Router::new().route("/me", route(me).with_state(clerk));
    format!("{}/me", common::serve(app).await)
}

/// `GET url` with these `Cookie` headers, as raw bytes, one header line each, then a last
/// one with the development browser's cookie (the stand-in is a development instance, where
/// Clerk answers `dev-browser-missing` before reading the session): the user, or
/// `x-clerk-auth-reason`.
async fn outcome(http: &reqwest::Client, url: &str, cookies: &[&[u8]]) -> String {
    let mut request = http.get(url);
    for cookie in cookies
        .iter()
        .chain([&b"__clerk_db_jwt=dvb_test".as_slice()])
    {
        request = request.header(
            "cookie",
            HeaderValue::from_bytes(cookie).expect("a valid header value"),
        );
    }
    let response = request.send().await.unwrap();
    match response.status().as_u16() {
        200 => response.text().await.unwrap(),
        _ => response.headers()["x-clerk-auth-reason"]
            .to_str()
            .unwrap()
            .to_owned(),
    }
}

#[tokio::test]
async fn quoted_cookie_values_keep_their_quotes_over_http() {
    let (mock, clerk) = start_mock().await;
    let url = serve_me(clerk).await;
    let http = common::http::client();
    let (token, iat) = signed(mock.token().user("user_q"));

    for (cookie, expected) in [
        (session_cookie(&token, iat), "user_q"),
        // Clerk: `token-invalid` (the token is `"<jwt>"`, quotes included).
        (
            format!("__session=\"{token}\"; __client_uat={iat}"),
            "token-invalid",
        ),
        // `parseInt("\"1700000000\"")` is NaN: no `__client_uat`.
        (
            format!("__session={token}; __client_uat=\"{iat}\""),
            "session-token-but-no-client-uat",
        ),
        (
            format!("__session=\"{token}\"; __client_uat=\"{iat}\""),
            "session-token-but-no-client-uat",
        ),
    ] {
        assert_eq!(
            outcome(&http, &url, &[cookie.as_bytes()]).await,
            expected,
            "{cookie}"
        );
    }
}

#[tokio::test]
async fn cookie_bytes_are_read_as_latin1_over_http() {
    let (mock, clerk) = start_mock().await;
    let url = serve_me(clerk).await;
    let http = common::http::client();
    let (token, iat) = signed(mock.token().user("user_l"));
    let with_uat = |uat: &[u8]| {
        let mut cookie = format!("__session={token}; __client_uat=").into_bytes();
        cookie.extend_from_slice(uat);
        cookie
    };
    let iat_hex = format!("0x{iat:x}");
    let iat_dec = iat.to_string();

    for (cookie, expected) in [
        // A raw 0xA0 byte is U+00A0 to Node.js, which `parseInt` skips.
        ([b"\xa0", iat_dec.as_bytes()].concat(), "user_l"),
        // A UTF-8 no-break space (C2 A0) is `Â` and U+00A0: `parseInt` stops at `Â`.
        (
            [b"\xc2\xa0", iat_dec.as_bytes()].concat(),
            "session-token-but-no-client-uat",
        ),
        // Percent-decoded first (`decodeURIComponent`), then skipped by `parseInt`.
        ([b"%C2%A0", iat_dec.as_bytes()].concat(), "user_l"),
        // `parseInt` reads `0x` as hexadecimal.
        (iat_hex.as_bytes().to_vec(), "user_l"),
        (
            format!("0x{:x}", iat + 1).into_bytes(),
            "session-token-iat-before-client-uat",
        ),
    ] {
        assert_eq!(
            outcome(&http, &url, &[&with_uat(&cookie)]).await,
            expected,
            "__client_uat={}",
            String::from_utf8_lossy(&cookie)
        );
    }

    // Another cookie's Latin-1 bytes, around the session cookies, hide nothing.
    let cookie = [
        b"theme=caf\xe9\xa0; ".as_slice(),
        session_cookie(&token, iat).as_bytes(),
        b"; lang=\xff",
    ]
    .concat();
    assert_eq!(outcome(&http, &url, &[&cookie]).await, "user_l");
}

/// Node.js's HTTP/1 and HTTP/2 servers join several `Cookie` headers with `; ` before any
/// framework builds the `Request` Clerk reads (the WHATWG `Headers` would join them with
/// `, `, which would glue the second header's first cookie to the first header's last).
#[tokio::test]
async fn several_cookie_headers_are_read_as_node_joins_them() {
    let (mock, clerk) = start_mock().await;
    let url = serve_me(clerk).await;
    let http = common::http::client();
    let (token, iat) = signed(mock.token().user("user_j"));
    let session = format!("__session={token}");
    let uat = format!("__client_uat={iat}");

    for (cookies, expected) in [
        (vec![session.clone(), uat.clone()], "user_j"),
        (vec![uat.clone(), session.clone()], "user_j"),
        // A part without `=` at the end of a header does not swallow the next header's
        // first cookie.
        (vec![format!("{session}; flag"), uat.clone()], "user_j"),
        // The first occurrence wins across headers.
        (
            vec![format!("{session}; __client_uat=0"), uat.clone()],
            "session-token-but-no-client-uat",
        ),
        (
            vec![uat.clone(), "__session=garbage".into(), session.clone()],
            "token-invalid",
        ),
    ] {
        let bytes: Vec<&[u8]> = cookies.iter().map(|c| c.as_bytes()).collect();
        assert_eq!(outcome(&http, &url, &bytes).await, expected, "{cookies:?}");
    }
}
