//! `consign publish` for the Homebrew tap and npm channels, end to end: a
//! real build, then publishing to a local bare git repository (the tap) and
//! with the real `npm publish` to a loopback registry that speaks npm's
//! packument and publish endpoints. Each run is repeated to show that a
//! rerun sends nothing twice, also after the journal is lost.

mod common;
#[path = "publish/fake_npm_registry.rs"]
mod fake_npm_registry;

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::tools::{self, require_tools};
use common::{bare_tap, git_in as git, single_app, Run, TestWorkspace};
use fake_npm_registry::{npm_registry, Registry};

const CONFIG: &str = "installers = [\"homebrew\", \"npm\"]\ntap = \"acme/homebrew-tap\"\npublish-jobs = [\"homebrew\", \"npm\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n";

fn built_workspace() -> TestWorkspace {
    let ws = single_app(CONFIG);
    ws.lock_and_commit();
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
    ws
}

fn publish(ws: &TestWorkspace, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
    cmd.arg("publish")
        .args(args)
        .current_dir(ws.path())
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("HOMEBREW_TAP_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env_remove("NPM_TOKEN")
        .env_remove("NODE_AUTH_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().unwrap())
}

fn commits(bare: &Path) -> usize {
    git(bare, &["rev-list", "--count", "main"])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn homebrew_tap_gets_the_formula_once_and_a_lost_race_is_redone() {
    require_tools!("git");
    let ws = built_workspace();
    let dist = ws.path().join("target/distrib");
    let formula = std::fs::read_to_string(dist.join("tool.rb")).unwrap();
    let taps = tempfile::tempdir().unwrap();
    let bare = bare_tap(taps.path());
    let url = bare.to_str().unwrap();
    let env = [
        ("CONSIGN_HOMEBREW_TAP_URL", url),
        ("HOMEBREW_TAP_TOKEN", "canary-tap-token-123"),
    ];

    // A dry run looks and says what it would do, and changes nothing.
    let dry = publish(&ws, &["--only", "homebrew", "--dry-run"], &env);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stderr.contains("would commit tool.rb"),
        "{}",
        dry.stderr
    );
    assert_eq!(commits(&bare), 1);

    let first = publish(&ws, &["--only", "homebrew"], &env);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains("committed tool.rb to acme/homebrew-tap"),
        "{}",
        first.stderr
    );
    assert_eq!(commits(&bare), 2);
    assert_eq!(git(&bare, &["show", "main:Formula/tool.rb"]), formula);
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%s", "main"]).trim(),
        "tool v1.2.3"
    );

    // A rerun finds the formula in the tap and pushes nothing, also when the
    // journal that recorded the push is gone (a kill between push and record).
    let again = publish(&ws, &["--only", "homebrew"], &env);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("already has tool.rb"),
        "{}",
        again.stderr
    );
    std::fs::remove_file(dist.join("release-journal.json")).unwrap();
    let lost = publish(&ws, &["--only", "homebrew"], &env);
    assert_eq!(lost.code, 0, "{}", lost.stderr);
    assert_eq!(commits(&bare), 2, "nothing is pushed twice");

    // Someone else pushes while we publish: the first push is refused, and
    // the commit is redone on the new tip.
    let seed = taps.path().join("seed");
    git(&seed, &["pull", "-q", "origin", "main"]);
    git(&seed, &["rm", "-q", "Formula/tool.rb"]);
    git(&seed, &["commit", "-q", "-m", "drop the formula"]);
    git(&seed, &["push", "-q", "origin", "HEAD:main"]);
    let hook = bare.join("hooks/pre-receive");
    let marker = taps.path().join("refused-once");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ ! -e '{m}' ]; then touch '{m}'; echo 'someone pushed first' >&2; exit 1; fi\nexit 0\n",
            m = marker.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .args(["+x", hook.to_str().unwrap()])
        .status()
        .unwrap();
    let raced = publish(&ws, &["--only", "homebrew", "-v"], &env);
    assert_eq!(raced.code, 0, "{}", raced.stderr);
    assert!(raced.stderr.contains("looking again"), "{}", raced.stderr);
    assert_eq!(commits(&bare), 4);
    assert_eq!(git(&bare, &["show", "main:Formula/tool.rb"]), formula);

    for text in [&dry.stderr, &first.stderr, &again.stderr, &raced.stderr] {
        assert!(!text.contains("canary-tap-token-123"));
    }
    let journal = std::fs::read_to_string(dist.join("release-journal.json")).unwrap();
    assert!(journal.contains("homebrew:acme/homebrew-tap"), "{journal}");
    assert!(!journal.contains("canary-tap-token-123"));
}

#[test]
fn homebrew_publishing_names_an_unreachable_tap() {
    require_tools!("git");
    let ws = built_workspace();
    let run = publish(
        &ws,
        &["--only", "homebrew"],
        &[("CONSIGN_HOMEBREW_TAP_URL", "/nonexistent/homebrew-tap.git")],
    );
    run.fails_with(
        1,
        &[
            "cannot clone the tap `acme/homebrew-tap`",
            "HOMEBREW_TAP_TOKEN",
        ],
    );
}

// ------------------------------------------------------------------- npm

fn registry_config(url: &str) -> String {
    // The config names the loopback registry the way a user names theirs.
    format!("{CONFIG}npm-registry = \"{url}\"\n")
}

#[test]
fn npm_packages_are_published_once_even_when_the_reply_is_lost() {
    require_tools!("node", "npm");
    let state = Arc::new(Mutex::new(Registry::default()));
    let (url, handle, server) = npm_registry(state.clone());
    let ws = single_app(&registry_config(&url));
    ws.lock_and_commit();
    let built = ws.consign(&["build"]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let env = [("NPM_TOKEN", "canary-npm-token-456")];

    // The registry stores the package but answers 500: npm fails, consign
    // looks again, finds it, and counts it as published.
    state.lock().unwrap().fail_next_reply = true;
    let first = publish(&ws, &["--only", "npm"], &env);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("published tool@1.2.3"),
        "{}",
        first.stderr
    );
    assert_eq!(state.lock().unwrap().puts, ["tool@1.2.3"]);

    // Reruns ask first and send nothing.
    let again = publish(&ws, &["--only", "npm", "-o", "json"], &env);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let lines: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(lines[0]["outcome"], "already-there", "{lines}");
    assert_eq!(state.lock().unwrap().puts.len(), 1, "nothing is sent twice");

    // The same version with other contents cannot be replaced.
    state
        .lock()
        .unwrap()
        .versions
        .get_mut("tool")
        .unwrap()
        .insert("1.2.3".into(), "sha512-other".into());
    let clash = publish(&ws, &["--only", "npm"], &env);
    clash.fails_with(
        1,
        &[
            "tool@1.2.3 is already on",
            "different contents",
            "new version",
        ],
    );
    assert_eq!(state.lock().unwrap().puts.len(), 1);

    let st = state.lock().unwrap();
    assert!(
        st.auth.iter().all(|a| a == "Bearer canary-npm-token-456"),
        "{:?}",
        st.auth
    );
    drop(st);
    for text in [&first.stderr, &again.stdout, &again.stderr, &clash.stderr] {
        assert!(!text.contains("canary-npm-token-456"), "{text}");
    }
    let journal =
        std::fs::read_to_string(ws.path().join("target/distrib/release-journal.json")).unwrap();
    assert!(journal.contains("npm:tool@1.2.3"), "{journal}");
    assert!(!journal.contains("canary-npm-token-456"));
    server.unblock();
    handle.join().unwrap();
}

#[test]
fn nothing_to_publish_says_so() {
    let ws = single_app("installers = [\"shell\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n");
    let run = publish(&ws, &[], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("nothing to publish"), "{}", run.stderr);
}
