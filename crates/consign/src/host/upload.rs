//! The upload step: which local files go up, what to do about each one given
//! what the release already holds ([`decide`], pure), and the parallel,
//! bounded uploads themselves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use consign_manifest::DistManifest;
use serde::Serialize;

use super::github::{upload_url, Body, Client, Failure, Method, RemoteAsset, RemoteRelease};
use super::journal::{AssetRecord, AssetState, Journal};
use super::Progress;
use crate::build::checksum::hash_file;
use crate::error::UserError;
use crate::project::config::ChecksumAlgorithm;

/// A file in `target/distrib` that belongs in the release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalAsset {
    /// The asset name (the artifact id).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// What to do with one asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Upload it; nothing of that name is there.
    Upload,
    /// Already there and identical.
    Skip {
        /// The remote asset id.
        id: u64,
    },
    /// A broken upload (`starter` state) is in the way: delete, then upload.
    Repair {
        /// The remote asset id.
        id: u64,
    },
    /// Different contents are there, and `--replace` was given.
    Replace {
        /// The remote asset id.
        id: u64,
    },
    /// Different contents are there and we may not replace them.
    Conflict {
        /// Why they differ.
        why: String,
    },
}

/// How one asset's upload ended, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AssetOutcome {
    /// The asset name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// `uploaded`, `skipped`, `repaired`, `replaced`.
    pub outcome: String,
}

/// The files to upload: every artifact of the manifest, and the manifest
/// itself, hashed (on `threads` threads). A missing file, or one whose
/// checksum differs from the manifest's, is an error.
pub fn local_assets(
    dist: &Path,
    manifest: &DistManifest,
    threads: usize,
) -> Result<Vec<LocalAsset>, UserError> {
    let mut wanted: Vec<(String, PathBuf, Option<&str>)> = Vec::new();
    let mut missing = Vec::new();
    for (name, artifact) in &manifest.artifacts {
        let path = dist.join(name);
        if path.is_file() {
            let known = artifact.checksums.get("sha256").map(String::as_str);
            wanted.push((name.clone(), path, known));
        } else {
            missing.push(name.as_str());
        }
    }
    if !missing.is_empty() {
        return Err(UserError::new(format!(
            "the manifest lists files that are not in `{}`: {}",
            dist.display(),
            crate::error::list(&missing)
        ))
        .hint("download every build machine's artifacts into `target/distrib` (or run `consign build --artifacts=all`) before hosting"));
    }
    wanted.push((
        "dist-manifest.json".to_string(),
        dist.join("dist-manifest.json"),
        None,
    ));
    let next = Mutex::new(wanted.iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, wanted.len().max(1)) {
            s.spawn(|| loop {
                let item = next.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some((name, path, known)) = item else {
                    break;
                };
                let result = hash_one(name, path, *known);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(result);
            });
        }
    });
    let mut assets = results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    assets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(assets)
}

fn hash_one(name: &str, path: &Path, known: Option<&str>) -> Result<LocalAsset, UserError> {
    let size = std::fs::metadata(path)
        .map_err(|e| UserError::new(format!("cannot read `{}`: {e}", path.display())))?
        .len();
    let sha256 = hash_file(path, ChecksumAlgorithm::Sha256)
        .map_err(|e| UserError::new(format!("cannot hash `{}`: {e}", path.display())))?;
    if let Some(known) = known {
        if !known.eq_ignore_ascii_case(&sha256) {
            return Err(UserError::new(format!(
                "`{}` has SHA-256 `{sha256}`, but the manifest records `{known}`",
                path.display()
            ))
            .hint("the file changed after `consign build` wrote the manifest; build again, or restore the built file"));
        }
    }
    Ok(LocalAsset {
        name: name.to_string(),
        path: path.to_path_buf(),
        size,
        sha256,
    })
}

/// Whether `remote` holds exactly `local`: uploaded, the same size, and the
/// same SHA-256 when GitHub reports a digest (else when our journal recorded
/// uploading these bytes as this asset).
pub fn same(local: &LocalAsset, remote: &RemoteAsset, journal: Option<&AssetRecord>) -> bool {
    if remote.state != "uploaded" || remote.size != local.size {
        return false;
    }
    match remote
        .digest
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
    {
        Some(hex) => hex.eq_ignore_ascii_case(&local.sha256),
        None => journal.is_none_or(|r| {
            r.asset_id != Some(remote.id) || r.sha256.eq_ignore_ascii_case(&local.sha256)
        }),
    }
}

/// Decide, for each local asset, what to do given the remote assets.
pub fn decide(
    local: &[LocalAsset],
    remote: &[RemoteAsset],
    journal: &BTreeMap<String, AssetRecord>,
    replace: bool,
) -> Vec<Action> {
    local
        .iter()
        .map(|l| {
            let Some(r) = remote.iter().find(|r| r.name == l.name) else {
                return Action::Upload;
            };
            if same(l, r, journal.get(&l.name)) {
                Action::Skip { id: r.id }
            } else if r.state != "uploaded" {
                Action::Repair { id: r.id }
            } else if replace {
                Action::Replace { id: r.id }
            } else {
                let why = if r.size != l.size {
                    format!("{} bytes there, {} here", r.size, l.size)
                } else {
                    let theirs = r.digest.as_deref().unwrap_or("another checksum");
                    format!("{theirs} there, sha256:{} here", l.sha256)
                };
                Action::Conflict { why }
            }
        })
        .collect()
}

/// Upload what `actions` say, `concurrency` at a time. Returns each asset's
/// outcome; on failures, the first error after every upload has ended.
pub fn run(
    client: &Client,
    journal: &Journal,
    release: &RemoteRelease,
    work: &[(LocalAsset, Action)],
    concurrency: usize,
    progress: &dyn Progress,
) -> Result<Vec<AssetOutcome>, UserError> {
    let next = Mutex::new(work.iter());
    let outcomes = Mutex::new(Vec::new());
    let errors: Mutex<Vec<UserError>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..concurrency.clamp(1, work.len().max(1)) {
            s.spawn(|| loop {
                let item = next.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some((local, action)) = item else {
                    break;
                };
                match one(client, journal, release, local, action, progress) {
                    Ok(outcome) => outcomes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(outcome),
                    Err(e) => {
                        let _ = journal.record(
                            "upload",
                            &format!("{} failed: {}", local.name, e.message),
                            |d| {
                                d.assets.entry(local.name.clone()).or_default().state =
                                    AssetState::Failed
                            },
                        );
                        progress.upload_end(&local.name, "failed");
                        errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    if !errors.is_empty() {
        let n = errors.len();
        let mut first = errors.remove(0);
        if n > 1 {
            first.message = format!("{} (and {} more uploads failed)", first.message, n - 1);
        }
        return Err(first);
    }
    let mut outcomes = outcomes.into_inner().unwrap_or_else(|p| p.into_inner());
    outcomes.sort_by(|a: &AssetOutcome, b| a.name.cmp(&b.name));
    Ok(outcomes)
}

/// Carry out one asset's action.
fn one(
    client: &Client,
    journal: &Journal,
    release: &RemoteRelease,
    local: &LocalAsset,
    action: &Action,
    progress: &dyn Progress,
) -> Result<AssetOutcome, UserError> {
    let outcome = |what: &str| AssetOutcome {
        name: local.name.clone(),
        size: local.size,
        outcome: what.to_string(),
    };
    let record = |state: AssetState, id: Option<u64>| AssetRecord {
        state,
        size: local.size,
        sha256: local.sha256.clone(),
        asset_id: id,
    };
    let what = match action {
        Action::Skip { id } => {
            journal.record("upload", &format!("{} already there", local.name), |d| {
                d.assets
                    .insert(local.name.clone(), record(AssetState::Present, Some(*id)));
            })?;
            progress.upload_end(&local.name, "skipped");
            return Ok(outcome("skipped"));
        }
        Action::Conflict { why } => {
            return Err(UserError::new(format!(
                "the release already has a different `{}` ({why})",
                local.name
            ))
            .hint("pass `--replace` to replace it with the file in `target/distrib`, or rebuild the exact same file"))
        }
        Action::Upload => "uploaded",
        Action::Repair { .. } => "repaired",
        Action::Replace { .. } => "replaced",
    };
    if let Action::Repair { id } | Action::Replace { id } = action {
        delete_asset(client, *id, &local.name)?;
    }
    journal.record("upload", &format!("{} started", local.name), |d| {
        d.assets
            .insert(local.name.clone(), record(AssetState::Uploading, None));
    })?;
    progress.upload_start(&local.name, local.size);
    let asset = upload_with_recheck(client, release, local, progress)?;
    journal.record("upload", &format!("{} {what}", local.name), |d| {
        d.assets.insert(
            local.name.clone(),
            record(AssetState::Uploaded, Some(asset.id)),
        );
    })?;
    progress.upload_end(&local.name, what);
    Ok(outcome(what))
}

fn delete_asset(client: &Client, id: u64, name: &str) -> Result<(), UserError> {
    let url = client.repo_url(&format!("/releases/assets/{id}"));
    let what = format!("deleting the old `{name}`");
    client.retrying(&what, |_| {
        match client.attempt(Method::Delete, &url, Body::Empty) {
            Ok(_) => Ok(()),
            // Already gone (an earlier attempt got through): fine.
            Err(Failure::Status(r)) if r.status == 404 => Ok(()),
            Err(e) => Err(e),
        }
    })
}

/// Upload `local`. Before a second attempt, look at the release again: the
/// first may have finished despite the error (then we are done) or left a
/// partial asset behind (then it is deleted first).
fn upload_with_recheck(
    client: &Client,
    release: &RemoteRelease,
    local: &LocalAsset,
    progress: &dyn Progress,
) -> Result<RemoteAsset, UserError> {
    let url = upload_url(&release.upload_url, &local.name);
    let assets_url = client.repo_url(&format!("/releases/{}/assets", release.id));
    let what = format!("uploading `{}`", local.name);
    let report = |sent: u64| progress.upload_bytes(&local.name, sent);
    client.retrying(&what, |attempt| {
        if attempt > 0 {
            if let Some(found) = find_asset(client, &assets_url, &local.name)? {
                if same(local, &found, None) {
                    return Ok(found);
                }
                let del = client.repo_url(&format!("/releases/assets/{}", found.id));
                match client.attempt(Method::Delete, &del, Body::Empty) {
                    Ok(_) => {}
                    Err(Failure::Status(r)) if r.status == 404 => {}
                    Err(e) => return Err(e),
                }
            }
            progress.upload_bytes(&local.name, 0);
        }
        let reply = client.attempt(
            Method::Post,
            &url,
            Body::File {
                path: &local.path,
                len: local.size,
                content_type: content_type(&local.name),
                progress: &report,
            },
        )?;
        serde_json::from_str::<RemoteAsset>(&reply.body)
            .map_err(|e| Failure::Local(format!("GitHub's upload reply is not an asset: {e}")))
    })
}

/// One attempt at finding the asset called `name` (first 100 pages of 100).
fn find_asset(client: &Client, url: &str, name: &str) -> Result<Option<RemoteAsset>, Failure> {
    for page in 1..=100 {
        let reply = client.attempt(
            Method::Get,
            &format!("{url}?per_page=100&page={page}"),
            Body::Empty,
        )?;
        let assets: Vec<RemoteAsset> = serde_json::from_str(&reply.body)
            .map_err(|e| Failure::Local(format!("GitHub's asset list is not a list: {e}")))?;
        if let Some(a) = assets.iter().find(|a| a.name == name) {
            return Ok(Some(a.clone()));
        }
        if assets.len() < 100 {
            break;
        }
    }
    Ok(None)
}

/// The media type an asset is uploaded with.
pub fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let table: &[(&str, &str)] = &[
        (".tar.gz", "application/gzip"),
        (".tgz", "application/gzip"),
        (".tar.xz", "application/x-xz"),
        (".tar.zst", "application/zstd"),
        (".zip", "application/zip"),
        (".sh", "text/x-shellscript"),
        (".ps1", "text/plain"),
        (".rb", "text/x-ruby"),
        (".json", "application/json"),
        (".msi", "application/x-msi"),
        (".wxs", "application/xml"),
        (".sum", "text/plain"),
        (".sha256", "text/plain"),
        (".sha512", "text/plain"),
        (".sha3-256", "text/plain"),
        (".sha3-512", "text/plain"),
        (".blake2s", "text/plain"),
        (".blake2b", "text/plain"),
        (".sig", "application/pgp-signature"),
        (".minisig", "text/plain"),
        (".tar", "application/x-tar"),
    ];
    table
        .iter()
        .find(|(ext, _)| lower.ends_with(ext))
        .map_or("application/octet-stream", |(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(name: &str, size: u64, sha: &str) -> LocalAsset {
        LocalAsset {
            name: name.into(),
            path: PathBuf::from(name),
            size,
            sha256: sha.into(),
        }
    }

    fn remote(id: u64, name: &str, size: u64, state: &str, digest: Option<&str>) -> RemoteAsset {
        RemoteAsset {
            id,
            name: name.into(),
            size,
            state: state.into(),
            digest: digest.map(str::to_string),
        }
    }

    #[test]
    fn decide_skips_identical_repairs_partial_and_refuses_different() {
        let l = [
            local("new", 1, "aa"),
            local("same", 2, "bb"),
            local("partial", 3, "cc"),
            local("resized", 4, "dd"),
            local("rehashed", 5, "ee"),
            local("nodigest", 6, "ff"),
        ];
        let r = [
            remote(1, "same", 2, "uploaded", Some("sha256:BB")),
            remote(2, "partial", 1, "starter", None),
            remote(3, "resized", 9, "uploaded", None),
            remote(4, "rehashed", 5, "uploaded", Some("sha256:00")),
            remote(5, "nodigest", 6, "uploaded", None),
        ];
        let actions = decide(&l, &r, &BTreeMap::new(), false);
        assert_eq!(actions[0], Action::Upload);
        assert_eq!(actions[1], Action::Skip { id: 1 });
        assert_eq!(actions[2], Action::Repair { id: 2 });
        assert!(matches!(&actions[3], Action::Conflict { why } if why.contains("9 bytes there")));
        assert!(matches!(&actions[4], Action::Conflict { why } if why.contains("sha256:00 there")));
        assert_eq!(actions[5], Action::Skip { id: 5 });
        let replacing = decide(&l, &r, &BTreeMap::new(), true);
        assert_eq!(replacing[3], Action::Replace { id: 3 });
    }

    #[test]
    fn the_journal_vouches_for_assets_without_a_digest() {
        let l = [local("a", 6, "ff")];
        let r = [remote(5, "a", 6, "uploaded", None)];
        let mut j = BTreeMap::new();
        j.insert(
            "a".to_string(),
            AssetRecord {
                state: AssetState::Uploaded,
                size: 6,
                sha256: "00".into(),
                asset_id: Some(5),
            },
        );
        assert!(matches!(
            decide(&l, &r, &j, false)[0],
            Action::Conflict { .. }
        ));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type("a-x86_64-unknown-linux-gnu.tar.xz"),
            "application/x-xz"
        );
        assert_eq!(content_type("a-installer.sh"), "text/x-shellscript");
        assert_eq!(content_type("a.tar.gz.sha256"), "text/plain");
        assert_eq!(content_type("A.ZIP"), "application/zip");
        assert_eq!(content_type("weird"), "application/octet-stream");
    }
}
