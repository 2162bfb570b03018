//! The dist configuration format, read into typed config.
//!
//! consign reads the same keys cargo-dist does, from `dist-workspace.toml`,
//! `dist.toml`, `[workspace.metadata.dist]` and `[package.metadata.dist]`.
//! Every value is checked here, with its span, so that a wrong type or an
//! unknown value is reported at its file, line and column; a misspelled key is
//! a warning naming the closest known key.
//!
//! **Invariant:** every field of [`DistConfig`] is optional. "Not set" and
//! "set to the default" are different things, because a package value
//! replaces the workspace value ([`DistConfig::overlay`]); defaults are applied
//! by the planner.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml_edit::{Item, Value};

use crate::error::{closest, list, Location, UserError};
use crate::targets;

/// A TOML file: its path and text, for locating spans.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file's path.
    pub path: PathBuf,
    /// The file's contents.
    pub text: String,
}

impl SourceFile {
    /// Read a file, naming it on failure.
    pub fn read(path: &Path) -> Result<SourceFile, UserError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UserError::new(format!("failed to read `{}`: {e}", path.display())))?;
        Ok(SourceFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The location of a span's start.
    pub fn locate(&self, span: Option<std::ops::Range<usize>>) -> Option<Location> {
        span.map(|s| Location::from_offset(&self.path, &self.text, s.start))
    }

    /// Parse the file as TOML, with a located error on failure.
    pub fn parse(&self) -> Result<toml_edit::Document<&str>, UserError> {
        toml_edit::Document::parse(self.text.as_str()).map_err(|e| {
            let mut err = UserError::new(format!(
                "`{}` is not valid TOML: {}",
                self.path.display(),
                e.message().trim_end()
            ))
            .hint("fix the syntax at the location shown");
            if let Some(loc) = self.locate(e.span()) {
                err = err.at(loc);
            }
            err
        })
    }
}

/// A warning found while reading config (e.g. an unknown key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The warning text.
    pub message: String,
    /// Where it applies.
    pub location: Option<Location>,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  --> {loc}")?;
        }
        Ok(())
    }
}

/// Declares a closed set of string values: the enum, its TOML spellings, and
/// the list used in error messages.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, spelled as in TOML.
            pub const ALL: &'static [&'static str] = &[$($text),+];

            /// Parse a TOML spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The TOML spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

string_enum!(
    /// A CI backend.
    CiBackend { Github = "github" }
);

string_enum!(
    /// A kind of installer.
    InstallerKind {
        /// `{app}-installer.sh`
        Shell = "shell",
        /// `{app}-installer.ps1`
        Powershell = "powershell",
        /// `{app}-npm-package.tar.gz`
        Npm = "npm",
        /// `{formula}.rb`
        Homebrew = "homebrew",
        /// `{app}-{target}.msi`
        Msi = "msi",
        /// `{app}-{target}.Dockerfile`, and `{app}-{target}.oci.tar` for static (musl) builds
        Docker = "docker",
    }
);

string_enum!(
    /// What the release workflow does on pull requests.
    PrRunMode { Skip = "skip", Plan = "plan", Upload = "upload" }
);

string_enum!(
    /// How the generated CI gets consign (`consign-install`).
    ConsignInstall {
        /// consign's own installer, from consign's release of `consign-version` (the default)
        Prebuilt = "prebuilt",
        /// `cargo install consign --version {consign-version} --locked`
        CargoInstall = "cargo-install",
        /// `cargo install --path` of the `consign` package of this workspace (consign's own CI)
        Source = "source",
    }
);

string_enum!(
    /// Generated files allowed to differ from what consign would generate.
    DirtyAllowance { Ci = "ci", Msi = "msi" }
);

string_enum!(
    /// The workflow phase that attests artifacts.
    AttestationPhase {
        BuildLocalArtifacts = "build-local-artifacts",
        BuildGlobalArtifacts = "build-global-artifacts",
        Host = "host",
        Announce = "announce",
    }
);

string_enum!(
    /// An archive format.
    ArchiveFormat {
        TarXz = ".tar.xz",
        TarGz = ".tar.gz",
        TarZst = ".tar.zst",
        /// cargo-dist's spelling of `.tar.zst`.
        TarZstd = ".tar.zstd",
        Zip = ".zip",
    }
);

impl ArchiveFormat {
    /// The file extension artifacts get.
    pub fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::TarZstd => ".tar.zst",
            other => other.as_str(),
        }
    }
}

string_enum!(
    /// How hard archives are compressed (`compression`).
    Compression {
        /// The default: archives about as small as `xz -9` makes them
        /// (`.tar.zst`: level 19 with long-distance matching; `.zip`:
        /// deflate 9), about twice as fast on two cores.
        Best = "best",
        /// Several times faster, a few percent larger.
        Fast = "fast",
    }
);

string_enum!(
    /// A checksum algorithm.
    ChecksumAlgorithm {
        Sha256 = "sha256",
        Sha512 = "sha512",
        Sha3_256 = "sha3-256",
        Sha3_512 = "sha3-512",
        Blake2s = "blake2s",
        Blake2b = "blake2b",
        /// No checksums.
        False = "false",
    }
);

string_enum!(
    /// Where release artifacts are hosted.
    HostingProvider { Github = "github", Simple = "simple" }
);

string_enum!(
    /// In which phase the GitHub Release is created.
    GithubReleasePhase { Auto = "auto", Host = "host", Announce = "announce" }
);

/// `allow-dirty`: `true`/`false`, or a list of generated files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowDirty {
    /// `true` allows all, `false` none.
    All(bool),
    /// Only these.
    Only(Vec<DirtyAllowance>),
}

/// `minimum-glibc-version` (also `min-glibc-version`): one floor for every
/// Linux target, or one per target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlibcRequirement {
    /// Every gnu target.
    All(GlibcVersion),
    /// Per target triple (`"*"` applies to the others).
    PerTarget(BTreeMap<String, GlibcVersion>),
}

impl GlibcRequirement {
    /// The floor that applies to `target`, if any.
    pub fn for_target(&self, target: &str) -> Option<GlibcVersion> {
        match self {
            GlibcRequirement::All(v) => Some(*v),
            GlibcRequirement::PerTarget(map) => map.get(target).or_else(|| map.get("*")).copied(),
        }
    }
}

/// A glibc version, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion {
    /// Major version (2).
    pub major: u32,
    /// Minor version (e.g. 17).
    pub minor: u32,
}

impl serde::Serialize for GlibcVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl GlibcVersion {
    /// Parse `2.17`.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('.')?;
        Some(GlibcVersion {
            major: a.parse().ok()?,
            minor: b.parse().ok()?,
        })
    }
}

/// A GitHub runner override: a runner label, optionally the target triple of
/// the runner machine (`host`) and a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRunner {
    /// The runner label.
    pub runner: String,
    /// The runner machine's own target triple, when it is not the default
    /// runner's (cargo-dist's `host`).
    pub host: Option<String>,
    /// A container image to build in.
    pub container: Option<String>,
}

/// `[dist.global-build-config]`: commands and packages for every build machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildSetup {
    /// Shell commands run before building.
    pub extra_build_steps: Vec<String>,
    /// System packages installed before building.
    pub system_packages: Vec<String>,
}

/// `[dist.dependencies]`: system packages by package manager, name → version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemDependencies {
    /// Debian/Ubuntu packages.
    pub apt: BTreeMap<String, String>,
    /// Homebrew packages.
    pub homebrew: BTreeMap<String, String>,
    /// Chocolatey packages.
    pub chocolatey: BTreeMap<String, String>,
}

/// One `install-path` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallPath {
    /// `CARGO_HOME`: `$CARGO_HOME/bin`, else `~/.cargo/bin`.
    CargoHome,
    /// `~/sub/dir`.
    HomeSubdir(String),
    /// `$VAR/sub`: falls through when `VAR` is unset.
    EnvSubdir {
        /// The variable.
        var: String,
        /// The path under it (may be empty).
        subdir: String,
    },
}

impl InstallPath {
    /// Parse one entry, as cargo-dist does: `CARGO_HOME`, `~/sub/dir`
    /// (`~` or `~/` alone is refused: it would install straight into the home
    /// directory), or `$VAR/sub/dir` where the subdirectory may be empty
    /// (`$XDG_BIN_HOME/`) or climb (`$XDG_DATA_HOME/../bin`). `$VAR` without a
    /// slash is refused, as cargo-dist refuses it.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "CARGO_HOME" {
            return Some(InstallPath::CargoHome);
        }
        if let Some(rest) = s.strip_prefix("~/") {
            let sub = rest.trim_matches('/');
            return (!sub.is_empty()).then(|| InstallPath::HomeSubdir(sub.to_string()));
        }
        let rest = s.strip_prefix('$')?;
        let (var, subdir) = rest.split_once('/')?;
        let subdir = subdir.trim_matches('/');
        let valid_var = !var.is_empty()
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !var.starts_with(|c: char| c.is_ascii_digit());
        valid_var.then(|| InstallPath::EnvSubdir {
            var: var.to_string(),
            subdir: subdir.to_string(),
        })
    }
}

/// A `[[dist.bin]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinConfig {
    /// The binary's name.
    pub name: String,
    /// Its source path, if given.
    pub path: Option<String>,
    /// The only targets it ships on.
    pub only_platforms: Option<Vec<String>>,
}

/// A `github-action-commits` value: the ref an action is used at (a commit
/// SHA or a tag), and the comment written after it (`"<sha> # v4.2.0"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRef {
    /// The ref after `@` (a 40-character SHA is lower-cased).
    pub reference: String,
    /// The text after `#`, if any.
    pub comment: Option<String>,
}

impl ActionRef {
    /// Parse `ref` or `ref # comment`. The ref may hold only characters that
    /// need no quoting in YAML; the comment one line of text.
    pub fn parse(s: &str) -> Option<ActionRef> {
        let (reference, comment) = match s.split_once('#') {
            Some((r, c)) => (
                r.trim(),
                Some(c.trim().to_string()).filter(|c| !c.is_empty()),
            ),
            None => (s.trim(), None),
        };
        let plain = !reference.is_empty()
            && !reference.starts_with(['-', '.', '/'])
            && reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '/'));
        if !plain || comment.as_deref().is_some_and(|c| c.contains(['\n', '\r'])) {
            return None;
        }
        let reference = if Self::is_sha(reference) {
            reference.to_ascii_lowercase()
        } else {
            reference.to_string()
        };
        Some(ActionRef { reference, comment })
    }

    /// Whether the ref is a full commit SHA.
    pub fn is_sha(reference: &str) -> bool {
        reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

/// A `publish-jobs` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublishJob {
    /// Push the formula to the tap.
    Homebrew,
    /// Publish the npm package.
    Npm,
    /// A user workflow, `./name`.
    Custom(String),
}

/// Every dist config key, typed. `None` means "not set here".
#[derive(Clone, Debug, Default, PartialEq)]
#[allow(missing_docs)]
pub struct DistConfig {
    pub dist_version: Option<String>,
    pub ci: Option<Vec<CiBackend>>,
    pub installers: Option<Vec<InstallerKind>>,
    pub targets: Option<Vec<String>>,
    pub pr_run_mode: Option<PrRunMode>,
    pub allow_dirty: Option<AllowDirty>,
    pub github_attestations: Option<bool>,
    pub github_attestations_phase: Option<AttestationPhase>,
    pub github_attestations_filters: Option<Vec<String>>,
    pub minimum_glibc_version: Option<GlibcRequirement>,
    pub github_custom_runners: Option<BTreeMap<String, CustomRunner>>,
    pub github_build_setup: Option<String>,
    pub build_setup: Option<BuildSetup>,
    pub dependencies: Option<SystemDependencies>,
    pub dispatch_releases: Option<bool>,
    pub recursive_tarball: Option<bool>,
    pub install_updater: Option<bool>,
    pub install_path: Option<Vec<InstallPath>>,
    pub bins: Option<Vec<BinConfig>>,
    pub unix_archive: Option<ArchiveFormat>,
    pub windows_archive: Option<ArchiveFormat>,
    pub checksum: Option<ChecksumAlgorithm>,
    /// `compression`: how hard archives are compressed (default `best`).
    pub compression: Option<Compression>,
    pub include: Option<Vec<String>>,
    pub auto_includes: Option<bool>,
    pub features: Option<Vec<String>>,
    pub default_features: Option<bool>,
    pub all_features: Option<bool>,
    pub precise_builds: Option<bool>,
    pub dist: Option<bool>,
    pub tap: Option<String>,
    pub formula: Option<String>,
    pub npm_scope: Option<String>,
    pub npm_package: Option<String>,
    pub npm_registry: Option<String>,
    pub publish_jobs: Option<Vec<PublishJob>>,
    pub hosting: Option<Vec<HostingProvider>>,
    pub simple_download_url: Option<String>,
    pub bin_aliases: Option<BTreeMap<String, Vec<String>>>,
    pub install_success_msg: Option<String>,
    pub tag_namespace: Option<String>,
    pub fail_fast: Option<bool>,
    pub create_release: Option<bool>,
    pub github_release: Option<GithubReleasePhase>,
    pub force_latest: Option<bool>,
    pub publish_prereleases: Option<bool>,
    /// `publish-crates` (consign only): the generated workflow publishes the
    /// workspace's crates to crates.io with `consign publish`.
    pub publish_crates: Option<bool>,
    pub github_enterprise_url: Option<String>,
    /// `consign-version` only (not `cargo-dist-version`): the consign the
    /// generated CI installs.
    pub consign_version: Option<String>,
    /// `consign-install`: how the generated CI installs consign.
    pub consign_install: Option<ConsignInstall>,
    /// `consign-url-override`: where the prebuilt consign release is
    /// downloaded from instead of consign's GitHub release.
    pub consign_url_override: Option<String>,
    /// `verify-version-args`: the arguments `consign verify` runs each
    /// installed binary with to read its version (`[]`: only run it).
    pub verify_version_args: Option<Vec<String>>,
    /// `github-action-commits`: action (`owner/name`) → the ref to use it at.
    pub github_action_commits: Option<BTreeMap<String, ActionRef>>,
    /// `cache-builds`: cache cargo's registry and target dir in CI builds.
    pub cache_builds: Option<bool>,
    /// `post-announce-jobs`: user workflows run after the announcement.
    pub post_announce_jobs: Option<Vec<PublishJob>>,
    /// `dispatch-repositories`: `owner/repo`s that `consign announce` sends a
    /// `repository_dispatch` to.
    pub dispatch_repositories: Option<Vec<String>>,
    /// `plan-jobs`: user workflows run beside the plan.
    pub plan_jobs: Option<Vec<String>>,
    /// `local-artifacts-jobs`: user workflows that build local artifacts.
    pub local_artifacts_jobs: Option<Vec<String>>,
    /// `global-artifacts-jobs`: user workflows that build global artifacts.
    pub global_artifacts_jobs: Option<Vec<String>>,
    /// `host-jobs`: user workflows run beside the host job.
    pub host_jobs: Option<Vec<String>>,
    /// `build-local-artifacts`: `false` leaves building local artifacts to
    /// `local-artifacts-jobs`.
    pub build_local_artifacts: Option<bool>,
    /// `github-custom-job-permissions`: user job name → permission → level.
    pub github_custom_job_permissions: Option<BTreeMap<String, BTreeMap<String, String>>>,
    /// `source-tarball`: `false` releases no `source.tar.gz`.
    pub source_tarball: Option<bool>,
    /// `cargo-auditable`: build with `cargo auditable build`.
    pub cargo_auditable: Option<bool>,
    /// `cargo-cyclonedx`: an SBOM per app with `cargo cyclonedx`.
    pub cargo_cyclonedx: Option<bool>,
    /// `omnibor`: an OmniBOR artifact ID beside each archive, MSI and the source tarball.
    pub omnibor: Option<bool>,
    /// `[[extra-artifacts]]`: files a command builds, released as they are.
    pub extra_artifacts: Option<Vec<ExtraArtifact>>,
    /// `display`: `false` leaves the app out of the announcement.
    pub display: Option<bool>,
    /// `display-name`: the name shown instead of the package name.
    pub display_name: Option<String>,
    /// `github-releases-repo`: `owner/repo` the GitHub Release is made on.
    pub github_releases_repo: Option<String>,
    /// `binaries`: per target (`"*"` for the others), the only binaries released.
    pub binaries: Option<BTreeMap<String, Vec<String>>>,
    /// `rust-toolchain-version`: the toolchain CI builds with.
    pub rust_toolchain_version: Option<String>,
    /// `merge-tasks`: build every target a runner builds in one CI job.
    pub merge_tasks: Option<bool>,
}

/// An `[[extra-artifacts]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraArtifact {
    /// Where `build` runs, relative to the config's directory (`working-dir`).
    pub working_dir: Option<String>,
    /// The command and its arguments.
    pub build: Vec<String>,
    /// The files it makes, relative to the working directory; each is
    /// released under its file name.
    pub artifacts: Vec<String>,
}

/// Keys consign reads. Kept in one list so that a misspelling can be matched
/// against all of them.
pub const KNOWN_KEYS: &[&str] = &[
    "cargo-dist-version",
    "consign-version",
    "consign-install",
    "consign-url-override",
    "verify-version-args",
    "ci",
    "installers",
    "targets",
    "pr-run-mode",
    "allow-dirty",
    "github-attestations",
    "github-attestations-phase",
    "github-attestations-filters",
    "minimum-glibc-version",
    "min-glibc-version",
    "github-custom-runners",
    "github-build-setup",
    "global-build-config",
    "dependencies",
    "dispatch-releases",
    "recursive-tarball",
    "recursive-tarballs",
    "install-updater",
    "install-path",
    "bin",
    "unix-archive",
    "windows-archive",
    "checksum",
    "compression",
    "include",
    "auto-includes",
    "features",
    "default-features",
    "all-features",
    "precise-builds",
    "dist",
    "tap",
    "formula",
    "npm-scope",
    "npm-package",
    "npm-registry",
    "publish-jobs",
    "hosting",
    "simple-download-url",
    "bin-aliases",
    "install-success-msg",
    "tag-namespace",
    "fail-fast",
    "create-release",
    "github-release",
    "force-latest",
    "publish-prereleases",
    "publish-crates",
    "github-enterprise-url",
    "github-action-commits",
    "cache-builds",
    "post-announce-jobs",
    "dispatch-repositories",
    "plan-jobs",
    "local-artifacts-jobs",
    "global-artifacts-jobs",
    "host-jobs",
    "build-local-artifacts",
    "github-custom-job-permissions",
    "source-tarball",
    "cargo-auditable",
    "cargo-cyclonedx",
    "omnibor",
    "extra-artifacts",
    "display",
    "display-name",
    "github-releases-repo",
    "binaries",
    "rust-toolchain-version",
    "merge-tasks",
];

/// cargo-dist keys consign does not support yet: reading one is an error
/// that names the key, says why, and says what to do. Nothing is accepted and
/// silently ignored.
pub const REFUSED_KEYS: &[(&str, &str)] = &[
    ("msvc-crt-static", "remove it; consign builds Windows binaries with Rust's default C runtime linkage (set `-C target-feature=+crt-static` in `.cargo/config.toml` for a static one)"),
    ("npm-shrinkwrap", "remove it; the npm package has no shrinkwrap file"),
    ("release-branch", "remove it and release by pushing a tag (or `dispatch-releases = true`)"),
    ("ssldotcom-windows-sign", "remove it and sign Windows artifacts in a `local-artifacts-jobs` workflow"),
    ("azure-windows-sign", "remove it and sign Windows artifacts in a `local-artifacts-jobs` workflow"),
    ("macos-sign", "remove it and sign macOS binaries in a `local-artifacts-jobs` workflow"),
    ("always-use-latest-updater", "remove it; the updater is built from the `axoupdater-cli` version consign pins"),
    ("package-libraries", "remove it; archives hold binaries only"),
    ("install-libraries", "remove it; installers install binaries only"),
    ("mac-pkg-config", "remove it; there is no macOS `.pkg` installer"),
    ("github-releases-submodule-path", "remove it; with `github-releases-repo` the release is tagged on that repository's default branch"),
];

/// cargo-dist keys that have nothing to act on in consign, with why; reading
/// one is a warning that says so.
pub const INERT_KEYS: &[(&str, &str)] = &[(
    "cargo-dist-url-override",
    "it tells cargo-dist's CI where to download cargo-dist, and consign's CI installs consign (`consign-version`); remove it",
)];

/// Reads values out of one TOML table, reporting problems at their spans.
struct Reader<'a> {
    file: &'a SourceFile,
    /// The dotted path of the table, for messages (e.g. `workspace.metadata.dist`).
    table_path: &'a str,
}

type R<T> = Result<T, UserError>;

impl Reader<'_> {
    fn err(&self, key: &str, item: &Item, expected: &str, hint: Option<String>) -> UserError {
        let found = describe(item);
        let mut e = UserError::new(format!(
            "invalid value for `{}.{key}` in `{}`: expected {expected}, found {found}",
            self.table_path,
            self.file.path.display(),
        ));
        if let Some(loc) = self.file.locate(item.span()) {
            e = e.at(loc);
        }
        e.hint = hint;
        e
    }

    fn value_err(
        &self,
        key: &str,
        value: &Value,
        expected: &str,
        hint: Option<String>,
    ) -> UserError {
        let mut e = UserError::new(format!(
            "invalid value for `{}.{key}` in `{}`: expected {expected}, found {}",
            self.table_path,
            self.file.path.display(),
            describe_value(value),
        ));
        if let Some(loc) = self.file.locate(value.span()) {
            e = e.at(loc);
        }
        e.hint = hint;
        e
    }

    fn bool(&self, key: &str, item: &Item) -> R<bool> {
        item.as_bool()
            .ok_or_else(|| self.err(key, item, "`true` or `false`", None))
    }

    /// A semver version (`cargo-dist-version`, `consign-version`).
    fn version(&self, key: &str, item: &Item) -> R<String> {
        let v = self.string(key, item)?;
        match semver::Version::parse(&v) {
            Ok(_) => Ok(v),
            Err(e) => Err(self.err(
                key,
                item,
                "an exact version like \"0.30.2\"",
                Some(format!("`{v}` is not a semver version: {e}")),
            )),
        }
    }

    fn string(&self, key: &str, item: &Item) -> R<String> {
        item.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.err(key, item, "a string", None))
    }

    /// A string, or an array of strings.
    fn strings(&self, key: &str, item: &Item, allow_single: bool) -> R<Vec<String>> {
        if allow_single {
            if let Some(s) = item.as_str() {
                return Ok(vec![s.to_string()]);
            }
        }
        let expected = if allow_single {
            "a string or an array of strings"
        } else {
            "an array of strings"
        };
        let arr = item
            .as_array()
            .ok_or_else(|| self.err(key, item, expected, None))?;
        arr.iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.value_err(key, v, "a string", None))
            })
            .collect()
    }

    /// Values from a closed set, as a string or an array.
    fn enums<T>(
        &self,
        key: &str,
        item: &Item,
        all: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> R<Vec<T>> {
        let values: Vec<&Value> = if let Some(arr) = item.as_array() {
            arr.iter().collect()
        } else if let Some(v) = item.as_value() {
            vec![v]
        } else {
            return Err(self.err(key, item, &format!("an array of {}", list(all)), None));
        };
        values
            .into_iter()
            .map(|v| self.one_enum_value(key, v, all, &parse))
            .collect()
    }

    fn one_enum_value<T>(
        &self,
        key: &str,
        v: &Value,
        all: &[&str],
        parse: &impl Fn(&str) -> Option<T>,
    ) -> R<T> {
        let expected = format!("one of {}", list(all));
        let s = v
            .as_str()
            .ok_or_else(|| self.value_err(key, v, &expected, None))?;
        parse(s).ok_or_else(|| {
            let hint = closest(s, all.iter().copied()).map(|c| format!("did you mean `{c}`?"));
            self.value_err(key, v, &expected, hint)
        })
    }

    fn one_enum<T>(
        &self,
        key: &str,
        item: &Item,
        all: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> R<T> {
        match item.as_value() {
            Some(v) => self.one_enum_value(key, v, all, &parse),
            None => Err(self.err(key, item, &format!("one of {}", list(all)), None)),
        }
    }

    fn targets(&self, key: &str, item: &Item) -> R<Vec<String>> {
        let arr = item
            .as_array()
            .ok_or_else(|| self.err(key, item, "an array of target triples", None))?;
        arr.iter()
            .map(|v| {
                let s = v
                    .as_str()
                    .ok_or_else(|| self.value_err(key, v, "a target triple string", None))?;
                check_target(s).map_err(|hint| {
                    self.value_err(key, v, "a target triple that rustc knows", Some(hint))
                })?;
                Ok(s.to_string())
            })
            .collect()
    }

    /// One target triple.
    fn targets_one(&self, key: &str, item: &Item) -> R<String> {
        let s = item
            .as_str()
            .ok_or_else(|| self.err(key, item, "a target triple string", None))?;
        check_target(s)
            .map_err(|hint| self.err(key, item, "a target triple that rustc knows", Some(hint)))?;
        Ok(s.to_string())
    }

    /// An array of tables (`[[x]]` or `x = [{...}]`).
    fn tables<'i>(
        &self,
        key: &str,
        item: &'i Item,
        expected: &str,
    ) -> R<Vec<&'i dyn toml_edit::TableLike>> {
        match item {
            Item::ArrayOfTables(a) => {
                Ok(a.iter().map(|t| t as &dyn toml_edit::TableLike).collect())
            }
            Item::Value(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_inline_table()
                        .map(|t| t as &dyn toml_edit::TableLike)
                        .ok_or_else(|| self.value_err(key, v, "a table", None))
                })
                .collect(),
            _ => Err(self.err(key, item, expected, None)),
        }
    }

    /// `./name` entries naming reusable workflows in `.github/workflows/`;
    /// returns the names.
    fn user_jobs(&self, key: &str, item: &Item) -> R<Vec<String>> {
        let jobs = self.strings(key, item, false)?;
        jobs.into_iter()
            .map(
                |job| match job.strip_prefix("./").filter(|n| !n.is_empty()) {
                    Some(name) => Ok(name.to_string()),
                    None => Err(self.err(
                        key,
                        item,
                        "`./name` entries naming workflows in `.github/workflows/`",
                        Some(format!("write `./{}`", job.trim_start_matches(['.', '/']))),
                    )),
                },
            )
            .collect()
    }

    fn table<'i>(&self, key: &str, item: &'i Item) -> R<&'i dyn toml_edit::TableLike> {
        item.as_table_like()
            .ok_or_else(|| self.err(key, item, "a table", None))
    }

    fn glibc(&self, key: &str, item: &Item) -> R<GlibcRequirement> {
        let parse_one = |k: &str, it: &Item| -> R<GlibcVersion> {
            let s = it
                .as_str()
                .ok_or_else(|| self.err(k, it, "a version string like \"2.17\"", None))?;
            GlibcVersion::parse(s)
                .ok_or_else(|| self.err(k, it, "a version like \"2.17\" (major.minor)", None))
        };
        if item.as_str().is_some() {
            return parse_one(key, item).map(GlibcRequirement::All);
        }
        let table = item.as_table_like().ok_or_else(|| {
            self.err(
                key,
                item,
                "a version string like \"2.17\", or a table of target = \"2.17\"",
                None,
            )
        })?;
        let mut map = BTreeMap::new();
        for (target, v) in table.iter() {
            if target != "*" {
                check_target(target)
                    .map_err(|hint| self.err(key, v, "a target triple key", Some(hint)))?;
            }
            map.insert(
                target.to_string(),
                parse_one(&format!("{key}.{target}"), v)?,
            );
        }
        Ok(GlibcRequirement::PerTarget(map))
    }
}

/// `Ok` for a triple rustc knows; otherwise a hint naming the nearest.
pub fn check_target(triple: &str) -> Result<(), String> {
    if targets::is_known(triple) {
        return Ok(());
    }
    Err(match targets::suggest(triple) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "`rustc --print target-list` lists the known target triples".to_string(),
    })
}

fn describe(item: &Item) -> String {
    match item {
        Item::Value(v) => describe_value(v),
        Item::Table(_) => "a table".to_string(),
        Item::ArrayOfTables(_) => "an array of tables".to_string(),
        Item::None => "nothing".to_string(),
    }
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`\"{}\"`", s.value()),
        Value::Integer(i) => format!("integer `{}`", i.value()),
        Value::Float(f) => format!("float `{}`", f.value()),
        Value::Boolean(b) => format!("`{}`", b.value()),
        Value::Datetime(_) => "a datetime".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::InlineTable(_) => "a table".to_string(),
    }
}

/// Read a dist config table. `table_path` names the table in messages
/// (`dist`, `workspace.metadata.dist`, `package.metadata.dist`).
pub fn parse_dist_table(
    file: &SourceFile,
    table_path: &str,
    table: &dyn toml_edit::TableLike,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<DistConfig, UserError> {
    let r = Reader { file, table_path };
    let mut c = DistConfig::default();
    for (key, item) in table.iter() {
        match key {
            // `consign-version` pins consign; a `cargo-dist-version` beside it is cargo-dist's.
            "cargo-dist-version" => {
                let v = r.version(key, item)?;
                if !table.contains_key("consign-version") {
                    c.dist_version = Some(v);
                }
            }
            "consign-version" => {
                let v = r.version(key, item)?;
                c.consign_version = Some(v.clone());
                c.dist_version = Some(v);
            }
            "github-action-commits" => {
                let t = r.table(key, item)?;
                let mut pins = BTreeMap::new();
                for (action, v) in t.iter() {
                    let text = r.string(&format!("{key}.{action}"), v)?;
                    let pin = ActionRef::parse(&text).ok_or_else(|| {
                        r.err(
                            &format!("{key}.\"{action}\""),
                            v,
                            "a git ref (a commit SHA or a tag such as \"v4\"), optionally followed by ` # comment`",
                            Some("a ref holds only letters, digits, `.`, `-`, `_`, `+` and `/`, and the comment fits on one line".into()),
                        )
                    })?;
                    pins.insert(action.to_string(), pin);
                }
                c.github_action_commits = Some(pins);
            }
            "cache-builds" => c.cache_builds = Some(r.bool(key, item)?),
            "consign-install" => {
                c.consign_install =
                    Some(r.one_enum(key, item, ConsignInstall::ALL, ConsignInstall::parse)?)
            }
            "consign-url-override" => {
                let url = r.string(key, item)?;
                if !url.starts_with("https://") && !url.starts_with("http://") {
                    return Err(r.err(
                        key,
                        item,
                        "the URL of a directory holding consign's release files",
                        Some(
                            "e.g. \"https://github.com/my-org/consign/releases/download/v0.1.0\""
                                .into(),
                        ),
                    ));
                }
                c.consign_url_override = Some(url.trim_end_matches('/').to_string())
            }
            "verify-version-args" => c.verify_version_args = Some(r.strings(key, item, false)?),
            "post-announce-jobs" => {
                c.post_announce_jobs = Some(
                    r.user_jobs(key, item)?
                        .into_iter()
                        .map(PublishJob::Custom)
                        .collect(),
                )
            }
            "plan-jobs" => c.plan_jobs = Some(r.user_jobs(key, item)?),
            "local-artifacts-jobs" => c.local_artifacts_jobs = Some(r.user_jobs(key, item)?),
            "global-artifacts-jobs" => c.global_artifacts_jobs = Some(r.user_jobs(key, item)?),
            "host-jobs" => c.host_jobs = Some(r.user_jobs(key, item)?),
            "build-local-artifacts" => c.build_local_artifacts = Some(r.bool(key, item)?),
            "source-tarball" => c.source_tarball = Some(r.bool(key, item)?),
            "rust-toolchain-version" => {
                let v = r.string(key, item)?;
                let plain = !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
                if !plain {
                    return Err(r.err(
                        key,
                        item,
                        "a rustup toolchain such as \"1.80.0\" or \"stable\"",
                        None,
                    ));
                }
                c.rust_toolchain_version = Some(v)
            }
            "merge-tasks" => c.merge_tasks = Some(r.bool(key, item)?),
            "cargo-auditable" => c.cargo_auditable = Some(r.bool(key, item)?),
            "cargo-cyclonedx" => c.cargo_cyclonedx = Some(r.bool(key, item)?),
            "omnibor" => c.omnibor = Some(r.bool(key, item)?),
            "display" => c.display = Some(r.bool(key, item)?),
            "display-name" => c.display_name = Some(r.string(key, item)?),
            "github-releases-repo" => {
                let repo = r.string(key, item)?;
                if !is_tap(&repo) {
                    return Err(r.err(key, item, "`owner/repo`, e.g. \"my-org/releases\"", None));
                }
                c.github_releases_repo = Some(repo)
            }
            "binaries" => {
                let t = r.table(key, item)?;
                let mut map = BTreeMap::new();
                for (target, v) in t.iter() {
                    let sub = format!("{key}.{target}");
                    if target != "*" {
                        check_target(target).map_err(|hint| {
                            r.err(
                                &sub,
                                v,
                                "a target triple key (or `\"*\"` for the others)",
                                Some(hint),
                            )
                        })?;
                    }
                    map.insert(target.to_string(), r.strings(&sub, v, false)?);
                }
                c.binaries = Some(map);
            }
            "extra-artifacts" => {
                let tables = r.tables(key, item, "`[[dist.extra-artifacts]]` tables")?;
                let mut extras = Vec::new();
                for t in tables {
                    let field = |name: &str| t.get(name);
                    let build = match field("build") {
                        Some(b) => r.strings(&format!("{key}.build"), b, false)?,
                        None => Vec::new(),
                    };
                    let artifacts = match field("artifacts") {
                        Some(a) => r.strings(&format!("{key}.artifacts"), a, false)?,
                        None => Vec::new(),
                    };
                    if build.is_empty() || artifacts.is_empty() {
                        return Err(r.err(
                            key,
                            item,
                            "every entry to have a `build` command and at least one file in `artifacts`",
                            Some("write `build = [\"make\", \"docs\"]` and `artifacts = [\"docs.tar.gz\"]`".into()),
                        ));
                    }
                    if let Some(bad) = artifacts.iter().find(|a| {
                        a.starts_with('/') || a.split('/').any(|p| p == "..") || a.ends_with('/')
                    }) {
                        return Err(r.err(
                            &format!("{key}.artifacts"),
                            item,
                            "relative file paths inside the working directory",
                            Some(format!("`{bad}` is not one")),
                        ));
                    }
                    let working_dir = field("working-dir")
                        .map(|w| r.string(&format!("{key}.working-dir"), w))
                        .transpose()?;
                    for (k, _) in t.iter() {
                        if !["build", "artifacts", "working-dir"].contains(&k) {
                            warn_unknown(
                                file,
                                &mut *warnings,
                                &format!("{table_path}.{key}"),
                                k,
                                t.key(k),
                                &["build", "artifacts", "working-dir"],
                            );
                        }
                    }
                    extras.push(ExtraArtifact {
                        working_dir,
                        build,
                        artifacts,
                    });
                }
                c.extra_artifacts = Some(extras);
            }
            "github-custom-job-permissions" => {
                let t = r.table(key, item)?;
                let mut jobs = BTreeMap::new();
                for (job, perms) in t.iter() {
                    let sub = format!("{key}.{job}");
                    let mut map = BTreeMap::new();
                    for (perm, level) in r.table(&sub, perms)?.iter() {
                        let what = format!("{sub}.{perm}");
                        let valid_name = !perm.is_empty()
                            && perm.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                        if !valid_name {
                            return Err(r.err(
                                &what,
                                level,
                                "a GitHub permission name such as `contents` or `id-token`",
                                None,
                            ));
                        }
                        let level = r.one_enum(&what, level, &["read", "write", "none"], |s| {
                            ["read", "write", "none"]
                                .contains(&s)
                                .then(|| s.to_string())
                        })?;
                        map.insert(perm.to_string(), level);
                    }
                    jobs.insert(job.trim_start_matches("./").to_string(), map);
                }
                c.github_custom_job_permissions = Some(jobs);
            }
            "ci" => c.ci = Some(r.enums(key, item, CiBackend::ALL, CiBackend::parse)?),
            "installers" => {
                c.installers = Some(r.enums(key, item, InstallerKind::ALL, InstallerKind::parse)?)
            }
            "targets" => c.targets = Some(r.targets(key, item)?),
            "pr-run-mode" => {
                c.pr_run_mode = Some(r.one_enum(key, item, PrRunMode::ALL, PrRunMode::parse)?)
            }
            "allow-dirty" => {
                c.allow_dirty = Some(match item.as_bool() {
                    Some(b) => AllowDirty::All(b),
                    None => AllowDirty::Only(r.enums(
                        key,
                        item,
                        DirtyAllowance::ALL,
                        DirtyAllowance::parse,
                    )?),
                })
            }
            "github-attestations" => c.github_attestations = Some(r.bool(key, item)?),
            "github-attestations-phase" => {
                c.github_attestations_phase =
                    Some(r.one_enum(key, item, AttestationPhase::ALL, AttestationPhase::parse)?)
            }
            "github-attestations-filters" => {
                c.github_attestations_filters = Some(r.strings(key, item, true)?)
            }
            "minimum-glibc-version" | "min-glibc-version" => {
                c.minimum_glibc_version = Some(r.glibc(key, item)?)
            }
            "github-custom-runners" => {
                let t = r.table(key, item)?;
                let mut runners = BTreeMap::new();
                for (label, v) in t.iter() {
                    let sub = format!("{key}.{label}");
                    let runner = if let Some(s) = v.as_str() {
                        CustomRunner {
                            runner: s.to_string(),
                            host: None,
                            container: None,
                        }
                    } else if let Some(rt) = v.as_table_like() {
                        let runner = match rt.get("runner") {
                            Some(x) => r.string(&format!("{sub}.runner"), x)?,
                            None => label.to_string(),
                        };
                        let host = match rt.get("host") {
                            Some(x) => Some(r.targets_one(&format!("{sub}.host"), x)?),
                            None => None,
                        };
                        let container = match rt.get("container") {
                            Some(x) if x.as_table_like().is_some() => {
                                let ct = x.as_table_like().expect("checked");
                                for (k, _) in ct.iter() {
                                    if !["image", "host", "package-manager"].contains(&k) {
                                        warn_unknown(
                                            file,
                                            &mut *warnings,
                                            &format!("{table_path}.{sub}.container"),
                                            k,
                                            ct.key(k),
                                            &["image", "host", "package-manager"],
                                        );
                                    }
                                }
                                match ct.get("image") {
                                    Some(img) => {
                                        Some(r.string(&format!("{sub}.container.image"), img)?)
                                    }
                                    None => {
                                        return Err(r.err(
                                            &format!("{sub}.container"),
                                            x,
                                            "a container table with an `image`",
                                            Some("write `container = { image = \"quay.io/pypa/manylinux_2_28_x86_64\" }` or a plain image string".into()),
                                        ))
                                    }
                                }
                            }
                            Some(x) => Some(r.string(&format!("{sub}.container"), x)?),
                            None => None,
                        };
                        for (k, _) in rt.iter() {
                            if !["runner", "host", "container"].contains(&k) {
                                warn_unknown(
                                    file,
                                    &mut *warnings,
                                    &format!("{table_path}.{sub}"),
                                    k,
                                    rt.key(k),
                                    &["runner", "host", "container"],
                                );
                            }
                        }
                        CustomRunner {
                            runner,
                            host,
                            container,
                        }
                    } else {
                        return Err(r.err(
                            &sub,
                            v,
                            "a runner label string, or a table with `runner`, `host` and `container`",
                            None,
                        ));
                    };
                    runners.insert(label.to_string(), runner);
                }
                c.github_custom_runners = Some(runners);
            }
            "github-build-setup" => c.github_build_setup = Some(r.string(key, item)?),
            "global-build-config" => {
                let t = r.table(key, item)?;
                let mut setup = BuildSetup::default();
                for (k, v) in t.iter() {
                    let sub = format!("{key}.{k}");
                    match k {
                        "extra-build-steps" => {
                            setup.extra_build_steps = r.strings(&sub, v, false)?
                        }
                        "system-packages" => setup.system_packages = r.strings(&sub, v, false)?,
                        other => warn_unknown(
                            file,
                            &mut *warnings,
                            &format!("{table_path}.{key}"),
                            other,
                            t.key(other),
                            &["extra-build-steps", "system-packages"],
                        ),
                    }
                }
                c.build_setup = Some(setup);
            }
            "dependencies" => {
                let t = r.table(key, item)?;
                let mut deps = SystemDependencies::default();
                for (manager, v) in t.iter() {
                    let sub = format!("{key}.{manager}");
                    let target = match manager {
                        "apt" => &mut deps.apt,
                        "homebrew" => &mut deps.homebrew,
                        "chocolatey" => &mut deps.chocolatey,
                        other => {
                            warn_unknown(
                                file,
                                &mut *warnings,
                                &format!("{table_path}.{key}"),
                                other,
                                t.key(other),
                                &["apt", "homebrew", "chocolatey"],
                            );
                            continue;
                        }
                    };
                    for (pkg, ver) in r.table(&sub, v)?.iter() {
                        let version = if let Some(s) = ver.as_str() {
                            s.to_string()
                        } else if let Some(vt) = ver.as_table_like() {
                            match vt.get("version") {
                                Some(x) => r.string(&format!("{sub}.{pkg}.version"), x)?,
                                None => "*".to_string(),
                            }
                        } else {
                            return Err(r.err(
                                &format!("{sub}.{pkg}"),
                                ver,
                                "a version string (\"*\" for any) or a table with `version`",
                                None,
                            ));
                        };
                        target.insert(pkg.to_string(), version);
                    }
                }
                c.dependencies = Some(deps);
            }
            "dispatch-releases" => c.dispatch_releases = Some(r.bool(key, item)?),
            "recursive-tarball" | "recursive-tarballs" => {
                c.recursive_tarball = Some(r.bool(key, item)?)
            }
            "install-updater" => c.install_updater = Some(r.bool(key, item)?),
            "install-path" => {
                let entries = r.strings(key, item, true)?;
                let mut paths = Vec::new();
                for entry in entries {
                    paths.push(InstallPath::parse(&entry).ok_or_else(|| {
                        r.err(
                            key,
                            item,
                            "`CARGO_HOME`, `~/sub/dir` or `$VAR/sub/dir`",
                            Some(install_path_hint(&entry)),
                        )
                    })?);
                }
                if paths.is_empty() {
                    return Err(r.err(key, item, "at least one entry", None));
                }
                c.install_path = Some(paths);
            }
            "bin" => {
                let mut bins = Vec::new();
                let tables = r.tables(key, item, "an array of tables (`[[dist.bin]]`)")?;
                for t in tables {
                    let name = match t.get("name") {
                        Some(n) => r.string("bin.name", n)?,
                        None => {
                            return Err(r.err(
                                key,
                                item,
                                "every `[[bin]]` entry to have a `name`",
                                None,
                            ))
                        }
                    };
                    let path = t.get("path").map(|p| r.string("bin.path", p)).transpose()?;
                    let only_platforms = t
                        .get("only-platforms")
                        .map(|p| r.targets("bin.only-platforms", p))
                        .transpose()?;
                    for (k, _) in t.iter() {
                        if !["name", "path", "only-platforms"].contains(&k) {
                            warn_unknown(
                                file,
                                &mut *warnings,
                                &format!("{table_path}.bin"),
                                k,
                                t.key(k),
                                &["name", "path", "only-platforms"],
                            );
                        }
                    }
                    bins.push(BinConfig {
                        name,
                        path,
                        only_platforms,
                    });
                }
                c.bins = Some(bins);
            }
            "unix-archive" => {
                c.unix_archive =
                    Some(r.one_enum(key, item, ArchiveFormat::ALL, ArchiveFormat::parse)?)
            }
            "windows-archive" => {
                c.windows_archive =
                    Some(r.one_enum(key, item, ArchiveFormat::ALL, ArchiveFormat::parse)?)
            }
            "checksum" => {
                c.checksum = Some(match item.as_bool() {
                    Some(false) => ChecksumAlgorithm::False,
                    _ => r.one_enum(key, item, ChecksumAlgorithm::ALL, ChecksumAlgorithm::parse)?,
                })
            }
            "compression" => {
                c.compression = Some(r.one_enum(key, item, Compression::ALL, Compression::parse)?)
            }
            "include" => c.include = Some(r.strings(key, item, true)?),
            "auto-includes" => c.auto_includes = Some(r.bool(key, item)?),
            "features" => c.features = Some(r.strings(key, item, false)?),
            "default-features" => c.default_features = Some(r.bool(key, item)?),
            "all-features" => c.all_features = Some(r.bool(key, item)?),
            "precise-builds" => c.precise_builds = Some(r.bool(key, item)?),
            "dist" => c.dist = Some(r.bool(key, item)?),
            "tap" => {
                let tap = r.string(key, item)?;
                if !is_tap(&tap) {
                    return Err(r.err(
                        key,
                        item,
                        "`owner/repo`, e.g. \"my-org/homebrew-tap\"",
                        None,
                    ));
                }
                c.tap = Some(tap)
            }
            "formula" => c.formula = Some(r.string(key, item)?),
            "npm-registry" => {
                let url = r.string(key, item)?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(r.err(
                        key,
                        item,
                        "an http(s) URL like \"https://registry.npmjs.org\"",
                        None,
                    ));
                }
                c.npm_registry = Some(url)
            }
            "npm-scope" => {
                let scope = r.string(key, item)?;
                if !is_npm_scope(&scope) {
                    return Err(r.err(key, item, "an npm scope like \"@my-org\"", None));
                }
                c.npm_scope = Some(scope)
            }
            "npm-package" => c.npm_package = Some(r.string(key, item)?),
            "publish-jobs" => {
                let jobs = r.strings(key, item, false)?;
                let elements: Vec<&Value> = item
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default();
                let mut parsed = Vec::new();
                for (i, job) in jobs.into_iter().enumerate() {
                    parsed.push(match job.as_str() {
                        "homebrew" => PublishJob::Homebrew,
                        "npm" => PublishJob::Npm,
                        custom if custom.starts_with("./") && custom.len() > 2 => {
                            PublishJob::Custom(custom[2..].to_string())
                        }
                        _ => {
                            let expected = "`homebrew`, `npm`, or `./name` for a custom workflow";
                            let hint = closest(&job, ["homebrew", "npm"])
                                .map(|c| format!("did you mean `{c}`?"));
                            return Err(match elements.get(i) {
                                Some(v) => r.value_err(key, v, expected, hint),
                                None => r.err(key, item, expected, hint),
                            });
                        }
                    });
                }
                c.publish_jobs = Some(parsed);
            }
            "hosting" => {
                if item.as_str() == Some("axodotdev")
                    || item
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("axodotdev")))
                {
                    return Err(r.err(
                        key,
                        item,
                        &format!("one of {}", list(HostingProvider::ALL)),
                        Some(
                            "axo Releases hosting is not supported by consign; use `github`".into(),
                        ),
                    ));
                }
                c.hosting =
                    Some(r.enums(key, item, HostingProvider::ALL, HostingProvider::parse)?)
            }
            "simple-download-url" => c.simple_download_url = Some(r.string(key, item)?),
            "bin-aliases" => {
                let t = r.table(key, item)?;
                let mut aliases = BTreeMap::new();
                for (bin, v) in t.iter() {
                    aliases.insert(
                        bin.to_string(),
                        r.strings(&format!("{key}.{bin}"), v, true)?,
                    );
                }
                c.bin_aliases = Some(aliases);
            }
            "install-success-msg" => c.install_success_msg = Some(r.string(key, item)?),
            "tag-namespace" => c.tag_namespace = Some(r.string(key, item)?),
            "fail-fast" => c.fail_fast = Some(r.bool(key, item)?),
            "create-release" => c.create_release = Some(r.bool(key, item)?),
            "github-release" => {
                c.github_release = Some(r.one_enum(
                    key,
                    item,
                    GithubReleasePhase::ALL,
                    GithubReleasePhase::parse,
                )?)
            }
            "force-latest" => c.force_latest = Some(r.bool(key, item)?),
            "publish-prereleases" => c.publish_prereleases = Some(r.bool(key, item)?),
            "publish-crates" => c.publish_crates = Some(r.bool(key, item)?),
            "github-enterprise-url" => {
                let url = r.string(key, item)?;
                if !url.starts_with("https://") && !url.starts_with("http://") {
                    return Err(r.err(
                        key,
                        item,
                        "a base URL like \"https://github.example.com\"",
                        None,
                    ));
                }
                c.github_enterprise_url = Some(url.trim_end_matches('/').to_string())
            }
            "dispatch-repositories" => {
                let repos = r.strings(key, item, false)?;
                if let Some(bad) = repos
                    .iter()
                    .find(|s| s.split('/').count() != 2 || s.split('/').any(str::is_empty))
                {
                    return Err(r.err(
                        key,
                        item,
                        "an array of `owner/repo` names, e.g. [\"my-org/my-docs\"]",
                        Some(format!("`{bad}` is not `owner/repo`")),
                    ));
                }
                c.dispatch_repositories = Some(repos)
            }
            other if REFUSED_KEYS.iter().any(|(k, _)| *k == other) => {
                let what = REFUSED_KEYS
                    .iter()
                    .find(|(k, _)| *k == other)
                    .map_or("", |(_, w)| w);
                let mut e = UserError::new(format!(
                    "`{table_path}.{other}` in `{}` is a cargo-dist setting that consign does not support yet",
                    file.path.display()
                ))
                .hint(what.to_string());
                if let Some(loc) = file.locate(table.key(other).and_then(|k| k.span())) {
                    e = e.at(loc);
                }
                return Err(e);
            }
            other if INERT_KEYS.iter().any(|(k, _)| *k == other) => {
                let why = INERT_KEYS
                    .iter()
                    .find(|(k, _)| *k == other)
                    .map_or("", |(_, w)| w);
                warnings.push(ConfigWarning {
                    message: format!(
                        "`{table_path}.{other}` in `{}` has no effect in consign: {why}",
                        file.path.display()
                    ),
                    location: file.locate(table.key(other).and_then(|k| k.span())),
                });
            }
            // A near miss of a key consign reads is a typo: ignoring it
            // could ship a release without what the key asked for.
            other if typo_of(other).is_some() => {
                let near = typo_of(other).unwrap_or_default();
                let mut e = UserError::new(format!(
                    "unknown key `{table_path}.{other}` in `{}`",
                    file.path.display()
                ))
                .hint(format!("did you mean `{near}`?"));
                if let Some(loc) = file.locate(table.key(other).and_then(|k| k.span())) {
                    e = e.at(loc);
                }
                return Err(e);
            }
            other => warn_unknown(
                file,
                warnings,
                table_path,
                other,
                table.key(other),
                KNOWN_KEYS,
            ),
        }
    }
    Ok(c)
}

/// The known key `key` is a misspelling of: one or two edits away, and
/// short edits only on long enough keys (`msi` is not a typo of `ci`).
fn typo_of(key: &str) -> Option<&'static str> {
    KNOWN_KEYS
        .iter()
        .map(|k| (strsim::osa_distance(key, k), *k))
        .filter(|(d, _)| *d <= 2 && d * 3 <= key.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn install_path_hint(entry: &str) -> String {
    match entry {
        "~" | "~/" => "`~` alone would install into your home directory itself; name a subdirectory, e.g. `~/.local/bin`".into(),
        e if e.starts_with('$') => format!(
            "`{e}` needs a slash after the variable: `{0}/` for its directory itself, or a subdirectory such as `{0}/bin`",
            e.trim_end_matches('/')
        ),
        e => format!("`{e}` is none of these; write a home-relative path as `~/{}`", e.trim_start_matches('/')),
    }
}

fn warn_unknown(
    file: &SourceFile,
    warnings: &mut Vec<ConfigWarning>,
    table_path: &str,
    key: &str,
    key_repr: Option<&toml_edit::Key>,
    known: &[&str],
) {
    let suggestion = closest(key, known.iter().copied())
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default();
    warnings.push(ConfigWarning {
        message: format!(
            "unknown key `{table_path}.{key}` in `{}` is ignored{suggestion}",
            file.path.display()
        ),
        location: file.locate(key_repr.and_then(|k| k.span())),
    });
}

impl DistConfig {
    /// This config with every key set in `over` replaced by `over`'s value
    /// (a package's config over the workspace's).
    pub fn overlay(&self, over: &DistConfig) -> DistConfig {
        macro_rules! pick {
            ($($f:ident),+ $(,)?) => {
                DistConfig { $($f: over.$f.clone().or_else(|| self.$f.clone())),+ }
            };
        }
        pick!(
            dist_version,
            ci,
            installers,
            targets,
            pr_run_mode,
            allow_dirty,
            github_attestations,
            github_attestations_phase,
            github_attestations_filters,
            minimum_glibc_version,
            github_custom_runners,
            github_build_setup,
            build_setup,
            dependencies,
            dispatch_releases,
            recursive_tarball,
            install_updater,
            install_path,
            bins,
            unix_archive,
            windows_archive,
            checksum,
            compression,
            include,
            auto_includes,
            features,
            default_features,
            all_features,
            precise_builds,
            dist,
            tap,
            formula,
            npm_scope,
            npm_package,
            npm_registry,
            publish_jobs,
            hosting,
            simple_download_url,
            bin_aliases,
            install_success_msg,
            tag_namespace,
            fail_fast,
            create_release,
            github_release,
            force_latest,
            publish_prereleases,
            publish_crates,
            github_enterprise_url,
            consign_version,
            consign_install,
            consign_url_override,
            verify_version_args,
            github_action_commits,
            cache_builds,
            post_announce_jobs,
            dispatch_repositories,
            plan_jobs,
            local_artifacts_jobs,
            global_artifacts_jobs,
            host_jobs,
            build_local_artifacts,
            github_custom_job_permissions,
            source_tarball,
            cargo_auditable,
            cargo_cyclonedx,
            omnibor,
            extra_artifacts,
            display,
            display_name,
            github_releases_repo,
            binaries,
            rust_toolchain_version,
            merge_tasks,
        )
    }
}

/// Whether `scope` has the `@name` form of an npm scope.
pub fn is_npm_scope(scope: &str) -> bool {
    scope.starts_with('@') && scope.len() >= 2 && !scope.contains('/')
}

/// Whether `tap` has the `owner/repo` form a Homebrew tap needs.
pub fn is_tap(tap: &str) -> bool {
    tap.split('/').count() == 2 && !tap.split('/').any(str::is_empty)
}

/// Where a config table was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigOrigin {
    /// The file.
    pub path: PathBuf,
    /// The table in it (`dist`, `workspace.metadata.dist`, ...).
    pub table: String,
}

/// Read the dist table at `table_path` (dotted) from a parsed document.
pub fn read_dist_at(
    file: &SourceFile,
    doc: &toml_edit::Document<&str>,
    table_path: &str,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Option<DistConfig>, UserError> {
    let mut item: &Item = doc.as_item();
    for part in table_path.split('.') {
        match item.get(part) {
            Some(next) => item = next,
            None => return Ok(None),
        }
    }
    let table = item.as_table_like().ok_or_else(|| {
        let mut e = UserError::new(format!(
            "`{table_path}` in `{}` must be a table",
            file.path.display()
        ));
        if let Some(loc) = file.locate(item.span()) {
            e = e.at(loc);
        }
        e
    })?;
    parse_dist_table(file, table_path, table, warnings).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> (Result<DistConfig, UserError>, Vec<ConfigWarning>) {
        let file = SourceFile {
            path: "dist-workspace.toml".into(),
            text: toml.to_string(),
        };
        let doc = file.parse().unwrap();
        let mut w = Vec::new();
        let r = read_dist_at(&file, &doc, "dist", &mut w).map(|c| c.unwrap_or_default());
        (r, w)
    }

    fn ok(toml: &str) -> DistConfig {
        let (r, w) = parse(toml);
        assert!(w.is_empty(), "unexpected warnings: {w:?}");
        r.unwrap()
    }

    fn err(toml: &str) -> UserError {
        parse(toml).0.unwrap_err()
    }

    #[test]
    fn a_bad_publish_job_is_named_where_it_is() {
        let e = err("[dist]\npublish-jobs = [\"homebrew\", \"hombrew\"]\n");
        assert!(e.message.contains("\"hombrew\""), "{e:?}");
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 29), "{loc:?}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `homebrew`?"));
    }

    #[test]
    fn reads_the_guide_keys() {
        let c = ok(r#"
[dist]
cargo-dist-version = "0.30.2"
ci = ["github"]
installers = ["shell", "powershell", "msi", "homebrew", "npm"]
targets = ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]
pr-run-mode = "upload"
allow-dirty = ["ci"]
github-attestations = true
github-attestations-phase = "announce"
github-attestations-filters = ["*.json", "*.sh"]
minimum-glibc-version = "2.17"
dispatch-releases = true
recursive-tarballs = true
install-updater = false
install-path = ["$XDG_BIN_HOME/bin", "~/.local/bin", "CARGO_HOME"]

[dist.github-custom-runners]
ubuntu-latest = "depot-ubuntu"
aarch64-unknown-linux-gnu = { runner = "arm-box", container = "quay.io/pypa/manylinux2014" }

[dist.global-build-config]
extra-build-steps = ["apt-get install -y mold"]
system-packages = ["libssl-dev"]

[dist.dependencies.apt]
libssl-dev = "*"
pkg-config = { version = "0.29" }

[[dist.bin]]
name = "uvw"
path = "src/uvw/main.rs"
only-platforms = ["x86_64-pc-windows-msvc"]
"#);
        assert_eq!(c.dist_version.as_deref(), Some("0.30.2"));
        assert_eq!(c.installers.as_ref().unwrap().len(), 5);
        assert_eq!(c.pr_run_mode, Some(PrRunMode::Upload));
        assert_eq!(
            c.allow_dirty,
            Some(AllowDirty::Only(vec![DirtyAllowance::Ci]))
        );
        assert_eq!(
            c.github_attestations_phase,
            Some(AttestationPhase::Announce)
        );
        assert_eq!(
            c.minimum_glibc_version.unwrap().for_target("x"),
            GlibcVersion::parse("2.17")
        );
        assert_eq!(c.recursive_tarball, Some(true));
        assert_eq!(
            c.install_path.unwrap(),
            vec![
                InstallPath::EnvSubdir {
                    var: "XDG_BIN_HOME".into(),
                    subdir: "bin".into()
                },
                InstallPath::HomeSubdir(".local/bin".into()),
                InstallPath::CargoHome
            ]
        );
        let runners = c.github_custom_runners.unwrap();
        assert_eq!(runners["ubuntu-latest"].runner, "depot-ubuntu");
        assert_eq!(
            runners["aarch64-unknown-linux-gnu"].container.as_deref(),
            Some("quay.io/pypa/manylinux2014")
        );
        assert_eq!(c.build_setup.unwrap().system_packages, vec!["libssl-dev"]);
        assert_eq!(c.dependencies.unwrap().apt["pkg-config"], "0.29");
        let bins = c.bins.unwrap();
        assert_eq!(
            bins[0].only_platforms.as_deref(),
            Some(&["x86_64-pc-windows-msvc".to_string()][..])
        );
    }

    #[test]
    fn reads_the_common_keys() {
        let c = ok(r#"
[dist]
unix-archive = ".tar.gz"
windows-archive = ".tar.zstd"
checksum = "blake2b"
include = ["docs/guide.md"]
auto-includes = false
features = ["fast"]
default-features = false
all-features = false
precise-builds = true
dist = true
tap = "me/homebrew-tap"
formula = "tool"
npm-scope = "@me"
npm-package = "tool-cli"
publish-jobs = ["homebrew", "./custom"]
hosting = "github"
bin-aliases = { tool = ["t"] }
install-success-msg = "yay"
tag-namespace = "tool"
fail-fast = true
create-release = false
github-release = "announce"
force-latest = true
publish-prereleases = true
"#);
        assert_eq!(c.windows_archive.unwrap().extension(), ".tar.zst");
        assert_eq!(c.checksum, Some(ChecksumAlgorithm::Blake2b));
        assert_eq!(
            c.publish_jobs.unwrap(),
            vec![PublishJob::Homebrew, PublishJob::Custom("custom".into())]
        );
        assert_eq!(c.hosting.unwrap(), vec![HostingProvider::Github]);
        assert_eq!(c.bin_aliases.unwrap()["tool"], vec!["t"]);
        assert_eq!(c.github_release, Some(GithubReleasePhase::Announce));
        assert_eq!(c.force_latest, Some(true));
    }

    #[test]
    fn dispatch_repositories_are_owner_slash_repo() {
        assert_eq!(
            ok("[dist]\ndispatch-repositories = [\"a/b\"]").dispatch_repositories,
            Some(vec!["a/b".to_string()])
        );
        let (res, _) = parse("[dist]\ndispatch-repositories = [\"a/b\", \"nope\"]");
        let e = res.unwrap_err();
        assert!(
            e.message.contains(".dispatch-repositories`"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("`nope` is not `owner/repo`"));
    }

    #[test]
    fn checksum_false_turns_them_off() {
        assert_eq!(
            ok("[dist]\nchecksum = false").checksum,
            Some(ChecksumAlgorithm::False)
        );
        assert_eq!(
            ok("[dist]\nchecksum = \"false\"").checksum,
            Some(ChecksumAlgorithm::False)
        );
    }

    #[test]
    fn misspelled_key_is_an_error_with_the_closest() {
        let e = err("[dist]\ninstalers = [\"shell\"]\n");
        assert!(e.message.contains("`dist.instalers`"), "{}", e.message);
        assert_eq!(e.hint.as_deref(), Some("did you mean `installers`?"));
        let loc = e.location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (2, 1));
    }

    #[test]
    fn a_key_far_from_every_known_key_only_warns() {
        // cargo-dist ignores keys it does not know; so do we, unless a key is a typo.
        let (r, w) = parse("[dist]\nmsi = true\narchive-format = \"zip\"\n");
        assert!(r.is_ok());
        assert_eq!(w.len(), 2, "{w:?}");
    }

    #[test]
    fn versions_must_be_semver() {
        for key in ["cargo-dist-version", "consign-version"] {
            let e = err(&format!("[dist]\n{key} = \"banana\"\n"));
            assert!(e.message.contains(key), "{}", e.message);
            assert!(e.hint.as_deref().unwrap().contains("`banana`"), "{e:?}");
        }
    }

    #[test]
    fn reads_how_ci_installs_consign() {
        let c = ok("[dist]\nconsign-install = \"source\"\nconsign-url-override = \"http://127.0.0.1:1/r/\"\nverify-version-args = [\"-V\"]\n");
        assert_eq!(c.consign_install, Some(ConsignInstall::Source));
        assert_eq!(
            c.consign_url_override.as_deref(),
            Some("http://127.0.0.1:1/r")
        );
        assert_eq!(c.verify_version_args, Some(vec!["-V".to_string()]));
        let e = err("[dist]\nconsign-url-override = \"ftp://x\"\n");
        assert!(e.message.contains("consign-url-override"), "{}", e.message);
    }

    #[test]
    fn unknown_value_lists_allowed_and_points_at_it() {
        let e = err("[dist]\ninstallers = [\"shell\", \"powershel\"]\n");
        assert!(e.message.contains("`dist.installers`"), "{}", e.message);
        assert!(
            e.message
                .contains("`shell`, `powershell`, `npm`, `homebrew`, `msi`"),
            "{}",
            e.message
        );
        assert_eq!(e.hint.as_deref(), Some("did you mean `powershell`?"));
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 24));
    }

    #[test]
    fn compression_reads_both_values_and_locates_a_bad_one() {
        assert_eq!(ok("[dist]\n").compression, None);
        assert_eq!(
            ok("[dist]\ncompression = \"fast\"\n").compression,
            Some(Compression::Fast)
        );
        assert_eq!(
            ok("[dist]\ncompression = \"best\"\n").compression,
            Some(Compression::Best)
        );
        let e = err("[dist]\ncompression = \"fastest\"\n");
        assert!(e.message.contains("`dist.compression`"), "{}", e.message);
        assert!(e.message.contains("`best`, `fast`"), "{}", e.message);
        assert_eq!(e.hint.as_deref(), Some("did you mean `fast`?"));
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 15));
        let e = err("[dist]\ncompression = 9\n");
        assert!(e.message.contains("`best`, `fast`"), "{}", e.message);
    }

    #[test]
    fn wrong_type_is_an_error_with_location() {
        let e = err("[dist]\n\nfail-fast = \"yes\"\n");
        assert!(
            e.message
                .contains("expected `true` or `false`, found `\"yes\"`"),
            "{}",
            e.message
        );
        assert_eq!(e.location.unwrap().line, 3);
        let e = err("[dist]\npr-run-mode = \"always\"\n");
        assert!(
            e.message.contains("`skip`, `plan`, `upload`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn unknown_target_suggests_nearest() {
        let e = err("[dist]\ntargets = [\"x86_64-unknown-linux-gun\"]\n");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `x86_64-unknown-linux-gnu`?")
        );
    }

    #[test]
    fn bad_install_path_and_glibc_are_errors() {
        for bad in ["~", "~/", "$HOME", "$/bin", "$1X/bin", "relative/dir"] {
            let e = err(&format!(
                "[dist]\ninstall-path = [\"CARGO_HOME\", \"{bad}\"]"
            ));
            assert!(
                e.message
                    .contains("`CARGO_HOME`, `~/sub/dir` or `$VAR/sub/dir`"),
                "{bad}: {}",
                e.message
            );
            assert!(e.location.is_some(), "{bad}");
        }
        assert!(err("[dist]\ninstall-path = \"$XDG_BIN_HOME\"")
            .hint
            .unwrap()
            .contains("`$XDG_BIN_HOME/bin`"));
        assert!(err("[dist]\ninstall-path = \"~/\"")
            .hint
            .unwrap()
            .contains("home directory itself"));
        assert!(err("[dist]\ninstall-path = \"/opt/bin\"")
            .hint
            .unwrap()
            .contains("~/opt/bin"));
        assert!(err("[dist]\nminimum-glibc-version = \"2\"")
            .message
            .contains("major.minor"));
        let c =
            ok("[dist.min-glibc-version]\n\"*\" = \"2.17\"\nx86_64-unknown-linux-gnu = \"2.28\"\n");
        let g = c.minimum_glibc_version.unwrap();
        assert_eq!(
            g.for_target("x86_64-unknown-linux-gnu")
                .unwrap()
                .to_string(),
            "2.28"
        );
        assert_eq!(
            g.for_target("aarch64-unknown-linux-gnu")
                .unwrap()
                .to_string(),
            "2.17"
        );
    }

    #[test]
    fn install_path_takes_every_shape_cargo_dist_takes() {
        let c = ok(
            "[dist]\ninstall-path = [\"$XDG_BIN_HOME/\", \"$XDG_DATA_HOME/../bin\", \"~/.local/bin\"]",
        );
        assert_eq!(
            c.install_path.unwrap(),
            vec![
                InstallPath::EnvSubdir {
                    var: "XDG_BIN_HOME".into(),
                    subdir: "".into()
                },
                InstallPath::EnvSubdir {
                    var: "XDG_DATA_HOME".into(),
                    subdir: "../bin".into()
                },
                InstallPath::HomeSubdir(".local/bin".into()),
            ]
        );
    }

    #[test]
    fn action_refs_are_shas_or_tags_with_an_optional_comment() {
        let c = ok("[dist.github-action-commits]\n\"actions/checkout\" = \"v7\"\n\"actions/cache\" = \"0057852BFAA89A56745CBA8C7296529D2FC39830 # v4.3.0\"\n");
        let pins = c.github_action_commits.unwrap();
        assert_eq!(
            pins["actions/checkout"],
            ActionRef {
                reference: "v7".into(),
                comment: None
            }
        );
        assert_eq!(
            pins["actions/cache"],
            ActionRef {
                reference: "0057852bfaa89a56745cba8c7296529d2fc39830".into(),
                comment: Some("v4.3.0".into())
            }
        );
        let e = err("[dist.github-action-commits]\n\"actions/checkout\" = \"v4; rm -rf\"\n");
        assert!(e.message.contains("a git ref"), "{}", e.message);
        assert_eq!(e.location.unwrap().line, 2);
    }

    #[test]
    fn axodotdev_hosting_is_refused_with_a_reason() {
        let e = err("[dist]\nhosting = [\"axodotdev\"]");
        assert!(e.hint.unwrap().contains("not supported"));
    }

    /// Every key of cargo-dist 0.34's dist config (the fields of its
    /// `DistMetadata` in `cargo-dist-0.34.0/src/config/v0.rs`), with
    /// a value cargo-dist accepts.
    const CARGO_DIST_KEYS: &[(&str, &str)] = &[
        ("cargo-dist-version", "\"0.34.0\""),
        ("cargo-dist-url-override", "\"https://example.com/dist\""),
        ("rust-toolchain-version", "\"1.80.0\""),
        ("dist", "true"),
        ("ci", "[\"github\"]"),
        ("pr-run-mode", "\"upload\""),
        ("allow-dirty", "[\"ci\"]"),
        ("installers", "[\"shell\"]"),
        ("install-success-msg", "\"done\""),
        ("tap", "\"acme/homebrew-tap\""),
        ("formula", "\"tool\""),
        ("dependencies", "{ apt = { libssl-dev = \"*\" } }"),
        ("targets", "[\"x86_64-unknown-linux-gnu\"]"),
        ("include", "[\"docs/guide.md\"]"),
        ("auto-includes", "false"),
        ("msvc-crt-static", "false"),
        ("windows-archive", "\".zip\""),
        ("unix-archive", "\".tar.gz\""),
        ("npm-package", "\"tool-cli\""),
        ("npm-shrinkwrap", "true"),
        ("npm-scope", "\"@acme\""),
        ("checksum", "\"sha512\""),
        ("precise-builds", "true"),
        ("merge-tasks", "true"),
        ("fail-fast", "true"),
        ("cache-builds", "true"),
        ("build-local-artifacts", "false"),
        ("dispatch-releases", "true"),
        ("release-branch", "\"release\""),
        ("install-path", "[\"$XDG_BIN_HOME/\", \"~/.local/bin\"]"),
        ("features", "[\"fast\"]"),
        ("default-features", "false"),
        ("all-features", "true"),
        ("plan-jobs", "[\"./check\"]"),
        ("local-artifacts-jobs", "[\"./build-docker\"]"),
        ("global-artifacts-jobs", "[\"./docs\"]"),
        ("source-tarball", "false"),
        ("recursive-tarball", "true"),
        ("host-jobs", "[\"./mirror\"]"),
        ("publish-jobs", "[\"homebrew\", \"./publish-crates\"]"),
        ("post-announce-jobs", "[\"./notify\"]"),
        ("publish-prereleases", "true"),
        ("force-latest", "true"),
        ("create-release", "false"),
        ("github-releases-repo", "\"acme/public\""),
        ("github-releases-submodule-path", "\"public\""),
        ("github-release", "\"announce\""),
        ("ssldotcom-windows-sign", "\"prod\""),
        ("azure-windows-sign", "{ endpoint = \"https://eus.codesigning.azure.net\" }"),
        ("macos-sign", "true"),
        ("github-attestations", "true"),
        ("github-attestations-filters", "[\"*.tar.xz\"]"),
        ("github-attestations-phase", "\"announce\""),
        ("hosting", "[\"simple\", \"github\"]"),
        ("extra-artifacts", "[{ artifacts = [\"schema.json\"], build = [\"make\"] }]"),
        ("github-custom-runners", "{ global = \"ubuntu-24.04\", x86_64-unknown-linux-gnu = { runner = \"big\", host = \"x86_64-unknown-linux-gnu\", container = { image = \"quay.io/pypa/manylinux_2_28_x86_64\", host = \"x86_64-unknown-linux-musl\", package-manager = \"apt\" } } }"),
        ("github-custom-job-permissions", "{ build-docker = { packages = \"write\", contents = \"read\" } }"),
        ("github-action-commits", "{ \"actions/checkout\" = \"v4\" }"),
        ("bin-aliases", "{ tool = [\"t\"] }"),
        ("tag-namespace", "\"tool\""),
        ("install-updater", "true"),
        ("always-use-latest-updater", "true"),
        ("display", "false"),
        ("display-name", "\"The Tool\""),
        ("package-libraries", "[\"cdylib\"]"),
        ("install-libraries", "[\"cdylib\"]"),
        ("github-build-setup", "\"../build-setup.yml\""),
        ("mac-pkg-config", "{ identifier = \"dev.acme.tool\" }"),
        ("min-glibc-version", "{ \"*\" = \"2.17\" }"),
        ("binaries", "{ x86_64-pc-windows-msvc = [\"tool\", \"toolw\"] }"),
        ("cargo-auditable", "true"),
        ("cargo-cyclonedx", "true"),
        ("omnibor", "true"),
        ("simple-download-url", "\"https://dl.example.com/{tag}\""),
    ];

    /// Every cargo-dist 0.34 key is read into the config (so the planner and
    /// the generated CI act on it), refused with an error naming it and what
    /// to do, or (when it has nothing to act on in consign) warned about with
    /// why. None is silently dropped.
    #[test]
    fn every_cargo_dist_key_is_honoured_or_refused() {
        for (key, value) in CARGO_DIST_KEYS {
            let (res, warnings) = parse(&format!("[dist]\n{key} = {value}\n"));
            match res {
                Err(e) => {
                    assert!(
                        REFUSED_KEYS.iter().any(|(k, _)| k == key),
                        "{key} = {value} is refused but not listed as unsupported: {}",
                        e.message
                    );
                    assert!(
                        e.message.contains(&format!("`dist.{key}`"))
                            && e.message.contains("consign does not support yet"),
                        "{key}: {}",
                        e.message
                    );
                    assert!(
                        e.hint.is_some_and(|h| !h.is_empty()),
                        "{key}: no what-to-do"
                    );
                }
                Ok(c) if !warnings.is_empty() => {
                    assert!(
                        INERT_KEYS.iter().any(|(k, _)| k == key),
                        "{key}: {warnings:?}"
                    );
                    assert!(warnings[0].message.contains("has no effect in consign"));
                    assert_eq!(c, DistConfig::default(), "{key}");
                }
                Ok(c) => assert_ne!(
                    c,
                    DistConfig::default(),
                    "{key} = {value} was accepted but read into nothing"
                ),
            }
        }
        // The lists hold only cargo-dist keys, and none is also read.
        for (k, _) in REFUSED_KEYS.iter().chain(INERT_KEYS) {
            assert!(CARGO_DIST_KEYS.iter().any(|(c, _)| c == k), "{k}");
            assert!(!KNOWN_KEYS.contains(k), "{k}");
        }
    }

    #[test]
    fn unsupported_cargo_dist_keys_are_refused_with_what_to_do() {
        let e = err("[dist]\ninstallers = [\"shell\"]\nmacos-sign = true\n");
        assert!(
            e.message
                .contains("`dist.macos-sign` in `dist-workspace.toml` is a cargo-dist setting that consign does not support yet"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("local-artifacts-jobs"));
        assert_eq!(e.location.unwrap().line, 3);
    }

    #[test]
    fn package_overlays_workspace() {
        let ws = ok("[dist]\ninstallers = [\"shell\"]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n");
        let pkg = ok("[dist]\ninstallers = [\"npm\"]\n");
        let merged = ws.overlay(&pkg);
        assert_eq!(merged.installers, Some(vec![InstallerKind::Npm]));
        assert_eq!(merged.targets, ws.targets);
    }

    #[test]
    fn malformed_toml_is_located() {
        let file = SourceFile {
            path: "Cargo.toml".into(),
            text: "[package\nname = 1".into(),
        };
        let e = file.parse().unwrap_err();
        assert!(
            e.message.contains("`Cargo.toml` is not valid TOML"),
            "{}",
            e.message
        );
        assert_eq!(e.location.unwrap().line, 1);
    }
}
