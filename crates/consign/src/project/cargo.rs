//! `cargo metadata --no-deps`, read into the few fields consign needs.
//!
//! `--no-deps` skips dependency resolution: the planner needs the workspace's
//! own packages, their targets and their metadata, not the dependency graph,
//! and skipping resolution is most of what keeps `consign plan` fast.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use serde::Deserialize;

use super::config::SourceFile;
use crate::error::UserError;

/// The parts of `cargo metadata` consign reads.
#[derive(Debug)]
pub struct Metadata {
    /// The workspace root directory.
    pub workspace_root: PathBuf,
    /// The target directory.
    pub target_directory: PathBuf,
    /// Workspace members, in cargo's order.
    pub packages: Vec<MetaPackage>,
}

/// One workspace member as cargo reports it.
#[derive(Debug)]
pub struct MetaPackage {
    /// What cargo says about the package.
    pub cargo: CargoPackage,
    /// Whether `[package.metadata.dist]` exists.
    pub has_dist_metadata: bool,
}

/// A package's facts from `cargo metadata`: read once here, and carried as
/// they are into [`super::Package`].
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct CargoPackage {
    pub name: String,
    pub version: semver::Version,
    pub manifest_path: PathBuf,
    /// Names of its binary targets, in manifest order.
    pub binaries: Vec<String>,
    /// Whether it has a library target.
    pub has_lib: bool,
    /// `false` when `publish = false` (or `publish = []`).
    pub publish: bool,
    pub repository: Option<String>,
    pub description: Option<String>,
    pub license: Option<String>,
    pub homepage: Option<String>,
    /// `[package].readme` (relative to the package dir), if set.
    pub readme: Option<String>,
    /// `[package].license-file`, if set.
    pub license_file: Option<String>,
    /// `[package.metadata.binstall]`, if declared.
    pub binstall: Option<serde_json::Value>,
    /// `[package.metadata.wix]` (the MSI's permanent GUIDs), if declared.
    pub wix: Option<serde_json::Value>,
    /// `[package].authors`.
    pub authors: Vec<String>,
    /// What publishing to a registry needs: dependencies, allowed registries
    /// and the metadata a registry records.
    pub registry: RegistryFacts,
}

/// The facts about a package that publishing it to a registry needs.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct RegistryFacts {
    /// `package.publish`: `None` for any registry, `Some([])` for none,
    /// else the registries it may go to.
    pub publish: Option<Vec<String>>,
    /// Declared dependencies (normal, build and dev), as cargo reports them.
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// `rust-version`.
    #[serde(default)]
    pub rust_version: Option<String>,
    /// `keywords`.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// `categories`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// `documentation`.
    #[serde(default)]
    pub documentation: Option<String>,
    /// `links`.
    #[serde(default)]
    pub links: Option<String>,
    /// `[features]`.
    #[serde(default)]
    pub features: std::collections::BTreeMap<String, Vec<String>>,
}

/// One declared dependency (`cargo metadata --no-deps` lists them unresolved).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Dependency {
    /// The package name (not the rename).
    pub name: String,
    /// `registry+URL` for a registry dependency, `None` for a path or git one.
    #[serde(default)]
    pub source: Option<String>,
    /// The version requirement (`*` when none was written).
    pub req: String,
    /// `None` (normal), `dev` or `build`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The name in `Cargo.toml` when renamed.
    #[serde(default)]
    pub rename: Option<String>,
    /// `optional = true`.
    #[serde(default)]
    pub optional: bool,
    /// `default-features`.
    #[serde(default = "yes")]
    pub uses_default_features: bool,
    /// Enabled features.
    #[serde(default)]
    pub features: Vec<String>,
    /// A `[target.'cfg(..)'.dependencies]` platform.
    #[serde(default)]
    pub target: Option<String>,
    /// The index URL of another registry it comes from.
    #[serde(default)]
    pub registry: Option<String>,
    /// The directory of a path dependency.
    #[serde(default)]
    pub path: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct RawMetadata {
    packages: Vec<RawPackage>,
    workspace_members: Vec<String>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct RawPackage {
    id: String,
    name: String,
    version: semver::Version,
    manifest_path: PathBuf,
    targets: Vec<RawTarget>,
    repository: Option<String>,
    description: Option<String>,
    license: Option<String>,
    homepage: Option<String>,
    readme: Option<String>,
    license_file: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
    #[serde(flatten)]
    registry: RegistryFacts,
}

#[derive(Deserialize)]
struct RawTarget {
    name: String,
    kind: Vec<String>,
}

/// Run `cargo metadata --no-deps` on `manifest` with `cargo` (the one
/// `settings::Environment::cargo` names).
pub fn metadata(cargo: &std::ffi::OsStr, manifest: &Path) -> anyhow::Result<Metadata> {
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .with_context(|| {
            format!(
                "failed to run `{} metadata`; is cargo installed?",
                cargo.to_string_lossy()
            )
        })?;
    if !output.status.success() {
        // A syntax error is better reported by us, with a location.
        if let Ok(file) = SourceFile::read(manifest) {
            file.parse()?;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(UserError::new(format!(
            "`cargo metadata` failed for `{}`:\n{}",
            manifest.display(),
            stderr.trim_end()
        ))
        .hint("fix the problem cargo reports; `cargo metadata --no-deps` shows it too")
        .into());
    }
    parse(&output.stdout)
}

/// Parse `cargo metadata` JSON.
pub fn parse(json: &[u8]) -> anyhow::Result<Metadata> {
    let raw: RawMetadata =
        serde_json::from_slice(json).context("failed to parse `cargo metadata` output")?;
    let members: std::collections::HashSet<&str> =
        raw.workspace_members.iter().map(String::as_str).collect();
    let packages = raw
        .packages
        .into_iter()
        .filter(|p| members.contains(p.id.as_str()))
        .map(|p| {
            let has_dist_metadata = p
                .metadata
                .as_ref()
                .and_then(|m| m.get("dist"))
                .is_some_and(|d| !d.is_null());
            let table = |key: &str| {
                p.metadata
                    .as_ref()
                    .and_then(|m| m.get(key))
                    .filter(|b| !b.is_null())
                    .cloned()
            };
            let (binstall, wix) = (table("binstall"), table("wix"));
            let cargo = CargoPackage {
                binaries: p
                    .targets
                    .iter()
                    .filter(|t| t.kind.iter().any(|k| k == "bin"))
                    .map(|t| t.name.clone())
                    .collect(),
                has_lib: p.targets.iter().any(|t| {
                    t.kind.iter().any(|k| {
                        ["lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"]
                            .contains(&k.as_str())
                    })
                }),
                publish: p
                    .registry
                    .publish
                    .as_ref()
                    .is_none_or(|registries| !registries.is_empty()),
                name: p.name,
                version: p.version,
                manifest_path: p.manifest_path,
                repository: p.repository,
                description: p.description,
                license: p.license,
                homepage: p.homepage,
                readme: p.readme,
                license_file: p.license_file,
                binstall,
                wix,
                authors: p.authors,
                registry: p.registry,
            };
            MetaPackage {
                cargo,
                has_dist_metadata,
            }
        })
        .collect();
    Ok(Metadata {
        workspace_root: raw.workspace_root,
        target_directory: raw.target_directory,
        packages,
    })
}
