//! The Homebrew tap channel: commit the release's formulas to the tap
//! repository.
//!
//! - **Settings:** `tap` (`owner/homebrew-name`), `formula`, and `homebrew`
//!   in `publish-jobs`.
//! - **Plan:** one [`TapPublish`] per tap, with every formula of the
//!   announcement that goes there; the `brew install` hint ([`install_hint`]).
//! - **Execute:** clone the tap (shallow), compare each `Formula/{name}.rb`
//!   with the built one, and commit and push only what changed. A push that
//!   lost a race is retried on the new tip. The tap's contents are the truth:
//!   a rerun after a push that was never journaled finds the formulas there
//!   and pushes nothing.

use std::path::Path;
use std::process::{Command, Output};

use serde::Serialize;

use super::{Outcome, PublishEnv};
use crate::error::UserError;

/// The environment variable with a token that may push to the tap.
pub const TOKEN_VAR: &str = "HOMEBREW_TAP_TOKEN";
/// Overrides the tap's clone URL (a mirror, or a local repository in tests).
pub const REMOTE_VAR: &str = "CONSIGN_HOMEBREW_TAP_URL";

/// How many times a push that lost a race is redone on the new tip.
const PUSH_ATTEMPTS: usize = 3;

/// Commit formulas to a tap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TapPublish {
    /// `owner/homebrew-name`.
    pub tap: String,
    /// The repository to clone and push to.
    pub remote: String,
    /// The formula files (artifact names in the distrib directory), each
    /// committed as `Formula/{file}`.
    pub formulas: Vec<String>,
    /// The commit message.
    pub message: String,
}

/// Plan the tap commits: `formulas` are (tap, formula file) for every
/// Homebrew installer of the announcement; `web_base` is the forge's web
/// URL (`https://github.com`).
pub fn plan(formulas: &[(String, String)], web_base: &str, tag: &str) -> Vec<TapPublish> {
    let mut steps: Vec<TapPublish> = Vec::new();
    for (tap, file) in formulas {
        match steps.iter_mut().find(|s| &s.tap == tap) {
            Some(step) => step.formulas.push(file.clone()),
            None => steps.push(TapPublish {
                tap: tap.clone(),
                remote: format!("{}/{tap}.git", web_base.trim_end_matches('/')),
                formulas: vec![file.clone()],
                message: String::new(),
            }),
        }
    }
    for step in &mut steps {
        step.formulas.sort();
        step.formulas.dedup();
        let names: Vec<&str> = step
            .formulas
            .iter()
            .map(|f| f.trim_end_matches(".rb"))
            .collect();
        step.message = format!("{} {tag}", names.join(", "));
    }
    steps
}

/// `brew install owner/name/formula` for the tap repository
/// `owner/homebrew-name`. Homebrew finds a tap by that prefix: a repository
/// without it has to be tapped with its URL first, so it gets no hint (and
/// the planner warns).
pub fn install_hint(tap: &str, formula: &str) -> Result<Option<String>, String> {
    let valid_part = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let parts: Vec<&str> = tap.split('/').collect();
    let [owner, repo] = parts.as_slice() else {
        return Err(format!("the tap `{tap}` is not `owner/repository`"));
    };
    if !valid_part(owner) || !valid_part(repo) {
        return Err(format!("the tap `{tap}` is not `owner/repository`"));
    }
    Ok(repo
        .strip_prefix("homebrew-")
        .filter(|short| !short.is_empty())
        .map(|short| format!("brew install {owner}/{short}/{formula}")))
}

/// The workflow job: needs a `tap` and an app with the `homebrew`
/// installer; pushes with `HOMEBREW_TAP_TOKEN`.
pub fn ci_job(
    tap: Option<&str>,
    has_installer: &dyn Fn(crate::project::config::InstallerKind) -> bool,
) -> Result<super::CiJob, super::CiProblem> {
    const KEY: &[&str] = &["publish-jobs", "homebrew"];
    let Some(tap) = tap else {
        return Err(Box::new((
            KEY,
            UserError::new("`publish-jobs` lists `homebrew`, but no `tap` is set to publish to")
                .hint("add `tap = \"owner/homebrew-tap\"` to the dist config"),
        )));
    };
    if !has_installer(crate::project::config::InstallerKind::Homebrew) {
        return Err(Box::new((
            KEY,
            UserError::new(
                "`publish-jobs` lists `homebrew`, but no app has the `homebrew` installer",
            )
            .hint("add \"homebrew\" to `installers`, or remove it from `publish-jobs`"),
        )));
    }
    Ok(super::CiJob {
        channel: "homebrew",
        step: "Commit the formulae to the tap",
        subject: Some(tap.to_string()),
        comment: &[],
        secrets: &[TOKEN_VAR],
        node: false,
        release_files: true,
        oidc: false,
    })
}

/// Carry out a [`TapPublish`]: look (clone and compare), act (commit and
/// push what changed), record (the journal).
pub fn execute(step: &TapPublish, env: &PublishEnv<'_>) -> Result<Outcome, UserError> {
    let mut wanted = Vec::new();
    for file in &step.formulas {
        let path = env.dist.join(file);
        let text = std::fs::read(&path).map_err(|e| {
            UserError::new(format!("cannot read the formula `{}`: {e}", path.display()))
                .hint("build the installers first: `consign build --artifacts=global` (in CI, the publish job downloads them)")
        })?;
        wanted.push((file.clone(), text));
    }
    let remote = env.var(REMOTE_VAR).unwrap_or_else(|| step.remote.clone());
    // The tap's own token, else the GitHub token as every command reads it.
    let token = env.var(TOKEN_VAR).or_else(|| {
        env.env
            .github_token()
            .map(|t| t.secret_for_header().to_string())
    });
    let git = Git {
        token: token.as_deref(),
        env: env.env,
    };
    let work = tempfile::Builder::new()
        .prefix("consign-tap-")
        .tempdir()
        .map_err(|e| UserError::new(format!("cannot make a temporary directory: {e}")))?;
    let dir = work.path().join("tap");
    let id = format!("homebrew:{}", step.tap);

    for attempt in 1..=PUSH_ATTEMPTS {
        // Look.
        if dir.exists() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        git.run(
            work.path(),
            &["clone", "--quiet", "--depth", "1", "--no-tags", &remote, "tap"],
            &format!("clone the tap `{}`", step.tap),
        )
        .map_err(|e| {
            e.hint(format!(
                "check that `{}` exists and that `{TOKEN_VAR}` may read it (a token with `contents: write` on the tap repository)",
                step.tap
            ))
        })?;
        let changed: Vec<&(String, Vec<u8>)> = wanted
            .iter()
            .filter(|(file, text)| {
                std::fs::read(dir.join("Formula").join(file)).ok().as_ref() != Some(text)
            })
            .collect();
        if changed.is_empty() {
            let detail = format!("{} already has {}", step.tap, step.formulas.join(", "));
            record(env, &id, &detail)?;
            return Ok(Outcome::AlreadyThere(detail));
        }
        let names: Vec<&str> = changed.iter().map(|(f, _)| f.as_str()).collect();
        if env.dry_run {
            return Ok(Outcome::WouldPublish(format!(
                "would commit {} to {}",
                names.join(", "),
                step.tap
            )));
        }
        // Act.
        let formula_dir = dir.join("Formula");
        std::fs::create_dir_all(&formula_dir).map_err(|e| {
            UserError::new(format!("cannot create `{}`: {e}", formula_dir.display()))
        })?;
        for (file, text) in &changed {
            crate::build::checksum::write_atomic(&formula_dir.join(file), text).map_err(|e| {
                UserError::new(format!("cannot write `{file}` into the tap checkout: {e}"))
            })?;
        }
        let mut add = vec!["add", "--"];
        let paths: Vec<String> = names.iter().map(|n| format!("Formula/{n}")).collect();
        add.extend(paths.iter().map(String::as_str));
        git.run(&dir, &add, "stage the formulas")?;
        git.run(
            &dir,
            &["commit", "--quiet", "-m", &step.message],
            "commit the formulas",
        )?;
        let branch = git
            .run(
                &dir,
                &["symbolic-ref", "--short", "HEAD"],
                "find the tap's branch",
            )?
            .trim()
            .to_string();
        match git.run(
            &dir,
            &["push", "--quiet", "origin", &format!("HEAD:refs/heads/{branch}")],
            &format!("push to the tap `{}`", step.tap),
        ) {
            Ok(_) => {
                let commit = git.run(&dir, &["rev-parse", "HEAD"], "read the commit")?;
                let detail = format!(
                    "committed {} to {} ({})",
                    names.join(", "),
                    step.tap,
                    &commit.trim()[..12.min(commit.trim().len())]
                );
                // Record.
                record(env, &id, &detail)?;
                return Ok(Outcome::Published(detail));
            }
            Err(e) if attempt < PUSH_ATTEMPTS => {
                (env.report)(&format!(
                    "the push to {} was refused ({}); looking again",
                    step.tap, e.message
                ));
            }
            Err(e) => {
                return Err(e.hint(format!(
                    "check that `{TOKEN_VAR}` may push to `{}`; rerun `consign publish` to try again (nothing is pushed twice)",
                    step.tap
                )))
            }
        }
    }
    unreachable!("the last attempt returns")
}

fn record(env: &PublishEnv<'_>, id: &str, detail: &str) -> Result<(), UserError> {
    let done = detail.to_string();
    env.journal
        .record("publish", &format!("{id}: {detail}"), |d| {
            d.channels.insert(id.to_string(), done);
        })
}

/// git with the token passed as an HTTP header through git's environment
/// config, so it is on no command line and in no file.
struct Git<'a> {
    token: Option<&'a str>,
    /// For the identity variables the user already set.
    env: &'a crate::settings::Environment,
}

impl Git<'_> {
    fn run(&self, dir: &Path, args: &[&str], what: &str) -> Result<String, UserError> {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        for (var, default) in [
            ("GIT_AUTHOR_NAME", "github-actions[bot]"),
            (
                "GIT_AUTHOR_EMAIL",
                "41898282+github-actions[bot]@users.noreply.github.com",
            ),
            ("GIT_COMMITTER_NAME", "github-actions[bot]"),
            (
                "GIT_COMMITTER_EMAIL",
                "41898282+github-actions[bot]@users.noreply.github.com",
            ),
        ] {
            if !self.env.is_set(var) {
                cmd.env(var, default);
            }
        }
        if let Some(token) = self.token {
            use base64::Engine as _;
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
            cmd.env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", "http.extraHeader")
                .env(
                    "GIT_CONFIG_VALUE_0",
                    format!("Authorization: Basic {basic}"),
                );
        }
        let out: Output = cmd.output().map_err(|e| {
            UserError::new(format!("cannot run `git` to {what}: {e}")).hint("install git")
        })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let mut stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if let Some(token) = self.token {
            stderr = stderr.replace(token, "***");
        }
        Err(UserError::new(format!(
            "cannot {what}: `git {}` failed: {stderr}",
            args[0]
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_per_tap_with_every_formula() {
        let steps = plan(
            &[
                ("o/homebrew-tap".into(), "b.rb".into()),
                ("o/homebrew-other".into(), "c.rb".into()),
                ("o/homebrew-tap".into(), "a.rb".into()),
            ],
            "https://github.com/",
            "v1.0.0",
        );
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].formulas, ["a.rb", "b.rb"]);
        assert_eq!(steps[0].remote, "https://github.com/o/homebrew-tap.git");
        assert_eq!(steps[0].message, "a, b v1.0.0");
        assert_eq!(steps[1].formulas, ["c.rb"]);
    }

    #[test]
    fn tap_hints() {
        assert_eq!(
            install_hint("acme/homebrew-tap", "t").unwrap().as_deref(),
            Some("brew install acme/tap/t")
        );
        assert_eq!(install_hint("acme/formulas", "t").unwrap(), None);
        assert_eq!(install_hint("acme/homebrew-", "t").unwrap(), None);
        for bad in ["acme", "a/b/c", "/x", "a b/c"] {
            assert!(install_hint(bad, "t").is_err(), "{bad}");
        }
    }
}
