//! cargo-binstall metadata: `[package.metadata.binstall]` whose URL templates
//! resolve to our archives, for unified and singular tags alike.
//!
//! binstall expands `{ name }`, `{ version }`, `{ repo }`, `{ target }`,
//! `{ archive-suffix }`, `{ archive-format }`, `{ binary-ext }`, `{ bin }` and
//! the `target-*` parts in `pkg-url` and `bin-dir`; per-target `overrides`
//! replace keys for one target. [`expected`] says what the metadata should be
//! for a release, and [`check`] compares what a package declares with it.

use std::collections::BTreeMap;

use crate::targets::{self, Libc, Os};

/// The values binstall substitutes for one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vars {
    /// The crate name.
    pub name: String,
    /// The version (no `v`).
    pub version: String,
    /// The repository URL.
    pub repo: String,
    /// The target triple.
    pub target: String,
    /// `.tar.xz`, `.zip`, ...
    pub archive_suffix: String,
    /// The binary name (for `bin-dir`).
    pub bin: String,
}

/// binstall's `pkg-fmt` for an archive extension.
pub fn pkg_fmt(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        ".tar.gz" | ".tgz" => "tgz",
        ".tar.xz" | ".txz" => "txz",
        ".tar.zst" | ".tar.zstd" => "tzstd",
        ".tar.bz2" => "tbz2",
        ".tar" => "tar",
        ".zip" => "zip",
        _ => return None,
    })
}

/// Expand a binstall template. Unknown variables and unbalanced braces are errors.
pub fn expand(template: &str, vars: &Vars) -> Result<String, String> {
    let info = targets::info(&vars.target);
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed `{{` in `{template}`"))?;
        let key = after[..close].trim();
        let value = match key {
            "name" => vars.name.clone(),
            "version" => vars.version.clone(),
            "repo" => vars.repo.clone(),
            "target" => vars.target.clone(),
            "archive-suffix" => vars.archive_suffix.clone(),
            "archive-format" | "format" => pkg_fmt(&vars.archive_suffix).unwrap_or("").to_string(),
            "binary-ext" => info.exe_suffix().to_string(),
            "bin" => vars.bin.clone(),
            "target-arch" => info.arch.clone(),
            "target-family" => if info.os == Os::Windows {
                "windows"
            } else {
                "unix"
            }
            .to_string(),
            "target-libc" => match info.libc {
                Libc::Gnu => "gnu",
                Libc::Musl => "musl",
                Libc::Msvc => "msvc",
                Libc::None => "",
            }
            .to_string(),
            "target-vendor" => vars.target.split('-').nth(1).unwrap_or("").to_string(),
            other => return Err(format!("unknown variable `{{ {other} }}` in `{template}`")),
        };
        out.push_str(&value);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("unbalanced `}}` in `{template}`"));
    }
    out.push_str(rest);
    Ok(out)
}

/// The `pkg-url` template of a release announced under `tag` at `version`:
/// the tag with its version replaced by `{ version }`.
pub fn pkg_url_template(tag: &str, version: &str) -> String {
    let tag_template = match tag.rfind(version) {
        Some(i) => format!("{}{{ version }}{}", &tag[..i], &tag[i + version.len()..]),
        None => tag.to_string(),
    };
    format!(
        "{{ repo }}/releases/download/{tag_template}/{{ name }}-{{ target }}{{ archive-suffix }}"
    )
}

/// The metadata a package should declare: `(key, value)` pairs, with
/// per-target overrides where a target's archive format differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// `pkg-url`.
    pub pkg_url: String,
    /// `bin-dir`.
    pub bin_dir: String,
    /// `pkg-fmt`.
    pub pkg_fmt: String,
    /// target → (`pkg-fmt`, `bin-dir`) where they differ from the defaults.
    pub overrides: BTreeMap<String, (String, String)>,
}

/// What `[package.metadata.binstall]` should be. `archives` maps target →
/// (archive suffix, whether the archive has a `{name}-{target}/` directory).
pub fn expected(tag: &str, version: &str, archives: &BTreeMap<String, (String, bool)>) -> Expected {
    let bin_dir_for = |prefixed: bool| {
        if prefixed {
            "{ name }-{ target }/{ bin }{ binary-ext }".to_string()
        } else {
            "{ bin }{ binary-ext }".to_string()
        }
    };
    // The most common format is the default; the others are overrides.
    let mut counts: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    for (suffix, prefixed) in archives.values() {
        *counts.entry((suffix.as_str(), *prefixed)).or_default() += 1;
    }
    let (default_suffix, default_prefixed) = counts
        .iter()
        .max_by_key(|(k, n)| (**n, std::cmp::Reverse(*k)))
        .map(|(k, _)| *k)
        .unwrap_or((".tar.xz", true));
    let mut overrides = BTreeMap::new();
    for (target, (suffix, prefixed)) in archives {
        if (suffix.as_str(), *prefixed) != (default_suffix, default_prefixed) {
            overrides.insert(
                target.clone(),
                (
                    pkg_fmt(suffix).unwrap_or("bin").to_string(),
                    bin_dir_for(*prefixed),
                ),
            );
        }
    }
    Expected {
        pkg_url: pkg_url_template(tag, version),
        bin_dir: bin_dir_for(default_prefixed),
        pkg_fmt: pkg_fmt(default_suffix).unwrap_or("bin").to_string(),
        overrides,
    }
}

impl Expected {
    /// As TOML, to paste into Cargo.toml.
    pub fn to_toml(&self) -> String {
        let mut s = format!(
            "[package.metadata.binstall]\npkg-url = \"{}\"\nbin-dir = \"{}\"\npkg-fmt = \"{}\"\n",
            self.pkg_url, self.bin_dir, self.pkg_fmt
        );
        for (target, (fmt, bin_dir)) in &self.overrides {
            s.push_str(&format!(
                "\n[package.metadata.binstall.overrides.{target}]\npkg-fmt = \"{fmt}\"\nbin-dir = \"{bin_dir}\"\n"
            ));
        }
        s
    }
}

/// Check declared metadata (the JSON cargo metadata gives for
/// `package.metadata.binstall`) against the release: for each target, the
/// expanded `pkg-url` must be the artifact's URL, `pkg-fmt` its format and
/// `bin-dir` the binary's path in the archive. Returns the problems found.
pub fn check(
    declared: &serde_json::Value,
    vars_by_target: &BTreeMap<
        String,
        (
            Vars,
            String, /* url */
            String, /* bin path in archive */
        ),
    >,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (target, (vars, url, bin_path)) in vars_by_target {
        let over = &declared["overrides"][target.as_str()];
        let key = |k: &str| over[k].as_str().or_else(|| declared[k].as_str());
        let Some(pkg_url) = key("pkg-url") else {
            problems.push(format!("`pkg-url` is not set for `{target}`"));
            continue;
        };
        match expand(pkg_url, vars) {
            Ok(u) if &u == url => {}
            Ok(u) => problems.push(format!(
                "`pkg-url` gives `{u}` for `{target}`, but the artifact is `{url}`"
            )),
            Err(e) => problems.push(format!("`pkg-url`: {e}")),
        }
        if let Some(fmt) = key("pkg-fmt") {
            let want = pkg_fmt(&vars.archive_suffix).unwrap_or("bin");
            if fmt != want {
                problems.push(format!(
                    "`pkg-fmt` is `{fmt}` for `{target}`, but its archive is `{want}`"
                ));
            }
        }
        if let Some(bin_dir) = key("bin-dir") {
            match expand(bin_dir, vars) {
                Ok(p) if &p == bin_path => {}
                Ok(p) => problems.push(format!(
                    "`bin-dir` gives `{p}` for `{target}`, but the binary is at `{bin_path}`"
                )),
                Err(e) => problems.push(format!("`bin-dir`: {e}")),
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(target: &str, suffix: &str) -> Vars {
        Vars {
            name: "my-tool".into(),
            version: "1.2.3".into(),
            repo: "https://github.com/o/r".into(),
            target: target.into(),
            archive_suffix: suffix.into(),
            bin: "my-tool".into(),
        }
    }

    #[test]
    fn expands_every_documented_variable() {
        let v = vars("x86_64-pc-windows-msvc", ".zip");
        let t = "{ repo }|{name}|{ version }|{ target }|{ archive-suffix }|{ archive-format }|{ binary-ext }|{ bin }|{ target-arch }|{ target-family }|{ target-libc }|{ target-vendor }";
        assert_eq!(
            expand(t, &v).unwrap(),
            "https://github.com/o/r|my-tool|1.2.3|x86_64-pc-windows-msvc|.zip|zip|.exe|my-tool|x86_64|windows|msvc|pc"
        );
        let v = vars("aarch64-unknown-linux-musl", ".tar.xz");
        assert_eq!(
            expand(
                "{ target-family }-{ target-libc }-{ archive-format }{binary-ext}",
                &v
            )
            .unwrap(),
            "unix-musl-txz"
        );
        assert!(expand("{ nope }", &v)
            .unwrap_err()
            .contains("unknown variable"));
        assert!(expand("{ name ", &v).is_err());
        assert!(expand("name }", &v).is_err());
    }

    #[test]
    fn url_templates_follow_the_tag() {
        assert_eq!(
            pkg_url_template("v1.2.3", "1.2.3"),
            "{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }"
        );
        assert_eq!(
            pkg_url_template("my-tool-v1.2.3", "1.2.3"),
            "{ repo }/releases/download/my-tool-v{ version }/{ name }-{ target }{ archive-suffix }"
        );
        assert_eq!(
            pkg_url_template("release/my-tool/1.2.3", "1.2.3"),
            "{ repo }/releases/download/release/my-tool/{ version }/{ name }-{ target }{ archive-suffix }"
        );
    }

    #[test]
    fn expected_metadata_resolves_to_the_artifacts() {
        let mut archives = BTreeMap::new();
        archives.insert(
            "x86_64-unknown-linux-gnu".to_string(),
            (".tar.xz".to_string(), true),
        );
        archives.insert(
            "aarch64-apple-darwin".to_string(),
            (".tar.xz".to_string(), true),
        );
        archives.insert(
            "x86_64-pc-windows-msvc".to_string(),
            (".zip".to_string(), false),
        );
        for tag in ["v1.2.3", "my-tool-v1.2.3"] {
            let e = expected(tag, "1.2.3", &archives);
            assert_eq!(e.pkg_fmt, "txz");
            assert_eq!(e.overrides.len(), 1);
            let declared: serde_json::Value = {
                let doc: toml_edit::DocumentMut = e.to_toml().parse().unwrap();
                let b = &doc["package"]["metadata"]["binstall"];
                let mut o = serde_json::json!({
                    "pkg-url": b["pkg-url"].as_str().unwrap(),
                    "bin-dir": b["bin-dir"].as_str().unwrap(),
                    "pkg-fmt": b["pkg-fmt"].as_str().unwrap(),
                });
                o["overrides"]["x86_64-pc-windows-msvc"] = serde_json::json!({
                    "pkg-fmt": b["overrides"]["x86_64-pc-windows-msvc"]["pkg-fmt"].as_str().unwrap(),
                    "bin-dir": b["overrides"]["x86_64-pc-windows-msvc"]["bin-dir"].as_str().unwrap(),
                });
                o
            };
            let mut by_target = BTreeMap::new();
            for (t, (suffix, prefixed)) in &archives {
                let name = format!("my-tool-{t}{suffix}");
                let exe = if t.contains("windows") {
                    "my-tool.exe".to_string()
                } else {
                    "my-tool".to_string()
                };
                let bin_path = if *prefixed {
                    format!("my-tool-{t}/{exe}")
                } else {
                    exe
                };
                by_target.insert(
                    t.clone(),
                    (
                        vars(t, suffix),
                        format!("https://github.com/o/r/releases/download/{tag}/{name}"),
                        bin_path,
                    ),
                );
            }
            assert_eq!(check(&declared, &by_target), Vec::<String>::new(), "{tag}");
            // A unified-tag URL does not find a singular release.
            let mut wrong = declared.clone();
            wrong["pkg-url"] = serde_json::json!(pkg_url_template("v1.2.3", "1.2.3"));
            if tag != "v1.2.3" {
                assert!(check(&wrong, &by_target)
                    .iter()
                    .any(|p| p.contains("`pkg-url` gives")));
            }
        }
    }
}
