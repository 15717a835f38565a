#!/usr/bin/env bash
# Load benchmark: the SDK against a server without authentication and a bare
# `jsonwebtoken` check, side by side in one run, on this machine.
#
#   bash bench/load.sh                 # 10 s per measurement
#   DURATION=30s CONNECTIONS=64 bash bench/load.sh
#   SOAK=1 bash bench/load.sh          # then the soak test, bench/soak.sh (60 s, 10,000 connections;
#                                      # SOAK_DURATION, SOAK_CONNECTIONS)
#
# Each server runs on core 0 (one worker thread), wrk on core 1. Loopback only; every
# server is stopped by its PID. Prints req/s, p50/p99 latency, server CPU µs per request,
# peak RSS, and each row's ratio to the no-auth server, for valid, expired and garbage
# tokens.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
MODES=${MODES:-"noauth jwt protect protect-nocache with-session extractor protect-user"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux; }

cargo build --release -p clerk-bench --bin bench_server >&2
# The binaries are where cargo puts them: CARGO_TARGET_DIR, or the workspace's target/.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release/bench_server
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

port=18080
for mode in $MODES; do
  port=$((port + 1))
  tokens="$WORK/$mode.json"
  taskset -c "$SERVER_CPU" "$BIN" "$mode" "$port" "$tokens" &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do
    [ -s "$tokens" ] && curl -s -o /dev/null "http://127.0.0.1:$port/me" && break
    sleep 0.1
  done
  for kind in valid expired garbage; do
    token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$tokens" "$kind")
    before=$(cpu_ticks "$pid")
    out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency \
      -H "Authorization: Bearer $token" "http://127.0.0.1:$port/me")
    after=$(cpu_ticks "$pid")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/me")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$kind" "$status" "$((after - before))" "$rss" "$(echo "$out" | tr '\n' '|')" >> "$WORK/results.tsv"
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done

python3 - "$WORK/results.tsv" "$CLK_TCK" "$DURATION" "$CONNECTIONS" <<'PY'
import re, sys
path, clk, duration, conns = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    if not m: return float("nan")
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == "us" else x * 1000 if u == "s" else x
rows = []
for line in open(path):
    mode, kind, status, ticks, rss, out = line.rstrip("\n").split("\t")
    out = out.replace("|", "\n")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    cpu_us = int(ticks) * 1e6 / clk / max(reqs, 1)
    rows.append(dict(mode=mode, kind=kind, status=status, rps=rps, p50=p50, p99=p99, cpu=cpu_us, rss=int(rss) / 1024, non2xx=int(non2xx.group(1)) if non2xx else 0, reqs=reqs))
base = {r["kind"]: r for r in rows if r["mode"] == "noauth"}
print(f"# load benchmark: {duration} per row, {conns} connections, wrk on its own core, server on one core")
print(f"| server | token | status | req/s | × no-auth | p50 ms | p99 ms | CPU µs/req | peak RSS MiB | Δ RSS MiB |")
print(f"|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    b = base.get(r["kind"])
    ratio = r["rps"] / b["rps"] if b else float("nan")
    drss = r["rss"] - b["rss"] if b else float("nan")
    print(f"| {r['mode']} | {r['kind']} | {r['status']} | {r['rps']:.0f} | {ratio:.2f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['cpu']:.1f} | {r['rss']:.1f} | {drss:+.1f} |")
jwt = {r["kind"]: r for r in rows if r["mode"] == "jwt"}
nocache = {r["kind"]: r for r in rows if r["mode"] == "protect-nocache"}
if jwt and nocache:
    print()
    for kind in ("valid", "expired", "garbage"):
        if kind in jwt and kind in nocache:
            print(f"protect-nocache / jwt ({kind}): {nocache[kind]['rps'] / jwt[kind]['rps']:.2f}")
PY

# The soak test (10,000 connections, mixed tokens, memory after warm-up) when SOAK=1.
if [ "${SOAK:-0}" = 1 ]; then
  DURATION="${SOAK_DURATION:-60}" CONNECTIONS="${SOAK_CONNECTIONS:-10000}" bash bench/soak.sh
fi
