//! Running cargo: choosing how a target can be built on this machine, and
//! collecting the binaries a build produced.
//!
//! The host target builds with plain cargo. Other Linux targets build with
//! `cargo-zigbuild`, Windows msvc targets with `cargo-xwin`, when those are
//! installed. macOS targets are refused off macOS: Apple's SDK and linker
//! exist only there. Every check runs before any compiling starts.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use serde::Deserialize;

use crate::error::UserError;
use crate::plan::CargoBuild;
use crate::targets::{self, Libc, Os};

/// How a target gets built here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builder {
    /// `cargo build`.
    Cargo,
    /// `cargo zigbuild`.
    Zigbuild,
    /// `cargo xwin build`.
    Xwin,
}

impl Builder {
    fn subcommand(self) -> &'static [&'static str] {
        match self {
            Builder::Cargo => &["build"],
            Builder::Zigbuild => &["zigbuild"],
            Builder::Xwin => &["xwin", "build"],
        }
    }
}

/// What the machine has: the host triple, the cargo to run, tools on PATH
/// and installed Rust targets.
#[derive(Clone, Debug, Default)]
pub struct Toolchain {
    /// The host triple.
    pub host: String,
    /// The cargo every build runs (`settings::Environment::cargo`).
    pub cargo: std::ffi::OsString,
    /// Whether `cargo-auditable` is on PATH.
    pub auditable: bool,
    /// Whether `cargo-zigbuild` is on PATH.
    pub zigbuild: bool,
    /// Whether `cargo-xwin` is on PATH.
    pub xwin: bool,
    /// Targets whose standard library is installed (from the sysroot).
    pub installed_targets: Vec<String>,
}

impl Toolchain {
    /// Look at this machine, through the tools `env` names.
    pub fn detect(host: &str, env: &crate::settings::Environment) -> Toolchain {
        let sysroot = Command::new(env.rustc())
            .args(["--print", "sysroot"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        let installed_targets = sysroot
            .and_then(|s| std::fs::read_dir(s.join("lib/rustlib")).ok())
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().join("lib").is_dir())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        Toolchain {
            host: host.to_string(),
            cargo: env.cargo(),
            auditable: env.on_path(&format!("cargo-auditable{}", std::env::consts::EXE_SUFFIX)),
            zigbuild: env.on_path("cargo-zigbuild"),
            xwin: env.on_path("cargo-xwin"),
            installed_targets,
        }
    }

    /// How `target` can be built here, or why it cannot.
    pub fn builder_for(&self, target: &str) -> Result<Builder, UserError> {
        let info = targets::info(target);
        let host = targets::info(&self.host);
        if info.os == Os::Macos && host.os != Os::Macos {
            return Err(UserError::new(format!(
                "cannot build `{target}` on this `{}` machine: macOS binaries need Apple's SDK and linker, which only run on macOS",
                self.host
            ))
            .hint(format!(
                "build it on a macOS runner (the generated CI does), or leave it out here with `--target {}`",
                self.host
            )));
        }
        if !self.installed_targets.is_empty() && !self.installed_targets.iter().any(|t| t == target)
        {
            return Err(UserError::new(format!(
                "the Rust standard library for `{target}` is not installed"
            ))
            .hint(format!("run `rustup target add {target}`")));
        }
        if target == self.host {
            return Ok(Builder::Cargo);
        }
        // Same OS and architecture, other libc (e.g. musl on glibc): rustc links it itself.
        if info.os == host.os && info.arch == host.arch && info.os == Os::Linux {
            return Ok(Builder::Cargo);
        }
        if info.os == Os::Windows && info.libc == Libc::Msvc {
            return if self.xwin {
                Ok(Builder::Xwin)
            } else {
                Err(UserError::new(format!("cannot build `{target}` here without `cargo-xwin`"))
                    .hint("install it with `cargo install --locked cargo-xwin`, or build on a Windows runner"))
            };
        }
        if self.zigbuild {
            Ok(Builder::Zigbuild)
        } else {
            Err(UserError::new(format!("cannot cross-compile `{target}` from `{}` without `cargo-zigbuild`", self.host))
                .hint("install it with `cargo install --locked cargo-zigbuild` (and zig), or build on a matching runner"))
        }
    }
}

/// `cargo-auditable` must be installed, and can only wrap plain `cargo build`.
pub fn check_auditable(
    build: &CargoBuild,
    builder: Builder,
    toolchain: &Toolchain,
) -> Result<(), UserError> {
    if !build.auditable {
        return Ok(());
    }
    if builder != Builder::Cargo {
        return Err(UserError::new(format!(
            "`cargo-auditable = true` cannot wrap the cross build of `{}` (`cargo {}`)",
            build.target,
            builder.subcommand().join(" ")
        ))
        .hint("build that target on a runner of its own (see `github-custom-runners`), or set `cargo-auditable = false`"));
    }
    if !toolchain.auditable {
        return Err(UserError::new(
            "`cargo-auditable = true`, but `cargo auditable` is not installed",
        )
        .hint("install it with `cargo install cargo-auditable --locked`, or set `cargo-auditable = false`"));
    }
    Ok(())
}

/// A binary cargo produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltBinary {
    /// The package it belongs to.
    pub package: String,
    /// The binary target's name.
    pub name: String,
    /// Where cargo put it.
    pub path: PathBuf,
    /// Debug symbol files next to it (`.pdb`, `.dwp`, `.dSYM`).
    pub symbols: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<MessageTarget>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    filenames: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct MessageTarget {
    name: String,
    kind: Vec<String>,
}

/// The command line of one build.
pub fn command(build: &CargoBuild, builder: Builder, root: &Path, cargo: &OsStr) -> Command {
    let mut cmd = Command::new(cargo);
    if build.auditable {
        // `cargo auditable build` (cargo-auditable wraps plain `cargo build`).
        cmd.arg("auditable");
    }
    cmd.args(builder.subcommand())
        .args([
            "--profile",
            "dist",
            "--target",
            &build.target,
            "--message-format=json-render-diagnostics",
            // cargo's stderr is a pipe (its lines are printed above the
            // spinner), so say what the terminal takes: `--color` reaches cargo.
            "--color",
            if crate::output::stderr_has_color() {
                "always"
            } else {
                "never"
            },
        ])
        .current_dir(root);
    for p in &build.packages {
        cmd.args(["-p", p]);
    }
    if !build.features.is_empty() {
        cmd.args(["--features", &build.features.join(",")]);
    }
    if !build.default_features {
        cmd.arg("--no-default-features");
    }
    if build.all_features {
        cmd.arg("--all-features");
    }
    cmd
}

/// Run one build, streaming cargo's diagnostics to stderr (or keeping them
/// for the error when `quiet`), and return the binaries it produced, keyed by
/// (package, binary name).
pub fn run(
    build: &CargoBuild,
    builder: Builder,
    root: &Path,
    package_by_manifest: &BTreeMap<PathBuf, String>,
    quiet: bool,
    cargo: &OsStr,
) -> anyhow::Result<Vec<BuiltBinary>> {
    let mut cmd = command(build, builder, root, cargo);
    crate::output::show_command(&cmd);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("failed to start `cargo {}`", builder.subcommand().join(" ")))?;
    // cargo's diagnostics: kept for the error with `-q`, else printed line
    // by line above the spinner.
    let stderr_thread = child.stderr.take().map(|e| {
        std::thread::spawn(move || {
            let mut kept = String::new();
            let mut reader = BufReader::new(e);
            let mut buf = Vec::new();
            while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']);
                if quiet {
                    kept.push_str(line);
                    kept.push('\n');
                } else {
                    crate::output::line_above_progress(line);
                }
                buf.clear();
            }
            kept
        })
    });
    let mut binaries = Vec::new();
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.context("failed to read cargo's output")?;
        let Ok(msg) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        if msg.reason != "compiler-artifact" {
            continue;
        }
        let (Some(target), Some(exe), Some(manifest)) =
            (msg.target, msg.executable, msg.manifest_path)
        else {
            continue;
        };
        if !target.kind.iter().any(|k| k == "bin") {
            continue;
        }
        let Some(package) = package_by_manifest.get(&manifest) else {
            continue;
        };
        let symbols = msg
            .filenames
            .into_iter()
            .filter(|f| f != &exe)
            .filter(|f| {
                f.extension()
                    .is_some_and(|e| e == "pdb" || e == "dwp" || e == "dSYM")
            })
            .collect();
        binaries.push(BuiltBinary {
            package: package.clone(),
            name: target.name,
            path: exe,
            symbols,
        });
    }
    let status = child.wait().context("failed to wait for cargo")?;
    let captured = stderr_thread
        .and_then(|t| t.join().ok())
        .unwrap_or_default();
    if !status.success() {
        let mut msg = format!(
            "`cargo {} --target {}` failed ({status})",
            builder.subcommand().join(" "),
            build.target
        );
        if !captured.is_empty() {
            msg.push_str(":\n");
            msg.push_str(captured.trim_end());
        }
        return Err(UserError::new(msg)
            .hint("fix the errors cargo reports above; nothing was packaged")
            .into());
    }
    Ok(binaries)
}
