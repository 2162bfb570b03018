//! Format-preserving edits of TOML documents for `init` and `migrate`.
//!
//! A value is replaced only when its meaning changes, and keeps the comments
//! around it; keys that are renamed keep their place, comments and value.

use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// A string array: on one line when short, else one element per line.
pub fn string_array<S: AsRef<str>>(items: &[S]) -> Value {
    let mut array: Array = items.iter().map(|s| s.as_ref()).collect();
    if items.len() > 2 {
        for v in array.iter_mut() {
            v.decor_mut().set_prefix("\n    ");
        }
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    }
    Value::Array(array)
}

/// Whether two values mean the same (ignoring formatting).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_value(a, b))
        }
        (Value::InlineTable(x), Value::InlineTable(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => false,
    }
}

/// Set `key` to `value` unless it already means that. An existing value's
/// surrounding comments are kept. Returns whether anything changed.
pub fn set(table: &mut Table, key: &str, mut value: Value) -> bool {
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            if same_value(old, &value) {
                return false;
            }
            let decor = old.decor().clone();
            *value.decor_mut() = decor;
            *old = value;
            true
        }
        Some(item) => {
            *item = Item::Value(value);
            true
        }
        None => {
            table.insert(key, Item::Value(value));
            true
        }
    }
}

/// Rename `from` to `to` in place (same position, comments and value).
/// Does nothing when `from` is absent; when both exist, `from` is dropped.
pub fn rename(table: &mut Table, from: &str, to: &str) -> bool {
    if !table.contains_key(from) {
        return false;
    }
    if table.contains_key(to) {
        table.remove(from);
        return true;
    }
    let entries: Vec<(toml_edit::Key, Item)> = table
        .iter()
        .map(|(k, _)| {
            let (key, item) = table.get_key_value(k).expect("iterating existing keys");
            (key.clone(), item.clone())
        })
        .collect();
    table.clear();
    for (key, item) in entries {
        if key.get() == from {
            let renamed = toml_edit::Key::new(to).with_leaf_decor(key.leaf_decor().clone());
            table.insert_formatted(&renamed, item);
        } else {
            table.insert_formatted(&key, item);
        }
    }
    true
}

/// The table at a dotted path, created (implicit parents) when missing.
/// Fails when something on the path is not a table.
pub fn table_at<'a>(doc: &'a mut DocumentMut, path: &[&str]) -> Result<&'a mut Table, String> {
    let mut table = doc.as_table_mut();
    for (i, part) in path.iter().enumerate() {
        if !table.contains_key(part) {
            let mut t = Table::new();
            t.set_implicit(i + 1 < path.len());
            table.insert(part, Item::Table(t));
        }
        let item = table.get_mut(part).expect("inserted above");
        if let Item::Value(Value::InlineTable(_)) = item {
            let inline = std::mem::take(item)
                .into_value()
                .ok()
                .and_then(|v| v.as_inline_table().cloned())
                .expect("checked above");
            *item = Item::Table(inline.into_table());
        }
        table = match item {
            Item::Table(t) => t,
            _ => return Err(format!("`{}` is not a table", path[..=i].join("."))),
        };
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_comments_and_skips_equal_values() {
        let mut doc: DocumentMut =
            "[dist]\n# why\nci = [\"github\"] # trailing\ntargets = [ \"a\" ]\n"
                .parse()
                .unwrap();
        let t = table_at(&mut doc, &["dist"]).unwrap();
        assert!(!set(t, "ci", string_array(&["github"])));
        assert!(!set(t, "targets", string_array(&["a"])));
        assert!(set(t, "targets", string_array(&["a", "b"])));
        assert!(set(t, "new", Value::from("x")));
        assert_eq!(
            doc.to_string(),
            "[dist]\n# why\nci = [\"github\"] # trailing\ntargets = [\"a\", \"b\"]\nnew = \"x\"\n"
        );
    }

    #[test]
    fn long_arrays_are_one_element_per_line() {
        let mut doc = DocumentMut::new();
        let t = table_at(&mut doc, &["dist"]).unwrap();
        set(t, "targets", string_array(&["a", "b", "c"]));
        assert_eq!(
            doc.to_string(),
            "[dist]\ntargets = [\n    \"a\",\n    \"b\",\n    \"c\",\n]\n"
        );
    }

    #[test]
    fn rename_keeps_place_and_comments() {
        let mut doc: DocumentMut =
            "[dist]\na = 1\n# the floor\nmin-glibc-version = \"2.17\" # old name\nz = 2\n"
                .parse()
                .unwrap();
        let t = table_at(&mut doc, &["dist"]).unwrap();
        assert!(rename(t, "min-glibc-version", "minimum-glibc-version"));
        assert!(!rename(t, "nope", "other"));
        assert_eq!(
            doc.to_string(),
            "[dist]\na = 1\n# the floor\nminimum-glibc-version = \"2.17\" # old name\nz = 2\n"
        );
    }

    #[test]
    fn table_at_creates_implicit_parents_and_refuses_non_tables() {
        let mut doc: DocumentMut = "[package]\nname = \"a\"\n".parse().unwrap();
        table_at(&mut doc, &["package", "metadata", "binstall"])
            .unwrap()
            .insert("pkg-fmt", Item::Value("txz".into()));
        assert_eq!(
            doc.to_string(),
            "[package]\nname = \"a\"\n\n[package.metadata.binstall]\npkg-fmt = \"txz\"\n"
        );
        let mut doc: DocumentMut = "workspace = 3\n".parse().unwrap();
        assert_eq!(
            table_at(&mut doc, &["workspace", "metadata"]).unwrap_err(),
            "`workspace` is not a table"
        );
    }
}
