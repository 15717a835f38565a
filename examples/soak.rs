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

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use clerk::testing::MockClerk;
use clerk::{Clerk, Session};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("drive") => {
            let passed = drive(&args[1..])?;
            std::process::exit(if passed { 0 } else { 1 });
        }
        _ => Err("usage: soak serve <port> <tokens-file> [--users N] | soak drive --url … --tokens … --server-pid … (see the file's docs)".into()),
    }
}

/// The value after `--name` in `args`, parsed, or `default`.
fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, BoxError> {
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

fn required(args: &[String], name: &str) -> Result<String, BoxError> {
    let i = args
        .iter()
        .position(|a| a == name)
        .ok_or_else(|| format!("{name} is required"))?;
    Ok(args
        .get(i + 1)
        .ok_or_else(|| format!("{name} needs a value"))?
        .clone())
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

#[derive(Clone, FromRef)]
struct AppState {
    clerk: Clerk,
}

#[clerk::protect]
async fn me(session: Session) -> String {
    session.user_id().to_owned()
}

fn serve(args: &[String]) -> Result<(), BoxError> {
    let port: u16 = args.first().ok_or("serve: <port> missing")?.parse()?;
    let tokens_file = args.get(1).ok_or("serve: <tokens-file> missing")?.clone();
    let users: usize = flag(args, "--users", 1000)?;
    // One worker thread: the soak script pins the server to one core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mock = MockClerk::start().await;
        let day = 24 * 3600;
        let valid: Vec<String> = (0..users)
            .map(|i| {
                mock.token()
                    .user(&format!("user_soak_{i:05}"))
                    .session(&format!("sess_soak_{i:05}"))
                    .expires_in_secs(day)
                    .sign()
            })
            .collect();
        let expired: Vec<String> = (0..100)
            .map(|i| {
                mock.token()
                    .user(&format!("user_soak_{i:05}"))
                    .expired()
                    .sign()
            })
            .collect();
        let unknown_kid: Vec<String> = (0..10)
            .map(|i| {
                mock.token()
                    .user(&format!("user_soak_{i:05}"))
                    .header("kid", format!("ins_soak_unknown_{i}"))
                    .expires_in_secs(day)
                    .sign()
            })
            .collect();
        let clerk = mock.clerk();
        // Warm the JWKS so that the first request does not fetch it.
        clerk.verify_token(&valid[0]).await?;

        let app = Router::new()
            .route("/me", get(me))
            .with_state(AppState { clerk });
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(([127, 0, 0, 1], port).into())?;
        // A deep accept queue for the connection ramp (the kernel caps it at somaxconn).
        let listener = socket.listen(8192)?;
        // The tokens file is written last: the script waits for it.
        std::fs::write(
            &tokens_file,
            serde_json::json!({"valid": valid, "expired": expired, "unknown_kid": unknown_kid})
                .to_string(),
        )?;
        axum::serve(listener, app).await?;
        drop(mock);
        Ok::<(), BoxError>(())
    })
}

// ---------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------

/// What a request must get.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Valid,
    Expired,
    Garbage,
}

/// A prepared request and the answer it must get.
struct Probe {
    kind: Kind,
    /// The whole HTTP/1.1 request.
    request: Vec<u8>,
    /// For valid tokens, the user id the route must answer.
    user: Option<String>,
    /// Which garbage variant (for the figures).
    label: &'static str,
}

struct Plan {
    valid: Vec<Probe>,
    expired: Vec<Probe>,
    garbage: Vec<Probe>,
    host: String,
    path: String,
    /// Percentages of valid and expired (the rest is garbage).
    mix: (u64, u64),
}

impl Plan {
    fn request(host: &str, path: &str, token: Option<&str>) -> Vec<u8> {
        let mut r = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n");
        if let Some(token) = token {
            r.push_str("Authorization: Bearer ");
            r.push_str(token);
            r.push_str("\r\n");
        }
        r.push_str("\r\n");
        r.into_bytes()
    }

    fn probe(&self, kind: Kind, token: Option<&str>, label: &'static str) -> Probe {
        Probe {
            kind,
            request: Self::request(&self.host, &self.path, token),
            user: None,
            label,
        }
    }
}

/// `sub` of a JWT (unverified: the driver minted nothing, it only reads what to expect).
fn subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

/// The same token with one base64url character of its signature changed.
fn flip_signature(token: &str) -> String {
    let sig_start = token.rfind('.').map_or(0, |i| i + 1);
    let at = sig_start + (token.len() - sig_start) / 2;
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap_or_default()
}

/// Header and signature of `a` around the payload of `b`.
fn swap_payload(a: &str, b: &str) -> String {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    match (pa.as_slice(), pb.as_slice()) {
        ([h, _, s], [_, p, _]) => format!("{h}.{p}.{s}"),
        _ => a.to_owned(),
    }
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn build_plan(url: &str, tokens: &serde_json::Value, mix: (u64, u64)) -> Result<Plan, BoxError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--url must be http://host:port/path")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
        None => (rest.to_owned(), "/".to_owned()),
    };
    let mut plan = Plan {
        valid: Vec::new(),
        expired: Vec::new(),
        garbage: Vec::new(),
        host,
        path,
        mix,
    };
    let valid = strings(&tokens["valid"]);
    if valid.is_empty() {
        return Err("the tokens file has no valid token".into());
    }
    for token in &valid {
        let user = subject(token).ok_or("a valid token without sub")?;
        let mut probe = plan.probe(Kind::Valid, Some(token), "valid");
        probe.user = Some(user);
        plan.valid.push(probe);
    }
    for token in strings(&tokens["expired"]) {
        plan.expired
            .push(plan.probe(Kind::Expired, Some(&token), "expired"));
    }
    if plan.expired.is_empty() {
        return Err("the tokens file has no expired token".into());
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut garbage: Vec<(String, &'static str)> = strings(&tokens["garbage"])
        .into_iter()
        .map(|t| (t, "fixed"))
        .collect();
    for fixed in ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "Bearer"] {
        garbage.push((fixed.to_owned(), "fixed"));
    }
    for (i, token) in valid.iter().take(50).enumerate() {
        garbage.push((flip_signature(token), "forged signature"));
        let other = &valid[(i + 1) % valid.len()];
        if other != token {
            garbage.push((swap_payload(token, other), "swapped payload"));
        }
    }
    let sub = plan.valid[0].user.clone().unwrap_or_default();
    let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = b64.encode(
        serde_json::json!({"sub": sub, "exp": 4_000_000_000u64, "iat": 1, "nbf": 1}).to_string(),
    );
    garbage.push((format!("{none_header}.{none_payload}."), "alg none"));
    for token in strings(&tokens["unknown_kid"]) {
        garbage.push((token, "unknown kid"));
    }
    garbage.push((
        format!(
            "{}.{}.{}",
            "e".repeat(6000),
            "p".repeat(6000),
            "s".repeat(6000)
        ),
        "oversized",
    ));
    for (token, label) in garbage {
        plan.garbage
            .push(plan.probe(Kind::Garbage, Some(&token), label));
    }
    plan.garbage
        .push(plan.probe(Kind::Garbage, None, "no token"));
    Ok(plan)
}

/// Latency histogram: 1 ms buckets up to 30 s.
struct Histogram {
    buckets: Vec<AtomicU64>,
}

impl Histogram {
    fn new() -> Self {
        Self {
            buckets: (0..=30_000).map(|_| AtomicU64::new(0)).collect(),
        }
    }
    fn record(&self, d: Duration) {
        let ms = (d.as_millis() as usize).min(self.buckets.len() - 1);
        self.buckets[ms].fetch_add(1, Relaxed);
    }
    fn quantile(&self, q: f64) -> usize {
        let total: u64 = self.buckets.iter().map(|b| b.load(Relaxed)).sum();
        let target = ((total as f64) * q).ceil() as u64;
        let mut seen = 0;
        for (ms, b) in self.buckets.iter().enumerate() {
            seen += b.load(Relaxed);
            if seen >= target.max(1) {
                return ms;
            }
        }
        self.buckets.len() - 1
    }
    fn max(&self) -> usize {
        self.buckets
            .iter()
            .rposition(|b| b.load(Relaxed) > 0)
            .unwrap_or(0)
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    valid: AtomicU64,
    expired: AtomicU64,
    garbage: AtomicU64,
    wrong: AtomicU64,
    server_errors: AtomicU64,
    other_status: AtomicU64,
    connection_errors: AtomicU64,
    connect_failures: AtomicU64,
    open: AtomicUsize,
}

struct Shared {
    plan: Plan,
    counters: Counters,
    latency: Histogram,
    stop: AtomicBool,
    /// A few examples of what went wrong, for the report.
    samples: Mutex<Vec<String>>,
    connect_gate: tokio::sync::Semaphore,
    addr: std::net::SocketAddr,
}

impl Shared {
    fn note(&self, what: String) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() < 10 {
            samples.push(what);
        }
    }
}

/// xorshift64*: cheap, per connection.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// One answer: the status, the body, and whether the server will close the connection.
struct Answer {
    status: u16,
    body_start: usize,
    body_end: usize,
    close: bool,
}

/// Reads one HTTP/1.1 response with a `Content-Length` into `buf`.
async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Answer> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    buf.clear();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err(bad("response head too large"));
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("non-UTF-8 head"))?;
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let mut length = None;
    let mut close = false;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            close = true;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad("chunked answers are not expected"));
        }
    }
    let length = length.ok_or_else(|| bad("no content-length"))?;
    while buf.len() < head_end + length {
        if stream.read_buf(buf).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed mid-body",
            ));
        }
    }
    Ok(Answer {
        status,
        body_start: head_end,
        body_end: head_end + length,
        close,
    })
}

async fn connect(shared: &Shared) -> Option<TcpStream> {
    let _permit = shared.connect_gate.acquire().await.ok()?;
    for _ in 0..50 {
        match TcpStream::connect(shared.addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Some(stream);
            }
            Err(_) => {
                shared.counters.connect_failures.fetch_add(1, Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    None
}

/// One connection: request after request until `stop`, reconnecting after an error.
async fn connection(shared: Arc<Shared>, id: u64) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (id + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let mut buf = Vec::with_capacity(1024);
    let mut seq = 0u64;
    let c = &shared.counters;
    'connect: while !shared.stop.load(Relaxed) {
        let Some(mut stream) = connect(&shared).await else {
            shared.note(format!("connection {id}: could not connect"));
            return;
        };
        c.open.fetch_add(1, Relaxed);
        while !shared.stop.load(Relaxed) {
            let roll = rng.next() % 100;
            let (valid_pct, expired_pct) = shared.plan.mix;
            let unique;
            let probe = if roll < valid_pct {
                &shared.plan.valid[(rng.next() % shared.plan.valid.len() as u64) as usize]
            } else if roll < valid_pct + expired_pct {
                &shared.plan.expired[(rng.next() % shared.plan.expired.len() as u64) as usize]
            } else if rng.next().is_multiple_of(8) {
                // A token never sent before: nothing may grow with these.
                seq += 1;
                unique = shared.plan.probe(
                    Kind::Garbage,
                    Some(&format!("soak.{id}.{seq}.{}", rng.next())),
                    "unique",
                );
                &unique
            } else {
                &shared.plan.garbage[(rng.next() % shared.plan.garbage.len() as u64) as usize]
            };
            let started = Instant::now();
            let answer = match stream.write_all(&probe.request).await {
                Ok(()) => read_answer(&mut stream, &mut buf).await,
                Err(e) => Err(e),
            };
            let answer = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    c.connection_errors.fetch_add(1, Relaxed);
                    c.open.fetch_sub(1, Relaxed);
                    shared.note(format!("connection {id}: {e}"));
                    continue 'connect;
                }
            };
            shared.latency.record(started.elapsed());
            c.requests.fetch_add(1, Relaxed);
            match probe.kind {
                Kind::Valid => c.valid.fetch_add(1, Relaxed),
                Kind::Expired => c.expired.fetch_add(1, Relaxed),
                Kind::Garbage => c.garbage.fetch_add(1, Relaxed),
            };
            let body = &buf[answer.body_start..answer.body_end];
            let right = match (probe.kind, answer.status) {
                (_, 500..=599) => {
                    c.server_errors.fetch_add(1, Relaxed);
                    shared.note(format!("{} → {}", probe.label, answer.status));
                    None
                }
                (Kind::Valid, 200) => Some(probe.user.as_deref().map(str::as_bytes) == Some(body)),
                (Kind::Valid, _) => Some(false),
                (_, 401) => Some(true),
                (_, 200) => Some(false),
                (_, _) => {
                    c.other_status.fetch_add(1, Relaxed);
                    None
                }
            };
            if right == Some(false) {
                c.wrong.fetch_add(1, Relaxed);
                shared.note(format!(
                    "wrong decision: {} → {} {:?}",
                    probe.label,
                    answer.status,
                    String::from_utf8_lossy(body)
                ));
            }
            if answer.close {
                c.open.fetch_sub(1, Relaxed);
                continue 'connect;
            }
        }
        c.open.fetch_sub(1, Relaxed);
        return;
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// User + system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces), from field 3 on.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

struct Sample {
    at: f64,
    rss_kib: u64,
    hwm_kib: u64,
    fds: usize,
    open: usize,
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn drive(args: &[String]) -> Result<bool, BoxError> {
    let url = required(args, "--url")?;
    let tokens_path = required(args, "--tokens")?;
    let pid: u32 = required(args, "--server-pid")?.parse()?;
    let connections: usize = flag(args, "--connections", 10_000)?;
    let duration: u64 = flag(args, "--duration", 60)?;
    let warmup: u64 = flag(args, "--warmup", 10)?;
    let max_growth_mib: f64 = flag(args, "--max-growth-mib", 8.0)?;
    let max_growth_pct: f64 = flag(args, "--max-growth-pct", 5.0)?;
    let mix: Vec<u64> = flag(args, "--mix", "80,10,10".to_owned())?
        .split(',')
        .map(|p| p.trim().parse())
        .collect::<Result<_, _>>()?;
    if mix.len() != 3 || mix.iter().sum::<u64>() != 100 {
        return Err("--mix is valid,expired,garbage percentages summing to 100".into());
    }
    if warmup >= duration {
        return Err("--warmup must be shorter than --duration".into());
    }
    if let Some(limit) = open_files_limit() {
        if limit < connections as u64 + 64 {
            return Err(format!(
                "the open-files limit ({limit}) is below {} connections: raise it (ulimit -n)",
                connections
            )
            .into());
        }
    }
    let tokens: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&tokens_path)?)?;
    let plan = build_plan(&url, &tokens, (mix[0], mix[1]))?;
    let addr: std::net::SocketAddr = plan.host.parse()?;
    println!(
        "# soak: {connections} connections, {duration} s (warm-up {warmup} s), mix {}% valid / {}% expired / {}% garbage; \
         {} valid tokens, {} expired, {} garbage variants + a unique one per request; server pid {pid}",
        mix[0], mix[1], mix[2], plan.valid.len(), plan.expired.len(), plan.garbage.len()
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let shared = Arc::new(Shared {
            plan,
            counters: Counters::default(),
            latency: Histogram::new(),
            stop: AtomicBool::new(false),
            samples: Mutex::new(Vec::new()),
            connect_gate: tokio::sync::Semaphore::new(256),
            addr,
        });
        let c = &shared.counters;

        // Ramp: open every connection (each starts sending at once).
        let ramp_started = Instant::now();
        let before = memory_kib(pid).ok_or("cannot read the server's /proc/<pid>/status")?;
        let tasks: Vec<_> = (0..connections as u64)
            .map(|id| tokio::spawn(connection(shared.clone(), id)))
            .collect();
        while c.open.load(Relaxed) < connections && ramp_started.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let ramp = ramp_started.elapsed();
        let opened = c.open.load(Relaxed);
        println!(
            "ramp: {opened} connections open in {:.1} s (server RSS before {:.1} MiB)",
            ramp.as_secs_f64(),
            mib(before.0)
        );

        // The measured window.
        let start = Instant::now();
        let requests_at_start = c.requests.load(Relaxed);
        let cpu_at_start = cpu_ticks(pid);
        let mut samples: Vec<Sample> = Vec::new();
        let mut last_print = (Instant::now(), requests_at_start);
        let mut server_gone = false;
        for second in 1..=duration {
            tokio::time::sleep_until((start + Duration::from_secs(second)).into()).await;
            let Some((rss_kib, hwm_kib)) = memory_kib(pid) else {
                server_gone = true;
                println!("the server (pid {pid}) is gone");
                break;
            };
            let requests = c.requests.load(Relaxed);
            samples.push(Sample {
                at: start.elapsed().as_secs_f64(),
                rss_kib,
                hwm_kib,
                fds: open_fds(pid),
                open: c.open.load(Relaxed),
            });
            if second % 10 == 0 || second == warmup {
                let last = samples.last().expect("just pushed");
                let rate = (requests - last_print.1) as f64 / last_print.0.elapsed().as_secs_f64();
                last_print = (Instant::now(), requests);
                eprintln!(
                    "  t={second:>3} s  {rate:>8.0} req/s  open {}  server fds {}  RSS {:.1} MiB  wrong {}  5xx {}  errors {}",
                    last.open,
                    last.fds,
                    mib(last.rss_kib),
                    c.wrong.load(Relaxed),
                    c.server_errors.load(Relaxed),
                    c.connection_errors.load(Relaxed),
                );
            }
        }
        let window = start.elapsed();
        let requests_in_window = c.requests.load(Relaxed) - requests_at_start;
        let cpu_in_window = match (cpu_at_start, cpu_ticks(pid)) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };

        // Stop: every connection finishes its request in flight, then closes.
        shared.stop.store(true, Relaxed);
        let drained = tokio::time::timeout(
            Duration::from_secs(30),
            futures::future::join_all(tasks),
        )
        .await
        .is_ok();

        // The figures.
        let total = c.requests.load(Relaxed);
        let wrong = c.wrong.load(Relaxed);
        let server_errors = c.server_errors.load(Relaxed);
        let other = c.other_status.load(Relaxed);
        let errors = c.connection_errors.load(Relaxed);
        let rps = requests_in_window as f64 / window.as_secs_f64();
        println!(
            "requests: {total} in all, {requests_in_window} in the {:.0} s window: {rps:.0} req/s",
            window.as_secs_f64()
        );
        println!(
            "  valid {} (200 with the token's user), expired {} (401), garbage {} (401)",
            c.valid.load(Relaxed),
            c.expired.load(Relaxed),
            c.garbage.load(Relaxed)
        );
        println!("wrong decisions: {wrong}");
        println!("5xx: {server_errors}");
        println!("other statuses: {other}");
        println!(
            "connection errors: {errors} (failed connect attempts: {})",
            c.connect_failures.load(Relaxed)
        );
        let held_min = samples.iter().map(|s| s.open).min().unwrap_or(0);
        let fds_min = samples.iter().map(|s| s.fds).min().unwrap_or(0);
        let fds_max = samples.iter().map(|s| s.fds).max().unwrap_or(0);
        println!(
            "connections held: min {held_min} of {connections} during the window (server fds {fds_min}–{fds_max})"
        );
        println!(
            "latency: p50 {} ms, p99 {} ms, max {} ms",
            shared.latency.quantile(0.50),
            shared.latency.quantile(0.99),
            shared.latency.max()
        );
        if let Some(ticks) = cpu_in_window {
            let clk = 100.0; // USER_HZ on Linux
            println!(
                "server CPU: {:.1} s in the window, {:.1} µs per request",
                ticks as f64 / clk,
                ticks as f64 / clk * 1e6 / requests_in_window.max(1) as f64
            );
        }
        let warm = samples.iter().find(|s| s.at >= warmup as f64 - 0.5);
        let end = samples.last();
        let max_rss = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
        let hwm = samples.last().map_or(0, |s| s.hwm_kib);
        let mut growth_ok = false;
        if let (Some(warm), Some(end)) = (warm, end) {
            let growth = end.rss_kib as f64 - warm.rss_kib as f64;
            let allowed = (max_growth_mib * 1024.0).max(warm.rss_kib as f64 * max_growth_pct / 100.0);
            growth_ok = growth <= allowed;
            // Least-squares slope of the RSS after the warm-up, in MiB per minute.
            let after: Vec<&Sample> = samples.iter().filter(|s| s.at >= warm.at).collect();
            let n = after.len() as f64;
            let (mx, my) = (
                after.iter().map(|s| s.at).sum::<f64>() / n,
                after.iter().map(|s| mib(s.rss_kib)).sum::<f64>() / n,
            );
            let (sxy, sxx) = after.iter().fold((0.0, 0.0), |(sxy, sxx), s| {
                (sxy + (s.at - mx) * (mib(s.rss_kib) - my), sxx + (s.at - mx).powi(2))
            });
            let slope = if sxx > 0.0 { sxy / sxx * 60.0 } else { 0.0 };
            println!(
                "server RSS: {:.1} MiB at the end of the warm-up (t={:.0} s), {:.1} MiB at the end, max {:.1} MiB, VmHWM {:.1} MiB",
                mib(warm.rss_kib),
                warm.at,
                mib(end.rss_kib),
                mib(max_rss),
                mib(hwm)
            );
            println!(
                "RSS growth after the warm-up: {:+.2} MiB (allowed {:.1} MiB); trend {:+.2} MiB/min",
                growth / 1024.0,
                allowed / 1024.0,
                slope
            );
            let timeline: Vec<String> = samples
                .iter()
                .filter(|s| (s.at.round() as u64).is_multiple_of(5))
                .map(|s| format!("{:.0}s:{:.1}", s.at, mib(s.rss_kib)))
                .collect();
            println!("RSS timeline (MiB): {}", timeline.join(" "));
        } else {
            println!("server RSS: not enough samples");
        }
        let notes = shared.samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for note in &notes {
            println!("  e.g. {note}");
        }

        let mut failures = Vec::new();
        if wrong > 0 {
            failures.push(format!("{wrong} wrong decisions"));
        }
        if server_errors > 0 {
            failures.push(format!("{server_errors} 5xx"));
        }
        if other > 0 {
            failures.push(format!("{other} unexpected statuses"));
        }
        if errors > 0 {
            failures.push(format!("{errors} connection errors"));
        }
        if opened < connections || held_min < connections {
            failures.push(format!(
                "held {} of {connections} connections",
                opened.min(held_min)
            ));
        }
        if !growth_ok {
            failures.push("RSS grew after the warm-up".into());
        }
        if server_gone {
            failures.push("the server exited".into());
        }
        if !drained {
            failures.push("connections did not finish within 30 s of the stop".into());
        }
        if failures.is_empty() {
            println!("RESULT: PASS");
        } else {
            println!("RESULT: FAIL ({})", failures.join(", "));
        }
        Ok(failures.is_empty())
    })
}
