//! The npm package, installed for real: a fake release (shell scripts posing
//! as binaries) served by a loopback HTTP server, the package rendered by
//! `consign::installer::npm`, and the real `npm` installing it globally, into
//! a project, with `npm exec` and with `--ignore-scripts`. Failure cases run
//! the package's `install.js` with `node` directly, which is what npm's
//! postinstall does, only faster.
//!
//! npm is kept off the network: every npm command gets a clean environment
//! whose registry is `http://127.0.0.1:1` (refused at once, no retries), so
//! an attempt to reach a registry fails fast instead of hanging, and the
//! successful installs show that none was needed.
//!
//! The fake release is for x86_64 glibc Linux, so the tests run on such
//! hosts only; without `node` and `npm` they fail (see `common::tools`).
#![cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::http::{Reply, Server};
use common::installer::{self, linux_artifact as artifact};
use common::tools::{self, require_tools};
use consign::installer::npm::{render_package, validate_package_name, NpmContext};
use consign::installer::InstallerArtifact;
use sha2::Digest;
use tempfile::TempDir;

const GNU: &str = "x86_64-unknown-linux-gnu";
const MUSL: &str = "x86_64-unknown-linux-musl";
const DARWIN: &str = "aarch64-apple-darwin";
const WINDOWS: &str = "x86_64-pc-windows-msvc";
/// A base URL nothing listens on: downloads from it fail at once.
const DEAD_URL: &str = "http://127.0.0.1:1/dead";
const MTIME: u64 = 1_700_000_000;

// ---------------------------------------------------------------- fixture

/// A fake release in a temp dir: archives in `www/` served over loopback
/// HTTP, plus room for homes, caches, prefixes and projects.
struct Release {
    dir: TempDir,
    server: Server,
}

impl Release {
    fn new() -> Release {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir(dir.path().join("www")).unwrap();
        let server = release_server(dir.path().join("www"));
        let release = Release { dir, server };
        release.archive(GNU, "tar.xz", "my-tool 0.3.0");
        release.archive(MUSL, "tar.xz", "my-tool 0.3.0 (musl)");
        release
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `http://127.0.0.1:PORT/{route}`.
    fn url(&self, route: &str) -> String {
        format!("http://{}/{route}", self.server.addr)
    }

    /// Packs a `my-tool` script that prints `says` into
    /// `www/my-tool-{target}.{format}` (under `my-tool-{target}/`) with the
    /// system tools; returns the archive's bytes.
    fn archive(&self, target: &str, format: &str, says: &str) -> Vec<u8> {
        let stage = self.path(&format!("stage-{target}-{format}"));
        let top = format!("my-tool-{target}");
        std::fs::create_dir_all(stage.join(&top)).unwrap();
        let bin = stage.join(&top).join("my-tool");
        std::fs::write(&bin, fake_binary(says)).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(stage.join(&top).join("README.md"), "my-tool\n").unwrap();
        let out = self.path(&format!("www/my-tool-{target}.{format}"));
        let mut cmd = match format {
            "tar.xz" => tar_command("-cJf"),
            "tar.gz" => tar_command("-czf"),
            "tar.zst" => tar_command("--zstd -cf"),
            "zip" => {
                let mut c = Command::new("zip");
                c.arg("-qr");
                c
            }
            other => panic!("unknown format {other}"),
        };
        let status = cmd
            .arg(&out)
            .arg(&top)
            .current_dir(&stage)
            .status()
            .expect("running tar/zip");
        assert!(status.success(), "packing {}", out.display());
        std::fs::read(out).unwrap()
    }

    /// The release as an npm context: x86_64 glibc and musl Linux builds and
    /// a macOS one, downloading from `download_url`, `mt` an alias of
    /// `my-tool`.
    fn context(&self, download_url: &str) -> NpmContext {
        let gnu = std::fs::read(self.path(&format!("www/my-tool-{GNU}.tar.xz"))).unwrap();
        let musl = std::fs::read(self.path(&format!("www/my-tool-{MUSL}.tar.xz"))).unwrap();
        NpmContext {
            base: installer::context(
                "0.3.0",
                download_url,
                vec![
                    artifact(GNU, "gnu", Some("2.17"), &sha256(&gnu)),
                    artifact(MUSL, "musl", None, &sha256(&musl)),
                    installer::artifact(DARWIN, "macos", "aarch64", "none", &"0".repeat(64)),
                ],
            ),
            package_name: "my-tool".to_string(),
            description: Some("A tool for tests".to_string()),
            license: Some("MIT".to_string()),
            repository: Some("https://github.com/o/r".to_string()),
            homepage: None,
            keywords: vec!["test".to_string()],
        }
    }

    /// Renders `ctx` into `{name}` (a `.tar.gz`) and returns its path.
    fn package(&self, ctx: &NpmContext, name: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, render_package(ctx, MTIME).unwrap()).unwrap();
        path
    }

    /// Unpacks the rendered package of `ctx` into a fresh directory and
    /// returns its `package/` directory, to run `install.js` directly.
    fn unpacked(&self, ctx: &NpmContext, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = render_package(ctx, MTIME).unwrap();
        tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()))
            .unpack(&dir)
            .unwrap();
        dir.join("package")
    }

    /// A fresh, empty directory.
    fn dir(&self, rel: &str) -> PathBuf {
        let dir = self.path(rel);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

fn tar_command(flags: &str) -> Command {
    let mut c = Command::new("tar");
    c.args(flags.split(' '));
    c
}

/// A shell script standing in for a binary: prints `says`, its own name and
/// its arguments; `--exit N`, `--signal SIG` and `--stdin` test the launcher.
fn fake_binary(says: &str) -> String {
    format!(
        r#"#!/bin/sh
case "$1" in
    --exit) exit "$2" ;;
    --signal) kill -"$2" $$; sleep 5; exit 99 ;;
    --stdin) cat; exit 0 ;;
esac
echo '{says}'
echo "argv0: ${{0##*/}}"
for arg in "$@"; do echo "arg: $arg"; done
"#
    )
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

// ---------------------------------------------------------------- server

/// The release server (on the tests' one loopback server, `common::http`):
///
/// - `/ok/NAME`: the file `www/NAME` (200), else 404;
/// - `/redirect/NAME`: 302 to `/ok/NAME` (a relative Location);
/// - `/redirect-abs/NAME`: 301 to the absolute URL of `/redirect/NAME`;
/// - `/flaky/NAME`: the first request for NAME is cut off halfway through
///   the body, later ones are served like `/ok/`;
/// - `GET http://HOST/ROUTE/NAME` (a proxy request): as `/ROUTE/NAME`.
///
/// `server.requests()` has every request line.
fn release_server(root: PathBuf) -> Server {
    let flaky_seen = Mutex::new(Vec::<String>::new());
    Server::start(move |req| {
        let (route, name, file) = req.route_file(&root);
        match (req.method.as_str(), route, file) {
            ("GET", "redirect", Some(_)) => {
                Reply::new(302, "").header("Location", &format!("/ok/{name}"))
            }
            ("GET", "redirect-abs", Some(_)) => Reply::new(301, "").header(
                "Location",
                &format!("http://{}/redirect/{name}", req.server),
            ),
            ("GET", "flaky", Some(file))
                if !flaky_seen.lock().unwrap().contains(&name.to_string()) =>
            {
                flaky_seen.lock().unwrap().push(name.to_string());
                let body = std::fs::read(file).unwrap();
                let half = body.len() / 2;
                Reply::new(200, body).cut(half)
            }
            ("GET", "ok" | "flaky", Some(file)) => Reply::new(200, std::fs::read(file).unwrap())
                .header("Content-Type", "application/octet-stream"),
            _ => Reply::new(404, "not found\n"),
        }
    })
}

// ---------------------------------------------------------------- running

/// Runs `cmd` with its output captured; killed (and the test failed) after
/// two minutes.
fn run_bounded(cmd: Command) -> Output {
    common::output_within(cmd, Duration::from_secs(120))
}

/// A command with a clean environment: PATH (for node), a throwaway HOME,
/// npm isolated from any user or global config, the cache in the release
/// dir, no audit/fund/update checks, and a registry that refuses at once.
fn clean(release: &Release, program: &str, cwd: &Path, env: &[(&str, &str)]) -> Command {
    let home = release.dir("home");
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("TMPDIR", release.dir("tmp"))
        .env("npm_config_userconfig", home.join(".npmrc"))
        .env("npm_config_globalconfig", home.join("global-npmrc"))
        .env("npm_config_cache", release.path("cache"))
        .env("npm_config_registry", "http://127.0.0.1:1/")
        .env("npm_config_fetch_retries", "0")
        .env("npm_config_offline", "false")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_loglevel", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn npm(release: &Release, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = clean(release, "npm", cwd, env);
    cmd.args(args);
    run_bounded(cmd)
}

/// `npm install -g TARBALL` into the prefix `global`; returns the prefix too.
fn install_global(release: &Release, tarball: &Path, env: &[(&str, &str)]) -> (PathBuf, Output) {
    let prefix = release.dir("global");
    let args = [
        "install",
        "-g",
        tarball.to_str().unwrap(),
        "--prefix",
        prefix.to_str().unwrap(),
    ];
    let out = npm(release, &release.path(""), &args, env);
    (prefix, out)
}

/// Runs an installed command (a launcher) with `args`.
fn run(release: &Release, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = clean(release, program.to_str().unwrap(), &release.path(""), env);
    cmd.args(args);
    run_bounded(cmd)
}

/// Runs the package's `install.js` with node, as npm's postinstall does.
fn install_js(release: &Release, package: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = clean(release, "node", package, env);
    cmd.arg("install.js");
    run_bounded(cmd)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        text(out)
    );
}

#[track_caller]
fn assert_fails_with(what: &str, out: &Output, needles: &[&str]) {
    assert!(
        !out.status.success(),
        "{what} should have failed:\n{}",
        text(out)
    );
    let all = text(out);
    for needle in needles {
        assert!(
            all.contains(needle),
            "{what}: expected {needle:?} in:\n{all}"
        );
    }
}

/// Asserts the command prints the version line, then its name and args.
#[track_caller]
fn assert_runs(release: &Release, program: &Path, argv0: &str, env: &[(&str, &str)]) {
    let out = run(release, program, &["--version"], env);
    assert_ok(&program.display().to_string(), &out);
    assert_eq!(
        stdout(&out),
        format!("my-tool 0.3.0\nargv0: {argv0}\narg: --version\n"),
        "{}",
        text(&out)
    );
}

/// No staging directories or old copies left in the package directory.
#[track_caller]
fn assert_no_leftovers(package: &Path) {
    let left: Vec<String> = std::fs::read_dir(package)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".bin-dist") || n.starts_with("bin-dist.old"))
        .collect();
    assert!(left.is_empty(), "left in {}: {left:?}", package.display());
}

/// npm's debug logs (which record every level) show no registry request:
/// everything came from the tarball.
#[track_caller]
fn assert_no_registry_fetch(release: &Release) {
    let logs = release.path("cache/_logs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&logs).unwrap() {
        let log = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        seen += 1;
        for line in log.lines() {
            assert!(
                !line.contains("http fetch") && !line.contains("127.0.0.1:1/"),
                "npm reached for the network: {line}"
            );
        }
    }
    assert!(seen > 0, "no npm logs in {}", logs.display());
}

// ---------------------------------------------------------------- tests

#[test]
fn global_install_runs_every_command() {
    require_tools!("node", "npm");
    let release = Release::new();
    // The baked URL is dead: the download must come from $MY_TOOL_DOWNLOAD_URL,
    // through two redirects.
    let tarball = release.package(&release.context(DEAD_URL), "my-tool-npm-package.tar.gz");
    let (prefix, out) = install_global(
        &release,
        &tarball,
        &[("MY_TOOL_DOWNLOAD_URL", &release.url("redirect-abs"))],
    );
    assert_ok("npm install -g", &out);

    let archive = format!("my-tool-{GNU}.tar.xz");
    assert_eq!(
        release.server.requests(),
        [
            format!("GET /redirect-abs/{archive} HTTP/1.1"),
            format!("GET /redirect/{archive} HTTP/1.1"),
            format!("GET /ok/{archive} HTTP/1.1"),
        ]
    );

    let package = prefix.join("lib/node_modules/my-tool");
    let bin_dist = package.join("bin-dist");
    assert!(bin_dist.join("my-tool").is_file());
    let mode = std::fs::metadata(bin_dist.join("my-tool"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "{mode:o}");
    assert_eq!(
        std::fs::read_link(bin_dist.join("mt")).unwrap(),
        Path::new("my-tool")
    );
    assert_no_leftovers(&package);

    let bin = prefix.join("bin");
    assert_runs(&release, &bin.join("my-tool"), "my-tool", &[]);
    // The alias runs the same binary under its own name.
    assert_runs(&release, &bin.join("mt"), "mt", &[]);

    // Arguments arrive as they were given.
    let out = run(
        &release,
        &bin.join("my-tool"),
        &["a b", "", "'q\"", "--flag=$HOME"],
        &[],
    );
    assert_ok("my-tool with args", &out);
    assert_eq!(
        stdout(&out),
        "my-tool 0.3.0\nargv0: my-tool\narg: a b\narg: \narg: 'q\"\narg: --flag=$HOME\n"
    );

    // Exit status and signals come through.
    let out = run(&release, &bin.join("my-tool"), &["--exit", "7"], &[]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let out = run(&release, &bin.join("my-tool"), &["--signal", "TERM"], &[]);
    assert_eq!(
        out.status.signal(),
        Some(15),
        "{}: {}",
        out.status,
        text(&out)
    );
    let out = run(&release, &bin.join("mt"), &["--signal", "INT"], &[]);
    assert_eq!(
        out.status.signal(),
        Some(2),
        "{}: {}",
        out.status,
        text(&out)
    );

    // stdin is the caller's.
    let mut cmd = clean(
        &release,
        bin.join("my-tool").to_str().unwrap(),
        &release.path(""),
        &[],
    );
    cmd.arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"piped in\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "piped in\n");

    // Running never downloads again.
    assert_eq!(release.server.requests().len(), 3);
    assert_no_registry_fetch(&release);
}

#[test]
fn project_install_with_the_baked_url_then_npx() {
    require_tools!("node", "npm");
    let release = Release::new();
    let tarball = release.package(&release.context(&release.url("ok")), "pkg.tar.gz");
    let project = release.dir("project");
    std::fs::write(
        project.join("package.json"),
        r#"{ "name": "project", "version": "1.0.0", "private": true }"#,
    )
    .unwrap();
    let out = npm(
        &release,
        &project,
        &["install", tarball.to_str().unwrap()],
        &[],
    );
    assert_ok("npm install", &out);
    assert_eq!(
        release.server.requests(),
        [format!("GET /ok/my-tool-{GNU}.tar.xz HTTP/1.1")]
    );
    // The lockfile has the package and nothing else: no dependencies.
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join("package-lock.json")).unwrap())
            .unwrap();
    let packages: Vec<&String> = lock["packages"].as_object().unwrap().keys().collect();
    assert_eq!(packages, ["", "node_modules/my-tool"]);
    assert_eq!(
        lock["packages"]["node_modules/my-tool"]["bin"],
        serde_json::json!({"mt": "run-mt.js", "my-tool": "run-my-tool.js"})
    );

    for (command, argv0) in [("my-tool", "my-tool"), ("mt", "mt")] {
        let mut cmd = clean(&release, "npx", &project, &[("npm_config_offline", "true")]);
        cmd.args([command, "--version"]);
        let out = run_bounded(cmd);
        assert_ok(&format!("npx {command}"), &out);
        assert_eq!(
            stdout(&out),
            format!("my-tool 0.3.0\nargv0: {argv0}\narg: --version\n")
        );
    }
    assert_runs(
        &release,
        &project.join("node_modules/.bin/my-tool"),
        "my-tool",
        &[],
    );
    assert_eq!(release.server.requests().len(), 1);
    assert_no_registry_fetch(&release);
}

#[test]
fn npm_exec_installs_the_tarball_and_runs_it() {
    require_tools!("node", "npm");
    let release = Release::new();
    let tarball = release.package(&release.context(DEAD_URL), "pkg.tar.gz");
    let cwd = release.dir("elsewhere");
    let package = format!("--package={}", tarball.display());
    let out = npm(
        &release,
        &cwd,
        &["exec", "--yes", &package, "--", "my-tool", "--version"],
        &[("INSTALLER_DOWNLOAD_URL", &release.url("ok"))],
    );
    assert_ok("npm exec", &out);
    assert_eq!(
        stdout(&out),
        "my-tool 0.3.0\nargv0: my-tool\narg: --version\n"
    );
    assert_no_registry_fetch(&release);
}

#[test]
fn ignore_scripts_installs_on_first_run() {
    require_tools!("node", "npm");
    let release = Release::new();
    let tarball = release.package(&release.context(DEAD_URL), "pkg.tar.gz");
    let project = release.dir("project");
    std::fs::write(
        project.join("package.json"),
        r#"{ "name": "p", "version": "1.0.0" }"#,
    )
    .unwrap();
    let out = npm(
        &release,
        &project,
        &["install", "--ignore-scripts", tarball.to_str().unwrap()],
        &[],
    );
    assert_ok("npm install --ignore-scripts", &out);
    let package = project.join("node_modules/my-tool");
    assert!(!package.join("bin-dist").exists());
    assert!(release.server.requests().is_empty());

    // The first run installs, then runs.
    let launcher = project.join("node_modules/.bin/mt");
    let out = run(
        &release,
        &launcher,
        &["--version"],
        &[("MY_TOOL_DOWNLOAD_URL", &release.url("ok"))],
    );
    assert_ok("first run", &out);
    assert_eq!(stdout(&out), "my-tool 0.3.0\nargv0: mt\narg: --version\n");
    assert!(text(&out).contains("installing them now"), "{}", text(&out));
    assert!(package.join("bin-dist/my-tool").is_file());
    assert_no_leftovers(&package);

    // Later runs need no download (the baked URL is dead anyway).
    assert_runs(
        &release,
        &project.join("node_modules/.bin/my-tool"),
        "my-tool",
        &[],
    );
    assert_eq!(release.server.requests().len(), 1);

    // A failed first-run install says why and exits 1.
    std::fs::remove_dir_all(package.join("bin-dist")).unwrap();
    let out = run(
        &release,
        &launcher,
        &["--version"],
        &[("MY_TOOL_DOWNLOAD_URL", &release.url("nothing-here"))],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_fails_with("failed first run", &out, &["HTTP 404"]);
    assert!(stdout(&out).is_empty());
    assert_no_registry_fetch(&release);
}

#[test]
fn checksum_mismatch_fails_the_npm_install() {
    require_tools!("node", "npm");
    let release = Release::new();
    let mut ctx = release.context(&release.url("ok"));
    let wrong = "ab".repeat(32);
    ctx.base.artifacts[0].checksum = Some(wrong.clone());
    let tarball = release.package(&ctx, "pkg.tar.gz");
    let (prefix, out) = install_global(&release, &tarball, &[]);
    let actual =
        sha256(&std::fs::read(release.path(&format!("www/my-tool-{GNU}.tar.xz"))).unwrap());
    assert_fails_with(
        "npm install -g with a wrong checksum",
        &out,
        &[
            "checksum mismatch",
            &format!("expected sha256: {wrong}"),
            &format!("got      sha256: {actual}"),
            "nothing was installed",
        ],
    );
    let package = prefix.join("lib/node_modules/my-tool");
    assert!(!package.join("bin-dist").exists());
    if package.exists() {
        assert_no_leftovers(&package);
    }
}

#[test]
fn missing_archive_fails_with_the_http_status() {
    require_tools!("node", "npm");
    let release = Release::new();
    let package = release.unpacked(&release.context(&release.url("nothing-here")), "unpacked");
    let out = install_js(&release, &package, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_fails_with(
        "install.js",
        &out,
        &[
            "my-tool: error: HTTP 404 Not Found downloading",
            "/nothing-here/my-tool-x86_64-unknown-linux-gnu.tar.xz",
        ],
    );
    assert!(!package.join("bin-dist").exists());
    assert_no_leftovers(&package);
}

#[test]
fn unsupported_platform_lists_the_supported_targets() {
    require_tools!("node", "npm");
    let release = Release::new();
    let mut ctx = release.context(&release.url("ok"));
    ctx.base.artifacts.retain(|a| a.target == DARWIN);
    ctx.base.artifacts.push(installer::artifact(
        WINDOWS,
        "windows",
        "x86_64",
        "msvc",
        &"1".repeat(64),
    ));
    let package = release.unpacked(&ctx, "unpacked");
    let out = install_js(&release, &package, &[]);
    assert_fails_with(
        "install.js",
        &out,
        &[
            "my-tool 0.3.0 has no prebuilt binaries for this platform (linux-x64, glibc ",
            &format!("Supported targets: {DARWIN}, {WINDOWS}"),
        ],
    );
    assert!(release.server.requests().is_empty());

    // With only a glibc build that needs a newer glibc, it says so.
    let mut ctx = release.context(&release.url("ok"));
    ctx.base.artifacts.retain(|a| a.target == GNU);
    ctx.base.artifacts[0].glibc_floor = Some("99.0".to_string());
    let package = release.unpacked(&ctx, "unpacked-floor");
    let out = install_js(&release, &package, &[]);
    assert_fails_with(
        "install.js",
        &out,
        &[&format!(
            "({GNU} needs glibc 99.0 or newer, and this system has "
        )],
    );
}

#[test]
fn glibc_floor_decides_between_gnu_and_musl() {
    require_tools!("node", "npm");
    let release = Release::new();
    for (floor, says) in [
        ("2.17", "my-tool 0.3.0\n"),
        ("99.0", "my-tool 0.3.0 (musl)\n"),
    ] {
        let mut ctx = release.context(&release.url("ok"));
        ctx.base.artifacts[0].glibc_floor = Some(floor.to_string());
        let package = release.unpacked(&ctx, &format!("unpacked-{floor}"));
        let out = install_js(&release, &package, &[("MY_TOOL_PRINT_VERBOSE", "1")]);
        assert_ok("install.js", &out);
        assert!(
            text(&out).contains("(C library found by process.report)"),
            "{}",
            text(&out)
        );
        let out = run(&release, &package.join("bin-dist/my-tool"), &[], &[]);
        assert!(
            stdout(&out).starts_with(says),
            "glibc floor {floor}: {}",
            text(&out)
        );
    }
}

#[test]
fn every_archive_format_and_checksum_algorithm() {
    require_tools!("node", "npm", "zip");
    let release = Release::new();
    for (format, algo) in [
        ("tar.gz", "sha512"),
        ("tar.zst", "blake2b"),
        ("zip", "sha3-256"),
        ("tar.xz", "sha3-512"),
        ("tar.xz", "blake2s"),
    ] {
        let says = format!("my-tool 0.3.0 ({format}, {algo})");
        let bytes = release.archive(GNU, format, &says);
        let sum = match algo {
            "sha512" => hex::encode(sha2::Sha512::digest(&bytes)),
            "sha3-256" => hex::encode(sha3::Sha3_256::digest(&bytes)),
            "sha3-512" => hex::encode(sha3::Sha3_512::digest(&bytes)),
            "blake2b" => hex::encode(blake2::Blake2b512::digest(&bytes)),
            "blake2s" => hex::encode(blake2::Blake2s256::digest(&bytes)),
            other => panic!("{other}"),
        };
        let mut ctx = release.context(&release.url("ok"));
        ctx.base.artifacts = vec![InstallerArtifact {
            archive: format!("my-tool-{GNU}.{format}"),
            format: format!(".{format}"),
            checksum_algo: Some(algo.to_string()),
            ..artifact(GNU, "gnu", None, &sum)
        }];
        let package = release.unpacked(&ctx, &format!("unpacked-{format}-{algo}"));
        let out = install_js(&release, &package, &[]);
        assert_ok(&format!("{format} with {algo}"), &out);
        let out = run(&release, &package.join("bin-dist/my-tool"), &["x"], &[]);
        assert_eq!(stdout(&out), format!("{says}\nargv0: my-tool\narg: x\n"));

        // The same archive with a checksum one digit off is refused.
        let mut bad = sum.clone();
        bad.replace_range(..1, if sum.starts_with('0') { "1" } else { "0" });
        ctx.base.artifacts[0].checksum = Some(bad);
        let package = release.unpacked(&ctx, &format!("unpacked-{format}-{algo}-bad"));
        let out = install_js(&release, &package, &[]);
        assert_fails_with(
            &format!("{format} with a bad {algo}"),
            &out,
            &["checksum mismatch"],
        );
        assert!(!package.join("bin-dist").exists());
    }
}

#[test]
fn interrupted_download_is_retried() {
    require_tools!("node", "npm");
    let release = Release::new();
    let package = release.unpacked(&release.context(&release.url("flaky")), "unpacked");
    let out = install_js(&release, &package, &[]);
    assert_ok("install.js", &out);
    assert!(text(&out).contains("trying again in 1 s"), "{}", text(&out));
    let requests = release.server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(package.join("bin-dist/my-tool").is_file());
    assert_no_leftovers(&package);
}

#[test]
fn http_proxy_from_the_environment_is_used() {
    require_tools!("node", "npm");
    let release = Release::new();
    let package = release.unpacked(&release.context(DEAD_URL), "unpacked");
    let proxy = format!("http://{}", release.server.addr);
    let out = install_js(
        &release,
        &package,
        &[
            ("MY_TOOL_DOWNLOAD_URL", "http://consign-npm-test.invalid/ok"),
            ("http_proxy", &proxy),
            ("MY_TOOL_PRINT_VERBOSE", "1"),
        ],
    );
    assert_ok("install.js through a proxy", &out);
    assert!(text(&out).contains("using the proxy"), "{}", text(&out));
    assert!(
        text(&out).contains("sha256 checksum verified"),
        "{}",
        text(&out)
    );
    assert_eq!(
        release.server.requests(),
        [format!(
            "GET http://consign-npm-test.invalid/ok/my-tool-{GNU}.tar.xz HTTP/1.1"
        )]
    );

    // NO_PROXY exempts the host, so it is looked up directly (and is not found).
    let package = release.unpacked(&release.context(DEAD_URL), "unpacked-noproxy");
    let out = install_js(
        &release,
        &package,
        &[
            ("MY_TOOL_DOWNLOAD_URL", "http://consign-npm-test.invalid/ok"),
            ("http_proxy", &proxy),
            ("NO_PROXY", "localhost,.invalid"),
        ],
    );
    assert_fails_with(
        "install.js with NO_PROXY",
        &out,
        &["consign-npm-test.invalid"],
    );
    assert_eq!(release.server.requests().len(), 1);
}

#[test]
fn package_tarball_is_reproducible() {
    let release = Release::new();
    let ctx = release.context("https://github.com/o/r/releases/download/v0.3.0");
    let one = render_package(&ctx, MTIME).unwrap();
    assert_eq!(one, render_package(&ctx, MTIME).unwrap());
    // gzip with a zero mtime in its header.
    assert_eq!(&one[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&one[4..8], &[0, 0, 0, 0]);

    let file = release.path("pkg.tar.gz");
    std::fs::write(&file, &one).unwrap();
    let out = Command::new("tar")
        .args(["--numeric-owner", "--utc", "-tzvf"])
        .arg(&file)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut names = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (mode, owner, date, name) = (fields[0], fields[1], fields[3], fields[5]);
        assert_eq!(owner, "0/0", "{line}");
        assert_eq!(date, "2023-11-14", "{line}");
        let expected = if name.starts_with("package/run-") {
            "-rwxr-xr-x"
        } else {
            "-rw-r--r--"
        };
        assert_eq!(mode, expected, "{line}");
        names.push(name.to_string());
    }
    assert_eq!(
        names,
        [
            "package/README.md",
            "package/install.js",
            "package/npm-shrinkwrap.json",
            "package/package.json",
            "package/run-mt.js",
            "package/run-my-tool.js",
        ]
    );
}

#[test]
fn package_names_follow_npm_rules() {
    for ok in [
        "my-tool",
        "@my-org/my-tool",
        "tool.js",
        "a_b",
        "x1",
        "@a/b",
        "@scope/fs",
    ] {
        assert_eq!(validate_package_name(ok), Ok(()), "{ok}");
    }
    for (bad, because) in [
        ("", "empty"),
        ("My-Tool", "lowercase"),
        (".tool", "cannot start with `.` or `_`"),
        ("_tool", "cannot start with `.` or `_`"),
        ("my tool", "contains ` `"),
        ("my-tool!", "contains `!`"),
        ("tool*", "contains `*`"),
        ("t/ool", "contains `/`"),
        ("@scope", "@scope/name"),
        ("@scope/", "@scope/name"),
        ("@scope/a/b", "contains `/`"),
        ("fs", "core module"),
        ("node_modules", "reserves"),
        (&"x".repeat(215), "at most 214"),
    ] {
        let err = validate_package_name(bad).expect_err(bad);
        assert!(
            err.contains(because),
            "{bad:?}: expected {because:?} in {err:?}"
        );
    }
}
