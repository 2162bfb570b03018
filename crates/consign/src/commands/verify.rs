//! `consign verify`: prove the installers work before anything is published.

use std::fmt::Write as _;
use std::time::Duration;

use crate::build;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::UserError;
use crate::output::{Printer, HEADING};
use crate::settings::{self, Environment};
use crate::verify;

pub fn exec(
    args: &GlobalArgs,
    env: &Environment,
    timeout: u64,
    version_args: Option<&str>,
    printer: &Printer,
) -> anyhow::Result<()> {
    // The plan says which artifact is which installer.
    let (ws, plan) = super::plan::load_and_plan(
        args,
        env,
        printer,
        crate::plan::ArtifactMode::All,
        super::plan::DirtyTree::Warn,
    )?;
    let kinds = plan
        .installers()
        .map(|i| (i.artifact.clone(), i.kind))
        .collect();
    let version_args = settings::verify_version_args(version_args, &ws);
    let dist = plan.layout.dist_dir.clone();
    let manifest = build::read_manifest(
        &dist,
        "to verify",
        "run `consign build` (with the installers and this host's archive) first",
    )?;
    let report = verify::verify(
        &dist,
        &manifest,
        &kinds,
        crate::targets::host_triple(),
        Duration::from_secs(timeout),
        &version_args,
    )?;
    match args.output_format {
        OutputFormat::Json => printer.machine(&(serde_json::to_string_pretty(&report)? + "\n")),
        OutputFormat::Human => printer.human(&render(&report)),
    }
    if report.results.is_empty() {
        return Err(UserError::new("no installer could be verified on this machine")
            .hint("build the shell installer and this host's archive first: `consign build --artifacts=host`")
            .into());
    }
    if !report.passed() {
        let failed = report.results.iter().filter(|r| !r.passed).count();
        return Err(UserError::new(format!(
            "{failed} of {} installer runs failed",
            report.results.len()
        ))
        .hint("the table above shows which checks failed; rerun with `-o json` for every detail")
        .into());
    }
    Ok(())
}

fn render(report: &verify::VerifyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{HEADING}{:<28} {:<11} {:<8} {:<8} {:<8} {:<8} {:<8} {:>8}{HEADING:#}",
        "installer", "shell", "install", "receipt", "runs", "path", "rerun", "time"
    );
    for r in &report.results {
        let mark = |name: &str| {
            r.checks
                .iter()
                .find(|c| c.name == name)
                .map_or("-", |c| if c.ok { "pass" } else { "FAIL" })
        };
        let _ = writeln!(
            out,
            "{:<28} {:<11} {:<8} {:<8} {:<8} {:<8} {:<8} {:>6}ms",
            r.installer,
            r.shell,
            mark("install"),
            mark("receipt"),
            mark("runs"),
            mark("path"),
            mark("rerun"),
            r.install_ms
        );
        for c in r.checks.iter().filter(|c| !c.ok) {
            let _ = writeln!(out, "    {}: {}", c.name, c.detail);
        }
    }
    // The same note comes from every shell: show each once.
    let notes: std::collections::BTreeSet<&String> =
        report.results.iter().flat_map(|r| &r.notes).collect();
    for note in notes {
        let _ = writeln!(out, "note: {note}");
    }
    for s in &report.skipped {
        let _ = writeln!(out, "skipped {}: {}", s.what, s.reason);
    }
    out
}
