//! End-to-end tests of `consign plan` against real workspaces in temp dirs.

mod common;

use common::*;
use serde_json::Value;

fn full_config() -> String {
    format!("ci = [\"github\"]\nallow-dirty = [\"ci\"]\ninstallers = [\"shell\", \"powershell\", \"homebrew\", \"npm\", \"msi\"]\ntap = \"acme/homebrew-tap\"\n{TARGETS}")
}

/// The cargo-dist keys that change what is released, or where, planned with
/// cargo-dist's names and meanings.
#[test]
fn cargo_dist_artifact_keys_change_the_plan_as_in_cargo_dist() {
    let ws = single_app(&format!(
        "installers = [\"shell\"]\n{TARGETS}install-updater = true\nomnibor = true\ncargo-cyclonedx = true\n\
         source-tarball = false\ndisplay-name = \"The Tool\"\ngithub-releases-repo = \"acme/public\"\n\
         [[workspace.metadata.dist.extra-artifacts]]\nartifacts = [\"out/schema.json\"]\nbuild = [\"sh\", \"-c\", \"mkdir -p out && echo {{}} > out/schema.json\"]\n"
    ));
    let m = ws.plan_json(&[]);
    let names = artifact_names(&m);
    for expected in [
        "tool-x86_64-unknown-linux-gnu-update",
        "tool-x86_64-pc-windows-msvc-update",
        "tool-x86_64-unknown-linux-gnu.tar.xz.omnibor",
        "tool-x86_64-pc-windows-msvc.zip.omnibor",
        "tool.cdx.xml",
        "schema.json",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.starts_with("source.tar.gz")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n == "tool-installer.sh.omnibor"),
        "{names:?}"
    );
    let a = &m["artifacts"];
    assert_eq!(a["tool-x86_64-unknown-linux-gnu-update"]["kind"], "updater");
    assert_eq!(a["tool.cdx.xml"]["kind"], "sbom");
    assert_eq!(a["schema.json"]["kind"], "extra-artifact");
    assert_eq!(
        a["tool-x86_64-unknown-linux-gnu.tar.xz.omnibor"]["kind"],
        "omnibor-artifact-id"
    );
    let release = &m["releases"][0];
    assert_eq!(release["display_name"], "The Tool");
    // The release notes name the app by its display name, as cargo-dist's do.
    let body = m["announcement_github_body"].as_str().unwrap();
    assert!(body.contains("## Install The Tool 1.2.3"), "{body}");
    assert!(!body.contains("Install tool 1.2.3"), "{body}");
    assert_eq!(release["hosting"]["github"]["owner"], "acme");
    assert_eq!(release["hosting"]["github"]["repo"], "public");
    assert!(a["schema.json"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://github.com/acme/public/releases/download/"));
}

#[test]
fn binaries_and_merge_tasks_follow_cargo_dist() {
    let ws = TestWorkspace::new(&[
        (
            "Cargo.toml",
            &format!(
                "{}[[bin]]\nname = \"tool\"\npath = \"src/main.rs\"\n[[bin]]\nname = \"toolw\"\npath = \"src/w.rs\"\n[profile.dist]\ninherits = \"release\"\n[workspace]\n[workspace.metadata.dist]\nci = [\"github\"]\nallow-dirty = [\"ci\"]\ninstallers = [\"shell\"]\ntargets = [\"x86_64-unknown-linux-gnu\", \"x86_64-unknown-linux-musl\", \"x86_64-pc-windows-msvc\"]\nmerge-tasks = true\ngithub-custom-runners = {{ x86_64-unknown-linux-musl = \"ubuntu-22.04\" }}\n[workspace.metadata.dist.binaries]\n\"*\" = [\"tool\"]\nx86_64-pc-windows-msvc = [\"tool\", \"toolw\"]\n",
                package("tool", "1.2.3", "")
            ),
        ),
        ("src/main.rs", "fn main() {}\n"),
        ("src/w.rs", "fn main() {}\n"),
        ("CHANGELOG.md", "# Changelog\n\n## 1.2.3\n\n- fixed things\n"),
    ]);
    let m = ws.plan_json(&[]);
    let assets = |name: &str| executables(&m, name, "name");
    assert_eq!(assets("tool-x86_64-unknown-linux-gnu.tar.xz"), ["tool"]);
    assert_eq!(
        assets("tool-x86_64-pc-windows-msvc.zip"),
        ["tool.exe", "toolw.exe"]
    );
    let include = m["ci"]["github"]["artifacts_matrix"]["include"]
        .as_array()
        .unwrap();
    let linux: Vec<&Value> = include
        .iter()
        .filter(|e| e["runner"] == "ubuntu-22.04")
        .collect();
    assert_eq!(linux.len(), 1, "{include:?}");
    assert_eq!(
        linux[0]["dist_args"],
        "--artifacts=local --target=x86_64-unknown-linux-gnu --target=x86_64-unknown-linux-musl"
    );
}

#[test]
fn plans_the_documented_artifact_layout() {
    let ws = single_app(&full_config());
    let m = ws.plan_json(&[]);
    assert_eq!(m["announcement_tag"], "v1.2.3");
    assert_eq!(m["announcement_tag_is_implicit"], true);
    assert_eq!(m["announcement_is_prerelease"], false);
    assert_eq!(m["announcement_title"], "v1.2.3");
    assert_eq!(m["announcement_changelog"], "- fixed things");
    assert_eq!(
        artifact_names(&m),
        [
            "sha256.sum",
            "source.tar.gz",
            "source.tar.gz.sha256",
            "tool-aarch64-apple-darwin.tar.xz",
            "tool-aarch64-apple-darwin.tar.xz.sha256",
            "tool-installer.ps1",
            "tool-installer.sh",
            "tool-npm-package.tar.gz",
            "tool-x86_64-pc-windows-msvc.msi",
            "tool-x86_64-pc-windows-msvc.msi.sha256",
            "tool-x86_64-pc-windows-msvc.zip",
            "tool-x86_64-pc-windows-msvc.zip.sha256",
            "tool-x86_64-unknown-linux-gnu.tar.xz",
            "tool-x86_64-unknown-linux-gnu.tar.xz.sha256",
            "tool.rb",
        ]
    );
    let release = &m["releases"][0];
    assert_eq!(release["app_name"], "tool");
    assert_eq!(release["app_version"], "1.2.3");
    assert_eq!(release["env"]["install_dir_env_var"], "TOOL_INSTALL_DIR");
    assert_eq!(
        release["env"]["no_modify_path_env_var"],
        "TOOL_NO_MODIFY_PATH"
    );
    assert_eq!(release["hosting"]["github"]["owner"], "acme");
    assert_eq!(release["hosting"]["github"]["repo"], "tools");
    assert_eq!(
        release["hosting"]["github"]["artifact_download_path"],
        "/acme/tools/releases/download/v1.2.3"
    );
    assert_eq!(release["artifacts"].as_array().unwrap().len(), 15);

    let a = &m["artifacts"];
    let linux = &a["tool-x86_64-unknown-linux-gnu.tar.xz"];
    assert_eq!(linux["kind"], "executable-zip");
    assert_eq!(
        linux["target_triples"],
        serde_json::json!(["x86_64-unknown-linux-gnu"])
    );
    assert_eq!(
        linux["checksum"],
        "tool-x86_64-unknown-linux-gnu.tar.xz.sha256"
    );
    assert_eq!(
        linux["url"],
        "https://github.com/acme/tools/releases/download/v1.2.3/tool-x86_64-unknown-linux-gnu.tar.xz"
    );
    let assets: Vec<(&str, &str)> = linux["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["path"].as_str().unwrap(), x["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        assets,
        [
            ("tool-x86_64-unknown-linux-gnu/CHANGELOG.md", "changelog"),
            ("tool-x86_64-unknown-linux-gnu/LICENSE-MIT", "license"),
            ("tool-x86_64-unknown-linux-gnu/README.md", "readme"),
            ("tool-x86_64-unknown-linux-gnu/tool", "executable"),
        ]
    );
    // Zips are flat and Windows binaries get .exe.
    let win = &a["tool-x86_64-pc-windows-msvc.zip"]["assets"];
    assert!(win
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["path"] == "tool.exe"));
    assert_eq!(
        a["tool-installer.sh"]["target_triples"],
        serde_json::json!(["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"])
    );
    assert_eq!(
        a["tool-installer.sh"]["install_hint"],
        "curl --proto '=https' --tlsv1.2 -LsSf https://github.com/acme/tools/releases/download/v1.2.3/tool-installer.sh | sh"
    );
    assert_eq!(
        a["tool-installer.ps1"]["target_triples"],
        serde_json::json!(["x86_64-pc-windows-msvc"])
    );
    assert_eq!(a["tool.rb"]["install_hint"], "brew install acme/tap/tool");
    assert_eq!(a["sha256.sum"]["kind"], "unified-checksum");
    assert_eq!(a["source.tar.gz"]["kind"], "source-tarball");
    // The GitHub matrix covers every target.
    let matrix = m["ci"]["github"]["artifacts_matrix"]["include"]
        .as_array()
        .unwrap();
    assert_eq!(matrix.len(), 3);
    assert!(matrix.iter().any(|e| e["runner"] == "windows-2022"
        && e["dist_args"] == "--artifacts=local --target=x86_64-pc-windows-msvc"));
    // The release body carries the notes, install commands and a download table.
    let body = m["announcement_github_body"].as_str().unwrap();
    assert!(
        body.contains("## Release Notes\n\n- fixed things"),
        "{body}"
    );
    assert!(body.contains("## Install tool 1.2.3"), "{body}");
    assert!(body.contains("| [tool-x86_64-unknown-linux-gnu.tar.xz](https://github.com/acme/tools/releases/download/v1.2.3/tool-x86_64-unknown-linux-gnu.tar.xz) | x64 Linux |"), "{body}");
}

#[test]
fn manifest_snapshot() {
    let ws = single_app(&full_config());
    let run = ws.consign(&["plan", "--output-format=json", "--tag", "v1.2.3"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let version = env!("CARGO_PKG_VERSION");
    let stable = run.stdout.replace(
        &format!("\"dist_version\": \"{version}\""),
        "\"dist_version\": \"[VERSION]\"",
    );
    insta::assert_snapshot!(stable);
}

#[test]
fn plan_is_deterministic_and_writes_nothing() {
    let ws = single_app(&full_config());
    let before = listing(ws.path());
    let a = ws.consign(&["plan", "-o", "json"]);
    let b = ws.consign(&["plan", "-o", "json"]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(listing(ws.path()), before, "plan must not write files");
}

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name != ".git" {
            out.push(name);
        }
    }
    out.sort();
    out
}

fn multi_app() -> TestWorkspace {
    let mut files: Vec<(String, String)> = vec![(
        "Cargo.toml".into(),
        format!(
            "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.metadata.dist]\ninstallers = [\"shell\"]\n{TARGETS}{PROFILE}"
        ),
    )];
    for (name, version, bin) in [
        ("app-a", "1.0.0", true),
        ("app-b", "1.0.0", true),
        ("app-b-cli", "2.0.0", true),
        ("core", "0.3.0", false),
    ] {
        files.push((
            format!("crates/{name}/Cargo.toml"),
            package(name, version, ""),
        ));
        let src = if bin { "src/main.rs" } else { "src/lib.rs" };
        files.push((format!("crates/{name}/{src}"), "fn main() {}\n".into()));
    }
    files.push((
        "crates/app-b-cli/CHANGELOG.md".into(),
        "## app-b-cli v2.0.0\n\nnew cli\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    TestWorkspace::new(&refs)
}

/// The `field` (`name`, `path`) of each executable asset of the artifact `name`.
fn executables(m: &Value, name: &str, field: &str) -> Vec<String> {
    m["artifacts"][name]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "executable")
        .map(|a| a[field].as_str().unwrap().to_string())
        .collect()
}

fn release_names(m: &Value) -> Vec<&str> {
    m["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["app_name"].as_str().unwrap())
        .collect()
}

#[test]
fn unified_tag_selects_apps_with_that_version() {
    let ws = multi_app();
    for tag in ["v1.0.0", "1.0.0", "release/v1.0.0"] {
        let m = ws.plan_json(&["--tag", tag]);
        assert_eq!(release_names(&m), ["app-a", "app-b"], "{tag}");
        assert_eq!(m["announcement_title"], "v1.0.0");
        assert_eq!(m["announcement_tag_is_implicit"], false);
    }
}

#[test]
fn singular_tags_select_one_app_longest_name_first() {
    let ws = multi_app();
    for tag in [
        "app-b-cli-v2.0.0",
        "app-b-cli/2.0.0",
        "app-b-cli/v2.0.0",
        "some/prefix/app-b-cli/v2.0.0",
        "app-b-cli-2.0.0",
    ] {
        let m = ws.plan_json(&["--tag", tag]);
        assert_eq!(release_names(&m), ["app-b-cli"], "{tag}");
        assert_eq!(m["announcement_title"], "app-b-cli v2.0.0");
        assert_eq!(m["announcement_changelog"], "new cli");
        assert!(m["artifacts"]["app-b-cli-installer.sh"]["url"]
            .as_str()
            .unwrap()
            .contains(&format!("/releases/download/{tag}/")));
    }
    let m = ws.plan_json(&["--tag", "app-b-v1.0.0"]);
    assert_eq!(release_names(&m), ["app-b"]);
}

#[test]
fn singular_library_tag_is_a_release_without_builds() {
    let ws = multi_app();
    let m = ws.plan_json(&["--tag", "core-v0.3.0"]);
    assert!(m["releases"].as_array().unwrap().is_empty());
    assert!(m["artifacts"].as_object().unwrap().is_empty());
    assert_eq!(m["announcement_title"], "core v0.3.0");
}

#[test]
fn tag_errors() {
    let ws = multi_app();
    ws.consign(&["plan", "--tag", "app-a-v1.0.1"])
        .fails_with(1, &["`app-a` is version 1.0.0", "hint:"]);
    ws.consign(&["plan", "--tag", "v1.0"])
        .fails_with(1, &["`1.0` is not valid", "major.minor.patch"]);
    ws.consign(&["plan", "--tag", "v9.9.9"])
        .fails_with(1, &["selects no app", "`app-b-cli` 2.0.0"]);
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "different versions",
            "`app-a` 1.0.0",
            "`app-b-cli` 2.0.0",
            "hint: pass `--tag`",
        ],
    );
}

#[test]
fn prerelease_uses_unreleased_notes() {
    let ws = single_app(TARGETS);
    ws.replace_in("Cargo.toml", "1.2.3", "2.0.0-rc.1");
    ws.commit();
    let m = ws.plan_json(&[]);
    assert_eq!(m["announcement_tag"], "v2.0.0-rc.1");
    assert_eq!(m["announcement_is_prerelease"], true);
    assert_eq!(m["announcement_changelog"], "- upcoming");
}

#[test]
fn dist_and_publish_flags_select_apps() {
    let ws = TestWorkspace::new(&[
        ("Cargo.toml", &format!("[workspace]\nmembers = [\"a\", \"b\", \"c\", \"d\"]\n[workspace.metadata.dist]\n{TARGETS}{PROFILE}")),
        ("a/Cargo.toml", &package("a", "1.0.0", "")),
        ("b/Cargo.toml", &package("b", "1.0.0", "publish = false\n")),
        ("c/Cargo.toml", &package("c", "1.0.0", "publish = false\n[package.metadata.dist]\ndist = true\ninstallers = [\"shell\"]\n")),
        ("d/Cargo.toml", &package("d", "1.0.0", "[package.metadata.dist]\ndist = false\n")),
        ("a/src/main.rs", "fn main() {}"),
        ("b/src/main.rs", "fn main() {}"),
        ("c/src/main.rs", "fn main() {}"),
        ("d/src/main.rs", "fn main() {}"),
    ]);
    let m = ws.plan_json(&[]);
    assert_eq!(release_names(&m), ["a", "c"]);
    // The package's installers replace the (empty) workspace value.
    assert!(m["artifacts"]["c-installer.sh"].is_object());
    assert!(m["artifacts"]["a-installer.sh"].is_null());
}

#[test]
fn several_binaries_are_one_app_and_only_platforms_is_honoured() {
    let ws = single_app(&format!(
        "{TARGETS}[[workspace.metadata.dist.bin]]\nname = \"tool-win\"\nonly-platforms = [\"x86_64-pc-windows-msvc\"]\n"
    ));
    ws.write("src/bin/tool-win.rs", "fn main() {}");
    ws.write("src/bin/tool-extra.rs", "fn main() {}");
    ws.commit();
    let m = ws.plan_json(&[]);
    assert_eq!(release_names(&m), ["tool"]);
    let paths = |name: &str| executables(&m, name, "path");
    assert_eq!(
        paths("tool-x86_64-pc-windows-msvc.zip"),
        ["tool-extra.exe", "tool-win.exe", "tool.exe"]
    );
    assert_eq!(
        paths("tool-x86_64-unknown-linux-gnu.tar.xz"),
        [
            "tool-x86_64-unknown-linux-gnu/tool",
            "tool-x86_64-unknown-linux-gnu/tool-extra"
        ]
    );
}

#[test]
fn archive_and_checksum_settings() {
    let ws = single_app(&format!("{TARGETS}unix-archive = \".tar.gz\"\nwindows-archive = \".tar.zstd\"\nchecksum = \"sha512\"\ninclude = [\"docs/guide.md\"]\nauto-includes = false\n"));
    let m = ws.plan_json(&[]);
    let names = artifact_names(&m);
    assert!(
        names.contains(&"tool-x86_64-unknown-linux-gnu.tar.gz.sha512".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"tool-x86_64-pc-windows-msvc.tar.zst".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"sha512.sum".to_string()));
    let assets = &m["artifacts"]["tool-x86_64-unknown-linux-gnu.tar.gz"]["assets"];
    let paths: Vec<&str> = assets
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "tool-x86_64-unknown-linux-gnu/guide.md",
            "tool-x86_64-unknown-linux-gnu/tool"
        ]
    );

    let ws = single_app(&format!("{TARGETS}checksum = false\n"));
    let m = ws.plan_json(&[]);
    assert!(
        artifact_names(&m)
            .iter()
            .all(|n| !n.contains("sha") && !n.ends_with(".sum")),
        "{:?}",
        artifact_names(&m)
    );
}

#[test]
fn artifact_modes_and_filters() {
    let ws = single_app(&full_config());
    let local = ws.plan_json(&["--artifacts=local", "--target", "x86_64-unknown-linux-gnu"]);
    assert_eq!(
        artifact_names(&local),
        [
            "tool-x86_64-unknown-linux-gnu.tar.xz",
            "tool-x86_64-unknown-linux-gnu.tar.xz.sha256"
        ]
    );
    let global = ws.plan_json(&["-a", "global", "-i", "shell"]);
    assert_eq!(
        artifact_names(&global),
        [
            "sha256.sum",
            "source.tar.gz",
            "source.tar.gz.sha256",
            "tool-installer.sh"
        ]
    );
    let host = ws.plan_json(&["-a", "host"]);
    assert!(artifact_names(&host).contains(&"tool-x86_64-unknown-linux-gnu.tar.xz".to_string()));
    assert!(!artifact_names(&host).contains(&"tool-aarch64-apple-darwin.tar.xz".to_string()));
}

#[test]
fn source_host_forms_and_enterprise() {
    let ws = single_app(TARGETS);
    let manifest = std::fs::read_to_string(ws.path().join("Cargo.toml")).unwrap();
    ws.write(
        "Cargo.toml",
        &manifest.replace(
            "https://github.com/acme/tools",
            "git@github.com:acme/tools.git",
        ),
    );
    ws.commit();
    let m = ws.plan_json(&[]);
    assert_eq!(
        m["releases"][0]["hosting"]["github"]["artifact_base_url"],
        "https://github.com"
    );

    let ws = single_app(&format!(
        "{TARGETS}installers = [\"shell\"]\ngithub-enterprise-url = \"https://ghe.acme.test\"\n"
    ));
    ws.replace_in("Cargo.toml", "github.com", "ghe.acme.test");
    ws.commit();
    let m = ws.plan_json(&[]);
    assert_eq!(
        m["artifacts"]["tool-installer.sh"]["url"],
        "https://ghe.acme.test/acme/tools/releases/download/v1.2.3/tool-installer.sh"
    );

    let ws = single_app(TARGETS);
    ws.replace_in("Cargo.toml", "github.com", "gitlab.com");
    ws.commit();
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "`gitlab.com`, which is not GitHub",
            "github-enterprise-url",
            "simple-download-url",
        ],
    );
}

#[test]
fn inconsistent_repositories_are_listed() {
    let ws = TestWorkspace::new(&[
        ("Cargo.toml", &format!("[workspace]\nmembers = [\"a\", \"b\"]\n[workspace.metadata.dist]\n{TARGETS}{PROFILE}")),
        ("a/Cargo.toml", &package("a", "1.0.0", "")),
        ("b/Cargo.toml", &package("b", "1.0.0", "").replace("acme/tools", "acme/old-tools.git")),
        ("a/src/main.rs", "fn main() {}"),
        ("b/src/main.rs", "fn main() {}"),
    ]);
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "disagree on the source repository",
            "`a`: `https://github.com/acme/tools`",
            "`b`: `https://github.com/acme/old-tools.git`",
            "repository.workspace = true",
        ],
    );
}

#[test]
fn bad_input_is_reported_with_location_and_hint() {
    // No Cargo.toml.
    let empty = TestWorkspace::empty();
    empty
        .consign(&["plan"])
        .fails_with(1, &["could not find `Cargo.toml`", "hint:"]);

    // Malformed TOML.
    let ws = single_app(TARGETS);
    ws.write(
        "Cargo.toml",
        "[package]\nname = \"tool\nversion = \"1.0.0\"\n",
    );
    ws.consign(&["plan", "--allow-dirty"])
        .fails_with(1, &["Cargo.toml` is not valid TOML", "Cargo.toml:2:13"]);

    // Unknown installer in config, with location and suggestion.
    let ws = single_app(&format!("{TARGETS}installers = [\"shel\"]\n"));
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "invalid value for `workspace.metadata.dist.installers`",
            "Cargo.toml:",
            "one of `shell`, `powershell`",
            "hint: did you mean `shell`?",
        ],
    );

    // Unknown target in config and on the command line.
    let ws = single_app("targets = [\"x86_64-unknown-linux-gun\"]\n");
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "a target triple that rustc knows",
            "did you mean `x86_64-unknown-linux-gnu`?",
        ],
    );
    let ws = single_app(TARGETS);
    ws.consign(&["plan", "-t", "aarch64-apple-darwn"])
        .fails_with(
            1,
            &[
                "unknown target triple `aarch64-apple-darwn`",
                "did you mean `aarch64-apple-darwin`?",
            ],
        );

    // Wrong type.
    let ws = single_app(&format!("{TARGETS}fail-fast = \"yes\"\n"));
    ws.consign(&["plan"])
        .fails_with(1, &["expected `true` or `false`", "--> "]);

    // No [profile.dist].
    let ws = single_app(TARGETS);
    ws.replace_in("Cargo.toml", "[profile.dist]", "[profile.other]");
    ws.commit();
    ws.consign(&["plan"])
        .fails_with(1, &["no `[profile.dist]`", "`consign init` adds it"]);

    // A dirty tree.
    let ws = single_app(TARGETS);
    ws.write("src/main.rs", "fn main() { println!(); }\n");
    ws.write("notes.txt", "untracked\n");
    // `plan` writes nothing: it only warns.
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: the git work tree"),
        "{}",
        run.stderr
    );
    // `build` refuses the changed tracked file, not the untracked note.
    let run = ws.consign(&["build"]);
    run.fails_with(1, &["uncommitted changes", "src/main.rs", "--allow-dirty"]);
    assert!(!run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert_eq!(ws.consign(&["plan", "--allow-dirty"]).code, 0);
}

#[test]
fn usage_errors_exit_2_with_suggestions() {
    let ws = single_app(TARGETS);
    let run = ws.consign(&["plan", "-i", "shel"]);
    run.fails_with(2, &["invalid value 'shel'", "shell"]);
    let run = ws.consign(&["plna"]);
    run.fails_with(2, &["unrecognized subcommand 'plna'", "plan"]);
    let run = ws.consign(&["plan", "--tagg", "v1"]);
    run.fails_with(2, &["--tag"]);
}

#[test]
fn misspelled_key_is_an_error_and_a_foreign_key_a_warning() {
    // A typo could ship a release without what the key asked for.
    let ws = single_app(&format!("{TARGETS}instalers = [\"shell\"]\n"));
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "unknown key `workspace.metadata.dist.instalers`",
            "hint: did you mean `installers`?",
        ],
    );
    // A key far from every known one (another tool's) is only a warning.
    let ws = single_app(&format!("{TARGETS}archive-format = \"zip\"\n"));
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: unknown key `workspace.metadata.dist.archive-format`"),
        "{}",
        run.stderr
    );
}

#[test]
fn dist_workspace_toml_and_package_override() {
    let ws = TestWorkspace::new(&[
        ("Cargo.toml", &format!("[workspace]\nmembers = [\"a\", \"b\"]\n{PROFILE}")),
        ("dist-workspace.toml", &format!("[workspace]\nmembers = [\"cargo:.\"]\n\n[dist]\ninstallers = [\"shell\"]\n{TARGETS}")),
        ("a/Cargo.toml", &package("a", "1.0.0", "")),
        ("b/Cargo.toml", &package("b", "1.0.0", "[package.metadata.dist]\ninstallers = [\"powershell\"]\n")),
        ("a/src/main.rs", "fn main() {}"),
        ("b/src/main.rs", "fn main() {}"),
    ]);
    let m = ws.plan_json(&[]);
    let names = artifact_names(&m);
    assert!(names.contains(&"a-installer.sh".to_string()));
    assert!(names.contains(&"b-installer.ps1".to_string()));
    assert!(!names.contains(&"b-installer.sh".to_string()));

    ws.write(
        "dist-workspace.toml",
        "[dist]\ntargets = [\n  \"x86_64-unknown-linux-gnu\",\n  42,\n]\n",
    );
    ws.consign(&["plan", "--allow-dirty"])
        .fails_with(1, &["dist-workspace.toml:4:3", "found integer `42`"]);
}

#[test]
fn human_output_is_a_tree_on_stderr() {
    let ws = single_app(&full_config());
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.is_empty(), "human output goes to stderr");
    assert!(
        run.stderr.contains("announcing v1.2.3 (inferred)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("  tool 1.2.3\n"), "{}", run.stderr);
    assert!(run.stderr.contains("    tool-x86_64-unknown-linux-gnu.tar.xz [archive]\n      tool-x86_64-unknown-linux-gnu/CHANGELOG.md"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "NO_COLOR means no escapes");
    let colored = std::process::Command::new(bin_path("consign"))
        .args(["plan", "--color", "always"])
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&colored.stderr).contains('\u{1b}'));
    let quiet = ws.consign(&["plan", "-q"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
}

#[test]
fn help_version_and_schema() {
    let ws = TestWorkspace::empty();
    for cmd in [
        &["--help"][..],
        &["plan", "--help"],
        &["manifest-schema", "--help"],
    ] {
        let run = ws.consign(cmd);
        assert_eq!(run.code, 0, "{cmd:?}");
        assert!(
            run.stdout.contains("Usage: consign"),
            "{cmd:?}: {}",
            run.stdout
        );
    }
    let run = ws.consign(&["--version"]);
    assert_eq!(
        run.stdout.trim(),
        format!("consign {}", env!("CARGO_PKG_VERSION"))
    );
    let run = ws.consign(&["manifest-schema"]);
    let schema: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(schema["title"], "DistManifest");
    assert!(schema["properties"]["announcement_tag"].is_object());
}

#[test]
fn cargo_subcommand_works() {
    let ws = single_app(TARGETS);
    // As cargo calls it: `cargo-consign consign plan`.
    let out = tools::output_ok(
        std::process::Command::new(bin_path("cargo-consign"))
            .args(["consign", "plan", "-o", "json"])
            .current_dir(ws.path()),
    );
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["announcement_tag"], "v1.2.3");
    // And through cargo itself, with the binary on PATH.
    let dir = bin_path("cargo-consign").parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["consign", "plan", "-o", "json"])
        .env("PATH", path)
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["announcement_tag"],
        "v1.2.3"
    );
}

#[test]
fn missing_repository_blocks_fetching_installers() {
    let ws = single_app(&format!("{TARGETS}installers = [\"shell\"]\n"));
    ws.replace_in(
        "Cargo.toml",
        "repository = \"https://github.com/acme/tools\"\n",
        "",
    );
    ws.commit();
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "`shell` installer of `tool` downloads release files",
            "[package].repository",
        ],
    );
}

#[test]
fn binstall_metadata_is_checked_against_the_artifacts() {
    // Singular tags are not among binstall's guesses: consign says what to add.
    let ws = multi_app();
    let run = ws.consign(&["plan", "--tag", "app-b-cli-v2.0.0"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("`cargo binstall app-b-cli` cannot guess the URLs of a release tagged `app-b-cli-v2.0.0`"), "{}", run.stderr);
    assert!(run.stderr.contains("pkg-url = \"{ repo }/releases/download/app-b-cli-v{ version }/{ name }-{ target }{ archive-suffix }\""), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "[package.metadata.binstall.overrides.x86_64-pc-windows-msvc]\npkg-fmt = \"zip\""
        ),
        "{}",
        run.stderr
    );

    // Metadata that points elsewhere is reported; metadata that matches is silent.
    let bad = "[package.metadata.binstall]\npkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }.tgz\"\npkg-fmt = \"tgz\"\n";
    let good = "[package.metadata.binstall]\npkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }\"\nbin-dir = \"{ name }-{ target }/{ bin }{ binary-ext }\"\npkg-fmt = \"txz\"\n\n[package.metadata.binstall.overrides.x86_64-pc-windows-msvc]\npkg-fmt = \"zip\"\nbin-dir = \"{ bin }{ binary-ext }\"\n";
    for (meta, expect_warning) in [(bad, true), (good, false)] {
        let ws = single_app(TARGETS);
        let manifest = std::fs::read_to_string(ws.path().join("Cargo.toml")).unwrap();
        ws.write(
            "Cargo.toml",
            &manifest.replace("[workspace]", &format!("{meta}\n[workspace]")),
        );
        ws.commit();
        let run = ws.consign(&["plan"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.stderr
                .contains("`cargo binstall tool` will not find this release"),
            expect_warning,
            "{}",
            run.stderr
        );
        if expect_warning {
            assert!(
                run.stderr.contains(
                    "`pkg-fmt` is `tgz` for `x86_64-unknown-linux-gnu`, but its archive is `txz`"
                ),
                "{}",
                run.stderr
            );
        }
    }
}

#[test]
fn package_manager_installers_are_checked_at_plan_time() {
    let ws = single_app("targets = [\"x86_64-unknown-linux-gnu\"]\ninstallers = [\"msi\"]\n");
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "`tool` has the `msi` installer but no Windows target",
            "x86_64-pc-windows-msvc",
        ],
    );

    let ws = single_app(&format!(
        "{TARGETS}installers = [\"npm\"]\nnpm-package = \"Tool_CLI\"\n"
    ));
    ws.consign(&["plan"]).fails_with(
        1,
        &["`Tool_CLI` is not a valid npm package name", "npm-package"],
    );

    let ws = single_app(&format!("{TARGETS}installers = [\"homebrew\"]\n"));
    let run = ws.consign(&["plan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no `tap`: the formula is built but will not be published"),
        "{}",
        run.stderr
    );
}

#[test]
fn docker_installer_plans_images_for_linux_targets() {
    let ws = single_app("targets = [\"x86_64-unknown-linux-gnu\", \"x86_64-unknown-linux-musl\", \"aarch64-apple-darwin\"]\ninstallers = [\"docker\"]\n");
    let m = ws.plan_json(&[]);
    let names = artifact_names(&m);
    for name in [
        "tool-x86_64-unknown-linux-gnu.Dockerfile",
        "tool-x86_64-unknown-linux-musl.Dockerfile",
        "tool-x86_64-unknown-linux-musl.oci.tar",
        "tool-x86_64-unknown-linux-musl.oci.tar.sha256",
    ] {
        assert!(
            names.contains(&name.to_string()),
            "{name} missing from {names:?}"
        );
    }
    assert!(
        !names
            .iter()
            .any(|n| n.contains("gnu.oci.tar") || n.contains("darwin.Dockerfile")),
        "{names:?}"
    );

    let ws = single_app("targets = [\"aarch64-apple-darwin\"]\ninstallers = [\"docker\"]\n");
    ws.consign(&["plan"]).fails_with(
        1,
        &[
            "`docker` installer but no Linux target",
            "x86_64-unknown-linux-musl",
        ],
    );
}

#[test]
fn homebrew_takes_one_archive_per_platform_gnu_first() {
    let ws = single_app("targets = [\"x86_64-unknown-linux-musl\", \"x86_64-unknown-linux-gnu\", \"aarch64-unknown-linux-musl\", \"aarch64-apple-darwin\", \"armv7-unknown-linux-gnueabihf\", \"x86_64-pc-windows-msvc\"]\ninstallers = [\"homebrew\"]\ntap = \"acme/homebrew-tap\"\n");
    let m = ws.plan_json(&[]);
    assert_eq!(
        m["artifacts"]["tool.rb"]["target_triples"],
        serde_json::json!([
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-musl",
            "aarch64-apple-darwin"
        ])
    );
}
