#!/usr/bin/env bash
# Drives the local Clerk stand-in (`examples/mock_server.rs`) with Clerk's official
# JavaScript client, `@clerk/backend` 3.25.0: it must work as against the real API. Then
# the differential checks: the SDK's decisions on generated requests
# (`examples/js_differential/`) must be `@clerk/backend`'s (differential.mjs, and the
# handshake and redirect_to_sign_in corpora).
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }
npm ci --no-audit --no-fund --silent
(cd ../.. && cargo build -q --example mock_server --example js_differential)
# Where cargo put it: CARGO_TARGET_DIR, or the workspace's target/.
target_dir=$(cd ../.. && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
export CLERK_TELEMETRY_DISABLED=1
"$target_dir/debug/examples/mock_server" > mock.json &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f mock.json differential.json' EXIT
for _ in $(seq 1 100); do [ -s mock.json ] && break; sleep 0.1; done
node check.mjs "$(head -1 mock.json)"
# The corpus is written once the SDK has decided it; its stand-in stays up for the
# package's nonce exchanges and refreshes.
rm -f differential.json
"$target_dir/debug/examples/js_differential" --serve differential.json &
dpid=$!
trap 'kill $pid $dpid 2>/dev/null || true; rm -f mock.json differential.json' EXIT
for _ in $(seq 1 600); do [ -s differential.json ] && break; sleep 0.1; done
node differential.mjs differential.json
# The handshake ladder of authenticateRequest: a generated corpus of browser and API requests.
node handshake_differential.mjs differential.json
# redirect_to_sign_in: createRedirect(...).redirectToSignIn() on a generated corpus.
node redirect_differential.mjs differential.json
# The stand-in's Frontend API: whole handshake loops decided by @clerk/backend.
node handshake.mjs "$(head -1 mock.json)"
