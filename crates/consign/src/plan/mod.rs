//! The pure planner: a [`Workspace`] plus flags in, a [`Plan`] out.
//!
//! **Invariant:** nothing in this module does file, process or network I/O,
//! reads the environment or the clock. The same inputs give a byte-identical
//! manifest. Executors (build, installers, CI, host) read the plan and never
//! decide again.

pub mod announcement;
mod artifacts;
pub mod body;
pub(crate) mod notes;
pub mod step;

use std::collections::BTreeMap;
use std::path::PathBuf;

use consign_manifest::{
    DistManifest, EnvironmentVariables, GithubHosting, Hosting, Release, SimpleHosting,
};
use serde::Serialize;

use crate::error::{list, UserError};
use crate::project::config::{ChecksumAlgorithm, DistConfig, HostingProvider, InstallerKind};
use crate::project::source_host::{self, SourceHost, SourceHostError};
use crate::project::{Package, Workspace};
use crate::targets;

pub use artifacts::{
    ArchiveFile, ArchivePlan, BinstallStatus, CargoBuild, ExtraPlan, FileSource, ImagePlan,
    InstallerMeta, InstallerPlan, MsiPlan, OmniborPlan, SbomPlan, SourcePlan, UnifiedChecksumPlan,
    UpdaterPlan,
};
pub use step::{Phase, PublishStep, Step};

/// Which artifacts to plan (`--artifacts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactMode {
    /// Archives (and their checksums) of the selected targets.
    Local,
    /// Installers, unified checksums and the source tarball.
    Global,
    /// Local artifacts of the host target, plus global ones.
    Host,
    /// Everything.
    #[default]
    All,
}

/// The inputs of planning besides the workspace.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// `--tag`.
    pub tag: Option<String>,
    /// `--target`: restrict to these targets.
    pub targets: Vec<String>,
    /// `--installer`: restrict to these installers.
    pub installers: Vec<InstallerKind>,
    /// `--artifacts`.
    pub artifacts: ArtifactMode,
    /// The machine's target triple (for `--artifacts=host`).
    pub host_target: String,
    /// The version of consign, recorded in the manifest.
    pub tool_version: String,
    /// Without a tag, plan every app whatever its version (for `generate`).
    pub every_app: bool,
}

/// Where the release happens on this machine: the paths executors work in,
/// taken from the workspace by the planner so that no executor needs the
/// workspace itself.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Layout {
    /// The workspace root (cargo runs here).
    pub root: PathBuf,
    /// Where release files go: `{target dir}/distrib`.
    pub dist_dir: PathBuf,
    /// The git repository's top level, if the workspace is in one.
    pub repo_root: Option<PathBuf>,
    /// Package names by manifest path (to attribute cargo's binaries).
    pub packages: BTreeMap<PathBuf, String>,
}

/// Everything a release will do: the manifest (the public contract) and
/// the steps that make it true, in the order they run.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The manifest: the public contract.
    pub manifest: DistManifest,
    /// The paths the steps work in.
    pub layout: Layout,
    /// Every action, typed; see [`Step`].
    pub steps: Vec<Step>,
    /// The checksum algorithm (`None` when checksums are off).
    pub checksum: Option<ChecksumAlgorithm>,
    /// Things worth telling the user that do not stop the release.
    pub warnings: Vec<String>,
    /// Each app's cargo-binstall metadata, against what the release needs.
    #[serde(skip)]
    pub binstall: Vec<BinstallStatus>,
}

/// One app being released, with its resolved config.
pub(crate) struct AppRelease<'a> {
    pub package: &'a Package,
    pub config: DistConfig,
    /// Configured targets (after `--target` filtering), in config order.
    pub targets: Vec<String>,
    pub installers: Vec<InstallerKind>,
}

/// Whether a package is an app that consign distributes.
pub fn is_app(ws: &Workspace, p: &Package) -> bool {
    if p.binaries.is_empty() {
        return false;
    }
    match ws.config_for(p).dist {
        Some(d) => d,
        None => p.publish,
    }
}

/// Make the plan.
pub fn plan(ws: &Workspace, opts: &PlanOptions) -> Result<Plan, UserError> {
    if !ws.has_dist_profile {
        return Err(UserError::new(format!(
            "`{}` has no `[profile.dist]`: consign builds release binaries with the `dist` profile",
            ws.root.join("Cargo.toml").display()
        ))
        .hint("`consign init` adds it; or add `[profile.dist]` with `inherits = \"release\"` and `lto = \"thin\"`"));
    }
    for t in &opts.targets {
        crate::project::config::check_target(t).map_err(|hint| {
            UserError::new(format!("unknown target triple `{t}` given with `--target`")).hint(hint)
        })?;
    }

    let candidates: Vec<announcement::Candidate<'_>> = ws
        .packages
        .iter()
        .map(|p| announcement::Candidate {
            name: &p.name,
            version: &p.version,
            is_app: is_app(ws, p),
        })
        .collect();
    let selection = if opts.every_app && opts.tag.is_none() {
        announcement::every_app(&candidates, ws.config.tag_namespace.as_deref())
    } else {
        announcement::select(
            opts.tag.as_deref(),
            &candidates,
            ws.config.tag_namespace.as_deref(),
        )?
    };

    let mut warnings: Vec<String> = Vec::new();
    let apps: Vec<AppRelease<'_>> = selection
        .apps
        .iter()
        .map(|name| {
            let package = ws
                .packages
                .iter()
                .find(|p| &p.name == name)
                .expect("selected apps exist");
            resolve_app(ws, package, opts)
        })
        .collect::<Result<_, _>>()?;
    for t in &opts.targets {
        if !apps.is_empty() && !apps.iter().any(|a| a.targets.contains(t)) {
            return Err(UserError::new(format!(
                "target `{t}` given with `--target` is not configured for any app"
            ))
            .hint(format!("add `{t}` to `targets` in the dist config")));
        }
    }
    for i in &opts.installers {
        if !apps.is_empty() && !apps.iter().any(|a| a.installers.contains(i)) {
            return Err(UserError::new(format!(
                "installer `{i}` given with `--installer` is not configured for any app"
            ))
            .hint(format!("add \"{i}\" to `installers` in the dist config")));
        }
    }

    // Every distributed package must agree on the source host.
    let singular = selection.package.as_deref();
    let hosting = resolve_hosting(ws, &apps, singular, &selection.tag)?;

    let ws_config = match selection.package.as_deref() {
        Some(pkg) => ws.config_for(
            ws.packages
                .iter()
                .find(|p| p.name == pkg)
                .expect("tag package exists"),
        ),
        None => ws.config.clone(),
    };
    let checksum = match ws_config.checksum.unwrap_or(ChecksumAlgorithm::Sha256) {
        ChecksumAlgorithm::False => None,
        algo => Some(algo),
    };

    let planned = artifacts::plan_artifacts(
        ws,
        &apps,
        &hosting,
        checksum,
        &selection.tag,
        opts,
        &mut warnings,
    )?;

    let notes = notes::release_notes(ws, &selection, &apps);

    let releases: Vec<Release> = apps
        .iter()
        .map(|app| Release {
            app_name: app.package.name.clone(),
            app_version: app.package.version.to_string(),
            env: Some(env_vars(&app.package.name)),
            // As cargo-dist, always set: the package name and `true` by default.
            display_name: Some(
                app.config
                    .display_name
                    .clone()
                    .unwrap_or_else(|| app.package.name.clone()),
            ),
            display: Some(app.config.display.unwrap_or(true)),
            artifacts: planned
                .release_artifacts
                .get(&app.package.name)
                .cloned()
                .unwrap_or_default(),
            hosting: hosting.manifest.clone(),
            // Every target has an archive named as binstall guesses, on GitHub.
            binstall_hint: (hosting.manifest.github.is_some() && !app.targets.is_empty()).then(
                || {
                    format!(
                        "cargo binstall {}@{}",
                        app.package.name, app.package.version
                    )
                },
            ),
        })
        .collect();

    let mut manifest = DistManifest {
        dist_version: Some(opts.tool_version.clone()),
        announcement_tag: Some(selection.tag.clone()),
        announcement_tag_is_implicit: selection.implicit,
        announcement_is_prerelease: selection.is_prerelease(),
        announcement_title: Some(notes.title),
        announcement_changelog: notes.changelog,
        announcement_github_body: None,
        publish_prereleases: ws_config.publish_prereleases.unwrap_or(false),
        force_latest: ws_config.force_latest.unwrap_or(false),
        releases,
        artifacts: planned.manifest_artifacts,
        ci: artifacts::ci_info(&ws_config, &apps),
        linkage: Vec::new(),
        // Filled in by the build: the machines and the files they wrote.
        systems: Default::default(),
        upload_files: Vec::new(),
    };
    manifest.announcement_github_body = Some(body::render(&manifest));
    let mut steps = planned.steps;
    if opts.artifacts != ArtifactMode::Local {
        steps.extend(
            crate::channel::plan(
                &ws_config,
                &manifest,
                hosting.source.as_ref().map(|h| h.web_base.as_str()),
                &steps,
            )
            .into_iter()
            .map(Step::Publish),
        );
    }
    Ok(Plan {
        manifest,
        layout: Layout {
            root: ws.root.clone(),
            dist_dir: ws.distrib_dir(),
            repo_root: ws.git.toplevel.clone(),
            packages: ws
                .packages
                .iter()
                .map(|p| (p.manifest_path.clone(), p.name.clone()))
                .collect(),
        },
        steps,
        checksum,
        warnings,
        binstall: planned.binstall,
    })
}

fn resolve_app<'a>(
    ws: &Workspace,
    package: &'a Package,
    opts: &PlanOptions,
) -> Result<AppRelease<'a>, UserError> {
    let config = ws.config_for(package);
    let configured = config.targets.clone().unwrap_or_default();
    if configured.is_empty() && opts.targets.is_empty() {
        let defaults: Vec<String> = targets::DEFAULT_TARGETS
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect();
        return Err(UserError::new(format!(
            "no `targets` are configured for `{}`",
            package.name
        ))
        .hint(format!(
            "add e.g. `targets = [{}]` to the dist config, or run `consign init`",
            defaults.join(", ")
        )));
    }
    let targets: Vec<String> = if configured.is_empty() {
        opts.targets.clone()
    } else if opts.targets.is_empty() {
        configured
    } else {
        configured
            .into_iter()
            .filter(|t| opts.targets.contains(t))
            .collect()
    };
    let mut installers = config.installers.clone().unwrap_or_default();
    if !opts.installers.is_empty() {
        installers.retain(|i| opts.installers.contains(i));
    }
    // [[dist.bin]] must name real binaries.
    for bin in config.bins.iter().flatten() {
        if !package.binaries.contains(&bin.name) {
            return Err(UserError::new(format!(
                "`[[dist.bin]]` names `{}`, but package `{}` has no binary of that name",
                bin.name, package.name
            ))
            .hint(format!("its binaries are {}", list(&package.binaries))));
        }
    }
    for (bin, _) in config.bin_aliases.iter().flatten() {
        if !package.binaries.contains(bin)
            && ws
                .config
                .bin_aliases
                .as_ref()
                .is_none_or(|w| !w.contains_key(bin))
        {
            return Err(UserError::new(format!(
                "`bin-aliases` names `{bin}`, but package `{}` has no binary of that name",
                package.name
            ))
            .hint(format!("its binaries are {}", list(&package.binaries))));
        }
    }
    Ok(AppRelease {
        package,
        config,
        targets,
        installers,
    })
}

/// The resolved hosting of the release.
pub(crate) struct ResolvedHosting {
    /// Base URL artifacts download from (no trailing slash).
    pub download_base: Option<String>,
    /// The manifest's hosting record.
    pub manifest: Hosting,
    /// The source repository, when the packages name one.
    pub source: Option<SourceHost>,
}

fn resolve_hosting(
    ws: &Workspace,
    apps: &[AppRelease<'_>],
    singular: Option<&str>,
    tag: &str,
) -> Result<ResolvedHosting, UserError> {
    let config = match apps.first() {
        Some(a) => a.config.clone(),
        None => ws.config.clone(),
    };
    let providers = config
        .hosting
        .clone()
        .unwrap_or_else(|| vec![HostingProvider::Github]);
    let wants_github = providers.contains(&HostingProvider::Github);

    let mut distributed: Vec<&Package> = apps.iter().map(|a| a.package).collect();
    if let Some(pkg) = singular {
        if !distributed.iter().any(|p| p.name == pkg) {
            distributed.extend(ws.packages.iter().filter(|p| p.name == pkg));
        }
    }
    let enterprise = config.github_enterprise_url.as_deref();
    let mut hosts: BTreeMap<SourceHost, Vec<(&str, &str)>> = BTreeMap::new();
    for p in &distributed {
        let Some(repo) = p.repository.as_deref() else {
            continue;
        };
        match source_host::parse_repository(repo, enterprise) {
            Ok(h) => hosts.entry(h).or_default().push((&p.name, repo)),
            Err(SourceHostError::UnsupportedHost { url, host }) if wants_github => {
                return Err(UserError::new(format!(
                    "package `{}` has repository `{url}` on `{host}`, which is not GitHub",
                    p.name
                ))
                .hint(format!(
                    "if `{host}` is a GitHub Enterprise server, set `github-enterprise-url = \"https://{host}\"`; otherwise set `hosting = [\"simple\"]` and `simple-download-url` to where you upload releases"
                )))
            }
            Err(SourceHostError::UnsupportedHost { .. }) => {}
            Err(e @ SourceHostError::Unparseable(_)) => {
                return Err(UserError::new(format!("package `{}` has an unusable `repository`: {e}", p.name))
                    .hint("set `[package].repository` to the GitHub URL of the repository"))
            }
        }
    }
    if hosts.len() > 1 {
        let mut lines = String::new();
        for (host, pkgs) in &hosts {
            for (name, raw) in pkgs {
                lines.push_str(&format!("\n  `{name}`: `{raw}` (→ {host})"));
            }
        }
        return Err(UserError::new(format!(
            "the distributed packages disagree on the source repository:{lines}"
        ))
        .hint("give every package the same `repository` (e.g. `repository.workspace = true`)"));
    }
    let source = hosts.into_keys().next();

    let mut manifest = Hosting::default();
    let mut download_base = None;
    if providers.contains(&HostingProvider::Simple) {
        let Some(url) = config.simple_download_url.as_deref() else {
            return Err(UserError::new("`hosting` includes `simple`, but `simple-download-url` is not set")
                .hint("set `simple-download-url` to the base URL you upload releases to; `{tag}` and `{version}` are replaced"));
        };
        let version = tag_version(apps, tag);
        let url = url.replace("{tag}", tag).replace("{version}", &version);
        let url = url.trim_end_matches('/').to_string();
        download_base = Some(url.clone());
        manifest.simple = Some(SimpleHosting { download_url: url });
    }
    if wants_github {
        if let Some(h) = &source {
            // `github-releases-repo` moves the release to another repository
            // on the same GitHub.
            let (owner, repo) = match config.github_releases_repo.as_deref() {
                Some(other) => other.split_once('/').unwrap_or((other, "")),
                None => (h.owner.as_str(), h.project.as_str()),
            };
            let path = format!("/{owner}/{repo}/releases/download/{tag}");
            download_base = Some(format!("{}{path}", h.web_base));
            manifest.github = Some(GithubHosting {
                artifact_base_url: h.web_base.clone(),
                artifact_download_path: path,
                owner: owner.to_string(),
                repo: repo.to_string(),
            });
        }
    }
    Ok(ResolvedHosting {
        download_base,
        manifest,
        source,
    })
}

fn tag_version(apps: &[AppRelease<'_>], tag: &str) -> String {
    apps.first()
        .map(|a| a.package.version.to_string())
        .unwrap_or_else(|| tag.to_string())
}

/// The installer environment variable names of an app: `MY_APP_INSTALL_DIR`, ...
pub fn env_vars(app: &str) -> EnvironmentVariables {
    let prefix: String = app
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    EnvironmentVariables {
        install_dir_env_var: format!("{prefix}_INSTALL_DIR"),
        unmanaged_dir_env_var: format!("{prefix}_UNMANAGED_INSTALL"),
        disable_update_env_var: format!("{prefix}_DISABLE_UPDATE"),
        no_modify_path_env_var: format!("{prefix}_NO_MODIFY_PATH"),
        print_quiet_env_var: format!("{prefix}_PRINT_QUIET"),
        print_verbose_env_var: format!("{prefix}_PRINT_VERBOSE"),
        download_url_env_var: format!("{prefix}_DOWNLOAD_URL"),
        github_base_url_env_var: format!("{prefix}_INSTALLER_GITHUB_BASE_URL"),
        ghe_base_url_env_var: format!("{prefix}_INSTALLER_GHE_BASE_URL"),
        github_token_env_var: format!("{prefix}_GITHUB_TOKEN"),
    }
}
