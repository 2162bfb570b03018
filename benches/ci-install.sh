#!/usr/bin/env bash
# benches/ci-install.sh — how long a generated workflow's job spends getting
# consign: the prebuilt install step against `cargo install`.
#
# 1. Builds consign's own release for this host (`consign build -t HOST` on a
#    copy of this workspace, with the real `[profile.dist]`) and serves it from
#    127.0.0.1 with `python3 -m http.server`.
# 2. Generates the workflow of a small workspace whose `consign-url-override`
#    points at that server, cuts the Unix install step's `run:` script out of
#    the YAML, and times it RUNS times (each with a fresh RUNNER_TEMP).
# 3. Times `cargo install --locked --path crates/consign` once (in the same
#    copy), into a fresh target directory and root: what a CI job does on a
#    cache miss.
#
# Environment:
#   RUNS       timed runs of the install step (default 5)
#   CONSIGN    the consign binary that builds and generates (default: built
#              with `cargo build --release` here)
#   BENCH_DIR  where the files go (default $REPO/bench-work/ci-install; it is
#              deleted and recreated on every run)
#   SKIP_CARGO_INSTALL=1  skip step 3
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
RUNS="${RUNS:-5}"
WORK="${BENCH_DIR:-$REPO/bench-work/ci-install}"
HOST=x86_64-unknown-linux-gnu

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
    echo "RUNS must be a positive integer" >&2
    exit 2
fi
rm -rf "$WORK"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

consign="${CONSIGN:-}"
if [ -z "$consign" ]; then
    (cd "$REPO" && cargo build --release --locked -q -p consign)
    consign="$REPO/target/release/consign"
fi

echo "== building consign's release for $HOST (real [profile.dist])" >&2
src="$WORK/consign-src"
mkdir -p "$src"
(cd "$REPO" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
    if [ -f "$f" ]; then mkdir -p "$src/$(dirname "$f")" && cp "$f" "$src/$f"; fi
done)
(cd "$src" && git init -q -b main && git add -A &&
    git -c user.name=b -c user.email=b@example.com -c commit.gpgsign=false commit -qm bench)
t0=$(now)
(cd "$src" && CARGO_TARGET_DIR="$WORK/target" "$consign" build -t "$HOST" -q)
t1=$(now)
echo "consign build (dist profile, host only): $(elapsed "$t0" "$t1") s" >&2

release="$WORK/release"
mkdir -p "$release"
cp "$WORK/target/distrib/"* "$release/" 2>/dev/null || true
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$release" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/consign-installer.sh" && break
    sleep 0.1
done

echo "== generating a workflow that installs from http://127.0.0.1:$port" >&2
user="$WORK/user"
mkdir -p "$user/src"
cat > "$user/Cargo.toml" <<TOML
[package]
name = "tool"
version = "0.1.0"
edition = "2021"
repository = "https://github.com/acme/tool"

[workspace]

[workspace.metadata.dist]
consign-version = "0.1.0"
ci = ["github"]
installers = ["shell"]
targets = ["$HOST"]
consign-url-override = "http://127.0.0.1:$port"

[profile.dist]
inherits = "release"
TOML
echo 'fn main() {}' > "$user/src/main.rs"
(cd "$user" && git init -q -b main && "$consign" generate -q)
python3 - "$user/.github/workflows/release.yml" "$WORK/install-step.sh" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
start = lines.index("        if: runner.os != 'Windows'")
run = next(i for i in range(start, len(lines)) if lines[i].strip() == "run: |")
body = []
for line in lines[run + 1:]:
    if line.strip() and not line.startswith(" " * 10):
        break
    body.append(line[10:])
env = next(l.strip() for l in lines[start:run] if l.strip().startswith("CONSIGN_RELEASE_URL:"))
url = env.split(":", 1)[1].strip().strip("'")
open(sys.argv[2], "w").write(f"export CONSIGN_RELEASE_URL='{url}'\n" + "\n".join(body) + "\n")
PY

echo "== timing the install step ($RUNS runs)" >&2
times=()
for i in $(seq "$RUNS"); do
    runner="$WORK/runner-$i"
    mkdir -p "$runner"
    : > "$runner/github_path"
    t0=$(now)
    RUNNER_TEMP="$runner" GITHUB_PATH="$runner/github_path" HOME="$runner" \
        bash --noprofile --norc -e "$WORK/install-step.sh" >/dev/null 2>&1
    t1=$(now)
    "$(cat "$runner/github_path")/consign" --version >/dev/null
    times+=("$(elapsed "$t0" "$t1")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "install step: median ${median} s over $RUNS runs (${times[*]})"

if [ "${SKIP_CARGO_INSTALL:-0}" != 1 ]; then
    echo "== timing cargo install --locked --path crates/consign (fresh target dir)" >&2
    t0=$(now)
    (cd "$src" && CARGO_TARGET_DIR="$WORK/cargo-install-target" \
        cargo install --locked -q --path crates/consign --root "$WORK/cargo-install-root")
    t1=$(now)
    cargo_s=$(elapsed "$t0" "$t1")
    echo "cargo install --locked --path crates/consign: ${cargo_s} s"
    python3 -c "import sys; print(f'ratio: cargo install takes {float(sys.argv[1]) / float(sys.argv[2]):.0f}x the install step')" "$cargo_s" "$median"
fi
