//! Release notes from a changelog.
//!
//! Projects keep their history in a markdown file (`CHANGELOG.md`,
//! `RELEASES.md`, ...) split into one section per version. This module finds
//! the section for a given version so its body can become the release notes.
//! Everything here is pure: the caller reads the file and passes its text.
//!
//! A section starts at a heading, either an ATX heading (`#` to `######`) or
//! a setext heading (text underlined with `===` for level 1 or `---` for
//! level 2), and runs up to the next heading of the same or a higher level.
//! Deeper subheadings (`### Added` under `## 1.2.3`) belong to the body.
//! Lines inside fenced code blocks are never headings.
//!
//! Two refinements handle conventional-changelog (standard-version,
//! release-please), which writes minor releases as `## [1.3.0](...)` and patch
//! releases as `### [1.2.4](...)`, with `### Features` / `### Bug Fixes`
//! subsections in both:
//!
//! - a deeper heading whose first token is a version (`### [1.2.4](...)`
//!   under `## [1.3.0](...)`) ends the section;
//! - when a section's heading is followed directly (blank lines aside) by a
//!   heading of the same level that names no version (`### Bug Fixes` right
//!   after `### [1.2.4](...)`), same-level headings are its subsections, and
//!   only a same-level heading naming a version or `Unreleased` ends it.
//!
//! A heading names a version when one of its tokens is that version. The
//! heading is split on whitespace and on `[`, `]`, `(` and `)`; link
//! destinations (the `(...)` right after a `]`) are dropped first, so that a
//! compare URL such as `.../compare/v1.2.2...v1.2.3` does not make the
//! `1.2.3` section look like the `1.2.2` one. Each token may carry a leading
//! `v`/`V` and may be wrapped in markdown emphasis, backticks, quotes or
//! trailing punctuation (`**1.2.3**`, `` `v1.2.3` ``, `1.2.3:`); none of those
//! characters can occur inside a semver version, so stripping them never
//! changes which version a token means. Versions are compared with `==` on
//! [`semver::Version`], so pre-release and build metadata must match too:
//! `1.2.3` matches neither `1.2.30`, `11.2.3` nor `1.2.3-rc.1`.
//!
//! All of these are recognized:
//!
//! ```markdown
//! ## [1.2.3] - 2024-01-02          (Keep a Changelog)
//! ## [Unreleased]
//! ## v1.2.3 - 2024-01-01
//! ## 1.2.3 (2024-01-01)
//! # Version 1.2.3
//! ## my-app v1.2.3 (2024-01-01)
//! ### [1.2.3](https://github.com/o/r/compare/v1.2.2...v1.2.3) (2024-01-01)
//! ```

use semver::Version;

/// A section of a changelog: its heading text (without the leading #'s or setext underline) and its body.
///
/// The body holds every line after the heading up to the next heading of the
/// same or a higher level (with the conventional-changelog refinements
/// described in the [module docs](self)), with line endings normalized to
/// `\n` and leading and trailing blank lines removed. It is empty when the
/// section is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangelogSection {
    /// The heading's text, e.g. `[1.2.3] - 2024-01-02`.
    pub heading: String,
    /// The section's markdown, without its heading.
    pub body: String,
}

/// The section whose heading names `version` exactly.
///
/// Returns the first such section when several match, and `None` when no
/// heading names `version`.
pub fn find_version_section(text: &str, version: &Version) -> Option<ChangelogSection> {
    Document::parse(text).section(|heading| names_version(heading, version))
}

/// Release notes for `version`: its own section, or for a prerelease version (non-empty `pre`) with no section of its own, the `Unreleased` section.
///
/// The `Unreleased` section is the first one with `unreleased` (in any case)
/// as a heading token, e.g. `## [Unreleased]` or `## Unreleased`. A release
/// version (empty `pre`) never falls back to it.
pub fn release_notes(text: &str, version: &Version) -> Option<ChangelogSection> {
    let document = Document::parse(text);
    document
        .section(|heading| names_version(heading, version))
        .or_else(|| {
            if version.pre.is_empty() {
                None
            } else {
                document.section(is_unreleased)
            }
        })
}

/// Whether one of the heading's tokens is `version`.
fn names_version(heading: &str, version: &Version) -> bool {
    any_token(heading, |token| {
        parse_version(token).as_ref() == Some(version)
    })
}

/// Whether one of the heading's tokens is the word `unreleased`.
fn is_unreleased(heading: &str) -> bool {
    any_token(heading, |token| token.eq_ignore_ascii_case("unreleased"))
}

/// Whether the heading names any version, or `Unreleased`.
fn is_release_heading(heading: &str) -> bool {
    any_token(heading, |token| {
        token.eq_ignore_ascii_case("unreleased") || parse_version(token).is_some()
    })
}

/// Whether the heading's first token is a version, as in a patch release
/// `### [1.2.4](...)` under a minor release `## [1.3.0](...)`.
fn starts_with_version(heading: &str) -> bool {
    let text = without_link_destinations(heading);
    let first = tokens(&text).next();
    first.and_then(parse_version).is_some()
}

/// The token as a version, after an optional leading `v`/`V`.
fn parse_version(token: &str) -> Option<Version> {
    let token = token.strip_prefix(['v', 'V']).unwrap_or(token);
    Version::parse(token).ok()
}

/// Whether `matches` holds for one of the heading's tokens, link destinations
/// left out.
fn any_token(heading: &str, matches: impl FnMut(&str) -> bool) -> bool {
    let text = without_link_destinations(heading);
    let found = tokens(&text).any(matches);
    found
}

/// The heading with every inline link destination, `(...)` right after `]`,
/// replaced by a space.
fn without_link_destinations(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    let mut chars = heading.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ']' && chars.peek() == Some(&'(') {
            let mut depth = 0usize;
            for c in chars.by_ref() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            out.push(' ');
        }
    }
    out
}

/// The heading's words: split on whitespace and brackets, with surrounding
/// markdown emphasis, quotes and punctuation removed. Empty words are skipped.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    const WRAPPERS: [char; 10] = ['*', '_', '`', '"', '\'', ',', ':', ';', '!', '?'];
    text.split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')'))
        .map(|token| {
            token
                .trim_start_matches(WRAPPERS)
                .trim_end_matches(|c| c == '.' || WRAPPERS.contains(&c))
        })
        .filter(|token| !token.is_empty())
}

/// A heading found in the changelog.
#[derive(Debug)]
struct Heading {
    /// The heading's first line (for a setext heading, its first text line).
    start: usize,
    /// The line after the heading (after a setext heading's underline).
    end: usize,
    /// 1 to 6; setext `=` headings are level 1 and `-` headings level 2.
    level: usize,
    /// The heading's text, trimmed.
    text: String,
}

/// A changelog split into lines, with its headings located.
struct Document<'a> {
    lines: Vec<&'a str>,
    headings: Vec<Heading>,
}

impl<'a> Document<'a> {
    fn parse(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<&str> = text
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .collect();
        let headings = find_headings(&lines);
        Document { lines, headings }
    }

    /// The first section whose heading text satisfies `matches`.
    fn section(&self, matches: impl Fn(&str) -> bool) -> Option<ChangelogSection> {
        let index = self.headings.iter().position(|h| matches(&h.text))?;
        let heading = &self.headings[index];
        let following = &self.headings[index + 1..];
        // conventional-changelog writes patch releases as `### [1.2.3](...)`
        // followed directly by `### Bug Fixes`: its subsections are at the
        // version's own level, so only a release heading ends the section.
        let flat = following.first().is_some_and(|next| {
            next.level == heading.level
                && !is_release_heading(&next.text)
                && self.lines[heading.end..next.start]
                    .iter()
                    .all(|line| line.trim().is_empty())
        });
        let end = following
            .iter()
            .find(|next| {
                next.level < heading.level
                    || (next.level == heading.level && (!flat || is_release_heading(&next.text)))
                    || (next.level > heading.level && starts_with_version(&next.text))
            })
            .map_or(self.lines.len(), |next| next.start);
        let mut body = &self.lines[heading.end..end];
        while let [first, rest @ ..] = body {
            if !first.trim().is_empty() {
                break;
            }
            body = rest;
        }
        while let [rest @ .., last] = body {
            if !last.trim().is_empty() {
                break;
            }
            body = rest;
        }
        Some(ChangelogSection {
            heading: heading.text.clone(),
            body: body.join("\n"),
        })
    }
}

/// Locates the ATX and setext headings among `lines`, in order.
///
/// This is a line-based approximation of CommonMark block structure, enough
/// to tell headings from code, thematic breaks and list content.
fn find_headings(lines: &[&str]) -> Vec<Heading> {
    let mut headings = Vec::new();
    // The open fenced code block, if any.
    let mut fence: Option<Fence> = None;
    // The first line of the open paragraph, which a setext underline turns
    // into a heading.
    let mut paragraph: Option<usize> = None;
    // Inside a list item or block quote, whose text a setext underline at
    // the top level cannot turn into a heading.
    let mut in_container = false;
    let mut previous_blank = true;

    for (index, line) in lines.iter().enumerate() {
        if let Some(open) = &fence {
            if open.is_closed_by(line) {
                fence = None;
            }
            continue;
        }
        if line.trim().is_empty() {
            paragraph = None;
            previous_blank = true;
            continue;
        }
        let after_blank = std::mem::replace(&mut previous_blank, false);
        let (indent, rest) = split_indent(line);
        if indent >= 4 {
            // Indented code, or a continuation of the paragraph or list item.
            continue;
        }
        if let Some(open) = Fence::open(rest) {
            fence = Some(open);
            paragraph = None;
            continue;
        }
        if let Some((level, text)) = atx_heading(rest) {
            headings.push(Heading {
                start: index,
                end: index + 1,
                level,
                text,
            });
            paragraph = None;
            in_container = false;
            continue;
        }
        if let Some(level) = setext_underline(rest) {
            if let Some(start) = paragraph.take() {
                let text = lines[start..index]
                    .iter()
                    .map(|line| line.trim())
                    .collect::<Vec<_>>()
                    .join(" ");
                headings.push(Heading {
                    start,
                    end: index + 1,
                    level,
                    text,
                });
                continue;
            }
        }
        if is_thematic_break(rest) {
            paragraph = None;
            in_container = false;
            continue;
        }
        if is_list_item(rest) || rest.starts_with('>') {
            paragraph = None;
            in_container = true;
            continue;
        }
        if in_container {
            if indent == 0 && after_blank {
                in_container = false;
            } else {
                continue;
            }
        }
        if paragraph.is_none() {
            paragraph = Some(index);
        }
    }
    headings
}

/// The line's indentation width (tabs to the next multiple of 4) and the
/// text after it.
fn split_indent(line: &str) -> (usize, &str) {
    let mut width = 0;
    for (at, c) in line.char_indices() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => return (width, &line[at..]),
        }
    }
    (width, "")
}

/// An open fenced code block.
struct Fence {
    marker: char,
    len: usize,
}

impl Fence {
    /// The fence opened by an unindented line, if it opens one.
    fn open(rest: &str) -> Option<Fence> {
        let marker = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let len = rest.chars().take_while(|&c| c == marker).count();
        if len < 3 || (marker == '`' && rest[len..].contains('`')) {
            return None;
        }
        Some(Fence { marker, len })
    }

    fn is_closed_by(&self, line: &str) -> bool {
        let (indent, rest) = split_indent(line);
        let len = rest.chars().take_while(|&c| c == self.marker).count();
        indent < 4 && len >= self.len && rest[len..].trim().is_empty()
    }
}

/// The level and text of an ATX heading (`## text ##`).
fn atx_heading(rest: &str) -> Option<(usize, String)> {
    let level = rest.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let after = &rest[level..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let content = after.trim();
    let unclosed = content.trim_end_matches('#');
    let text = if unclosed.is_empty() {
        unclosed
    } else if unclosed.ends_with([' ', '\t']) {
        unclosed.trim_end()
    } else {
        content
    };
    Some((level, text.to_string()))
}

/// The level of a setext underline: 1 for `===`, 2 for `---`.
fn setext_underline(rest: &str) -> Option<usize> {
    let underline = rest.trim_end();
    let level = match underline.chars().next()? {
        '=' => 1,
        '-' => 2,
        _ => return None,
    };
    let marker = if level == 1 { '=' } else { '-' };
    underline.chars().all(|c| c == marker).then_some(level)
}

/// `***`, `---`, `___`, possibly with spaces between the characters.
fn is_thematic_break(rest: &str) -> bool {
    let mut chars = rest.chars().filter(|c| !matches!(c, ' ' | '\t'));
    let Some(marker) = chars.next().filter(|c| matches!(c, '*' | '-' | '_')) else {
        return false;
    };
    let mut count = 1;
    for c in chars {
        if c != marker {
            return false;
        }
        count += 1;
    }
    count >= 3
}

/// `- item`, `* item`, `+ item`, `1. item`, `1) item`, or an empty item.
fn is_list_item(rest: &str) -> bool {
    let after = match rest.strip_prefix(['-', '*', '+']) {
        Some(after) => after,
        None => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if !(1..=9).contains(&digits) {
                return false;
            }
            match rest[digits..].strip_prefix(['.', ')']) {
                Some(after) => after,
                None => return false,
            }
        }
    };
    after.is_empty() || after.starts_with([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(version: &str) -> Version {
        Version::parse(version).unwrap()
    }

    fn section(heading: &str, body: &str) -> ChangelogSection {
        ChangelogSection {
            heading: heading.to_string(),
            body: body.to_string(),
        }
    }

    fn find(text: &str, version: &str) -> Option<ChangelogSection> {
        find_version_section(text, &v(version))
    }

    fn notes(text: &str, version: &str) -> Option<ChangelogSection> {
        release_notes(text, &v(version))
    }

    const KEEP_A_CHANGELOG: &str = "\
# Changelog

All notable changes to this project will be documented in this file.

## [Unreleased]

### Added
- Something new.

## [1.2.3] - 2024-01-02

### Fixed
- A bug.

### Changed
- A behaviour.

## [1.2.2]

- Older change.

[Unreleased]: https://github.com/o/r/compare/v1.2.3...HEAD
[1.2.3]: https://github.com/o/r/compare/v1.2.2...v1.2.3
[1.2.2]: https://github.com/o/r/releases/tag/v1.2.2
";

    #[test]
    fn keep_a_changelog_with_date() {
        assert_eq!(
            find(KEEP_A_CHANGELOG, "1.2.3"),
            Some(section(
                "[1.2.3] - 2024-01-02",
                "### Fixed\n- A bug.\n\n### Changed\n- A behaviour."
            ))
        );
    }

    #[test]
    fn keep_a_changelog_without_date_runs_to_end_of_file() {
        let found = find(KEEP_A_CHANGELOG, "1.2.2").unwrap();
        assert_eq!(found.heading, "[1.2.2]");
        assert!(found.body.starts_with("- Older change.\n\n[Unreleased]: "));
        assert!(found.body.ends_with("releases/tag/v1.2.2"));
    }

    #[test]
    fn keep_a_changelog_unreleased_is_not_a_version() {
        assert_eq!(find(KEEP_A_CHANGELOG, "1.2.4"), None);
        assert_eq!(find(KEEP_A_CHANGELOG, "1.2.4-rc.1"), None);
    }

    #[test]
    fn prerelease_falls_back_to_unreleased() {
        assert_eq!(
            notes(KEEP_A_CHANGELOG, "1.3.0-beta.1"),
            Some(section("[Unreleased]", "### Added\n- Something new."))
        );
    }

    #[test]
    fn release_does_not_fall_back_to_unreleased() {
        assert_eq!(notes(KEEP_A_CHANGELOG, "1.3.0"), None);
        assert_eq!(notes(KEEP_A_CHANGELOG, "1.3.0+build.1"), None);
    }

    #[test]
    fn release_notes_prefer_the_versions_own_section() {
        assert_eq!(
            notes(KEEP_A_CHANGELOG, "1.2.3"),
            find(KEEP_A_CHANGELOG, "1.2.3")
        );
        let text = "## [Unreleased]\n\n- Next.\n\n## [2.0.0-rc.1]\n\n- Candidate.\n";
        assert_eq!(
            notes(text, "2.0.0-rc.1"),
            Some(section("[2.0.0-rc.1]", "- Candidate."))
        );
        assert_eq!(
            notes(text, "2.0.0-rc.2"),
            Some(section("[Unreleased]", "- Next."))
        );
    }

    #[test]
    fn unreleased_is_case_insensitive_and_may_be_plain_or_linked() {
        for heading in [
            "## Unreleased",
            "## unreleased",
            "## [UNRELEASED]",
            "## [Unreleased](https://github.com/o/r/compare/v1.0.0...HEAD)",
            "## Unreleased changes",
        ] {
            let text = format!("{heading}\n\n- Next.\n\n## 1.0.0\n\n- First.\n");
            let found = notes(&text, "1.1.0-alpha.1").unwrap_or_else(|| panic!("{heading}"));
            assert_eq!(found.body, "- Next.", "{heading}");
        }
    }

    #[test]
    fn prerelease_without_unreleased_section_has_no_notes() {
        let text = "## 1.0.0\n\n- First.\n";
        assert_eq!(notes(text, "1.1.0-alpha.1"), None);
        assert_eq!(notes("", "1.1.0-alpha.1"), None);
    }

    #[test]
    fn plain_headings() {
        for heading in [
            "1.2.3",
            "v1.2.3",
            "V1.2.3",
            "1.2.3 (2024-01-01)",
            "v1.2.3 - 2024-01-01",
            "1.2.3 — 2024-01-01",
        ] {
            let text = format!("# Changes\n\n## 1.2.4\n\n- Newer.\n\n## {heading}\n\n- The fix.\n\n## 1.2.2\n\n- Older.\n");
            assert_eq!(
                find(&text, "1.2.3"),
                Some(section(heading, "- The fix.")),
                "{heading}"
            );
        }
    }

    #[test]
    fn word_headings() {
        for heading in [
            "# Version 1.2.3",
            "## Release v1.2.3",
            "## Release 1.2.3 (2024-01-01)",
            "## my-app 1.2.3",
            "## my-app v1.2.3 (2024-01-01)",
            "### Version 1.2.3: The Big One",
            "## **1.2.3**",
            "## `v1.2.3`",
        ] {
            let text = format!("{heading}\n\n- The fix.\n\n{heading}0\n");
            let found = find(&text, "1.2.3").unwrap_or_else(|| panic!("{heading}"));
            assert_eq!(found.body, "- The fix.", "{heading}");
            assert_eq!(
                found.heading,
                heading.trim_start_matches('#').trim(),
                "{heading}"
            );
        }
    }

    #[test]
    fn conventional_changelog_linked_headings() {
        let text = "\
# Changelog

## [1.3.0](https://github.com/o/r/compare/v1.2.4...v1.3.0) (2024-03-01)


### Features

* a feature ([0123abc](https://github.com/o/r/commit/0123abc))

### [1.2.4](https://github.com/o/r/compare/v1.2.3...v1.2.4) (2024-02-01)


### Bug Fixes

* **core:** newer fix ([abc1234](https://github.com/o/r/commit/abc1234))


### Performance Improvements

* faster ([aaa1111](https://github.com/o/r/commit/aaa1111))

### [1.2.3](https://github.com/o/r/compare/v1.2.2...v1.2.3) (2024-01-01)

### Bug Fixes

* the fix ([def5678](https://github.com/o/r/commit/def5678))
";
        assert_eq!(
            find(text, "1.2.3"),
            Some(section(
                "[1.2.3](https://github.com/o/r/compare/v1.2.2...v1.2.3) (2024-01-01)",
                "### Bug Fixes\n\n* the fix ([def5678](https://github.com/o/r/commit/def5678))"
            ))
        );
        assert_eq!(
            find(text, "1.2.4").unwrap().body,
            "### Bug Fixes\n\n* **core:** newer fix ([abc1234](https://github.com/o/r/commit/abc1234))\n\n\n### Performance Improvements\n\n* faster ([aaa1111](https://github.com/o/r/commit/aaa1111))"
        );
        assert_eq!(
            find(text, "1.3.0").unwrap().body,
            "### Features\n\n* a feature ([0123abc](https://github.com/o/r/commit/0123abc))"
        );
        // Only mentioned in the compare URLs.
        assert_eq!(find(text, "1.2.2"), None);
    }

    #[test]
    fn release_please_linked_headings() {
        let text = "\
## [v1.2.3](https://github.com/o/r/compare/v1.2.2...v1.2.3) (2024-01-01)

- Third.

## [1.2.2](https://github.com/o/r/compare/v1.2.1...v1.2.2)

- Second.
";
        assert_eq!(
            find(text, "1.2.3"),
            Some(section(
                "[v1.2.3](https://github.com/o/r/compare/v1.2.2...v1.2.3) (2024-01-01)",
                "- Third."
            ))
        );
        assert_eq!(find(text, "1.2.2").unwrap().body, "- Second.");
        assert_eq!(find(text, "1.2.1"), None);
    }

    #[test]
    fn link_destination_with_parentheses_is_skipped() {
        let text = "## [1.0.0](https://example.com/a_(1.2.3)_b) 2024\n\nBody.\n";
        assert_eq!(find(text, "1.2.3"), None);
        assert_eq!(find(text, "1.0.0").unwrap().body, "Body.");
    }

    #[test]
    fn prerelease_headings_match_only_that_prerelease() {
        let text = "\
## 1.2.3-beta.1

- Beta.

## 1.2.3

- Release.
";
        assert_eq!(find(text, "1.2.3-beta.1").unwrap().body, "- Beta.");
        assert_eq!(find(text, "1.2.3").unwrap().body, "- Release.");
        assert_eq!(find(text, "1.2.3-beta.2"), None);
        assert_eq!(find(text, "1.2.3-beta"), None);
        assert_eq!(find("## 1.2.3-beta.1\n\n- Beta.\n", "1.2.3"), None);
    }

    #[test]
    fn versions_match_exactly() {
        let text = "\
## 1.2.30

- Thirty.

## 11.2.3

- Eleven.

## 1.2.3-rc.1

- Candidate.

## 1.2.3+build.7

- Built.

## v1.2.3.4

- Four parts.

## 1.2

- Two parts.
";
        assert_eq!(find(text, "1.2.3"), None);
        assert_eq!(notes(text, "1.2.3"), None);
        assert_eq!(find(text, "1.2.30").unwrap().body, "- Thirty.");
        assert_eq!(find(text, "11.2.3").unwrap().body, "- Eleven.");
        assert_eq!(find(text, "1.2.3-rc.1").unwrap().body, "- Candidate.");
        assert_eq!(find(text, "1.2.3+build.7").unwrap().body, "- Built.");
        assert_eq!(find(text, "1.2.3+build.8"), None);
        assert_eq!(find(text, "1.2.0"), None);
    }

    #[test]
    fn version_1_2_3_does_not_match_1_2_30() {
        let text = "## 1.2.30\n\n- Thirty.\n\n## 1.2.3\n\n- Three.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "- Three.")));
        assert_eq!(find(text, "1.2.30"), Some(section("1.2.30", "- Thirty.")));
    }

    #[test]
    fn versions_in_body_text_do_not_match() {
        let text = "## 1.2.4\n\n- Fixes a regression from 1.2.3.\n- See [1.2.3](https://x).\n";
        assert_eq!(find(text, "1.2.3"), None);
    }

    #[test]
    fn every_atx_level_is_recognized() {
        for level in 1..=6 {
            let hashes = "#".repeat(level);
            let text = format!("{hashes} 1.2.3\n\nBody {level}.\n");
            assert_eq!(
                find(&text, "1.2.3"),
                Some(section("1.2.3", &format!("Body {level}."))),
                "level {level}"
            );
        }
    }

    #[test]
    fn non_headings_are_not_matched() {
        for text in [
            "####### 1.2.3\n\nBody.\n",
            "#1.2.3\n\nBody.\n",
            "    ## 1.2.3\n\nBody.\n",
            "> ## 1.2.3\n\nBody.\n",
            "Released 1.2.3 today.\n",
            "",
        ] {
            assert_eq!(find(text, "1.2.3"), None, "{text:?}");
        }
    }

    #[test]
    fn atx_heading_details() {
        assert_eq!(
            find("   ## 1.2.3 ##\nBody.", "1.2.3"),
            Some(section("1.2.3", "Body."))
        );
        assert_eq!(
            find("##\t1.2.3   #####   \nBody.", "1.2.3"),
            Some(section("1.2.3", "Body."))
        );
        assert_eq!(find("## 1.2.3#\nBody.", "1.2.3"), None);
        assert_eq!(
            find("## 1.2.3 C#\nBody.", "1.2.3").unwrap().heading,
            "1.2.3 C#"
        );
    }

    #[test]
    fn code_fences_are_not_headings() {
        let text = "\
## 1.2.4

Example:

```markdown
## 1.2.3

Not a section.
```

~~~
# 1.2.3
~~~

After the fences.

## 1.2.3

- Real.
";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "- Real.")));
        let newer = find(text, "1.2.4").unwrap();
        assert!(newer
            .body
            .contains("```markdown\n## 1.2.3\n\nNot a section.\n```"));
        assert!(newer.body.ends_with("After the fences."));
    }

    #[test]
    fn fence_closes_only_with_a_long_enough_matching_marker() {
        let text = "\
## 1.0.0

````
```
## 1.2.3
~~~~
## 1.2.3
````

## 0.9.0
";
        assert_eq!(find(text, "1.2.3"), None);
        assert_eq!(
            find(text, "1.0.0").unwrap().body,
            "````\n```\n## 1.2.3\n~~~~\n## 1.2.3\n````"
        );
    }

    #[test]
    fn unclosed_fence_runs_to_end_of_file() {
        let text = "## 1.0.0\n\n```\ncode\n\n## 1.2.3\n";
        assert_eq!(find(text, "1.2.3"), None);
        assert_eq!(find(text, "1.0.0").unwrap().body, "```\ncode\n\n## 1.2.3");
    }

    #[test]
    fn indented_fence_is_recognized() {
        let text = "## 1.0.0\n\n  ```\n## 1.2.3\n  ```\n";
        assert_eq!(find(text, "1.2.3"), None);
    }

    #[test]
    fn inline_backticks_do_not_open_a_fence() {
        let text = "## 1.0.0\n\n```not a fence```\n\n## 1.2.3\n\nBody.\n";
        assert_eq!(find(text, "1.2.3").unwrap().body, "Body.");
    }

    #[test]
    fn crlf_is_normalized() {
        let text = "# Changelog\r\n\r\n## [1.2.3] - 2024-01-02\r\n\r\n### Fixed\r\n- A bug.\r\n\r\n- Another.\r\n\r\n## [1.2.2]\r\n- Old.\r\n";
        assert_eq!(
            find(text, "1.2.3"),
            Some(section(
                "[1.2.3] - 2024-01-02",
                "### Fixed\n- A bug.\n\n- Another."
            ))
        );
        assert_eq!(find(text, "1.2.2"), Some(section("[1.2.2]", "- Old.")));
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        let text = "\u{feff}## 1.2.3\n\nBody.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "Body.")));
    }

    #[test]
    fn setext_headings() {
        let text = "\
Changelog
=========

Version 1.2.3
-------------

- Three.

### Details

More.

Version 1.2.2
-------------

- Two.

1.0.0
===

- One.
";
        assert_eq!(
            find(text, "1.2.3"),
            Some(section("Version 1.2.3", "- Three.\n\n### Details\n\nMore."))
        );
        assert_eq!(
            find(text, "1.2.2"),
            Some(section("Version 1.2.2", "- Two."))
        );
        assert_eq!(find(text, "1.0.0"), Some(section("1.0.0", "- One.")));
    }

    #[test]
    fn setext_level_one_contains_level_two() {
        let text = "1.2.3\n=====\n\nIntro.\n\nAdded\n-----\n\n- Thing.\n\n1.2.2\n=====\nOld.\n";
        assert_eq!(
            find(text, "1.2.3"),
            Some(section("1.2.3", "Intro.\n\nAdded\n-----\n\n- Thing."))
        );
        assert_eq!(find(text, "1.2.2"), Some(section("1.2.2", "Old.")));
    }

    #[test]
    fn setext_heading_ends_atx_section_of_same_level() {
        let text = "## 1.2.3\n\n- Three.\n\n1.2.2\n-----\n\n- Two.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "- Three.")));
        assert_eq!(find(text, "1.2.2"), Some(section("1.2.2", "- Two.")));
    }

    #[test]
    fn thematic_breaks_are_not_setext_headings() {
        let text = "\
## 1.2.3

- Three.

---

Closing words.

***

- item
---
Footer.

## 1.2.2
";
        assert_eq!(
            find(text, "1.2.3").unwrap().body,
            "- Three.\n\n---\n\nClosing words.\n\n***\n\n- item\n---\nFooter."
        );
    }

    #[test]
    fn dashes_after_list_continuation_are_not_setext_headings() {
        let text = "## 1.2.3\n\n- item\n  1.2.2\n---\n\n- more\n\n  1.2.2\n---\n";
        assert_eq!(find(text, "1.2.2"), None);
        assert!(find(text, "1.2.3").unwrap().body.ends_with("  1.2.2\n---"));
    }

    #[test]
    fn paragraph_after_list_can_be_a_setext_heading() {
        let text = "## 1.2.4\n\n- item\n\n1.2.3\n---\n\n- Three.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "- Three.")));
        assert_eq!(find(text, "1.2.4").unwrap().body, "- item");
    }

    #[test]
    fn multi_line_setext_heading_text_is_joined() {
        let text = "Release\nv1.2.3\n===\nBody.\n";
        assert_eq!(
            find(text, "1.2.3"),
            Some(section("Release v1.2.3", "Body."))
        );
    }

    #[test]
    fn nested_subheadings_stay_in_body() {
        let text = "\
# Changelog

## 1.2.3

### Added

- New thing.

#### Details

Deep.

### Fixed

- Old bug.

## 1.2.2

### Added

- Older thing.
";
        assert_eq!(
            find(text, "1.2.3").unwrap().body,
            "### Added\n\n- New thing.\n\n#### Details\n\nDeep.\n\n### Fixed\n\n- Old bug."
        );
    }

    #[test]
    fn same_level_heading_after_content_ends_section() {
        let text = "## 1.2.3\n\n- Three.\n\n## Notes\n\nUnrelated.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "- Three.")));
    }

    #[test]
    fn deeper_headings_mentioning_versions_stay_in_body() {
        let text = "\
## 1.2.3

### Upgrading from 1.2.2

Steps.

### my-app 1.0.0 compatibility

Fine.

## 1.2.2
";
        assert_eq!(
            find(text, "1.2.3").unwrap().body,
            "### Upgrading from 1.2.2\n\nSteps.\n\n### my-app 1.0.0 compatibility\n\nFine."
        );
    }

    #[test]
    fn flat_section_ends_at_higher_level_or_unreleased() {
        let text = "### 1.2.3\n\n### Fixes\n\n- Fix.\n\n## Older\n\n- Old.\n";
        assert_eq!(find(text, "1.2.3").unwrap().body, "### Fixes\n\n- Fix.");
        let text = "### [Unreleased]\n### Added\n- New.\n### [1.0.0]\n- One.\n";
        assert_eq!(notes(text, "1.1.0-rc.1").unwrap().body, "### Added\n- New.");
    }

    #[test]
    fn section_ends_at_higher_level_heading() {
        let text = "# 2.x\n\n### 2.0.0\n\n- Two.\n\n## Appendix\n\nUnrelated.\n";
        assert_eq!(find(text, "2.0.0"), Some(section("2.0.0", "- Two.")));
    }

    #[test]
    fn first_matching_section_wins() {
        let text = "## 1.2.3\n\nFirst.\n\n## v1.2.3 (again)\n\nSecond.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "First.")));
        let text = "## [Unreleased]\n\nA.\n\n## Unreleased\n\nB.\n";
        assert_eq!(notes(text, "1.0.0-rc.1").unwrap().body, "A.");
    }

    #[test]
    fn empty_body_is_still_a_section() {
        let text = "## [Unreleased]\n\n## 1.2.3\n\n\n## 1.2.2\n- Two.\n";
        assert_eq!(find(text, "1.2.3"), Some(section("1.2.3", "")));
        assert_eq!(notes(text, "1.3.0-rc.1"), Some(section("[Unreleased]", "")));
        assert_eq!(find("## 1.2.3", "1.2.3"), Some(section("1.2.3", "")));
        assert_eq!(find("## 1.2.3\n", "1.2.3"), Some(section("1.2.3", "")));
    }

    #[test]
    fn only_outer_blank_lines_are_trimmed() {
        let text = "## 1.2.3\n\n  \n  Indented first line.\n\n\nLast line.  \n \t\n\n## 1.2.2\n";
        assert_eq!(
            find(text, "1.2.3").unwrap().body,
            "  Indented first line.\n\n\nLast line.  "
        );
    }

    #[test]
    fn body_without_trailing_newline() {
        assert_eq!(
            find("## 1.2.3\n- Last.", "1.2.3"),
            Some(section("1.2.3", "- Last."))
        );
    }
}
