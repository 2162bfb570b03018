//! Announcement tags: which packages a git tag releases.
//!
//! A *unified* tag (`v1.2.3`, `1.2.3`, `release/v1.2.3`) selects every app
//! whose version is the tag's. A *singular* tag (`pkg-v1.2.3`, `pkg/1.2.3`,
//! `any/prefix/pkg/v1.2.3`) selects one package; when several package names
//! fit, the longest wins. Anything before a `/` is ignored unless it is exactly
//! a package name.

use semver::Version;

use crate::error::UserError;

/// What a tag says, before it is checked against the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedTag {
    /// The package a singular tag names.
    pub package: Option<String>,
    /// The version.
    pub version: Version,
}

/// Parse `tag` against the workspace's package names.
pub fn parse_tag(
    tag: &str,
    package_names: &[&str],
    namespace: Option<&str>,
) -> Result<ParsedTag, UserError> {
    let mut rest = tag;
    if let Some(ns) = namespace {
        rest = rest
            .strip_prefix(ns)
            .map(|r| r.strip_prefix(['-', '/']).unwrap_or(r))
            .ok_or_else(|| {
                UserError::new(format!(
                    "tag `{tag}` does not start with the configured `tag-namespace` `{ns}`"
                ))
                .hint(format!(
                    "tag the release as `{ns}-v{{version}}`, or remove `tag-namespace`"
                ))
            })?;
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let last = *parts.last().unwrap_or(&"");
    if parts.iter().any(|p| p.is_empty()) {
        return Err(UserError::new(format!(
            "tag `{tag}` has an empty path component (a leading, trailing or doubled `/`)"
        ))
        .hint("tag the release as `v1.2.3`, `my-app-v1.2.3` or `my-app/1.2.3`; release URLs embed the tag"));
    }

    // pkg/1.2.3 and any/prefix/pkg/v1.2.3: the component before the version is a package.
    if parts.len() >= 2 {
        let before = parts[parts.len() - 2];
        if package_names.contains(&before) {
            return Ok(ParsedTag {
                package: Some(before.to_string()),
                version: parse_version(tag, last)?,
            });
        }
    }
    // pkg-v1.2.3 and pkg-1.2.3: the longest package name that prefixes a version.
    let singular = package_names
        .iter()
        .filter_map(|name| {
            let version = last.strip_prefix(name)?.strip_prefix('-')?;
            let looks_like_version = version
                .trim_start_matches(['v', 'V'])
                .starts_with(|c: char| c.is_ascii_digit());
            looks_like_version.then_some((*name, version))
        })
        .max_by_key(|(name, _)| name.len());
    if let Some((name, version)) = singular {
        return Ok(ParsedTag {
            package: Some(name.to_string()),
            version: parse_version(tag, version)?,
        });
    }
    match parse_version(tag, last) {
        Ok(version) => Ok(ParsedTag {
            package: None,
            version,
        }),
        Err(e) => Err(unknown_package(tag, last, package_names).unwrap_or(e)),
    }
}

/// For a tag like `mytoo-v0.1.0` whose prefix is no package: the error that
/// names the prefix, with the closest package name.
fn unknown_package(tag: &str, last: &str, package_names: &[&str]) -> Option<UserError> {
    let (name, _) = last.match_indices('-').find_map(|(i, _)| {
        let version = &last[i + 1..];
        let bare = version.strip_prefix(['v', 'V']).unwrap_or(version);
        Version::parse(bare).is_ok().then(|| (&last[..i], version))
    })?;
    let mut hint = match crate::error::closest(name, package_names.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? "),
        None => String::new(),
    };
    hint.push_str(&format!(
        "the packages are {}; a tag for every app is `v{{version}}`",
        crate::error::list(package_names)
    ));
    Some(
        UserError::new(format!(
            "tag `{tag}` names package `{name}`, which is not in this workspace"
        ))
        .hint(hint),
    )
}

fn parse_version(tag: &str, text: &str) -> Result<Version, UserError> {
    let bare = text.strip_prefix(['v', 'V']).unwrap_or(text);
    Version::parse(bare).map_err(|e| {
        UserError::new(format!("tag `{tag}` does not end in a semver version: `{bare}` is not valid ({e})"))
            .hint("versions need major.minor.patch, e.g. `v1.2.3`, `my-app-v1.2.3` or `my-app/1.2.3-rc.1`")
    })
}

/// A package as the tag selector sees it.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// The package name.
    pub name: &'a str,
    /// Its version.
    pub version: &'a Version,
    /// Whether it is an app that consign distributes.
    pub is_app: bool,
}

/// What a tag selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The announcement tag (inferred when none was given).
    pub tag: String,
    /// Whether the tag was inferred.
    pub implicit: bool,
    /// The singular package, for singular tags.
    pub package: Option<String>,
    /// The announced version.
    pub version: Version,
    /// The apps released, in workspace order. Empty for a library announcement.
    pub apps: Vec<String>,
}

impl Selection {
    /// Whether the version is a prerelease.
    pub fn is_prerelease(&self) -> bool {
        !self.version.pre.is_empty()
    }
}

/// Select the apps `tag` releases; without a tag, infer `v{version}` when
/// every app shares one version.
pub fn select(
    tag: Option<&str>,
    candidates: &[Candidate<'_>],
    namespace: Option<&str>,
) -> Result<Selection, UserError> {
    let apps: Vec<&Candidate<'_>> = candidates.iter().filter(|c| c.is_app).collect();
    let app_list = || {
        apps.iter()
            .map(|a| format!("`{}` {}", a.name, a.version))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(tag) = tag else {
        if apps.is_empty() {
            return Err(no_apps_error());
        }
        let first = apps[0].version;
        if apps.iter().any(|a| a.version != first) {
            return Err(UserError::new(format!(
                "cannot infer the announcement tag: the apps have different versions ({})",
                app_list()
            ))
            .hint("pass `--tag`, e.g. `--tag v1.2.3` for every app at that version, or `--tag my-app-v1.2.3` for one"));
        }
        let ns = namespace.map(|n| format!("{n}-")).unwrap_or_default();
        return Ok(Selection {
            tag: format!("{ns}v{first}"),
            implicit: true,
            package: None,
            version: first.clone(),
            apps: apps.iter().map(|a| a.name.to_string()).collect(),
        });
    };

    let names: Vec<&str> = candidates.iter().map(|c| c.name).collect();
    let parsed = parse_tag(tag, &names, namespace)?;
    match &parsed.package {
        Some(pkg) => {
            let c = candidates
                .iter()
                .find(|c| c.name == pkg)
                .expect("parse_tag only names known packages");
            if *c.version != parsed.version {
                return Err(UserError::new(format!(
                    "tag `{tag}` is for `{pkg}` {}, but `{pkg}` is version {}",
                    parsed.version, c.version
                ))
                .hint(format!(
                    "tag `{pkg}-v{}` instead, or bump `{pkg}`'s version in its Cargo.toml",
                    c.version
                )));
            }
            Ok(Selection {
                tag: tag.to_string(),
                implicit: false,
                package: Some(pkg.clone()),
                version: parsed.version,
                // A singular tag of a library (or a package dist ignores) is a
                // library announcement: no builds.
                apps: if c.is_app {
                    vec![pkg.clone()]
                } else {
                    Vec::new()
                },
            })
        }
        None => {
            let selected: Vec<String> = apps
                .iter()
                .filter(|a| *a.version == parsed.version)
                .map(|a| a.name.to_string())
                .collect();
            if selected.is_empty() {
                if apps.is_empty() {
                    return Err(no_apps_error());
                }
                return Err(UserError::new(format!(
                    "tag `{tag}` selects no app: no app has version {} (the apps are {})",
                    parsed.version,
                    app_list()
                ))
                .hint(format!(
                    "use a tag matching an app's version, e.g. `v{}`, or a singular tag like `{}-v{}`",
                    apps[0].version, apps[0].name, apps[0].version
                )));
            }
            Ok(Selection {
                tag: tag.to_string(),
                implicit: false,
                package: None,
                version: parsed.version,
                apps: selected,
            })
        }
    }
}

/// Every app at once, whatever their versions: the selection `generate`
/// plans with, so the workflow and `wix/main.wxs` cover everything the
/// config can release. The tag is a placeholder (`v{first app's version}`).
pub fn every_app(candidates: &[Candidate<'_>], namespace: Option<&str>) -> Selection {
    let apps: Vec<&Candidate<'_>> = candidates.iter().filter(|c| c.is_app).collect();
    let version = apps
        .first()
        .map_or_else(|| Version::new(0, 0, 0), |a| a.version.clone());
    let ns = namespace.map(|n| format!("{n}-")).unwrap_or_default();
    Selection {
        tag: format!("{ns}v{version}"),
        implicit: true,
        package: None,
        version,
        apps: apps.iter().map(|a| a.name.to_string()).collect(),
    }
}

fn no_apps_error() -> UserError {
    UserError::new("there is no app to release: no workspace package with binaries is distributed").hint(
        "packages with `publish = false` need `dist = true` in `[package.metadata.dist]`; packages with `dist = false` are skipped",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn parse(tag: &str) -> Result<ParsedTag, UserError> {
        parse_tag(tag, &["my-app", "my", "my-app-cli", "lib"], None)
    }

    #[test]
    fn an_unknown_package_in_a_tag_is_named_with_the_closest() {
        let e = parse("my-ap-v1.2.3").unwrap_err();
        assert!(e.message.contains("names package `my-ap`"), "{}", e.message);
        assert!(e.hint.unwrap().starts_with("did you mean `my-app`?"));
        let e = parse("zzz-v1.2.3").unwrap_err();
        assert!(e.message.contains("`zzz`"), "{}", e.message);
    }

    #[test]
    fn empty_path_components_are_refused() {
        for tag in ["/0.1.0", "v0.1.0/", "my-app//1.2.3"] {
            let e = parse(tag).unwrap_err();
            assert!(
                e.message.contains("empty path component"),
                "{tag}: {}",
                e.message
            );
        }
    }

    fn singular(tag: &str) -> (Option<String>, Version) {
        let p = parse(tag).unwrap();
        (p.package, p.version)
    }

    #[test]
    fn unified_tags() {
        for tag in [
            "v1.2.3",
            "1.2.3",
            "release/v1.2.3",
            "releases/1.2.3",
            "really/cool/5.0.0/releases/v1.2.3",
        ] {
            assert_eq!(singular(tag), (None, v("1.2.3")), "{tag}");
        }
        assert_eq!(singular("v0.1.0-prerelease.1").1, v("0.1.0-prerelease.1"));
    }

    #[test]
    fn singular_tags() {
        for tag in [
            "my-app-v1.2.3",
            "my-app-1.2.3",
            "my-app/1.2.3",
            "my-app/v1.2.3",
            "any/prefix/my-app/v1.2.3",
        ] {
            assert_eq!(singular(tag), (Some("my-app".into()), v("1.2.3")), "{tag}");
        }
        assert_eq!(
            singular("release/my-app/v1.2.3-alpha"),
            (Some("my-app".into()), v("1.2.3-alpha"))
        );
    }

    #[test]
    fn longest_package_name_wins() {
        assert_eq!(
            singular("my-app-cli-v2.0.0").0.as_deref(),
            Some("my-app-cli")
        );
        assert_eq!(singular("my-v2.0.0").0.as_deref(), Some("my"));
    }

    #[test]
    fn non_semver_is_an_error() {
        let e = parse("v1.0").unwrap_err();
        assert!(e.message.contains("`1.0` is not valid"), "{}", e.message);
        assert!(parse("my-app-v1.0").unwrap_err().message.contains("`1.0`"));
        assert!(parse("nightly").is_err());
    }

    #[test]
    fn namespace_is_stripped_and_required() {
        let p = parse_tag("tool-v1.0.0", &["x"], Some("tool")).unwrap();
        assert_eq!(p.version, v("1.0.0"));
        assert!(parse_tag("v1.0.0", &["x"], Some("tool"))
            .unwrap_err()
            .message
            .contains("tag-namespace"));
    }

    fn cands<'a>(list: &'a [(&'a str, Version, bool)]) -> Vec<Candidate<'a>> {
        list.iter()
            .map(|(n, v, a)| Candidate {
                name: n,
                version: v,
                is_app: *a,
            })
            .collect()
    }

    #[test]
    fn selection() {
        let ws = [
            ("a", v("1.0.0"), true),
            ("b", v("1.0.0"), true),
            ("c", v("2.0.0"), true),
            ("core", v("0.3.0"), false),
        ];
        let c = cands(&ws);
        assert_eq!(
            select(Some("v1.0.0"), &c, None).unwrap().apps,
            vec!["a", "b"]
        );
        assert_eq!(select(Some("c-v2.0.0"), &c, None).unwrap().apps, vec!["c"]);
        let lib = select(Some("core-v0.3.0"), &c, None).unwrap();
        assert!(lib.apps.is_empty());
        assert_eq!(lib.package.as_deref(), Some("core"));
        let e = select(Some("c-v2.0.1"), &c, None).unwrap_err();
        assert!(e.message.contains("`c` is version 2.0.0"), "{}", e.message);
        let e = select(Some("v9.9.9"), &c, None).unwrap_err();
        assert!(e.message.contains("selects no app"), "{}", e.message);
        assert!(e.message.contains("`c` 2.0.0"), "{}", e.message);
        let e = select(None, &c, None).unwrap_err();
        assert!(e.message.contains("different versions"), "{}", e.message);
        assert!(e.hint.unwrap().contains("--tag"));
    }

    #[test]
    fn inferred_tag() {
        let ws = [("a", v("1.0.0-rc.1"), true), ("core", v("0.3.0"), false)];
        let s = select(None, &cands(&ws), None).unwrap();
        assert_eq!(
            (s.tag.as_str(), s.implicit, s.is_prerelease()),
            ("v1.0.0-rc.1", true, true)
        );
        let s = select(None, &cands(&ws), Some("tool")).unwrap();
        assert_eq!(s.tag, "tool-v1.0.0-rc.1");
    }
}
