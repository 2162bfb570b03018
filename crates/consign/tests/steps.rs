//! The plan as typed steps: its invariants over real workspaces, and the
//! regressions that came from executors deciding things the plan should
//! have decided.

mod common;

use std::process::Command;

use common::{single_app, TestWorkspace};
use consign::plan::{self, ArtifactMode, Phase, PlanOptions, PublishStep, Step};
use consign::project::{self, LoadOptions};

const HOST: &str = "x86_64-unknown-linux-gnu";

fn load_plan(ws: &TestWorkspace, mode: ArtifactMode) -> plan::Plan {
    let loaded = project::load(&LoadOptions::new(Some(ws.path().join("Cargo.toml")))).unwrap();
    plan::plan(
        &loaded,
        &PlanOptions {
            artifacts: mode,
            host_target: HOST.into(),
            tool_version: "0.0.0".into(),
            ..PlanOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn steps_run_local_then_global_then_publish_and_cover_the_manifest() {
    let ws = single_app(&format!(
        "installers = [\"shell\", \"powershell\", \"homebrew\", \"npm\", \"msi\", \"docker\"]\ntap = \"acme/homebrew-tap\"\npublish-jobs = [\"homebrew\", \"npm\"]\ntargets = [\"{HOST}\", \"x86_64-unknown-linux-musl\", \"aarch64-apple-darwin\", \"x86_64-pc-windows-msvc\"]\n"
    ));
    ws.replace_in(
        "Cargo.toml",
        "[workspace]",
        "[package.metadata.wix]\nupgrade-guid = \"3B4C9A7E-1F2D-4E5A-8B6C-7D8E9F0A1B2C\"\npath-guid = \"4C5DAB8F-2A3E-4F6B-9C7D-8E9FA0B1C2D3\"\n\n[workspace]",
    );
    ws.commit();
    let plan = load_plan(&ws, ArtifactMode::All);
    let phases: Vec<Phase> = plan.steps.iter().map(Step::phase).collect();
    let mut sorted = phases.clone();
    sorted.sort();
    assert_eq!(phases, sorted, "steps are in phase order");
    assert!(phases.contains(&Phase::Publish));

    // Every artifact of the manifest is written by exactly one step.
    for name in plan.manifest.artifacts.keys() {
        let writers = plan
            .steps
            .iter()
            .filter(|s| s.outputs().contains(&name.as_str()))
            .count();
        assert_eq!(writers, 1, "`{name}` is written by {writers} steps");
    }
    // Installers offer only planned archives, and have a URL for each.
    let archives: Vec<&str> = plan.archives().map(|a| a.name.as_str()).collect();
    for i in plan.installers() {
        for a in &i.context.artifacts {
            assert!(archives.contains(&a.archive.as_str()), "{}", a.archive);
            assert!(i.meta.archive_urls[&a.archive].ends_with(&a.archive));
        }
    }
    // Homebrew's archives get SHA-256 (the plan says so, not the build).
    let brewed = plan.installers().find(|i| i.artifact == "tool.rb").unwrap();
    assert!(!brewed.context.artifacts.is_empty());
    // Images know their entrypoint.
    assert!(plan.images().all(|i| i.entrypoint == "tool"));
    // Publish steps: one tap commit, one npm package.
    let publishes: Vec<&PublishStep> = plan.publishes().collect();
    assert_eq!(publishes.len(), 2, "{publishes:?}");
    match publishes[0] {
        PublishStep::Homebrew(t) => {
            assert_eq!(t.formulas, ["tool.rb"]);
            assert_eq!(t.remote, "https://github.com/acme/homebrew-tap.git");
        }
        other => panic!("{other:?}"),
    }
    match publishes[1] {
        PublishStep::Npm(n) => {
            assert_eq!((n.package.as_str(), n.version.as_str()), ("tool", "1.2.3"));
            assert_eq!(n.dist_tag, "latest");
        }
        other => panic!("{other:?}"),
    }
    // A local-only plan publishes nothing.
    assert_eq!(load_plan(&ws, ArtifactMode::Local).publishes().count(), 0);
}

#[test]
fn checksums_other_than_sha256_still_give_homebrew_sha256() {
    let ws = single_app(&format!(
        "installers = [\"homebrew\"]\ntap = \"acme/homebrew-tap\"\nchecksum = \"sha512\"\ntargets = [\"{HOST}\"]\n"
    ));
    let plan = load_plan(&ws, ArtifactMode::All);
    let archive = plan.archives().next().unwrap();
    assert_eq!(archive.extra_checksums.len(), 1);
    assert_eq!(archive.extra_checksums[0].as_str(), "sha256");
}

#[test]
fn a_tap_without_the_homebrew_prefix_gets_no_wrong_hint() {
    // Homebrew looks up `brew install acme/formulas/tool` in the repository
    // `acme/homebrew-formulas`: the plan used to print that wrong command.
    let ws = single_app(&format!(
        "installers = [\"homebrew\"]\ntap = \"acme/formulas\"\ntargets = [\"{HOST}\"]\n"
    ));
    let m = ws.plan_json(&[]);
    assert!(m["artifacts"]["tool.rb"]["install_hint"].is_null(), "{m}");
    let run = ws.consign(&["plan"]);
    assert!(
        run.stderr.contains("no `homebrew-` prefix"),
        "{}",
        run.stderr
    );
    let ok = single_app(&format!(
        "installers = [\"homebrew\"]\ntap = \"acme/homebrew-formulas\"\ntargets = [\"{HOST}\"]\n"
    ));
    assert_eq!(
        ok.plan_json(&[])["artifacts"]["tool.rb"]["install_hint"],
        "brew install acme/formulas/tool"
    );
}

#[test]
fn a_global_build_does_not_call_merged_images_unbuilt() {
    let ws = single_app(&format!(
        "installers = [\"shell\", \"docker\"]\ntargets = [\"{HOST}\"]\n"
    ));
    ws.lock_and_commit();
    let local = ws.consign(&["build", "-a", "local", "-t", HOST]);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let global = ws.consign(&["build", "-a", "global"]);
    assert_eq!(global.code, 0, "{}", global.stderr);
    assert!(
        !global.stderr.contains("not built"),
        "the Dockerfile was built by the local build:\n{}",
        global.stderr
    );
}

#[test]
fn the_recursive_source_tarball_takes_submodules_at_the_release_commit() {
    let sub = TestWorkspace::new(&[("lib.txt", "released\n")]);
    let ws = single_app(&format!(
        "recursive-tarball = true\ntargets = [\"{HOST}\"]\n"
    ));
    ws.add_submodule(sub.path(), "vendor/sub");
    ws.lock_and_commit();
    // The submodule's work tree moves on after the release commit.
    let inner = ws.path().join("vendor/sub");
    std::fs::write(inner.join("lib.txt"), "later\n").unwrap();
    common::git_in(&inner, &["commit", "-q", "-am", "later"]);
    let run = ws.consign(&["build", "-a", "global", "--allow-dirty"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = common::tools::stdout_ok(
        Command::new("tar")
            .args([
                "-xzOf",
                "target/distrib/source.tar.gz",
                "tool-1.2.3/vendor/sub/lib.txt",
            ])
            .current_dir(ws.path()),
    );
    assert_eq!(out, "released\n");
}

#[test]
fn wix_source_lists_the_binaries_the_msi_gets() {
    // `toolx` is Linux-only: the MSI (built from the Windows archive's
    // binaries) does not have it, so `wix/main.wxs` must not name it, or
    // wixl fails on the missing file.
    let ws = single_app(
        "installers = [\"msi\"]\ntargets = [\"x86_64-unknown-linux-gnu\", \"x86_64-pc-windows-msvc\"]\n\
         bin = [{ name = \"tool\" }, { name = \"toolx\", only-platforms = [\"x86_64-unknown-linux-gnu\"] }]\n",
    );
    ws.write("src/bin/toolx.rs", "fn main() {}\n");
    ws.commit();
    let run = ws.consign(&["generate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let wxs = std::fs::read_to_string(ws.path().join("wix/main.wxs")).unwrap();
    assert!(wxs.contains("tool.exe"), "{wxs}");
    assert!(!wxs.contains("toolx.exe"), "{wxs}");
}

/// **Invariant:** executors carry out the plan and never read the workspace
/// or the dist config again. Checked over their sources, so a change that
/// reaches for either fails here.
#[test]
fn executors_never_read_the_workspace_or_the_config() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![
        src.join("channel/homebrew.rs"),
        src.join("channel/npm.rs"),
        src.join("ci/wix.rs"),
        src.join("ci/github/workflow.rs"),
    ];
    for dir in ["build", "verify", "host"] {
        for entry in std::fs::read_dir(src.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in ["Workspace", "DistConfig", "project::load"] {
                if code.contains(word) {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "executors reading the workspace or config:\n{}",
        offenders.join("\n")
    );
}

/// The environment is read once, by `settings::Environment::capture`, and
/// passed down: no other module reads a variable (the write-kill test hooks
/// in `fs.rs` aside). Checked over the sources, so a change that reaches for
/// `std::env::var` fails here.
#[test]
fn only_settings_reads_the_environment() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 50, "the walk found the sources");
    let allowed = [src.join("settings.rs"), src.join("fs.rs")];
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| !allowed.contains(f)) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in ["env::var(", "env::var_os(", "env::vars(", "env::vars_os("] {
                if code.contains(word) {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "read the environment through `settings::Environment` instead:\n{}",
        offenders.join("\n")
    );
    // And `settings.rs` does read it, in one place.
    let settings = std::fs::read_to_string(&allowed[0]).unwrap();
    assert_eq!(settings.matches("std::env::vars_os()").count(), 1);
}
