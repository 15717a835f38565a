//! Order of operations (§2.1), categories and critical headers (§2.3), and the header
//! checks made before key lookup.
//!
//! Steps 2 to 7: the M2M category, `typ`, `alg` and the signature.

use super::*;

#[tokio::test]
async fn order_expired_nbf_and_iat_is_token_expired() {
    let mock = shared_mock();
    let t = token(mock)
        .claim("exp", T0 - 100)
        .claim("nbf", T0 + 100)
        .claim("iat", T0 + 100)
        .sign();
    assert_eq!(reason(&t, &pem_options(mock)).await, "token-expired");
}

#[tokio::test]
async fn order_nbf_and_iat_is_token_not_active_yet() {
    let mock = shared_mock();
    let t = token(mock)
        .claim("nbf", T0 + 100)
        .claim("iat", T0 + 100)
        .claim("exp", T0 + 1_000)
        .sign();
    assert_eq!(reason(&t, &pem_options(mock)).await, "token-not-active-yet");
}

#[tokio::test]
async fn order_bad_azp_and_expired_is_token_invalid_authorized_parties() {
    let mock = shared_mock();
    let t = token(mock).azp("https://evil.example").expired().sign();
    assert_eq!(
        reason(&t, &with_parties(mock, &["https://app.example"])).await,
        "token-invalid-authorized-parties"
    );
}

#[tokio::test]
async fn order_missing_sub_and_expired_is_token_verification_failed() {
    let mock = shared_mock();
    let t = token(mock).without_claim("sub").expired().sign();
    assert_eq!(
        reason(&t, &pem_options(mock)).await,
        "token-verification-failed"
    );
}

#[tokio::test]
async fn order_bad_signature_and_expired_is_token_invalid_signature() {
    let (mock, options) = shared_pem();
    let t = token(mock).expired().sign_tampered();
    assert_eq!(reason(&t, &options).await, "token-invalid-signature");
    let t = token(mock).expired().sign_with(&other_key());
    assert_eq!(reason(&t, &options).await, "token-invalid-signature");
    // No claim oracle: every claim problem hides behind the bad signature.
    let t = token(mock)
        .without_claim("sub")
        .azp("https://evil.example")
        .claim("nbf", "x")
        .sign_with(&other_key());
    assert_eq!(
        reason(&t, &with_parties(mock, &["https://app.example"])).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn order_alg_none_and_expired_is_token_invalid_algorithm() {
    let mock = shared_mock();
    let t = token(mock).header("alg", "none").expired().sign();
    assert_eq!(
        reason(&t, &pem_options(mock)).await,
        "token-invalid-algorithm"
    );
}

#[tokio::test]
async fn order_bad_typ_and_bad_alg_is_token_invalid() {
    let mock = shared_mock();
    let t = token(mock)
        .header("typ", "jwt")
        .header("alg", "none")
        .sign();
    assert_eq!(reason(&t, &pem_options(mock)).await, "token-invalid");
}

#[tokio::test]
async fn order_malformed_payload_wins_over_header_problems() {
    let mock = shared_mock();
    let t = raw(mock, r#"{"alg":"none","typ":"jwt"}"#, "{not json");
    assert_eq!(reason(&t, &pem_options(mock)).await, "token-invalid");
}

#[tokio::test]
async fn order_m2m_category_wins_over_alg_signature_and_claims() {
    let mock = shared_mock();
    let t = token(mock)
        .header("cat", "cl_B7d4PD333AAA")
        .header("alg", "none")
        .sign();
    assert_eq!(reason(&t, &pem_options(mock)).await, "token-invalid");
    let t = token(mock)
        .header("cat", "cl_B7d4PD333AAA")
        .without_claim("sub")
        .expired()
        .sign_with(&other_key());
    assert_eq!(reason(&t, &pem_options(mock)).await, "token-invalid");
}

#[tokio::test]
async fn order_rs384_wins_over_bad_signature() {
    // Step 6 (the RS256-only key refuses SHA-384) comes before step 7.
    let mock = shared_mock();
    let t = token(mock).header("alg", "RS384").sign_with(&other_key());
    assert_eq!(
        reason(&t, &pem_options(mock)).await,
        "token-verification-failed"
    );
}

#[tokio::test]
async fn order_claims_sub_aud_azp_iss_exp() {
    let mock = shared_mock();
    let options = VerifyTokenOptions {
        audience: vec!["api://one".into()],
        authorized_parties: vec!["https://app.example".into()],
        issuer: Some(mock.issuer()),
        ..pem_options(mock)
    };
    let all_bad = || {
        token(mock)
            .claim("aud", "api://two")
            .azp("https://evil.example")
            .issuer("https://evil.example")
            .expired()
    };
    // sub (8) before aud (9)...
    let t = all_bad().claim("sub", "").sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
    // ...aud (9) before azp (10)...
    let t = all_bad().sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
    // ...azp (10) before iss (11)...
    let t = all_bad().without_claim("aud").sign();
    assert_eq!(
        reason(&t, &options).await,
        "token-invalid-authorized-parties"
    );
    // ...iss (11) before exp (12)...
    let t = all_bad()
        .without_claim("aud")
        .azp("https://app.example")
        .sign();
    assert_eq!(reason(&t, &options).await, "token-invalid-issuer");
    // ...and exp last of these.
    let t = all_bad()
        .without_claim("aud")
        .azp("https://app.example")
        .issuer(&mock.issuer())
        .sign();
    assert_eq!(reason(&t, &options).await, "token-expired");
}

#[tokio::test]
async fn order_exp_then_nbf_then_iat_type_errors() {
    let (mock, options) = shared_pem();
    // A non-numeric nbf is reported even though iat is in the future.
    let t = token(mock)
        .claim("nbf", "soon")
        .claim("iat", T0 + 1_000)
        .sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
    // An expired token with a non-numeric nbf is token-expired (exp comes first).
    let t = token(mock).expired().claim("nbf", Value::Null).sign();
    assert_eq!(reason(&t, &options).await, "token-expired");
    // A future nbf wins over a non-numeric iat.
    let t = token(mock)
        .claim("nbf", T0 + 100)
        .claim("iat", "x")
        .claim("exp", T0 + 1_000)
        .sign();
    assert_eq!(reason(&t, &options).await, "token-not-active-yet");
}

// ---------------------------------------------------------------------------------------
// Categories and critical headers (§2.3, §10 B21, B23)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn session_ignore_and_absent_categories_are_accepted() {
    let (mock, options) = shared_pem();
    for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
        let claims = accept(&token(mock).header("cat", cat).sign(), &options).await;
        assert!(!claims.subject().is_empty());
    }
    accept(&token(mock).without_header("cat").sign(), &options).await;
}

#[tokio::test]
async fn jwt_template_and_other_categories_are_token_invalid_deviation_b21() {
    let (mock, options) = shared_pem();
    for cat in [
        json!("cl_B7d4PD222AAA"),
        json!("cl_B7d4PD444AAA"),
        json!("cl_b7d4pd111aaa"),
        json!("anything"),
        json!(""),
        json!(null),
        json!(111),
        json!(["cl_B7d4PD111AAA"]),
    ] {
        let t = token(mock).header("cat", cat.clone()).sign();
        assert_eq!(reason(&t, &options).await, "token-invalid", "cat {cat}");
    }
}

#[tokio::test]
async fn crit_header_is_token_invalid_deviation_b23() {
    let (mock, options) = shared_pem();
    for crit in [
        json!(["exp"]),
        json!(["b64"]),
        json!([]),
        json!(null),
        json!("x"),
    ] {
        let t = token(mock).header("crit", crit.clone()).sign();
        assert_eq!(reason(&t, &options).await, "token-invalid", "crit {crit}");
    }
}

#[tokio::test]
async fn key_location_headers_are_ignored() {
    // jku, x5u, x5c (B16–B18, B24) never select a key.
    let mock = shared_mock();
    let t = token(mock)
        .header("jku", "https://evil.example/jwks.json")
        .header("x5u", "https://evil.example/cert.pem")
        .header("x5c", json!(["MIIBIjAN"]))
        .header("jwk", json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}))
        .sign();
    accept(&t, &pem_options(mock)).await;
    let forged = token(mock)
        .header("jku", "https://evil.example/jwks.json")
        .sign_with(&other_key());
    assert_eq!(
        reason(&forged, &pem_options(mock)).await,
        "token-invalid-signature"
    );
}

// ---------------------------------------------------------------------------------------
// Header checks before key lookup (§10 J03/J04/J19)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn alg_none_with_a_forged_kid_costs_no_jwks_fetch() {
    let (mock, clerk) = start_mock().await;
    // An unsigned token, as an attacker would send it.
    let h = b64url(br#"{"alg":"none","kid":"ins_forged","typ":"JWT"}"#);
    let p = b64url(&serde_json::to_vec(mock.token().claims()).unwrap());
    let t = format!("{h}.{p}.");
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-algorithm");
    let t = mock
        .token()
        .header("alg", "none")
        .header("kid", "ins_forged")
        .sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-algorithm");
    // Same for a bad typ.
    let t = mock
        .token()
        .header("typ", "at+jwt")
        .header("kid", "ins_forged")
        .sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid");
    assert_eq!(mock.jwks_requests(), 0);
    // And with the free function in JWKS mode.
    let options = VerifyTokenOptions {
        secret_key: Some(mock.secret_key().to_owned()),
        api_url: Some(mock.api_url()),
        ..Default::default()
    };
    assert_eq!(reason(&t, &options).await, "token-invalid");
    assert_eq!(mock.jwks_requests(), 0);
}

#[tokio::test]
async fn header_checks_run_before_key_resolution() {
    let mock = shared_mock();
    let none = VerifyTokenOptions::default();
    let t = token(mock).header("alg", "none").sign();
    assert_eq!(reason(&t, &none).await, "token-invalid-algorithm");
    let t = token(mock).header("typ", "jwt").sign();
    assert_eq!(reason(&t, &none).await, "token-invalid");
    // RS384 passes the allow-list, so the missing key is reported first.
    let t = token(mock).header("alg", "RS384").sign();
    assert_eq!(reason(&t, &none).await, "jwk-failed-to-resolve");
}

#[tokio::test]
async fn m2m_category_is_token_invalid_before_key_lookup() {
    let mock = MockClerk::start().await;
    let t = token(&mock).header("cat", "cl_B7d4PD333AAA").sign();
    assert_eq!(reason(&t, &pem_options(&mock)).await, "token-invalid");
    // Before key resolution: no key configured still says token-invalid...
    assert_eq!(
        reason(&t, &VerifyTokenOptions::default()).await,
        "token-invalid"
    );
    // ...and in JWKS mode no fetch happens.
    let clerk = mock.clerk();
    let t = mock.token().header("cat", "cl_B7d4PD333AAA").sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid");
    assert_eq!(mock.jwks_requests(), 0);
}

// ---------------------------------------------------------------------------------------
// Step 4: typ (B12–B15, C36)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn typ_absent_or_jwt_is_accepted() {
    let (mock, options) = shared_pem();
    accept(&token(mock).without_header("typ").sign(), &options).await;
    accept(&token(mock).header("typ", "JWT").sign(), &options).await;
}

#[tokio::test]
async fn typ_other_than_jwt_is_token_invalid() {
    let (mock, options) = shared_pem();
    for typ in [
        json!("jwt"),
        json!("Jwt"),
        json!(null),
        json!("JWS"),
        json!("at+jwt"),
        json!("application/at+jwt"),
        json!(""),
        json!(1),
        json!(["JWT"]),
    ] {
        let t = token(mock).header("typ", typ.clone()).sign();
        assert_eq!(reason(&t, &options).await, "token-invalid", "typ {typ}");
    }
}

// ---------------------------------------------------------------------------------------
// Step 5 and 6: alg (B01–B10, §2.2)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rs384_and_rs512_signed_for_real_fail_verification() {
    let mock = MockClerk::start().await;
    let options = pem_options(&mock);
    for alg in ["RS384", "RS512"] {
        let t = token(&mock).header("alg", alg).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "{alg}"
        );
    }
    // The same in JWKS mode (J17).
    let clerk = mock.clerk();
    let t = mock.token().header("alg", "RS512").sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-verification-failed");
}

#[tokio::test]
async fn algorithms_outside_the_allow_list_are_token_invalid_algorithm() {
    let (mock, options) = shared_pem();
    for alg in [
        json!("none"),
        json!("None"),
        json!("HS256"),
        json!("HS512"),
        json!("ES256"),
        json!("PS256"),
        json!("EdDSA"),
        json!("rs256"),
        json!("RS256 "),
        json!(""),
        json!(null),
        json!(256),
    ] {
        let t = token(mock).header("alg", alg.clone()).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-invalid-algorithm",
            "alg {alg}"
        );
    }
    let t = token(mock).without_header("alg").sign();
    assert_eq!(reason(&t, &options).await, "token-invalid-algorithm");
}

#[tokio::test]
async fn hs256_is_refused_by_name() {
    // The key-confusion attack: an HS256 token whose MAC an attacker keys with the public
    // PEM text. The name alone refuses it, before any crypto, so the MAC's value is moot.
    let mock = shared_mock();
    let (_, p, _) = parts(&token(mock).sign());
    let h = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let t = format!("{h}.{p}.{}", b64url(&[0x42; 32]));
    assert_eq!(
        reason(&t, &pem_options(mock)).await,
        "token-invalid-algorithm"
    );
}

// ---------------------------------------------------------------------------------------
// Step 7: signature (A11–A13, B11, B25, B26)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn tampered_payload_is_token_invalid_signature() {
    let mock = MockClerk::start().await;
    let t = token(&mock).sign_tampered();
    assert_eq!(
        reason(&t, &pem_options(&mock)).await,
        "token-invalid-signature"
    );
    let clerk = mock.clerk();
    assert_eq!(
        clerk_reason(&clerk, &mock.token().sign_tampered()).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn wrong_key_is_token_invalid_signature() {
    let mock = MockClerk::start().await;
    let other = other_key();
    let t = token(&mock).sign_with(&other);
    assert_eq!(
        reason(&t, &pem_options(&mock)).await,
        "token-invalid-signature"
    );
    // JWKS mode: the published kid, signed with another key.
    let clerk = mock.clerk();
    let t = mock.token().sign_with(&other);
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-signature");
}

#[tokio::test]
async fn empty_or_truncated_signature_is_token_invalid_signature() {
    let (mock, options) = shared_pem();
    let (h, p, s) = parts(&token(mock).sign());
    assert_eq!(
        reason(&format!("{h}.{p}."), &options).await,
        "token-invalid-signature"
    );
    assert_eq!(
        reason(&format!("{h}.{p}.{}", &s[..40]), &options).await,
        "token-invalid-signature"
    );
    assert_eq!(
        reason(&format!("{h}.{p}.{}", b64url(&[0u8; 256])), &options).await,
        "token-invalid-signature"
    );
}

#[tokio::test]
async fn signature_over_another_header_is_token_invalid_signature() {
    let (mock, options) = shared_pem();
    let (_, p, s) = parts(&token(mock).sign());
    let (h2, _, _) = parts(&token(mock).header("kid", "ins_other").sign());
    assert_eq!(
        reason(&format!("{h2}.{p}.{s}"), &options).await,
        "token-invalid-signature"
    );
}
