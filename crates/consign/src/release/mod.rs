//! The release-PR flow: `consign release-pr` prepares (version bumps,
//! changelogs, one release PR) and `consign release` finishes (publish, tags,
//! GitHub Releases, notify) once that PR is merged.
//!
//! This module holds what both halves must agree on: the release branch, the
//! labels that record the PR's state, and the name of each package's release
//! tag. The halves live in submodules.

pub mod finish;
pub mod journal;

use semver::Version;

pub mod apply;
pub mod branch;
pub mod bump;
pub mod history;
pub mod inputs;
pub mod prepare;
pub mod pulls;

/// The branch `release-pr` commits to and opens the PR from, unless configured.
pub const DEFAULT_BRANCH: &str = "consign/release";

/// The PR's state, as a label: opened or updated by `release-pr`.
pub const LABEL_PENDING: &str = "consign: pending";
/// The PR's state, as a label: `release` has pushed every tag.
pub const LABEL_TAGGED: &str = "consign: tagged";
/// The PR's state, as a label: `release` has finished (published, released, notified).
pub const LABEL_PUBLISHED: &str = "consign: published";

/// Every state label, in the order a release moves through them.
pub const STATE_LABELS: [&str; 3] = [LABEL_PENDING, LABEL_TAGGED, LABEL_PUBLISHED];

/// How release tags are named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagStyle {
    /// One `v1.2.3` tag for the whole workspace.
    Unified,
    /// One `name-v1.2.3` tag per package.
    Singular,
}

impl TagStyle {
    /// The style for a workspace: unified when only one package is released
    /// or every released package takes its version from
    /// `[workspace.package] version`; otherwise one tag per package.
    pub fn for_workspace(released: usize, all_inherit_workspace_version: bool) -> TagStyle {
        if released <= 1 || all_inherit_workspace_version {
            TagStyle::Unified
        } else {
            TagStyle::Singular
        }
    }
}

/// Run git in `repo` (paths unquoted); its stdout, or an error naming the
/// command and git's message.
pub(crate) fn git(repo: &std::path::Path, args: &[&str]) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let out = std::process::Command::new("git")
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .current_dir(repo)
        .output()
        .with_context(|| format!("cannot run `git {}`", args.join(" ")))?;
    if !out.status.success() {
        anyhow::bail!(
            "`git {}` failed in `{}`: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The release tag of `package` at `version`. It reads back with
/// [`crate::plan::announcement::parse_tag`] to the same package (singular) and
/// version, so `consign plan --tag` accepts it.
pub fn tag_name(
    style: TagStyle,
    namespace: Option<&str>,
    package: &str,
    version: &Version,
) -> String {
    let bare = match style {
        TagStyle::Unified => format!("v{version}"),
        TagStyle::Singular => format!("{package}-v{version}"),
    };
    match namespace {
        Some(ns) => format!("{ns}-{bare}"),
        None => bare,
    }
}

/// The version a release tag of `package` names, if `tag` is exactly what
/// [`tag_name`] gives for that version.
pub fn tag_version(
    style: TagStyle,
    namespace: Option<&str>,
    package: &str,
    tag: &str,
) -> Option<Version> {
    let mut prefix = namespace.map(|ns| format!("{ns}-")).unwrap_or_default();
    if style == TagStyle::Singular {
        prefix.push_str(package);
        prefix.push('-');
    }
    prefix.push('v');
    let version = Version::parse(tag.strip_prefix(&prefix)?).ok()?;
    (tag_name(style, namespace, package, &version) == tag).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::announcement::parse_tag;

    #[test]
    fn tags_read_back_as_the_package_and_version_they_name() {
        let names = ["app", "app-core", "lib"];
        for (style, ns, pkg, v) in [
            (TagStyle::Singular, None, "app-core", "1.2.3"),
            (TagStyle::Singular, Some("rel"), "app", "0.1.0-rc.2"),
            (TagStyle::Unified, None, "lib", "2.0.0"),
            (TagStyle::Unified, Some("rel"), "lib", "2.0.0+build.1"),
        ] {
            let version = Version::parse(v).unwrap();
            let tag = tag_name(style, ns, pkg, &version);
            let parsed = parse_tag(&tag, &names, ns).unwrap();
            assert_eq!(tag_version(style, ns, pkg, &tag), Some(version.clone()));
            assert_eq!(parsed.version, version, "{tag}");
            let expected = (style == TagStyle::Singular).then(|| pkg.to_string());
            assert_eq!(parsed.package, expected, "{tag}");
        }
    }

    #[test]
    fn style_is_unified_for_one_package_or_one_shared_version() {
        assert_eq!(TagStyle::for_workspace(1, false), TagStyle::Unified);
        assert_eq!(TagStyle::for_workspace(3, true), TagStyle::Unified);
        assert_eq!(TagStyle::for_workspace(3, false), TagStyle::Singular);
    }
}
