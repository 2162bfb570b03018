//! `source.tar.gz`: the release commit's files, via `git archive`, under
//! `{app}-{version}/`, with submodules when `recursive-tarball` is set.
//!
//! `git archive` output is reproducible for a commit (entries in tree order,
//! mtimes from the commit). We gzip it ourselves with no name and a zero
//! mtime in the header, so the tarball's checksum depends only on the commit.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};

use super::checksum::HashingWriter;
use crate::project::config::ChecksumAlgorithm;

/// A file written by a build step: its size and checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Bytes written.
    pub size: u64,
    /// Lowercase hex checksum, if an algorithm was given.
    pub checksum: Option<String>,
}

/// Write `source.tar.gz` of `commit` in the repository at `repo` to `dest`, atomically.
pub fn write_source_tarball(
    repo: &Path,
    commit: &str,
    prefix: &str,
    recursive: bool,
    dest: &Path,
    algo: Option<ChecksumAlgorithm>,
) -> anyhow::Result<Written> {
    crate::fs::write_atomic_with(dest, |tmp| {
        write_to(repo, commit, prefix, recursive, tmp, algo)
    })
}

fn write_to(
    repo: &Path,
    commit: &str,
    prefix: &str,
    recursive: bool,
    tmp: &Path,
    algo: Option<ChecksumAlgorithm>,
) -> anyhow::Result<Written> {
    let file = std::fs::File::create(tmp)
        .with_context(|| format!("failed to create `{}`", tmp.display()))?;
    let sink = CountingHasher::new(file, algo);
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(sink, flate2::Compression::best());
    let gz = if recursive {
        let mut builder = tar::Builder::new(gz);
        append_git_archive(&mut builder, repo, commit, prefix)?;
        for (path, sub_commit) in submodules(repo, commit)? {
            let sub_prefix = format!("{prefix}{path}/");
            append_git_archive(&mut builder, &repo.join(&path), &sub_commit, &sub_prefix)
                .with_context(|| format!("failed to archive submodule `{path}` (is it checked out? run `git submodule update --init --recursive`)"))?;
        }
        builder
            .into_inner()
            .context("failed to finish the source tarball")?
    } else {
        let mut gz = gz;
        stream_git_archive(repo, commit, prefix, &mut gz)?;
        gz
    };
    let sink = gz.finish().context("failed to finish gzip stream")?;
    let (file, checksum, size) = sink.finish();
    file.sync_all()
        .with_context(|| format!("failed to write `{}`", tmp.display()))?;
    Ok(Written { size, checksum })
}

/// `git archive --format=tar` into `out`.
fn stream_git_archive(
    repo: &Path,
    commit: &str,
    prefix: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut child = Command::new("git")
        .args([
            "archive",
            "--format=tar",
            &format!("--prefix={prefix}"),
            commit,
        ])
        .current_dir(repo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("failed to run `git archive`; is git installed?")?;
    let mut stdout = child.stdout.take().expect("piped");
    std::io::copy(&mut stdout, out).context("failed to write the source tarball")?;
    let output = child
        .wait_with_output()
        .context("failed to wait for `git archive`")?;
    if !output.status.success() {
        bail!(
            "`git archive {commit}` failed in `{}`: {}",
            repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Copy the entries of `git archive` into a tar builder (for merging submodules).
fn append_git_archive<W: Write>(
    builder: &mut tar::Builder<W>,
    repo: &Path,
    commit: &str,
    prefix: &str,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    stream_git_archive(repo, commit, prefix, &mut buf)?;
    let mut archive = tar::Archive::new(buf.as_slice());
    for entry in archive
        .entries()
        .context("failed to read `git archive` output")?
    {
        let mut entry = entry.context("failed to read `git archive` output")?;
        let kind = entry.header().entry_type();
        if kind == tar::EntryType::XGlobalHeader || kind == tar::EntryType::XHeader {
            continue;
        }
        let path = entry
            .path()
            .context("bad path in `git archive` output")?
            .into_owned();
        let mut header = entry.header().clone();
        if kind == tar::EntryType::Symlink {
            let target = entry
                .link_name()?
                .map(|t| t.into_owned())
                .unwrap_or_default();
            builder.append_link(&mut header, &path, &target)?;
        } else {
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            builder.append_data(&mut header, &path, data.as_slice())?;
        }
    }
    Ok(())
}

/// Submodules (recursively) as the release commit records them: (path
/// relative to `repo`, commit). They are read from `commit`'s tree (gitlinks,
/// mode 160000), not from what happens to be checked out, so the tarball is
/// the release commit's even when a submodule's work tree has moved on.
fn submodules(repo: &Path, commit: &str) -> anyhow::Result<Vec<(String, String)>> {
    let out = Command::new("git")
        .args(["ls-tree", "-r", "-z", commit])
        .current_dir(repo)
        .output()
        .context("failed to run `git ls-tree`")?;
    if !out.status.success() {
        bail!(
            "`git ls-tree {commit}` failed in `{}`: {}",
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut subs = Vec::new();
    for entry in out.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        // "<mode> <type> <object>\t<path>"
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split_whitespace();
        let (Some(mode), Some(_), Some(sha)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if mode != "160000" {
            continue;
        }
        let dir = repo.join(path);
        let present = Command::new("git")
            .args(["cat-file", "-e", &format!("{sha}^{{commit}}")])
            .current_dir(&dir)
            .output()
            .is_ok_and(|o| o.status.success())
            && dir.join(".git").exists();
        if !present {
            bail!("submodule `{path}` at {sha} is not available, so it cannot go into the source tarball; run `git submodule update --init --recursive`");
        }
        for (inner, inner_sha) in submodules(&dir, sha)? {
            subs.push((format!("{path}/{inner}"), inner_sha));
        }
        subs.push((path.to_string(), sha.to_string()));
    }
    subs.sort();
    Ok(subs)
}

/// A writer that counts and (optionally) hashes.
struct CountingHasher<W: Write> {
    inner: Result<HashingWriter<W>, (W, u64)>,
}

impl<W: Write> CountingHasher<W> {
    fn new(inner: W, algo: Option<ChecksumAlgorithm>) -> Self {
        CountingHasher {
            inner: match algo {
                Some(a) => Ok(HashingWriter::new(inner, a)),
                None => Err((inner, 0)),
            },
        }
    }

    fn finish(self) -> (W, Option<String>, u64) {
        match self.inner {
            Ok(h) => {
                let (w, hex, n) = h.finish();
                (w, Some(hex), n)
            }
            Err((w, n)) => (w, None, n),
        }
    }
}

impl<W: Write> Write for CountingHasher<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.inner {
            Ok(h) => h.write(buf),
            Err((w, n)) => {
                let written = w.write(buf)?;
                *n += written as u64;
                Ok(written)
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Ok(h) => h.flush(),
            Err((w, _)) => w.flush(),
        }
    }
}
