//! The app's permanent GUIDs, kept in its `Cargo.toml` under
//! `[package.metadata.wix]` (edited with `toml_edit`, comments kept).

use std::fs;
use std::path::Path;

use anyhow::{anyhow, ensure, Context as _, Result};

use super::guid::{new_guid, normalize_guid};

/// The app's upgrade and path GUIDs from `[package.metadata.wix]`
/// (`upgrade-guid`, `path-guid`) of `cargo_toml`, uppercase without braces.
///
/// Missing ones are generated with [`new_guid`] and written back: the file
/// keeps its formatting and comments (only the new keys, and the
/// `[package.metadata.wix]` table if it was missing, are added), and is
/// replaced atomically. When both are present the file is not touched.
/// Errors name the file.
pub fn ensure_guids(cargo_toml: &Path) -> Result<(String, String)> {
    let text = fs::read_to_string(cargo_toml)
        .with_context(|| format!("cannot read {}", cargo_toml.display()))?;
    let (guids, updated) =
        ensure_guids_in(&text).with_context(|| format!("in {}", cargo_toml.display()))?;
    if let Some(updated) = updated {
        crate::fs::write_atomic(cargo_toml, updated.as_bytes()).with_context(|| {
            format!("cannot write the new MSI GUIDs to {}", cargo_toml.display())
        })?;
    }
    Ok(guids)
}

/// [`ensure_guids`] on a manifest's text: the GUIDs, and the new text when
/// it had to change.
pub(super) fn ensure_guids_in(text: &str) -> Result<((String, String), Option<String>)> {
    use toml_edit::{DocumentMut, Item};

    const KEYS: [&str; 2] = ["upgrade-guid", "path-guid"];
    let mut doc: DocumentMut = text.parse().context("the manifest is not valid TOML")?;
    let package = doc
        .get_mut("package")
        .filter(|item| item.is_table_like())
        .ok_or_else(|| {
            anyhow!("there is no [package] table (MSI GUIDs belong to a package's manifest)")
        })?;
    let metadata = child_table(package, "metadata", "[package.metadata]")?;
    let wix = child_table(metadata, "wix", "[package.metadata.wix]")?;
    let table = wix.as_table_like_mut().expect("child_table returns tables");
    let mut found = [None, None];
    for (slot, key) in found.iter_mut().zip(KEYS) {
        let Some(item) = table.get(key) else { continue };
        let value = item.as_str().ok_or_else(|| {
            anyhow!("[package.metadata.wix] {key} must be a string holding a GUID")
        })?;
        let guid = normalize_guid(value)
            .ok_or_else(|| anyhow!("[package.metadata.wix] {key} = \"{value}\" is not a GUID"))?;
        *slot = Some(guid);
    }
    let mut changed = false;
    for (slot, key) in found.iter_mut().zip(KEYS) {
        if slot.is_none() {
            let guid = new_guid();
            table.insert(key, Item::Value(guid.clone().into()));
            *slot = Some(guid);
            changed = true;
        }
    }
    let [Some(upgrade), Some(path)] = found else {
        unreachable!("both GUIDs were filled in above")
    };
    ensure!(
        upgrade != path,
        "[package.metadata.wix] upgrade-guid and path-guid must differ (both are {upgrade})"
    );
    Ok(((upgrade, path), changed.then(|| doc.to_string())))
}

/// `parent[key]`, created as an empty table when missing (implicit, so
/// that no empty header appears, or inline inside an inline table).
fn child_table<'a>(
    parent: &'a mut toml_edit::Item,
    key: &str,
    what: &str,
) -> Result<&'a mut toml_edit::Item> {
    use toml_edit::{InlineTable, Item, Table, Value};

    let inline = parent.is_inline_table();
    let table = parent
        .as_table_like_mut()
        .ok_or_else(|| anyhow!("{what}'s parent is not a table"))?;
    if !table.contains_key(key) {
        let item = if inline {
            Item::Value(Value::InlineTable(InlineTable::new()))
        } else {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        };
        table.insert(key, item);
    }
    let item = table.get_mut(key).expect("inserted above");
    ensure!(item.is_table_like(), "{what} is not a table");
    Ok(item)
}
