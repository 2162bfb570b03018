//! `consign publish`: carry out the plan's publish steps (the channels in
//! `publish-jobs`), each by look, act, record. Every step runs even when an
//! earlier one failed; the command fails if any did.

use serde::Serialize;

use crate::channel::crates_io::CHANNEL as CRATES;
use crate::channel::{self, Outcome, PublishEnv};
use crate::cli::{GlobalArgs, OutputFormat, PublishArgs};
use crate::error::UserError;
use crate::host::journal::Journal;
use crate::output::Printer;
use crate::plan::ArtifactMode;
use crate::settings::{CratesSettings, Environment};

#[derive(Serialize)]
struct Line {
    channel: &'static str,
    outcome: &'static str,
    detail: String,
}

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &PublishArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let json = global.output_format == OutputFormat::Json;
    let crates_settings = CratesSettings::resolve(global, &args.crates, args.dry_run, env);
    // Crates alone need no release plan (no tag, no builds).
    if !args.only.is_empty() && args.only.iter().all(|c| c == CRATES) {
        let ws = crate::project::load(&crates_settings.load)?;
        super::publish_crates::exec(&crates_settings, &ws, json, printer)?;
        return Ok(());
    }
    let (ws, plan) = super::plan::load_and_plan(
        global,
        env,
        printer,
        ArtifactMode::All,
        super::plan::DirtyTree::Refuse,
    )?;
    let crates = args.only.iter().any(|c| c == CRATES)
        || (args.only.is_empty() && ws.config.publish_crates == Some(true));
    let only: Vec<&str> = args.only.iter().map(String::as_str).collect();
    let steps: Vec<_> = plan
        .publishes()
        .filter(|s| only.is_empty() || only.contains(&s.channel()))
        .collect();
    if steps.is_empty() && !crates {
        printer.human("nothing to publish: `publish-jobs` names no channel with something to publish (or this is a prerelease without `publish-prereleases`)\n");
        if global.output_format == OutputFormat::Json {
            printer.machine("[]\n");
        }
        return Ok(());
    }
    let dist = plan.layout.dist_dir.clone();
    std::fs::create_dir_all(&dist)
        .map_err(|e| UserError::new(format!("cannot create `{}`: {e}", dist.display())))?;
    let manifest = &plan.manifest;
    let repository = manifest
        .releases
        .first()
        .and_then(|r| r.hosting.github.as_ref())
        .map(|g| format!("{}/{}", g.owner, g.repo))
        .unwrap_or_default();
    let journal = Journal::open(
        &dist,
        manifest.announcement_tag.as_deref().unwrap_or_default(),
        &repository,
        None,
    )?;
    let report = |line: &str| printer.verbose(line);
    let env = PublishEnv {
        dist,
        dry_run: args.dry_run,
        journal: &journal,
        report: &report,
        env,
    };
    let mut lines = Vec::new();
    let mut failed = Vec::new();
    for step in steps {
        let (outcome, detail) = match channel::execute(step, &env) {
            Ok(o @ Outcome::AlreadyThere(_)) => ("already-there", o.detail().to_string()),
            Ok(o @ Outcome::Published(_)) => ("published", o.detail().to_string()),
            Ok(o @ Outcome::WouldPublish(_)) => ("would-publish", o.detail().to_string()),
            Err(e) => {
                printer.error(&anyhow::Error::new(e.clone()));
                failed.push(step.channel());
                ("failed", e.message.clone())
            }
        };
        if global.output_format == OutputFormat::Human && outcome != "failed" {
            printer.human(&format!("{}: {detail}\n", step.channel()));
        }
        lines.push(Line {
            channel: step.channel(),
            outcome,
            detail,
        });
    }
    if crates {
        // `publish-crates = true` (or `--only crates` beside other channels).
        let (outcome, detail) =
            match super::publish_crates::exec(&crates_settings, &ws, false, printer) {
                Ok(summary) => ("published", summary),
                Err(e) => {
                    printer.error(&e);
                    failed.push("crates");
                    ("failed", e.to_string())
                }
            };
        lines.push(Line {
            channel: "crates",
            outcome,
            detail,
        });
    }
    if global.output_format == OutputFormat::Json {
        printer.machine(&(serde_json::to_string_pretty(&lines)? + "\n"));
    }
    if !failed.is_empty() {
        return Err(UserError::new(format!(
            "publishing failed for {}",
            crate::error::list(&failed)
        ))
        .hint("fix the cause above and rerun `consign publish`: what was published is found and skipped")
        .into());
    }
    Ok(())
}
