//! Everything `release-pr` reads before planning, gathered in one place:
//! the members (versions, `version.workspace`, workspace dependencies,
//! `publish`), their files, the config, and the commits of the one history
//! walk. The plan ([`super::prepare`]) then needs nothing else.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use semver::Version;
use toml_edit::{DocumentMut, Item};

use super::apply::MemberFiles;
use super::history::{self, Tracked};
use super::prepare::{Input, Member};
use super::TagStyle;
use crate::error::UserError;
use crate::project::Workspace;

/// What [`gather`] found.
#[derive(Clone, Debug)]
pub struct Gathered {
    /// The plan's input.
    pub input: Input,
    /// Each member's files.
    pub files: Vec<MemberFiles>,
    /// The git repository's top level.
    pub repo_root: PathBuf,
}

fn read_doc(path: &Path) -> anyhow::Result<DocumentMut> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    text.parse::<DocumentMut>()
        .with_context(|| format!("`{}` is not valid TOML", path.display()))
}

/// `path` relative to `root`, `/`-separated (`""` for the root itself).
fn relative(path: &Path, root: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let rel = path.strip_prefix(root).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Gather the plan's input from a loaded workspace and its git history.
pub fn gather(ws: &Workspace) -> anyhow::Result<Gathered> {
    let repo_root = ws
        .git
        .toplevel
        .clone()
        .ok_or_else(|| {
            UserError::new(format!(
                "`{}` is not in a git repository",
                ws.root.display()
            ))
            .hint("`consign release-pr` reads the commits since each package's last release tag; run it in the repository's clone")
        })?
        .canonicalize()
        .context("cannot resolve the repository's top level")?;
    let root_doc = read_doc(&ws.root.join("Cargo.toml"))?;
    let workspace_version = root_doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Item::as_str)
        .and_then(|v| Version::parse(v).ok());
    let names: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
    let mut members = Vec::new();
    let mut files = Vec::new();
    let mut tracked = Vec::new();
    for p in &ws.packages {
        let doc = read_doc(&p.manifest_path)?;
        let inherits_version = doc
            .get("package")
            .and_then(|p| p.get("version"))
            .and_then(|v| v.get("workspace"))
            .and_then(Item::as_bool)
            == Some(true);
        let mut depends_on: Vec<String> = p
            .registry
            .dependencies
            .iter()
            .filter(|d| d.path.is_some() && d.kind.as_deref() != Some("dev"))
            .filter(|d| names.contains(&d.name.as_str()) && d.name != p.name)
            .map(|d| d.name.clone())
            .collect();
        depends_on.sort();
        depends_on.dedup();
        let dir = relative(&p.dir, &repo_root).ok_or_else(|| {
            UserError::new(format!(
                "package `{}` at `{}` is outside the git repository `{}`",
                p.name,
                p.dir.display(),
                repo_root.display()
            ))
        })?;
        let changelog = match &p.changelog {
            Some((name, _)) => p.dir.join(name),
            None => p.dir.join("CHANGELOG.md"),
        };
        files.push(MemberFiles {
            name: p.name.clone(),
            manifest: p.manifest_path.clone(),
            changelog,
        });
        if p.publish {
            tracked.push((
                members.len(),
                Tracked {
                    name: p.name.clone(),
                    dir,
                },
            ));
        }
        members.push(Member {
            name: p.name.clone(),
            version: p.version.clone(),
            publish: p.publish,
            inherits_version,
            depends_on,
            last_tag: None,
            commits: Vec::new(),
        });
    }
    let released: Vec<&Member> = members.iter().filter(|m| m.publish).collect();
    let tag_style = TagStyle::for_workspace(
        released.len(),
        !released.is_empty() && released.iter().all(|m| m.inherits_version),
    );
    let tag_namespace = ws.config.tag_namespace.clone();
    let walk_input: Vec<Tracked> = tracked.iter().map(|(_, t)| t.clone()).collect();
    let history = history::walk(&repo_root, &walk_input, tag_style, tag_namespace.as_deref())?;
    for ((i, _), h) in tracked.iter().zip(&history.packages) {
        members[*i].last_tag = h.last_tag.clone();
        members[*i].commits = h
            .commits
            .iter()
            .map(|&c| history.commits[c].message.clone())
            .collect();
    }
    Ok(Gathered {
        input: Input {
            members,
            groups: ws.config.release_groups.clone().unwrap_or_default(),
            workspace_version,
            tag_style,
            tag_namespace,
        },
        files,
        repo_root,
    })
}
