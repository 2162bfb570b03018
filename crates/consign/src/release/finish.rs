//! `consign release`: finish a merged release PR. A pure [`plan`] decides
//! what is released (every publishable package whose release tag is not on
//! the remote yet) and the typed [`FinishStep`]s in their fixed order:
//! publish → tags → `consign: tagged` → GitHub Releases → notify →
//! `consign: published`. [`execute`] carries each step out by look (ask the
//! remote), act, record (the [`super::journal`]).
//!
//! **Invariant:** the order puts the crates first, so a failed publish is
//! rerun before any tag exists, and every step looks before it acts, so a
//! run killed anywhere (SIGKILL too) is finished by running it again with
//! nothing sent twice. The only step with no remote trace, the dispatch, is
//! skipped when the journal records it sent.

use std::collections::BTreeMap;
use std::path::Path;

use semver::Version;
use serde::Serialize;
use serde_json::json;

use super::journal::Journal;
use super::{tag_name, TagStyle, LABEL_PUBLISHED, LABEL_TAGGED};
use crate::error::UserError;
use crate::host::github::{encode_query, Client, Method, RemoteRelease};

/// What the planner knows of one publishable package.
#[derive(Clone, Debug)]
pub struct PackageFacts {
    /// The package name.
    pub name: String,
    /// Its version at the release commit.
    pub version: Version,
    /// Its changelog's section for that version, if any: (file, body).
    pub notes: Option<(String, String)>,
    /// Its artifacts are built and hosted by the tag-triggered release
    /// workflow (`consign host`), which then makes its GitHub Release.
    pub hosted_by_workflow: bool,
}

/// Where a release tag is on the remote, if it is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagAt {
    /// At the release commit.
    Head,
    /// At an earlier commit of this history: an earlier release.
    Earlier(String),
    /// At a commit that is not in this history (or not known locally).
    Elsewhere(String),
}

/// Everything [`plan`] needs, gathered first.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// The release commit (the merge commit, `HEAD`).
    pub commit: String,
    /// The publishable packages (`publish` not false).
    pub packages: Vec<PackageFacts>,
    /// How tags are named.
    pub style: TagStyle,
    /// `tag-namespace`.
    pub namespace: Option<String>,
    /// The remote's release tags that exist, by name.
    pub remote: BTreeMap<String, TagAt>,
    /// Publish the crates (`--skip-publish` turns it off).
    pub publish: bool,
    /// `dispatch-repositories`.
    pub dispatch_repositories: Vec<String>,
    /// A changelog at the workspace root: (file, text).
    pub root_changelog: Option<(String, String)>,
}

/// A tag this release makes, and what it releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Released {
    /// The tag.
    pub tag: String,
    /// The version it names.
    pub version: String,
    /// The packages it releases.
    pub packages: Vec<String>,
    /// Its GitHub Release is left to the tag-triggered release workflow.
    pub left_to_workflow: bool,
}

/// One step of `consign release`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum FinishStep {
    /// Publish the crates to their registry (`consign publish --only crates`).
    Publish,
    /// Create and push a release tag at the release commit.
    Tag {
        /// The tag.
        tag: String,
        /// The commit.
        commit: String,
    },
    /// Label the merged release PR, removing the state labels before it.
    Label {
        /// The label to add.
        add: String,
        /// The labels to remove.
        remove: Vec<String>,
        /// Later state labels: with one of them the PR is past this state.
        later: Vec<String>,
    },
    /// Create the GitHub Release of a tag.
    Release {
        /// The tag.
        tag: String,
        /// The title.
        title: String,
        /// The notes (the changelog sections).
        notes: String,
        /// Whether the version is a prerelease.
        prerelease: bool,
        /// The commit.
        commit: String,
    },
    /// Send a `repository_dispatch` about a tag to a repository.
    Notify {
        /// `owner/name`.
        repository: String,
        /// The tag.
        tag: String,
        /// Its version.
        version: String,
        /// The packages and versions it releases.
        packages: Vec<(String, String)>,
        /// Whether the version is a prerelease.
        prerelease: bool,
    },
}

impl FinishStep {
    /// The step's journal key (`tag:v1.2.3`).
    pub fn key(&self) -> String {
        match self {
            FinishStep::Publish => "publish".into(),
            FinishStep::Tag { tag, .. } => format!("tag:{tag}"),
            FinishStep::Label { add, .. } => format!("label:{add}"),
            FinishStep::Release { tag, .. } => format!("release:{tag}"),
            FinishStep::Notify {
                repository, tag, ..
            } => format!("notify:{tag}:{repository}"),
        }
    }

    /// A line for people.
    pub fn describe(&self) -> String {
        match self {
            FinishStep::Publish => "publish the crates".into(),
            FinishStep::Tag { tag, commit } => format!("tag `{tag}` at {}", short(commit)),
            FinishStep::Label { add, .. } => format!("label the release PR `{add}`"),
            FinishStep::Release { tag, .. } => format!("GitHub Release `{tag}`"),
            FinishStep::Notify {
                repository, tag, ..
            } => format!("notify `{repository}` of `{tag}`"),
        }
    }
}

/// The plan of `consign release`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FinishPlan {
    /// The release commit.
    pub commit: String,
    /// The tags this release makes.
    pub released: Vec<Released>,
    /// The steps, in order.
    pub steps: Vec<FinishStep>,
    /// Things worth saying (a missing changelog section).
    pub warnings: Vec<String>,
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// Decide what is released and the steps. Pure.
pub fn plan(inputs: &Inputs) -> Result<FinishPlan, UserError> {
    // Group the packages by the tag their version gets.
    let mut tags: BTreeMap<String, Vec<&PackageFacts>> = BTreeMap::new();
    for p in &inputs.packages {
        let tag = tag_name(
            inputs.style,
            inputs.namespace.as_deref(),
            &p.name,
            &p.version,
        );
        tags.entry(tag).or_default().push(p);
    }
    let mut conflicts = Vec::new();
    let mut released = Vec::new();
    for (tag, packages) in &tags {
        match inputs.remote.get(tag) {
            None | Some(TagAt::Head) => released.push((tag.clone(), packages.clone())),
            Some(TagAt::Earlier(_)) => {}
            Some(TagAt::Elsewhere(other)) => conflicts.push(format!(
                "`{tag}` is at {other}, not at the release commit {} (nor at an earlier commit of its history)",
                inputs.commit
            )),
        }
    }
    if !conflicts.is_empty() {
        return Err(UserError::new(format!(
            "release tag{} already on the remote at another commit:\n  - {}",
            if conflicts.len() == 1 { "" } else { "s" },
            conflicts.join("\n  - ")
        ))
        .hint("if the tag was pushed by mistake, delete it (`git push origin :refs/tags/TAG`) and rerun; otherwise bump the version (`consign release-pr`). In a shallow clone, fetch the whole history (`fetch-depth: 0`) so earlier releases are recognized"));
    }
    let mut steps = Vec::new();
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    if released.is_empty() {
        return Ok(FinishPlan {
            commit: inputs.commit.clone(),
            released: out,
            steps,
            warnings,
        });
    }
    if inputs.publish {
        steps.push(FinishStep::Publish);
    }
    for (tag, _) in &released {
        steps.push(FinishStep::Tag {
            tag: tag.clone(),
            commit: inputs.commit.clone(),
        });
    }
    let label = |add: &str| FinishStep::Label {
        add: add.to_string(),
        remove: super::STATE_LABELS
            .iter()
            .take_while(|l| **l != add)
            .map(|l| l.to_string())
            .collect(),
        later: super::STATE_LABELS
            .iter()
            .skip_while(|l| **l != add)
            .skip(1)
            .map(|l| l.to_string())
            .collect(),
    };
    steps.push(label(LABEL_TAGGED));
    let mut notify = Vec::new();
    for (tag, packages) in &released {
        let version = packages[0].version.clone();
        let left = packages.iter().any(|p| p.hosted_by_workflow);
        out.push(Released {
            tag: tag.clone(),
            version: version.to_string(),
            packages: packages.iter().map(|p| p.name.clone()).collect(),
            left_to_workflow: left,
        });
        if left {
            continue;
        }
        let notes = notes(inputs, packages, &version, &mut warnings);
        let prerelease = !version.pre.is_empty();
        steps.push(FinishStep::Release {
            tag: tag.clone(),
            title: tag.clone(),
            notes,
            prerelease,
            commit: inputs.commit.clone(),
        });
        for repository in &inputs.dispatch_repositories {
            notify.push(FinishStep::Notify {
                repository: repository.clone(),
                tag: tag.clone(),
                version: version.to_string(),
                packages: packages
                    .iter()
                    .map(|p| (p.name.clone(), p.version.to_string()))
                    .collect(),
                prerelease,
            });
        }
    }
    steps.extend(notify);
    steps.push(label(LABEL_PUBLISHED));
    Ok(FinishPlan {
        commit: inputs.commit.clone(),
        released: out,
        steps,
        warnings,
    })
}

/// The notes of one tag: the root changelog's section for a tag of several
/// packages, else each package's section (under its name when several).
fn notes(
    inputs: &Inputs,
    packages: &[&PackageFacts],
    version: &Version,
    warnings: &mut Vec<String>,
) -> String {
    if packages.len() > 1 {
        if let Some((file, text)) = &inputs.root_changelog {
            if let Some(s) = crate::changelog::release_notes(text, version) {
                return s.body;
            }
            warnings.push(format!("`{file}` has no section for {version}"));
        }
    }
    let mut parts = Vec::new();
    for p in packages {
        match &p.notes {
            Some((_, body)) if packages.len() == 1 => parts.push(body.clone()),
            Some((_, body)) => parts.push(format!("## {}\n\n{body}", p.name)),
            None => warnings.push(format!(
                "`{}` {} has no changelog section; its release notes are empty",
                p.name, p.version
            )),
        }
    }
    parts.join("\n\n")
}

/// The merged release PR and its labels, through the GitHub pulls API.
pub trait PullRequests {
    /// The merged PR whose head is `branch` (closed ones included): its
    /// number and labels.
    fn merged_from(&self, branch: &str) -> Result<Option<(u64, Vec<String>)>, UserError>;
    /// Add `label` to PR `number`.
    fn add_label(&self, number: u64, label: &str) -> Result<(), UserError>;
    /// Remove `label` from PR `number`.
    fn remove_label(&self, number: u64, label: &str) -> Result<(), UserError>;
}

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// It acted.
    Done,
    /// The remote (or, for dispatches, the journal) already had it.
    AlreadyDone,
    /// Nothing to act on (no merged PR found).
    Skipped,
    /// `--dry-run`: what it would do.
    WouldDo,
}

/// One step's report.
#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    /// The step.
    #[serde(flatten)]
    pub step: FinishStep,
    /// What happened.
    pub outcome: Outcome,
    /// In words.
    pub detail: String,
}

/// What [`execute`] works with.
pub struct Exec<'a> {
    /// The git work tree (its `origin` is the remote).
    pub root: &'a Path,
    /// The GitHub client.
    pub client: &'a Client,
    /// The merged release PR.
    pub pulls: &'a dyn PullRequests,
    /// The release branch.
    pub branch: &'a str,
    /// The journal.
    pub journal: &'a Journal,
    /// Publishes the crates (looks at the registry first); returns a summary.
    pub publish: &'a dyn Fn() -> anyhow::Result<String>,
    /// Send no write request.
    pub dry_run: bool,
    /// Called after each step.
    pub report: &'a dyn Fn(&StepReport),
}

/// Carry out `plan`, stopping at the first failure (a rerun resumes).
pub fn execute(plan: &FinishPlan, x: &Exec<'_>) -> anyhow::Result<Vec<StepReport>> {
    let mut reports = Vec::new();
    let mut pr: Option<Option<(u64, Vec<String>)>> = None;
    for step in &plan.steps {
        let (outcome, detail) = if x.dry_run {
            (Outcome::WouldDo, format!("would {}", step.describe()))
        } else {
            run_step(step, x, &mut pr)?
        };
        if outcome == Outcome::Done {
            x.journal.record(&step.key(), &detail)?;
        }
        let report = StepReport {
            step: step.clone(),
            outcome,
            detail,
        };
        (x.report)(&report);
        reports.push(report);
    }
    Ok(reports)
}

fn run_step(
    step: &FinishStep,
    x: &Exec<'_>,
    pr: &mut Option<Option<(u64, Vec<String>)>>,
) -> anyhow::Result<(Outcome, String)> {
    Ok(match step {
        FinishStep::Publish => (Outcome::Done, (x.publish)()?),
        FinishStep::Tag { tag, commit } => match remote_tag(x.root, tag)? {
            Some(at) if at == *commit => (
                Outcome::AlreadyDone,
                format!("`{tag}` is already at {}", short(commit)),
            ),
            Some(at) => {
                return Err(UserError::new(format!(
                    "the tag `{tag}` appeared on the remote at {at} while releasing {commit}"
                ))
                .hint("someone else is releasing; check the remote's tags, then rerun")
                .into())
            }
            None => {
                push_tag(x.root, tag, commit)?;
                (
                    Outcome::Done,
                    format!("pushed `{tag}` at {}", short(commit)),
                )
            }
        },
        FinishStep::Release {
            tag,
            title,
            notes,
            prerelease,
            commit,
        } => match find_release(x.client, tag)? {
            Some(r) => (
                Outcome::AlreadyDone,
                format!("`{tag}` already has a release: {}", r.html_url),
            ),
            None => {
                let body = json!({
                    "tag_name": tag,
                    "target_commitish": commit,
                    "name": title,
                    "body": notes,
                    "draft": false,
                    "prerelease": prerelease,
                    "make_latest": if *prerelease { "false" } else { "true" },
                });
                let made: Result<Option<RemoteRelease>, UserError> = x.client.json_call(
                    &format!("creating the release of `{tag}`"),
                    Method::Post,
                    &x.client.repo_url("/releases"),
                    Some(&body),
                );
                let made = match made {
                    Ok(Some(r)) => r,
                    // A lost reply, or a retry after one: look again.
                    other => match find_release(x.client, tag)? {
                        Some(r) => r,
                        None => {
                            return Err(other
                                .err()
                                .unwrap_or_else(|| {
                                    UserError::new(format!(
                                        "creating the release of `{tag}`: GitHub answered 404"
                                    ))
                                    .hint(
                                        "check that the token may write the repository's contents",
                                    )
                                })
                                .into())
                        }
                    },
                };
                (
                    Outcome::Done,
                    format!("released `{tag}`: {}", made.html_url),
                )
            }
        },
        FinishStep::Notify {
            repository,
            tag,
            version,
            packages,
            prerelease,
        } => {
            if x.journal.done(&step.key()) {
                (
                    Outcome::AlreadyDone,
                    format!("`{repository}` was notified of `{tag}`"),
                )
            } else {
                let url = find_release(x.client, tag)?
                    .map(|r| r.html_url)
                    .unwrap_or_default();
                let payload = crate::host::dispatch_payload(&crate::host::Dispatch {
                    tag,
                    version,
                    repository: &x.client.repo.to_string(),
                    release_url: &url,
                    prerelease: *prerelease,
                    releases: packages,
                });
                crate::host::send_dispatch(x.client, repository, &payload)?;
                (Outcome::Done, format!("notified `{repository}` of `{tag}`"))
            }
        }
        FinishStep::Label { add, remove, later } => {
            if pr.is_none() {
                *pr = Some(x.pulls.merged_from(x.branch)?);
            }
            let Some(Some((number, labels))) = pr.as_mut() else {
                return Ok((
                    Outcome::Skipped,
                    format!("no merged pull request from `{}`", x.branch),
                ));
            };
            if let Some(past) = later.iter().find(|l| labels.contains(l)) {
                return Ok((
                    Outcome::AlreadyDone,
                    format!("#{number} is already labelled `{past}`"),
                ));
            }
            let mut acted = false;
            if !labels.contains(add) {
                x.pulls.add_label(*number, add)?;
                labels.push(add.clone());
                acted = true;
            }
            for old in remove {
                if labels.contains(old) {
                    x.pulls.remove_label(*number, old)?;
                    labels.retain(|l| l != old);
                    acted = true;
                }
            }
            let what = format!("#{number} is labelled `{add}`");
            if acted {
                (Outcome::Done, what)
            } else {
                (Outcome::AlreadyDone, what)
            }
        }
    })
}

/// The published release of `tag`, if any.
fn find_release(client: &Client, tag: &str) -> Result<Option<RemoteRelease>, UserError> {
    client.json_call(
        &format!("looking up the release of `{tag}`"),
        Method::Get,
        &client.repo_url(&format!("/releases/tags/{}", encode_query(tag))),
        None,
    )
}

/// [`super::git`], trimmed; a failure is a [`UserError`] with `hint`.
fn git_ok(root: &Path, args: &[&str], hint: &str) -> Result<String, UserError> {
    super::git(root, args)
        .map(|out| out.trim().to_string())
        .map_err(|e| UserError::new(format!("{e:#}")).hint(hint.to_string()))
}

/// The commit `HEAD` is at.
pub fn head(root: &Path) -> Result<String, UserError> {
    git_ok(
        root,
        &["rev-parse", "HEAD"],
        "run `consign release` in the repository, on the merge commit of the release PR",
    )
}

/// The remote's tags and the commits they point at (peeled).
pub fn remote_tags(root: &Path) -> Result<BTreeMap<String, String>, UserError> {
    let text = git_ok(
        root,
        &["ls-remote", "--tags", "origin"],
        "check that the `origin` remote exists and is reachable",
    )?;
    Ok(parse_ls_remote(&text))
}

/// `git ls-remote --tags` lines → tag → commit, an annotated tag's peeled
/// (`^{}`) commit winning over the tag object.
pub fn parse_ls_remote(text: &str) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let mut peeled = BTreeMap::new();
    for line in text.lines() {
        let Some((sha, name)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = name.strip_prefix("refs/tags/") else {
            continue;
        };
        match name.strip_suffix("^{}") {
            Some(n) => peeled.insert(n.to_string(), sha.to_string()),
            None => tags.insert(name.to_string(), sha.to_string()),
        };
    }
    tags.extend(peeled);
    tags
}

/// Where `tag` is on the remote, asked now.
fn remote_tag(root: &Path, tag: &str) -> Result<Option<String>, UserError> {
    let text = git_ok(
        root,
        &["ls-remote", "--tags", "origin", &format!("refs/tags/{tag}")],
        "check that the `origin` remote exists and is reachable",
    )?;
    Ok(parse_ls_remote(&text).remove(tag))
}

/// Whether `commit` is `head` or an ancestor of it; `None` when the commit
/// is not in the local repository.
pub fn classify(root: &Path, commit: &str, head: &str) -> TagAt {
    if commit == head {
        return TagAt::Head;
    }
    // Exit 0: an ancestor; 1 (not one) and errors (unknown commit) alike: elsewhere.
    match super::git(root, &["merge-base", "--is-ancestor", commit, head]) {
        Ok(_) => TagAt::Earlier(commit.to_string()),
        Err(_) => TagAt::Elsewhere(commit.to_string()),
    }
}

fn push_tag(root: &Path, tag: &str, commit: &str) -> Result<(), UserError> {
    git_ok(
        root,
        &["push", "origin", &format!("{commit}:refs/tags/{tag}")],
        "check that the token may push tags (`contents: write`); rerun: pushed tags are found and skipped",
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::LABEL_PENDING;

    fn pkg(name: &str, v: &str, hosted: bool) -> PackageFacts {
        PackageFacts {
            name: name.into(),
            version: Version::parse(v).unwrap(),
            notes: Some(("CHANGELOG.md".into(), format!("- {name} {v}"))),
            hosted_by_workflow: hosted,
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            commit: "c0ffee".into(),
            packages: vec![
                pkg("a", "0.2.0", false),
                pkg("b", "0.1.0", false),
                pkg("app", "1.0.0", true),
            ],
            style: TagStyle::Singular,
            namespace: None,
            remote: BTreeMap::from([("b-v0.1.0".to_string(), TagAt::Earlier("old".into()))]),
            publish: true,
            dispatch_repositories: vec!["o/down".into()],
            root_changelog: None,
        }
    }

    fn kinds(plan: &FinishPlan) -> Vec<String> {
        plan.steps.iter().map(FinishStep::key).collect()
    }

    #[test]
    fn steps_are_publish_tags_label_releases_notify_label() {
        let plan = plan(&inputs()).unwrap();
        assert_eq!(
            kinds(&plan),
            [
                "publish",
                "tag:a-v0.2.0",
                "tag:app-v1.0.0",
                "label:consign: tagged",
                "release:a-v0.2.0",
                "notify:a-v0.2.0:o/down",
                "label:consign: published",
            ]
        );
        // The app's release (and its dispatch) is left to the release workflow.
        let app = plan
            .released
            .iter()
            .find(|r| r.tag == "app-v1.0.0")
            .unwrap();
        assert!(app.left_to_workflow);
        let FinishStep::Release { notes, .. } = &plan.steps[4] else {
            panic!()
        };
        assert_eq!(notes, "- a 0.2.0");
        let FinishStep::Label { remove, later, .. } = plan.steps.last().unwrap() else {
            panic!()
        };
        assert_eq!(remove, &[LABEL_PENDING, LABEL_TAGGED]);
        assert!(later.is_empty());
        let FinishStep::Label { add, later, .. } = &plan.steps[3] else {
            panic!()
        };
        assert_eq!(
            (add.as_str(), later.as_slice()),
            (LABEL_TAGGED, &[LABEL_PUBLISHED.to_string()][..])
        );
    }

    #[test]
    fn skip_publish_and_tags_at_head_are_released_again() {
        let mut i = inputs();
        i.publish = false;
        i.remote.insert("a-v0.2.0".into(), TagAt::Head);
        let plan = plan(&i).unwrap();
        assert!(!kinds(&plan).contains(&"publish".to_string()));
        assert!(kinds(&plan).contains(&"tag:a-v0.2.0".to_string()));
    }

    #[test]
    fn nothing_to_release_is_an_empty_plan() {
        let mut i = inputs();
        for t in ["a-v0.2.0", "app-v1.0.0"] {
            i.remote.insert(t.into(), TagAt::Earlier("x".into()));
        }
        let plan = plan(&i).unwrap();
        assert!(plan.steps.is_empty() && plan.released.is_empty());
    }

    #[test]
    fn a_tag_at_another_commit_names_both_commits() {
        let mut i = inputs();
        i.remote
            .insert("a-v0.2.0".into(), TagAt::Elsewhere("deadbeef".into()));
        let e = plan(&i).unwrap_err();
        assert!(e.message.contains("deadbeef"), "{}", e.message);
        assert!(e.message.contains("c0ffee"), "{}", e.message);
        assert!(e.hint.unwrap().contains("git push origin :refs/tags/"));
    }

    #[test]
    fn unified_tags_take_the_root_changelog() {
        let mut i = inputs();
        i.style = TagStyle::Unified;
        i.packages = vec![pkg("a", "1.0.0", false), pkg("b", "1.0.0", false)];
        i.root_changelog = Some(("CHANGELOG.md".into(), "## 1.0.0\n\n- all\n".into()));
        let plan = plan(&i).unwrap();
        assert_eq!(plan.released.len(), 1);
        assert_eq!(plan.released[0].packages, ["a", "b"]);
        let notes: Vec<&String> = plan
            .steps
            .iter()
            .filter_map(|s| match s {
                FinishStep::Release { notes, .. } => Some(notes),
                _ => None,
            })
            .collect();
        assert_eq!(notes, ["- all"]);
    }

    #[test]
    fn ls_remote_prefers_the_peeled_commit() {
        let tags = parse_ls_remote(
            "111\trefs/tags/v1\n222\trefs/tags/v2\n333\trefs/tags/v2^{}\nzzz\trefs/heads/main\n",
        );
        assert_eq!(tags["v1"], "111");
        assert_eq!(tags["v2"], "333");
        assert_eq!(tags.len(), 2);
    }
}
