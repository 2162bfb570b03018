//! The MSI installer, `{app}-{target}.msi`: a Windows Installer package that
//! puts an app's binaries in `Program Files\{app}\bin` and that directory on
//! the system `PATH`.
//!
//! Three steps, each usable on its own:
//!
//! 1. [`ensure_guids`] gives an app its two permanent GUIDs, kept in its
//!    `Cargo.toml` under `[package.metadata.wix]` (`upgrade-guid`,
//!    `path-guid`: cargo-dist's key names), generating and writing them the
//!    first time.
//! 2. [`render_wxs`] writes WiX 3 source (`templates/main.wxs.j2`) for an
//!    [`MsiContext`]. The template only loops and branches: every value is
//!    checked and escaped here.
//! 3. [`build_msi`] turns that source into an MSI with `wixl` (Debian
//!    package `wixl`) and `msibuild`/`msiinfo` (package `msitools`).
//!
//! # Identities
//!
//! Windows recognises an app across versions by its *UpgradeCode*
//! (`upgrade-guid`). Every package also declares a `MajorUpgrade`, so
//! installing a version first removes an installed older or equal version;
//! installing an older version than the one present fails with a message.
//! The *ProductCode* is `*`: wixl (like WiX) makes up a new random one on
//! every build, so two builds of the same source differ in ProductCode and
//! package code but not in UpgradeCode or component GUIDs.
//!
//! Components keep their GUIDs across versions: the `PATH` component uses
//! `path-guid`, and each binary's component GUID is derived from the
//! upgrade GUID and the file's install location with [`stable_guid`], so it
//! never needs storing and never changes while the file stays where it is.
//!
//! # Versions
//!
//! An MSI version is numeric: `major.minor.build` with major and minor at
//! most 255 and build at most 65535. [`msi_version`] drops a semver
//! pre-release and build metadata (`1.2.3-rc.1` → `1.2.3`) and says so in a
//! note; since `1.2.3-rc.1` and `1.2.3` then share an MSI version, the
//! package allows same-version upgrades, so the final release replaces the
//! release candidate instead of being installed beside it.
//!
//! # Text
//!
//! The database is written in code page 1252 (wixl drops characters
//! outside it whatever the source asks for, and crashes on some). Names that become file or
//! directory names (the app, the binaries) must be encodable in it; free
//! text (manufacturer, description, license, homepage) has other
//! characters replaced by `?`. `$(` and `!(` are refused everywhere: WiX
//! reads them as variable references, and wixl cannot escape them.
//!
//! # What wixl lacks
//!
//! wixl (0.101, Debian 12) does not know the `Environment` element nor
//! `MajorUpgrade/@AllowSameVersionUpgrades`. The `.wxs` keeps both, as
//! standard WiX 3 that the Windows toolset builds as is; [`build_msi`] hands
//! wixl a copy without the `Environment` elements and then writes what they
//! mean into the MSI itself with `msibuild`: the `Environment` table rows
//! and the `WriteEnvironmentStrings`/`RemoveEnvironmentStrings` actions, and
//! the `VersionMaxInclusive` bit on the upgrade row.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{anyhow, bail, ensure, Context as _, Result};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../../templates/main.wxs.j2");
const TEMPLATE_NAME: &str = "main.wxs.j2";

/// Everything `main.wxs` needs to know about one app on one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MsiContext {
    /// The app (package) name, e.g. `my-tool`: the product name and the
    /// install directory's name.
    pub app_name: String,
    /// The app's semver version. MSI versions are numeric `x.y.z`, so a
    /// pre-release or build metadata is dropped (see [`msi_version`]).
    pub app_version: String,
    /// Shown as the publisher: the first Cargo.toml author without the
    /// email, else the app name (see [`manufacturer`]).
    pub manufacturer: String,
    /// The package description, if any.
    pub description: Option<String>,
    /// The license (an SPDX expression), if any; recorded in the package's
    /// comments.
    pub license: Option<String>,
    /// The homepage, if any; the "more information" and "help" links in
    /// Windows' list of installed apps.
    pub homepage: Option<String>,
    /// The app's permanent UpgradeCode (`upgrade-guid`).
    pub upgrade_guid: String,
    /// The permanent GUID of the component that puts the app on `PATH`
    /// (`path-guid`).
    pub path_guid: String,
    /// Binary file names, with `.exe`.
    pub binaries: Vec<String>,
    /// The target triple, e.g. `x86_64-pc-windows-msvc`: decides a 64-bit
    /// package in `Program Files` or a 32-bit one in `Program Files (x86)`.
    pub target: String,
}

/// A semver version as an MSI version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsiVersion {
    /// `major.minor.patch`, e.g. `1.2.3`.
    pub version: String,
    /// Set when something was dropped, saying what it means for upgrades.
    pub note: Option<String>,
}

/// Convert a semver version to an MSI `ProductVersion`.
///
/// MSI versions are three numbers (major and minor at most 255, the third
/// at most 65535) and Windows compares nothing else, so a pre-release and
/// build metadata are dropped: `1.2.3-rc.1` becomes `1.2.3`, with a note.
/// Versions whose numbers do not fit are an error.
pub fn msi_version(version: &str) -> Result<MsiVersion> {
    let v = semver::Version::parse(version)
        .with_context(|| format!("`{version}` is not a semver version"))?;
    ensure!(
        v.major <= 255 && v.minor <= 255 && v.patch <= 65535,
        "version {version} cannot be an MSI version: the major and minor numbers \
         must be at most 255 and the patch number at most 65535"
    );
    let numeric = format!("{}.{}.{}", v.major, v.minor, v.patch);
    let note = (!v.pre.is_empty() || !v.build.is_empty()).then(|| {
        format!(
            "the MSI says {numeric} for {version}: MSI versions are numeric, so any \
             {numeric} package replaces any other, whichever pre-release or build it came from"
        )
    });
    Ok(MsiVersion {
        version: numeric,
        note,
    })
}

/// The publisher to show: the first author's name without its
/// `<email>`, or `app_name` when there is no author or the first author is
/// only an email address.
pub fn manufacturer(authors: &[String], app_name: &str) -> String {
    authors
        .first()
        .map(|author| author.split('<').next().unwrap_or_default().trim())
        .filter(|name| !name.is_empty())
        .unwrap_or(app_name)
        .to_string()
}

/// A fresh random GUID (version 4 layout), uppercase and without braces:
/// `XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX`.
///
/// The bytes come from `/dev/urandom`; where it cannot be read, from the
/// standard library's randomly keyed hasher mixed with the time, the
/// process id and a counter.
pub fn new_guid() -> String {
    let mut bytes = urandom_bytes().unwrap_or_else(fallback_random_bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_guid(&bytes)
}

fn urandom_bytes() -> Option<[u8; 16]> {
    let mut bytes = [0u8; 16];
    let mut file = fs::File::open("/dev/urandom").ok()?;
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn fallback_random_bytes() -> [u8; 16] {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher as _, Hasher as _};
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        // Each RandomState has its own keys (seeded from the OS).
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes
}

/// A GUID that is a pure function of `namespace` and `name`: the first 16
/// bytes of SHA-256(`namespace` ‖ 0x00 ‖ `name`), with the version nibble
/// set to 8 and the RFC 9562 variant bits (the layout of a version 8,
/// "custom", UUID). Uppercase, without braces.
///
/// The same inputs give the same GUID on every machine and in every
/// version of consign; different names (or namespaces) give different
/// GUIDs. The bytes are hashed exactly as given: callers normalise first
/// where spelling may vary.
pub fn stable_guid(namespace: &str, name: &str) -> String {
    use sha2::{Digest as _, Sha256};

    let mut hasher = Sha256::new();
    hasher.update(namespace.as_bytes());
    hasher.update([0u8]);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_guid(&bytes)
}

/// The component GUID of a binary: [`stable_guid`] in the namespace of the
/// app's upgrade GUID (normalised, so its spelling does not matter) of the
/// file's install location, `[{program files folder}]bin\{file}` in
/// lowercase (Windows file names ignore case). The location includes the
/// Program Files folder because Windows Installer requires a different
/// component GUID wherever the key file's path differs, as it does between
/// the 32-bit and 64-bit packages.
fn component_guid(upgrade_guid: &str, program_files: &str, file_name: &str) -> String {
    let location = format!("[{program_files}]bin\\{file_name}").to_lowercase();
    stable_guid(upgrade_guid, &location)
}

fn format_guid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `guid` in canonical form (uppercase, no braces), if it is a GUID:
/// 8-4-4-4-12 hex digits, optionally in braces.
fn normalize_guid(guid: &str) -> Option<String> {
    let trimmed = guid.trim();
    let inner = match trimmed.strip_prefix('{') {
        Some(rest) => rest.strip_suffix('}')?,
        None => trimmed,
    };
    let groups: Vec<&str> = inner.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()));
    ok.then(|| inner.to_ascii_uppercase())
}

/// The three ways a Windows target can be packaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arch {
    X86,
    X64,
    Arm64,
}

impl Arch {
    fn for_target(target: &str) -> Result<Arch> {
        let mut parts = target.split('-');
        let arch = parts.next().unwrap_or_default();
        ensure!(
            parts.any(|p| p == "windows"),
            "MSI installers are for Windows targets; `{target}` is not one"
        );
        Ok(match arch {
            "x86_64" => Arch::X64,
            "i686" | "i586" | "i386" => Arch::X86,
            "aarch64" => Arch::Arm64,
            _ => bail!(
                "MSI installers support x86_64, i686 and aarch64 Windows targets, not `{target}`"
            ),
        })
    }

    fn from_platform(platform: &str) -> Option<Arch> {
        match platform.to_ascii_lowercase().as_str() {
            "x86" | "intel" => Some(Arch::X86),
            "x64" | "amd64" | "intel64" => Some(Arch::X64),
            "arm64" => Some(Arch::Arm64),
            _ => None,
        }
    }

    /// `Package/@Platform`, which [`build_msi`] reads back.
    fn platform(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X64 => "x64",
            Arch::Arm64 => "arm64",
        }
    }

    fn program_files(self) -> &'static str {
        match self {
            Arch::X86 => "ProgramFilesFolder",
            Arch::X64 | Arch::Arm64 => "ProgramFiles64Folder",
        }
    }

    fn win64(self) -> bool {
        self != Arch::X86
    }
}

struct TemplateBinary {
    component: String,
    file: String,
    guid: String,
    name: String,
}

struct TemplateContext {
    app_name: String,
    version: String,
    manufacturer: String,
    summary: String,
    comments: String,
    description: Option<String>,
    homepage: Option<String>,
    upgrade_guid: String,
    path_guid: String,
    platform: &'static str,
    program_files: &'static str,
    win64: &'static str,
    binaries: Vec<TemplateBinary>,
}

impl TemplateContext {
    fn into_value(self) -> minijinja::Value {
        use minijinja::context;

        let binaries: Vec<minijinja::Value> = self
            .binaries
            .into_iter()
            .map(|b| {
                context! {
                    component => b.component,
                    file => b.file,
                    guid => b.guid,
                    name => b.name,
                }
            })
            .collect();
        context! {
            app_name => self.app_name,
            version => self.version,
            manufacturer => self.manufacturer,
            summary => self.summary,
            comments => self.comments,
            description => self.description,
            homepage => self.homepage,
            upgrade_guid => self.upgrade_guid,
            path_guid => self.path_guid,
            platform => self.platform,
            program_files => self.program_files,
            win64 => self.win64,
            binaries => binaries,
        }
    }
}

/// Render `main.wxs`, WiX 3 source for `ctx` (see the module docs for what
/// it declares).
///
/// Fails when the context cannot make a working package: a version that
/// does not fit an MSI version, GUIDs that are not GUIDs, no binaries,
/// binary names that are not distinct Windows `.exe` file names, an app
/// name that cannot name a directory, a target that is not Windows on
/// x86_64, i686 or aarch64, or text containing control characters, `$(` or
/// `!(`. Characters of free text that code page 1252 lacks become `?`.
pub fn render_wxs(ctx: &MsiContext) -> Result<String> {
    let arch = Arch::for_target(&ctx.target)?;
    let version = msi_version(&ctx.app_version)?;
    let upgrade_guid = normalize_guid(&ctx.upgrade_guid)
        .ok_or_else(|| anyhow!("upgrade GUID `{}` is not a GUID", ctx.upgrade_guid))?;
    let path_guid = normalize_guid(&ctx.path_guid)
        .ok_or_else(|| anyhow!("path GUID `{}` is not a GUID", ctx.path_guid))?;
    ensure!(
        upgrade_guid != path_guid,
        "the upgrade GUID and the path GUID must differ (both are {upgrade_guid})"
    );

    check_file_name("app name", &ctx.app_name)?;
    ensure!(
        !ctx.binaries.is_empty(),
        "an MSI for {} needs at least one binary",
        ctx.app_name
    );
    let mut seen = BTreeSet::new();
    let mut binaries = Vec::with_capacity(ctx.binaries.len());
    for (i, name) in ctx.binaries.iter().enumerate() {
        check_file_name("binary name", name)?;
        ensure!(
            name.to_ascii_lowercase().ends_with(".exe") && name.len() > 4,
            "binary name `{name}` must be a Windows file name ending in .exe"
        );
        ensure!(
            seen.insert(name.to_lowercase()),
            "binary `{name}` is listed twice (Windows file names ignore case)"
        );
        binaries.push(TemplateBinary {
            component: format!("binary{i}"),
            file: format!("binary{i}.exe"),
            guid: component_guid(&upgrade_guid, arch.program_files(), name),
            name: wix_attr("binary name", name)?,
        });
    }

    let manufacturer = free_text(&ctx.manufacturer);
    let manufacturer = if manufacturer.is_empty() {
        ctx.app_name.clone()
    } else {
        manufacturer
    };
    let description = ctx
        .description
        .as_deref()
        .map(free_text)
        .filter(|d| !d.is_empty());
    let license = ctx
        .license
        .as_deref()
        .map(free_text)
        .filter(|l| !l.is_empty());
    let homepage = ctx
        .homepage
        .as_deref()
        .map(free_text)
        .filter(|h| !h.is_empty());

    // No version here: the source outlives versions (`$(var.Version)` is
    // given to wixl by `build_msi`).
    let mut comments = format!("{} for {}", ctx.app_name, ctx.target);
    if let Some(license) = &license {
        comments.push_str(&format!(", licensed under {license}"));
    }
    let summary = description.clone().unwrap_or_else(|| ctx.app_name.clone());

    let data = TemplateContext {
        app_name: wix_attr("app name", &ctx.app_name)?,
        version: version.version,
        manufacturer: wix_attr("manufacturer", &manufacturer)?,
        summary: wix_attr("description", &summary)?,
        comments: wix_attr("comments", &free_text(&comments))?,
        description: description
            .as_deref()
            .map(|d| wix_attr("description", d))
            .transpose()?,
        homepage: homepage
            .as_deref()
            .map(|h| wix_attr("homepage", h))
            .transpose()?,
        upgrade_guid,
        path_guid,
        platform: arch.platform(),
        program_files: arch.program_files(),
        win64: if arch.win64() { "yes" } else { "no" },
        binaries,
    };
    super::render_template(TEMPLATE_NAME, TEMPLATE, data.into_value())
}

/// Escape `s` for XML text or a double- or single-quoted attribute.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// `s` as a WiX attribute value: no control characters, no `$(` or `!(`
/// (variable references to WiX, which wixl cannot escape), every `$`
/// doubled (the WiX preprocessor's escape), then XML-escaped.
fn wix_attr(what: &str, s: &str) -> Result<String> {
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        bail!(
            "the {what} `{}` contains a control character ({c:?})",
            s.escape_debug()
        );
    }
    for pattern in ["$(", "!("] {
        ensure!(
            !s.contains(pattern),
            "the {what} `{s}` contains `{pattern}`, which WiX reads as a variable reference"
        );
    }
    Ok(xml_escape(&s.replace('$', "$$")))
}

/// Free text made fit for the MSI database: whitespace runs (newlines
/// included) become one space, other control characters are dropped, and
/// characters code page 1252 cannot encode become `?`.
fn free_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()).map(|c| {
            if in_cp1252(c) {
                c
            } else {
                '?'
            }
        }));
    }
    out
}

/// Whether Windows code page 1252 can encode `c`.
fn in_cp1252(c: char) -> bool {
    const EXTRA: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
    (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) || EXTRA.contains(c)
}

/// Check that `name` can be a Windows file or directory name stored in a
/// code page 1252 MSI database.
fn check_file_name(what: &str, name: &str) -> Result<()> {
    ensure!(!name.trim().is_empty(), "the {what} is empty");
    ensure!(
        name != "." && name != "..",
        "the {what} `{name}` cannot be a file name"
    );
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || "\\/:*?\"<>|".contains(*c))
    {
        bail!(
            "the {what} `{}` cannot be a Windows file name: it contains {c:?}",
            name.escape_debug()
        );
    }
    ensure!(
        !name.ends_with('.') && !name.ends_with(' '),
        "the {what} `{name}` cannot be a Windows file name: it ends in a dot or a space"
    );
    if let Some(c) = name.chars().find(|c| !in_cp1252(*c)) {
        bail!("the {what} `{name}` contains {c:?}, which an MSI database (code page 1252) cannot hold");
    }
    Ok(())
}

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

const MISSING_WIXL: &str = "`wixl` is missing: it builds MSI installers on Linux. Install it \
     with `apt-get install wixl msitools` (Debian, Ubuntu), or build the MSI on a Windows \
     runner with the WiX 3 toolset";
const MISSING_MSITOOLS: &str = "`msibuild` and `msiinfo` are missing: they complete the MSIs \
     wixl builds. Install them with `apt-get install msitools`";

/// Run `cmd` to completion, capturing its output; a program that is not
/// installed is an error saying `missing`.
fn run_tool(cmd: &mut Command, name: &str, missing: &str) -> Result<Output> {
    match cmd.output() {
        Ok(output) => Ok(output),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(anyhow!("{missing}")),
        Err(e) => Err(anyhow!(e).context(format!("cannot run `{name}`"))),
    }
}

/// A tool's stderr for an error message, without the noise wixl prints
/// for WiX attributes it ignores: `":\n{lines}"`, or nothing.
fn tool_stderr(output: &Output) -> String {
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

/// What [`build_msi`] must do for the parts of the WiX source wixl does
/// not understand.
#[derive(Debug, PartialEq, Eq)]
struct WixlShims {
    /// `Package/@Platform`, if given.
    platform: Option<String>,
    /// The source without its `Environment` elements.
    stripped: String,
    /// One row of the `Environment` table per removed element.
    environment: Vec<EnvironmentRow>,
    /// `MajorUpgrade/@AllowSameVersionUpgrades="yes"`.
    allow_same_version_upgrades: bool,
    /// The `File/@Source` paths under `$(var.BinDir)`, relative to it.
    bin_dir_files: Vec<String>,
}

/// A row of the MSI `Environment` table.
#[derive(Debug, PartialEq, Eq)]
struct EnvironmentRow {
    id: String,
    /// The variable name with its flag prefix (`=-*PATH`).
    name: String,
    value: Option<String>,
    component: String,
}

impl WixlShims {
    fn from_source(source: &str) -> Result<WixlShims> {
        let elements = scan_xml(source)?;
        let mut shims = WixlShims {
            platform: None,
            stripped: String::new(),
            environment: Vec::new(),
            allow_same_version_upgrades: false,
            bin_dir_files: Vec::new(),
        };
        let mut cut = Vec::new();
        for el in &elements {
            match el.name.as_str() {
                "Package" => shims.platform = el.attr("Platform").map(str::to_string),
                "MajorUpgrade" => {
                    shims.allow_same_version_upgrades =
                        el.attr("AllowSameVersionUpgrades") == Some("yes");
                }
                "Environment" => {
                    shims.environment.push(EnvironmentRow::from_element(el)?);
                    cut.push(el.span.clone());
                }
                "File" => {
                    let relative = el.attr("Source").and_then(|s| {
                        s.strip_prefix("$(var.BinDir)/")
                            .or_else(|| s.strip_prefix("$(var.BinDir)\\"))
                    });
                    if let Some(relative) = relative {
                        shims.bin_dir_files.push(relative.to_string());
                    }
                }
                _ => {}
            }
        }
        let mut stripped = String::with_capacity(source.len());
        let mut at = 0;
        for span in cut {
            stripped.push_str(&source[at..span.start]);
            at = span.end;
        }
        stripped.push_str(&source[at..]);
        shims.stripped = stripped;
        Ok(shims)
    }

    /// The SQL statements that complete the MSI.
    fn queries(&self, upgrade_rows: &[UpgradeRow]) -> Result<Vec<String>> {
        let mut queries = Vec::new();
        if !self.environment.is_empty() {
            queries.push(
                "CREATE TABLE `Environment` (`Environment` CHAR(72) NOT NULL, \
                 `Name` CHAR(255) NOT NULL LOCALIZABLE, `Value` CHAR(255) LOCALIZABLE, \
                 `Component_` CHAR(72) NOT NULL PRIMARY KEY `Environment`)"
                    .to_string(),
            );
            for row in &self.environment {
                queries.push(format!(
                    "INSERT INTO `Environment` (`Environment`, `Name`, `Value`, `Component_`) \
                     VALUES ({}, {}, {}, {})",
                    sql_string(&row.id)?,
                    sql_string(&row.name)?,
                    row.value
                        .as_deref()
                        .map_or(Ok("NULL".to_string()), sql_string)?,
                    sql_string(&row.component)?,
                ));
            }
            // The standard sequence numbers of these two actions.
            for (action, sequence) in [
                ("RemoveEnvironmentStrings", 3300),
                ("WriteEnvironmentStrings", 5200),
            ] {
                queries.push(format!(
                    "INSERT INTO `InstallExecuteSequence` (`Action`, `Sequence`) \
                     VALUES ('{action}', {sequence})"
                ));
            }
        }
        if self.allow_same_version_upgrades {
            // The attributes are part of the Upgrade table's key, so the row
            // is replaced rather than updated.
            const VERSION_MAX_INCLUSIVE: u32 = 0x200;
            for row in upgrade_rows {
                if row.action_property != "WIX_UPGRADE_DETECTED"
                    || row.attributes & VERSION_MAX_INCLUSIVE != 0
                {
                    continue;
                }
                queries.push(format!(
                    "DELETE FROM `Upgrade` WHERE `ActionProperty` = {}",
                    sql_string(&row.action_property)?
                ));
                let mut columns = vec!["`UpgradeCode`", "`Attributes`", "`ActionProperty`"];
                let mut values = vec![
                    sql_string(&row.upgrade_code)?,
                    (row.attributes | VERSION_MAX_INCLUSIVE).to_string(),
                    sql_string(&row.action_property)?,
                ];
                for (column, value) in [
                    ("`VersionMin`", &row.version_min),
                    ("`VersionMax`", &row.version_max),
                    ("`Language`", &row.language),
                    ("`Remove`", &row.remove),
                ] {
                    if let Some(value) = value {
                        columns.push(column);
                        values.push(sql_string(value)?);
                    }
                }
                queries.push(format!(
                    "INSERT INTO `Upgrade` ({}) VALUES ({})",
                    columns.join(", "),
                    values.join(", ")
                ));
            }
        }
        Ok(queries)
    }

    /// Complete the MSI at `msi` (see the module docs).
    fn apply(&self, msi: &Path) -> Result<()> {
        let upgrade_rows = if self.allow_same_version_upgrades {
            let mut cmd = Command::new("msiinfo");
            cmd.arg("export").arg(msi).arg("Upgrade");
            let output = run_tool(&mut cmd, "msiinfo", MISSING_MSITOOLS)?;
            ensure!(
                output.status.success(),
                "msiinfo could not read the Upgrade table of {} ({}){}",
                msi.display(),
                output.status,
                tool_stderr(&output)
            );
            parse_upgrade_table(&String::from_utf8_lossy(&output.stdout))?
        } else {
            Vec::new()
        };
        let queries = self.queries(&upgrade_rows)?;
        if queries.is_empty() {
            return Ok(());
        }
        let mut cmd = Command::new("msibuild");
        cmd.arg(msi);
        for q in &queries {
            cmd.arg("-q").arg(q);
        }
        let output = run_tool(&mut cmd, "msibuild", MISSING_MSITOOLS)?;
        ensure!(
            output.status.success(),
            "msibuild could not add the PATH entry and upgrade rules to {} ({}){}",
            msi.display(),
            output.status,
            tool_stderr(&output)
        );
        Ok(())
    }
}

impl EnvironmentRow {
    /// The row WiX makes of an `Environment` element: the name prefixed
    /// with `=` (set), `+` (create) or `!` (remove), `-` (undo on
    /// uninstall, unless permanent) and `*` (system variable); the value
    /// joined to the existing one (`[~]`) for `Part="first"`/`"last"`.
    fn from_element(el: &XmlElement) -> Result<EnvironmentRow> {
        let get = |name: &str| -> Result<Option<String>> {
            match el.attr(name) {
                None => Ok(None),
                Some(v) if v.contains("$(") => bail!(
                    "Environment/@{name} `{v}` uses a preprocessor variable, which consign \
                     cannot resolve here"
                ),
                Some(v) => Ok(Some(v.replace("$$", "$"))),
            }
        };
        let id = get("Id")?.ok_or_else(|| anyhow!("an Environment element has no Id"))?;
        let name = get("Name")?.ok_or_else(|| anyhow!("Environment `{id}` has no Name"))?;
        let component = el
            .component
            .clone()
            .ok_or_else(|| anyhow!("Environment `{id}` is not inside a Component"))?;
        let yes = |v: Option<String>| v.as_deref() == Some("yes");
        let action = get("Action")?.unwrap_or_else(|| "set".to_string());
        let mut prefix = match action.as_str() {
            "set" => "=".to_string(),
            "create" => "+".to_string(),
            "remove" => "!".to_string(),
            other => bail!("Environment `{id}` has an unknown Action `{other}`"),
        };
        if action != "remove" && !yes(get("Permanent")?) {
            prefix.push('-');
        }
        if yes(get("System")?) {
            prefix.push('*');
        }
        let separator = get("Separator")?.unwrap_or_else(|| ";".to_string());
        let value = get("Value")?;
        let value = match (get("Part")?.as_deref(), value) {
            (_, None) => None,
            (None | Some("all"), Some(v)) => Some(v),
            (Some("first"), Some(v)) => Some(format!("{v}{separator}[~]")),
            (Some("last"), Some(v)) => Some(format!("[~]{separator}{v}")),
            (Some(other), _) => bail!("Environment `{id}` has an unknown Part `{other}`"),
        };
        Ok(EnvironmentRow {
            id,
            name: format!("{prefix}{name}"),
            value,
            component,
        })
    }
}

/// A row of the MSI `Upgrade` table, as `msiinfo export` prints it.
#[derive(Debug, PartialEq, Eq)]
struct UpgradeRow {
    upgrade_code: String,
    version_min: Option<String>,
    version_max: Option<String>,
    language: Option<String>,
    attributes: u32,
    remove: Option<String>,
    action_property: String,
}

/// Parse `msiinfo export MSI Upgrade`: three header lines (column names,
/// column types, table name and key), then one tab-separated row a line.
fn parse_upgrade_table(text: &str) -> Result<Vec<UpgradeRow>> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    ensure!(
        header
            == [
                "UpgradeCode",
                "VersionMin",
                "VersionMax",
                "Language",
                "Attributes",
                "Remove",
                "ActionProperty"
            ],
        "unexpected Upgrade table columns: {header:?}"
    );
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    lines
        .skip(2)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            ensure!(f.len() == 7, "unexpected Upgrade table row: {line:?}");
            Ok(UpgradeRow {
                upgrade_code: f[0].to_string(),
                version_min: opt(f[1]),
                version_max: opt(f[2]),
                language: opt(f[3]),
                attributes: f[4]
                    .parse()
                    .with_context(|| format!("unexpected Upgrade attributes in {line:?}"))?,
                remove: opt(f[5]),
                action_property: f[6].to_string(),
            })
        })
        .collect()
}

/// `s` as an SQL string literal for msibuild, which has no escape for
/// quotes.
fn sql_string(s: &str) -> Result<String> {
    ensure!(
        !s.contains(['\'', '\n', '\r']),
        "`{}` cannot be written into the MSI: it contains a quote or a line break",
        s.escape_debug()
    );
    Ok(format!("'{s}'"))
}

/// One start tag found by [`scan_xml`].
#[derive(Debug)]
struct XmlElement {
    name: String,
    /// Attribute names and unescaped values, in order.
    attrs: Vec<(String, String)>,
    /// The element from its `<` to the end of its end tag (or of the tag
    /// itself, if empty).
    span: std::ops::Range<usize>,
    /// The `Id` of the nearest enclosing `Component`.
    component: Option<String>,
}

impl XmlElement {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A small XML reader, enough for WiX source: every element in document
/// order with its attributes and extent. Skips comments, processing
/// instructions (preprocessor directives included), CDATA and the
/// doctype; checks that tags nest.
fn scan_xml(source: &str) -> Result<Vec<XmlElement>> {
    let mut elements: Vec<XmlElement> = Vec::new();
    // Open elements: (name, index into `elements`).
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut pos = 0;
    let skip_to = |from: usize, end: &str, what: &str| -> Result<usize> {
        source[from..]
            .find(end)
            .map(|i| from + i + end.len())
            .ok_or_else(|| anyhow!("unterminated {what} at byte {from}"))
    };
    while let Some(i) = source[pos..].find('<') {
        let start = pos + i;
        let rest = &source[start..];
        if rest.starts_with("<!--") {
            pos = skip_to(start, "-->", "comment")?;
        } else if rest.starts_with("<?") {
            pos = skip_to(start, "?>", "processing instruction")?;
        } else if rest.starts_with("<![CDATA[") {
            pos = skip_to(start, "]]>", "CDATA section")?;
        } else if rest.starts_with("<!") {
            pos = skip_to(start, ">", "declaration")?;
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = skip_to(start, ">", "end tag")?;
            let name = after[..end - start - 3].trim();
            match open.pop() {
                Some((open_name, index)) if open_name == name => {
                    elements[index].span.end = end;
                }
                Some((open_name, _)) => {
                    bail!("</{name}> at byte {start} closes <{open_name}>")
                }
                None => bail!("</{name}> at byte {start} closes nothing"),
            }
            pos = end;
        } else {
            let (element, end, empty) = parse_start_tag(source, start)?;
            let component = open
                .iter()
                .rev()
                .find(|(name, _)| name == "Component")
                .and_then(|(_, index)| elements[*index].attr("Id").map(str::to_string));
            let index = elements.len();
            let name = element.0.clone();
            elements.push(XmlElement {
                name: element.0,
                attrs: element.1,
                span: start..end,
                component,
            });
            if !empty {
                open.push((name, index));
            }
            pos = end;
        }
    }
    if let Some((name, _)) = open.pop() {
        bail!("<{name}> is never closed");
    }
    Ok(elements)
}

type StartTag = (String, Vec<(String, String)>);

/// Parse the start tag at `start`: its name and attributes, the byte after
/// its `>`, and whether it was empty (`/>`).
fn parse_start_tag(source: &str, start: usize) -> Result<(StartTag, usize, bool)> {
    let bytes = source.as_bytes();
    let is_name = |b: u8| !b.is_ascii_whitespace() && !b"/>=\"'<".contains(&b);
    let mut i = start + 1;
    let name_start = i;
    while i < bytes.len() && is_name(bytes[i]) {
        i += 1;
    }
    ensure!(i > name_start, "a tag without a name at byte {start}");
    let name = source[name_start..i].to_string();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => bail!("<{name}> at byte {start} is not closed"),
            Some(b'>') => return Ok(((name, attrs), i + 1, false)),
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {
                return Ok(((name, attrs), i + 2, true))
            }
            Some(_) => {}
        }
        let attr_start = i;
        while i < bytes.len() && is_name(bytes[i]) {
            i += 1;
        }
        ensure!(
            i > attr_start,
            "unexpected character in <{name}> at byte {i}"
        );
        let attr = source[attr_start..i].to_string();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        ensure!(
            bytes.get(i) == Some(&b'='),
            "attribute {attr} of <{name}> at byte {attr_start} has no value"
        );
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => bail!("attribute {attr} of <{name}> at byte {attr_start} is not quoted"),
        };
        let value_start = i + 1;
        let value_end = source[value_start..]
            .find(quote as char)
            .map(|n| value_start + n)
            .ok_or_else(|| anyhow!("attribute {attr} of <{name}> is not terminated"))?;
        attrs.push((attr, xml_unescape(&source[value_start..value_end])?));
        i = value_end + 1;
    }
}

/// Resolve the five predefined entities and character references.
fn xml_unescape(s: &str) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find(';')
            .ok_or_else(|| anyhow!("unterminated entity in `{s}`"))?;
        let entity = &rest[i + 1..i + end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| anyhow!("unknown entity `&{entity};` in `{s}`"))?
            }
        };
        out.push(c);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The app's upgrade and path GUIDs from `[package.metadata.wix]`
/// (`upgrade-guid`, `path-guid`) of `cargo_toml`, uppercase without braces.
///
/// Missing ones are generated with [`new_guid`] and written back: the file
/// keeps its formatting and comments (only the new keys, and the
/// `[package.metadata.wix]` table if it was missing, are added), and is
/// replaced atomically. When both are present the file is not touched.
/// Errors name the file.
pub fn ensure_guids(cargo_toml: &Path) -> Result<(String, String)> {
    let text = fs::read_to_string(cargo_toml)
        .with_context(|| format!("cannot read {}", cargo_toml.display()))?;
    let (guids, updated) =
        ensure_guids_in(&text).with_context(|| format!("in {}", cargo_toml.display()))?;
    if let Some(updated) = updated {
        crate::fs::write_atomic(cargo_toml, updated.as_bytes()).with_context(|| {
            format!("cannot write the new MSI GUIDs to {}", cargo_toml.display())
        })?;
    }
    Ok(guids)
}

/// [`ensure_guids`] on a manifest's text: the GUIDs, and the new text when
/// it had to change.
fn ensure_guids_in(text: &str) -> Result<((String, String), Option<String>)> {
    use toml_edit::{DocumentMut, Item};

    const KEYS: [&str; 2] = ["upgrade-guid", "path-guid"];
    let mut doc: DocumentMut = text.parse().context("the manifest is not valid TOML")?;
    let package = doc
        .get_mut("package")
        .filter(|item| item.is_table_like())
        .ok_or_else(|| {
            anyhow!("there is no [package] table (MSI GUIDs belong to a package's manifest)")
        })?;
    let metadata = child_table(package, "metadata", "[package.metadata]")?;
    let wix = child_table(metadata, "wix", "[package.metadata.wix]")?;
    let table = wix.as_table_like_mut().expect("child_table returns tables");
    let mut found = [None, None];
    for (slot, key) in found.iter_mut().zip(KEYS) {
        let Some(item) = table.get(key) else { continue };
        let value = item.as_str().ok_or_else(|| {
            anyhow!("[package.metadata.wix] {key} must be a string holding a GUID")
        })?;
        let guid = normalize_guid(value)
            .ok_or_else(|| anyhow!("[package.metadata.wix] {key} = \"{value}\" is not a GUID"))?;
        *slot = Some(guid);
    }
    let mut changed = false;
    for (slot, key) in found.iter_mut().zip(KEYS) {
        if slot.is_none() {
            let guid = new_guid();
            table.insert(key, Item::Value(guid.clone().into()));
            *slot = Some(guid);
            changed = true;
        }
    }
    let [Some(upgrade), Some(path)] = found else {
        unreachable!("both GUIDs were filled in above")
    };
    ensure!(
        upgrade != path,
        "[package.metadata.wix] upgrade-guid and path-guid must differ (both are {upgrade})"
    );
    Ok(((upgrade, path), changed.then(|| doc.to_string())))
}

/// `parent[key]`, created as an empty table when missing (implicit, so
/// that no empty header appears, or inline inside an inline table).
fn child_table<'a>(
    parent: &'a mut toml_edit::Item,
    key: &str,
    what: &str,
) -> Result<&'a mut toml_edit::Item> {
    use toml_edit::{InlineTable, Item, Table, Value};

    let inline = parent.is_inline_table();
    let table = parent
        .as_table_like_mut()
        .ok_or_else(|| anyhow!("{what}'s parent is not a table"))?;
    if !table.contains_key(key) {
        let item = if inline {
            Item::Value(Value::InlineTable(InlineTable::new()))
        } else {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        };
        table.insert(key, item);
    }
    let item = table.get_mut(key).expect("inserted above");
    ensure!(item.is_table_like(), "{what} is not a table");
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MsiContext {
        MsiContext {
            app_name: "my-tool".into(),
            app_version: "1.2.3".into(),
            manufacturer: "Jane Doe".into(),
            description: Some("A tool".into()),
            license: Some("MIT OR Apache-2.0".into()),
            homepage: Some("https://example.com/my-tool".into()),
            upgrade_guid: "11111111-2222-4333-8444-555555555555".into(),
            path_guid: "66666666-7777-4888-9999-AAAAAAAAAAAA".into(),
            binaries: vec!["my-tool.exe".into(), "helper.exe".into()],
            target: "x86_64-pc-windows-msvc".into(),
        }
    }

    fn is_guid(s: &str) -> bool {
        normalize_guid(s).as_deref() == Some(s)
    }

    #[test]
    fn xml_escape_escapes_the_five_specials() {
        assert_eq!(xml_escape("plain text 1.2"), "plain text 1.2");
        assert_eq!(
            xml_escape(r#"a & b < c > d "e" 'f'"#),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"
        );
        assert_eq!(xml_escape("&amp;"), "&amp;amp;");
        assert_eq!(xml_unescape(&xml_escape(r#"<"&'>"#)).unwrap(), r#"<"&'>"#);
        assert_eq!(xml_unescape("&#36;&#x41;").unwrap(), "$A");
        assert!(xml_unescape("&bogus;").is_err());
    }

    #[test]
    fn wix_attr_doubles_dollars_and_refuses_variable_references() {
        assert_eq!(
            wix_attr("x", "costs $5 & more").unwrap(),
            "costs $$5 &amp; more"
        );
        let err = wix_attr("description", "uses $(var.X)")
            .unwrap_err()
            .to_string();
        assert!(err.contains("description") && err.contains("$("), "{err}");
        assert!(wix_attr("x", "!(loc.Name)").is_err());
        assert!(wix_attr("x", "line\nbreak").is_err());
    }

    #[test]
    fn free_text_fits_code_page_1252() {
        assert_eq!(free_text("Zoë — 5 €™"), "Zoë — 5 €™");
        assert_eq!(free_text("山田 Taro"), "?? Taro");
        assert_eq!(free_text("  two\n  lines\t"), "two lines");
        assert!(in_cp1252('ÿ') && in_cp1252('Ÿ') && !in_cp1252('Ā'));
    }

    #[test]
    fn file_names_are_checked() {
        assert!(check_file_name("app name", "my-tool").is_ok());
        assert!(check_file_name("app name", "café").is_ok());
        for bad in [
            "", " ", "a/b", "a\\b", "a:b", "a?", "a.", "..", "日本", "a\u{7}",
        ] {
            assert!(check_file_name("app name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn versions_become_numeric_with_a_note() {
        let plain = msi_version("1.2.3").unwrap();
        assert_eq!(plain.version, "1.2.3");
        assert_eq!(plain.note, None);

        let rc = msi_version("1.2.3-rc.1").unwrap();
        assert_eq!(rc.version, "1.2.3");
        let note = rc.note.unwrap();
        assert!(
            note.contains("1.2.3-rc.1") && note.contains("1.2.3"),
            "{note}"
        );

        let build = msi_version("0.4.0+build.7").unwrap();
        assert_eq!(build.version, "0.4.0");
        assert!(build.note.is_some());

        assert_eq!(
            msi_version("255.255.65535").unwrap().version,
            "255.255.65535"
        );
        for bad in ["256.0.0", "1.256.0", "1.2.65536", "1.2", "v1.2.3", ""] {
            assert!(msi_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn manufacturer_is_the_first_author_without_email() {
        let authors = vec![
            "Jane Doe <jane@example.com>".to_string(),
            "John <john@example.com>".to_string(),
        ];
        assert_eq!(manufacturer(&authors, "my-tool"), "Jane Doe");
        assert_eq!(manufacturer(&["Solo".to_string()], "my-tool"), "Solo");
        assert_eq!(
            manufacturer(&["<x@example.com>".to_string()], "my-tool"),
            "my-tool"
        );
        assert_eq!(manufacturer(&[], "my-tool"), "my-tool");
    }

    #[test]
    fn new_guids_are_random_version_4() {
        let a = new_guid();
        let b = new_guid();
        assert_ne!(a, b);
        for g in [&a, &b] {
            assert!(is_guid(g), "{g}");
            assert_eq!(&g[14..15], "4", "{g}");
            assert!("89AB".contains(&g[19..20]), "{g}");
        }
        let x = fallback_random_bytes();
        let y = fallback_random_bytes();
        assert_ne!(x, y);
    }

    #[test]
    fn stable_guids_are_deterministic_and_distinct() {
        let ns = "11111111-2222-4333-8444-555555555555";
        let a = stable_guid(ns, "my-tool.exe");
        assert_eq!(a, stable_guid(ns, "my-tool.exe"));
        assert!(is_guid(&a), "{a}");
        assert_eq!(&a[14..15], "8", "{a}");
        assert!("89AB".contains(&a[19..20]), "{a}");
        assert_ne!(a, stable_guid(ns, "helper.exe"));
        assert_ne!(
            a,
            stable_guid("22222222-2222-4333-8444-555555555555", "my-tool.exe")
        );
        // The separator keeps (namespace, name) pairs apart.
        assert_ne!(stable_guid("ab", "c"), stable_guid("a", "bc"));
        // Pinned: changing the derivation would change every component GUID.
        assert_eq!(a, stable_guid(ns, "my-tool.exe"));
        // SHA-256 of one zero byte starts 6e340b9c ffb37a98 9ca544e6 bb780a2c.
        assert_eq!(stable_guid("", ""), "6E340B9C-FFB3-8A98-9CA5-44E6BB780A2C");
    }

    #[test]
    fn component_guids_depend_on_location_not_spelling() {
        let upper = "11111111-2222-4333-8444-555555555555";
        let x64 = component_guid(upper, "ProgramFiles64Folder", "my-tool.exe");
        assert_eq!(
            x64,
            component_guid(upper, "ProgramFiles64Folder", "My-Tool.EXE")
        );
        assert_ne!(
            x64,
            component_guid(upper, "ProgramFilesFolder", "my-tool.exe")
        );
    }

    #[test]
    fn guids_are_normalized() {
        let want = Some("ABCDEF01-2345-4789-ABCD-EF0123456789".to_string());
        assert_eq!(normalize_guid("abcdef01-2345-4789-abcd-ef0123456789"), want);
        assert_eq!(
            normalize_guid("{ABCDEF01-2345-4789-ABCD-EF0123456789}"),
            want
        );
        for bad in [
            "",
            "not-a-guid",
            "ABCDEF01-2345-4789-ABCD-EF012345678",
            "{ABCDEF01-2345-4789-ABCD-EF0123456789",
            "GBCDEF01-2345-4789-ABCD-EF0123456789",
        ] {
            assert_eq!(normalize_guid(bad), None, "{bad}");
        }
    }

    #[test]
    fn targets_choose_the_architecture() {
        assert_eq!(
            Arch::for_target("x86_64-pc-windows-msvc").unwrap(),
            Arch::X64
        );
        assert_eq!(
            Arch::for_target("x86_64-pc-windows-gnu").unwrap(),
            Arch::X64
        );
        assert_eq!(Arch::for_target("i686-pc-windows-msvc").unwrap(), Arch::X86);
        assert_eq!(
            Arch::for_target("aarch64-pc-windows-msvc").unwrap(),
            Arch::Arm64
        );
        assert!(Arch::for_target("x86_64-unknown-linux-gnu").is_err());
        assert!(Arch::for_target("thumbv7a-pc-windows-msvc").is_err());
        assert_eq!(Arch::X86.program_files(), "ProgramFilesFolder");
        assert_eq!(Arch::X64.program_files(), "ProgramFiles64Folder");
    }

    #[test]
    fn render_fills_the_template() {
        let wxs = render_wxs(&ctx()).unwrap();
        assert!(
            wxs.contains(r#"UpgradeCode="11111111-2222-4333-8444-555555555555""#),
            "{wxs}"
        );
        assert!(wxs.contains(r#"Guid="66666666-7777-4888-9999-AAAAAAAAAAAA""#));
        assert!(wxs.contains(r#"Version="$(var.Version)""#));
        assert!(wxs.contains(r#"Platform="x64""#));
        assert!(wxs.contains(r#"<Directory Id="ProgramFiles64Folder">"#));
        assert!(wxs.contains(r#"Source="$(var.BinDir)/my-tool.exe""#));
        assert!(wxs.contains(r#"Source="$(var.BinDir)/helper.exe""#));
        assert!(wxs.contains(r#"Value="[APPLICATIONFOLDER]bin""#));
        assert!(wxs.contains("licensed under MIT OR Apache-2.0"));
        let guid = component_guid(&ctx().upgrade_guid, "ProgramFiles64Folder", "my-tool.exe");
        assert!(wxs.contains(&format!(
            r#"<Component Id="binary0" Guid="{guid}" Win64="yes">"#
        )));
        // Well formed, and the shims find what they need.
        let shims = WixlShims::from_source(&wxs).unwrap();
        assert_eq!(shims.platform.as_deref(), Some("x64"));
        assert!(shims.allow_same_version_upgrades);
        assert_eq!(shims.bin_dir_files, ["my-tool.exe", "helper.exe"]);
        assert_eq!(
            shims.environment,
            vec![EnvironmentRow {
                id: "PATH".into(),
                name: "=-*PATH".into(),
                value: Some("[~];[APPLICATIONFOLDER]bin".into()),
                component: "PathEntry".into(),
            }]
        );
        assert!(!shims.stripped.contains("<Environment"));
        assert!(shims.stripped.contains(r#"<Component Id="PathEntry""#));
        scan_xml(&shims.stripped).unwrap();
    }

    #[test]
    fn render_without_optional_fields() {
        let mut c = ctx();
        c.description = None;
        c.license = None;
        c.homepage = None;
        c.target = "i686-pc-windows-msvc".into();
        let wxs = render_wxs(&c).unwrap();
        assert!(!wxs.contains("ARPURLINFOABOUT") && !wxs.contains("ARPCOMMENTS"));
        assert!(wxs.contains(r#"<Directory Id="ProgramFilesFolder">"#));
        assert!(wxs.contains(r#"Platform="x86""#));
        assert!(wxs.contains(r#"Win64="no""#));
        assert!(wxs.contains(r#"Description="my-tool""#));
        scan_xml(&wxs).unwrap();
    }

    #[test]
    fn render_escapes_values() {
        let mut c = ctx();
        c.manufacturer = r#"Jane "JD" Doe & <Co>"#.into();
        c.description = Some("Costs $5 & it's 山田's".into());
        c.homepage = Some("https://example.com/?a=1&b=2".into());
        let wxs = render_wxs(&c).unwrap();
        assert!(
            wxs.contains(r#"Manufacturer="Jane &quot;JD&quot; Doe &amp; &lt;Co&gt;""#),
            "{wxs}"
        );
        assert!(
            wxs.contains(r#"Value="Costs $$5 &amp; it&apos;s ??&apos;s""#),
            "{wxs}"
        );
        assert!(wxs.contains(r#"Value="https://example.com/?a=1&amp;b=2""#));
        let elements = scan_xml(&wxs).unwrap();
        let product = elements.iter().find(|e| e.name == "Product").unwrap();
        assert_eq!(
            product.attr("Manufacturer"),
            Some(r#"Jane "JD" Doe & <Co>"#)
        );
    }

    #[test]
    fn render_rejects_bad_contexts() {
        type Mutation = fn(&mut MsiContext);
        let cases: Vec<(Mutation, &str)> = vec![
            (|c| c.binaries.clear(), "at least one binary"),
            (|c| c.binaries = vec!["my-tool".into()], ".exe"),
            (
                |c| c.binaries = vec!["a.exe".into(), "A.EXE".into()],
                "twice",
            ),
            (
                |c| c.binaries = vec!["bin/a.exe".into()],
                "Windows file name",
            ),
            (|c| c.upgrade_guid = "nope".into(), "not a GUID"),
            (|c| c.path_guid = c.upgrade_guid.clone(), "must differ"),
            (|c| c.app_version = "1.2.300000".into(), "65535"),
            (|c| c.target = "x86_64-apple-darwin".into(), "Windows"),
            (|c| c.app_name = "日本".into(), "code page 1252"),
            (
                |c| c.description = Some("$(env.HOME)".into()),
                "variable reference",
            ),
        ];
        for (mutate, want) in cases {
            let mut c = ctx();
            mutate(&mut c);
            let err = format!("{:#}", render_wxs(&c).unwrap_err());
            assert!(err.contains(want), "{want:?} not in {err:?}");
        }
    }

    #[test]
    fn environment_rows_follow_wix() {
        let row = |xml: &str| {
            let source = format!(r#"<Component Id="C">{xml}</Component>"#);
            let shims = WixlShims::from_source(&source)?;
            Ok::<_, anyhow::Error>(shims.environment.into_iter().next().unwrap())
        };
        let r = row(r#"<Environment Id="E" Name="PATH" Value="x" Part="first" Action="set" Permanent="yes"/>"#)
            .unwrap();
        assert_eq!(
            (r.name.as_str(), r.value.as_deref()),
            ("=PATH", Some("x;[~]"))
        );
        let r = row(r#"<Environment Id="E" Name="V" Value="a$$b" Action="create" System="yes"></Environment>"#)
            .unwrap();
        assert_eq!((r.name.as_str(), r.value.as_deref()), ("+-*V", Some("a$b")));
        let r = row(r#"<Environment Id="E" Name="V" Action="remove"/>"#).unwrap();
        assert_eq!((r.name.as_str(), r.value), ("!V", None));
        assert!(row(r#"<Environment Id="E" Name="V" Action="bogus"/>"#).is_err());
        assert!(row(r#"<Environment Id="E" Name="V" Value="$(var.X)"/>"#).is_err());
        assert!(
            WixlShims::from_source(r#"<Product><Environment Id="E" Name="V"/></Product>"#).is_err()
        );
    }

    #[test]
    fn scanner_skips_comments_and_checks_nesting() {
        let source = "<?xml version=\"1.0\"?>\n<!-- <Environment Id=\"no\"/> -->\n\
                      <?define X = \"1\" ?><A x='1' y = \"&lt;2&gt;\"><B/><![CDATA[<C>]]></A>";
        let els = scan_xml(source).unwrap();
        let names: Vec<&str> = els.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(els[0].attr("y"), Some("<2>"));
        assert_eq!(&source[els[0].span.clone()][..2], "<A");
        assert!(source[els[0].span.clone()].ends_with("</A>"));
        assert!(scan_xml("<A><B></A>").is_err());
        assert!(scan_xml("<A>").is_err());
        assert!(scan_xml("</A>").is_err());
        assert!(scan_xml("<A x=1/>").is_err());
        let shims = WixlShims::from_source(
            "<A><Component Id='C'>\n  <Environment Id='E' Name='P'/>\n</Component></A>",
        )
        .unwrap();
        assert_eq!(
            shims.stripped,
            "<A><Component Id='C'>\n  \n</Component></A>"
        );
    }

    #[test]
    fn upgrade_rows_get_version_max_inclusive() {
        let export =
            "UpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\tRemove\tActionProperty\r\n\
                      s38\tS20\tS20\tS255\ti4\tS255\ts72\r\n\
                      Upgrade\tUpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\r\n\
                      {1111}\t\t1.2.3\t\t1\t\tWIX_UPGRADE_DETECTED\r\n\
                      {1111}\t1.2.3\t\t\t2\t\tWIX_DOWNGRADE_DETECTED\r\n";
        let rows = parse_upgrade_table(export).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].version_max.as_deref(), Some("1.2.3"));
        assert_eq!(rows[1].attributes, 2);
        let shims = WixlShims {
            platform: None,
            stripped: String::new(),
            environment: Vec::new(),
            allow_same_version_upgrades: true,
            bin_dir_files: Vec::new(),
        };
        let queries = shims.queries(&rows).unwrap();
        assert_eq!(
            queries,
            [
                "DELETE FROM `Upgrade` WHERE `ActionProperty` = 'WIX_UPGRADE_DETECTED'",
                "INSERT INTO `Upgrade` (`UpgradeCode`, `Attributes`, `ActionProperty`, `VersionMax`) \
                 VALUES ('{1111}', 513, 'WIX_UPGRADE_DETECTED', '1.2.3')",
            ]
        );
        // Already inclusive: nothing to do.
        let mut done = rows;
        done[0].attributes = 513;
        assert!(shims.queries(&done).unwrap().is_empty());
        assert!(parse_upgrade_table("A\tB\r\n").is_err());
        assert!(sql_string("it's").is_err());
    }

    const MANIFEST: &str = r#"# The tool's manifest.
[package]
name = "my-tool" # the name
version = "1.2.3"

# Dependencies follow.
[dependencies]
anyhow = "1"
"#;

    #[test]
    fn ensure_guids_generates_once_and_keeps_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        fs::write(&path, MANIFEST).unwrap();
        let (upgrade, path_guid) = ensure_guids(&path).unwrap();
        assert!(is_guid(&upgrade) && is_guid(&path_guid));
        assert_ne!(upgrade, path_guid);
        let written = fs::read_to_string(&path).unwrap();
        // The new table goes after [package]; everything else is as it was.
        let want = MANIFEST.replace(
            "\n# Dependencies follow.",
            &format!(
                "\n[package.metadata.wix]\nupgrade-guid = \"{upgrade}\"\n\
                 path-guid = \"{path_guid}\"\n\n# Dependencies follow."
            ),
        );
        assert_eq!(written, want);
        // Cargo still sees the package.
        let doc: toml_edit::DocumentMut = written.parse().unwrap();
        assert_eq!(
            doc["package"]["metadata"]["wix"]["upgrade-guid"].as_str(),
            Some(upgrade.as_str())
        );

        let again = ensure_guids(&path).unwrap();
        assert_eq!(again, (upgrade, path_guid));
        assert_eq!(fs::read_to_string(&path).unwrap(), written);
        // No temporary files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn ensure_guids_completes_a_partial_table() {
        let text = "[package]\nname = \"a\"\n\n[package.metadata.wix]\n# keep me\nupgrade-guid = \"{abcdef01-2345-4789-abcd-ef0123456789}\"\nlicense = false\n";
        let ((upgrade, path), updated) = ensure_guids_in(text).unwrap();
        assert_eq!(upgrade, "ABCDEF01-2345-4789-ABCD-EF0123456789");
        let updated = updated.unwrap();
        assert!(updated.contains("# keep me\nupgrade-guid = \"{abcdef01-2345-4789-abcd-ef0123456789}\"\nlicense = false\n"), "{updated}");
        assert!(
            updated.contains(&format!("path-guid = \"{path}\"")),
            "{updated}"
        );

        let inline = "[package]\nname = \"a\"\nmetadata = { wix = { upgrade-guid = \"ABCDEF01-2345-4789-ABCD-EF0123456789\" } }\n";
        let (_, updated) = ensure_guids_in(inline).unwrap();
        let doc: toml_edit::DocumentMut = updated.unwrap().parse().unwrap();
        assert!(doc["package"]["metadata"]["wix"]["path-guid"]
            .as_str()
            .is_some());

        let complete = "[package]\nname = \"a\"\n[package.metadata.wix]\nupgrade-guid = \"ABCDEF01-2345-4789-ABCD-EF0123456789\"\npath-guid = \"ABCDEF01-2345-4789-ABCD-EF0123456780\"\n";
        assert_eq!(ensure_guids_in(complete).unwrap().1, None);
    }

    #[test]
    fn ensure_guids_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("[workspace]\nmembers = []\n", "no [package] table"),
            (
                "[package]\nname = \"a\"\n[package.metadata.wix]\nupgrade-guid = \"nope\"\n",
                "is not a GUID",
            ),
            (
                "[package]\nname = \"a\"\n[package.metadata.wix]\npath-guid = 5\n",
                "must be a string",
            ),
            ("[package\n", "not valid TOML"),
        ];
        for (i, (text, want)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("Cargo-{i}.toml"));
            fs::write(&path, text).unwrap();
            let err = format!("{:#}", ensure_guids(&path).unwrap_err());
            assert!(
                err.contains(&path.display().to_string()) && err.contains(want),
                "{err}"
            );
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
        }
        let missing = dir.path().join("missing.toml");
        let err = format!("{:#}", ensure_guids(&missing).unwrap_err());
        assert!(err.contains("missing.toml"), "{err}");
    }

    #[test]
    fn missing_tools_say_how_to_install_them() {
        let empty = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("wixl");
        cmd.env("PATH", empty.path());
        let err = run_tool(&mut cmd, "wixl", MISSING_WIXL)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`wixl` is missing") && err.contains("apt-get install wixl"),
            "{err}"
        );
        assert!(err.contains("Windows"), "{err}");
    }

    #[test]
    fn build_rejects_arm64_and_missing_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = ctx();
        c.target = "aarch64-pc-windows-msvc".into();
        let wxs = dir.path().join("main.wxs");
        fs::write(&wxs, render_wxs(&c).unwrap()).unwrap();
        let out = dir.path().join("out.msi");
        let err = format!(
            "{:#}",
            build_msi(&wxs, dir.path(), &out, "1.2.3").unwrap_err()
        );
        assert!(err.contains("arm64") && err.contains("WiX"), "{err}");
        let err = format!(
            "{:#}",
            build_msi(&dir.path().join("nope.wxs"), dir.path(), &out, "1.2.3").unwrap_err()
        );
        assert!(err.contains("nope.wxs"), "{err}");
        c.target = "x86_64-pc-windows-msvc".into();
        fs::write(&wxs, render_wxs(&c).unwrap()).unwrap();
        let err = format!(
            "{:#}",
            build_msi(&wxs, &dir.path().join("no-bins"), &out, "1.2.3").unwrap_err()
        );
        assert!(err.contains("no-bins"), "{err}");
        assert!(!out.exists());
    }
}
