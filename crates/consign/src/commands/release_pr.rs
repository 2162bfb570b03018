//! `consign release-pr`: the prepare step of the release-PR flow. Load,
//! walk the history once, plan (pure), print; then, unless `--dry-run`,
//! edit the files on the release branch, push it, and open or update the
//! one release PR labelled `consign: pending`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::cli::{BumpArg, GlobalArgs, OutputFormat, ReleasePrArgs};
use crate::error::UserError;
use crate::host::github::Token;
use crate::output::{Printer, DIM, HEADING};
use crate::project::{self, LoadOptions};
use crate::release::bump::{BumpRequest, Level, Prerelease};
use crate::release::prepare::{self, Options, ReleasePlan};
use crate::release::pulls::{self, NewPull};
use crate::release::{apply, branch, inputs, DEFAULT_BRANCH, LABEL_PENDING};

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

pub fn exec(global: &GlobalArgs, args: &ReleasePrArgs, printer: &Printer) -> anyhow::Result<()> {
    let prerelease = args
        .prerelease
        .as_deref()
        .map(|p| {
            p.parse::<Prerelease>().map_err(|why| {
                UserError::new(format!("`--prerelease {p}`: {why}"))
                    .hint("pass a label with an optional number: `--prerelease rc.1`, `--prerelease beta`")
            })
        })
        .transpose()?;
    let ws = project::load(&LoadOptions {
        manifest_path: global.manifest_path.clone(),
    })?;
    if !ws.git.dirty.is_empty() {
        let err = UserError::new(format!(
            "the work tree has uncommitted changes: {}",
            crate::error::list(&ws.git.dirty)
        ))
        .hint("commit or stash them first: the versions and changelogs come from the commits, and the release branch is made from `HEAD`");
        if !args.dry_run {
            return Err(err.into());
        }
        printer.warn(&format!(
            "{}; the plan reads the committed history",
            err.message
        ));
    }
    let gathered = inputs::gather(&ws)?;
    let branch_name = ws
        .config
        .release_pr_branch
        .clone()
        .unwrap_or_else(|| DEFAULT_BRANCH.to_string());
    let opts = Options {
        bump: match args.bump {
            BumpArg::Auto => BumpRequest::Auto,
            BumpArg::Patch => BumpRequest::Forced(Level::Patch),
            BumpArg::Minor => BumpRequest::Forced(Level::Minor),
            BumpArg::Major => BumpRequest::Forced(Level::Major),
        },
        prerelease,
        group: args.group.clone(),
        date: today(),
    };
    let plan = prepare::prepare(&gathered.input, &opts)?;
    let nothing = plan.packages.is_empty();

    let mut pull = None;
    if !args.dry_run && (!nothing || args.force) {
        let token = Token::required("set `GITHUB_TOKEN` to a token with `contents: write` and `pull-requests: write` (in GitHub Actions, give the job those permissions), or use `--dry-run` to see the plan")?;
        let client = super::release::repository_client(&ws, token, printer)?;
        let base = branch::current_branch(&gathered.repo_root)
            .or_else(|| std::env::var("GITHUB_REF_NAME").ok().filter(|s| !s.is_empty()))
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
                dry_run: args.dry_run,
                branch: &branch_name,
                plan: &plan,
                pull_request: pull,
            };
            printer.machine(&(serde_json::to_string_pretty(&report)? + "\n"));
        }
        OutputFormat::Human => {
            let mut out = render(&plan, args.dry_run);
            for p in &plan.pending {
                out.push_str(&format!(
                    "left out: {} {} is not released yet (no tag `{}`; last release `{}`): run `consign release` for it\n",
                    p.name, p.version, p.tag, p.last_tag
                ));
            }
            if nothing && !args.force && !plan.pending.is_empty() {
                out.push_str("nothing new to propose until those versions are released\n");
            } else if nothing && !args.force {
                out.push_str(
                    "nothing to release: no package has changed since its last release tag\n",
                );
            } else if let Some(p) = &pull {
                let verb = if p.created { "opened" } else { "updated" };
                out.push_str(&format!(
                    "{verb} pull request #{} from `{branch_name}`: {}\n",
                    p.number, p.url
                ));
            } else if args.dry_run {
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

/// Today's date (UTC, `YYYY-MM-DD`), or that of `SOURCE_DATE_EPOCH`.
fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
