//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`, run with `cargo fuzz`) and of
//! their regression tests (`tests/fuzz_regressions.rs`): one function per target, taking the
//! raw fuzzer input and panicking when an invariant does not hold. Both the fuzzer and the
//! tests call these functions, so a corpus file or crash reproducer replays exactly.
//!
//! **Not a public API.** Compiled only with the `fuzzing` feature (never enabled by
//! default); anything here may change or disappear in any release.
//!
//! Fixed material, shared with the committed seeds in `fuzz/seeds/`: [`FIXED_PEM`] (an RSA
//! public key whose private half was thrown away after minting the seed tokens), the clock
//! [`FIXED_NOW`], the authorized party `https://app.example.com` and the publishable key
//! [`PUBLISHABLE_KEY`]. The `verify` target also signs fuzzer-made headers and payloads with
//! a key generated at start-up, so that the claim checks are reached.

use std::borrow::Cow;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use http::header::{AUTHORIZATION, COOKIE};
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{Map, Value};

use crate::api::error::ClerkErrorBody;
use crate::api::transport::{error_from_response, MAX_ERROR_TEXT};
use crate::auth::Auth;
use crate::clerk::Clerk;
use crate::request::{AuthErrorReason, RequestState};
use crate::session::{Has, Reverification, Session, SessionShared};
use crate::token::cache::{TokenCache, TokenCacheConfig};
use crate::token::extract::{self, TokenCarrier};
use crate::token::jwks::{body_has_error_code, parse_jwks, KeySource};
use crate::token::keys::VerifyingKey;
use crate::token::verify::{check_claims, check_header};
use crate::token::{b64, jwt, Rules, DEFAULT_CLOCK_SKEW, MAX_TOKEN_LEN};
use crate::token::{TokenVerificationError, TokenVerificationErrorReason as Reason};

/// The attribute parser of `clerk-macros`, compiled here as plain Rust (a proc-macro crate
/// cannot be linked into a fuzzer or a test). The file is included unchanged.
#[allow(dead_code, unreachable_pub)]
#[path = "../../clerk-macros/src/attr.rs"]
mod macro_attr_parser;

/// The RSA public key (SPKI PEM) that signed the seed tokens of `fuzz/seeds/`.
pub const FIXED_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu/2UK3goqedQrAlxvcHJ
+bgoJuJK2XUl8mLX9s0DZjsHbE6bZ7Rt8okOZH3Z23cjfkuy3YbvuWz2fUs5pFfp
E2owZGJd/703ag2jk4KJXAZEdSrR2+hPbpZrNYhrwr8y5xcIbNvR/5mbLCJETMAW
LoEs+TMuT27WljTHgfD4CHzgwS1hLHlShQwF00h6hSILhXhcgaEuRR9iPoRHBnB8
8i1Vy1SvhAGVoJszFdLNNkxqtd9m/CFRW0m7hw7seCRVsqW857lalK+j8MVnoIrW
/Im1ilrC2IXQXW8URJuxj7O3Rr/ZI2jxrTamwpFGpTjYvofR72wAhve7u7IBlZCL
QwIDAQAB
-----END PUBLIC KEY-----
";

/// The clock of every target: 2026-01-01T00:00:00Z, in Unix seconds.
pub const FIXED_NOW: u64 = 1_767_225_600;

/// A session token signed by [`FIXED_PEM`]'s key, valid at [`FIXED_NOW`] for one hour
/// (`sub` `user_fuzz`, `azp` [`AUTHORIZED_PARTY`], `iat` ten seconds before).
pub const VALID_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImNhdCI6ImNsX0I3ZDRQRDExMUFBQSIsImtpZCI6Imluc19mdXp6IiwidHlwIjoiSldUIn0.eyJhenAiOiJodHRwczovL2FwcC5leGFtcGxlLmNvbSIsImV4cCI6MTc2NzIyOTIwMCwiZnZhIjpbMCwtMV0sImlhdCI6MTc2NzIyNTU5MCwiaXNzIjoiaHR0cHM6Ly9jbGVyay5leGFtcGxlLmNvbSIsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzIiwibmJmIjoxNzY3MjI1NTg1LCJzaWQiOiJzZXNzX2Z1enoiLCJzdHMiOiJhY3RpdmUiLCJzdWIiOiJ1c2VyX2Z1enoiLCJ2IjoyLCJvIjp7ImlkIjoib3JnXzEiLCJyb2wiOiJhZG1pbiIsInNsZyI6ImFjbWUiLCJwZXIiOiJjcmVhdGUscmVhZCIsImZwbSI6IjMifSwiZmVhIjoibzppbnZvaWNlcyx1OnByZW1pdW0iLCJwbGEiOiJ1OnBybyJ9.Skx5p9_FfN5pWfxZNNHXD57dJhreVI3G0dd_WMCXvyyQVmw8SF34KO1GdFu3Z26chLAvxU1TKuLGDiKssSZDPVFPnNKbNhjh08XF0IHidOn2ThvLWTzwRwC4Wd2pDzrmkokndrWN153kx7QXPvj4dlCYBZLmRUIg-iQtTXchr45HD9WFgxwaOHIWGYMGvD-LRi4Esi7JLdR67i5H7GF4L_8SIGokD6JUQywuGbIXt6K4BY2u7R5myJgDWDlxCbcIUJMPyjsit1p9Uao80vlNYN2Lq9nsDbyzjWtOw5BNM0BaDM9NbPIujoF1lFEwTXh4cxPnyFVbJcG5hkMRgg3r7w";

/// The authorized party of the request-level targets (and of `verify` with flag 2).
pub const AUTHORIZED_PARTY: &str = "https://app.example.com";

/// The publishable key of the request-level targets (`clerk.example.com`): its cookies are
/// suffixed `_l2OS3d9k`.
pub const PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k";

const AUDIENCE: &str = "https://api.example.com";
const ISSUER: &str = "https://clerk.example.com";
/// The header used by `verify`'s signed mode when the input has no `\0`.
const DEFAULT_HEADER: &[u8] =
    br#"{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_fuzz","typ":"JWT"}"#;

// ---------------------------------------------------------------------------------------
// Shared set-up

struct Fixture {
    fixed_source: KeySource,
    fixed_der: Vec<u8>,
    signer: aws_lc_rs::rsa::KeyPair,
    signer_source: KeySource,
    signer_der: Vec<u8>,
    /// [`FIXED_PEM`], [`AUTHORIZED_PARTY`], [`PUBLISHABLE_KEY`], at [`FIXED_NOW`].
    clerk: Clerk,
    suffixed_session: String,
    suffixed_uat: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let fixed_der = pem_body(FIXED_PEM);
        let signer = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .expect("RSA key generation");
        let signer_der = signer
            .public_key()
            .as_der()
            .expect("SPKI encoding")
            .as_ref()
            .to_vec();
        let signer_key = VerifyingKey::from_der(&signer_der).expect("generated key");
        let clerk = Clerk::builder()
            .without_env()
            .jwt_key(FIXED_PEM)
            .publishable_key(PUBLISHABLE_KEY)
            .authorized_parties([AUTHORIZED_PARTY])
            .build()
            .expect("fuzz configuration")
            .with_fixed_time(at(0));
        let suffix = clerk
            .publishable_key()
            .expect("publishable key")
            .cookie_suffix();
        Fixture {
            fixed_source: KeySource::Pem(Arc::new(
                VerifyingKey::from_pem(FIXED_PEM).expect("fixed key"),
            )),
            fixed_der,
            signer,
            signer_source: KeySource::Pem(Arc::new(signer_key)),
            signer_der,
            clerk,
            suffixed_session: format!("__session_{suffix}"),
            suffixed_uat: format!("__client_uat_{suffix}"),
        }
    })
}

/// [`FIXED_NOW`] plus `offset` seconds.
fn at(offset: i64) -> SystemTime {
    let secs = FIXED_NOW as i64 + offset;
    UNIX_EPOCH + Duration::from_secs(secs as u64)
}

fn pem_body(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body")
}

/// Runs a future that never waits: with a PEM key, verification and request
/// authentication complete on the first poll.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("verification with a PEM key waited"),
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `der`'s key signed `token` (RS256), checked with aws-lc-rs directly.
fn signed_by(token: &str, der: &[u8]) -> bool {
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Some(signature) = b64::decode_loose(signature.as_bytes()) else {
        return false;
    };
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        der,
    )
    .verify(signing_input.as_bytes(), &signature)
    .is_ok()
}

// ---------------------------------------------------------------------------------------
// token_decode

/// `token_decode`: the JWT decoder (`decodeJwt`) and its base64url decoder, on any bytes
/// (read as UTF-8, lossily).
///
/// Invariants: the base64url decoder agrees with the `base64` crate configured as the
/// `rfc4648` package's loose mode; decoding is deterministic; only `token-invalid` is
/// returned; a decoded token has exactly three segments, its signing input is the first two
/// and its signature the third decoded; the header checks accept only RS256/384/512, typ
/// `JWT` and a session category; a decodable token grown past [`MAX_TOKEN_LEN`] is refused,
/// and grown to exactly the limit is not.
pub fn token_decode(data: &[u8]) {
    base64url_model(data);
    for segment in data.split(|b| *b == b'.') {
        base64url_model(segment);
    }
    let text = String::from_utf8_lossy(data);
    let token: &str = &text;
    let first = jwt::decode(token);
    assert_eq!(
        decoded_summary(&first),
        decoded_summary(&jwt::decode(token)),
        "decoding is not deterministic"
    );
    let decoded = match first {
        Ok(decoded) => decoded,
        Err(err) => {
            assert_eq!(err.code(), Reason::TokenInvalid, "{err:?}");
            return;
        }
    };
    assert!(token.len() <= MAX_TOKEN_LEN);
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "decoded a token without three segments");
    assert_eq!(
        decoded.signing_input,
        &token.as_bytes()[..segments[0].len() + 1 + segments[1].len()]
    );
    assert_eq!(
        Some(&decoded.signature),
        b64::decode_loose(segments[2].as_bytes()).as_ref()
    );
    jwt::looks_like_machine_or_other_token(Some(&decoded.header), &decoded.payload);
    jwt::looks_like_machine_or_other_token(None, &decoded.payload);
    if let Ok(rs256) = check_header(&decoded) {
        let alg = decoded.header_str("alg");
        assert!(matches!(alg, Some("RS256" | "RS384" | "RS512")), "{alg:?}");
        assert_eq!(rs256, alg == Some("RS256"));
        assert!(matches!(
            decoded.header.get("typ"),
            None | Some(Value::String(_))
        ));
        assert!(decoded.header.get("typ").is_none_or(|t| t == "JWT"));
        assert!(!decoded.header.contains_key("crit"));
        assert!(decoded.has_session_category());
    }

    // The size limit, and only it, refuses the same token grown past it: "AAAA" groups in
    // front of the signature keep it valid base64url.
    let room = MAX_TOKEN_LEN - token.len();
    let split = segments[0].len() + segments[1].len() + 2;
    let grown = |groups: usize| {
        let mut t = String::with_capacity(token.len() + groups * 4);
        t.push_str(&token[..split]);
        t.extend(std::iter::repeat_n("AAAA", groups));
        t.push_str(&token[split..]);
        t
    };
    let at_limit = grown(room / 4);
    assert!(
        jwt::decode(&at_limit).is_ok(),
        "a decodable token grown to {} bytes was refused",
        at_limit.len()
    );
    let over = grown(room / 4 + 1);
    assert!(over.len() > MAX_TOKEN_LEN);
    let err = jwt::decode(&over).expect_err("a token over MAX_TOKEN_LEN was decoded");
    assert_eq!(err.code(), Reason::TokenInvalid);
}

type DecodedSummary = Result<(Vec<u8>, Map<String, Value>, Map<String, Value>, Vec<u8>), String>;

fn decoded_summary(r: &Result<jwt::DecodedJwt<'_>, TokenVerificationError>) -> DecodedSummary {
    match r {
        Ok(d) => Ok((
            d.signing_input.to_vec(),
            d.header.clone(),
            d.payload.clone(),
            d.signature.clone(),
        )),
        Err(e) => Err(format!("{}: {}", e.reason(), e.message())),
    }
}

/// `rfc4648`'s loose base64url: trailing `=` dropped, then strict unpadded decoding with
/// zero leftover bits.
fn base64url_model(input: &[u8]) {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let mut end = input.len();
    while end > 0 && input[end - 1] == b'=' {
        end -= 1;
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(false),
    );
    assert_eq!(
        b64::decode_loose(input),
        engine.decode(&input[..end]).ok(),
        "base64url decoding differs from the model"
    );
}

// ---------------------------------------------------------------------------------------
// verify

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
/// [`FIXED_NOW`], then the body. Flags: 1 signed mode, 2 `authorized_parties`
/// [`AUTHORIZED_PARTY`], 4 `audience` `https://api.example.com`, 8 `issuer`
/// `https://clerk.example.com`, 16 no clock skew (else 5 s).
///
/// * Raw mode (flag 1 clear): the body is the token, verified with [`FIXED_PEM`]; the seeds
///   are real tokens signed by its key.
/// * Signed mode: the body is `header JSON \0 payload JSON` (or just the payload, under a
///   default RS256 session header); the target signs those exact bytes with a key made at
///   start-up and verifies with it, so mutations reach the claim checks.
///
/// Invariants: the decision through the cache (miss, then hit, then a hit an hour later)
/// equals the decision without it; an accepted token is signed by the key (checked with
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

    let run = |cache: Option<&TokenCache>, rules: &Rules<'_>| {
        block_on(crate::token::verify(
            &token,
            source,
            cache,
            rules,
            |_, _| Ok::<(), TokenVerificationError>(()),
        ))
    };
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

// ---------------------------------------------------------------------------------------
// authorization_header

/// JavaScript's `const [scheme, token] = value.split(' ', 2)` and
/// `parseAuthorizationHeader`, written as directly as possible.
fn authorization_model(value: &str) -> Option<&str> {
    let mut fields = value.split(' ');
    let scheme = fields.next().unwrap_or_default();
    let token = fields.next().unwrap_or_default();
    if token.is_empty() {
        (!scheme.is_empty()).then_some(scheme)
    } else if scheme == "Bearer" {
        Some(token)
    } else {
        None
    }
}

/// Comparable summary of a request state.
fn state_summary(
    state: &RequestState,
) -> (
    Option<String>,
    Option<TokenCarrier>,
    Option<AuthErrorReason>,
    String,
) {
    match state {
        RequestState::SignedIn {
            session,
            token_carrier,
            ..
        } => (
            Some(session.token().to_owned()),
            Some(*token_carrier),
            None,
            String::new(),
        ),
        RequestState::SignedOut(s) => (None, s.token_carrier, Some(s.reason), s.full_message()),
    }
}

/// Authenticates twice (the second time through the verified-token cache) and checks that
/// the decisions agree, that signed-out messages never quote the token, and that the
/// observability headers can be built.
fn authenticate(headers: &HeaderMap, tokens: &[&str]) -> RequestState {
    let clerk = &fixture().clerk;
    let state = block_on(clerk.authenticate_headers(&Method::GET, headers));
    let again = block_on(clerk.authenticate_headers(&Method::GET, headers));
    assert_eq!(
        state_summary(&state),
        state_summary(&again),
        "cache changed the decision"
    );
    let post = block_on(clerk.authenticate_headers(&Method::POST, headers));
    assert_eq!(state.is_signed_in(), post.is_signed_in());
    if let RequestState::SignedOut(s) = &state {
        // Only token-like strings: a short or dot-free one may be a word of the message.
        for token in tokens.iter().filter(|t| t.len() >= 16 && t.contains('.')) {
            assert!(
                !s.full_message().contains(token),
                "the message quotes the token"
            );
        }
    }
    let headers = state.observability_headers();
    assert_eq!(headers.len() >= 2, !state.is_signed_in());
    let _ = state.to_auth().user_id().map(str::len);
    state
}

/// `authorization_header`: the `Authorization` header value as given (any bytes).
///
/// Invariants: the parser equals a direct model of `split(' ', 2)` +
/// `parseAuthorizationHeader`; the byte-level parser of requests finds a token exactly when
/// the text parser does (and the same one, when it is visible ASCII); in a request that
/// also carries a valid session cookie, a header token is the only one evaluated (never a
/// cookie sign-in), no header token falls through to the valid cookie, and a header sign-in
/// is the header's token and verifies on its own; decisions are deterministic (cache hit).
pub fn authorization_header(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = extract::token_from_authorization(&text);
    assert_eq!(parsed, authorization_model(&text), "{text:?}");
    if let Some(t) = parsed {
        assert!(!t.is_empty() && !t.contains(' '));
    }

    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, value);
    let cookie = format!("__session={VALID_TOKEN}; __client_uat={}", FIXED_NOW - 100);
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&cookie).expect("ASCII cookie"),
    );

    let header_token = extract::header_token(&headers);
    assert_eq!(header_token.is_some(), parsed.is_some(), "{data:?}");
    if let (Some(h), Some(t)) = (header_token, parsed) {
        if t.bytes().all(|b| b.is_ascii_graphic()) {
            assert_eq!(h, t);
        } else {
            assert_eq!(h, "\u{fffd}");
        }
    }

    let state = authenticate(&headers, &[header_token.unwrap_or_default()]);
    match (header_token, &state) {
        (
            Some(token),
            RequestState::SignedIn {
                session,
                token_carrier,
                ..
            },
        ) => {
            assert_eq!(*token_carrier, TokenCarrier::Header);
            assert_eq!(session.token(), token);
            assert!(block_on(fixture().clerk.verify_token(token)).is_ok());
        }
        (Some(_), RequestState::SignedOut(s)) => {
            assert_eq!(s.token_carrier, Some(TokenCarrier::Header), "{s:?}");
        }
        (None, RequestState::SignedIn { token_carrier, .. }) => {
            assert_eq!(*token_carrier, TokenCarrier::Cookie);
        }
        (None, RequestState::SignedOut(s)) => {
            panic!("no header token, and the valid cookie was refused: {s:?}")
        }
    }
}

// ---------------------------------------------------------------------------------------
// cookie

/// `decodeURIComponent`, or `None` where it throws: every `%` followed by two hex digits,
/// and the bytes UTF-8.
fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = |b: u8| (b as char).to_digit(16);
        let hi = hex(*bytes.get(i + 1)?)?;
        let lo = hex(*bytes.get(i + 2)?)?;
        out.push((hi * 16 + lo) as u8);
        i += 3;
    }
    String::from_utf8(out).ok()
}

/// The `cookie` package's lookup as the SDK documents it (`;`-separated pairs, trimmed,
/// quotes removed, `decodeURIComponent` when there is a `%` and it does not throw, first
/// occurrence wins, every `Cookie` header in order).
fn cookie_model(values: &[String], name: &str) -> Option<String> {
    for value in values {
        for pair in value.split(';') {
            let Some(eq) = pair.find('=') else {
                continue;
            };
            if pair[..eq].trim() != name {
                continue;
            }
            let mut val = pair[eq + 1..].trim();
            if val.len() >= 2 && val.starts_with('"') && val.ends_with('"') {
                val = &val[1..val.len() - 1];
            }
            if !val.contains('%') {
                return Some(val.to_owned());
            }
            return Some(decode_uri_component(val).unwrap_or_else(|| val.to_owned()));
        }
    }
    None
}

/// `cookie`: `Cookie` header values separated by `\0` (up to four headers), no
/// `Authorization`.
///
/// Invariants: every cookie lookup equals the model of the `cookie` package (with a
/// `decodeURIComponent` written independently); any text percent-encoded into a cookie
/// decodes back to itself; a request is signed in only by its `__session` token (suffixed
/// name first), and the signed-out reasons of the `__client_uat` ladder match which cookies
/// are present; decisions are deterministic (cache hit); messages never quote the token.
pub fn cookie(data: &[u8]) {
    let fx = fixture();
    let mut headers = HeaderMap::new();
    let mut texts = Vec::new();
    for part in data.split(|b| *b == 0).take(4) {
        if let Ok(value) = HeaderValue::from_bytes(part) {
            texts.push(String::from_utf8_lossy(part).into_owned());
            headers.append(COOKIE, value);
        }
    }
    let names = [
        "__session",
        "__client_uat",
        fx.suffixed_session.as_str(),
        fx.suffixed_uat.as_str(),
        "a",
        "",
    ];
    for name in names {
        assert_eq!(
            extract::cookie(&headers, name),
            cookie_model(&texts, name),
            "cookie {name:?} in {texts:?}"
        );
    }

    // Percent-encoding round trip.
    let text = String::from_utf8_lossy(data);
    let encoded: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut single = HeaderMap::new();
    single.insert(
        COOKIE,
        HeaderValue::from_str(&format!("x=1; __session={encoded}")).expect("ASCII"),
    );
    assert_eq!(
        extract::cookie(&single, "__session").as_deref(),
        Some(&*text),
        "percent-encoded text did not decode back"
    );

    // The request.
    let read = |suffixed: &str, plain: &str| {
        extract::cookie(&headers, suffixed).or_else(|| extract::cookie(&headers, plain))
    };
    let session_cookie = read(&fx.suffixed_session, "__session").filter(|s| !s.is_empty());
    let uat = read(&fx.suffixed_uat, "__client_uat");
    let state = authenticate(&headers, &[session_cookie.as_deref().unwrap_or_default()]);
    match &state {
        RequestState::SignedIn {
            session,
            token_carrier,
            ..
        } => {
            assert_eq!(*token_carrier, TokenCarrier::Cookie);
            assert_eq!(Some(session.token()), session_cookie.as_deref());
            assert!(uat.is_some(), "signed in without __client_uat");
        }
        RequestState::SignedOut(s) => {
            assert_ne!(s.token_carrier, Some(TokenCarrier::Header));
            match s.reason {
                AuthErrorReason::SessionTokenAndUatMissing
                | AuthErrorReason::ClientUatButNoSessionToken => {
                    assert!(session_cookie.is_none(), "{s:?}")
                }
                AuthErrorReason::SessionTokenButNoClientUat => {
                    assert!(session_cookie.is_some(), "{s:?}")
                }
                _ => {
                    assert!(session_cookie.is_some() && uat.is_some(), "{s:?}");
                    assert_eq!(s.token_carrier, Some(TokenCarrier::Cookie));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// jwks

/// `jwks`: a JWKS response body (and the same bytes as a `CLERK_JWT_KEY` PEM).
///
/// Invariants: parsing is deterministic (same kids, in order); at most 64 keys are kept;
/// re-serializing the `keys` array of a parsed body keeps the same keys; each key can check
/// a signature; the PEM parser is deterministic too.
pub fn jwks(data: &[u8]) {
    let first = parse_jwks(data);
    let kids = |r: &Result<Vec<(String, Arc<VerifyingKey>)>, String>| {
        r.as_ref()
            .map(|keys| keys.iter().map(|(kid, _)| kid.clone()).collect::<Vec<_>>())
            .map_err(Clone::clone)
    };
    assert_eq!(kids(&first), kids(&parse_jwks(data)), "not deterministic");
    let _ = body_has_error_code(data, "clerk_key_invalid");
    if let Ok(keys) = &first {
        assert!(keys.len() <= 64);
        let value: Option<Value> = serde_json::from_slice(data).ok();
        if let Some(array) = value
            .as_ref()
            .and_then(|v| v.get("keys"))
            .filter(|k| k.is_array())
        {
            let again = serde_json::to_vec(&serde_json::json!({ "keys": array })).expect("JSON");
            assert_eq!(kids(&first), kids(&parse_jwks(&again)), "re-serialized");
        }
        let (signing_input, signature) = VALID_TOKEN.rsplit_once('.').expect("token");
        let signature = b64::decode_loose(signature.as_bytes()).expect("signature");
        for (_, key) in keys {
            key.verify_rs256(signing_input.as_bytes(), &signature);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let a = VerifyingKey::from_pem(text).map(|_| ());
        assert_eq!(a, VerifyingKey::from_pem(text).map(|_| ()));
    }
}

// ---------------------------------------------------------------------------------------
// api_error_body

/// `api_error_body`: an error answer of the Backend API, as [`ApiError`](crate::api::ApiError).
///
/// Input: the status (16-bit little-endian), a flags byte (1 `Retry-After`, 2
/// `Clerk-Trace-Id`, 4 `cf-ray`), the value of each flagged header followed by `\0`, then
/// the body.
///
/// Invariants: deterministic; the status is kept; a Clerk JSON error body gives exactly its
/// errors and trace id, any other body gives no errors and at most 512 bytes of text; the
/// trace id falls back to the headers; `Retry-After` is whole seconds; `is_transient` is
/// 429 or 5xx; the message starts with the status and stays bounded for non-JSON bodies.
pub fn api_error_body(data: &[u8]) {
    let [lo, hi, flags, rest @ ..] = data else {
        return;
    };
    let status = u16::from_le_bytes([*lo, *hi]);
    let mut rest = rest;
    let mut headers = HeaderMap::new();
    for (bit, name) in [(1, "retry-after"), (2, "clerk-trace-id"), (4, "cf-ray")] {
        if flags & bit == 0 {
            continue;
        }
        let (value, after) = match memchr::memchr(0, rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        rest = after;
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let body = rest;
    let err = error_from_response(status, &headers, body);
    assert_eq!(err, error_from_response(status, &headers, body));
    assert_eq!(err.status(), Some(status));
    assert_eq!(
        err.is_transient(),
        status == 429 || (500..=599).contains(&status)
    );
    assert_eq!(err.is_not_found(), status == 404);

    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let expected_retry = header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    assert_eq!(err.retry_after(), expected_retry);

    let parsed = serde_json::from_slice::<ClerkErrorBody>(body)
        .ok()
        .filter(|p| !p.errors.is_empty() || p.clerk_trace_id.is_some());
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("Clerk Backend API error {status}")));
    let _ = format!("{err:?}");
    match parsed {
        Some(p) => {
            assert_eq!(err.errors(), &p.errors[..]);
            for e in &p.errors {
                assert!(err.has_code(&e.code));
            }
            assert_eq!(
                err.trace_id(),
                p.clerk_trace_id
                    .as_deref()
                    .or_else(|| header("clerk-trace-id"))
                    .or_else(|| header("cf-ray"))
            );
        }
        None => {
            assert!(err.errors().is_empty());
            let trace = header("clerk-trace-id").or_else(|| header("cf-ray"));
            assert_eq!(err.trace_id(), trace);
            let crate::api::ApiError::Response {
                body: Some(text), ..
            } = &err
            else {
                panic!("a non-JSON error body is kept as text: {err:?}");
            };
            assert!(text.len() <= MAX_ERROR_TEXT + '…'.len_utf8());
            let bound = 64 + MAX_ERROR_TEXT + trace.map_or(0, |t| t.len() + 10);
            assert!(shown.len() <= bound, "{} > {bound}", shown.len());
        }
    }
}

// ---------------------------------------------------------------------------------------
// macro_attr

/// `macro_attr`: the arguments of `#[clerk::protect(…)]`, `#[clerk::with_session(…)]` and
/// `#[clerk::require_session(…)]`, as source text (UTF-8; text that does not lex is
/// skipped, as rustc would never pass it to the macro).
///
/// Invariants, for each of the three macros: parsing never panics and is deterministic
/// (same arguments, same error messages); no error means not poisoned, poisoned means an
/// error; only `protect` collects checks or `redirect_to_sign_in`; every collected check is
/// well formed (`org:<key>` roles, `org:<f>:<p>` permissions, scoped or bare feature and
/// plan keys, a known reverification preset, non-empty `any`/`all`); errors render as
/// `compile_error!` tokens.
pub fn macro_attr(data: &[u8]) {
    use macro_attr_parser::{parse, Mode};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
        return;
    };
    for mode in [Mode::Lax, Mode::Strict, Mode::Protect] {
        let summary = attr_summary(mode, parse(mode, tokens.clone()));
        assert_eq!(
            summary,
            attr_summary(mode, parse(mode, tokens.clone())),
            "not deterministic"
        );
    }
}

fn attr_summary(mode: macro_attr_parser::Mode, parsed: macro_attr_parser::Parsed) -> String {
    use macro_attr_parser::Mode;
    use quote::ToTokens as _;
    let macro_attr_parser::Parsed {
        args,
        errors,
        poisoned,
    } = parsed;
    let messages: Vec<String> = match errors.finish() {
        Ok(()) => Vec::new(),
        Err(err) => {
            let _ = err.to_compile_error();
            err.into_iter().map(|e| e.to_string()).collect()
        }
    };
    assert!(messages.iter().all(|m| !m.is_empty()));
    if messages.is_empty() {
        assert!(!poisoned, "poisoned without an error");
    }
    if mode != Mode::Protect {
        assert!(args.checks.is_empty() && !args.redirect_to_sign_in);
    }
    let mut checks = String::new();
    for check in &args.checks {
        describe_check(check, &mut checks);
    }
    format!(
        "{messages:?} {poisoned} {:?} {:?} {} {checks}",
        args.on_error.map(|p| p.to_token_stream().to_string()),
        args.krate.map(|p| p.to_token_stream().to_string()),
        args.redirect_to_sign_in
    )
}

fn describe_check(check: &macro_attr_parser::Check, out: &mut String) {
    use macro_attr_parser::Check;
    let is_key = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let scoped_key = |v: &str| match v.split_once(':') {
        None => is_key(v),
        Some((scope, key)) => {
            matches!(scope, "org" | "o" | "organization" | "user" | "u") && is_key(key)
        }
    };
    match check {
        Check::Role(lit) => {
            let v = lit.value();
            assert!(v.strip_prefix("org:").is_some_and(is_key), "role {v:?}");
            out.push_str(&format!("role={v:?} "));
        }
        Check::Permission(lit) => {
            let v = lit.value();
            let parts: Vec<&str> = v.split(':').collect();
            assert!(
                parts.len() == 3 && parts[0] == "org" && is_key(parts[1]) && is_key(parts[2]),
                "permission {v:?}"
            );
            out.push_str(&format!("permission={v:?} "));
        }
        Check::Feature(lit) | Check::Plan(lit) => {
            let v = lit.value();
            assert!(scoped_key(&v), "feature or plan {v:?}");
            out.push_str(&format!("key={v:?} "));
        }
        Check::Reverification(ident) => {
            let v = ident.to_string();
            assert!(matches!(
                v.as_str(),
                "StrictMfa" | "Strict" | "Moderate" | "Lax"
            ));
            out.push_str(&format!("reverification={v} "));
        }
        Check::Any(inner) | Check::All(inner) => {
            assert!(!inner.is_empty(), "empty any/all accepted");
            out.push_str(if matches!(check, Check::Any(_)) {
                "any("
            } else {
                "all("
            });
            for c in inner {
                describe_check(c, out);
            }
            out.push_str(") ");
        }
    }
}
