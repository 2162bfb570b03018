//! The GitHub pull-request and label calls of the release-PR flow, on the
//! hosting client ([`crate::host::github::Client`]: token rules, retries,
//! redaction).
//!
//! `release-pr` finds the open PR whose head is the release branch, creates
//! or updates it and labels it `consign: pending`; `release` finds the merged
//! one and moves its label on. Creating a PR is never repeated blindly: before
//! a second attempt, and when GitHub answers that one already exists, the
//! PR is looked up by its head again.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::UserError;
use crate::host::github::{encode_query, Body, Client, Failure, Method};

/// A pull request as the API returns it (the fields we use).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct PullRequest {
    /// The number (shared with issues).
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// The title.
    pub title: String,
    /// The body.
    #[serde(default)]
    pub body: Option<String>,
    /// The web page.
    #[serde(default)]
    pub html_url: String,
    /// The branch it merges from.
    pub head: BranchRef,
    /// The branch it merges into.
    pub base: BranchRef,
    /// When it was merged (`None` while open, or closed unmerged).
    #[serde(default)]
    pub merged_at: Option<String>,
    /// The commit the merge made, once merged.
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// Its labels.
    #[serde(default)]
    pub labels: Vec<Label>,
}

impl PullRequest {
    /// Whether it carries label `name`.
    pub fn has_label(&self, name: &str) -> bool {
        self.labels.iter().any(|l| l.name == name)
    }

    /// Whether it was merged.
    pub fn is_merged(&self) -> bool {
        self.merged_at.is_some()
    }
}

/// One end of a pull request.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct BranchRef {
    /// The branch name.
    #[serde(rename = "ref")]
    pub name: String,
    /// The commit it points at.
    #[serde(default)]
    pub sha: String,
}

/// A label as the API returns it (the fields we use).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Label {
    /// The name.
    pub name: String,
    /// Its colour (six hex digits).
    #[serde(default)]
    pub color: String,
}

/// Which pull requests a look-up returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullState {
    /// Open ones.
    Open,
    /// Closed ones, merged or not.
    Closed,
    /// Both.
    All,
}

impl PullState {
    fn as_str(self) -> &'static str {
        match self {
            PullState::Open => "open",
            PullState::Closed => "closed",
            PullState::All => "all",
        }
    }
}

/// The pull requests whose head is `branch` of this repository, newest
/// first (`GET /repos/{o}/{r}/pulls?head={owner}:{branch}&state=...`).
pub fn find_by_head(
    client: &Client,
    branch: &str,
    state: PullState,
) -> Result<Vec<PullRequest>, UserError> {
    let head = format!("{}:{branch}", client.repo.owner);
    let url = client.repo_url(&format!(
        "/pulls?state={}&head={}&sort=created&direction=desc",
        state.as_str(),
        encode_query(&head)
    ));
    let mut pulls: Vec<PullRequest> =
        client.list_all(&format!("look for the pull request from `{branch}`"), &url)?;
    // The filter is GitHub's; a PR from a fork's branch of the same name
    // is not ours.
    pulls.retain(|p| p.head.name == branch);
    Ok(pulls)
}

/// The open pull request from `branch`, if there is one.
pub fn find_open(client: &Client, branch: &str) -> Result<Option<PullRequest>, UserError> {
    Ok(find_by_head(client, branch, PullState::Open)?
        .into_iter()
        .next())
}

/// What a new pull request says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPull<'a> {
    /// The title.
    pub title: &'a str,
    /// The body (Markdown).
    pub body: &'a str,
    /// The branch it merges from.
    pub head: &'a str,
    /// The branch it merges into.
    pub base: &'a str,
}

/// Open a pull request, or return the open one from the same head: before
/// a second attempt, and when GitHub answers 422 (one already exists), the
/// PR is looked up again, so a lost reply never makes a second PR.
pub fn create(client: &Client, new: &NewPull<'_>) -> Result<PullRequest, UserError> {
    let what = format!("open the pull request from `{}`", new.head);
    let url = client.repo_url("/pulls");
    let body = serde_json::to_vec(&json!({
        "title": new.title,
        "body": new.body,
        "head": new.head,
        "base": new.base,
        "maintainer_can_modify": false,
    }))
    .expect("JSON values serialize");
    let looked_up = |client: &Client| -> Result<Option<PullRequest>, Failure> {
        find_open(client, new.head).map_err(|e| Failure::Local(e.message))
    };
    let reply = client.retrying(&what, |attempt| {
        if attempt > 0 {
            if let Some(pr) = looked_up(client)? {
                return Ok(Err(pr));
            }
        }
        match client.attempt(Method::Post, &url, Body::Json(body.clone())) {
            Ok(reply) => Ok(Ok(reply)),
            Err(Failure::Status(r)) if r.status == 422 => match looked_up(client)? {
                Some(pr) => Ok(Err(pr)),
                None => Err(Failure::Status(r)),
            },
            Err(e) => Err(e),
        }
    })?;
    match reply {
        Ok(reply) => client.parse(&what, &reply),
        Err(existing) => Ok(existing),
    }
}

/// Set a pull request's title and body (`PATCH /repos/{o}/{r}/pulls/{n}`).
pub fn update(
    client: &Client,
    number: u64,
    title: &str,
    body: &str,
) -> Result<PullRequest, UserError> {
    let what = format!("update pull request #{number}");
    client
        .json_call(
            &what,
            Method::Patch,
            &client.repo_url(&format!("/pulls/{number}")),
            Some(&json!({"title": title, "body": body})),
        )?
        .ok_or_else(|| not_found(&what))
}

/// Make sure the repository has label `name` (`GET`, then `POST
/// /repos/{o}/{r}/labels` when missing; a 422 "already exists" from a race
/// counts as there).
pub fn ensure_label(
    client: &Client,
    name: &str,
    color: &str,
    description: &str,
) -> Result<(), UserError> {
    let what = format!("create the label `{name}`");
    let existing: Option<Label> = client.json_call(
        &format!("look for the label `{name}`"),
        Method::Get,
        &client.repo_url(&format!("/labels/{}", encode_query(name))),
        None,
    )?;
    if existing.is_some() {
        return Ok(());
    }
    let url = client.repo_url("/labels");
    let body =
        serde_json::to_vec(&json!({"name": name, "color": color, "description": description}))
            .expect("JSON values serialize");
    client.retrying(&what, |_| {
        match client.attempt(Method::Post, &url, Body::Json(body.clone())) {
            Err(Failure::Status(r)) if r.status == 422 => Ok(()),
            other => other.map(|_| ()),
        }
    })
}

/// Add labels to a pull request (`POST /repos/{o}/{r}/issues/{n}/labels`);
/// returns every label it has afterwards. Adding a label twice is harmless.
pub fn add_labels(client: &Client, number: u64, names: &[&str]) -> Result<Vec<Label>, UserError> {
    let what = format!("label pull request #{number}");
    client
        .json_call(
            &what,
            Method::Post,
            &client.repo_url(&format!("/issues/{number}/labels")),
            Some(&json!({ "labels": names })),
        )?
        .ok_or_else(|| not_found(&what))
}

/// Remove a label from a pull request (`DELETE
/// /repos/{o}/{r}/issues/{n}/labels/{name}`). `Ok(false)` when it did not
/// carry it (GitHub answers 404), so a rerun is harmless.
pub fn remove_label(client: &Client, number: u64, name: &str) -> Result<bool, UserError> {
    let removed: Option<Vec<Label>> = client.json_call(
        &format!("remove the label `{name}` from pull request #{number}"),
        Method::Delete,
        &client.repo_url(&format!("/issues/{number}/labels/{}", encode_query(name))),
        None,
    )?;
    Ok(removed.is_some())
}

fn not_found(what: &str) -> UserError {
    UserError::new(format!("{what}: GitHub answered 404"))
        .hint("the pull request may have been deleted, or the token cannot see the repository; run the command again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_request_reads_from_githubs_documented_shape() {
        let pr: PullRequest = serde_json::from_str(
            r#"{"number": 7, "state": "closed", "title": "chore: release", "body": null,
                "html_url": "https://github.com/o/r/pull/7",
                "head": {"label": "o:consign/release", "ref": "consign/release", "sha": "abc"},
                "base": {"label": "o:main", "ref": "main", "sha": "def"},
                "merged_at": "2026-01-01T00:00:00Z", "merge_commit_sha": "123",
                "labels": [{"id": 1, "name": "consign: pending", "color": "ededed"}]}"#,
        )
        .unwrap();
        assert_eq!(pr.head.name, "consign/release");
        assert!(pr.is_merged());
        assert!(pr.has_label(crate::release::LABEL_PENDING));
        assert!(!pr.has_label(crate::release::LABEL_TAGGED));
    }
}
