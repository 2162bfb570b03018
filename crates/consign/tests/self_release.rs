//! consign releases itself: `consign build` on consign's own workspace
//! makes its archives and installers, and the install step of a generated
//! workflow, run verbatim against that release on a loopback server,
//! installs a consign that works.
//!
//! The workspace is built once per test run (host target only) into
//! `target/self-release/`, so later runs reuse cargo's work. The build turns
//! LTO and optimization down through cargo's environment: the tests check
//! what the release contains and how it installs, not how fast it runs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use consign::verify::server::FileServer;

const HOST: &str = "x86_64-unknown-linux-gnu";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A copy of consign's workspace (tracked and untracked-but-not-ignored
/// files, so uncommitted work is tested too), committed to a fresh repository.
fn consign_workspace() -> TestWorkspace {
    let repo = repo_root();
    let out = Command::new("git")
        .args(["ls-files", "-z", "-co", "--exclude-standard"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(out.status.success());
    let ws = TestWorkspace::empty();
    for name in out.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).unwrap();
        let from = repo.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = ws.path().join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    ws.git(&["init", "-q", "-b", "main"]);
    ws.commit();
    ws
}

/// consign's release for the host target: the directory of its files.
fn release() -> &'static Path {
    &built().1
}

/// The copy of consign's workspace and its release directory, built once.
fn built() -> &'static (TestWorkspace, PathBuf) {
    static DIR: OnceLock<(TestWorkspace, PathBuf)> = OnceLock::new();
    DIR.get_or_init(|| {
        let ws = consign_workspace();
        let target_dir = repo_root().join("target/self-release");
        let out = Command::new(env!("CARGO_BIN_EXE_consign"))
            .args(["build", "-t", HOST, "--artifacts", "all", "-q"])
            .current_dir(ws.path())
            .env("NO_COLOR", "1")
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_PROFILE_DIST_LTO", "false")
            .env("CARGO_PROFILE_DIST_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_DIST_CODEGEN_UNITS", "256")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "consign build on consign's workspace failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Copy the release out: another run may build into the same target dir.
        let dir = ws.path().join("release");
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(target_dir.join("distrib")).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
            }
        }
        (ws, dir)
    })
}

#[test]
fn consign_build_makes_consigns_own_installers_and_archives() {
    let dir = release();
    for name in [
        format!("consign-{HOST}.tar.xz"),
        format!("consign-{HOST}.tar.xz.sha256"),
        "consign-installer.sh".into(),
        "consign.rb".into(),
        "consign-npm-package.tar.gz".into(),
        "source.tar.gz".into(),
        "sha256.sum".into(),
        "dist-manifest.json".into(),
    ] {
        assert!(dir.join(&name).is_file(), "the release lacks `{name}`");
    }
    // The install step checks each installer against `sha256.sum`.
    let sums = std::fs::read_to_string(dir.join("sha256.sum")).unwrap();
    assert!(
        sums.lines().any(|l| l.ends_with(" *consign-installer.sh")),
        "{sums}"
    );
    // The archive holds both binaries, in the directory binstall expects.
    let out = Command::new("tar")
        .arg("-tJf")
        .arg(dir.join(format!("consign-{HOST}.tar.xz")))
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    for bin in ["consign", "cargo-consign"] {
        assert!(
            list.lines().any(|l| l == format!("consign-{HOST}/{bin}")),
            "archive lacks {bin}:\n{list}"
        );
    }
    // The full release (every target) also has the PowerShell installer,
    // the Windows zip and the macOS archives.
    let plan = built().0.plan_json(&[]);
    let names = artifact_names(&plan);
    for name in [
        "consign-installer.ps1",
        "consign-x86_64-pc-windows-msvc.zip",
        "consign-aarch64-apple-darwin.tar.xz",
        "consign.rb",
        "consign-npm-package.tar.gz",
    ] {
        assert!(
            names.contains(&name.to_string()),
            "the plan lacks {name}: {names:?}"
        );
    }
    // The shell installer points at consign's GitHub release.
    let sh = std::fs::read_to_string(dir.join("consign-installer.sh")).unwrap();
    assert!(
        sh.contains("https://github.com/consign-rs/consign/releases/download/v"),
        "installer's download URL"
    );
}

/// The `run:` script and `env:` of the generated workflow's Unix install step.
fn install_step(workflow: &str) -> (String, Vec<(String, String)>) {
    let doc: serde_norway::Value = serde_norway::from_str(workflow).unwrap();
    let steps = doc["jobs"]["plan"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|s| {
            s["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Install consign"))
                && s["if"].as_str() == Some("runner.os != 'Windows'")
        })
        .unwrap_or_else(|| panic!("no Unix install step in:\n{workflow}"));
    let env = step["env"]
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
                .collect()
        })
        .unwrap_or_default();
    (step["run"].as_str().unwrap().to_string(), env)
}

#[test]
fn the_generated_install_step_installs_the_prebuilt_release() {
    let server = FileServer::start(release()).unwrap();
    let user = single_app(&format!(
        "consign-version = \"0.1.0\"\nci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}consign-url-override = \"{}\"\n",
        server.url()
    ));
    let run = user.consign(&["generate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let workflow =
        std::fs::read_to_string(user.path().join(".github/workflows/release.yml")).unwrap();
    let (script, env) = install_step(&workflow);
    assert!(!script.contains("cargo install"), "{script}");

    // Run it as a GitHub runner would: bash, a RUNNER_TEMP and a GITHUB_PATH.
    let runner = tempfile::tempdir().unwrap();
    let github_path = runner.path().join("github_path");
    std::fs::write(&github_path, "").unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .envs(env)
        .env("RUNNER_TEMP", runner.path())
        .env("GITHUB_PATH", &github_path)
        .env("HOME", runner.path())
        .current_dir(user.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "install step failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.requests() >= 3, "installer, sha256.sum, the archive");
    let bin_dir = std::fs::read_to_string(&github_path).unwrap();
    let consign = Path::new(bin_dir.trim()).join("consign");
    assert!(consign.is_file(), "{} is not installed", consign.display());

    // The installed consign plans the example workspace.
    let example = TestWorkspace::empty();
    copy_dir(
        &repo_root().join("examples/hello-workspace"),
        example.path(),
    );
    example.git(&["init", "-q", "-b", "main"]);
    example.commit();
    let out = Command::new(&consign)
        .args(["plan", "-o", "json"])
        .current_dir(example.path())
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the installed consign cannot plan:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        artifact_names(&plan).contains(&"hello-installer.sh".to_string()),
        "{plan}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() == "target" {
                continue;
            }
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}
