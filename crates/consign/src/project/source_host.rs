//! The source host: where the git repository lives, parsed from
//! `[package].repository`.
//!
//! The common spellings of a GitHub URL all normalize to one
//! `https://{host}/{owner}/{project}`: a `.git` suffix, a trailing slash,
//! `git+https://`, `http://`, `www.`, and ssh `git@host:owner/repo.git` or
//! `ssh://git@host/owner/repo`. A GitHub Enterprise server is accepted when
//! its base URL is configured (`github-enterprise-url`).

use std::fmt;

/// A parsed repository URL.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct SourceHost {
    /// The web base URL, `https://github.com` or the enterprise server's.
    pub web_base: String,
    /// The repository owner (user or organization).
    pub owner: String,
    /// The repository name.
    pub project: String,
}

impl SourceHost {
    /// `https://github.com/owner/project`.
    pub fn repo_url(&self) -> String {
        format!("{}/{}/{}", self.web_base, self.owner, self.project)
    }
}

impl fmt::Display for SourceHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repo_url())
    }
}

/// Why a repository URL could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceHostError {
    /// Not a URL we can read at all.
    #[error("`{0}` is not a repository URL like `https://github.com/owner/repo`")]
    Unparseable(String),
    /// A host other than GitHub (or the configured enterprise server).
    #[error("`{url}` is hosted on `{host}`, which consign cannot release to")]
    UnsupportedHost {
        /// The URL as written.
        url: String,
        /// Its host.
        host: String,
    },
}

/// Parse a `[package].repository` value. `enterprise_base` is the configured
/// GitHub Enterprise base URL (e.g. `https://github.example.com`), if any.
pub fn parse_repository(
    raw: &str,
    enterprise_base: Option<&str>,
) -> Result<SourceHost, SourceHostError> {
    let unparseable = || SourceHostError::Unparseable(raw.to_string());
    let s = raw.trim();
    let s = s.strip_prefix("git+").unwrap_or(s);
    // Split into host and path for each of the accepted forms.
    let (host, path) = if let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .or_else(|| s.strip_prefix("ssh://"))
        .or_else(|| s.strip_prefix("git://"))
    {
        let (authority, path) = rest.split_once('/').ok_or_else(unparseable)?;
        (without_userinfo(authority), path)
    } else if let Some((user_host, path)) = s.split_once(':') {
        // scp-like ssh: git@github.com:owner/repo.git
        let host = user_host.split_once('@').map_or(user_host, |(_, h)| h);
        if host.is_empty() || host.contains('/') {
            return Err(unparseable());
        }
        (host, path)
    } else {
        return Err(unparseable());
    };
    let host = host
        .split_once(':')
        .map_or(host, |(h, _port)| h)
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();

    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let owner = parts.next().ok_or_else(unparseable)?;
    let project = parts.next().ok_or_else(unparseable)?;
    let project = project.strip_suffix(".git").unwrap_or(project);
    // GitHub refuses repository names ending in `.git`: `x.git.git` is a
    // mistake, and reading it as `x.git` would not read back the same.
    if project.ends_with(".git") {
        return Err(unparseable());
    }
    // Anything after owner/repo must be a web path inside the repo (tree/main/...).
    if let Some(extra) = parts.next() {
        if !["tree", "blob", "-"].contains(&extra) {
            return Err(unparseable());
        }
    }
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if !valid(owner) || !valid(project) {
        return Err(unparseable());
    }

    let web_base = if host == "github.com" {
        "https://github.com".to_string()
    } else {
        match enterprise_base {
            Some(base) if host_of(base).as_deref() == Some(host.as_str()) => {
                origin_of(base).expect("a base with a host has an origin")
            }
            _ => {
                return Err(SourceHostError::UnsupportedHost {
                    url: raw.to_string(),
                    host,
                })
            }
        }
    };
    Ok(SourceHost {
        web_base,
        owner: owner.to_string(),
        project: project.to_string(),
    })
}

/// `scheme://authority` of a base URL: the server, without a path. Release
/// URLs are `{origin}/{owner}/{repo}/...`, so a path in the configured base
/// (`https://ghe.example.com/login`) must not end up in them.
fn origin_of(base: &str) -> Option<String> {
    let (scheme, rest) = base.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!("{scheme}://{}", without_userinfo(authority)))
}

/// `host[:port]` of an authority, without a `user[:password]@`.
fn without_userinfo(authority: &str) -> &str {
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

fn host_of(base: &str) -> Option<String> {
    let origin = origin_of(base)?;
    let (_, authority) = origin.split_once("://")?;
    Some(authority.split(':').next()?.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str) -> String {
        parse_repository(raw, None).unwrap().repo_url()
    }

    /// Found by the `repository` fuzz target
    /// (`fuzz/regressions/repository/enterprise-url-with-a-path`): the
    /// configured base was used whole, so its path went into every release
    /// URL, and the normalized URL did not parse back.
    #[test]
    fn enterprise_url_with_a_path_gives_the_servers_origin() {
        let base = Some("https://ghe.example.com/some/path/");
        let host = parse_repository("https://ghe.example.com/acme/tool", base).unwrap();
        assert_eq!(host.repo_url(), "https://ghe.example.com/acme/tool");
        assert_eq!(parse_repository(&host.repo_url(), base), Ok(host));
    }

    /// Found by the `repository` fuzz target
    /// (`fuzz/regressions/repository/enterprise-url-with-userinfo`): the
    /// enterprise host was read with its `user@`, the repository's without,
    /// so they never matched (or matched the wrong server).
    #[test]
    fn enterprise_url_with_userinfo_matches_its_host() {
        let base = Some("https://bot:secret@ghe.example.com");
        let host = parse_repository("https://ghe.example.com/acme/tool", base).unwrap();
        assert_eq!(host.repo_url(), "https://ghe.example.com/acme/tool");
        assert_eq!(parse_repository(&host.repo_url(), base), Ok(host));
    }

    /// Found by the `repository` fuzz target
    /// (`fuzz/regressions/repository/a-doubled-git-suffix`).
    #[test]
    fn a_doubled_git_suffix_is_refused() {
        assert!(matches!(
            parse_repository("https://github.com/acme/tool.git.git", None),
            Err(SourceHostError::Unparseable(_))
        ));
    }

    #[test]
    fn common_forms_normalize() {
        for raw in [
            "https://github.com/axodotdev/axolotlsay",
            "https://github.com/axodotdev/axolotlsay.git",
            "https://github.com/axodotdev/axolotlsay/",
            "git+https://github.com/axodotdev/axolotlsay.git",
            "git@github.com:axodotdev/axolotlsay.git",
            "git@github.com:axodotdev/axolotlsay",
            "ssh://git@github.com/axodotdev/axolotlsay.git",
            "http://www.github.com/axodotdev/axolotlsay",
            "https://GitHub.com/axodotdev/axolotlsay/tree/main/crates/x",
            "  https://github.com/axodotdev/axolotlsay  ",
        ] {
            assert_eq!(
                check(raw),
                "https://github.com/axodotdev/axolotlsay",
                "{raw}"
            );
        }
        let h = parse_repository("https://github.com/o/r", None).unwrap();
        assert_eq!((h.owner.as_str(), h.project.as_str()), ("o", "r"));
    }

    #[test]
    fn malformed_urls_are_unparseable() {
        for raw in [
            "",
            "github.com",
            "https://github.com/owner",
            "not a url",
            "https://github.com/o/r/issues/3",
        ] {
            assert!(
                matches!(
                    parse_repository(raw, None),
                    Err(SourceHostError::Unparseable(_))
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn other_hosts_need_enterprise_config() {
        let err = parse_repository("https://gitlab.com/o/r", None).unwrap_err();
        assert_eq!(
            err,
            SourceHostError::UnsupportedHost {
                url: "https://gitlab.com/o/r".into(),
                host: "gitlab.com".into()
            }
        );
        let ghe = parse_repository(
            "git@ghe.corp.example:team/tool.git",
            Some("https://ghe.corp.example/"),
        )
        .unwrap();
        assert_eq!(ghe.repo_url(), "https://ghe.corp.example/team/tool");
        assert!(parse_repository(
            "https://other.example/team/tool",
            Some("https://ghe.corp.example")
        )
        .is_err());
    }
}
