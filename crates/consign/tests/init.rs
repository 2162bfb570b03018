//! End-to-end tests of `consign init` and `consign migrate` on real workspaces.

mod common;

use common::*;

fn read(ws: &TestWorkspace, path: &str) -> String {
    std::fs::read_to_string(ws.path().join(path)).unwrap()
}

/// A bare single-package workspace: no dist config, no `[profile.dist]`.
fn bare() -> TestWorkspace {
    TestWorkspace::new(&[
        (
            "Cargo.toml",
            &format!(
                "{}\n[dependencies]\n",
                package("tool", "1.2.3", "description = \"A tool\"\n")
            ),
        ),
        ("src/main.rs", "fn main() {}\n"),
        (".gitignore", "/target\n"),
    ])
}

#[test]
fn yes_on_a_bare_workspace_writes_a_config_that_plan_accepts() {
    let ws = bare();
    let run = ws.consign(&["init", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("created "), "{}", run.stderr);

    let config = read(&ws, "dist-workspace.toml");
    assert!(
        config.starts_with("[workspace]\nmembers = [\"cargo:.\"]\n"),
        "{config}"
    );
    assert!(config.contains(&format!(
        "consign-version = \"{}\"",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(config.contains("ci = [\"github\"]"));
    assert!(config.contains("installers = [\"shell\", \"powershell\"]"));
    for t in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(config.contains(&format!("    \"{t}\",\n")), "{config}");
    }
    let manifest = read(&ws, "Cargo.toml");
    assert!(
        manifest.contains("[profile.dist]\ninherits = \"release\"\nlto = \"thin\"\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("[package.metadata.binstall]"),
        "{manifest}"
    );

    // init finishes with `generate`: the workflow is there and in sync.
    assert!(read(&ws, ".github/workflows/release.yml").contains("consign plan"));
    let check = ws.consign(&["generate", "--check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);

    ws.commit();
    let m = ws.plan_json(&[]);
    assert_eq!(m["announcement_tag"], "v1.2.3");
    let plan = ws.consign(&["plan"]);
    assert!(!plan.stderr.contains("binstall"), "{}", plan.stderr);

    // A rerun with the same answers changes nothing.
    let before = (read(&ws, "dist-workspace.toml"), read(&ws, "Cargo.toml"));
    let run = ws.consign(&["init", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("nothing to change"), "{}", run.stderr);
    assert_eq!(
        before,
        (read(&ws, "dist-workspace.toml"), read(&ws, "Cargo.toml"))
    );
}

#[test]
fn rerun_keeps_comments_answers_and_formatting_and_migrates_old_keys() {
    let original = format!(
        "{}\n[workspace]\n\n# Release settings: edited by hand.\n[workspace.metadata.dist]\ncargo-dist-version = \"0.30.2\"\nci = \"github\" # the only CI we use\n# Only what our users run.\ninstallers = [ \"shell\" ]\ntargets = [\"x86_64-unknown-linux-gnu\"]   # just linux\nmin-glibc-version = \"2.17\"\n{PROFILE}",
        package("tool", "1.2.3", "")
    );
    let ws = TestWorkspace::new(&[("Cargo.toml", &original), ("src/main.rs", "fn main() {}\n")]);
    let run = ws.consign(&["init", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for note in [
        "renamed `min-glibc-version` to `minimum-glibc-version`",
        "`ci` is now a list",
        "kept `cargo-dist-version`",
    ] {
        assert!(run.stderr.contains(note), "{note}: {}", run.stderr);
    }
    assert!(!ws.path().join("dist-workspace.toml").exists());
    let text = read(&ws, "Cargo.toml");
    let expected_config = format!(
        "# Release settings: edited by hand.\n[workspace.metadata.dist]\ncargo-dist-version = \"0.30.2\"\nci = [\"github\"] # the only CI we use\n# Only what our users run.\ninstallers = [ \"shell\" ]\ntargets = [\"x86_64-unknown-linux-gnu\"]   # just linux\nminimum-glibc-version = \"2.17\"\nconsign-version = \"{}\"\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&expected_config), "{text}");
    // [profile.dist] already existed: kept as is, not duplicated.
    assert_eq!(text.matches("[profile.dist]").count(), 1);

    // Flags change one answer and leave the rest (and the comments) alone.
    let run = ws.consign(&[
        "init",
        "--yes",
        "--no-generate",
        "-i",
        "shell",
        "-i",
        "npm",
        "--npm-scope",
        "@acme",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = read(&ws, "Cargo.toml");
    assert!(
        text.contains("installers = [\"shell\", \"npm\"]\n"),
        "{text}"
    );
    assert!(text.contains("npm-scope = \"@acme\""), "{text}");
    assert!(text.contains("# Only what our users run.\n"), "{text}");
    assert!(
        text.contains("targets = [\"x86_64-unknown-linux-gnu\"]   # just linux\n"),
        "{text}"
    );
    ws.commit();
    ws.plan_json(&[]);
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let ws = bare();
    let before = read(&ws, "Cargo.toml");
    ws.consign(&["init", "--yes", "--tap", "not-a-tap"])
        .fails_with(1, &["--tap", "owner/repo"]);
    ws.consign(&["init", "--yes", "-t", "x86_64-unknown-linux-gmu"])
        .fails_with(1, &["x86_64-unknown-linux-gmu", "did you mean"]);
    ws.consign(&["init", "--yes", "--hosting", "simple"])
        .fails_with(1, &["--simple-download-url"]);
    ws.consign(&["init", "--yes", "--ci", "gitlab"])
        .fails_with(2, &["invalid value 'gitlab'"]);
    // Not a terminal and no --yes: say how to run it unattended.
    ws.consign(&["init"]).fails_with(1, &["not one", "--yes"]);
    assert_eq!(read(&ws, "Cargo.toml"), before);
    assert!(!ws.path().join("dist-workspace.toml").exists());

    let outside = TestWorkspace::empty();
    outside.consign(&["init", "--yes"]).fails_with(
        1,
        &["could not find `Cargo.toml`", "inside a Cargo workspace"],
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn apps_at_different_versions_get_singular_tag_binstall_urls() {
    let ws = TestWorkspace::new(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
        ),
        ("a/Cargo.toml", &package("alpha", "1.0.0", "")),
        ("a/src/main.rs", "fn main() {}\n"),
        ("b/Cargo.toml", &package("beta", "2.0.0", "")),
        ("b/src/main.rs", "fn main() {}\n"),
    ]);
    let run = ws.consign(&[
        "init",
        "--yes",
        "-t",
        "x86_64-unknown-linux-gnu",
        "-t",
        "x86_64-pc-windows-msvc",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let a = read(&ws, "a/Cargo.toml");
    assert!(
        a.contains("pkg-url = \"{ repo }/releases/download/alpha-v{ version }/{ name }-{ target }{ archive-suffix }\""),
        "{a}"
    );
    // Windows archives are zips while the rest are .tar.xz: an override says so.
    assert!(
        a.contains(
            "[package.metadata.binstall.overrides.x86_64-pc-windows-msvc]\npkg-fmt = \"zip\""
        ),
        "{a}"
    );
    let b = read(&ws, "b/Cargo.toml");
    assert!(b.contains("/releases/download/beta-v{ version }/"), "{b}");
    ws.commit();
    let plan = ws.consign(&["plan", "--tag", "beta-v2.0.0"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(!plan.stderr.contains("binstall"), "{}", plan.stderr);

    // A wrong hand-written pkg-url is found by plan and repaired by init.
    let broken = b.replace("beta-v{ version }", "v{ version }");
    ws.write("b/Cargo.toml", &broken);
    ws.commit();
    ws.consign(&["plan", "--tag", "beta-v2.0.0"])
        .fails_with(0, &["`cargo binstall beta` will not find this release"]);
    let run = ws.consign(&["init", "--yes"]);
    assert!(
        run.stderr
            .contains("rewrote `[package.metadata.binstall]` of `beta`"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&ws, "b/Cargo.toml"), b);
}

#[test]
fn migrate_moves_workspace_metadata_into_dist_workspace_toml() {
    let ws = single_app("allow-dirty = [\"ci\"]\n# pinned\ncargo-dist-version = \"0.30.2\"\nci = [\"github\"]\ninstallers = [\"shell\"] # just sh\ntargets = [\"x86_64-unknown-linux-gnu\"]\n\n[workspace.metadata.dist.github-custom-runners]\nx86_64-unknown-linux-gnu = \"ubuntu-24.04\"\n");
    let before = ws.plan_json(&[]);
    let run = ws.consign(&["migrate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("moved `[workspace.metadata.dist]`"),
        "{}",
        run.stderr
    );
    let cargo = read(&ws, "Cargo.toml");
    assert!(!cargo.contains("metadata.dist"), "{cargo}");
    assert!(cargo.contains("[workspace]"), "{cargo}");
    let config = read(&ws, "dist-workspace.toml");
    assert!(
        config.contains("# pinned\ncargo-dist-version = \"0.30.2\"\nci = [\"github\"]\ninstallers = [\"shell\"] # just sh\n"),
        "{config}"
    );
    assert!(
        config.contains(
            "[dist.github-custom-runners]\nx86_64-unknown-linux-gnu = \"ubuntu-24.04\"\n"
        ),
        "{config}"
    );
    ws.commit();
    let after = ws.plan_json(&[]);
    assert_eq!(before["artifacts"], after["artifacts"]);
    assert_eq!(before["ci"], after["ci"]);

    let run = ws.consign(&["migrate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("nothing to migrate"), "{}", run.stderr);
}

#[test]
fn migrate_finishes_after_a_crash_between_its_two_writes() {
    let ws = single_app("ci = [\"github\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n");
    // The state after writing dist-workspace.toml but before Cargo.toml.
    ws.write(
        "dist-workspace.toml",
        "[workspace]\nmembers = [\"cargo:.\"]\n\n[dist]\nci = [\"github\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n\n",
    );
    let run = ws.consign(&["migrate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("already holds this config"),
        "{}",
        run.stderr
    );
    assert!(!read(&ws, "Cargo.toml").contains("metadata.dist"));

    // Different configs in both places: refuse, and say how to fix it.
    let ws = single_app("ci = [\"github\"]\n");
    ws.write("dist-workspace.toml", "[dist]\nci = []\n");
    ws.consign(&["migrate"])
        .fails_with(1, &["both", "keep one"]);
}

#[test]
fn init_refuses_to_overwrite_a_hand_written_workflow_without_force() {
    let ws = bare();
    ws.write(
        ".github/workflows/release.yml",
        "name: mine\non: push\njobs: {}\n",
    );
    ws.consign(&["init", "--yes"])
        .fails_with(1, &["release.yml", "--force"]);
    assert_eq!(
        read(&ws, ".github/workflows/release.yml"),
        "name: mine\non: push\njobs: {}\n"
    );
    let run = ws.consign(&["init", "--yes", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(read(&ws, ".github/workflows/release.yml").contains("consign plan"));
}

/// Switching from cargo-dist is one command: a project with cargo-dist's
/// config and the `release.yml` cargo-dist generated (axolotlsay's shape).
/// `plan` says in two lines where the workflow came from; `init --yes`
/// replaces it without `--force`, and `plan` then works.
#[test]
fn switching_from_cargo_dist_is_one_command() {
    let ws = TestWorkspace::new(&[
        (
            "Cargo.toml",
            &format!(
                "{}\n[profile.dist]\ninherits = \"release\"\nlto = \"thin\"\n",
                package("tool", "1.2.3", "description = \"A tool\"\n")
            ),
        ),
        (
            "dist-workspace.toml",
            "[workspace]\nmembers = [\"cargo:.\"]\n\n[dist]\ncargo-dist-version = \"0.28.0\"\nci = \"github\"\ninstallers = [\"shell\", \"powershell\"]\ntargets = [\"x86_64-unknown-linux-gnu\", \"aarch64-apple-darwin\", \"x86_64-pc-windows-msvc\"]\ninstall-path = \"CARGO_HOME\"\ninstall-updater = false\n",
        ),
        ("src/main.rs", "fn main() {}\n"),
        (".gitignore", "/target\n"),
        (
            ".github/workflows/release.yml",
            "# This file was autogenerated by dist: https://opensource.axo.dev/cargo-dist/\n#\n# Copyright 2022-2024, axodotdev\n# SPDX-License-Identifier: MIT or Apache-2.0\nname: Release\non:\n  push:\n    tags:\n      - '**[0-9]+.[0-9]+.[0-9]+*'\njobs:\n  plan:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: dist plan\n",
        ),
    ]);
    ws.lock_and_commit();
    let run = ws.consign(&["plan"]);
    run.fails_with(
        1,
        &[
            "came from cargo-dist",
            "run `consign generate` to replace it",
        ],
    );
    assert!(
        !run.stderr.contains("@@"),
        "no diff for a cargo-dist workflow:\n{}",
        run.stderr
    );

    let run = ws.consign(&["init", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("next steps:"), "{}", run.stderr);
    assert!(read(&ws, ".github/workflows/release.yml").contains("consign plan"));
    ws.lock_and_commit();
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// `init` checks everything before it leaves anything changed: a package
/// without `repository` (shell installers need a download URL) fails, and
/// `Cargo.toml` is as it was.
#[test]
fn a_failed_init_changes_nothing() {
    let original =
        "[package]\nname = \"tool\"\nversion = \"1.2.3\"\nedition = \"2021\"\n\n[dependencies]\n";
    let ws = TestWorkspace::new(&[("Cargo.toml", original), ("src/main.rs", "fn main() {}\n")]);
    let run = ws.consign(&["init", "--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(read(&ws, "Cargo.toml"), original);
    assert!(!ws.path().join("dist-workspace.toml").exists());
    assert!(!ws.path().join(".github/workflows/release.yml").exists());
}

#[test]
fn msi_installer_gets_permanent_guids_and_a_wix_source() {
    let ws = bare();
    let run = ws.consign(&["init", "--yes", "-i", "shell", "-i", "msi"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest = read(&ws, "Cargo.toml");
    assert!(manifest.contains("[package.metadata.wix]"), "{manifest}");
    assert!(manifest.contains("upgrade-guid = "), "{manifest}");
    assert!(read(&ws, "wix/main.wxs").contains("UpgradeCode"));
    // A rerun keeps the GUIDs (upgrades depend on them).
    let run = ws.consign(&["init", "--yes", "-i", "shell", "-i", "msi"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(&ws, "Cargo.toml"), manifest);
}
