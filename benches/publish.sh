#!/usr/bin/env bash
# benches/publish.sh — wall time of `consign publish` against
# `cargo publish --workspace --no-verify` for 40 crates: a 20-deep chain
# with a leaf hanging off each link (the longest path is 21 crates).
#
# Runs the ignored test `bench_publish_40_crates` in tests/publish.rs:
# - to the loopback fake registry with a 0.5 s index delay and a 0.2 s
#   upload latency (a remote registry's latencies, which parallelism and
#   polling are for), a fresh one for each tool; the critical-path floor is
#   21 x 0.7 s;
# - the rerun of the finished workspace, and `publish-status` cold and warm;
# - then, when kellnr is installed (`.ci/run`; or KELLNR_BIN=path), both
#   tools each to a fresh kellnr on 127.0.0.1.
# Release builds are used, so the first run compiles for a few minutes.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO"
cargo test --release -p consign --test publish -- --ignored --exact bench_publish_40_crates --nocapture 2>&1 \
  | grep -E '^(critical-path|fake:|kellnr:)'
