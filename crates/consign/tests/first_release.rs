//! A new user's first hour: a fresh `cargo new` project released with no
//! edits beyond committing, and each trap of that hour pinned by a test.

mod common;

use std::process::Command;

use common::*;

/// `cargo new --bin mytool` (with git), given a `repository` URL, inside a
/// temp dir; the workspace is `ws.path()/mytool`.
fn cargo_new() -> (TestWorkspace, std::path::PathBuf) {
    let ws = TestWorkspace::empty();
    tools::output_ok(
        Command::new(env!("CARGO"))
            .args(["new", "--bin", "--vcs", "git", "--offline", "mytool"])
            .current_dir(ws.path())
            .env_remove("CARGO_TARGET_DIR"),
    );
    let dir = ws.path().join("mytool");
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replacen(
        "edition =",
        "repository = \"https://github.com/acme/mytool\"\nedition =",
        1,
    );
    std::fs::write(&manifest, text).unwrap();
    (ws, dir)
}

fn commit(dir: &std::path::Path) {
    git_in(dir, &["add", "-A"]);
    git_in(dir, &["commit", "-q", "-m", "commit"]);
}

fn run(ws: &TestWorkspace, dir: &std::path::Path, args: &[&str]) -> Run {
    ws.consign_in(dir, args)
}

/// A project set up with `init --yes` and committed.
fn initialized() -> (TestWorkspace, std::path::PathBuf) {
    let (ws, dir) = cargo_new();
    let r = run(&ws, &dir, &["init", "--yes"]);
    assert_eq!(r.code, 0, "init:\n{}", r.stderr);
    commit(&dir);
    (ws, dir)
}

#[test]
fn a_fresh_cargo_new_project_releases_with_no_edits() {
    let (ws, dir) = initialized();
    for args in [
        &["plan"][..],
        &["build"][..],
        &["build"][..],
        &["verify"][..],
        &["generate", "--check"][..],
    ] {
        let r = run(&ws, &dir, args);
        assert_eq!(r.code, 0, "consign {args:?} failed:\n{}", r.stderr);
        if args == ["verify"] {
            // Hello, world! has no version to print: a note, not a failure.
            assert!(
                r.stderr
                    .contains("note: `mytool --version` ran but printed no version"),
                "{}",
                r.stderr
            );
        }
    }
}

#[test]
fn verify_fails_a_stale_binary_and_takes_the_version_command() {
    let (ws, dir) = initialized();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() {\n    if std::env::args().any(|a| a == \"-V\") {\n        println!(\"mytool 0.0.9\");\n    }\n}\n",
    )
    .unwrap();
    commit(&dir);
    let r = run(&ws, &dir, &["build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // `--version` prints nothing: passes with a note.
    let r = run(&ws, &dir, &["verify"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // `-V` prints an older version: a stale binary.
    run(&ws, &dir, &["verify", "--version-args", "-V"])
        .fails_with(1, &["printed version 0.0.9, but the release is 0.1.0"]);
    // The same from the config key.
    let path = dir.join("dist-workspace.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{config}verify-version-args = [\"-V\"]\n")).unwrap();
    run(&ws, &dir, &["verify"]).fails_with(1, &["printed version 0.0.9"]);
}

#[test]
fn a_missing_lock_is_reported_and_the_lock_the_build_makes_does_not_fail_the_next() {
    let (ws, dir) = initialized();
    assert!(!dir.join("Cargo.lock").exists());
    let first = run(&ws, &dir, &["build"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        first
            .stderr
            .matches("commit Cargo.lock for a locked release")
            .count(),
        1,
        "{}",
        first.stderr
    );
    assert!(dir.join("Cargo.lock").exists());
    let second = run(&ws, &dir, &["build"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
}

#[test]
fn plan_only_warns_about_a_dirty_tree() {
    let (ws, dir) = cargo_new();
    let r = run(&ws, &dir, &["init", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Right after `init`, before committing.
    let r = run(&ws, &dir, &["plan"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: the git work tree"),
        "{}",
        r.stderr
    );
}

#[test]
fn build_refuses_only_tracked_changes_and_release_files() {
    let (ws, dir) = initialized();
    // An untracked file that is not part of the release is fine.
    std::fs::write(dir.join("notes.txt"), "todo\n").unwrap();
    let r = run(&ws, &dir, &["build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // An untracked file that goes into the archive is not.
    std::fs::write(dir.join("README.md"), "# mytool\n").unwrap();
    run(&ws, &dir, &["build"]).fails_with(1, &["uncommitted changes", "README.md"]);
    std::fs::remove_file(dir.join("README.md")).unwrap();
    // Nor is a change to a tracked file.
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { println!(\"changed\"); }\n",
    )
    .unwrap();
    run(&ws, &dir, &["build"]).fails_with(1, &["uncommitted changes", "src/main.rs"]);
}

#[test]
fn the_target_dir_is_not_dirt_without_a_gitignore() {
    let (ws, dir) = initialized();
    git_in(&dir, &["rm", "-q", ".gitignore"]);
    commit(&dir);
    for _ in 0..2 {
        let r = run(&ws, &dir, &["build", "--allow-dirty"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    // Only the lock file is new; `target/` does not count.
    let r = run(&ws, &dir, &["plan"]);
    assert!(!r.stderr.contains("target/"), "{}", r.stderr);
    let r = run(&ws, &dir, &["build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn building_only_other_machines_targets_is_an_error_that_says_how() {
    let (ws, dir) = initialized();
    run(&ws, &dir, &["build", "-t", "aarch64-apple-darwin"]).fails_with(
        1,
        &[
            "`aarch64-apple-darwin`",
            "in CI",
            "cargo-zigbuild",
            "cargo-xwin",
        ],
    );
    assert!(!dir
        .join("target/distrib/mytool-aarch64-apple-darwin.tar.xz")
        .exists());
}

#[test]
fn a_tag_with_a_misspelled_package_names_it() {
    let (ws, dir) = initialized();
    run(&ws, &dir, &["plan", "--tag", "mytoo-v0.1.0"])
        .fails_with(1, &["package `mytoo`", "did you mean `mytool`?"]);
    run(&ws, &dir, &["plan", "--tag", "/0.1.0"]).fails_with(1, &["empty path component"]);
}

#[test]
fn an_unconfigured_installer_flag_is_an_error() {
    let (ws, dir) = initialized();
    let config = std::fs::read_to_string(dir.join("dist-workspace.toml")).unwrap();
    if !config.contains("homebrew") {
        run(&ws, &dir, &["plan", "-i", "homebrew"]).fails_with(
            1,
            &["installer `homebrew` given with `--installer` is not configured"],
        );
    } else {
        panic!("init's defaults now include homebrew; pick another installer:\n{config}");
    }
}

#[test]
fn config_errors_come_before_the_drift_diff() {
    let (ws, dir) = initialized();
    let path = dir.join("dist-workspace.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    // A change that makes release.yml stale, and a config error the planner finds.
    std::fs::write(
        &path,
        format!("{config}pr-run-mode = \"skip\"\nhosting = [\"simple\"]\n"),
    )
    .unwrap();
    commit(&dir);
    let r = run(&ws, &dir, &["plan"]);
    r.fails_with(1, &["simple-download-url"]);
    assert!(!r.stderr.contains("consign generate"), "{}", r.stderr);
}

#[test]
fn invalid_config_values_are_refused() {
    let (ws, dir) = initialized();
    let path = dir.join("dist-workspace.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "cargo-dist-version = \"banana\"\n",
            &["cargo-dist-version", "`banana` is not a semver version"],
        ),
        (
            "instalers = [\"shell\"]\n",
            &["unknown key `dist.instalers`", "did you mean `installers`?"],
        ),
    ];
    for (extra, needles) in cases {
        std::fs::write(
            &path,
            config.replacen("[dist]\n", &format!("[dist]\n{extra}"), 1),
        )
        .unwrap();
        run(&ws, &dir, &["plan", "--allow-dirty"]).fails_with(1, needles);
    }
    std::fs::write(
        &path,
        config.replace("\"cargo:.\"", "\"cargo:nonexistent\""),
    )
    .unwrap();
    run(&ws, &dir, &["plan", "--allow-dirty"])
        .fails_with(1, &["`cargo:nonexistent`", "names no Cargo workspace"]);
    std::fs::write(&path, &config).unwrap();

    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let long = "a".repeat(300);
    std::fs::write(
        &manifest,
        text.replace("name = \"mytool\"", &format!("name = \"{long}\"")),
    )
    .unwrap();
    run(&ws, &dir, &["plan", "--allow-dirty"]).fails_with(1, &["-byte name", "at most 64"]);
}

#[test]
fn verbose_shows_each_command_and_decision_and_color_never_reaches_cargo() {
    let (ws, dir) = initialized();
    let r = run(&ws, &dir, &["build", "-v", "--color", "never"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let running = r
        .stderr
        .lines()
        .find(|l| l.starts_with("running: ") && l.contains(" build "))
        .unwrap_or_else(|| panic!("no command line shown:\n{}", r.stderr));
    assert!(running.contains("--color never"), "{running}");
    assert!(r.stderr.contains("tag `v0.1.0` (inferred"), "{}", r.stderr);
    assert!(
        r.stderr.contains("releasing `mytool` 0.1.0"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains('\u{1b}'),
        "color codes with --color never:\n{}",
        r.stderr
    );
    // Without -v, none of it.
    let r = run(&ws, &dir, &["build"]);
    assert!(!r.stderr.contains("running: "), "{}", r.stderr);
}

fn consign_bare(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_consign"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run::from(out)
}

#[test]
fn each_command_shows_and_takes_only_its_flags() {
    let help = consign_bare(&["manifest-schema", "--help"]).stdout;
    assert!(!help.contains("--tag"), "{help}");
    assert!(!help.contains("--allow-dirty"), "{help}");
    assert!(help.contains("--color"), "{help}");
    assert!(help.contains("Example"), "{help}");
    consign_bare(&["manifest-schema", "--tag", "garbage"])
        .fails_with(2, &["`--tag` means nothing to `consign manifest-schema`"]);
    consign_bare(&["generate", "--target", "x86_64-unknown-linux-gnu"])
        .fails_with(2, &["`--target` means nothing to `consign generate`"]);

    let help = consign_bare(&["plan", "--help"]).stdout;
    for flag in [
        "--tag",
        "--target",
        "--installer",
        "--allow-dirty",
        "Examples:",
    ] {
        assert!(help.contains(flag), "plan --help lacks {flag}:\n{help}");
    }
    for cmd in [
        "build",
        "verify",
        "linkage",
        "merge-manifests",
        "init",
        "migrate",
        "generate",
        "host",
        "announce",
    ] {
        let help = consign_bare(&[cmd, "--help"]).stdout;
        assert!(
            help.contains("Example"),
            "{cmd} --help has no example:\n{help}"
        );
    }
}

#[test]
fn host_and_announce_help_name_the_token_and_permissions() {
    for cmd in ["host", "announce"] {
        let help = consign_bare(&[cmd, "--help"]).stdout;
        assert!(help.contains("GITHUB_TOKEN"), "{help}");
        assert!(help.contains("contents: write"), "{help}");
    }
}
