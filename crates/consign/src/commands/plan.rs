//! `consign plan`: load the workspace, plan the release, and show the plan
//! (a tree for people, `dist-manifest.json` for programs).

use std::fmt::Write as _;

use consign_manifest::{ArtifactKind, DistManifest};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::UserError;
use crate::output::{Printer, DIM, HEADING};
use crate::plan::{self, ArtifactMode, FileSource, Plan};
use crate::project::{self, Workspace};
use crate::settings::{self, Environment};

pub fn exec(args: &GlobalArgs, env: &Environment, printer: &Printer) -> anyhow::Result<()> {
    let (_, plan) = load_and_plan(args, env, printer, ArtifactMode::All, DirtyTree::Warn)?;
    match args.output_format {
        OutputFormat::Json => printer.machine(&plan.manifest.to_json_pretty()),
        OutputFormat::Human => printer.human(&render_tree(&plan.manifest)),
    }
    Ok(())
}

/// With `-v`: what the plan decided and why.
fn show_decisions(plan: &Plan, printer: &Printer) {
    let m = &plan.manifest;
    let tag = m.announcement_tag.as_deref().unwrap_or("?");
    printer.verbose(&format!(
        "tag `{tag}`{}",
        if m.announcement_tag_is_implicit {
            " (inferred: every app has this version)"
        } else {
            ""
        }
    ));
    for r in &m.releases {
        printer.verbose(&format!("releasing `{}` {}", r.app_name, r.app_version));
    }
    for b in plan.builds() {
        printer.verbose(&format!(
            "building {} for `{}`",
            crate::error::list(&b.packages),
            b.target
        ));
    }
    for name in m.artifacts.keys() {
        printer.verbose(&format!("artifact {name}"));
    }
}

/// What a dirty work tree means to a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirtyTree {
    /// It writes nothing (`plan`): a dirty tree is only a warning.
    Warn,
    /// It builds the release (`build`): changes to tracked files and
    /// untracked files that go into the release are refused.
    Refuse,
}

/// Load the workspace, plan, then check the generated CI and the work tree:
/// shared by every command that starts from a plan. Config errors come
/// first, before any drift diff or dirty-tree report.
pub fn load_and_plan(
    args: &GlobalArgs,
    env: &Environment,
    printer: &Printer,
    default_mode: ArtifactMode,
    dirty: DirtyTree,
) -> anyhow::Result<(Workspace, Plan)> {
    let ws = project::load(&settings::load(args, env))?;
    for w in &ws.warnings {
        printer.warn(&w.to_string());
    }
    let opts = settings::plan(args, default_mode);
    // The drift check renders the workflows from the config (no plan): it
    // runs beside the release plan, and its verdict is reported after the
    // plan's own errors.
    let (plan, drift) = std::thread::scope(|s| {
        let drift = s.spawn(|| crate::ci::ensure_in_sync(&ws));
        (plan::plan(&ws, &opts), drift.join())
    });
    let plan = plan?;
    show_decisions(&plan, printer);
    drift.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    check_clean(&ws, &plan, args.allow_dirty, dirty, printer)?;
    for w in &plan.warnings {
        printer.warn(w);
    }
    Ok((ws, plan))
}

/// The dirty files (relative to the workspace) that would make a release
/// differ from its commit: changed tracked files, and untracked files the
/// build reads or packs (sources, manifests, archive contents). An
/// untracked `Cargo.lock` is left to the caller.
fn release_dirt<'a>(ws: &'a Workspace, plan: &Plan) -> Vec<&'a str> {
    let packed: Vec<String> = plan
        .archives()
        .flat_map(|a| &a.files)
        .filter_map(|f| match &f.source {
            FileSource::Path(p) => p
                .strip_prefix(&ws.root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/")),
            FileSource::Binary { .. } => None,
        })
        .collect();
    ws.git
        .dirty
        .iter()
        .filter(|f| {
            if f.as_str() == "Cargo.lock" {
                return false;
            }
            if !ws.git.untracked.contains(f) {
                return true;
            }
            f.ends_with(".rs")
                || f.ends_with("Cargo.toml")
                || packed
                    .iter()
                    .any(|p| f.as_str() == p || f.starts_with(&format!("{p}/")))
        })
        .map(String::as_str)
        .collect()
}

fn check_clean(
    ws: &Workspace,
    plan: &Plan,
    allow_dirty: bool,
    dirty: DirtyTree,
    printer: &Printer,
) -> anyhow::Result<()> {
    if ws.git.toplevel.is_none() {
        printer.warn(&format!(
            "`{}` is not in a git repository, so the release cannot be tied to a commit",
            ws.root.display()
        ));
        return Ok(());
    }
    let lock_committed = !ws.git.untracked.iter().any(|f| f == "Cargo.lock")
        && (ws.root.join("Cargo.lock").is_file() || dirty == DirtyTree::Warn);
    if !allow_dirty && !lock_committed {
        printer.warn("`Cargo.lock` is not committed: commit Cargo.lock for a locked release");
    }
    let files: Vec<&str> = match dirty {
        DirtyTree::Warn => ws.git.dirty.iter().map(String::as_str).collect(),
        DirtyTree::Refuse => release_dirt(ws, plan),
    };
    for f in ws.git.dirty.iter().filter(|f| !files.contains(&f.as_str())) {
        printer.verbose(&format!(
            "uncommitted `{f}` is not part of the release: not refusing the build"
        ));
    }
    if files.is_empty() || allow_dirty {
        return Ok(());
    }
    const SHOWN: usize = 10;
    let mut list: String = files
        .iter()
        .take(SHOWN)
        .map(|f| format!("\n  {f}"))
        .collect();
    if files.len() > SHOWN {
        let _ = write!(list, "\n  ... and {} more", files.len() - SHOWN);
    }
    let message = format!(
        "the git work tree of `{}` has uncommitted changes:{list}",
        ws.root.display()
    );
    match dirty {
        DirtyTree::Warn => {
            printer.warn(&format!(
                "{message}\n`consign build` refuses changed tracked files and uncommitted files that go into the release"
            ));
            Ok(())
        }
        DirtyTree::Refuse => Err(UserError::new(message)
            .hint("commit or stash them so the release matches a commit, or pass `--allow-dirty`")
            .into()),
    }
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
