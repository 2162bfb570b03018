//! `consign linkage`: the dynamic libraries and glibc floor of built binaries.

use std::fmt::Write as _;
use std::path::PathBuf;

use consign_manifest::Linkage;

use crate::build::{self, linkage};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::output::{Printer, HEADING};
use crate::project;
use crate::settings::{self, Environment};

pub fn exec(
    args: &GlobalArgs,
    env: &Environment,
    paths: &[PathBuf],
    printer: &Printer,
) -> anyhow::Result<()> {
    let entries: Vec<Linkage> = if paths.is_empty() {
        let ws = project::load(&settings::load(args, env))?;
        let manifest = build::read_manifest(
            &ws.distrib_dir(),
            "to read linkage from",
            "run `consign build` first, or pass binaries: `consign linkage path/to/binary`",
        )?;
        manifest.linkage
    } else {
        paths
            .iter()
            .map(|p| {
                let r = linkage::inspect(p)?;
                Ok(Linkage {
                    binary: p.display().to_string(),
                    target: String::new(),
                    needed: r.needed,
                    glibc_floor: r.glibc_floor.as_ref().map(|g| g.version_string()),
                    glibc_floor_symbol: r.glibc_floor.map(|g| g.symbol),
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    match args.output_format {
        OutputFormat::Json => printer.machine(&(serde_json::to_string_pretty(&entries)? + "\n")),
        OutputFormat::Human => {
            let mut out = String::new();
            for l in &entries {
                let target = if l.target.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", l.target)
                };
                let _ = writeln!(out, "{HEADING}{}{HEADING:#}{target}", l.binary);
                match (&l.glibc_floor, &l.glibc_floor_symbol) {
                    (Some(v), Some(s)) => {
                        let _ = writeln!(out, "  glibc floor: {v} (raised by `{s}`)");
                    }
                    (Some(v), None) => {
                        let _ = writeln!(out, "  glibc floor: {v}");
                    }
                    _ => {}
                }
                if l.needed.is_empty() {
                    let _ = writeln!(out, "  statically linked: needs no shared libraries");
                }
                for lib in &l.needed {
                    let _ = writeln!(out, "  needs {lib}");
                }
            }
            printer.human(&out);
        }
    }
    Ok(())
}
