//! `consign build`: build the plan's artifacts into `target/distrib/`.

use crate::build;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::output::Printer;
use crate::plan::ArtifactMode;
use crate::settings::{self, Environment};

pub fn exec(args: &GlobalArgs, env: &Environment, printer: &Printer) -> anyhow::Result<()> {
    // Settings first: a bad `SOURCE_DATE_EPOCH` is reported before any work.
    let opts = settings::build(args, env, printer.is_quiet())?;
    let (ws, plan) = super::plan::load_and_plan(
        args,
        env,
        printer,
        ArtifactMode::Host,
        super::plan::DirtyTree::Refuse,
    )?;
    let progress = printer.progress();
    let outcome = build::build(&plan, &opts, &progress)?;
    drop(progress);
    for w in &outcome.warnings {
        printer.warn(w);
    }
    for name in &outcome.skipped {
        printer.verbose(&format!("not built yet by this version of consign: {name}"));
    }
    if !outcome.skipped.is_empty() {
        printer.warn(&format!(
            "installers are planned but not built by this version of consign yet: {}",
            crate::error::list(&outcome.skipped)
        ));
    }
    match args.output_format {
        OutputFormat::Json => printer.machine(&outcome.manifest.to_json_pretty()),
        OutputFormat::Human => {
            let mut text = String::new();
            for name in &outcome.reused {
                text.push_str(&format!("  reused   {name} (inputs unchanged)\n"));
            }
            for (path, size) in &outcome.written {
                let shown = path.strip_prefix(&ws.root).unwrap_or(path);
                text.push_str(&format!(
                    "  wrote    {} ({})\n",
                    shown.display(),
                    build::human_size(*size)
                ));
            }
            printer.human(&text);
        }
    }
    Ok(())
}
