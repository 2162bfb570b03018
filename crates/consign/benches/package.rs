//! Packaging benchmark: consign's archive writer against the shell pipelines
//! release tools use, on real Rust release binaries.
//!
//! Run with `bash benches/package.sh`, which builds consign's own `dist`
//! binary first (or `cargo bench -p consign --bench package`). For each
//! binary it times, interleaved (one run of every command, then the next
//! round), `BENCH_RUNS` (default 3) runs of:
//!
//! - `tar | xz -9 -T1` (what cargo-dist does; the baseline) and
//!   `tar | xz -6 -T1`;
//! - consign's `.tar.xz` with `compression = "best"` (the default) and
//!   `"fast"`;
//! - `tar | zstd -19` and consign's `.tar.zst`, both modes.
//!
//! and prints median and minimum wall time, median CPU time (user + system,
//! all threads and children; steadier than wall time on a shared machine),
//! sizes, and both against `xz -9`. It then checks consign's goal for
//! `.tar.xz` (at most 0.5% larger than `xz -9` at 1.8× its speed), that
//! consign's `.tar.xz` and `.tar.zst` are byte-identical when written with
//! one thread, and that they extract to the input with the system's `tar`.
//!
//! The binaries: the toolchain's `cargo` (`rustup which cargo`) and
//! consign's own build (`target/release/consign`, else `target/dist/consign`),
//! or the `:`-separated paths in `BENCH_BINARIES`.
//!
//! Environment: `BENCH_RUNS` (runs per command, default 3),
//! `BENCH_FORMATS` (`xz`, `zst` or `xz,zst`, the default), `BENCH_BINARIES`, `BENCH_DIR` (work directory, default a temporary one,
//! deleted after).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use consign::build::archive::{
    describe_settings, write_archive, write_archive_with_threads, ArchiveEntry, ArchiveOptions,
};
use consign::build::checksum::hash_file;
use consign::project::config::{ArchiveFormat, ChecksumAlgorithm, Compression};

/// A fixed mtime (2024-01-01) for every archive.
const MTIME: u64 = 1_704_067_200;
/// The baseline's label.
const BASELINE: &str = "tar | xz -9 -T1";
/// consign's `.tar.xz` goal: at most this much larger than `xz -9`...
const GOAL_MAX_LARGER_PERCENT: f64 = 0.5;
/// ... at least this many times faster (median wall time).
const GOAL_MIN_SPEED_UP: f64 = 1.8;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// One thing to time: a consign format and mode, or a shell pipeline.
struct Case {
    tool: String,
    how: How,
    output: PathBuf,
    times: Vec<f64>,
    cpu: Vec<f64>,
    size: u64,
}

enum How {
    Consign(ArchiveFormat, Compression),
    Shell(String),
}

fn run() -> anyhow::Result<()> {
    let runs: usize =
        match std::env::var("BENCH_RUNS") {
            Ok(v) => v.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                anyhow::anyhow!("BENCH_RUNS must be a positive integer, got `{v}`")
            })?,
            Err(_) => 3,
        };
    let (_keep, work) = match std::env::var_os("BENCH_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.exists() {
                fs::remove_dir_all(&dir)?;
            }
            fs::create_dir_all(&dir)?;
            (None, dir)
        }
        None => {
            let tmp = tempfile::tempdir()?;
            let dir = tmp.path().to_path_buf();
            (Some(tmp), dir)
        }
    };
    for tool in ["tar", "xz", "zstd"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        anyhow::ensure!(found, "`{tool}` not found: install it (see .ci/run)");
    }
    let formats = match std::env::var("BENCH_FORMATS") {
        Ok(list) => list
            .split(',')
            .map(|f| match f.trim() {
                "xz" => Ok(ArchiveFormat::TarXz),
                "zst" => Ok(ArchiveFormat::TarZst),
                other => anyhow::bail!("BENCH_FORMATS: unknown `{other}` (expected xz, zst)"),
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
        Err(_) => vec![ArchiveFormat::TarXz, ArchiveFormat::TarZst],
    };
    let binaries = binaries()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("==> {cores} core(s); load average: {}", load_average());
    let mut goals = Vec::new();
    for (i, binary) in binaries.iter().enumerate() {
        let dir = work.join(format!("bin{i}"));
        goals.push(bench_binary(binary, &formats, &dir, runs, cores)?);
    }
    println!("load average at the end: {}", load_average());
    println!();
    for (name, line, met) in &goals {
        println!("{name}: {line} -> {}", if *met { "MET" } else { "NOT MET" });
    }
    Ok(())
}

/// The binaries to pack: `BENCH_BINARIES`, else `cargo` and consign's own.
fn binaries() -> anyhow::Result<Vec<PathBuf>> {
    if let Some(list) = std::env::var_os("BENCH_BINARIES") {
        let list: Vec<PathBuf> = std::env::split_paths(&list).collect();
        for b in &list {
            anyhow::ensure!(b.is_file(), "BENCH_BINARIES: {} is not a file", b.display());
        }
        return Ok(list);
    }
    let out = Command::new("rustup")
        .args(["which", "cargo"])
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run `rustup which cargo`: {e}"))?;
    anyhow::ensure!(out.status.success(), "`rustup which cargo` failed");
    let cargo = PathBuf::from(String::from_utf8(out.stdout)?.trim());
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let own = ["release", "dist"]
        .iter()
        .map(|profile| target.join(profile).join("consign"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no consign build in {}/{{dist,release}}; \
                 hint: `bash benches/package.sh` builds it, or set BENCH_BINARIES",
                target.display()
            )
        })?;
    Ok(vec![cargo, own])
}

/// Time every case on `binary`; print its table; return the goal line.
fn bench_binary(
    binary: &Path,
    formats: &[ArchiveFormat],
    work: &Path,
    runs: usize,
    cores: usize,
) -> anyhow::Result<(String, String, bool)> {
    let name = binary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = format!("{name}-x86_64-unknown-linux-gnu");
    let stage = work.join("stage");
    let app_dir = stage.join(&stem);
    fs::create_dir_all(&app_dir)?;
    let copy = app_dir.join(&name);
    fs::copy(binary, &copy)?;
    let input_size = fs::metadata(&copy)?.len();
    let input_hash = hash_file(&copy, ChecksumAlgorithm::Sha256)?;
    let entries = vec![ArchiveEntry {
        source: copy,
        dest: format!("{stem}/{name}"),
        executable: true,
    }];
    let out = work.join("out");
    fs::create_dir_all(&out)?;

    // Sorted, with fixed owners and mtime like consign's.
    let tar_cmd = format!(
        "tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@{MTIME} -cf - -C {} {}",
        shell_quote(&stage),
        shell_quote(Path::new(&stem))
    );
    let shell = |label: &str, compressor: &str, file: &str| Case {
        tool: label.to_string(),
        how: How::Shell(format!(
            "{tar_cmd} | {compressor} > {}",
            shell_quote(&out.join(file))
        )),
        output: out.join(file),
        times: Vec::new(),
        cpu: Vec::new(),
        size: 0,
    };
    let consign = |format: ArchiveFormat, compression: Compression| Case {
        tool: format!("consign {format} {compression}"),
        how: How::Consign(format, compression),
        output: out.join(format!("consign-{compression}{}", format.extension())),
        times: Vec::new(),
        cpu: Vec::new(),
        size: 0,
    };
    // The baseline always runs: every row is compared with it.
    let mut cases = vec![shell(BASELINE, "xz -9 -T1", "xz9.tar.xz")];
    if formats.contains(&ArchiveFormat::TarXz) {
        cases.extend([
            consign(ArchiveFormat::TarXz, Compression::Best),
            shell("tar | xz -6 -T1", "xz -6 -T1", "xz6.tar.xz"),
            consign(ArchiveFormat::TarXz, Compression::Fast),
        ]);
    }
    if formats.contains(&ArchiveFormat::TarZst) {
        cases.extend([
            shell("tar | zstd -19", "zstd -q -19", "zstd19.tar.zst"),
            consign(ArchiveFormat::TarZst, Compression::Best),
            consign(ArchiveFormat::TarZst, Compression::Fast),
        ]);
    }

    eprintln!(
        "==> {name}: {input_size} bytes; {runs} run(s) of {} commands, interleaved",
        cases.len()
    );
    for round in 1..=runs {
        for c in cases.iter_mut() {
            eprint!("    run {round}/{runs}: {:<26} ", c.tool);
            let _ = std::io::stderr().flush();
            let cpu_before = cpu_seconds();
            let start = Instant::now();
            match &c.how {
                How::Consign(format, compression) => {
                    let opts = ArchiveOptions {
                        format: *format,
                        compression: *compression,
                        mtime: MTIME,
                        checksum: Some(ChecksumAlgorithm::Sha256),
                    };
                    write_archive(&c.output, &entries, &opts)?;
                }
                How::Shell(cmd) => {
                    let status = Command::new("bash")
                        .args(["-o", "pipefail", "-c", cmd])
                        .status()?;
                    anyhow::ensure!(status.success(), "`{cmd}` failed: {status}");
                }
            }
            let secs = start.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu_before;
            eprintln!("{secs:>7.2} s wall, {cpu:>7.2} s CPU");
            c.times.push(secs);
            c.cpu.push(cpu);
            c.size = fs::metadata(&c.output)?.len();
        }
    }

    let goal = print_table(&name, &cases, formats, input_size, cores, runs);

    // Thread independence, and round trips through the system's tar.
    let mut same = true;
    for &format in formats {
        for compression in [Compression::Best, Compression::Fast] {
            let file = out.join(format!("one-thread-{compression}{}", format.extension()));
            let opts = ArchiveOptions {
                format,
                compression,
                mtime: MTIME,
                checksum: None,
            };
            write_archive_with_threads(&file, &entries, &opts, 1)?;
            let default = out.join(format!("consign-{compression}{}", format.extension()));
            let ok = fs::read(&file)? == fs::read(&default)?;
            same &= ok;
            println!(
                "consign {format} {compression}: 1 thread vs {cores}: {}",
                if ok { "identical bytes" } else { "DIFFERENT" }
            );
            let flag = if format == ArchiveFormat::TarXz {
                "--xz"
            } else {
                "--zstd"
            };
            let x = work.join(format!("extract-{compression}{}", format.extension()));
            fs::create_dir_all(&x)?;
            let status = Command::new("tar")
                .arg(flag)
                .arg("-xf")
                .arg(&default)
                .arg("-C")
                .arg(&x)
                .status()?;
            anyhow::ensure!(
                status.success(),
                "tar {flag} -xf {} failed",
                default.display()
            );
            let got = hash_file(&x.join(&stem).join(&name), ChecksumAlgorithm::Sha256)?;
            anyhow::ensure!(
                got == input_hash,
                "{} does not round-trip",
                default.display()
            );
        }
    }
    anyhow::ensure!(same, "output depends on the thread count");
    println!();
    // The work files of this binary are no longer needed.
    fs::remove_dir_all(work)?;
    Ok(goal)
}

/// Print the table; return (binary, goal line, met).
fn print_table(
    name: &str,
    cases: &[Case],
    formats: &[ArchiveFormat],
    input_size: u64,
    cores: usize,
    runs: usize,
) -> (String, String, bool) {
    let base = cases
        .iter()
        .find(|c| c.tool == BASELINE)
        .expect("the baseline is always a case");
    let min = |c: &Case| c.times.iter().copied().fold(f64::INFINITY, f64::min);
    println!();
    println!(
        "{name}: {input_size} bytes ({:.1} MB); {cores} core(s); {runs} run(s) each, interleaved",
        input_size as f64 / 1e6
    );
    for &format in formats {
        for compression in [Compression::Best, Compression::Fast] {
            println!(
                "  consign {format} {compression}: {}",
                describe_settings(format, compression)
            );
        }
    }
    println!();
    println!(
        "{:<26} {:>8} {:>8} {:>8} {:>12} {:>9} {:>9}",
        "tool", "median s", "min s", "CPU s", "size B", "vs xz -9", "speed-up"
    );
    println!("{}", "-".repeat(86));
    for c in cases {
        println!(
            "{:<26} {:>8.2} {:>8.2} {:>8.2} {:>12} {:>+8.2}% {:>8.2}x",
            c.tool,
            median(&c.times),
            min(c),
            median(&c.cpu),
            c.size,
            (c.size as f64 / base.size as f64 - 1.0) * 100.0,
            median(&base.times) / median(&c.times),
        );
    }
    println!("{}", "-".repeat(86));
    println!("speed-up: median wall time of `xz -9 -T1` / median wall time");
    println!();
    let Some(best) = cases
        .iter()
        .find(|c| matches!(c.how, How::Consign(ArchiveFormat::TarXz, Compression::Best)))
    else {
        return (
            name.to_string(),
            "no .tar.xz rows (BENCH_FORMATS)".into(),
            false,
        );
    };
    let speed_up = median(&base.times) / median(&best.times);
    let larger = (best.size as f64 / base.size as f64 - 1.0) * 100.0;
    let met = speed_up >= GOAL_MIN_SPEED_UP && larger <= GOAL_MAX_LARGER_PERCENT;
    let line = format!(
        "consign .tar.xz best vs `xz -9 -T1` (goal: <= +{GOAL_MAX_LARGER_PERCENT}% size, \
         >= {GOAL_MIN_SPEED_UP}x speed): {larger:+.2}% size, {speed_up:.2}x faster"
    );
    (name.to_string(), line, met)
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// CPU seconds (user + system) used so far by this process's threads and
/// its waited-for children, from `/proc/self/stat`; 0 where there is none.
fn cpu_seconds() -> f64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the `(comm)`, which may contain spaces: state is field
    // 3; utime, stime, cutime, cstime are fields 14-17.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..15)
        .map(|f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    // USER_HZ is 100 on every Linux architecture consign is built for.
    ticks as f64 / 100.0
}

/// The 1-, 5- and 15-minute load averages, from `/proc/loadavg`.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `path` quoted for bash.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
