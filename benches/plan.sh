#!/usr/bin/env bash
# benches/plan.sh — wall-clock cost of `consign plan` on a large workspace.
#
# Measures how long `consign plan -o json` takes on a synthetic workspace of
# 200 libraries + 10 apps (18 dist targets) and compares it with the floor set
# by a plain `cargo metadata --format-version 1` on the same workspace, which
# consign has to run anyway. Reports min / median / mean in milliseconds for
# both commands and the ratio median(plan) / median(metadata).
#
# Environment:
#   RUNS       timed runs per command, alternating between them (default 15)
#   BENCH_DIR  where the workspace is generated (default $REPO/bench-work/large-ws;
#              it is deleted and recreated on every run)
#   LIBS, APPS passed to gen-large-workspace.py (default 200 / 10)
#   CONSIGN    a consign binary to time (default: build this checkout's release)
#
# If `hyperfine` is on PATH, its comparison is printed as well.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
RUNS="${RUNS:-15}"
WS="${BENCH_DIR:-$REPO/bench-work/large-ws}"
LIBS="${LIBS:-200}"
APPS="${APPS:-10}"
# CONSIGN: a consign binary to time instead of building this checkout's
# (e.g. an older release, to compare before and after a change).
CONSIGN_GIVEN="${CONSIGN:-}"
CONSIGN="${CONSIGN:-$REPO/target/release/consign}"

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: RUNS must be a positive integer, got '$RUNS'" >&2
    exit 2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
ERR="$TMP/stderr"

echo "==> building consign (release)" >&2
[ -n "$CONSIGN_GIVEN" ] || (cd "$REPO" && cargo build --release -p consign)

echo "==> generating workspace in $WS" >&2
python3 "$SCRIPT_DIR/gen-large-workspace.py" "$WS" --libs "$LIBS" --apps "$APPS" >&2
# The workflow `plan` checks for drift, committed as a real project has it.
(cd "$WS" && "$CONSIGN" generate -q && git add -A && git commit -qm "release workflow")

run_metadata() {
    cargo metadata --format-version 1 --manifest-path "$WS/Cargo.toml" >/dev/null 2>"$ERR"
}

run_plan() {
    (cd "$WS" && "$CONSIGN" plan -o json >/dev/null 2>"$ERR")
}

# now_ns: monotonic-enough wall clock in nanoseconds.
if [[ "$(date +%s%N)" =~ ^[0-9]+$ ]]; then
    now_ns() { date +%s%N; }
else
    now_ns() { python3 -c 'import time; print(time.time_ns())'; }
fi

# run_once NAME FUNC OUTFILE: run FUNC, append its duration (ns) to OUTFILE;
# on failure print its stderr and exit non-zero.
run_once() {
    local name="$1" func="$2" out="$3" start end status=0
    start="$(now_ns)"
    "$func" || status=$?
    end="$(now_ns)"
    if ((status != 0)); then
        echo "error: '$name' failed with exit code $status; stderr:" >&2
        cat "$ERR" >&2
        exit "$status"
    fi
    echo $((end - start)) >>"$out"
}

echo "==> warm-up" >&2
: >"$TMP/warmup"
run_once metadata run_metadata "$TMP/warmup"
run_once plan run_plan "$TMP/warmup"

echo "==> $RUNS runs each, alternating" >&2
: >"$TMP/metadata.ns"
: >"$TMP/plan.ns"
for ((i = 1; i <= RUNS; i++)); do
    run_once metadata run_metadata "$TMP/metadata.ns"
    run_once plan run_plan "$TMP/plan.ns"
    printf '.' >&2
done
echo >&2

python3 - "$TMP/metadata.ns" "$TMP/plan.ns" "$RUNS" <<'PY'
import statistics
import sys

def load(path):
    with open(path) as f:
        return [int(line) / 1e6 for line in f if line.strip()]

meta, plan, runs = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
rows = [("cargo metadata", meta), ("consign plan -o json", plan)]
print(f"\nruns per command: {runs}")
print(f"{'command':<22} {'min ms':>9} {'median ms':>10} {'mean ms':>9}")
print("-" * 53)
for name, xs in rows:
    print(f"{name:<22} {min(xs):>9.1f} {statistics.median(xs):>10.1f} "
          f"{statistics.fmean(xs):>9.1f}")
ratio = statistics.median(plan) / statistics.median(meta)
print("-" * 53)
print(f"median(plan) / median(metadata) = {ratio:.2f}x")
PY

if command -v hyperfine >/dev/null 2>&1; then
    echo
    echo "==> hyperfine comparison"
    hyperfine --warmup 1 --runs "$RUNS" \
        -n metadata "cargo metadata --format-version 1 --manifest-path '$WS/Cargo.toml' >/dev/null" \
        -n plan "cd '$WS' && '$CONSIGN' plan -o json >/dev/null" ||
        echo "warning: hyperfine failed (the table above is still valid)" >&2
fi
