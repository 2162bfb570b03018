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

/// A channel's job in the generated release workflow, `publish-{channel}`,
/// which runs `consign publish --only {channel}` after `host`. Each channel
/// module says what its job needs (`ci_job`); `ci/github` only places it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CiJob {
    /// The channel's name (`NAMES`).
    pub channel: &'static str,
    /// The name of the step that publishes.
    pub step: &'static str,
    /// A config value the step name ends with (the tap), quoted for YAML by
    /// the workflow.
    pub subject: Option<String>,
    /// Comment lines above that step.
    pub comment: &'static [&'static str],
    /// Secrets the step gets as environment variables of the same name.
    pub secrets: &'static [&'static str],
    /// Whether it needs Node (`actions/setup-node`).
    pub node: bool,
    /// Whether it publishes built files: the job downloads the build's
    /// artifacts and publishes the release of the plan's tag.
    pub release_files: bool,
    /// Whether it needs the job's OIDC token (`id-token: write`).
    pub oidc: bool,
}

/// Why a channel `publish-jobs` names cannot publish: the config key the
/// error points at, and the error.
pub type CiProblem = Box<(&'static [&'static str], crate::error::UserError)>;

/// The workflow jobs of the channels the config turns on, in `NAMES`
/// order, each checked by its module (`has_installer`: whether any app has
/// that installer).
pub fn ci_jobs(
    config: &DistConfig,
    has_installer: &dyn Fn(InstallerKind) -> bool,
) -> Result<Vec<CiJob>, CiProblem> {
    let jobs = config.publish_jobs.clone().unwrap_or_default();
    let mut out = Vec::new();
    if jobs.contains(&PublishJob::Homebrew) {
        out.push(homebrew::ci_job(config.tap.as_deref(), has_installer)?);
    }
    if jobs.contains(&PublishJob::Npm) {
        out.push(npm::ci_job(has_installer)?);
    }
    if config.publish_crates == Some(true) {
        out.push(crates_io::ci_job());
    }
    Ok(out)
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

#[cfg(test)]
mod ci_tests {
    use super::*;

    fn config(jobs: Vec<PublishJob>, tap: Option<&str>, crates: bool) -> DistConfig {
        DistConfig {
            publish_jobs: Some(jobs),
            tap: tap.map(str::to_string),
            publish_crates: Some(crates),
            ..DistConfig::default()
        }
    }

    #[test]
    fn each_channel_says_what_its_workflow_job_needs() {
        let every = |_: InstallerKind| true;
        let jobs = ci_jobs(
            &config(
                vec![
                    PublishJob::Npm,
                    PublishJob::Homebrew,
                    PublishJob::Custom("x".into()),
                ],
                Some("o/homebrew-t"),
                true,
            ),
            &every,
        )
        .unwrap();
        let names: Vec<&str> = jobs.iter().map(|j| j.channel).collect();
        assert_eq!(names, ["homebrew", "npm", "crates"], "in NAMES order");
        assert_eq!(jobs[0].subject.as_deref(), Some("o/homebrew-t"));
        assert_eq!(jobs[0].secrets, ["HOMEBREW_TAP_TOKEN"]);
        assert!(jobs[1].node && jobs[1].release_files && !jobs[1].oidc);
        assert!(jobs[2].oidc && !jobs[2].release_files);
        assert!(ci_jobs(&config(vec![], None, false), &every)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_channel_that_cannot_publish_names_its_key() {
        let none = |_: InstallerKind| false;
        let every = |_: InstallerKind| true;
        let problem =
            ci_jobs(&config(vec![PublishJob::Homebrew], None, false), &every).unwrap_err();
        assert_eq!(problem.0, ["publish-jobs", "homebrew"]);
        assert!(
            problem.1.message.contains("no `tap` is set"),
            "{}",
            problem.1
        );
        let problem = ci_jobs(&config(vec![PublishJob::Npm], None, false), &none).unwrap_err();
        assert_eq!(problem.0, ["publish-jobs", "npm"]);
        assert!(problem.1.message.contains("no app has the `npm` installer"));
    }
}
