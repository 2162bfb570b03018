//! The file edits of a release plan, computed in memory first and then
//! written atomically: versions and dependency requirements in every
//! `Cargo.toml` (with `toml_edit`: comments and layout kept), the workspace
//! members' entries in `Cargo.lock`, and a new section at the top of each
//! bumped package's changelog (earlier sections kept byte for byte).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use semver::{Version, VersionReq};
use toml_edit::{DocumentMut, Item, Value};

use super::prepare::ReleasePlan;

/// A workspace member's files.
#[derive(Clone, Debug)]
pub struct MemberFiles {
    /// The package name.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// Its changelog (existing or to be created).
    pub changelog: PathBuf,
}

/// One file's new contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The file.
    pub path: PathBuf,
    /// Its new text.
    pub text: String,
}

/// The start of a changelog `release-pr` creates.
pub const NEW_CHANGELOG_HEADER: &str = "# Changelog\n\nAll notable changes to this package are documented in this file.\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\nand this package adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n";

/// Every edit the plan needs, read from the disk but not yet written.
pub fn edits(
    root: &Path,
    members: &[MemberFiles],
    plan: &ReleasePlan,
) -> anyhow::Result<Vec<Edit>> {
    let bumped: BTreeMap<&str, &Version> = plan
        .packages
        .iter()
        .map(|p| (p.name.as_str(), &p.new))
        .collect();
    let mut out = Vec::new();
    let root_manifest = root.join("Cargo.toml");
    let mut manifests: Vec<(&Path, Option<&str>)> = members
        .iter()
        .map(|m| (m.manifest.as_path(), Some(m.name.as_str())))
        .collect();
    if !members.iter().any(|m| m.manifest == root_manifest) {
        manifests.push((&root_manifest, None));
    }
    for (path, name) in manifests {
        let text = read(path)?;
        let new = edit_manifest(
            &text,
            name.and_then(|n| bumped.get(n).copied()),
            path == root_manifest,
            plan.workspace_version.as_ref().map(|w| &w.new),
            &bumped,
        )
        .with_context(|| format!("cannot edit `{}`", path.display()))?;
        if new != text {
            out.push(Edit {
                path: path.to_path_buf(),
                text: new,
            });
        }
    }
    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        let text = read(&lock)?;
        let old: BTreeMap<&str, &Version> = plan
            .packages
            .iter()
            .map(|p| (p.name.as_str(), &p.old))
            .collect();
        let new = edit_lock(&text, &old, &bumped)
            .with_context(|| format!("cannot edit `{}`", lock.display()))?;
        if new != text {
            out.push(Edit {
                path: lock,
                text: new,
            });
        }
    }
    for p in &plan.packages {
        let Some(m) = members.iter().find(|m| m.name == p.name) else {
            continue;
        };
        let existing = if m.changelog.is_file() {
            Some(read(&m.changelog)?)
        } else {
            None
        };
        if let Some(text) = insert_section(existing.as_deref(), &p.changelog, &p.new) {
            out.push(Edit {
                path: m.changelog.clone(),
                text,
            });
        }
    }
    Ok(out)
}

/// Write every edit atomically.
pub fn write(edits: &[Edit]) -> anyhow::Result<()> {
    for e in edits {
        crate::fs::write_atomic(&e.path, e.text.as_bytes())
            .with_context(|| format!("cannot write `{}`", e.path.display()))?;
    }
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// Replace a value, keeping its comments and spacing.
fn set_value(item: &mut Item, text: &str) {
    if let Some(v) = item.as_value_mut() {
        let decor = v.decor().clone();
        *v = Value::from(text);
        *v.decor_mut() = decor;
    }
}

/// The requirement on `new` that replaces `old`: the same operator with the
/// new version (`1.2` → `1.3.0`, `=1.2.0` → `=1.3.0`, `~1.2` → `~1.3.0`);
/// a compound requirement is kept when it still matches, else becomes the
/// new version.
pub fn new_requirement(old: &str, new: &Version) -> String {
    let t = old.trim();
    let op_len = t.len() - t.trim_start_matches(['=', '^', '~', '>', '<']).len();
    let (op, rest) = t.split_at(op_len);
    let single = !rest.contains(',') && !rest.contains('*') && !rest.is_empty();
    match op {
        "" | "^" | "=" | "~" | ">=" if single => format!("{op}{new}"),
        _ => match VersionReq::parse(t) {
            Ok(req) if req.matches(new) => old.to_string(),
            _ => new.to_string(),
        },
    }
}

/// A dependency table's entries that point at a bumped workspace member
/// with a `path` (or are written `workspace = true`, which the root's
/// `[workspace.dependencies]` holds) get the new requirement.
fn edit_dep_table(table: &mut dyn toml_edit::TableLike, bumped: &BTreeMap<&str, &Version>) {
    for (key, item) in table.iter_mut() {
        let Some(dep) = item.as_table_like_mut() else {
            continue;
        };
        let name = dep
            .get("package")
            .and_then(Item::as_str)
            .unwrap_or(key.get())
            .to_string();
        let Some(new) = bumped.get(name.as_str()) else {
            continue;
        };
        if dep.get("path").is_none() {
            continue;
        }
        if let Some(v) = dep.get_mut("version") {
            if let Some(old) = v.as_str().map(str::to_string) {
                set_value(v, &new_requirement(&old, new));
            }
        }
    }
}

const DEP_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// One manifest's new text.
pub fn edit_manifest(
    text: &str,
    own_version: Option<&Version>,
    is_root: bool,
    workspace_version: Option<&Version>,
    bumped: &BTreeMap<&str, &Version>,
) -> anyhow::Result<String> {
    let mut doc: DocumentMut = text.parse().context("not valid TOML")?;
    if let Some(v) = own_version {
        if let Some(item) = doc.get_mut("package").and_then(|p| p.get_mut("version")) {
            if item.is_str() {
                set_value(item, &v.to_string());
            }
        }
    }
    for t in DEP_TABLES {
        if let Some(table) = doc.get_mut(t).and_then(Item::as_table_like_mut) {
            edit_dep_table(table, bumped);
        }
    }
    if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, target) in targets.iter_mut() {
            for t in DEP_TABLES {
                if let Some(table) = target.get_mut(t).and_then(Item::as_table_like_mut) {
                    edit_dep_table(table, bumped);
                }
            }
        }
    }
    if is_root {
        if let Some(ws) = doc.get_mut("workspace").and_then(Item::as_table_like_mut) {
            if let (Some(v), Some(item)) = (
                workspace_version,
                ws.get_mut("package").and_then(|p| p.get_mut("version")),
            ) {
                set_value(item, &v.to_string());
            }
            if let Some(table) = ws.get_mut("dependencies").and_then(Item::as_table_like_mut) {
                edit_dep_table(table, bumped);
            }
        }
    }
    Ok(doc.to_string())
}

/// `Cargo.lock` with the bumped workspace members' versions (entries without
/// a `source`) and the references to them changed; nothing else moves.
pub fn edit_lock(
    text: &str,
    old: &BTreeMap<&str, &Version>,
    new: &BTreeMap<&str, &Version>,
) -> anyhow::Result<String> {
    let mut doc: DocumentMut = text.parse().context("not valid TOML")?;
    let Some(packages) = doc
        .get_mut("package")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Ok(text.to_string());
    };
    for pkg in packages.iter_mut() {
        let local = pkg.get("source").is_none();
        let name = pkg.get("name").and_then(Item::as_str).map(str::to_string);
        if let (true, Some(name)) = (local, &name) {
            if let (Some(v), Some(item)) = (new.get(name.as_str()), pkg.get_mut("version")) {
                set_value(item, &v.to_string());
            }
        }
        if let Some(deps) = pkg.get_mut("dependencies").and_then(Item::as_array_mut) {
            for d in deps.iter_mut() {
                let Some(s) = d.as_str() else { continue };
                // `name version` (no source) names a local package when the
                // lock needs the version to tell packages apart.
                let mut parts = s.split(' ');
                let (Some(n), Some(ver), None) = (parts.next(), parts.next(), parts.next()) else {
                    continue;
                };
                if let (Some(o), Some(v)) = (old.get(n), new.get(n)) {
                    if ver == o.to_string() {
                        let decor = d.decor().clone();
                        *d = Value::from(format!("{n} {v}"));
                        *d.decor_mut() = decor;
                    }
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// `existing` (or a new changelog) with `section` for `version` inserted
/// above the newest release section (below an `Unreleased` one). `None`
/// when the changelog already has a section for `version` (written by
/// hand: it is kept as it is).
pub fn insert_section(existing: Option<&str>, section: &str, version: &Version) -> Option<String> {
    let Some(text) = existing else {
        return Some(format!("{NEW_CHANGELOG_HEADER}{section}"));
    };
    if crate::changelog::find_version_section(text, version).is_some() {
        return None;
    }
    // The first level-2 heading that is not `Unreleased`, outside code fences.
    let mut offset = 0;
    let mut at = None;
    let mut fenced = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
        } else if !fenced && line.starts_with("## ") {
            let unreleased = line.to_ascii_lowercase().contains("unreleased");
            if !unreleased {
                at = Some(offset);
                break;
            }
        }
        offset += line.len();
    }
    Some(match at {
        Some(at) => format!("{}{section}\n{}", &text[..at], &text[at..]),
        None => {
            let sep = if text.is_empty() || text.ends_with("\n\n") {
                ""
            } else if text.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{text}{sep}{section}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn requirements_keep_their_operator() {
        for (old, want) in [
            ("1.2", "1.3.0"),
            ("^1.2.0", "^1.3.0"),
            ("=1.2.0", "=1.3.0"),
            ("~1.2", "~1.3.0"),
            (">=1.0, <2", ">=1.0, <2"),
            (">=1.0, <1.3", "1.3.0"),
            ("*", "*"),
        ] {
            assert_eq!(new_requirement(old, &v("1.3.0")), want, "{old}");
        }
    }

    #[test]
    fn manifests_change_only_versions_and_requirements() {
        let text = "[package]\nname = \"app\" # the app\nversion = \"1.0.0\"   # bumped\n\n[dependencies]\ncore = { path = \"../core\", version = \"0.3\" } # ours\nserde = \"1\"\nother = { version = \"0.3\", package = \"core\", path = \"../core\" }\nreg = { version = \"0.3\" }\n\n[target.'cfg(unix)'.dev-dependencies]\ncore = { path = \"../core\", version = \"=0.3.0\" }\n";
        let (core, reg) = (v("0.4.0"), v("9.0.0"));
        let bumped: BTreeMap<&str, &Version> =
            [("core", &core), ("reg", &reg)].into_iter().collect();
        let out = edit_manifest(text, Some(&v("1.1.0")), false, None, &bumped).unwrap();
        assert_eq!(
            out,
            text.replace("\"1.0.0\"   # bumped", "\"1.1.0\"   # bumped")
                .replace("version = \"0.3\" } # ours", "version = \"0.4.0\" } # ours")
                .replace(
                    "{ version = \"0.3\", package",
                    "{ version = \"0.4.0\", package"
                )
                .replace("\"=0.3.0\"", "\"=0.4.0\"")
        );
    }

    #[test]
    fn the_root_moves_the_workspace_version_and_workspace_dependencies() {
        let text = "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nversion = \"0.1.0\" # shared\n\n[workspace.dependencies]\na = { path = \"a\", version = \"0.1.0\" }\n";
        let a = v("0.2.0");
        let bumped: BTreeMap<&str, &Version> = [("a", &a)].into_iter().collect();
        let out = edit_manifest(text, None, true, Some(&v("0.2.0")), &bumped).unwrap();
        assert_eq!(out, text.replace("0.1.0", "0.2.0"));
    }

    #[test]
    fn the_lock_moves_only_local_entries() {
        let text = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"1.0.0\"\ndependencies = [\n \"core 0.3.0\",\n \"serde\",\n]\n\n[[package]]\nname = \"core\"\nversion = \"0.3.0\"\n\n[[package]]\nname = \"core\"\nversion = \"0.3.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let (o, n) = (v("0.3.0"), v("0.4.0"));
        let old: BTreeMap<&str, &Version> = [("core", &o)].into_iter().collect();
        let new: BTreeMap<&str, &Version> = [("core", &n)].into_iter().collect();
        let out = edit_lock(text, &old, &new).unwrap();
        let want = text
            .replacen("\"core 0.3.0\"", "\"core 0.4.0\"", 1)
            .replacen(
                "name = \"core\"\nversion = \"0.3.0\"\n\n",
                "name = \"core\"\nversion = \"0.4.0\"\n\n",
                1,
            );
        assert_eq!(out, want);
    }

    #[test]
    fn sections_go_on_top_and_keep_earlier_ones() {
        let section = "## [1.1.0] - 2026-01-02\n\n### Added\n\n- x\n";
        let text = "# Changelog\n\nIntro, edited by hand.\n\n## [Unreleased]\n\n- soon\n\n## [1.0.0] - 2025-01-01\n\n*hand-written* notes\n";
        let out = insert_section(Some(text), section, &v("1.1.0")).unwrap();
        assert_eq!(
            out,
            text.replace("## [1.0.0]", &format!("{section}\n## [1.0.0]"))
        );
        // Already there: kept as it is.
        assert_eq!(insert_section(Some(&out), section, &v("1.1.0")), None);
        // No release yet, and a new file.
        assert_eq!(
            insert_section(Some("# Changelog\n"), section, &v("1.1.0")).unwrap(),
            format!("# Changelog\n\n{section}")
        );
        assert!(insert_section(None, section, &v("1.1.0"))
            .unwrap()
            .starts_with("# Changelog\n\nAll notable changes"));
    }
}
