//! Artifacts: archives, checksums, installers and the source tarball of every
//! app × target, with their names, contents and download URLs.
//!
//! Names carry no version (`{app}-{target}.tar.xz`), so "latest release" links
//! keep working, and they match cargo-dist's so existing download URLs do.

use std::collections::BTreeMap;
use std::path::PathBuf;

use consign_manifest::{
    Artifact, ArtifactId, ArtifactKind, Asset, AssetKind, CiInfo, Container, GithubCiInfo,
    GithubMatrix, GithubMatrixEntry, RunStep,
};
use serde::Serialize;

use super::step::{Phase, Step};
use super::{AppRelease, ArtifactMode, PlanOptions, ResolvedHosting};
use crate::error::UserError;
use crate::installer::msi::MsiContext;
use crate::installer::{self, binstall};
use crate::installer::{
    InstallPathSpec, InstallerArtifact, InstallerContext, InstallerUpdater, ReceiptSource,
};
use crate::project::config::{
    ArchiveFormat, ChecksumAlgorithm, CiBackend, Compression, DistConfig, GlibcVersion,
    InstallPath, InstallerKind, PrRunMode,
};
use crate::project::{Workspace, AUTO_INCLUDE_PREFIXES};
use crate::targets::{self, Os};

/// One `cargo build` invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CargoBuild {
    /// The target triple.
    pub target: String,
    /// The packages built (`-p`).
    pub packages: Vec<String>,
    /// `--features`.
    pub features: Vec<String>,
    /// `false` adds `--no-default-features`.
    pub default_features: bool,
    /// `--all-features`.
    pub all_features: bool,
    /// `cargo-auditable`: build with `cargo auditable build`, which embeds
    /// the dependency tree in the binaries.
    #[serde(default)]
    pub auditable: bool,
}

/// An archive to pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArchivePlan {
    /// The artifact name.
    pub name: String,
    /// The app.
    pub app: String,
    /// The target triple.
    pub target: String,
    /// The format.
    pub format: ArchiveFormat,
    /// How hard to compress it (`compression`, default `best`).
    pub compression: Compression,
    /// The directory everything sits under (`{app}-{target}` for tarballs; none for zips).
    pub prefix: Option<String>,
    /// The files, sorted by their path in the archive.
    pub files: Vec<ArchiveFile>,
    /// The checksum artifact covering it.
    pub checksum: Option<String>,
    /// The newest glibc the binaries may need (`minimum-glibc-version`), for gnu Linux targets.
    pub max_glibc: Option<GlibcVersion>,
    /// Checksums recorded in the manifest beside the configured one: SHA-256
    /// when a Homebrew formula installs the archive, whatever `checksum` says.
    pub extra_checksums: Vec<ChecksumAlgorithm>,
}

/// A file inside an archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArchiveFile {
    /// Where the file comes from.
    pub source: FileSource,
    /// Its path inside the archive.
    pub dest: String,
    /// Whether it is executable (mode 0755).
    pub executable: bool,
}

/// Where an archived file comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FileSource {
    /// A binary built by cargo.
    Binary {
        /// The package.
        package: String,
        /// The file name (with `.exe` on Windows).
        file: String,
    },
    /// A file (or directory) in the workspace.
    Path(PathBuf),
}

/// An installer script to render, with everything but the build's checksums
/// and glibc floors filled in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstallerPlan {
    /// The artifact name (`{app}-installer.sh`).
    pub artifact: String,
    /// Its checksum artifact, if it has one (npm packages).
    pub checksum: Option<String>,
    /// Which installer.
    pub kind: InstallerKind,
    /// What it installs.
    pub context: InstallerContext,
    /// Package facts and channel settings (formula, tap, npm name, ...).
    pub meta: InstallerMeta,
}

/// What package-manager installers need beyond [`InstallerContext`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InstallerMeta {
    /// `[package].description`.
    pub description: Option<String>,
    /// `[package].homepage`, else the repository URL.
    pub homepage: Option<String>,
    /// `[package].license`.
    pub license: Option<String>,
    /// `[package].repository`.
    pub repository: Option<String>,
    /// The Homebrew formula name (`formula`, default: the app name).
    pub formula: String,
    /// The Homebrew tap (`tap`).
    pub tap: Option<String>,
    /// Homebrew dependencies (`[dist.dependencies.homebrew]`).
    pub homebrew_dependencies: Vec<String>,
    /// The npm package name (`npm-scope`/`npm-package`).
    pub npm_name: String,
    /// The workspace files in the archives, as (path below the archive's
    /// top directory, source): where the Homebrew formula finds completions
    /// and man pages.
    pub archive_files: Vec<(String, PathBuf)>,
    /// The download URL of each archive the installer offers, by archive name.
    pub archive_urls: BTreeMap<String, String>,
}

/// A container image of one app for one Linux target, built beside its archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImagePlan {
    /// The app.
    pub app: String,
    /// The version.
    pub version: String,
    /// The Linux target.
    pub target: String,
    /// The Dockerfile artifact (`{app}-{target}.Dockerfile`).
    pub dockerfile: String,
    /// The OCI image archive (`{app}-{target}.oci.tar`), for static (musl) builds only.
    pub oci_archive: Option<String>,
    /// The OCI archive's checksum artifact, if checksums are on.
    pub oci_checksum: Option<String>,
    /// The binary the image runs: the one named after the app, else the first.
    pub entrypoint: String,
    /// The binaries, as (package, file name).
    pub binaries: Vec<(String, String)>,
    /// `[package].repository`, for the image's source label.
    pub source: Option<String>,
    /// `[package].license`.
    pub license: Option<String>,
}

/// The source tarball: `git archive` of the release commit under `prefix`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourcePlan {
    /// The artifact name (`source.tar.gz`).
    pub name: String,
    /// Its checksum artifact, if checksums are on.
    pub checksum: Option<String>,
    /// The directory everything sits under, `{app}-{version}/`.
    pub prefix: String,
    /// Whether submodules go in too (`recursive-tarball`).
    pub recursive: bool,
}

/// An `extra-artifacts` entry: the command the global step runs and the
/// files it makes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtraPlan {
    /// Where the command runs.
    pub dir: PathBuf,
    /// The command and its arguments.
    pub command: Vec<String>,
    /// Each file, as (path relative to `dir`, artifact name).
    pub files: Vec<(String, String)>,
}

/// A `cargo cyclonedx` SBOM of one app (`cargo-cyclonedx`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SbomPlan {
    /// The artifact name, `{app}.cdx.xml`.
    pub name: String,
    /// The package's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Where `cargo cyclonedx` writes the file.
    pub written_to: PathBuf,
}

/// The updater artifact of `app` for `target`, `{app}-{target}-update`: the
/// one name the updater step and the installers' download share.
fn updater_artifact(app: &str, target: &str) -> String {
    format!("{app}-{target}-update")
}

/// The updater of one app for one target: axoupdater-cli, built for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UpdaterPlan {
    /// The artifact name, `{app}-{target}-update`.
    pub name: String,
    /// The target triple.
    pub target: String,
}

/// The OmniBOR artifact ID of another artifact (`omnibor`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OmniborPlan {
    /// The artifact name, `{subject}.omnibor`.
    pub name: String,
    /// The artifact it identifies.
    pub subject: String,
    /// Whether the subject is a local artifact (so is its ID).
    pub local: bool,
}

/// The unified checksum file, `{algo}.sum`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnifiedChecksumPlan {
    /// The artifact name.
    pub name: String,
    /// The algorithm.
    pub algorithm: ChecksumAlgorithm,
}

pub(crate) struct Planned {
    /// Local and global steps, in the order they run.
    pub steps: Vec<Step>,
    pub manifest_artifacts: BTreeMap<ArtifactId, Artifact>,
    pub release_artifacts: BTreeMap<String, Vec<ArtifactId>>,
    pub binstall: Vec<BinstallStatus>,
}

/// An MSI of one app for one Windows target, built beside its archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MsiPlan {
    /// The app.
    pub app: String,
    /// The version.
    pub version: String,
    /// The Windows target.
    pub target: String,
    /// The artifact name, `{app}-{target}.msi`.
    pub name: String,
    /// Its checksum artifact, if checksums are on.
    pub checksum: Option<String>,
    /// The WiX source `consign generate` writes (`wix/main.wxs` in the package).
    pub wxs: std::path::PathBuf,
    /// The package's `Cargo.toml`, for messages.
    pub manifest_path: std::path::PathBuf,
    /// The binaries, as (package, file name).
    pub binaries: Vec<(String, String)>,
    /// `upgrade-guid` and `path-guid` from `[package.metadata.wix]`.
    pub guids: Option<(String, String)>,
    /// The publisher shown by Windows.
    pub manufacturer: String,
    /// `[package].description`.
    pub description: Option<String>,
    /// `[package].license`.
    pub license: Option<String>,
    /// `[package].homepage`.
    pub homepage: Option<String>,
}

impl MsiPlan {
    /// The WiX source's context with the given GUIDs (upgrade, path): the
    /// one mapping from the plan to `wix/main.wxs`, shared by `generate` and
    /// `build`.
    pub fn wix_context(&self, (upgrade_guid, path_guid): (String, String)) -> MsiContext {
        MsiContext {
            app_name: self.app.clone(),
            app_version: self.version.clone(),
            manufacturer: self.manufacturer.clone(),
            description: self.description.clone(),
            license: self.license.clone(),
            homepage: self.homepage.clone(),
            upgrade_guid,
            path_guid,
            binaries: self.binaries.iter().map(|(_, f)| f.clone()).collect(),
            target: self.target.clone(),
        }
    }
}

/// How an app's `[package.metadata.binstall]` compares with the release.
#[derive(Clone, Debug)]
pub struct BinstallStatus {
    /// The package.
    pub package: String,
    /// Its `Cargo.toml`.
    pub manifest_path: std::path::PathBuf,
    /// What the metadata should be.
    pub expected: binstall::Expected,
    /// Whether the package declares any binstall metadata.
    pub declared: bool,
    /// What is wrong with the declared metadata (empty when it is right).
    pub problems: Vec<String>,
}

struct Builder<'a> {
    hosting: &'a ResolvedHosting,
    checksum: Option<ChecksumAlgorithm>,
    /// `omnibor`: an OmniBOR artifact ID beside each hashed artifact.
    omnibor: bool,
    artifacts: BTreeMap<ArtifactId, Artifact>,
}

impl Builder<'_> {
    fn url(&self, name: &str) -> Option<String> {
        self.hosting
            .download_base
            .as_ref()
            .map(|b| format!("{b}/{name}"))
    }

    /// Add an artifact and, when `hashed` (archives, MSIs, OCI images, the
    /// source tarball), its checksum file and OmniBOR ID as configured;
    /// returns the ids added (the checksum's second).
    fn add(&mut self, name: &str, mut artifact: Artifact, hashed: bool) -> Vec<ArtifactId> {
        let mut ids = vec![name.to_string()];
        artifact.name = Some(name.to_string());
        artifact.url = self.url(name);
        let with_checksum = hashed;
        if let (true, Some(algo)) = (with_checksum, self.checksum) {
            let sum = format!("{name}.{algo}");
            artifact.checksum = Some(sum.clone());
            self.artifacts.insert(
                sum.clone(),
                Artifact {
                    name: Some(sum.clone()),
                    kind: ArtifactKind::Checksum,
                    target_triples: artifact.target_triples.clone(),
                    url: self.url(&sum),
                    ..Default::default()
                },
            );
            ids.push(sum);
        }
        if hashed && self.omnibor {
            let id = format!("{name}.omnibor");
            self.artifacts.insert(
                id.clone(),
                Artifact {
                    name: Some(id.clone()),
                    kind: ArtifactKind::OmniborArtifactId,
                    target_triples: artifact.target_triples.clone(),
                    url: self.url(&id),
                    ..Default::default()
                },
            );
            ids.push(id);
        }
        self.artifacts.insert(name.to_string(), artifact);
        ids
    }
}

/// The checksum artifact among the ids [`Builder::add`] returned.
fn checksum_id(ids: &[ArtifactId]) -> Option<ArtifactId> {
    ids.iter()
        .skip(1)
        .find(|i| !i.ends_with(".omnibor"))
        .cloned()
}

pub(crate) fn plan_artifacts(
    ws: &Workspace,
    apps: &[AppRelease<'_>],
    hosting: &ResolvedHosting,
    checksum: Option<ChecksumAlgorithm>,
    tag: &str,
    opts: &PlanOptions,
    warnings: &mut Vec<String>,
) -> Result<Planned, UserError> {
    let mode = opts.artifacts;
    let local = mode != ArtifactMode::Global;
    let global = mode != ArtifactMode::Local;
    let mut b = Builder {
        hosting,
        checksum,
        omnibor: ws.config.omnibor.unwrap_or(false),
        artifacts: BTreeMap::new(),
    };
    let mut release_artifacts: BTreeMap<String, Vec<ArtifactId>> = BTreeMap::new();
    let mut archives: Vec<ArchivePlan> = Vec::new();
    // Steps built beside each archive (images, MSIs), in archive order.
    let mut beside: Vec<Step> = Vec::new();
    let mut installers = Vec::new();
    let mut global_steps: Vec<Step> = Vec::new();
    let mut binstall_statuses = Vec::new();

    if mode == ArtifactMode::Host
        && !apps.is_empty()
        && !apps.iter().any(|a| a.targets.contains(&opts.host_target))
    {
        if !opts.targets.is_empty() {
            // Every target asked for is another machine's: building nothing
            // and exiting 0 would look like success.
            return Err(UserError::new(format!(
                "nothing to build here: {} cannot be built with `--artifacts=host` on this `{}` machine",
                crate::error::list(&opts.targets),
                opts.host_target
            ))
            .hint(format!(
                "build them in CI (the generated workflow runs each target on its own runner); \
                 or here with `--artifacts=local`, using `cargo-zigbuild` for other Linux and Unix targets \
                 and `cargo-xwin` for `*-pc-windows-msvc` (macOS targets need a macOS machine); \
                 `--target {}` builds this machine's target",
                opts.host_target
            )));
        }
        warnings.push(format!(
            "the host target `{}` is not configured for any app, so `--artifacts=host` plans no archives",
            opts.host_target
        ));
    }

    for app in apps {
        let name = &app.package.name;
        let mut ids = Vec::new();
        if global {
            ids.extend(plan_installers(ws, app, &mut b, &mut installers, warnings)?);
        }
        binstall_statuses.extend(check_binstall(ws, app, &b, tag, warnings));
        if local {
            for target in &app.targets {
                if mode == ArtifactMode::Host && *target != opts.host_target {
                    continue;
                }
                let archive = plan_archive(ws, app, target, checksum);
                let artifact = Artifact {
                    kind: ArtifactKind::ExecutableZip,
                    target_triples: vec![target.clone()],
                    assets: archive
                        .files
                        .iter()
                        .map(|f| Asset {
                            name: f.dest.rsplit('/').next().map(str::to_string),
                            path: Some(f.dest.clone()),
                            kind: asset_kind(f),
                        })
                        .collect(),
                    ..Default::default()
                };
                ids.extend(b.add(&archive.name, artifact, true));
                if app.config.install_updater.unwrap_or(false) {
                    let updater = Artifact {
                        kind: ArtifactKind::Updater,
                        target_triples: vec![target.clone()],
                        description: Some(format!(
                            "The updater the installers install as `{name}-update`"
                        )),
                        ..Default::default()
                    };
                    let updater_name = updater_artifact(name, target);
                    ids.extend(b.add(&updater_name, updater, false));
                    beside.push(Step::Updater(UpdaterPlan {
                        name: updater_name,
                        target: target.clone(),
                    }));
                }
                if app.installers.contains(&InstallerKind::Docker)
                    && targets::info(target).os == Os::Linux
                {
                    let mut image = plan_image(app, &archive);
                    let dockerfile = Artifact {
                        kind: ArtifactKind::Installer,
                        target_triples: vec![target.clone()],
                        description: Some("Build a container image of the binaries".into()),
                        ..Default::default()
                    };
                    ids.extend(b.add(&image.dockerfile, dockerfile, false));
                    if let Some(oci) = &image.oci_archive {
                        let artifact = Artifact {
                            kind: ArtifactKind::Installer,
                            target_triples: vec![target.clone()],
                            description: Some("A container image (OCI layout); load it with `skopeo copy` or `docker load`".into()),
                            ..Default::default()
                        };
                        let oci_ids = b.add(oci, artifact, true);
                        image.oci_checksum = checksum_id(&oci_ids);
                        ids.extend(oci_ids);
                    }
                    beside.push(Step::Image(image));
                }
                if app.installers.contains(&InstallerKind::Msi)
                    && targets::info(target).is_windows()
                {
                    let msi = plan_msi(app, &archive);
                    let artifact = Artifact {
                        kind: ArtifactKind::Installer,
                        target_triples: vec![target.clone()],
                        description: Some(
                            "Install prebuilt binaries with a Windows installer (MSI)".into(),
                        ),
                        ..Default::default()
                    };
                    let msi_ids = b.add(&msi.name, artifact, true);
                    ids.extend(msi_ids.iter().cloned());
                    beside.push(Step::Msi(MsiPlan {
                        checksum: checksum_id(&msi_ids),
                        ..msi
                    }));
                }
                archives.push(archive);
            }
        }
        release_artifacts.insert(name.clone(), ids);
    }

    if global {
        for app in apps {
            if app.config.cargo_cyclonedx.unwrap_or(false) {
                let name = &app.package.name;
                let sbom = Artifact {
                    kind: ArtifactKind::Sbom,
                    description: Some(format!("A CycloneDX software bill of materials of {name}")),
                    ..Default::default()
                };
                let sbom_name = format!("{name}.cdx.xml");
                let ids = b.add(&sbom_name, sbom, false);
                global_steps.push(Step::Sbom(SbomPlan {
                    written_to: app.package.dir.join(&sbom_name),
                    name: sbom_name,
                    manifest_path: app.package.manifest_path.clone(),
                }));
                release_artifacts
                    .entry(name.clone())
                    .or_default()
                    .extend(ids);
            }
        }
    }

    // Announcement-wide artifacts, listed in every release.
    let mut unified = None;
    if global && !apps.is_empty() {
        let mut shared = Vec::new();
        for extra in ws.config.extra_artifacts.iter().flatten() {
            let mut files = Vec::new();
            for rel in &extra.artifacts {
                let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
                if b.artifacts.contains_key(&name) {
                    return Err(UserError::new(format!(
                        "`extra-artifacts` lists `{rel}`, whose name `{name}` another artifact already has"
                    ))
                    .hint("rename the file the build command writes"));
                }
                let artifact = Artifact {
                    kind: ArtifactKind::ExtraArtifact,
                    ..Default::default()
                };
                shared.extend(b.add(&name, artifact, false));
                files.push((rel.clone(), name));
            }
            global_steps.push(Step::Extra(ExtraPlan {
                dir: ws.root.join(extra.working_dir.as_deref().unwrap_or("")),
                command: extra.build.clone(),
                files,
            }));
        }
        let first = &apps[0].package;
        let source = Artifact {
            kind: ArtifactKind::SourceTarball,
            description: Some(format!(
                "The source code of {} {}",
                first.name, first.version
            )),
            ..Default::default()
        };
        if ws.config.source_tarball.unwrap_or(true) {
            let ids = b.add("source.tar.gz", source, true);
            global_steps.push(Step::Source(SourcePlan {
                name: ids[0].clone(),
                checksum: checksum_id(&ids),
                prefix: format!("{}-{}/", first.name, first.version),
                recursive: ws.config.recursive_tarball.unwrap_or(false),
            }));
            shared.extend(ids);
        }
        if let Some(algo) = checksum {
            let name = format!("{algo}.sum");
            let sum = Artifact {
                kind: ArtifactKind::UnifiedChecksum,
                description: Some(format!(
                    "{} checksums of every artifact",
                    algo.as_str().to_uppercase()
                )),
                ..Default::default()
            };
            shared.extend(b.add(&name, sum, false));
            unified = Some(Step::Checksums(UnifiedChecksumPlan {
                name,
                algorithm: algo,
            }));
        }
        for ids in release_artifacts.values_mut() {
            ids.extend(shared.iter().cloned());
        }
    }

    // Homebrew formulas need SHA-256 whatever the configured algorithm.
    let brewed: Vec<&String> = installers
        .iter()
        .filter(|i| i.kind == InstallerKind::Homebrew)
        .flat_map(|i| i.context.artifacts.iter().map(|a| &a.archive))
        .collect();
    for archive in &mut archives {
        if checksum != Some(ChecksumAlgorithm::Sha256) && brewed.contains(&&archive.name) {
            archive.extra_checksums.push(ChecksumAlgorithm::Sha256);
        }
    }
    for installer in &mut installers {
        installer.checksum = b
            .artifacts
            .get(&installer.artifact)
            .and_then(|a| a.checksum.clone());
    }

    let mut steps: Vec<Step> = plan_builds(apps, &archives)
        .into_iter()
        .map(Step::Cargo)
        .collect();
    steps.extend(archives.into_iter().map(Step::Archive));
    steps.extend(beside);
    steps.extend(global_steps);
    steps.extend(installers.into_iter().map(Step::Installer));
    // OmniBOR IDs after what they identify: each in the phase of its subject.
    let omnibor: Vec<Step> = b
        .artifacts
        .keys()
        .filter_map(|name| {
            let subject = name.strip_suffix(".omnibor")?;
            Some(Step::Omnibor(OmniborPlan {
                name: name.clone(),
                subject: subject.to_string(),
                local: steps
                    .iter()
                    .any(|st| st.phase() == Phase::Local && st.outputs().contains(&subject)),
            }))
        })
        .collect();
    steps.extend(omnibor);
    steps.extend(unified);
    Ok(Planned {
        steps,
        manifest_artifacts: b.artifacts,
        release_artifacts,
        binstall: binstall_statuses,
    })
}

fn plan_msi(app: &AppRelease<'_>, archive: &ArchivePlan) -> MsiPlan {
    let pkg = app.package;
    MsiPlan {
        app: pkg.name.clone(),
        version: pkg.version.to_string(),
        target: archive.target.clone(),
        name: format!("{}-{}.msi", pkg.name, archive.target),
        checksum: None,
        wxs: pkg.dir.join("wix").join("main.wxs"),
        manifest_path: pkg.manifest_path.clone(),
        binaries: archive
            .files
            .iter()
            .filter_map(|f| match &f.source {
                FileSource::Binary { package, file } => Some((package.clone(), file.clone())),
                _ => None,
            })
            .collect(),
        guids: pkg.wix.as_ref().and_then(|w| {
            Some((
                w.get("upgrade-guid")?.as_str()?.to_string(),
                w.get("path-guid")?.as_str()?.to_string(),
            ))
        }),
        manufacturer: crate::installer::msi::manufacturer(&pkg.authors, &pkg.name),
        description: pkg.description.clone(),
        license: pkg.license.clone(),
        homepage: pkg.homepage.clone(),
    }
}

fn asset_kind(f: &ArchiveFile) -> AssetKind {
    if matches!(f.source, FileSource::Binary { .. }) {
        return AssetKind::Executable;
    }
    let file = f.dest.rsplit('/').next().unwrap_or("").to_ascii_uppercase();
    if file.starts_with("README") {
        AssetKind::Readme
    } else if file.starts_with("LICENSE") || file.starts_with("UNLICENSE") {
        AssetKind::License
    } else if file.starts_with("CHANGELOG") || file.starts_with("RELEASES") {
        AssetKind::Changelog
    } else {
        AssetKind::Unknown
    }
}

fn archive_format(config: &DistConfig, target: &str) -> ArchiveFormat {
    if targets::info(target).is_windows() {
        config.windows_archive.unwrap_or(ArchiveFormat::Zip)
    } else {
        config.unix_archive.unwrap_or(ArchiveFormat::TarXz)
    }
}

fn plan_archive(
    ws: &Workspace,
    app: &AppRelease<'_>,
    target: &str,
    checksum: Option<ChecksumAlgorithm>,
) -> ArchivePlan {
    let pkg = app.package;
    let format = archive_format(&app.config, target);
    let stem = format!("{}-{target}", pkg.name);
    let name = format!("{stem}{}", format.extension());
    let prefix = (format != ArchiveFormat::Zip).then(|| stem.clone());
    let dest = |file: &str| match &prefix {
        Some(p) => format!("{p}/{file}"),
        None => file.to_string(),
    };
    let exe = targets::info(target).exe_suffix();

    let mut files = Vec::new();
    let only = app
        .config
        .binaries
        .as_ref()
        .and_then(|b| b.get(target).or_else(|| b.get("*")));
    for bin in &pkg.binaries {
        if only.is_some_and(|only| !only.contains(bin)) {
            continue;
        }
        let restricted = app
            .config
            .bins
            .iter()
            .flatten()
            .find(|b| &b.name == bin)
            .and_then(|b| b.only_platforms.as_ref());
        if restricted.is_some_and(|only| !only.iter().any(|t| t == target)) {
            continue;
        }
        let file = format!("{bin}{exe}");
        files.push(ArchiveFile {
            dest: dest(&file),
            source: FileSource::Binary {
                package: pkg.name.clone(),
                file,
            },
            executable: true,
        });
    }
    if app.config.auto_includes.unwrap_or(true) {
        for prefix in AUTO_INCLUDE_PREFIXES {
            let matches = |f: &&String| f.to_ascii_uppercase().starts_with(prefix);
            let mut found: Vec<PathBuf> = pkg
                .dir_files
                .iter()
                .filter(matches)
                .map(|f| pkg.dir.join(f))
                .collect();
            if found.is_empty() && pkg.dir != ws.root {
                found = ws
                    .root_files
                    .iter()
                    .filter(matches)
                    .map(|f| ws.root.join(f))
                    .collect();
            }
            for path in found {
                let file = path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push(ArchiveFile {
                    dest: dest(&file),
                    source: FileSource::Path(path),
                    executable: false,
                });
            }
        }
    }
    let include_base = if pkg.config.include.is_some() {
        &pkg.dir
    } else {
        &ws.root
    };
    for inc in app.config.include.iter().flatten() {
        let path = include_base.join(inc);
        let file = inc
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(inc)
            .to_string();
        files.push(ArchiveFile {
            dest: dest(&file),
            source: FileSource::Path(path),
            executable: false,
        });
    }
    files.sort_by(|a, b| a.dest.cmp(&b.dest));
    files.dedup_by(|a, b| a.dest == b.dest);
    let gnu_linux = {
        let info = targets::info(target);
        info.os == Os::Linux && info.libc == targets::Libc::Gnu
    };
    ArchivePlan {
        checksum: checksum.map(|algo| format!("{name}.{algo}")),
        max_glibc: app
            .config
            .minimum_glibc_version
            .as_ref()
            .filter(|_| gnu_linux)
            .and_then(|g| g.for_target(target)),
        extra_checksums: Vec::new(),
        name,
        app: pkg.name.clone(),
        target: target.to_string(),
        format,
        compression: app.config.compression.unwrap_or(Compression::Best),
        prefix,
        files,
    }
}

fn plan_installers(
    ws: &Workspace,
    app: &AppRelease<'_>,
    b: &mut Builder<'_>,
    installers: &mut Vec<InstallerPlan>,
    warnings: &mut Vec<String>,
) -> Result<Vec<ArtifactId>, UserError> {
    let pkg = app.package;
    let name = &pkg.name;
    let input = installer::AppInput {
        name,
        version: &pkg.version,
        config: &app.config,
        targets: &app.targets,
    };
    let mut ids = Vec::new();
    for kind in &app.installers {
        let fetches = !matches!(kind, InstallerKind::Msi | InstallerKind::Docker);
        if fetches && b.hosting.download_base.is_none() {
            return Err(UserError::new(format!(
                "the `{kind}` installer of `{name}` downloads release files, but there is no download URL"
            ))
            .hint("set `[package].repository` to the GitHub repository (or configure `hosting = [\"simple\"]` with `simple-download-url`)"));
        }
        let Some(installer::Contribution {
            file,
            targets,
            description,
        }) = installer::plan(*kind, &input, warnings)?
        else {
            continue;
        };
        if targets.is_empty() {
            warnings.push(format!(
                "`{name}` has the `{kind}` installer but none of its targets can use it, so it is not planned"
            ));
            continue;
        }
        let github = b.hosting.manifest.github.as_ref();
        let archive_files = match (kind, targets.first()) {
            (InstallerKind::Homebrew, Some(target)) => workspace_files(ws, app, target),
            _ => Vec::new(),
        };
        let context = installer_context(ws, app, &targets, b);
        let archive_urls = context
            .artifacts
            .iter()
            .map(|a| (a.archive.clone(), b.url(&a.archive).unwrap_or_default()))
            .collect();
        installers.push(InstallerPlan {
            artifact: file.clone(),
            checksum: None,
            kind: *kind,
            context,
            meta: InstallerMeta {
                description: pkg.description.clone(),
                homepage: pkg.homepage.clone().or_else(|| {
                    github.map(|g| format!("{}/{}/{}", g.artifact_base_url, g.owner, g.repo))
                }),
                license: pkg.license.clone(),
                repository: pkg.repository.clone(),
                formula: installer::homebrew::formula_name(&input),
                tap: app.config.tap.clone(),
                homebrew_dependencies: app
                    .config
                    .dependencies
                    .as_ref()
                    .map(|d| d.homebrew.keys().cloned().collect())
                    .unwrap_or_default(),
                npm_name: installer::npm::package_name(&app.config, name),
                archive_files,
                archive_urls,
            },
        });
        let url = b.url(&file).unwrap_or_default();
        let install_hint = installer::install_hint(*kind, &input, &file, &url, warnings)?;
        let artifact = Artifact {
            kind: ArtifactKind::Installer,
            target_triples: targets,
            description: Some(description.to_string()),
            install_hint,
            ..Default::default()
        };
        // No checksum file for installers, as cargo-dist (npm keeps the
        // package's integrity hash).
        ids.extend(b.add(&file, artifact, false));
    }
    Ok(ids)
}

/// The installer context of `app` for `targets` (checksums and glibc floors
/// are filled in by the build, which knows them).
fn installer_context(
    ws: &Workspace,
    app: &AppRelease<'_>,
    targets: &[String],
    b: &Builder<'_>,
) -> InstallerContext {
    let artifacts =
        targets
            .iter()
            .map(|t| {
                let archive = plan_archive(ws, app, t, b.checksum);
                let info = targets::info(t);
                InstallerArtifact {
                    target: t.clone(),
                    os: match info.os {
                        Os::Linux => "linux",
                        Os::Macos => "macos",
                        Os::Windows => "windows",
                        Os::FreeBsd => "freebsd",
                        Os::NetBsd => "netbsd",
                        Os::Illumos => "illumos",
                        Os::Other => "other",
                    }
                    .to_string(),
                    arch: info.arch.clone(),
                    libc: match info.libc {
                        targets::Libc::Gnu => "gnu",
                        targets::Libc::Musl => "musl",
                        targets::Libc::Msvc => "msvc",
                        targets::Libc::None => "none",
                    }
                    .to_string(),
                    format: archive.format.extension().to_string(),
                    prefix: archive.prefix.clone(),
                    checksum_algo: b.checksum.map(|a| a.as_str().to_string()),
                    checksum: None,
                    binaries: archive
                        .files
                        .iter()
                        .filter_map(|f| match &f.source {
                            FileSource::Binary { file, .. } => Some(file.clone()),
                            FileSource::Path(_) => None,
                        })
                        .collect(),
                    glibc_floor: None,
                    updater: app.config.install_updater.unwrap_or(false).then(|| {
                        InstallerUpdater {
                            artifact: updater_artifact(&app.package.name, t),
                            checksum: None,
                        }
                    }),
                    archive: archive.name,
                }
            })
            .collect();
    let install_paths = app
        .config
        .install_path
        .clone()
        .unwrap_or_else(|| vec![InstallPath::CargoHome])
        .into_iter()
        .map(|p| match p {
            InstallPath::CargoHome => InstallPathSpec::CargoHome,
            InstallPath::HomeSubdir(subdir) => InstallPathSpec::HomeSubdir { subdir },
            InstallPath::EnvSubdir { var, subdir } => InstallPathSpec::EnvSubdir { var, subdir },
        })
        .collect();
    let github = b.hosting.manifest.github.as_ref();
    InstallerContext {
        app_name: app.package.name.clone(),
        app_version: app.package.version.to_string(),
        download_url: b.hosting.download_base.clone().unwrap_or_default(),
        artifacts,
        install_paths,
        env: super::env_vars(&app.package.name),
        aliases: app.config.bin_aliases.clone().unwrap_or_default(),
        success_msg: app.config.install_success_msg.clone(),
        install_updater: app.config.install_updater.unwrap_or(false),
        source: ReceiptSource {
            release_type: if github.is_some() { "github" } else { "simple" }.to_string(),
            owner: github.map(|g| g.owner.clone()),
            name: github.map(|g| g.repo.clone()),
        },
    }
}

fn plan_image(app: &AppRelease<'_>, archive: &ArchivePlan) -> ImagePlan {
    let name = &app.package.name;
    let target = &archive.target;
    let static_binary = targets::info(target).libc == targets::Libc::Musl;
    let binaries: Vec<(String, String)> = archive
        .files
        .iter()
        .filter_map(|f| match &f.source {
            FileSource::Binary { package, file } => Some((package.clone(), file.clone())),
            FileSource::Path(_) => None,
        })
        .collect();
    ImagePlan {
        app: name.clone(),
        version: app.package.version.to_string(),
        target: target.clone(),
        dockerfile: format!("{name}-{target}.Dockerfile"),
        oci_archive: static_binary.then(|| format!("{name}-{target}.oci.tar")),
        oci_checksum: None,
        entrypoint: binaries
            .iter()
            .map(|(_, file)| file)
            .find(|file| *file == name)
            .or(binaries.first().map(|(_, file)| file))
            .cloned()
            .unwrap_or_default(),
        binaries,
        source: app.package.repository.clone(),
        license: app.package.license.clone(),
    }
}

/// Check `[package.metadata.binstall]` against the release, so that
/// `cargo binstall` finds our archives: a mismatch, or no metadata under a
/// singular tag (which binstall cannot guess), is a warning with the metadata
/// to use.
fn check_binstall(
    ws: &Workspace,
    app: &AppRelease<'_>,
    b: &Builder<'_>,
    tag: &str,
    warnings: &mut Vec<String>,
) -> Option<BinstallStatus> {
    let repo = b
        .hosting
        .manifest
        .github
        .as_ref()
        .map(|g| format!("{}/{}/{}", g.artifact_base_url, g.owner, g.repo))?;
    let pkg = app.package;
    let version = pkg.version.to_string();
    let mut archives = BTreeMap::new();
    let mut by_target = BTreeMap::new();
    for target in &app.targets {
        let archive = plan_archive(ws, app, target, b.checksum);
        let suffix = archive.format.extension().to_string();
        archives.insert(target.clone(), (suffix.clone(), archive.prefix.is_some()));
        let Some(first_bin) = archive
            .files
            .iter()
            .find(|f| matches!(f.source, FileSource::Binary { .. }))
        else {
            continue;
        };
        let FileSource::Binary { file, .. } = &first_bin.source else {
            continue;
        };
        let vars = binstall::Vars {
            name: pkg.name.clone(),
            version: version.clone(),
            repo: repo.clone(),
            target: target.clone(),
            archive_suffix: suffix,
            bin: file.strip_suffix(".exe").unwrap_or(file).to_string(),
        };
        by_target.insert(
            target.clone(),
            (
                vars,
                b.url(&archive.name).unwrap_or_default(),
                first_bin.dest.clone(),
            ),
        );
    }
    let expected = binstall::expected(tag, &version, &archives);
    let problems = match &pkg.binstall {
        Some(declared) => binstall::check(declared, &by_target),
        None => Vec::new(),
    };
    match &pkg.binstall {
        Some(_) if !problems.is_empty() => warnings.push(format!(
            "`cargo binstall {}` will not find this release: {}; run `consign init`, or use:\n{}",
            pkg.name,
            problems.join("; "),
            expected.to_toml()
        )),
        None if !tag.trim_start_matches('v').starts_with(|c: char| c.is_ascii_digit()) => warnings.push(format!(
            "`cargo binstall {}` cannot guess the URLs of a release tagged `{tag}`; run `consign init`, or add to `{}`:\n{}",
            pkg.name,
            pkg.manifest_path.display(),
            expected.to_toml()
        )),
        _ => {}
    }
    Some(BinstallStatus {
        package: pkg.name.clone(),
        manifest_path: pkg.manifest_path.clone(),
        expected,
        declared: pkg.binstall.is_some(),
        problems,
    })
}

/// The files an app's archive for `target` takes from the workspace
/// (`include`, auto-includes), as (path below the archive's top directory,
/// source). Directories are expanded by the build, not here.
fn workspace_files(ws: &Workspace, app: &AppRelease<'_>, target: &str) -> Vec<(String, PathBuf)> {
    let archive = plan_archive(ws, app, target, None);
    let prefix = archive.prefix.unwrap_or_default();
    archive
        .files
        .into_iter()
        .filter_map(|f| match f.source {
            FileSource::Path(path) => Some((
                f.dest
                    .strip_prefix(&prefix)
                    .unwrap_or(&f.dest)
                    .trim_start_matches('/')
                    .to_string(),
                path,
            )),
            FileSource::Binary { .. } => None,
        })
        .collect()
}

/// Builds per target: one for every app together, unless `precise-builds` is
/// set or the apps' feature settings differ, then one per app.
fn plan_builds(apps: &[AppRelease<'_>], archives: &[ArchivePlan]) -> Vec<CargoBuild> {
    let mut builds: Vec<CargoBuild> = Vec::new();
    let mut targets: Vec<&str> = archives.iter().map(|a| a.target.as_str()).collect();
    targets.sort();
    targets.dedup();
    for target in targets {
        let for_target: Vec<&AppRelease<'_>> = apps
            .iter()
            .filter(|a| {
                archives
                    .iter()
                    .any(|ar| ar.app == a.package.name && ar.target == target)
            })
            .collect();
        let settings = |a: &AppRelease<'_>| CargoBuild {
            target: target.to_string(),
            packages: vec![a.package.name.clone()],
            features: a.config.features.clone().unwrap_or_default(),
            default_features: a.config.default_features.unwrap_or(true),
            all_features: a.config.all_features.unwrap_or(false),
            auditable: a.config.cargo_auditable.unwrap_or(false),
        };
        let precise = for_target
            .iter()
            .any(|a| a.config.precise_builds == Some(true));
        let first = settings(for_target[0]);
        let uniform = for_target.iter().all(|a| {
            let s = settings(a);
            (s.features, s.default_features, s.all_features, s.auditable)
                == (
                    first.features.clone(),
                    first.default_features,
                    first.all_features,
                    first.auditable,
                )
        });
        if precise || !uniform {
            builds.extend(for_target.iter().map(|a| settings(a)));
        } else {
            builds.push(CargoBuild {
                packages: for_target.iter().map(|a| a.package.name.clone()).collect(),
                ..first
            });
        }
    }
    builds
}

/// The target triple of a runner machine: known from GitHub's image labels,
/// else assumed to be the target it builds.
fn runner_host(runner: &str, target: &str) -> String {
    let arm = runner.contains("-arm") || runner.contains("arm64");
    let known = if runner.starts_with("ubuntu-") {
        Some(if arm {
            "aarch64-unknown-linux-gnu"
        } else {
            "x86_64-unknown-linux-gnu"
        })
    } else if runner.starts_with("windows-") {
        Some(if arm {
            "aarch64-pc-windows-msvc"
        } else {
            "x86_64-pc-windows-msvc"
        })
    } else if runner.starts_with("macos-") {
        let intel =
            runner == "macos-13" || runner.ends_with("-intel") || runner.starts_with("macos-12");
        Some(if intel {
            "x86_64-apple-darwin"
        } else {
            "aarch64-apple-darwin"
        })
    } else {
        None
    };
    known.map_or_else(|| target.to_string(), str::to_string)
}

/// The step that installs consign on a build machine (recorded as cargo-dist's `install_dist`).
fn install_step(version: &Option<String>, host: &str) -> RunStep {
    let version = version
        .clone()
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
    RunStep {
        shell: if host.contains("windows") {
            "pwsh"
        } else {
            "sh"
        }
        .to_string(),
        run: format!("cargo install consign --version {version} --locked"),
    }
}

/// The CI section of the manifest: the GitHub build matrix.
pub(crate) fn ci_info(config: &DistConfig, apps: &[AppRelease<'_>]) -> Option<CiInfo> {
    if !config
        .ci
        .as_ref()
        .is_some_and(|ci| ci.contains(&CiBackend::Github))
    {
        return None;
    }
    let mut targets: Vec<&String> = apps.iter().flat_map(|a| &a.targets).collect();
    targets.sort();
    targets.dedup();
    let runners = config.github_custom_runners.clone().unwrap_or_default();
    let mut include: Vec<GithubMatrixEntry> = Vec::new();
    for t in targets {
        let default = targets::default_github_runner(t);
        let custom = runners.get(t.as_str()).or_else(|| runners.get(default));
        let runner = custom.map_or_else(|| default.to_string(), |c| c.runner.clone());
        let host = custom
            .and_then(|c| c.host.clone())
            .unwrap_or_else(|| runner_host(&runner, t));
        let entry = GithubMatrixEntry {
            targets: vec![t.clone()],
            dist_args: format!("--artifacts=local --target={t}"),
            container: custom
                .and_then(|c| c.container.clone())
                .map(|image| Container {
                    image,
                    host: host.clone(),
                    package_manager: None,
                }),
            install_dist: install_step(&config.consign_version, &host),
            runner,
            host,
        };
        // `merge-tasks`: one job per machine, building all of its targets.
        let same_machine = include
            .iter_mut()
            .find(|e| e.runner == entry.runner && e.container == entry.container);
        match same_machine {
            Some(e) if config.merge_tasks.unwrap_or(false) => {
                e.targets.push(t.clone());
                e.dist_args.push_str(&format!(" --target={t}"));
            }
            _ => include.push(entry),
        }
    }
    Some(CiInfo {
        github: Some(GithubCiInfo {
            artifacts_matrix: Some(GithubMatrix { include }),
            pr_run_mode: Some(config.pr_run_mode.unwrap_or(PrRunMode::Plan).to_string()),
        }),
    })
}
