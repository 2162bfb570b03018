//! The npm channel: publish each app's npm package to a registry.
//!
//! - **Settings:** `npm-scope`, `npm-package`, and `npm` in `publish-jobs`.
//! - **Plan:** one [`NpmPublish`] per npm package, with its registry and
//!   dist-tag (`next` for a prerelease, so `npm install` keeps the stable
//!   version).
//! - **Execute:** ask the registry for the package document (the
//!   "packument"). If the version is there with the same tarball
//!   (`dist.integrity`), nothing is sent; if it is there with other contents,
//!   that is an error, because npm never lets a version be replaced.
//!   Otherwise run `npm publish`, and after any failure look again before
//!   saying it failed: a publish whose reply was lost may have landed.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest as _, Sha512};

use super::{Outcome, PublishEnv};
use crate::error::UserError;

/// The public registry.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org";
/// The environment variables a token is taken from, in order.
pub const TOKEN_VARS: [&str; 2] = ["NPM_TOKEN", "NODE_AUTH_TOKEN"];

/// Publish one npm package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NpmPublish {
    /// The package name (`@scope/name` or `name`).
    pub package: String,
    /// The version.
    pub version: String,
    /// The package tarball (an artifact name in the distrib directory).
    pub tarball: String,
    /// The registry URL, without a trailing slash.
    pub registry: String,
    /// The dist-tag: `latest`, or `next` for a prerelease.
    pub dist_tag: String,
}

/// Plan a publish of `package` at `version` from `tarball`.
pub fn plan(package: &str, version: &str, tarball: &str, registry: Option<&str>) -> NpmPublish {
    let prerelease = semver::Version::parse(version).is_ok_and(|v| !v.pre.is_empty());
    NpmPublish {
        package: package.to_string(),
        version: version.to_string(),
        tarball: tarball.to_string(),
        registry: registry
            .unwrap_or(DEFAULT_REGISTRY)
            .trim_end_matches('/')
            .to_string(),
        dist_tag: if prerelease { "next" } else { "latest" }.to_string(),
    }
}

/// What the registry says of a version.
#[derive(Debug, PartialEq, Eq)]
enum Remote {
    /// The package or the version does not exist.
    Absent,
    /// The version exists, with this `dist.integrity`.
    Present(Option<String>),
}

/// The workflow job: needs an app with the `npm` installer; runs
/// `npm publish` (Node) with `NPM_TOKEN`.
pub fn ci_job(
    has_installer: &dyn Fn(crate::project::config::InstallerKind) -> bool,
) -> Result<super::CiJob, super::CiProblem> {
    if !has_installer(crate::project::config::InstallerKind::Npm) {
        return Err(Box::new((
            &["publish-jobs", "npm"],
            UserError::new("`publish-jobs` lists `npm`, but no app has the `npm` installer")
                .hint("add \"npm\" to `installers`, or remove it from `publish-jobs`"),
        )));
    }
    Ok(super::CiJob {
        channel: "npm",
        step: "Publish the npm packages",
        subject: None,
        comment: &[],
        secrets: &["NPM_TOKEN"],
        node: true,
        release_files: true,
        oidc: false,
    })
}

/// Carry out an [`NpmPublish`].
pub fn execute(step: &NpmPublish, env: &PublishEnv<'_>) -> Result<Outcome, UserError> {
    let path = env.dist.join(&step.tarball);
    let bytes = std::fs::read(&path).map_err(|e| {
        UserError::new(format!("cannot read the npm package `{}`: {e}", path.display()))
            .hint("build the installers first: `consign build --artifacts=global` (in CI, the publish job downloads them)")
    })?;
    let integrity = integrity(&bytes);
    let token = TOKEN_VARS.iter().find_map(|v| env.var(v));
    let id = format!("npm:{}@{}", step.package, step.version);
    let check = |remote: Remote| -> Result<Option<Outcome>, UserError> {
        match remote {
            Remote::Absent => Ok(None),
            Remote::Present(Some(theirs)) if theirs != integrity => Err(UserError::new(format!(
                "{}@{} is already on {} with different contents",
                step.package, step.version, step.registry
            ))
            .hint("npm never replaces a published version: release a new version")),
            Remote::Present(_) => Ok(Some(Outcome::AlreadyThere(format!(
                "{}@{} is already on {}",
                step.package, step.version, step.registry
            )))),
        }
    };
    // Look.
    if let Some(done) = check(look(step, token.as_deref())?)? {
        record(env, &id, done.detail())?;
        return Ok(done);
    }
    if env.dry_run {
        return Ok(Outcome::WouldPublish(format!(
            "would publish {}@{} to {} (tag `{}`)",
            step.package, step.version, step.registry, step.dist_tag
        )));
    }
    // Act.
    let published = npm_publish(step, &path, token.as_deref());
    // Record, after looking again when npm said it failed.
    match published {
        Ok(()) => {
            let detail = format!(
                "published {}@{} to {}",
                step.package, step.version, step.registry
            );
            record(env, &id, &detail)?;
            Ok(Outcome::Published(detail))
        }
        Err(e) => match check(look(step, token.as_deref())?)? {
            Some(_) => {
                let detail = format!(
                    "published {}@{} to {} (npm reported an error, but the registry has it)",
                    step.package, step.version, step.registry
                );
                record(env, &id, &detail)?;
                Ok(Outcome::Published(detail))
            }
            None => Err(e),
        },
    }
}

fn record(env: &PublishEnv<'_>, id: &str, detail: &str) -> Result<(), UserError> {
    let done = detail.to_string();
    env.journal
        .record("publish", &format!("{id}: {detail}"), |d| {
            d.channels.insert(id.to_string(), done);
        })
}

/// `sha512-{base64}`, as npm writes `dist.integrity`.
fn integrity(bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    )
}

/// The packument URL: a scoped name's `/` is escaped.
fn packument_url(registry: &str, package: &str) -> String {
    format!("{registry}/{}", package.replace('/', "%2f"))
}

fn look(step: &NpmPublish, token: Option<&str>) -> Result<Remote, UserError> {
    let url = packument_url(&step.registry, &step.package);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut last = String::new();
    for attempt in 0..4u32 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(250 << attempt));
        }
        let mut req = agent.get(&url).header("Accept", "application/json");
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        match req.call() {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if status == 404 {
                    return Ok(Remote::Absent);
                }
                if status >= 500 || status == 429 {
                    last = format!("HTTP {status}");
                    continue;
                }
                let body = resp.body_mut().read_to_string().unwrap_or_default();
                if status != 200 {
                    return Err(UserError::new(format!(
                        "the npm registry answered HTTP {status} for `{url}`: {}",
                        body.chars().take(300).collect::<String>()
                    ))
                    .hint("check the registry URL (`npm-registry`) and the token in `NPM_TOKEN`"));
                }
                let doc: serde_json::Value = serde_json::from_str(&body).map_err(|e| {
                    UserError::new(format!(
                        "the npm registry's answer for `{url}` is not JSON: {e}"
                    ))
                })?;
                return Ok(
                    match doc.get("versions").and_then(|v| v.get(&step.version)) {
                        None => Remote::Absent,
                        Some(v) => Remote::Present(
                            v.pointer("/dist/integrity")
                                .and_then(|i| i.as_str())
                                .map(str::to_string),
                        ),
                    },
                );
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(UserError::new(format!(
        "cannot ask the npm registry about {}: `{url}`: {last}",
        step.package
    ))
    .hint("rerun `consign publish` when the registry answers; nothing is published twice"))
}

/// `npm publish` with a throwaway user config whose auth line names an
/// environment variable, so the token is in no file and on no command line.
fn npm_publish(step: &NpmPublish, tarball: &Path, token: Option<&str>) -> Result<(), UserError> {
    let work = tempfile::tempdir()
        .map_err(|e| UserError::new(format!("cannot make a temporary directory: {e}")))?;
    let npmrc = work.path().join(".npmrc");
    let host_path = step
        .registry
        .split_once("://")
        .map_or(step.registry.as_str(), |(_, rest)| rest);
    let mut rc = format!("registry={}/\n", step.registry);
    if token.is_some() {
        rc.push_str(&format!(
            "//{host_path}/:_authToken=${{CONSIGN_NPM_TOKEN}}\n"
        ));
    }
    std::fs::write(&npmrc, rc)
        .map_err(|e| UserError::new(format!("cannot write `{}`: {e}", npmrc.display())))?;
    let mut cmd = Command::new("npm");
    cmd.current_dir(work.path())
        .arg("publish")
        .arg(tarball)
        .args(["--registry", &format!("{}/", step.registry)])
        .args(["--tag", &step.dist_tag])
        .args(["--access", "public"])
        .env("npm_config_userconfig", &npmrc)
        .env("npm_config_cache", work.path().join("cache"))
        // consign decides about retrying, after looking at the registry.
        .env("npm_config_fetch_retries", "0")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false");
    if let Some(t) = token {
        cmd.env("CONSIGN_NPM_TOKEN", t);
    }
    let out = cmd.output().map_err(|e| {
        UserError::new(format!("cannot run `npm publish`: {e}"))
            .hint("install Node.js and npm (in CI: `actions/setup-node`)")
    })?;
    if out.status.success() {
        return Ok(());
    }
    let mut stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if let Some(t) = token {
        stderr = stderr.replace(t, "***");
    }
    let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
    Err(UserError::new(format!(
        "`npm publish` of {}@{} failed:\n{}",
        step.package,
        step.version,
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    ))
    .hint(format!(
        "check `NPM_TOKEN` (a token that may publish `{}`) and rerun `consign publish`; nothing is published twice",
        step.package
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prereleases_go_to_next() {
        assert_eq!(plan("a", "1.0.0", "a.tgz", None).dist_tag, "latest");
        let p = plan("@s/a", "1.0.0-rc.1", "a.tgz", Some("http://r/x/"));
        assert_eq!(p.dist_tag, "next");
        assert_eq!(p.registry, "http://r/x");
        assert_eq!(packument_url(&p.registry, &p.package), "http://r/x/@s%2fa");
    }

    #[test]
    fn integrity_is_npm_shaped() {
        // `echo -n abc | openssl dgst -sha512 -binary | base64`
        assert_eq!(
            integrity(b"abc"),
            "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="
        );
    }
}
