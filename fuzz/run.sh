#!/usr/bin/env bash
# Fuzz every target for a bounded time: `bash fuzz/run.sh [SECONDS]` (default
# 60 per target). Needs the nightly toolchain and cargo-fuzz (.ci/run
# installs cargo-fuzz). Each target starts from fuzz/corpus/<target> (new
# inputs the fuzzer finds go to a scratch copy, so the committed corpus stays
# small) and asserts its property from consign::properties. Prints the
# executions per target; exits non-zero when a target finds a crash, whose
# input is saved to fuzz/artifacts/<target>/ (copy it to
# fuzz/regressions/<target>/<name-of-the-bug> once fixed:
# tests/fuzz_corpus.rs replays those on stable).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^consign-fuzz$')

# No sanitizer: consign forbids unsafe code, so AddressSanitizer finds
# nothing the properties do not, and costs most of the speed.
start=$(date +%s)
cargo +nightly fuzz build -O -s none >/dev/null
echo "build: $(( $(date +%s) - start ))s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in $targets; do
  mkdir -p "$scratch/$t" "artifacts/$t"
  log="$scratch/$t.log"
  if cargo +nightly fuzz run -O -s none "$t" "$scratch/$t" corpus/"$t" -- \
      -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    grep -a -E 'panicked|Test unit written|ERROR' "$log" | head -n 5 | sed "s/^/  $t: /" >&2
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "$t: ${execs:-?} executions in ${seconds}s ($result)"
done
exit "$status"
