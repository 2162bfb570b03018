//! `consign init`: ask (or take the defaults), write the config, migrate old
//! keys, add `[profile.dist]` and binstall metadata, then run `generate`.

use std::io::IsTerminal as _;

use crate::cli::{GlobalArgs, InitArgs, OutputFormat};
use crate::error::UserError;
use crate::init::{self, prompt::Terminal, Answers, InitPlan, Overrides};
use crate::output::Printer;
use crate::project;
use crate::project::config::{CiBackend, InstallerKind};
use crate::settings::{self, Environment};

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &InitArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let load = settings::load(global, env);
    let ws = project::load(&load)?;
    let overrides = Overrides {
        ci: (!args.ci.is_empty())
            .then(|| args.ci.iter().filter_map(|c| CiBackend::parse(c)).collect()),
        installers: global.installers.clone(),
        targets: global.targets.clone(),
        hosting: (!args.hosting.is_empty()).then(|| args.hosting.clone()),
        simple_download_url: args.simple_download_url.clone(),
        tap: args.tap.clone(),
        npm_scope: args.npm_scope.clone(),
    };
    let mut answers = Answers::defaults(&ws.config, &overrides);
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(UserError::new("`consign init` asks its questions on a terminal, and stdin is not one")
                .hint("pass `--yes` to accept the defaults; `--installer`, `--target`, `--ci`, `--hosting`, `--tap` and `--npm-scope` change them")
                .into());
        }
        answers = answers.ask(&mut Terminal)?;
    }
    answers.check()?;

    let mut done = init::plan_config(&ws, &answers)?;
    // Everything after this point is checked with the new files in place;
    // when a check fails, every file is put back as it was, so a failed
    // `init` leaves nothing changed.
    init::write_changes(&done.changes)?;
    let checked = (|| -> anyhow::Result<()> {
        // binstall metadata depends on the release the new config plans.
        let ws = project::load(&load)?;
        let binstall = init::plan_binstall(&ws)?;
        init::write_changes(&binstall.changes)?;
        done.extend(binstall);
        let wants_msi = answers.installers.contains(&InstallerKind::Msi);
        if !args.no_generate && (!answers.ci.is_empty() || wants_msi) {
            let ws = project::load(&load)?;
            crate::ci::generate(
                &ws,
                crate::ci::GenerateOptions {
                    check: true,
                    force: args.force,
                },
            )
            .and_then(|outcome| {
                let edited: Vec<String> = outcome
                    .files
                    .iter()
                    .filter(|c| c.state == crate::ci::FileState::HandEdited)
                    .map(|c| c.file.display.clone())
                    .collect();
                if edited.is_empty() || args.force {
                    return Ok(());
                }
                Err(UserError::new(format!(
                    "{} changed by hand, and `consign generate` would replace it",
                    crate::error::list(&edited)
                ))
                .hint("move the change into the dist config, or pass `--force` to replace the file")
                .into())
            })?;
        }
        Ok(())
    })();
    if let Err(e) = checked {
        undo(&done.changes);
        return Err(e.context("nothing was changed"));
    }

    report(&done, global, printer)?;
    let wants_msi = answers.installers.contains(&InstallerKind::Msi);
    if !args.no_generate && (!answers.ci.is_empty() || wants_msi) {
        let ws = project::load(&load)?;
        super::generate::after_init(&ws, args.force, printer)?;
    }
    if global.output_format == OutputFormat::Human {
        printer.human(
            "next steps:\n  1. review and commit these files\n  2. `consign plan` shows what a release builds\n  3. push a version tag (e.g. `git tag v1.2.3 && git push --tags`) to release\n",
        );
    }
    Ok(())
}

/// Put the files `changes` wrote back as they were (new files are removed).
fn undo(changes: &[init::FileChange]) {
    for c in changes.iter().rev() {
        let _ = match &c.before {
            Some(text) => crate::build::checksum::write_atomic(&c.path, text.as_bytes()),
            None => std::fs::remove_file(&c.path),
        };
    }
}

pub(super) fn report(
    done: &InitPlan,
    global: &GlobalArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    match global.output_format {
        OutputFormat::Json => printer.machine(&(serde_json::to_string_pretty(done)? + "\n")),
        OutputFormat::Human => {
            let mut out = String::new();
            for note in &done.notes {
                out.push_str(&format!("note: {note}\n"));
            }
            for c in &done.changes {
                out.push_str(&format!("{} {}\n", c.action, c.path.display()));
            }
            if done.changes.is_empty() {
                out.push_str("nothing to change: the config is up to date\n");
            }
            printer.human(&out);
        }
    }
    Ok(())
}
