#!/usr/bin/env bash
# benches/package.sh — how fast consign packs real Rust release binaries, and
# how small, against `xz -9 -T1` (cargo-dist's), `xz -6 -T1` and `zstd -19`.
#
# Builds consign in release mode: its own binary, target/release/consign, is
# one input (the release build shares its compiled dependencies with the
# benchmark's); the other is the toolchain's `cargo` (`rustup which cargo`).
# Then runs crates/consign/benches/package.rs, which times every command
# interleaved (one run of each, then the next round), prints a table per
# binary (median/min wall time, median CPU time, size, size vs `xz -9`,
# speed-up vs `xz -9`), checks consign's `.tar.xz` goal (<= +0.5% size,
# >= 1.8x speed) and that its archives are the same for any thread count.
#
# Environment:
#   BENCH_RUNS      timed runs per command (default 3)
#   BENCH_FORMATS   'xz', 'zst' or 'xz,zst' (default); `xz -9 -T1` always runs
#   BENCH_BINARIES  ':'-separated binaries to pack instead of cargo and consign
#   BENCH_DIR       work directory (default: a temporary one, deleted afterwards;
#                   if set, it is deleted and recreated)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"

if [[ -n "${BENCH_RUNS:-}" && ! "$BENCH_RUNS" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: BENCH_RUNS must be a positive integer, got '$BENCH_RUNS'" >&2
    exit 2
fi
for tool in tar xz zstd; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' is not installed (see .ci/run)" >&2
        exit 2
    fi
done

cd "$REPO"
if [[ -z "${BENCH_BINARIES:-}" ]]; then
    cargo build --locked --release -p consign
fi
echo "==> machine: $(nproc) core(s); uptime: $(uptime)" >&2
cargo bench --locked -p consign --bench package
