#!/usr/bin/env bash
# benches/installer.sh — wall-clock cost of the shell installer.
#
# Compares a full run of a rendered `{app}-installer.sh` (platform detection,
# download, checksum, unpack, atomic install, receipt, PATH setup) with the
# floor set by the bare minimum of installing the same archive:
# `curl -fsSL URL | tar -xJ -C DIR`. The archive is a >= 10 MB .tar.xz of real
# machine code (shared libraries from this machine, concatenated into one
# "binary"; random bytes would not compress like a real release does), served
# from 127.0.0.1 by `python3 -m http.server`. Runs alternate between the two
# and each gets a fresh directory (the installer a fresh HOME). Reports
# min / median in milliseconds and the ratio of the medians.
#
# Environment:
#   RUNS        timed runs of each (default 7)
#   RAW_MB      megabytes of machine code to pack (default 48, which makes a
#               ~12 MB .tar.xz)
#   XZ_THREADS  threads for compressing (default 1: one xz block, as plain
#               `tar -cJf` makes; 0 makes a multi-block archive, as a
#               multi-threaded compressor does, which the installer unpacks
#               on every core)
#   SHELL_CMD   the shell that runs the installer (default sh)
#   BENCH_DIR   where the files go (default $REPO/bench-work/installer; it is
#               deleted and recreated on every run)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
RUNS="${RUNS:-7}"
RAW_MB="${RAW_MB:-48}"
XZ_THREADS="${XZ_THREADS:-1}"
SHELL_CMD="${SHELL_CMD:-sh}"
WORK="${BENCH_DIR:-$REPO/bench-work/installer}"
APP=bench-tool
TARGET=x86_64-unknown-linux-gnu
PREFIX="$APP-$TARGET"
ARCHIVE="$PREFIX.tar.xz"

for n in "$RUNS" "$RAW_MB"; do
    if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
        echo "error: RUNS and RAW_MB must be positive integers, got '$n'" >&2
        exit 2
    fi
done
for tool in curl tar xz python3 sha256sum cargo; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done

rm -rf "$WORK"
mkdir -p "$WORK/www" "$WORK/stage/$PREFIX" "$WORK/runs"
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK/runs" "$WORK/stage"
}
trap cleanup EXIT

echo "==> packing ${RAW_MB} MB of shared libraries into $ARCHIVE (xz -T$XZ_THREADS)" >&2
raw_limit=$((RAW_MB * 1000 * 1000))
bin="$WORK/stage/$PREFIX/$APP"
: >"$bin"
while IFS= read -r lib; do
    cat "$lib" >>"$bin"
    [ "$(stat -c %s "$bin")" -lt "$raw_limit" ] || break
done < <(find /usr/lib/x86_64-linux-gnu /usr/lib /usr/libexec -maxdepth 2 -type f -name '*.so*' 2>/dev/null | LC_ALL=C sort)
head -c "$raw_limit" "$bin" >"$bin.cut" && mv "$bin.cut" "$bin"
chmod 755 "$bin"
XZ_OPT="-6 -T$XZ_THREADS" tar -cJf "$WORK/www/$ARCHIVE" -C "$WORK/stage" "$PREFIX"
size=$(stat -c %s "$WORK/www/$ARCHIVE")
echo "    raw $(($(stat -c %s "$bin") / 1000000)) MB -> $ARCHIVE $((size / 1000000)) MB" >&2
if [ "$size" -lt 10000000 ]; then
    echo "error: the archive is under 10 MB; raise RAW_MB" >&2
    exit 1
fi
sha=$(sha256sum "$WORK/www/$ARCHIVE" | cut -d' ' -f1)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$port" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$port"
for _ in $(seq 100); do
    curl -fsS -o /dev/null "$URL/$ARCHIVE" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "$URL/$ARCHIVE" || { echo "error: the server did not come up" >&2; exit 1; }

echo "==> rendering the installer" >&2
(
    cd "$REPO"
    CONSIGN_BENCH_OUT="$WORK/$APP-installer.sh" \
        CONSIGN_BENCH_URL="$URL" \
        CONSIGN_BENCH_ARCHIVE="$ARCHIVE" \
        CONSIGN_BENCH_PREFIX="$PREFIX" \
        CONSIGN_BENCH_SHA256="$sha" \
        cargo test -q -p consign --test shell_installer -- --ignored --exact render_for_benchmark >&2
)
INSTALLER="$WORK/$APP-installer.sh"

now_ns() { date +%s%N; }

floor_run() {
    local dir="$WORK/runs/floor-$1"
    mkdir -p "$dir"
    local t0 t1
    t0=$(now_ns)
    curl -fsSL "$URL/$ARCHIVE" | tar -xJ -C "$dir"
    t1=$(now_ns)
    [ -f "$dir/$PREFIX/$APP" ] || { echo "error: floor run $1 installed nothing" >&2; exit 1; }
    echo $(((t1 - t0) / 1000))
}

installer_run() {
    local home="$WORK/runs/home-$1"
    mkdir -p "$home"
    local t0 t1
    t0=$(now_ns)
    env -i HOME="$home" PATH=/usr/bin:/bin "$SHELL_CMD" "$INSTALLER" 2>"$WORK/runs/installer-$1.log"
    t1=$(now_ns)
    cmp -s "$home/.cargo/bin/$APP" "$bin" || {
        echo "error: installer run $1 did not install the binary" >&2
        cat "$WORK/runs/installer-$1.log" >&2
        exit 1
    }
    echo $(((t1 - t0) / 1000))
}

stats() { # prints "min median" in ms of the microsecond numbers on stdin
    sort -n | awk '{ a[NR] = $1 } END {
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", a[1] / 1000, m / 1000 }'
}

echo "==> warming up" >&2
floor_run warm >/dev/null
installer_run warm >/dev/null
rm -rf "$WORK/runs"/*

echo "==> $RUNS runs each, alternating" >&2
floor_times=()
installer_times=()
for i in $(seq "$RUNS"); do
    floor_times+=("$(floor_run "$i")")
    installer_times+=("$(installer_run "$i")")
    rm -rf "$WORK/runs"/*
done

read -r floor_min floor_med < <(printf '%s\n' "${floor_times[@]}" | stats)
read -r inst_min inst_med < <(printf '%s\n' "${installer_times[@]}" | stats)
ratio=$(awk -v a="$inst_med" -v b="$floor_med" 'BEGIN { printf "%.3f", a / b }')

printf '\narchive: %s (%d bytes, xz -T%s), %d runs each, installer run with %s\n' \
    "$ARCHIVE" "$size" "$XZ_THREADS" "$RUNS" "$SHELL_CMD"
printf '%-28s %10s %10s\n' "" "min ms" "median ms"
printf '%-28s %10s %10s\n' "curl | tar -xJ (floor)" "$floor_min" "$floor_med"
printf '%-28s %10s %10s\n' "$APP-installer.sh" "$inst_min" "$inst_med"
printf 'ratio (median installer / median floor): %s\n' "$ratio"
