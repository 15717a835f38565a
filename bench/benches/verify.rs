//! `verify_token` on a warm cache against a bare `jsonwebtoken::decode` of the same token
//! with the same key (aws-lc-rs backend). Target: within 10% with the verified-token cache
//! off (a full verification each time); with the cache (the default) a repeated token
//! skips the RSA work.
//!
//! Run: `cargo bench -p clerk-bench --bench verify`

use std::hint::black_box;

use clerk::testing::MockClerk;
use criterion::{criterion_group, criterion_main, Criterion};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (mock, token) = rt.block_on(async {
        let mock = MockClerk::start().await;
        let token = mock
            .token()
            .user("user_2bench")
            .org("org_2bench", "org:admin")
            .permissions(&["org:invoices:create", "org:invoices:read"])
            .expires_in_secs(3600)
            .sign();
        (mock, token)
    });
    let clerk_jwks = mock.clerk();
    let clerk_full = mock
        .clerk_builder()
        .disable_token_cache()
        .build()
        .expect("clerk");
    let pem_options = clerk::VerifyTokenOptions {
        jwt_key: Some(mock.jwt_key_pem()),
        ..Default::default()
    };
    let jwks_options = clerk::VerifyTokenOptions {
        secret_key: Some(mock.secret_key().to_owned()),
        api_url: Some(mock.api_url()),
        ..Default::default()
    };
    // Warm every cache, and check that all three verify the token.
    rt.block_on(async {
        clerk_jwks
            .verify_token(&token)
            .await
            .expect("instance verifies");
        clerk_full
            .verify_token(&token)
            .await
            .expect("instance verifies");
        clerk::verify_token(&token, &pem_options)
            .await
            .expect("PEM verifies");
        clerk::verify_token(&token, &jwks_options)
            .await
            .expect("JWKS verifies");
    });

    let jwk = mock.current_key().jwk();
    let key = DecodingKey::from_rsa_components(
        jwk["n"].as_str().expect("n"),
        jwk["e"].as_str().expect("e"),
    )
    .expect("decoding key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.leeway = 5;
    jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(&token, &key, &validation)
        .expect("jsonwebtoken verifies");

    let mut group = c.benchmark_group("verify");
    group.bench_function("jsonwebtoken::decode (bare)", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
                black_box(&token),
                &key,
                &validation,
            )
            .expect("valid")
        })
    });
    group.bench_function("Clerk::verify_token (warm JWKS, token cache off)", |b| {
        b.iter(|| {
            futures::executor::block_on(clerk_full.verify_token(black_box(&token))).expect("valid")
        })
    });
    group.bench_function("clerk::verify_token (PEM)", |b| {
        b.iter(|| {
            futures::executor::block_on(clerk::verify_token(black_box(&token), &pem_options))
                .expect("valid")
        })
    });
    group.bench_function("clerk::verify_token (JWKS, warm)", |b| {
        b.iter(|| {
            futures::executor::block_on(clerk::verify_token(black_box(&token), &jwks_options))
                .expect("valid")
        })
    });
    group.bench_function("Clerk::verify_token (instance, warm JWKS)", |b| {
        b.iter(|| {
            futures::executor::block_on(clerk_jwks.verify_token(black_box(&token))).expect("valid")
        })
    });
    group.finish();
    drop(mock);
}

criterion_group!(benches, bench);
criterion_main!(benches);
