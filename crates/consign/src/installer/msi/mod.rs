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
//! The code follows those lines: `guid` (GUIDs, with the `uuid` crate),
//! `wxs` (rendering the WiX source), `xml` (reading WiX source back, with
//! `quick-xml`), `shims` (what wixl lacks, found in the source), `msibuild`
//! (the SQL that completes the MSI), `build` (running the tools) and
//! `cargo_toml` (the GUIDs kept in `[package.metadata.wix]`).
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

mod build;
mod cargo_toml;
mod guid;
mod msibuild;
mod shims;
#[cfg(test)]
mod tests;
mod wxs;
mod xml;

use anyhow::{bail, ensure, Context as _, Result};
use serde::Serialize;

pub use build::{build_msi, source_fits_target};
pub use cargo_toml::ensure_guids;
pub use guid::{new_guid, stable_guid};
pub use wxs::render_wxs;

/// The plan's check: an MSI needs a Windows target (one is built beside
/// each Windows archive, so it adds no file of its own here).
pub fn check(app: &super::AppInput<'_>) -> Result<(), crate::error::UserError> {
    use crate::targets::Os;
    if app.targets_where(|os| os == Os::Windows).is_empty()
        && !app.configures(|os| os == Os::Windows)
    {
        return Err(crate::error::UserError::new(format!(
            "`{}` has the `msi` installer but no Windows target",
            app.name
        ))
        .hint("add a Windows target such as `x86_64-pc-windows-msvc` to `targets`, or remove `msi` from `installers`"));
    }
    Ok(())
}

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

/// The three ways a Windows target can be packaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arch {
    X86,
    X64,
    Arm64,
}

impl Arch {
    pub(super) fn for_target(target: &str) -> Result<Arch> {
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

    pub(super) fn from_platform(platform: &str) -> Option<Arch> {
        match platform.to_ascii_lowercase().as_str() {
            "x86" | "intel" => Some(Arch::X86),
            "x64" | "amd64" | "intel64" => Some(Arch::X64),
            "arm64" => Some(Arch::Arm64),
            _ => None,
        }
    }

    /// `Package/@Platform`, which [`build_msi`] reads back.
    pub(super) fn platform(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X64 => "x64",
            Arch::Arm64 => "arm64",
        }
    }

    pub(super) fn program_files(self) -> &'static str {
        match self {
            Arch::X86 => "ProgramFilesFolder",
            Arch::X64 | Arch::Arm64 => "ProgramFiles64Folder",
        }
    }

    pub(super) fn win64(self) -> bool {
        self != Arch::X86
    }
}
