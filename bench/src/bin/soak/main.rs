//! The soak test (`bench/soak.sh`): many keep-alive connections sending a mixed stream of
//! valid, expired and garbage tokens to a `#[clerk::protect]` route for a fixed time,
//! checking every answer, and sampling the server's memory. Loopback only; it stops by
//! itself.
//!
//! ```text
//! soak serve <port> <tokens-file> [--users N]
//! soak drive --url http://127.0.0.1:<port>/me --tokens <file> --server-pid <pid>
//!            [--connections 10000] [--duration 60] [--warmup 10] [--mix 80,10,10]
//!            [--max-growth-mib 8] [--max-growth-pct 5]
//! ```
//!
//! `serve` starts the local Clerk stand-in and a `#[clerk::protect]` route `GET /me` that
//! answers the session's user id (one worker thread, like `bench_server`), and writes
//! `{"valid": [...], "expired": [...], "unknown_kid": [...]}` to the tokens file: `N`
//! valid tokens of `N` users (24 h lifetime), 100 expired ones, 10 well-signed ones whose
//! kid is not published. `drive` also accepts `bench_server`'s tokens file (one string
//! per kind).
//!
//! `drive` opens `--connections` HTTP/1.1 keep-alive connections (a minimal client over
//! `TcpStream`: one request at a time per connection), then, for `--duration` seconds
//! after all are open, every connection sends request after request, each with a token
//! drawn by the mix: valid (must answer 200 with the token's `sub`), expired (401), or
//! garbage (401): fixed malformed strings, a unique string per request, valid tokens with
//! a flipped signature byte or another user's payload, `alg: none`, an unknown kid, a
//! 17 KiB token, no `Authorization` at all. Every second it samples the server's
//! `VmRSS`/`VmHWM` and open file descriptors from `/proc/<pid>`.
//!
//! It prints the requests, req/s, latency, wrong decisions, 5xx, connection errors, and
//! the server's RSS after warm-up, at the end and at its maximum, then `RESULT: PASS` or
//! `RESULT: FAIL` (exit status 1). FAIL when: any wrong decision (a refused token let in,
//! a valid one refused or answered with another user), any 5xx or other status, any
//! connection error, fewer connections held than asked, or the RSS at the end exceeding
//! the RSS at the end of the warm-up by more than `max(--max-growth-mib,
//! --max-growth-pct % of it)` (default: 8 MiB or 5 %, whichever is larger).

mod client;
mod drive;
mod plan;
mod server;

/// Errors of either subcommand, sendable across the driver's tasks.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => server::serve(&args[1..]),
        Some("drive") => {
            let passed = drive::drive(&args[1..])?;
            std::process::exit(if passed { 0 } else { 1 });
        }
        _ => Err("usage: soak serve <port> <tokens-file> [--users N] | soak drive --url … --tokens … --server-pid … (see the file's docs)".into()),
    }
}

/// The value after `--name` in `args`, parsed, or `default`.
pub(crate) fn flag<T: std::str::FromStr>(
    args: &[String],
    name: &str,
    default: T,
) -> Result<T, BoxError> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .ok_or_else(|| format!("{name} needs a value"))?
            .trim_end_matches('s')
            .parse()
            .map_err(|_| format!("bad value for {name}").into()),
        None => Ok(default),
    }
}

pub(crate) fn required(args: &[String], name: &str) -> Result<String, BoxError> {
    let i = args
        .iter()
        .position(|a| a == name)
        .ok_or_else(|| format!("{name} is required"))?;
    Ok(args
        .get(i + 1)
        .ok_or_else(|| format!("{name} needs a value"))?
        .clone())
}
