//! The observability headers of every request state.

use super::*;

fn header_map(state: &RequestState) -> Vec<(String, String)> {
    state
        .observability_headers()
        .into_iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn observability_headers() {
    let (mock, clerk) = start_mock().await;

    let good = mock.token().sign();
    let state = get(&clerk, Some(&format!("Bearer {good}")), None).await;
    assert_eq!(
        header_map(&state),
        [("x-clerk-auth-status".to_owned(), "signed-in".to_owned())]
    );

    let forged = mock.token().sign_with(&mock.unpublished_key());
    let expired = mock.token().expired().sign();
    let machine = mock.token().user("mch_1").sign();
    let oversized = "x".repeat(MAX_TOKEN_LEN + 10);
    // (authorization, cookie, reason, status, carrier)
    type Case<'a> = (
        Option<String>,
        Option<String>,
        &'a str,
        &'a str,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            Some(format!("Bearer {forged}")),
            None,
            "token-invalid-signature",
            "signed-out",
            Some("header"),
        ),
        (
            None,
            Some(session_cookie(&expired, 1)),
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
            "signed-out",
            Some("cookie"),
        ),
        (
            Some(format!("Bearer {machine}")),
            None,
            "token-type-mismatch",
            "signed-out",
            Some("header"),
        ),
        (
            Some("Bearer a.b.c".to_owned()),
            None,
            "token-invalid",
            "signed-out",
            Some("header"),
        ),
        (
            Some(oversized.clone()),
            None,
            "token-invalid",
            "signed-out",
            Some("header"),
        ),
        (
            None,
            None,
            "session-token-and-uat-missing",
            "signed-out",
            None,
        ),
        (
            None,
            Some(format!("__session={forged}")),
            "session-token-but-no-client-uat",
            "signed-out",
            None,
        ),
    ];
    for (authorization, cookie, code, status, token_carrier) in cases {
        let state = get(&clerk, authorization.as_deref(), cookie.as_deref()).await;
        let headers = header_map(&state);
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{name} missing in {headers:?}"))
        };
        assert_eq!(find("x-clerk-auth-status"), status);
        assert_eq!(find("x-clerk-auth-reason"), code);
        let message = find("x-clerk-auth-message");
        match token_carrier {
            Some(c) => assert!(
                message.ends_with(&format!(" (reason={code}, token-carrier={c})")),
                "{message}"
            ),
            None => assert!(message.contains(&format!("reason={code}")), "{message}"),
        }
        let RequestState::SignedOut(signed_out) = &state else {
            panic!("signed out expected")
        };
        assert_eq!(signed_out.full_message(), message);
        // The token (or any of its segments) never appears.
        for secret in [&forged, &expired, &machine, &oversized] {
            for piece in std::iter::once(secret.as_str()).chain(secret.split('.')) {
                assert!(!message.contains(piece), "token leaked into {message}");
                assert!(!signed_out.message.contains(piece));
                assert!(!format!("{state:?}").contains(piece) || piece.len() < 8);
            }
        }
    }
}
