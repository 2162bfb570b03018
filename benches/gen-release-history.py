#!/usr/bin/env python3
"""Generate a workspace of N library packages with a long git history, for
benches/release_pr.sh, through one `git fast-import` stream (seconds, not
minutes, for 20,000 commits).

Package i (`pkgNNN`, 0.1.0; every 10th depends on the one before it) is
tagged `pkgNNN-v0.1.0` at commit 2000 + i * (commits - 4000) / packages, so
the release tags are spread over the history and the walk from HEAD back to
the oldest one covers most of it. Every commit changes one to three packages'
files with a conventional (or, one in ten, a plain) message.

usage: gen-release-history.py DIR [--packages 200] [--commits 20000]
"""
import argparse
import os
import random
import shutil
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--packages", type=int, default=200)
ap.add_argument("--commits", type=int, default=20000)
args = ap.parse_args()

rng = random.Random(15)
n = args.packages
names = [f"pkg{i:03}" for i in range(n)]
if os.path.exists(args.dir):
    shutil.rmtree(args.dir)
os.makedirs(args.dir)
subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True)

out = []


def blob(path, text):
    data = text.encode()
    out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")


def manifest(i):
    deps = ""
    if i % 10 == 9:
        prev = names[i - 1]
        deps = f'\n[dependencies]\n{prev} = {{ path = "../{prev}", version = "0.1.0" }}\n'
    return (
        f'[package]\nname = "{names[i]}"\nversion = "0.1.0"\nedition = "2021"\n'
        f'license = "MIT"\nrepository = "https://github.com/acme/big"\n{deps}'
    )


members = ", ".join(f'"crates/{p}"' for p in names)
tag_at = {2000 + i * (args.commits - 4000) // n: [] for i in range(n)}
for i in range(n):
    tag_at[2000 + i * (args.commits - 4000) // n].append(names[i])
kinds = ["feat", "fix", "fix", "docs", "refactor", "perf", "chore"]
t0 = 1_700_000_000
for c in range(1, args.commits + 1):
    if c == 1:
        msg = "initial workspace"
    elif c % 10 == 0:
        msg = f"Update things ({c})"
    else:
        kind = rng.choice(kinds)
        bang = "!" if rng.random() < 0.01 else ""
        msg = f"{kind}{bang}: change number {c}"
    m = msg.encode()
    out.append(
        f"commit refs/heads/main\nmark :{c}\n"
        f"author Bench <bench@example.com> {t0 + c * 60} +0000\n"
        f"committer Bench <bench@example.com> {t0 + c * 60} +0000\n"
        f"data {len(m)}\n".encode() + m + b"\n"
    )
    if c > 1:
        out.append(f"from :{c - 1}\n".encode())
    if c == 1:
        blob("Cargo.toml", f'[workspace]\nmembers = [{members}]\nresolver = "2"\n')
        blob(".gitignore", "/target\n")
        for i in range(n):
            blob(f"crates/{names[i]}/Cargo.toml", manifest(i))
            blob(f"crates/{names[i]}/src/lib.rs", "//! A library.\n")
    else:
        for i in rng.sample(range(n), rng.randint(1, 3)):
            blob(f"crates/{names[i]}/src/lib.rs", f"//! A library.\n// change {c}\n")
    out.append(b"\n")
    for p in tag_at.get(c, []):
        out.append(f"reset refs/tags/{p}-v0.1.0\nfrom :{c}\n\n".encode())

subprocess.run(
    ["git", "fast-import", "--quiet"], input=b"".join(out), cwd=args.dir, check=True
)
subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=args.dir, check=True)
print(f"{args.dir}: {n} packages, {args.commits} commits")
