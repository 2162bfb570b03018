//! The crates.io channel: publishing the workspace's crates to a cargo
//! registry (crates.io or another, per cargo's conventions).
//!
//! - [`plan`] (pure) turns the workspace and what the registry's index
//!   already holds into typed [`CrateStep`]s in dependency order, the members
//!   it skips and why, and every pre-publish problem at once.
//! - [`index`] reads the sparse index (the truth about what is published),
//!   [`registry`] uploads (`PUT /api/v1/crates/new`), [`schedule`] runs the
//!   steps in parallel by readiness, and [`status`] is `publish-status`.
//!
//! **Invariant:** nothing is uploaded before the index was asked whether the
//! version exists; a rerun after any failure uploads only what is missing.

pub mod graph;
pub mod index;
pub mod journal;
pub mod registry;
pub mod schedule;
pub mod status;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::project::Package;

/// The channel's name for `consign publish --only`.
pub const CHANNEL: &str = "crates";

/// The name cargo gives crates.io in `package.publish` lists.
pub const CRATES_IO: &str = "crates-io";

/// Whether a crate is new to the registry or a new version of a known one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublishKind {
    /// The registry has no version of it (crates.io: needs an API token,
    /// trusted publishing cannot create crates).
    New,
    /// The registry has other versions.
    Update,
}

/// One crate to publish: the unit `schedule` carries out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrateStep {
    /// The package name.
    pub name: String,
    /// The version to publish.
    pub version: semver::Version,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Members it waits for (they are published, or steps in this plan).
    pub deps: Vec<String>,
    /// New crate or update.
    pub kind: PublishKind,
}

/// A member that is not published, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: semver::Version,
    /// Why.
    pub reason: String,
}

/// What the registry already holds for one crate (from its index entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Remote {
    /// Every version in the index (yanked ones included: they cannot be
    /// published again).
    pub versions: Vec<semver::Version>,
}

/// The publish plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PublishPlan {
    /// Crates to publish, dependencies first.
    pub steps: Vec<CrateStep>,
    /// Members at a version the registry already has.
    pub present: Vec<Skipped>,
    /// Members not published to this registry.
    pub skipped: Vec<Skipped>,
    /// Problems that stop the publish (all of them).
    pub problems: Vec<String>,
    /// Things worth fixing that do not stop it.
    pub warnings: Vec<String>,
}

/// The workflow job (`publish-crates = true`): an API token in
/// `CARGO_REGISTRY_TOKEN`, else crates.io trusted publishing with the job's
/// OIDC token.
pub fn ci_job() -> super::CiJob {
    super::CiJob {
        channel: CHANNEL,
        step: "Publish the crates (dependencies first; a rerun sends only what is missing)",
        subject: None,
        comment: &[
            "With no `CARGO_REGISTRY_TOKEN` secret, consign uses crates.io trusted",
            "publishing (this job's OIDC token); new crates need the secret.",
        ],
        secrets: &["CARGO_REGISTRY_TOKEN"],
        node: false,
        release_files: false,
        oidc: true,
    }
}

/// Whether `pkg` may go to `registry` (`crates-io` or a name from
/// `.cargo/config.toml`), and if not, why.
pub fn allowed(pkg: &Package, registry: &str) -> Result<(), String> {
    match &pkg.registry.publish {
        None => Ok(()),
        Some(list) if list.is_empty() => Err("`publish = false`".to_string()),
        Some(list) if list.iter().any(|r| r == registry) => Ok(()),
        Some(list) => Err(format!(
            "`publish = [{}]` does not include `{registry}`",
            list.iter()
                .map(|r| format!("\"{r}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Plan publishing `packages` (workspace members) to `registry`, given what
/// its index holds (`remote`: crates with no entry are absent). Pure.
pub fn plan(
    packages: &[Package],
    registry: &str,
    remote: &BTreeMap<String, Remote>,
) -> Result<PublishPlan, crate::error::UserError> {
    let mut out = PublishPlan::default();
    let members: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let mut publishable: Vec<&Package> = Vec::new();
    for p in packages {
        match allowed(p, registry) {
            Ok(()) => publishable.push(p),
            Err(reason) => out.skipped.push(Skipped {
                name: p.name.clone(),
                version: p.version.clone(),
                reason,
            }),
        }
    }
    let names: Vec<String> = publishable.iter().map(|p| p.name.clone()).collect();
    let deps: BTreeMap<String, Vec<String>> = publishable
        .iter()
        .map(|p| (p.name.clone(), graph::member_deps(p, &members)))
        .collect();
    let order = graph::topo_order(&names, &deps)?;
    let by_name: BTreeMap<&str, &Package> = packages.iter().map(|p| (p.name.as_str(), p)).collect();
    for name in order {
        let p = by_name[name.as_str()];
        let held = remote.get(&name);
        if held.is_some_and(|r| r.versions.contains(&p.version)) {
            out.present.push(Skipped {
                name: name.clone(),
                version: p.version.clone(),
                reason: "already in the registry".into(),
            });
            continue;
        }
        check(p, registry, &by_name, &mut out);
        out.steps.push(CrateStep {
            name: name.clone(),
            version: p.version.clone(),
            manifest_path: p.manifest_path.clone(),
            deps: deps[&name].clone(),
            kind: if held.is_some_and(|r| !r.versions.is_empty()) {
                PublishKind::Update
            } else {
                PublishKind::New
            },
        });
    }
    Ok(out)
}

/// The pre-publish checks of one crate, added to `out`.
fn check(p: &Package, registry: &str, by_name: &BTreeMap<&str, &Package>, out: &mut PublishPlan) {
    let manifest = p.manifest_path.display();
    let mut missing = Vec::new();
    if p.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
        missing.push("`description`");
    }
    if p.license.is_none() && p.license_file.is_none() {
        missing.push("`license` (or `license-file`)");
    }
    if p.repository.is_none() {
        missing.push("`repository`");
    }
    if !missing.is_empty() {
        out.problems.push(format!(
            "`{}` (`{manifest}`) lacks {} in `[package]`",
            p.name,
            missing.join(", ")
        ));
    }
    for d in &p.registry.dependencies {
        let Some(member) = by_name.get(d.name.as_str()) else {
            continue;
        };
        if d.path.is_none() || d.source.is_some() || !graph::is_kept(d) {
            continue;
        }
        let kind = d.kind.as_deref().map_or(String::new(), |k| format!("{k}-"));
        if graph::is_versionless_path(d) {
            out.problems.push(format!(
                "`{}` (`{manifest}`) has the {kind}dependency `{}` by path only; a published crate needs `version = \"{}\"` beside `path`",
                p.name, d.name, member.version
            ));
        } else if let Err(reason) = allowed(member, registry) {
            out.problems.push(format!(
                "`{}` (`{manifest}`) needs the {kind}dependency `{}`, which is not published to `{registry}` ({reason})",
                p.name, d.name
            ));
        }
    }
    if p.registry.rust_version.is_none() {
        out.warnings.push(format!(
            "`{}` (`{manifest}`) declares no `rust-version`; users of older toolchains get build errors instead of a clear message",
            p.name
        ));
    }
}

/// How long crates.io's published rate limits make publishing `new` new
/// crates and `updates` new versions take: new crates burst 5 then one per
/// 10 minutes; new versions burst 30 then one per minute. The two limits
/// run side by side.
pub fn rate_limit_forecast(new: usize, updates: usize) -> Duration {
    let new_wait = Duration::from_secs(600) * new.saturating_sub(5) as u32;
    let update_wait = Duration::from_secs(60) * updates.saturating_sub(30) as u32;
    new_wait.max(update_wait)
}

/// `rate_limit_forecast` in words.
pub fn describe_forecast(new: usize, updates: usize) -> String {
    let wait = rate_limit_forecast(new, updates);
    let minutes = wait.as_secs().div_ceil(60);
    let what = format!(
        "{new} new crate{} and {updates} update{}",
        if new == 1 { "" } else { "s" },
        if updates == 1 { "" } else { "s" }
    );
    if minutes == 0 {
        format!("{what}: within crates.io's rate limits (bursts of 5 new crates, 30 updates)")
    } else {
        format!("{what}: crates.io's rate limits (new crates: 5, then 1 per 10 minutes; updates: 30, then 1 per minute) make this take about {minutes} minutes")
    }
}

#[cfg(test)]
mod tests;
