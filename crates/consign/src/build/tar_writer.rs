//! The one tar writer: release archives, the npm package and OCI image
//! layers and archives all write their tar streams through [`TarWriter`].
//!
//! **Invariant:** every tar consign writes is reproducible: entries in
//! sorted path order (the writer refuses any other order), the one mtime
//! given (`SOURCE_DATE_EPOCH` or the commit's), uid/gid 0, empty owner and
//! group names, mode 0755 for directories and executables and 0644 for
//! other files, and ustar headers (long paths get GNU long-name entries).
//! What compresses the stream is the caller's business.

use std::io::{self, Read, Write};

use anyhow::{bail, Context as _, Result};

/// A tar stream being written into `W`.
pub struct TarWriter<W: Write> {
    builder: tar::Builder<W>,
    mtime: u64,
    last: Option<String>,
}

impl<W: Write> TarWriter<W> {
    /// Start a tar stream into `out`, every entry stamped with `mtime`.
    pub fn new(out: W, mtime: u64) -> TarWriter<W> {
        TarWriter {
            builder: tar::Builder::new(out),
            mtime,
            last: None,
        }
    }

    /// Add the directory `path` (mode 0755).
    pub fn dir(&mut self, path: &str) -> Result<()> {
        let mut header = self.header(path, tar::EntryType::Directory, 0o755, 0)?;
        self.builder
            .append_data(&mut header, path, io::empty())
            .with_context(|| format!("cannot add `{path}` to a tar"))
    }

    /// Add the file `path` of `size` bytes read from `data` (mode 0755 when
    /// `executable`, else 0644). `data` must hold exactly `size` bytes.
    pub fn file(&mut self, path: &str, executable: bool, size: u64, data: impl Read) -> Result<()> {
        let mode = if executable { 0o755 } else { 0o644 };
        let mut header = self.header(path, tar::EntryType::Regular, mode, size)?;
        let mut data = data.take(size);
        self.builder
            .append_data(&mut header, path, &mut data)
            .with_context(|| format!("cannot add `{path}` to a tar"))?;
        let short = data.limit();
        if short > 0 {
            bail!(
                "cannot add `{path}` to a tar: it ended {short} bytes short of the {size} expected"
            );
        }
        Ok(())
    }

    /// Add the file `path` holding `bytes`.
    pub fn bytes(&mut self, path: &str, executable: bool, bytes: &[u8]) -> Result<()> {
        self.file(path, executable, bytes.len() as u64, bytes)
    }

    /// End the stream (two zero blocks) and return what it was written into.
    pub fn finish(self) -> Result<W> {
        self.builder.into_inner().context("cannot finish a tar")
    }

    /// The header every entry of ours has, after checking the order.
    fn header(
        &mut self,
        path: &str,
        kind: tar::EntryType,
        mode: u32,
        size: u64,
    ) -> Result<tar::Header> {
        if let Some(last) = &self.last {
            if last.as_str() >= path {
                bail!("internal error (a bug): tar entry `{path}` does not sort after `{last}`");
            }
        }
        self.last = Some(path.to_string());
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(size);
        header.set_mtime(self.mtime);
        header.set_uid(0);
        header.set_gid(0);
        header
            .set_username("")
            .context("cannot write a tar header")?;
        header
            .set_groupname("")
            .context("cannot write a tar header")?;
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path, and for a file its bytes and whether it is executable.
    type TestEntry<'a> = (&'a str, Option<(&'a [u8], bool)>);

    fn write(entries: &[TestEntry]) -> Result<Vec<u8>> {
        let mut tar = TarWriter::new(Vec::new(), 1_700_000_000);
        for (path, file) in entries {
            match file {
                None => tar.dir(path)?,
                Some((bytes, exe)) => tar.bytes(path, *exe, bytes)?,
            }
        }
        tar.finish()
    }

    #[test]
    fn entries_follow_the_reproducibility_rules() {
        let long = format!("app/{}/tool", "d".repeat(150));
        let bytes = write(&[
            ("app/", None),
            ("app/README.md", Some((b"read me", false))),
            (&long, Some((b"#!/bin/sh\n", true))),
            ("app/tool", Some((b"\x7fELF", true))),
        ])
        .unwrap();
        assert_eq!(
            bytes,
            write(&[
                ("app/", None),
                ("app/README.md", Some((b"read me", false))),
                (&long, Some((b"#!/bin/sh\n", true))),
                ("app/tool", Some((b"\x7fELF", true))),
            ])
            .unwrap()
        );
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header().clone();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            assert_eq!(h.mtime().unwrap(), 1_700_000_000, "{path}");
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0), "{path}");
            assert_eq!(h.username_bytes(), Some(&b""[..]), "{path}");
            assert_eq!(h.groupname_bytes(), Some(&b""[..]), "{path}");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            seen.push((path, h.mode().unwrap(), data));
        }
        let modes: Vec<(&str, u32)> = seen.iter().map(|(p, m, _)| (p.as_str(), *m)).collect();
        assert_eq!(
            modes,
            [
                ("app/", 0o755),
                ("app/README.md", 0o644),
                (long.as_str(), 0o755),
                ("app/tool", 0o755),
            ]
        );
        assert_eq!(seen[1].2, b"read me");
    }

    #[test]
    fn unsorted_entries_are_refused() {
        let err = write(&[("b", Some((b"", false))), ("a", Some((b"", false)))]).unwrap_err();
        assert!(
            err.to_string().contains("`a` does not sort after `b`"),
            "{err}"
        );
        let err = write(&[("a", None), ("a", None)]).unwrap_err();
        assert!(err.to_string().contains("(a bug)"), "{err}");
    }

    #[test]
    fn a_short_reader_is_an_error() {
        let mut tar = TarWriter::new(Vec::new(), 0);
        let err = tar.file("f", false, 10, &b"short"[..]).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot add `f` to a tar: it ended 5 bytes short of the 10 expected"),
            "{err:#}"
        );
    }
}
