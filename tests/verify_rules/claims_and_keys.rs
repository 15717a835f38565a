//! Steps 8 to 11: `sub`, `aud`, `azp` against the authorized parties, and `iss`.
//!
//! Key resolution (§3.1–§3.3) and the JWKS failures (§3.2) verification reports.

use super::*;

#[tokio::test]
async fn sub_missing_or_not_a_string_fails_verification() {
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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

#[tokio::test]
async fn no_key_and_no_secret_is_jwk_failed_to_resolve() {
    let mock = shared_mock();
    let t = token(mock).sign();
    let options = VerifyTokenOptions {
        now: Some(t0()),
        ..Default::default()
    };
    assert_eq!(reason(&t, &options).await, "jwk-failed-to-resolve");
    // Empty strings count as unset.
    let options = VerifyTokenOptions {
        jwt_key: Some(String::new()),
        secret_key: Some(String::new()),
        now: Some(t0()),
        ..Default::default()
    };
    assert_eq!(reason(&t, &options).await, "jwk-failed-to-resolve");
}

#[tokio::test]
async fn pem_wins_over_the_secret_key_j18() {
    let mock = MockClerk::start().await;
    let t = token(&mock).user("user_pem").sign();
    let options = VerifyTokenOptions {
        secret_key: Some(mock.secret_key().to_owned()),
        api_url: Some(mock.api_url()),
        ..pem_options(&mock)
    };
    assert_eq!(accept(&t, &options).await.subject(), "user_pem");
    // A PEM that does not match is not rescued by the JWKS.
    let options = VerifyTokenOptions {
        jwt_key: Some(other_key().public_pem()),
        ..options
    };
    assert_eq!(reason(&t, &options).await, "token-invalid-signature");
    // The same on a Clerk instance.
    let clerk = mock
        .clerk_builder()
        .jwt_key(mock.jwt_key_pem())
        .build()
        .unwrap()
        .with_fixed_time(t0());
    assert_eq!(clerk.verify_token(&t).await.unwrap().subject(), "user_pem");
    assert_eq!(mock.jwks_requests(), 0);
}

#[tokio::test]
async fn pem_spki_and_pkcs1() {
    let mock = shared_mock();
    let key = mock.current_key();
    let t = token(mock).user("user_k").sign();
    assert!(key.public_pem().starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(key
        .public_pem_pkcs1()
        .starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    for pem in [key.public_pem(), key.public_pem_pkcs1()] {
        let claims = accept(&t, &options_with_pem(pem)).await;
        assert_eq!(claims.subject(), "user_k");
    }
}

fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[tokio::test]
async fn pem_bare_single_line_body_k01() {
    let mock = shared_mock();
    let body = pem_body(&mock.jwt_key_pem());
    assert!(!body.contains('\n') && !body.contains('-'));
    accept(&token(mock).sign(), &options_with_pem(body)).await;
}

#[tokio::test]
async fn pem_armour_on_one_line_without_line_breaks() {
    // Line breaks are removed before the armour (§3.3), so a PEM flattened to one line
    // (as environment files often hold it) still works.
    let mock = shared_mock();
    let key = mock.current_key();
    for pem in [key.public_pem(), key.public_pem_pkcs1()] {
        let flat = pem.replace('\n', "");
        assert!(flat.starts_with("-----BEGIN ") && flat.ends_with("KEY-----"));
        accept(&token(mock).sign(), &options_with_pem(flat)).await;
    }
}

#[tokio::test]
async fn pem_with_crlf_k02() {
    let mock = shared_mock();
    let pem = mock.jwt_key_pem().replace('\n', "\r\n");
    accept(&token(mock).sign(), &options_with_pem(pem)).await;
}

#[tokio::test]
async fn pem_with_literal_backslash_n_k03() {
    let mock = shared_mock();
    let pem = mock.jwt_key_pem().replace('\n', "\\n");
    assert!(!pem.contains('\n'));
    assert_eq!(
        reason(&token(mock).sign(), &options_with_pem(pem)).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn garbage_pem_k04() {
    let mock = shared_mock();
    let t = token(mock).sign();
    for pem in [
        "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n".to_owned(),
        "garbage".to_owned(),
        "AAAA".to_owned(),
        STANDARD.encode([0u8; 300]),
    ] {
        assert_eq!(
            reason(&t, &options_with_pem(pem.clone())).await,
            "token-invalid-signature",
            "{pem}"
        );
    }
}

#[tokio::test]
async fn pem_4096_bit_key_works_deviation_k05() {
    let mock = shared_mock();
    let big: Arc<MockKey> = mock.unpublished_key_4096();
    let t = token(mock).user("user_4096").sign_with(&big);
    assert_eq!(
        accept(&t, &options_with_pem(big.public_pem()))
            .await
            .subject(),
        "user_4096"
    );
    accept(&t, &options_with_pem(big.public_pem_pkcs1())).await;
    // A 2048-bit token does not verify with the 4096-bit key.
    assert_eq!(
        reason(&token(mock).sign(), &options_with_pem(big.public_pem())).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn kid_is_irrelevant_in_pem_mode() {
    let (mock, options) = shared_pem();
    accept(&token(mock).without_header("kid").sign(), &options).await;
    accept(&token(mock).header("kid", "ins_unknown").sign(), &options).await;
    accept(&token(mock).header("kid", 42).sign(), &options).await;
    accept(&token(mock).header("kid", Value::Null).sign(), &options).await;
}

// ---------------------------------------------------------------------------------------
// JWKS failures (§3.2): the remaining reason codes verification produces
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_kid_is_jwk_kid_mismatch_and_refetches_at_most_once() {
    let (mock, clerk) = start_mock().await;
    let other = other_key();
    // J09: a missing kid behaves like an unknown one.
    let t = mock.token().without_header("kid").sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "jwk-kid-mismatch");
    let first = mock.jwks_requests();
    assert_eq!(first, 1);
    for i in 0..10 {
        let t = mock
            .token()
            .header("kid", format!("ins_forged{i}"))
            .sign_with(&other);
        assert_eq!(clerk_reason(&clerk, &t).await, "jwk-kid-mismatch");
    }
    // At most one refetch for unknown kids within the cooldown.
    assert!(
        mock.jwks_requests() <= first + 1,
        "{}",
        mock.jwks_requests()
    );
    // Known kids keep working from the cache.
    clerk.verify_token(&mock.token().sign()).await.unwrap();
    assert!(mock.jwks_requests() <= first + 1);
}

#[tokio::test]
async fn empty_jwks_is_jwk_remote_failed_to_load() {
    let mock = MockClerk::start().await;
    mock.fail_jwks_next(1, Fault::EmptyKeys);
    let clerk = mock.clerk();
    assert_eq!(
        clerk_reason(&clerk, &mock.token().sign()).await,
        "jwk-remote-failed-to-load"
    );
    assert_eq!(mock.jwks_requests(), 1, "an empty key set is not retried");
}

#[tokio::test]
async fn client_error_is_jwk_remote_failed_to_load() {
    let mock = MockClerk::start().await;
    mock.fail_jwks_next(1, Fault::Status(404));
    let clerk = mock.clerk();
    assert_eq!(
        clerk_reason(&clerk, &mock.token().sign()).await,
        "jwk-remote-failed-to-load"
    );
}

#[tokio::test]
async fn refused_secret_key_is_secret_key_invalid() {
    let (mock, clerk) = start_mock_with(|b| b.secret_key("sk_test_not_the_right_one")).await;
    assert_eq!(
        clerk_reason(&clerk, &mock.token().sign()).await,
        "secret-key-invalid"
    );
}
