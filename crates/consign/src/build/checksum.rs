//! Checksums of release artifacts.
//!
//! Every algorithm a `checksum = "..."` setting can name is computed here:
//! [`HashingWriter`] hashes bytes as they are written (so an archive's
//! checksum costs no second read), [`hash_file`] hashes a file already on
//! disk in fixed-size chunks, and [`checksum_line`] renders the line that
//! `sha256sum -c` and friends accept. Checksum files are written with
//! [`crate::fs::write_atomic`], so that a reader never sees half of one.
//!
//! Digests are lowercase hex. BLAKE2 comes in its full-width forms:
//! `blake2s` is BLAKE2s-256 and `blake2b` is BLAKE2b-512, the same digests
//! `b2sum` and `openssl dgst -blake2s256`/`-blake2b512` print.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use blake2::{Blake2b512, Blake2s256};
use digest::Digest;
use sha2::{Sha256, Sha512};
use sha3::{Sha3_256, Sha3_512};

use crate::fs::with_path;
use crate::project::config::ChecksumAlgorithm;

/// Size of the chunks [`hash_file`] reads.
const CHUNK: usize = 64 * 1024;

/// One running digest, of whichever algorithm was asked for.
#[derive(Clone)]
enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
    Sha3_256(Sha3_256),
    Sha3_512(Sha3_512),
    Blake2s(Blake2s256),
    Blake2b(Blake2b512),
}

impl Hasher {
    /// `None` for [`ChecksumAlgorithm::False`], which has no hash function.
    fn new(algo: ChecksumAlgorithm) -> Option<Hasher> {
        Some(match algo {
            ChecksumAlgorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            ChecksumAlgorithm::Sha512 => Hasher::Sha512(Sha512::new()),
            ChecksumAlgorithm::Sha3_256 => Hasher::Sha3_256(Sha3_256::new()),
            ChecksumAlgorithm::Sha3_512 => Hasher::Sha3_512(Sha3_512::new()),
            ChecksumAlgorithm::Blake2s => Hasher::Blake2s(Blake2s256::new()),
            ChecksumAlgorithm::Blake2b => Hasher::Blake2b(Blake2b512::new()),
            ChecksumAlgorithm::False => return None,
        })
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
            Hasher::Sha3_256(h) => h.update(bytes),
            Hasher::Sha3_512(h) => h.update(bytes),
            Hasher::Blake2s(h) => h.update(bytes),
            Hasher::Blake2b(h) => h.update(bytes),
        }
    }

    /// The digest as lowercase hex.
    fn finish_hex(self) -> String {
        match self {
            Hasher::Sha256(h) => hex::encode(h.finalize()),
            Hasher::Sha512(h) => hex::encode(h.finalize()),
            Hasher::Sha3_256(h) => hex::encode(h.finalize()),
            Hasher::Sha3_512(h) => hex::encode(h.finalize()),
            Hasher::Blake2s(h) => hex::encode(h.finalize()),
            Hasher::Blake2b(h) => hex::encode(h.finalize()),
        }
    }
}

/// The error for hashing with [`ChecksumAlgorithm::False`].
fn no_hash_function() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "checksum algorithm `false` means checksums are off; there is nothing to hash with",
    )
}

/// A writer that hashes and counts every byte that reaches the writer it
/// wraps.
///
/// Only bytes the inner writer accepted are hashed, so a short write hashes
/// exactly the part that was written.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Hasher,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wrap `inner`, hashing with `algo`.
    ///
    /// # Panics
    ///
    /// If `algo` is [`ChecksumAlgorithm::False`]: "no checksum" has no hash
    /// function, and asking for one is a bug in the caller.
    pub fn new(inner: W, algo: ChecksumAlgorithm) -> HashingWriter<W> {
        let Some(hasher) = Hasher::new(algo) else {
            panic!("HashingWriter::new called with ChecksumAlgorithm::False (checksums are off)");
        };
        HashingWriter {
            inner,
            hasher,
            bytes: 0,
        }
    }

    /// The writer this one wraps.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// How many bytes were written so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// Unwrap: the inner writer (not flushed), the lowercase hex digest of
    /// everything written, and how many bytes that was.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, self.hasher.finish_hex(), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The lowercase hex digest of the file at `path`, read in 64 KiB chunks.
///
/// Errors name `path`. Hashing with [`ChecksumAlgorithm::False`] is an
/// [`io::ErrorKind::InvalidInput`] error.
pub fn hash_file(path: &Path, algo: ChecksumAlgorithm) -> io::Result<String> {
    let mut hasher = Hasher::new(algo).ok_or_else(no_hash_function)?;
    let mut file = File::open(path).map_err(|e| with_path(e, "cannot open", path))?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(with_path(e, "cannot read", path)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish_hex())
}

/// One line of a checksum file: `"{hex} *{file_name}\n"`, the binary-mode
/// form that `sha256sum -c`, `sha512sum -c` and `b2sum -c` accept.
pub fn checksum_line(hex: &str, file_name: &str) -> String {
    format!("{hex} *{file_name}\n")
}

/// Checksum files are written with the one atomic writer.
pub use crate::fs::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_tools::stdout_ok as run;
    use std::fs;
    use std::process::Command;

    const ALL: [ChecksumAlgorithm; 6] = [
        ChecksumAlgorithm::Sha256,
        ChecksumAlgorithm::Sha512,
        ChecksumAlgorithm::Sha3_256,
        ChecksumAlgorithm::Sha3_512,
        ChecksumAlgorithm::Blake2s,
        ChecksumAlgorithm::Blake2b,
    ];

    /// Bytes that span several read chunks and end mid-chunk.
    fn sample() -> Vec<u8> {
        (0..(3 * CHUNK + 12_345))
            .map(|i| (i * 7 + i / 251) as u8)
            .collect()
    }

    /// The system tool that checks a checksum file for `algo`, if it has a
    /// `-c` mode.
    fn check_tool(algo: ChecksumAlgorithm) -> Option<&'static str> {
        match algo {
            ChecksumAlgorithm::Sha256 => Some("sha256sum"),
            ChecksumAlgorithm::Sha512 => Some("sha512sum"),
            ChecksumAlgorithm::Blake2b => Some("b2sum"),
            _ => None,
        }
    }

    fn openssl_digest(algo: ChecksumAlgorithm) -> &'static str {
        match algo {
            ChecksumAlgorithm::Sha256 => "-sha256",
            ChecksumAlgorithm::Sha512 => "-sha512",
            ChecksumAlgorithm::Sha3_256 => "-sha3-256",
            ChecksumAlgorithm::Sha3_512 => "-sha3-512",
            ChecksumAlgorithm::Blake2s => "-blake2s256",
            ChecksumAlgorithm::Blake2b => "-blake2b512",
            ChecksumAlgorithm::False => unreachable!(),
        }
    }

    #[test]
    fn every_algorithm_agrees_with_the_system_tools() {
        let dir = tempfile::tempdir().unwrap();
        let name = "app-x86_64-unknown-linux-gnu.tar.xz";
        let file = dir.path().join(name);
        fs::write(&file, sample()).unwrap();
        for algo in ALL {
            let hex = hash_file(&file, algo).unwrap();
            let sum_name = format!("{name}.{}", algo.as_str());
            let sum_file = dir.path().join(&sum_name);
            write_atomic(&sum_file, checksum_line(&hex, name).as_bytes()).unwrap();

            // openssl prints `ALGO(file)= hex`; compare the hex.
            let out = run(Command::new("openssl")
                .arg("dgst")
                .arg(openssl_digest(algo))
                .arg(&file));
            let theirs = out.trim().rsplit(' ').next().unwrap();
            assert_eq!(hex, theirs, "{algo} disagrees with openssl: {out}");

            if let Some(tool) = check_tool(algo) {
                let out = run(Command::new(tool)
                    .arg("-c")
                    .arg(&sum_name)
                    .current_dir(dir.path()));
                assert_eq!(out, format!("{name}: OK\n"), "{tool} -c");
            }
        }
    }

    #[test]
    fn digest_lengths_and_known_empty_values() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        fs::write(&empty, b"").unwrap();
        let expect = [
            (
                ChecksumAlgorithm::Sha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                ChecksumAlgorithm::Sha3_256,
                "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
            ),
            (
                ChecksumAlgorithm::Blake2s,
                "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9",
            ),
        ];
        for (algo, hex) in expect {
            assert_eq!(hash_file(&empty, algo).unwrap(), hex, "{algo}");
        }
        for algo in ALL {
            let len = hash_file(&empty, algo).unwrap().len();
            let bits = if algo.as_str().ends_with("256") || algo == ChecksumAlgorithm::Blake2s {
                256
            } else {
                512
            };
            assert_eq!(len * 4, bits, "{algo}");
        }
    }

    #[test]
    fn hashing_writer_matches_hash_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = sample();
        for algo in ALL {
            let path = dir.path().join(format!("out-{}", algo.as_str()));
            let mut w = HashingWriter::new(File::create(&path).unwrap(), algo);
            // Uneven write sizes, so chunk boundaries differ from hash_file's.
            for piece in data.chunks(10_007) {
                w.write_all(piece).unwrap();
            }
            w.flush().unwrap();
            assert_eq!(w.bytes_written(), data.len() as u64);
            let (file, hex, bytes) = w.finish();
            drop(file);
            assert_eq!(bytes, data.len() as u64);
            assert_eq!(fs::read(&path).unwrap(), data);
            assert_eq!(hex, hash_file(&path, algo).unwrap(), "{algo}");
        }
    }

    /// A writer that accepts at most 5 bytes per call.
    struct Trickle(Vec<u8>);

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(5);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn short_writes_hash_only_what_was_written() {
        let data = sample();
        let mut w = HashingWriter::new(Trickle(Vec::new()), ChecksumAlgorithm::Sha256);
        w.write_all(&data).unwrap();
        let (inner, hex, bytes) = w.finish();
        assert_eq!(inner.0, data);
        assert_eq!(bytes, data.len() as u64);
        assert_eq!(hex, hex::encode(Sha256::digest(&data)));
    }

    #[test]
    #[should_panic(expected = "ChecksumAlgorithm::False")]
    fn hashing_writer_refuses_false() {
        let _ = HashingWriter::new(Vec::new(), ChecksumAlgorithm::False);
    }

    #[test]
    fn hash_file_refuses_false_and_names_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, b"x").unwrap();
        let err = hash_file(&file, ChecksumAlgorithm::False).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

        let missing = dir.path().join("missing.tar.xz");
        let err = hash_file(&missing, ChecksumAlgorithm::Sha256).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("missing.tar.xz"), "{err}");
    }

    #[test]
    fn checksum_line_format() {
        assert_eq!(checksum_line("abc123", "a.zip"), "abc123 *a.zip\n");
    }
}
