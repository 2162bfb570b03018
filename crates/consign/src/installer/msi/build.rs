//! Building the MSI: `wixl` on a copy of the source without what it lacks,
//! then `msibuild` (see `msibuild`) to put that back.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{anyhow, bail, ensure, Context as _, Result};

use super::shims::WixlShims;
use super::{msi_version, Arch};

/// Whether WiX source (as [`render_wxs`] writes it, maybe edited since) is
/// for `target`'s architecture: its `Package/@Platform` (x86 when absent)
/// must match. A source for another architecture would install the wrong
/// binaries into the wrong `Program Files`.
pub fn source_fits_target(source: &str, target: &str) -> Result<bool> {
    let want = Arch::for_target(target)?;
    let shims = WixlShims::from_source(source)?;
    Ok(match shims.platform.as_deref() {
        None => want == Arch::X86,
        Some(p) => Arch::from_platform(p) == Some(want),
    })
}

/// Build the MSI `out` from the WiX source `wxs` (as [`render_wxs`] writes
/// it), taking the files its `File/@Source` paths name from
/// `binaries_dir`.
///
/// Runs `wixl -a x86|x64` (chosen by the source's `Package/@Platform`, x86
/// when absent) in `binaries_dir` with the preprocessor variable `BinDir`
/// set to `.`, then completes the MSI with `msibuild` as the module docs
/// describe. The MSI is written to a temporary file beside `out` and renamed
/// into place, so `out` is either untouched or complete.
///
/// Fails with instructions when `wixl` or the msitools are not installed,
/// and for arm64 packages, which wixl cannot build.
pub fn build_msi(wxs: &Path, binaries_dir: &Path, out: &Path, app_version: &str) -> Result<()> {
    let version = msi_version(app_version)?.version;
    let source =
        fs::read_to_string(wxs).with_context(|| format!("cannot read {}", wxs.display()))?;
    let shims = WixlShims::from_source(&source)
        .with_context(|| format!("cannot read the WiX source {}", wxs.display()))?;
    let arch = match shims.platform.as_deref() {
        None => Arch::X86,
        Some(p) => Arch::from_platform(p).ok_or_else(|| {
            anyhow!(
                "{}: unknown Package/@Platform `{p}` (x86, x64 or arm64)",
                wxs.display()
            )
        })?,
    };
    let wixl_arch = match arch {
        Arch::X86 => "x86",
        Arch::X64 => "x64",
        Arch::Arm64 => bail!(
            "wixl cannot build arm64 MSIs ({}); build this one on Windows with the WiX 3.14 \
             toolset (candle -arch arm64, then light)",
            wxs.display()
        ),
    };
    let binaries_dir = binaries_dir.canonicalize().with_context(|| {
        format!(
            "cannot find the binaries directory {}",
            binaries_dir.display()
        )
    })?;
    for file in &shims.bin_dir_files {
        ensure!(
            binaries_dir.join(file).is_file(),
            "{file} is not in {}, where {} expects the binaries",
            binaries_dir.display(),
            wxs.display()
        );
    }
    let wxs_dir = absolute_parent(wxs)?;
    let out =
        std::path::absolute(out).with_context(|| format!("cannot resolve {}", out.display()))?;

    // wixl reads the copy without Environment elements, from a directory
    // of its own; includes still resolve against the original's directory.
    let work = tempfile::tempdir().context("cannot create a temporary directory")?;
    let stripped = work.path().join("main.wxs");
    fs::write(&stripped, &shims.stripped)
        .with_context(|| format!("cannot write {}", stripped.display()))?;

    crate::fs::write_atomic_with(&out, |tmp| {
        let mut wixl = Command::new("wixl");
        wixl.current_dir(&binaries_dir)
            .arg("-a")
            .arg(wixl_arch)
            .arg("-D")
            .arg("BinDir=.")
            .arg("-D")
            .arg(format!("Version={version}"))
            .arg("-I")
            .arg(&wxs_dir)
            .arg("-o")
            .arg(tmp)
            .arg(&stripped);
        let output = run_tool(&mut wixl, "wixl", MISSING_WIXL)?;
        if !output.status.success() || !tmp.is_file() {
            bail!(
                "wixl failed on {} ({}){}",
                wxs.display(),
                output.status,
                tool_stderr(&output)
            );
        }
        shims.apply(tmp)
    })
    .with_context(|| format!("cannot build {}", out.display()))
}

pub(super) const MISSING_WIXL: &str =
    "`wixl` is missing: it builds MSI installers on Linux. Install it \
     with `apt-get install wixl msitools` (Debian, Ubuntu), or build the MSI on a Windows \
     runner with the WiX 3 toolset";
pub(super) const MISSING_MSITOOLS: &str =
    "`msibuild` and `msiinfo` are missing: they complete the MSIs \
     wixl builds. Install them with `apt-get install msitools`";

/// Run `cmd` to completion, capturing its output; a program that is not
/// installed is an error saying `missing`.
pub(super) fn run_tool(cmd: &mut Command, name: &str, missing: &str) -> Result<Output> {
    match cmd.output() {
        Ok(output) => Ok(output),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(anyhow!("{missing}")),
        Err(e) => Err(anyhow!(e).context(format!("cannot run `{name}`"))),
    }
}

/// A tool's stderr for an error message, without the noise wixl prints
/// for WiX attributes it ignores: `":\n{lines}"`, or nothing.
pub(super) fn tool_stderr(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.contains("g_object_set_is_valid_property"))
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!(":\n{}", lines.join("\n"))
    }
}

fn absolute_parent(path: &Path) -> Result<PathBuf> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent
        .canonicalize()
        .with_context(|| format!("cannot find the directory of {}", path.display()))
}
