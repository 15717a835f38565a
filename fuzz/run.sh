#!/usr/bin/env bash
# Fuzzes the SDK's parsers with cargo fuzz (libFuzzer), each target for a fixed time.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]      # default: 60 s for each of all targets
#   FUZZ_SECONDS=300 bash fuzz/run.sh verify cookie
#
# Environment: FUZZ_SECONDS (per target, default 60; a first numeric argument wins),
# FUZZ_TOOLCHAIN (default `nightly`, which must already be installed: cargo fuzz needs
# nightly), FUZZ_CMIN=0 to skip minimizing after the run, FUZZ_KEEP (inputs kept in the
# committed corpus per target, default 25), FUZZ_ARGS for extra libFuzzer flags.
#
# Inputs: fuzz/seeds/<target>/ (hand-written, committed), fuzz/corpus/<target>/ (a small
# committed corpus) and fuzz/corpus.bulk/<target>/ (everything the fuzzer found, kept
# locally, not committed). After the run the bulk corpus is minimized with `cargo fuzz cmin`,
# and fuzz/corpus/<target>/ is rebuilt as the FUZZ_KEEP inputs that add the most coverage
# edges to the seeds' (greedy set cover over a libFuzzer merge), so the committed corpus
# stays small. tests/fuzz_regressions.rs replays seeds, corpus and regressions on stable.
#
# A crash stops that target; its reproducer is in fuzz/artifacts/<target>/ (printed below):
# fix the bug and move the file to fuzz/regressions/<target>/. Exits non-zero when any
# target crashed. Ends with a table of the executions each target reached (libFuzzer's
# `stat::number_of_executed_units` with -print_final_stats=1).
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
    bulk="$FUZZ_DIR/corpus.bulk/$t"
    artifacts="$FUZZ_DIR/artifacts/$t"
    mkdir -p "$bulk" "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" "$artifacts"
    log="$LOG_DIR/$t.log"
    echo "run.sh: fuzzing $t for ${SECONDS_PER_TARGET}s (log: ${log#"$ROOT"/})"
    set +e
    # New inputs go to the first directory (the bulk corpus); the others are read only.
    # shellcheck disable=SC2086
    cargo "+$TOOLCHAIN" fuzz run "$t" "$bulk" "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" -- \
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

# Greedy set cover: from a libFuzzer merge control file, the paths (outside the seeds) of
# at most $2 inputs, each adding the most coverage edges not yet covered by the seeds and
# the inputs picked before it (the smaller input on a tie).
pick_inputs() {
    awk -v keep="$2" -v seeds="$FUZZ_DIR/seeds/" '
        NR == 1 { nfiles = $1; next }
        NR == 2 { next }
        NR <= 2 + nfiles { path[NR - 3] = $0; next }
        $1 == "STARTED" { size[$2] = $3; next }
        $1 == "COV" {
            f = $2; n[f] = NF - 2
            for (i = 3; i <= NF; i++) cov[f, i - 2] = $i
        }
        END {
            for (f = 0; f < nfiles; f++)
                if (index(path[f], seeds) == 1) {
                    done[f] = 1
                    for (i = 1; i <= n[f]; i++) have[cov[f, i]] = 1
                }
            for (k = 0; k < keep; k++) {
                best = -1; gain = 0
                for (f = 0; f < nfiles; f++) {
                    if (done[f] || !(f in n)) continue
                    g = 0
                    for (i = 1; i <= n[f]; i++) if (!(cov[f, i] in have)) g++
                    if (g > gain || (g == gain && g > 0 && size[f] < size[best])) { best = f; gain = g }
                }
                if (best < 0) break
                done[best] = 1
                for (i = 1; i <= n[best]; i++) have[cov[best, i]] = 1
                print path[best]
            }
        }' "$1"
}

if [[ "${FUZZ_CMIN:-1}" != "0" ]]; then
    for t in "${TARGETS[@]}"; do
        [[ "${STATUS[$t]}" == "ok" ]] || continue
        bulk="$FUZZ_DIR/corpus.bulk/$t"
        echo "run.sh: minimizing fuzz/corpus.bulk/$t, then picking fuzz/corpus/$t"
        if [[ -n "$(ls -A "$bulk")" ]]; then
            cargo "+$TOOLCHAIN" fuzz cmin "$t" "$bulk" >"$LOG_DIR/$t.cmin.log" 2>&1 ||
                echo "run.sh: cmin of $t failed (see $LOG_DIR/$t.cmin.log)" >&2
        fi
        work="$(mktemp -d)"
        mkdir "$work/out"
        cargo "+$TOOLCHAIN" fuzz run "$t" "$work/out" "$FUZZ_DIR/seeds/$t" "$FUZZ_DIR/corpus/$t" "$bulk" -- \
            -merge=1 -merge_control_file="$work/control" >"$LOG_DIR/$t.merge.log" 2>&1 || {
            echo "run.sh: merge of $t failed (see $LOG_DIR/$t.merge.log); corpus left as it was" >&2
            rm -rf "$work"
            continue
        }
        mkdir "$work/picked"
        pick_inputs "$work/control" "${FUZZ_KEEP:-25}" | while IFS= read -r f; do
            cp "$f" "$work/picked/"
        done
        rm -rf "$FUZZ_DIR/corpus/$t"
        mv "$work/picked" "$FUZZ_DIR/corpus/$t"
        rm -rf "$work"
    done
fi

echo
echo "Fuzzing: ${SECONDS_PER_TARGET}s per target ($(date -u +%Y-%m-%dT%H:%MZ), $(rustc "+$TOOLCHAIN" --version))"
printf '%-22s %12s %8s %7s %7s  %s\n' target executions exec/s corpus bulk status
for t in "${TARGETS[@]}"; do
    kept="$(find "$FUZZ_DIR/corpus/$t" -type f | wc -l)"
    bulk="$(find "$FUZZ_DIR/corpus.bulk/$t" -type f | wc -l)"
    printf '%-22s %12s %8s %7s %7s  %s\n' "$t" "${EXECS[$t]}" "${RATE[$t]}" "$kept" "$bulk" "${STATUS[$t]}"
done
exit "$FAILED"
