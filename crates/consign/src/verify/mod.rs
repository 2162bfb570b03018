//! `consign verify`: run the real installers against the real release files
//! before anything is published.
//!
//! A loopback HTTP server serves `target/distrib/`. Each shell installer that
//! can run on this host is run under every available shell (dash, bash, zsh,
//! mksh, busybox sh) in a sandbox: a fresh temporary `HOME` with `XDG_*` and
//! `CARGO_HOME` inside it, and the download URL pointed at the server. Each
//! run is then checked: the install succeeded, the receipt is right, every
//! binary runs and prints the version, sourcing `~/.profile` puts the binaries
//! on `PATH`, and a second install changes no rc file.

pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use consign_manifest::{ArtifactKind, AssetKind, DistManifest};
use serde::Serialize;

use crate::project::config::InstallerKind;

/// The shells installers are run under: (display name, command).
pub const SHELLS: &[(&str, &[&str])] = &[
    ("dash", &["dash"]),
    ("bash", &["bash"]),
    ("zsh", &["zsh"]),
    ("mksh", &["mksh"]),
    ("busybox sh", &["busybox", "sh"]),
];

/// One check of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// Whether it held.
    pub ok: bool,
    /// What went wrong (or what was seen).
    pub detail: String,
}

/// One installer under one shell.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    /// The installer artifact.
    pub installer: String,
    /// The shell.
    pub shell: String,
    /// Whether every check held.
    pub passed: bool,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// Wall time of the first install.
    pub install_ms: u128,
    /// What was seen but is no failure (a binary that prints no version).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The whole verification.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    /// Every case that ran.
    pub results: Vec<CaseResult>,
    /// Installers or shells that could not run here, and why.
    pub skipped: Vec<Skipped>,
}

/// Something that could not be verified on this machine.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    /// The installer (or shell).
    pub what: String,
    /// Why.
    pub reason: String,
}

impl VerifyReport {
    /// Whether every case passed (and at least one ran).
    pub fn passed(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(|r| r.passed)
    }
}

/// What one installer should produce.
struct Expectation {
    installer: String,
    path: PathBuf,
    app: String,
    version: String,
    binaries: Vec<String>,
    download_env: String,
    version_args: Vec<String>,
}

/// The arguments each app's binaries are run with to print their version
/// (`verify-version-args`, `--version-args`); apps not listed use
/// [`DEFAULT_VERSION_ARGS`].
pub type VersionArgs = std::collections::BTreeMap<String, Vec<String>>;

/// What a binary is run with to read its version, unless configured.
pub const DEFAULT_VERSION_ARGS: &[&str] = &["--version"];

/// Verify the installers in `dist` (as described by `manifest`) on this `host`.
pub fn verify(
    dist: &Path,
    manifest: &DistManifest,
    kinds: &BTreeMap<String, InstallerKind>,
    host: &str,
    timeout: Duration,
    version_args: &VersionArgs,
) -> anyhow::Result<VerifyReport> {
    let mut skipped = Vec::new();
    let mut expectations = Vec::new();
    for (name, artifact) in &manifest.artifacts {
        if artifact.kind != ArtifactKind::Installer {
            continue;
        }
        match kinds.get(name) {
            Some(InstallerKind::Shell) => {}
            Some(InstallerKind::Powershell) => {
                skipped.push(Skipped {
                    what: name.clone(),
                    reason: "PowerShell installers cannot run on this host".into(),
                });
                continue;
            }
            _ => continue,
        }
        let path = dist.join(name);
        if !path.is_file() {
            skipped.push(Skipped {
                what: name.clone(),
                reason: format!("`{}` has not been built", path.display()),
            });
            continue;
        }
        let Some(release) = manifest
            .releases
            .iter()
            .find(|r| r.artifacts.contains(name))
        else {
            continue;
        };
        // The archive this host would install.
        let archive = release
            .artifacts
            .iter()
            .filter_map(|id| manifest.artifacts.get(id).map(|a| (id, a)))
            .find(|(id, a)| {
                a.kind == ArtifactKind::ExecutableZip
                    && a.target_triples.iter().any(|t| t == host)
                    && dist.join(id).is_file()
            });
        let Some((_, archive)) = archive else {
            skipped.push(Skipped {
                what: name.clone(),
                reason: format!(
                    "no archive for this host (`{host}`) in `{}`",
                    dist.display()
                ),
            });
            continue;
        };
        let binaries = archive
            .assets
            .iter()
            .filter(|a| a.kind == AssetKind::Executable)
            .filter_map(|a| a.name.clone())
            .collect();
        let download_env = release
            .env
            .as_ref()
            .map(|e| e.download_url_env_var.clone())
            .unwrap_or_else(|| crate::plan::env_vars(&release.app_name).download_url_env_var);
        expectations.push(Expectation {
            installer: name.clone(),
            path,
            app: release.app_name.clone(),
            version: release.app_version.clone(),
            binaries,
            download_env,
            version_args: version_args
                .get(&release.app_name)
                .cloned()
                .unwrap_or_else(|| DEFAULT_VERSION_ARGS.iter().map(|a| a.to_string()).collect()),
        });
    }

    let shells: Vec<(&str, Vec<String>)> = SHELLS
        .iter()
        .filter_map(|(name, cmd)| {
            let available = Command::new(cmd[0])
                .args(&cmd[1..])
                .args(["-c", "exit 0"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !available {
                skipped.push(Skipped {
                    what: (*name).to_string(),
                    reason: "not installed".into(),
                });
            }
            available.then(|| (*name, cmd.iter().map(|s| s.to_string()).collect()))
        })
        .collect();

    let server =
        server::FileServer::start(dist).context("failed to start the loopback file server")?;
    let mut results = Vec::new();
    for exp in &expectations {
        for (shell, cmd) in &shells {
            results.push(run_case(exp, shell, cmd, &server.url(), timeout)?);
        }
    }
    Ok(VerifyReport { results, skipped })
}

fn run_case(
    exp: &Expectation,
    shell: &str,
    cmd: &[String],
    url: &str,
    timeout: Duration,
) -> anyhow::Result<CaseResult> {
    let home = tempfile::Builder::new()
        .prefix("consign-verify-")
        .tempdir()
        .context("failed to make a sandbox HOME")?;
    let home_path = home.path().to_path_buf();
    std::fs::create_dir_all(home_path.join("tmp"))?;
    let env = |c: &mut Command| {
        c.env_clear()
            .env("HOME", &home_path)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("XDG_CONFIG_HOME", home_path.join(".config"))
            .env("XDG_DATA_HOME", home_path.join(".local/share"))
            .env("XDG_BIN_HOME", home_path.join(".local/bin"))
            .env("CARGO_HOME", home_path.join(".cargo"))
            .env("TMPDIR", home_path.join("tmp"))
            .env("SHELL", format!("/bin/{}", cmd[cmd.len() - 1]))
            .env(&exp.download_env, url);
    };
    let mut checks = Vec::new();

    // 1. Install.
    let start = Instant::now();
    let first = run(cmd, &exp.path, &env, timeout)?;
    let install_ms = start.elapsed().as_millis();
    checks.push(Check {
        name: "install",
        ok: first.0,
        detail: tail(&first.1),
    });

    // 2. Receipt.
    let receipt_path = home_path
        .join(".config")
        .join(&exp.app)
        .join(format!("{}-receipt.json", exp.app));
    let receipt: Option<serde_json::Value> = std::fs::read_to_string(&receipt_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    // Where the receipt says the binaries are: its prefix and layout.
    let layout = receipt.as_ref().map(receipt_bin_dirs);
    let receipt_check = match &receipt {
        None => Check {
            name: "receipt",
            ok: false,
            detail: format!("no valid receipt at {}", receipt_path.display()),
        },
        Some(r) => {
            let listed: Vec<&str> = r["binaries"]
                .as_array()
                .map(|a| a.iter().filter_map(|b| b.as_str()).collect())
                .unwrap_or_default();
            let missing: Vec<&String> = exp
                .binaries
                .iter()
                .filter(|b| !listed.contains(&b.as_str()))
                .collect();
            let dirs = layout.clone().unwrap_or_else(|| Err(String::new()));
            let ok = r["version"] == exp.version.as_str() && missing.is_empty() && dirs.is_ok();
            Check {
                name: "receipt",
                ok,
                detail: match dirs {
                    Err(why) => why,
                    Ok(_) if ok => format!("version {}", exp.version),
                    Ok(_) => format!("version {}, missing binaries {missing:?}", r["version"]),
                },
            }
        }
    };
    checks.push(receipt_check);

    // 3. The binaries run; one that prints another version is stale.
    let bin_dir = layout.and_then(Result::ok).and_then(|dirs| {
        dirs.into_iter()
            .find(|d| exp.binaries.first().is_some_and(|b| d.join(b).is_file()))
    });
    let mut notes = Vec::new();
    let runs = match &bin_dir {
        None => Check {
            name: "runs",
            ok: false,
            detail: "installed binaries not found".into(),
        },
        Some(dir) => {
            let mut failures = Vec::new();
            for bin in &exp.binaries {
                let shown = std::iter::once(bin.as_str())
                    .chain(exp.version_args.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ");
                let out = Command::new(dir.join(bin))
                    .args(&exp.version_args)
                    .env_clear()
                    .env("HOME", &home_path)
                    .output();
                match out {
                    Ok(o) => match version_check(&o, &exp.version) {
                        VersionSeen::Same => {}
                        VersionSeen::NotRun(why) => {
                            failures.push(format!("`{shown}` did not run: {why}"))
                        }
                        VersionSeen::Other(v) => failures.push(format!(
                            "`{shown}` printed version {v}, but the release is {}: the archive holds a stale binary",
                            exp.version
                        )),
                        VersionSeen::None => notes.push(format!(
                            "`{shown}` ran but printed no version (expected {}); set `verify-version-args` to the arguments that print it",
                            exp.version
                        )),
                    },
                    Err(e) => failures.push(format!("`{bin}` did not start: {e}")),
                }
            }
            Check {
                name: "runs",
                ok: failures.is_empty(),
                detail: failures.join("; "),
            }
        }
    };
    checks.push(runs);

    // 4. Sourcing ~/.profile puts the binaries on PATH.
    let first_bin = exp.binaries.first().cloned().unwrap_or_default();
    let mut probe = Command::new(&cmd[0]);
    probe
        .args(&cmd[1..])
        .arg("-c")
        .arg(format!(". \"$HOME/.profile\" && command -v {first_bin}"));
    env(&mut probe);
    let out = probe.output().context("failed to run the PATH probe")?;
    let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let on_path = out.status.success()
        && bin_dir
            .as_ref()
            .is_some_and(|d| Path::new(&found) == d.join(&first_bin));
    checks.push(Check {
        name: "path",
        ok: on_path,
        detail: if found.is_empty() {
            "not on PATH after sourcing ~/.profile".into()
        } else {
            found
        },
    });

    // 5. A second install succeeds and edits no rc file again.
    let rc_files = [".profile", ".bashrc", ".bash_profile", ".zshrc", ".zshenv"];
    let snapshot = || {
        rc_files
            .iter()
            .map(|f| std::fs::read_to_string(home_path.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let before = snapshot();
    let second = run(cmd, &exp.path, &env, timeout)?;
    let same = snapshot() == before;
    checks.push(Check {
        name: "rerun",
        ok: second.0 && same,
        detail: if !second.0 {
            tail(&second.1)
        } else if !same {
            "a second install edited an rc file again".into()
        } else {
            String::new()
        },
    });

    Ok(CaseResult {
        installer: exp.installer.clone(),
        shell: shell.to_string(),
        passed: checks.iter().all(|c| c.ok),
        checks,
        install_ms,
        notes,
    })
}

/// The directories a receipt says its binaries are in, as cargo-dist's
/// updaters read it: `install_prefix` itself for the `flat` layout, its
/// `bin` for `cargo-home` and `hierarchical`. A receipt with no layout
/// (older cargo-dist and consign receipts) may mean either, so
/// both are returned, the prefix first. An error says what is wrong.
fn receipt_bin_dirs(receipt: &serde_json::Value) -> Result<Vec<PathBuf>, String> {
    let Some(prefix) = receipt["install_prefix"].as_str().map(PathBuf::from) else {
        return Err("the receipt has no install_prefix".into());
    };
    match receipt.get("install_layout") {
        None | Some(serde_json::Value::Null) => Ok(vec![prefix.clone(), prefix.join("bin")]),
        Some(layout) => match layout.as_str() {
            Some("flat") => Ok(vec![prefix]),
            Some("cargo-home" | "hierarchical") => Ok(vec![prefix.join("bin")]),
            _ => Err(format!(
                "the receipt's install_layout is {layout}; expected \"flat\", \"cargo-home\" or \"hierarchical\""
            )),
        },
    }
}

/// What a binary's version output says.
#[derive(Debug, PartialEq)]
enum VersionSeen {
    /// It ran and printed the release's version.
    Same,
    /// It printed another version.
    Other(String),
    /// It ran and printed nothing that looks like a version.
    None,
    /// It did not run (killed by a signal, or the loader failed).
    NotRun(String),
}

/// Judge a binary's run by its output alone: a different version is a
/// stale binary, no version at all is only worth a note.
fn version_check(out: &std::process::Output, expected: &str) -> VersionSeen {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        None => return VersionSeen::NotRun(format!("{}", out.status)),
        // 126/127: the loader or the kernel could not run it.
        Some(126 | 127) => return VersionSeen::NotRun(tail(&text)),
        Some(_) => {}
    }
    let expected = semver::Version::parse(expected).ok();
    let mut other = None;
    for word in text.split(|c: char| c.is_whitespace() || "()[],;:'\"".contains(c)) {
        let word = word.strip_prefix(['v', 'V']).unwrap_or(word);
        let Ok(v) = semver::Version::parse(word) else {
            continue;
        };
        if Some(&v) == expected.as_ref() {
            return VersionSeen::Same;
        }
        other.get_or_insert(v.to_string());
    }
    other.map_or(VersionSeen::None, VersionSeen::Other)
}

/// Run the installer; (success, combined output). Killed after `timeout`.
fn run(
    cmd: &[String],
    script: &Path,
    env: &dyn Fn(&mut Command),
    timeout: Duration,
) -> anyhow::Result<(bool, String)> {
    let mut c = Command::new(&cmd[0]);
    c.args(&cmd[1..])
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    env(&mut c);
    let mut child = c
        .spawn()
        .with_context(|| format!("failed to start `{}`", cmd.join(" ")))?;
    let deadline = Instant::now() + timeout;
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok((false, format!("timed out after {}s", timeout.as_secs())));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

/// The last few lines of installer output, for failure details.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;

    fn output(code: i32, stdout: &str) -> std::process::Output {
        std::process::Output {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
        }
    }

    #[test]
    fn receipt_layouts_say_where_the_binaries_are() {
        let dirs = |r: serde_json::Value| receipt_bin_dirs(&r);
        let p = PathBuf::from("/h/.cargo");
        assert_eq!(
            dirs(
                serde_json::json!({"install_prefix": "/h/.cargo", "install_layout": "cargo-home"})
            ),
            Ok(vec![p.join("bin")])
        );
        assert_eq!(
            dirs(
                serde_json::json!({"install_prefix": "/h/.cargo", "install_layout": "hierarchical"})
            ),
            Ok(vec![p.join("bin")])
        );
        assert_eq!(
            dirs(serde_json::json!({"install_prefix": "/h/.cargo", "install_layout": "flat"})),
            Ok(vec![p.clone()])
        );
        assert_eq!(
            dirs(serde_json::json!({"install_prefix": "/h/.cargo"})),
            Ok(vec![p.clone(), p.join("bin")])
        );
        let err = dirs(serde_json::json!({"install_prefix": "/h", "install_layout": "tree"}))
            .unwrap_err();
        assert!(err.contains(r#"install_layout is "tree""#), "{err}");
        assert!(dirs(serde_json::json!({"install_layout": "flat"})).is_err());
    }

    #[test]
    fn a_version_check_fails_only_a_stale_binary() {
        let check = |code, stdout| version_check(&output(code, stdout), "1.2.3");
        assert_eq!(check(0, "tool 1.2.3\n"), VersionSeen::Same);
        assert_eq!(check(0, "tool v1.2.3 (abc 2026)\n"), VersionSeen::Same);
        // `cargo new`'s hello world ignores `--version`.
        assert_eq!(check(0, "Hello, world!\n"), VersionSeen::None);
        // An app that refuses the flag still ran.
        assert_eq!(check(2, "error: unknown flag\n"), VersionSeen::None);
        assert_eq!(check(0, "tool 1.2.2\n"), VersionSeen::Other("1.2.2".into()));
        assert!(matches!(
            check(127, "error while loading shared libraries\n"),
            VersionSeen::NotRun(_)
        ));
    }
}
