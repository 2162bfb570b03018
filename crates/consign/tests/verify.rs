//! End-to-end tests of `consign verify`: real installers, run under real
//! shells, against the release files on a loopback server.

mod common;

use common::*;
use serde_json::Value;

fn released() -> TestWorkspace {
    let ws = single_app("targets = [\"x86_64-unknown-linux-gnu\", \"aarch64-apple-darwin\"]\ninstallers = [\"shell\"]\nbin-aliases = { tool = [\"tl\"] }\n");
    ws.write(
        "src/main.rs",
        "fn main() { println!(\"tool {}\", env!(\"CARGO_PKG_VERSION\")); }\n",
    );
    ws.lock_and_commit();
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`tool-installer.sh` covers only `x86_64-unknown-linux-gnu`"),
        "{}",
        run.stderr
    );
    ws
}

#[test]
fn verify_passes_under_every_shell_and_catches_tampering() {
    let ws = released();
    let dist = ws.path().join("target/distrib");
    let installer = std::fs::read_to_string(dist.join("tool-installer.sh")).unwrap();
    let sum =
        std::fs::read_to_string(dist.join("tool-x86_64-unknown-linux-gnu.tar.xz.sha256")).unwrap();
    assert!(
        installer.contains(sum.split_whitespace().next().unwrap()),
        "the checksum is baked in"
    );
    // Only archives that exist are offered.
    assert!(!installer.contains("tool-aarch64-apple-darwin.tar.xz"));
    let unified = std::fs::read_to_string(dist.join("sha256.sum")).unwrap();
    assert!(unified.contains(" *tool-installer.sh\n"), "{unified}");

    let run = ws.consign(&["verify", "-o", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["passed"], true, "{r}");
        let checks: Vec<&str> = r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(checks, ["install", "receipt", "runs", "path", "rerun"]);
    }
    let shells: Vec<&str> = results
        .iter()
        .map(|r| r["shell"].as_str().unwrap())
        .collect();
    assert!(
        shells.contains(&"dash") && shells.contains(&"bash"),
        "{shells:?}"
    );

    // The human table.
    let run = ws.consign(&["verify"]);
    assert_eq!(run.code, 0);
    let dash = run
        .stderr
        .lines()
        .find(|l| l.starts_with("tool-installer.sh") && l.contains(" dash "))
        .unwrap();
    assert_eq!(dash.matches("pass").count(), 5, "{dash}");

    // A tampered archive: every run fails at install, and verify exits 1.
    let archive = dist.join("tool-x86_64-unknown-linux-gnu.tar.xz");
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&archive, bytes).unwrap();
    let run = ws.consign(&["verify"]);
    run.fails_with(1, &["installer runs failed", "FAIL"]);
    assert!(run.stderr.contains("expected sha256"), "{}", run.stderr);
}

#[test]
fn verify_without_a_build_says_what_to_do() {
    let ws = single_app("targets = [\"x86_64-unknown-linux-gnu\"]\n");
    ws.consign(&["verify"])
        .fails_with(1, &["dist-manifest.json` to verify", "consign build"]);
}

/// The rule the tool-using tests rely on (`common::tools`): a missing tool
/// fails the test with what to install, unless skipping is asked for.
#[test]
fn a_missing_tool_fails_the_test() {
    let tool = "consign-test-no-such-tool";
    let result = std::panic::catch_unwind(|| common::tools::have(&[tool, "sh"]));
    if std::env::var(common::tools::SKIP_VAR).is_ok_and(|v| v == "1") {
        assert!(!result.unwrap());
    } else {
        let panic = result.unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with(&format!("install {tool} (see .ci/run)")),
            "{message}"
        );
    }
    assert!(common::tools::have(&["sh"]));
}
