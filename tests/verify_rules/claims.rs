//! Steps 8 to 11: `sub`, `aud`, `azp` against the authorized parties, and `iss`.

use super::*;

#[tokio::test]
async fn sub_missing_or_not_a_string_fails_verification() {
    let mock = shared_mock();
    let options = pem_options(mock);
    assert_eq!(
        reason(&token(mock).without_claim("sub").sign(), &options).await,
        "token-verification-failed"
    );
    assert_claims_refused(
        mock,
        &options,
        "token-verification-failed",
        [
            ("sub", json!(42)),
            ("sub", json!(null)),
            ("sub", json!(true)),
            ("sub", json!(["user_1"])),
            ("sub", json!({"id": "user_1"})),
        ],
    )
    .await;
}

#[tokio::test]
async fn empty_sub_fails_verification_deviation_c03() {
    let mock = shared_mock();
    let t = token(mock).claim("sub", "").sign();
    assert_eq!(
        reason(&t, &pem_options(mock)).await,
        "token-verification-failed"
    );
}

#[tokio::test]
async fn machine_sub_fails_verification_deviation_f02() {
    let mock = shared_mock();
    let options = pem_options(mock);
    for sub in ["mch_123", "mch_"] {
        let t = token(mock).user(sub).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "{sub}"
        );
    }
    // Only the prefix counts.
    let t = token(mock).user("user_mch_1").sign();
    assert_eq!(accept(&t, &options).await.subject(), "user_mch_1");
}

// ---------------------------------------------------------------------------------------
// Step 9: aud (E06–E10)
// ---------------------------------------------------------------------------------------

fn with_audience(mock: &MockClerk, audience: &[&str]) -> VerifyTokenOptions {
    VerifyTokenOptions {
        audience: audience.iter().map(|s| s.to_string()).collect(),
        ..pem_options(mock)
    }
}

#[tokio::test]
async fn aud_is_not_checked_without_the_option() {
    let mock = shared_mock();
    let options = pem_options(mock);
    for aud in [json!("anything"), json!(["a", "b"]), json!(5)] {
        accept(&token(mock).claim("aud", aud).sign(), &options).await;
    }
}

#[tokio::test]
async fn aud_missing_or_empty_is_accepted_with_the_option_e09() {
    let mock = shared_mock();
    let options = with_audience(mock, &["api://one"]);
    accept(&token(mock).sign(), &options).await;
    accept(&token(mock).claim("aud", "").sign(), &options).await;
    accept(&token(mock).claim("aud", json!([])).sign(), &options).await;
    accept(&token(mock).claim("aud", json!([""])).sign(), &options).await;
}

#[tokio::test]
async fn string_aud_must_be_listed() {
    let mock = shared_mock();
    let options = with_audience(mock, &["api://one", "api://two"]);
    let claims = accept(&token(mock).claim("aud", "api://two").sign(), &options).await;
    assert_eq!(claims.get("aud"), Some(&json!("api://two")));
    assert_claims_refused(
        mock,
        &options,
        "token-verification-failed",
        [
            ("aud", "api://three"),
            ("aud", "API://one"),
            ("aud", "api://one/"),
        ],
    )
    .await;
}

#[tokio::test]
async fn array_aud_must_intersect_the_list() {
    let mock = shared_mock();
    let options = with_audience(mock, &["api://one"]);
    accept(
        &token(mock).claim("aud", json!(["x", "api://one"])).sign(),
        &options,
    )
    .await;
    let t = token(mock).claim("aud", json!(["x", "y"])).sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
    let t = token(mock).claim("aud", json!(["api://ONE"])).sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
}

// ---------------------------------------------------------------------------------------
// Step 10: azp vs authorized parties (D01–D10)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn no_authorized_parties_means_no_azp_check() {
    let mock = shared_mock();
    let options = pem_options(mock);
    assert!(options.authorized_parties.is_empty());
    accept(&token(mock).azp("https://evil.example").sign(), &options).await;
    accept(&token(mock).without_claim("azp").sign(), &options).await;
    accept(&token(mock).claim("azp", "").sign(), &options).await;
    accept(&token(mock).claim("azp", json!(["x"])).sign(), &options).await;
}

#[tokio::test]
async fn listed_azp_is_accepted() {
    let mock = shared_mock();
    let options = with_parties(mock, &["https://a.example", "https://b.example"]);
    let claims = accept(&token(mock).azp("https://b.example").sign(), &options).await;
    assert_eq!(claims.authorized_party(), Some("https://b.example"));
}

#[tokio::test]
async fn missing_empty_array_or_unlisted_azp_is_refused() {
    let mock = shared_mock();
    let options = with_parties(mock, &["https://a.example"]);
    let cases = [
        token(mock).without_claim("azp"),
        token(mock).claim("azp", ""),
        token(mock).claim("azp", Value::Null),
        token(mock).claim("azp", json!(["https://a.example"])),
        token(mock).claim("azp", 1),
        token(mock).azp("https://c.example"),
    ];
    for b in cases {
        let t = b.sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-invalid-authorized-parties",
            "{t}"
        );
    }
}

#[tokio::test]
async fn azp_match_is_exact_case_and_slash_sensitive() {
    let mock = shared_mock();
    let options = with_parties(mock, &["https://a.example"]);
    for azp in [
        "https://A.example",
        "HTTPS://a.example",
        "https://a.example/",
        "https://a.example:443",
        "http://a.example",
        " https://a.example",
    ] {
        let t = token(mock).azp(azp).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-invalid-authorized-parties",
            "{azp}"
        );
    }
    let options = with_parties(mock, &["https://a.example/"]);
    accept(&token(mock).azp("https://a.example/").sign(), &options).await;
    let t = token(mock).azp("https://a.example").sign();
    assert_eq!(
        reason(&t, &options).await,
        "token-invalid-authorized-parties"
    );
}

#[tokio::test]
async fn authorized_parties_on_a_clerk_instance() {
    let (mock, clerk) = start_mock_with(|b| b.authorized_parties(["https://app.example"])).await;
    let good = mock.token().azp("https://app.example").sign();
    assert!(clerk.verify_token(&good).await.is_ok());
    let bad = mock.token().azp("https://app.example/").sign();
    assert_eq!(
        clerk_reason(&clerk, &bad).await,
        "token-invalid-authorized-parties"
    );
}

// ---------------------------------------------------------------------------------------
// Step 11: iss (E01–E05, §10 E01/E02)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn iss_is_not_checked_by_default() {
    let mock = shared_mock();
    let options = pem_options(mock);
    accept(&token(mock).issuer("https://evil.example").sign(), &options).await;
    accept(&token(mock).without_claim("iss").sign(), &options).await;
    accept(&token(mock).claim("iss", 7).sign(), &options).await;
}

#[tokio::test]
async fn issuer_option_requires_an_exact_match() {
    let mock = shared_mock();
    let options = VerifyTokenOptions {
        issuer: Some(mock.issuer()),
        ..pem_options(mock)
    };
    let claims = accept(&token(mock).sign(), &options).await;
    assert_eq!(claims.issuer(), Some(mock.issuer().as_str()));
    let iss = mock.issuer();
    assert_claims_refused(
        mock,
        &options,
        "token-invalid-issuer",
        [
            ("iss", json!(format!("{iss}/"))),
            ("iss", json!(iss.to_uppercase())),
            ("iss", json!("https://evil.example")),
            ("iss", json!("")),
            ("iss", json!(null)),
            ("iss", json!([iss.clone()])),
        ],
    )
    .await;
    let t = token(mock).without_claim("iss").sign();
    assert_eq!(reason(&t, &options).await, "token-invalid-issuer");
}

#[tokio::test]
async fn issuer_derived_from_the_publishable_key() {
    let (mock, clerk) = start_mock_with(|b| b.issuer_from_publishable_key()).await;
    clerk.verify_token(&mock.token().sign()).await.unwrap();
    let t = mock
        .token()
        .issuer("https://other.clerk.accounts.dev")
        .sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-issuer");
    let t = mock.token().without_claim("iss").sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-issuer");
}
