#!/usr/bin/env bash
# Install a consign-built release with the real `cargo binstall`, from a
# loopback server that lays the release out the way GitHub does.
#
# The test workspace's repository is http://127.0.0.1:PORT/acme/tool, made a
# GitHub Enterprise host with `github-enterprise-url`, so the artifact URLs
# consign plans and binstall's `{ repo }` point at the same server.
# `consign init` writes [package.metadata.binstall]; binstall reads it with
# `--manifest-path` (no crates.io needed) and only may use the prebuilt
# archives (no compiling, no third-party mirrors).
#
# Usage: install-with-binstall.sh CONSIGN
# Exit 0: installed and ran; 77: cargo-binstall is not installed.
set -euo pipefail

consign=${1:?usage: install-with-binstall.sh CONSIGN}
if ! command -v cargo-binstall >/dev/null 2>&1; then
    echo "skip: cargo-binstall is not installed" >&2
    exit 77
fi

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
ws="$work/ws"
mkdir -p "$ws/src"
name=tool
cat > "$ws/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.3.1"
edition = "2021"
license = "MIT"
repository = "$base/acme/tool"

[workspace]
TOML
printf 'fn main() { println!("%s {}", env!("CARGO_PKG_VERSION")); }\n' "$name" > "$ws/src/main.rs"
printf '/target\n' > "$ws/.gitignore"
cat > "$ws/dist-workspace.toml" <<TOML
[workspace]
members = ["cargo:."]

[dist]
github-enterprise-url = "$base"
allow-dirty = ["ci"]
TOML

cd "$ws"
git init -q -b main
cargo generate-lockfile --offline -q
"$consign" init --yes --no-generate -t x86_64-unknown-linux-gnu -t x86_64-pc-windows-msvc -i shell
git add -A
git -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false commit -qm release
tag=v0.3.1
"$consign" build --tag "$tag" -q

release="$work/srv/acme/tool/releases/download/$tag"
mkdir -p "$release"
cp target/distrib/* "$release/"
python3 -m http.server --bind 127.0.0.1 --directory "$work/srv" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    if curl -fsS -o /dev/null "$base/acme/tool/releases/download/$tag/$name-x86_64-unknown-linux-gnu.tar.xz"; then
        break
    fi
    sleep 0.1
done

cargo binstall --no-confirm --manifest-path "$ws/Cargo.toml" \
    --disable-strategies quick-install,compile \
    --install-path "$work/bin" "$name"
"$work/bin/$name" | grep -qx "$name 0.3.1"
echo "installed $name from $tag with cargo-binstall"
