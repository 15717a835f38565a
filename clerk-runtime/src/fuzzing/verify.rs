//! `verify`: see the function's documentation for the input format and the invariants.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::{
    at, b64url, block_on, fixture, signed_by, AUDIENCE, AUTHORIZED_PARTY, DEFAULT_HEADER, ISSUER,
};
use crate::auth::Auth;
use crate::session::{Has, Reverification, Session, SessionShared};
use crate::token::cache::{TokenCache, TokenCacheConfig};
use crate::token::jwks::KeySource;
use crate::token::rules::check_claims;
use crate::token::verify::check_header;
use crate::token::{jwt, Rules, DEFAULT_CLOCK_SKEW, MAX_TOKEN_LEN};
use crate::token::{TokenVerificationError, TokenVerificationErrorReason as Reason};

/// Outcome of one verification, comparable.
#[derive(Debug, PartialEq)]
enum Outcome {
    Accepted(Map<String, Value>),
    Refused(Reason, String),
}

fn outcome(r: &Result<Arc<SessionShared>, TokenVerificationError>) -> Outcome {
    match r {
        Ok(shared) => Outcome::Accepted(shared.claims().as_map().clone()),
        Err(e) => Outcome::Refused(e.code(), e.message().to_owned()),
    }
}

/// `verify`: full verification (decoding, header checks, key, RS256 signature, claim
/// checks, the verified-token cache) at a fixed clock.
///
/// Input: a flags byte, a signed 16-bit little-endian clock offset in seconds from
/// [`FIXED_NOW`](super::FIXED_NOW), then the body. Flags: 1 signed mode, 2 `authorized_parties`
/// [`AUTHORIZED_PARTY`], 4 `audience` `https://api.example.com`, 8 `issuer`
/// `https://clerk.example.com`, 16 no clock skew (else 5 s).
///
/// * Raw mode (flag 1 clear): the body is the token, verified with [`FIXED_PEM`](super::FIXED_PEM); the seeds
///   are real tokens signed by its key.
/// * Signed mode: the body is `header JSON \0 payload JSON` (or just the payload, under a
///   default RS256 session header); the target signs those exact bytes with a key made at
///   start-up and verifies with it, so mutations reach the claim checks.
///
/// Invariants: the decision through the cache (miss, then hit, then a hit an hour later,
/// then other paddings of the token, which share its entry) equals the decision without
/// it; an accepted token is signed by the key (checked with
/// aws-lc-rs directly), has RS256, typ `JWT` or none, no `crit`, a non-empty non-machine
/// `sub`, unexpired `exp`, `nbf`/`iat` not in the future, and the configured `azp`/`iss`;
/// a PEM key never fails as a key failure or a kid mismatch; in signed mode the signature
/// is never the reason, and the decision equals decoding + header checks + claim checks
/// (in that order).
pub fn verify(data: &[u8]) {
    let [flags, lo, hi, body @ ..] = data else {
        return;
    };
    let fx = fixture();
    let signed_mode = flags & 1 != 0;
    let parties: Vec<String> = if flags & 2 != 0 {
        vec![AUTHORIZED_PARTY.to_owned()]
    } else {
        Vec::new()
    };
    let audience: Vec<String> = if flags & 4 != 0 {
        vec![AUDIENCE.to_owned()]
    } else {
        Vec::new()
    };
    let offset = i64::from(i16::from_le_bytes([*lo, *hi]));
    let rules = Rules {
        authorized_parties: &parties,
        audience: &audience,
        issuer: (flags & 8 != 0).then_some(ISSUER),
        clock_skew: if flags & 16 != 0 {
            Duration::ZERO
        } else {
            DEFAULT_CLOCK_SKEW
        },
        now: at(offset),
    };
    let later = Rules {
        now: at(offset + 3600),
        ..rules
    };

    let (token, source, der): (Cow<'_, str>, &KeySource, &[u8]) = if signed_mode {
        let (header, payload) = match memchr::memchr(0, body) {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (DEFAULT_HEADER, body),
        };
        let signing_input = format!("{}.{}", b64url(header), b64url(payload));
        let mut signature = vec![0; fx.signer.public_modulus_len()];
        fx.signer
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing");
        let token = format!("{signing_input}.{}", b64url(&signature));
        (Cow::Owned(token), &fx.signer_source, &fx.signer_der)
    } else {
        (
            String::from_utf8_lossy(body),
            &fx.fixed_source,
            &fx.fixed_der,
        )
    };

    let run_on = |token: &str, cache: Option<&TokenCache>, rules: &Rules<'_>| {
        block_on(crate::token::verify(token, source, cache, rules, |_, _| {
            Ok::<(), TokenVerificationError>(())
        }))
    };
    let run = |cache: Option<&TokenCache>, rules: &Rules<'_>| run_on(&token, cache, rules);
    let cache = TokenCache::new(TokenCacheConfig::default());
    let fresh = run(None, &rules);
    let decision = outcome(&fresh);
    assert_eq!(outcome(&run(Some(&cache), &rules)), decision, "cache miss");
    assert_eq!(outcome(&run(Some(&cache), &rules)), decision, "cache hit");
    let decision_later = outcome(&run(None, &later));
    assert_eq!(
        outcome(&run(Some(&cache), &later)),
        decision_later,
        "cache hit an hour later"
    );
    // Other paddings of the token share its cache entry (keyed by the canonical token):
    // through the warm cache each gets its own uncached decision, and a session that
    // hands back the token as it was carried.
    let unpadded = token.trim_end_matches('=');
    for variant in [
        unpadded.to_owned(),
        format!("{token}="),
        format!("{unpadded}=="),
    ] {
        let through_cache = run_on(&variant, Some(&cache), &rules);
        assert_eq!(
            outcome(&through_cache),
            outcome(&run_on(&variant, None, &rules)),
            "padding variant through the cache"
        );
        if let Ok(shared) = through_cache {
            assert_eq!(shared.token(), variant, "the session's token");
        }
    }

    for (decision, rules) in [(&decision, &rules), (&decision_later, &later)] {
        match decision {
            Outcome::Accepted(claims) => check_accepted(&token, claims, rules, der),
            Outcome::Refused(kind, _) => {
                assert!(!kind.is_key_failure(), "{kind:?} with a PEM key");
                assert_ne!(*kind, Reason::JwkKidMismatch);
                if signed_mode {
                    assert_ne!(*kind, Reason::TokenInvalidSignature, "correctly signed");
                }
            }
        }
    }
    if signed_mode {
        assert_eq!(
            refusal(&decision),
            refusal(&model_decision(&token, &rules)),
            "the decision is not decoding, header checks, then claim checks"
        );
    }
    if let Ok(shared) = fresh {
        exercise_session(shared);
    }
}

fn refusal(outcome: &Outcome) -> Option<(Reason, &str)> {
    match outcome {
        Outcome::Accepted(_) => None,
        Outcome::Refused(kind, message) => Some((*kind, message)),
    }
}

/// A correctly signed token's decision, from the rule functions alone.
fn model_decision(token: &str, rules: &Rules<'_>) -> Outcome {
    let refused = |e: TokenVerificationError| Outcome::Refused(e.code(), e.message().to_owned());
    let decoded = match jwt::decode(token) {
        Ok(d) => d,
        Err(e) => return refused(e),
    };
    match check_header(&decoded) {
        Err(e) => refused(e),
        Ok(false) => Outcome::Refused(
            Reason::TokenVerificationFailed,
            "Error verifying JWT signature: the key is for RS256 only.".to_owned(),
        ),
        Ok(true) => match check_claims(&decoded.payload, rules) {
            Ok(()) => Outcome::Accepted(decoded.payload),
            Err(e) => refused(e),
        },
    }
}

/// What an accepted token must satisfy, checked independently of the verifier.
fn check_accepted(token: &str, claims: &Map<String, Value>, rules: &Rules<'_>, der: &[u8]) {
    assert!(token.len() <= MAX_TOKEN_LEN);
    assert_eq!(token.matches('.').count(), 2);
    assert!(
        signed_by(token, der),
        "accepted a token the key did not sign"
    );
    let header = jwt::decode(token)
        .expect("an accepted token decodes")
        .header;
    assert_eq!(header.get("alg").and_then(Value::as_str), Some("RS256"));
    assert!(header.get("typ").is_none_or(|t| t == "JWT"));
    assert!(!header.contains_key("crit"));

    let sub = claims.get("sub").and_then(Value::as_str);
    assert!(
        sub.is_some_and(|s| !s.is_empty() && !s.starts_with("mch_")),
        "accepted sub {sub:?}"
    );
    let now_ms = rules
        .now
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i128;
    let skew_ms = rules.clock_skew.as_millis() as i128;
    let ms = |name: &str| {
        claims
            .get(name)
            .map(|v| v.as_f64().expect("a number") as i128 * 1000)
    };
    let exp = ms("exp").expect("accepted without exp");
    assert!(exp > now_ms - skew_ms, "accepted an expired token");
    if let Some(nbf) = ms("nbf") {
        assert!(nbf <= now_ms + skew_ms, "accepted before nbf");
    }
    if let Some(iat) = ms("iat") {
        assert!(iat <= now_ms + skew_ms, "accepted iat in the future");
    }
    if !rules.authorized_parties.is_empty() {
        let azp = claims
            .get("azp")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(rules.authorized_parties.iter().any(|p| p == azp));
    }
    if let Some(issuer) = rules.issuer {
        assert_eq!(claims.get("iss").and_then(Value::as_str), Some(issuer));
    }
}

/// Reads everything a handler can read from a verified session (v1 and v2 claims,
/// permissions bit masks, features, plans, factor ages).
fn exercise_session(shared: Arc<SessionShared>) {
    let session = Session::from_shared(shared, None);
    let checks = [
        Has::role("org:admin"),
        Has::role("admin"),
        Has::permission("org:invoices:create"),
        Has::permission("org:invoices:read"),
        Has::feature("premium"),
        Has::feature("org:invoices"),
        Has::feature("user:premium"),
        Has::plan("pro"),
        Has::plan("org:team"),
        Has::reverification(Reverification::StrictMfa),
        Has::reverification(Reverification::Lax),
        Has::role("org:admin").and_permission("org:invoices:create"),
        Has::default(),
    ];
    for check in &checks {
        let a = session.has(check);
        assert_eq!(a, session.has(check));
    }
    let _ = (
        session.user_id(),
        session.session_id(),
        session.session_status(),
        session.org_id(),
        session.org_role(),
        session.org_slug(),
        session.org_permissions(),
        session.actor(),
        session.factor_verification_age(),
        session.is_pending(),
        session.claims().expires_at(),
        session.claims().issued_at(),
    );
    for pending_signed_out in [false, true] {
        let auth = Auth::from_session(session.clone(), pending_signed_out);
        for check in &checks {
            if auth.has(check) {
                assert!(auth.is_signed_in());
            }
        }
    }
}
