//! Property tests of the pure planner: random workspaces (apps, targets,
//! installers, hosting, tag styles) planned in-process, twice.
//!
//! For every workspace the generator makes, planning must succeed and:
//! - be deterministic (two runs give byte-identical JSON);
//! - give every artifact a unique name, written by exactly one step;
//! - let installers offer only archives of the plan, at the archive's URL;
//! - put every artifact at the URL the hosting rules give:
//!   `https://github.com/{owner}/{repo}/releases/download/{tag}/{name}` on
//!   GitHub, `{simple-download-url with {tag}/{version}}/{name}` otherwise.
//!
//! The workspace is built in memory (no `cargo metadata`), and the config is
//! read from generated TOML through the real config reader, so a case costs
//! microseconds and the case count stays bounded.

use std::collections::BTreeSet;
use std::path::PathBuf;

use consign::plan::{self, ArtifactMode, PlanOptions};
use consign::project::cargo::{CargoPackage, RegistryFacts};
use consign::project::config::{read_dist_at, DistConfig, SourceFile};
use consign::project::{git::GitState, Package, Workspace};
use consign_manifest::ArtifactKind;
use proptest::prelude::*;

const TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-gnu",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
];
const INSTALLERS: &[&str] = &["shell", "powershell", "homebrew", "npm"];
const NAMES: &[&str] = &["tool", "tool-cli", "other_app", "zed"];
const CHECKSUMS: &[&str] = &["sha256", "sha512", "blake2b", "false"];

/// How the release tag is written.
#[derive(Clone, Debug)]
enum TagStyle {
    /// `v{version}`: every app at that version.
    Unified,
    /// `{pkg}-v{version}`.
    Dash(usize),
    /// `{pkg}/{version}`.
    Slash(usize),
    /// `release/{pkg}/v{version}`.
    Prefixed(usize),
}

/// One package: (name index, minor version, extra binary, has lib, own targets).
type PackageSpec = (usize, u8, bool, bool, Option<Vec<usize>>);

#[derive(Clone, Debug)]
struct Spec {
    packages: Vec<PackageSpec>,
    targets: Vec<usize>,
    installers: Vec<usize>,
    checksum: usize,
    /// `None`: GitHub; `Some(true)`: simple with `{tag}`; `Some(false)`: simple with `{version}`.
    simple: Option<bool>,
    releases_repo: bool,
    tag: TagStyle,
    mode: ArtifactMode,
}

fn subset(of: usize, min: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::sample::subsequence((0..of).collect::<Vec<_>>(), min..=of)
}

fn spec() -> impl Strategy<Value = Spec> {
    let package = (
        0..NAMES.len(),
        0u8..2,
        any::<bool>(),
        any::<bool>(),
        proptest::option::weighted(0.3, subset(TARGETS.len(), 1)),
    );
    (
        proptest::collection::vec(package, 1..=3),
        subset(TARGETS.len(), 1),
        subset(INSTALLERS.len(), 0),
        0..CHECKSUMS.len(),
        proptest::option::weighted(0.3, any::<bool>()),
        any::<bool>(),
        (0usize..4, 0usize..3),
        prop_oneof![
            Just(ArtifactMode::All),
            Just(ArtifactMode::Local),
            Just(ArtifactMode::Global)
        ],
    )
        .prop_map(
            |(mut packages, targets, installers, checksum, simple, releases_repo, tag, mode)| {
                // Package names are unique in a workspace.
                let mut seen = BTreeSet::new();
                packages.retain(|p| seen.insert(p.0));
                let which = tag.1 % packages.len();
                let tag = match tag.0 {
                    0 => TagStyle::Unified,
                    1 => TagStyle::Dash(which),
                    2 => TagStyle::Slash(which),
                    _ => TagStyle::Prefixed(which),
                };
                Spec {
                    packages,
                    targets,
                    installers,
                    checksum,
                    simple,
                    releases_repo,
                    tag,
                    mode,
                }
            },
        )
}

fn quoted(items: impl IntoIterator<Item = &'static str>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// Read `[dist]` TOML through the real config reader.
fn config(toml: &str) -> DistConfig {
    let file = SourceFile {
        path: "dist-workspace.toml".into(),
        text: format!("[dist]\n{toml}"),
    };
    let doc = file.parse().unwrap();
    let mut warnings = Vec::new();
    let c = read_dist_at(&file, &doc, "dist", &mut warnings)
        .unwrap_or_else(|e| panic!("{e:?}\n{toml}"))
        .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}\n{toml}");
    c
}

fn version(minor: u8) -> semver::Version {
    semver::Version::new(1, minor as u64, 0)
}

/// The workspace and the tag the spec describes.
fn build(spec: &Spec) -> (Workspace, String) {
    let root = PathBuf::from("/ws");
    let mut ws_toml = format!(
        "targets = {}\ninstallers = {}\nchecksum = \"{}\"\n",
        quoted(spec.targets.iter().map(|&t| TARGETS[t])),
        quoted(spec.installers.iter().map(|&i| INSTALLERS[i])),
        CHECKSUMS[spec.checksum],
    );
    if spec.installers.iter().any(|&i| INSTALLERS[i] == "homebrew") {
        ws_toml.push_str("tap = \"acme/homebrew-tap\"\n");
    }
    match spec.simple {
        Some(with_tag) => {
            let placeholder = if with_tag { "{tag}" } else { "{version}" };
            ws_toml.push_str(&format!(
                "hosting = [\"simple\"]\nsimple-download-url = \"https://dl.example.com/r/{placeholder}/\"\n"
            ));
        }
        None if spec.releases_repo => ws_toml.push_str("github-releases-repo = \"acme/public\"\n"),
        None => {}
    }
    let packages: Vec<Package> = spec
        .packages
        .iter()
        .map(|(n, minor, extra_bin, has_lib, own_targets)| {
            let name = NAMES[*n].to_string();
            let dir = root.join(&name);
            let mut binaries = vec![name.clone()];
            if *extra_bin {
                binaries.push(format!("{name}-helper"));
            }
            let pkg_config = match own_targets {
                Some(ts) => config(&format!(
                    "targets = {}\n",
                    quoted(ts.iter().map(|&t| TARGETS[t]))
                )),
                None => DistConfig::default(),
            };
            Package {
                cargo: CargoPackage {
                    name,
                    version: version(*minor),
                    manifest_path: dir.join("Cargo.toml"),
                    binaries,
                    has_lib: *has_lib,
                    publish: true,
                    repository: Some("https://github.com/acme/proj.git".into()),
                    description: Some("a tool".into()),
                    license: Some("MIT".into()),
                    homepage: None,
                    readme: None,
                    license_file: None,
                    binstall: None,
                    wix: None,
                    authors: Vec::new(),
                    registry: RegistryFacts::default(),
                },
                dir,
                config: pkg_config,
                config_origin: None,
                dir_files: vec!["Cargo.toml".into(), "README.md".into()],
                changelog: None,
            }
        })
        .collect();
    let tag = match &spec.tag {
        // A unified tag takes the first package's version.
        TagStyle::Unified => format!("v{}", packages[0].cargo.version),
        TagStyle::Dash(i) => format!(
            "{}-v{}",
            packages[*i].cargo.name, packages[*i].cargo.version
        ),
        TagStyle::Slash(i) => format!("{}/{}", packages[*i].cargo.name, packages[*i].cargo.version),
        TagStyle::Prefixed(i) => {
            format!(
                "release/{}/v{}",
                packages[*i].cargo.name, packages[*i].cargo.version
            )
        }
    };
    let ws = Workspace {
        target_dir: root.join("target"),
        packages,
        config: config(&ws_toml),
        config_origin: None,
        has_dist_profile: true,
        warnings: Vec::new(),
        root_files: vec!["Cargo.toml".into(), "LICENSE".into()],
        root_changelog: Some((
            "CHANGELOG.md".into(),
            "# Changelog\n\n## 1.1.0\n\n- more\n\n## 1.0.0\n\n- first\n".into(),
        )),
        git: GitState {
            toplevel: Some(root.clone()),
            dirty: Vec::new(),
            untracked: Vec::new(),
        },
        root,
    };
    (ws, tag)
}

fn options(spec: &Spec, tag: &str) -> PlanOptions {
    PlanOptions {
        tag: Some(tag.to_string()),
        artifacts: spec.mode,
        host_target: "x86_64-unknown-linux-gnu".into(),
        tool_version: "0.0.0".into(),
        ..PlanOptions::default()
    }
}

/// The URL the hosting rules give an artifact.
fn expected_url(spec: &Spec, tag: &str, app_version: &str, name: &str) -> String {
    match spec.simple {
        Some(true) => format!("https://dl.example.com/r/{tag}/{name}"),
        Some(false) => format!("https://dl.example.com/r/{app_version}/{name}"),
        None => {
            let repo = if spec.releases_repo {
                "acme/public"
            } else {
                "acme/proj"
            };
            format!("https://github.com/{repo}/releases/download/{tag}/{name}")
        }
    }
}

fn check(spec: &Spec) -> Result<(), TestCaseError> {
    let (ws, tag) = build(spec);
    let opts = options(spec, &tag);
    let first = plan::plan(&ws, &opts)
        .map_err(|e| TestCaseError::fail(format!("planning failed for tag `{tag}`: {e:?}")))?;
    let second = plan::plan(&ws.clone(), &opts).unwrap();

    // Deterministic: byte-identical JSON, steps included.
    let json = |p: &plan::Plan| serde_json::to_string(p).unwrap();
    prop_assert_eq!(json(&first), json(&second), "two runs differ");

    let m = &first.manifest;
    prop_assert!(!m.releases.is_empty(), "tag `{}` released nothing", tag);
    // The selected apps: the singular tag's package, or every app at the
    // tag's version.
    let expected_apps: BTreeSet<&str> = match &spec.tag {
        TagStyle::Unified => ws
            .packages
            .iter()
            .filter(|p| p.version == ws.packages[0].cargo.version)
            .map(|p| p.cargo.name.as_str())
            .collect(),
        TagStyle::Dash(i) | TagStyle::Slash(i) | TagStyle::Prefixed(i) => {
            [ws.packages[*i].cargo.name.as_str()].into()
        }
    };
    let apps: BTreeSet<&str> = m.releases.iter().map(|r| r.app_name.as_str()).collect();
    prop_assert_eq!(apps, expected_apps);

    // Every artifact name is unique across steps and written by exactly one.
    let mut outputs: Vec<&str> = first.steps.iter().flat_map(|s| s.outputs()).collect();
    let count = outputs.len();
    outputs.sort_unstable();
    outputs.dedup();
    prop_assert_eq!(outputs.len(), count, "an artifact name is written twice");
    for name in m.artifacts.keys() {
        prop_assert!(
            outputs.contains(&name.as_str()),
            "`{}` is in the manifest but no step writes it",
            name
        );
    }
    for release in &m.releases {
        let mut names = release.artifacts.clone();
        let n = names.len();
        names.sort();
        names.dedup();
        prop_assert_eq!(names.len(), n, "a release lists an artifact twice");
        for name in &release.artifacts {
            prop_assert!(m.artifacts.contains_key(name), "`{}` has no entry", name);
        }
    }

    // Installers offer only archives the release builds, at the archive's
    // URL. A global-only plan builds none: its installers' archives come
    // from the local builds, so they are checked against the full plan.
    let full = match spec.mode {
        ArtifactMode::All => first.clone(),
        _ => plan::plan(
            &ws,
            &PlanOptions {
                artifacts: ArtifactMode::All,
                ..opts.clone()
            },
        )
        .unwrap(),
    };
    let archives: BTreeSet<&str> = full.archives().map(|a| a.name.as_str()).collect();
    for name in &archives {
        prop_assert!(
            full.manifest
                .artifacts
                .get(*name)
                .map(|a| a.kind == ArtifactKind::ExecutableZip)
                == Some(true),
            "archive `{}` is not an executable-zip artifact of the manifest",
            name
        );
    }
    if spec.mode == ArtifactMode::Global {
        prop_assert_eq!(first.archives().count(), 0, "a global plan builds archives");
    }
    for installer in first.installers() {
        for a in &installer.context.artifacts {
            prop_assert!(
                archives.contains(a.archive.as_str()),
                "installer `{}` offers `{}`, which is not planned",
                installer.artifact,
                a.archive
            );
            let url = installer.meta.archive_urls.get(&a.archive);
            let version = m
                .releases
                .iter()
                .find(|r| r.artifacts.contains(&installer.artifact))
                .map(|r| r.app_version.as_str())
                .unwrap_or("1.0.0");
            let expected = expected_url(spec, &tag, version, &a.archive);
            prop_assert_eq!(url, Some(&expected));
        }
    }

    // Every artifact with a URL follows the hosting rules.
    for (name, artifact) in &m.artifacts {
        let Some(url) = &artifact.url else { continue };
        let version = m
            .releases
            .iter()
            .find(|r| r.artifacts.contains(name))
            .map(|r| r.app_version.as_str())
            .unwrap_or(&m.releases[0].app_version);
        prop_assert_eq!(url, &expected_url(spec, &tag, version, name));
    }
    Ok(())
}

proptest! {
    // Planning is in-process: 256 cases run in well under a second in a
    // debug build, so the bound is about keeping failures readable.
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_workspaces_plan_deterministically_with_unique_names_and_hosted_urls(spec in spec()) {
        check(&spec)?;
    }
}
