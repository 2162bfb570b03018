//! End-to-end tests of `consign generate` and the drift check of `plan` and
//! `build`, against real workspaces in temp dirs.

mod common;

use std::path::Path;
use std::process::Command;

use clap::Parser as _;
use common::tools::{self, require_tools};
use common::*;

const WORKFLOW: &str = ".github/workflows/release.yml";

/// A reusable workflow custom jobs can call.
const CALLABLE: &str = "on:\n  workflow_call:\n    inputs:\n      plan:\n        required: true\n        type: string\njobs:\n  go:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"publishing\"\n";

/// The representative configs: one snapshot each, and each must pass
/// actionlint. Every one pins `consign-version` so the snapshots do not move
/// with consign's own version.
fn configs() -> Vec<(&'static str, TestWorkspace)> {
    let pin = "consign-version = \"0.9.0\"\nci = [\"github\"]\n";
    vec![
        (
            // The seed's basic setup: one app, shell and PowerShell installers.
            "single_app",
            single_app(&format!(
                "{pin}installers = [\"shell\", \"powershell\"]\ntargets = [\"x86_64-unknown-linux-gnu\", \"aarch64-apple-darwin\", \"x86_64-apple-darwin\", \"x86_64-pc-windows-msvc\"]\n"
            )),
        ),
        ("uv_style", uv_style(pin)),
        (
            "custom_runners",
            with_files(
                single_app(&format!(
                    "{pin}installers = [\"shell\"]\n{TARGETS}fail-fast = true\ncache-builds = true\ngithub-build-setup = \"../build-setup.yml\"\n\
                     github-custom-runners = {{ global = \"ubuntu-24.04\", x86_64-unknown-linux-gnu = {{ runner = \"buildjet-8vcpu-ubuntu-2204\", container = \"quay.io/pypa/manylinux2014_x86_64\" }}, macos-14 = \"macos-14-xlarge\" }}\n\
                     [workspace.metadata.dist.dependencies]\napt = {{ libssl-dev = \"*\", protobuf-compiler = \"3.12.4-1\" }}\nhomebrew = {{ protobuf = \"*\" }}\nchocolatey = {{ protoc = \"3.21.12\" }}\n"
                )),
                &[(
                    ".github/build-setup.yml",
                    "# Extra steps before the build.\n- name: Install protoc\n  uses: arduino/setup-protoc@v3\n  with:\n    repo-token: ${{ secrets.GITHUB_TOKEN }}\n",
                )],
            ),
        ),
        (
            "dispatch_releases",
            single_app(&format!(
                "{pin}installers = [\"shell\"]\n{TARGETS}consign-install = \"cargo-install\"\ndispatch-releases = true\ntag-namespace = \"tool\"\npr-run-mode = \"skip\"\n"
            )),
        ),
        (
            "attestations",
            single_app(&format!(
                "{pin}installers = [\"shell\", \"powershell\"]\n{TARGETS}github-attestations = true\ngithub-attestations-phase = \"build-local-artifacts\"\ngithub-attestations-filters = [\"*.tar.xz\", \"*.zip\", \"*-installer.sh\"]\n\
                 github-action-commits = {{ \"actions/checkout\" = \"08c6903cd8c0fde910a37f88322edcfb5dd907a8\", \"actions/attest-build-provenance\" = \"977bb373ede98d70efdf65b84cb5f73e068dcc2a\" }}\n"
            )),
        ),
        (
            // cargo-dist's custom job phases, permissions and CI keys.
            "cargo_dist_jobs",
            with_files(
                single_app(&format!(
                    "{pin}installers = [\"shell\"]\n{TARGETS}build-local-artifacts = false\nrust-toolchain-version = \"1.80.0\"\n\
                     github-releases-repo = \"acme/public\"\nplan-jobs = [\"./check\"]\nlocal-artifacts-jobs = [\"./build-docker\"]\n\
                     global-artifacts-jobs = [\"./docs\"]\nhost-jobs = [\"./mirror\"]\npublish-jobs = [\"./publish-crates\"]\n\
                     github-custom-runners = {{ global = \"depot-ubuntu-latest-4\" }}\n\
                     github-custom-job-permissions = {{ build-docker = {{ packages = \"write\", contents = \"read\" }}, publish-crates = {{ contents = \"read\" }} }}\n"
                )),
                &[
                    (".github/workflows/check.yml", CALLABLE),
                    (".github/workflows/build-docker.yml", CALLABLE),
                    (".github/workflows/docs.yml", CALLABLE),
                    (".github/workflows/mirror.yml", CALLABLE),
                    (".github/workflows/publish-crates.yml", CALLABLE),
                ],
            ),
        ),
        (
            "pr_upload",
            with_files(
                single_app(&format!(
                    "{pin}installers = [\"shell\", \"homebrew\", \"npm\"]\n{TARGETS}pr-run-mode = \"upload\"\ntap = \"acme/homebrew-tap\"\npublish-prereleases = true\npublish-crates = true\n\
                     publish-jobs = [\"homebrew\", \"npm\", \"./publish-docs\"]\npost-announce-jobs = [\"./notify\"]\n"
                )),
                &[
                    (".github/workflows/publish-docs.yml", CALLABLE),
                    (".github/workflows/notify.yml", CALLABLE),
                ],
            ),
        ),
    ]
}

/// uv's shape: several binaries, one of them Windows-only, attestations,
/// Homebrew publishing.
fn uv_style(pin: &str) -> TestWorkspace {
    let ws = single_app(&format!(
        "{pin}installers = [\"shell\", \"powershell\", \"homebrew\"]\ntargets = [\"x86_64-unknown-linux-gnu\", \"aarch64-unknown-linux-gnu\", \"x86_64-unknown-linux-musl\", \"aarch64-apple-darwin\", \"x86_64-apple-darwin\", \"x86_64-pc-windows-msvc\"]\n\
         tap = \"acme/homebrew-tap\"\npublish-jobs = [\"homebrew\"]\ngithub-attestations = true\n\
         bin = [{{ name = \"tool\" }}, {{ name = \"toolx\" }}, {{ name = \"toolw\", only-platforms = [\"x86_64-pc-windows-msvc\"] }}]\n"
    ));
    with_files(
        ws,
        &[
            ("src/bin/toolx.rs", "fn main() {}\n"),
            ("src/bin/toolw.rs", "fn main() {}\n"),
        ],
    )
}

fn with_files(ws: TestWorkspace, files: &[(&str, &str)]) -> TestWorkspace {
    for (path, text) in files {
        ws.write(path, text);
    }
    ws.commit();
    ws
}

fn generate(ws: &TestWorkspace) -> String {
    let run = ws.consign(&["generate"]);
    assert_eq!(run.code, 0, "generate failed:\n{}", run.stderr);
    read(ws, WORKFLOW)
}

fn read(ws: &TestWorkspace, path: &str) -> String {
    std::fs::read_to_string(ws.path().join(path)).unwrap()
}

#[test]
fn one_snapshot_per_config() {
    for (name, ws) in configs() {
        let text = generate(&ws);
        insta::assert_snapshot!(name, text);
    }
}

/// actionlint (with shellcheck, so `run:` scripts are checked too) finds
/// nothing in any generated workflow.
#[test]
fn every_generated_workflow_passes_actionlint() {
    require_tools!("actionlint", "shellcheck");
    for (name, ws) in configs() {
        generate(&ws);
        let out = Command::new("actionlint")
            .args(["-shellcheck", "shellcheck", "-no-color"])
            .current_dir(ws.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "actionlint findings for `{name}`:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every `consign ...` line of every generated workflow parses with
/// consign's own CLI definition, so a renamed command or flag breaks this
/// test. Shell variables are replaced by what CI puts in them; `$DIST_ARGS`
/// by the matrix entries `consign plan` really produces.
#[test]
fn generated_consign_commands_are_real() {
    let mut seen = std::collections::BTreeSet::new();
    for (name, ws) in configs() {
        let text = generate(&ws);
        ws.commit();
        let manifest = ws.plan_json(&[]);
        let dist_args: Vec<String> = manifest["ci"]["github"]["artifacts_matrix"]["include"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["dist_args"].as_str().unwrap().to_string())
            .collect();
        assert!(!dist_args.is_empty(), "{name}: the plan has a build matrix");
        let lines = consign_lines(&text);
        assert!(!lines.is_empty(), "{name}: no consign commands found");
        for line in lines {
            for args in expand(&line, &dist_args) {
                let argv = std::iter::once("consign".to_string()).chain(args);
                if let Err(e) = consign::cli::Cli::try_parse_from(argv) {
                    panic!("{name}: `{line}` does not parse with consign's CLI:\n{e}");
                }
            }
            seen.insert(line.split_whitespace().nth(1).unwrap().to_string());
        }
    }
    for cmd in ["plan", "build", "verify", "host", "announce"] {
        assert!(
            seen.contains(cmd),
            "no workflow runs `consign {cmd}`: {seen:?}"
        );
    }
}

/// The `consign ...` command lines of every `run:` script in the workflow.
fn consign_lines(text: &str) -> Vec<String> {
    let yaml: serde_norway::Value = serde_norway::from_str(text).unwrap();
    let mut lines = Vec::new();
    for (_, job) in yaml["jobs"].as_mapping().unwrap() {
        for step in job["steps"].as_sequence().into_iter().flatten() {
            if let Some(script) = step["run"].as_str() {
                lines.extend(
                    script
                        .lines()
                        .map(str::trim)
                        .filter(|l| l.starts_with("consign "))
                        .map(str::to_string),
                );
            }
        }
    }
    lines
}

/// Issue 18: every job whose `consign` command reads the built
/// `target/distrib` (`verify`, `host`, `announce`) first downloads the build's
/// artifacts into it. The announce job once downloaded them only for
/// announce-phase attestations, so `consign announce` failed on every release
/// with "there is no `dist-manifest.json`" and the release stayed a draft.
#[test]
fn jobs_that_read_the_built_release_download_it_first() {
    for (name, ws) in configs() {
        let text = generate(&ws);
        let yaml: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        let mut checked = 0;
        for (id, job) in yaml["jobs"].as_mapping().unwrap() {
            let mut downloaded = false;
            for step in job["steps"].as_sequence().into_iter().flatten() {
                let uses = step["uses"].as_str().unwrap_or_default();
                if uses.starts_with("actions/download-artifact")
                    && step["with"]["path"].as_str() == Some("target/distrib/")
                    && step["with"]["name"].as_str() == Some("artifacts-build-global")
                {
                    downloaded = true;
                }
                let script = step["run"].as_str().unwrap_or_default();
                for cmd in ["consign verify", "consign host", "consign announce"] {
                    if script.contains(cmd) {
                        assert!(
                            downloaded,
                            "{name}: job `{}` runs `{cmd}` without downloading the built artifacts first",
                            id.as_str().unwrap()
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 2, "{name}: found only {checked} such commands");
    }
}

/// Shell words of `line` (output redirection dropped), once per matrix entry
/// when it uses `$DIST_ARGS`.
fn expand(line: &str, dist_args: &[String]) -> Vec<Vec<String>> {
    let command = line.split(" > ").next().unwrap();
    let variants: Vec<String> = if command.contains("$DIST_ARGS") {
        dist_args
            .iter()
            .map(|d| command.replace("$DIST_ARGS", d))
            .collect()
    } else {
        vec![command.to_string()]
    };
    variants
        .iter()
        .map(|v| {
            let v = v.replace("\"$TAG\"", "v1.2.3");
            assert!(!v.contains('$'), "unexpected shell expansion in `{line}`");
            shlex::split(&v).unwrap().into_iter().skip(1).collect()
        })
        .collect()
}

#[test]
fn check_reports_stale_files_with_a_diff_and_the_fix() {
    let ws = single_app(&format!(
        "ci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}"
    ));
    let missing = ws.consign(&["generate", "--check"]);
    missing.fails_with(1, &[WORKFLOW, "missing", "run `consign generate`"]);
    assert!(!ws.path().join(WORKFLOW).exists(), "--check writes nothing");

    generate(&ws);
    let ok = ws.consign(&["generate", "--check"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);

    // A config change makes the file stale: exit 1, a unified diff, the hint.
    let manifest = read(&ws, "Cargo.toml").replace("ci = [", "fail-fast = true\nci = [");
    ws.write("Cargo.toml", &manifest);
    let stale = ws.consign(&["generate", "--check"]);
    stale.fails_with(
        1,
        &[
            "out of date with the dist config",
            "--- a/.github/workflows/release.yml",
            "+++ b/.github/workflows/release.yml",
            "-      fail-fast: false",
            "+      fail-fast: true",
            "hint: run `consign generate`",
        ],
    );
    // Plain `generate` updates a stale file without asking.
    let run = ws.consign(&["generate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("updated"), "{}", run.stderr);
    assert!(read(&ws, WORKFLOW).contains("fail-fast: true"));
}

#[test]
fn plan_and_build_fail_on_drift_unless_allowed() {
    let ws = single_app(&format!(
        "ci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}"
    ));
    for cmd in ["plan", "build"] {
        ws.consign(&[cmd]).fails_with(
            1,
            &[
                "generated files do not match",
                WORKFLOW,
                "run `consign generate`",
            ],
        );
    }
    generate(&ws);
    ws.commit();
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A config change after generating is drift.
    let manifest = read(&ws, "Cargo.toml").replace("ci = [", "pr-run-mode = \"upload\"\nci = [");
    ws.write("Cargo.toml", &manifest);
    ws.commit();
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "out of date with the dist config",
            "+      - name: Cache cargo downloads",
        ],
    );
    // ... unless allowed.
    ws.write(
        "Cargo.toml",
        &manifest.replace("ci = [", "allow-dirty = [\"ci\"]\nci = ["),
    );
    ws.commit();
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn hand_edits_are_never_overwritten_silently() {
    let ws = single_app(&format!(
        "ci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}"
    ));
    let original = generate(&ws);
    let edited = original.replace("name: Release", "name: Ship it");
    ws.write(WORKFLOW, &edited);

    ws.consign(&["generate", "--check"])
        .fails_with(1, &["edited by hand", "-name: Ship it", "+name: Release"]);
    ws.consign(&["generate"])
        .fails_with(1, &["changed by hand", "not overwriting", "--force"]);
    assert_eq!(read(&ws, WORKFLOW), edited, "the hand edit survives");

    // A file consign did not write (no marker) is treated the same way.
    ws.write(WORKFLOW, "name: Mine\non: push\n");
    ws.consign(&["generate"])
        .fails_with(1, &["changed by hand"]);

    let run = ws.consign(&["generate", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(&ws, WORKFLOW), original);
}

/// Bad CI config is reported at its file, line and column with a hint, and
/// nothing is written.
#[test]
fn bad_input_is_reported_before_anything_is_written() {
    let cases: &[(&str, &[&str])] = &[
        (
            "ci = [\"gitlab\"]\n",
            &["`workspace.metadata.dist.ci`", "expected one of `github`", "Cargo.toml:"],
        ),
        (
            "ci = [\"github\"]\npublish-jobs = [\"./release-docs\"]\n",
            &[
                "`publish-jobs` lists `./release-docs`, but there is no `.github/workflows/release-docs.yml`",
                "Cargo.toml:",
                "hint: create `.github/workflows/release-docs.yml`",
            ],
        ),
        (
            "ci = [\"github\"]\npublish-jobs = [\"homebrw\"]\n",
            &["dist.publish-jobs`", "did you mean `homebrew`?"],
        ),
        (
            "ci = [\"github\"]\npublish-jobs = [\"homebrew\"]\n",
            &["lists `homebrew`, but no `tap` is set", "hint: add `tap ="],
        ),
        (
            "ci = [\"github\"]\ngithub-action-commits = { \"actions/checkout\" = \"v4 && evil\" }\n",
            &["expected a git ref", "Cargo.toml:"],
        ),
        (
            "ci = [\"github\"]\npost-announce-jobs = [\"notify\"]\n",
            &["post-announce-jobs", "hint: write `./notify`"],
        ),
        (
            "ci = [\"github\"]\nconsign-version = \"latest\"\n",
            &["consign-version", "expected an exact version", "hint: `latest` is not a semver version"],
        ),
        (
            "ci = [\"github\"]\nconsign-install = \"cargo-install\"\nconsign-url-override = \"https://mirror.example/consign\"\n",
            &["`consign-url-override` is set, but `consign-install` is `cargo-install`", "hint: remove `consign-url-override`"],
        ),
        (
            "ci = [\"github\"]\nconsign-install = \"source\"\n",
            &["builds the `consign` package of this workspace, but it has none"],
        ),
        (
            "ci = [\"github\"]\ntag-namespace = \"rel*\"\n",
            &["`tag-namespace` `rel*` cannot start a tag pattern"],
        ),
        (
            "ci = [\"github\"]\ngithub-build-setup = \"missing.yml\"\n",
            &["`github-build-setup` names `.github/workflows/missing.yml`, which cannot be read"],
        ),
    ];
    for (config, needles) in cases {
        let ws = single_app(&format!("{config}installers = [\"shell\"]\n{TARGETS}"));
        let run = ws.consign(&["generate"]);
        run.fails_with(1, needles);
        assert!(
            run.stderr.contains("hint:"),
            "no hint for {config}:\n{}",
            run.stderr
        );
        assert!(
            !ws.path().join(".github").exists(),
            "wrote files for {config}"
        );
    }
}

/// Shapes cargo-dist accepts: a runner for a target nothing builds, action
/// refs that are tags or carry a comment, a pin of an action the workflow
/// does not use. Generating works, and says what goes unused.
#[test]
fn cargo_dist_shapes_are_accepted_and_unused_config_is_named() {
    let ws = single_app(&format!(
        "ci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}cache-builds = true\n\
         github-custom-runners = {{ aarch64-unknown-linux-gnu = \"big-arm\", x86_64-unknown-linux-gun = \"big\" }}\n\
         github-action-commits = {{ \"actions/checkout\" = \"v7\", \"actions/cache\" = \"0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0\", \"swatinem/rust-cache\" = \"v2\" }}\n"
    ));
    let run = ws.consign(&["generate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "runner for target `aarch64-unknown-linux-gnu`, which no app builds; it is unused"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("did you mean `x86_64-unknown-linux-gnu`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("pins `swatinem/rust-cache`, which the release workflow does not use"),
        "{}",
        run.stderr
    );
    let wf = read(&ws, ".github/workflows/release.yml");
    assert!(wf.contains("uses: actions/checkout@v7\n"), "{wf}");
    assert!(
        wf.contains("uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830 # v4.3.0"),
        "{wf}"
    );
    assert!(!wf.contains("big-arm"), "{wf}");
}

#[test]
fn msi_gets_a_wix_source_with_stable_guids() {
    let ws = single_app(&format!(
        "ci = [\"github\"]\nallow-dirty = [\"ci\"]\ninstallers = [\"msi\"]\n{TARGETS}"
    ));
    let run = ws.consign(&["generate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let wxs = read(&ws, "wix/main.wxs");
    assert!(wxs.starts_with("<?xml"), "{wxs}");
    assert!(wxs.contains("<!-- consign-generated sha256:"), "{wxs}");
    let manifest = read(&ws, "Cargo.toml");
    let upgrade = manifest
        .lines()
        .find_map(|l| l.strip_prefix("upgrade-guid = \""))
        .expect("the upgrade GUID is stored in Cargo.toml")
        .trim_end_matches('"')
        .to_string();
    assert!(wxs.contains(&upgrade), "the wxs uses the stored GUID");

    // Stable: a second run changes nothing, and --check agrees.
    let again = ws.consign(&["generate"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(read(&ws, "wix/main.wxs"), wxs);
    assert_eq!(read(&ws, "Cargo.toml"), manifest);
    assert_eq!(ws.consign(&["generate", "--check"]).code, 0);
}

#[test]
fn workspace_in_a_subdirectory_runs_there() {
    let ws = single_app(&format!(
        "consign-version = \"0.9.0\"\nci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}"
    ));
    // Move the workspace into `rust/` of the same repository.
    let sub = ws.path().join("rust");
    std::fs::create_dir(&sub).unwrap();
    for name in [
        "Cargo.toml",
        "src",
        "README.md",
        "LICENSE-MIT",
        "CHANGELOG.md",
    ] {
        std::fs::rename(ws.path().join(name), sub.join(name)).unwrap();
    }
    ws.commit();
    let run = ws.consign_in(&sub, &["generate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = read(&ws, WORKFLOW);
    assert!(text.contains("    working-directory: rust\n"), "{text}");
    assert!(text.contains("path: rust/target/distrib/"), "{text}");
    assert!(!Path::new(&sub.join(".github")).exists());
}

const RELEASE_PR: &str = ".github/workflows/release-pr.yml";

/// `release-pr = true` writes the release-PR workflow: the seed's
/// `workflow_dispatch` inputs and defaults exactly, push (limited to
/// `release-pr-paths`) → prepare, merged release PR → release, least
/// privilege per job, one concurrency group per job; it passes actionlint
/// with shellcheck, its `consign release` line parses, and `--check` sees
/// drift.
#[test]
fn release_pr_workflow_is_written_checked_and_lints() {
    require_tools!("actionlint", "shellcheck");
    let ws = single_app(&format!(
        "consign-version = \"0.9.0\"\nci = [\"github\"]\ninstallers = [\"shell\"]\nrelease-pr = true\nrelease-pr-paths = [\"src/**\", \"Cargo.*\"]\n{TARGETS}"
    ));
    generate(&ws);
    let text = read(&ws, RELEASE_PR);
    let y: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let on = &y["on"];
    assert_eq!(on["push"]["branches"][0], "main");
    assert_eq!(on["push"]["paths"][0], "src/**");
    assert_eq!(on["push"]["paths"][1], "Cargo.*");
    assert_eq!(on["pull_request"]["types"][0], "closed");
    let inputs = on["workflow_dispatch"]["inputs"].as_mapping().unwrap();
    let names: Vec<&str> = inputs.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "action",
            "dry_run",
            "force_prepare",
            "group",
            "bump_type",
            "prerelease",
            "skip_publish",
            "concurrency",
            "max_retries"
        ]
    );
    let input = |n: &str| &on["workflow_dispatch"]["inputs"][n];
    assert_eq!(input("action")["default"], "release");
    assert_eq!(
        input("action")["options"],
        serde_norway::from_str::<serde_norway::Value>("[prepare, release]").unwrap()
    );
    assert_eq!(input("dry_run")["default"], true);
    assert_eq!(input("force_prepare")["default"], false);
    assert_eq!(input("bump_type")["default"], "auto");
    assert_eq!(
        input("bump_type")["options"],
        serde_norway::from_str::<serde_norway::Value>("[auto, patch, minor, major]").unwrap()
    );
    assert_eq!(input("skip_publish")["default"], false);
    assert_eq!(input("concurrency")["default"], "0");
    assert_eq!(input("max_retries")["default"], "2");
    assert_eq!(
        y["permissions"],
        serde_norway::from_str::<serde_norway::Value>("{}").unwrap()
    );
    let jobs = &y["jobs"];
    assert_eq!(jobs["prepare"]["permissions"]["contents"], "write");
    assert_eq!(jobs["prepare"]["permissions"]["pull-requests"], "write");
    assert!(jobs["prepare"]["permissions"].get("id-token").is_none());
    assert_eq!(jobs["release"]["permissions"]["contents"], "write");
    assert_eq!(jobs["release"]["permissions"]["id-token"], "write");
    assert_eq!(
        jobs["prepare"]["concurrency"]["group"],
        "consign-release-pr-prepare"
    );
    assert_eq!(jobs["prepare"]["concurrency"]["cancel-in-progress"], false);
    let release_if = jobs["release"]["if"].as_str().unwrap();
    assert!(release_if.contains("github.event.pull_request.merged == true"));
    assert!(release_if.contains("head.ref == 'consign/release'"));
    // consign is installed by the same step as in release.yml.
    let release_yml = read(&ws, WORKFLOW);
    assert!(text.contains("Install consign 0.9.0"));
    assert!(release_yml.contains("Install consign 0.9.0"));
    // The `consign release` line is a real command line.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("consign release \"$@\""))
        .expect("a consign release line");
    assert!(line.contains("consign release"));
    consign::cli::Cli::try_parse_from([
        "consign",
        "release",
        "--branch",
        "consign/release",
        "--max-retries",
        "2",
        "--concurrency",
        "3",
        "--dry-run",
        "--skip-publish",
    ])
    .expect("the flags the workflow passes exist");
    // So is the `consign release-pr` line, with every flag its inputs can add.
    assert!(text.contains("consign release-pr \"$@\""));
    for flag in ["--bump", "--dry-run", "--force", "--group", "--prerelease"] {
        assert!(text.contains(flag), "the prepare step passes {flag}");
    }
    consign::cli::Cli::try_parse_from([
        "consign",
        "release-pr",
        "--bump",
        "auto",
        "--dry-run",
        "--force",
        "--group",
        "tools",
        "--prerelease",
        "rc.1",
    ])
    .expect("the flags the prepare step passes exist");
    let out = Command::new("actionlint")
        .args(["-shellcheck", "shellcheck", "-no-color", RELEASE_PR])
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint findings:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Drift: another path glob makes the file stale.
    let ok = ws.consign(&["generate", "--check"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let manifest = read(&ws, "Cargo.toml").replace("\"Cargo.*\"", "\"Cargo.toml\"");
    ws.write("Cargo.toml", &manifest);
    ws.consign(&["generate", "--check"])
        .fails_with(1, &[RELEASE_PR, "run `consign generate`"]);
    // Without the key, no release-PR workflow.
    let plain = single_app(&format!(
        "ci = [\"github\"]\ninstallers = [\"shell\"]\n{TARGETS}"
    ));
    generate(&plain);
    assert!(!plain.path().join(RELEASE_PR).exists());
}
