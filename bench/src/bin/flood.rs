//! The flood benchmark: made-up machine tokens against a route that accepts API keys,
//! while one real API key, in use before the flood, keeps authenticating.
//!
//! ```text
//! flood [seconds=30] [tokens-per-second=1000]
//! ```
//!
//! One process: the local Clerk stand-in (rate-limited as Clerk's production instances
//! are: 1,000 Backend API requests per 10 s), a `#[clerk::protect(accepts = [api_key])]`
//! route with the default configuration, a flood of distinct `ak_…` strings at the given
//! rate, and the real key every 100 ms. Every second it prints the tokens sent, the
//! Backend API calls made and the real key's answers; at the end, the totals, the calls
//! per second (average and worst second) against the default budget (50 a second), the
//! stand-in's 429 count, and the real key's successes and failures.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use clerk::testing::MockClerk;
use clerk::{ClerkLayer, MachineAuth};

#[clerk::protect(accepts = [api_key])]
async fn api(machine: MachineAuth) -> String {
    machine.subject().to_owned()
}

/// What the flood and the real key got, counted as they go.
#[derive(Default)]
struct Counters {
    flood_sent: AtomicU64,
    flood_refused: AtomicU64,
    flood_other: AtomicU64,
    key_ok: AtomicU64,
    key_failed: AtomicU64,
}

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .map(|v| v.parse().expect("a whole number"))
        .unwrap_or(default)
}

fn verify_calls(mock: &MockClerk) -> usize {
    mock.api_requests()
        .iter()
        .filter(|r| r.uri == "/api_keys/verify")
        .count()
}

#[tokio::main]
async fn main() {
    let seconds = arg(1, 30);
    let rate = arg(2, 1000);
    let mock = MockClerk::start().await;
    mock.enforce_rate_limit(1000, Duration::from_secs(10));
    let app = Router::new()
        .route("/api", get(api))
        .layer(ClerkLayer::new(mock.clerk()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::new();
    let (_, key) = mock.create_api_key("user_flood_bench", &[], None);
    let first = http.get(&url).bearer_auth(&key).send().await.unwrap();
    assert_eq!(first.status(), 200, "the real key works before the flood");

    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);

    // The flood: `rate` distinct tokens a second, in 10 ms ticks, each its own request.
    let flood = {
        let (http, url, counters, stop) =
            (http.clone(), url.clone(), counters.clone(), stop.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let per_tick = rate as f64 / 100.0;
            let (mut owed, mut n) = (0.0, 0u64);
            while !stop.load(Relaxed) {
                tick.tick().await;
                owed += per_tick;
                while owed >= 1.0 {
                    owed -= 1.0;
                    n += 1;
                    let token = format!("ak_flood{n:010}{:016x}", rand_word(n));
                    let (http, url, counters) = (http.clone(), url.clone(), counters.clone());
                    counters.flood_sent.fetch_add(1, Relaxed);
                    tokio::spawn(async move {
                        let r = http.get(&url).bearer_auth(&token).send().await;
                        let refused = r.is_ok_and(|r| {
                            r.status() == 401
                                && r.headers()
                                    .get("x-clerk-auth-reason")
                                    .and_then(|v| v.to_str().ok())
                                    == Some("token-invalid")
                        });
                        let counter = if refused {
                            &counters.flood_refused
                        } else {
                            &counters.flood_other
                        };
                        counter.fetch_add(1, Relaxed);
                    });
                }
            }
        })
    };
    // The real key, every 100 ms.
    let real = {
        let (http, url, counters, stop) =
            (http.clone(), url.clone(), counters.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Relaxed) {
                let ok = http
                    .get(&url)
                    .bearer_auth(&key)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                let counter = if ok {
                    &counters.key_ok
                } else {
                    &counters.key_failed
                };
                counter.fetch_add(1, Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    println!("second  sent  verify-calls  key-ok  key-failed");
    let (mut last_calls, mut worst) = (verify_calls(&mock), 0);
    let calls_before = last_calls;
    let mut second = 0;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        second += 1;
        let calls = verify_calls(&mock);
        worst = worst.max(calls - last_calls);
        println!(
            "{second:>6}  {:>4}  {:>12}  {:>6}  {:>10}",
            counters.flood_sent.load(Relaxed),
            calls - last_calls,
            counters.key_ok.load(Relaxed),
            counters.key_failed.load(Relaxed),
        );
        last_calls = calls;
    }
    stop.store(true, Relaxed);
    let _ = tokio::join!(flood, real);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let calls = verify_calls(&mock) - calls_before;
    let c = &counters;
    println!();
    println!("duration                      {elapsed:.1} s");
    println!(
        "made-up tokens sent           {} ({:.0}/s); refused token-invalid {}, other answers {}",
        c.flood_sent.load(Relaxed),
        c.flood_sent.load(Relaxed) as f64 / elapsed,
        c.flood_refused.load(Relaxed),
        c.flood_other.load(Relaxed),
    );
    println!(
        "Backend API verify calls      {calls} ({:.1}/s on average, {worst} in the worst second; budget 50/s)",
        calls as f64 / elapsed
    );
    println!(
        "stand-in 429 answers          {}",
        mock.rate_limited_requests()
    );
    println!(
        "real key                      {} ok, {} failed",
        c.key_ok.load(Relaxed),
        c.key_failed.load(Relaxed)
    );
}

/// A cheap scramble, so that the tokens do not share long prefixes.
fn rand_word(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}
