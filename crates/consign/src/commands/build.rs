//! `consign build`: build the plan's artifacts into `target/distrib/`.

use crate::build::{self, BuildOptions};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::UserError;
use crate::output::Printer;
use crate::plan::ArtifactMode;

pub fn exec(args: &GlobalArgs, printer: &Printer) -> anyhow::Result<()> {
    let (ws, plan) = super::plan::load_and_plan(
        args,
        printer,
        ArtifactMode::Host,
        super::plan::DirtyTree::Refuse,
    )?;
    let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().parse::<u64>().map_err(|_| {
            UserError::new(format!(
                "`SOURCE_DATE_EPOCH` is `{v}`, not a unix timestamp"
            ))
            .hint(
                "set it to seconds since 1970, e.g. `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`",
            )
        })?),
        _ => None,
    };
    let host = crate::targets::host_triple();
    let opts = BuildOptions {
        mode: args.artifacts.unwrap_or(ArtifactMode::Host),
        no_local_paths: args.no_local_paths,
        source_date_epoch,
        quiet: printer.is_quiet(),
        toolchain: build::cargo::Toolchain::detect(host),
    };
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
