//! Properties of the parsers, shared by the fuzz targets (`fuzz/`) and the
//! stable test that replays every corpus and regression file
//! (`tests/fuzz_corpus.rs`).
//!
//! Each property takes raw bytes (what a fuzzer gives), turns them into the
//! parser's input in a documented way, and panics when the property fails.
//! Inputs that are not UTF-8 are ignored: every parser here takes text.
//! Several inputs share one file by lines (the first line is the tag, the
//! version, ...), so corpus files stay readable.

use std::collections::BTreeSet;

use consign_manifest::DistManifest;
use semver::Version;

use crate::plan::announcement::parse_tag;
use crate::project::config::{read_dist_at, ConfigWarning, DistConfig, SourceFile};
use crate::release::{tag_name, TagStyle};

/// A property: panics when it fails for the input.
pub type Property = fn(&[u8]);

/// Every fuzz target: its name (the `fuzz/fuzz_targets/{name}.rs` file and
/// the `fuzz/corpus/{name}` directory) and its property.
pub const TARGETS: &[(&str, Property)] = &[
    ("config", config),
    ("tag", tag),
    ("repository", repository),
    ("changelog", changelog),
    ("manifest_merge", manifest_merge),
    ("index_entry", index_entry),
    ("bump", bump),
];

/// Run the property of the target named `name` on `data`.
///
/// # Panics
/// When the property fails, or `name` is no target.
pub fn run(name: &str, data: &[u8]) {
    let (_, property) = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no fuzz target named `{name}`"));
    property(data)
}

fn lines(data: &[u8]) -> Option<Vec<&str>> {
    std::str::from_utf8(data)
        .ok()
        .map(|s| s.split('\n').collect())
}

fn load(path: &str, text: &str, table: &str) -> (Result<Option<DistConfig>, String>, Vec<String>) {
    let file = SourceFile {
        path: path.into(),
        text: text.to_string(),
    };
    let mut warnings: Vec<ConfigWarning> = Vec::new();
    let result = match file.parse() {
        Ok(doc) => read_dist_at(&file, &doc, table, &mut warnings),
        Err(e) => Err(e),
    };
    // Every error and warning points inside the file, at the line it shows
    // (the empty line after a final newline included: the end of the file).
    let text_lines: Vec<&str> = text.split('\n').collect();
    let locations = result
        .as_ref()
        .err()
        .and_then(|e| e.location.as_ref())
        .into_iter()
        .chain(warnings.iter().filter_map(|w| w.location.as_ref()));
    for loc in locations {
        assert!(
            loc.line >= 1 && loc.line <= text_lines.len().max(1),
            "location line {} outside the file ({} lines, counting the end)",
            loc.line,
            text_lines.len()
        );
        let shown = text_lines.get(loc.line - 1).copied().unwrap_or("");
        assert_eq!(
            loc.line_text.trim_end_matches('\r'),
            shown.trim_end_matches('\r')
        );
    }
    (
        result.map_err(|e| e.message),
        warnings.into_iter().map(|w| w.message).collect(),
    )
}

/// The dist config loader, on `dist-workspace.toml` text.
///
/// - Loading is deterministic, and every error or warning location is a
///   line of the file.
/// - A config that loads, re-serialized (auto-formatted by `toml_edit`) and
///   moved to `[workspace.metadata.dist]` of a `Cargo.toml`, loads to the
///   same config with as many warnings.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let first = load("dist-workspace.toml", text, "dist");
    let again = load("dist-workspace.toml", text, "dist");
    assert_eq!(first, again, "loading is not deterministic");
    let (Ok(Some(config)), warnings) = first else {
        return;
    };
    let mut doc: toml_edit::DocumentMut = text.parse().expect("the text parsed once");
    let dist = doc.remove("dist").expect("the config came from `dist`");
    let mut moved = toml_edit::DocumentMut::new();
    let mut workspace = toml_edit::Table::new();
    let mut metadata = toml_edit::Table::new();
    workspace.set_implicit(true);
    metadata.set_implicit(true);
    metadata.insert("dist", dist);
    workspace.insert("metadata", toml_edit::Item::Table(metadata));
    moved.insert("workspace", toml_edit::Item::Table(workspace));
    moved.fmt();
    let rewritten = moved.to_string();
    let (reloaded, rewarnings) = load("Cargo.toml", &rewritten, "workspace.metadata.dist");
    assert_eq!(
        reloaded,
        Ok(Some(config)),
        "the re-serialized config loads differently:\n{rewritten}"
    );
    assert_eq!(
        warnings.len(),
        rewarnings.len(),
        "{warnings:?} vs {rewarnings:?}"
    );
}

/// Announcement tags. Lines: the tag, the `tag-namespace` (empty: none),
/// then package names.
///
/// - A tag that parses is one of the spellings of what it parsed to:
///   `[prefix/]{version}` with an optional `v`/`V` for a unified tag,
///   `[prefix/]{package}-[v]{version}` or `[prefix/]{package}/[v]{version}`
///   for a singular one.
/// - For every package name cargo accepts, `release::tag_name` (either
///   style) parses back to the same package and version.
pub fn tag(data: &[u8]) {
    let Some(lines) = lines(data) else { return };
    let tag = lines[0];
    let namespace = lines.get(1).copied().filter(|ns| !ns.is_empty());
    let names: Vec<&str> = lines.iter().skip(2).copied().collect();
    let parsed = parse_tag(tag, &names, namespace);
    if let Ok(p) = &parsed {
        let rest = match namespace {
            Some(ns) => {
                let r = tag
                    .strip_prefix(ns)
                    .expect("a parsed tag has the namespace");
                r.strip_prefix(['-', '/']).unwrap_or(r)
            }
            None => tag,
        };
        let v = p.version.to_string();
        let spellings: Vec<String> = match &p.package {
            None => vec![format!("v{v}"), format!("V{v}"), v.clone()],
            Some(pkg) => ["-", "/"]
                .iter()
                .flat_map(|sep| ["v", "V", ""].map(|pre| format!("{pkg}{sep}{pre}{v}")))
                .collect(),
        };
        assert!(
            spellings.iter().any(|s| rest == s
                || rest
                    .strip_suffix(s.as_str())
                    .is_some_and(|prefix| prefix.ends_with('/'))),
            "tag `{tag}` parsed to {p:?}, which none of {spellings:?} spells"
        );
        if let Some(pkg) = &p.package {
            assert!(names.contains(&pkg.as_str()), "{pkg} is no package");
        }
    }
    // tag_name round trip, for names cargo accepts.
    let version = parsed
        .map(|p| p.version)
        .unwrap_or_else(|_| Version::new(1, 2, 3));
    let valid: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| is_package_name(n))
        .collect();
    for name in &valid {
        for style in [TagStyle::Unified, TagStyle::Singular] {
            let rendered = tag_name(style, namespace, name, &version);
            let back = parse_tag(&rendered, &valid, namespace)
                .unwrap_or_else(|e| panic!("`{rendered}` does not parse back: {e:?}"));
            assert_eq!(back.version, version, "`{rendered}`");
            let expected = (style == TagStyle::Singular).then(|| name.to_string());
            assert_eq!(back.package, expected, "`{rendered}`");
        }
    }
}

/// A name cargo accepts for a package: ASCII letters, digits, `-` and `_`,
/// starting with a letter.
fn is_package_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Source-host URLs. Lines: the repository URL, then the GitHub Enterprise
/// base URL (none unless it is an `http(s)://` URL, as the config requires).
///
/// A URL that parses names an owner and a project of URL-safe characters,
/// and its normalized form (`repo_url`, also with `.git` or a trailing `/`)
/// parses back to the same host, owner and project.
pub fn repository(data: &[u8]) {
    use crate::project::source_host::parse_repository;
    let Some(lines) = lines(data) else { return };
    let raw = lines[0];
    // The config accepts only http(s) URLs for `github-enterprise-url`.
    let enterprise = lines
        .get(1)
        .copied()
        .filter(|e| e.starts_with("https://") || e.starts_with("http://"));
    let Ok(host) = parse_repository(raw, enterprise) else {
        return;
    };
    for part in [&host.owner, &host.project] {
        assert!(
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "`{raw}` gave the unsafe path part `{part}`"
        );
    }
    let url = host.repo_url();
    for spelling in [url.clone(), format!("{url}.git"), format!("{url}/")] {
        assert_eq!(
            parse_repository(&spelling, enterprise).as_ref(),
            Ok(&host),
            "`{raw}` normalized to `{url}`, and `{spelling}` reads differently"
        );
    }
}

/// The changelog section finder. Lines: the version, then the changelog.
///
/// - A found section's heading names the version, and its body is the
///   changelog's own lines, in order, without leading or trailing blank
///   lines.
/// - `release_notes` gives the version's own section when there is one,
///   and nothing for a release version without one.
pub fn changelog(data: &[u8]) {
    use crate::changelog::{find_version_section, release_notes};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (first, changelog) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(version) = Version::parse(first.trim()) else {
        return;
    };
    let section = find_version_section(changelog, &version);
    let notes = release_notes(changelog, &version);
    match &section {
        Some(s) => assert_eq!(notes.as_ref(), Some(s)),
        None if version.pre.is_empty() => assert_eq!(notes, None),
        None => {}
    }
    let Some(s) = section else { return };
    let v = version.to_string();
    assert!(
        s.heading.contains(&v),
        "heading `{}` does not name {v}",
        s.heading
    );
    // Line endings are `\n` or `\r\n`: one `\r` goes, any other is content.
    let source: Vec<&str> = changelog
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    // A setext heading may span lines (joined with a space), so compare
    // with whitespace collapsed.
    let collapsed = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        collapsed(changelog).contains(&collapsed(&s.heading)),
        "heading `{}` is not in the changelog",
        s.heading
    );
    if s.body.is_empty() {
        return;
    }
    let body: Vec<&str> = s.body.split('\n').collect();
    assert!(!body[0].trim().is_empty() && !body[body.len() - 1].trim().is_empty());
    // The body's lines are a run of the changelog's lines.
    let found = source.windows(body.len()).any(|w| w == body.as_slice());
    assert!(
        found,
        "the body is not a run of the changelog's lines:\n{}",
        s.body
    );
}

/// `dist-manifest.json` deserialize and [`DistManifest::merge`]. The input
/// holds up to three manifests separated by lines holding only `--`.
///
/// - A manifest that deserializes serializes back to the same manifest.
/// - On manifests normalized by merging into an empty one:
///   merging is idempotent (`a + a = a`) and absorbing
///   (`(a + b) + a = (a + b) + b = a + b`);
///   associative, exactly (`(a + b) + c = a + (b + c)`, both failing or
///   both giving the same manifest, list order included); and commutative
///   in what it unites: `a + b` and `b + a` both fail or both hold the same
///   artifacts (with the same checksums), releases (with the same
///   artifacts) and linkage entries.
pub fn manifest_merge(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<DistManifest> = text
        .split("\n--\n")
        .take(3)
        .filter_map(|part| serde_json::from_str::<DistManifest>(part).ok())
        .collect();
    let merged = |a: &DistManifest, b: &DistManifest| {
        let mut m = a.clone();
        m.merge(b).map(|()| m)
    };
    let mut normal = Vec::new();
    for m in &parts {
        let json = serde_json::to_string(m).expect("a manifest serializes");
        let back: DistManifest = serde_json::from_str(&json).expect("a manifest reads back");
        assert_eq!(&back, m, "serde round trip changed the manifest");
        let n = merged(&DistManifest::default(), m).expect("merging into nothing never fails");
        assert_eq!(merged(&n, &n).as_ref(), Ok(&n), "merging is not idempotent");
        normal.push(n);
    }
    if let [a, b, ..] = normal.as_slice() {
        let ab = merged(a, b);
        let ba = merged(b, a);
        assert_eq!(
            ab.is_ok(),
            ba.is_ok(),
            "a + b and b + a disagree on failing"
        );
        if let (Ok(ab), Ok(ba)) = (&ab, &ba) {
            assert_eq!(merged(ab, a).as_ref(), Ok(ab), "(a + b) + a != a + b");
            assert_eq!(merged(ab, b).as_ref(), Ok(ab), "(a + b) + b != a + b");
            assert_eq!(united(ab), united(ba), "a + b and b + a unite differently");
        }
    }
    if let [a, b, c] = normal.as_slice() {
        let left = merged(a, b).and_then(|ab| merged(&ab, c));
        let right = merged(b, c).and_then(|bc| merged(a, &bc));
        assert_eq!(left.ok(), right.ok(), "merging is not associative");
    }
}

/// What a merge unites, without the order of lists or first-wins fields.
#[allow(clippy::type_complexity)]
fn united(
    m: &DistManifest,
) -> (
    Vec<(String, Vec<(String, String)>)>,
    BTreeSet<(String, String, BTreeSet<String>)>,
    BTreeSet<(String, String)>,
) {
    let artifacts = m
        .artifacts
        .iter()
        .map(|(id, a)| {
            let sums = a
                .checksums
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (id.clone(), sums)
        })
        .collect();
    let releases = m
        .releases
        .iter()
        .map(|r| {
            (
                r.app_name.clone(),
                r.app_version.clone(),
                r.artifacts.iter().cloned().collect(),
            )
        })
        .collect();
    let linkage = m
        .linkage
        .iter()
        .map(|l| (l.binary.clone(), l.target.clone()))
        .collect();
    (artifacts, releases, linkage)
}

/// The sparse-index entry parser (one JSON object per line).
///
/// Parsing is line by line: the entry parses if and only if each non-blank
/// line does alone, and its versions are theirs in order; one more line
/// with a new version adds exactly that version at the end.
pub fn index_entry(data: &[u8]) {
    use crate::channel::crates_io::index::parse_entry;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let whole = parse_entry(text);
    let mut by_line = Vec::new();
    let mut failed = false;
    for line in text.lines() {
        match parse_entry(line) {
            Ok(r) => by_line.extend(r.versions),
            Err(_) => failed = true,
        }
    }
    assert_eq!(whole.is_err(), failed, "a line fails alone but not inside");
    let Ok(remote) = whole else { return };
    assert_eq!(remote.versions, by_line);
    let extra = Version::new(999, 0, 0);
    let more = parse_entry(&format!(
        "{text}\n{{\"name\":\"x\",\"vers\":\"{extra}\"}}\n"
    ))
    .expect("a valid line added to a valid entry");
    let mut expected = remote.versions.clone();
    expected.push(extra);
    assert_eq!(more.versions, expected);
}

/// The conventional-commit and version-bump rules (`release::bump`). Lines:
/// the current version, a `--prerelease` label (empty: none), then the
/// commit message.
///
/// - Reading a message never fails, and under 0.0.x a change is a patch.
/// - A bump never lowers a version: the next version is above the current
///   one (unless nothing is), and a pre-release when one was asked for
///   (unless no pre-release of that label is above the current one: then
///   the release of its core).
/// - Without a pre-release, a bigger level never gives a smaller version.
pub fn bump(data: &[u8]) {
    use crate::release::bump::{next_version, Change, Level, Prerelease};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(3, '\n');
    let Some(Ok(current)) = lines.next().map(|l| Version::parse(l.trim())) else {
        return;
    };
    let prerelease: Option<Prerelease> = lines.next().and_then(|l| l.trim().parse().ok());
    let change = Change::parse(lines.next().unwrap_or(""));
    if current.major == 0 && current.minor == 0 {
        assert_eq!(
            change.level(&current),
            Level::Patch,
            "{change:?} under {current}"
        );
    }
    let mut previous: Option<Version> = None;
    for level in [Level::Patch, Level::Minor, Level::Major] {
        let next = next_version(&current, level, prerelease.as_ref());
        assert!(
            next > current || current.major == u64::MAX,
            "{current} + {level:?} ({prerelease:?}) gave {next}"
        );
        // A pre-release when asked, except where none of that label sorts
        // above the current pre-release: then the release of its core (the
        // documented smallest step above).
        let core = Version::new(current.major, current.minor, current.patch);
        let released_instead = !current.pre.is_empty() && next == core;
        assert!(
            next.pre.is_empty() == prerelease.is_none()
                || (prerelease.is_some() && released_instead),
            "{current} + {level:?} ({prerelease:?}) gave {next}"
        );
        if prerelease.is_none() {
            if let Some(p) = &previous {
                assert!(&next >= p, "{current}: {level:?} gave {next}, below {p}");
            }
            previous = Some(next);
        }
    }
}
