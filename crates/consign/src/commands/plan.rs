//! `consign plan`: load the workspace, plan the release, and show the plan
//! (a tree for people, `dist-manifest.json` for programs).

use std::fmt::Write as _;

use consign_manifest::{ArtifactKind, DistManifest};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::UserError;
use crate::output::{Printer, DIM, HEADING};
use crate::plan::{self, ArtifactMode, Plan, PlanOptions};
use crate::project::{self, LoadOptions, Workspace};

pub fn exec(args: &GlobalArgs, printer: &Printer) -> anyhow::Result<()> {
    let (_, plan) = load_and_plan(args, printer, ArtifactMode::All)?;
    match args.output_format {
        OutputFormat::Json => printer.machine(&plan.manifest.to_json_pretty()),
        OutputFormat::Human => printer.human(&render_tree(&plan.manifest)),
    }
    Ok(())
}

/// Load the workspace, check the work tree, and plan: shared by every
/// command that starts from a plan.
pub fn load_and_plan(
    args: &GlobalArgs,
    printer: &Printer,
    default_mode: ArtifactMode,
) -> anyhow::Result<(Workspace, Plan)> {
    let ws = project::load(&LoadOptions {
        manifest_path: args.manifest_path.clone(),
    })?;
    for w in &ws.warnings {
        printer.warn(&w.to_string());
    }
    check_clean(&ws, args.allow_dirty, printer)?;
    crate::ci::ensure_in_sync(&ws)?;
    let opts = PlanOptions {
        tag: args.tag.clone(),
        targets: args.targets.clone(),
        installers: args.installers.clone(),
        artifacts: args.artifacts.unwrap_or(default_mode),
        host_target: crate::targets::host_triple().to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        every_app: false,
    };
    let plan = plan::plan(&ws, &opts)?;
    for w in &plan.warnings {
        printer.warn(w);
    }
    Ok((ws, plan))
}

fn check_clean(ws: &Workspace, allow_dirty: bool, printer: &Printer) -> anyhow::Result<()> {
    if ws.git.toplevel.is_none() {
        printer.warn(&format!(
            "`{}` is not in a git repository, so the release cannot be tied to a commit",
            ws.root.display()
        ));
        return Ok(());
    }
    if ws.git.dirty.is_empty() || allow_dirty {
        return Ok(());
    }
    const SHOWN: usize = 10;
    let mut files: String = ws
        .git
        .dirty
        .iter()
        .take(SHOWN)
        .map(|f| format!("\n  {f}"))
        .collect();
    if ws.git.dirty.len() > SHOWN {
        let _ = write!(files, "\n  ... and {} more", ws.git.dirty.len() - SHOWN);
    }
    let hint = if ws.git.dirty.iter().any(|f| f == "Cargo.lock") {
        "commit `Cargo.lock` (a release should build from locked dependencies) and any other changes, or pass `--allow-dirty`"
    } else {
        "commit or stash them so the release matches a commit, or pass `--allow-dirty`"
    };
    Err(UserError::new(format!(
        "the git work tree of `{}` has uncommitted changes:{files}",
        ws.root.display()
    ))
    .hint(hint)
    .into())
}

/// announcement → releases → artifacts → contents.
fn render_tree(m: &DistManifest) -> String {
    let mut out = String::new();
    let tag = m.announcement_tag.as_deref().unwrap_or("?");
    let mut notes = Vec::new();
    if m.announcement_tag_is_implicit {
        notes.push("inferred");
    }
    if m.announcement_is_prerelease {
        notes.push("prerelease");
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    let title = m
        .announcement_title
        .as_deref()
        .filter(|t| *t != tag)
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    let _ = writeln!(out, "{HEADING}announcing{HEADING:#} {tag}{notes}{title}");
    if m.releases.is_empty() {
        let _ = writeln!(out, "  {DIM}a library release: nothing to build{DIM:#}");
    }
    for r in &m.releases {
        let _ = writeln!(
            out,
            "  {HEADING}{}{HEADING:#} {}",
            r.app_name, r.app_version
        );
        for id in &r.artifacts {
            let Some(a) = m.artifacts.get(id) else {
                continue;
            };
            let kind = match a.kind {
                ArtifactKind::ExecutableZip => "archive",
                ArtifactKind::Installer => "installer",
                ArtifactKind::Checksum => "checksum",
                ArtifactKind::UnifiedChecksum => "unified checksum",
                ArtifactKind::SourceTarball => "source",
                ArtifactKind::Symbols => "symbols",
                ArtifactKind::ExtraArtifact => "extra",
                ArtifactKind::Updater => "updater",
                ArtifactKind::Sbom => "sbom",
                ArtifactKind::OmniborArtifactId => "omnibor id",
                ArtifactKind::Unknown => "other",
            };
            let _ = writeln!(out, "    {id} {DIM}[{kind}]{DIM:#}");
            for asset in &a.assets {
                let _ = writeln!(out, "      {}", asset.path.as_deref().unwrap_or_default());
            }
            if let Some(url) = &a.url {
                if a.kind != ArtifactKind::Checksum {
                    let _ = writeln!(out, "      {DIM}{url}{DIM:#}");
                }
            }
        }
    }
    out
}
