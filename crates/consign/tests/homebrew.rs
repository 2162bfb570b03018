//! The Homebrew formula, checked with Ruby: every rendered formula must pass
//! `ruby -c`, and then load into `tests/homebrew/harness.rb`, a stand-in for
//! Homebrew's formula DSL, once for each OS and architecture Homebrew
//! distinguishes. The harness reports which archive the formula picks there
//! and what its `install` and `test` blocks do; the tests compare that with
//! the context the formula was rendered from.
//!
//! Without `ruby` the tests are skipped with a note (`.ci/run` installs it).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::tools::{self, require_tools};
use consign::installer::homebrew::{class_name, render, HomebrewArtifact, HomebrewContext};
use serde_json::{json, Value};
use tempfile::TempDir;

/// Every (os, arch) pair the harness simulates.
const PLATFORMS: [(&str, &str); 4] = [
    ("macos", "aarch64"),
    ("macos", "x86_64"),
    ("linux", "aarch64"),
    ("linux", "x86_64"),
];

/// Where the harness pretends the formula's keg is.
const PREFIX: &str = "/harness/prefix";

fn harness_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/homebrew/harness.rb")
}

// ---------------------------------------------------------------- contexts

fn sha(c: char) -> String {
    c.to_string().repeat(64)
}

fn artifact(target: &str, sha256: &str) -> HomebrewArtifact {
    let os = if target.contains("-apple-") {
        "macos"
    } else if target.contains("-linux-") {
        "linux"
    } else {
        "windows"
    };
    HomebrewArtifact {
        target: target.to_string(),
        os: os.to_string(),
        arch: target.split('-').next().unwrap().to_string(),
        url: format!(
            "https://github.com/acme/my-tool/releases/download/v0.4.0/my-tool-{target}.tar.xz"
        ),
        sha256: sha256.to_string(),
    }
}

fn base(formula: &str, artifacts: Vec<HomebrewArtifact>) -> HomebrewContext {
    HomebrewContext {
        formula: formula.to_string(),
        app_version: "0.4.0".to_string(),
        desc: Some("Does useful things".to_string()),
        homepage: Some("https://github.com/acme/my-tool".to_string()),
        license: Some("MIT".to_string()),
        tap: Some("acme/homebrew-tap".to_string()),
        artifacts,
        binaries: vec!["my-tool".to_string()],
        aliases: BTreeMap::new(),
        dependencies: Vec::new(),
        completions: Vec::new(),
        manpages: Vec::new(),
    }
}

fn all_four() -> Vec<HomebrewArtifact> {
    vec![
        artifact("aarch64-apple-darwin", &sha('a')),
        artifact("x86_64-apple-darwin", &sha('b')),
        artifact("aarch64-unknown-linux-gnu", &sha('c')),
        artifact("x86_64-unknown-linux-musl", &sha('d')),
    ]
}

// ------------------------------------------------------------------ checks

/// A rendered formula in a temp dir, with a stand-in for the unpacked
/// archive (every binary, completion and man page, as empty files).
struct Rendered {
    dir: TempDir,
    formula: PathBuf,
    text: String,
}

impl Rendered {
    fn new(ctx: &HomebrewContext) -> Rendered {
        let text = render(ctx).unwrap_or_else(|e| panic!("rendering {}: {e:#}", ctx.formula));
        let dir = TempDir::new().unwrap();
        let formula = dir.path().join(format!("{}.rb", ctx.formula));
        std::fs::write(&formula, &text).unwrap();
        let stage = dir.path().join("stage");
        for file in ctx
            .binaries
            .iter()
            .chain(&ctx.completions)
            .chain(&ctx.manpages)
        {
            let path = stage.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::create_dir_all(&stage).unwrap();
        Rendered { dir, formula, text }
    }

    fn stage(&self) -> PathBuf {
        self.dir.path().join("stage")
    }

    /// `ruby -c` on the formula.
    fn check_syntax(&self) {
        let out = Command::new("ruby")
            .arg("-c")
            .arg(&self.formula)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("Syntax OK"),
            "ruby -c failed:\n{}\n{stdout}{}",
            self.text,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The harness's report for one platform.
    fn harness(&self, os: &str, arch: &str) -> Value {
        let out = Command::new("ruby")
            .arg(harness_path())
            .arg(&self.formula)
            .env("CONSIGN_HB_OS", os)
            .env("CONSIGN_HB_ARCH", arch)
            .env("CONSIGN_HB_STAGE", self.stage())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "harness failed for {os} {arch}:\n{}\n{}",
            self.text,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "harness output for {os} {arch} is not JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// Renders `ctx`, checks the syntax, runs the harness on every platform and
/// checks what every formula must do there: the right archive (or none),
/// every binary and alias installed, the test block running the first
/// binary, the fields and dependencies. Returns the reports by platform.
fn check(ctx: &HomebrewContext) -> BTreeMap<(&'static str, &'static str), Value> {
    let rendered = Rendered::new(ctx);
    rendered.check_syntax();
    let mut reports = BTreeMap::new();
    for (os, arch) in PLATFORMS {
        let report = rendered.harness(os, arch);
        let at = format!("{os} {arch}:\n{}\n{report:#}", rendered.text);

        let expected = ctx.artifacts.iter().find(|a| a.os == os && a.arch == arch);
        assert_eq!(
            report["url"],
            json!(expected.map(|a| &a.url)),
            "url on {at}"
        );
        assert_eq!(
            report["sha256"],
            json!(expected.map(|a| &a.sha256)),
            "sha256 on {at}"
        );

        assert_eq!(report["class"], json!(class_name(&ctx.formula)), "{at}");
        assert_eq!(report["version"], json!(ctx.app_version), "{at}");

        let installs = report["install"].as_array().unwrap();
        for bin in &ctx.binaries {
            let call = json!({"dir": "bin", "method": "install", "from": bin, "as": bin});
            assert!(installs.contains(&call), "{bin} not installed on {at}");
        }
        for (bin, aliases) in &ctx.aliases {
            for alias in aliases {
                let call = json!({
                    "dir": "bin",
                    "method": "install_symlink",
                    "from": format!("{PREFIX}/bin/{bin}"),
                    "as": alias,
                });
                assert!(installs.contains(&call), "alias {alias} missing on {at}");
            }
        }

        let first = format!("{PREFIX}/bin/{}", ctx.binaries[0]);
        assert_eq!(report["test"], json!([[first, "--version"]]), "{at}");

        let depends_on = report["depends_on"].as_array().unwrap();
        for dep in &ctx.dependencies {
            assert!(depends_on.contains(&json!(dep)), "{dep} missing on {at}");
        }
        reports.insert((os, arch), report);
    }
    reports
}

// ------------------------------------------------------------------- tests

#[test]
fn macos_only() {
    require_tools!("ruby");
    let mut artifacts = all_four();
    artifacts.retain(|a| a.os == "macos");
    artifacts.push(artifact("x86_64-pc-windows-msvc", &sha('e')));
    let ctx = base("my-tool", artifacts);
    let reports = check(&ctx);
    for report in reports.values() {
        assert_eq!(report["depends_on"], json!([":macos"]));
        assert_eq!(report["desc"], json!("Does useful things"));
        assert_eq!(report["homepage"], json!("https://github.com/acme/my-tool"));
        assert_eq!(report["license"], json!("MIT"));
    }
    assert!(reports[&("linux", "x86_64")]["url"].is_null());
}

#[test]
fn linux_only() {
    require_tools!("ruby");
    let ctx = base(
        "my-tool",
        vec![artifact("x86_64-unknown-linux-gnu", &sha('f'))],
    );
    let reports = check(&ctx);
    assert!(reports[&("linux", "aarch64")]["url"].is_null());
    assert!(reports[&("macos", "x86_64")]["url"].is_null());
    assert!(!reports[&("linux", "x86_64")]["url"].is_null());
    for report in reports.values() {
        assert_eq!(report["depends_on"], json!([":linux"]));
    }
}

#[test]
fn all_platforms_with_aliases_completions_manpages_and_dependencies() {
    require_tools!("ruby");
    let mut ctx = base("my-tool", all_four());
    ctx.binaries.push("my-helper".to_string());
    ctx.aliases.insert(
        "my-tool".to_string(),
        vec!["mt".to_string(), "mytool".to_string()],
    );
    ctx.aliases
        .insert("my-helper".to_string(), vec!["mh".to_string()]);
    ctx.dependencies = vec!["openssl@3".to_string(), "xz".to_string()];
    ctx.completions = vec![
        "completions/my-tool.bash".to_string(),
        "completions/_my-tool".to_string(),
        "completions/my-helper.zsh".to_string(),
        "completions/my-tool.fish".to_string(),
        "completions/_my-tool.ps1".to_string(),
        "completions/my-tool.elv".to_string(),
    ];
    ctx.manpages = vec![
        "man/my-tool.1".to_string(),
        "man/my-tool.conf.5.gz".to_string(),
    ];
    let reports = check(&ctx);

    let link = |bin: &str, alias: &str| json!({"dir": "bin", "method": "install_symlink", "from": format!("{PREFIX}/bin/{bin}"), "as": alias});
    let install = |dir: &str, from: &str, as_: &str| json!({"dir": dir, "method": "install", "from": from, "as": as_});
    let expected = json!([
        install("bin", "my-tool", "my-tool"),
        install("bin", "my-helper", "my-helper"),
        link("my-helper", "mh"),
        link("my-tool", "mt"),
        link("my-tool", "mytool"),
        install("bash_completion", "completions/my-tool.bash", "my-tool"),
        install("zsh_completion", "completions/_my-tool", "_my-tool"),
        install("zsh_completion", "completions/my-helper.zsh", "_my-helper"),
        install(
            "fish_completion",
            "completions/my-tool.fish",
            "my-tool.fish"
        ),
        install("man1", "man/my-tool.1", "my-tool.1"),
        install("man5", "man/my-tool.conf.5.gz", "my-tool.conf.5.gz"),
    ]);
    for (platform, report) in &reports {
        assert_eq!(report["install"], expected, "{platform:?}");
        assert_eq!(
            report["depends_on"],
            json!(["openssl@3", "xz"]),
            "{platform:?}"
        );
    }
}

#[test]
fn hostile_text_is_inert() {
    require_tools!("ruby");
    let mut ctx = base("my-tool", all_four());
    let desc = r#"Say "hi" to #{ENV["HOME"]}, #$0 and #@x \ or \#{x}"#;
    ctx.desc = Some(desc.to_string());
    ctx.homepage = Some("https://example.com/#{`id`}\"".to_string());
    ctx.license = Some("LicenseRef-\"#{x}\"".to_string());
    ctx.artifacts[0].url = "https://example.com/a\"b#{1}.tar.xz".to_string();
    let reports = check(&ctx);
    for report in reports.values() {
        assert_eq!(report["desc"], json!(desc));
        assert_eq!(report["homepage"], json!("https://example.com/#{`id`}\""));
        assert_eq!(report["license"], json!("LicenseRef-\"#{x}\""));
    }
    assert_eq!(
        reports[&("macos", "aarch64")]["url"],
        json!("https://example.com/a\"b#{1}.tar.xz")
    );
}

#[test]
fn multi_line_description_is_one_line() {
    require_tools!("ruby");
    let mut ctx = base("my-tool", all_four());
    ctx.desc = Some("Does\n  useful\tthings\n".to_string());
    for report in check(&ctx).values() {
        assert_eq!(report["desc"], json!("Does useful things"));
    }
}

#[test]
fn licenses_use_homebrews_structure() {
    require_tools!("ruby");
    for (spdx, expected) in [
        (
            "MIT OR Apache-2.0",
            json!({"any_of": ["MIT", "Apache-2.0"]}),
        ),
        ("MIT/Apache-2.0", json!({"any_of": ["MIT", "Apache-2.0"]})),
        (
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            json!({"all_of": [{"any_of": ["MIT", "Apache-2.0"]}, "Unicode-3.0"]}),
        ),
        (
            "Apache-2.0 WITH LLVM-exception",
            json!({"Apache-2.0": {"with": "LLVM-exception"}}),
        ),
        (
            "MIT OR Apache-2.0 WITH LLVM-exception",
            json!({"any_of": ["MIT", {"Apache-2.0": {"with": "LLVM-exception"}}]}),
        ),
    ] {
        let mut ctx = base("my-tool", all_four());
        ctx.license = Some(spdx.to_string());
        for report in check(&ctx).values() {
            assert_eq!(report["license"], expected, "{spdx}");
        }
    }
}

#[test]
fn optional_fields_left_out() {
    require_tools!("ruby");
    let mut ctx = base("my-tool", all_four());
    ctx.desc = None;
    ctx.homepage = None;
    ctx.license = None;
    ctx.tap = None;
    for report in check(&ctx).values() {
        let object = report.as_object().unwrap();
        for field in ["desc", "homepage", "license"] {
            assert!(!object.contains_key(field), "{field} in {report:#}");
        }
    }
}

/// Homebrew finds the class by the name it derives from the file name; the
/// harness derives it independently (in Ruby) and loads it.
#[test]
fn class_names_homebrew_can_find() {
    require_tools!("ruby");
    for formula in [
        "foo_bar", "my.tool", "a2b", "c++", "tool@2", "x-y-z", "MyTool",
    ] {
        let mut ctx = base(formula, all_four());
        ctx.binaries = vec![formula.to_string()];
        let reports = check(&ctx);
        assert_eq!(
            reports[&("macos", "aarch64")]["class"],
            json!(class_name(formula))
        );
    }
}
