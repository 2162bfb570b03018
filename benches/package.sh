#!/usr/bin/env bash
# benches/package.sh — how fast consign packs a large binary, and how small.
#
# Runs crates/consign/benches/package.rs (release build), which makes a 55 MiB
# input of real x86-64 machine code (distinct shared libraries from
# /usr/lib/x86_64-linux-gnu, concatenated) and times, interleaved:
#
#   tar | xz -9 -T1      (what cargo-dist effectively does)  vs  consign .tar.xz
#   tar | zstd -19 -T0                                       vs  consign .tar.zst
#   tar | gzip -9                                            vs  consign .tar.gz
#
# It prints min/median seconds, sizes, size vs `xz -9` and speed-up vs `xz -9`,
# then checks that consign's .tar.xz/.tar.zst are identical when written with
# one thread and that every consign archive extracts to the input.
#
# Environment:
#   BENCH_RUNS   timed runs per command (default 3)
#   BENCH_INPUT  use this file as the binary instead of generating one
#   BENCH_DIR    work directory (default: a temporary one, deleted afterwards;
#                if set, it is deleted and recreated)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"

if [[ -n "${BENCH_RUNS:-}" && ! "$BENCH_RUNS" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: BENCH_RUNS must be a positive integer, got '$BENCH_RUNS'" >&2
    exit 2
fi
for tool in tar xz zstd gzip; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "warning: '$tool' is not installed; the rows that need it are skipped" >&2
    fi
done

cd "$REPO"
cargo bench -p consign --bench package
