//! Loading a project: the only I/O that happens before planning.
//!
//! [`load`] runs `cargo metadata --no-deps` (packages, targets, manifest
//! metadata) and `git status` side by side, reads the dist config with spans,
//! and lists each package's directory for auto-included files. The result, a
//! [`Workspace`], is everything the planner needs; the planner does no I/O of
//! its own.

pub mod cargo;
pub mod config;
pub mod git;
pub mod source_host;

use std::path::{Path, PathBuf};

use crate::error::UserError;
use config::{ConfigOrigin, ConfigWarning, DistConfig, SourceFile};

/// A Cargo workspace with its dist config, as the planner sees it.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The directory of the root `Cargo.toml`.
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// Workspace members, in `cargo metadata` order.
    pub packages: Vec<Package>,
    /// The workspace-level dist config.
    pub config: DistConfig,
    /// Where the workspace-level config was read from.
    pub config_origin: Option<ConfigOrigin>,
    /// Whether the root manifest has a `[profile.dist]`.
    pub has_dist_profile: bool,
    /// Warnings found while reading config.
    pub warnings: Vec<ConfigWarning>,
    /// Files (names only) in the workspace root, for auto-includes.
    pub root_files: Vec<String>,
    /// A changelog in the workspace root: (file name, contents).
    pub root_changelog: Option<(String, String)>,
    /// The state of the git work tree.
    pub git: git::GitState,
}

impl Workspace {
    /// A package's resolved dist config: its own keys over the workspace's.
    /// The one place package and workspace config are combined.
    pub fn config_for(&self, package: &Package) -> config::DistConfig {
        self.config.overlay(&package.config)
    }

    /// The directory release files go to: `{target dir}/distrib`.
    pub fn distrib_dir(&self) -> PathBuf {
        self.target_dir.join("distrib")
    }
}

/// One workspace member: cargo's facts about it ([`cargo::CargoPackage`],
/// which a `Package` dereferences to: `pkg.name`, `pkg.version`, ...) and
/// what consign reads beside them.
#[derive(Clone, Debug)]
pub struct Package {
    /// What `cargo metadata` says about it.
    pub cargo: cargo::CargoPackage,
    /// The package's directory.
    pub dir: PathBuf,
    /// The package-level dist config (only what the package sets).
    pub config: DistConfig,
    /// Where the package-level config was read from.
    pub config_origin: Option<ConfigOrigin>,
    /// Files (names only) in the package directory, sorted.
    pub dir_files: Vec<String>,
    /// The package's changelog: (file name, contents).
    pub changelog: Option<(String, String)>,
}

impl std::ops::Deref for Package {
    type Target = cargo::CargoPackage;

    fn deref(&self) -> &cargo::CargoPackage {
        &self.cargo
    }
}

/// How to find the workspace.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// `--manifest-path`, else search upward from the current directory.
    pub manifest_path: Option<PathBuf>,
    /// The cargo that reads the metadata (`settings::Environment::cargo`).
    pub cargo: std::ffi::OsString,
}

impl LoadOptions {
    /// `manifest_path` (or the search) with `cargo` from `PATH`.
    pub fn new(manifest_path: Option<PathBuf>) -> LoadOptions {
        LoadOptions {
            manifest_path,
            cargo: "cargo".into(),
        }
    }
}

/// File-name prefixes that are auto-included in archives.
pub const AUTO_INCLUDE_PREFIXES: &[&str] =
    &["README", "LICENSE", "UNLICENSE", "CHANGELOG", "RELEASES"];

/// Load the workspace: cargo metadata, git state and dist config.
pub fn load(opts: &LoadOptions) -> anyhow::Result<Workspace> {
    let manifest = match &opts.manifest_path {
        Some(p) => {
            if !p.is_file() {
                return Err(UserError::new(format!(
                    "manifest path `{}` does not exist",
                    p.display()
                ))
                .hint("pass the path of a `Cargo.toml`")
                .into());
            }
            p.clone()
        }
        None => find_manifest(&std::env::current_dir()?)?,
    };
    let manifest_dir = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();

    // cargo metadata is the slow part; git status runs beside it.
    let git_dir = manifest_dir.clone();
    let git_thread = std::thread::spawn(move || git::status(&git_dir));
    let meta = cargo::metadata(&opts.cargo, &manifest);
    let git = git_thread
        .join()
        .expect("the git status thread does not panic");
    let meta = meta?;

    let root = meta.workspace_root.clone();
    let git = git.scoped_to(&root, &meta.target_directory);
    let mut warnings = Vec::new();

    // Workspace config: dist-workspace.toml, dist.toml, or [workspace.metadata.dist].
    let root_manifest = SourceFile::read(&root.join("Cargo.toml"))?;
    let root_doc = root_manifest.parse()?;
    let has_dist_profile = root_doc
        .get("profile")
        .and_then(|p| p.get("dist"))
        .is_some();
    let mut found: Vec<(DistConfig, ConfigOrigin)> = Vec::new();
    for name in ["dist-workspace.toml", "dist.toml"] {
        let path = root.join(name);
        if path.is_file() {
            let file = SourceFile::read(&path)?;
            let doc = file.parse()?;
            check_members(&file, &doc, &mut warnings)?;
            if let Some(cfg) = config::read_dist_at(&file, &doc, "dist", &mut warnings)? {
                found.push((
                    cfg,
                    ConfigOrigin {
                        path,
                        table: "dist".into(),
                    },
                ));
            }
        }
    }
    if let Some(cfg) = config::read_dist_at(
        &root_manifest,
        &root_doc,
        "workspace.metadata.dist",
        &mut warnings,
    )? {
        found.push((
            cfg,
            ConfigOrigin {
                path: root_manifest.path.clone(),
                table: "workspace.metadata.dist".into(),
            },
        ));
    }
    if found.len() > 1 {
        let places: Vec<String> = found
            .iter()
            .map(|(_, o)| format!("`[{}]` in `{}`", o.table, o.path.display()))
            .collect();
        return Err(UserError::new(format!("dist config is defined in more than one place: {}", places.join(" and ")))
            .hint("keep one of them; `consign migrate` moves Cargo.toml metadata into `dist-workspace.toml`")
            .into());
    }
    let (config, config_origin) = match found.pop() {
        Some((c, o)) => (c, Some(o)),
        None => (DistConfig::default(), None),
    };

    let mut packages = Vec::with_capacity(meta.packages.len());
    for p in meta.packages {
        let dir = p
            .cargo
            .manifest_path
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let dir_files = list_files(&dir);
        // Package config: [package.metadata.dist] (cargo metadata tells us whether
        // it exists, so only those manifests are re-read for spans), or a dist.toml
        // beside a member's Cargo.toml.
        let mut pkg_config = DistConfig::default();
        let mut pkg_origin = None;
        if p.has_dist_metadata {
            let file = if p.cargo.manifest_path == root_manifest.path {
                root_manifest.clone()
            } else {
                SourceFile::read(&p.cargo.manifest_path)?
            };
            let doc = file.parse()?;
            if let Some(c) =
                config::read_dist_at(&file, &doc, "package.metadata.dist", &mut warnings)?
            {
                pkg_config = c;
                pkg_origin = Some(ConfigOrigin {
                    path: file.path.clone(),
                    table: "package.metadata.dist".into(),
                });
            }
        }
        if dir != root && dir_files.iter().any(|f| f == "dist.toml") {
            let file = SourceFile::read(&dir.join("dist.toml"))?;
            let doc = file.parse()?;
            if let Some(c) = config::read_dist_at(&file, &doc, "dist", &mut warnings)? {
                pkg_config = pkg_config.overlay(&c);
                pkg_origin = Some(ConfigOrigin {
                    path: file.path.clone(),
                    table: "dist".into(),
                });
            }
        }
        let changelog = read_changelog(&dir, &dir_files)?;
        if p.cargo.name.len() > MAX_PACKAGE_NAME {
            return Err(UserError::new(format!(
                "package `{}…` in `{}` has a {}-byte name; release file names are built from it and must stay under 255 bytes",
                p.cargo.name.chars().take(40).collect::<String>(),
                p.cargo.manifest_path.display(),
                p.cargo.name.len()
            ))
            .hint(format!("use a name of at most {MAX_PACKAGE_NAME} characters (crates.io's limit)"))
            .into());
        }
        packages.push(Package {
            cargo: p.cargo,
            dir,
            config: pkg_config,
            config_origin: pkg_origin,
            dir_files,
            changelog,
        });
    }
    let root_files = list_files(&root);
    let root_changelog = read_changelog(&root, &root_files)?;
    Ok(Workspace {
        root,
        target_dir: meta.target_directory,
        packages,
        config,
        config_origin,
        has_dist_profile,
        warnings,
        root_files,
        root_changelog,
        git,
    })
}

/// The longest package name consign releases: crates.io's limit, which keeps
/// every artifact name (`{name}-{target}.tar.xz`) well under 255 bytes.
const MAX_PACKAGE_NAME: usize = 64;

/// `[workspace].members` in `dist-workspace.toml`: consign builds Cargo
/// workspaces, so other member kinds are noted and ignored; a `cargo:` member
/// must be a directory with a `Cargo.toml`.
fn check_members(
    file: &SourceFile,
    doc: &toml_edit::Document<&str>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), UserError> {
    let Some(members) = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
    else {
        return Ok(());
    };
    let base = file.path.parent().unwrap_or(Path::new("."));
    for m in members.iter() {
        let Some(s) = m.as_str() else { continue };
        if let Some(dir) = s.strip_prefix("cargo:") {
            if !base.join(dir).join("Cargo.toml").is_file() {
                let mut e = UserError::new(format!(
                    "workspace member `{s}` in `{}` names no Cargo workspace: `{}` does not exist",
                    file.path.display(),
                    base.join(dir).join("Cargo.toml").display()
                ))
                .hint("write `members = [\"cargo:.\"]` for the Cargo workspace beside this file, or the path to its directory");
                if let Some(loc) = file.locate(m.span()) {
                    e = e.at(loc);
                }
                return Err(e);
            }
        } else {
            warnings.push(ConfigWarning {
                message: format!(
                    "workspace member `{s}` in `{}` is ignored: consign releases Cargo workspaces (`cargo:` members)",
                    file.path.display()
                ),
                location: file.locate(m.span()),
            });
        }
    }
    Ok(())
}

/// The workspace root directory, without reading any config: `cargo
/// metadata` of the given (or nearest) manifest.
pub fn workspace_root(opts: &LoadOptions) -> anyhow::Result<PathBuf> {
    let manifest = match &opts.manifest_path {
        Some(p) => p.clone(),
        None => find_manifest(&std::env::current_dir()?)?,
    };
    Ok(cargo::metadata(&opts.cargo, &manifest)?.workspace_root)
}

/// The nearest `Cargo.toml` at or above `start`.
pub fn find_manifest(start: &Path) -> Result<PathBuf, UserError> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join("Cargo.toml");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(UserError::new(format!(
        "could not find `Cargo.toml` in `{}` or any parent directory",
        start.display()
    ))
    .hint("run consign inside a Cargo workspace, or pass `--manifest-path path/to/Cargo.toml`"))
}

/// Names of the regular files in `dir`, sorted (empty if unreadable).
fn list_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Read `CHANGELOG*` (else `RELEASES*`) among `files` in `dir`.
fn read_changelog(dir: &Path, files: &[String]) -> Result<Option<(String, String)>, UserError> {
    let pick = ["CHANGELOG", "RELEASES"].iter().find_map(|prefix| {
        files
            .iter()
            .find(|f| f.to_ascii_uppercase().starts_with(prefix))
    });
    match pick {
        Some(name) => {
            let file = SourceFile::read(&dir.join(name))?;
            Ok(Some((name.clone(), file.text)))
        }
        None => Ok(None),
    }
}
