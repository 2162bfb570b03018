//! End-to-end tests of `consign release-pr` (the prepare step of the
//! release-PR flow): real git repositories in temp directories, a local bare
//! remote, and the loopback fake of the GitHub REST API.

mod common;
#[path = "host/fake_github.rs"]
mod fake_github;

use consign::host::github::{Client, Repo, RetryPolicy, Token};
use consign::release::pulls::{self, NewPull, PullState};
use fake_github::FakeGithub;

const TOKEN: &str = "ghs_release_pr_token_0123456789";

fn client(gh: &FakeGithub) -> Client {
    Client::new(
        &gh.url,
        Repo {
            owner: "acme".into(),
            name: "tools".into(),
        },
        Token::new(TOKEN, "GITHUB_TOKEN"),
        RetryPolicy {
            attempts: 3,
            base_delay: std::time::Duration::from_millis(10),
            max_wait: std::time::Duration::from_secs(5),
        },
    )
}

#[test]
fn pulls_api_finds_creates_updates_and_labels_one_pr() {
    let gh = FakeGithub::start(TOKEN);
    let c = client(&gh);
    assert_eq!(pulls::find_open(&c, "consign/release").unwrap(), None);
    let new = NewPull {
        title: "chore: release",
        body: "first",
        head: "consign/release",
        base: "main",
    };
    let pr = pulls::create(&c, &new).unwrap();
    assert_eq!(
        (pr.head.name.as_str(), pr.base.name.as_str()),
        ("consign/release", "main")
    );
    // A second create finds the first (GitHub answers 422) instead of failing.
    let again = pulls::create(&c, &new).unwrap();
    assert_eq!(again.number, pr.number);
    assert_eq!(gh.lock().pulls.len(), 1);

    let updated = pulls::update(&c, pr.number, "chore: release 2", "second").unwrap();
    assert_eq!(updated.title, "chore: release 2");
    assert_eq!(gh.lock().pulls[0].body, "second");

    pulls::ensure_label(&c, consign::release::LABEL_PENDING, "fbca04", "release PR").unwrap();
    pulls::ensure_label(&c, consign::release::LABEL_PENDING, "fbca04", "release PR").unwrap();
    assert_eq!(gh.count("POST", "/labels"), 1, "the label is created once");
    let labels = pulls::add_labels(&c, pr.number, &[consign::release::LABEL_PENDING]).unwrap();
    assert_eq!(labels.len(), 1);
    let found = pulls::find_open(&c, "consign/release").unwrap().unwrap();
    assert!(found.has_label(consign::release::LABEL_PENDING));
    assert!(pulls::remove_label(&c, pr.number, consign::release::LABEL_PENDING).unwrap());
    assert!(!pulls::remove_label(&c, pr.number, consign::release::LABEL_PENDING).unwrap());
    assert!(gh.lock().pulls[0].labels.is_empty());

    // Merged PRs are found among the closed ones, and no longer as open.
    gh.close_pull(pr.number, true);
    assert_eq!(pulls::find_open(&c, "consign/release").unwrap(), None);
    let closed = pulls::find_by_head(&c, "consign/release", PullState::Closed).unwrap();
    assert_eq!(closed.len(), 1);
    assert!(closed[0].is_merged());
    // Another branch's PRs are not returned.
    gh.seed_pull("feature", "main", "feat: x", &[]);
    assert_eq!(
        pulls::find_by_head(&c, "consign/release", PullState::All)
            .unwrap()
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------
// End to end: `consign release-pr` in a real repository with a bare remote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{git_in, package, Run, TestWorkspace};
use serde_json::Value;

/// A repository with a bare `origin`, and the fake GitHub.
struct Fixture {
    ws: TestWorkspace,
    remote: tempfile::TempDir,
    gh: FakeGithub,
}

/// `core` (1.0.0, a library), `app` (0.4.0, depends on `core`), `util`
/// (0.1.0) and `internal` (`publish = false`), each released once (tags).
fn three_packages(extra_config: &str) -> Fixture {
    let ws = TestWorkspace::new(&[
        (
            "Cargo.toml",
            &format!("[workspace]\nmembers = [\"core\", \"app\", \"util\", \"internal\"]\nresolver = \"2\"\n\n[workspace.metadata.dist]\n{extra_config}\n"),
        ),
        ("core/Cargo.toml", &package("core", "1.0.0", "")),
        ("core/src/lib.rs", "pub fn core() {}\n"),
        (
            "app/Cargo.toml",
            &package(
                "app",
                "0.4.0",
                "\n[dependencies]\n# the shared library\ncore = { path = \"../core\", version = \"1.0.0\" }\n",
            ),
        ),
        ("app/src/main.rs", "fn main() { core::core() }\n"),
        ("app/CHANGELOG.md", "# Changelog\n\n## [0.4.0] - 2025-01-01\n\nWritten *by hand*, kept as is.\n"),
        ("util/Cargo.toml", &package("util", "0.1.0", "")),
        ("util/src/lib.rs", "\n"),
        ("internal/Cargo.toml", &package("internal", "0.1.0", "publish = false\n")),
        ("internal/src/lib.rs", "\n"),
        (".gitignore", "/target\n"),
    ]);
    ws.lock_and_commit();
    for t in ["core-v1.0.0", "app-v0.4.0", "util-v0.1.0"] {
        ws.git(&["tag", t]);
    }
    with_remote(ws)
}

fn with_remote(ws: TestWorkspace) -> Fixture {
    let remote = tempfile::tempdir().unwrap();
    git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    ws.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    ws.git(&["push", "-q", "origin", "main"]);
    Fixture {
        ws,
        remote,
        gh: FakeGithub::start(TOKEN),
    }
}

impl Fixture {
    fn path(&self) -> &Path {
        self.ws.path()
    }

    /// Change `file` and commit it with `message`.
    fn commit(&self, file: &str, message: &str) {
        let path = self.path().join(file);
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str("// change\n");
        self.ws.write(file, &text);
        self.ws.git(&["add", "-A"]);
        self.ws.git(&["commit", "-q", "-m", message]);
    }

    /// `consign release-pr ARGS` with the token and the fake GitHub.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, Some(TOKEN))
    }

    fn run_with(&self, args: &[&str], token: Option<&str>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_consign"));
        cmd.arg("release-pr")
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("GITHUB_API_URL", &self.gh.url)
            .env("SOURCE_DATE_EPOCH", "1767312000") // 2026-01-02
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_REF_NAME")
            .env_remove("CARGO_TARGET_DIR");
        match token {
            Some(t) => cmd.env("GITHUB_TOKEN", t),
            None => cmd.env_remove("GITHUB_TOKEN"),
        };
        Run::from(cmd.output().unwrap())
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let run = self.run(&all);
        assert_eq!(run.code, 0, "release-pr failed:\n{}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}:\n{}", run.stdout))
    }

    /// A file on the remote's release branch.
    fn remote_file(&self, path: &str) -> String {
        git_in(
            self.remote.path(),
            &["show", &format!("consign/release:{path}")],
        )
    }

    /// Merge the release branch into `main` and create the plan's tags, as
    /// `consign release` would after the PR is merged.
    fn merge_and_tag(&self, plan: &Value) {
        self.ws.git(&["fetch", "-q", "origin"]);
        self.ws
            .git(&["merge", "-q", "--ff-only", "origin/consign/release"]);
        for p in plan["packages"].as_array().unwrap() {
            self.ws.git(&["tag", p["tag"].as_str().unwrap()]);
        }
    }
}

fn versions(plan: &Value) -> BTreeMap<String, String> {
    plan["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["new"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// `cargo metadata --locked --offline` accepts the release branch.
fn assert_lock_is_current(repo: &Fixture) {
    let checkout = tempfile::tempdir().unwrap();
    git_in(
        checkout.path(),
        &[
            "clone",
            "-q",
            "-b",
            "consign/release",
            repo.remote.path().to_str().unwrap(),
            ".",
        ],
    );
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .current_dir(checkout.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata --locked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file of the work tree and every ref (local and remote), hashed.
fn snapshot(repo: &Fixture) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if rel == Path::new(".git") || rel == Path::new("target") {
                continue;
            }
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(repo.path(), repo.path(), &mut out);
    out.insert(
        "refs".into(),
        git_in(repo.path(), &["show-ref"]).into_bytes(),
    );
    out.insert(
        "HEAD".into(),
        git_in(repo.path(), &["rev-parse", "HEAD"]).into_bytes(),
    );
    out.insert(
        "remote refs".into(),
        git_in(repo.remote.path(), &["for-each-ref"]).into_bytes(),
    );
    out
}

#[test]
fn conventional_commits_open_one_pr_with_versions_changelogs_and_lock() {
    let repo = three_packages("");
    repo.commit("core/src/lib.rs", "feat(core): a faster path");
    repo.commit("app/src/main.rs", "fix: no crash on empty input");
    repo.commit("internal/src/lib.rs", "feat: internal only");
    let before_head = git_in(repo.path(), &["rev-parse", "HEAD"]);

    let plan = repo.json(&[]);
    assert_eq!(versions(&plan), map(&[("app", "0.4.1"), ("core", "1.1.0")]));
    let app = &plan["packages"][0];
    assert_eq!(app["tag"], "app-v0.4.1");
    assert_eq!(
        app["reasons"],
        serde_json::json!([
            "fix: no crash on empty input (patch)",
            "dependency `core` bumped to 1.1.0"
        ])
    );
    assert_eq!(plan["pull_request"]["created"], true);

    // The PR: one, from the branch, labelled, with the changelog in its body.
    {
        let s = repo.gh.lock();
        assert_eq!(s.pulls.len(), 1);
        let pr = &s.pulls[0];
        assert_eq!(
            (pr.head.as_str(), pr.base.as_str()),
            ("consign/release", "main")
        );
        assert_eq!(pr.title, "chore: release 2 packages");
        assert!(
            pr.body
                .contains("| `core` | 1.0.0 | 1.1.0 | `core-v1.1.0` |"),
            "{}",
            pr.body
        );
        assert!(
            pr.body.contains("### Added\n\n- **core**: a faster path\n"),
            "{}",
            pr.body
        );
        assert_eq!(pr.labels, vec![consign::release::LABEL_PENDING.to_string()]);
    }

    // The branch on the remote: versions, requirements (comments kept),
    // changelogs (earlier sections byte for byte), Cargo.lock.
    assert!(repo
        .remote_file("core/Cargo.toml")
        .contains("version = \"1.1.0\""));
    let app_toml = repo.remote_file("app/Cargo.toml");
    assert!(app_toml.contains("version = \"0.4.1\""), "{app_toml}");
    assert!(
        app_toml
            .contains("# the shared library\ncore = { path = \"../core\", version = \"1.1.0\" }"),
        "{app_toml}"
    );
    assert_eq!(
        repo.remote_file("app/CHANGELOG.md"),
        "# Changelog\n\n## [0.4.1] - 2026-01-02\n\n### Changed\n\n- Dependency `core` bumped to 1.1.0\n\n### Fixed\n\n- no crash on empty input\n\n## [0.4.0] - 2025-01-01\n\nWritten *by hand*, kept as is.\n"
    );
    let core_log = repo.remote_file("core/CHANGELOG.md");
    assert!(
        core_log.starts_with("# Changelog\n\nAll notable changes"),
        "{core_log}"
    );
    assert!(
        core_log.ends_with("## [1.1.0] - 2026-01-02\n\n### Added\n\n- **core**: a faster path\n"),
        "{core_log}"
    );
    assert!(repo
        .remote_file("util/Cargo.toml")
        .contains("version = \"0.1.0\""));
    assert!(repo
        .remote_file("internal/Cargo.toml")
        .contains("version = \"0.1.0\""));
    let lock = repo.remote_file("Cargo.lock");
    assert!(
        lock.contains("name = \"core\"\nversion = \"1.1.0\""),
        "{lock}"
    );
    assert!(
        lock.contains("name = \"app\"\nversion = \"0.4.1\""),
        "{lock}"
    );
    assert_lock_is_current(&repo);

    // The work tree is back on main, untouched.
    assert_eq!(git_in(repo.path(), &["rev-parse", "HEAD"]), before_head);
    assert_eq!(
        git_in(repo.path(), &["symbolic-ref", "--short", "HEAD"]).trim(),
        "main"
    );
    assert_eq!(git_in(repo.path(), &["status", "--porcelain"]), "");

    // Another commit, a rerun: the same PR is updated, not a second opened.
    repo.commit("util/src/lib.rs", "Tidy up util");
    let plan = repo.json(&[]);
    assert_eq!(
        versions(&plan),
        map(&[("app", "0.4.1"), ("core", "1.1.0"), ("util", "0.1.1")])
    );
    let util = plan["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "util")
        .unwrap();
    assert!(
        util["reasons"][0]
            .as_str()
            .unwrap()
            .contains("not a conventional commit"),
        "{util}"
    );
    assert_eq!(plan["pull_request"]["created"], false);
    assert_eq!(repo.gh.count("POST", "/pulls"), 1, "one PR is ever created");
    assert_eq!(repo.gh.count("PATCH", "/pulls/1"), 1);
    assert_eq!(repo.gh.lock().pulls.len(), 1);
    assert!(repo.gh.lock().pulls[0].title.contains("3 packages"));
    assert!(repo
        .remote_file("util/Cargo.toml")
        .contains("version = \"0.1.1\""));
    assert_lock_is_current(&repo);

    // A rerun with nothing new pushes nothing and changes nothing on GitHub.
    let tip = git_in(repo.remote.path(), &["rev-parse", "consign/release"]);
    let writes = repo.gh.writes().len();
    // A new second: a re-made commit would have another hash.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let plan = repo.json(&[]);
    assert_eq!(plan["pull_request"]["number"], 1);
    assert_eq!(
        git_in(repo.remote.path(), &["rev-parse", "consign/release"]),
        tip
    );
    assert_eq!(repo.gh.writes().len(), writes, "{:?}", repo.gh.writes());
}

#[test]
fn dry_run_changes_no_byte_and_sends_no_write() {
    let repo = three_packages("");
    repo.commit("core/src/lib.rs", "feat!: a new API");
    let before = snapshot(&repo);
    let run = repo.run(&["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("core 1.0.0 → 2.0.0"), "{}", run.stderr);
    assert!(
        run.stderr.contains("feat!: a new API (major)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("## [2.0.0] - 2026-01-02"),
        "the changelog text:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("dry run"), "{}", run.stderr);
    let json = repo.json(&["--dry-run"]);
    assert_eq!(json["dry_run"], true);
    assert!(json.get("pull_request").is_none());
    assert_eq!(snapshot(&repo), before, "a dry run changed something");
    assert!(repo.gh.writes().is_empty(), "{:?}", repo.gh.writes());
    // Without a token, too.
    let run = repo.run_with(&["--dry-run"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn prereleases_start_move_on_and_end() {
    let repo = three_packages("");
    repo.commit("core/src/lib.rs", "feat: candidate");
    let plan = repo.json(&["--prerelease", "rc.1"]);
    assert_eq!(
        versions(&plan),
        map(&[("app", "0.4.1-rc.1"), ("core", "1.1.0-rc.1")])
    );
    assert!(repo
        .remote_file("app/Cargo.toml")
        .contains("version = \"1.1.0-rc.1\" }"));
    repo.merge_and_tag(&plan);

    repo.commit("core/src/lib.rs", "fix: candidate bug");
    let plan = repo.json(&["--prerelease", "rc"]);
    assert_eq!(
        versions(&plan),
        map(&[("app", "0.4.1-rc.2"), ("core", "1.1.0-rc.2")])
    );
    repo.merge_and_tag(&plan);

    // No new commit: leaving the pre-release is the release.
    let plan = repo.json(&[]);
    assert_eq!(versions(&plan), map(&[("app", "0.4.1"), ("core", "1.1.0")]));
    assert!(plan["packages"][1]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("leaves the pre-release 1.1.0-rc.2"));
    assert_eq!(repo.gh.count("POST", "/pulls"), 1, "the same PR all along");
    assert_lock_is_current(&repo);
}

#[test]
fn a_group_moves_together_and_limits_the_run() {
    let repo = three_packages("release-groups = { base = [\"core\", \"util\"] }");
    repo.commit("util/src/lib.rs", "feat: a util feature");
    repo.commit("app/src/main.rs", "fix: app fix");
    let plan = repo.json(&["--group", "base"]);
    // util's feat under 0.x is a patch; core moves with it to the group's version.
    assert_eq!(
        versions(&plan),
        map(&[("core", "1.0.1"), ("util", "1.0.1")])
    );
    let core = &plan["packages"][0];
    assert_eq!(
        core["reasons"],
        serde_json::json!(["moves with release group `base`"])
    );
    // app is outside the group: not bumped, but its requirement follows core.
    let app_toml = repo.remote_file("app/Cargo.toml");
    assert!(app_toml.contains("version = \"0.4.0\""), "{app_toml}");
    assert!(app_toml.contains("version = \"1.0.1\" }"), "{app_toml}");
    assert_lock_is_current(&repo);

    let run = repo.run(&["--group", "bas"]);
    run.fails_with(
        1,
        &[
            "`--group bas` names no release group",
            "did you mean `base`?",
        ],
    );
}

#[test]
fn the_workspace_version_moves_once_for_every_member() {
    let ws = TestWorkspace::new(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"0.2.0\" # one version\nedition = \"2021\"\nlicense = \"MIT\"\nrepository = \"https://github.com/acme/tools\"\n\n[workspace.dependencies]\na = { path = \"a\", version = \"0.2.0\" }\n",
        ),
        ("a/Cargo.toml", "[package]\nname = \"a\"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n"),
        ("a/src/lib.rs", "\n"),
        ("b/Cargo.toml", "[package]\nname = \"b\"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n\n[dependencies]\na.workspace = true\n"),
        ("b/src/lib.rs", "\n"),
        (".gitignore", "/target\n"),
    ]);
    ws.lock_and_commit();
    ws.git(&["tag", "v0.2.0"]);
    let repo = with_remote(ws);
    repo.commit("a/src/lib.rs", "feat!: breaking under 0.x");
    let plan = repo.json(&[]);
    assert_eq!(versions(&plan), map(&[("a", "0.3.0"), ("b", "0.3.0")]));
    assert_eq!(plan["workspace_version"]["new"], "0.3.0");
    assert_eq!(plan["packages"][0]["tag"], "v0.3.0");
    let root = repo.remote_file("Cargo.toml");
    assert!(root.contains("version = \"0.3.0\" # one version"), "{root}");
    assert!(
        root.contains("a = { path = \"a\", version = \"0.3.0\" }"),
        "{root}"
    );
    assert!(repo
        .remote_file("a/Cargo.toml")
        .contains("version.workspace = true"));
    assert_lock_is_current(&repo);
}

#[test]
fn a_merged_release_waiting_for_its_tags_is_not_bumped_again() {
    // Merging the release PR is a push to main, which runs `release-pr`
    // again before `consign release` has tagged anything.
    let repo = three_packages("");
    repo.commit("core/src/lib.rs", "feat(core): a faster path");
    let plan = repo.json(&[]);
    assert_eq!(versions(&plan), map(&[("app", "0.4.1"), ("core", "1.1.0")]));
    repo.ws.git(&["fetch", "-q", "origin"]);
    repo.ws
        .git(&["merge", "-q", "--ff-only", "origin/consign/release"]);
    let writes_before = repo.gh.count("POST", "") + repo.gh.count("PATCH", "");

    let run = repo.run(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("left out: core 1.1.0 is not released yet (no tag `core-v1.1.0`; last release `core-v1.0.0`)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing new to propose"),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.gh.count("POST", "") + repo.gh.count("PATCH", ""),
        writes_before,
        "no PR is opened or updated for versions waiting for `consign release`"
    );

    // A new change to another package is proposed; the waiting ones are not.
    repo.commit("util/src/lib.rs", "fix(util): edge case");
    let plan = repo.json(&["--dry-run"]);
    assert_eq!(versions(&plan), map(&[("util", "0.1.1")]));
    let pending: Vec<&str> = plan["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(pending, ["app", "core"]);

    // Once `consign release` has tagged them, they move again.
    repo.ws.git(&["tag", "core-v1.1.0"]);
    repo.ws.git(&["tag", "app-v0.4.1"]);
    repo.commit("core/src/lib.rs", "fix(core): follow-up");
    let plan = repo.json(&["--dry-run"]);
    assert_eq!(
        versions(&plan),
        map(&[("app", "0.4.2"), ("core", "1.1.1"), ("util", "0.1.1")])
    );
    assert!(plan.get("pending").is_none());
}

#[test]
fn nothing_since_the_last_tags_is_said_and_exits_zero() {
    let repo = three_packages("");
    let run = repo.run(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("nothing to release"), "{}", run.stderr);
    assert!(repo.gh.lock().requests.is_empty());
    // --force opens the PR anyway.
    let plan = repo.json(&["--force"]);
    assert!(plan["packages"].as_array().unwrap().is_empty());
    assert_eq!(repo.gh.lock().pulls.len(), 1);
    assert!(repo.gh.lock().pulls[0]
        .body
        .contains("opened with `--force`"));
}

#[test]
fn bad_input_gets_a_clear_error() {
    let repo = three_packages("");
    repo.commit("core/src/lib.rs", "fix: x");

    let run = repo.run_with(&[], None);
    run.fails_with(1, &["GITHUB_TOKEN", "hint:"]);
    assert_eq!(
        git_in(repo.remote.path(), &["branch", "--list", "consign/release"]),
        ""
    );

    let run = repo.run(&["--prerelease", "rc.x"]);
    run.fails_with(
        1,
        &["`--prerelease rc.x`", "not a pre-release label", "hint:"],
    );

    let run = repo.run(&["--group", "tools"]);
    run.fails_with(
        1,
        &[
            "`--group tools` names no release group",
            "no `release-groups` are configured",
        ],
    );

    repo.ws.write("core/src/lib.rs", "pub fn changed() {}\n");
    let run = repo.run(&[]);
    run.fails_with(
        1,
        &[
            "uncommitted changes",
            "core/src/lib.rs",
            "hint: commit or stash",
        ],
    );
    assert!(repo.gh.lock().requests.is_empty(), "nothing was sent");
}

#[test]
fn a_lost_reply_to_the_create_never_opens_a_second_pr() {
    use fake_github::{Action, Fault};
    let repo = three_packages("");
    repo.commit("core/src/lib.rs", "fix: x");
    // GitHub opens the PR but the reply is lost: the retry looks first.
    repo.gh
        .fault(Fault::new("POST", "/pulls", 1, Action::ActThenDrop));
    // And the label call fails once with a 502 (retried).
    repo.gh.fault(Fault::new(
        "POST",
        "/labels",
        1,
        Action::Reply(502, vec![], "{\"message\":\"Bad Gateway\"}".into()),
    ));
    let plan = repo.json(&[]);
    assert_eq!(versions(&plan), map(&[("app", "0.4.1"), ("core", "1.0.1")]));
    assert_eq!(repo.gh.count("POST", "/pulls"), 1);
    let s = repo.gh.lock();
    assert_eq!(s.pulls.len(), 1);
    assert_eq!(
        s.pulls[0].labels,
        vec![consign::release::LABEL_PENDING.to_string()]
    );
}
