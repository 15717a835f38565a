//! One test per rule of `verifyToken` (spec `clerk-auth-semantics.md` §2, §3.3 and the
//! deliberate deviations of §10), asserting Clerk's exact reason codes.
//!
//! Networkless (PEM) options are used wherever the rule does not involve the JWKS, and
//! every time-dependent test pins `now` so the boundaries are exact and deterministic.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use clerk::testing::{Fault, MockClerk, MockKey, TokenBuilder};
use clerk::{
    verify_token, SessionClaims, TokenVerificationErrorReason as Reason, VerifyTokenOptions,
    MAX_TOKEN_LEN,
};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The pinned "now" of the time tests, in whole seconds since the epoch.
const T0: i64 = 1_700_000_000;

/// `T0` plus `offset_ms` milliseconds.
fn at_ms(offset_ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis((T0 * 1000 + offset_ms) as u64)
}

fn t0() -> SystemTime {
    at_ms(0)
}

/// One mock instance shared by the networkless tests: generating RSA keys is the slow
/// part of this suite. Its JWKS server is not used (it stops with the thread's runtime);
/// tests that talk to the JWKS start their own `MockClerk`.
fn shared_mock() -> &'static MockClerk {
    static MOCK: OnceLock<MockClerk> = OnceLock::new();
    MOCK.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(MockClerk::start())
        })
        .join()
        .unwrap()
    })
}

/// A key that no mock publishes.
fn other_key() -> Arc<MockKey> {
    static KEY: OnceLock<Arc<MockKey>> = OnceLock::new();
    KEY.get_or_init(|| shared_mock().unpublished_key()).clone()
}

/// A token builder whose clock is `T0`: `iat = T0`, `nbf = T0 - 5`, `exp = T0 + 60`.
fn token(mock: &MockClerk) -> TokenBuilder {
    mock.token().at(t0())
}

/// Networkless options with the mock's PEM, verifying at `T0`.
fn pem_options(mock: &MockClerk) -> VerifyTokenOptions {
    VerifyTokenOptions {
        jwt_key: Some(mock.jwt_key_pem()),
        now: Some(t0()),
        ..Default::default()
    }
}

/// Options with a given PEM text, verifying at `T0`.
fn options_with_pem(pem: impl Into<String>) -> VerifyTokenOptions {
    VerifyTokenOptions {
        jwt_key: Some(pem.into()),
        now: Some(t0()),
        ..Default::default()
    }
}

async fn accept(token: &str, options: &VerifyTokenOptions) -> SessionClaims {
    match verify_token(token, options).await {
        Ok(claims) => claims,
        Err(err) => panic!("expected the token to verify, got {err}"),
    }
}

async fn reason(token: &str, options: &VerifyTokenOptions) -> &'static str {
    match verify_token(token, options).await {
        Ok(claims) => panic!("expected a failure, got claims {claims:?}"),
        Err(err) => {
            assert_eq!(err.reason(), err.kind().as_str());
            err.reason()
        }
    }
}

async fn clerk_reason(clerk: &clerk::Clerk, token: &str) -> &'static str {
    match clerk.verify_token(token).await {
        Ok(claims) => panic!("expected a failure, got claims {claims:?}"),
        Err(err) => err.reason(),
    }
}

/// The three segments of a compact token.
fn parts(token: &str) -> (String, String, String) {
    let mut it = token.split('.');
    let (h, p, s) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    assert!(it.next().is_none());
    (h.to_owned(), p.to_owned(), s.to_owned())
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs arbitrary header and payload text (RS256) with the mock's current key.
fn raw(mock: &MockClerk, header: &str, payload: &str) -> String {
    TokenBuilder::sign_raw(
        &mock.current_key(),
        header.as_bytes(),
        payload.as_bytes(),
        "RS256",
    )
}

const HEADER: &str = r#"{"alg":"RS256","typ":"JWT"}"#;

/// A minimal valid payload at `T0` with extra raw JSON members appended.
fn payload_with(extra: &str) -> String {
    let base = format!(r#""sub":"user_raw","iat":{T0},"exp":{}"#, T0 + 60);
    if extra.is_empty() {
        format!("{{{base}}}")
    } else {
        format!("{{{base},{extra}}}")
    }
}

/// A payload without `exp` (for tests that put their own `exp`).
fn payload_without_exp(extra: &str) -> String {
    format!(r#"{{"sub":"user_raw","iat":{T0},{extra}}}"#)
}

const ALL_CODES: [&str; 16] = [
    "token-expired",
    "token-invalid",
    "token-invalid-algorithm",
    "token-invalid-authorized-parties",
    "token-invalid-signature",
    "token-not-active-yet",
    "token-iat-in-the-future",
    "token-verification-failed",
    "token-invalid-issuer",
    "jwk-local-missing",
    "jwk-remote-failed-to-load",
    "jwk-remote-invalid",
    "jwk-remote-missing",
    "jwk-failed-to-resolve",
    "jwk-kid-mismatch",
    "secret-key-invalid",
];

// ---------------------------------------------------------------------------------------
// Reason codes (§2.9)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn reason_codes_are_clerks_sixteen_codes() {
    let mut ours: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(ours.len(), 16);
    ours.sort_unstable();
    ours.dedup();
    assert_eq!(ours.len(), 16, "codes must be distinct");
    let mut theirs = ALL_CODES.to_vec();
    theirs.sort_unstable();
    assert_eq!(ours, theirs);
    for r in Reason::ALL {
        assert_eq!(r.to_string(), r.as_str());
    }
    assert_eq!(Reason::InvalidSecretKey.as_str(), "secret-key-invalid");
    assert_eq!(Reason::LocalJwkMissing.as_str(), "jwk-local-missing");
}

#[tokio::test]
async fn error_reason_matches_kind_and_display() {
    let err = verify_token("not-a-jwt", &VerifyTokenOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Reason::TokenInvalid);
    assert_eq!(err.reason(), "token-invalid");
    assert!(err.to_string().contains("reason=token-invalid"));
    assert!(!err.message().contains("not-a-jwt"));
}

// ---------------------------------------------------------------------------------------
// Success path
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn valid_token_returns_its_claims() {
    let mock = shared_mock();
    let t = token(mock)
        .user("user_42")
        .session("sess_7")
        .claim("custom", json!({"tier": "gold"}))
        .sign();
    let claims = accept(&t, &pem_options(mock)).await;
    assert_eq!(claims.subject(), "user_42");
    assert_eq!(claims.session_id(), Some("sess_7"));
    assert_eq!(claims.issuer(), Some(mock.issuer().as_str()));
    assert_eq!(claims.authorized_party(), Some("http://localhost:3000"));
    assert_eq!(claims.expires_at(), T0 + 60);
    assert_eq!(claims.issued_at(), Some(T0));
    assert_eq!(claims.not_before(), Some(T0 - 5));
    assert_eq!(claims.version(), Some(2));
    assert_eq!(claims.get("custom"), Some(&json!({"tier": "gold"})));
}

#[tokio::test]
async fn valid_token_verifies_against_the_jwks() {
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
    let t = mock.token().user("user_jwks").sign();
    let claims = clerk.verify_token(&t).await.unwrap();
    assert_eq!(claims.subject(), "user_jwks");
    assert_eq!(mock.jwks_requests(), 1);
    // The free function in JWKS mode (secret key and API URL) verifies it too.
    let options = VerifyTokenOptions {
        secret_key: Some(mock.secret_key().to_owned()),
        api_url: Some(mock.api_url()),
        ..Default::default()
    };
    assert_eq!(accept(&t, &options).await.subject(), "user_jwks");
}

// ---------------------------------------------------------------------------------------
// Step 1: malformed tokens → token-invalid (A02–A06, A09, A10)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn not_three_parts_is_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);
    let (h, p, s) = parts(&token(mock).sign());
    for t in [
        String::new(),
        "abc".to_owned(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}."),
        format!("{h}{p}{s}"),
        "..".to_owned(),
        "...".to_owned(),
    ] {
        assert_eq!(reason(&t, &options).await, "token-invalid", "{t:?}");
    }
}

/// A JSON object (built by `make` around a padding string) whose base64url encoding
/// contains both `-` and `_`, so its standard-alphabet spelling differs.
fn json_with_url_safe_chars(make: impl Fn(&str) -> String) -> String {
    for n in 0..6 {
        let json = make(&format!("{}~~~???>>>~~~???", "x".repeat(n)));
        let enc = b64url(json.as_bytes());
        if enc.contains('-') && enc.contains('_') {
            return json;
        }
    }
    panic!("no padding gives both '-' and '_'");
}

#[tokio::test]
async fn standard_base64_alphabet_is_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);
    let header =
        json_with_url_safe_chars(|pad| format!(r#"{{"alg":"RS256","typ":"JWT","pad":"{pad}"}}"#));
    let payload = json_with_url_safe_chars(|pad| payload_with(&format!(r#""pad":"{pad}""#)));
    let good = raw(mock, &header, &payload);
    // The base64url original verifies...
    assert_eq!(accept(&good, &options).await.subject(), "user_raw");
    // ...the same bytes in the standard alphabet do not (A09): header, payload, signature.
    let to_std = |seg: &str| seg.replace('-', "+").replace('_', "/");
    let (h, p, s) = parts(&good);
    let (h_std, p_std) = (to_std(&h), to_std(&p));
    assert!(h_std.contains('+') && h_std.contains('/'));
    assert!(p_std.contains('+') && p_std.contains('/'));
    for t in [
        format!("{h_std}.{p}.{s}"),
        format!("{h}.{p_std}.{s}"),
        format!("{h}.{p}.+{}", &s[1..]),
        format!("{h}.{p}./{}", &s[1..]),
    ] {
        assert_eq!(reason(&t, &options).await, "token-invalid", "{t}");
    }
}

#[tokio::test]
async fn whitespace_is_not_trimmed() {
    let mock = shared_mock();
    let options = pem_options(mock);
    let t = token(mock).sign();
    let (h, p, s) = parts(&t);
    for bad in [
        format!(" {t}"),
        format!("{t} "),
        format!("{t}\n"),
        format!("\t{t}"),
        format!("{h}. {p}.{s}"),
        format!("{h}.{p}.{}\r\n{}", &s[..10], &s[10..]),
    ] {
        assert_eq!(reason(&bad, &options).await, "token-invalid", "{bad:?}");
    }
    accept(&t, &options).await;
}

#[tokio::test]
async fn padding_is_tolerated_a08() {
    let mock = shared_mock();
    let options = pem_options(mock);
    // Header and payload whose encodings need two '=' each.
    let t = raw(
        mock,
        r#"{"alg":"RS256","typ":"JWT","x":12}"#,
        &payload_with(""),
    );
    let (h, p, s) = parts(&t);
    assert_eq!((h.len() % 4, p.len() % 4, s.len() % 4), (2, 2, 2));
    accept(&t, &options).await;
    // The signature segment is not signed, so padding it keeps the token valid.
    assert_eq!(
        accept(&format!("{h}.{p}.{s}=="), &options).await.subject(),
        "user_raw"
    );
    accept(&format!("{h}.{p}.{s}="), &options).await;
    // Padding in a signed segment is decoded fine: the token gets past decoding (step 1)
    // and fails only because the signature covers the unpadded text (step 7).
    for t in [format!("{h}==.{p}.{s}"), format!("{h}.{p}==.{s}")] {
        assert_eq!(reason(&t, &options).await, "token-invalid-signature", "{t}");
    }
    // '=' anywhere but at the end is not base64url.
    let t = format!("{}=={}.{p}.{s}", &h[..4], &h[4..]);
    assert_eq!(reason(&t, &options).await, "token-invalid");
}

#[tokio::test]
async fn leftover_bits_and_dangling_characters_are_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);
    let (h, p, s) = parts(&token(mock).sign());
    // A dangling 6-bit group (a segment of length 4k + 1).
    let dangle = |seg: &str| {
        let mut seg = seg.to_owned();
        while seg.len() % 4 != 1 {
            seg.push('A');
        }
        seg
    };
    for t in [
        format!("{}.{p}.{s}", dangle(&h)),
        format!("{h}.{}.{s}", dangle(&p)),
        format!("{h}.{p}.{}", dangle(&s)),
    ] {
        assert_eq!(reason(&t, &options).await, "token-invalid", "{t}");
    }
    // The last signature character carries 4 data bits and 2 zero bits; set one of those.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *s.as_bytes().last().unwrap();
    let v = ALPHABET.iter().position(|&c| c == last).unwrap();
    assert_eq!(v & 3, 0);
    let mut s_bad = s.clone();
    s_bad.pop();
    s_bad.push(ALPHABET[v | 1] as char);
    assert_eq!(
        reason(&format!("{h}.{p}.{s_bad}"), &options).await,
        "token-invalid"
    );
}

#[tokio::test]
async fn non_json_header_or_payload_is_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);
    for (header, payload) in [
        ("not json", payload_with("")),
        ("{\"alg\":\"RS256\"", payload_with("")),
        ("", payload_with("")),
        (HEADER, "not json".to_owned()),
        (HEADER, "{\"sub\":".to_owned()),
        (HEADER, String::new()),
        (HEADER, format!("{} trailing", payload_with(""))),
    ] {
        let t = raw(mock, header, &payload);
        assert_eq!(
            reason(&t, &options).await,
            "token-invalid",
            "{header:?} / {payload:?}"
        );
    }
}

#[tokio::test]
async fn json_is_read_as_json_parse_reads_it() {
    let mock = shared_mock();
    let options = pem_options(mock);
    // `JSON.parse` accepts lone UTF-16 surrogate escapes; such a token is well-formed.
    for extra in [
        r#""name":"\ud800""#,
        r#""name":"\udc00x""#,
        r#""name":"\ud800\u0041""#,
        r#""name":"\ud83d\ude00""#,
    ] {
        let t = raw(mock, HEADER, &payload_with(extra));
        assert_eq!(accept(&t, &options).await.subject(), "user_raw", "{extra}");
    }
    // Numbers that are not JSON stay malformed, even next to an overflowing one (which
    // alone is fine: see `overflowing_json_numbers_are_out_of_range_not_malformed`).
    for extra in [
        r#""big":1e400,"bad":01e400"#,
        r#""big":1e400,"bad":1.e400"#,
        r#""big":1e400,"bad":-01e999"#,
        r#""bad":01"#,
        r#""bad":1."#,
        r#""bad":.5"#,
        r#""bad":+1"#,
    ] {
        let t = raw(mock, HEADER, &payload_with(extra));
        assert_eq!(reason(&t, &options).await, "token-invalid", "{extra}");
    }
}

#[tokio::test]
async fn null_header_or_payload_is_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);
    let t = raw(mock, "null", &payload_with(""));
    assert_eq!(reason(&t, &options).await, "token-invalid");
    let t = raw(mock, HEADER, "null");
    assert_eq!(reason(&t, &options).await, "token-invalid");
}

#[tokio::test]
async fn tokens_over_max_token_len_are_token_invalid() {
    let mock = shared_mock();
    let options = pem_options(mock);

    // Build a valid token of exactly MAX_TOKEN_LEN bytes: vary a header field until the
    // payload length needed is reachable by base64url, then size a padding claim.
    let b64_len = |n: usize| 4 * (n / 3) + [0, 2, 3][n % 3];
    let mut exact = None;
    for k in 0..4 {
        let base = token(mock).header("x", "h".repeat(k)).claim("pad", "");
        let (h, p, s) = parts(&base.clone().sign());
        let json_len = URL_SAFE_NO_PAD.decode(&p).unwrap().len();
        let want = MAX_TOKEN_LEN - h.len() - s.len() - 2;
        let Some(n) = (json_len..json_len + want).find(|&n| b64_len(n) == want) else {
            continue;
        };
        let t = base.claim("pad", "a".repeat(n - json_len)).sign();
        assert_eq!(t.len(), MAX_TOKEN_LEN);
        exact = Some(t);
        break;
    }
    let exact = exact.expect("a token of exactly MAX_TOKEN_LEN bytes");
    accept(&exact, &options).await;

    // One byte more (a tolerated '=' on the signature) is refused before decoding.
    let over = format!("{exact}=");
    assert_eq!(over.len(), MAX_TOKEN_LEN + 1);
    assert_eq!(reason(&over, &options).await, "token-invalid");

    let huge = "a.b.c".repeat(MAX_TOKEN_LEN);
    assert_eq!(reason(&huge, &options).await, "token-invalid");
    assert_eq!(
        reason(&huge, &VerifyTokenOptions::default()).await,
        "token-invalid"
    );
}

// ---------------------------------------------------------------------------------------
// Step 2: M2M category (B19, C37)
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Step 8: sub (C01–C03, A07, §10 C03/F02)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn sub_missing_or_not_a_string_fails_verification() {
    let mock = shared_mock();
    let options = pem_options(mock);
    assert_eq!(
        reason(&token(mock).without_claim("sub").sign(), &options).await,
        "token-verification-failed"
    );
    for sub in [
        json!(42),
        json!(null),
        json!(true),
        json!(["user_1"]),
        json!({"id": "user_1"}),
    ] {
        let t = token(mock).claim("sub", sub.clone()).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "sub {sub}"
        );
    }
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
    for aud in ["api://three", "API://one", "api://one/"] {
        let t = token(mock).claim("aud", aud).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "{aud}"
        );
    }
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

fn with_parties(mock: &MockClerk, parties: &[&str]) -> VerifyTokenOptions {
    VerifyTokenOptions {
        authorized_parties: parties.iter().map(|s| s.to_string()).collect(),
        ..pem_options(mock)
    }
}

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
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .authorized_parties(["https://app.example"])
        .build()
        .unwrap();
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
    for bad in [
        json!(format!("{iss}/")),
        json!(iss.to_uppercase()),
        json!("https://evil.example"),
        json!(""),
        json!(null),
        json!([iss.clone()]),
    ] {
        let t = token(mock).claim("iss", bad.clone()).sign();
        assert_eq!(reason(&t, &options).await, "token-invalid-issuer", "{bad}");
    }
    let t = token(mock).without_claim("iss").sign();
    assert_eq!(reason(&t, &options).await, "token-invalid-issuer");
}

#[tokio::test]
async fn issuer_derived_from_the_publishable_key() {
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .issuer_from_publishable_key()
        .build()
        .unwrap();
    clerk.verify_token(&mock.token().sign()).await.unwrap();
    let t = mock
        .token()
        .issuer("https://other.clerk.accounts.dev")
        .sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-issuer");
    let t = mock.token().without_claim("iss").sign();
    assert_eq!(clerk_reason(&clerk, &t).await, "token-invalid-issuer");
}

// ---------------------------------------------------------------------------------------
// Steps 12–14: time checks (§2.4)
// ---------------------------------------------------------------------------------------

fn at(mock: &MockClerk, now: SystemTime, skew: Option<Duration>) -> VerifyTokenOptions {
    VerifyTokenOptions {
        now: Some(now),
        clock_skew: skew,
        ..pem_options(mock)
    }
}

/// A token with only `exp = T0` (no `nbf`, no `iat`).
fn exp_at_t0(mock: &MockClerk) -> String {
    token(mock)
        .without_claim("nbf")
        .without_claim("iat")
        .claim("exp", T0)
        .sign()
}

#[tokio::test]
async fn exp_boundary_with_the_default_skew() {
    let mock = shared_mock();
    let t = exp_at_t0(mock);
    // exp*1000 <= now - 5000 is expired.
    accept(&t, &at(mock, at_ms(4_999), None)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(5_000), None)).await,
        "token-expired"
    );
    assert_eq!(
        reason(&t, &at(mock, at_ms(5_001), None)).await,
        "token-expired"
    );
    // The default is exactly 5 s.
    accept(&t, &at(mock, at_ms(4_999), Some(Duration::from_secs(5)))).await;
}

#[tokio::test]
async fn exp_boundary_with_a_custom_skew() {
    let mock = shared_mock();
    let t = exp_at_t0(mock);
    let skew = Some(Duration::from_millis(1_500));
    accept(&t, &at(mock, at_ms(1_499), skew)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(1_500), skew)).await,
        "token-expired"
    );
    assert_eq!(
        reason(&t, &at(mock, at_ms(1_501), skew)).await,
        "token-expired"
    );
    // The arithmetic is exact for a fractional skew too (clockSkewInMs = 1.5).
    let skew = Some(Duration::from_micros(1_500));
    accept(&t, &at(mock, at_ms(1), skew)).await;
    assert_eq!(reason(&t, &at(mock, at_ms(2), skew)).await, "token-expired");
    let skew = Some(Duration::from_secs(60));
    accept(&t, &at(mock, at_ms(59_999), skew)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(60_000), skew)).await,
        "token-expired"
    );
}

#[tokio::test]
async fn exp_boundary_with_zero_skew() {
    let mock = shared_mock();
    let t = exp_at_t0(mock);
    let zero = Some(Duration::ZERO);
    accept(&t, &at(mock, at_ms(-1), zero)).await;
    assert_eq!(reason(&t, &at(mock, at_ms(0), zero)).await, "token-expired");
    assert_eq!(reason(&t, &at(mock, at_ms(1), zero)).await, "token-expired");
}

#[tokio::test]
async fn a_clerk_instance_applies_its_clock_skew() {
    let mock = MockClerk::start().await;
    let t = mock
        .token()
        .at(t0())
        .without_claim("nbf")
        .without_claim("iat")
        .claim("exp", T0)
        .sign();
    let default = mock.clerk();
    assert!(default
        .with_fixed_time(at_ms(4_999))
        .verify_token(&t)
        .await
        .is_ok());
    assert_eq!(
        clerk_reason(&default.with_fixed_time(at_ms(5_000)), &t).await,
        "token-expired"
    );
    let strict = mock
        .clerk_builder()
        .clock_skew(Duration::ZERO)
        .build()
        .unwrap();
    assert!(strict
        .with_fixed_time(at_ms(-1))
        .verify_token(&t)
        .await
        .is_ok());
    assert_eq!(
        clerk_reason(&strict.with_fixed_time(at_ms(0)), &t).await,
        "token-expired"
    );
}

#[tokio::test]
async fn exp_is_required_and_must_be_a_number() {
    let mock = shared_mock();
    let options = pem_options(mock);
    let t = token(mock).without_claim("exp").sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
    for exp in [
        json!(null),
        json!("1700000060"),
        json!(true),
        json!([T0 + 60]),
        json!({}),
    ] {
        let t = token(mock).claim("exp", exp.clone()).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "exp {exp}"
        );
    }
}

#[tokio::test]
async fn nbf_boundaries() {
    let mock = shared_mock();
    let nbf = T0 + 100;
    let t = token(mock)
        .without_claim("iat")
        .claim("nbf", nbf)
        .claim("exp", T0 + 1_000)
        .sign();
    let base = 100_000; // nbf in ms relative to T0
                        // Default skew: nbf*1000 > now + 5000 fails; equality is accepted.
    accept(&t, &at(mock, at_ms(base - 5_000), None)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(base - 5_001), None)).await,
        "token-not-active-yet"
    );
    // Custom skew.
    let skew = Some(Duration::from_millis(250));
    accept(&t, &at(mock, at_ms(base - 250), skew)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(base - 251), skew)).await,
        "token-not-active-yet"
    );
    // Zero skew.
    let zero = Some(Duration::ZERO);
    accept(&t, &at(mock, at_ms(base), zero)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(base - 1), zero)).await,
        "token-not-active-yet"
    );
}

#[tokio::test]
async fn iat_boundaries() {
    let mock = shared_mock();
    let t = token(mock)
        .without_claim("nbf")
        .claim("iat", T0 + 100)
        .claim("exp", T0 + 1_000)
        .sign();
    let base = 100_000;
    accept(&t, &at(mock, at_ms(base - 5_000), None)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(base - 5_001), None)).await,
        "token-iat-in-the-future"
    );
    let skew = Some(Duration::from_millis(2_000));
    accept(&t, &at(mock, at_ms(base - 2_000), skew)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(base - 2_001), skew)).await,
        "token-iat-in-the-future"
    );
    let zero = Some(Duration::ZERO);
    accept(&t, &at(mock, at_ms(base), zero)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(base - 1), zero)).await,
        "token-iat-in-the-future"
    );
}

#[tokio::test]
async fn nbf_and_iat_are_optional() {
    let mock = shared_mock();
    let t = token(mock).without_claim("nbf").without_claim("iat").sign();
    let claims = accept(&t, &pem_options(mock)).await;
    assert_eq!(claims.not_before(), None);
    assert_eq!(claims.issued_at(), None);
}

#[tokio::test]
async fn nbf_and_iat_must_be_numbers_when_present() {
    let mock = shared_mock();
    let options = pem_options(mock);
    for name in ["nbf", "iat"] {
        for value in [json!(null), json!("0"), json!(false), json!([0])] {
            let t = token(mock).claim(name, value.clone()).sign();
            assert_eq!(
                reason(&t, &options).await,
                "token-verification-failed",
                "{name} {value}"
            );
        }
    }
}

#[tokio::test]
async fn fractional_seconds_are_truncated_c16() {
    let mock = shared_mock();
    // exp = T0 + 0.9 counts as T0: expired at now = T0 + skew although 0.9 s would remain.
    let t = token(mock)
        .without_claim("nbf")
        .without_claim("iat")
        .claim("exp", T0 as f64 + 0.9)
        .sign();
    accept(&t, &at(mock, at_ms(4_999), None)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(5_000), None)).await,
        "token-expired"
    );
    // nbf = T0 + 100.9 counts as T0 + 100: accepted exactly at the truncated boundary.
    let t = token(mock)
        .without_claim("iat")
        .claim("nbf", (T0 + 100) as f64 + 0.9)
        .claim("exp", T0 + 1_000)
        .sign();
    let zero = Some(Duration::ZERO);
    accept(&t, &at(mock, at_ms(100_000), zero)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(99_999), zero)).await,
        "token-not-active-yet"
    );
    // iat likewise.
    let t = token(mock)
        .without_claim("nbf")
        .claim("iat", (T0 + 100) as f64 + 0.999)
        .claim("exp", T0 + 1_000)
        .sign();
    accept(&t, &at(mock, at_ms(100_000), zero)).await;
    assert_eq!(
        reason(&t, &at(mock, at_ms(99_999), zero)).await,
        "token-iat-in-the-future"
    );
}

#[tokio::test]
async fn out_of_range_time_claims_fail_verification_deviation_c17_c25() {
    let mock = shared_mock();
    let options = pem_options(mock);
    const LIMIT: i64 = 8_640_000_000_000; // ±8.64e12 s, a JavaScript Date's range
                                          // The largest representable exp is still a (far-future) expiry.
    let claims = accept(&token(mock).claim("exp", LIMIT).sign(), &options).await;
    assert_eq!(claims.expires_at(), LIMIT);
    for (name, value) in [
        ("exp", json!(LIMIT + 1)),
        ("exp", json!(1e300)),
        ("exp", json!(u64::MAX)),
        ("nbf", json!(-LIMIT - 1)),
        ("nbf", json!(LIMIT + 1)),
        ("iat", json!(-LIMIT - 1)),
        ("iat", json!(-1e300)),
    ] {
        let t = token(mock).claim(name, value.clone()).sign();
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "{name} {value}"
        );
    }
}

#[tokio::test]
async fn overflowing_json_numbers_are_out_of_range_not_malformed() {
    let mock = shared_mock();
    let options = pem_options(mock);
    // `JSON.parse` reads 1e400 as Infinity; the token is well-formed and the time check
    // (not the parser) refuses it.
    for payload in [
        payload_without_exp(r#""exp":1e400"#),
        payload_without_exp(r#""exp":-1e400"#),
        payload_with(r#""nbf":-1e400"#),
        payload_with(r#""iat":1E+999"#),
    ] {
        let t = raw(mock, HEADER, &payload);
        assert_eq!(
            reason(&t, &options).await,
            "token-verification-failed",
            "{payload}"
        );
    }
    // An overflowing number in an unrelated claim does not affect the decision.
    let t = raw(mock, HEADER, &payload_with(r#""big":1e400,"s":"1e400""#));
    let claims = accept(&t, &options).await;
    assert_eq!(claims.get("s"), Some(&json!("1e400")));
}

// ---------------------------------------------------------------------------------------
// Order of operations (§2.1, C30–C35)
// ---------------------------------------------------------------------------------------

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
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = shared_mock();
    let options = pem_options(mock);
    for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
        let claims = accept(&token(mock).header("cat", cat).sign(), &options).await;
        assert!(!claims.subject().is_empty());
    }
    accept(&token(mock).without_header("cat").sign(), &options).await;
}

#[tokio::test]
async fn jwt_template_and_other_categories_are_token_invalid_deviation_b21() {
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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

// ---------------------------------------------------------------------------------------
// Key resolution (§3.1–§3.3)
// ---------------------------------------------------------------------------------------

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
    let mock = shared_mock();
    let options = pem_options(mock);
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
    let mock = MockClerk::start().await;
    let clerk = mock.clerk();
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
    let mock = MockClerk::start().await;
    let clerk = mock
        .clerk_builder()
        .secret_key("sk_test_not_the_right_one")
        .build()
        .unwrap();
    assert_eq!(
        clerk_reason(&clerk, &mock.token().sign()).await,
        "secret-key-invalid"
    );
}

// ---------------------------------------------------------------------------------------
// Robustness: garbage never panics and always fails with a known code
// ---------------------------------------------------------------------------------------

/// Knuth's MMIX LCG, enough for reproducible garbage.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn garbage_tokens(valid: &str) -> Vec<String> {
    let mut rng = Lcg(0x00c1_e4c0_ffee);
    let mut out = Vec::new();
    // 1. Arbitrary bytes, made UTF-8 lossily.
    for _ in 0..100 {
        let len = rng.below(120);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        out.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    // 2. Characters that matter to the parser.
    let chars: Vec<char> = "AZaz09-_+/=. \n\t\r{}\"é€\u{0}\u{feff}".chars().collect();
    for _ in 0..100 {
        let len = rng.below(200);
        out.push((0..len).map(|_| *rng.pick(&chars)).collect());
    }
    // 3. Base64url segments of JSON-ish fragments, to reach the header and claim checks.
    let fragments = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"alg\"",
        "\"RS256\"",
        "\"typ\"",
        "\"JWT\"",
        "\"cat\"",
        "\"crit\"",
        "\"sub\"",
        "\"exp\"",
        "\"nbf\"",
        "\"iat\"",
        "\"azp\"",
        "\"aud\"",
        "null",
        "1e400",
        "-1e400",
        "1700000000",
        "0.5",
        "true",
        "\"\\u0000\"",
        "\"mch_x\"",
    ];
    for _ in 0..100 {
        let mut segs = Vec::new();
        for _ in 0..3 {
            let n = rng.below(12);
            let text: String = (0..n).map(|_| *rng.pick(&fragments)).collect();
            segs.push(b64url(text.as_bytes()));
        }
        if rng.below(3) == 0 {
            segs[0] = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
        }
        out.push(segs.join("."));
    }
    // 4. Mutations of a valid token: one changed character, a deletion, a truncation.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    for _ in 0..100 {
        let mut bytes = valid.as_bytes().to_vec();
        let i = rng.below(bytes.len());
        match rng.below(3) {
            0 => {
                let old = bytes[i];
                let mut c = *rng.pick(alphabet);
                while c == old {
                    c = *rng.pick(alphabet);
                }
                bytes[i] = c;
            }
            1 => {
                bytes.remove(i);
            }
            _ => bytes.truncate(i),
        }
        out.push(String::from_utf8(bytes).unwrap());
    }
    out
}

#[tokio::test]
async fn garbage_always_fails_with_a_known_reason_and_never_panics() {
    let mock = shared_mock();
    let valid = token(mock).sign();
    let tokens = garbage_tokens(&valid);
    assert!(tokens.len() >= 400);
    for options in [pem_options(mock), VerifyTokenOptions::default()] {
        for t in &tokens {
            match verify_token(t, &options).await {
                Ok(claims) => panic!("garbage {t:?} verified as {claims:?}"),
                Err(err) => assert!(
                    ALL_CODES.contains(&err.reason()),
                    "unknown reason {}",
                    err.reason()
                ),
            }
        }
    }
    // The unmutated token still verifies (the mutations were what failed).
    accept(&valid, &pem_options(mock)).await;
}

// ---------------------------------------------------------------------------------------
// Differential check against a model of the spec: random signed headers and claims
// ---------------------------------------------------------------------------------------

/// Raw JSON texts a header field or claim may take (`None`: absent). The first entry is
/// the well-formed value and is drawn more often, so many tokens reach the later steps.
struct Field {
    name: &'static str,
    values: &'static [Option<&'static str>],
}

const HEADER_FIELDS: &[Field] = &[
    Field {
        name: "alg",
        values: &[
            Some(r#""RS256""#),
            None,
            Some(r#""RS384""#),
            Some(r#""none""#),
            Some(r#""HS256""#),
            Some(r#""rs256""#),
        ],
    },
    Field {
        name: "typ",
        values: &[Some(r#""JWT""#), None, Some(r#""jwt""#), Some("null")],
    },
    Field {
        name: "cat",
        values: &[
            Some(r#""cl_B7d4PD111AAA""#),
            None,
            Some(r#""cl_I7d4PD111III""#),
            Some(r#""cl_B7d4PD222AAA""#),
            Some(r#""cl_B7d4PD333AAA""#),
        ],
    },
    Field {
        name: "crit",
        values: &[None, Some(r#"["exp"]"#)],
    },
    Field {
        name: "kid",
        values: &[Some(r#""ins_whatever""#), None],
    },
];

const CLAIMS: &[Field] = &[
    Field {
        name: "sub",
        values: &[
            Some(r#""user_1""#),
            None,
            Some(r#""""#),
            Some("null"),
            Some("5"),
            Some(r#""mch_1""#),
        ],
    },
    Field {
        name: "aud",
        values: &[
            None,
            Some(r#""api://one""#),
            Some(r#""api://two""#),
            Some(r#""""#),
            Some(r#"["x","api://one"]"#),
            Some(r#"["x"]"#),
            Some("[]"),
        ],
    },
    Field {
        name: "azp",
        values: &[
            Some(r#""https://app.example""#),
            None,
            Some(r#""""#),
            Some(r#""https://app.example/""#),
            Some(r#"["https://app.example"]"#),
        ],
    },
    Field {
        name: "iss",
        values: &[
            Some(r#""https://iss.example""#),
            None,
            Some(r#""https://evil.example""#),
        ],
    },
    Field {
        name: "exp",
        values: &[
            Some("1700000060"),
            Some("1699999940"),
            Some("1699999995"),
            Some("1700000000"),
            Some("1699999995.9"),
            Some(r#""x""#),
            Some("null"),
            None,
            Some("8640000000001"),
            Some("1e400"),
        ],
    },
    Field {
        name: "nbf",
        values: &[
            None,
            Some("1699999995"),
            Some("1700000005"),
            Some("1700000001.5"),
            Some("1700000100"),
            Some(r#""x""#),
            Some("null"),
            Some("-8640000000001"),
            Some("-1e400"),
        ],
    },
    Field {
        name: "iat",
        values: &[
            None,
            Some("1700000000"),
            Some("1700000005"),
            Some("1700000100"),
            Some("true"),
            Some("null"),
            Some("1e400"),
        ],
    },
];

/// Draws a value: the first one half of the time, otherwise any.
fn draw(rng: &mut Lcg, field: &Field) -> Option<&'static str> {
    if rng.below(2) == 0 {
        field.values[0]
    } else {
        *rng.pick(field.values)
    }
}

fn object_text(members: &[(&str, &str)]) -> String {
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    format!("{{{}}}", inner.join(","))
}

enum Time {
    Absent,
    NotANumber,
    OutOfRange,
    Ms(i128),
}

fn time_claim(raw: Option<&str>) -> Time {
    let Some(raw) = raw else { return Time::Absent };
    if raw.contains("e400") {
        return Time::OutOfRange; // ±Infinity in JavaScript
    }
    match serde_json::from_str::<Value>(raw).unwrap() {
        Value::Number(n) => {
            let secs = n.as_f64().unwrap().trunc();
            if secs.abs() > 8.64e12 {
                Time::OutOfRange
            } else {
                Time::Ms(secs as i128 * 1000)
            }
        }
        _ => Time::NotANumber,
    }
}

struct Model {
    audience: bool,
    parties: bool,
    issuer: bool,
    skew_ms: i128,
    forged: bool,
}

/// The outcomes the spec allows (§2.1 steps in order, with the §10 deviations), as reason
/// codes or "ok". Two codes are allowed only where the spec leaves the order open: a
/// non-session `cat` or a `crit` header (§10, both `token-invalid`) next to a bad `alg`.
fn model(header: &[(&str, &str)], claims: &[(&str, &str)], m: &Model) -> Vec<&'static str> {
    let h = |name: &str| header.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let c = |name: &str| claims.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let json = |raw: Option<&str>| raw.map(|r| serde_json::from_str::<Value>(r).unwrap());

    // Step 2: M2M category.
    if h("cat") == Some(r#""cl_B7d4PD333AAA""#) {
        return vec!["token-invalid"];
    }
    // Step 4: typ.
    if !matches!(h("typ"), None | Some(r#""JWT""#)) {
        return vec!["token-invalid"];
    }
    // Step 5: alg; §10: non-session cat and crit.
    let alg = h("alg");
    let alg_ok = matches!(alg, Some(r#""RS256""# | r#""RS384""# | r#""RS512""#));
    let deviation = !matches!(
        h("cat"),
        None | Some(r#""cl_B7d4PD111AAA""# | r#""cl_I7d4PD111III""#)
    ) || h("crit").is_some();
    match (alg_ok, deviation) {
        (false, true) => return vec!["token-invalid-algorithm", "token-invalid"],
        (false, false) => return vec!["token-invalid-algorithm"],
        (true, true) => return vec!["token-invalid"],
        (true, false) => {}
    }
    // Step 6: the RS256-only key refuses SHA-384/512.
    if alg != Some(r#""RS256""#) {
        return vec!["token-verification-failed"];
    }
    // Step 7: signature.
    if m.forged {
        return vec!["token-invalid-signature"];
    }
    // Step 8: sub, a non-empty string without the machine prefix (§10).
    match json(c("sub")) {
        Some(Value::String(s)) if !s.is_empty() && !s.starts_with("mch_") => {}
        _ => return vec!["token-verification-failed"],
    }
    // Step 9: aud, only when the option and a truthy claim are both present.
    if m.audience {
        let ok = match json(c("aud")) {
            Some(Value::String(a)) if !a.is_empty() => a == "api://one",
            Some(Value::Array(items)) if items.iter().any(|a| a != "") => {
                items.iter().any(|a| a == "api://one")
            }
            _ => true,
        };
        if !ok {
            return vec!["token-verification-failed"];
        }
    }
    // Step 10: azp.
    if m.parties && json(c("azp")) != Some(json!("https://app.example")) {
        return vec!["token-invalid-authorized-parties"];
    }
    // Step 11: iss.
    if m.issuer && json(c("iss")) != Some(json!("https://iss.example")) {
        return vec!["token-invalid-issuer"];
    }
    // Steps 12–14: exp (required), nbf, iat.
    let now = T0 as i128 * 1000;
    match time_claim(c("exp")) {
        Time::Ms(exp) if exp <= now - m.skew_ms => return vec!["token-expired"],
        Time::Ms(_) => {}
        _ => return vec!["token-verification-failed"],
    }
    for (name, code) in [
        ("nbf", "token-not-active-yet"),
        ("iat", "token-iat-in-the-future"),
    ] {
        match time_claim(c(name)) {
            Time::Absent => {}
            Time::Ms(t) if t > now + m.skew_ms => return vec![code],
            Time::Ms(_) => {}
            Time::NotANumber | Time::OutOfRange => return vec!["token-verification-failed"],
        }
    }
    vec!["ok"]
}

#[tokio::test]
async fn random_signed_tokens_decide_as_the_spec_model_says() {
    let mock = shared_mock();
    let key = mock.current_key();
    let other = other_key();
    let mut rng = Lcg(20_250_512);
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for case in 0..400 {
        let header: Vec<(&str, &str)> = HEADER_FIELDS
            .iter()
            .filter_map(|f| draw(&mut rng, f).map(|v| (f.name, v)))
            .collect();
        let claims: Vec<(&str, &str)> = CLAIMS
            .iter()
            .filter_map(|f| draw(&mut rng, f).map(|v| (f.name, v)))
            .collect();
        let (skew, skew_ms) = *rng.pick(&[
            (None, 5_000),
            (Some(Duration::ZERO), 0),
            (Some(Duration::from_millis(1_500)), 1_500),
        ]);
        let m = Model {
            audience: rng.below(2) == 0,
            parties: rng.below(2) == 0,
            issuer: rng.below(2) == 0,
            skew_ms,
            forged: rng.below(10) == 0,
        };
        let signer: &MockKey = if m.forged { &other } else { &key };
        let t = TokenBuilder::sign_raw(
            signer,
            object_text(&header).as_bytes(),
            object_text(&claims).as_bytes(),
            "RS256",
        );
        let options = VerifyTokenOptions {
            jwt_key: Some(mock.jwt_key_pem()),
            audience: if m.audience {
                vec!["api://one".into()]
            } else {
                vec![]
            },
            authorized_parties: if m.parties {
                vec!["https://app.example".into()]
            } else {
                vec![]
            },
            issuer: m.issuer.then(|| "https://iss.example".to_owned()),
            clock_skew: skew,
            now: Some(t0()),
            ..Default::default()
        };
        let got = match verify_token(&t, &options).await {
            Ok(_) => "ok",
            Err(err) => err.reason(),
        };
        let want = model(&header, &claims, &m);
        assert!(
            want.contains(&got),
            "case {case}: got {got}, spec says {want:?}\nheader {}\nclaims {}\nskew {skew_ms} ms, audience {}, parties {}, issuer {}, forged {}",
            object_text(&header),
            object_text(&claims),
            m.audience,
            m.parties,
            m.issuer,
            m.forged,
        );
        *outcomes.entry(got).or_default() += 1;
    }
    // The draw reaches every step.
    for code in [
        "ok",
        "token-invalid",
        "token-invalid-algorithm",
        "token-verification-failed",
        "token-invalid-signature",
        "token-invalid-authorized-parties",
        "token-invalid-issuer",
        "token-expired",
        "token-not-active-yet",
        "token-iat-in-the-future",
    ] {
        assert!(
            outcomes.contains_key(code),
            "{code} never drawn: {outcomes:?}"
        );
    }
}
