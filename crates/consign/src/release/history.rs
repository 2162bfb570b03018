//! The commits each package has had since its last release tag, from ONE
//! `git log` walk for the whole workspace.
//!
//! The walk goes from `HEAD` back to the common ancestor of every package's
//! last release tag (all history when a package has no tag yet), with
//! `--name-only`. Each changed file belongs to the package whose directory is
//! the longest prefix of its path. A commit counts for a package when it
//! touches the package and is not already in the package's tag (the
//! ancestry is worked out in memory from the parents the walk printed).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::bail;

use super::{git, tag_version, TagStyle};

/// A package, as the walk needs it.
#[derive(Clone, Debug)]
pub struct Tracked {
    /// The package name.
    pub name: String,
    /// Its directory relative to the repository root, `/`-separated, `""`
    /// for the root.
    pub dir: String,
}

/// One commit of the walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The full hash.
    pub hash: String,
    /// The whole message.
    pub message: String,
}

/// What the walk found.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every commit of the walk that touched a tracked package, newest first.
    pub commits: Vec<Commit>,
    /// Per tracked package (same order as given): its last release tag and
    /// the indices into `commits` of the commits since, newest first.
    pub packages: Vec<PackageHistory>,
}

/// One package's part of the walk.
#[derive(Clone, Debug, Default)]
pub struct PackageHistory {
    /// Its last release tag, if it has one.
    pub last_tag: Option<String>,
    /// Indices into [`History::commits`].
    pub commits: Vec<usize>,
}

/// The newest existing tag of `package` under `style` (by version): a tag
/// that [`tag_name`] gives back exactly for the version it names.
pub fn last_tag<'a>(
    tags: &'a [String],
    style: TagStyle,
    namespace: Option<&str>,
    package: &str,
) -> Option<&'a str> {
    tags.iter()
        .filter_map(|t| Some((tag_version(style, namespace, package, t)?, t)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t.as_str())
}

/// Every tag of the repository.
pub fn tags(repo: &Path) -> anyhow::Result<Vec<String>> {
    Ok(git(repo, &["tag", "--list"])?
        .lines()
        .map(str::to_string)
        .collect())
}

/// Walk the history of `repo` (its top level) for `packages`.
pub fn walk(
    repo: &Path,
    packages: &[Tracked],
    style: TagStyle,
    namespace: Option<&str>,
) -> anyhow::Result<History> {
    let all_tags = tags(repo)?;
    let last: Vec<Option<String>> = packages
        .iter()
        .map(|p| last_tag(&all_tags, style, namespace, &p.name).map(str::to_string))
        .collect();
    // The tags' commits.
    let mut tag_commit: HashMap<String, String> = HashMap::new();
    let distinct: Vec<&String> = {
        let mut seen = HashSet::new();
        last.iter().flatten().filter(|t| seen.insert(*t)).collect()
    };
    if !distinct.is_empty() {
        let mut args = vec!["rev-parse".to_string()];
        args.extend(distinct.iter().map(|t| format!("refs/tags/{t}^{{commit}}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for (t, sha) in distinct.iter().zip(git(repo, &args)?.lines()) {
            tag_commit.insert((*t).clone(), sha.trim().to_string());
        }
    }
    // Back to the common ancestor of every tag; everything when a package
    // has no tag yet.
    let boundary = if last.iter().all(Option::is_some) && !tag_commit.is_empty() {
        let mut commits: Vec<&str> = tag_commit.values().map(String::as_str).collect();
        commits.sort_unstable();
        commits.dedup();
        let mut args = vec!["merge-base", "--octopus"];
        args.extend(commits);
        // No common ancestor (unrelated histories): walk everything.
        git(repo, &args).ok().map(|s| s.trim().to_string())
    } else {
        None
    };
    let mut args = vec![
        "log",
        "--no-renames",
        "--name-only",
        "--format=%x1e%H%x00%P%x00%B%x00",
        "HEAD",
    ];
    let not;
    if let Some(b) = &boundary {
        not = format!("^{b}");
        args.push(&not);
    }
    args.push("--");
    let log = git(repo, &args)?;

    // Which package a directory is the root of.
    let dirs: HashMap<&str, usize> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.dir.trim_matches('/'), i))
        .collect();
    let owner = |file: &str| -> Option<usize> {
        let mut path = file;
        loop {
            if let Some(&i) = dirs.get(path) {
                return Some(i);
            }
            match path.rfind('/') {
                Some(cut) => path = &path[..cut],
                None if !path.is_empty() => path = "",
                None => return None,
            }
        }
    };

    // Parse the walk: every commit's parents, and the packages it touches.
    struct Walked<'a> {
        hash: &'a str,
        parents: Vec<&'a str>,
        message: &'a str,
        touched: Vec<usize>,
    }
    let mut walked: Vec<Walked<'_>> = Vec::new();
    for record in log.split('\x1e').filter(|r| !r.trim().is_empty()) {
        let mut fields = record.splitn(4, '\0');
        let (Some(hash), Some(parents), Some(message), files) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            bail!("unexpected `git log` output (a record without hash, parents and message)");
        };
        let mut touched: Vec<usize> = files
            .unwrap_or("")
            .lines()
            .filter(|l| !l.is_empty())
            .filter_map(owner)
            .collect();
        touched.sort_unstable();
        touched.dedup();
        walked.push(Walked {
            hash: hash.trim(),
            parents: parents.split_whitespace().collect(),
            message,
            touched,
        });
    }
    let index: HashMap<&str, usize> = walked
        .iter()
        .enumerate()
        .map(|(i, w)| (w.hash, i))
        .collect();

    // The walked commits each tag already contains, as bit sets over the
    // walk (a few KiB per distinct tag commit).
    let words = walked.len().div_ceil(64);
    let mut contained: HashMap<&str, Bits> = HashMap::new();
    for sha in tag_commit.values() {
        if contained.contains_key(sha.as_str()) {
            continue;
        }
        let mut set = Bits(vec![0; words]);
        let mut stack: Vec<usize> = Vec::new();
        match index.get(sha.as_str()) {
            Some(&i) => stack.push(i),
            None if Some(sha) != boundary.as_ref() => {
                // A tag off HEAD's history: ask git what it contains.
                let mut args = vec!["rev-list", sha.as_str()];
                let not_b;
                if let Some(b) = &boundary {
                    not_b = format!("^{b}");
                    args.push(&not_b);
                }
                for line in git(repo, &args)?.lines() {
                    if let Some(&i) = index.get(line.trim()) {
                        set.insert(i);
                    }
                }
            }
            None => {}
        }
        while let Some(i) = stack.pop() {
            if set.insert(i) {
                stack.extend(
                    walked[i]
                        .parents
                        .iter()
                        .filter_map(|p| index.get(p).copied()),
                );
            }
        }
        contained.insert(sha.as_str(), set);
    }

    let mut history = History {
        commits: Vec::new(),
        packages: last
            .iter()
            .map(|t| PackageHistory {
                last_tag: t.clone(),
                commits: Vec::new(),
            })
            .collect(),
    };
    let empty = Bits(vec![0; words]);
    let released: Vec<&Bits> = last
        .iter()
        .map(|t| {
            t.as_ref()
                .and_then(|t| tag_commit.get(t))
                .and_then(|sha| contained.get(sha.as_str()))
                .unwrap_or(&empty)
        })
        .collect();
    for (i, w) in walked.iter().enumerate() {
        let mut kept = None;
        for &p in &w.touched {
            if released[p].contains(i) {
                continue;
            }
            let at = *kept.get_or_insert_with(|| {
                history.commits.push(Commit {
                    hash: w.hash.to_string(),
                    message: w.message.trim().to_string(),
                });
                history.commits.len() - 1
            });
            history.packages[p].commits.push(at);
        }
    }
    Ok(history)
}

/// A set of walk indices.
struct Bits(Vec<u64>);

impl Bits {
    /// Add `i`; whether it was new.
    fn insert(&mut self, i: usize) -> bool {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        let new = self.0[w] & b == 0;
        self.0[w] |= b;
        new
    }

    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1u64 << (i % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_tag_is_the_newest_version_in_the_packages_own_format() {
        let tags: Vec<String> = [
            "app-v1.2.0",
            "app-v1.10.0",
            "app-core-v9.0.0",
            "app-v2.0.0-rc.1",
            "app-vx",
            "rel-app-v3.0.0",
            "v5.0.0",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            last_tag(&tags, TagStyle::Singular, None, "app"),
            Some("app-v2.0.0-rc.1")
        );
        assert_eq!(
            last_tag(&tags, TagStyle::Singular, Some("rel"), "app"),
            Some("rel-app-v3.0.0")
        );
        assert_eq!(
            last_tag(&tags, TagStyle::Unified, None, "app"),
            Some("v5.0.0")
        );
        assert_eq!(last_tag(&tags, TagStyle::Singular, None, "lib"), None);
    }

    /// git as a test committer.
    fn run(dir: &Path, args: &[&str]) {
        let mut all = vec![
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "commit.gpgsign=false",
        ];
        all.extend_from_slice(args);
        git(dir, &all).unwrap();
    }

    fn change(dir: &Path, files: &[&str], message: &str) {
        for f in files {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let mut text = std::fs::read_to_string(&path).unwrap_or_default();
            text.push_str("x\n");
            std::fs::write(path, text).unwrap();
        }
        run(dir, &["add", "-A"]);
        run(dir, &["commit", "-q", "-m", message]);
    }

    #[test]
    fn one_walk_gives_each_package_its_commits_since_its_tag_across_merges() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        run(dir, &["init", "-q", "-b", "main"]);
        change(dir, &["a/x", "b/x", "a/plugins/c/x"], "init");
        run(dir, &["tag", "a-v1.0.0"]);
        run(dir, &["tag", "b-v1.0.0"]);
        change(dir, &["a/x"], "feat: a2");
        run(dir, &["tag", "a-v1.1.0"]);
        run(dir, &["switch", "-q", "-c", "side"]);
        change(dir, &["b/x"], "fix: b on a side branch");
        run(dir, &["switch", "-q", "main"]);
        change(dir, &["a/y", "b/y"], "fix: both");
        run(dir, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
        change(
            dir,
            &["a/plugins/c/y", "README.md"],
            "feat: only the nested package",
        );
        let packages = [("a", "a"), ("b", "b"), ("c", "a/plugins/c")].map(|(n, d)| Tracked {
            name: n.into(),
            dir: d.into(),
        });
        let h = walk(dir, &packages, TagStyle::Singular, None).unwrap();
        let messages = |p: usize| -> Vec<&str> {
            let mut m: Vec<&str> = h.packages[p]
                .commits
                .iter()
                .map(|&i| h.commits[i].message.as_str())
                .collect();
            m.sort_unstable();
            m
        };
        assert_eq!(h.packages[0].last_tag.as_deref(), Some("a-v1.1.0"));
        assert_eq!(messages(0), ["fix: both"]);
        assert_eq!(messages(1), ["fix: b on a side branch", "fix: both"]);
        // No tag: all history counts; the longest directory prefix wins.
        assert_eq!(h.packages[2].last_tag, None);
        assert_eq!(messages(2), ["feat: only the nested package", "init"]);
    }
}
