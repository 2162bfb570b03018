//! Test workspaces: real Cargo workspaces in temp directories, committed to a
//! real git repository, and the real `consign` binary run against them.
#![allow(dead_code)]

pub mod http;
pub mod installer;
pub mod tools;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// The names `installer` (shared with the unit tests) takes from its parent.
use consign::installer::{InstallPathSpec, InstallerArtifact, InstallerContext, ReceiptSource};
use consign::plan::env_vars;

pub struct TestWorkspace {
    pub dir: tempfile::TempDir,
}

pub const PROFILE: &str = "\n[profile.dist]\ninherits = \"release\"\nlto = \"thin\"\n";

impl TestWorkspace {
    /// An empty directory.
    pub fn empty() -> Self {
        TestWorkspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A workspace from `(path, contents)` pairs, committed to git.
    pub fn new(files: &[(&str, &str)]) -> Self {
        let ws = Self::empty();
        for (path, text) in files {
            ws.write(path, text);
        }
        ws.git(&["init", "-q", "-b", "main"]);
        ws.commit();
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    pub fn git(&self, args: &[&str]) {
        git_in(self.path(), args);
    }

    /// Replace `from` with `to` in the workspace file `path` (not committed).
    pub fn replace_in(&self, path: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path().join(path)).unwrap();
        assert!(text.contains(from), "`{from}` is not in {path}:\n{text}");
        self.write(path, &text.replace(from, to));
    }

    /// Add the repository at `source` as a submodule at `path` (not committed).
    pub fn add_submodule(&self, source: &Path, path: &str) {
        self.git(&[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            source.to_str().unwrap(),
            path,
        ]);
    }

    pub fn commit(&self) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", "commit"]);
    }

    /// Write `Cargo.lock` (offline; releases build from a committed lockfile) and commit.
    pub fn lock_and_commit(&self) {
        tools::output_ok(
            Command::new(env!("CARGO"))
                .args(["generate-lockfile", "--offline"])
                .current_dir(self.path()),
        );
        self.commit();
    }

    /// Run `consign` with `args` in the workspace (colorless unless asked).
    pub fn consign(&self, args: &[&str]) -> Run {
        self.consign_in(self.path(), args)
    }

    pub fn consign_in(&self, dir: &Path, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_consign"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        Run::from(out)
    }

    /// `consign plan -o json` and the parsed manifest; panics on failure.
    pub fn plan_json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["plan", "-o", "json"];
        args.extend_from_slice(extra);
        let run = self.consign(&args);
        assert_eq!(run.code, 0, "plan failed:\n{}", run.stderr);
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", run.stdout))
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Assert the exit code and that stderr contains each needle.
    pub fn fails_with(&self, code: i32, needles: &[&str]) {
        assert_eq!(self.code, code, "exit code; stderr:\n{}", self.stderr);
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}:\n{}",
                self.stderr
            );
        }
    }
}

/// Run git in `dir` as a test committer; panics on failure; returns stdout.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare Homebrew tap repository `homebrew-tap.git` in `root`, with one
/// commit on `main` (pushed from a clone in `root/seed`).
pub fn bare_tap(root: &Path) -> PathBuf {
    let bare = root.join("homebrew-tap.git");
    git_in(
        root,
        &["init", "-q", "--bare", "-b", "main", "homebrew-tap.git"],
    );
    let seed = root.join("seed");
    git_in(root, &["clone", "-q", bare.to_str().unwrap(), "seed"]);
    std::fs::write(seed.join("README.md"), "# tap\n").unwrap();
    git_in(&seed, &["add", "README.md"]);
    git_in(&seed, &["commit", "-q", "-m", "seed"]);
    git_in(&seed, &["push", "-q", "origin", "HEAD:main"]);
    bare
}

/// A package manifest.
pub fn package(name: &str, version: &str, extra: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\nlicense = \"MIT\"\nrepository = \"https://github.com/acme/tools\"\n{extra}"
    )
}

/// A single-app workspace with `dist` config `config` in `[workspace.metadata.dist]`.
pub fn single_app(config: &str) -> TestWorkspace {
    TestWorkspace::new(&[
        (
            "Cargo.toml",
            &format!(
                "{}\n[workspace]\n\n[workspace.metadata.dist]\n{config}\n{PROFILE}",
                package("tool", "1.2.3", "description = \"A tool\"\n")
            ),
        ),
        ("src/main.rs", "fn main() {}\n"),
        ("README.md", "# tool\n"),
        ("LICENSE-MIT", "MIT\n"),
        ("CHANGELOG.md", "# Changelog\n\n## Unreleased\n\n- upcoming\n\n## 1.2.3 - 2026-01-01\n\n- fixed things\n"),
        (".gitignore", "/target\n"),
    ])
}

pub const TARGETS: &str = "targets = [\"x86_64-unknown-linux-gnu\", \"aarch64-apple-darwin\", \"x86_64-pc-windows-msvc\"]\n";

pub fn artifact_names(m: &serde_json::Value) -> Vec<String> {
    m["artifacts"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

pub fn bin_path(name: &str) -> PathBuf {
    PathBuf::from(match name {
        "consign" => env!("CARGO_BIN_EXE_consign"),
        _ => env!("CARGO_BIN_EXE_cargo-consign"),
    })
}

/// Runs `cmd` with stdin closed, collecting stdout and stderr (read while it
/// runs, so a chatty child never blocks); kills it and fails the test when
/// it runs longer than `limit`.
pub fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} ran for over {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}
