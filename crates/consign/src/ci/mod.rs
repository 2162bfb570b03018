//! CI generation: `consign generate` writes the release workflow
//! (`.github/workflows/release.yml`) and, when an MSI is configured, each
//! app's `wix/main.wxs`, from the dist config.
//!
//! Three stages, so that nothing is written before everything is checked:
//!
//! 1. [`gather`] reads what the config points at besides the workspace (the
//!    `github-build-setup` file, the workflows custom jobs name, the MSI
//!    GUIDs). It is the only I/O before writing.
//! 2. [`render`] is pure: it checks the CI keys against the workspace (a
//!    custom runner for a target no app builds, a publish job that names
//!    nothing, ...) and renders every file in memory.
//! 3. [`generate`] compares the rendered files with those on disk and writes
//!    the stale ones atomically, or, with `check`, reports them as a diff.
//!
//! Every generated file carries a marker line with the SHA-256 of the rest
//! of the file. A file whose marker does not match its contents was edited
//! by hand, and [`generate`] refuses to replace it unless forced; a file whose
//! marker matches but whose contents differ from a fresh render is merely
//! stale (the config changed).
//!
//! **Invariant:** the workflow runs only consign commands and flags that
//! exist in [`crate::cli`] (a test parses every `consign ...` line of the
//! generated YAML with clap), and passes tokens through `env:`, never on a
//! command line.

mod github;
mod wix;

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::error::{Location, UserError};
use crate::plan::{Plan, PlanOptions};
use crate::project::config::{AllowDirty, CiBackend, DirtyAllowance, SourceFile};
use crate::project::Workspace;

pub use github::WORKFLOW_PATH;

/// actionlint's config, which consign writes when the workflow runs on
/// runner labels actionlint does not know (self-hosted or third-party).
pub const ACTIONLINT_PATH: &str = ".github/actionlint.yaml";

/// A file `consign generate` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Where it goes.
    pub path: PathBuf,
    /// Its path relative to the repository, for messages.
    pub display: String,
    /// The full contents, marker included.
    pub contents: String,
    /// Which `allow-dirty` entry lets it differ.
    pub kind: DirtyAllowance,
}

/// What [`render`] needs besides the workspace: file contents the config
/// points at, read by [`gather`].
#[derive(Clone, Debug, Default)]
pub struct CiInputs {
    /// The repository's top level (where `.github/` lives).
    pub repo_root: PathBuf,
    /// The version of the running consign, pinned when the config pins none.
    pub tool_version: String,
    /// `github-build-setup`: its path (relative to the repository) and text.
    pub build_setup: Option<(String, String)>,
    /// Workflow files in `.github/workflows/`: file name and text.
    pub workflows: Vec<(String, String)>,
    /// `.github/actionlint.yaml`, if there is one.
    pub actionlint_config: Option<String>,
    /// Per app with an MSI: the package's `Cargo.toml` and its GUIDs (upgrade,
    /// path), `None` when `[package.metadata.wix]` lacks them.
    pub msi_guids: Vec<MsiGuids>,
}

/// A package manifest with an MSI app and the GUIDs (upgrade, path) it
/// already stores, if any.
pub type MsiGuids = (PathBuf, Option<(String, String)>);

/// Whether the workspace asks for GitHub CI.
pub fn wants_github(ws: &Workspace) -> bool {
    ws.config
        .ci
        .as_ref()
        .is_some_and(|ci| ci.contains(&CiBackend::Github))
}

/// The repository's top level: git's, else the workspace root.
pub fn repo_root(ws: &Workspace) -> PathBuf {
    ws.git.toplevel.clone().unwrap_or_else(|| ws.root.clone())
}

/// The plan `generate` renders from: every app and every target, no tag,
/// so the workflow, `wix/main.wxs` and the build cannot disagree.
pub fn plan_for_ci(ws: &Workspace) -> Result<Plan, UserError> {
    crate::plan::plan(
        ws,
        &PlanOptions {
            every_app: true,
            host_target: crate::targets::host_triple().to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            ..PlanOptions::default()
        },
    )
}

/// Read what the config points at (the only I/O before [`render`]); the MSI
/// GUIDs only with the `plan` whose MSIs are rendered.
pub fn gather(ws: &Workspace, plan: Option<&Plan>) -> Result<CiInputs, UserError> {
    let repo_root = repo_root(ws);
    let mut inputs = CiInputs {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        ..CiInputs::default()
    };
    if let Some(setup) = &ws.config.github_build_setup {
        // cargo-dist reads the path relative to `.github/workflows/`.
        let rel = build_setup_path(setup).ok_or_else(|| {
            config_error(
                ws,
                &["github-build-setup"],
                format!("`github-build-setup` `{setup}` leads out of the repository"),
            )
            .hint("the path is relative to `.github/workflows/`, e.g. \"../build-setup.yml\" for `.github/build-setup.yml`")
        })?;
        let path = repo_root.join(&rel);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            config_error(
                ws,
                &["github-build-setup"],
                format!(
                    "`github-build-setup` names `{rel}`, which cannot be read: {e}"
                ),
            )
            .hint("the path is relative to `.github/workflows/`; create the file with a YAML list of steps, or remove the key")
        })?;
        inputs.build_setup = Some((rel, text));
    }
    inputs.actionlint_config = std::fs::read_to_string(repo_root.join(ACTIONLINT_PATH)).ok();
    let workflows_dir = repo_root.join(".github/workflows");
    if let Ok(rd) = std::fs::read_dir(&workflows_dir) {
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
            .collect();
        names.sort();
        for name in names {
            let text = std::fs::read_to_string(workflows_dir.join(&name)).unwrap_or_default();
            inputs.workflows.push((name, text));
        }
    }
    if let Some(plan) = plan {
        inputs.msi_guids = wix::read_guids(plan)?;
    }
    inputs.repo_root = repo_root;
    Ok(inputs)
}

/// `github-build-setup`, relative to `.github/workflows/` as cargo-dist
/// reads it, as a repository-relative path with `.`/`..` resolved; `None`
/// when it leads out of the repository.
pub(crate) fn build_setup_path(setup: &str) -> Option<String> {
    let mut parts: Vec<&str> = vec![".github", "workflows"];
    if setup.starts_with('/') {
        return None;
    }
    for part in setup.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The actionlint config declaring the workflow's runner labels that are
/// not GitHub-hosted, unless the user keeps their own config there.
fn actionlint_config(ws: &Workspace, inputs: &CiInputs) -> Option<String> {
    let labels = github::self_hosted_labels(ws);
    let theirs = inputs
        .actionlint_config
        .as_deref()
        .is_some_and(|t| !is_untouched(t));
    if labels.is_empty() || theirs {
        return None;
    }
    let mut body = String::from(
        "# Runner labels of the release workflow that are not GitHub-hosted, for actionlint.\nself-hosted-runner:\n  labels:\n",
    );
    for l in labels {
        body.push_str(&format!("    - {l}\n"));
    }
    Some(body)
}

/// Config the generated workflow leaves unused (action pins, runners for
/// targets nothing builds), for `generate` to warn about.
pub fn notices(ws: &Workspace) -> Vec<String> {
    if !wants_github(ws) {
        return Vec::new();
    }
    let mut out = github::notices(ws);
    let labels = github::self_hosted_labels(ws);
    let ours = std::fs::read_to_string(repo_root(ws).join(ACTIONLINT_PATH))
        .map(|t| is_untouched(&t))
        .unwrap_or(true);
    if !labels.is_empty() && !ours {
        out.push(format!(
            "`{ACTIONLINT_PATH}` is yours, so consign leaves it alone: list the runner labels {} under `self-hosted-runner.labels` for actionlint",
            crate::error::list(&labels)
        ));
    }
    out
}

/// Check the CI config and render every generated file: the workflows, and
/// with the `plan`, `wix/main.wxs` of its MSIs. Pure.
pub fn render(
    ws: &Workspace,
    plan: Option<&Plan>,
    inputs: &CiInputs,
) -> Result<Vec<GeneratedFile>, UserError> {
    let mut files = Vec::new();
    if wants_github(ws) {
        let body = github::render(&github::plan(ws, inputs)?)?;
        files.push(GeneratedFile {
            path: inputs.repo_root.join(WORKFLOW_PATH),
            display: WORKFLOW_PATH.to_string(),
            contents: stamp(&body, Syntax::Hash),
            kind: DirtyAllowance::Ci,
        });
        if let Some(body) = actionlint_config(ws, inputs) {
            files.push(GeneratedFile {
                path: inputs.repo_root.join(ACTIONLINT_PATH),
                display: ACTIONLINT_PATH.to_string(),
                contents: stamp(&body, Syntax::Hash),
                kind: DirtyAllowance::Ci,
            });
        }
    }
    if let Some(workflow) = github::plan_release_pr(ws, inputs)? {
        let body = github::render_release_pr(&workflow)?;
        files.push(GeneratedFile {
            path: inputs.repo_root.join(github::RELEASE_PR_PATH),
            display: github::RELEASE_PR_PATH.to_string(),
            contents: stamp(&body, Syntax::Hash),
            kind: DirtyAllowance::Ci,
        });
    }
    let wix = match plan {
        Some(plan) => wix::render(plan, inputs)?,
        None => Vec::new(),
    };
    for (path, body) in wix {
        let display = path
            .strip_prefix(&inputs.repo_root)
            .unwrap_or(&path)
            .display()
            .to_string();
        files.push(GeneratedFile {
            path,
            display,
            contents: stamp(&body, Syntax::Xml),
            kind: DirtyAllowance::Msi,
        });
    }
    Ok(files)
}

/// How a generated file differs from what is on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    /// Identical.
    UpToDate,
    /// Not there yet.
    Missing,
    /// Written by consign from an older config.
    Stale,
    /// Generated by cargo-dist (its header says so): replaced without
    /// `--force`, since switching from cargo-dist is one command.
    FromCargoDist,
    /// Changed by hand since consign wrote it (or not written by consign).
    HandEdited,
}

/// One generated file compared with the disk.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The file as it should be.
    pub file: GeneratedFile,
    /// How the disk differs.
    pub state: FileState,
    /// A unified diff from the disk to the expected contents (empty when up to date).
    pub diff: String,
}

/// Compare rendered files with the disk.
pub fn compare(files: Vec<GeneratedFile>) -> Vec<Comparison> {
    files
        .into_iter()
        .map(|file| {
            let current = std::fs::read_to_string(&file.path).ok();
            let state = match &current {
                None => FileState::Missing,
                Some(c) if *c == file.contents => FileState::UpToDate,
                Some(c) if is_untouched(c) => FileState::Stale,
                Some(c) if from_cargo_dist(c) => FileState::FromCargoDist,
                Some(_) => FileState::HandEdited,
            };
            let diff = if state == FileState::UpToDate {
                String::new()
            } else {
                unified_diff(
                    current.as_deref().unwrap_or(""),
                    &file.contents,
                    &file.display,
                )
            };
            Comparison { file, state, diff }
        })
        .collect()
}

/// `consign generate`'s options.
#[derive(Clone, Copy, Debug, Default)]
pub struct GenerateOptions {
    /// Write nothing; report stale files.
    pub check: bool,
    /// Replace files edited by hand.
    pub force: bool,
}

/// What `consign generate` did.
#[derive(Clone, Debug, Default)]
pub struct GenerateOutcome {
    /// Every generated file, compared with the disk before writing.
    pub files: Vec<Comparison>,
    /// Files written (none with `check`).
    pub written: Vec<PathBuf>,
}

impl GenerateOutcome {
    /// The files that differ from the disk.
    pub fn stale(&self) -> impl Iterator<Item = &Comparison> {
        self.files.iter().filter(|c| c.state != FileState::UpToDate)
    }
}

/// Render, check and write (or with `check`, only compare) every generated
/// file. Nothing is written unless every check passed. This is what
/// `consign init` calls once the config is in place.
pub fn generate(ws: &Workspace, opts: GenerateOptions) -> anyhow::Result<GenerateOutcome> {
    let plan = plan_for_ci(ws)?;
    if !wants_github(ws) && !wix::wants_msi(&plan) {
        return Err(UserError::new(
            "there is nothing to generate: `ci` does not list `github` and no app has an MSI installer",
        )
        .hint("add `ci = [\"github\"]` to the dist config (`consign init` does this)")
        .into());
    }
    let mut inputs = gather(ws, Some(&plan))?;
    let files = compare(render(ws, Some(&plan), &inputs)?);
    if opts.check {
        return Ok(GenerateOutcome {
            files,
            written: Vec::new(),
        });
    }
    let edited: Vec<&Comparison> = files
        .iter()
        .filter(|c| c.state == FileState::HandEdited)
        .collect();
    if !edited.is_empty() && !opts.force {
        let names: Vec<String> = edited.iter().map(|c| c.file.display.clone()).collect();
        let diffs: String = edited.iter().map(|c| c.diff.as_str()).collect();
        return Err(UserError::new(format!(
            "{} changed by hand since consign generated {}; not overwriting:\n{diffs}",
            crate::error::list(&names),
            if names.len() == 1 { "it" } else { "them" },
        ))
        .hint("move the change into the dist config (the diff shows what regenerating would undo), or pass `--force` to replace the file")
        .into());
    }
    let mut outcome = GenerateOutcome {
        files,
        written: Vec::new(),
    };
    if wix::write_missing_guids(&inputs)? {
        // Everything checked out; the MSI GUIDs are now stored in the
        // manifests, so render again with them.
        inputs.msi_guids = wix::read_guids(&plan)?;
        outcome.files = compare(render(ws, Some(&plan), &inputs)?);
        outcome
            .written
            .extend(inputs.msi_guids.iter().map(|(p, _)| p.clone()));
    }
    for c in &outcome.files {
        if c.state == FileState::UpToDate {
            continue;
        }
        if let Some(dir) = c.file.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                UserError::new(format!("failed to create `{}`: {e}", dir.display()))
            })?;
        }
        crate::build::checksum::write_atomic(&c.file.path, c.file.contents.as_bytes()).map_err(
            |e| UserError::new(format!("failed to write `{}`: {e}", c.file.path.display())),
        )?;
        outcome.written.push(c.file.path.clone());
    }
    Ok(outcome)
}

/// The drift check `plan` and `build` run: an error when the CI workflow
/// differs from what `consign generate` would write, unless `allow-dirty`
/// allows it. `wix/main.wxs` is left out: it is commonly customised by
/// hand, and `build` takes it as it is (the version is given to wixl at build
/// time, so a version bump does not make it stale).
pub fn ensure_in_sync(ws: &Workspace) -> anyhow::Result<()> {
    let allowed = match &ws.config.allow_dirty {
        Some(AllowDirty::All(all)) => *all,
        Some(AllowDirty::Only(kinds)) => kinds.contains(&DirtyAllowance::Ci),
        None => false,
    };
    if !wants_github(ws) || allowed {
        return Ok(());
    }
    // Only the workflows count here (`wix/main.wxs` is `generate`'s), and
    // they are rendered from the config alone, so no plan is made.
    let inputs = gather(ws, None)?;
    let stale: Vec<Comparison> = compare(render(ws, None, &inputs)?)
        .into_iter()
        .filter(|c| c.state != FileState::UpToDate && c.file.kind == DirtyAllowance::Ci)
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    if stale.iter().all(|c| c.state == FileState::FromCargoDist) {
        let names: Vec<&str> = stale.iter().map(|c| c.file.display.as_str()).collect();
        return Err(UserError::new(format!(
            "{} came from cargo-dist",
            crate::error::list(&names)
        ))
        .hint("run `consign generate` to replace it with consign's workflow (no `--force` needed)")
        .into());
    }
    Err(stale_error(&stale).into())
}

/// The error for files that differ from a fresh render: names, the diff,
/// and the hint to run `consign generate`.
pub fn stale_error(stale: &[Comparison]) -> UserError {
    let mut lines = String::new();
    for c in stale {
        let why = match c.state {
            FileState::Missing => "missing",
            FileState::Stale => "out of date with the dist config",
            FileState::HandEdited => "edited by hand",
            FileState::FromCargoDist => "generated by cargo-dist",
            FileState::UpToDate => "up to date",
        };
        lines.push_str(&format!("\n  {} ({why})", c.file.display));
    }
    let diffs: String = stale.iter().map(|c| c.diff.as_str()).collect();
    let kinds: Vec<&str> = stale.iter().map(|c| c.file.kind.as_str()).collect();
    UserError::new(format!(
        "generated files do not match the dist config:{lines}\n\n{diffs}"
    ))
    .hint(format!(
        "run `consign generate` to update them (or allow the difference with `allow-dirty = [{}]`)",
        kinds
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A unified diff of `old` → `new`, labelled with `name`.
fn unified_diff(old: &str, new: &str, name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

const MARKER: &str = "consign-generated sha256:";

/// Comment syntax of a generated file.
#[derive(Clone, Copy)]
enum Syntax {
    /// `# ...` (YAML), marker first.
    Hash,
    /// `<!-- ... -->` (XML), marker after the XML declaration.
    Xml,
}

/// `body` with a marker line holding the hash of `body`.
fn stamp(body: &str, syntax: Syntax) -> String {
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    match syntax {
        Syntax::Hash => format!("# {MARKER}{hash}\n{body}"),
        Syntax::Xml => match body.split_once('\n') {
            Some((decl, rest)) if decl.starts_with("<?xml") => {
                format!("{decl}\n<!-- {MARKER}{hash} -->\n{rest}")
            }
            _ => format!("<!-- {MARKER}{hash} -->\n{body}"),
        },
    }
}

/// Whether `text` is a file cargo-dist generated: its header (the first
/// comment lines) says it was generated by dist or cargo-dist.
fn from_cargo_dist(text: &str) -> bool {
    text.lines()
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .take(20)
        .any(|l| {
            let l = l.to_ascii_lowercase();
            (l.contains("generated by dist") || l.contains("generated by cargo-dist"))
                || (l.contains("autogenerated by") && l.contains("dist"))
        })
}

/// Whether `text` carries a marker matching its contents (consign wrote it
/// and nobody changed it since).
fn is_untouched(text: &str) -> bool {
    let mut found = None;
    let mut rest = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if found.is_none() {
            if let Some(i) = line.find(MARKER) {
                let hash: String = line[i + MARKER.len()..]
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .collect();
                found = Some(hash);
                continue;
            }
        }
        rest.push_str(line);
    }
    found.is_some_and(|h| h == hex::encode(Sha256::digest(rest.as_bytes())))
}

/// An error about a workspace-level config key, located at the key's value
/// when the config file can be read again.
pub(crate) fn config_error(ws: &Workspace, keys: &[&str], message: String) -> UserError {
    located(ws, keys, UserError::new(message))
}

/// `e`, pointing at `keys` in the workspace config file when they are there.
pub(crate) fn located(ws: &Workspace, keys: &[&str], e: UserError) -> UserError {
    match locate_key(ws, keys) {
        Some(loc) => e.at(loc),
        None => e,
    }
}

/// The location of `keys` (a path below the dist table) in the workspace
/// config file.
fn locate_key(ws: &Workspace, keys: &[&str]) -> Option<Location> {
    let origin = ws.config_origin.as_ref()?;
    let file = SourceFile::read(&origin.path).ok()?;
    let doc = file.parse().ok()?;
    let mut item = doc.as_item();
    for part in origin.table.split('.') {
        item = item.get(part)?;
    }
    let mut span = None;
    for key in keys {
        if let Some(table) = item.as_table_like() {
            // Point at the key itself when it is the last one asked for.
            span = table.key(key).and_then(|k| k.span()).or(span);
        }
        match item.get(key) {
            Some(next) => item = next,
            None => {
                // An array entry: find the value equal to `key`.
                let arr = item.as_array()?;
                let v = arr.iter().find(|v| v.as_str() == Some(key))?;
                return file.locate(v.span());
            }
        }
    }
    file.locate(item.span().or(span))
}

/// Path of `path` relative to `base` with `/` separators ("" when equal).
fn relative(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_dist_headers_are_recognised() {
        assert!(from_cargo_dist(
            "# This file was autogenerated by dist: https://opensource.axo.dev/cargo-dist/\n#\nname: Release\n"
        ));
        assert!(from_cargo_dist(
            "# Copyright 2022-2024, axodotdev\n# SPDX-License-Identifier: MIT or Apache-2.0\n#\n# CI that:\n# This file was autogenerated by cargo-dist: https://opensource.axo.dev/cargo-dist/\nname: Release\n"
        ));
        assert!(!from_cargo_dist("name: Release\n# generated by dist\n"));
        assert!(!from_cargo_dist(
            "# my own release workflow\nname: Release\n"
        ));
    }

    #[test]
    fn build_setup_is_relative_to_the_workflows_directory() {
        assert_eq!(
            build_setup_path("../build-setup.yml").as_deref(),
            Some(".github/build-setup.yml")
        );
        assert_eq!(
            build_setup_path("setup.yml").as_deref(),
            Some(".github/workflows/setup.yml")
        );
        assert_eq!(
            build_setup_path("./../../ci/setup.yml").as_deref(),
            Some("ci/setup.yml")
        );
        assert_eq!(build_setup_path("../../../setup.yml"), None);
        assert_eq!(build_setup_path("/etc/setup.yml"), None);
    }

    #[test]
    fn marker_tells_stale_from_hand_edited() {
        let yaml = stamp("name: Release\n", Syntax::Hash);
        assert!(yaml.starts_with("# consign-generated sha256:"));
        assert!(is_untouched(&yaml));
        assert!(!is_untouched(&yaml.replace("Release", "Ship")));
        assert!(!is_untouched("name: Release\n"), "no marker: not ours");

        let xml = stamp("<?xml version='1.0'?>\n<Wix/>\n", Syntax::Xml);
        assert!(xml.starts_with("<?xml version='1.0'?>\n<!-- consign-generated"));
        assert!(is_untouched(&xml));
        assert!(!is_untouched(&xml.replace("<Wix/>", "<Wix></Wix>")));
    }

    #[test]
    fn diff_is_unified_and_labelled() {
        let d = unified_diff("a\nb\n", "a\nc\n", ".github/workflows/release.yml");
        assert!(d.contains("--- a/.github/workflows/release.yml"));
        assert!(d.contains("+++ b/.github/workflows/release.yml"));
        assert!(d.contains("-b\n+c\n"), "{d}");
    }
}
