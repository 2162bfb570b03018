//! `consign build`: carry out the local and global parts of a plan.
//!
//! Steps, in order: check that every planned target can be built here (before
//! compiling anything), run cargo, check linkage against
//! `minimum-glibc-version`, pack archives and their checksum files, then the
//! global artifacts (source tarball, unified checksum), and finally write
//! `target/distrib/dist-manifest.json`.
//!
//! **Invariant:** every file is written to a temporary name and renamed into
//! place when complete, so a failed or interrupted build never leaves a
//! half-written artifact. Finished archives are recorded in
//! `target/distrib/.consign/build-state.json` with a fingerprint of their
//! inputs; a rerun reuses one only when its fingerprint and bytes still match.

pub mod archive;
pub mod cargo;
pub mod checksum;
pub mod extras;
pub mod linkage;
pub mod source;
pub mod tar_writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use consign_manifest::{ArtifactKind, DistManifest, Linkage};
use serde::{Deserialize, Serialize};

use crate::error::UserError;
use crate::installer::InstallerContext;
use crate::plan::InstallerPlan;
use crate::plan::{ArchivePlan, ArtifactMode, CargoBuild, FileSource, Plan};
use crate::project::config::ChecksumAlgorithm;

/// Settings of a build that are not in the plan.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Which artifacts the plan was made for.
    pub mode: ArtifactMode,
    /// Leave local paths out of the manifest.
    pub no_local_paths: bool,
    /// `SOURCE_DATE_EPOCH`, if set; else the release commit's time is used.
    pub source_date_epoch: Option<u64>,
    /// Keep cargo's output unless it fails.
    pub quiet: bool,
    /// The machine's tools.
    pub toolchain: cargo::Toolchain,
}

/// What a build did.
#[derive(Clone, Debug)]
pub struct BuildOutcome {
    /// The manifest written to `target/distrib/dist-manifest.json`.
    pub manifest: DistManifest,
    /// Files written, with their sizes.
    pub written: Vec<(PathBuf, u64)>,
    /// Artifacts reused from an earlier identical build.
    pub reused: Vec<String>,
    /// Planned artifacts this version cannot build yet (installers).
    pub skipped: Vec<String>,
    /// Things worth telling the user.
    pub warnings: Vec<String>,
}

/// Reports progress of the steps (a progress bar on a terminal, lines otherwise).
pub trait Progress {
    /// A step started.
    fn start(&self, step: &str);
    /// A step finished.
    fn done(&self, step: &str, detail: &str);
}

#[derive(Default, Serialize, Deserialize)]
struct BuildState {
    artifacts: BTreeMap<String, ArtifactState>,
}

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
struct ArtifactState {
    inputs: String,
    size: u64,
    checksum: Option<String>,
}

/// Build what the plan says.
pub fn build(
    plan: &Plan,
    opts: &BuildOptions,
    progress: &dyn Progress,
) -> anyhow::Result<BuildOutcome> {
    let dist = plan.layout.dist_dir.clone();
    let local = opts.mode != ArtifactMode::Global;
    let global = opts.mode != ArtifactMode::Local;

    // 1. Every target must be buildable here, before anything compiles.
    let mut builders = Vec::new();
    if local {
        for b in plan.builds() {
            let builder = opts.toolchain.builder_for(&b.target)?;
            cargo::check_auditable(b, builder, &opts.toolchain)?;
            builders.push((b, builder));
        }
    }
    std::fs::create_dir_all(&dist).map_err(|e| {
        UserError::new(format!("cannot create `{}`: {e}", dist.display()))
            .hint("check that the target directory is writable (or set `CARGO_TARGET_DIR`)")
    })?;
    let mtime = match opts.source_date_epoch {
        Some(t) => t,
        None => commit_time(&plan.layout.root)?,
    };

    let outcome = BuildOutcome {
        manifest: plan.manifest.clone(),
        written: Vec::new(),
        reused: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    let state_path = dist.join(".consign").join("build-state.json");
    let state: BuildState = std::fs::read(&state_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();

    let mut run = Run {
        plan,
        opts,
        progress,
        dist,
        mtime,
        state_path,
        state,
        binaries: BTreeMap::new(),
        outcome,
    };
    run.compile(builders)?;
    if local {
        run.package_archives()?;
        run.build_images()?;
        run.build_msis()?;
        run.updaters()?;
        run.omnibor_ids(true)?;
    }
    if global {
        run.extra_artifacts()?;
        run.global_artifacts()?;
        run.omnibor_ids(false)?;
    }
    run.write_manifests()?;
    Ok(run.outcome)
}

/// One build in progress: its inputs, what it has made so far, and the
/// build state that lets a rerun reuse finished archives.
struct Run<'a> {
    plan: &'a Plan,
    opts: &'a BuildOptions,
    progress: &'a dyn Progress,
    dist: PathBuf,
    mtime: u64,
    state_path: PathBuf,
    state: BuildState,
    binaries: BTreeMap<(String, String, String), cargo::BuiltBinary>,
    outcome: BuildOutcome,
}

impl Run<'_> {
    /// Run cargo for every planned build; record the binaries it made.
    fn compile(&mut self, builders: Vec<(&CargoBuild, cargo::Builder)>) -> anyhow::Result<()> {
        let (layout, opts, progress) = (&self.plan.layout, self.opts, self.progress);
        for (b, builder) in builders {
            let step = format!(
                "cargo build --target {} ({})",
                b.target,
                b.packages.join(", ")
            );
            progress.start(&step);
            for bin in cargo::run(
                b,
                builder,
                &layout.root,
                &layout.packages,
                opts.quiet,
                &opts.toolchain.cargo,
            )? {
                self.binaries.insert(
                    (b.target.clone(), bin.package.clone(), bin.name.clone()),
                    bin,
                );
            }
            progress.done(&step, "");
        }
        Ok(())
    }

    /// Pack the archives (checking linkage first), each with its checksum file.
    fn package_archives(&mut self) -> anyhow::Result<()> {
        let (plan, opts, progress) = (self.plan, self.opts, self.progress);
        let (dist, mtime) = (self.dist.clone(), self.mtime);
        let checksum_key = plan.checksum.map(|a| a.as_str());
        let binaries = &self.binaries;
        let outcome = &mut self.outcome;
        for archive in plan.archives() {
            let linkage = check_linkage(archive, binaries)?;
            outcome.manifest.linkage.extend(linkage);
            let entries = archive_entries(archive, binaries)?;
            let dest = dist.join(&archive.name);
            let inputs = fingerprint(archive, &entries, mtime)?;
            let previous = self.state.artifacts.get(&archive.name).cloned();
            let reusable = previous
                .as_ref()
                .filter(|p| p.inputs == inputs)
                .is_some_and(|p| still_intact(&dest, p, plan.checksum));
            let recorded = if reusable {
                outcome.reused.push(archive.name.clone());
                previous.expect("reusable implies recorded")
            } else {
                progress.start(&format!("packaging {}", archive.name));
                let written = archive::write_archive(
                    &dest,
                    &entries,
                    &archive::ArchiveOptions {
                        format: archive.format,
                        compression: archive.compression,
                        mtime,
                        checksum: plan.checksum,
                    },
                )?;
                progress.done(
                    &format!("packaging {}", archive.name),
                    &human_size(written.size),
                );
                outcome.written.push((dest.clone(), written.size));
                ArtifactState {
                    inputs,
                    size: written.size,
                    checksum: written.checksum,
                }
            };
            if let (Some(sum_name), Some(hex)) = (&archive.checksum, &recorded.checksum) {
                write_checksum_file(
                    outcome,
                    &dist,
                    sum_name,
                    &archive.name,
                    hex,
                    opts.no_local_paths,
                )?;
            }
            record(
                outcome,
                &archive.name,
                &dest,
                checksum_key.zip(recorded.checksum.as_deref()),
                opts.no_local_paths,
            );
            for algo in &archive.extra_checksums {
                let hex = checksum::hash_file(&dest, *algo)?;
                record(
                    outcome,
                    &archive.name,
                    &dest,
                    Some((algo.as_str(), &hex)),
                    opts.no_local_paths,
                );
            }
            self.state.artifacts.insert(archive.name.clone(), recorded);
            save_state(&self.state_path, &self.state)?;
        }
        Ok(())
    }

    /// Container images, from the same binaries as the archives.
    fn build_images(&mut self) -> anyhow::Result<()> {
        let (plan, opts, progress) = (self.plan, self.opts, self.progress);
        let (dist, mtime) = (self.dist.clone(), self.mtime);
        let binaries = &self.binaries;
        let outcome = &mut self.outcome;
        for image in plan.images() {
            let mut bins = Vec::new();
            for (package, file) in &image.binaries {
                let key = (image.target.clone(), package.clone(), file.clone());
                let Some(b) = binaries.get(&key) else {
                    continue;
                };
                bins.push((file.clone(), b.path.clone()));
            }
            let ctx = crate::installer::oci::ImageContext {
                app_name: image.app.clone(),
                app_version: image.version.clone(),
                target: image.target.clone(),
                binaries: bins,
                entrypoint: image.entrypoint.clone(),
                static_binary: image.oci_archive.is_some(),
                source: image.source.clone(),
                license: image.license.clone(),
                mtime,
            };
            let dockerfile = crate::installer::oci::render_dockerfile(&ctx)?;
            let path = dist.join(&image.dockerfile);
            checksum::write_atomic(&path, dockerfile.as_bytes())?;
            outcome
                .written
                .push((path.clone(), dockerfile.len() as u64));
            record(outcome, &image.dockerfile, &path, None, opts.no_local_paths);
            if let Some(oci) = &image.oci_archive {
                progress.start(&format!("building image {oci}"));
                let path = dist.join(oci);
                crate::installer::oci::write_oci_archive(&ctx, &path)?;
                progress.done(
                    &format!("building image {oci}"),
                    &human_size(file_size(&path)),
                );
                record_built(
                    outcome,
                    &dist,
                    (oci, &path),
                    image.oci_checksum.as_deref(),
                    plan.checksum,
                    opts.no_local_paths,
                )?;
            }
        }
        Ok(())
    }

    /// MSIs, from the same binaries as the Windows archives, with `wixl`.
    fn build_msis(&mut self) -> anyhow::Result<()> {
        let (plan, opts, progress) = (self.plan, self.opts, self.progress);
        let dist = self.dist.clone();
        for msi in plan.msis() {
            let staging = tempfile::Builder::new()
                .prefix(".msi-")
                .tempdir_in(dist.join(".consign"))
                .or_else(|_| tempfile::tempdir())?;
            for (package, file) in &msi.binaries {
                let built = built_binary(&self.binaries, &msi.target, package, file)?;
                std::fs::copy(&built.path, staging.path().join(file)).with_context(|| {
                    format!("cannot stage `{}` for {}", built.path.display(), msi.name)
                })?;
            }
            let wxs = staging.path().join("main.wxs");
            std::fs::write(&wxs, msi_source(msi)?)?;
            let dest = dist.join(&msi.name);
            progress.start(&format!("building {}", msi.name));
            crate::installer::msi::build_msi(&wxs, staging.path(), &dest, &msi.version)
                .with_context(|| format!("cannot build {}", msi.name))?;
            progress.done(
                &format!("building {}", msi.name),
                &human_size(file_size(&dest)),
            );
            record_built(
                &mut self.outcome,
                &dist,
                (&msi.name, &dest),
                msi.checksum.as_deref(),
                plan.checksum,
                opts.no_local_paths,
            )?;
        }
        Ok(())
    }

    /// The global artifacts, after merging what other build machines reported.
    fn global_artifacts(&mut self) -> anyhow::Result<()> {
        let (plan, opts, progress) = (self.plan, self.opts, self.progress);
        let (dist, mtime) = (self.dist.clone(), self.mtime);
        let checksum_key = plan.checksum.map(|a| a.as_str());
        let outcome = &mut self.outcome;
        for other in other_manifests(&dist)? {
            let (path, m) = other;
            outcome.manifest.merge(&m).map_err(|e| {
                UserError::new(format!("cannot merge `{}`: {e}", path.display()))
                    .hint("remove stale manifests from `target/distrib`")
            })?;
        }
        // Installers this plan lists but no step writes (those merged in
        // from other machines' manifests were built there).
        for (name, artifact) in &plan.manifest.artifacts {
            if artifact.kind == ArtifactKind::Installer && !plan.produces(name) {
                outcome.skipped.push(name.clone());
            }
        }
        if let Some(source) = plan.source() {
            let dest = dist.join(&source.name);
            progress.start(&format!("archiving source {}", source.name));
            let repo = plan.layout.repo_root.clone().ok_or_else(|| {
                UserError::new("the source tarball needs a git repository, and the workspace is not in one")
                    .hint("run `git init` and commit, or build only local artifacts with `--artifacts=local`")
            })?;
            let written = source::write_source_tarball(
                &repo,
                "HEAD",
                &source.prefix,
                source.recursive,
                &dest,
                plan.checksum,
            )?;
            progress.done(
                &format!("archiving source {}", source.name),
                &human_size(written.size),
            );
            outcome.written.push((dest.clone(), written.size));
            if let (Some(sum_name), Some(hex)) = (&source.checksum, &written.checksum) {
                write_checksum_file(
                    outcome,
                    &dist,
                    sum_name,
                    &source.name,
                    hex,
                    opts.no_local_paths,
                )?;
            }
            record(
                outcome,
                &source.name,
                &dest,
                checksum_key.zip(written.checksum.as_deref()),
                opts.no_local_paths,
            );
        }
        for installer in plan.installers() {
            let ctx = installer_facts(
                installer,
                &outcome.manifest,
                plan.checksum,
                &mut outcome.warnings,
            );
            if ctx.artifacts.is_empty() {
                continue;
            }
            let Some(built) = crate::installer::build(
                installer,
                &ctx,
                &outcome.manifest,
                mtime,
                &mut outcome.warnings,
            )?
            else {
                continue;
            };
            if let Some(assets) = built.assets {
                if let Some(a) = outcome.manifest.artifacts.get_mut(&installer.artifact) {
                    a.assets = assets;
                }
            }
            let bytes = built.bytes;
            let path = dist.join(&installer.artifact);
            checksum::write_atomic(&path, &bytes)?;
            if built.executable {
                set_executable(&path)?;
            }
            let hex = match plan.checksum {
                Some(algo) => Some(checksum::hash_file(&path, algo)?),
                None => None,
            };
            if let (Some(sum_name), Some(hex)) = (&installer.checksum, &hex) {
                write_checksum_file(
                    outcome,
                    &dist,
                    sum_name,
                    &installer.artifact,
                    hex,
                    opts.no_local_paths,
                )?;
            }
            let script = bytes;
            outcome.written.push((path.clone(), script.len() as u64));
            record(
                outcome,
                &installer.artifact,
                &path,
                checksum_key.zip(hex.as_deref()),
                opts.no_local_paths,
            );
        }
        // The unified checksum covers every artifact whose checksum is known.
        if let Some(unified) = plan.unified_checksum() {
            let algo = unified.algorithm;
            let mut lines = String::new();
            for (name, a) in &outcome.manifest.artifacts {
                if let Some(hex) = a.checksums.get(algo.as_str()) {
                    lines.push_str(&checksum::checksum_line(hex, name));
                }
            }
            let path = dist.join(&unified.name);
            checksum::write_atomic(&path, lines.as_bytes())?;
            outcome.written.push((path.clone(), file_size(&path)));
            record(outcome, &unified.name, &path, None, opts.no_local_paths);
        }
        Ok(())
    }

    /// The manifest, and for a local build a copy named for its targets, for merging.
    fn write_manifests(&mut self) -> anyhow::Result<()> {
        let (plan, opts, dist) = (self.plan, self.opts, self.dist.clone());
        let outcome = &mut self.outcome;
        outcome
            .manifest
            .linkage
            .sort_by(|a, b| (&a.target, &a.binary).cmp(&(&b.target, &b.binary)));
        outcome.manifest.linkage.dedup();
        // cargo-dist's `systems` and `upload_files`: this machine, and the
        // artifacts it wrote (their local paths, so none with
        // `--no-local-paths`).
        let mut targets: Vec<&str> = plan.archives().map(|a| a.target.as_str()).collect();
        targets.sort();
        targets.dedup();
        let system = this_system(opts.mode, &targets, &opts.toolchain.cargo);
        outcome.manifest.systems.insert(system.id.clone(), system);
        // A reused archive is this build's output as much as a written one:
        // a rerun (after a kill too) must list the same files.
        let written: std::collections::BTreeSet<String> = outcome
            .written
            .iter()
            .map(|(p, _)| p.display().to_string())
            .chain(
                outcome
                    .reused
                    .iter()
                    .map(|name| dist.join(name).display().to_string()),
            )
            .collect();
        outcome.manifest.upload_files = outcome
            .manifest
            .artifacts
            .values()
            .filter_map(|a| a.path.clone())
            .filter(|p| written.contains(p))
            .collect();
        let json = outcome.manifest.to_json_pretty();
        let manifest_path = dist.join("dist-manifest.json");
        checksum::write_atomic(&manifest_path, json.as_bytes())?;
        outcome.written.push((manifest_path, json.len() as u64));
        if opts.mode == ArtifactMode::Local && !targets.is_empty() {
            let path = dist.join(format!("{}-dist-manifest.json", targets.join("_")));
            checksum::write_atomic(&path, json.as_bytes())?;
            outcome.written.push((path, json.len() as u64));
        }
        Ok(())
    }
}

/// This machine as cargo-dist describes a build machine: the id
/// `build:{mode}:{targets}`, the first line of `cargo -V`, and the OS (with
/// the glibc version on Linux, from `getconf GNU_LIBC_VERSION`).
fn this_system(
    mode: ArtifactMode,
    targets: &[&str],
    cargo: &std::ffi::OsStr,
) -> consign_manifest::SystemInfo {
    use consign_manifest::{BuildEnvironment, GlibcVersion, SystemInfo};
    let first_line = |program: &std::ffi::OsStr, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(|l| l.trim().to_string())
            })
            .filter(|l| !l.is_empty())
    };
    let build_environment = match std::env::consts::OS {
        "linux" => BuildEnvironment::Linux {
            // `glibc 2.36`; musl systems have no such variable.
            glibc_version: first_line("getconf".as_ref(), &["GNU_LIBC_VERSION"]).and_then(|l| {
                let v = l.strip_prefix("glibc ")?;
                let (major, series) = v.split_once('.')?;
                let series: String = series.chars().take_while(char::is_ascii_digit).collect();
                Some(GlibcVersion {
                    major: major.parse().ok()?,
                    series: series.parse().ok()?,
                })
            }),
        },
        "macos" => match first_line("sw_vers".as_ref(), &["-productVersion"]) {
            Some(os_version) => BuildEnvironment::MacOS { os_version },
            None => BuildEnvironment::Indeterminate,
        },
        "windows" => BuildEnvironment::Windows,
        _ => BuildEnvironment::Indeterminate,
    };
    let mode = match mode {
        ArtifactMode::Local => "local",
        ArtifactMode::Global => "global",
        ArtifactMode::Host => "host",
        ArtifactMode::All => "all",
    };
    SystemInfo {
        id: format!("build:{mode}:{}", targets.join(",")),
        cargo_version_line: first_line(cargo, &["-V"]),
        build_environment,
    }
}

/// The installer context with the facts only a build knows: each archive's
/// checksum and glibc floor. An archive whose checksum is unknown (no machine
/// has built it yet) is left out, so an installer never installs unverified.
fn installer_facts(
    installer: &InstallerPlan,
    manifest: &DistManifest,
    algo: Option<ChecksumAlgorithm>,
    warnings: &mut Vec<String>,
) -> InstallerContext {
    let mut ctx = installer.context.clone();
    let mut missing = Vec::new();
    let mut bad_floors = Vec::new();
    let mut no_updater = Vec::new();
    ctx.artifacts.retain_mut(|a| {
        if let Some(algo) = algo {
            match manifest
                .artifacts
                .get(&a.archive)
                .and_then(|x| x.checksums.get(algo.as_str()))
            {
                Some(hex) => a.checksum = Some(hex.clone()),
                None => {
                    missing.push(a.target.clone());
                    return false;
                }
            }
            // The updater is verified like the archive: one whose checksum
            // is unknown is not offered (the binaries still are).
            if let Some(updater) = &mut a.updater {
                match manifest
                    .artifacts
                    .get(&updater.artifact)
                    .and_then(|x| x.checksums.get(algo.as_str()))
                {
                    Some(hex) => updater.checksum = Some(hex.clone()),
                    None => {
                        no_updater.push(updater.artifact.clone());
                        a.updater = None;
                    }
                }
            }
        }
        if a.libc == "gnu" {
            let mut floors = Vec::new();
            for l in manifest.linkage.iter().filter(|l| l.target == a.target) {
                let Some(text) = &l.glibc_floor else { continue };
                match linkage::parse_glibc_floor(text) {
                    Some(v) => floors.push((v, text.clone())),
                    None => bad_floors.push(format!("`{text}` ({} for {})", l.binary, l.target)),
                }
            }
            a.glibc_floor = floors.into_iter().max().map(|(_, text)| text);
        }
        true
    });
    if !bad_floors.is_empty() {
        warnings.push(format!(
            "the manifest has glibc floors that are not versions, ignored by `{}`: {}",
            installer.artifact,
            bad_floors.join(", ")
        ));
    }
    if !no_updater.is_empty() {
        warnings.push(format!(
            "`{}` does not install the updater {}: its checksum is not known (build it here or merge its manifest)",
            installer.artifact,
            crate::error::list(&no_updater),
        ));
    }
    if !missing.is_empty() {
        let covered: Vec<&str> = ctx.artifacts.iter().map(|a| a.target.as_str()).collect();
        warnings.push(format!(
            "`{}` {}; the archives for {} have not been built here or in a merged manifest",
            installer.artifact,
            if covered.is_empty() {
                "is not written".to_string()
            } else {
                format!("covers only {}", crate::error::list(&covered))
            },
            crate::error::list(&missing),
        ));
    }
    ctx
}

#[cfg(unix)]
fn set_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("failed to make `{}` executable", path.display()))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Read the `dist-manifest.json` a build left in `dist`, for a command that
/// needs it (`what`, e.g. "to verify"); `hint` says how to get one.
pub fn read_manifest(dist: &Path, what: &str, hint: &str) -> Result<DistManifest, UserError> {
    let path = dist.join("dist-manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        UserError::new(format!("there is no `{}` {what} ({e})", path.display())).hint(hint)
    })?;
    serde_json::from_str(&text).map_err(|e| {
        UserError::new(format!(
            "`{}` is not a valid dist manifest: {e}",
            path.display()
        ))
        .hint("rebuild it with `consign build`")
    })
}

/// The manifests other build machines left in `dist` (`*-dist-manifest.json`).
pub fn other_manifests(dist: &Path) -> anyhow::Result<Vec<(PathBuf, DistManifest)>> {
    let mut found = Vec::new();
    let Ok(rd) = std::fs::read_dir(dist) else {
        return Ok(found);
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-dist-manifest.json"))
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        let m: DistManifest = serde_json::from_str(&text).map_err(|e| {
            UserError::new(format!(
                "`{}` is not a valid dist manifest: {e}",
                path.display()
            ))
            .hint("remove it, or replace it with the manifest a build machine wrote")
        })?;
        found.push((path, m));
    }
    Ok(found)
}

fn record(
    outcome: &mut BuildOutcome,
    name: &str,
    path: &Path,
    checksum: Option<(&str, &str)>,
    no_local_paths: bool,
) {
    if let Some(a) = outcome.manifest.artifacts.get_mut(name) {
        if !no_local_paths {
            a.path = Some(path.display().to_string());
        }
        if let Some((algo, hex)) = checksum {
            a.checksums.insert(algo.to_string(), hex.to_string());
        }
    }
}

/// The binary cargo built for `target` that an artifact lists as `file`
/// (with `.exe` on Windows).
fn built_binary<'b>(
    binaries: &'b BTreeMap<(String, String, String), cargo::BuiltBinary>,
    target: &str,
    package: &str,
    file: &str,
) -> Result<&'b cargo::BuiltBinary, UserError> {
    let name = file.strip_suffix(".exe").unwrap_or(file);
    binaries
        .get(&(target.to_string(), package.to_string(), name.to_string()))
        .ok_or_else(|| {
            UserError::new(format!(
                "cargo did not produce binary `{name}` of `{package}` for `{target}`"
            ))
            .hint(
                "check that the binary is not behind `required-features` the build does not enable",
            )
        })
}

/// Record an artifact the build just wrote at `path`: its size, its
/// checksum (in the manifest and, when the plan names one, its own
/// checksum file).
fn record_built(
    outcome: &mut BuildOutcome,
    dist: &Path,
    (name, path): (&str, &Path),
    sum_name: Option<&str>,
    algo: Option<ChecksumAlgorithm>,
    no_local_paths: bool,
) -> anyhow::Result<()> {
    outcome.written.push((path.to_path_buf(), file_size(path)));
    let hex = algo.map(|a| checksum::hash_file(path, a)).transpose()?;
    if let (Some(sum_name), Some(hex)) = (sum_name, &hex) {
        write_checksum_file(outcome, dist, sum_name, name, hex, no_local_paths)?;
    }
    let key = algo.map(|a| a.as_str());
    record(outcome, name, path, key.zip(hex.as_deref()), no_local_paths);
    Ok(())
}

/// Write `{hex} *{artifact}` to `dist/{sum_name}` and record it.
fn write_checksum_file(
    outcome: &mut BuildOutcome,
    dist: &Path,
    sum_name: &str,
    artifact: &str,
    hex: &str,
    no_local_paths: bool,
) -> anyhow::Result<()> {
    let sum_path = dist.join(sum_name);
    checksum::write_atomic(&sum_path, checksum::checksum_line(hex, artifact).as_bytes())?;
    outcome
        .written
        .push((sum_path.clone(), file_size(&sum_path)));
    record(outcome, sum_name, &sum_path, None, no_local_paths);
    Ok(())
}

/// The WiX source of an MSI: the package's `wix/main.wxs` (as `consign
/// generate` wrote it, and maybe edited since) when it is for this target's
/// architecture, else rendered from the package and its permanent GUIDs.
fn msi_source(msi: &crate::plan::MsiPlan) -> anyhow::Result<String> {
    use crate::installer::msi;
    if let Ok(text) = std::fs::read_to_string(&msi.wxs) {
        if msi::source_fits_target(&text, &msi.target)
            .with_context(|| format!("cannot read the WiX source `{}`", msi.wxs.display()))?
        {
            return Ok(text);
        }
    }
    let Some((upgrade_guid, path_guid)) = msi.guids.clone() else {
        return Err(UserError::new(format!(
            "`{}` has the `msi` installer, but `{}` has no `upgrade-guid` and `path-guid` in `[package.metadata.wix]`",
            msi.app,
            msi.manifest_path.display()
        ))
        .hint("run `consign generate`: it writes `wix/main.wxs` and the permanent GUIDs that let new versions replace old installs; commit both")
        .into());
    };
    msi::render_wxs(&msi.wix_context((upgrade_guid, path_guid)))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn save_state(path: &Path, state: &BuildState) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
    }
    let json = serde_json::to_vec_pretty(state).expect("build state serializes");
    checksum::write_atomic(path, &json)?;
    Ok(())
}

/// Whether `dest` is still the file recorded in `state`.
fn still_intact(dest: &Path, state: &ArtifactState, algo: Option<ChecksumAlgorithm>) -> bool {
    if file_size(dest) != state.size || !dest.is_file() {
        return false;
    }
    match (algo, &state.checksum) {
        (Some(a), Some(hex)) => checksum::hash_file(dest, a).is_ok_and(|h| &h == hex),
        _ => true,
    }
}

/// The archive's entries, resolving binaries to where cargo put them.
fn archive_entries(
    archive: &ArchivePlan,
    binaries: &BTreeMap<(String, String, String), cargo::BuiltBinary>,
) -> anyhow::Result<Vec<archive::ArchiveEntry>> {
    archive
        .files
        .iter()
        .map(|f| {
            let source = match &f.source {
                FileSource::Binary { package, file } => {
                    built_binary(binaries, &archive.target, package, file)?
                        .path
                        .clone()
                }
                FileSource::Path(p) => {
                    if !p.exists() {
                        return Err(UserError::new(format!(
                            "`{}` (to go into `{}`) does not exist",
                            p.display(),
                            archive.name
                        ))
                        .hint("fix the `include` entry in the dist config, or create the file")
                        .into());
                    }
                    p.clone()
                }
            };
            Ok(archive::ArchiveEntry {
                source,
                dest: f.dest.clone(),
                executable: f.executable,
            })
        })
        .collect()
}

/// Inspect the archive's binaries; fail if one needs a newer glibc than allowed.
fn check_linkage(
    archive: &ArchivePlan,
    binaries: &BTreeMap<(String, String, String), cargo::BuiltBinary>,
) -> anyhow::Result<Vec<Linkage>> {
    let mut out = Vec::new();
    for f in &archive.files {
        let FileSource::Binary { package, file } = &f.source else {
            continue;
        };
        let name = file.strip_suffix(".exe").unwrap_or(file);
        let Some(bin) = binaries.get(&(archive.target.clone(), package.clone(), name.to_string()))
        else {
            continue;
        };
        let report = linkage::inspect(&bin.path)?;
        if let (Some(max), Some(floor)) = (&archive.max_glibc, &report.glibc_floor) {
            if floor.exceeds(max.major, max.minor) {
                return Err(UserError::new(format!(
                    "`{name}` for `{}` needs glibc {}, newer than `minimum-glibc-version` {max}: symbol `{}` from `{}` raised it",
                    archive.target,
                    floor.version_string(),
                    floor.symbol,
                    floor.library,
                ))
                .hint(format!(
                    "build on an older system (e.g. a container with glibc {max}), avoid that symbol, or raise `minimum-glibc-version`"
                ))
                .into());
            }
        }
        out.push(Linkage {
            binary: name.to_string(),
            target: archive.target.clone(),
            needed: report.needed.clone(),
            glibc_floor: report.glibc_floor.as_ref().map(|g| g.version_string()),
            glibc_floor_symbol: report.glibc_floor.as_ref().map(|g| g.symbol.clone()),
        });
    }
    Ok(out)
}

/// A fingerprint of everything that goes into an archive: the plan entry,
/// the mtime, and each input's bytes.
fn fingerprint(
    archive: &ArchivePlan,
    entries: &[archive::ArchiveEntry],
    mtime: u64,
) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let mut text = serde_json::to_string(archive).expect("plans serialize");
    let _ = write!(text, "\nmtime={mtime}");
    for e in entries {
        let hex = hash_tree(&e.source)?;
        let _ = write!(text, "\n{} {} {hex}", e.dest, e.executable);
    }
    let mut hasher = checksum::HashingWriter::new(Vec::new(), ChecksumAlgorithm::Sha256);
    std::io::Write::write_all(&mut hasher, text.as_bytes())?;
    Ok(hasher.finish().1)
}

fn hash_tree(path: &Path) -> anyhow::Result<String> {
    if path.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("failed to read `{}`", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        children.sort();
        let mut combined = String::new();
        for c in children {
            combined.push_str(&format!(
                "{}:{};",
                c.file_name().unwrap_or_default().to_string_lossy(),
                hash_tree(&c)?
            ));
        }
        Ok(combined)
    } else {
        checksum::hash_file(path, ChecksumAlgorithm::Sha256)
            .with_context(|| format!("failed to read `{}`", path.display()))
    }
}

/// The commit time of HEAD, for archive mtimes.
fn commit_time(root: &Path) -> anyhow::Result<u64> {
    let out = std::process::Command::new("git")
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .current_dir(root)
        .output()
        .context("failed to run git")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().map_err(|_| {
        UserError::new("cannot tell the release commit's time for reproducible archive timestamps")
            .hint("commit your work in git, or set `SOURCE_DATE_EPOCH` to a unix timestamp")
            .into()
    })
}

/// `12.3 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
