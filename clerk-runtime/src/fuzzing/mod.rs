//! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`, run with `cargo fuzz`) and of
//! their regression tests (`tests/fuzz_regressions.rs`): one function per target (one file each), taking the
//! raw fuzzer input and panicking when an invariant does not hold. Both the fuzzer and the
//! tests call these functions, so a corpus file or crash reproducer replays exactly.
//!
//! **Not a public API.** Compiled only with the `fuzzing` feature (never enabled by
//! default); anything here may change or disappear in any release.
//!
//! Fixed material, shared with the committed seeds in `fuzz/seeds/`: [`FIXED_PEM`](crate::__fuzz::FIXED_PEM) (an RSA
//! public key whose private half was thrown away after minting the seed tokens), the clock
//! [`FIXED_NOW`](crate::__fuzz::FIXED_NOW), the authorized party `https://app.example.com` and the publishable key
//! [`PUBLISHABLE_KEY`](crate::__fuzz::PUBLISHABLE_KEY). The `verify` target also signs fuzzer-made headers and payloads with
//! a key generated at start-up, so that the claim checks are reached.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;

use crate::clerk::Clerk;
use crate::token::b64;
use crate::token::jwks::KeySource;
use crate::token::keys::VerifyingKey;
mod api_error_body;
mod authorization_header;
mod cookie;
mod jwks;
mod token_decode;
mod verify;

pub use api_error_body::api_error_body;
pub use authorization_header::authorization_header;
pub use cookie::cookie;
pub use jwks::jwks;
pub use token_decode::token_decode;
pub use verify::verify;

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
