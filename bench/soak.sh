#!/usr/bin/env bash
# Soak test: 10,000 concurrent keep-alive connections send a mixed stream of valid,
# expired and garbage tokens to a `#[clerk::protect]` route for 60 s; every answer is
# checked (200 with the token's user for valid tokens, 401 otherwise) and the server's
# memory is sampled every second. Loopback only; stops by itself; the server is stopped by
# its PID. Exits non-zero on FAIL: any wrong decision, any 5xx or unexpected status, any
# connection error, fewer connections held than asked, or server RSS growing after the
# warm-up by more than max(MAX_GROWTH_MIB, MAX_GROWTH_PCT % of the warm-up RSS).
#
#   bash bench/soak.sh
#   DURATION=120 CONNECTIONS=5000 bash bench/soak.sh
#   SERVER=bench bash bench/soak.sh      # bench/src/bin/bench_server.rs in `protect` mode
#
# Knobs (environment):
#   DURATION        measured seconds after all connections are open (default 60; "60s" works)
#   CONNECTIONS     concurrent connections (default 10000; needs an open-files limit above it)
#   WARMUP          seconds of the window before the reference RSS sample (default 10)
#   MIX             valid,expired,garbage percentages (default 80,10,10)
#   USERS           distinct valid tokens/users served by the soak server (default 1000)
#   MAX_GROWTH_MIB, MAX_GROWTH_PCT   allowed RSS growth after the warm-up (default 8, 5)
#   SERVER          soak (bench/src/bin/soak/, `soak serve`: token pools; default) or bench
#                   (bench/src/bin/bench_server.rs, `protect`: one token of each kind)
#   SERVER_CPU, CLIENT_CPU   cores for the server (one worker thread) and the driver (0, 1)
#   PORT            loopback port (default 18990)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
DURATION=${DURATION%s}
CONNECTIONS=${CONNECTIONS:-10000}
WARMUP=${WARMUP:-10}
MIX=${MIX:-80,10,10}
USERS=${USERS:-1000}
MAX_GROWTH_MIB=${MAX_GROWTH_MIB:-8}
MAX_GROWTH_PCT=${MAX_GROWTH_PCT:-5}
SERVER=${SERVER:-soak}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT=${PORT:-18990}

command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux; }

# Both processes hold one descriptor per connection.
need=$((CONNECTIONS + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
    echo "soak: the open-files hard limit ($hard) is below $need; lower CONNECTIONS or raise it" >&2
    exit 2
  fi
  ulimit -n "$need"
fi

cargo build --release -p clerk-bench --bin soak >&2
# The binaries are where cargo puts them: CARGO_TARGET_DIR, or the workspace's target/.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
DRIVER=$TARGET_DIR/release/soak
case "$SERVER" in
  soak) SERVER_CMD=("$DRIVER" serve "$PORT");;
  bench)
    cargo build --release -p clerk-bench --bin bench_server >&2
    SERVER_CMD=("$TARGET_DIR/release/bench_server" protect "$PORT");;
  *) echo "soak: SERVER is soak or bench" >&2; exit 2;;
esac

WORK=$(mktemp -d)
PID=
cleanup() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

tokens="$WORK/tokens.json"
if [ "$SERVER" = soak ]; then
  taskset -c "$SERVER_CPU" "${SERVER_CMD[@]}" "$tokens" --users "$USERS" &
else
  taskset -c "$SERVER_CPU" "${SERVER_CMD[@]}" "$tokens" &
fi
PID=$!
for _ in $(seq 1 300); do
  [ -s "$tokens" ] && curl -s -o /dev/null "http://127.0.0.1:$PORT/me" && break
  kill -0 "$PID" 2>/dev/null || { echo "soak: the server exited" >&2; exit 1; }
  sleep 0.1
done

taskset -c "$CLIENT_CPU" "$DRIVER" drive --url "http://127.0.0.1:$PORT/me" --tokens "$tokens" \
  --server-pid "$PID" --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" \
  --mix "$MIX" --max-growth-mib "$MAX_GROWTH_MIB" --max-growth-pct "$MAX_GROWTH_PCT"
