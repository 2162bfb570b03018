//! End-to-end tests of `consign release` (the finishing half of the
//! release-PR flow): a real git repository in a temp directory with a local
//! bare `origin`, the loopback fake GitHub (releases, dispatches, pulls and
//! labels) and the loopback fake cargo registry, driven by real `git push`
//! and `cargo package`.

mod common;
#[path = "host/fake_github.rs"]
mod fake_github;
#[path = "publish/fake_registry.rs"]
mod fake_registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use consign::release::{LABEL_PENDING, LABEL_PUBLISHED};
use fake_github::FakeGithub;
use fake_registry::FakeRegistry;

const GH_TOKEN: &str = "ghs_release_flow_token_0123456789";
const CARGO_TOKEN: &str = "cio_release_flow_token_0123456789";

fn manifest(name: &str, version: &str, deps: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\ndescription = \"d\"\nlicense = \"MIT\"\nrepository = \"https://github.com/acme/tools\"\n\n[dependencies]\n{deps}"
    )
}

fn changelog(name: &str, version: &str) -> String {
    format!("# Changelog\n\n## [{version}] - 2026-12-07\n\n### Added\n\n- {name}: the {version} change\n\n## [0.1.0] - 2026-01-01\n\n- first\n")
}

/// The state after the release PR merged: `a` 0.2.0 and `b` 0.1.1 (on `a`),
/// earlier releases tagged at the first commit, everything pushed to a bare
/// `origin`, and the merged PR (labelled pending) on the fake GitHub.
struct Setup {
    ws: TestWorkspace,
    remote: PathBuf,
    gh: FakeGithub,
    reg: FakeRegistry,
}

fn setup() -> Setup {
    let members = "[workspace]\nresolver = \"2\"\nmembers = [\"crates/a\", \"crates/b\"]\n\n[workspace.metadata.dist]\ndispatch-repositories = [\"acme/downstream\"]\n";
    let ws = TestWorkspace::new(&[
        ("Cargo.toml", members),
        ("crates/a/Cargo.toml", &manifest("a", "0.1.0", "")),
        ("crates/a/src/lib.rs", "pub fn f() {}\n"),
        (
            "crates/b/Cargo.toml",
            &manifest(
                "b",
                "0.1.0",
                "a = { path = \"../a\", version = \"0.1.0\" }\n",
            ),
        ),
        ("crates/b/src/lib.rs", "pub fn g() {}\n"),
        (".gitignore", "target\n"),
    ]);
    ws.lock_and_commit();
    let first = ws_head(&ws);
    // The release PR's changes, merged.
    ws.write("crates/a/Cargo.toml", &manifest("a", "0.2.0", ""));
    ws.write(
        "crates/b/Cargo.toml",
        &manifest(
            "b",
            "0.1.1",
            "a = { path = \"../a\", version = \"0.2.0\" }\n",
        ),
    );
    ws.write("crates/a/CHANGELOG.md", &changelog("a", "0.2.0"));
    ws.write("crates/b/CHANGELOG.md", &changelog("b", "0.1.1"));
    ws.lock_and_commit();
    let remote = ws.path().join("remote.git");
    git_in(
        ws.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    // The bare remote lives inside the work tree: ignore it.
    std::fs::write(ws.path().join(".git/info/exclude"), "remote.git\n").unwrap();
    ws.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    ws.git(&["push", "-q", "origin", "main"]);
    for tag in ["a-v0.1.0", "b-v0.1.0"] {
        ws.git(&["push", "-q", "origin", &format!("{first}:refs/tags/{tag}")]);
    }
    let gh = FakeGithub::start(GH_TOKEN);
    let pr = gh.seed_pull(
        "consign/release",
        "main",
        "chore: release",
        &[LABEL_PENDING],
    );
    gh.close_pull(pr, true);
    let reg = FakeRegistry::start(CARGO_TOKEN);
    Setup {
        ws,
        remote,
        gh,
        reg,
    }
}

fn ws_head(ws: &TestWorkspace) -> String {
    git_in(ws.path(), &["rev-parse", "HEAD"]).trim().to_string()
}

/// Tag → commit on the bare remote.
fn remote_tags(remote: &Path) -> Vec<(String, String)> {
    git_in(
        remote,
        &[
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/tags",
        ],
    )
    .lines()
    .map(|l| {
        let (t, c) = l.split_once(' ').unwrap();
        (t.to_string(), c.to_string())
    })
    .collect()
}

fn release_cmd(s: &Setup, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
    cmd.args(["release", "--index", &s.reg.index_url(), "--timeout", "20"])
        .args(extra)
        .current_dir(s.ws.path())
        .env("NO_COLOR", "1")
        .env("GITHUB_TOKEN", GH_TOKEN)
        .env("GITHUB_API_URL", &s.gh.url)
        .env("CARGO_REGISTRY_TOKEN", CARGO_TOKEN)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_SHA")
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

fn release(s: &Setup, extra: &[&str]) -> Run {
    Run::from(release_cmd(s, extra).output().unwrap())
}

/// Every state-changing request, as (method, path, body).
fn writes(gh: &FakeGithub) -> Vec<(String, String, String)> {
    gh.writes()
        .into_iter()
        .map(|r| {
            (
                r.method,
                r.path,
                String::from_utf8_lossy(&r.body).into_owned(),
            )
        })
        .collect()
}

/// What a finished release leaves: tags at HEAD, releases with the
/// changelog notes, each crate stored once after its dependency was
/// visible, one dispatch per tag, the PR labelled published.
fn assert_released(s: &Setup) {
    let head = ws_head(&s.ws);
    let tags = remote_tags(&s.remote);
    for tag in ["a-v0.2.0", "b-v0.1.1"] {
        assert!(
            tags.contains(&(tag.to_string(), head.clone())),
            "{tag} at {head}: {tags:?}"
        );
    }
    {
        let st = s.gh.lock();
        for (tag, line) in [
            ("a-v0.2.0", "- a: the 0.2.0 change"),
            ("b-v0.1.1", "- b: the 0.1.1 change"),
        ] {
            let found: Vec<_> = st.releases.iter().filter(|r| r.tag == tag).collect();
            assert_eq!(found.len(), 1, "one release of {tag}");
            assert!(found[0].body.contains(line), "{}", found[0].body);
            assert!(!found[0].body.contains("first"), "{}", found[0].body);
            assert!(!found[0].draft);
            assert_eq!(found[0].target, head);
        }
        let mut dispatched: Vec<(String, String)> = st
            .dispatches
            .iter()
            .map(|(repo, v)| {
                (
                    repo.clone(),
                    v["client_payload"]["tag"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        dispatched.sort();
        assert_eq!(
            dispatched,
            [
                ("acme/downstream".to_string(), "a-v0.2.0".to_string()),
                ("acme/downstream".to_string(), "b-v0.1.1".to_string())
            ]
        );
        assert_eq!(st.pulls[0].labels, [LABEL_PUBLISHED]);
    }
    let r = s.reg.lock();
    assert_eq!(r.stored("a", "0.2.0"), 1);
    assert_eq!(r.stored("b", "0.1.1"), 1);
    let b_sent = r.requests("b").iter().map(|u| u.at).min().unwrap();
    assert!(b_sent >= r.visible_at("a", "0.2.0").unwrap(), "b before a");
}

#[test]
fn a_merged_release_pr_is_published_tagged_released_notified_and_labelled() {
    let s = setup();
    let run = release(&s, &["-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_released(&s);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tags: Vec<&str> = out["released"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["a-v0.2.0", "b-v0.1.1"]);
    let steps: Vec<&str> = out["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["publish", "tag", "tag", "label", "release", "release", "notify", "notify", "label"]
    );
    assert!(out["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["outcome"] == "done"));
    // A rerun finds everything done and changes nothing.
    let before = writes(&s.gh);
    let again = release(&s, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(writes(&s.gh), before, "the rerun wrote nothing");
    assert!(again.stderr.contains("already done"), "{}", again.stderr);
    assert_released(&s);
}

/// A `pre-receive` hook on the remote that, while `block` exists, signals
/// `mark`, waits for `block` to go, then refuses the push.
fn block_pushes(remote: &Path, block: &Path, mark: &Path) {
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ -f '{b}' ]; then\n  touch '{m}'\n  n=0\n  while [ -f '{b}' ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done\n  rm -f '{m}'\n  exit 1\nfi\nexit 0\n",
            b = block.display(),
            m = mark.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn wait_until(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn killed_after_publishing_and_before_the_tags_a_rerun_finishes_with_nothing_sent_twice() {
    let s = setup();
    let side = tempfile::tempdir().unwrap();
    let block = side.path().join("block-push");
    let mark = side.path().join("push-waiting");
    let log = side.path().join("first-run.log");
    std::fs::write(&block, "").unwrap();
    block_pushes(&s.remote, &block, &mark);
    let mut child = release_cmd(&s, &[])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !mark.exists() && start.elapsed() < Duration::from_secs(180) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let reached = mark.exists();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    std::fs::remove_file(&block).unwrap();
    assert!(
        reached,
        "the first tag push never started:\n{}",
        std::fs::read_to_string(&log).unwrap()
    );
    assert!(
        wait_until(Duration::from_secs(30), || !mark.exists()),
        "the held push did not end"
    );
    // Killed between publish and tags: crates published, nothing tagged.
    assert_eq!(s.reg.lock().stored("a", "0.2.0"), 1);
    assert_eq!(s.reg.lock().stored("b", "0.1.1"), 1);
    assert!(!remote_tags(&s.remote).iter().any(|(t, _)| t == "a-v0.2.0"));
    assert!(s.gh.lock().releases.is_empty());
    let first = writes(&s.gh);

    let run = release(&s, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_released(&s);
    // No request was sent twice, across both runs.
    let all = writes(&s.gh);
    assert!(all.starts_with(&first));
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "a write repeated: {all:#?}");
    let uploads = {
        let r = s.reg.lock();
        r.requests("a").len() + r.requests("b").len()
    };
    assert_eq!(uploads, 2, "one upload per crate");
}

#[test]
fn a_release_tag_at_another_commit_is_an_error_naming_both() {
    let s = setup();
    let head = ws_head(&s.ws);
    s.ws.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    s.ws.git(&["commit", "-q", "--allow-empty", "-m", "elsewhere"]);
    let side = ws_head(&s.ws);
    s.ws.git(&[
        "push",
        "-q",
        "origin",
        &format!("{side}:refs/tags/a-v0.2.0"),
    ]);
    s.ws.git(&["checkout", "-q", "main"]);
    let run = release(&s, &[]);
    run.fails_with(
        1,
        &[
            "a-v0.2.0",
            &side,
            &head,
            "hint:",
            "git push origin :refs/tags/",
        ],
    );
    assert!(s.gh.writes().is_empty());
    assert!(s.reg.lock().requests("a").is_empty());
}

#[test]
fn dry_run_sends_no_write_request() {
    let s = setup();
    let run = release(&s, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("would tag `a-v0.2.0`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("would notify `acme/downstream`"),
        "{}",
        run.stderr
    );
    assert!(s.gh.writes().is_empty(), "{:?}", writes(&s.gh));
    assert!(s.reg.lock().requests("a").is_empty());
    assert_eq!(remote_tags(&s.remote).len(), 2, "only the earlier tags");
}

#[test]
fn a_missing_token_is_named() {
    let s = setup();
    let run = Run::from(
        release_cmd(&s, &[])
            .env_remove("GITHUB_TOKEN")
            .env_remove("CARGO_REGISTRY_TOKEN")
            .output()
            .unwrap(),
    );
    run.fails_with(1, &["GITHUB_TOKEN", "CARGO_REGISTRY_TOKEN", "hint:"]);
    assert!(s.gh.lock().requests.is_empty());
    // With --skip-publish only the GitHub token is missing.
    let run = Run::from(
        release_cmd(&s, &["--skip-publish"])
            .env_remove("GITHUB_TOKEN")
            .env_remove("CARGO_REGISTRY_TOKEN")
            .output()
            .unwrap(),
    );
    run.fails_with(1, &["GITHUB_TOKEN"]);
    assert!(
        !run.stderr.contains("CARGO_REGISTRY_TOKEN` is not set"),
        "{}",
        run.stderr
    );
}

#[test]
fn nothing_to_release_exits_zero_and_says_so() {
    let s = setup();
    let head = ws_head(&s.ws);
    for tag in ["a-v0.2.0", "b-v0.1.1"] {
        s.ws.git(&["push", "-q", "origin", &format!("{head}:refs/tags/{tag}")]);
    }
    s.ws.git(&["commit", "-q", "--allow-empty", "-m", "later"]);
    let run = release(&s, &["-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("Nothing to release"), "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["released"], serde_json::json!([]));
    assert!(s.gh.lock().requests.is_empty());
    assert!(s.reg.lock().requests("a").is_empty());
}
