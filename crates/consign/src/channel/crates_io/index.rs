//! A sparse registry index client: the truth about what is published.
//!
//! Entries are read with `If-None-Match` once an `ETag` is known, so waiting
//! for a version to appear costs the registry little. A missing entry (404,
//! 410, or 451 as cargo treats them) is a crate with no versions.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::Remote;
use crate::host::github::{without_userinfo, Token};

/// The index's `config.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct IndexConfig {
    /// Where `.crate` files are downloaded from.
    pub dl: String,
    /// The web API base (`PUT {api}/api/v1/crates/new`).
    #[serde(default)]
    pub api: Option<String>,
    /// Whether reading the index needs the token.
    #[serde(default, rename = "auth-required")]
    pub auth_required: bool,
}

/// One read of an index entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The entry, and its `ETag`.
    Entry(Remote, Option<String>),
    /// The crate has no entry.
    Missing,
    /// Unchanged since the `ETag` we sent.
    NotModified,
}

/// How to poll for a version after an upload.
#[derive(Clone, Copy, Debug)]
pub struct Poll {
    /// The first wait.
    pub first: Duration,
    /// The longest wait between two reads.
    pub max: Duration,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            first: Duration::from_millis(200),
            max: Duration::from_secs(10),
            timeout: Duration::from_secs(300),
        }
    }
}

/// A sparse index at `base` (`https://index.crates.io/`).
#[derive(Clone)]
pub struct Index {
    agent: ureq::Agent,
    base: String,
    token: Option<Token>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("base", &self.base).finish()
    }
}

/// The path of `name`'s entry under the index root (`se/rd/serde`).
pub fn entry_path(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    match n.len() {
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}

/// Parse an index entry (one JSON object per line).
pub fn parse_entry(text: &str) -> Result<Remote, String> {
    #[derive(Deserialize)]
    struct Line {
        vers: String,
    }
    let mut versions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        // A version we cannot parse cannot be ours either.
        if let Ok(v) = l.vers.parse() {
            versions.push(v);
        }
    }
    Ok(Remote { versions })
}

impl Index {
    /// An index at `url` (`sparse+` prefix allowed). `token` is sent only
    /// when `config.json` says `auth-required`.
    pub fn new(url: &str, token: Option<Token>) -> Index {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("consign/{}", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(60)))
            .max_idle_connections_per_host(32)
            .build();
        let base = url.trim_start_matches("sparse+");
        Index {
            agent: ureq::Agent::new_with_config(config),
            base: format!("{}/", base.trim_end_matches('/')),
            token,
        }
    }

    /// The index URL, for messages.
    pub fn url(&self) -> String {
        without_userinfo(&self.base)
    }

    fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(t) => t.redact(text),
            None => text.to_string(),
        }
    }

    fn get(&self, path: &str, etag: Option<&str>) -> Result<(u16, String, Option<String>), String> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.get(&url);
        if let Some(t) = &self.token {
            req = req.header("Authorization", t.secret_for_header());
        }
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        let mut resp = req
            .call()
            .map_err(|e| self.redact(&format!("`GET {}`: {e}", without_userinfo(&url))))?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| self.redact(&format!("`GET {}`: {e}", without_userinfo(&url))))?;
        Ok((status, body, etag))
    }

    /// Read `config.json`; `auth-required` keeps the token for entries.
    pub fn config(&mut self) -> Result<IndexConfig, String> {
        let (status, body, _) = self.get("config.json", None)?;
        if status != 200 {
            return Err(format!(
                "`{}config.json` answered {status}: {}",
                self.url(),
                body.trim()
            ));
        }
        let config: IndexConfig = serde_json::from_str(&body)
            .map_err(|e| format!("`{}config.json` is not an index config: {e}", self.url()))?;
        if !config.auth_required {
            self.token = None;
        }
        Ok(config)
    }

    /// Read `name`'s entry (conditionally when `etag` is given).
    pub fn fetch(&self, name: &str, etag: Option<&str>) -> Result<Fetched, String> {
        let path = entry_path(name);
        let (status, body, new_etag) = self.get(&path, etag)?;
        match status {
            200 => parse_entry(&body)
                .map(|r| Fetched::Entry(r, new_etag))
                .map_err(|e| format!("the index entry `{}{path}` is malformed: {e}", self.url())),
            304 => Ok(Fetched::NotModified),
            404 | 410 | 451 => Ok(Fetched::Missing),
            s => Err(format!(
                "the index answered {s} for `{}{path}`: {}",
                self.url(),
                body.trim().chars().take(300).collect::<String>()
            )),
        }
    }

    /// Whether `name` has `version` right now (one unconditional read,
    /// retried briefly on transport errors and 5xx).
    pub fn has(&self, name: &str, version: &semver::Version) -> Result<bool, String> {
        let mut last = String::new();
        for attempt in 0..4 {
            match self.fetch(name, None) {
                Ok(Fetched::Entry(r, _)) => return Ok(r.versions.contains(version)),
                Ok(_) => return Ok(false),
                Err(e) => last = e,
            }
            std::thread::sleep(crate::host::github::backoff(
                Duration::from_millis(250),
                attempt,
            ));
        }
        Err(last)
    }

    /// Every entry of `names`, read `width` at a time. Missing crates are
    /// absent from the map.
    pub fn fetch_all(
        &self,
        names: &[String],
        width: usize,
    ) -> Result<BTreeMap<String, Remote>, String> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..width.clamp(1, names.len().max(1)) {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(name) = names.get(i) else { break };
                    let r = self.fetch(name, None);
                    results
                        .lock()
                        .expect("no poisoned lock")
                        .push((name.clone(), r));
                });
            }
        });
        let mut out = BTreeMap::new();
        for (name, r) in results.into_inner().expect("no poisoned lock") {
            match r? {
                Fetched::Entry(remote, _) => {
                    out.insert(name, remote);
                }
                Fetched::Missing | Fetched::NotModified => {}
            }
        }
        Ok(out)
    }

    /// Poll until `name` shows `version`, backing off from `poll.first` to
    /// `poll.max`, reading conditionally once an `ETag` is known. `Ok(false)`
    /// when `poll.timeout` passes first.
    pub fn wait_for(
        &self,
        name: &str,
        version: &semver::Version,
        poll: Poll,
    ) -> Result<bool, String> {
        let start = Instant::now();
        let mut etag: Option<String> = None;
        let mut wait = poll.first;
        let mut errors = 0;
        loop {
            match self.fetch(name, etag.as_deref()) {
                Ok(Fetched::Entry(r, tag)) => {
                    if r.versions.contains(version) {
                        return Ok(true);
                    }
                    etag = tag;
                }
                Ok(Fetched::Missing | Fetched::NotModified) => {}
                Err(e) => {
                    errors += 1;
                    if errors >= 10 {
                        return Err(e);
                    }
                }
            }
            let left = poll.timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Ok(false);
            }
            std::thread::sleep(wait.min(left));
            wait = (wait.mul_f64(1.5)).min(poll.max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_follow_cargo() {
        assert_eq!(entry_path("a"), "1/a");
        assert_eq!(entry_path("ab"), "2/ab");
        assert_eq!(entry_path("abc"), "3/a/abc");
        assert_eq!(entry_path("Serde_JSON"), "se/rd/serde_json");
    }

    #[test]
    fn entries_list_every_version() {
        let r = parse_entry(
            "{\"name\":\"a\",\"vers\":\"0.1.0\",\"yanked\":false}\n\n{\"name\":\"a\",\"vers\":\"0.2.0-rc.1\",\"yanked\":true}\n",
        )
        .unwrap();
        assert_eq!(r.versions.len(), 2);
        assert_eq!(r.versions[1].to_string(), "0.2.0-rc.1");
        assert!(parse_entry("{nope").unwrap_err().contains("line 1"));
    }
}
