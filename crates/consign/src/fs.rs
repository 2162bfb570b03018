//! Writing files atomically: the one place consign's outputs are written.
//!
//! **Invariant:** every output file (archives, checksums, installers, MSIs,
//! images, manifests, generated CI files, edited config, the release journal)
//! is written to a temporary name beside its destination, synced to disk,
//! then renamed over it. A reader sees the old file or the whole new one;
//! a failed or interrupted write leaves the destination untouched and removes
//! the temporary file.
//!
//! [`write_atomic`] writes bytes; [`write_atomic_with`] lets a closure (or a
//! tool such as `wixl` or `git archive`) produce the file at the temporary
//! path.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;

/// Write `contents` to `path` atomically. Errors name the path involved.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = Temp::new(path)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp.path)
        .map_err(|e| with_path(e, "cannot create", &tmp.path))?;
    file.write_all(contents)
        .map_err(|e| with_path(e, "cannot write", &tmp.path))?;
    drop(file);
    tmp.commit(path)
}

/// Produce `path` atomically: `write` creates the file at the temporary path
/// it is given (beside `path`); when it succeeds the file is synced and
/// renamed over `path`. On an error (or a panic) the temporary file is
/// removed and `path` is untouched.
pub fn write_atomic_with<T>(
    path: &Path,
    write: impl FnOnce(&Path) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let tmp = Temp::new(path).with_context(|| format!("cannot write {}", path.display()))?;
    let value = write(&tmp.path)?;
    tmp.commit(path)?;
    Ok(value)
}

/// A temporary file beside a destination, removed on drop unless committed.
struct Temp {
    path: PathBuf,
    armed: bool,
}

impl Temp {
    /// `.{name}.tmp-{pid}-{counter}` beside `dest`: unique on this machine
    /// at this moment.
    fn new(dest: &Path) -> io::Result<Temp> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = dest.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} does not name a file", dest.display()),
            )
        })?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_name = format!(".{}.tmp-{}-{n}", name.to_string_lossy(), std::process::id());
        Ok(Temp {
            path: dest.with_file_name(tmp_name),
            armed: true,
        })
    }

    /// Sync the finished file, rename it over `dest`, sync the directory.
    fn commit(mut self, dest: &Path) -> io::Result<()> {
        OpenOptions::new()
            .write(true)
            .open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(|e| with_path(e, "cannot sync", &self.path))?;
        fs::rename(&self.path, dest).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot rename {} to {}: {e}",
                    self.path.display(),
                    dest.display()
                ),
            )
        })?;
        self.armed = false;
        sync_parent_dir(dest);
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Make a rename in `path`'s directory durable, where the platform allows
/// syncing a directory (best effort: the data itself is already synced).
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// `err` with `what` and `path` in its message, keeping its kind.
pub(crate) fn with_path(err: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{what} {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sha256.sum");
        write_atomic(&path, b"one\n").unwrap();
        write_atomic(&path, b"two\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two\n");
        assert_eq!(leftovers(dir.path()), ["sha256.sum"]);
    }

    #[test]
    fn write_atomic_failure_names_the_path_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty directory fails on every platform.
        let path = dir.path().join("taken");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), b"x").unwrap();
        let err = write_atomic(&path, b"data").unwrap_err();
        assert!(err.to_string().contains("taken"), "{err}");
        assert_eq!(leftovers(dir.path()), ["taken"]);

        // A directory that does not exist: the temp file cannot be created.
        let path = dir.path().join("no-such-dir").join("sha256.sum");
        let err = write_atomic(&path, b"data").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("no-such-dir"), "{err}");
    }

    #[test]
    fn write_atomic_with_keeps_the_old_file_on_error_and_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.msi");
        fs::write(&path, b"old").unwrap();
        let err = write_atomic_with(&path, |tmp| -> anyhow::Result<()> {
            fs::write(tmp, b"half")?;
            anyhow::bail!("the tool failed")
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "the tool failed");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(leftovers(dir.path()), ["app.msi"]);

        let panicked = std::panic::catch_unwind(|| {
            write_atomic_with(&path, |tmp| -> anyhow::Result<()> {
                fs::write(tmp, b"half").unwrap();
                panic!("killed mid-write")
            })
        });
        assert!(panicked.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(leftovers(dir.path()), ["app.msi"]);

        let size = write_atomic_with(&path, |tmp| {
            fs::write(tmp, b"new")?;
            Ok(3)
        })
        .unwrap();
        assert_eq!((size, fs::read(&path).unwrap()), (3, b"new".to_vec()));
        assert_eq!(leftovers(dir.path()), ["app.msi"]);
    }

    #[test]
    fn write_atomic_with_fails_when_nothing_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tar.gz");
        let err = write_atomic_with(&path, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains(".out.tar.gz.tmp-"), "{err}");
        assert!(!path.exists());
    }
}
