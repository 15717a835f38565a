//! Reason codes (§2.9), the success path and step 1: malformed tokens are `token-invalid`.
//!
//! Steps 12 to 14: the time checks (§2.4).

use super::*;

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
    assert_eq!(err.code(), Reason::TokenInvalid);
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
    let (mock, clerk) = start_mock().await;
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
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
    let (mock, options) = shared_pem();
    let t = raw(mock, "null", &payload_with(""));
    assert_eq!(reason(&t, &options).await, "token-invalid");
    let t = raw(mock, HEADER, "null");
    assert_eq!(reason(&t, &options).await, "token-invalid");
}

#[tokio::test]
async fn tokens_over_max_token_len_are_token_invalid() {
    let (mock, options) = shared_pem();

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

/// Accepts `token` at `last_ok_ms` after T0 with `skew`, and refuses it as expired at each
/// of `expired_ms`.
async fn assert_expires(
    mock: &MockClerk,
    token: &str,
    skew: Option<Duration>,
    last_ok_ms: i64,
    expired_ms: &[i64],
) {
    accept(token, &at(mock, at_ms(last_ok_ms), skew)).await;
    for &ms in expired_ms {
        let got = reason(token, &at(mock, at_ms(ms), skew)).await;
        assert_eq!(got, "token-expired", "at {ms} ms, skew {skew:?}");
    }
}

/// Accepts `token` at `first_ok_ms` after T0 with `skew`, and refuses it with `code` one
/// millisecond earlier.
async fn assert_earliest(
    mock: &MockClerk,
    token: &str,
    skew: Option<Duration>,
    first_ok_ms: i64,
    code: &str,
) {
    accept(token, &at(mock, at_ms(first_ok_ms), skew)).await;
    let got = reason(token, &at(mock, at_ms(first_ok_ms - 1), skew)).await;
    assert_eq!(got, code, "at {} ms, skew {skew:?}", first_ok_ms - 1);
}

/// Asserts the skew boundaries of `claim` (`nbf` or `iat`) at `T0 + 100` s, the `other`
/// one absent: the default skew (5 s), a custom skew of `custom_skew_ms`, and none.
async fn assert_skew_boundaries(claim: &str, other: &str, code: &str, custom_skew_ms: i64) {
    let mock = shared_mock();
    let t = token(mock)
        .without_claim(other)
        .claim(claim, T0 + 100)
        .claim("exp", T0 + 1_000)
        .sign();
    let base = 100_000; // the claim in ms relative to T0
                        // Default skew: claim*1000 > now + 5000 fails; equality is accepted.
    assert_earliest(mock, &t, None, base - 5_000, code).await;
    let skew = Some(Duration::from_millis(custom_skew_ms as u64));
    assert_earliest(mock, &t, skew, base - custom_skew_ms, code).await;
    assert_earliest(mock, &t, Some(Duration::ZERO), base, code).await;
}

#[tokio::test]
async fn exp_boundary_with_the_default_skew() {
    let mock = shared_mock();
    let t = exp_at_t0(mock);
    // exp*1000 <= now - 5000 is expired.
    assert_expires(mock, &t, None, 4_999, &[5_000, 5_001]).await;
    // The default is exactly 5 s.
    accept(&t, &at(mock, at_ms(4_999), Some(Duration::from_secs(5)))).await;
}

#[tokio::test]
async fn exp_boundary_with_a_custom_skew() {
    let mock = shared_mock();
    let t = exp_at_t0(mock);
    let skew = Some(Duration::from_millis(1_500));
    assert_expires(mock, &t, skew, 1_499, &[1_500, 1_501]).await;
    // The arithmetic is exact for a fractional skew too (clockSkewInMs = 1.5).
    assert_expires(mock, &t, Some(Duration::from_micros(1_500)), 1, &[2]).await;
    assert_expires(mock, &t, Some(Duration::from_secs(60)), 59_999, &[60_000]).await;
}

#[tokio::test]
async fn exp_boundary_with_zero_skew() {
    let mock = shared_mock();
    let t = exp_at_t0(mock);
    assert_expires(mock, &t, Some(Duration::ZERO), -1, &[0, 1]).await;
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
    let (mock, options) = shared_pem();
    let t = token(mock).without_claim("exp").sign();
    assert_eq!(reason(&t, &options).await, "token-verification-failed");
    assert_claims_refused(
        mock,
        &options,
        "token-verification-failed",
        [
            ("exp", json!(null)),
            ("exp", json!("1700000060")),
            ("exp", json!(true)),
            ("exp", json!([T0 + 60])),
            ("exp", json!({})),
        ],
    )
    .await;
}

#[tokio::test]
async fn nbf_boundaries() {
    assert_skew_boundaries("nbf", "iat", "token-not-active-yet", 250).await;
}

#[tokio::test]
async fn iat_boundaries() {
    assert_skew_boundaries("iat", "nbf", "token-iat-in-the-future", 2_000).await;
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
    let (mock, options) = shared_pem();
    for name in ["nbf", "iat"] {
        let values = [json!(null), json!("0"), json!(false), json!([0])];
        let cases = values.map(|value| (name, value));
        assert_claims_refused(mock, &options, "token-verification-failed", cases).await;
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
    let (mock, options) = shared_pem();
    const LIMIT: i64 = 8_640_000_000_000; // ±8.64e12 s, a JavaScript Date's range
                                          // The largest representable exp is still a (far-future) expiry.
    let claims = accept(&token(mock).claim("exp", LIMIT).sign(), &options).await;
    assert_eq!(claims.expires_at(), LIMIT);
    assert_claims_refused(
        mock,
        &options,
        "token-verification-failed",
        [
            ("exp", json!(LIMIT + 1)),
            ("exp", json!(1e300)),
            ("exp", json!(u64::MAX)),
            ("nbf", json!(-LIMIT - 1)),
            ("nbf", json!(LIMIT + 1)),
            ("iat", json!(-LIMIT - 1)),
            ("iat", json!(-1e300)),
        ],
    )
    .await;
}

#[tokio::test]
async fn overflowing_json_numbers_are_out_of_range_not_malformed() {
    let (mock, options) = shared_pem();
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
