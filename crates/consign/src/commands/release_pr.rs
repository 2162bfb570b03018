//! `consign release-pr`: the prepare step of the release-PR flow. Load,
//! walk the history once, plan (pure), print; then, unless `--dry-run`,
//! edit the files on the release branch, push it, and open or update the
//! one release PR labelled `consign: pending`.

use serde::Serialize;

use crate::cli::{GlobalArgs, OutputFormat, ReleasePrArgs};
use crate::error::UserError;
use crate::output::{Printer, DIM, HEADING};
use crate::project;
use crate::release::prepare::{self, Options, ReleasePlan};
use crate::release::pulls::{self, NewPull};
use crate::release::{apply, branch, inputs, LABEL_PENDING};
use crate::settings::{self, Environment, ReleasePrSettings};

/// The remote the release branch is pushed to.
const REMOTE: &str = "origin";

#[derive(Serialize)]
struct Report<'a> {
    dry_run: bool,
    branch: &'a str,
    #[serde(flatten)]
    plan: &'a ReleasePlan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pull_request: Option<PullOut>,
}

#[derive(Serialize)]
struct PullOut {
    number: u64,
    url: String,
    created: bool,
}

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &ReleasePrArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let settings = ReleasePrSettings::resolve(global, args, env)?;
    let ws = project::load(&settings.load)?;
    if !ws.git.dirty.is_empty() {
        let err = UserError::new(format!(
            "the work tree has uncommitted changes: {}",
            crate::error::list(&ws.git.dirty)
        ))
        .hint("commit or stash them first: the versions and changelogs come from the commits, and the release branch is made from `HEAD`");
        if !settings.dry_run {
            return Err(err.into());
        }
        printer.warn(&format!(
            "{}; the plan reads the committed history",
            err.message
        ));
    }
    let gathered = inputs::gather(&ws)?;
    let branch_name = settings::release_branch(None, &ws.config);
    let opts = Options {
        bump: settings.bump,
        prerelease: settings.prerelease.clone(),
        group: settings.group.clone(),
        date: settings.date.clone(),
    };
    let plan = prepare::prepare(&gathered.input, &opts)?;
    let nothing = plan.packages.is_empty();

    let mut pull = None;
    if !settings.dry_run && (!nothing || settings.force) {
        let token = settings.github.require_token("set `GITHUB_TOKEN` to a token with `contents: write` and `pull-requests: write` (in GitHub Actions, give the job those permissions), or use `--dry-run` to see the plan")?;
        let client = super::release::repository_client(&ws, &settings.github, token, printer)?;
        let base = branch::current_branch(&gathered.repo_root)
            .or_else(|| settings.ref_name.clone())
            .ok_or_else(|| {
                UserError::new("`HEAD` is detached, so there is no branch for the release PR to merge into")
                    .hint("check out the branch the release PR targets (e.g. `git switch main`), or set `GITHUB_REF_NAME`")
            })?;
        if base == branch_name {
            return Err(UserError::new(format!(
                "the current branch is the release branch `{branch_name}` itself"
            ))
            .hint("run `consign release-pr` on the branch the release PR merges into, e.g. `main`")
            .into());
        }
        let edits = apply::edits(&ws.root, &gathered.files, &plan)?;
        let redact = |s: &str| client.redact(s);
        let pushed = branch::commit_and_push(
            &gathered.repo_root,
            &branch_name,
            REMOTE,
            &edits,
            &plan.title,
            &redact,
        )?;
        printer.verbose(&if pushed.pushed {
            format!(
                "pushed `{branch_name}` at {} (was {})",
                pushed.commit,
                pushed.replaced.as_deref().unwrap_or("absent")
            )
        } else {
            format!("`{branch_name}` already holds these edits on this `HEAD`; nothing pushed")
        });
        // Look, then act: the open PR from the branch is updated, never doubled.
        let (pr, created) = match pulls::find_open(&client, &branch_name)? {
            Some(pr) if pr.title == plan.title && pr.body.as_deref() == Some(&plan.body) => {
                (pr, false)
            }
            Some(pr) => (
                pulls::update(&client, pr.number, &plan.title, &plan.body)?,
                false,
            ),
            None => (
                pulls::create(
                    &client,
                    &NewPull {
                        title: &plan.title,
                        body: &plan.body,
                        head: &branch_name,
                        base: &base,
                    },
                )?,
                true,
            ),
        };
        if !pr.has_label(LABEL_PENDING) {
            pulls::ensure_label(
                &client,
                LABEL_PENDING,
                "fbca04",
                "consign: the release PR waits to be merged",
            )?;
            pulls::add_labels(&client, pr.number, &[LABEL_PENDING])?;
        }
        pull = Some(PullOut {
            number: pr.number,
            url: pr.html_url.clone(),
            created,
        });
    }

    match global.output_format {
        OutputFormat::Json => {
            let report = Report {
                dry_run: settings.dry_run,
                branch: &branch_name,
                plan: &plan,
                pull_request: pull,
            };
            printer.machine(&(serde_json::to_string_pretty(&report)? + "\n"));
        }
        OutputFormat::Human => {
            let mut out = render(&plan, settings.dry_run);
            for p in &plan.pending {
                out.push_str(&format!(
                    "left out: {} {} is not released yet (no tag `{}`; last release `{}`): run `consign release` for it\n",
                    p.name, p.version, p.tag, p.last_tag
                ));
            }
            if nothing && !settings.force && !plan.pending.is_empty() {
                out.push_str("nothing new to propose until those versions are released\n");
            } else if nothing && !settings.force {
                out.push_str(
                    "nothing to release: no package has changed since its last release tag\n",
                );
            } else if let Some(p) = &pull {
                let verb = if p.created { "opened" } else { "updated" };
                out.push_str(&format!(
                    "{verb} pull request #{} from `{branch_name}`: {}\n",
                    p.number, p.url
                ));
            } else if settings.dry_run {
                out.push_str(&format!(
                    "{DIM}dry run: nothing was written, pushed or sent (branch `{branch_name}`){DIM:#}\n"
                ));
            }
            printer.human(&out);
        }
    }
    Ok(())
}

/// The plan for people: each package old → new with its reasons, then the
/// changelog sections.
fn render(plan: &ReleasePlan, dry_run: bool) -> String {
    let mut out = String::new();
    if plan.packages.is_empty() {
        return out;
    }
    out.push_str(&format!("{HEADING}release plan{HEADING:#}\n"));
    for p in &plan.packages {
        out.push_str(&format!(
            "  {} {} → {} ({}, tag `{}`)\n",
            p.name, p.old, p.new, p.level, p.tag
        ));
        for r in &p.reasons {
            out.push_str(&format!("      {DIM}{r}{DIM:#}\n"));
        }
    }
    if let Some(w) = &plan.workspace_version {
        out.push_str(&format!(
            "  [workspace.package] version {} → {}\n",
            w.old, w.new
        ));
    }
    if dry_run {
        for p in &plan.packages {
            out.push_str(&format!("\n{HEADING}{} changelog{HEADING:#}\n", p.name));
            out.push_str(&p.changelog);
        }
        out.push('\n');
    }
    out
}
