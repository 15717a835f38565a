//! Criterion benches of the request path: warm verification, cache hit, header and cookie
//! extraction, `has()` checks, and the extractor as a whole.
//!
//! Run: `cargo bench -p clerk-bench --bench auth`

use std::hint::black_box;

use axum::extract::FromRequestParts;
use clerk::testing::MockClerk;
use clerk::token::extract::{cookie, header_token};
use clerk::{Clerk, Has, Session};
use criterion::{criterion_group, criterion_main, Criterion};
use futures::executor::block_on;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mock = rt.block_on(MockClerk::start());
    let token = mock
        .token()
        .user("user_2bench")
        .org("org_2bench", "org:admin")
        .permissions(&[
            "org:invoices:create",
            "org:invoices:read",
            "org:members:manage",
        ])
        .features("u:premium,o:sso")
        .expires_in_secs(3600)
        .sign();
    let cached = mock.clerk();
    let uncached = mock
        .clerk_builder()
        .disable_token_cache()
        .build()
        .expect("clerk");
    rt.block_on(async {
        cached.verify_token(&token).await.expect("valid");
        uncached.verify_token(&token).await.expect("valid");
    });

    let mut group = c.benchmark_group("verify");
    group.bench_function("warm, no token cache", |b| {
        b.iter(|| block_on(uncached.verify_token(black_box(&token))).expect("valid"))
    });
    group.bench_function("token cache hit", |b| {
        b.iter(|| block_on(cached.verify_token(black_box(&token))).expect("valid"))
    });
    group.finish();

    let bearer: http::Request<()> = http::Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .expect("request");
    let (bearer_parts, _) = bearer.into_parts();
    let cookies: http::Request<()> = http::Request::builder()
        .header(
            "cookie",
            format!("theme=dark; __client_uat=1; __session={token}; other=1"),
        )
        .body(())
        .expect("request");
    let (cookie_parts, _) = cookies.into_parts();

    let mut group = c.benchmark_group("extract");
    group.bench_function("Authorization header", |b| {
        b.iter(|| header_token(black_box(&bearer_parts.headers)).map(str::len))
    });
    group.bench_function("__session cookie", |b| {
        b.iter(|| cookie(black_box(&cookie_parts.headers), "__session").map(|c| c.len()))
    });
    group.finish();

    let session = block_on(cached.authenticate_request(&bearer_parts))
        .to_auth()
        .into_session()
        .expect("signed in");
    let role = Has::role("org:admin");
    let permission = Has::permission("org:members:manage");
    let feature = Has::feature("user:premium");
    let combined = Has::role("admin")
        .and_permission("org:invoices:read")
        .and_feature("sso");
    let mut group = c.benchmark_group("has");
    group.bench_function("role", |b| b.iter(|| session.has(black_box(&role))));
    group.bench_function("permission", |b| {
        b.iter(|| session.has(black_box(&permission)))
    });
    group.bench_function("feature", |b| b.iter(|| session.has(black_box(&feature))));
    group.bench_function("role + permission + feature", |b| {
        b.iter(|| session.has(black_box(&combined)))
    });
    group.finish();

    let mut group = c.benchmark_group("extractor");
    let state: Clerk = cached.clone();
    group.bench_function("authenticate_request (header, cache hit)", |b| {
        b.iter(|| block_on(cached.authenticate_request(black_box(&bearer_parts))).is_signed_in())
    });
    group.bench_function("authenticate_request (cookie, cache hit)", |b| {
        b.iter(|| block_on(cached.authenticate_request(black_box(&cookie_parts))).is_signed_in())
    });
    group.bench_function("Session extractor (header, cache hit)", |b| {
        b.iter(|| {
            let mut parts = bearer_parts.clone();
            block_on(Session::from_request_parts(&mut parts, &state))
                .map(|s| s.user_id().len())
                .is_ok()
        })
    });
    group.bench_function("Session extractor (garbage token)", |b| {
        let garbage: http::Request<()> = http::Request::builder()
            .header(
                "authorization",
                "Bearer eyJnYXJiYWdlIjp0cnVlfQ.bm90IGEgdG9rZW4.c2ln",
            )
            .body(())
            .expect("request");
        let (garbage_parts, _) = garbage.into_parts();
        b.iter(|| {
            let mut parts = garbage_parts.clone();
            block_on(Session::from_request_parts(&mut parts, &state)).is_err()
        })
    });
    group.finish();
    drop(mock);
}

criterion_group!(benches, bench);
criterion_main!(benches);
