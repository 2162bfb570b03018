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

use crate::error::UserError;
use crate::project::config::{DistConfig, InstallerKind};
use crate::targets::{self, Os};

/// One app as an installer's plan contribution sees it.
pub struct AppInput<'a> {
    /// The package name.
    pub name: &'a str,
    /// The version released.
    pub version: &'a semver::Version,
    /// The app's config (the workspace's, with the package's on top).
    pub config: &'a DistConfig,
    /// The release's targets for the app (after `--target`), in config order.
    pub targets: &'a [String],
}

impl AppInput<'_> {
    /// The release targets whose OS passes `keep`.
    pub fn targets_where(&self, keep: impl Fn(Os) -> bool) -> Vec<String> {
        self.targets
            .iter()
            .filter(|t| keep(targets::info(t).os))
            .cloned()
            .collect()
    }

    /// Whether a target in the app's config (before `--target`) passes `keep`.
    pub fn configures(&self, keep: impl Fn(Os) -> bool) -> bool {
        self.config
            .targets
            .iter()
            .flatten()
            .any(|t| keep(targets::info(t).os))
    }
}

/// What an installer adds to a release plan for one app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// Its file, a release artifact.
    pub file: String,
    /// The targets it installs (some of the app's).
    pub targets: Vec<String>,
    /// The manifest's description of it.
    pub description: &'static str,
}

/// The plan contribution of the `kind` installer for `app`: each installer
/// module decides its own file, targets and checks (`plan`) and its install
/// command (`install_hint`); this is the one place that dispatches on the
/// kind. `None` for an installer with no file of its own (`msi` and
/// `docker` are built beside each archive), after its checks.
pub fn plan(
    kind: InstallerKind,
    app: &AppInput<'_>,
    warnings: &mut Vec<String>,
) -> Result<Option<Contribution>, UserError> {
    match kind {
        InstallerKind::Shell => Ok(Some(shell::plan(app))),
        InstallerKind::Powershell => Ok(Some(powershell::plan(app))),
        InstallerKind::Homebrew => Ok(Some(homebrew::plan(app, warnings))),
        InstallerKind::Npm => npm::plan(app).map(Some),
        InstallerKind::Msi => msi::check(app).map(|()| None),
        InstallerKind::Docker => oci::check(app).map(|()| None),
    }
}

/// An installer file the build wrote.
pub struct Built {
    pub bytes: Vec<u8>,
    /// Whether the file is executable (the shell script).
    pub executable: bool,
    /// The artifact's assets in the manifest, when the installer lists them
    /// (the npm package's files).
    pub assets: Option<Vec<consign_manifest::Asset>>,
}

/// Build the file of a planned installer from its context (with the
/// checksums and glibc floors the build recorded) and the built manifest:
/// the one place the build dispatches on the kind. `None` when there is
/// nothing to write (`msi` and `docker` are built beside each archive; a
/// formula with no macOS or Linux archive is a warning).
pub fn build(
    installer: &crate::plan::InstallerPlan,
    ctx: &InstallerContext,
    manifest: &consign_manifest::DistManifest,
    mtime: u64,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Option<Built>> {
    match installer.kind {
        InstallerKind::Shell => shell::build(ctx).map(Some),
        InstallerKind::Powershell => powershell::build(ctx).map(Some),
        InstallerKind::Homebrew => homebrew::build(installer, ctx, manifest, warnings),
        InstallerKind::Npm => npm::build(installer, ctx, mtime).map(Some),
        InstallerKind::Msi | InstallerKind::Docker => Ok(None),
    }
}

/// The command that installs `app` with the `kind` installer whose file
/// (`file`) downloads from `url`, if there is one to show.
pub fn install_hint(
    kind: InstallerKind,
    app: &AppInput<'_>,
    file: &str,
    url: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, UserError> {
    match kind {
        InstallerKind::Shell => Ok(Some(shell::install_hint(url))),
        InstallerKind::Powershell => Ok(Some(powershell::install_hint(url))),
        InstallerKind::Homebrew => homebrew::install_hint(app, file, warnings),
        InstallerKind::Npm => Ok(Some(npm::install_hint(app))),
        InstallerKind::Msi | InstallerKind::Docker => Ok(None),
    }
}

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

#[cfg(test)]
mod plan_tests {
    use super::*;

    const TARGETS: [&str; 6] = [
        "x86_64-unknown-linux-musl",
        "x86_64-unknown-linux-gnu",
        "i686-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
        "aarch64-pc-windows-msvc",
    ];

    fn contribution(
        kind: InstallerKind,
        config: &DistConfig,
    ) -> (Option<Contribution>, Vec<String>) {
        let targets: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
        let version = semver::Version::new(1, 2, 3);
        let app = AppInput {
            name: "tool",
            version: &version,
            config,
            targets: &targets,
        };
        let mut warnings = Vec::new();
        let c = plan(kind, &app, &mut warnings).unwrap();
        (c, warnings)
    }

    #[test]
    fn each_installer_decides_its_file_and_targets() {
        let config = DistConfig::default();
        let (shell, _) = contribution(InstallerKind::Shell, &config);
        let shell = shell.unwrap();
        assert_eq!(shell.file, "tool-installer.sh");
        assert_eq!(shell.targets, &TARGETS[..4]);
        let (ps, _) = contribution(InstallerKind::Powershell, &config);
        assert_eq!(ps.unwrap().targets, &TARGETS[4..]);
        // One archive per OS and arm/intel, gnu before musl, no i686.
        let (brew, warnings) = contribution(InstallerKind::Homebrew, &config);
        let brew = brew.unwrap();
        assert_eq!(brew.file, "tool.rb");
        assert_eq!(
            brew.targets,
            ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]
        );
        assert!(warnings[0].contains("no `tap`"), "{warnings:?}");
        let (npm, _) = contribution(InstallerKind::Npm, &config);
        assert_eq!(npm.unwrap().targets.len(), TARGETS.len());
        // MSI and images are built beside archives: no file of their own.
        assert_eq!(contribution(InstallerKind::Msi, &config).0, None);
    }

    #[test]
    fn installer_checks_name_what_to_fix() {
        let version = semver::Version::new(1, 2, 3);
        let mac = vec!["aarch64-apple-darwin".to_string()];
        let config = DistConfig {
            npm_package: Some("Bad Name".into()),
            ..DistConfig::default()
        };
        let app = AppInput {
            name: "tool",
            version: &version,
            config: &config,
            targets: &mac,
        };
        let mut w = Vec::new();
        let npm = plan(InstallerKind::Npm, &app, &mut w).unwrap_err();
        assert!(
            npm.message
                .contains("`Bad Name` is not a valid npm package name"),
            "{npm}"
        );
        let msi = plan(InstallerKind::Msi, &app, &mut w).unwrap_err();
        assert!(msi.message.contains("no Windows target"), "{msi}");
        let docker = plan(InstallerKind::Docker, &app, &mut w).unwrap_err();
        assert!(docker.message.contains("no Linux target"), "{docker}");
    }

    #[test]
    fn install_hints_come_from_each_installer() {
        let version = semver::Version::new(1, 2, 3);
        let config = DistConfig {
            tap: Some("o/homebrew-tap".into()),
            npm_scope: Some("@o".into()),
            ..DistConfig::default()
        };
        let targets = vec!["x86_64-unknown-linux-gnu".to_string()];
        let app = AppInput {
            name: "tool",
            version: &version,
            config: &config,
            targets: &targets,
        };
        let mut w = Vec::new();
        let hint = |kind, file: &str, w: &mut Vec<String>| {
            install_hint(kind, &app, file, "https://x/f", w).unwrap()
        };
        assert_eq!(
            hint(InstallerKind::Shell, "tool-installer.sh", &mut w).unwrap(),
            "curl --proto '=https' --tlsv1.2 -LsSf https://x/f | sh"
        );
        assert_eq!(
            hint(InstallerKind::Homebrew, "tool.rb", &mut w).unwrap(),
            "brew install o/tap/tool"
        );
        assert_eq!(
            hint(InstallerKind::Npm, "tool-npm-package.tar.gz", &mut w).unwrap(),
            "npm install @o/tool@1.2.3"
        );
        assert_eq!(hint(InstallerKind::Msi, "tool.msi", &mut w), None);
        assert!(w.is_empty(), "{w:?}");
    }
}
