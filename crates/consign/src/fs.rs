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
//!
//! A process killed between writing a temporary file and renaming it (SIGKILL
//! runs no destructor) leaves `.{name}.tmp-{pid}-{n}` behind; the next write
//! of the same destination removes those of processes that are gone, and so
//! does [`remove_stale_temps`], which journals call when they are opened (a
//! rerun may have nothing new to record).
//!
//! Test hook: with `CONSIGN_TEST_KILL_AT_WRITE=N`, the process SIGKILLs
//! itself at its Nth write, once the temporary file is complete and before
//! the rename (`tests/kill_every_step.rs` kills at every write in turn);
//! with `CONSIGN_TEST_WRITE_LOG=FILE`, each write appends its destination
//! to FILE first (how the harness counts the writes).

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
        let prefix = format!(".{}.tmp-", name.to_string_lossy());
        remove_stale(dest, &prefix);
        let tmp_name = format!("{prefix}{}-{n}", std::process::id());
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
        test_hook::before_rename(dest);
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

/// Remove the temporary files that killed writers of `dest` left beside it
/// (see the module docs). Best effort.
pub fn remove_stale_temps(dest: &Path) {
    if let Some(name) = dest.file_name() {
        remove_stale(dest, &format!(".{}.tmp-", name.to_string_lossy()));
    }
}

/// Remove the temporary files (`{prefix}{pid}-{n}`) that processes which no
/// longer run left beside `dest`: a killed write. Best effort, and only where
/// a process can be looked up (`/proc`); a live writer's file is kept.
fn remove_stale(dest: &Path, prefix: &str) {
    let proc_fs = Path::new("/proc/self");
    if !proc_fs.exists() {
        return;
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else {
            continue;
        };
        let ours = pid.bytes().all(|b| b.is_ascii_digit())
            && !pid.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && !n.is_empty();
        if ours && pid != me && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The kill-at-every-write test hook (see the module docs).
mod test_hook {
    use std::io::Write as _;
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Called once a write's temporary file is complete, before its rename.
    pub(super) fn before_rename(dest: &Path) {
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let n = WRITES.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(log) = std::env::var_os("CONSIGN_TEST_WRITE_LOG") {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(log)
            {
                let _ = writeln!(f, "{}", dest.display());
            }
        }
        let kill_at = std::env::var("CONSIGN_TEST_KILL_AT_WRITE").ok();
        if kill_at.and_then(|k| k.parse::<u64>().ok()) == Some(n) {
            // SIGKILL, as a crash or an OOM kill would: no destructor runs.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &std::process::id().to_string()])
                .status();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
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
    fn a_killed_writers_temp_file_goes_with_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sha256.sum");
        // No process has pid 4194304 (above Linux's pid_max).
        let stale = dir.path().join(".sha256.sum.tmp-4194304-0");
        let other = dir.path().join(".other.sum.tmp-4194304-0");
        let live = dir
            .path()
            .join(format!(".sha256.sum.tmp-{}-99", std::process::id()));
        for f in [&stale, &other, &live] {
            fs::write(f, b"half").unwrap();
        }
        write_atomic(&path, b"whole").unwrap();
        let left = leftovers(dir.path());
        assert!(
            !left.contains(&".sha256.sum.tmp-4194304-0".to_string()),
            "{left:?}"
        );
        // Another destination's and a live process's are not ours to remove.
        assert!(other.exists() && live.exists(), "{left:?}");
        // Opening a journal that has nothing new to record sweeps too.
        remove_stale_temps(&dir.path().join("other.sum"));
        assert!(!other.exists() && live.exists());
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
