//! Installers rendered from the plan: shell and PowerShell scripts (and,
//! later, Homebrew formulas, npm packages and MSIs).
//!
//! Every installer is rendered from an [`InstallerContext`]: a typed,
//! serializable description of what to install, made from the plan and the
//! checksums the build recorded. Templates are embedded in the binary and hold
//! no logic beyond loops and conditionals.

pub mod binstall;
pub mod homebrew;
pub mod msi;
pub mod npm;
pub mod oci;
pub mod powershell;
pub mod shell;

use std::collections::BTreeMap;

use consign_manifest::EnvironmentVariables;
use serde::Serialize;

/// The context every installer's unit tests start from, shared with the
/// integration tests (`tests/common/installer.rs`).
#[cfg(test)]
#[path = "../../tests/common/installer.rs"]
pub(crate) mod test_support;
#[cfg(test)]
use crate::plan::env_vars;

/// Everything an installer script needs to know. Built by the executor from
/// the plan; the installer makes no decisions of its own beyond detecting the
/// platform it runs on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstallerContext {
    /// The app (package) name, e.g. `my-tool`.
    pub app_name: String,
    /// The version being installed, e.g. `1.2.3`.
    pub app_version: String,
    /// Base URL the archives download from, without a trailing slash
    /// (e.g. `https://github.com/o/r/releases/download/v1.2.3`).
    pub download_url: String,
    /// One entry per target the installer can install.
    pub artifacts: Vec<InstallerArtifact>,
    /// Where to install, in order of preference; the first usable one wins.
    pub install_paths: Vec<InstallPathSpec>,
    /// Names of the environment variables the installer honours
    /// (`{APP}_INSTALL_DIR`, `{APP}_NO_MODIFY_PATH`, ...).
    pub env: EnvironmentVariables,
    /// Extra names for binaries: binary name → alias names (installed as symlinks on unix, copies on Windows).
    pub aliases: BTreeMap<String, Vec<String>>,
    /// A message printed after a successful install (`install-success-msg`), if configured.
    pub success_msg: Option<String>,
    /// Whether the release ships an updater (`install-updater`); each
    /// artifact's [`InstallerArtifact::updater`] says which file it is.
    pub install_updater: bool,
    /// Where the release came from, for the receipt.
    pub source: ReceiptSource,
}

/// One installable archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstallerArtifact {
    /// The target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub target: String,
    /// `linux`, `macos`, `windows`, `freebsd`, ...
    pub os: String,
    /// The architecture as the triple spells it: `x86_64`, `aarch64`, `i686`, `armv7`, ...
    pub arch: String,
    /// `gnu`, `musl`, `msvc` or `none`.
    pub libc: String,
    /// The archive file name, e.g. `my-tool-x86_64-unknown-linux-gnu.tar.xz`.
    pub archive: String,
    /// `.tar.xz`, `.tar.gz`, `.tar.zst` or `.zip`.
    pub format: String,
    /// The directory everything is under in the archive (`{app}-{target}`), or `None` for flat zips.
    pub prefix: Option<String>,
    /// Checksum algorithm (`sha256`, `sha512`, `sha3-256`, `sha3-512`, `blake2s`, `blake2b`), if checksums are on.
    pub checksum_algo: Option<String>,
    /// The archive's checksum (lowercase hex), baked in at build time.
    pub checksum: Option<String>,
    /// Binary file names inside the archive (with `.exe` on Windows).
    pub binaries: Vec<String>,
    /// For gnu Linux builds: the newest glibc the binaries need (`2.31`); older systems fall back to a musl artifact.
    pub glibc_floor: Option<String>,
    /// The updater installed beside the binaries (`install-updater`), if any.
    pub updater: Option<InstallerUpdater>,
}

/// The updater of one target (axoupdater-cli), downloaded from the same base
/// URL as the archive and installed as `{app}-update` (`{app}-update.exe` on
/// Windows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstallerUpdater {
    /// The planned artifact's file name, `{app}-{target}-update`.
    pub artifact: String,
    /// Its checksum (lowercase hex, the archive's algorithm), baked in at build time.
    pub checksum: Option<String>,
}

/// One `install-path` entry, in a form templates can branch on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InstallPathSpec {
    /// `$CARGO_HOME/bin`, else `~/.cargo/bin`.
    CargoHome,
    /// `~/{subdir}`.
    HomeSubdir {
        /// Relative to the home directory, no leading or trailing slash.
        subdir: String,
    },
    /// `${var}/{subdir}`; skipped when `var` is unset or empty.
    EnvSubdir {
        /// The variable name.
        var: String,
        /// Relative to the variable's value, no leading or trailing slash.
        subdir: String,
    },
}

impl InstallerContext {
    /// The layout of an install into a forced directory (`{APP}_INSTALL_DIR`,
    /// `CARGO_DIST_FORCE_INSTALL_DIR`), as cargo-dist's installers have it:
    /// `cargo-home` (binaries in `DIR/bin`) when an `install-path` is the
    /// Cargo home, else `flat` (binaries in `DIR`). Either way the receipt's
    /// `install_prefix` is `DIR`, which is what updaters pass back in; a
    /// forced directory that is the Cargo home itself is always `cargo-home`.
    pub fn forced_install_layout(&self) -> &'static str {
        if self.install_paths.contains(&InstallPathSpec::CargoHome) {
            "cargo-home"
        } else {
            "flat"
        }
    }
}

/// Where a release came from (written into the install receipt).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReceiptSource {
    /// `github` or `simple`.
    pub release_type: String,
    /// Repository owner, if hosted on GitHub.
    pub owner: Option<String>,
    /// Repository name, if hosted on GitHub.
    pub name: Option<String>,
}

/// Text baked into an installer: no control characters (a newline would end
/// a comment or a string early in every installer language).
pub(crate) fn check_text(what: &str, value: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !value.chars().any(char::is_control),
        "the {what} `{}` contains control characters",
        value.escape_debug()
    );
    Ok(())
}

/// A plain file name, on every OS: installers join it to an install directory.
pub(crate) fn check_file_name(what: &str, name: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\', ':'])
            && !name.chars().any(char::is_control),
        "the {what} `{}` is not a plain file name",
        name.escape_debug()
    );
    Ok(())
}

/// Render an embedded template with the settings every installer uses:
/// undefined values are errors, nothing is auto-escaped (each renderer quotes
/// values for its own language before they reach the template), and block
/// tags leave no stray whitespace.
pub(crate) fn render_template(
    name: &str,
    source: &str,
    ctx: minijinja::value::Value,
) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .context("configuring the template syntax")?,
    );
    env.add_template(name, source)
        .with_context(|| format!("parsing template `{name}`"))?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .with_context(|| format!("rendering template `{name}`"))
}
