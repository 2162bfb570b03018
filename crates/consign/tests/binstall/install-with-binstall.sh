#!/usr/bin/env bash
# Install a consign-built release with the real `cargo binstall`, from a
# loopback HTTPS server that lays the release out the way GitHub does.
#
# binstall refuses plain http, and rustls refuses a self-signed certificate
# used directly as the server's, so the script makes a test CA and a leaf
# certificate signed by it (subjectAltName=IP:127.0.0.1) with openssl, and
# passes the CA with `--root-certificates`.
#
# The test workspace's repository is https://127.0.0.1:PORT/acme/tool, made a
# GitHub Enterprise host with `github-enterprise-url`, so the artifact URLs
# consign plans and binstall's `{ repo }` point at the same server.
# `consign init` writes [package.metadata.binstall]; binstall reads it with
# `--manifest-path` (no crates.io needed) and only may use the prebuilt
# archives (no compiling, no third-party mirrors).
#
# Usage: install-with-binstall.sh CONSIGN
# Exit 0: installed and ran; 77: a tool it needs (cargo-binstall, openssl,
# python3, curl) is not installed.
set -euo pipefail

consign=${1:?usage: install-with-binstall.sh CONSIGN}
for tool in cargo-binstall openssl python3 curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "missing: $tool is not installed (see .ci/run)" >&2
        exit 77
    fi
done

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="https://127.0.0.1:$port"
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

# A test CA, and the server's certificate signed by it.
certs="$work/certs"
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=consign test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$certs/ca.key" -out "$certs/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$certs/leaf.key" -out "$certs/leaf.csr" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > "$certs/leaf.ext"
openssl x509 -req -in "$certs/leaf.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
    -CAcreateserial -days 2 -extfile "$certs/leaf.ext" -out "$certs/leaf.pem" 2>/dev/null

cat > "$work/serve.py" <<'PY'
import functools, http.server, ssl, sys
root, port, cert, key = sys.argv[1:]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
python3 "$work/serve.py" "$work/srv" "$port" "$certs/leaf.pem" "$certs/leaf.key" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    if curl --cacert "$certs/ca.pem" -fsS -o /dev/null "$base/acme/tool/releases/download/$tag/$name-x86_64-unknown-linux-gnu.tar.xz"; then
        break
    fi
    sleep 0.1
done

cargo binstall --no-confirm --manifest-path "$ws/Cargo.toml" \
    --root-certificates "$certs/ca.pem" \
    --disable-strategies quick-install,compile \
    --install-path "$work/bin" "$name"
"$work/bin/$name" | grep -qx "$name 0.3.1"
echo "installed $name from $tag with cargo-binstall"
