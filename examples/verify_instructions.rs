//! Runs N verifications of one token, for instruction counts under callgrind:
//!
//! ```text
//! valgrind --tool=callgrind target/release/examples/verify_instructions <mode> 1000
//! ```
//!
//! Modes: `jsonwebtoken` (bare `jsonwebtoken::decode`), `clerk-full` (the SDK with the
//! verified-token cache off), `clerk-cached` (the SDK, a repeated token).

use clerk::testing::MockClerk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "clerk-full".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mock = MockClerk::start().await;
        let token = mock
            .token()
            .user("user_count")
            .org("org_1", "org:admin")
            .expires_in_secs(3600)
            .sign();
        let jwk = mock.current_key().jwk();
        let key = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap_or_default(),
            jwk["e"].as_str().unwrap_or_default(),
        )
        .expect("key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        let full = mock
            .clerk_builder()
            .disable_token_cache()
            .build()
            .expect("clerk");
        let cached = mock.clerk();
        full.verify_token(&token).await.expect("valid");
        cached.verify_token(&token).await.expect("valid");
        let mut ok = 0usize;
        for _ in 0..n {
            ok +=
                match mode.as_str() {
                    "jsonwebtoken" => jsonwebtoken::decode::<
                        serde_json::Map<String, serde_json::Value>,
                    >(&token, &key, &validation)
                    .is_ok(),
                    "clerk-cached" => cached.verify_token(&token).await.is_ok(),
                    _ => full.verify_token(&token).await.is_ok(),
                } as usize;
        }
        println!("{mode}: {ok}/{n} verified");
    });
}
