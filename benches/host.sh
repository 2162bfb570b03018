#!/usr/bin/env bash
# benches/host.sh — wall time of `consign host` for 40 assets of 5 MB each.
#
# Runs the ignored test `bench_host_40_files_of_5_mb` in tests/host.rs, which
# starts the loopback fake GitHub server, writes 40 files of 5 MB (plus the
# release's ordinary artifacts) into a release's `target/distrib`, and times
# `consign host` (create + upload + publish, a fresh server each time) at
# `--concurrency` 1, 4 and 8. In the same run it sends the same 40 files to
# the same kind of server with a sequential `curl` loop (one process and one
# connection per file, no checks), the floor for moving those bytes.
#
# The server keeps every upload in memory (about 200 MB per run). Release
# builds of consign and the test are used, so the first run compiles for a
# few minutes.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO"
command -v curl >/dev/null || { echo "benches/host.sh needs curl" >&2; exit 1; }
cargo test --release -p consign --test host -- --ignored --exact bench_host_40_files_of_5_mb --nocapture 2>&1 \
  | grep -E '^(consign host|curl loop)'
