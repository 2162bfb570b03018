//! # consign-manifest
//!
//! The types of `dist-manifest.json`: the machine-readable description of a
//! release that `consign plan` prints and `consign build` writes. The format is
//! compatible with the one cargo-dist writes, so tools that read cargo-dist's
//! manifest read ours.
//!
//! **Invariant:** this crate depends on nothing else of consign's. CI jobs on
//! different machines talk to each other only through these types.
//!
//! Maps are `BTreeMap`s so that serialization is stable: the same plan always
//! gives byte-identical JSON.
#![deny(missing_docs)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The name of an artifact: also its file name in the release, and its key in
/// [`DistManifest::artifacts`].
pub type ArtifactId = String;

/// A whole release: the announcement, every app released under it, and every
/// file that will be produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DistManifest {
    /// The version of the tool that wrote this manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_version: Option<String>,
    /// The git tag the release is announced under (e.g. `v1.2.3` or `my-app-v1.2.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement_tag: Option<String>,
    /// Whether the tag was inferred from package versions rather than given with `--tag`.
    #[serde(default)]
    pub announcement_tag_is_implicit: bool,
    /// Whether the announced version is a semver prerelease.
    #[serde(default)]
    pub announcement_is_prerelease: bool,
    /// The title of the announcement (the GitHub Release name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement_title: Option<String>,
    /// The changelog section for the announced version, if one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement_changelog: Option<String>,
    /// The full body of the GitHub Release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement_github_body: Option<String>,
    /// Whether prereleases are published to package managers too.
    #[serde(default)]
    pub publish_prereleases: bool,
    /// Whether the release is always marked latest, prerelease or not.
    #[serde(default)]
    pub force_latest: bool,
    /// The apps released under this announcement.
    #[serde(default)]
    pub releases: Vec<Release>,
    /// Every artifact of every release, by name.
    #[serde(default)]
    pub artifacts: BTreeMap<ArtifactId, Artifact>,
    /// CI backends the plan was made for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiInfo>,
    /// Dynamic linkage of the built binaries (filled in by `consign build`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linkage: Vec<Linkage>,
    /// The machines that built the artifacts, by id (filled in by `consign
    /// build`; cargo-dist's `systems`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub systems: BTreeMap<String, SystemInfo>,
    /// The local paths of the files this build wrote for upload (cargo-dist's
    /// `upload_files`; empty with `--no-local-paths`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upload_files: Vec<String>,
}

/// One machine that built artifacts (cargo-dist's `SystemInfo`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemInfo {
    /// `{command}:{artifacts mode}:{targets}`, e.g. `build:local:x86_64-unknown-linux-gnu`.
    pub id: String,
    /// The first line of `cargo -V` on that machine.
    #[serde(default)]
    pub cargo_version_line: Option<String>,
    /// The machine's OS facts.
    pub build_environment: BuildEnvironment,
}

/// The OS a machine built on (cargo-dist's `BuildEnvironment`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum BuildEnvironment {
    /// Linux, with the builder's glibc version when it has one.
    #[serde(rename = "linux")]
    Linux {
        /// The builder's glibc version.
        glibc_version: Option<GlibcVersion>,
    },
    /// macOS.
    #[serde(rename = "macos")]
    MacOS {
        /// The macOS version.
        os_version: String,
    },
    /// Windows.
    #[serde(rename = "windows")]
    Windows,
    /// Not known.
    #[serde(rename = "indeterminate")]
    Indeterminate,
}

/// A glibc version (`2.36` is major 2, series 36).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GlibcVersion {
    /// Major version.
    pub major: u64,
    /// Series (minor) version.
    pub series: u64,
}

/// One app (a package with binaries) released under the announcement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Release {
    /// The package name.
    pub app_name: String,
    /// The package version.
    pub app_version: String,
    /// Names of the environment variables the installers of this app honour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvironmentVariables>,
    /// A name to show users instead of the package name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the release is shown in the announcement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<bool>,
    /// The artifacts of this release, by name.
    #[serde(default)]
    pub artifacts: Vec<ArtifactId>,
    /// Where the artifacts are downloaded from.
    #[serde(default)]
    pub hosting: Hosting,
    /// consign: the `cargo binstall` command that installs this release's
    /// archives, when the planner found them binstall-ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binstall_hint: Option<String>,
}

/// Names of the environment variables an app's installers honour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvironmentVariables {
    /// Overrides the install directory.
    pub install_dir_env_var: String,
    /// Installs into a directory without receipts or PATH changes.
    pub unmanaged_dir_env_var: String,
    /// Disables the updater.
    pub disable_update_env_var: String,
    /// Skips editing shell profiles and PATH.
    pub no_modify_path_env_var: String,
    /// Makes the installer quiet.
    pub print_quiet_env_var: String,
    /// Makes the installer verbose.
    pub print_verbose_env_var: String,
    /// Overrides the base URL artifacts are downloaded from.
    pub download_url_env_var: String,
    /// Overrides the GitHub base URL (cargo-dist's name; consign's installers
    /// use [`EnvironmentVariables::download_url_env_var`]).
    #[serde(default)]
    pub github_base_url_env_var: String,
    /// Overrides the GitHub Enterprise base URL (cargo-dist's name).
    #[serde(default)]
    pub ghe_base_url_env_var: String,
    /// A GitHub token for downloads from private repositories (cargo-dist's name).
    #[serde(default)]
    pub github_token_env_var: String,
}

/// Where a release's artifacts are hosted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hosting {
    /// Hosted on a GitHub (or GitHub Enterprise) Release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GithubHosting>,
    /// Hosted on a server the user uploads to themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple: Option<SimpleHosting>,
}

/// GitHub Release hosting: downloads are `{artifact_base_url}{artifact_download_path}/{name}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GithubHosting {
    /// `https://github.com`, or the GitHub Enterprise base URL.
    pub artifact_base_url: String,
    /// `/{owner}/{repo}/releases/download/{tag}`.
    pub artifact_download_path: String,
    /// The repository owner.
    pub owner: String,
    /// The repository name.
    pub repo: String,
}

/// Hosting on a plain file server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SimpleHosting {
    /// Downloads are `{download_url}/{name}`.
    pub download_url: String,
}

/// A file produced by the release.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Artifact {
    /// The file name (and the key in [`DistManifest::artifacts`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ArtifactId>,
    /// What kind of file this is.
    pub kind: ArtifactKind,
    /// The targets the artifact is for (empty for target-independent ones).
    #[serde(default)]
    pub target_triples: Vec<String>,
    /// Where the artifact is on disk, once built (omitted with `--no-local-paths`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The files inside the artifact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
    /// A short description, shown in release notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A one-line command that installs with this artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_hint: Option<String>,
    /// The download URL of the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The name of the checksum artifact covering this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ArtifactId>,
    /// Known checksums of this artifact, by algorithm (filled in by `consign build`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checksums: BTreeMap<String, String>,
}

/// The kinds of artifact.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// An archive (`.tar.xz`, `.zip`, ...) of an app's binaries and docs.
    #[default]
    ExecutableZip,
    /// Debug symbols.
    Symbols,
    /// An installer (script, formula, package, MSI).
    Installer,
    /// A per-artifact checksum file.
    Checksum,
    /// A checksum file covering every artifact.
    UnifiedChecksum,
    /// The source tarball.
    SourceTarball,
    /// A file built by an `extra-artifacts` command.
    ExtraArtifact,
    /// The updater binary (`{app}-{target}-update`, axoupdater).
    Updater,
    /// A software bill of materials (`{app}.cdx.xml`).
    #[serde(rename = "sbom")]
    Sbom,
    /// The OmniBOR artifact ID of another artifact (`{name}.omnibor`).
    OmniborArtifactId,
    /// Something this version of the format does not know.
    #[serde(other)]
    Unknown,
}

/// A file inside an artifact.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Asset {
    /// The file name inside the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The path of the file relative to the artifact's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What kind of file it is.
    pub kind: AssetKind,
}

/// The kinds of asset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    /// A binary.
    #[default]
    Executable,
    /// A README.
    Readme,
    /// A license.
    License,
    /// A changelog.
    Changelog,
    /// Any other file.
    #[serde(other)]
    Unknown,
}

/// CI backends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CiInfo {
    /// GitHub Actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GithubCiInfo>,
}

/// GitHub Actions information for the generated workflow.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GithubCiInfo {
    /// The build matrix of local artifacts: one entry per build machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts_matrix: Option<GithubMatrix>,
    /// What the workflow does on pull requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_run_mode: Option<String>,
}

/// A GitHub Actions matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GithubMatrix {
    /// The entries of the matrix.
    #[serde(default)]
    pub include: Vec<GithubMatrixEntry>,
}

/// One build machine of the matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GithubMatrixEntry {
    /// The targets built on this machine.
    #[serde(default)]
    pub targets: Vec<String>,
    /// The runner label.
    pub runner: String,
    /// The consign arguments that select this machine's artifacts.
    pub dist_args: String,
    /// The runner machine's target triple.
    #[serde(default)]
    pub host: String,
    /// A container to build in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// How the job installs the tool (cargo-dist's `install_dist`).
    #[serde(default)]
    pub install_dist: RunStep,
}

/// A container a CI job runs in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Container {
    /// The image, e.g. `quay.io/pypa/manylinux_2_28_x86_64`.
    pub image: String,
    /// The container's target triple.
    pub host: String,
    /// The package manager inside it (`apt`, ...), if known.
    #[serde(default)]
    pub package_manager: Option<String>,
}

/// A shell step of a CI job: the shell and the script.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunStep {
    /// `sh` or `pwsh`.
    pub shell: String,
    /// The script.
    pub run: String,
}

/// The dynamic linkage of one binary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Linkage {
    /// The binary's name.
    pub binary: String,
    /// The target it was built for.
    pub target: String,
    /// Shared libraries it needs (`DT_NEEDED`).
    #[serde(default)]
    pub needed: Vec<String>,
    /// The highest glibc symbol version it uses, e.g. `2.34`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glibc_floor: Option<String>,
    /// A symbol that needs [`Linkage::glibc_floor`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glibc_floor_symbol: Option<String>,
}

/// Why two manifests cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeError {
    /// They announce different tags.
    DifferentTags(String, String),
    /// The same artifact has different checksums.
    ChecksumConflict {
        /// The artifact.
        artifact: String,
        /// The algorithm.
        algorithm: String,
        /// The two values.
        values: (String, String),
    },
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::DifferentTags(a, b) => {
                write!(f, "the manifests announce different tags: `{a}` and `{b}`")
            }
            MergeError::ChecksumConflict {
                artifact,
                algorithm,
                values,
            } => write!(
                f,
                "artifact `{artifact}` has two different {algorithm} checksums: `{}` and `{}`",
                values.0, values.1
            ),
        }
    }
}

impl std::error::Error for MergeError {}

impl DistManifest {
    /// The JSON Schema of the manifest, pretty-printed.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(DistManifest);
        serde_json::to_string_pretty(&schema).expect("a JSON Schema always serializes")
    }

    /// Merge `other` (e.g. the manifest of another build machine) into this one.
    ///
    /// The rule: both must announce the same tag (or either none). Artifacts are
    /// united by name; an artifact known to both keeps every field either side
    /// filled in (`path`, `checksums`, `assets`, ...), and two different values
    /// of the same checksum are an error. Releases are matched by app name and
    /// version, and their artifact lists united in order. Linkage entries are
    /// united by binary and target, build machines (`systems`) by id; the
    /// upload list stays this manifest's. Merging is idempotent and, up to the order
    /// of lists, commutative.
    pub fn merge(&mut self, other: &DistManifest) -> Result<(), MergeError> {
        match (&self.announcement_tag, &other.announcement_tag) {
            (Some(a), Some(b)) if a != b => {
                return Err(MergeError::DifferentTags(a.clone(), b.clone()))
            }
            (None, Some(b)) => self.announcement_tag = Some(b.clone()),
            _ => {}
        }
        for (id, theirs) in &other.artifacts {
            match self.artifacts.get_mut(id) {
                None => {
                    self.artifacts.insert(id.clone(), theirs.clone());
                }
                Some(ours) => {
                    for (algo, value) in &theirs.checksums {
                        match ours.checksums.get(algo) {
                            Some(existing) if existing != value => {
                                return Err(MergeError::ChecksumConflict {
                                    artifact: id.clone(),
                                    algorithm: algo.clone(),
                                    values: (existing.clone(), value.clone()),
                                })
                            }
                            Some(_) => {}
                            None => {
                                ours.checksums.insert(algo.clone(), value.clone());
                            }
                        }
                    }
                    fill(&mut ours.path, &theirs.path);
                    fill(&mut ours.name, &theirs.name);
                    fill(&mut ours.description, &theirs.description);
                    fill(&mut ours.install_hint, &theirs.install_hint);
                    fill(&mut ours.url, &theirs.url);
                    fill(&mut ours.checksum, &theirs.checksum);
                    if ours.assets.is_empty() {
                        ours.assets = theirs.assets.clone();
                    }
                    if ours.target_triples.is_empty() {
                        ours.target_triples = theirs.target_triples.clone();
                    }
                }
            }
        }
        for theirs in &other.releases {
            match self
                .releases
                .iter_mut()
                .find(|r| r.app_name == theirs.app_name && r.app_version == theirs.app_version)
            {
                None => self.releases.push(theirs.clone()),
                Some(ours) => {
                    for id in &theirs.artifacts {
                        if !ours.artifacts.contains(id) {
                            ours.artifacts.push(id.clone());
                        }
                    }
                    fill(&mut ours.env, &theirs.env);
                    fill(&mut ours.hosting.github, &theirs.hosting.github);
                    fill(&mut ours.hosting.simple, &theirs.hosting.simple);
                    fill(&mut ours.binstall_hint, &theirs.binstall_hint);
                }
            }
        }
        for l in &other.linkage {
            if !self
                .linkage
                .iter()
                .any(|x| x.binary == l.binary && x.target == l.target)
            {
                self.linkage.push(l.clone());
            }
        }
        self.linkage
            .sort_by(|a, b| (&a.target, &a.binary).cmp(&(&b.target, &b.binary)));
        fill(&mut self.dist_version, &other.dist_version);
        fill(&mut self.announcement_title, &other.announcement_title);
        fill(
            &mut self.announcement_changelog,
            &other.announcement_changelog,
        );
        fill(
            &mut self.announcement_github_body,
            &other.announcement_github_body,
        );
        fill(&mut self.ci, &other.ci);
        // Every build machine is kept; the upload list stays this machine's
        // (as cargo-dist: another machine's local paths mean nothing here).
        for (id, system) in &other.systems {
            self.systems
                .entry(id.clone())
                .or_insert_with(|| system.clone());
        }
        Ok(())
    }

    /// Serialize to pretty JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("the manifest always serializes");
        out.push('\n');
        out
    }
}

fn fill<T: Clone>(ours: &mut Option<T>, theirs: &Option<T>) {
    if ours.is_none() {
        ours.clone_from(theirs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_snapshot() {
        insta::assert_snapshot!(DistManifest::json_schema());
    }

    #[test]
    fn reads_unknown_kinds_and_fields() {
        let json = r#"{"releases":[],"artifacts":{"x":{"kind":"symbols-v2","assets":[{"kind":"c-dynamic-library"}]}},"extra":1}"#;
        let m: DistManifest = serde_json::from_str(json).unwrap();
        assert_eq!(m.artifacts["x"].kind, ArtifactKind::Unknown);
        assert_eq!(m.artifacts["x"].assets[0].kind, AssetKind::Unknown);
    }

    fn machine(target: &str, sum: &str) -> DistManifest {
        let name = format!("app-{target}.tar.xz");
        let mut m = DistManifest {
            announcement_tag: Some("v1.0.0".into()),
            ..Default::default()
        };
        let mut artifact = Artifact {
            kind: ArtifactKind::ExecutableZip,
            target_triples: vec![target.into()],
            ..Default::default()
        };
        artifact.checksums.insert("sha256".into(), sum.into());
        artifact.path = Some(format!("/m/{name}"));
        m.artifacts.insert(name.clone(), artifact);
        // Every machine plans the installer too, without building it.
        m.artifacts.insert(
            "app-installer.sh".into(),
            Artifact {
                kind: ArtifactKind::Installer,
                ..Default::default()
            },
        );
        m.releases.push(Release {
            app_name: "app".into(),
            app_version: "1.0.0".into(),
            artifacts: vec!["app-installer.sh".into(), name],
            ..Default::default()
        });
        m.linkage.push(Linkage {
            binary: "app".into(),
            target: target.into(),
            ..Default::default()
        });
        m
    }

    #[test]
    fn merges_build_machines() {
        let mut a = machine("x86_64-unknown-linux-gnu", "aa");
        let mut b = machine("aarch64-apple-darwin", "bb");
        for (m, id, env) in [
            (
                &mut a,
                "build:local:x86_64-unknown-linux-gnu",
                BuildEnvironment::Linux {
                    glibc_version: Some(GlibcVersion {
                        major: 2,
                        series: 36,
                    }),
                },
            ),
            (
                &mut b,
                "build:local:aarch64-apple-darwin",
                BuildEnvironment::MacOS {
                    os_version: "14.5".into(),
                },
            ),
        ] {
            m.systems.insert(
                id.into(),
                SystemInfo {
                    id: id.into(),
                    cargo_version_line: None,
                    build_environment: env,
                },
            );
            m.upload_files.push(format!("/{id}/file"));
        }
        a.merge(&b).unwrap();
        // Both machines are kept; the upload list stays this machine's.
        assert_eq!(a.systems.len(), 2);
        assert_eq!(
            a.upload_files,
            ["/build:local:x86_64-unknown-linux-gnu/file"]
        );
        assert_eq!(a.artifacts.len(), 3);
        assert_eq!(
            a.artifacts["app-aarch64-apple-darwin.tar.xz"].checksums["sha256"],
            "bb"
        );
        assert_eq!(a.releases.len(), 1);
        assert_eq!(
            a.releases[0].artifacts,
            [
                "app-installer.sh",
                "app-x86_64-unknown-linux-gnu.tar.xz",
                "app-aarch64-apple-darwin.tar.xz"
            ]
        );
        assert_eq!(a.linkage.len(), 2);
        // Idempotent.
        let before = a.clone();
        a.merge(&b).unwrap();
        assert_eq!(a, before);
        // Order does not change the artifacts.
        let mut c = machine("aarch64-apple-darwin", "bb");
        c.merge(&machine("x86_64-unknown-linux-gnu", "aa")).unwrap();
        assert_eq!(c.artifacts, before.artifacts);
    }

    #[test]
    fn merge_refuses_conflicts() {
        let mut a = machine("x86_64-unknown-linux-gnu", "aa");
        let err = a
            .merge(&machine("x86_64-unknown-linux-gnu", "cc"))
            .unwrap_err();
        assert!(
            err.to_string().contains("two different sha256 checksums"),
            "{err}"
        );
        let mut other = machine("aarch64-apple-darwin", "bb");
        other.announcement_tag = Some("v2.0.0".into());
        assert!(matches!(
            a.merge(&other),
            Err(MergeError::DifferentTags(..))
        ));
    }

    #[test]
    fn round_trips() {
        let mut m = DistManifest {
            announcement_tag: Some("v1.0.0".into()),
            ..Default::default()
        };
        m.artifacts.insert(
            "a.tar.xz".into(),
            Artifact {
                name: Some("a.tar.xz".into()),
                kind: ArtifactKind::ExecutableZip,
                target_triples: vec!["x86_64-unknown-linux-gnu".into()],
                ..Default::default()
            },
        );
        let json = m.to_json_pretty();
        assert!(json.contains(r#""kind": "executable-zip""#));
        let back: DistManifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }
}
