#!/usr/bin/env python3
"""Generate a large synthetic Cargo workspace for benchmarking `consign plan`.

Usage:
    gen-large-workspace.py OUT_DIR [--libs 200] [--apps 10]

OUT_DIR is deleted (if present) and recreated. It then holds a virtual
workspace with:

* a root ``Cargo.toml`` with shared ``[workspace.package]`` fields, a
  ``[profile.dist]`` profile and a ``[workspace.metadata.dist]`` table that
  enables 18 targets, several installers and publish jobs;
* ``--libs`` library packages ``crates/lib-NNN`` forming a dependency chain
  (``lib-N`` depends on ``lib-(N-1)`` by path and version);
* ``--apps`` binary packages ``crates/app-NN``, each depending on the last
  library, with its own ``README.md`` and ``CHANGELOG.md``; ``app-00`` also
  ships a second binary ``app-00-helper``;
* a root ``LICENSE``, ``README.md`` and ``.gitignore``;
* a ``Cargo.lock`` from ``cargo generate-lockfile --offline`` (the workspace
  has no external dependencies) and a git repository with one commit.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

VERSION = "1.4.0"
REPOSITORY = "https://github.com/bench-org/bench-ws"

TARGETS = [
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-unknown-linux-gnu",
    "i686-unknown-linux-gnu",
    "armv7-unknown-linux-gnueabihf",
    "powerpc64le-unknown-linux-gnu",
    "riscv64gc-unknown-linux-gnu",
    "s390x-unknown-linux-gnu",
    "aarch64-unknown-linux-musl",
    "x86_64-unknown-linux-musl",
    "i686-unknown-linux-musl",
    "arm-unknown-linux-musleabihf",
    "armv7-unknown-linux-musleabihf",
    "x86_64-pc-windows-msvc",
    "i686-pc-windows-msvc",
    "aarch64-pc-windows-msvc",
    "x86_64-unknown-freebsd",
]

INSTALLERS = ["shell", "powershell", "homebrew", "npm", "msi"]
PUBLISH_JOBS = ["homebrew", "npm"]

INHERITED_FIELDS = """\
version.workspace = true
edition.workspace = true
license.workspace = true
repository.workspace = true
"""

LICENSE_TEXT = """\
MIT License

Copyright (c) 2026 bench-org

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def toml_array(items: list[str], indent: str = "    ") -> str:
    """Render a list of strings as a multi-line TOML array."""
    body = "".join(f'{indent}"{item}",\n' for item in items)
    return "[\n" + body + "]"


def toml_inline_array(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def lib_name(i: int) -> str:
    return f"lib-{i:03d}"


def lib_ident(i: int) -> str:
    return f"lib_{i:03d}"


def app_name(i: int) -> str:
    return f"app-{i:02d}"


def root_manifest() -> str:
    return f"""\
[workspace]
members = ["crates/*"]
resolver = "2"

[workspace.package]
version = "{VERSION}"
edition = "2021"
license = "MIT"
repository = "{REPOSITORY}"

[profile.dist]
inherits = "release"
lto = "thin"

[workspace.metadata.dist]
cargo-dist-version = "0.30.2"
ci = ["github"]
installers = {toml_inline_array(INSTALLERS)}
tap = "bench-org/homebrew-tap"
publish-jobs = {toml_inline_array(PUBLISH_JOBS)}
pr-run-mode = "plan"
targets = {toml_array(TARGETS)}
"""


def gen_lib(crates: Path, i: int) -> None:
    name = lib_name(i)
    deps = ""
    if i > 0:
        prev = lib_name(i - 1)
        deps = (
            "\n[dependencies]\n"
            f'{prev} = {{ path = "../{prev}", version = "{VERSION}" }}\n'
        )
    write(
        crates / name / "Cargo.toml",
        f'[package]\nname = "{name}"\n{INHERITED_FIELDS}'
        f'description = "Synthetic benchmark library {i}"\n{deps}',
    )
    if i == 0:
        body = f"pub fn value_{i:03d}() -> u64 {{\n    {i}\n}}\n"
    else:
        body = (
            f"pub fn value_{i:03d}() -> u64 {{\n"
            f"    {lib_ident(i - 1)}::value_{i - 1:03d}() + 1\n"
            "}\n"
        )
    write(crates / name / "src" / "lib.rs", f"//! Synthetic library {name}.\n\n{body}")


def gen_app(crates: Path, i: int, last_lib: int | None) -> None:
    name = app_name(i)
    pkg = crates / name
    deps = ""
    call = "0"
    if last_lib is not None:
        dep = lib_name(last_lib)
        deps = (
            "\n[dependencies]\n"
            f'{dep} = {{ path = "../{dep}", version = "{VERSION}" }}\n'
        )
        call = f"{lib_ident(last_lib)}::value_{last_lib:03d}()"

    bins = f'\n[[bin]]\nname = "{name}"\npath = "src/main.rs"\n'
    if i == 0:
        helper = f"{name}-helper"
        bins += f'\n[[bin]]\nname = "{helper}"\npath = "src/bin/{helper}.rs"\n'
        write(
            pkg / "src" / "bin" / f"{helper}.rs",
            f'fn main() {{\n    println!("{helper} {{}}", {call});\n}}\n',
        )

    write(
        pkg / "Cargo.toml",
        f'[package]\nname = "{name}"\n{INHERITED_FIELDS}'
        f'description = "Synthetic benchmark application {i}"\n'
        f'readme = "README.md"\n{bins}{deps}',
    )
    write(
        pkg / "src" / "main.rs",
        f'fn main() {{\n    println!("{name} {{}}", {call});\n}}\n',
    )
    write(
        pkg / "README.md",
        f"# {name}\n\nSynthetic application {i} used to benchmark `consign plan`.\n",
    )
    write(
        pkg / "CHANGELOG.md",
        f"""\
# Changelog

All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

## [Unreleased]

## [{VERSION}] - 2026-01-01

### Added

- `{name}` now prints the value computed by the library chain.

### Fixed

- Nothing was broken, but this line keeps the section non-trivial.

## [1.3.0] - 2025-10-01

### Added

- Initial release of `{name}`.

[Unreleased]: {REPOSITORY}/compare/v{VERSION}...HEAD
[{VERSION}]: {REPOSITORY}/compare/v1.3.0...v{VERSION}
[1.3.0]: {REPOSITORY}/releases/tag/v1.3.0
""",
    )


def run(cmd: list[str], cwd: Path) -> None:
    try:
        subprocess.run(cmd, cwd=cwd, check=True)
    except FileNotFoundError:
        sys.exit(f"error: `{cmd[0]}` not found on PATH")
    except subprocess.CalledProcessError as err:
        sys.exit(f"error: `{' '.join(cmd)}` failed with exit code {err.returncode}")


def generate(out: Path, libs: int, apps: int) -> None:
    if out.exists() or out.is_symlink():
        if out.is_dir() and not out.is_symlink():
            shutil.rmtree(out)
        else:
            out.unlink()
    out.mkdir(parents=True)
    crates = out / "crates"

    write(out / "Cargo.toml", root_manifest())
    write(out / "LICENSE", LICENSE_TEXT)
    write(
        out / "README.md",
        f"# bench-ws\n\nSynthetic workspace with {libs} libraries and {apps} "
        "applications, generated by `benches/gen-large-workspace.py`.\n",
    )
    write(out / ".gitignore", "/target\n")

    for i in range(libs):
        gen_lib(crates, i)
    last_lib = libs - 1 if libs > 0 else None
    for i in range(apps):
        gen_app(crates, i, last_lib)

    run(["cargo", "generate-lockfile", "--offline", "--quiet"], out)
    run(["git", "init", "-q"], out)
    run(["git", "config", "user.name", "Bench Bot"], out)
    run(["git", "config", "user.email", "bench@example.invalid"], out)
    run(["git", "config", "commit.gpgsign", "false"], out)
    run(["git", "add", "-A"], out)
    run(["git", "commit", "-qm", "init"], out)


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a large synthetic Cargo workspace for benchmarks."
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    parser.add_argument("--libs", type=non_negative, default=200,
                        help="number of library packages (default: 200, max 1000)")
    parser.add_argument("--apps", type=non_negative, default=10,
                        help="number of app packages (default: 10, max 100)")
    args = parser.parse_args(argv)
    if args.libs > 1000:
        parser.error("--libs must be at most 1000 (names are lib-NNN)")
    if args.apps > 100:
        parser.error("--apps must be at most 100 (names are app-NN)")

    out = args.out_dir.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve():
        parser.error(f"refusing to delete {out}")
    generate(out, args.libs, args.apps)
    print(f"generated {args.libs} libs + {args.apps} apps in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
