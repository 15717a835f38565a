#!/usr/bin/env bash
# Server instructions per request, counted by callgrind: repeatable on a noisy machine,
# where req/s are not. Each bench_server mode runs under callgrind; after a warm-up the
# counters are zeroed, N keep-alive requests are sent one by one, and the counters are
# dumped. User-space instructions of the whole server process (hyper, axum, tokio, the
# SDK) divided by N; the kernel's share (syscalls) is not counted.
#
#   bash bench/instructions.sh                  # N=2000, all modes
#   N=500 MODES="noauth protect" bash bench/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-2000}
MODES=${MODES:-"noauth jwt protect protect-nocache with-session extractor protect-user"}
KINDS=${KINDS:-"valid expired garbage"}

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }

cargo build --release -p clerk-bench --bin bench_server >&2
# The binaries are where cargo puts them: CARGO_TARGET_DIR, or the workspace's target/.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release/bench_server
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; if [ -n "${KEEP:-}" ]; then echo "dumps kept in $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

client() { # port token n -> prints the status of the last answer; fails on a mixed set
  python3 - "$@" <<'PY'
import http.client, sys
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
statuses = set()
for _ in range(n):
    conn.request("GET", "/me", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse(); r.read(); statuses.add(r.status)
print(",".join(str(s) for s in sorted(statuses)))
PY
}

port=19080
printf '| server | token | status | instructions/request | × no-auth |\n|---|---|---|---:|---:|\n'
declare -A base
for mode in $MODES; do
  for kind in $KINDS; do
    port=$((port + 1))
    tokens="$WORK/$mode-$kind.json"
    out="$WORK/$mode-$kind.out"
    valgrind --tool=callgrind --callgrind-out-file="$out.%p" "$BIN" "$mode" "$port" "$tokens" 2>"$WORK/vg.log" &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 600); do
      [ -s "$tokens" ] && curl -s -o /dev/null "http://127.0.0.1:$port/me" && break
      sleep 0.2
    done
    token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$tokens" "$kind")
    client "$port" "$token" 200 >/dev/null            # warm-up: caches, allocator, JIT-free paths
    callgrind_control -z "$pid" >/dev/null 2>&1
    status=$(client "$port" "$token" "$N")
    callgrind_control -d "$pid" >/dev/null 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null || true
    # `-d` writes part 1; the file written at exit holds only the shutdown.
    dump="$out.$pid.1"
    total=$(grep -m1 '^summary:' "$dump" | awk '{print $2}')
    per=$((total / N))
    [ "$mode" = noauth ] && base[$kind]=$per
    ratio=$(python3 -c "import sys; b=sys.argv[2]; print(f'{int(sys.argv[1])/int(b):.2f}' if b else 'n/a')" "$per" "${base[$kind]:-}")
    printf '| %s | %s | %s | %d | %s |\n' "$mode" "$kind" "$status" "$per" "$ratio"
  done
done
