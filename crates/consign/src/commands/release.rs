//! `consign release`: after the release PR merged, on its merge commit.
//! Gather (workspace, remote tags), plan (pure, `release::finish::plan`),
//! then carry the steps out: publish (as `consign publish --only crates`),
//! tags, GitHub Releases, dispatches, the PR's state label.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::cli::{GlobalArgs, OutputFormat, ReleaseArgs};
use crate::error::UserError;
use crate::host::github::{self, Client, RetryPolicy, Token};
use crate::output::{Printer, HEADING};
use crate::project::config::CiBackend;
use crate::project::{self, source_host, Workspace};
use crate::release::finish::{self, Exec, FinishPlan, Inputs, Outcome, PackageFacts, StepReport};
use crate::release::journal::Journal;
use crate::release::pulls;
use crate::release::TagStyle;
use crate::settings::{self, Environment, GitHubSettings, ReleaseSettings};

#[derive(Serialize)]
struct Report<'a> {
    commit: &'a str,
    dry_run: bool,
    released: &'a [finish::Released],
    steps: &'a [StepReport],
    warnings: &'a [String],
}

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &ReleaseArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let json = global.output_format == OutputFormat::Json;
    let settings = ReleaseSettings::resolve(global, args, env)?;
    let ws = project::load(&settings.load)?;
    let publish = settings.publish;
    let mut hint = "set `GITHUB_TOKEN` to a token that may push tags, create releases and label pull requests (`contents: write`, `pull-requests: write`); in the generated workflow, a GitHub App token or fine-grained PAT in a secret, so the pushed tags start `release.yml`".to_string();
    if publish && !settings.registry_token_set {
        hint.push_str("; `CARGO_REGISTRY_TOKEN` is not set either, for publishing the crates");
    }
    let token = settings.github.require_token(hint)?;
    let head = finish::head(&ws.root)?;
    let remote = finish::remote_tags(&ws.root)?;
    let inputs = gather(&ws, &head, &remote, publish)?;
    let plan = finish::plan(&inputs)?;
    for w in &plan.warnings {
        printer.warn(w);
    }
    if plan.released.is_empty() {
        printer.human(&format!(
            "Nothing to release: every publishable package's release tag is already on `origin` (at {})\n",
            &head[..head.len().min(12)]
        ));
        return print_json(printer, json, &plan, &[], settings.dry_run);
    }
    for r in &plan.released {
        printer.human(&format!(
            "{HEADING}Releasing{HEADING:#} `{}` ({}){}\n",
            r.tag,
            r.packages.join(", "),
            if r.left_to_workflow {
                "; its GitHub Release is left to the release workflow the tag starts (`consign host`)"
            } else {
                ""
            }
        ));
    }
    let client = repository_client(&ws, &settings.github, token.clone(), printer)?;
    let journal = Journal::open(&ws.target_dir, &head, Some(token))?;
    let publish_crates = || super::publish_crates::exec(&settings.crates, &ws, false, printer);
    let report = |r: &StepReport| {
        let mark = match r.outcome {
            Outcome::Done => "done",
            Outcome::AlreadyDone => "already done",
            Outcome::Skipped => "skipped",
            Outcome::WouldDo => "dry run",
        };
        printer.human(&format!("{HEADING}{mark:>12}{HEADING:#} {}\n", r.detail));
    };
    let branch = settings::release_branch(settings.branch.as_deref(), &ws.config);
    let pulls = Pulls {
        client: &client,
        head: &head,
    };
    let exec = Exec {
        root: &ws.root,
        client: &client,
        pulls: &pulls,
        branch: &branch,
        journal: &journal,
        publish: &publish_crates,
        dry_run: settings.dry_run,
        report: &report,
    };
    let reports = finish::execute(&plan, &exec)?;
    if settings.dry_run {
        printer.human("Dry run: nothing was published, pushed or sent\n");
    }
    print_json(printer, json, &plan, &reports, settings.dry_run)
}

fn print_json(
    printer: &Printer,
    json: bool,
    plan: &FinishPlan,
    steps: &[StepReport],
    dry_run: bool,
) -> anyhow::Result<()> {
    if json {
        let report = Report {
            commit: &plan.commit,
            dry_run,
            released: &plan.released,
            steps,
            warnings: &plan.warnings,
        };
        printer.machine(&(serde_json::to_string_pretty(&report)? + "\n"));
    }
    Ok(())
}

/// The planner's inputs, read from the workspace and the remote's tags.
fn gather(
    ws: &Workspace,
    head: &str,
    remote: &BTreeMap<String, String>,
    publish: bool,
) -> anyhow::Result<Inputs> {
    let publishable: Vec<&project::Package> = ws.packages.iter().filter(|p| p.publish).collect();
    let inherit = publishable
        .iter()
        .all(|p| inherits_workspace_version(&p.manifest_path));
    let style = TagStyle::for_workspace(publishable.len(), inherit);
    let github_ci = ws
        .config
        .ci
        .as_ref()
        .is_some_and(|c| c.contains(&CiBackend::Github));
    let packages = publishable
        .iter()
        .map(|p| {
            let notes = p.changelog.as_ref().and_then(|(file, text)| {
                crate::changelog::release_notes(text, &p.version).map(|s| (file.clone(), s.body))
            });
            let config = ws.config_for(p);
            PackageFacts {
                name: p.name.clone(),
                version: p.version.clone(),
                notes,
                hosted_by_workflow: github_ci
                    && !p.binaries.is_empty()
                    && config.dist != Some(false),
            }
        })
        .collect::<Vec<_>>();
    let namespace = ws.config.tag_namespace.clone();
    let mut at = BTreeMap::new();
    for p in &packages {
        let tag = crate::release::tag_name(style, namespace.as_deref(), &p.name, &p.version);
        if let Some(commit) = remote.get(&tag) {
            at.insert(tag, finish::classify(&ws.root, commit, head));
        }
    }
    Ok(Inputs {
        commit: head.to_string(),
        packages,
        style,
        namespace,
        remote: at,
        publish,
        dispatch_repositories: ws.config.dispatch_repositories.clone().unwrap_or_default(),
        root_changelog: ws.root_changelog.clone(),
    })
}

/// Whether `[package] version` is `{ workspace = true }`.
fn inherits_workspace_version(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok())
        .and_then(|d| {
            d.get("package")?
                .get("version")?
                .get("workspace")?
                .as_bool()
        })
        .unwrap_or(false)
}

/// The GitHub repository of the released packages.
/// The GitHub client for the repository the release-PR flow works on (both
/// `release-pr` and `release`): the first publishable package's
/// `repository` (else any package's), with `GITHUB_API_URL` honoured and
/// notices printed as warnings.
pub(super) fn repository_client(
    ws: &Workspace,
    github: &GitHubSettings,
    token: Token,
    printer: &Printer,
) -> anyhow::Result<Client> {
    let url = ws
        .packages
        .iter()
        .filter(|p| p.publish)
        .chain(&ws.packages)
        .find_map(|p| p.repository.clone())
        .ok_or_else(|| {
            UserError::new("no package sets `repository`, so consign does not know which GitHub repository to release on")
                .hint("set `[package].repository` (or `[workspace.package].repository`) to `https://github.com/OWNER/REPO`")
        })?;
    let host = source_host::parse_repository(&url, ws.config.github_enterprise_url.as_deref())
        .map_err(|e| {
            UserError::new(format!("cannot release on `{url}`: {e}"))
                .hint("release PRs, tags and GitHub Releases are made on GitHub; set `repository` to the GitHub repository")
        })?;
    let api = github.api_base(&host.web_base);
    let printer = *printer;
    Ok(Client::new(
        &api,
        github::Repo {
            owner: host.owner,
            name: host.project,
        },
        token,
        RetryPolicy::default(),
    )
    .on_notice(move |text| printer.warn(text)))
}

/// The merged release PR through the pulls API (`release::pulls`): the one
/// merged as `head`, else the newest merged one from the branch.
struct Pulls<'a> {
    client: &'a Client,
    head: &'a str,
}

impl finish::PullRequests for Pulls<'_> {
    fn merged_from(&self, branch: &str) -> Result<Option<(u64, Vec<String>)>, UserError> {
        let merged: Vec<_> = pulls::find_by_head(self.client, branch, pulls::PullState::Closed)?
            .into_iter()
            .filter(|p| p.is_merged())
            .collect();
        let pr = merged
            .iter()
            .find(|p| p.merge_commit_sha.as_deref() == Some(self.head))
            .or_else(|| merged.first());
        Ok(pr.map(|p| (p.number, p.labels.iter().map(|l| l.name.clone()).collect())))
    }
    fn add_label(&self, number: u64, label: &str) -> Result<(), UserError> {
        pulls::add_labels(self.client, number, &[label]).map(|_| ())
    }
    fn remove_label(&self, number: u64, label: &str) -> Result<(), UserError> {
        pulls::remove_label(self.client, number, label).map(|_| ())
    }
}
