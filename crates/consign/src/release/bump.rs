//! The version rules of `release-pr`, pure: what a commit asks for, what
//! that means for a version under 1.0, and the next version (with
//! pre-releases). Every function is total and never lowers a version, so
//! they can be fuzzed directly ([`next_version`] takes any version, level
//! and pre-release).

use std::fmt;
use std::str::FromStr;

use semver::{Prerelease as SemverPre, Version};
use serde::Serialize;

/// How much a version moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `x.y.Z`
    Patch,
    /// `x.Y.0`
    Minor,
    /// `X.0.0`
    Major,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        })
    }
}

/// `--bump`: from the commits, or forced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BumpRequest {
    /// From the commits (conventional-commit rules).
    #[default]
    Auto,
    /// This level for every package that changed.
    Forced(Level),
}

/// What one commit says about a package, read from its message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The conventional type (`feat`, `fix`, ...), `None` for a message that
    /// is not a conventional commit.
    pub kind: Option<String>,
    /// The scope, if any.
    pub scope: Option<String>,
    /// The first line's description (the whole first line when not conventional).
    pub summary: String,
    /// `!` or a `BREAKING CHANGE` footer.
    pub breaking: bool,
}

impl Change {
    /// Read a commit message.
    pub fn parse(message: &str) -> Change {
        match git_conventional::Commit::parse(message.trim()) {
            Ok(c) => Change {
                kind: Some(c.type_().as_str().to_ascii_lowercase()),
                scope: c.scope().map(|s| s.as_str().to_string()),
                summary: c.description().trim().to_string(),
                breaking: c.breaking(),
            },
            Err(_) => Change {
                kind: None,
                scope: None,
                summary: message.lines().next().unwrap_or("").trim().to_string(),
                breaking: false,
            },
        }
    }

    /// The level this change asks of a package at `version`: breaking →
    /// major, `feat` → minor, anything else → patch; under 1.0 one step less
    /// (breaking → minor, `feat` → patch); under 0.0.x always patch.
    pub fn level(&self, version: &Version) -> Level {
        let wanted = if self.breaking {
            Level::Major
        } else if self.kind.as_deref() == Some("feat") {
            Level::Minor
        } else {
            Level::Patch
        };
        match (version.major, version.minor) {
            (0, 0) => Level::Patch,
            (0, _) => match wanted {
                Level::Major => Level::Minor,
                _ => Level::Patch,
            },
            _ => wanted,
        }
    }

    /// Why this change bumps, for the plan (`feat: add x (minor)`).
    pub fn reason(&self, version: &Version) -> String {
        let level = self.level(version);
        match &self.kind {
            None => format!(
                "`{}` is not a conventional commit; it changes the package, so {level}",
                self.summary
            ),
            Some(kind) => {
                let bang = if self.breaking { "!" } else { "" };
                let scope = self
                    .scope
                    .as_deref()
                    .map(|s| format!("({s})"))
                    .unwrap_or_default();
                format!("{kind}{scope}{bang}: {} ({level})", self.summary)
            }
        }
    }
}

/// `--prerelease`: a label and maybe a number (`rc`, `rc.1`, `beta.3`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prerelease {
    /// The label (`rc`).
    pub label: String,
    /// The number asked for, if any.
    pub number: Option<u64>,
}

impl FromStr for Prerelease {
    type Err = String;

    fn from_str(s: &str) -> Result<Prerelease, String> {
        let bad = || {
            format!("`{s}` is not a pre-release label: expected a word and an optional number, like `rc`, `rc.1` or `beta.2`")
        };
        let (label, number) = match s.split_once('.') {
            Some((l, n)) => (l, Some(n.parse::<u64>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let ok = !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(bad());
        }
        Ok(Prerelease {
            label: label.to_string(),
            number,
        })
    }
}

fn pre(label: &str, number: u64) -> SemverPre {
    SemverPre::new(&format!("{label}.{number}"))
        .expect("a checked label and a number make a valid pre-release")
}

/// The label and number of a `label.N` pre-release.
fn split_pre(p: &SemverPre) -> Option<(&str, u64)> {
    let (label, n) = p.as_str().rsplit_once('.')?;
    Some((label, n.parse().ok()?))
}

/// The version after `current` for a change of `level`, as a pre-release
/// when `prerelease` is given.
///
/// From a release, the level moves the version (`1.2.3` + minor → `1.3.0`).
/// From a pre-release, a level its version already covers releases it
/// (`1.3.0-rc.2` + patch or minor → `1.3.0`; + major → `2.0.0`). With
/// `prerelease`, the new core version gets `label.1` (or the number asked
/// for), and a pre-release of the same core and label is incremented
/// (`1.3.0-rc.1` + `rc` → `1.3.0-rc.2`). The result is always greater than
/// `current` (except at `u64::MAX.u64::MAX.u64::MAX`, where nothing is).
pub fn next_version(current: &Version, level: Level, prerelease: Option<&Prerelease>) -> Version {
    let was_pre = !current.pre.is_empty();
    let mut core = Version::new(current.major, current.minor, current.patch);
    let covered = was_pre
        && match level {
            Level::Patch => true,
            Level::Minor => current.patch == 0,
            Level::Major => current.patch == 0 && current.minor == 0,
        };
    if !covered {
        match level {
            Level::Patch => core.patch = core.patch.saturating_add(1),
            Level::Minor => {
                core.minor = core.minor.saturating_add(1);
                core.patch = 0;
            }
            Level::Major => {
                core.major = core.major.saturating_add(1);
                core.minor = 0;
                core.patch = 0;
            }
        }
    }
    let Some(p) = prerelease else {
        return at_least_above(core, current);
    };
    let same_core =
        core.major == current.major && core.minor == current.minor && core.patch == current.patch;
    let number = match split_pre(&current.pre) {
        Some((label, n)) if same_core && was_pre && label == p.label => p
            .number
            .filter(|&asked| asked > n)
            .unwrap_or(n.saturating_add(1)),
        _ => p.number.unwrap_or(1),
    };
    let mut next = core;
    next.pre = pre(&p.label, number);
    at_least_above(next, current)
}

/// `candidate` if it is above `current`; otherwise the smallest sensible
/// step above `current` (its pre-release number + 1, or the next patch).
/// Keeps [`next_version`] monotonic for every input, including labels that
/// sort below the current one (`rc.1` → `beta`) and saturated numbers.
fn at_least_above(candidate: Version, current: &Version) -> Version {
    if candidate > *current {
        return candidate;
    }
    let mut v = current.clone();
    v.build = semver::BuildMetadata::EMPTY;
    if let Some((label, n)) = split_pre(&current.pre) {
        if n < u64::MAX {
            v.pre = pre(label, n + 1);
            if v > *current {
                return v;
            }
        }
    }
    if !current.pre.is_empty() {
        v.pre = SemverPre::EMPTY;
        if v > *current {
            return v;
        }
    }
    v.pre = SemverPre::EMPTY;
    v.patch = v.patch.saturating_add(1);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn p(s: &str) -> Prerelease {
        s.parse().unwrap()
    }

    #[test]
    fn commits_ask_for_levels_by_type_and_version() {
        let feat = Change::parse("feat(cli): add --x");
        let fix = Change::parse("fix: crash");
        let breaking = Change::parse("feat!: new API");
        let footer = Change::parse("refactor: x\n\nBREAKING CHANGE: gone");
        let other = Change::parse("Update stuff");
        assert_eq!(feat.scope.as_deref(), Some("cli"));
        for (version, want) in [
            (
                "1.2.3",
                [
                    Level::Minor,
                    Level::Patch,
                    Level::Major,
                    Level::Major,
                    Level::Patch,
                ],
            ),
            (
                "0.4.1",
                [
                    Level::Patch,
                    Level::Patch,
                    Level::Minor,
                    Level::Minor,
                    Level::Patch,
                ],
            ),
            ("0.0.7", [Level::Patch; 5]),
        ] {
            let got = [&feat, &fix, &breaking, &footer, &other].map(|c| c.level(&v(version)));
            assert_eq!(got, want, "{version}");
        }
        assert!(other.kind.is_none());
        assert!(other
            .reason(&v("1.0.0"))
            .contains("not a conventional commit"));
        assert_eq!(breaking.reason(&v("1.0.0")), "feat!: new API (major)");
    }

    #[test]
    fn versions_move_by_level() {
        assert_eq!(next_version(&v("1.2.3"), Level::Patch, None), v("1.2.4"));
        assert_eq!(next_version(&v("1.2.3"), Level::Minor, None), v("1.3.0"));
        assert_eq!(next_version(&v("1.2.3"), Level::Major, None), v("2.0.0"));
        assert_eq!(next_version(&v("0.4.1"), Level::Minor, None), v("0.5.0"));
    }

    #[test]
    fn prereleases_start_increment_and_end() {
        let start = next_version(&v("1.2.0"), Level::Minor, Some(&p("rc.1")));
        assert_eq!(start, v("1.3.0-rc.1"));
        assert_eq!(
            next_version(&start, Level::Patch, Some(&p("rc"))),
            v("1.3.0-rc.2")
        );
        assert_eq!(
            next_version(&start, Level::Minor, Some(&p("rc.2"))),
            v("1.3.0-rc.2")
        );
        assert_eq!(
            next_version(&v("1.3.0-rc.2"), Level::Patch, None),
            v("1.3.0")
        );
        assert_eq!(
            next_version(&v("1.3.0-rc.2"), Level::Minor, None),
            v("1.3.0")
        );
        // A bigger change than the pre-release covers moves the core.
        assert_eq!(
            next_version(&v("1.3.0-rc.2"), Level::Major, None),
            v("2.0.0")
        );
        assert_eq!(
            next_version(&v("1.3.0-rc.2"), Level::Major, Some(&p("rc"))),
            v("2.0.0-rc.1")
        );
        // A label that sorts lower, or a number already used, still moves up.
        assert_eq!(
            next_version(&v("1.3.0-rc.2"), Level::Patch, Some(&p("beta"))),
            v("1.3.0-rc.3")
        );
        assert_eq!(
            next_version(&v("1.3.0-rc.2"), Level::Patch, Some(&p("rc.1"))),
            v("1.3.0-rc.3")
        );
    }

    #[test]
    fn prerelease_labels_are_checked() {
        assert_eq!(
            p("rc.1"),
            Prerelease {
                label: "rc".into(),
                number: Some(1)
            }
        );
        assert_eq!(
            p("beta"),
            Prerelease {
                label: "beta".into(),
                number: None
            }
        );
        for bad in ["", "rc.", "rc.x", ".1", "1", "r c", "rc.1.2"] {
            assert!(bad.parse::<Prerelease>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bump_never_lowers_a_version() {
        let versions = [
            "0.0.0",
            "0.0.1",
            "0.1.0",
            "1.0.0",
            "1.2.3",
            "1.3.0-rc.1",
            "1.3.0-rc.9",
            "1.3.0-beta",
            "2.0.0-alpha.1",
            "0.1.0-rc.2",
            "1.0.1-rc.1",
            "1.2.3+build.5",
            "1.0.0-rc.18446744073709551615",
        ];
        let pres = [
            None,
            Some(p("rc")),
            Some(p("rc.1")),
            Some(p("alpha")),
            Some(p("zeta.7")),
        ];
        for s in versions {
            let current = v(s);
            for level in [Level::Patch, Level::Minor, Level::Major] {
                for pr in &pres {
                    let next = next_version(&current, level, pr.as_ref());
                    assert!(next > current, "{current} {level} {pr:?} gave {next}");
                }
            }
        }
    }
}
