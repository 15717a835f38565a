#!/usr/bin/env bash
# Fuzzes the SDK's parsers with cargo fuzz (libFuzzer), each target for a fixed time.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]      # default: 60 s for each of all targets
#   FUZZ_SECONDS=300 bash fuzz/run.sh verify cookie
#
# Environment: FUZZ_SECONDS (per target, default 60; a first numeric argument wins),
# FUZZ_TOOLCHAIN (default `nightly`, which must already be installed: cargo fuzz needs
# nightly), FUZZ_CMIN=0 to skip minimizing the corpus after the run, FUZZ_ARGS for extra
# libFuzzer flags.
#
# Inputs: fuzz/seeds/<target>/ (hand-written, committed) and fuzz/corpus/<target>/ (the
# working corpus, minimized with `cargo fuzz cmin` after each run and committed). A crash
# stops that target; its reproducer is in fuzz/artifacts/<target>/ (printed below): fix the
# bug, move the file to fuzz/regressions/<target>/ so that tests/fuzz_regressions.rs replays
# it under `cargo test`. Exits non-zero when any target crashed. Ends with a table of the
# executions each target reached (libFuzzer's `stat::number_of_executed_units`).
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ_DIR")"
ALL_TARGETS=(token_decode verify authorization_header cookie jwks api_error_body macro_attr)

SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
    SECONDS_PER_TARGET="$1"
    shift
fi
if [[ ! "$SECONDS_PER_TARGET" =~ ^[0-9]+$ || "$SECONDS_PER_TARGET" -eq 0 ]]; then
    echo "run.sh: FUZZ_SECONDS must be a positive whole number of seconds" >&2
    exit 2
fi
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    TARGETS=("${ALL_TARGETS[@]}")
fi
for t in "${TARGETS[@]}"; do
    if [[ ! -f "$FUZZ_DIR/fuzz_targets/$t.rs" ]]; then
        echo "run.sh: unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2
        exit 2
    fi
done

TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
    echo "run.sh: the '$TOOLCHAIN' toolchain is not installed (cargo fuzz needs nightly);" >&2
    echo "        installed: $(rustup toolchain list | tr '\n' ' ')" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

cd "$ROOT"
LOG_DIR="$FUZZ_DIR/target/fuzz-logs"
mkdir -p "$LOG_DIR"

echo "run.sh: building ${#TARGETS[@]} target(s) with cargo +$TOOLCHAIN fuzz"
for t in "${TARGETS[@]}"; do
    cargo "+$TOOLCHAIN" fuzz build "$t"
done

declare -A EXECS RATE STATUS
FAILED=0
for t in "${TARGETS[@]}"; do
    corpus="$FUZZ_DIR/corpus/$t"
    seeds="$FUZZ_DIR/seeds/$t"
    artifacts="$FUZZ_DIR/artifacts/$t"
    mkdir -p "$corpus" "$seeds" "$artifacts"
    log="$LOG_DIR/$t.log"
    echo "run.sh: fuzzing $t for ${SECONDS_PER_TARGET}s (log: ${log#"$ROOT"/})"
    set +e
    # New inputs go to the first directory (the corpus); the seeds are read only.
    # shellcheck disable=SC2086
    cargo "+$TOOLCHAIN" fuzz run "$t" "$corpus" "$seeds" -- \
        -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=20 \
        -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    set -e
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$' || true)"
    if [[ -z "$execs" ]]; then
        # No final stats (a crash): the last `#N` status line.
        execs="$(grep -o '^#[0-9]*' "$log" | tail -n1 | tr -d '#' || true)"
    fi
    rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$' || true)"
    EXECS[$t]="${execs:-?}"
    RATE[$t]="${rate:-?}"
    if [[ $rc -eq 0 ]]; then
        STATUS[$t]="ok"
    else
        FAILED=1
        reproducer="$(grep -o "Test unit written to [^ ]*" "$log" | tail -n1 | sed 's/Test unit written to //' || true)"
        STATUS[$t]="CRASH (exit $rc)"
        echo "run.sh: $t FAILED (exit $rc); last lines of ${log#"$ROOT"/}:" >&2
        grep -v '^#[0-9]' "$log" | tail -n 30 >&2 || true
        if [[ -n "$reproducer" ]]; then
            echo "run.sh: reproducer: $reproducer" >&2
            echo "run.sh: replay:     cargo +$TOOLCHAIN fuzz run $t $reproducer" >&2
            STATUS[$t]="CRASH: $reproducer"
        fi
    fi
done

if [[ "${FUZZ_CMIN:-1}" != "0" ]]; then
    for t in "${TARGETS[@]}"; do
        if [[ "${STATUS[$t]}" == "ok" ]]; then
            echo "run.sh: minimizing fuzz/corpus/$t"
            cargo "+$TOOLCHAIN" fuzz cmin "$t" "$FUZZ_DIR/corpus/$t" >"$LOG_DIR/$t.cmin.log" 2>&1 ||
                echo "run.sh: cmin of $t failed (see $LOG_DIR/$t.cmin.log)" >&2
        fi
    done
fi

echo
echo "Fuzzing: ${SECONDS_PER_TARGET}s per target ($(date -u +%Y-%m-%dT%H:%MZ), $(rustc "+$TOOLCHAIN" --version))"
printf '%-22s %14s %10s %8s  %s\n' target executions exec/s corpus status
for t in "${TARGETS[@]}"; do
    files="$(find "$FUZZ_DIR/corpus/$t" -type f | wc -l)"
    printf '%-22s %14s %10s %8s  %s\n' "$t" "${EXECS[$t]}" "${RATE[$t]}" "$files" "${STATUS[$t]}"
done
exit "$FAILED"
