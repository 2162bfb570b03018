//! Config migrations: renamed and retired keys (applied by every `init`), and
//! `consign migrate`, which moves `[workspace.metadata.dist]` out of
//! `Cargo.toml` into `dist-workspace.toml`.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, Value};

use super::{edit, Docs, InitPlan, NEW_CONFIG};
use crate::error::UserError;
use crate::project::config::{parse_dist_table, DistConfig, SourceFile};

/// Keys that were renamed: (old, new).
const RENAMED: &[(&str, &str)] = &[
    ("min-glibc-version", "minimum-glibc-version"),
    ("recursive-tarballs", "recursive-tarball"),
];

/// Runner labels GitHub retired, and what replaces them.
const RETIRED_RUNNERS: &[(&str, &str)] = &[
    ("ubuntu-20.04", "ubuntu-22.04"),
    ("ubuntu-18.04", "ubuntu-22.04"),
    ("macos-12", "macos-14"),
    ("macos-11", "macos-14"),
    ("windows-2019", "windows-2022"),
];

/// Migrate deprecated and renamed keys of a dist table in place, saying what
/// changed in `notes`. `shown` names the table for the notes.
pub fn migrate_keys(t: &mut Table, shown: &str, notes: &mut Vec<String>) {
    for (old, new) in RENAMED {
        if edit::rename(t, old, new) {
            notes.push(format!("{shown}: renamed `{old}` to `{new}`"));
        }
    }
    if t.remove("rust-toolchain-version").is_some() {
        notes.push(format!(
            "{shown}: removed `rust-toolchain-version`; pin the toolchain in `rust-toolchain.toml` instead"
        ));
    }
    // `ci = "github"` is the old spelling of a one-element list.
    if let Some(s) = t.get("ci").and_then(Item::as_str).map(str::to_string) {
        edit::set(t, "ci", edit::string_array(&[s]));
        notes.push(format!("{shown}: `ci` is now a list"));
    }
    if let Some(runners) = t
        .get_mut("github-custom-runners")
        .and_then(Item::as_table_like_mut)
    {
        for (label, item) in runners.iter_mut() {
            let value = match item {
                Item::Value(Value::String(_)) => item.as_value_mut(),
                other => other
                    .as_table_like_mut()
                    .and_then(|t| t.get_mut("runner"))
                    .and_then(Item::as_value_mut),
            };
            let Some(value) = value else { continue };
            let Some(old) = value.as_str().map(str::to_string) else {
                continue;
            };
            if let Some((_, new)) = RETIRED_RUNNERS.iter().find(|(o, _)| *o == old) {
                let decor = value.decor().clone();
                *value = Value::from(*new);
                *value.decor_mut() = decor;
                notes.push(format!(
                    "{shown}: runner `{old}` for `{label}` is retired by GitHub; now `{new}`"
                ));
            }
        }
    }
}

/// Plan `consign migrate`: move `[workspace.metadata.dist]` from the root
/// `Cargo.toml` into `[dist]` of `dist-workspace.toml`, comments included.
///
/// Safe to rerun after a crash between the two writes: when both files hold
/// the same config, only the old copy is removed.
pub fn plan_migrate(root: &Path) -> Result<InitPlan, UserError> {
    let cargo_toml = root.join("Cargo.toml");
    let target = root.join("dist-workspace.toml");
    let mut docs = Docs::default();
    let mut notes = Vec::new();

    let doc = docs.open(&cargo_toml)?;
    let Some(old) = doc
        .get("workspace")
        .and_then(|w| w.get("metadata"))
        .and_then(|m| m.get("dist"))
        .cloned()
    else {
        return Ok(InitPlan {
            changes: Vec::new(),
            notes: vec![if target.is_file() {
                format!(
                    "nothing to migrate: the config is already in `{}`",
                    target.display()
                )
            } else {
                "nothing to migrate: there is no `[workspace.metadata.dist]`; run `consign init` to write a config".to_string()
            }],
        });
    };
    let mut moved = match old {
        Item::Table(t) => t,
        Item::Value(Value::InlineTable(t)) => t.into_table(),
        _ => {
            return Err(UserError::new(format!(
                "`workspace.metadata.dist` in `{}` is not a table",
                cargo_toml.display()
            ))
            .hint("fix it (or remove it) and rerun `consign migrate`"))
        }
    };
    remove_workspace_dist(doc);

    let new_doc = if target.is_file() {
        docs.open(&target)?
    } else {
        docs.create(&target, NEW_CONFIG)
    };
    let existing = new_doc.get("dist").and_then(Item::as_table);
    match existing {
        Some(t) if !t.is_empty() => {
            if !same_config(&target, t, &cargo_toml, &moved) {
                return Err(UserError::new(format!(
                    "both `{}` and `[workspace.metadata.dist]` in `{}` hold a dist config",
                    target.display(),
                    cargo_toml.display()
                ))
                .hint("keep one: delete the other, then rerun `consign migrate`"));
            }
            notes.push(format!(
                "`{}` already holds this config; removed the copy in `{}`",
                target.display(),
                cargo_toml.display()
            ));
        }
        _ => {
            moved.set_implicit(false);
            clear_positions(&mut moved);
            new_doc.insert("dist", Item::Table(moved));
            notes.push(format!(
                "moved `[workspace.metadata.dist]` from `{}` to `[dist]` in `{}`",
                cargo_toml.display(),
                target.display()
            ));
        }
    }
    Ok(InitPlan {
        changes: docs.into_changes(),
        notes,
    })
}

/// Whether two dist tables configure the same thing (formatting aside).
fn same_config(a_path: &Path, a: &Table, b_path: &Path, b: &Table) -> bool {
    let read = |path: &Path, t: &Table| -> Option<DistConfig> {
        let file = SourceFile {
            path: path.to_path_buf(),
            text: String::new(),
        };
        parse_dist_table(&file, "dist", t, &mut Vec::new()).ok()
    };
    matches!((read(a_path, a), read(b_path, b)), (Some(x), Some(y)) if x == y)
}

/// Remove `workspace.metadata.dist`, and `workspace.metadata` if nothing else
/// is left in it.
fn remove_workspace_dist(doc: &mut DocumentMut) {
    let Some(ws) = doc.get_mut("workspace").and_then(Item::as_table_like_mut) else {
        return;
    };
    let Some(meta) = ws.get_mut("metadata").and_then(Item::as_table_like_mut) else {
        return;
    };
    meta.remove("dist");
    if meta.is_empty() {
        ws.remove("metadata");
    }
}

/// Let toml_edit place moved tables after the existing ones, in their order.
fn clear_positions(t: &mut Table) {
    t.set_position(None);
    for (_, item) in t.iter_mut() {
        if let Item::Table(sub) = item {
            clear_positions(sub);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrated(text: &str) -> (String, Vec<String>) {
        let mut doc: DocumentMut = text.parse().unwrap();
        let mut notes = Vec::new();
        let t = edit::table_at(&mut doc, &["dist"]).unwrap();
        migrate_keys(t, "`dist`", &mut notes);
        (doc.to_string(), notes)
    }

    #[test]
    fn renames_retires_and_upgrades_keys() {
        let (text, notes) = migrated(
            "[dist]\nci = \"github\"\n# floor\nmin-glibc-version = \"2.17\"\nrust-toolchain-version = \"1.70\"\nrecursive-tarballs = true\n\n[dist.github-custom-runners]\nx86_64-unknown-linux-gnu = \"ubuntu-20.04\" # old\naarch64-unknown-linux-gnu = { runner = \"macos-12\", container = \"c\" }\nx86_64-pc-windows-msvc = \"windows-2022\"\n",
        );
        assert_eq!(
            text,
            "[dist]\nci = [\"github\"]\n# floor\nminimum-glibc-version = \"2.17\"\nrecursive-tarball = true\n\n[dist.github-custom-runners]\nx86_64-unknown-linux-gnu = \"ubuntu-22.04\" # old\naarch64-unknown-linux-gnu = { runner = \"macos-14\", container = \"c\" }\nx86_64-pc-windows-msvc = \"windows-2022\"\n"
        );
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("rust-toolchain.toml")));
    }

    #[test]
    fn current_configs_are_left_alone() {
        let text = "[dist]\nci = [\"github\"] # yes\nminimum-glibc-version = \"2.17\"\n";
        let (out, notes) = migrated(text);
        assert_eq!(out, text);
        assert!(notes.is_empty());
    }
}
