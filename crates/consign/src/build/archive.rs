//! Release archives: `.tar.xz`, `.tar.gz`, `.tar.zst` and `.zip`.
//!
//! [`write_archive`] packs files and directories into one archive and
//! returns its size and checksum. Three promises hold for every format:
//!
//! - **Atomic.** The archive is written to a temporary file beside `dest`,
//!   synced, and renamed over `dest` only when complete
//!   ([`crate::fs::write_atomic_with`]). On any error
//!   the temporary file is removed and `dest` is left as it was; the error
//!   names the path at fault (the source that could not be read, or the
//!   archive that could not be written).
//! - **Reproducible, bit for bit.** The same inputs (file contents, archive
//!   paths, `executable` flags, [`ArchiveOptions`]) give the same bytes, on
//!   any machine with any number of cores: entries are sorted by their path
//!   in the archive, every entry gets the mtime of [`ArchiveOptions::mtime`],
//!   uid/gid 0 with empty user and group names, and mode 0755 (directories
//!   and executables) or 0644 (everything else). Nothing is taken from the
//!   file system but contents and the file/directory distinction; in
//!   particular a file's own permission bits are ignored, so an archive built
//!   on Windows matches one built on Linux (the `.zip` format aside, whose
//!   "made by" byte the zip crate sets to the host system).
//! - **Checksummed while written.** The compressed bytes pass through a
//!   [`HashingWriter`] on their way to disk, so the checksum costs no second
//!   read of the archive, for zip too (see below).
//!
//! Tarballs use GNU headers throughout (GNU long-name records for paths over
//! 100 bytes; never pax headers) and contain a directory entry for every
//! parent directory of every file, so extracting creates them with mode 0755.
//!
//! A directory source is expanded recursively, its children sorted and placed
//! under the entry's `dest`; its files inherit the entry's `executable` flag.
//! Symbolic links *inside* a directory source are rejected with an error
//! naming the link: release archives are extracted on every platform, and
//! Windows tools handle links in archives badly. A symlink given directly as
//! an entry's `source` is followed.
//!
//! Compression settings and why. [`ArchiveOptions::compression`] (the
//! `compression` config key) picks one of two sets; everything in them is a
//! constant, never derived from the machine:
//!
//! - `best` (the default): archives of real Rust binaries as small as
//!   `xz -9` makes them. A release is compressed once and downloaded many
//!   times, so bytes matter more than CI seconds.
//! - `fast`: several times faster, a few percent larger.
//!
//! Per format:
//!
//! - `.tar.xz`: liblzma's multi-threaded encoder, one thread per core. Its
//!   output depends only on the filter chain and the block size, never on
//!   the thread count (tested). `best`: `xz -9`'s BT4 match finder and
//!   `nice_len` 64; inputs of 24 MiB or more are cut into an even number of
//!   equal blocks of at most 24 MiB (the size is computed from the input's
//!   size alone), smaller ones are one block; `fast`: HC4,
//!   `nice_len` 20, 4 MiB dictionary, 12 MiB blocks. Both put the x86 BCJ
//!   filter first when the main binary is x86 code ([`use_x86_filter`]).
//!   The measurements are beside the `XZ_BEST` and `XZ_FAST` constants.
//! - `.tar.zst`: zstd with one worker per core. zstd's multi-threaded
//!   frames are cut into jobs whose size depends only on the compression
//!   parameters, so the bytes are the same for any worker count of one or
//!   more (tested). The single-threaded mode (0 workers) is never used: its
//!   framing differs. `best`: level 19 with long-distance matching and a
//!   128 MiB window; `fast`: level 19.
//! - `.tar.gz`: deflate at the best level in both modes, gzip header with
//!   mtime 0, no file name and OS byte 255.
//! - `.zip`: deflate level 9 in both modes (the best level of the one
//!   method every unzip tool reads), entries stamped with `mtime` as a DOS
//!   time in UTC (clamped to 1980-01-01..2107-12-31), unix permissions in
//!   the external attributes. The zip is written in streaming mode (sizes and
//!   CRCs in data descriptors after each entry instead of patched into the
//!   local headers), so it needs no `Seek` and goes through the same hashing
//!   writer as the tarballs. Every unzip tool reads data descriptors.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use flate2::GzBuilder;
use liblzma::stream::{Check, Filters, LzmaOptions, MatchFinder, Mode, MtStreamBuilder, Stream};

use super::checksum::HashingWriter;
use super::tar_writer::TarWriter;
use crate::project::config::{ArchiveFormat, ChecksumAlgorithm, Compression};

/// One thing to put in an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// A file or directory on disk.
    pub source: PathBuf,
    /// Its path inside the archive, `/`-separated and relative.
    pub dest: String,
    /// Mode 0755 instead of 0644 (for a directory source: for every file
    /// under it).
    pub executable: bool,
}

/// How to write an archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveOptions {
    /// The container and compression.
    pub format: ArchiveFormat,
    /// How hard to compress (see the module docs).
    pub compression: Compression,
    /// The modification time of every entry, in Unix seconds (typically the
    /// release commit's time).
    pub mtime: u64,
    /// The checksum to compute while writing; `None` for none.
    /// `Some(ChecksumAlgorithm::False)` is an error.
    pub checksum: Option<ChecksumAlgorithm>,
}

/// An archive that [`write_archive`] finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenArchive {
    /// Where it is (the `dest` it was asked for).
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its checksum as lowercase hex, if one was asked for.
    pub checksum: Option<String>,
}

/// Upper bound on the xz encoder's memory; fewer threads are used if more
/// would exceed it (the output does not change).
const XZ_MEMORY_BUDGET: u64 = 2 << 30;

/// Settings of the `.xz` encoder. Everything here shapes the output, so
/// none of it may depend on the machine.
#[derive(Clone, Copy, Debug)]
struct XzParams {
    /// How the input is cut into blocks. Blocks are the unit of
    /// parallelism: more, smaller blocks keep more cores busy, at the cost
    /// of ratio (each block starts with an empty dictionary).
    blocks: XzBlocks,
    /// LZMA2 dictionary size; never more than the block size is used, nor
    /// allocated.
    dict_size: u32,
    /// The binary-tree match finder (BT4, `xz -6`..`-9`'s) rather than the
    /// hash chain (HC4): slower, finds better matches.
    binary_tree: bool,
    /// LZMA2 "nice length": matches this long are taken without looking for
    /// longer ones. The main speed/ratio knob after the match finder.
    nice_len: u32,
    /// Match-finder search depth; 0 lets liblzma derive it from `nice_len`.
    depth: u32,
}

/// How `.xz` blocks are sized: from the settings and the input's size
/// alone, never from the machine.
#[derive(Clone, Copy, Debug)]
enum XzBlocks {
    /// A new block every this many uncompressed bytes.
    Fixed(u64),
    /// An even number of equal blocks, each at most `max` bytes: two for
    /// large binaries, so that two cores share the work evenly (and four
    /// cores a larger input). Inputs under `2 × min` bytes are one block.
    EvenSplit { min: u64, max: u64 },
}

impl XzBlocks {
    /// The block size for `total` bytes of file contents.
    fn block_size(self, total: u64) -> u64 {
        match self {
            XzBlocks::Fixed(size) => size,
            XzBlocks::EvenSplit { min, max } => {
                // Room for the tar headers and padding, so that they do
                // not spill into a tiny extra block.
                const SLACK: u64 = 64 << 10;
                let count = if total < 2 * min {
                    1
                } else {
                    2 * total.div_ceil(2 * max)
                };
                total.div_ceil(count) + SLACK
            }
        }
    }
}

/// `.tar.xz` with `compression = "best"` (the default): as small as
/// `xz -9` (one block, 64 MiB dictionary, BT4, `nice_len` 64) makes real
/// Rust binaries, and for binaries of 24 MiB or more about twice as fast on
/// two cores. Measured with
/// `benches/package.sh`; the figures are in ARCHITECTURE.md.
///
/// - `xz -9`'s match finder and `nice_len`, which are the ratio; the
///   x86 BCJ filter makes machine code ~4% smaller, which pays for cutting
///   the input into blocks that compress in parallel. `nice_len` 128 or
///   273 saves 0.25% for 25% more time; 32 loses 0.6%.
/// - Blocks of equal size, two for inputs up to 48 MiB: `cargo` (42 MB,
///   `xz -9`: 10.96 MB) is 10,870,596 bytes in two 20 MiB blocks,
///   10,915,360 in 16 MiB blocks, 10,943,132 in 12 MiB and 10,988,844 in
///   8 MiB ones; fixed sizes also leave one core idle at the end (16 MiB
///   blocks cut 40 MiB into 16 + 16 + 8).
/// - Smaller blocks cost too much: consign's own 12 MB binary in two
///   5.8 MiB blocks is 0.87% larger than `xz -9`'s. So inputs under
///   24 MiB stay one block, as small as `xz -9`'s but no faster; size
///   comes first.
const XZ_BEST: XzParams = XzParams {
    blocks: XzBlocks::EvenSplit {
        min: 12 << 20,
        max: 24 << 20,
    },
    dict_size: 24 << 20,
    binary_tree: true,
    nice_len: 64,
    depth: 0,
};

/// `.tar.xz` with `compression = "fast"`: several times faster than
/// `xz -9 -T1` on two cores, 5-8% larger on real Rust binaries. Chosen on
/// 55 MiB of concatenated x86-64 shared libraries against `xz -9 -T1`
/// (12,363,996 bytes, 26-30 s of CPU); sizes with 12 MiB blocks:
///
/// | settings                       | size       | vs -9  | CPU s   |
/// |--------------------------------|------------|--------|---------|
/// | HC4, nice 16, BCJ (preset 4's) | 12,650,544 | +2.3%  | 12.4-12.8 |
/// | **HC4, nice 20, BCJ**          | 12,542,656 | +1.45% | 12.8-13.1 |
/// | HC4, nice 24, BCJ              | 12,445,080 | +0.7%  | 14.1    |
/// | BT4, nice 16, BCJ (preset 4)   | 12,480,020 | +0.9%  | ~15     |
/// | HC4, nice 20, no BCJ           | 12,938,744 | +4.6%  | ~13     |
/// | preset 6 (BT4, 8 MiB), no BCJ  | 12,504,588 | +1.1%  | ~26     |
///
/// The hash-chain finder (HC4) costs half of BT4; 12 MiB blocks (3 × the
/// 4 MiB dictionary) share well between cores.
const XZ_FAST: XzParams = XzParams {
    blocks: XzBlocks::Fixed(12 << 20),
    dict_size: 4 << 20,
    binary_tree: false,
    nice_len: 20,
    depth: 0,
};

/// Settings of the `.zst` encoder. Like [`XzParams`], nothing here may
/// depend on the machine.
#[derive(Clone, Copy, Debug)]
struct ZstdParams {
    level: i32,
    /// Long-distance matching.
    long: bool,
    /// The window, as a power of two; `None`: the level's default.
    window_log: Option<u32>,
    /// The size of a multi-threaded job; `None`: zstd's default for the
    /// window (4 × the window, at least 1 MiB). Tests set it small: zstd
    /// never makes a job smaller than the window it overlaps.
    job_size: Option<u32>,
}

/// `.tar.zst` with `compression = "best"`: level 19 with long-distance
/// matching and a 128 MiB window (2^27, the largest `zstd -d` and
/// `tar --zstd` decompress without being asked for more memory), so the
/// whole of a typical binary is in reach of every match.
const ZSTD_BEST: ZstdParams = ZstdParams {
    level: 19,
    long: true,
    window_log: Some(27),
    job_size: None,
};

/// `.tar.zst` with `compression = "fast"`: level 19 with its own 8 MiB
/// window.
const ZSTD_FAST: ZstdParams = ZstdParams {
    level: 19,
    long: false,
    window_log: None,
    job_size: None,
};

/// The deflate level of `.tar.gz` and `.zip` in both modes: 9 is deflate's
/// best, and deflate is the one method every unzip tool reads.
const DEFLATE_LEVEL: u32 = 9;

/// The machine-independent settings for `compression`.
fn settings(compression: Compression) -> (XzParams, ZstdParams) {
    match compression {
        Compression::Best => (XZ_BEST, ZSTD_BEST),
        Compression::Fast => (XZ_FAST, ZSTD_FAST),
    }
}

/// The encoder settings `format` gets with `compression`, in words, for
/// reports and benchmarks.
pub fn describe_settings(format: ArchiveFormat, compression: Compression) -> String {
    let (xz, zstd) = settings(compression);
    match format {
        ArchiveFormat::TarXz => {
            let depth = match xz.depth {
                0 => "auto".to_string(),
                d => d.to_string(),
            };
            let blocks = match xz.blocks {
                XzBlocks::Fixed(size) => format!("{} MiB blocks", size >> 20),
                XzBlocks::EvenSplit { min, max } => format!(
                    "an even number of equal blocks of at most {} MiB (one under {} MiB)",
                    max >> 20,
                    (2 * min) >> 20
                ),
            };
            format!(
                "LZMA2 normal mode, {} match finder, nice_len {}, depth {depth}, \
                 dictionary up to {} MiB, {blocks}, x86 BCJ filter for x86 code",
                if xz.binary_tree { "BT4" } else { "HC4" },
                xz.nice_len,
                xz.dict_size >> 20,
            )
        }
        ArchiveFormat::TarZst | ArchiveFormat::TarZstd => format!(
            "level {}{}{}, one worker per core",
            zstd.level,
            if zstd.long {
                ", long-distance matching"
            } else {
                ""
            },
            zstd.window_log
                .map(|w| format!(", {} MiB window", (1u64 << w) >> 20))
                .unwrap_or_default()
        ),
        ArchiveFormat::TarGz | ArchiveFormat::Zip => format!("deflate level {DEFLATE_LEVEL}"),
    }
}

/// Write an archive of `entries` to `dest`, using every core.
///
/// See the [module documentation](self) for the guarantees: atomic,
/// reproducible, checksummed while written.
pub fn write_archive(
    dest: &Path,
    entries: &[ArchiveEntry],
    opts: &ArchiveOptions,
) -> Result<WrittenArchive> {
    write_archive_with_threads(dest, entries, opts, default_threads())
}

/// [`write_archive`] with at most `threads` compression threads (xz, zstd;
/// 0 is taken as 1). The output is identical for every thread count; this
/// exists to prove that in tests and benchmarks.
pub fn write_archive_with_threads(
    dest: &Path,
    entries: &[ArchiveEntry],
    opts: &ArchiveOptions,
    threads: usize,
) -> Result<WrittenArchive> {
    if opts.checksum == Some(ChecksumAlgorithm::False) {
        bail!(
            "cannot write {}: checksum algorithm `false` means no checksum (pass None)",
            dest.display()
        );
    }
    let items = collect(entries)?;
    let (xz, zstd) = settings(opts.compression);
    let params = Params {
        threads: threads.max(1),
        xz,
        zstd,
    };
    write_items(dest, &items, opts, &params)
}

/// The number of cores this process may use.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Machine-independent settings plus the thread count, so that tests can
/// shrink the blocks and jobs to check determinism on small inputs.
#[derive(Clone, Copy, Debug)]
struct Params {
    threads: usize,
    xz: XzParams,
    zstd: ZstdParams,
}

/// One entry of the archive being written.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Item {
    /// Path in the archive; directories end in `/`.
    name: String,
    /// `None` for a directory.
    source: Option<PathBuf>,
    mode: u32,
}

/// What an archive path holds while the list is being built.
enum Node {
    /// `origin`: the entry source it came from, for error messages
    /// (`None` for a parent directory added implicitly).
    Dir {
        origin: Option<PathBuf>,
    },
    File {
        source: PathBuf,
        executable: bool,
    },
}

/// The paths of the files (not directories) an archive of `entries` holds,
/// sorted: directories expanded exactly as [`write_archive`] expands them.
pub fn file_paths(entries: &[ArchiveEntry]) -> Result<Vec<String>> {
    Ok(collect(entries)?
        .into_iter()
        .filter(|item| item.source.is_some())
        .map(|item| item.name)
        .collect())
}

/// Expand, check and sort `entries` into the archive's items, before any
/// file is created: a missing source fails here.
fn collect(entries: &[ArchiveEntry]) -> Result<Vec<Item>> {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for entry in entries {
        check_dest(&entry.dest)?;
        let meta = fs::metadata(&entry.source)
            .with_context(|| format!("cannot read {}", entry.source.display()))?;
        if meta.is_dir() {
            add_dir(&mut nodes, &entry.source, &entry.dest, entry.executable)?;
        } else if meta.is_file() {
            let node = Node::File {
                source: entry.source.clone(),
                executable: entry.executable,
            };
            insert(&mut nodes, entry.dest.clone(), node)?;
        } else {
            bail!(
                "{} is neither a file nor a directory",
                entry.source.display()
            );
        }
    }

    // Every parent directory of every entry gets its own entry.
    let mut parents = Vec::new();
    for path in nodes.keys() {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            parents.push(path[..end].to_string());
            end += 1;
        }
    }
    for parent in parents {
        insert(&mut nodes, parent, Node::Dir { origin: None })?;
    }

    let mut items: Vec<Item> = nodes
        .into_iter()
        .map(|(path, node)| match node {
            Node::Dir { .. } => Item {
                name: format!("{path}/"),
                source: None,
                mode: 0o755,
            },
            Node::File { source, executable } => Item {
                name: path,
                source: Some(source),
                mode: if executable { 0o755 } else { 0o644 },
            },
        })
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(items)
}

/// Add directory `dir` (at archive path `dest`) and everything under it.
fn add_dir(
    nodes: &mut BTreeMap<String, Node>,
    dir: &Path,
    dest: &str,
    executable: bool,
) -> Result<()> {
    insert(
        nodes,
        dest.to_string(),
        Node::Dir {
            origin: Some(dir.to_path_buf()),
        },
    )?;
    let mut children = Vec::new();
    for child in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let child = child.with_context(|| format!("cannot read {}", dir.display()))?;
        children.push(child.path());
    }
    children.sort();
    for child in children {
        let name = child
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| {
                format!(
                    "{}: file name is not valid UTF-8, which archives cannot store portably",
                    child.display()
                )
            })?;
        let child_dest = format!("{dest}/{name}");
        check_dest(&child_dest)?;
        let meta = fs::symlink_metadata(&child)
            .with_context(|| format!("cannot read {}", child.display()))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            bail!(
                "{} is a symbolic link; consign does not put links in release archives \
                 (copy the file it points to instead)",
                child.display()
            );
        } else if kind.is_dir() {
            add_dir(nodes, &child, &child_dest, executable)?;
        } else if kind.is_file() {
            let node = Node::File {
                source: child,
                executable,
            };
            insert(nodes, child_dest, node)?;
        } else {
            bail!("{} is neither a file nor a directory", child.display());
        }
    }
    Ok(())
}

/// Add `node` at `path`; directories may be given twice, anything else only
/// once.
fn insert(nodes: &mut BTreeMap<String, Node>, path: String, node: Node) -> Result<()> {
    fn describe(node: &Node) -> String {
        match node {
            Node::Dir { origin: Some(p) } => format!("directory {}", p.display()),
            Node::Dir { origin: None } => "a parent directory of another entry".to_string(),
            Node::File { source, .. } => format!("file {}", source.display()),
        }
    }
    match nodes.get_mut(&path) {
        None => {
            nodes.insert(path, node);
        }
        Some(Node::Dir { origin }) if matches!(node, Node::Dir { .. }) => {
            if origin.is_none() {
                if let Node::Dir { origin: new } = node {
                    *origin = new;
                }
            }
        }
        Some(existing) => bail!(
            "two entries claim `{path}` in the archive: {} and {}",
            describe(existing),
            describe(&node)
        ),
    }
    Ok(())
}

/// An archive path must be relative, `/`-separated, with no empty, `.` or
/// `..` component.
fn check_dest(dest: &str) -> Result<()> {
    let bad = dest.is_empty()
        || dest.contains('\\')
        || dest.contains('\0')
        || dest
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if bad {
        bail!(
            "invalid path in archive: `{dest}` (it must be relative and '/'-separated, \
             with no empty, `.` or `..` component)"
        );
    }
    Ok(())
}

/// Write `items` to a temporary file beside `dest`, then rename it to `dest`
/// ([`crate::fs::write_atomic_with`]).
fn write_items(
    dest: &Path,
    items: &[Item],
    opts: &ArchiveOptions,
    params: &Params,
) -> Result<WrittenArchive> {
    crate::fs::write_atomic_with(dest, |tmp| {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let (checksum, size) = encode_items(file, items, opts, params, dest)?;
        Ok(WrittenArchive {
            path: dest.to_path_buf(),
            size,
            checksum,
        })
    })
}

/// Compress the archive of `items` into `file`: its checksum and size.
fn encode_items(
    file: File,
    items: &[Item],
    opts: &ArchiveOptions,
    params: &Params,
    dest: &Path,
) -> Result<(Option<String>, u64)> {
    let out = Output::new(file, opts.checksum);
    let out = match opts.format {
        ArchiveFormat::TarGz => {
            let enc = GzBuilder::new()
                .mtime(0)
                .write(out, flate2::Compression::new(DEFLATE_LEVEL));
            write_tar(enc, items, opts.mtime, dest)?
                .finish()
                .with_context(|| format!("cannot write {}", dest.display()))?
        }
        ArchiveFormat::TarXz => {
            let stream = xz_stream(items, params)?;
            let enc = liblzma::write::XzEncoder::new_stream(out, stream);
            write_tar(enc, items, opts.mtime, dest)?
                .finish()
                .with_context(|| format!("cannot write {}", dest.display()))?
        }
        ArchiveFormat::TarZst | ArchiveFormat::TarZstd => {
            let enc = zstd_encoder(out, params)
                .with_context(|| format!("cannot start zstd for {}", dest.display()))?;
            write_tar(enc, items, opts.mtime, dest)?
                .finish()
                .with_context(|| format!("cannot write {}", dest.display()))?
        }
        ArchiveFormat::Zip => write_zip(out, items, opts.mtime, dest)?,
    };
    let (_file, checksum, size) = out
        .finish()
        .with_context(|| format!("cannot write {}", dest.display()))?;
    Ok((checksum, size))
}

/// The archive file, buffered, hashed if a checksum was asked for, counted.
enum Output {
    Hashed(Box<HashingWriter<BufWriter<File>>>),
    Plain { file: BufWriter<File>, bytes: u64 },
}

impl Output {
    fn new(file: File, checksum: Option<ChecksumAlgorithm>) -> Output {
        let file = BufWriter::with_capacity(256 * 1024, file);
        match checksum {
            Some(algo) => Output::Hashed(Box::new(HashingWriter::new(file, algo))),
            None => Output::Plain { file, bytes: 0 },
        }
    }

    /// Flush, and return the file, the checksum and the size.
    fn finish(self) -> io::Result<(File, Option<String>, u64)> {
        let (file, checksum, bytes) = match self {
            Output::Hashed(w) => {
                let (file, hex, bytes) = w.finish();
                (file, Some(hex), bytes)
            }
            Output::Plain { file, bytes } => (file, None, bytes),
        };
        let file = file.into_inner().map_err(|e| e.into_error())?;
        Ok((file, checksum, bytes))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Hashed(w) => w.write(buf),
            Output::Plain { file, bytes } => {
                let n = file.write(buf)?;
                *bytes += n as u64;
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Hashed(w) => w.flush(),
            Output::Plain { file, .. } => file.flush(),
        }
    }
}

/// A source file being copied into the archive: read errors name it, and it
/// yields exactly the size recorded in the header (or fewer bytes, which the
/// caller turns into an error).
struct Source<'a> {
    inner: io::Take<File>,
    path: &'a Path,
}

impl<'a> Source<'a> {
    /// Open `path`; returns the reader and the file's size.
    fn open(path: &'a Path) -> Result<(Source<'a>, u64)> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let size = file
            .metadata()
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let inner = file.take(size);
        Ok((Source { inner, path }, size))
    }

    /// Fail if the file ended before the size recorded when it was opened.
    fn check_complete(&self) -> Result<()> {
        if self.inner.limit() != 0 {
            bail!("{} got shorter while being archived", self.path.display());
        }
        Ok(())
    }
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", self.path.display()),
            )
        })
    }
}

/// Write the tar stream of `items` into `w` (whatever compresses it) and
/// return `w`.
fn write_tar<W: Write>(w: W, items: &[Item], mtime: u64, dest: &Path) -> Result<W> {
    let mut tar = TarWriter::new(w, mtime);
    for item in items {
        let context = || format!("cannot add `{}` to {}", item.name, dest.display());
        match &item.source {
            None => tar.dir(&item.name).with_context(context)?,
            Some(path) => {
                let (mut source, size) = Source::open(path)?;
                tar.file(&item.name, item.mode == 0o755, size, &mut source)
                    .with_context(context)?;
                source.check_complete()?;
            }
        }
    }
    tar.finish()
        .with_context(|| format!("cannot write {}", dest.display()))
}

/// Write the zip of `items` into `out` and return `out`.
fn write_zip(out: Output, items: &[Item], mtime: u64, dest: &Path) -> Result<Output> {
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;

    let mut zip = zip::ZipWriter::new_stream(out);
    let base = SimpleFileOptions::default().last_modified_time(dos_time(mtime));
    for item in items {
        let context = || format!("cannot add `{}` to {}", item.name, dest.display());
        match &item.source {
            None => {
                let options = base.unix_permissions(item.mode);
                zip.add_directory(item.name.as_str(), options)
                    .with_context(context)?;
            }
            Some(path) => {
                let (mut source, size) = Source::open(path)?;
                let options = base
                    .compression_method(CompressionMethod::Deflated)
                    .compression_level(Some(i64::from(DEFLATE_LEVEL)))
                    .unix_permissions(item.mode)
                    .large_file(size >= u64::from(u32::MAX));
                zip.start_file(item.name.as_str(), options)
                    .with_context(context)?;
                io::copy(&mut source, &mut zip).with_context(context)?;
                source.check_complete()?;
            }
        }
    }
    let stream = zip
        .finish()
        .with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(stream.into_inner())
}

/// `unix_secs` as a zip (DOS) timestamp in UTC, clamped to the range DOS
/// times can hold.
fn dos_time(unix_secs: u64) -> zip::DateTime {
    // 1980-01-01 and 2107-12-31 23:59:58 (DOS times have 2-second steps).
    const MIN: u64 = 315_532_800;
    const MAX: u64 = 4_354_819_198;
    let secs = unix_secs.clamp(MIN, MAX);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_date(days);
    // In range by construction; fall back to the DOS epoch all the same.
    zip::DateTime::from_date_and_time(
        year as u16,
        month as u8,
        day as u8,
        (rem / 3600) as u8,
        (rem % 3600 / 60) as u8,
        (rem % 60) as u8,
    )
    .unwrap_or_default()
}

/// The proleptic Gregorian (year, month, day) of `days` since 1970-01-01.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01 so that leap days fall at the end of a year;
    // eras are the 400-year (146,097-day) cycles of the calendar.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The zstd encoder for `.tar.zst`: `params.zstd`, a content checksum, and
/// one worker per thread (always at least one; see the module docs).
fn zstd_encoder<W: Write>(
    out: W,
    params: &Params,
) -> io::Result<zstd::stream::write::Encoder<'static, W>> {
    use zstd::stream::raw::CParameter;
    let z = params.zstd;
    let mut enc = zstd::stream::write::Encoder::new(out, z.level)?;
    enc.include_checksum(true)?;
    let workers = u32::try_from(params.threads.max(1)).unwrap_or(u32::MAX);
    enc.multithread(workers)?;
    if z.long {
        enc.set_parameter(CParameter::EnableLongDistanceMatching(true))?;
    }
    if let Some(window_log) = z.window_log {
        enc.set_parameter(CParameter::WindowLog(window_log))?;
    }
    if let Some(job_size) = z.job_size {
        enc.set_parameter(CParameter::JobSize(job_size))?;
    }
    Ok(enc)
}

/// The liblzma multi-threaded encoder for `.tar.xz`.
fn xz_stream(items: &[Item], params: &Params) -> Result<Stream> {
    let x86 = use_x86_filter(items);
    let total: u64 = items
        .iter()
        .filter_map(|i| i.source.as_deref())
        .filter_map(|p| fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let xz = params.xz;
    let block_size = xz.blocks.block_size(total);
    // LZMA2 dictionaries are at least 4 KiB.
    let dict_size = u32::try_from(block_size)
        .unwrap_or(u32::MAX)
        .clamp(4096, xz.dict_size.max(4096));
    let builder = |threads: u32| -> Result<MtStreamBuilder> {
        let mut lzma = LzmaOptions::new_preset(4).context("liblzma rejected preset 4")?;
        let match_finder = if xz.binary_tree {
            MatchFinder::BinaryTree4
        } else {
            MatchFinder::HashChain4
        };
        lzma.dict_size(dict_size)
            .mode(Mode::Normal)
            .match_finder(match_finder)
            .nice_len(xz.nice_len)
            .depth(xz.depth);
        let mut filters = Filters::new();
        if x86 {
            filters.x86();
        }
        filters.lzma2(&lzma);
        let mut b = MtStreamBuilder::new();
        b.threads(threads)
            .block_size(block_size)
            .filters(filters)
            .check(Check::Crc64);
        Ok(b)
    };
    // More threads than blocks would only idle; the memory budget caps the
    // rest. Neither changes the output.
    let blocks = total.div_ceil(block_size).max(1);
    let mut threads = u32::try_from(blocks.min(params.threads as u64)).unwrap_or(u32::MAX);
    while threads > 1 && builder(threads)?.memusage() > XZ_MEMORY_BUDGET {
        threads -= 1;
    }
    builder(threads)?
        .encoder()
        .context("cannot start the liblzma encoder")
}

/// Whether the archive's largest native executable (ELF, PE or Mach-O,
/// judged by its header) is x86 or x86-64 code. Then the x86 BCJ filter
/// goes before LZMA2: it makes x86 code markedly smaller, and every xz
/// decoder since xz 5.0 (2010) supports it. For other code no filter is
/// used: ARM64's and RISC-V's filters need xz 5.4/5.6 to decompress, which
/// not every user has.
fn use_x86_filter(items: &[Item]) -> bool {
    let mut files: Vec<(u64, &Path)> = items
        .iter()
        .filter_map(|i| i.source.as_deref())
        .filter_map(|p| fs::metadata(p).ok().map(|m| (m.len(), p)))
        .collect();
    // Largest first; ties by path, so the choice never depends on order.
    files.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    for (_, path) in files {
        let mut head = Vec::with_capacity(4096);
        let read = File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
        if read.is_err() {
            // Reported when the file is archived.
            continue;
        }
        if let Some(is_x86) = machine_is_x86(&head) {
            return is_x86;
        }
    }
    false
}

/// From the first bytes of a file: `Some(true)` for x86/x86-64 ELF, PE or
/// Mach-O, `Some(false)` for one of those formats for another machine,
/// `None` for anything else.
fn machine_is_x86(head: &[u8]) -> Option<bool> {
    let u16_at = |at: usize, big_endian: bool| -> Option<u16> {
        let b: [u8; 2] = head.get(at..at + 2)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_le_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(head.get(at..at + 4)?.try_into().ok()?))
    };
    if head.starts_with(b"\x7fELF") {
        // e_machine: EM_386 = 3, EM_X86_64 = 62; byte order from EI_DATA.
        let machine = u16_at(18, *head.get(5)? == 2)?;
        return Some(matches!(machine, 3 | 62));
    }
    if head.starts_with(b"MZ") {
        let pe = usize::try_from(u32_le_at(0x3c)?).ok()?;
        if head.get(pe..pe + 4)? != b"PE\0\0" {
            return None;
        }
        // IMAGE_FILE_MACHINE_I386 / _AMD64.
        return Some(matches!(u16_at(pe + 4, false)?, 0x014c | 0x8664));
    }
    // Thin little-endian Mach-O (32- and 64-bit); CPU_TYPE_X86(_64).
    if matches!(u32_le_at(0)?, 0xfeed_face | 0xfeed_facf) {
        return Some(matches!(u32_le_at(4)?, 0x0000_0007 | 0x0100_0007));
    }
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::build::checksum::hash_file;
    use crate::test_tools::stdout_ok as run;
    use std::fs::FileTimes;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;
    use std::time::{Duration, SystemTime};

    /// 2023-11-14 22:13:20 UTC.
    const MTIME: u64 = 1_700_000_000;
    const FORMATS: [ArchiveFormat; 4] = [
        ArchiveFormat::TarXz,
        ArchiveFormat::TarGz,
        ArchiveFormat::TarZst,
        ArchiveFormat::Zip,
    ];
    const PREFIX: &str = "app-x86_64-unknown-linux-gnu";

    /// Deterministic, somewhat compressible bytes.
    fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(6_364_136_223_846_793_005) | 1;
        let words = [
            &b"call "[..],
            b"mov rax, ",
            b"\x48\x89\xe5",
            b"\xe8\x00\x10\x00\x00",
            b"ret\n",
            b"\x0f\x1f\x44\x00\x00",
        ];
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x % 3 == 0 {
                out.extend_from_slice(&x.to_le_bytes()[..(x % 7) as usize]);
            } else {
                out.extend_from_slice(words[(x >> 8) as usize % words.len()]);
            }
        }
        out.truncate(len);
        out
    }

    /// A fake x86-64 ELF executable: a real header, then code-like bytes.
    fn fake_elf(len: usize) -> Vec<u8> {
        let mut data = pseudo_random(len, 1);
        data[..4].copy_from_slice(b"\x7fELF");
        data[4] = 2; // 64-bit
        data[5] = 1; // little-endian
        data[18..20].copy_from_slice(&62u16.to_le_bytes());
        data
    }

    /// The tree of a typical release, and the entries that pack it.
    struct Fixture {
        _dir: tempfile::TempDir,
        root: PathBuf,
        entries: Vec<ArchiveEntry>,
        /// (path in the archive, contents, mode) of every file.
        files: Vec<(String, Vec<u8>, u32)>,
    }

    fn fixture(zip: bool) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("src");
        fs::create_dir_all(root.join("docs/man/man1")).unwrap();
        let files_on_disk: [(&str, Vec<u8>); 4] = [
            ("app", fake_elf(300_000)),
            ("README.md", b"# app\n\nIt does things.\n".to_vec()),
            ("docs/guide.md", pseudo_random(5000, 2)),
            ("docs/man/man1/app.1", b".TH APP 1\n".to_vec()),
        ];
        for (path, data) in &files_on_disk {
            fs::write(root.join(path), data).unwrap();
        }
        let prefix = if zip {
            String::new()
        } else {
            format!("{PREFIX}/")
        };
        let entries = vec![
            ArchiveEntry {
                source: root.join("app"),
                dest: format!("{prefix}app"),
                executable: true,
            },
            ArchiveEntry {
                source: root.join("README.md"),
                dest: format!("{prefix}README.md"),
                executable: false,
            },
            ArchiveEntry {
                source: root.join("docs"),
                dest: format!("{prefix}docs"),
                executable: false,
            },
        ];
        let files = files_on_disk
            .into_iter()
            .map(|(path, data)| {
                let mode = if path == "app" { 0o755 } else { 0o644 };
                (format!("{prefix}{path}"), data, mode)
            })
            .collect();
        Fixture {
            _dir: dir,
            root,
            entries,
            files,
        }
    }

    fn opts(format: ArchiveFormat) -> ArchiveOptions {
        opts_with(format, Compression::Best)
    }

    fn opts_with(format: ArchiveFormat, compression: Compression) -> ArchiveOptions {
        ArchiveOptions {
            format,
            compression,
            mtime: MTIME,
            checksum: Some(ChecksumAlgorithm::Sha256),
        }
    }

    fn tar_flag(format: ArchiveFormat) -> &'static str {
        match format {
            ArchiveFormat::TarXz => "--xz",
            ArchiveFormat::TarGz => "--gzip",
            ArchiveFormat::TarZst | ArchiveFormat::TarZstd => "--zstd",
            ArchiveFormat::Zip => unreachable!(),
        }
    }

    /// Every file and directory under `dir`, relative, with its mode;
    /// directories end in `/`.
    fn walk(dir: &Path) -> Vec<(String, u32)> {
        fn go(root: &Path, dir: &Path, out: &mut Vec<(String, u32)>) {
            for e in fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let meta = fs::metadata(&path).unwrap();
                let mode = meta.permissions().mode() & 0o7777;
                if meta.is_dir() {
                    out.push((format!("{rel}/"), mode));
                    go(root, &path, out);
                } else {
                    out.push((rel, mode));
                }
            }
        }
        let mut out = Vec::new();
        go(dir, dir, &mut out);
        out.sort();
        out
    }

    /// Which directories the archive of `fx` should contain.
    fn expected_dirs(zip: bool) -> Vec<String> {
        let prefix = if zip {
            String::new()
        } else {
            format!("{PREFIX}/")
        };
        let mut dirs: Vec<String> = ["docs/", "docs/man/", "docs/man/man1/"]
            .iter()
            .map(|d| format!("{prefix}{d}"))
            .collect();
        if !zip {
            dirs.push(prefix);
        }
        dirs.sort();
        dirs
    }

    fn check_listing(format: ArchiveFormat, archive: &Path, fx: &Fixture) {
        let zip = format == ArchiveFormat::Zip;
        let mut expect: Vec<(String, String)> = fx
            .files
            .iter()
            .map(|(name, _, mode)| {
                let perms = if *mode == 0o755 {
                    "-rwxr-xr-x"
                } else {
                    "-rw-r--r--"
                };
                (name.clone(), perms.to_string())
            })
            .chain(
                expected_dirs(zip)
                    .into_iter()
                    .map(|d| (d, "drwxr-xr-x".to_string())),
            )
            .collect();
        expect.sort();

        let mut seen = Vec::new();
        if zip {
            // zipinfo: `-rwxr-xr-x  3.0 unx   300000 bx defN 23-Nov-14 22:13 app`
            let out = run(Command::new("unzip").arg("-Z").arg("-T").arg(archive));
            for line in out.lines().filter(|l| l.starts_with(['-', 'd'])) {
                let fields: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(fields[2], "unx", "{line}");
                // -T: yyyymmdd.hhmmss, in the DOS (here: UTC) time stored.
                assert_eq!(fields[6], "20231114.221320", "{line}");
                seen.push((fields[7].to_string(), fields[0].to_string()));
            }
        } else {
            // `-rwxr-xr-x 0/0  300000 2023-11-14 22:13:20 app-.../app`
            let out = run(Command::new("tar")
                .env("TZ", "UTC")
                .arg("--numeric-owner")
                .arg("--full-time")
                .arg(tar_flag(format))
                .arg("-tvf")
                .arg(archive));
            let mut names = Vec::new();
            for line in out.lines() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(fields.len(), 6, "{line}");
                assert_eq!(fields[1], "0/0", "{line}");
                assert_eq!(
                    format!("{} {}", fields[3], fields[4]),
                    "2023-11-14 22:13:20"
                );
                names.push(fields[5].to_string());
                seen.push((fields[5].to_string(), fields[0].to_string()));
            }
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted, "tar entries are not sorted");
        }
        seen.sort();
        assert_eq!(seen, expect, "{format}");
    }

    fn extract(format: ArchiveFormat, archive: &Path, into: &Path) {
        fs::create_dir_all(into).unwrap();
        if format == ArchiveFormat::Zip {
            run(Command::new("unzip")
                .arg("-q")
                .arg(archive)
                .arg("-d")
                .arg(into));
        } else {
            run(Command::new("tar")
                .arg(tar_flag(format))
                .arg("-xf")
                .arg(archive)
                .arg("-C")
                .arg(into));
        }
    }

    fn set_mtime(path: &Path, time: SystemTime) {
        let f = File::options().write(true).open(path).unwrap();
        f.set_times(FileTimes::new().set_modified(time)).unwrap();
    }

    #[test]
    fn every_format_lists_extracts_and_reproduces() {
        let modes = [Compression::Best, Compression::Fast];
        for (format, compression) in FORMATS.into_iter().flat_map(|f| modes.map(|c| (f, c))) {
            let zip = format == ArchiveFormat::Zip;
            let fx = fixture(zip);
            let out_dir = tempfile::tempdir().unwrap();
            let dest = out_dir.path().join(format!("app{}", format.extension()));
            let o = opts_with(format, compression);
            let written = write_archive(&dest, &fx.entries, &o).unwrap();
            assert_eq!(written.path, dest);
            assert_eq!(written.size, fs::metadata(&dest).unwrap().len());

            // (d) the checksum computed while writing is the file's.
            assert_eq!(
                written.checksum.as_deref(),
                Some(
                    hash_file(&dest, ChecksumAlgorithm::Sha256)
                        .unwrap()
                        .as_str()
                )
            );

            // (a) names, modes, owners, mtimes as the system tools see them.
            check_listing(format, &dest, &fx);

            // (b) extraction gives back the contents and modes.
            let x = out_dir.path().join("x");
            extract(format, &dest, &x);
            for (name, data, mode) in &fx.files {
                let path = x.join(name);
                assert_eq!(&fs::read(&path).unwrap(), data, "{format}: {name}");
                let got = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(got, *mode, "{format}: mode of {name}");
            }
            let mut want: Vec<(String, u32)> = fx
                .files
                .iter()
                .map(|(n, _, m)| (n.clone(), *m))
                .chain(expected_dirs(zip).into_iter().map(|d| (d, 0o755)))
                .collect();
            want.sort();
            assert_eq!(walk(&x), want, "{format}: extracted tree");

            // (c) new file-system mtimes and a rewrite: the same bytes.
            let later = SystemTime::now() + Duration::from_secs(3600);
            for (path, _) in walk(&fx.root) {
                if !path.ends_with('/') {
                    let p = fx.root.join(&path);
                    let data = fs::read(&p).unwrap();
                    fs::write(&p, data).unwrap();
                    set_mtime(&p, later);
                }
            }
            let again = out_dir.path().join(format!("again{}", format.extension()));
            let written2 = write_archive(&again, &fx.entries, &o).unwrap();
            assert_eq!(
                fs::read(&dest).unwrap(),
                fs::read(&again).unwrap(),
                "{format} {compression}: not reproducible"
            );
            assert_eq!(written.checksum, written2.checksum);

            // No temporary files left behind.
            let mut names: Vec<String> = fs::read_dir(out_dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let mut expect = vec![
                format!("again{}", format.extension()),
                format!("app{}", format.extension()),
                "x".to_string(),
            ];
            expect.sort();
            assert_eq!(names, expect);
        }
    }

    #[test]
    fn tar_zstd_spelling_writes_the_same_as_tar_zst() {
        let fx = fixture(false);
        let dir = tempfile::tempdir().unwrap();
        let a = write_archive(
            &dir.path().join("a.tar.zst"),
            &fx.entries,
            &opts(ArchiveFormat::TarZst),
        )
        .unwrap();
        let b = write_archive(
            &dir.path().join("b.tar.zst"),
            &fx.entries,
            &opts(ArchiveFormat::TarZstd),
        )
        .unwrap();
        assert_eq!(a.checksum, b.checksum);
    }

    #[test]
    fn gzip_header_has_no_name_and_no_time() {
        let fx = fixture(false);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.tar.gz");
        write_archive(&dest, &fx.entries, &opts(ArchiveFormat::TarGz)).unwrap();
        let bytes = fs::read(&dest).unwrap();
        // magic, deflate, no flags (no FNAME), mtime 0, XFL 2 (best), OS 255.
        assert_eq!(bytes[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    }

    #[test]
    fn no_checksum_when_none_is_asked_and_false_is_refused() {
        let fx = fixture(false);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.tar.gz");
        let mut o = opts(ArchiveFormat::TarGz);
        o.checksum = None;
        let written = write_archive(&dest, &fx.entries, &o).unwrap();
        assert_eq!(written.checksum, None);
        assert_eq!(written.size, fs::metadata(&dest).unwrap().len());

        o.checksum = Some(ChecksumAlgorithm::False);
        let other = dir.path().join("b.tar.gz");
        let err = write_archive(&other, &fx.entries, &o).unwrap_err();
        assert!(format!("{err:#}").contains("false"), "{err:#}");
        assert!(!other.exists());
    }

    #[test]
    fn checksum_algorithms_all_match_hash_file() {
        let fx = fixture(false);
        let dir = tempfile::tempdir().unwrap();
        for algo in [
            ChecksumAlgorithm::Sha512,
            ChecksumAlgorithm::Sha3_256,
            ChecksumAlgorithm::Sha3_512,
            ChecksumAlgorithm::Blake2s,
            ChecksumAlgorithm::Blake2b,
        ] {
            let dest = dir.path().join(format!("a-{}.zip", algo.as_str()));
            let o = ArchiveOptions {
                checksum: Some(algo),
                ..opts(ArchiveFormat::Zip)
            };
            let written = write_archive(&dest, &fx.entries, &o).unwrap();
            assert_eq!(written.checksum.unwrap(), hash_file(&dest, algo).unwrap());
        }
    }

    fn assert_clean(dir: &Path, expect: &[&str]) {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, expect);
    }

    #[test]
    fn missing_source_names_it_and_leaves_nothing() {
        for format in FORMATS {
            let fx = fixture(format == ArchiveFormat::Zip);
            let dir = tempfile::tempdir().unwrap();
            let dest = dir.path().join(format!("app{}", format.extension()));
            let mut entries = fx.entries.clone();
            entries.push(ArchiveEntry {
                source: fx.root.join("LICENSE-MISSING"),
                dest: "LICENSE".into(),
                executable: false,
            });
            let err = write_archive(&dest, &entries, &opts(format)).unwrap_err();
            assert!(format!("{err:#}").contains("LICENSE-MISSING"), "{err:#}");
            assert_clean(dir.path(), &[]);
        }
    }

    #[test]
    fn source_vanishing_mid_write_removes_the_partial_archive() {
        // Past the up-front check, the file is gone when its turn comes:
        // the temp file must go, and an old `dest` must stay as it was.
        for format in FORMATS {
            let fx = fixture(false);
            let dir = tempfile::tempdir().unwrap();
            let dest = dir.path().join(format!("app{}", format.extension()));
            fs::write(&dest, b"previous release").unwrap();
            let mut items = collect(&fx.entries).unwrap();
            let gone = fx.root.join("zz-deleted");
            items.push(Item {
                name: "zz-deleted".into(),
                source: Some(gone),
                mode: 0o644,
            });
            let params = Params {
                threads: 2,
                xz: XZ_BEST,
                zstd: ZSTD_BEST,
            };
            let err = write_items(&dest, &items, &opts(format), &params).unwrap_err();
            assert!(format!("{err:#}").contains("zz-deleted"), "{err:#}");
            let name = format!("app{}", format.extension());
            assert_clean(dir.path(), &[name.as_str()]);
            assert_eq!(fs::read(&dest).unwrap(), b"previous release");
        }
    }

    #[test]
    fn unwritable_destination_is_named() {
        let fx = fixture(false);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("no-such-dir").join("a.tar.gz");
        let err = write_archive(&dest, &fx.entries, &opts(ArchiveFormat::TarGz)).unwrap_err();
        assert!(format!("{err:#}").contains("no-such-dir"), "{err:#}");
    }

    #[test]
    fn symlinks_conflicts_and_bad_paths_are_refused() {
        let fx = fixture(false);
        std::os::unix::fs::symlink("guide.md", fx.root.join("docs/link.md")).unwrap();
        let err = collect(&fx.entries).unwrap_err();
        assert!(format!("{err:#}").contains("link.md"), "{err:#}");
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");
        fs::remove_file(fx.root.join("docs/link.md")).unwrap();

        let mut twice = fx.entries.clone();
        twice.push(ArchiveEntry {
            source: fx.root.join("README.md"),
            dest: format!("{PREFIX}/app"),
            executable: false,
        });
        let err = collect(&twice).unwrap_err();
        assert!(
            format!("{err:#}").contains(&format!("`{PREFIX}/app`")),
            "{err:#}"
        );

        // A file where a directory has to be.
        let mut clash = fx.entries.clone();
        clash.push(ArchiveEntry {
            source: fx.root.join("README.md"),
            dest: format!("{PREFIX}/app/readme"),
            executable: false,
        });
        assert!(collect(&clash).is_err());

        for bad in ["", "/abs", "a//b", "a/../b", "./a", "a/", "a\\b"] {
            let entries = [ArchiveEntry {
                source: fx.root.join("README.md"),
                dest: bad.into(),
                executable: false,
            }];
            let err = collect(&entries).unwrap_err();
            assert!(err.to_string().contains("invalid path"), "{bad}: {err}");
        }
    }

    #[test]
    fn long_paths_survive_in_tarballs() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("f");
        fs::write(&src, b"deep").unwrap();
        let long = format!("{}/{}", "d".repeat(90), "f".repeat(90));
        let entries = [ArchiveEntry {
            source: src,
            dest: long.clone(),
            executable: false,
        }];
        let dest = dir.path().join("a.tar.gz");
        write_archive(&dest, &entries, &opts(ArchiveFormat::TarGz)).unwrap();
        let out = run(Command::new("tar").arg("--gzip").arg("-tf").arg(&dest));
        assert_eq!(out, format!("{}/\n{long}\n", "d".repeat(90)));
    }

    #[test]
    fn directories_merge_and_sort_before_their_children() {
        let fx = fixture(false);
        let items = collect(&fx.entries).unwrap();
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        let p = PREFIX;
        assert_eq!(
            names,
            [
                format!("{p}/"),
                format!("{p}/README.md"),
                format!("{p}/app"),
                format!("{p}/docs/"),
                format!("{p}/docs/guide.md"),
                format!("{p}/docs/man/"),
                format!("{p}/docs/man/man1/"),
                format!("{p}/docs/man/man1/app.1"),
            ]
        );
        assert!(items[0].source.is_none());
    }

    #[test]
    fn dos_time_converts_and_clamps() {
        let t = dos_time(MTIME);
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2023, 11, 14, 22, 13, 20)
        );
        assert_eq!(dos_time(0), zip::DateTime::default());
        let leap = dos_time(951_782_400); // 2000-02-29 00:00:00
        assert_eq!((leap.year(), leap.month(), leap.day()), (2000, 2, 29));
        let max = dos_time(u64::MAX);
        assert_eq!((max.year(), max.month(), max.day()), (2107, 12, 31));
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(19_675), (2023, 11, 14));
    }

    #[test]
    fn machine_sniffing() {
        assert_eq!(machine_is_x86(&fake_elf(64)), Some(true));
        let mut arm = fake_elf(64);
        arm[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
        assert_eq!(machine_is_x86(&arm), Some(false));
        let mut pe = vec![0u8; 256];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c..0x40].copy_from_slice(&128u32.to_le_bytes());
        pe[128..132].copy_from_slice(b"PE\0\0");
        pe[132..134].copy_from_slice(&0x8664u16.to_le_bytes());
        assert_eq!(machine_is_x86(&pe), Some(true));
        pe[132..134].copy_from_slice(&0xaa64u16.to_le_bytes());
        assert_eq!(machine_is_x86(&pe), Some(false));
        let mut macho = vec![0u8; 32];
        macho[..4].copy_from_slice(&0xfeed_facfu32.to_le_bytes());
        macho[4..8].copy_from_slice(&0x0100_0007u32.to_le_bytes());
        assert_eq!(machine_is_x86(&macho), Some(true));
        assert_eq!(machine_is_x86(b"#!/bin/sh\n"), None);
        assert_eq!(machine_is_x86(b"\x7fEL"), None);
    }

    /// Items for a single file of `data` (and its directory).
    fn one_file(dir: &Path, data: &[u8]) -> Vec<ArchiveEntry> {
        let src = dir.join("big-app");
        fs::write(&src, data).unwrap();
        vec![ArchiveEntry {
            source: src,
            dest: "app/big-app".into(),
            executable: true,
        }]
    }

    /// Write with `params` for each thread count; all outputs must match.
    /// Returns the output.
    fn assert_thread_independent(format: ArchiveFormat, params: Params, data: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let items = collect(&one_file(dir.path(), data)).unwrap();
        let mut first: Option<Vec<u8>> = None;
        for threads in [1, 2, 3, 4] {
            let dest = dir.path().join(format!("t{threads}{}", format.extension()));
            let p = Params { threads, ..params };
            write_items(&dest, &items, &opts(format), &p).unwrap();
            let bytes = fs::read(&dest).unwrap();
            match &first {
                None => first = Some(bytes),
                Some(f) => assert!(*f == bytes, "{format}: {threads} threads differ from 1"),
            }
        }
        // And the result decompresses to what went in.
        let x = dir.path().join("x");
        extract(
            format,
            &dir.path().join(format!("t4{}", format.extension())),
            &x,
        );
        assert!(fs::read(x.join("app/big-app")).unwrap() == data);
        first.unwrap()
    }

    /// The production settings of both modes with the sizes shrunk so
    /// that a small input spans several blocks or jobs; only sizes differ.
    fn small_params(compression: Compression) -> Params {
        let (xz, zstd) = settings(compression);
        Params {
            threads: 1,
            xz: XzParams {
                blocks: match xz.blocks {
                    XzBlocks::Fixed(_) => XzBlocks::Fixed(256 << 10),
                    XzBlocks::EvenSplit { .. } => XzBlocks::EvenSplit {
                        min: 64 << 10,
                        max: 256 << 10,
                    },
                },
                dict_size: 256 << 10,
                ..xz
            },
            // A 512 KiB window and the smallest job size zstd allows.
            zstd: ZstdParams {
                window_log: Some(19),
                job_size: Some(512 << 10),
                ..zstd
            },
        }
    }

    #[test]
    fn xz_blocks_split_evenly_by_input_size_only() {
        const MIB: u64 = 1 << 20;
        let slack = 64 << 10;
        let best = XZ_BEST.blocks;
        // `cargo`-sized: two equal blocks.
        assert_eq!(best.block_size(42_185_192), 21_092_596 + slack);
        // Up to 48 MiB two, then four, six...
        assert_eq!(best.block_size(48 * MIB), 24 * MIB + slack);
        assert_eq!(best.block_size(48 * MIB + 1), 12 * MIB + 1 + slack);
        assert_eq!(best.block_size(100 * MIB), (100 * MIB).div_ceil(6) + slack);
        // Under 24 MiB: one block.
        assert_eq!(best.block_size(24 * MIB), 12 * MIB + slack);
        assert_eq!(best.block_size(24 * MIB - 1), 24 * MIB - 1 + slack);
        assert_eq!(best.block_size(0), slack);
        assert_eq!(XZ_FAST.blocks.block_size(100 * MIB), 12 * MIB);
    }

    #[test]
    fn xz_output_does_not_depend_on_thread_count() {
        let data = fake_elf(1_500_000);
        let mut outputs = Vec::new();
        for compression in [Compression::Best, Compression::Fast] {
            let params = small_params(compression);
            let bytes = assert_thread_independent(ArchiveFormat::TarXz, params, &data);

            // The test means something only if there are several blocks.
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.tar.xz");
            fs::write(&path, &bytes).unwrap();
            let out = run(Command::new("xz").arg("--robot").arg("-lv").arg(&path));
            let blocks = out.lines().filter(|l| l.starts_with("block\t")).count();
            assert!(
                blocks >= 5,
                "{compression}: expected several blocks:\n{out}"
            );
            outputs.push(bytes);
        }
        // And the two modes really are different settings.
        assert!(outputs[0].len() < outputs[1].len(), "best is not smaller");
    }

    #[test]
    fn zstd_output_does_not_depend_on_worker_count() {
        let data = fake_elf(2_200_000);
        for compression in [Compression::Best, Compression::Fast] {
            let params = small_params(compression);
            let small_jobs = assert_thread_independent(ArchiveFormat::TarZst, params, &data);

            // The test means something only if the job size took effect,
            // i.e. the input was cut into several jobs: one big job differs.
            let one_job = Params {
                zstd: ZstdParams {
                    job_size: Some(4 << 20),
                    ..params.zstd
                },
                threads: 2,
                ..params
            };
            let dir = tempfile::tempdir().unwrap();
            let items = collect(&one_file(dir.path(), &data)).unwrap();
            let dest = dir.path().join("one.tar.zst");
            write_items(&dest, &items, &opts(ArchiveFormat::TarZst), &one_job).unwrap();
            assert!(fs::read(&dest).unwrap() != small_jobs, "{compression}");
        }
    }

    #[test]
    fn public_entry_point_is_thread_independent_in_both_modes() {
        let dir = tempfile::tempdir().unwrap();
        let entries = one_file(dir.path(), &fake_elf(400_000));
        for format in FORMATS {
            let mut checksums = Vec::new();
            for compression in [Compression::Best, Compression::Fast] {
                let o = opts_with(format, compression);
                let a = dir
                    .path()
                    .join(format!("a-{compression}{}", format.extension()));
                let b = dir
                    .path()
                    .join(format!("b-{compression}{}", format.extension()));
                let wa = write_archive_with_threads(&a, &entries, &o, 1).unwrap();
                let wb = write_archive_with_threads(&b, &entries, &o, 8).unwrap();
                assert_eq!(wa.checksum, wb.checksum, "{format} {compression}");
                checksums.push(wa.checksum);
            }
            // The mode reaches the encoder (deflate is the same in both).
            let deflate = matches!(format, ArchiveFormat::TarGz | ArchiveFormat::Zip);
            assert_eq!(checksums[0] == checksums[1], deflate, "{format}");
        }
    }

    #[test]
    fn x86_filter_is_chosen_by_the_largest_binary() {
        let dir = tempfile::tempdir().unwrap();
        let elf = dir.path().join("elf");
        fs::write(&elf, fake_elf(10_000)).unwrap();
        let mut arm = fake_elf(20_000);
        arm[18..20].copy_from_slice(&183u16.to_le_bytes());
        let arm_path = dir.path().join("arm");
        fs::write(&arm_path, arm).unwrap();
        let text = dir.path().join("text");
        fs::write(&text, vec![b'a'; 50_000]).unwrap();
        let item = |p: &Path| Item {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            source: Some(p.to_path_buf()),
            mode: 0o644,
        };
        assert!(use_x86_filter(&[item(&elf), item(&text)]));
        assert!(!use_x86_filter(&[item(&elf), item(&arm_path), item(&text)]));
        assert!(!use_x86_filter(&[item(&text)]));
    }
}
