//! Steps 12 to 14: the time checks (§2.4).

use super::*;

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
    let mock = shared_mock();
    let options = pem_options(mock);
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
