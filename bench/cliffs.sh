#!/usr/bin/env bash
# The cliffs of issue 13, measured with counts and latency under load (`bench_server`):
#
#   refresh: 1,000 users' tokens replayed through JWKS TTL refreshes (BENCH_JWKS_TTL_MS,
#            default 2 s) against the same load on a server whose TTL never passes: RSA
#            signature checks during the run (target 0), JWKS fetches, and p99 (target
#            within 1.5x the steady p99).
#   flood:   the same users while one expired token is replayed with 1 to 14,000 trailing
#            '=' (each a distinct string that passes the RSA check): signature checks and
#            misses during the flood, and the users' hit rate before and after it (one
#            request per user, target unchanged).
#
# The expired-token target (>= 0.8x the no-auth req/s) is bench/load.sh's `expired` row:
#   MODES="noauth protect" bash bench/load.sh
#
#   bash bench/cliffs.sh
#   DURATION=20s USERS=1000 TTL_MS=2000 CONNECTIONS=64 ROUNDS=3 bash bench/cliffs.sh
#
# The server runs on core 0 (one worker thread), wrk on core 1; loopback only; every
# server is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
USERS=${USERS:-1000}
TTL_MS=${TTL_MS:-2000}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

cargo build --release -p clerk-bench --bin bench_server >&2
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release/bench_server
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# wrk scripts: the users' tokens in turn; one token with ever more padding.
cat > "$WORK/users.lua" <<'LUA'
local tokens, i = {}, 0
init = function(args) for line in io.lines(args[1]) do tokens[#tokens + 1] = line end end
request = function()
  i = i + 1
  return wrk.format("GET", "/me", { Authorization = "Bearer " .. tokens[i % #tokens + 1] })
end
LUA
cat > "$WORK/padded.lua" <<'LUA'
local token, i = nil, 0
init = function(args) token = args[1] end
request = function()
  i = i % 14000 + 1
  return wrk.format("GET", "/me", { Authorization = "Bearer " .. token .. string.rep("=", i) })
end
LUA

# start <name> <port> [env…]: starts bench_server in `protect` mode with USERS users.
start() {
  local name=$1 port=$2
  shift 2
  env BENCH_USERS="$USERS" "$@" taskset -c "$SERVER_CPU" "$BIN" protect "$port" "$WORK/$name.json" &
  PIDS+=("$!")
  for _ in $(seq 1 300); do
    [ -s "$WORK/$name.json" ] && curl -s -o /dev/null "http://127.0.0.1:$port/counters" && return
    sleep 0.1
  done
  echo "server $name did not start" >&2
  exit 1
}
counter() { curl -s "http://127.0.0.1:$1/counters" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
users_load() { # port duration connections → wrk output
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$3" -d"$2" --latency -s "$WORK/users.lua" \
    "http://127.0.0.1:$1/me" -- "$WORK/$4.json.users"
}
p99() { awk '$1 == "99%" {print $2}'; }
rps() { awk '/Requests\/sec/ {print $2}'; }
# One request per user, in order, on one keep-alive connection: how many were hits.
users_once() {
  local before after
  before=$(counter "$1" hits)
  python3 - "$1" "$WORK/$2.json.users" <<'PY'
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for token in open(sys.argv[2]).read().split():
    conn.request("GET", "/me", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  after=$(counter "$1" hits)
  echo $((after - before))
}

echo "# cliffs: $USERS users, $CONNECTIONS connections, $DURATION per run, JWKS TTL ${TTL_MS} ms in the refresh run"

# --- refresh -------------------------------------------------------------------------
# ROUNDS alternating runs of each server (the medians are reported), so that load from
# elsewhere on the machine falls on both alike.
start steady 18101
start refresh 18102 BENCH_JWKS_TTL_MS="$TTL_MS"
users_load 18101 2s "$CONNECTIONS" steady >/dev/null # warm: every user verified once
users_load 18102 2s "$CONNECTIONS" refresh >/dev/null
for _ in $(seq 1 "$ROUNDS"); do
  for port_name in "18101 steady" "18102 refresh"; do
    set -- $port_name
    checks=$(counter "$1" signature_checks)
    fetches=$(counter "$1" jwks_fetches)
    out=$(users_load "$1" "$DURATION" "$CONNECTIONS" "$2")
    printf '%s\t%s\t%s\t%s\t%s\n' "$2" "$(echo "$out" | rps)" "$(echo "$out" | p99)" \
      "$(($(counter "$1" signature_checks) - checks))" "$(($(counter "$1" jwks_fetches) - fetches))" >> "$WORK/refresh.tsv"
  done
done
echo
echo "| run | req/s | p99 | RSA checks during the run | JWKS fetches during the run |"
echo "|---|---:|---:|---:|---:|"
awk -F'\t' '{printf "| %s | %.0f | %s | %s | %s |\n", $1, $2, $3, $4, $5}' "$WORK/refresh.tsv"
python3 - "$WORK/refresh.tsv" <<'PY'
import re, statistics, sys
def ms(v):
    x, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(x) / 1000 if u == "us" else float(x) * 1000 if u == "s" else float(x)
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
steady = [ms(r[2]) for r in rows if r[0] == "steady"]
refresh = [ms(r[2]) for r in rows if r[0] == "refresh"]
ratios = [b / a for a, b in zip(steady, refresh)]
print(f"\np99 refresh / steady, round by round: {', '.join(f'{r:.2f}' for r in ratios)}; "
      f"median {statistics.median(ratios):.2f} (target <= 1.5). "
      f"RSA checks in the refresh runs: {sum(int(r[3]) for r in rows if r[0] == 'refresh')} (target 0)")
PY

# --- flood ---------------------------------------------------------------------------
start flood 18103
users_load 18103 2s "$CONNECTIONS" flood >/dev/null
hits_before=$(users_once 18103 flood)
checks=$(counter 18103 signature_checks)
misses=$(counter 18103 misses)
expired=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['expired'])" "$WORK/flood.json")
half=$((CONNECTIONS / 2))
taskset -c "$CLIENT_CPU" wrk -t1 -c"$half" -d"$DURATION" -s "$WORK/padded.lua" \
  "http://127.0.0.1:18103/me" -- "$expired" > "$WORK/flood.out" &
flood_pid=$!
users_out=$(users_load 18103 "$DURATION" "$half" flood)
wait "$flood_pid"
flood_checks=$(($(counter 18103 signature_checks) - checks))
flood_misses=$(($(counter 18103 misses) - misses))
hits_after=$(users_once 18103 flood)
echo
echo "| padded-variant flood | value |"
echo "|---|---:|"
echo "| flood req/s (distinct spellings of one expired token) | $(rps < "$WORK/flood.out") |"
echo "| users req/s meanwhile (p99) | $(echo "$users_out" | rps) ($(echo "$users_out" | p99)) |"
echo "| RSA checks during the flood | $flood_checks |"
echo "| cache misses during the flood (users and flood) | $flood_misses |"
echo "| users' hit rate before the flood (one request each) | $hits_before / $USERS |"
echo "| users' hit rate after the flood | $hits_after / $USERS |"
