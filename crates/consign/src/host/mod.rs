//! Hosting: where a release becomes public.
//!
//! [`host`] carries out `consign host` for the built manifest in
//! `target/distrib`: **create** finds the GitHub Release for the tag (drafts
//! included) or creates a draft, **upload** puts every artifact on it, and
//! **release** publishes the draft. [`announce`] publishes if that has not
//! happened yet and sends a `repository_dispatch` to each downstream
//! repository.
//!
//! Every step asks the remote what is already there before acting, and
//! records its outcome in the [`journal`]. Any single failure (a 5xx, a rate
//! limit, a dropped connection, the process killed) is finished by running
//! the same command again, with nothing duplicated and nothing lost.
//!
//! **Invariant:** this module decides nothing the manifest already decided
//! (title, body facts, prerelease, `force-latest`, URLs); it only carries
//! them out. **Invariant:** the token goes to HTTP headers only; see
//! [`github`].

pub mod github;
pub mod journal;
pub mod upload;

use std::path::{Path, PathBuf};

use consign_manifest::DistManifest;
use serde::Serialize;
use serde_json::json;

use crate::error::UserError;
use github::{Client, Method, RemoteAsset, RemoteRelease, Repo};
use journal::Journal;
use upload::AssetOutcome;

/// The steps of `consign host`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Find or create the (draft) release.
    Create,
    /// Upload the artifacts.
    Upload,
    /// Publish the draft.
    Release,
}

/// Settings for [`host`].
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// The steps to run, in order.
    pub steps: Vec<Step>,
    /// Replace assets whose contents differ instead of failing.
    pub replace: bool,
    /// Uploads at once.
    pub concurrency: usize,
    /// The commit a new release's tag is created at, if the tag does not exist yet.
    pub target_commit: Option<String>,
}

/// Progress of uploads and steps, for bars on a terminal.
pub trait Progress: Sync {
    /// A step finished with `outcome`.
    fn step(&self, step: Step, outcome: &str);
    /// An upload started.
    fn upload_start(&self, name: &str, size: u64);
    /// `sent` bytes of the current attempt are out.
    fn upload_bytes(&self, name: &str, sent: u64);
    /// An asset is done: `uploaded`, `skipped`, `failed`, ...
    fn upload_end(&self, name: &str, outcome: &str);
    /// Something worth telling (a retry); already redacted.
    fn notice(&self, text: &str);
}

/// What `consign host` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HostReport {
    /// The announcement tag.
    pub tag: String,
    /// `owner/repo`, for GitHub hosting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The release, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseSummary>,
    /// Each step's outcome.
    pub steps: Vec<StepOutcome>,
    /// Each asset's outcome (upload step).
    pub assets: Vec<AssetOutcome>,
    /// Files for `simple` hosting, which the user uploads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub simple_uploads: Vec<SimpleUpload>,
    /// Repositories notified (announce).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dispatched: Vec<String>,
}

/// The release as it stands.
#[derive(Clone, Debug, Serialize)]
pub struct ReleaseSummary {
    /// GitHub's id.
    pub id: u64,
    /// Its web page.
    pub url: String,
    /// Still a draft.
    pub draft: bool,
}

/// One step's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct StepOutcome {
    /// The step.
    pub step: Step,
    /// What happened.
    pub outcome: String,
}

/// One file for `simple` hosting.
#[derive(Clone, Debug, Serialize)]
pub struct SimpleUpload {
    /// The local file.
    pub path: PathBuf,
    /// The URL installers will download it from.
    pub url: String,
}

/// Read `dist-manifest.json` from the distrib directory.
pub fn read_manifest(dist: &Path) -> Result<DistManifest, UserError> {
    crate::build::read_manifest(
        dist,
        "to host",
        "run `consign build` first (in CI, download every build machine's artifacts into `target/distrib`)",
    )
}

/// The manifest's tag, or an error saying it has none.
pub fn tag(manifest: &DistManifest) -> Result<&str, UserError> {
    manifest.announcement_tag.as_deref().ok_or_else(|| {
        UserError::new("`dist-manifest.json` has no `announcement_tag`")
            .hint("rebuild it with `consign build` (pass `--tag` if the tag cannot be inferred)")
    })
}

/// The GitHub repository the manifest releases to, if any.
pub fn github_repo(manifest: &DistManifest) -> Option<(Repo, String)> {
    manifest.releases.iter().find_map(|r| {
        r.hosting.github.as_ref().map(|g| {
            (
                Repo {
                    owner: g.owner.clone(),
                    name: g.repo.clone(),
                },
                g.artifact_base_url.clone(),
            )
        })
    })
}

/// The files `simple` hosting expects the user to upload, with their URLs.
pub fn simple_uploads(dist: &Path, manifest: &DistManifest) -> Vec<SimpleUpload> {
    let Some(base) = manifest
        .releases
        .iter()
        .find_map(|r| r.hosting.simple.as_ref().map(|s| s.download_url.clone()))
    else {
        return Vec::new();
    };
    manifest
        .artifacts
        .keys()
        .map(String::as_str)
        .chain(["dist-manifest.json"])
        .map(|name| SimpleUpload {
            path: dist.join(name),
            url: format!("{}/{name}", base.trim_end_matches('/')),
        })
        .collect()
}

/// One release being hosted: the manifest, its files, the client and the journal.
pub struct Session<'a> {
    /// The built manifest.
    pub manifest: &'a DistManifest,
    /// `target/distrib`.
    pub dist: &'a Path,
    /// The GitHub client.
    pub client: &'a Client,
    /// The journal.
    pub journal: &'a Journal,
    /// The tag.
    pub tag: &'a str,
    /// The local files and their hashes, computed once per run.
    pub local: std::sync::OnceLock<Vec<upload::LocalAsset>>,
}

impl Session<'_> {
    /// The local files to host, hashed on `threads` threads (once).
    fn local_assets(&self, threads: usize) -> Result<&[upload::LocalAsset], UserError> {
        if let Some(l) = self.local.get() {
            return Ok(l);
        }
        let l = upload::local_assets(self.dist, self.manifest, threads)?;
        Ok(self.local.get_or_init(|| l))
    }

    /// Find the tag's release: the one the journal remembers, the published
    /// one, or a draft (the oldest, if several).
    pub fn find_release(&self) -> Result<Option<RemoteRelease>, UserError> {
        let c = self.client;
        if let Some(id) = self.journal.snapshot().release_id {
            let r: Option<RemoteRelease> = c.json_call(
                "looking up the journal's release",
                Method::Get,
                &c.repo_url(&format!("/releases/{id}")),
                None,
            )?;
            if let Some(r) = r.filter(|r| r.tag_name == self.tag) {
                return Ok(Some(r));
            }
        }
        let published: Option<RemoteRelease> = c.json_call(
            &format!("looking up the release of `{}`", self.tag),
            Method::Get,
            &c.repo_url(&format!(
                "/releases/tags/{}",
                github::encode_query(self.tag)
            )),
            None,
        )?;
        if published.is_some() {
            return Ok(published);
        }
        let all: Vec<RemoteRelease> =
            c.list_all("listing releases to find a draft", &c.repo_url("/releases"))?;
        Ok(all
            .into_iter()
            .filter(|r| r.tag_name == self.tag)
            .min_by_key(|r| (!r.draft, r.id)))
    }

    fn remember(&self, step: &str, outcome: &str, r: &RemoteRelease) -> Result<(), UserError> {
        self.journal.record(step, outcome, |d| {
            d.release_id = Some(r.id);
            d.release_url = Some(r.html_url.clone());
            d.published |= !r.draft;
        })
    }

    /// The release's title, body and prerelease flag, from the manifest.
    fn release_fields(&self) -> serde_json::Value {
        let m = self.manifest;
        json!({
            "name": m.announcement_title.clone().unwrap_or_else(|| self.tag.to_string()),
            "body": crate::plan::body::render(m),
            "prerelease": m.announcement_is_prerelease,
        })
    }

    /// **create**: find the release or create a draft; bring a draft's
    /// title, body and prerelease flag up to date.
    pub fn create(
        &self,
        target_commit: Option<&str>,
    ) -> Result<(RemoteRelease, String), UserError> {
        let c = self.client;
        let fields = self.release_fields();
        if let Some(r) = self.find_release()? {
            if !r.draft {
                let outcome = format!("already published at {}", r.html_url);
                self.remember("create", &outcome, &r)?;
                return Ok((r, outcome));
            }
            let current = json!({"name": r.name, "body": r.body, "prerelease": r.prerelease});
            if current == fields {
                self.remember("create", "found the draft", &r)?;
                return Ok((r, "found the draft".into()));
            }
            let updated: RemoteRelease = c
                .json_call(
                    "updating the draft release",
                    Method::Patch,
                    &c.repo_url(&format!("/releases/{}", r.id)),
                    Some(&fields),
                )?
                .ok_or_else(|| gone(r.id))?;
            self.remember("create", "updated the draft", &updated)?;
            return Ok((updated, "updated the draft".into()));
        }
        let mut request = fields;
        request["tag_name"] = json!(self.tag);
        request["draft"] = json!(true);
        if let Some(sha) = target_commit {
            request["target_commitish"] = json!(sha);
        }
        let bytes = serde_json::to_vec(&request).expect("JSON values serialize");
        let url = c.repo_url("/releases");
        // A create whose reply was lost may still have made the draft: look
        // before creating again, so that no second draft appears.
        let created = c.retrying("creating the draft release", |attempt| {
            if attempt > 0 {
                if let Ok(Some(r)) = self.find_release() {
                    return Ok(r);
                }
            }
            let reply = c.attempt(Method::Post, &url, github::Body::Json(bytes.clone()))?;
            serde_json::from_str::<RemoteRelease>(&reply.body).map_err(|e| {
                github::Failure::Local(format!("GitHub's reply is not a release: {e}"))
            })
        })?;
        self.remember("create", "created the draft", &created)?;
        Ok((created, "created the draft".into()))
    }

    /// The release's assets.
    pub fn assets(&self, release: &RemoteRelease) -> Result<Vec<RemoteAsset>, UserError> {
        self.client.list_all(
            "listing the release's assets",
            &self
                .client
                .repo_url(&format!("/releases/{}/assets", release.id)),
        )
    }

    /// **upload**: every artifact and the manifest, skipping identical ones.
    pub fn upload(
        &self,
        release: &RemoteRelease,
        replace: bool,
        concurrency: usize,
        progress: &dyn Progress,
    ) -> Result<(Vec<AssetOutcome>, String), UserError> {
        let local = self.local_assets(concurrency)?.to_vec();
        let remote = self.assets(release)?;
        let actions = upload::decide(&local, &remote, &self.journal.snapshot().assets, replace);
        let conflicts: Vec<String> = local
            .iter()
            .zip(&actions)
            .filter_map(|(l, a)| match a {
                upload::Action::Conflict { why } => Some(format!("\n  `{}`: {why}", l.name)),
                _ => None,
            })
            .collect();
        if !conflicts.is_empty() {
            return Err(UserError::new(format!(
                "the release of `{}` already has different files of the same name:{}",
                self.tag,
                conflicts.concat()
            ))
            .hint("pass `--replace` to replace them with the files in `target/distrib`; nothing was uploaded"));
        }
        if !release.draft
            && actions
                .iter()
                .any(|a| !matches!(a, upload::Action::Skip { .. }))
        {
            progress.notice(&format!(
                "the release of `{}` is already published; completing its files",
                self.tag
            ));
        }
        let work: Vec<_> = local.into_iter().zip(actions).collect();
        let outcomes = upload::run(
            self.client,
            self.journal,
            release,
            &work,
            concurrency,
            progress,
        )?;
        let sent = outcomes.iter().filter(|o| o.outcome != "skipped").count();
        let summary = format!("{sent} uploaded, {} already there", outcomes.len() - sent);
        Ok((outcomes, summary))
    }

    /// **release**: publish the draft, once every file is on it.
    pub fn publish(&self, release: &RemoteRelease) -> Result<(RemoteRelease, String), UserError> {
        if !release.draft {
            let outcome = format!("already published at {}", release.html_url);
            self.remember("release", &outcome, release)?;
            return Ok((release.clone(), outcome));
        }
        let local = self.local_assets(4)?;
        let remote = self.assets(release)?;
        let missing: Vec<&str> = local
            .iter()
            .filter(|l| {
                !remote
                    .iter()
                    .any(|r| r.name == l.name && upload::same(l, r, None))
            })
            .map(|l| l.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(UserError::new(format!(
                "refusing to publish the release of `{}`: it lacks {}",
                self.tag,
                crate::error::list(&missing)
            ))
            .hint("run `consign host --steps upload` first (or `consign host` for every step)"));
        }
        let fields = json!({
            "draft": false,
            "make_latest": make_latest(self.manifest),
        });
        let c = self.client;
        let published: RemoteRelease = c
            .json_call(
                "publishing the release",
                Method::Patch,
                &c.repo_url(&format!("/releases/{}", release.id)),
                Some(&fields),
            )?
            .ok_or_else(|| gone(release.id))?;
        let outcome = format!("published at {}", published.html_url);
        self.remember("release", &outcome, &published)?;
        Ok((published, outcome))
    }

    /// Send a `repository_dispatch` to each of `repos` not yet notified.
    pub fn dispatch(
        &self,
        repos: &[String],
        release: &RemoteRelease,
    ) -> Result<Vec<String>, UserError> {
        let m = self.manifest;
        let version = m
            .releases
            .first()
            .map(|r| r.app_version.clone())
            .unwrap_or_else(|| self.tag.trim_start_matches('v').to_string());
        let releases: Vec<(String, String)> = m
            .releases
            .iter()
            .map(|r| (r.app_name.clone(), r.app_version.clone()))
            .collect();
        let payload = dispatch_payload(&Dispatch {
            tag: self.tag,
            version: &version,
            repository: &self.client.repo.to_string(),
            release_url: &release.html_url,
            prerelease: m.announcement_is_prerelease,
            releases: &releases,
        });
        let done = self.journal.snapshot().dispatched;
        let mut sent = Vec::new();
        for repo in repos.iter().filter(|r| !done.contains(*r)) {
            send_dispatch(self.client, repo, &payload)?;
            self.journal
                .record("dispatch", &format!("notified {repo}"), |d| {
                    d.dispatched.insert(repo.clone());
                })?;
            sent.push(repo.clone());
        }
        Ok(sent)
    }
}

/// The `event_type` of the dispatch `consign announce` sends.
pub const DISPATCH_EVENT: &str = "consign-release";

/// What a `repository_dispatch` tells downstream repositories.
pub struct Dispatch<'a> {
    /// The release tag.
    pub tag: &'a str,
    /// Its version.
    pub version: &'a str,
    /// `owner/repo` of the release.
    pub repository: &'a str,
    /// The release's web page.
    pub release_url: &'a str,
    /// Whether it is a prerelease.
    pub prerelease: bool,
    /// Each app (or package) and its version.
    pub releases: &'a [(String, String)],
}

/// The body of the `repository_dispatch` that `consign announce` and
/// `consign release` send.
pub fn dispatch_payload(d: &Dispatch<'_>) -> serde_json::Value {
    json!({
        "event_type": DISPATCH_EVENT,
        "client_payload": {
            "tag": d.tag,
            "version": d.version,
            "repository": d.repository,
            "release_url": d.release_url,
            "prerelease": d.prerelease,
            "releases": d.releases.iter().map(|(app, version)| json!({"app": app, "version": version})).collect::<Vec<_>>(),
        }
    })
}

/// Send one `repository_dispatch` to `repo` (`owner/name`).
pub fn send_dispatch(
    client: &Client,
    repo: &str,
    payload: &serde_json::Value,
) -> Result<(), UserError> {
    let _: Option<serde_json::Value> = client.json_call(
        &format!("notifying `{repo}`"),
        Method::Post,
        &client.other_repo_url(repo, "/dispatches"),
        Some(payload),
    )?;
    Ok(())
}

/// GitHub's `make_latest` for the release: `force-latest` makes any release
/// the latest; otherwise a prerelease is not.
pub fn make_latest(manifest: &DistManifest) -> &'static str {
    if manifest.force_latest || !manifest.announcement_is_prerelease {
        "true"
    } else {
        "false"
    }
}

fn gone(id: u64) -> UserError {
    UserError::new(format!(
        "release {id} disappeared while consign was working on it"
    ))
    .hint("run the command again; it finds or creates the release afresh")
}

fn summary(r: &RemoteRelease) -> ReleaseSummary {
    ReleaseSummary {
        id: r.id,
        url: r.html_url.clone(),
        draft: r.draft,
    }
}

/// `consign host`: run `opts.steps` for `session`.
pub fn host(
    session: &Session<'_>,
    opts: &HostOptions,
    progress: &dyn Progress,
) -> Result<HostReport, UserError> {
    let mut report = HostReport {
        tag: session.tag.to_string(),
        repository: Some(session.client.repo.to_string()),
        ..HostReport::default()
    };
    let mut release: Option<RemoteRelease> = None;
    for step in &opts.steps {
        let current = match release.take() {
            Some(r) => Some(r),
            None if *step == Step::Create => None,
            None => Some(session.find_release()?.ok_or_else(|| {
                UserError::new(format!(
                    "there is no release for `{}` in `{}`",
                    session.tag, session.client.repo
                ))
                .hint("run `consign host --steps create` first (or `consign host` for every step)")
            })?),
        };
        let (r, outcome) = match step {
            Step::Create => session.create(opts.target_commit.as_deref())?,
            Step::Upload => {
                let r = current.expect("found above");
                let (assets, outcome) =
                    session.upload(&r, opts.replace, opts.concurrency, progress)?;
                report.assets = assets;
                (r, outcome)
            }
            Step::Release => session.publish(&current.expect("found above"))?,
        };
        progress.step(*step, &outcome);
        report.steps.push(StepOutcome {
            step: *step,
            outcome,
        });
        report.release = Some(summary(&r));
        release = Some(r);
    }
    Ok(report)
}

/// `consign announce`: publish if needed, then notify `repos`.
pub fn announce(
    session: &Session<'_>,
    repos: &[String],
    progress: &dyn Progress,
) -> Result<HostReport, UserError> {
    let found = session.find_release()?.ok_or_else(|| {
        UserError::new(format!(
            "there is no release for `{}` in `{}` to announce",
            session.tag, session.client.repo
        ))
        .hint("run `consign host` first")
    })?;
    let (release, outcome) = session.publish(&found)?;
    progress.step(Step::Release, &outcome);
    let dispatched = session.dispatch(repos, &release)?;
    Ok(HostReport {
        tag: session.tag.to_string(),
        repository: Some(session.client.repo.to_string()),
        release: Some(summary(&release)),
        steps: vec![StepOutcome {
            step: Step::Release,
            outcome,
        }],
        dispatched,
        ..HostReport::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_latest_follows_force_latest_and_prerelease() {
        let mut m = DistManifest::default();
        assert_eq!(make_latest(&m), "true");
        m.announcement_is_prerelease = true;
        assert_eq!(make_latest(&m), "false");
        m.force_latest = true;
        assert_eq!(make_latest(&m), "true");
    }
}
