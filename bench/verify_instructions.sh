#!/usr/bin/env bash
# Instructions per verification, counted by callgrind (repeatable on a noisy machine):
# each verify_instructions mode runs N calls, and only its measured loop is counted
# (--toggle-collect: the stand-in's set-up makes a fresh RSA key per run, so it is not
# repeatable). User-space instructions of the loop, divided by N.
#
#   bash bench/verify_instructions.sh                     # N=1000, every mode
#   N=200 MODES="sig-aws-lc jwt-crypto" bash bench/verify_instructions.sh
#   KEEP=1 bash bench/verify_instructions.sh              # keep the dumps for callgrind_annotate
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000}
MODES=${MODES:-"jsonwebtoken clerk-full clerk-cached sig-aws-lc sig-aws-lc-b64 jwt-crypto"}

command -v valgrind >/dev/null || { echo "verify_instructions: valgrind is required" >&2; exit 2; }

cargo build --release -p clerk-bench --bin verify_instructions >&2
# The binaries are where cargo puts them: CARGO_TARGET_DIR, or the workspace's target/.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release/verify_instructions
WORK=$(mktemp -d)
cleanup() { if [ -n "${KEEP:-}" ]; then echo "dumps kept in $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

printf '| mode | instructions/call |\n|---|---:|\n'
for mode in $MODES; do
  out="$WORK/$mode.out"
  valgrind --tool=callgrind --toggle-collect='*measured*' --callgrind-out-file="$out" \
    "$BIN" "$mode" "$N" >/dev/null 2>"$WORK/$mode.log" || { cat "$WORK/$mode.log" >&2; exit 1; }
  total=$(grep -m1 '^summary:' "$out" | awk '{print $2}')
  printf '| %s | %d |\n' "$mode" "$((total / N))"
done
