//! `consign publish-status`: per crate, the local version, the registry's
//! latest, and what publishing it takes; cached.
//!
//! The cache (`{target}/consign/publish-status.json`) is keyed by a
//! fingerprint of every member `Cargo.toml`, the root manifest, `Cargo.lock`,
//! git `HEAD` and the registry, and lives 15 minutes. A warm read needs
//! neither `cargo metadata` nor the network: the cache lists the manifests
//! to hash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{plan, PublishKind, Remote};
use crate::project::Package;
use crate::settings::Environment;

/// How long a cached status is trusted.
pub const TTL: Duration = Duration::from_secs(15 * 60);

/// One crate's line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The package name.
    pub name: String,
    /// The workspace's version.
    pub local: String,
    /// The registry's highest version, if any.
    pub registry: Option<String>,
    /// `published`, `update` (needs publishing), `new` (needs publishing and,
    /// on crates.io, an API token: trusted publishing cannot create crates),
    /// or `not-published` (not for this registry).
    pub state: String,
    /// Crates that must be published first, and anything else in the way.
    #[serde(default)]
    pub blocked_by: Vec<String>,
}

/// The whole status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `crates-io` or the registry's name.
    pub registry: String,
    /// Crates, in publish order (then the ones that are not published).
    pub crates: Vec<Row>,
    /// New crates to publish.
    pub new: usize,
    /// Updates to publish.
    pub updates: usize,
    /// The rate-limit cost in words.
    pub rate_limit: String,
    /// Minutes crates.io's limits add.
    pub rate_limit_minutes: u64,
    /// Pre-publish problems.
    #[serde(default)]
    pub problems: Vec<String>,
    /// Whether this came from the cache.
    #[serde(default)]
    pub cached: bool,
}

/// The status of `packages` against `remote` (pure).
pub fn compute(
    packages: &[Package],
    registry: &str,
    remote: &BTreeMap<String, Remote>,
) -> Result<Status, crate::error::UserError> {
    let p = plan(packages, registry, remote)?;
    let latest = |name: &str| {
        remote
            .get(name)
            .and_then(|r| r.versions.iter().max())
            .map(ToString::to_string)
    };
    let pending: std::collections::BTreeSet<&str> =
        p.steps.iter().map(|s| s.name.as_str()).collect();
    let mut crates = Vec::new();
    for s in &p.steps {
        crates.push(Row {
            name: s.name.clone(),
            local: s.version.to_string(),
            registry: latest(&s.name),
            state: match s.kind {
                PublishKind::New => "new".into(),
                PublishKind::Update => "update".into(),
            },
            blocked_by: s
                .deps
                .iter()
                .filter(|d| pending.contains(d.as_str()))
                .cloned()
                .collect(),
        });
    }
    for s in &p.present {
        crates.push(Row {
            name: s.name.clone(),
            local: s.version.to_string(),
            registry: latest(&s.name),
            state: "published".into(),
            blocked_by: vec![],
        });
    }
    for s in &p.skipped {
        crates.push(Row {
            name: s.name.clone(),
            local: s.version.to_string(),
            registry: latest(&s.name),
            state: "not-published".into(),
            blocked_by: vec![s.reason.clone()],
        });
    }
    let new = p
        .steps
        .iter()
        .filter(|s| s.kind == PublishKind::New)
        .count();
    let updates = p.steps.len() - new;
    Ok(Status {
        registry: registry.to_string(),
        crates,
        new,
        updates,
        rate_limit: super::describe_forecast(new, updates),
        rate_limit_minutes: super::rate_limit_forecast(new, updates)
            .as_secs()
            .div_ceil(60),
        problems: p.problems,
        cached: false,
    })
}

/// The cache file.
#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    created: u64,
    fingerprint: String,
    /// The files hashed into the fingerprint.
    files: Vec<PathBuf>,
    status: Status,
}

/// Where the cache of the workspace at `root` lives: `$CARGO_TARGET_DIR`
/// (relative to `root`) or `{root}/target`, then `consign/`.
pub fn cache_path(root: &Path, env: &Environment) -> PathBuf {
    env.cargo_target_dir(root)
        .unwrap_or_else(|| root.join("target"))
        .join("consign")
        .join("publish-status.json")
}

/// The workspace root, found without cargo: the nearest `Cargo.toml` at or
/// above `start` that has a `[workspace]` table, else the nearest one.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                return Some(dir.to_path_buf());
            }
            nearest.get_or_insert_with(|| dir.to_path_buf());
        }
    }
    nearest
}

/// The fingerprint of `files` (contents, or their absence), `head` and `key`.
pub fn fingerprint(files: &[PathBuf], head: Option<&str>, key: &str) -> String {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update([0]);
        match std::fs::read(f) {
            Ok(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(_) => h.update(b"<absent>"),
        }
    }
    h.update(head.unwrap_or("<no git>").as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    hex::encode(h.finalize())
}

/// The files a status depends on: the root manifest, `Cargo.lock` and each
/// member's manifest.
pub fn watched_files(root: &Path, packages: &[Package]) -> Vec<PathBuf> {
    let mut files = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    for p in packages {
        if !files.contains(&p.manifest_path) {
            files.push(p.manifest_path.clone());
        }
    }
    files
}

/// A cached status for `root`, if one is fresh at `now` (unix seconds) for
/// registry `key` and git `head`.
pub fn read_cache(cache: &Path, key: &str, head: Option<&str>, now: u64) -> Option<Status> {
    let bytes = std::fs::read(cache).ok()?;
    let cache: CacheFile = serde_json::from_slice(&bytes).ok()?;
    if now.saturating_sub(cache.created) >= TTL.as_secs() || cache.created > now + 60 {
        return None;
    }
    if fingerprint(&cache.files, head, key) != cache.fingerprint {
        return None;
    }
    let mut status = cache.status;
    status.cached = true;
    Some(status)
}

/// Write the cache (atomically); a failure is returned for a warning.
pub fn write_cache(
    path: &Path,
    files: Vec<PathBuf>,
    key: &str,
    head: Option<&str>,
    now: u64,
    status: &Status,
) -> Result<(), String> {
    let cache = CacheFile {
        created: now,
        fingerprint: fingerprint(&files, head, key),
        files,
        status: status.clone(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    let text = serde_json::to_vec_pretty(&cache).expect("the cache serializes");
    crate::build::checksum::write_atomic(path, &text)
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}
