//! Runs N verifications of one token, for instruction counts under callgrind:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*measured*' --callgrind-out-file=cg.out \
//!     <target-dir>/release/verify_instructions <mode> 1000
//! callgrind_annotate cg.out | head -30
//! ```
//!
//! Only the loop is counted (`measured`, with `--toggle-collect`): the set-up is not
//! repeatable, as the local Clerk stand-in makes a fresh RSA key on each run.
//! `bash bench/verify_instructions.sh` runs every mode and prints instructions per call.
//!
//! Full verifications: `jsonwebtoken` (bare `jsonwebtoken::decode`), `clerk-full` (the SDK
//! with the verified-token cache off), `clerk-cached` (the SDK, a repeated token).
//!
//! The RS256 signature check alone, the key prepared once (as once per kid):
//! `sig-aws-lc` (what `clerk-runtime`'s `VerifyingKey::verify_rs256` does: aws-lc-rs
//! `ParsedPublicKey::verify_sig` on the decoded signature), `sig-aws-lc-b64` (the same
//! plus the base64url decoding of the signature, the input `jsonwebtoken::crypto::verify`
//! takes), `jwt-crypto` (`jsonwebtoken::crypto::verify` with a `DecodingKey` built once).

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clerk::testing::MockClerk;
use futures::executor::block_on;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

type BoxError = Box<dyn std::error::Error>;

const MODES: &[&str] = &[
    "jsonwebtoken",
    "clerk-full",
    "clerk-cached",
    "sig-aws-lc",
    "sig-aws-lc-b64",
    "jwt-crypto",
];

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "clerk-full".into());
    if !MODES.contains(&mode.as_str()) {
        return Err(format!("unknown mode {mode}; modes: {}", MODES.join(", ")).into());
    }
    let n: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 1000,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ok = rt.block_on(run(&mode, n))?;
    println!("{mode}: {ok}/{n} verified");
    if ok != n {
        return Err(format!("{mode}: {} of {n} verifications failed", n - ok).into());
    }
    Ok(())
}

async fn run(mode: &str, n: usize) -> Result<usize, BoxError> {
    let mock = MockClerk::start().await;
    let token = mock
        .token()
        .user("user_count")
        .org("org_1", "org:admin")
        .expires_in_secs(3600)
        .sign();
    let jwk = mock.current_key().jwk();
    let (n_b64, e_b64) = match (jwk["n"].as_str(), jwk["e"].as_str()) {
        (Some(n), Some(e)) => (n, e),
        _ => return Err("the stand-in's JWK has no n or e".into()),
    };

    // Every key is prepared before the loop: the SDK parses a key once per kid.
    let key = DecodingKey::from_rsa_components(n_b64, e_b64)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    let parsed = aws_lc_rs::rsa::PublicKeyComponents {
        n: URL_SAFE_NO_PAD.decode(n_b64)?,
        e: URL_SAFE_NO_PAD.decode(e_b64)?,
    }
    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
    .map_err(|_| "aws-lc-rs refused the key")?;
    let (message, signature_b64) = token.rsplit_once('.').ok_or("the token has no '.'")?;
    let signature = URL_SAFE_NO_PAD.decode(signature_b64)?;

    let full = mock.clerk_builder().disable_token_cache().build()?;
    let cached = mock.clerk();
    // Warm-up: the JWKS fetch, the token cache, and each path once before counting.
    full.verify_token(&token).await?;
    cached.verify_token(&token).await?;
    jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(&token, &key, &validation)?;
    if !jsonwebtoken::crypto::verify(signature_b64, message.as_bytes(), &key, Algorithm::RS256)? {
        return Err("jsonwebtoken::crypto::verify refused the token".into());
    }
    parsed
        .verify_sig(message.as_bytes(), &signature)
        .map_err(|_| "aws-lc-rs refused the signature")?;

    let ok = measured(
        mode,
        n,
        &Prepared {
            token: &token,
            key: &key,
            validation: &validation,
            parsed: &parsed,
            message,
            signature: &signature,
            signature_b64,
            full: &full,
            cached: &cached,
        },
    );
    drop(mock);
    Ok(ok)
}

/// What the measured loop uses, all prepared before it.
struct Prepared<'a> {
    token: &'a str,
    key: &'a DecodingKey,
    validation: &'a Validation,
    parsed: &'a ParsedPublicKey,
    message: &'a str,
    signature: &'a [u8],
    signature_b64: &'a str,
    full: &'a clerk::Clerk,
    cached: &'a clerk::Clerk,
}

/// The N calls, and nothing else: `bench/verify_instructions.sh` counts only inside this
/// function (`--toggle-collect=*measured*`), because the stand-in's set-up is not
/// repeatable (a fresh RSA key per run). Synchronous and never inlined, so that its
/// symbol exists (an async fn's body is a closure the compiler inlines into its caller):
/// the SDK's futures are driven by a minimal executor, as in the criterion benches (warm,
/// they never wait).
#[inline(never)]
fn measured(mode: &str, n: usize, p: &Prepared<'_>) -> usize {
    let mut ok = 0usize;
    for _ in 0..n {
        let verified = match mode {
            "jsonwebtoken" => jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
                p.token,
                p.key,
                p.validation,
            )
            .is_ok(),
            "clerk-cached" => block_on(p.cached.verify_token(p.token)).is_ok(),
            "sig-aws-lc" => p
                .parsed
                .verify_sig(p.message.as_bytes(), p.signature)
                .is_ok(),
            "sig-aws-lc-b64" => sig_aws_lc_b64(p.parsed, p.message, p.signature_b64),
            "jwt-crypto" => jsonwebtoken::crypto::verify(
                p.signature_b64,
                p.message.as_bytes(),
                p.key,
                Algorithm::RS256,
            )
            .unwrap_or(false),
            _ => block_on(p.full.verify_token(p.token)).is_ok(),
        };
        ok += usize::from(verified);
    }
    ok
}

/// The signature check from the token's text: base64url decoding, then RS256.
fn sig_aws_lc_b64(key: &ParsedPublicKey, message: &str, signature_b64: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(signature_b64) {
        Ok(signature) => key.verify_sig(message.as_bytes(), &signature).is_ok(),
        Err(_) => false,
    }
}
