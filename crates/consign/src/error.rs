//! Errors a user can act on.
//!
//! A [`UserError`] says what is wrong, where (a file, and a line and column
//! when we know them), and a hint the user can act on. The CLI renders it as
//! `error:` / `  --> file:line:col` / `hint:`; everything else is wrapped with
//! `anyhow` context on the way up.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a text file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The text of the line, for display under the location.
    pub line_text: String,
}

impl Location {
    /// The location of byte offset `offset` in `text`, the contents of `path`.
    pub fn from_offset(path: &Path, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        Location {
            path: path.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: text[line_start..offset].chars().count() + 1,
            line_text: text[line_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// An error caused by the user's input, with a location and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// What is wrong, with the offending names in backticks.
    pub message: String,
    /// Where it is wrong.
    pub location: Option<Location>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl UserError {
    /// An error with just a message.
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    /// Add a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(loc) = &self.location {
            let gutter = " ".repeat(loc.line.to_string().len());
            write!(f, "\n{gutter}--> {loc}")?;
            write!(f, "\n{gutter} |\n{} | {}", loc.line, loc.line_text)?;
            let pad: String = loc
                .line_text
                .chars()
                .take(loc.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{gutter} | {pad}^")?;
        }
        Ok(())
    }
}

impl std::error::Error for UserError {}

/// The closest of `candidates` to `input`, if any is close enough to suggest.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `a`, `b`, `c` (backticked, comma-separated).
pub fn list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_chars() {
        let text = "a = 1\n[dist]\nci = \"githb\"\n";
        let off = text.find("\"githb\"").unwrap();
        let loc = Location::from_offset(Path::new("x.toml"), text, off);
        assert_eq!((loc.line, loc.column), (3, 6));
        assert_eq!(loc.line_text, "ci = \"githb\"");
        let shown = UserError::new("bad").at(loc).to_string();
        assert!(shown.contains("--> x.toml:3:6"), "{shown}");
        assert!(shown.ends_with("|      ^"), "{shown}");
    }

    #[test]
    fn closest_suggests_near_and_rejects_far() {
        let keys = ["installers", "targets", "ci"];
        assert_eq!(closest("instalers", keys), Some("installers"));
        assert_eq!(closest("zzzzzz", keys), None);
    }
}
