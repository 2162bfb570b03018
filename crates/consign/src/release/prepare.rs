//! The release-PR plan, pure: from each package's version, dependencies and
//! commits since its last tag to the new versions, the reasons and the
//! changelog sections. No I/O; the same input gives the same plan.
//!
//! Rules, in order:
//! 1. a selected package's own commits give its level ([`Change::level`],
//!    or `--bump`), and a package on a pre-release run without
//!    `--prerelease` leaves it;
//! 2. a package depending (normal or build) on a bumped package gets at
//!    least a patch bump, transitively;
//! 3. packages sharing a version (a `release-groups` group, or every package
//!    with `version.workspace = true`) move together to the group's highest
//!    level, from the group's highest version;
//!    steps 2 and 3 repeat until nothing changes;
//! 4. each bumped package gets its next version ([`next_version`]) and a
//!    Keep a Changelog section grouped by commit type.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;
use serde::Serialize;

use super::bump::{next_version, BumpRequest, Change, Level, Prerelease};
use super::{tag_name, tag_version, TagStyle};
use crate::error::{self, UserError};

/// The fixed template of a changelog section (Keep a Changelog layout).
pub const CHANGELOG_TEMPLATE: &str = include_str!("../../templates/changelog-section.md.j2");

/// The group name of the packages that share `[workspace.package] version`.
pub const WORKSPACE_GROUP: &str = "[workspace.package] version";

/// One workspace member, as the plan needs it.
#[derive(Clone, Debug)]
pub struct Member {
    /// The package name.
    pub name: String,
    /// Its current version.
    pub version: Version,
    /// `publish` is not false.
    pub publish: bool,
    /// `version.workspace = true`.
    pub inherits_version: bool,
    /// The workspace members it depends on (normal and build dependencies).
    pub depends_on: Vec<String>,
    /// Its last release tag.
    pub last_tag: Option<String>,
    /// The messages of the commits since, newest first.
    pub commits: Vec<String>,
}

/// What the run was asked for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--bump`.
    pub bump: BumpRequest,
    /// `--prerelease`.
    pub prerelease: Option<Prerelease>,
    /// `--group`.
    pub group: Option<String>,
    /// The date of the changelog sections (`YYYY-MM-DD`).
    pub date: String,
}

/// The whole input of [`prepare`].
#[derive(Clone, Debug)]
pub struct Input {
    /// Every workspace member.
    pub members: Vec<Member>,
    /// `release-groups`: group name → package names.
    pub groups: BTreeMap<String, Vec<String>>,
    /// `[workspace.package] version`, if set.
    pub workspace_version: Option<Version>,
    /// How tags are named.
    pub tag_style: TagStyle,
    /// `tag-namespace`.
    pub tag_namespace: Option<String>,
}

/// The plan: every package that moves, and the PR that proposes it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ReleasePlan {
    /// Bumped packages, by name.
    pub packages: Vec<PackageRelease>,
    /// `[workspace.package] version`, old → new, when it moves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_version: Option<VersionChange>,
    /// Packages whose current version is not tagged yet, left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingRelease>,
    /// The PR title.
    pub title: String,
    /// The PR body.
    pub body: String,
}

/// A version already in the manifests whose tag does not exist yet: the
/// release PR that made it was merged and `consign release` has not tagged
/// it. Bumping it again would propose a second release on top of the first,
/// so it is left to `consign release`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PendingRelease {
    /// The package.
    pub name: String,
    /// Its version, not released yet.
    pub version: Version,
    /// The tag `consign release` will create.
    pub tag: String,
    /// Its last release tag.
    pub last_tag: String,
}

impl ReleasePlan {
    /// The new version of `name`, if it is bumped.
    pub fn new_version(&self, name: &str) -> Option<&Version> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.new)
    }
}

/// One version change.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct VersionChange {
    /// Before.
    pub old: Version,
    /// After.
    pub new: Version,
}

/// One bumped package.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PackageRelease {
    /// The package.
    pub name: String,
    /// Its version now.
    pub old: Version,
    /// Its version after the release PR.
    pub new: Version,
    /// The tag `release` will create.
    pub tag: String,
    /// The level it moved by.
    pub level: Level,
    /// Its last release tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_tag: Option<String>,
    /// Why it moves, one line each.
    pub reasons: Vec<String>,
    /// Its new changelog section (Markdown, ending in a newline).
    pub changelog: String,
}

/// Work out the release plan.
pub fn prepare(input: &Input, opts: &Options) -> Result<ReleasePlan, UserError> {
    let index: BTreeMap<&str, usize> = input
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let members = &input.members;

    // Groups, checked: named packages exist, publish, and are in one group.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut group_of: BTreeMap<usize, String> = BTreeMap::new();
    for (name, packages) in &input.groups {
        let mut ids = Vec::new();
        for p in packages {
            let Some(&i) = index.get(p.as_str()) else {
                let hint = match error::closest(p, index.keys().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the workspace members are {}", error::list(index.keys())),
                };
                return Err(UserError::new(format!(
                    "release group `{name}` names `{p}`, which is not a workspace member"
                ))
                .hint(hint));
            };
            if let Some(other) = group_of.insert(i, name.clone()) {
                return Err(UserError::new(format!(
                    "`{p}` is in two release groups, `{other}` and `{name}`"
                ))
                .hint("a package shares its version with one group; remove it from one of them"));
            }
            ids.push(i);
        }
        groups.push((name.clone(), ids));
    }
    let inheriting: Vec<usize> = (0..members.len())
        .filter(|&i| members[i].inherits_version && members[i].publish)
        .collect();
    if inheriting.len() > 1 {
        for &i in &inheriting {
            if let Some(other) = group_of.get(&i) {
                return Err(UserError::new(format!(
                    "`{}` takes its version from `[workspace.package]`, so it cannot also be in release group `{other}`",
                    members[i].name
                ))
                .hint("every package with `version.workspace = true` already moves together; remove it from `release-groups`"));
            }
        }
        groups.push((WORKSPACE_GROUP.to_string(), inheriting.clone()));
    }

    // The selection.
    let mut selected: BTreeSet<usize> = match &opts.group {
        None => (0..members.len()).filter(|&i| members[i].publish).collect(),
        Some(g) => match input.groups.get(g) {
            Some(names) => names
                .iter()
                .filter_map(|n| index.get(n.as_str()).copied())
                .filter(|&i| members[i].publish)
                .collect(),
            None => {
                let known: Vec<&str> = input.groups.keys().map(String::as_str).collect();
                let hint = if known.is_empty() {
                    "no `release-groups` are configured; run without `--group`, or add the group to `release-groups`".to_string()
                } else if let Some(close) = error::closest(g, known.iter().copied()) {
                    format!(
                        "did you mean `{close}`? The groups are {}",
                        error::list(&known)
                    )
                } else {
                    format!("the groups in `release-groups` are {}", error::list(&known))
                };
                return Err(
                    UserError::new(format!("`--group {g}` names no release group")).hint(hint),
                );
            }
        },
    };
    if selected.iter().any(|i| inheriting.contains(i)) && inheriting.len() > 1 {
        selected.extend(inheriting.iter().copied());
    }

    // Versions waiting for `consign release` are not bumped again (merging
    // the release PR is itself a push that runs this step).
    let mut pending = Vec::new();
    for &i in &selected {
        let m = &members[i];
        let Some(last) = &m.last_tag else { continue };
        let ns = input.tag_namespace.as_deref();
        let released = tag_version(input.tag_style, ns, &m.name, last);
        if released.is_some_and(|r| r < m.version) {
            pending.push(PendingRelease {
                name: m.name.clone(),
                version: m.version.clone(),
                tag: tag_name(input.tag_style, ns, &m.name, &m.version),
                last_tag: last.clone(),
            });
        }
    }
    pending.sort_by(|a, b| a.name.cmp(&b.name));
    let waiting: BTreeSet<&str> = pending.iter().map(|p| p.name.as_str()).collect();
    selected.retain(|&i| !waiting.contains(members[i].name.as_str()));
    for (_, ids) in &groups {
        // A group moves as one: one member waiting holds the whole group.
        if ids
            .iter()
            .any(|&i| waiting.contains(members[i].name.as_str()))
        {
            for i in ids {
                selected.remove(i);
            }
        }
    }

    // 1. Own commits.
    let mut level: Vec<Option<Level>> = vec![None; members.len()];
    let mut reasons: Vec<Vec<String>> = vec![Vec::new(); members.len()];
    let mut changes: Vec<Vec<Change>> = vec![Vec::new(); members.len()];
    for &i in &selected {
        let m = &members[i];
        for message in &m.commits {
            let change = Change::parse(message);
            let l = match opts.bump {
                BumpRequest::Auto => change.level(&m.version),
                BumpRequest::Forced(l) => l,
            };
            level[i] = level[i].max(Some(l));
            reasons[i].push(change.reason(&m.version));
            changes[i].push(change);
        }
        if let (BumpRequest::Forced(l), Some(_)) = (opts.bump, level[i]) {
            reasons[i].push(format!("`--bump {l}` sets the level"));
        }
        if !m.version.pre.is_empty() && opts.prerelease.is_none() && level[i].is_none() {
            level[i] = Some(Level::Patch);
            reasons[i].push(format!(
                "leaves the pre-release {} (no `--prerelease`)",
                m.version
            ));
        }
    }

    // 2 and 3, until nothing changes.
    let mut via_group: Vec<Option<&str>> = vec![None; members.len()];
    loop {
        let mut changed = false;
        for &i in &selected {
            if level[i].is_none()
                && members[i]
                    .depends_on
                    .iter()
                    .any(|d| index.get(d.as_str()).is_some_and(|&j| level[j].is_some()))
            {
                level[i] = Some(Level::Patch);
                changed = true;
            }
        }
        for (name, ids) in &groups {
            let max = ids.iter().filter_map(|&i| level[i]).max();
            if let Some(max) = max {
                for &i in ids {
                    if selected.contains(&i) && level[i] != Some(max) {
                        if level[i].is_none() {
                            via_group[i] = Some(name);
                        }
                        level[i] = Some(max);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }

    // 4. Versions: a group moves from its highest version.
    let mut new: Vec<Option<Version>> = vec![None; members.len()];
    for (_, ids) in &groups {
        let ids: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|i| selected.contains(i))
            .collect();
        let Some(l) = ids.iter().filter_map(|&i| level[i]).max() else {
            continue;
        };
        let mut base = ids
            .iter()
            .map(|&i| members[i].version.clone())
            .max()
            .expect("a group with a level has a member");
        if ids.iter().any(|&i| members[i].inherits_version) {
            if let Some(ws) = &input.workspace_version {
                base = base.max(ws.clone());
            }
        }
        let v = next_version(&base, l, opts.prerelease.as_ref());
        for &i in &ids {
            new[i] = Some(v.clone());
        }
    }
    for &i in &selected {
        if new[i].is_none() {
            if let Some(l) = level[i] {
                new[i] = Some(next_version(
                    &members[i].version,
                    l,
                    opts.prerelease.as_ref(),
                ));
            }
        }
    }

    // Reasons for moves that did not come from the package's own commits.
    let mut deps_bumped: Vec<Vec<String>> = vec![Vec::new(); members.len()];
    for &i in &selected {
        if new[i].is_none() {
            continue;
        }
        let mut deps: Vec<&String> = members[i].depends_on.iter().collect();
        deps.sort();
        deps.dedup();
        for d in deps {
            if let Some(v) = index.get(d.as_str()).and_then(|&j| new[j].as_ref()) {
                let line = format!("dependency `{d}` bumped to {v}");
                reasons[i].push(line.clone());
                deps_bumped[i].push(line);
            }
        }
        if let Some(g) = via_group[i] {
            reasons[i].push(if g == WORKSPACE_GROUP {
                "shares `[workspace.package] version` with the bumped packages".to_string()
            } else {
                format!("moves with release group `{g}`")
            });
        }
    }

    let workspace_version = match (&input.workspace_version, inheriting.first()) {
        (Some(old), Some(&i)) => new[i].as_ref().map(|v| VersionChange {
            old: old.clone(),
            new: v.clone(),
        }),
        _ => None,
    };

    let mut packages = Vec::new();
    for &i in &selected {
        let (Some(v), Some(l)) = (&new[i], level[i]) else {
            continue;
        };
        let m = &members[i];
        packages.push(PackageRelease {
            name: m.name.clone(),
            old: m.version.clone(),
            new: v.clone(),
            tag: tag_name(input.tag_style, input.tag_namespace.as_deref(), &m.name, v),
            level: l,
            last_tag: m.last_tag.clone(),
            reasons: reasons[i].clone(),
            changelog: render_section(v, &opts.date, &changes[i], &deps_bumped[i], &reasons[i])?,
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let (title, body) = pull_text(&packages, input.tag_style);
    Ok(ReleasePlan {
        packages,
        workspace_version,
        pending,
        title,
        body,
    })
}

/// The Keep a Changelog heading a change goes under.
fn section_of(c: &Change) -> &'static str {
    if c.breaking {
        return "Changed";
    }
    match c.kind.as_deref() {
        Some("feat") => "Added",
        Some("fix") => "Fixed",
        Some("security") => "Security",
        Some("deprecate" | "deprecated") => "Deprecated",
        Some("remove" | "removed") => "Removed",
        _ => "Changed",
    }
}

/// The order of the headings in a section.
const SECTIONS: [&str; 6] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// One package's new changelog section, from the fixed template.
fn render_section(
    version: &Version,
    date: &str,
    changes: &[Change],
    deps: &[String],
    reasons: &[String],
) -> Result<String, UserError> {
    let mut grouped: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in changes {
        let scope = c
            .scope
            .as_deref()
            .map(|s| format!("**{s}**: "))
            .unwrap_or_default();
        let breaking = if c.breaking { "**breaking**: " } else { "" };
        grouped
            .entry(section_of(c))
            .or_default()
            .push(format!("{breaking}{scope}{}", c.summary));
    }
    for d in deps {
        grouped.entry("Changed").or_default().push(upper_first(d));
    }
    if grouped.is_empty() {
        // A move with no commit of its own and no dependency: say why.
        let why = reasons.last().map(|r| upper_first(r)).unwrap_or_default();
        grouped.entry("Changed").or_default().push(why);
    }
    let groups: Vec<_> = SECTIONS
        .iter()
        .filter_map(|s| {
            grouped.get(s).map(|entries| {
                minijinja::context! { title => *s, entries => entries }
            })
        })
        .collect();
    crate::installer::render_template(
        "changelog-section.md",
        CHANGELOG_TEMPLATE,
        minijinja::context! { version => version.to_string(), date => date, groups => groups },
    )
    .map_err(|e| UserError::new(format!("internal error (a bug): {e:#}")))
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The PR title and body.
fn pull_text(packages: &[PackageRelease], style: TagStyle) -> (String, String) {
    let title = match (packages, style) {
        ([], _) => "chore: release".to_string(),
        ([p], _) => format!("chore: release {} {}", p.name, p.new),
        ([p, ..], TagStyle::Unified) if packages.iter().all(|q| q.new == p.new) => {
            format!("chore: release v{}", p.new)
        }
        _ => format!("chore: release {} packages", packages.len()),
    };
    let mut body =
        String::from("This PR was opened by `consign release-pr`. Merging it releases:\n\n");
    if packages.is_empty() {
        body.push_str("nothing: no package needs a new version (opened with `--force`).\n");
    } else {
        body.push_str("| package | from | to | tag |\n|---|---|---|---|\n");
        for p in packages {
            body.push_str(&format!(
                "| `{}` | {} | {} | `{}` |\n",
                p.name, p.old, p.new, p.tag
            ));
        }
        let mut sections = String::new();
        for p in packages {
            sections.push_str(&format!(
                "\n<details><summary><code>{}</code> {}</summary>\n\n",
                p.name, p.new
            ));
            sections.push_str(&p.changelog);
            sections.push_str("\n</details>\n");
        }
        if body.len() + sections.len() <= MAX_BODY {
            body.push_str(&sections);
        } else {
            body.push_str("\nThe changelog sections are too long for a PR body; they are in the `CHANGELOG.md` files this PR changes.\n");
        }
    }
    (title, body)
}

/// GitHub refuses PR bodies over 65,536 characters; the changelog sections
/// are left out of bodies that would pass this.
pub const MAX_BODY: usize = 60_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn member(name: &str, version: &str, deps: &[&str], commits: &[&str]) -> Member {
        Member {
            name: name.into(),
            version: v(version),
            publish: true,
            inherits_version: false,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            last_tag: None,
            commits: commits.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn input(members: Vec<Member>) -> Input {
        Input {
            members,
            groups: BTreeMap::new(),
            workspace_version: None,
            tag_style: TagStyle::Singular,
            tag_namespace: None,
        }
    }

    fn opts() -> Options {
        Options {
            date: "2026-01-02".into(),
            ..Options::default()
        }
    }

    fn versions(plan: &ReleasePlan) -> Vec<(String, String)> {
        plan.packages
            .iter()
            .map(|p| (p.name.clone(), p.new.to_string()))
            .collect()
    }

    #[test]
    fn dependents_move_transitively_with_a_reason() {
        let plan = prepare(
            &input(vec![
                member("core", "1.0.0", &[], &["feat: faster"]),
                member("mid", "0.3.0", &["core"], &[]),
                member("top", "2.1.0", &["mid"], &[]),
                member("alone", "1.0.0", &[], &[]),
            ]),
            &opts(),
        )
        .unwrap();
        assert_eq!(
            versions(&plan),
            [
                ("core".into(), "1.1.0".into()),
                ("mid".into(), "0.3.1".into()),
                ("top".into(), "2.1.1".into())
            ]
        );
        let top = &plan.packages[2];
        assert_eq!(top.reasons, ["dependency `mid` bumped to 0.3.1"]);
        assert!(
            top.changelog
                .contains("### Changed\n\n- Dependency `mid` bumped to 0.3.1\n"),
            "{}",
            top.changelog
        );
        assert_eq!(top.tag, "top-v2.1.1");
        assert!(plan
            .body
            .contains("| `core` | 1.0.0 | 1.1.0 | `core-v1.1.0` |"));
    }

    #[test]
    fn the_changelog_section_groups_by_type() {
        let plan = prepare(
            &input(vec![member(
                "a",
                "1.0.0",
                &[],
                &[
                    "fix(io): short read",
                    "feat: new flag",
                    "docs: typo",
                    "feat!: drop old API",
                    "Merge stuff",
                ],
            )]),
            &opts(),
        )
        .unwrap();
        assert_eq!(
            plan.packages[0].changelog,
            "## [2.0.0] - 2026-01-02\n\n### Added\n\n- new flag\n\n### Changed\n\n- typo\n- **breaking**: drop old API\n- Merge stuff\n\n### Fixed\n\n- **io**: short read\n"
        );
        assert_eq!(plan.packages[0].level, Level::Major);
    }

    #[test]
    fn groups_and_the_workspace_version_move_together() {
        let mut i = input(vec![
            member("a", "1.2.0", &[], &["fix: x"]),
            member("b", "1.2.0", &[], &["feat: y"]),
            member("c", "1.2.0", &[], &[]),
            member("d", "0.1.0", &[], &["fix: z"]),
        ]);
        i.groups
            .insert("ab".into(), vec!["a".into(), "b".into(), "c".into()]);
        let plan = prepare(&i, &opts()).unwrap();
        assert_eq!(
            versions(&plan),
            [
                ("a".into(), "1.3.0".into()),
                ("b".into(), "1.3.0".into()),
                ("c".into(), "1.3.0".into()),
                ("d".into(), "0.1.1".into())
            ]
        );
        assert!(plan.packages[2]
            .reasons
            .contains(&"moves with release group `ab`".to_string()));
        // --group limits the run.
        let only = prepare(
            &i,
            &Options {
                group: Some("ab".into()),
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(only.packages.len(), 3);
        let err = prepare(
            &i,
            &Options {
                group: Some("abc".into()),
                ..opts()
            },
        )
        .unwrap_err();
        assert!(err.message.contains("`--group abc`"), "{err:?}");
        assert!(err.hint.unwrap().contains("did you mean `ab`?"));

        let mut w = input(vec![
            member("a", "1.2.0", &[], &["fix: x"]),
            member("b", "1.2.0", &[], &[]),
        ]);
        for m in &mut w.members {
            m.inherits_version = true;
        }
        w.workspace_version = Some(v("1.2.0"));
        let plan = prepare(&w, &opts()).unwrap();
        assert_eq!(
            versions(&plan),
            [("a".into(), "1.2.1".into()), ("b".into(), "1.2.1".into())]
        );
        assert_eq!(
            plan.workspace_version,
            Some(VersionChange {
                old: v("1.2.0"),
                new: v("1.2.1")
            })
        );
    }

    #[test]
    fn unpublished_and_unchanged_packages_stay() {
        let mut i = input(vec![
            member("a", "1.0.0", &[], &["feat: x"]),
            member("b", "1.0.0", &[], &[]),
        ]);
        i.members[0].publish = false;
        let plan = prepare(&i, &opts()).unwrap();
        assert!(plan.packages.is_empty());
        assert_eq!(plan.title, "chore: release");
    }

    #[test]
    fn forced_levels_and_prereleases() {
        let i = input(vec![
            member("a", "1.2.0", &[], &["fix: x"]),
            member("b", "1.3.0-rc.1", &[], &[]),
        ]);
        let plan = prepare(
            &i,
            &Options {
                bump: BumpRequest::Forced(Level::Major),
                prerelease: Some("rc.1".parse().unwrap()),
                ..opts()
            },
        )
        .unwrap();
        assert_eq!(versions(&plan), [("a".into(), "2.0.0-rc.1".into())]);
        // Without --prerelease, a package on a pre-release leaves it.
        let plan = prepare(&i, &opts()).unwrap();
        assert_eq!(
            versions(&plan),
            [("a".into(), "1.2.1".into()), ("b".into(), "1.3.0".into())]
        );
    }

    #[test]
    fn a_body_too_long_for_github_leaves_the_sections_out() {
        let commits: Vec<String> = (0..400)
            .map(|i| format!("fix: a long enough change number {i}"))
            .collect();
        let commits: Vec<&str> = commits.iter().map(String::as_str).collect();
        let members = (0..20)
            .map(|i| member(&format!("p{i}"), "1.0.0", &[], &commits))
            .collect();
        let plan = prepare(&input(members), &opts()).unwrap();
        assert!(plan.body.len() <= MAX_BODY, "{}", plan.body.len());
        assert!(plan.body.contains("| `p7` | 1.0.0 | 1.0.1 | `p7-v1.0.1` |"));
        assert!(plan.body.contains("too long for a PR body"));
        assert!(!plan.body.contains("<details>"));
    }

    #[test]
    fn a_group_naming_an_unknown_package_is_an_error() {
        let mut i = input(vec![member("core", "1.0.0", &[], &[])]);
        i.groups.insert("g".into(), vec!["cor".into()]);
        let err = prepare(&i, &opts()).unwrap_err();
        assert!(err.message.contains("`cor`"), "{err:?}");
        assert_eq!(err.hint.as_deref(), Some("did you mean `core`?"));
    }
}
