//! The state of the git work tree: which files are modified or untracked.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `git status` says about the work tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitState {
    /// The repository's top-level directory; `None` outside a git repository.
    pub toplevel: Option<PathBuf>,
    /// Modified, staged or untracked files, relative to the top level
    /// (relative to the workspace after [`GitState::scoped_to`]).
    pub dirty: Vec<String>,
    /// The untracked ones among `dirty`.
    pub untracked: Vec<String>,
}

/// `git status` of the repository containing `dir`.
pub fn status(dir: &Path) -> GitState {
    let toplevel = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim_end()));
    let Some(toplevel) = toplevel else {
        return GitState::default();
    };
    let entries = Command::new("git")
        .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
        .current_dir(&toplevel)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| parse_porcelain(&o.stdout))
        .unwrap_or_default();
    GitState {
        toplevel: Some(toplevel),
        untracked: entries
            .iter()
            .filter(|(_, untracked)| *untracked)
            .map(|(p, _)| p.clone())
            .collect(),
        dirty: entries.into_iter().map(|(p, _)| p).collect(),
    }
}

/// `git rev-parse HEAD` in `root` (`None` outside git).
pub fn head(root: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "-q", "--verify", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The paths in `git status --porcelain=v1 -z` output, each with whether it
/// is untracked.
fn parse_porcelain(out: &[u8]) -> Vec<(String, bool)> {
    let mut paths = Vec::new();
    let mut fields = out.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let (code, path) = entry.split_at(3);
        paths.push((String::from_utf8_lossy(path).into_owned(), code == b"?? "));
        // Renames and copies carry the original path as an extra field.
        if code[0] == b'R' || code[0] == b'C' {
            fields.next();
        }
    }
    paths
}

impl GitState {
    /// Keep only the dirty files under `root` (the workspace), as paths
    /// relative to `root`, leaving out cargo's `target_dir`: build output is
    /// never dirt, with or without a `.gitignore`.
    pub fn scoped_to(mut self, root: &Path, target_dir: &Path) -> GitState {
        let Some(top) = &self.toplevel else {
            return self;
        };
        // Canonicalize every side: git prints resolved paths.
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let top = canon(top);
        let root = canon(root);
        let Ok(prefix) = root.strip_prefix(&top) else {
            return self;
        };
        let prefix = prefix.to_string_lossy().replace('\\', "/");
        let target = canon(target_dir)
            .strip_prefix(&root)
            .ok()
            .map(|t| t.to_string_lossy().replace('\\', "/"))
            .filter(|t| !t.is_empty());
        let keep = |paths: Vec<String>| -> Vec<String> {
            paths
                .into_iter()
                .filter_map(|p| {
                    if prefix.is_empty() {
                        Some(p)
                    } else {
                        p.strip_prefix(&format!("{prefix}/")).map(str::to_string)
                    }
                })
                .filter(|p| {
                    target.as_ref().is_none_or(|t| {
                        p != t && p != &format!("{t}/") && !p.starts_with(&format!("{t}/"))
                    })
                })
                .collect()
        };
        self.dirty = keep(self.dirty);
        self.untracked = keep(self.untracked);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_porcelain_with_renames() {
        let out = b" M src/a.rs\0?? new file.txt\0R  to.rs\0from.rs\0";
        assert_eq!(
            parse_porcelain(out),
            vec![
                ("src/a.rs".to_string(), false),
                ("new file.txt".to_string(), true),
                ("to.rs".to_string(), false)
            ]
        );
    }

    #[test]
    fn the_target_dir_is_never_dirt() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        let state = GitState {
            toplevel: Some(dir.path().to_path_buf()),
            dirty: vec![
                "ws/target/debug/app".into(),
                "ws/notes.txt".into(),
                "other.txt".into(),
            ],
            untracked: vec!["ws/target/debug/app".into(), "ws/notes.txt".into()],
        }
        .scoped_to(&root, &root.join("target"));
        assert_eq!(state.dirty, vec!["notes.txt"]);
        assert_eq!(state.untracked, vec!["notes.txt"]);
    }
}
