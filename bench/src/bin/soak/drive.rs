//! `soak drive`: opens the connections, samples the server's memory every second over
//! the window, then prints the figures and the verdict.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::{connection, Counters, Histogram, Shared};
use crate::plan::build_plan;
use crate::{flag, required, BoxError};

/// `VmRSS` and `VmHWM` of a process, in KiB.
pub(crate) fn memory_kib(pid: u32) -> Option<(u64, u64)> {
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

pub(crate) fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// User + system CPU time of a process, in clock ticks.
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces), from field 3 on.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

pub(crate) fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

pub(crate) struct Sample {
    pub(crate) at: f64,
    pub(crate) rss_kib: u64,
    pub(crate) hwm_kib: u64,
    pub(crate) fds: usize,
    pub(crate) open: usize,
}

pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub(crate) fn drive(args: &[String]) -> Result<bool, BoxError> {
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
