//! `install-updater = true`, end to end: v1 of a small app is built by
//! consign and installed with its shell installer (under dash, then bash)
//! from a loopback server; v2 is published on a loopback GitHub stand-in;
//! the installed `tool-update` (axoupdater-cli, as the release ships it)
//! reads the receipt, asks the stand-in for the latest release, downloads
//! consign's v2 installer from it and runs it; v2 is then installed and the
//! receipt says so.
//!
//! The updater binary is `axoupdater` from `cargo install axoupdater-cli`
//! (the version `consign build` pins, installed by `.ci/run`): it seeds the
//! build's updater cache, so the build does not compile it again.
//!
//! axoupdater finds the GitHub API through `TOOL_INSTALLER_GHE_BASE_URL`
//! (the manifest's `ghe_base_url_env_var`; `{base}/api/v3`). The installers
//! it runs download from `TOOL_DOWNLOAD_URL`, which it passes on. axoupdater
//! runs the v2 installer through its `#!/bin/sh` line, whatever shell ran
//! the v1 installer.
#![cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::http::{Reply, Server};
use common::tools::{self, which};
use common::*;
use serde_json::{json, Value};

const TARGET: &str = "x86_64-unknown-linux-gnu";
const V1: &str = "1.2.3";
const V2: &str = "1.3.0";

/// Builds the release of the workspace as it is now and copies its files
/// (not the build's own directories) to `out`.
fn build_release(ws: &TestWorkspace, updater: &Path, out: &Path) {
    // The build's updater cache: the host's axoupdater-cli of the pinned
    // version, so `consign build` does not `cargo install` it again.
    let cache = ws
        .path()
        .join("target/distrib/.consign/updater")
        .join(TARGET)
        .join("bin");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::copy(updater, cache.join("axoupdater")).unwrap();
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "consign build:\n{}", run.stderr);
    std::fs::create_dir_all(out).unwrap();
    for entry in std::fs::read_dir(ws.path().join("target/distrib")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), out.join(entry.file_name())).unwrap();
        }
    }
}

/// The GitHub stand-in: `GET {base}/api/v3/repos/acme/tools/releases/latest`
/// and `.../releases` (the shapes axoupdater reads), and each published
/// release's files under `/dl/{tag}/{name}`.
struct FakeGithub {
    server: Server,
    published: Arc<Mutex<Vec<String>>>,
}

impl FakeGithub {
    fn start(releases: PathBuf) -> FakeGithub {
        let published: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = Arc::clone(&published);
        let server = Server::start(move |req| {
            let base = format!("http://{}", req.server);
            let tags = seen.lock().unwrap().clone();
            let release = |tag: &str| -> Value {
                let mut names: Vec<String> = std::fs::read_dir(releases.join(tag))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                json!({
                    "tag_name": tag,
                    "name": tag,
                    "url": format!("{base}/api/v3/repos/acme/tools/releases/{tag}"),
                    "prerelease": false,
                    "draft": false,
                    "assets": names.iter().map(|n| json!({
                        "url": format!("{base}/api/v3/repos/acme/tools/releases/assets/{n}"),
                        "browser_download_url": format!("{base}/dl/{tag}/{n}"),
                        "name": n,
                    })).collect::<Vec<_>>(),
                })
            };
            let path = req.path.clone();
            if req.method != "GET" {
                return Reply::new(405, "");
            }
            let api = "/api/v3/repos/acme/tools/releases";
            let body = if path == format!("{api}/latest") {
                match tags.last() {
                    Some(tag) => release(tag),
                    None => return Reply::new(404, r#"{"message":"Not Found"}"#),
                }
            } else if path == api {
                Value::from(tags.iter().rev().map(|t| release(t)).collect::<Vec<_>>())
            } else if let Some(rest) = path.strip_prefix("/dl/") {
                let Some((tag, name)) = rest.split_once('/') else {
                    return Reply::new(404, "");
                };
                let file = releases.join(tag).join(name);
                if !tags.iter().any(|t| t == tag) || name.contains('/') || !file.is_file() {
                    return Reply::new(404, "not found\n");
                }
                return Reply::new(200, std::fs::read(file).unwrap())
                    .header("Content-Type", "application/octet-stream");
            } else {
                return Reply::new(404, r#"{"message":"Not Found"}"#);
            };
            Reply::new(200, body.to_string()).header("Content-Type", "application/json")
        });
        FakeGithub { server, published }
    }

    /// Publishes `tag` as the latest release.
    fn publish(&self, tag: &str) {
        self.published.lock().unwrap().push(tag.to_string());
    }

    /// Takes every release down.
    fn reset(&self) {
        self.published.lock().unwrap().clear();
    }

    fn base(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    fn requested(&self, line: &str) -> bool {
        self.server.requests().iter().any(|r| r.starts_with(line))
    }
}

/// Runs `program args` with only HOME, XDG_CONFIG_HOME, PATH, TMPDIR and
/// `env`; killed after two minutes.
fn run(home: &Path, program: &Path, args: &[&Path], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", home)
        .current_dir(home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    output_within(cmd, Duration::from_secs(120))
}

fn text(out: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

fn prints(bin: &Path) -> String {
    let out = Command::new(bin).output().expect("running the binary");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn receipt(home: &Path) -> Value {
    let path = home.join(".config/tool/tool-receipt.json");
    let text = std::fs::read_to_string(&path).expect("reading the receipt");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("receipt is not JSON ({e}): {text}"))
}

#[test]
fn installed_updater_updates_v1_to_v2_under_dash_and_bash() {
    if !tools::have(&["axoupdater", "dash", "bash", "curl", "xz", "tar"]) {
        return;
    }
    let updater = which("axoupdater").unwrap();

    // v1 and v2 of a small app, built by consign with the updater.
    let ws = single_app(&format!(
        "installers = [\"shell\"]\ntargets = [\"{TARGET}\"]\ninstall-updater = true\n"
    ));
    ws.write(
        "src/main.rs",
        "fn main() { println!(\"tool {}\", env!(\"CARGO_PKG_VERSION\")); }\n",
    );
    ws.lock_and_commit();
    let releases = tempfile::tempdir().unwrap();
    build_release(&ws, &updater, &releases.path().join(format!("v{V1}")));
    ws.replace_in(
        "Cargo.toml",
        &format!("version = \"{V1}\""),
        &format!("version = \"{V2}\""),
    );
    ws.lock_and_commit();
    build_release(&ws, &updater, &releases.path().join(format!("v{V2}")));

    let v1 = releases.path().join(format!("v{V1}"));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(v1.join("dist-manifest.json")).unwrap())
            .unwrap();
    let updater_artifact = format!("tool-{TARGET}-update");
    assert_eq!(
        manifest["artifacts"][&updater_artifact]["kind"], "updater",
        "{manifest}"
    );
    assert_eq!(
        manifest["releases"][0]["env"]["ghe_base_url_env_var"],
        "TOOL_INSTALLER_GHE_BASE_URL"
    );
    // The installer verifies the updater with the checksum the build recorded.
    let sum = manifest["artifacts"][&updater_artifact]["checksums"]["sha256"]
        .as_str()
        .expect("the updater's checksum is in the manifest")
        .to_string();
    let script = std::fs::read_to_string(v1.join("tool-installer.sh")).unwrap();
    assert!(
        script.contains(&format!("'{updater_artifact}'")),
        "{script}"
    );
    assert!(script.contains(&sum));

    let github = FakeGithub::start(releases.path().to_path_buf());
    let ghe = ("TOOL_INSTALLER_GHE_BASE_URL", github.base());
    let mut shells_run = BTreeSet::new();
    for shell in ["dash", "bash"] {
        github.reset();
        github.publish(&format!("v{V1}"));
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        // The Cargo home layout: the receipt records ~/.cargo and the
        // updater's reinstall into it puts the binaries in its bin/ again.
        let cargo_home = home.join(".cargo");
        let bin = cargo_home.join("bin");
        let tag = |v: &str| format!("{}/dl/v{v}", github.base());
        // The receipt, checked to be of `version` in the Cargo home layout.
        let receipt_of = |version: &str| {
            let r = receipt(home);
            assert_eq!(r["version"], version, "[{shell}] {r}");
            assert_eq!(
                r["install_prefix"],
                cargo_home.to_str().unwrap(),
                "[{shell}] {r}"
            );
            assert_eq!(r["install_layout"], "cargo-home", "[{shell}] {r}");
            assert_eq!(r["binaries"], json!(["tool"]), "[{shell}] {r}");
            r
        };

        // v1, installed with consign's installer under this shell.
        let out = run(
            home,
            &which(shell).unwrap(),
            &[&v1.join("tool-installer.sh")],
            &[("TOOL_DOWNLOAD_URL", &tag(V1))],
        );
        assert!(out.status.success(), "[{shell}] v1 install: {}", text(&out));
        assert_eq!(prints(&bin.join("tool")), format!("tool {V1}"), "[{shell}]");
        let r = receipt_of(V1);
        assert_eq!(r["install_updater"], true, "[{shell}] {r}");
        let tool_update = bin.join("tool-update");
        assert!(tool_update.is_file(), "[{shell}] no tool-update in {bin:?}");
        if shell == "bash" {
            // Under bash, the receipt is one cargo-dist 0.34's installer
            // writes for a CARGO_HOME install: the same prefix and layout,
            // its provider and extra fields. consign's installer, run by
            // the updater, reads its prefix the way cargo-dist's would.
            let mut r = r;
            r["provider"] = json!({"source": "cargo-dist", "version": "0.34.0"});
            r["binary_aliases"] = json!({});
            r["cdylibs"] = json!([]);
            r["cstaticlibs"] = json!([]);
            std::fs::write(home.join(".config/tool/tool-receipt.json"), r.to_string()).unwrap();
        }

        // Runs the installed updater; the installer it runs downloads from
        // release `v`.
        let update = |v: &str| {
            let out = run(
                home,
                &tool_update,
                &[],
                &[(ghe.0, &ghe.1), ("TOOL_DOWNLOAD_URL", &tag(v))],
            );
            assert!(out.status.success(), "[{shell}] updater: {}", text(&out));
            text(&out)
        };

        // With only v1 published, the updater has nothing to do.
        let said = update(V1);
        assert!(said.contains("Already up to date"), "[{shell}] {said}");
        assert_eq!(prints(&bin.join("tool")), format!("tool {V1}"));

        // v2 is published: the updater installs it with v2's installer.
        github.publish(&format!("v{V2}"));
        let said = update(V2);
        assert!(said.contains(V2), "[{shell}] {said}");
        assert_eq!(
            prints(&bin.join("tool")),
            format!("tool {V2}"),
            "[{shell}] {said}"
        );
        assert!(
            !cargo_home.join("tool").exists(),
            "[{shell}] the update put a binary in the Cargo home itself"
        );
        receipt_of(V2);
        assert!(
            tool_update.is_file(),
            "[{shell}] the updater is still installed"
        );
        assert!(github.requested("GET /api/v3/repos/acme/tools/releases/latest"));
        assert!(github.requested(&format!("GET /dl/v{V2}/tool-installer.sh")));
        assert!(github.requested(&format!("GET /dl/v{V2}/{updater_artifact}")));

        // And now it is up to date.
        let said = update(V2);
        assert!(said.contains("Already up to date"), "[{shell}] {said}");
        eprintln!("[{shell}] v{V1} installed, updated to v{V2} by tool-update");
        shells_run.insert(shell);
    }
    assert_eq!(shells_run.len(), 2);
}
