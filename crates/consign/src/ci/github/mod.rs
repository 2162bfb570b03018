//! The GitHub Actions release workflow, `.github/workflows/release.yml`.
//!
//! [`plan`] checks the CI keys against the workspace and decides everything
//! into a [`Workflow`] (the CI channel's plan contribution);
//! [`workflow::render`] lays it out with `templates/release.yml.j2` and reads
//! nothing else. Every value
//! reaches the template quoted for YAML, or checked to need no quoting (runner
//! labels, package names, versions). The workflow's jobs:
//!
//! - `plan` runs `consign plan -o json` and exposes the tag, the build matrix
//!   (`ci.github.artifacts_matrix` of the manifest) and the manifest itself;
//! - `build-local-artifacts` builds each matrix entry on its runner;
//! - `build-global-artifacts` merges their manifests and builds installers,
//!   checksums and the source tarball;
//! - `verify` runs the shell installers against those files;
//! - `host`, the publish jobs, `announce` and post-announce jobs release it.

use std::collections::{BTreeMap, BTreeSet};

use super::{config_error, relative, CiInputs};
use crate::error::{closest, list, UserError};
use crate::project::config::{
    ActionRef, AttestationPhase, ConsignInstall, DistConfig, InstallerKind, PrRunMode, PublishJob,
};
use crate::project::Workspace;
use crate::targets;

mod workflow;

pub(super) use workflow::{render, render_release_pr};
use workflow::{
    yaml_str, Attest, BuildSetup, Choco, CustomJob, Install, ReleasePrWorkflow, Workflow,
};

/// Where the workflow goes, relative to the repository.
pub const WORKFLOW_PATH: &str = ".github/workflows/release.yml";

/// The release-PR workflow (`release-pr = true`).
pub const RELEASE_PR_PATH: &str = ".github/workflows/release-pr.yml";

/// Where consign's own releases are downloaded from: its GitHub release of
/// `v{version}` (consign tags itself with a unified tag).
const CONSIGN_RELEASES: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/releases/download");

/// The actions the workflow uses: config name, action, version tag.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("checkout", "actions/checkout", "v5"),
    ("cache", "actions/cache", "v5"),
    ("upload_artifact", "actions/upload-artifact", "v6"),
    ("download_artifact", "actions/download-artifact", "v7"),
    ("setup_node", "actions/setup-node", "v5"),
    ("attest", "actions/attest-build-provenance", "v3"),
];

/// The runner of the jobs that are not per target, unless
/// `github-custom-runners.global` names another.
const DEFAULT_GLOBAL_RUNNER: &str = "ubuntu-22.04";

/// The user's own jobs among `jobs` (`./name`), by name.
fn custom_names(jobs: Option<&[PublishJob]>) -> Vec<String> {
    jobs.into_iter()
        .flatten()
        .filter_map(|j| match j {
            PublishJob::Custom(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The apps' resolved configs (workspace config overlaid with the package's).
fn app_configs(ws: &Workspace) -> Vec<(String, DistConfig)> {
    ws.packages
        .iter()
        .filter(|p| crate::plan::is_app(ws, p))
        .map(|p| (p.name.clone(), ws.config_for(p)))
        .collect()
}

/// Render the workflow body (without the marker line).
/// Check the CI keys against the workspace and decide the workflow: every
/// job, trigger, runner and value, ready for [`workflow::render`].
pub(super) fn plan(ws: &Workspace, inputs: &CiInputs) -> Result<Workflow, UserError> {
    let config = &ws.config;
    let apps = app_configs(ws);
    let has_installer = |kind: InstallerKind| {
        apps.iter()
            .any(|(_, c)| c.installers.as_ref().is_some_and(|i| i.contains(&kind)))
    };

    let consign_version = consign_version(ws, inputs)?;
    let install = install(ws, &consign_version)?;
    let runners = config.github_custom_runners.clone().unwrap_or_default();
    check_custom_runners(ws, &apps, &runners)?;
    let global_runner = runners
        .get("global")
        .map_or(DEFAULT_GLOBAL_RUNNER.to_string(), |r| r.runner.clone());
    let container = runners.values().any(|r| r.container.is_some());

    let tag_patterns = tag_patterns(ws)?;
    let pr_mode = config.pr_run_mode.unwrap_or(PrRunMode::Plan);
    let dispatch = config.dispatch_releases.unwrap_or(false);

    let working_directory = relative(&ws.root, &inputs.repo_root).filter(|r| !r.is_empty());
    let prefix = working_directory
        .as_ref()
        .map(|w| format!("{w}/"))
        .unwrap_or_default();

    let actions = actions(ws);
    let (apt, brew, choco) = system_dependencies(ws, &apps)?;
    let build_setup = inputs
        .build_setup
        .as_ref()
        .map(|(path, text)| build_setup_steps(ws, path, text))
        .transpose()?;

    let attest_phase = config.github_attestations.unwrap_or(false).then(|| {
        config
            .github_attestations_phase
            .unwrap_or(AttestationPhase::Host)
    });
    let attest = attest_phase
        .map(|_| attest_subjects(ws, &format!("{prefix}target/distrib")))
        .transpose()?
        .map(|subjects| Attest { subjects });

    let publishing = "needs.plan.outputs.publishing == 'true'";
    let build_local_if = if pr_mode == PrRunMode::Upload {
        "${{ needs.plan.outputs.has-builds == 'true' }}".to_string()
    } else {
        format!("${{{{ needs.plan.outputs.has-builds == 'true' && {publishing} }}}}")
    };
    let build_global_if = if pr_mode == PrRunMode::Upload {
        "${{ !cancelled() && !failure() && needs.plan.result == 'success' }}".to_string()
    } else {
        format!("${{{{ !cancelled() && !failure() && {publishing} }}}}")
    };
    let publish_if = format!("${{{{ !cancelled() && !failure() && {publishing} }}}}");
    let package_publish_if = if config.publish_prereleases.unwrap_or(false) {
        publish_if.clone()
    } else {
        format!("${{{{ !cancelled() && !failure() && {publishing} && needs.plan.outputs.prerelease != 'true' }}}}")
    };
    let build_local = config.build_local_artifacts.unwrap_or(true);

    // User jobs, phase by phase: each phase's jobs wait for the previous
    // phase and its jobs, and the next phase waits for them.
    let mut jobs = JobMaker {
        ws,
        inputs,
        ids: BTreeSet::new(),
    };
    let ids = |jobs: &[CustomJob]| jobs.iter().map(|j| j.id.clone()).collect::<Vec<_>>();
    let plan_jobs = jobs.phase(
        "plan-jobs",
        "plan",
        config.plan_jobs.iter().flatten(),
        &["plan".into()],
        "${{ !cancelled() && !failure() }}",
        &[("contents", "read")],
    )?;
    let mut build_local_needs = vec!["plan".to_string()];
    build_local_needs.extend(ids(&plan_jobs));
    let local_jobs = jobs.phase(
        "local-artifacts-jobs",
        "local-artifacts",
        config.local_artifacts_jobs.iter().flatten(),
        &build_local_needs,
        &build_local_if,
        &[("contents", "read")],
    )?;
    let mut build_global_needs = vec!["plan".to_string()];
    if build_local {
        build_global_needs.push("build-local-artifacts".into());
    }
    build_global_needs.extend(ids(&local_jobs));
    let global_jobs = jobs.phase(
        "global-artifacts-jobs",
        "global-artifacts",
        config.global_artifacts_jobs.iter().flatten(),
        &build_global_needs,
        &build_global_if,
        &[("contents", "read")],
    )?;
    let verify = has_installer(InstallerKind::Shell);
    let mut host_needs = build_global_needs.clone();
    host_needs.push("build-global-artifacts".into());
    host_needs.extend(ids(&global_jobs));
    let host_jobs = jobs.phase(
        "host-jobs",
        "host",
        config.host_jobs.iter().flatten(),
        &host_needs,
        &publish_if,
        &[("contents", "read")],
    )?;
    if verify {
        host_needs.push("verify".into());
    }

    // Each channel's module checks its own keys and says what its job needs.
    let mut channels = crate::channel::ci_jobs(config, &has_installer).map_err(|problem| {
        let (keys, e) = *problem;
        super::located(ws, keys, e)
    })?;
    for c in &mut channels {
        c.subject = c.subject.as_deref().map(yaml_str);
    }
    let publish_names = custom_names(config.publish_jobs.as_deref());
    let mut publish_needs = vec!["plan".to_string(), "host".to_string()];
    publish_needs.extend(ids(&host_jobs));
    let custom_publish = jobs.phase(
        "publish-jobs",
        "publish",
        publish_names.iter(),
        &publish_needs,
        &publish_if,
        &[("contents", "read"), ("id-token", "write")],
    )?;
    let post_announce_names = custom_names(config.post_announce_jobs.as_deref());
    let post_announce = jobs.phase(
        "post-announce-jobs",
        "post-announce",
        post_announce_names.iter(),
        &["plan".into(), "announce".into()],
        &publish_if,
        &[("contents", "read")],
    )?;

    let mut announce_needs: Vec<String> = vec!["plan".into(), "host".into()];
    announce_needs.extend(channels.iter().map(|c| format!("publish-{}", c.channel)));
    announce_needs.extend(ids(&host_jobs));
    announce_needs.extend(ids(&custom_publish));

    let workflow = Workflow {
        tag_push: !dispatch,
        tag_patterns,
        pull_request: pr_mode != PrRunMode::Skip,
        dispatch,
        tag_expression: if dispatch {
            "${{ inputs.tag }}".into()
        } else {
            "${{ github.event_name == 'push' && github.ref_name || '' }}".into()
        },
        consign_version,
        install,
        global_runner: yaml_str(&global_runner),
        dist_dir: format!("{prefix}target/distrib"),
        target_dir: format!("{prefix}target"),
        plan_manifest_path: format!("{prefix}plan-dist-manifest.json"),
        working_directory: working_directory.as_deref().map(yaml_str),
        actions,
        container,
        fail_fast: if config.fail_fast.unwrap_or(false) {
            "true"
        } else {
            "false"
        },
        cache: config.cache_builds.unwrap_or(pr_mode == PrRunMode::Upload),
        build_setup,
        apt,
        brew,
        choco,
        verify,
        attest_phase: attest_phase.map_or("", AttestationPhase::as_str),
        attest,
        channels,
        custom_publish,
        post_announce,
        plan_jobs,
        local_jobs,
        global_jobs,
        host_jobs,
        build_local,
        release_token: if config.github_releases_repo.is_some() {
            "${{ secrets.GH_RELEASES_TOKEN }}"
        } else {
            "${{ secrets.GITHUB_TOKEN }}"
        },
        rust_toolchain: config.rust_toolchain_version.clone(),
        build_local_needs: format!("[{}]", build_local_needs.join(", ")),
        build_global_needs: format!("[{}]", build_global_needs.join(", ")),
        build_local_if,
        build_global_if,
        publish_if,
        package_publish_if,
        host_needs: format!("[{}]", host_needs.join(", ")),
        announce_needs: format!("[{}]", announce_needs.join(", ")),
    };
    Ok(workflow)
}

/// Decide the release-PR workflow from the config, or `None` when
/// `release-pr` is not true.
pub(super) fn plan_release_pr(
    ws: &Workspace,
    inputs: &CiInputs,
) -> Result<Option<ReleasePrWorkflow>, UserError> {
    let config = &ws.config;
    if config.release_pr != Some(true) {
        return Ok(None);
    }
    let consign_version = consign_version(ws, inputs)?;
    let install = install(ws, &consign_version)?;
    let runner = config
        .github_custom_runners
        .as_ref()
        .and_then(|r| r.get("global"))
        .map_or(DEFAULT_GLOBAL_RUNNER.to_string(), |r| r.runner.clone());
    let branch = config
        .release_pr_branch
        .clone()
        .unwrap_or_else(|| crate::release::DEFAULT_BRANCH.to_string());
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    Ok(Some(ReleasePrWorkflow {
        base: "main".into(),
        paths: config
            .release_pr_paths
            .iter()
            .flatten()
            .map(|p| literal(p))
            .collect(),
        branch: literal(&branch),
        branch_expr: literal(&branch),
        runner: yaml_str(&runner),
        consign_version,
        install,
        actions: actions(ws),
    }))
}

/// The consign version CI installs: `consign-version`, else this consign's.
fn consign_version(ws: &Workspace, inputs: &CiInputs) -> Result<String, UserError> {
    let Some(v) = &ws.config.consign_version else {
        return Ok(inputs.tool_version.clone());
    };
    match semver::Version::parse(v) {
        Ok(parsed) => Ok(parsed.to_string()),
        Err(e) => Err(config_error(
            ws,
            &["consign-version"],
            format!("`consign-version` is `{v}`, not a version CI can install: {e}"),
        )
        .hint(format!(
            "write an exact version, e.g. `consign-version = \"{}\"`",
            inputs.tool_version
        ))),
    }
}

/// How CI installs consign: prebuilt from consign's release (or the
/// `consign-url-override` mirror), with `cargo install` from crates.io, or
/// from this workspace's own `consign` package.
fn install(ws: &Workspace, version: &str) -> Result<Install, UserError> {
    let config = &ws.config;
    let mode = config.consign_install.unwrap_or(ConsignInstall::Prebuilt);
    let url = config
        .consign_url_override
        .clone()
        .unwrap_or_else(|| format!("{CONSIGN_RELEASES}/v{version}"));
    if config.consign_url_override.is_some() && mode != ConsignInstall::Prebuilt {
        return Err(config_error(
            ws,
            &["consign-url-override"],
            format!(
                "`consign-url-override` is set, but `consign-install` is `{mode}`, which does not download consign"
            ),
        )
        .hint("remove `consign-url-override`, or set `consign-install = \"prebuilt\"`"));
    }
    let mut path = String::new();
    if mode == ConsignInstall::Source {
        let Some(pkg) = ws.packages.iter().find(|p| p.name == "consign") else {
            return Err(config_error(
                ws,
                &["consign-install"],
                "`consign-install = \"source\"` builds the `consign` package of this workspace, but it has none".into(),
            )
            .hint("use `consign-install = \"prebuilt\"` (the default) to install consign's release"));
        };
        let dir = pkg.manifest_path.parent().unwrap_or(&ws.root);
        path = relative(dir, &ws.root)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".into());
    }
    Ok(Install {
        mode: mode.as_str(),
        url: yaml_str(&url),
        path: yaml_str(&path),
    })
}

/// The runner labels of `github-custom-runners` keys that are used (a
/// target some app builds, the default runner of one, or `global`) must be
/// labels. Other keys are unused, as in cargo-dist ([`notices`] names them).
fn check_custom_runners(
    ws: &Workspace,
    apps: &[(String, DistConfig)],
    runners: &BTreeMap<String, crate::project::config::CustomRunner>,
) -> Result<(), UserError> {
    let built = built_targets(apps);
    let default_runners: BTreeSet<&str> = built
        .iter()
        .map(|t| targets::default_github_runner(t))
        .collect();
    for (key, runner) in runners {
        let used = key == "global"
            || built.contains(key.as_str())
            || default_runners.contains(key.as_str());
        if used && (runner.runner.trim().is_empty() || runner.runner.contains(['\n', '\r'])) {
            return Err(config_error(
                ws,
                &["github-custom-runners", key],
                format!("`github-custom-runners.{key}` is not a runner label"),
            )
            .hint(
                "write a runner label such as \"ubuntu-24.04\" or \"buildjet-8vcpu-ubuntu-2204\"",
            ));
        }
    }
    Ok(())
}

/// Runner labels the workflow names literally (the global runner) that are
/// not GitHub-hosted images, which actionlint must be told about. (Per-target
/// runners reach `runs-on` through the matrix, which actionlint cannot check.)
pub(super) fn self_hosted_labels(ws: &Workspace) -> Vec<String> {
    let global = ws
        .config
        .github_custom_runners
        .as_ref()
        .and_then(|r| r.get("global"))
        .map(|r| r.runner.clone());
    global
        .into_iter()
        .filter(|l| {
            !(["ubuntu-", "windows-", "macos-"]
                .iter()
                .any(|p| l.starts_with(p))
                || l == "self-hosted")
        })
        .collect()
}

/// The targets some app builds.
fn built_targets(apps: &[(String, DistConfig)]) -> BTreeSet<&str> {
    apps.iter()
        .flat_map(|(_, c)| c.targets.iter().flatten())
        .map(String::as_str)
        .collect()
}

/// The tag patterns that trigger a release: any tag ending in a semver
/// version, after `tag-namespace` when set.
fn tag_patterns(ws: &Workspace) -> Result<Vec<String>, UserError> {
    const VERSION_GLOB: &str = "**[0-9]+.[0-9]+.[0-9]+*";
    let Some(ns) = &ws.config.tag_namespace else {
        return Ok(vec![format!("'{VERSION_GLOB}'")]);
    };
    let plain = !ns.is_empty()
        && ns
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !ns.starts_with(['/', '.', '-']);
    if !plain {
        return Err(config_error(
            ws,
            &["tag-namespace"],
            format!("`tag-namespace` `{ns}` cannot start a tag pattern: it may only hold letters, digits, `-`, `_`, `.` and `/`"),
        )
        .hint("choose a plain prefix such as \"release\" (tags then look like `release-v1.2.3`)"));
    }
    Ok(vec![
        format!("'{ns}-{VERSION_GLOB}'"),
        format!("'{ns}/{VERSION_GLOB}'"),
    ])
}

/// `uses:` for each action: the version tag, or the ref
/// `github-action-commits` gives (a SHA gets the tag as a comment unless the
/// config wrote one). Pins of actions the workflow does not use are ignored,
/// as cargo-dist ignores them ([`notices`] says so).
fn actions(ws: &Workspace) -> BTreeMap<&'static str, String> {
    let pins = ws.config.github_action_commits.clone().unwrap_or_default();
    ACTIONS
        .iter()
        .map(|(name, action, version)| {
            let uses = match pins.get(*action) {
                Some(pin) => match (&pin.comment, ActionRef::is_sha(&pin.reference)) {
                    (Some(comment), _) => format!("{action}@{} # {comment}", pin.reference),
                    (None, true) => format!("{action}@{} # {version}", pin.reference),
                    (None, false) => format!("{action}@{}", pin.reference),
                },
                None => format!("{action}@{version}"),
            };
            (*name, uses)
        })
        .collect()
}

/// What `generate` should tell the user about config the workflow does not
/// use: pins of actions it does not run, runners for targets no app builds.
pub(super) fn notices(ws: &Workspace) -> Vec<String> {
    let mut out = Vec::new();
    let known: Vec<&str> = ACTIONS.iter().map(|(_, a, _)| *a).collect();
    for action in ws
        .config
        .github_action_commits
        .iter()
        .flat_map(|p| p.keys())
    {
        if known.contains(&action.as_str()) {
            continue;
        }
        let near = closest(action, known.iter().copied())
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        out.push(format!(
            "`github-action-commits` pins `{action}`, which the release workflow does not use{near}; the workflow uses {}",
            list(&known)
        ));
    }
    let apps = app_configs(ws);
    let built = built_targets(&apps);
    let default_runners: BTreeSet<&str> = built
        .iter()
        .map(|t| targets::default_github_runner(t))
        .collect();
    for key in ws
        .config
        .github_custom_runners
        .iter()
        .flat_map(|r| r.keys())
    {
        if key == "global" || built.contains(key.as_str()) || default_runners.contains(key.as_str())
        {
            continue;
        }
        let what = if targets::is_known(key) {
            format!("target `{key}`, which no app builds")
        } else {
            let near = closest(key, built.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            format!("`{key}`, which is neither a target any app builds nor the default runner of one{near}")
        };
        out.push(format!(
            "`github-custom-runners` has a runner for {what}; it is unused"
        ));
    }
    out
}

type Packages = (Option<String>, Option<String>, Vec<Choco>);

/// `[dist.dependencies]` of every app, as install arguments: apt, Homebrew
/// and Chocolatey. Names and versions are checked so that they need no
/// quoting in a shell.
fn system_dependencies(
    ws: &Workspace,
    apps: &[(String, DistConfig)],
) -> Result<Packages, UserError> {
    let mut apt = BTreeMap::new();
    let mut brew = BTreeMap::new();
    let mut choco = BTreeMap::new();
    for deps in std::iter::once(&ws.config)
        .chain(apps.iter().map(|(_, c)| c))
        .filter_map(|c| c.dependencies.as_ref())
    {
        apt.extend(deps.apt.clone());
        brew.extend(deps.homebrew.clone());
        choco.extend(deps.chocolatey.clone());
    }
    let name_ok = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-._@/".contains(c))
    };
    let version_ok = |s: &str| {
        s == "*"
            || (!s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.~:_".contains(c)))
    };
    let check = |manager: &str, name: &str, version: &str| -> Result<(), UserError> {
        if name_ok(name) && version_ok(version) {
            return Ok(());
        }
        let (what, value) = if name_ok(name) {
            ("version", version)
        } else {
            ("package name", name)
        };
        Err(config_error(
            ws,
            &["dependencies", manager, name],
            format!("`dependencies.{manager}` has a {what} `{value}` that is not valid"),
        )
        .hint(
            "package names hold letters, digits and `+-._@/`; versions are \"*\" or like \"1.2.3\"",
        ))
    };
    let mut apt_args = Vec::new();
    for (name, version) in &apt {
        check("apt", name, version)?;
        apt_args.push(if version == "*" {
            name.clone()
        } else {
            format!("{name}={version}")
        });
    }
    let mut brew_args = Vec::new();
    for (name, version) in &brew {
        check("homebrew", name, version)?;
        brew_args.push(name.clone());
    }
    let mut choco_list = Vec::new();
    for (name, version) in &choco {
        check("chocolatey", name, version)?;
        choco_list.push(Choco {
            name: name.clone(),
            args: if version == "*" {
                name.clone()
            } else {
                format!("{name} --version {version}")
            },
        });
    }
    let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join(" "));
    Ok((join(apt_args), join(brew_args), choco_list))
}

/// The `github-build-setup` file's steps, indented into the build job.
fn build_setup_steps(ws: &Workspace, path: &str, text: &str) -> Result<BuildSetup, UserError> {
    let err = |why: &str| {
        config_error(
            ws,
            &["github-build-setup"],
            format!("`github-build-setup` names `{path}`, which {why}"),
        )
        .hint("write the file as a YAML list of steps, e.g. `- name: Install protoc` then `  run: sudo apt-get install -y protobuf-compiler`")
    };
    if text.contains('\t') {
        return Err(err("is indented with tabs (YAML needs spaces)"));
    }
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    match first {
        Some(l) if l.starts_with("- ") => {}
        Some(_) => return Err(err("is not a YAML list of steps starting at column 1")),
        None => return Err(err("holds no steps")),
    }
    let steps = text
        .lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("      {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(BuildSetup {
        path: path.to_string(),
        steps: steps.trim_end().to_string(),
    })
}

/// What `actions/attest-build-provenance` attests: the
/// `github-attestations-filters` globs (default: every file) in `dist_dir`.
fn attest_subjects(ws: &Workspace, dist_dir: &str) -> Result<Vec<String>, UserError> {
    let filters = ws
        .config
        .github_attestations_filters
        .clone()
        .unwrap_or_else(|| vec!["*".into()]);
    filters
        .iter()
        .map(|f| {
            let (neg, glob) = match f.strip_prefix('!') {
                Some(rest) => ("!", rest),
                None => ("", f.as_str()),
            };
            if glob.is_empty()
                || glob.contains(['/', '\\', '\n', '\r'])
                || glob.starts_with(' ')
                || glob.ends_with(' ')
            {
                return Err(config_error(
                    ws,
                    &["github-attestations-filters", f],
                    format!("`github-attestations-filters` entry `{f}` is not a file-name glob"),
                )
                .hint(
                    "write globs over artifact file names, e.g. \"*.tar.gz\" or \"*-installer.sh\"",
                ));
            }
            Ok(format!("{neg}{dist_dir}/{glob}"))
        })
        .collect()
}

/// A `./name` job: `.github/workflows/name.yml` must exist and be callable.
/// Makes the `uses:` jobs of user workflows, keeping their ids unique.
struct JobMaker<'a> {
    ws: &'a Workspace,
    inputs: &'a CiInputs,
    ids: BTreeSet<String>,
}

impl JobMaker<'_> {
    /// The jobs of one phase (`key` lists them; ids get `prefix`).
    fn phase<'n>(
        &mut self,
        key: &str,
        prefix: &str,
        names: impl Iterator<Item = &'n String>,
        needs: &[String],
        condition: &str,
        default_permissions: &[(&str, &str)],
    ) -> Result<Vec<CustomJob>, UserError> {
        let mut out = Vec::new();
        for name in names {
            let (id, uses) = custom_job(self.ws, self.inputs, key, prefix, name)?;
            if !self.ids.insert(id.clone()) {
                return Err(UserError::new(format!(
                    "two custom jobs would both be named `{id}` in the workflow"
                ))
                .hint("list each workflow once per phase (`plan-jobs`, `local-artifacts-jobs`, `global-artifacts-jobs`, `host-jobs`, `publish-jobs`, `post-announce-jobs`)"));
            }
            let permissions = match self
                .ws
                .config
                .github_custom_job_permissions
                .as_ref()
                .and_then(|p| p.get(name.as_str()))
            {
                Some(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                None => default_permissions
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            };
            out.push(CustomJob {
                id,
                uses,
                needs: format!("[{}]", needs.join(", ")),
                condition: condition.to_string(),
                permissions,
            });
        }
        Ok(out)
    }
}

/// The job id and `uses:` of the user workflow `./name`, checked to exist
/// and to be reusable.
fn custom_job(
    ws: &Workspace,
    inputs: &CiInputs,
    key: &str,
    prefix: &str,
    name: &str,
) -> Result<(String, String), UserError> {
    let entry = format!("./{name}");
    let found = inputs
        .workflows
        .iter()
        .find(|(file, _)| *file == format!("{name}.yml") || *file == format!("{name}.yaml"));
    let Some((file, text)) = found else {
        let names: Vec<&str> = inputs
            .workflows
            .iter()
            .filter(|(f, _)| format!(".github/workflows/{f}") != WORKFLOW_PATH)
            .map(|(f, _)| f.trim_end_matches(".yml").trim_end_matches(".yaml"))
            .collect();
        let hint = match closest(name, names.iter().copied()) {
            Some(near) => format!("did you mean `./{near}`?"),
            None => format!(
                "create `.github/workflows/{name}.yml` with an `on: workflow_call` trigger taking a `plan` string input, or remove `{entry}`"
            ),
        };
        return Err(config_error(
            ws,
            &[key, &entry],
            format!("`{key}` lists `{entry}`, but there is no `.github/workflows/{name}.yml`"),
        )
        .hint(hint));
    };
    if format!(".github/workflows/{file}") == WORKFLOW_PATH || !text.contains("workflow_call") {
        return Err(config_error(
            ws,
            &[key, &entry],
            format!("`{key}` lists `{entry}`, but `.github/workflows/{file}` is not a reusable workflow"),
        )
        .hint("give it an `on: workflow_call` trigger with a `plan` string input (the release's manifest)"));
    }
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    Ok((
        format!("{prefix}-{id}"),
        format!("./.github/workflows/{file}"),
    ))
}
