//! `consign generate`: write the CI workflow (and `wix/main.wxs`) from the
//! config, or with `--check` report the files that are stale.

use crate::ci::{self, FileState, GenerateOptions};
use crate::cli::{GenerateArgs, GlobalArgs};
use crate::output::Printer;
use crate::project::{self, Workspace};
use crate::settings::{self, Environment};

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &GenerateArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let ws = project::load(&settings::load(global, env))?;
    for w in &ws.warnings {
        printer.warn(&w.to_string());
    }
    for n in ci::notices(&ws) {
        printer.warn(&n);
    }
    run(&ws, args.check, args.force, printer)
}

fn run(ws: &Workspace, check: bool, force: bool, printer: &Printer) -> anyhow::Result<()> {
    let outcome = ci::generate(ws, GenerateOptions { check, force })?;
    if check {
        let stale: Vec<ci::Comparison> = outcome.stale().cloned().collect();
        if !stale.is_empty() {
            return Err(ci::stale_error(&stale).into());
        }
        printer.human("  generated files are up to date\n");
        return Ok(());
    }
    let mut text = String::new();
    for c in &outcome.files {
        let verb = match c.state {
            FileState::UpToDate => "unchanged",
            FileState::Missing => "wrote",
            FileState::Stale => "updated",
            FileState::HandEdited | FileState::FromCargoDist => "replaced",
        };
        text.push_str(&format!("  {verb:<9} {}\n", c.file.display));
    }
    printer.human(&text);
    Ok(())
}

/// Run `generate` at the end of `consign init`, on the config init wrote.
pub(super) fn after_init(ws: &Workspace, force: bool, printer: &Printer) -> anyhow::Result<()> {
    run(ws, false, force, printer)
}
