//! Channels: the places a release is published to beside the forge's
//! release (a Homebrew tap, an npm registry, a crates registry).
//!
//! Each channel is one module that owns three things:
//! - its settings, read from the dist config by the planner;
//! - a pure `plan` contribution that returns the [`PublishStep`]s it needs
//!   (and nothing else: install hints and artifacts come from the installer
//!   planning);
//! - `execute`, which carries one step out by **look, act, record**: ask the
//!   remote what is already there, act only on what is missing, and record
//!   the outcome in the release journal. A rerun after any failure, a
//!   SIGKILL included, finishes the job and sends nothing twice, because the
//!   remote (not the journal) decides what is missing.
//!
//! **Invariant:** `execute` reads only its step, the files in the distrib
//! directory and the [`PublishEnv`]; never the workspace or the dist config.

pub mod crates_io;
pub mod homebrew;
pub mod npm;

use std::path::PathBuf;

use consign_manifest::DistManifest;

use crate::plan::{InstallerPlan, Step};
use crate::project::config::{DistConfig, InstallerKind, PublishJob};

pub use crate::plan::PublishStep;

/// The channels, as `consign publish --only` and `publish-jobs` name them
/// (`crates` is turned on by `publish-crates = true` instead).
pub const NAMES: &[&str] = &["homebrew", "npm", crates_io::CHANNEL];

/// The publish steps of the channels `publish-jobs` names, from the
/// installers already planned. Pure. A prerelease is published only with
/// `publish-prereleases`.
pub fn plan(
    config: &DistConfig,
    manifest: &DistManifest,
    web_base: Option<&str>,
    steps: &[Step],
) -> Vec<PublishStep> {
    let jobs = config.publish_jobs.clone().unwrap_or_default();
    if manifest.announcement_is_prerelease && !config.publish_prereleases.unwrap_or(false) {
        return Vec::new();
    }
    let installers = |kind: InstallerKind| -> Vec<&InstallerPlan> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Installer(i) if i.kind == kind => Some(i),
                _ => None,
            })
            .collect()
    };
    let tag = manifest.announcement_tag.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    if jobs.contains(&PublishJob::Homebrew) {
        let formulas: Vec<(String, String)> = installers(InstallerKind::Homebrew)
            .into_iter()
            .filter_map(|i| Some((i.meta.tap.clone()?, i.artifact.clone())))
            .collect();
        let web_base = web_base.unwrap_or("https://github.com");
        out.extend(
            homebrew::plan(&formulas, web_base, tag)
                .into_iter()
                .map(PublishStep::Homebrew),
        );
    }
    if jobs.contains(&PublishJob::Npm) {
        out.extend(installers(InstallerKind::Npm).into_iter().map(|i| {
            PublishStep::Npm(npm::plan(
                &i.meta.npm_name,
                &i.context.app_version,
                &i.artifact,
                config.npm_registry.as_deref(),
            ))
        }));
    }
    out
}

/// What executing a publish step needs besides the step: where the built
/// files are, credentials and overrides from the environment, and where to
/// report.
pub struct PublishEnv<'a> {
    /// The distrib directory with the built artifacts.
    pub dist: PathBuf,
    /// Look, and say what would be done, but change nothing remote.
    pub dry_run: bool,
    /// The release journal outcomes are recorded in.
    pub journal: &'a crate::host::journal::Journal,
    /// Progress and notes for the user.
    pub report: &'a (dyn Fn(&str) + Sync),
    /// The environment (tokens, the tap override, git's identity).
    pub env: &'a crate::settings::Environment,
}

impl PublishEnv<'_> {
    /// A non-empty environment variable, trimmed.
    pub fn var(&self, name: &str) -> Option<String> {
        self.env.var(name).map(str::to_string)
    }
}

/// What a publish step found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The remote already had it; nothing was sent.
    AlreadyThere(String),
    /// Published now.
    Published(String),
    /// `--dry-run`: what would be published.
    WouldPublish(String),
}

impl Outcome {
    /// The one-line description.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::AlreadyThere(d) | Outcome::Published(d) | Outcome::WouldPublish(d) => d,
        }
    }
}

/// Carry out one publish step.
pub fn execute(
    step: &PublishStep,
    env: &PublishEnv<'_>,
) -> Result<Outcome, crate::error::UserError> {
    match step {
        PublishStep::Homebrew(s) => homebrew::execute(s, env),
        PublishStep::Npm(s) => npm::execute(s, env),
    }
}
