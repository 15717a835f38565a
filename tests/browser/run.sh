#!/usr/bin/env bash
# Drives headless Chromium (Debian's `chromium`, or $CHROMIUM) through the server-rendered
# example (`examples/server_rendered.rs`, on its embedded Clerk stand-in) with
# puppeteer-core: the handshake, the sign-in redirect and fetch() in a real browser.
# Takes about a minute and a half: the tab idles past the session token's 60 s lifetime.
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }
export CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || { echo "chromium is required (apt-get install chromium)" >&2; exit 1; }
npm ci --no-audit --no-fund --silent
(cd ../.. && cargo build -q --example server_rendered)
# Where cargo put it: CARGO_TARGET_DIR, or the workspace's target/.
target_dir=$(cd ../.. && cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
out=$(mktemp)
# The embedded stand-in (no CLERK_SECRET_KEY), on free ports of 127.0.0.1.
env -u CLERK_SECRET_KEY -u CLERK_SIGN_IN_URL -u CLERK_PROXY_URL \
  CLERK_TELEMETRY_DISABLED=1 SERVER_RENDERED_ADDR=127.0.0.1:0 \
  "$target_dir/debug/examples/server_rendered" > "$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do grep -q 'stand-in at' "$out" && break; sleep 0.1; done
app=$(sed -n 's/^server_rendered listening on \(http[^ ]*\).*/\1/p' "$out")
fapi=$(sed -n 's/.*stand-in at \(http[^ ]*\).*/\1/p' "$out")
[ -n "$app" ] && [ -n "$fapi" ] || { echo "the example did not start:" >&2; cat "$out" >&2; exit 1; }
node browser.mjs "$app" "$fapi"
