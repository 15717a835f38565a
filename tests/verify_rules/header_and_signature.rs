//! Steps 2 to 7: the M2M category, `typ`, `alg` and the signature.

use super::*;

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
    let mock = shared_mock();
    let options = pem_options(mock);
    accept(&token(mock).without_header("typ").sign(), &options).await;
    accept(&token(mock).header("typ", "JWT").sign(), &options).await;
}

#[tokio::test]
async fn typ_other_than_jwt_is_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = shared_mock();
    let options = pem_options(mock);
    let (_, p, s) = parts(&token(mock).sign());
    let (h2, _, _) = parts(&token(mock).header("kid", "ins_other").sign());
    assert_eq!(
        reason(&format!("{h2}.{p}.{s}"), &options).await,
        "token-invalid-signature"
    );
}
