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

/// Declares every dist config key once: its TOML names, its field and type in
/// [`DistConfig`], its doc, and its parser. From the one list come the struct,
/// [`KNOWN_KEYS`] (for typo matching), [`KEYS`] (names and docs),
/// [`DistConfig::overlay`] (a package's value replaces the workspace's, for
/// every key) and the reader's dispatch.
macro_rules! dist_keys {
    ($(
        $(#[doc = $doc:literal])+
        [$($key:literal)|+] $field:ident: $ty:ty = $parse:expr;
    )+) => {
        /// Every dist config key, typed. `None` means "not set here".
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct DistConfig {
            $($(#[doc = $doc])+ pub $field: Option<$ty>,)+
        }

        /// Every key consign reads, with its aliases and doc.
        pub const KEYS: &[KeySpec] = &[$(KeySpec {
            names: &[$($key),+],
            doc: concat!($($doc, "\n"),+),
        },)+];

        /// Keys consign reads (aliases included), so that a misspelling can be
        /// matched against all of them.
        pub const KNOWN_KEYS: &[&str] = &[$($($key,)+)+];

        impl DistConfig {
            /// This config with every key set in `over` replaced by `over`'s
            /// value (a package's config over the workspace's).
            pub fn overlay(&self, over: &DistConfig) -> DistConfig {
                DistConfig { $($field: over.$field.clone().or_else(|| self.$field.clone()),)+ }
            }
        }

        /// Reads `key` into `c` if consign knows it; `false` if it does not.
        fn read_key(
            r: &Reader<'_>,
            warnings: &mut Vec<ConfigWarning>,
            key: &str,
            item: &Item,
            c: &mut DistConfig,
        ) -> R<bool> {
            match key {
                $($($key)|+ => {
                    let parse: Parse<$ty> = $parse;
                    c.$field = Some(parse(r, warnings, key, item)?);
                })+
                _ => return Ok(false),
            }
            Ok(true)
        }
    };
}

/// A key as [`KEYS`] lists it.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    /// The key's name, then its aliases.
    pub names: &'static [&'static str],
    /// What it does, from its declaration.
    pub doc: &'static str,
}

/// A key's parser: the table's reader, the warnings so far, the key as
/// written, and its value.
type Parse<T> = fn(&Reader<'_>, &mut Vec<ConfigWarning>, &str, &Item) -> R<T>;

fn boolean(r: &Reader<'_>, _: &mut Vec<ConfigWarning>, key: &str, item: &Item) -> R<bool> {
    r.bool(key, item)
}

fn string(r: &Reader<'_>, _: &mut Vec<ConfigWarning>, key: &str, item: &Item) -> R<String> {
    r.string(key, item)
}

fn version(r: &Reader<'_>, _: &mut Vec<ConfigWarning>, key: &str, item: &Item) -> R<String> {
    r.version(key, item)
}

fn user_jobs(r: &Reader<'_>, _: &mut Vec<ConfigWarning>, key: &str, item: &Item) -> R<Vec<String>> {
    r.user_jobs(key, item)
}

/// An `http(s)://` URL, without a trailing slash.
fn base_url(r: &Reader<'_>, key: &str, item: &Item, example: &str) -> R<String> {
    let url = r.string(key, item)?;
    if !url.starts_with("https://") && !url.starts_with("http://") {
        return Err(r.err(key, item, example, None));
    }
    Ok(url)
}

dist_keys! {
    /// `cargo-dist-version`: the version of the tool the generated CI
    /// installs (a `consign-version` beside it wins).
    ["cargo-dist-version"] dist_version: String = version;
    /// `consign-version` (not `cargo-dist-version`): the consign the
    /// generated CI installs.
    ["consign-version"] consign_version: String = version;
    /// `consign-install`: how the generated CI installs consign.
    ["consign-install"] consign_install: ConsignInstall = |r, _, key, item| {
        r.one_enum(key, item, ConsignInstall::ALL, ConsignInstall::parse)
    };
    /// `consign-url-override`: where the prebuilt consign release is
    /// downloaded from instead of consign's GitHub release.
    ["consign-url-override"] consign_url_override: String = |r, _, key, item| {
        let url = r.string(key, item)?;
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(r.err(
                key,
                item,
                "the URL of a directory holding consign's release files",
                Some("e.g. \"https://github.com/my-org/consign/releases/download/v0.1.0\"".into()),
            ));
        }
        Ok(url.trim_end_matches('/').to_string())
    };
    /// `verify-version-args`: the arguments `consign verify` runs each
    /// installed binary with to read its version (`[]`: only run it).
    ["verify-version-args"] verify_version_args: Vec<String> = |r, _, key, item| {
        r.strings(key, item, false)
    };
    /// `ci`: the CI backends to generate (`github`).
    ["ci"] ci: Vec<CiBackend> = |r, _, key, item| r.enums(key, item, CiBackend::ALL, CiBackend::parse);
    /// `installers`: the installers to build.
    ["installers"] installers: Vec<InstallerKind> = |r, _, key, item| {
        r.enums(key, item, InstallerKind::ALL, InstallerKind::parse)
    };
    /// `targets`: the target triples to build.
    ["targets"] targets: Vec<String> = |r, _, key, item| r.targets(key, item);
    /// `pr-run-mode`: what the workflow does on a pull request.
    ["pr-run-mode"] pr_run_mode: PrRunMode = |r, _, key, item| {
        r.one_enum(key, item, PrRunMode::ALL, PrRunMode::parse)
    };
    /// `allow-dirty`: `true`, or the generated files allowed to differ.
    ["allow-dirty"] allow_dirty: AllowDirty = |r, _, key, item| {
        Ok(match item.as_bool() {
            Some(b) => AllowDirty::All(b),
            None => AllowDirty::Only(r.enums(key, item, DirtyAllowance::ALL, DirtyAllowance::parse)?),
        })
    };
    /// `github-attestations`: attest the artifacts' build provenance.
    ["github-attestations"] github_attestations: bool = boolean;
    /// `github-attestations-phase`: the job that attests.
    ["github-attestations-phase"] github_attestations_phase: AttestationPhase = |r, _, key, item| {
        r.one_enum(key, item, AttestationPhase::ALL, AttestationPhase::parse)
    };
    /// `github-attestations-filters`: the artifacts attested.
    ["github-attestations-filters"] github_attestations_filters: Vec<String> = |r, _, key, item| {
        r.strings(key, item, true)
    };
    /// `min-glibc-version`: the oldest glibc the Linux GNU binaries support,
    /// for all targets or per target.
    ["min-glibc-version" | "minimum-glibc-version"] minimum_glibc_version: GlibcRequirement = |r, _, key, item| {
        r.glibc(key, item)
    };
    /// `github-custom-runners`: the runner (and host, container) per target.
    ["github-custom-runners"] github_custom_runners: BTreeMap<String, CustomRunner> = custom_runners;
    /// `github-build-setup`: steps (a file in `.github/workflows/`) run
    /// before each build.
    ["github-build-setup"] github_build_setup: String = string;
    /// `global-build-config`: extra build steps and system packages.
    ["global-build-config"] build_setup: BuildSetup = build_setup;
    /// `dependencies`: system packages per package manager.
    ["dependencies"] dependencies: SystemDependencies = system_dependencies;
    /// `dispatch-releases`: release from `workflow_dispatch`, not a tag push.
    ["dispatch-releases"] dispatch_releases: bool = boolean;
    /// `recursive-tarball`: the source tarball includes submodules.
    ["recursive-tarball" | "recursive-tarballs"] recursive_tarball: bool = boolean;
    /// `install-updater`: ship and install `{app}-update`.
    ["install-updater"] install_updater: bool = boolean;
    /// `install-path`: where installers put binaries, in order of preference.
    ["install-path"] install_path: Vec<InstallPath> = |r, _, key, item| {
        let entries = r.strings(key, item, true)?;
        let mut paths = Vec::new();
        for entry in entries {
            paths.push(InstallPath::parse(&entry).ok_or_else(|| {
                r.err(key, item, "`CARGO_HOME`, `~/sub/dir` or `$VAR/sub/dir`", Some(install_path_hint(&entry)))
            })?);
        }
        if paths.is_empty() {
            return Err(r.err(key, item, "at least one entry", None));
        }
        Ok(paths)
    };
    /// `[[bin]]`: binaries, with their path and platforms.
    ["bin"] bins: Vec<BinConfig> = bin_tables;
    /// `unix-archive`: the archive format on Unix targets.
    ["unix-archive"] unix_archive: ArchiveFormat = |r, _, key, item| {
        r.one_enum(key, item, ArchiveFormat::ALL, ArchiveFormat::parse)
    };
    /// `windows-archive`: the archive format on Windows targets.
    ["windows-archive"] windows_archive: ArchiveFormat = |r, _, key, item| {
        r.one_enum(key, item, ArchiveFormat::ALL, ArchiveFormat::parse)
    };
    /// `checksum`: the checksum algorithm (`false` for none).
    ["checksum"] checksum: ChecksumAlgorithm = |r, _, key, item| {
        Ok(match item.as_bool() {
            Some(false) => ChecksumAlgorithm::False,
            _ => r.one_enum(key, item, ChecksumAlgorithm::ALL, ChecksumAlgorithm::parse)?,
        })
    };
    /// `compression`: how hard archives are compressed (default `best`).
    ["compression"] compression: Compression = |r, _, key, item| {
        r.one_enum(key, item, Compression::ALL, Compression::parse)
    };
    /// `include`: extra files in every archive.
    ["include"] include: Vec<String> = |r, _, key, item| r.strings(key, item, true);
    /// `auto-includes`: README, LICENSE and CHANGELOG files go in archives.
    ["auto-includes"] auto_includes: bool = boolean;
    /// `features`: cargo features to build with.
    ["features"] features: Vec<String> = |r, _, key, item| r.strings(key, item, false);
    /// `default-features`: build with the default features.
    ["default-features"] default_features: bool = boolean;
    /// `all-features`: build with every feature.
    ["all-features"] all_features: bool = boolean;
    /// `precise-builds`: one cargo build per package.
    ["precise-builds"] precise_builds: bool = boolean;
    /// `dist`: whether the package is released at all.
    ["dist"] dist: bool = boolean;
    /// `tap`: the Homebrew tap repository, `owner/repo`.
    ["tap"] tap: String = |r, _, key, item| {
        let tap = r.string(key, item)?;
        if !is_tap(&tap) {
            return Err(r.err(key, item, "`owner/repo`, e.g. \"my-org/homebrew-tap\"", None));
        }
        Ok(tap)
    };
    /// `formula`: the Homebrew formula's name.
    ["formula"] formula: String = string;
    /// `npm-scope`: the npm scope (`@my-org`) of the npm package.
    ["npm-scope"] npm_scope: String = |r, _, key, item| {
        let scope = r.string(key, item)?;
        if !is_npm_scope(&scope) {
            return Err(r.err(key, item, "an npm scope like \"@my-org\"", None));
        }
        Ok(scope)
    };
    /// `npm-package`: the npm package's name.
    ["npm-package"] npm_package: String = string;
    /// `npm-registry`: the npm registry published to.
    ["npm-registry"] npm_registry: String = |r, _, key, item| {
        base_url(r, key, item, "an http(s) URL like \"https://registry.npmjs.org\"")
    };
    /// `publish-jobs`: what the workflow publishes after hosting.
    ["publish-jobs"] publish_jobs: Vec<PublishJob> = publish_jobs;
    /// `hosting`: where artifacts are hosted.
    ["hosting"] hosting: Vec<HostingProvider> = |r, _, key, item| {
        if item.as_str() == Some("axodotdev")
            || item.as_array().is_some_and(|a| a.iter().any(|v| v.as_str() == Some("axodotdev")))
        {
            return Err(r.err(
                key,
                item,
                &format!("one of {}", list(HostingProvider::ALL)),
                Some("axo Releases hosting is not supported by consign; use `github`".into()),
            ));
        }
        r.enums(key, item, HostingProvider::ALL, HostingProvider::parse)
    };
    /// `simple-download-url`: the base URL of `simple` hosting.
    ["simple-download-url"] simple_download_url: String = string;
    /// `bin-aliases`: binary → the aliases installers create.
    ["bin-aliases"] bin_aliases: BTreeMap<String, Vec<String>> = |r, _, key, item| {
        let t = r.table(key, item)?;
        let mut aliases = BTreeMap::new();
        for (bin, v) in t.iter() {
            aliases.insert(bin.to_string(), r.strings(&format!("{key}.{bin}"), v, true)?);
        }
        Ok(aliases)
    };
    /// `install-success-msg`: what installers print when they are done.
    ["install-success-msg"] install_success_msg: String = string;
    /// `tag-namespace`: the prefix release tags must have.
    ["tag-namespace"] tag_namespace: String = string;
    /// `fail-fast`: one failed build cancels the others.
    ["fail-fast"] fail_fast: bool = boolean;
    /// `create-release`: the workflow creates the GitHub Release.
    ["create-release"] create_release: bool = boolean;
    /// `github-release`: when the GitHub Release is created.
    ["github-release"] github_release: GithubReleasePhase = |r, _, key, item| {
        r.one_enum(key, item, GithubReleasePhase::ALL, GithubReleasePhase::parse)
    };
    /// `force-latest`: mark every release as the latest.
    ["force-latest"] force_latest: bool = boolean;
    /// `publish-prereleases`: publish pre-releases to package managers too.
    ["publish-prereleases"] publish_prereleases: bool = boolean;
    /// `publish-crates` (consign only): the generated workflow publishes the
    /// workspace's crates to crates.io with `consign publish`.
    ["publish-crates"] publish_crates: bool = boolean;
    /// `github-enterprise-url`: the GitHub Enterprise server's base URL.
    ["github-enterprise-url"] github_enterprise_url: String = |r, _, key, item| {
        let url = base_url(r, key, item, "a base URL like \"https://github.example.com\"")?;
        Ok(url.trim_end_matches('/').to_string())
    };
    /// `github-action-commits`: action (`owner/name`) → the ref to use it at.
    ["github-action-commits"] github_action_commits: BTreeMap<String, ActionRef> = |r, _, key, item| {
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
        Ok(pins)
    };
    /// `cache-builds`: cache cargo's registry and target dir in CI builds.
    ["cache-builds"] cache_builds: bool = boolean;
    /// `post-announce-jobs`: user workflows run after the announcement.
    ["post-announce-jobs"] post_announce_jobs: Vec<PublishJob> = |r, _, key, item| {
        Ok(r.user_jobs(key, item)?.into_iter().map(PublishJob::Custom).collect())
    };
    /// `dispatch-repositories`: `owner/repo`s that `consign announce` sends a
    /// `repository_dispatch` to.
    ["dispatch-repositories"] dispatch_repositories: Vec<String> = |r, _, key, item| {
        let repos = r.strings(key, item, false)?;
        if let Some(bad) = repos.iter().find(|s| s.split('/').count() != 2 || s.split('/').any(str::is_empty)) {
            return Err(r.err(
                key,
                item,
                "an array of `owner/repo` names, e.g. [\"my-org/my-docs\"]",
                Some(format!("`{bad}` is not `owner/repo`")),
            ));
        }
        Ok(repos)
    };
    /// `release-groups` (consign only): group name → the packages that share
    /// one version in `consign release-pr`.
    ["release-groups"] release_groups: BTreeMap<String, Vec<String>> = |r, _, key, item| {
        let t = r.table(key, item)?;
        let mut groups = BTreeMap::new();
        for (name, v) in t.iter() {
            let members = r.strings(&format!("{key}.{name}"), v, false)?;
            if members.is_empty() || members.iter().any(|m| m.trim().is_empty()) {
                return Err(r.err(
                    &format!("{key}.{name}"),
                    v,
                    "a non-empty array of package names, e.g. [\"app\", \"app-core\"]",
                    None,
                ));
            }
            groups.insert(name.to_string(), members);
        }
        Ok(groups)
    };
    /// `release-pr-branch` (consign only): the branch `consign release-pr`
    /// commits to (default `consign/release`).
    ["release-pr-branch"] release_pr_branch: String = |r, _, key, item| {
        let branch = r.string(key, item)?;
        if let Some(why) = bad_branch_name(&branch) {
            return Err(r.err(
                key,
                item,
                "a git branch name, e.g. \"consign/release\"",
                Some(format!("`{branch}` {why}")),
            ));
        }
        Ok(branch)
    };
    /// `release-pr` (consign only): `generate` writes the release-PR
    /// workflow (`.github/workflows/release-pr.yml`).
    ["release-pr"] release_pr: bool = boolean;
    /// `release-pr-paths` (consign only): path globs a push to `main` must
    /// touch to run the prepare job.
    ["release-pr-paths"] release_pr_paths: Vec<String> = |r, _, key, item| {
        let globs = r.strings(key, item, false)?;
        if let Some(bad) = globs
            .iter()
            .find(|g| g.trim().is_empty() || g.contains('\'') || g.contains('\n'))
        {
            return Err(r.err(
                key,
                item,
                "an array of path globs, e.g. [\"crates/**\", \"Cargo.lock\"]",
                Some(format!("`{bad}` is not a path glob a workflow can hold")),
            ));
        }
        Ok(globs)
    };
    /// `plan-jobs`: user workflows run beside the plan.
    ["plan-jobs"] plan_jobs: Vec<String> = user_jobs;
    /// `local-artifacts-jobs`: user workflows that build local artifacts.
    ["local-artifacts-jobs"] local_artifacts_jobs: Vec<String> = user_jobs;
    /// `global-artifacts-jobs`: user workflows that build global artifacts.
    ["global-artifacts-jobs"] global_artifacts_jobs: Vec<String> = user_jobs;
    /// `host-jobs`: user workflows run beside the host job.
    ["host-jobs"] host_jobs: Vec<String> = user_jobs;
    /// `build-local-artifacts`: `false` leaves building local artifacts to
    /// `local-artifacts-jobs`.
    ["build-local-artifacts"] build_local_artifacts: bool = boolean;
    /// `github-custom-job-permissions`: user job name → permission → level.
    ["github-custom-job-permissions"] github_custom_job_permissions: BTreeMap<String, BTreeMap<String, String>> = job_permissions;
    /// `source-tarball`: `false` releases no `source.tar.gz`.
    ["source-tarball"] source_tarball: bool = boolean;
    /// `cargo-auditable`: build with `cargo auditable build`.
    ["cargo-auditable"] cargo_auditable: bool = boolean;
    /// `cargo-cyclonedx`: an SBOM per app with `cargo cyclonedx`.
    ["cargo-cyclonedx"] cargo_cyclonedx: bool = boolean;
    /// `omnibor`: an OmniBOR artifact ID beside each archive, MSI and the source tarball.
    ["omnibor"] omnibor: bool = boolean;
    /// `[[extra-artifacts]]`: files a command builds, released as they are.
    ["extra-artifacts"] extra_artifacts: Vec<ExtraArtifact> = extra_artifacts;
    /// `display`: `false` leaves the app out of the announcement.
    ["display"] display: bool = boolean;
    /// `display-name`: the name shown instead of the package name.
    ["display-name"] display_name: String = string;
    /// `github-releases-repo`: `owner/repo` the GitHub Release is made on.
    ["github-releases-repo"] github_releases_repo: String = |r, _, key, item| {
        let repo = r.string(key, item)?;
        if !is_tap(&repo) {
            return Err(r.err(key, item, "`owner/repo`, e.g. \"my-org/releases\"", None));
        }
        Ok(repo)
    };
    /// `binaries`: per target (`"*"` for the others), the only binaries released.
    ["binaries"] binaries: BTreeMap<String, Vec<String>> = |r, _, key, item| {
        let t = r.table(key, item)?;
        let mut map = BTreeMap::new();
        for (target, v) in t.iter() {
            let sub = format!("{key}.{target}");
            if target != "*" {
                check_target(target).map_err(|hint| {
                    r.err(&sub, v, "a target triple key (or `\"*\"` for the others)", Some(hint))
                })?;
            }
            map.insert(target.to_string(), r.strings(&sub, v, false)?);
        }
        Ok(map)
    };
    /// `rust-toolchain-version`: the toolchain CI builds with.
    ["rust-toolchain-version"] rust_toolchain_version: String = |r, _, key, item| {
        let v = r.string(key, item)?;
        let plain = !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
        if !plain {
            return Err(r.err(key, item, "a rustup toolchain such as \"1.80.0\" or \"stable\"", None));
        }
        Ok(v)
    };
    /// `merge-tasks`: build every target a runner builds in one CI job.
    ["merge-tasks"] merge_tasks: bool = boolean;
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

    /// A warning for each key of the sub-table `sub` (of this table) that is
    /// not in `allowed`.
    fn warn_unknown_in(
        &self,
        warnings: &mut Vec<ConfigWarning>,
        sub: &str,
        t: &dyn toml_edit::TableLike,
        allowed: &[&str],
    ) {
        for (k, _) in t.iter() {
            if !allowed.contains(&k) {
                let path = format!("{}.{sub}", self.table_path);
                warn_unknown(self.file, warnings, &path, k, t.key(k), allowed);
            }
        }
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
        if read_key(&r, warnings, key, item, &mut c)? {
            continue;
        }
        match key {
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
    // `consign-version` pins consign; a `cargo-dist-version` beside it is cargo-dist's.
    if c.consign_version.is_some() {
        c.dist_version.clone_from(&c.consign_version);
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

/// `github-custom-runners`: label → a runner string, or a table with
/// `runner`, `host` and `container`.
fn custom_runners(
    r: &Reader<'_>,
    warnings: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<BTreeMap<String, CustomRunner>> {
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
                    r.warn_unknown_in(
                        warnings,
                        &format!("{sub}.container"),
                        ct,
                        &["image", "host", "package-manager"],
                    );
                    match ct.get("image") {
                        Some(img) => Some(r.string(&format!("{sub}.container.image"), img)?),
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
            r.warn_unknown_in(warnings, &sub, rt, &["runner", "host", "container"]);
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
    Ok(runners)
}

/// `global-build-config`: `extra-build-steps` and `system-packages`.
fn build_setup(
    r: &Reader<'_>,
    warnings: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<BuildSetup> {
    let t = r.table(key, item)?;
    let mut setup = BuildSetup::default();
    for (k, v) in t.iter() {
        let sub = format!("{key}.{k}");
        match k {
            "extra-build-steps" => setup.extra_build_steps = r.strings(&sub, v, false)?,
            "system-packages" => setup.system_packages = r.strings(&sub, v, false)?,
            _ => {}
        }
    }
    r.warn_unknown_in(warnings, key, t, &["extra-build-steps", "system-packages"]);
    Ok(setup)
}

/// `dependencies`: package manager → package → version (or a table with one).
fn system_dependencies(
    r: &Reader<'_>,
    warnings: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<SystemDependencies> {
    let t = r.table(key, item)?;
    let mut deps = SystemDependencies::default();
    r.warn_unknown_in(warnings, key, t, &["apt", "homebrew", "chocolatey"]);
    for (manager, v) in t.iter() {
        let sub = format!("{key}.{manager}");
        let target = match manager {
            "apt" => &mut deps.apt,
            "homebrew" => &mut deps.homebrew,
            "chocolatey" => &mut deps.chocolatey,
            _ => continue,
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
    Ok(deps)
}

/// `[[bin]]` tables with `name`, `path` and `only-platforms`.
fn bin_tables(
    r: &Reader<'_>,
    warnings: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<Vec<BinConfig>> {
    let mut bins = Vec::new();
    for t in r.tables(key, item, "an array of tables (`[[dist.bin]]`)")? {
        let name = match t.get("name") {
            Some(n) => r.string("bin.name", n)?,
            None => return Err(r.err(key, item, "every `[[bin]]` entry to have a `name`", None)),
        };
        let path = t.get("path").map(|p| r.string("bin.path", p)).transpose()?;
        let only_platforms = t
            .get("only-platforms")
            .map(|p| r.targets("bin.only-platforms", p))
            .transpose()?;
        r.warn_unknown_in(warnings, "bin", t, &["name", "path", "only-platforms"]);
        bins.push(BinConfig {
            name,
            path,
            only_platforms,
        });
    }
    Ok(bins)
}

/// `publish-jobs`: `homebrew`, `npm`, or `./name` for a user workflow.
fn publish_jobs(
    r: &Reader<'_>,
    _: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<Vec<PublishJob>> {
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
                let hint =
                    closest(&job, ["homebrew", "npm"]).map(|c| format!("did you mean `{c}`?"));
                return Err(match elements.get(i) {
                    Some(v) => r.value_err(key, v, expected, hint),
                    None => r.err(key, item, expected, hint),
                });
            }
        });
    }
    Ok(parsed)
}

/// `github-custom-job-permissions`: job → permission → `read`/`write`/`none`.
fn job_permissions(
    r: &Reader<'_>,
    _: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<BTreeMap<String, BTreeMap<String, String>>> {
    let t = r.table(key, item)?;
    let mut jobs = BTreeMap::new();
    for (job, perms) in t.iter() {
        let sub = format!("{key}.{job}");
        let mut map = BTreeMap::new();
        for (perm, level) in r.table(&sub, perms)?.iter() {
            let what = format!("{sub}.{perm}");
            let valid_name =
                !perm.is_empty() && perm.chars().all(|c| c.is_ascii_lowercase() || c == '-');
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
    Ok(jobs)
}

/// `[[extra-artifacts]]` tables with `build`, `artifacts` and `working-dir`.
fn extra_artifacts(
    r: &Reader<'_>,
    warnings: &mut Vec<ConfigWarning>,
    key: &str,
    item: &Item,
) -> R<Vec<ExtraArtifact>> {
    let mut extras = Vec::new();
    for t in r.tables(key, item, "`[[dist.extra-artifacts]]` tables")? {
        let build = match t.get("build") {
            Some(b) => r.strings(&format!("{key}.build"), b, false)?,
            None => Vec::new(),
        };
        let artifacts = match t.get("artifacts") {
            Some(a) => r.strings(&format!("{key}.artifacts"), a, false)?,
            None => Vec::new(),
        };
        if build.is_empty() || artifacts.is_empty() {
            return Err(r.err(
                key,
                item,
                "every entry to have a `build` command and at least one file in `artifacts`",
                Some(
                    "write `build = [\"make\", \"docs\"]` and `artifacts = [\"docs.tar.gz\"]`"
                        .into(),
                ),
            ));
        }
        if let Some(bad) = artifacts
            .iter()
            .find(|a| a.starts_with('/') || a.split('/').any(|p| p == "..") || a.ends_with('/'))
        {
            return Err(r.err(
                &format!("{key}.artifacts"),
                item,
                "relative file paths inside the working directory",
                Some(format!("`{bad}` is not one")),
            ));
        }
        let working_dir = t
            .get("working-dir")
            .map(|w| r.string(&format!("{key}.working-dir"), w))
            .transpose()?;
        r.warn_unknown_in(warnings, key, t, &["build", "artifacts", "working-dir"]);
        extras.push(ExtraArtifact {
            working_dir,
            build,
            artifacts,
        });
    }
    Ok(extras)
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

/// Whether `scope` has the `@name` form of an npm scope.
/// Why `name` cannot be a git branch (the rules of `git check-ref-format
/// --branch` that matter for a configured name), or `None`.
pub fn bad_branch_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.starts_with('-') || name.starts_with('/') || name.ends_with('/') {
        return Some("starts with `-` or `/`, or ends with `/`");
    }
    if name.ends_with(".lock")
        || name.ends_with('.')
        || name.contains("..")
        || name.contains("//")
        || name.contains("@{")
        || name == "@"
    {
        return Some("contains `..`, `//` or `@{`, or ends with `.` or `.lock`");
    }
    if name
        .chars()
        .any(|c| c.is_ascii_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
    {
        return Some("contains a space, a control character or one of `~^:?*[\\`");
    }
    if name.split('/').any(|part| part.starts_with('.')) {
        return Some("has a part starting with `.`");
    }
    None
}

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
    fn release_pr_workflow_keys_are_read_with_located_errors() {
        let c = ok("[dist]\nrelease-pr = true\nrelease-pr-paths = [\"crates/**\"]");
        assert_eq!(c.release_pr, Some(true));
        assert_eq!(c.release_pr_paths, Some(vec!["crates/**".to_string()]));
        let (res, _) = parse("[dist]\nrelease-pr = \"yes\"");
        let e = res.unwrap_err();
        assert!(e.message.contains(".release-pr`"), "{}", e.message);
        assert_eq!(e.location.expect("located").line, 2);
        let (res, _) = parse("[dist]\nrelease-pr-paths = [\"crates/**\", \" \"]");
        let e = res.unwrap_err();
        assert!(e.message.contains(".release-pr-paths`"), "{}", e.message);
        assert_eq!(e.location.expect("located").line, 2);
        assert!(e.hint.unwrap().contains("not a path glob"));
    }

    #[test]
    fn release_pr_keys_are_checked_with_their_location() {
        let c = ok(
            "[dist]\nrelease-groups = { tools = [\"a\", \"b\"] }\nrelease-pr-branch = \"rel/next\"",
        );
        assert_eq!(c.release_groups.unwrap()["tools"], vec!["a", "b"]);
        assert_eq!(c.release_pr_branch.as_deref(), Some("rel/next"));
        for (text, needle) in [
            ("release-groups = [\"a\"]", "a table"),
            ("release-groups = { tools = \"a\" }", "an array of strings"),
            (
                "release-groups = { tools = [] }",
                "a non-empty array of package names",
            ),
            ("release-pr-branch = \"rel..x\"", "a git branch name"),
            ("release-pr-branch = \"a b\"", "a git branch name"),
            ("release-pr-branch = 3", "a string"),
        ] {
            let (res, _) = parse(&format!("[dist]\n{text}"));
            let e = res.unwrap_err();
            let all = format!("{} {:?}", e.message, e.hint);
            assert!(all.contains(needle), "{text}: {all}");
            assert_eq!(e.location.expect("located").line, 2, "{text}");
        }
        assert_eq!(bad_branch_name("consign/release"), None);
        assert!(bad_branch_name("x.lock").is_some());
        assert!(bad_branch_name("a/.b").is_some());
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

    #[test]
    fn every_key_is_declared_once_with_its_doc() {
        let mut seen = std::collections::BTreeSet::new();
        for spec in KEYS {
            for name in spec.names {
                assert!(seen.insert(*name), "`{name}` is declared twice");
                assert!(
                    KNOWN_KEYS.contains(name),
                    "`{name}` missing from KNOWN_KEYS"
                );
            }
            let first = spec.names[0];
            assert!(
                spec.doc.contains(&format!("`{first}`"))
                    || spec.doc.contains(&format!("`[[{first}]]`")),
                "the doc of `{first}` does not name it: {:?}",
                spec.doc
            );
        }
        assert_eq!(seen.len(), KNOWN_KEYS.len());
        for (refused, _) in REFUSED_KEYS.iter().chain(INERT_KEYS) {
            assert!(
                !seen.contains(refused),
                "`{refused}` is both read and refused"
            );
        }
    }
}
