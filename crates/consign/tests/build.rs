//! End-to-end tests of `consign build`: real cargo builds of temp workspaces,
//! checked with the system's own tools.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

const HOST: &str = "x86_64-unknown-linux-gnu";

fn app(config: &str) -> TestWorkspace {
    let ws = single_app(&format!(
        "targets = [\"{HOST}\", \"aarch64-apple-darwin\"]\n{config}"
    ));
    ws.write(
        "src/main.rs",
        "fn main() { println!(\"tool {}\", env!(\"CARGO_PKG_VERSION\")); }\n",
    );
    ws.write(
        "src/bin/tool-helper.rs",
        "fn main() { println!(\"helper\"); }\n",
    );
    // Releases build from a committed lockfile.
    ws.lock_and_commit();
    ws
}

fn distrib(ws: &TestWorkspace) -> std::path::PathBuf {
    ws.path().join("target/distrib")
}

fn sh(dir: &Path, script: &str) -> (bool, String) {
    let out = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn builds_host_archives_that_work_and_verify() {
    let ws = app("");
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dist = distrib(&ws);
    let archive = format!("tool-{HOST}.tar.xz");

    // The listing: everything under tool-{target}/, sorted, with normalized owners and modes.
    let (ok, listing) = sh(&dist, &format!("tar --numeric-owner -tvJf {archive}"));
    assert!(ok, "{listing}");
    let lines: Vec<&str> = listing.lines().collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().last().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            format!("tool-{HOST}/"),
            format!("tool-{HOST}/CHANGELOG.md"),
            format!("tool-{HOST}/LICENSE-MIT"),
            format!("tool-{HOST}/README.md"),
            format!("tool-{HOST}/tool"),
            format!("tool-{HOST}/tool-helper"),
        ]
    );
    for l in &lines {
        assert!(l.contains(" 0/0 "), "owner not 0/0: {l}");
        let executable = l.ends_with("/tool") || l.ends_with("/tool-helper") || l.ends_with('/');
        let mode = if executable { "rwxr-xr-x" } else { "rw-r--r--" };
        assert!(l[1..10] == *mode, "mode of {l}");
    }

    // The binaries run.
    let (ok, out) = sh(&dist, &format!("mkdir -p x && tar -xJf {archive} -C x && ./x/tool-{HOST}/tool && ./x/tool-{HOST}/tool-helper"));
    assert!(ok, "{out}");
    assert_eq!(out, "tool 1.2.3\nhelper\n");

    // Checksums verify with coreutils: per artifact and unified.
    let (ok, out) = sh(&dist, &format!("sha256sum -c {archive}.sha256 && sha256sum -c sha256.sum && sha256sum -c source.tar.gz.sha256"));
    assert!(ok, "{out}");
    let unified = std::fs::read_to_string(dist.join("sha256.sum")).unwrap();
    assert!(
        unified.contains(&format!(" *{archive}\n")) && unified.contains(" *source.tar.gz\n"),
        "{unified}"
    );

    // The source tarball holds the commit under {app}-{version}/.
    let (ok, out) = sh(&dist, "tar -tzf source.tar.gz");
    assert!(ok, "{out}");
    assert!(out.lines().any(|l| l == "tool-1.2.3/Cargo.toml"), "{out}");
    assert!(out.lines().any(|l| l == "tool-1.2.3/src/main.rs"), "{out}");

    // The manifest records paths, checksums and linkage.
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join("dist-manifest.json")).unwrap())
            .unwrap();
    let a = &m["artifacts"][&archive];
    assert_eq!(a["path"], dist.join(&archive).display().to_string());
    let (_, sum) = sh(&dist, &format!("sha256sum {archive}"));
    assert_eq!(
        a["checksums"]["sha256"],
        sum.split_whitespace().next().unwrap()
    );
    let linkage = m["linkage"].as_array().unwrap();
    assert_eq!(linkage.len(), 2);
    assert!(
        linkage[0]["needed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "libc.so.6"),
        "{linkage:?}"
    );
    assert!(
        linkage[0]["glibc_floor"]
            .as_str()
            .unwrap()
            .starts_with("2."),
        "{linkage:?}"
    );

    // `consign linkage` reports the same floor and the symbol behind it.
    let run = ws.consign(&["linkage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "glibc floor: {} (raised by `",
            linkage[0]["glibc_floor"].as_str().unwrap()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn builds_are_reproducible_and_reused() {
    let ws = app("unix-archive = \".tar.gz\"\nchecksum = \"blake2b\"\n");
    assert_eq!(ws.consign(&["build", "-a", "local", "-t", HOST]).code, 0);
    let archive = distrib(&ws).join(format!("tool-{HOST}.tar.gz"));
    let first = std::fs::read(&archive).unwrap();
    let (ok, out) = sh(
        &distrib(&ws),
        &format!("b2sum -c tool-{HOST}.tar.gz.blake2b"),
    );
    assert!(ok, "{out}");

    // Unchanged inputs: the archive is reused.
    let run = ws.consign(&["build", "-a", "local", "-t", HOST]);
    assert!(
        run.stderr.contains(&format!("reused   tool-{HOST}.tar.gz")),
        "{}",
        run.stderr
    );

    // A clean rebuild (fresh target dir, new file mtimes) gives identical bytes.
    std::fs::remove_dir_all(ws.path().join("target")).unwrap();
    ws.write("README.md", "# tool\n");
    let run = ws.consign(&["build", "-a", "local", "-t", HOST]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read(&archive).unwrap(), first, "rebuild differs");

    // SOURCE_DATE_EPOCH sets the mtime.
    let out = Command::new(bin_path("consign"))
        .args(["build", "-a", "local", "-t", HOST])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let (_, listing) = sh(
        &distrib(&ws),
        &format!("TZ=UTC tar -tvzf tool-{HOST}.tar.gz"),
    );
    assert!(
        listing.lines().all(|l| l.contains("2023-11-14 22:13")),
        "{listing}"
    );
}

/// The LZMA2 dictionary sizes `xz -lvv` reports for `archive`'s blocks.
fn xz_dictionaries(archive: &Path) -> String {
    let out = Command::new("xz")
        .arg("-lvv")
        .arg(archive)
        .output()
        .expect("install xz (see .ci/run)");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut dicts: Vec<&str> = text
        .split("--lzma2=dict=")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    dicts.dedup();
    assert!(!dicts.is_empty(), "no LZMA2 filter listed:\n{text}");
    dicts.join(",")
}

#[test]
fn compression_setting_reaches_the_archive_and_rebuilds_it() {
    let ws = app("");
    assert_eq!(ws.consign(&["build", "-a", "local", "-t", HOST]).code, 0);
    let archive = distrib(&ws).join(format!("tool-{HOST}.tar.xz"));
    let best = std::fs::read(&archive).unwrap();
    // `best` sizes the dictionary to the (small) input; `fast` uses 4 MiB.
    let best_dicts = xz_dictionaries(&archive);
    assert!(!best_dicts.contains("4MiB"), "{best_dicts}");

    let manifest = std::fs::read_to_string(ws.path().join("Cargo.toml")).unwrap();
    let fast = manifest.replace(
        "[workspace.metadata.dist]\n",
        "[workspace.metadata.dist]\ncompression = \"fast\"\n",
    );
    assert_ne!(manifest, fast);
    ws.write("Cargo.toml", &fast);
    ws.commit();
    let run = ws.consign(&["build", "-a", "local", "-t", HOST]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("reused   tool-"), "{}", run.stderr);
    assert_eq!(xz_dictionaries(&archive), "4MiB");
    assert_ne!(std::fs::read(&archive).unwrap(), best);
    let (ok, out) = sh(
        &distrib(&ws),
        &format!("sha256sum -c tool-{HOST}.tar.xz.sha256 && tar -xJf tool-{HOST}.tar.xz"),
    );
    assert!(ok, "{out}");
}

#[test]
fn unbuildable_targets_fail_before_compiling() {
    let ws = app("");
    let run = ws.consign(&["build", "--artifacts=all"]);
    run.fails_with(
        1,
        &["cannot build `aarch64-apple-darwin`", "macOS", "hint:"],
    );
    assert!(
        !ws.path().join("target").exists(),
        "nothing may be compiled or written"
    );
    let run = ws.consign(&["build", "-t", "x86_64-unknown-linux-gnux"]);
    run.fails_with(
        1,
        &[
            "unknown target triple",
            "did you mean `x86_64-unknown-linux-gnu`?",
        ],
    );
}

#[test]
fn cargo_failure_leaves_no_partial_artifacts() {
    let ws = app("");
    ws.write("src/main.rs", "fn main() { this does not compile }\n");
    ws.commit();
    let run = ws.consign(&["build"]);
    run.fails_with(1, &["cargo build", "failed", "nothing was packaged"]);
    assert!(
        run.stderr.contains("error"),
        "cargo's errors are shown: {}",
        run.stderr
    );
    let dist = distrib(&ws);
    let leftovers: Vec<_> = std::fs::read_dir(&dist)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers
            .iter()
            .all(|n| n.to_string_lossy().starts_with('.')),
        "{leftovers:?}"
    );
}

#[test]
fn glibc_floor_above_minimum_fails_naming_the_symbol() {
    let ws = app("minimum-glibc-version = \"2.2\"\n");
    let run = ws.consign(&["build", "-a", "local", "-t", HOST]);
    run.fails_with(
        1,
        &[
            "needs glibc",
            "newer than `minimum-glibc-version` 2.2",
            "symbol `",
            "raised it",
        ],
    );
    assert!(!distrib(&ws).join(format!("tool-{HOST}.tar.xz")).exists());
}

#[test]
fn manifests_from_several_machines_merge() {
    let ws = app("");
    assert_eq!(ws.consign(&["build", "-a", "local", "-t", HOST]).code, 0);
    let dist = distrib(&ws);
    let local = dist.join(format!("{HOST}-dist-manifest.json"));
    assert!(local.is_file());
    // Another machine built the macOS archive; it left its manifest here.
    let mut other: Value = serde_json::from_str(&std::fs::read_to_string(&local).unwrap()).unwrap();
    let mac = "tool-aarch64-apple-darwin.tar.xz";
    other["artifacts"] = serde_json::json!({mac: {
        "name": mac,
        "kind": "executable-zip",
        "target_triples": ["aarch64-apple-darwin"],
        "checksums": {"sha256": "ab".repeat(32)},
    }});
    other["releases"][0]["artifacts"] = serde_json::json!([mac]);
    other["linkage"] = serde_json::json!([]);
    std::fs::write(
        dist.join("aarch64-apple-darwin-dist-manifest.json"),
        serde_json::to_string(&other).unwrap(),
    )
    .unwrap();

    let run = ws.consign(&["build", "-a", "global"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let unified = std::fs::read_to_string(dist.join("sha256.sum")).unwrap();
    assert!(
        unified.contains(&format!("{} *{mac}\n", "ab".repeat(32))),
        "{unified}"
    );
    assert!(
        unified.contains(&format!(" *tool-{HOST}.tar.xz\n")),
        "{unified}"
    );

    // The same merge through the command.
    let run = ws.consign(&[
        "merge-manifests",
        local.to_str().unwrap(),
        dist.join("aarch64-apple-darwin-dist-manifest.json")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let merged: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        merged["artifacts"][mac]["checksums"]["sha256"],
        "ab".repeat(32)
    );
    assert!(merged["artifacts"][format!("tool-{HOST}.tar.xz")]["checksums"]["sha256"].is_string());
}

#[test]
fn recursive_tarball_includes_submodules() {
    let sub = TestWorkspace::new(&[("lib.txt", "from the submodule\n")]);
    let ws = app("recursive-tarball = true\n");
    ws.add_submodule(sub.path(), "vendor/sub");
    ws.commit();
    let run = ws.consign(&["build", "-a", "global"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (ok, out) = sh(&distrib(&ws), "tar -tzf source.tar.gz");
    assert!(ok, "{out}");
    assert!(
        out.lines().any(|l| l == "tool-1.2.3/vendor/sub/lib.txt"),
        "{out}"
    );
}

#[test]
fn unwritable_distrib_is_a_clear_error_before_compiling() {
    let ws = app("");
    std::fs::create_dir_all(ws.path().join("target")).unwrap();
    std::fs::write(
        ws.path().join("target/distrib"),
        "a file where the directory should be",
    )
    .unwrap();
    let run = ws.consign(&["build", "-a", "local", "-t", HOST]);
    run.fails_with(1, &["cannot create `", "target/distrib`", "writable"]);
    assert!(
        !ws.path().join("target").join(HOST).exists(),
        "nothing was compiled"
    );
}

#[test]
fn builds_package_manager_installers_from_the_plan() {
    let ws = app("installers = [\"shell\", \"homebrew\", \"npm\"]\ntap = \"acme/homebrew-tap\"\nchecksum = \"blake2b\"\nbin-aliases = { tool = [\"tl\"] }\ninclude = [\"completions/\", \"man/tool.1\"]\n");
    ws.write("completions/tool.bash", "complete -W 'a b' tool\n");
    ws.write("completions/_tool", "#compdef tool\n");
    ws.write("completions/tool.fish", "complete -c tool\n");
    ws.write("completions/tool.ps1", "# not for Homebrew\n");
    ws.write("man/tool.1", ".TH TOOL 1\n");
    ws.commit();
    let run = ws.consign(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dist = distrib(&ws);
    let archive = format!("tool-{HOST}.tar.xz");

    // The formula points at the archive with its SHA-256 (Homebrew needs
    // SHA-256 even though the release uses BLAKE2b).
    let formula = std::fs::read_to_string(dist.join("tool.rb"))
        .unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let (_, sha) = sh(&dist, &format!("sha256sum {archive}"));
    let sha = sha.split_whitespace().next().unwrap().to_string();
    assert!(formula.contains(&format!("sha256 \"{sha}\"")), "{formula}");
    assert!(
        formula.contains(&format!("/releases/download/v1.2.3/{archive}\"")),
        "{formula}"
    );
    assert!(formula.contains("class Tool < Formula"), "{formula}");
    // Completions and man pages from the archive, each where Homebrew looks.
    for line in [
        "bash_completion.install \"completions/tool.bash\" => \"tool\"",
        "zsh_completion.install \"completions/_tool\"",
        "fish_completion.install \"completions/tool.fish\"",
        "man1.install \"tool.1\"",
    ] {
        assert!(formula.contains(line), "{line} missing:\n{formula}");
    }
    assert!(!formula.contains("tool.ps1"), "{formula}");
    let (ok, listing) = sh(&dist, &format!("tar -tJf {archive}"));
    assert!(
        ok && listing.contains("completions/tool.bash") && listing.contains("/tool.1"),
        "{listing}"
    );
    if Command::new("ruby").arg("--version").output().is_ok() {
        let (ok, out) = sh(&dist, "ruby -c tool.rb");
        assert!(ok && out.contains("Syntax OK"), "{out}");
    }

    // The npm package is a tarball with a package.json naming every command.
    let (ok, listing) = sh(&dist, "tar -tzf tool-npm-package.tar.gz");
    assert!(ok, "{listing}");
    assert!(
        listing.lines().any(|l| l == "package/package.json"),
        "{listing}"
    );
    let (_, pkg) = sh(
        &dist,
        "tar -xzOf tool-npm-package.tar.gz package/package.json",
    );
    let pkg: Value = serde_json::from_str(&pkg).unwrap();
    assert_eq!(pkg["name"], "tool");
    assert_eq!(pkg["version"], "1.2.3");
    for cmd in ["tool", "tool-helper", "tl"] {
        assert!(pkg["bin"][cmd].is_string(), "{pkg}");
    }
    // The npm package has no checksum file of its own (as in cargo-dist);
    // the unified checksum covers it.
    assert!(!dist.join("tool-npm-package.tar.gz.blake2b").exists());
    let (ok, out) = sh(&dist, "b2sum -c blake2b.sum");
    assert!(ok, "{out}");
    let unified = std::fs::read_to_string(dist.join("blake2b.sum")).unwrap();
    for name in [
        "tool.rb",
        "tool-installer.sh",
        "tool-npm-package.tar.gz",
        "source.tar.gz",
    ] {
        assert!(
            unified.contains(&format!(" *{name}\n")),
            "{name} missing from {unified}"
        );
    }
}

#[test]
fn docker_installer_writes_a_dockerfile_beside_the_archive() {
    let ws = app("installers = [\"docker\"]\n");
    let run = ws.consign(&["build", "-a", "local", "-t", HOST]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dockerfile =
        std::fs::read_to_string(distrib(&ws).join(format!("tool-{HOST}.Dockerfile"))).unwrap();
    assert!(
        dockerfile.contains("FROM gcr.io/distroless/cc-debian12"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/tool\"]"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("/usr/local/bin/tool-helper"),
        "{dockerfile}"
    );
}

/// cargo-dist's `extra-artifacts`, `omnibor` and `source-tarball = false`:
/// the command runs in the global step and its file is released; each
/// archive and MSI gets its OmniBOR ID (git's SHA-256 blob id); no source
/// tarball.
#[test]
fn extra_artifacts_and_omnibor_ids_are_built() {
    let ws = app(
        "installers = [\"shell\"]\nomnibor = true\nsource-tarball = false\n\
         [[workspace.metadata.dist.extra-artifacts]]\nartifacts = [\"out/schema.json\"]\n\
         build = [\"sh\", \"-c\", \"mkdir -p out && echo '{\\\"schema\\\": 1}' > out/schema.json\"]\n",
    );
    let run = ws.consign(&["build", "--target", HOST]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dist = distrib(&ws);
    assert_eq!(
        std::fs::read_to_string(dist.join("schema.json")).unwrap(),
        "{\"schema\": 1}\n"
    );
    let archive = format!("tool-{HOST}.tar.xz");
    let id = std::fs::read_to_string(dist.join(format!("{archive}.omnibor"))).unwrap();
    let (ok, git) = sh(
        &dist,
        &format!("git init -q --object-format=sha256 idrepo && cd idrepo && git hash-object ../{archive}"),
    );
    assert!(ok, "{git}");
    assert_eq!(id, format!("gitoid:blob:sha256:{}\n", git.trim()));
    assert!(!dist.join("source.tar.gz").exists());
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join("dist-manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["artifacts"]["schema.json"]["kind"], "extra-artifact");
    assert!(m["artifacts"]["schema.json"]["path"].is_string());
}

/// A failing `extra-artifacts` command stops the build and is named.
#[test]
fn a_failing_extra_artifacts_command_is_an_error() {
    let ws = app(
        "installers = [\"shell\"]\n[[workspace.metadata.dist.extra-artifacts]]\nartifacts = [\"x.json\"]\nbuild = [\"false\"]\n",
    );
    let run = ws.consign(&["build", "--target", HOST]);
    run.fails_with(1, &["the `extra-artifacts` build command failed", "hint:"]);
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// `cargo-auditable` and `cargo-cyclonedx` run the real cargo subcommands:
/// the binary carries cargo-auditable's `.dep-v0` section, and the SBOM is
/// CycloneDX XML released as `{app}.cdx.xml`.
#[test]
fn cargo_auditable_and_cyclonedx_run_the_real_tools() {
    for tool in ["cargo-auditable", "cargo-cyclonedx"] {
        if !on_path(tool) {
            if std::env::var_os("CONSIGN_TEST_SKIP_MISSING_TOOLS").is_some() {
                return;
            }
            panic!("install {tool} (see .ci/run)");
        }
    }
    let ws = app("installers = [\"shell\"]\ncargo-auditable = true\ncargo-cyclonedx = true\n");
    let run = ws.consign(&["build", "--target", HOST]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dist = distrib(&ws);
    let sbom = std::fs::read_to_string(dist.join("tool.cdx.xml")).unwrap();
    assert!(
        sbom.contains("<bom") && sbom.contains("cyclonedx"),
        "{sbom}"
    );
    let (ok, sections) = sh(ws.path(), &format!("objdump -h target/{HOST}/dist/tool"));
    assert!(ok, "{sections}");
    assert!(sections.contains(".dep-v0"), "{sections}");
}

/// Without the tool, the build stops before compiling and says how to get it.
#[test]
fn a_missing_cargo_auditable_is_named() {
    let ws = app("installers = [\"shell\"]\ncargo-auditable = true\n");
    // PATH without cargo-auditable's directory, plus a directory with only
    // cargo and rustc from it.
    let tools = tempfile::tempdir().unwrap();
    let mut dirs = vec![tools.path().to_path_buf()];
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap()) {
        if dir.join("cargo-auditable").is_file() {
            for t in ["cargo", "rustc"] {
                if dir.join(t).is_file() && !tools.path().join(t).exists() {
                    std::os::unix::fs::symlink(dir.join(t), tools.path().join(t)).unwrap();
                }
            }
        } else {
            dirs.push(dir);
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_consign"))
        .args(["build", "--target", HOST])
        .current_dir(ws.path())
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`cargo auditable` is not installed")
            && stderr.contains("cargo install cargo-auditable --locked"),
        "{stderr}"
    );
}
