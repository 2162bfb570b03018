//! The state of the git work tree: which files are modified or untracked.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What `git status` says about the work tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitState {
    /// The repository's top-level directory; `None` outside a git repository.
    pub toplevel: Option<PathBuf>,
    /// Modified, staged or untracked files, relative to the top level.
    pub dirty: Vec<String>,
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
    let dirty = Command::new("git")
        .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
        .current_dir(&toplevel)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| parse_porcelain(&o.stdout))
        .unwrap_or_default();
    GitState {
        toplevel: Some(toplevel),
        dirty,
    }
}

/// The paths in `git status --porcelain=v1 -z` output.
fn parse_porcelain(out: &[u8]) -> Vec<String> {
    let mut paths = Vec::new();
    let mut fields = out.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let (code, path) = entry.split_at(3);
        paths.push(String::from_utf8_lossy(path).into_owned());
        // Renames and copies carry the original path as an extra field.
        if code[0] == b'R' || code[0] == b'C' {
            fields.next();
        }
    }
    paths
}

impl GitState {
    /// Keep only the dirty files under `root` (the workspace), as paths relative to `root`.
    pub fn scoped_to(mut self, root: &Path) -> GitState {
        if let Some(top) = &self.toplevel {
            // Canonicalize both sides: git prints resolved paths.
            let top = top.canonicalize().unwrap_or_else(|_| top.clone());
            let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
            if let Ok(prefix) = root.strip_prefix(&top) {
                let prefix = prefix.to_string_lossy().replace('\\', "/");
                self.dirty = self
                    .dirty
                    .into_iter()
                    .filter_map(|p| {
                        if prefix.is_empty() {
                            Some(p)
                        } else {
                            p.strip_prefix(&format!("{prefix}/")).map(str::to_string)
                        }
                    })
                    .collect();
            }
        }
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
            vec!["src/a.rs", "new file.txt", "to.rs"]
        );
    }
}
