//! The release branch: the edits committed on a branch made from the
//! current `HEAD`, pushed with `git push --force-with-lease` (the lease is
//! the remote branch as `git ls-remote` saw it just before, so a push that
//! raced another is refused instead of overwriting it). The work tree is
//! back on the original branch or commit afterwards, as it was.

use std::path::Path;

use super::apply::{self, Edit};
use crate::error::UserError;

/// What the push did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// The commit now at the remote branch.
    pub commit: String,
    /// The remote branch before, if it existed.
    pub replaced: Option<String>,
    /// Whether anything was pushed (`false`: the remote branch already held
    /// the same edits on the same `HEAD`).
    pub pushed: bool,
}

fn git(repo: &Path, args: &[&str]) -> anyhow::Result<String> {
    super::git(repo, args).map(|out| out.trim().to_string())
}

/// The current branch's name, or `None` when `HEAD` is detached.
pub fn current_branch(repo: &Path) -> Option<String> {
    git(repo, &["symbolic-ref", "-q", "--short", "HEAD"])
        .ok()
        .filter(|s| !s.is_empty())
}

/// The commit `branch` points at on `remote`, if it exists there.
pub fn remote_head(repo: &Path, remote: &str, branch: &str) -> anyhow::Result<Option<String>> {
    let out = git(
        repo,
        &["ls-remote", "--heads", remote, &format!("refs/heads/{branch}")],
    )
    .map_err(|e| {
        UserError::new(format!("cannot reach the git remote `{remote}`: {e:#}"))
            .hint("`consign release-pr` pushes the release branch to `origin`; check `git remote -v` and the credentials")
    })?;
    Ok(out
        .lines()
        .find_map(|l| l.split_whitespace().next())
        .map(str::to_string))
}

/// Commit `edits` to `branch` (made afresh from `HEAD`) and push it to
/// `remote`. `redact` cleans git's messages of credentials.
pub fn commit_and_push(
    repo: &Path,
    branch: &str,
    remote: &str,
    edits: &[Edit],
    message: &str,
    redact: &dyn Fn(&str) -> String,
) -> anyhow::Result<Pushed> {
    let original = match current_branch(repo) {
        Some(b) => b,
        None => git(repo, &["rev-parse", "HEAD"])?,
    };
    // Look first: the lease is what the remote has now.
    let replaced = remote_head(repo, remote, branch)?;
    git(repo, &["checkout", "-q", "-B", branch])?;
    let committed = commit(repo, edits, message);
    // Back where we started, whatever happened.
    let back = git(repo, &["checkout", "-q", &original]);
    let commit = committed?;
    back?;
    if let Some(remote_commit) = &replaced {
        if same_release(repo, remote, branch, remote_commit, &commit) {
            return Ok(Pushed {
                commit: remote_commit.clone(),
                replaced,
                pushed: false,
            });
        }
    }
    let lease = format!(
        "--force-with-lease=refs/heads/{branch}:{}",
        replaced.as_deref().unwrap_or("")
    );
    let refspec = format!("{commit}:refs/heads/{branch}");
    git(repo, &["push", "-q", "--no-verify", &lease, remote, &refspec]).map_err(|e| {
        UserError::new(redact(&format!(
            "cannot push the release branch `{branch}` to `{remote}`: {e:#}"
        )))
        .hint("if another run pushed the branch meanwhile, run `consign release-pr` again; otherwise check the token's `contents: write` permission")
    })?;
    Ok(Pushed {
        commit,
        replaced,
        pushed: true,
    })
}

/// Whether the remote branch's commit has the same tree and parent as the
/// one just made (a rerun with nothing new). Any doubt (the fetch fails)
/// counts as different, and the branch is pushed.
fn same_release(repo: &Path, remote: &str, branch: &str, remote_commit: &str, ours: &str) -> bool {
    if git(
        repo,
        &[
            "fetch",
            "-q",
            "--no-tags",
            remote,
            &format!("refs/heads/{branch}"),
        ],
    )
    .is_err()
    {
        return false;
    }
    let facts = |c: &str| {
        (
            git(repo, &["rev-parse", &format!("{c}^{{tree}}")]).ok(),
            git(repo, &["rev-parse", &format!("{c}^")]).ok(),
        )
    };
    let (theirs, ours) = (facts(remote_commit), facts(ours));
    theirs.0.is_some() && theirs.1.is_some() && theirs == ours
}

fn commit(repo: &Path, edits: &[Edit], message: &str) -> anyhow::Result<String> {
    apply::write(edits)?;
    if !edits.is_empty() {
        let mut args = vec!["add".to_string(), "--".to_string()];
        args.extend(edits.iter().map(|e| e.path.to_string_lossy().into_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        git(repo, &args)?;
    }
    let mut args = Vec::new();
    // CI machines often have no identity; the commit still needs one.
    if git(repo, &["config", "user.email"]).is_err() {
        args.extend([
            "-c",
            "user.name=consign",
            "-c",
            "user.email=consign@users.noreply.github.com",
        ]);
    }
    args.extend([
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "-m",
        message,
    ]);
    git(repo, &args)?;
    git(repo, &["rev-parse", "HEAD"])
}
