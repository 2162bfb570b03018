//! The shell installer, run for real: a fake release served over loopback
//! HTTP, installed into throwaway home directories with every POSIX shell
//! that is installed here (dash, bash, zsh, mksh, busybox sh), plus
//! shellcheck on the rendered script.
//!
//! The fake release is built for x86_64 glibc Linux, so the tests run on such
//! hosts only. A missing shell or shellcheck fails the test (`.ci/run`
//! installs them; see `common::tools`).
#![cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::http::{Reply, Server};
use common::installer::{self, linux_artifact as artifact};
use common::tools::{self, require_tools, which};
use consign::installer::shell::render;
use consign::installer::{
    InstallPathSpec, InstallerArtifact, InstallerContext, InstallerUpdater, ReceiptSource,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const GNU: &str = "x86_64-unknown-linux-gnu";
const MUSL: &str = "x86_64-unknown-linux-musl";
const DARWIN: &str = "aarch64-apple-darwin";
const BASE_PATH: &str = "/usr/bin:/bin";

// ---------------------------------------------------------------- fixture

/// A fake release: archives in `www/`, served by a loopback server under
/// `/ok/` (as is), `/drop/` (connection dropped halfway through the body),
/// `/corrupt/` (a complete response of the first half of the file) and
/// `/slow/` (a 404 after three seconds).
struct Release {
    dir: TempDir,
    server: Server,
    gnu_sha: String,
    musl_sha: String,
}

impl Release {
    fn new() -> Release {
        let dir = TempDir::new().unwrap();
        let www = dir.path().join("www");
        std::fs::create_dir(&www).unwrap();
        let gnu_sha = make_archive(dir.path(), GNU, "my-tool 0.3.0");
        let musl_sha = make_archive(dir.path(), MUSL, "my-tool 0.3.0 (musl)");
        let server = release_server(www);
        Release {
            dir,
            server,
            gnu_sha,
            musl_sha,
        }
    }

    /// The base URL of the served release.
    fn url(&self) -> String {
        self.route("ok")
    }

    /// `http://127.0.0.1:PORT/{route}`.
    fn route(&self, route: &str) -> String {
        format!("http://{}/{route}", self.server.addr)
    }

    /// A release and its installer of the standard context (the release
    /// must live while the script runs: it serves the archives).
    fn with_script() -> (Release, PathBuf) {
        let release = Release::new();
        let script = release.script(&release.context(), "installer.sh");
        (release, script)
    }

    /// The standard context: gnu (glibc 2.17), musl and a darwin entry whose
    /// archive does not exist.
    fn context(&self) -> InstallerContext {
        installer::context(
            "0.3.0",
            &self.url(),
            vec![
                artifact(GNU, "gnu", Some("2.17"), &self.gnu_sha),
                artifact(MUSL, "musl", None, &self.musl_sha),
                installer::artifact(DARWIN, "macos", "aarch64", "none", &"0".repeat(64)),
            ],
        )
    }

    /// Renders `ctx` into a script file and returns its path.
    fn script(&self, ctx: &InstallerContext, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, render(ctx).unwrap()).unwrap();
        path
    }
}

/// Packs a `my-tool` script printing `says` with the system tar into
/// `www/my-tool-{target}.tar.xz`; returns its sha256.
fn make_archive(root: &Path, target: &str, says: &str) -> String {
    let stage = root.join("stage").join(target);
    let top = stage.join(format!("my-tool-{target}"));
    std::fs::create_dir_all(&top).unwrap();
    let bin = top.join("my-tool");
    std::fs::write(&bin, format!("#!/bin/sh\necho '{says}'\n")).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(top.join("README.md"), "my-tool\n").unwrap();
    let archive = root.join("www").join(format!("my-tool-{target}.tar.xz"));
    let status = Command::new("tar")
        .arg("-cJf")
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg(format!("my-tool-{target}"))
        .status()
        .expect("running tar");
    assert!(status.success());
    hex::encode(Sha256::digest(std::fs::read(&archive).unwrap()))
}

// ---------------------------------------------------------------- server

/// The release server (on the tests' one loopback server, `common::http`):
/// `www/NAME` under `/ok/`, `/drop/` (connection dropped halfway through the
/// body), `/corrupt/` (a complete response of the first half) and `/slow/`
/// (a 404 after three seconds).
fn release_server(root: PathBuf) -> Server {
    Server::start(move |req| {
        let (mode, _, file) = req.route_file(&root);
        if mode == "slow" {
            std::thread::sleep(Duration::from_secs(3));
        }
        match (req.method.as_str(), mode, file) {
            ("GET", "ok" | "drop" | "corrupt", Some(file)) => {
                let mut body = std::fs::read(file).unwrap();
                let half = body.len() / 2;
                if mode == "corrupt" {
                    body.truncate(half);
                }
                let reply =
                    Reply::new(200, body).header("Content-Type", "application/octet-stream");
                if mode == "drop" {
                    reply.cut(half)
                } else {
                    reply
                }
            }
            _ => Reply::new(404, "not found\n"),
        }
    })
}

// ---------------------------------------------------------------- running

/// A shell to run the installer with: its name and the command line prefix.
struct Shell {
    name: &'static str,
    argv: Vec<PathBuf>,
}

/// The shells the installer must run under: all of them, or the test fails
/// (see `common::tools`).
fn shells() -> Vec<Shell> {
    let shells = [
        ("dash", "dash", None),
        ("bash", "bash", None),
        ("zsh", "zsh", None),
        ("mksh", "mksh", None),
        ("busybox sh", "busybox", Some("sh")),
    ];
    let programs: Vec<&str> = shells.iter().map(|(_, program, _)| *program).collect();
    let all = tools::have(&programs);
    let found: Vec<Shell> = shells
        .into_iter()
        .filter_map(|(name, program, extra)| {
            let mut argv = vec![which(program)?];
            argv.extend(extra.map(PathBuf::from));
            Some(Shell { name, argv })
        })
        .collect();
    assert!(
        all || !found.is_empty(),
        "no POSIX shell at all to run the installer with"
    );
    found
}

/// A fresh home directory for one install.
struct Home {
    dir: TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: TempDir::new().unwrap(),
        }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn bin(&self) -> PathBuf {
        self.join(".cargo/bin")
    }
    fn receipt_path(&self) -> PathBuf {
        self.join(".config/my-tool/my-tool-receipt.json")
    }
    fn env_script(&self) -> PathBuf {
        self.join(".config/my-tool/env")
    }
    fn source_line(&self) -> String {
        format!(". \"{}\"", self.env_script().display())
    }
}

/// Runs `script` under `shell` with a clean environment: HOME, PATH and
/// `env` only. Killed after a minute.
fn run(shell: &Shell, script: &Path, home: &Home, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = command(shell, script, home);
    cmd.args(args).envs(env.iter().copied());
    run_bounded(cmd)
}

/// `script` under `shell` with a clean environment (HOME, PATH and TMPDIR)
/// in `home`, stdin closed.
fn command(shell: &Shell, script: &Path, home: &Home) -> Command {
    let mut cmd = Command::new(&shell.argv[0]);
    cmd.args(&shell.argv[1..])
        .arg(script)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", BASE_PATH)
        .env("TMPDIR", home.path())
        .current_dir(home.path())
        .stdin(Stdio::null());
    cmd
}

/// [`run`] in a fresh home, with no arguments; returns the home too.
fn install(shell: &Shell, script: &Path, env: &[(&str, &str)]) -> (Home, Output) {
    let home = Home::new();
    let out = run(shell, script, &home, env, &[]);
    (home, out)
}

/// [`install`], which must fail with `needle` and leave nothing behind.
#[track_caller]
fn install_fails(shell: &Shell, script: &Path, env: &[(&str, &str)], needle: &str) -> Output {
    let (home, out) = install(shell, script, env);
    assert_failed(shell, &out, needle);
    assert_nothing_installed(shell, &home);
    out
}

fn run_bounded(cmd: Command) -> Output {
    common::output_within(cmd, Duration::from_secs(60))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn assert_ok(shell: &Shell, out: &Output) {
    assert!(
        out.status.success(),
        "[{}] installer failed ({}):\n{}",
        shell.name,
        out.status,
        stderr(out)
    );
}

#[track_caller]
fn assert_failed(shell: &Shell, out: &Output, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "[{}] expected exit 1:\n{}",
        shell.name,
        stderr(out)
    );
    let err = stderr(out);
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "[{}] stderr should mention {needle:?}:\n{err}",
        shell.name
    );
}

/// Runs an installed binary and returns what it printed.
fn run_binary(bin: &Path) -> String {
    let out = Command::new(bin)
        .output()
        .expect("running the installed binary");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn count_lines(file: &Path, line: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| *l == line)
        .count()
}

fn receipt(home: &Home) -> serde_json::Value {
    let text = std::fs::read_to_string(home.receipt_path()).expect("reading the receipt");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("receipt is not JSON ({e}): {text}"))
}

/// Asserts that nothing of an install is in `home`: no binary, no receipt,
/// no shell profile, no leftover directories.
#[track_caller]
fn assert_nothing_installed(shell: &Shell, home: &Home) {
    for rel in [
        ".cargo",
        ".config/my-tool",
        ".profile",
        ".zshrc",
        ".zshenv",
        ".bashrc",
    ] {
        assert!(
            !home.join(rel).exists(),
            "[{}] {rel} exists after a failed install",
            shell.name
        );
    }
    // Nothing left in TMPDIR (= HOME) either.
    let left: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "[{}] left behind: {left:?}", shell.name);
}

/// A directory of symlinks to everything in /usr/bin and /bin except
/// `without`, to run the installer as if those tools were not installed.
fn path_without(root: &Path, without: &[&str]) -> PathBuf {
    let farm = root.join(format!("path-without-{}", without.join("-")));
    if farm.exists() {
        return farm;
    }
    std::fs::create_dir_all(&farm).unwrap();
    for dir in ["/usr/bin", "/bin"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if without.iter().any(|w| name == *w) || farm.join(&name).exists() {
                continue;
            }
            let _ = std::os::unix::fs::symlink(entry.path(), farm.join(&name));
        }
    }
    farm
}

// ---------------------------------------------------------------- tests

#[test]
fn shellcheck_finds_nothing() {
    require_tools!("shellcheck");
    let shellcheck = which("shellcheck").unwrap();
    let release = Release::new();
    let mut variants = vec![release.context()];
    let mut ctx = release.context();
    ctx.success_msg = Some("it's done: run `my-tool --help`".to_string());
    ctx.install_paths = vec![
        InstallPathSpec::EnvSubdir {
            var: "MY_TOOL_HOME".to_string(),
            subdir: "bin".to_string(),
        },
        InstallPathSpec::HomeSubdir {
            subdir: ".my-tool/bin".to_string(),
        },
        InstallPathSpec::CargoHome,
    ];
    for a in &mut ctx.artifacts {
        a.checksum = None;
        a.checksum_algo = None;
        a.binaries.push("my-helper".to_string());
    }
    ctx.artifacts[0].format = ".zip".to_string();
    ctx.artifacts[1].format = ".tar.zst".to_string();
    ctx.artifacts[2].format = ".tar.gz".to_string();
    variants.push(ctx);
    let mut ctx = release.context();
    ctx.app_name = r#"it's "odd" $x `y` z"#.to_string();
    ctx.download_url = "https://example.com/$weird/`dir`".to_string();
    ctx.aliases = BTreeMap::from([("my-tool".to_string(), vec!["$alias".to_string()])]);
    variants.push(ctx);
    for (i, ctx) in variants.iter().enumerate() {
        let script = release.script(ctx, &format!("installer-{i}.sh"));
        let out = Command::new(&shellcheck)
            .args(["--shell=sh", "--severity=style"])
            .arg(&script)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck found problems in variant {i}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn installs_under_every_shell() {
    let (_release, script) = Release::with_script();
    for shell in shells() {
        let home = Home::new();
        // An existing .bashrc without a final newline, and a fish config dir.
        std::fs::write(home.join(".bashrc"), "alias ll='ls -l'").unwrap();
        std::fs::create_dir_all(home.join(".config/fish")).unwrap();

        let out = run(&shell, &script, &home, &[], &[]);
        assert_ok(&shell, &out);
        let bin = home.bin().join("my-tool");
        assert_eq!(run_binary(&bin), "my-tool 0.3.0", "[{}]", shell.name);
        assert_eq!(
            std::fs::metadata(&bin).unwrap().permissions().mode() & 0o777,
            0o755
        );
        let alias = home.bin().join("mt");
        assert_eq!(
            std::fs::read_link(&alias).unwrap(),
            Path::new("my-tool"),
            "[{}]",
            shell.name
        );
        assert_eq!(run_binary(&alias), "my-tool 0.3.0");
        let err = stderr(&out);
        assert!(
            err.contains("everything's installed!"),
            "[{}] {err}",
            shell.name
        );
        assert!(err.contains(&home.source_line()), "[{}] {err}", shell.name);

        let r = receipt(&home);
        // As cargo-dist's: the Cargo home, not its bin/, and the layout.
        assert_eq!(r["install_prefix"], home.join(".cargo").to_str().unwrap());
        assert_eq!(r["install_layout"], "cargo-home");
        assert_eq!(r["binaries"], serde_json::json!(["my-tool"]));
        assert_eq!(r["version"], "0.3.0");
        assert_eq!(
            r["source"],
            serde_json::json!({"release_type": "github", "owner": "o", "name": "r", "app_name": "my-tool"})
        );
        assert_eq!(r["modify_path"], true);
        assert_eq!(r["install_updater"], false);
        assert_eq!(
            r["provider"],
            serde_json::json!({"source": "consign", "version": env!("CARGO_PKG_VERSION")})
        );

        let line = home.source_line();
        let fish_conf = home.join(".config/fish/conf.d/my-tool.env.fish");
        let fish_line = format!(
            "source '{}'",
            home.join(".config/my-tool/env.fish").display()
        );
        assert!(home.join(".config/my-tool/env.fish").is_file());
        // No dirt left behind: the staging directory and temp files are gone.
        let bin_entries: Vec<_> = std::fs::read_dir(home.bin())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(bin_entries.len(), 2, "[{}] {bin_entries:?}", shell.name);

        // Twice: every profile still has the line exactly once.
        let again = run(&shell, &script, &home, &[], &[]);
        assert_ok(&shell, &again);
        for rc in [".profile", ".bashrc", ".zshrc", ".zshenv"] {
            assert_eq!(
                count_lines(&home.join(rc), &line),
                1,
                "[{}] {rc}:\n{}",
                shell.name,
                std::fs::read_to_string(home.join(rc)).unwrap_or_default()
            );
        }
        assert_eq!(count_lines(&fish_conf, &fish_line), 1, "[{}]", shell.name);
        assert!(
            std::fs::read_to_string(home.join(".bashrc"))
                .unwrap()
                .starts_with("alias ll='ls -l'\n. \""),
            "[{}] .bashrc kept its last line",
            shell.name
        );
        assert!(!home.join(".bash_profile").exists());

        // A new login shell finds the binary.
        assert_eq!(
            found_on_profile_path(&home),
            bin.to_str().unwrap(),
            "[{}]",
            shell.name
        );
    }
}

#[test]
fn checksum_mismatch_installs_nothing() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.artifacts[0].checksum = Some("ab".repeat(32));
    let script = release.script(&ctx, "installer.sh");
    for shell in shells() {
        let out = install_fails(&shell, &script, &[], "checksum mismatch");
        let err = stderr(&out);
        assert!(err.contains(&"ab".repeat(32)), "expected sum shown: {err}");
        assert!(err.contains(&release.gnu_sha), "actual sum shown: {err}");
    }
}

/// Serves a fake updater beside the gnu archive and plans it in `ctx`, as
/// `install-updater = true` does; returns its sha256.
fn with_updater(release: &Release, ctx: &mut InstallerContext) -> String {
    let name = format!("my-tool-{GNU}-update");
    let path = release.dir.path().join("www").join(&name);
    std::fs::write(&path, "#!/bin/sh\necho 'my-tool updater'\n").unwrap();
    let sha = hex::encode(Sha256::digest(std::fs::read(&path).unwrap()));
    ctx.install_updater = true;
    ctx.artifacts[0].updater = Some(InstallerUpdater {
        artifact: name,
        checksum: Some(sha.clone()),
    });
    sha
}

#[test]
fn installs_the_updater_beside_the_binaries() {
    let release = Release::new();
    let mut ctx = release.context();
    with_updater(&release, &mut ctx);
    let script = release.script(&ctx, "installer.sh");
    for shell in shells() {
        let (home, out) = install(&shell, &script, &[]);
        assert_ok(&shell, &out);
        let updater = home.bin().join("my-tool-update");
        assert_eq!(run_binary(&updater), "my-tool updater", "[{}]", shell.name);
        let mode = std::fs::metadata(&updater).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "[{}]", shell.name);
        assert_eq!(run_binary(&home.bin().join("my-tool")), "my-tool 0.3.0");
        // As cargo-dist's receipts: the archive's binaries, not the updater.
        let r = receipt(&home);
        assert_eq!(
            r["binaries"],
            serde_json::json!(["my-tool"]),
            "[{}]",
            shell.name
        );
        assert_eq!(r["install_updater"], true, "[{}]", shell.name);
        assert!(stderr(&out).contains("my-tool-update"), "[{}]", shell.name);

        // The disable variable and unmanaged installs leave it out.
        let (home, out) = install(&shell, &script, &[("MY_TOOL_DISABLE_UPDATE", "1")]);
        assert_ok(&shell, &out);
        assert!(home.bin().join("my-tool").exists());
        assert!(
            !home.bin().join("my-tool-update").exists(),
            "[{}]",
            shell.name
        );
        assert_eq!(receipt(&home)["install_updater"], false, "[{}]", shell.name);
        let home = Home::new();
        let dir = home.join("ci");
        let out = run(
            &shell,
            &script,
            &home,
            &[("MY_TOOL_UNMANAGED_INSTALL", dir.to_str().unwrap())],
            &[],
        );
        assert_ok(&shell, &out);
        assert!(dir.join("my-tool").exists());
        assert!(!dir.join("my-tool-update").exists(), "[{}]", shell.name);
    }
}

#[test]
fn updater_checksum_mismatch_or_missing_updater_installs_nothing() {
    let release = Release::new();
    let mut ctx = release.context();
    let sha = with_updater(&release, &mut ctx);
    ctx.artifacts[0].updater.as_mut().unwrap().checksum = Some("cd".repeat(32));
    let bad_sum = release.script(&ctx, "bad-sum.sh");
    ctx.artifacts[0].updater = Some(InstallerUpdater {
        artifact: "no-such-update".to_string(),
        checksum: Some(sha.clone()),
    });
    let missing = release.script(&ctx, "missing.sh");
    for shell in shells() {
        let out = install_fails(&shell, &bad_sum, &[], "checksum mismatch");
        let err = stderr(&out);
        assert!(
            err.contains(&"cd".repeat(32)) && err.contains(&sha),
            "[{}] {err}",
            shell.name
        );
        install_fails(&shell, &missing, &[], "could not download");
    }
}

#[test]
fn damaged_download_is_a_checksum_mismatch() {
    let (release, script) = Release::with_script();
    let corrupt = release.route("corrupt");
    for shell in shells() {
        install_fails(
            &shell,
            &script,
            &[("MY_TOOL_DOWNLOAD_URL", &corrupt)],
            "checksum mismatch",
        );
    }
}

#[test]
fn interrupted_install_cleans_up_and_keeps_the_old_version() {
    let (release, script) = Release::with_script();
    let slow = release.route("slow");
    for shell in shells() {
        let home = Home::new();
        assert_ok(&shell, &run(&shell, &script, &home, &[], &[]));
        let work_dirs = || -> Vec<_> {
            std::fs::read_dir(home.bin())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.starts_with(".my-tool-install."))
                .collect()
        };

        // Start an update whose download hangs, then stop it like a Ctrl-C
        // would: a signal to its whole process group.
        let mut cmd = command(&shell, &script, &home);
        cmd.env("MY_TOOL_DOWNLOAD_URL", &slow)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while work_dirs().is_empty() {
            assert!(
                Instant::now() < deadline,
                "[{}] no work dir appeared",
                shell.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let killed = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", child.id())])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                panic!("[{}] the installer did not stop after SIGTERM", shell.name);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(130), "[{}] {status}", shell.name);
        assert_eq!(
            work_dirs(),
            Vec::<String>::new(),
            "[{}] work dir left",
            shell.name
        );
        assert_eq!(run_binary(&home.bin().join("my-tool")), "my-tool 0.3.0");
    }
}

#[test]
fn failed_update_keeps_the_old_version() {
    let release = Release::new();
    let good = release.script(&release.context(), "good.sh");
    let mut ctx = release.context();
    ctx.artifacts[0].checksum = Some("cd".repeat(32));
    let bad = release.script(&ctx, "bad.sh");
    for shell in shells() {
        let home = Home::new();
        assert_ok(&shell, &run(&shell, &good, &home, &[], &[]));
        let out = run(&shell, &bad, &home, &[], &[]);
        assert_failed(&shell, &out, "checksum");
        assert_eq!(run_binary(&home.bin().join("my-tool")), "my-tool 0.3.0");
        let entries = std::fs::read_dir(home.bin()).unwrap().count();
        assert_eq!(entries, 2, "[{}] staging directory left behind", shell.name);
    }
}

#[test]
fn http_404_installs_nothing() {
    let (release, script) = Release::with_script();
    let missing = release.route("ok/missing-dir");
    for shell in shells() {
        let out = install_fails(
            &shell,
            &script,
            &[("MY_TOOL_DOWNLOAD_URL", &missing)],
            "could not download",
        );
        assert!(stderr(&out).contains(&format!("{missing}/my-tool-{GNU}.tar.xz")));
    }
}

#[test]
fn dropped_connection_installs_nothing() {
    let (release, script) = Release::with_script();
    let dropping = release.route("drop");
    for shell in shells() {
        install_fails(
            &shell,
            &script,
            &[("INSTALLER_DOWNLOAD_URL", &dropping)],
            &format!("could not download {dropping}/"),
        );
    }
}

#[test]
fn app_specific_download_url_wins() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.download_url = release.route("ok/not-here");
    let script = release.script(&ctx, "installer.sh");
    let bad = release.route("ok/also-not-here");
    let shell = &shells()[0];
    let (_home, out) = install(
        shell,
        &script,
        &[
            ("MY_TOOL_DOWNLOAD_URL", &release.url()),
            ("INSTALLER_DOWNLOAD_URL", &bad),
        ],
    );
    assert_ok(shell, &out);
    let (_home, out) = install(
        shell,
        &script,
        &[("INSTALLER_DOWNLOAD_URL", &release.url())],
    );
    assert_ok(shell, &out);
}

#[test]
fn unmanaged_install_has_no_receipt_or_path_edits() {
    let (_release, script) = Release::with_script();
    for shell in shells() {
        let home = Home::new();
        let dir = home.join("ci tools/bin");
        let out = run(
            &shell,
            &script,
            &home,
            &[
                ("MY_TOOL_UNMANAGED_INSTALL", dir.to_str().unwrap()),
                ("GITHUB_PATH", "/dev/null"),
            ],
            &[],
        );
        assert_ok(&shell, &out);
        assert_eq!(run_binary(&dir.join("my-tool")), "my-tool 0.3.0");
        assert!(!home.receipt_path().exists());
        assert!(!home.join(".config").exists());
        assert!(!home.join(".profile").exists());
        assert!(!home.join(".zshrc").exists());
        assert!(!home.bin().exists());
    }
}

/// `sh -c '. ~/.profile; command -v my-tool'`: where the env script the
/// installer wrote finds the binary.
fn found_on_profile_path(home: &Home) -> String {
    let mut sh = Command::new("sh");
    sh.args(["-c", ". \"$HOME/.profile\"; command -v my-tool"])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", BASE_PATH);
    let found = run_bounded(sh);
    String::from_utf8_lossy(&found.stdout).trim().to_string()
}

/// A flat `install-path` (not the Cargo home): the install-dir variable is
/// where the binaries go, and what the receipt records.
#[test]
fn install_dir_env_var_is_a_managed_flat_install() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.install_paths = vec![InstallPathSpec::HomeSubdir {
        subdir: ".my-tool/bin".to_string(),
    }];
    let script = release.script(&ctx, "installer.sh");
    for shell in shells() {
        let home = Home::new();
        let dir = home.join("opt/my tool's \"dir\"");
        // The generic variable cargo-dist's updaters also set, and the
        // app's own, which wins over it.
        let decoy = home.join("decoy");
        for env in [
            vec![("CARGO_DIST_FORCE_INSTALL_DIR", dir.to_str().unwrap())],
            vec![
                ("CARGO_DIST_FORCE_INSTALL_DIR", decoy.to_str().unwrap()),
                ("MY_TOOL_INSTALL_DIR", dir.to_str().unwrap()),
            ],
        ] {
            let out = run(&shell, &script, &home, &env, &[]);
            assert_ok(&shell, &out);
            assert_eq!(run_binary(&dir.join("my-tool")), "my-tool 0.3.0");
            assert!(!dir.join("bin").exists(), "[{}]", shell.name);
            assert!(!decoy.exists(), "[{}]", shell.name);
            let r = receipt(&home);
            assert_eq!(
                r["install_prefix"],
                dir.to_str().unwrap(),
                "[{}]",
                shell.name
            );
            assert_eq!(r["install_layout"], "flat", "[{}]", shell.name);
            assert_eq!(count_lines(&home.join(".profile"), &home.source_line()), 1);
            // The env script puts exactly that directory on PATH.
            assert_eq!(
                found_on_profile_path(&home),
                dir.join("my-tool").to_str().unwrap(),
                "[{}]",
                shell.name
            );
        }
    }
}

/// The Cargo home layout, as cargo-dist's installers have it: binaries in
/// `bin/` below the directory the receipt records, whether the directory
/// came from CARGO_HOME or from the install-dir variable (which is how an
/// updater reinstalls from a receipt, cargo-dist's or ours).
#[test]
fn cargo_home_layout_installs_into_bin_and_records_the_home() {
    let (release, script) = Release::with_script();
    let mut flat = release.context();
    flat.install_paths = vec![InstallPathSpec::HomeSubdir {
        subdir: ".my-tool/bin".to_string(),
    }];
    let flat_script = release.script(&flat, "flat-installer.sh");
    for shell in shells() {
        // A fresh home for each case: zsh reads the last case's ~/.zshenv.
        for case in 0..6 {
            let home = Home::new();
            let cargo_home = home.join("cargo home");
            let ch = cargo_home.to_str().unwrap();
            let with_slash = format!("{ch}/");
            let custom = home.join("custom");
            let dot_cargo = home.join(".cargo");
            let (script, env, prefix): (&Path, Vec<(&str, &str)>, &Path) = match case {
                // (a) The default: CARGO_HOME.
                0 => (&script, vec![("CARGO_HOME", ch)], &cargo_home),
                // (b) An update from a receipt recording the Cargo home.
                1 => (
                    &script,
                    vec![("CARGO_HOME", ch), ("MY_TOOL_INSTALL_DIR", &with_slash)],
                    &cargo_home,
                ),
                2 => (
                    &script,
                    vec![("CARGO_DIST_FORCE_INSTALL_DIR", ch)],
                    &cargo_home,
                ),
                // Any forced directory, for a CARGO_HOME install-path.
                3 => (
                    &script,
                    vec![("MY_TOOL_INSTALL_DIR", custom.to_str().unwrap())],
                    &custom,
                ),
                // A flat install-path still takes the Cargo home as one:
                // ~/.cargo when CARGO_HOME is unset.
                5 => (
                    &flat_script,
                    vec![("MY_TOOL_INSTALL_DIR", dot_cargo.to_str().unwrap())],
                    &dot_cargo,
                ),
                _ => (
                    &flat_script,
                    vec![("CARGO_HOME", ch), ("MY_TOOL_INSTALL_DIR", ch)],
                    &cargo_home,
                ),
            };
            let out = run(&shell, script, &home, &env, &[]);
            assert_ok(&shell, &out);
            let bin = prefix.join("bin/my-tool");
            let what = format!("[{}] {env:?}", shell.name);
            assert_eq!(run_binary(&bin), "my-tool 0.3.0", "{what}");
            assert!(!prefix.join("my-tool").exists(), "{what}");
            let r = receipt(&home);
            assert_eq!(r["install_prefix"], prefix.to_str().unwrap(), "{what}");
            assert_eq!(r["install_layout"], "cargo-home", "{what}");
            assert_eq!(
                found_on_profile_path(&home),
                bin.to_str().unwrap(),
                "{what}"
            );
        }
    }
}

#[test]
fn no_modify_path_by_flag_or_env_var() {
    let (_release, script) = Release::with_script();
    for shell in shells() {
        for (env, args) in [
            (vec![("MY_TOOL_NO_MODIFY_PATH", "1")], vec![]),
            (vec![], vec!["--no-modify-path"]),
        ] {
            let home = Home::new();
            let out = run(&shell, &script, &home, &env, &args);
            assert_ok(&shell, &out);
            assert_eq!(run_binary(&home.bin().join("my-tool")), "my-tool 0.3.0");
            assert_eq!(receipt(&home)["modify_path"], false);
            for rc in [
                ".profile",
                ".zshrc",
                ".zshenv",
                ".bashrc",
                ".config/my-tool/env",
            ] {
                assert!(!home.join(rc).exists(), "[{}] {rc} written", shell.name);
            }
        }
    }
}

#[test]
fn already_on_path_changes_no_profiles() {
    let (_release, script) = Release::with_script();
    for shell in shells() {
        let home = Home::new();
        let path = format!("{BASE_PATH}:{}", home.bin().display());
        let out = run(&shell, &script, &home, &[("PATH", &path)], &[]);
        assert_ok(&shell, &out);
        assert!(stderr(&out).contains("already on PATH"), "{}", stderr(&out));
        assert!(!home.join(".profile").exists());
        assert_eq!(receipt(&home)["modify_path"], true);
    }
}

#[test]
fn install_paths_fall_through_in_order() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.install_paths = vec![
        InstallPathSpec::EnvSubdir {
            var: "MY_TOOL_HOME".to_string(),
            subdir: "bin".to_string(),
        },
        InstallPathSpec::HomeSubdir {
            subdir: ".my-tool/bin".to_string(),
        },
    ];
    let script = release.script(&ctx, "installer.sh");
    for shell in shells() {
        // MY_TOOL_HOME unset (and empty): ~/.my-tool/bin.
        for env in [vec![], vec![("MY_TOOL_HOME", "")]] {
            let home = Home::new();
            let out = run(&shell, &script, &home, &env, &["-v"]);
            assert_ok(&shell, &out);
            assert!(stderr(&out).contains("skipping $MY_TOOL_HOME/bin"));
            let bin = home.join(".my-tool/bin/my-tool");
            assert_eq!(run_binary(&bin), "my-tool 0.3.0", "[{}]", shell.name);
        }
        // Set: $MY_TOOL_HOME/bin.
        let home = Home::new();
        let var = home.join("tool home");
        let out = run(
            &shell,
            &script,
            &home,
            &[("MY_TOOL_HOME", var.to_str().unwrap())],
            &[],
        );
        assert_ok(&shell, &out);
        assert_eq!(run_binary(&var.join("bin/my-tool")), "my-tool 0.3.0");
        assert!(!home.join(".my-tool").exists());
    }
}

#[test]
fn cargo_home_is_used_when_set() {
    let (_release, script) = Release::with_script();
    let shell = &shells()[0];
    let home = Home::new();
    let cargo_home = home.join("cargo home");
    let out = run(
        shell,
        &script,
        &home,
        &[("CARGO_HOME", cargo_home.to_str().unwrap())],
        &[],
    );
    assert_ok(shell, &out);
    assert_eq!(run_binary(&cargo_home.join("bin/my-tool")), "my-tool 0.3.0");
}

#[test]
fn github_path_gets_the_install_dir() {
    let (_release, script) = Release::with_script();
    for shell in shells() {
        let home = Home::new();
        let github_path = home.join("github_path");
        std::fs::write(&github_path, "/already/there\n").unwrap();
        let out = run(
            &shell,
            &script,
            &home,
            &[("GITHUB_PATH", github_path.to_str().unwrap())],
            &[],
        );
        assert_ok(&shell, &out);
        assert_eq!(
            std::fs::read_to_string(&github_path).unwrap(),
            format!("/already/there\n{}\n", home.bin().display())
        );
    }
}

#[test]
fn old_glibc_falls_back_to_musl() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.artifacts[0].glibc_floor = Some("9.99".to_string());
    let script = release.script(&ctx, "installer.sh");
    for shell in shells() {
        let (home, out) = install(&shell, &script, &[("MY_TOOL_PRINT_VERBOSE", "1")]);
        assert_ok(&shell, &out);
        let err = stderr(&out);
        assert!(err.contains("needs glibc 9.99"), "[{}] {err}", shell.name);
        assert!(
            err.contains(&format!("selected {MUSL}")),
            "[{}] {err}",
            shell.name
        );
        assert_eq!(
            run_binary(&home.bin().join("my-tool")),
            "my-tool 0.3.0 (musl)"
        );
    }

    // Without a musl build, an old glibc is an error naming the floor.
    ctx.artifacts.remove(1);
    let script = release.script(&ctx, "no-musl.sh");
    let shell = &shells()[0];
    install_fails(shell, &script, &[], "needs glibc 9.99");
}

#[test]
fn no_build_for_this_platform() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.artifacts.retain(|a| a.target == DARWIN);
    let script = release.script(&ctx, "installer.sh");
    for shell in shells() {
        let out = install_fails(
            &shell,
            &script,
            &[],
            "no build of my-tool 0.3.0 for this platform",
        );
        assert!(stderr(&out).contains(DARWIN));
    }
}

#[test]
fn flags_help_quiet_and_verbose() {
    let (_release, script) = Release::with_script();
    for shell in shells() {
        let home = Home::new();
        let out = run(&shell, &script, &home, &[], &["--bogus"]);
        assert_eq!(out.status.code(), Some(2), "[{}]", shell.name);
        assert!(stderr(&out).contains("unknown option: --bogus"));
        assert_nothing_installed(&shell, &home);

        let out = run(&shell, &script, &home, &[], &["--help"]);
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("--no-modify-path") && help.contains("MY_TOOL_INSTALL_DIR"));
        // The CARGO_HOME install-path: a forced directory is a Cargo home.
        assert!(
            help.contains("Install into DIR/bin, as into a Cargo home (the receipt records DIR)"),
            "{help}"
        );
        assert!(help.contains("CARGO_DIST_FORCE_INSTALL_DIR=DIR"), "{help}");

        let out = run(&shell, &script, &home, &[], &["-q", "-y"]);
        assert_ok(&shell, &out);
        assert_eq!(stderr(&out), "", "[{}] -q prints nothing", shell.name);

        let (_home, out) = install(&shell, &script, &[("MY_TOOL_PRINT_QUIET", "1")]);
        assert_ok(&shell, &out);
        assert_eq!(stderr(&out), "", "[{}] quiet env var", shell.name);

        let home = Home::new();
        let out = run(&shell, &script, &home, &[], &["--verbose"]);
        assert_ok(&shell, &out);
        let err = stderr(&out);
        assert!(
            err.contains("sha256 checksum verified"),
            "[{}] {err}",
            shell.name
        );
        assert!(
            err.contains("platform: x86_64 linux (glibc "),
            "[{}] {err}",
            shell.name
        );
    }
}

#[test]
fn success_message_and_missing_checksum() {
    let release = Release::new();
    let mut ctx = release.context();
    ctx.success_msg = Some("my-tool is ready; try `my-tool --help`".to_string());
    for a in &mut ctx.artifacts {
        a.checksum = None;
    }
    let script = release.script(&ctx, "installer.sh");
    let shell = &shells()[0];
    let home = Home::new();
    let out = run(shell, &script, &home, &[], &["-v"]);
    assert_ok(shell, &out);
    let err = stderr(&out);
    assert!(
        err.contains("my-tool is ready; try `my-tool --help`"),
        "{err}"
    );
    assert!(!err.contains("everything's installed"), "{err}");
    assert!(err.contains("no checksum was published"), "{err}");
}

#[test]
fn wget_when_there_is_no_curl() {
    let (release, script) = Release::with_script();
    let tools = TempDir::new().unwrap();
    require_tools!("wget");
    {
        let no_curl = path_without(tools.path(), &["curl"]);
        for shell in shells() {
            let (home, out) = install(&shell, &script, &[("PATH", no_curl.to_str().unwrap())]);
            assert_ok(&shell, &out);
            assert_eq!(run_binary(&home.bin().join("my-tool")), "my-tool 0.3.0");
            // Failures are caught too.
            let missing = release.route("ok/missing");
            let env = [
                ("PATH", no_curl.to_str().unwrap()),
                ("MY_TOOL_DOWNLOAD_URL", &missing),
            ];
            install_fails(&shell, &script, &env, "could not download");
        }
    }
    let neither = path_without(tools.path(), &["curl", "wget"]);
    let shell = &shells()[0];
    install_fails(
        shell,
        &script,
        &[("PATH", neither.to_str().unwrap())],
        "neither curl nor wget is installed",
    );
}

#[test]
fn no_checksum_tool_warns_loudly_and_goes_on() {
    let (_release, script) = Release::with_script();
    let tools = TempDir::new().unwrap();
    let farm = path_without(tools.path(), &["sha256sum", "shasum", "openssl"]);
    for shell in shells() {
        for args in [&[][..], &["-q"][..]] {
            let home = Home::new();
            let out = run(
                &shell,
                &script,
                &home,
                &[("PATH", farm.to_str().unwrap())],
                args,
            );
            assert_ok(&shell, &out);
            let err = stderr(&out);
            assert!(
                err.contains("was NOT verified"),
                "[{}] {args:?} {err}",
                shell.name
            );
            assert_eq!(run_binary(&home.bin().join("my-tool")), "my-tool 0.3.0");
        }
    }
}

#[test]
fn openssl_that_cannot_hash_falls_back_to_sha256sum() {
    let (release, script) = Release::with_script();
    let tools = TempDir::new().unwrap();
    let farm = path_without(tools.path(), &["openssl"]);
    let fake = farm.join("openssl");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'dgst: unknown option -r' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    for shell in shells() {
        let home = Home::new();
        let out = run(
            &shell,
            &script,
            &home,
            &[("PATH", farm.to_str().unwrap())],
            &["-v"],
        );
        assert_ok(&shell, &out);
        let err = stderr(&out);
        assert!(
            err.contains("openssl-sha256 gave no checksum; using sha256sum")
                && err.contains("sha256 checksum verified (sha256sum)"),
            "[{}] {err}",
            shell.name
        );
    }
    // And a mismatch is still caught on that path.
    let mut ctx = release.context();
    ctx.artifacts[0].checksum = Some("ef".repeat(32));
    let bad = release.script(&ctx, "bad.sh");
    let shell = &shells()[0];
    install_fails(
        shell,
        &bad,
        &[("PATH", farm.to_str().unwrap())],
        "checksum mismatch",
    );
}

/// Renders an installer for `benches/installer.sh`: reads the archive's
/// name, sha256 and base URL from `CONSIGN_BENCH_*` and writes the script to
/// `CONSIGN_BENCH_OUT`.
#[test]
#[ignore = "run by benches/installer.sh"]
fn render_for_benchmark() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let ctx = InstallerContext {
        app_name: "bench-tool".to_string(),
        app_version: "1.0.0".to_string(),
        download_url: var("CONSIGN_BENCH_URL"),
        artifacts: vec![InstallerArtifact {
            archive: var("CONSIGN_BENCH_ARCHIVE"),
            prefix: Some(var("CONSIGN_BENCH_PREFIX")),
            checksum: Some(var("CONSIGN_BENCH_SHA256")),
            binaries: vec!["bench-tool".to_string()],
            ..artifact(GNU, "gnu", Some("2.17"), "")
        }],
        env: consign::plan::env_vars("bench-tool"),
        aliases: BTreeMap::new(),
        source: ReceiptSource {
            release_type: "simple".to_string(),
            owner: None,
            name: None,
        },
        ..installer::context("", "", Vec::new())
    };
    std::fs::write(var("CONSIGN_BENCH_OUT"), render(&ctx).unwrap()).unwrap();
}
