//! The command line: clap definitions only. Each command's logic lives in
//! [`crate::commands`].

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};

use crate::plan::ArtifactMode;
use crate::project::config::{HostingProvider, InstallerKind};

/// From a git tag to a finished release: plan, build, package and publish Rust apps.
#[derive(Debug, Parser)]
#[command(
    name = "consign",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Flags every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a release would contain: apps, archives, installers, checksums and URLs
    #[command(
        after_help = "Examples:\n  consign plan                       the release of the current versions\n  consign plan --tag my-app-v1.2.3 -o json   one app's dist-manifest.json on stdout"
    )]
    Plan,
    /// Build binaries, archives, checksums and the source tarball into `target/distrib/`
    #[command(
        after_help = "Examples:\n  consign build                      this machine's archive, installers and checksums\n  consign build -t x86_64-unknown-linux-musl --artifacts local   one target's archive"
    )]
    Build,
    /// Run the built installers against the release files on a loopback server, under every shell
    #[command(
        after_help = "Examples:\n  consign build && consign verify\n  consign verify --version-args \"-V\"   for apps whose version flag is `-V`"
    )]
    Verify {
        /// Give up on one installer run after this many seconds
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        timeout: u64,
        /// Run each installed binary with these arguments to read its version
        /// (default: the `verify-version-args` key, else `--version`; "" only runs it)
        #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
        version_args: Option<String>,
    },
    /// Show the shared libraries and glibc floor of built binaries
    #[command(
        after_help = "Examples:\n  consign linkage                    the binaries of the last build\n  consign linkage target/dist/my-app -o json"
    )]
    Linkage {
        /// Binaries to inspect (default: those of the last `consign build`)
        paths: Vec<PathBuf>,
    },
    /// Merge the `dist-manifest.json` files of several build machines into one
    #[command(
        after_help = "Example:\n  consign merge-manifests linux/dist-manifest.json mac/dist-manifest.json --output dist-manifest.json"
    )]
    MergeManifests {
        /// The manifests to merge
        #[arg(required = true)]
        manifests: Vec<PathBuf>,
        /// Where to write the merged manifest (default: stdout)
        #[arg(long, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Print the JSON Schema of `dist-manifest.json`
    #[command(after_help = "Example:\n  consign manifest-schema > dist-manifest.schema.json")]
    ManifestSchema,
    /// Set up or update the release configuration, then run `generate`
    #[command(
        after_help = "Examples:\n  consign init                       asks, showing the current answers\n  consign init --yes -t x86_64-unknown-linux-gnu -i shell   no questions"
    )]
    Init(InitArgs),
    /// Move dist configuration out of `Cargo.toml` metadata into `dist-workspace.toml`
    #[command(after_help = "Example:\n  consign migrate && consign generate")]
    Migrate,
    /// Write the CI workflow (and `wix/main.wxs` when an MSI is configured) from the config
    #[command(
        after_help = "Examples:\n  consign generate                   write .github/workflows/release.yml\n  consign generate --check           exit 1 with a diff when it is stale (for CI)"
    )]
    Generate(GenerateArgs),
    /// Create the GitHub Release for the tag and upload every artifact (resumable)
    #[command(
        after_help = "Token: `GITHUB_TOKEN` (else `GH_TOKEN`) with the `contents: write` permission on the repository\n(in GitHub Actions: `permissions: contents: write` and `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`).\n\nExamples:\n  consign host --tag v1.2.3          create, upload and publish; rerun after any failure to finish\n  consign host --steps create,upload --tag v1.2.3   leave the release a draft"
    )]
    Host(HostArgs),
    /// Publish the release if still a draft, then notify downstream repositories
    #[command(
        after_help = "Token: `GITHUB_TOKEN` (else `GH_TOKEN`) with `contents: write` on the repository to publish;\n`dispatch-repositories` also need `contents: write` on each of them (a fine-grained or classic\n`repo` token: the workflow's own `GITHUB_TOKEN` cannot reach other repositories).\n\nExample:\n  consign announce --tag v1.2.3"
    )]
    Announce(AnnounceArgs),
    /// Publish to the channels in `publish-jobs` (Homebrew tap, npm) and the crates to a cargo registry (`--only crates`, or `publish-crates = true`), resumable
    #[command(
        after_help = "Examples:\n  consign publish --tag v1.2.3\n  consign publish --only homebrew --dry-run\n  consign publish --only crates --registry my-registry\n\nTokens: `HOMEBREW_TAP_TOKEN` (contents: write on the tap repository), `NPM_TOKEN` (may publish the package), `CARGO_REGISTRY_TOKEN` or `CARGO_REGISTRIES_<NAME>_TOKEN` (crates; without one, in GitHub Actions, crates.io trusted publishing)."
    )]
    Publish(PublishArgs),
    /// Show which crates need publishing to a cargo registry, what blocks them and the rate-limit cost (cached)
    PublishStatus(RegistryArgs),
    /// Bump versions from the commits since each package's last tag, write changelogs, and open or update one release PR
    #[command(
        after_help = "Token: `GITHUB_TOKEN` (else `GH_TOKEN`) with `contents: write` and `pull-requests: write`\n(not needed with `--dry-run`). A PR opened with the workflow's own `GITHUB_TOKEN` does not\ntrigger other workflows; use a GitHub App token or a fine-grained token for CI on the PR.\n\nExamples:\n  consign release-pr --dry-run            the versions, reasons and changelog sections\n  consign release-pr --prerelease rc.1    open the PR for release candidates\n  consign release-pr --group tools --bump minor"
    )]
    ReleasePr(ReleasePrArgs),
    /// After the release PR merged: publish the crates, push the release tags, make the GitHub Releases, notify, label the PR (resumable)
    #[command(
        after_help = "Run it on the merge commit of the release PR. Each step asks first (the registry's index, the remote's tags,\nthe releases, the PR's labels), so a rerun after any failure finishes the release with nothing sent twice.\n\nTokens: `GITHUB_TOKEN` (else `GH_TOKEN`): `contents: write` and `pull-requests: write`; tags pushed with the\nworkflow's own `GITHUB_TOKEN` do not start other workflows, so use a GitHub App token or a fine-grained PAT.\n`CARGO_REGISTRY_TOKEN` for the crates (or crates.io trusted publishing in GitHub Actions).\n\nExamples:\n  consign release --dry-run\n  consign release --skip-publish -o json"
    )]
    Release(ReleaseArgs),
}

/// `consign release-pr`.
#[derive(Debug, Args)]
pub struct ReleasePrArgs {
    /// Print the plan (versions, reasons, changelog sections) and change nothing: no file, no push, no write to GitHub
    #[arg(long)]
    pub dry_run: bool,
    /// Open or update the PR even when no package needs a new version
    #[arg(long)]
    pub force: bool,
    /// Only the packages of this group of `release-groups`
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// The level of every bump: from the commits (`auto`), or forced
    #[arg(long, value_enum, default_value_t = BumpArg::Auto, value_name = "LEVEL")]
    pub bump: BumpArg,
    /// Make (or move on) a pre-release with this label, e.g. `rc.1` or `rc`
    #[arg(long, value_name = "LABEL")]
    pub prerelease: Option<String>,
}

/// `--bump`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BumpArg {
    /// From the conventional commits.
    Auto,
    /// `x.y.Z`
    Patch,
    /// `x.Y.0`
    Minor,
    /// `X.0.0`
    Major,
}

/// `consign release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Print the steps; publish, push and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Tag, release and notify, but do not publish the crates
    #[arg(long)]
    pub skip_publish: bool,
    /// The release PR's head branch, whose merged PR gets the state labels
    /// (default: `release-pr-branch`, else `consign/release`)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// How the crates are published
    #[command(flatten)]
    pub crates: CratesArgs,
}

/// Which cargo registry (cargo's conventions).
#[derive(Debug, Default, Args)]
pub struct RegistryArgs {
    /// The registry, by its name under `[registries]` in `.cargo/config.toml` (default: crates.io)
    #[arg(long, value_name = "NAME")]
    pub registry: Option<String>,
    /// The registry's sparse index URL (`sparse+https://...`), instead of a name
    #[arg(long, value_name = "URL", conflicts_with = "registry")]
    pub index: Option<String>,
}

/// How `consign publish` publishes crates (`--only crates`, or
/// `publish-crates = true`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Crates")]
pub struct CratesArgs {
    /// Which registry
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// How many crate uploads run at once
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = at_least_one)]
    pub concurrency: usize,
    /// How often one crate is retried after a 429 with `Retry-After`, a 5xx or a lost reply
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_retries: u32,
    /// How long to wait for an uploaded version to show in the index
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
    /// Also build each packaged crate and run `cargo test --locked` before uploading
    #[arg(long)]
    pub verify: bool,
    /// Use crates.io trusted publishing (GitHub Actions OIDC) instead of a token; the default in GitHub Actions when no token is set
    #[arg(long)]
    pub trusted_publishing: bool,
}

/// `consign publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Only these channels (comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "CHANNEL", value_parser = PossibleValuesParser::new(crate::channel::NAMES))]
    pub only: Vec<String>,
    /// Look at every channel and say what would be published, but publish nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Crates to a cargo registry
    #[command(flatten)]
    pub crates: CratesArgs,
}

/// `consign init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Accept the defaults (the flags, else the current config, else consign's) without asking
    #[arg(short, long)]
    pub yes: bool,
    /// CI to generate a release workflow for (repeatable; `none` for no CI)
    #[arg(long, value_name = "CI", value_parser = PossibleValuesParser::new(["github", "none"]))]
    pub ci: Vec<String>,
    /// Where releases are hosted (repeatable)
    #[arg(long, value_name = "HOST", value_parser = PossibleValuesParser::new(HostingProvider::ALL).map(|s| HostingProvider::parse(&s).expect("a possible value")))]
    pub hosting: Vec<HostingProvider>,
    /// The base URL release files are downloadable from, with `--hosting simple`
    #[arg(long, value_name = "URL")]
    pub simple_download_url: Option<String>,
    /// The Homebrew tap (`owner/repo`) the formula is published to
    #[arg(long, value_name = "OWNER/REPO")]
    pub tap: Option<String>,
    /// The npm scope (`@scope`) of the npm package
    #[arg(long, value_name = "@SCOPE")]
    pub npm_scope: Option<String>,
    /// Do not run `consign generate` afterwards
    #[arg(long)]
    pub no_generate: bool,
    /// Let the final `generate` replace generated files edited by hand (e.g. a cargo-dist `release.yml`)
    #[arg(long)]
    pub force: bool,
}

/// `consign generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Write nothing; exit 1 with a diff if a generated file is stale
    #[arg(long)]
    pub check: bool,
    /// Replace generated files even if they were edited by hand
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
}

/// `consign host`.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Run only these steps (comma-separated or repeated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STEP")]
    pub steps: Vec<HostStep>,
    /// Replace an asset that already exists with different contents instead of failing
    #[arg(long)]
    pub replace: bool,
    /// How many uploads run at once
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = at_least_one)]
    pub concurrency: usize,
    /// How often a failed call is retried (5xx, dropped connections, rate limits)
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub retries: u32,
}

/// One step of `consign host`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HostStep {
    /// Find the release for the tag, or create a draft.
    Create,
    /// Upload every artifact, skipping identical ones already present.
    Upload,
    /// Publish the draft.
    Release,
}

/// `consign announce`.
#[derive(Debug, Args)]
pub struct AnnounceArgs {}

/// Flags accepted by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The announcement tag (e.g. `v1.2.3` or `my-app-v1.2.3`); inferred from the versions when omitted
    #[arg(long, global = true, value_name = "TAG")]
    pub tag: Option<String>,
    /// Only these target triples (repeatable)
    #[arg(short = 't', long = "target", global = true, value_name = "TRIPLE")]
    pub targets: Vec<String>,
    /// Only these installers (repeatable)
    #[arg(
        short = 'i',
        long = "installer",
        global = true,
        value_name = "INSTALLER",
        value_parser = PossibleValuesParser::new(InstallerKind::ALL).map(|s| InstallerKind::parse(&s).expect("a possible value"))
    )]
    pub installers: Vec<InstallerKind>,
    /// Which artifacts: local (archives), global (installers, checksums, source), host, or all
    #[arg(short = 'a', long, global = true, value_enum, value_name = "KIND")]
    pub artifacts: Option<ArtifactMode>,
    /// Output format: human text on stderr, or JSON on stdout
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Proceed even if the git work tree has uncommitted changes
    #[arg(long, global = true)]
    pub allow_dirty: bool,
    /// Leave local file paths out of the manifest
    #[arg(long, global = true)]
    pub no_local_paths: bool,
    /// Path to the workspace's `Cargo.toml` (default: search upward from the current directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// More output (repeatable)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// No output except errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to use color
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--output-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people, on stderr.
    Human,
    /// JSON for programs, on stdout.
    Json,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color on a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// The flags every command shows and takes.
const ALWAYS: &[&str] = &["verbose", "quiet", "color"];

/// The other global flags that mean something to `command`; the rest are
/// hidden from its help and refused.
pub fn meaningful_flags(command: &str) -> &'static [&'static str] {
    match command {
        "plan" | "publish" => &[
            "tag",
            "targets",
            "installers",
            "artifacts",
            "output_format",
            "allow_dirty",
            "manifest_path",
        ],
        "build" => &[
            "tag",
            "targets",
            "installers",
            "artifacts",
            "output_format",
            "allow_dirty",
            "no_local_paths",
            "manifest_path",
        ],
        "verify" | "linkage" | "publish-status" | "release-pr" => {
            &["output_format", "manifest_path"]
        }
        "init" => &["targets", "installers", "output_format", "manifest_path"],
        "migrate" | "generate" => &["manifest_path"],
        "host" | "announce" => &["tag", "output_format", "manifest_path"],
        "release" => &["output_format", "allow_dirty", "manifest_path"],
        _ => &[],
    }
}

/// The command line, with each subcommand's help showing only its flags:
/// the others are given to it as hidden copies, which clap then does not
/// propagate over.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        let keep = meaningful_flags(&name);
        for arg in &globals {
            let id = arg.get_id().as_str();
            if !keep.contains(&id) && !ALWAYS.contains(&id) {
                let hidden = arg.clone().hide(true);
                cmd = cmd.mut_subcommand(&name, |sc| sc.arg(hidden));
            }
        }
    }
    cmd
}

/// Parse the arguments of `consign` or `cargo consign` (which cargo calls as
/// `cargo-consign consign ...`).
/// A count of parallel work: 0 is a usage error (exit code 2) naming the flag.
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("it must be at least 1 (how many run at once)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e}; pass a whole number such as 4")),
    }
}

pub fn parse_from(args: impl IntoIterator<Item = std::ffi::OsString>) -> Cli {
    let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|a| a == "consign") {
        args.remove(1);
    }
    if let Some(first) = args.first_mut() {
        *first = "consign".into();
    }
    let mut cmd = command();
    let matches = cmd.clone().get_matches_from(args);
    if let Some((name, sub)) = matches.subcommand() {
        let keep = meaningful_flags(name);
        let refused = cmd
            .get_arguments()
            .filter(|a| a.is_global_set())
            .filter(|a| {
                let id = a.get_id().as_str();
                !keep.contains(&id) && !ALWAYS.contains(&id)
            })
            .find(|a| {
                sub.value_source(a.get_id().as_str())
                    == Some(clap::parser::ValueSource::CommandLine)
            })
            .map(|a| {
                a.get_long()
                    .map_or_else(|| a.get_id().to_string(), |l| format!("--{l}"))
            });
        {
            if let Some(flag) = refused {
                cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "`{flag}` means nothing to `consign {name}`; see `consign {name} --help`"
                    ),
                )
                .exit();
            }
        }
    }
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}
