//! The driver's connections: a minimal HTTP/1.1 keep-alive client over `TcpStream`, the
//! shared counters and the latency histogram.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::plan::{Kind, Plan};

/// Latency histogram: 1 ms buckets up to 30 s.
pub(crate) struct Histogram {
    pub(crate) buckets: Vec<AtomicU64>,
}

impl Histogram {
    pub(crate) fn new() -> Self {
        Self {
            buckets: (0..=30_000).map(|_| AtomicU64::new(0)).collect(),
        }
    }
    pub(crate) fn record(&self, d: Duration) {
        let ms = (d.as_millis() as usize).min(self.buckets.len() - 1);
        self.buckets[ms].fetch_add(1, Relaxed);
    }
    pub(crate) fn quantile(&self, q: f64) -> usize {
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
    pub(crate) fn max(&self) -> usize {
        self.buckets
            .iter()
            .rposition(|b| b.load(Relaxed) > 0)
            .unwrap_or(0)
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) valid: AtomicU64,
    pub(crate) expired: AtomicU64,
    pub(crate) garbage: AtomicU64,
    pub(crate) wrong: AtomicU64,
    pub(crate) server_errors: AtomicU64,
    pub(crate) other_status: AtomicU64,
    pub(crate) connection_errors: AtomicU64,
    pub(crate) connect_failures: AtomicU64,
    pub(crate) open: AtomicUsize,
}

pub(crate) struct Shared {
    pub(crate) plan: Plan,
    pub(crate) counters: Counters,
    pub(crate) latency: Histogram,
    pub(crate) stop: AtomicBool,
    /// A few examples of what went wrong, for the report.
    pub(crate) samples: Mutex<Vec<String>>,
    pub(crate) connect_gate: tokio::sync::Semaphore,
    pub(crate) addr: std::net::SocketAddr,
}

impl Shared {
    pub(crate) fn note(&self, what: String) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() < 10 {
            samples.push(what);
        }
    }
}

/// xorshift64*: cheap, per connection.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// One answer: the status, the body, and whether the server will close the connection.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body_start: usize,
    pub(crate) body_end: usize,
    pub(crate) close: bool,
}

/// Reads one HTTP/1.1 response with a `Content-Length` into `buf`.
pub(crate) async fn read_answer(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<Answer> {
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

pub(crate) async fn connect(shared: &Shared) -> Option<TcpStream> {
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
pub(crate) async fn connection(shared: Arc<Shared>, id: u64) {
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
