//! A small blocking client for the parts of the GitHub REST API that hosting
//! uses: releases (find by tag, list with drafts, create, update), release
//! assets (list, upload, delete) and repository dispatches.
//!
//! Every call goes through [`Client::retrying`]: 5xx responses and dropped
//! connections are retried with exponential backoff and jitter; 429s and
//! 403 rate limits wait for `Retry-After` or `X-RateLimit-Reset`. Calls that
//! create something (a release, an asset) are not blindly repeated: the
//! caller's closure looks at the remote state again before a second attempt.
//!
//! **Invariant:** the token only ever goes into the `Authorization` header.
//! Every string that leaves this module (errors, notices) passes through
//! [`Token::redact`] first.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::UserError;

/// An API token. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token {
    secret: String,
    /// The environment variable it came from, for hints.
    pub source: &'static str,
}

impl Token {
    /// A token read from `source`.
    pub fn new(secret: impl Into<String>, source: &'static str) -> Token {
        Token {
            secret: secret.into(),
            source,
        }
    }

    /// The secret, for an `Authorization` header and nothing else.
    pub fn secret_for_header(&self) -> &str {
        &self.secret
    }

    /// `text` with every occurrence of the token replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        if self.secret.is_empty() {
            return text.to_string();
        }
        text.replace(&self.secret, "***")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(*** from {})", self.source)
    }
}

/// How hard to try before giving up.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// The first backoff; it doubles with every attempt (with jitter).
    pub base_delay: Duration,
    /// The longest single wait (backoff or rate limit) we accept.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(500),
            max_wait: Duration::from_secs(15 * 60),
        }
    }
}

/// A release as the API returns it (the fields we use).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct RemoteRelease {
    /// The release id.
    pub id: u64,
    /// The tag.
    pub tag_name: String,
    /// Still a draft.
    pub draft: bool,
    /// Marked prerelease.
    #[serde(default)]
    pub prerelease: bool,
    /// The title.
    #[serde(default)]
    pub name: Option<String>,
    /// The body.
    #[serde(default)]
    pub body: Option<String>,
    /// The web page.
    #[serde(default)]
    pub html_url: String,
    /// The upload URI template (`.../assets{?name,label}`).
    pub upload_url: String,
}

/// A release asset as the API returns it (the fields we use).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct RemoteAsset {
    /// The asset id.
    pub id: u64,
    /// The file name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// `uploaded`, or `starter` for an upload that never finished.
    pub state: String,
    /// `sha256:{hex}`, when GitHub computed it.
    #[serde(default)]
    pub digest: Option<String>,
}

/// The owner and name of a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    /// The owner.
    pub owner: String,
    /// The name.
    pub name: String,
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A response we read completely.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body text.
    pub body: String,
    /// `METHOD url` of the request (credentials in the URL removed).
    pub request: String,
    retry_after: Option<u64>,
    rate_remaining: Option<u64>,
    rate_reset: Option<u64>,
    accepted_scopes: Option<String>,
}

/// Why one attempt failed.
#[derive(Debug)]
pub enum Failure {
    /// No response: refused, dropped, timed out. Already redacted.
    Transport(String),
    /// A response with a status we did not want.
    Status(Box<Reply>),
    /// Something local (reading a file to upload).
    Local(String),
}

impl Failure {
    fn status(&self) -> Option<u16> {
        match self {
            Failure::Status(r) => Some(r.status),
            _ => None,
        }
    }
}

/// What an attempt sends.
pub enum Body<'a> {
    /// Nothing.
    Empty,
    /// A JSON document.
    Json(Vec<u8>),
    /// A file streamed from disk; `progress` gets the bytes sent so far.
    File {
        /// The file.
        path: &'a Path,
        /// Its size (sent as `Content-Length`).
        len: u64,
        /// Its media type.
        content_type: &'a str,
        /// Called as bytes are sent.
        progress: &'a (dyn Fn(u64) + Sync),
    },
}

/// The HTTP methods we use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        })
    }
}

/// A GitHub REST client for one repository.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    api: String,
    /// The repository releases go to.
    pub repo: Repo,
    token: Token,
    retry: RetryPolicy,
    notice: Arc<dyn Fn(&str) + Send + Sync>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .field("repo", &self.repo)
            .field("token", &self.token)
            .finish()
    }
}

/// The REST API base URL: `GITHUB_API_URL` when set, `{web}/api/v3` for a
/// GitHub Enterprise server, else `https://api.github.com`.
pub fn api_base(env_api_url: Option<&str>, web_base: &str) -> String {
    match env_api_url.map(str::trim).filter(|s| !s.is_empty()) {
        Some(url) => url.trim_end_matches('/').to_string(),
        None if web_base.trim_end_matches('/') != "https://github.com" => {
            format!("{}/api/v3", web_base.trim_end_matches('/'))
        }
        None => "https://api.github.com".to_string(),
    }
}

/// Percent-encode a query value (RFC 3986 unreserved characters pass).
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The upload URL for `name` from a release's `upload_url` template.
pub fn upload_url(template: &str, name: &str) -> String {
    let base = template.split('{').next().unwrap_or(template);
    format!("{base}?name={}", encode_query(name))
}

/// Reads a file and reports how much has been read.
struct Counting<'a> {
    file: File,
    sent: u64,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.sent += n as u64;
        (self.progress)(self.sent);
        Ok(n)
    }
}

impl Client {
    /// A client for `repo` at the API base `api`.
    pub fn new(api: &str, repo: Repo, token: Token, retry: RetryPolicy) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("consign/{}", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(300)))
            .timeout_recv_body(Some(Duration::from_secs(120)))
            .max_idle_connections_per_host(32)
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            api: api.trim_end_matches('/').to_string(),
            repo,
            token,
            retry,
            notice: Arc::new(|_| {}),
        }
    }

    /// Where retry notices go (already redacted).
    pub fn on_notice(mut self, notice: impl Fn(&str) + Send + Sync + 'static) -> Client {
        self.notice = Arc::new(notice);
        self
    }

    /// `text` with the token replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        self.token.redact(text)
    }

    /// `{api}/repos/{owner}/{repo}{rest}`.
    pub fn repo_url(&self, rest: &str) -> String {
        format!(
            "{}/repos/{}/{}{rest}",
            self.api, self.repo.owner, self.repo.name
        )
    }

    /// The API URL for another repository (`owner/name`).
    pub fn other_repo_url(&self, full_name: &str, rest: &str) -> String {
        format!("{}/repos/{full_name}{rest}", self.api)
    }

    /// One attempt: send, read the whole reply, and sort it into success (2xx)
    /// or [`Failure`].
    pub fn attempt(&self, method: Method, url: &str, body: Body<'_>) -> Result<Reply, Failure> {
        let auth = format!("Bearer {}", self.token.secret);
        macro_rules! headers {
            ($rb:expr) => {
                $rb.header("Authorization", &auth)
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28")
            };
        }
        let result = match (method, body) {
            (Method::Get, _) => headers!(self.agent.get(url)).call(),
            (Method::Delete, _) => headers!(self.agent.delete(url)).call(),
            (m, body) => {
                let rb = match m {
                    Method::Patch => headers!(self.agent.patch(url)),
                    _ => headers!(self.agent.post(url)),
                };
                match body {
                    Body::Empty => rb.send_empty(),
                    Body::Json(bytes) => rb.content_type("application/json").send(&bytes[..]),
                    Body::File {
                        path,
                        len,
                        content_type,
                        progress,
                    } => {
                        let file = File::open(path).map_err(|e| {
                            Failure::Local(format!("cannot read `{}`: {e}", path.display()))
                        })?;
                        let mut reader = Counting {
                            file,
                            sent: 0,
                            progress,
                        };
                        rb.content_type(content_type)
                            .header("Content-Length", len.to_string())
                            .send(ureq::SendBody::from_reader(&mut reader))
                    }
                }
            }
        };
        let request = format!("{method} {}", without_userinfo(url));
        let mut resp =
            result.map_err(|e| Failure::Transport(self.redact(&format!("`{request}`: {e}"))))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        let status = resp.status().as_u16();
        let retry_after = number("retry-after");
        let rate_remaining = number("x-ratelimit-remaining");
        let rate_reset = number("x-ratelimit-reset");
        let accepted_scopes = header("x-accepted-oauth-scopes");
        let body = resp
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| Failure::Transport(self.redact(&format!("`{request}`: {e}"))))?;
        let reply = Reply {
            status,
            body,
            request,
            retry_after,
            rate_remaining,
            rate_reset,
            accepted_scopes,
        };
        if (200..300).contains(&status) {
            Ok(reply)
        } else {
            Err(Failure::Status(Box::new(reply)))
        }
    }

    /// How long to wait before attempt `attempt + 1`, or `None` when the
    /// failure is final.
    fn wait_before_retry(&self, failure: &Failure, attempt: u32) -> Option<Duration> {
        let backoff = || backoff(self.retry.base_delay, attempt);
        match failure {
            Failure::Transport(_) => Some(backoff()),
            Failure::Local(_) => None,
            Failure::Status(r) => match r.status {
                500 | 502 | 503 | 504 => Some(backoff()),
                429 => Some(rate_limit_wait(r).unwrap_or_else(backoff)),
                403 if r.retry_after.is_some() || r.rate_remaining == Some(0) => {
                    Some(rate_limit_wait(r).unwrap_or_else(|| Duration::from_secs(60)))
                }
                _ => None,
            },
        }
    }

    /// Run `f` (one attempt) until it succeeds, the failure is final, or the
    /// attempts run out. `f` gets the attempt number (0 first), so a call
    /// that creates something can look at the remote state before trying again.
    pub fn retrying<T>(
        &self,
        what: &str,
        mut f: impl FnMut(u32) -> Result<T, Failure>,
    ) -> Result<T, UserError> {
        let mut attempt = 0;
        loop {
            let failure = match f(attempt) {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let last = attempt + 1 >= self.retry.attempts;
            match self.wait_before_retry(&failure, attempt) {
                Some(wait) if !last && wait <= self.retry.max_wait => {
                    (self.notice)(&self.redact(&format!(
                        "{what}: {}; retrying in {:.1}s (attempt {} of {})",
                        describe(&failure),
                        wait.as_secs_f64(),
                        attempt + 2,
                        self.retry.attempts
                    )));
                    std::thread::sleep(wait);
                    attempt += 1;
                }
                Some(wait) if wait > self.retry.max_wait => {
                    return Err(UserError::new(self.redact(&format!(
                        "{what}: GitHub's rate limit resets in {}s, longer than consign waits",
                        wait.as_secs()
                    )))
                    .hint(
                        "run the same command again after the reset; it picks up where it stopped",
                    ))
                }
                _ => return Err(self.final_error(what, &failure, attempt + 1)),
            }
        }
    }

    /// The error for a failure we give up on, naming the call, the status,
    /// GitHub's message and what to do.
    fn final_error(&self, what: &str, failure: &Failure, attempts: u32) -> UserError {
        let tries = if attempts > 1 {
            format!(" (after {attempts} attempts)")
        } else {
            String::new()
        };
        let err = match failure {
            Failure::Local(msg) => UserError::new(format!("{what}: {msg}")),
            Failure::Transport(msg) => UserError::new(format!(
                "{what}: no response from GitHub{tries}: {msg}"
            ))
            .hint("check the network and `GITHUB_API_URL`, then run the command again; finished work is kept"),
            Failure::Status(r) => {
                let message = github_message(&r.body);
                let base = UserError::new(format!(
                    "{what}: GitHub answered {} to `{}`{tries}: {message}",
                    r.status, r.request
                ));
                let scope = "the `contents: write` permission on the repository (a classic token needs the `repo` scope, or `public_repo` for a public repository)";
                let accepted = r
                    .accepted_scopes
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| format!("; this endpoint accepts the scopes `{s}`"))
                    .unwrap_or_default();
                match r.status {
                    401 => base.hint(format!(
                        "the token in `{}` was rejected (expired, revoked or mistyped); consign needs a token with {scope}{accepted}. In GitHub Actions, give the job `permissions: contents: write`",
                        self.token.source
                    )),
                    403 => base.hint(format!(
                        "the token in `{}` lacks a permission: consign needs {scope}{accepted}. In GitHub Actions, give the job `permissions: contents: write`",
                        self.token.source
                    )),
                    404 => base.hint(format!(
                        "GitHub answers 404 when the repository does not exist or the token in `{}` cannot see it; check the repository name and that the token has {scope}",
                        self.token.source
                    )),
                    429 => base.hint("GitHub's rate limit was hit; run the command again later, it picks up where it stopped"),
                    s if s >= 500 => base.hint("GitHub had trouble; run the command again, it picks up where it stopped"),
                    _ => base,
                }
            }
        };
        UserError {
            message: self.redact(&err.message),
            location: None,
            hint: err.hint.map(|h| self.redact(&h)),
        }
    }

    /// A retried GET/PATCH/DELETE/POST of JSON; `Ok(None)` on 404.
    pub fn json_call<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Option<T>, UserError> {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("JSON values serialize"));
        let reply = self.retrying(what, |_| {
            let body = match &bytes {
                Some(b) => Body::Json(b.clone()),
                None => Body::Empty,
            };
            match self.attempt(method, url, body) {
                Err(f) if f.status() == Some(404) => Ok(None),
                other => other.map(Some),
            }
        })?;
        reply.map(|r| self.parse(what, &r)).transpose()
    }

    /// Parse a reply body, or say which call returned something unexpected.
    pub fn parse<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        reply: &Reply,
    ) -> Result<T, UserError> {
        let text = if reply.body.trim().is_empty() {
            "null"
        } else {
            &reply.body
        };
        serde_json::from_str(text).map_err(|e| {
            UserError::new(self.redact(&format!(
                "{what}: GitHub's reply is not what its API documents: {e}"
            )))
            .hint("if `GITHUB_API_URL` points at a proxy, check that it passes GitHub's replies through unchanged")
        })
    }

    /// Every page of a list endpoint (`per_page=100`, at most 50 pages).
    pub fn list_all<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        url: &str,
    ) -> Result<Vec<T>, UserError> {
        let mut all = Vec::new();
        for page in 1..=50 {
            let sep = if url.contains('?') { '&' } else { '?' };
            let page_url = format!("{url}{sep}per_page=100&page={page}");
            let items: Vec<T> = self
                .json_call(what, Method::Get, &page_url, None)?
                .unwrap_or_default();
            let n = items.len();
            all.extend(items);
            if n < 100 {
                break;
            }
        }
        Ok(all)
    }
}

/// The wait before retry `attempt + 1`: `base` doubled per attempt, at most
/// a minute, with jitter (somewhere in the upper half).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let full = base
        .saturating_mul(1u32 << attempt.min(16))
        .min(Duration::from_secs(60));
    full / 2 + full.mul_f64(fastrand::f64() / 2.0)
}

/// `url` without `user:password@`, for display.
pub fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The wait a rate-limit reply asks for: `Retry-After` seconds, else until
/// `X-RateLimit-Reset` (a unix time).
fn rate_limit_wait(r: &Reply) -> Option<Duration> {
    if let Some(secs) = r.retry_after {
        return Some(Duration::from_secs(secs));
    }
    let reset = r.rate_reset?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

/// GitHub's `message` field (plus validation error codes), or the raw body.
fn github_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<serde_json::Value>,
    }
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody {
            message: Some(m),
            errors,
        }) => {
            let codes: Vec<String> = errors
                .iter()
                .filter_map(|e| e.get("code").and_then(|c| c.as_str()).map(str::to_string))
                .collect();
            if codes.is_empty() {
                m
            } else {
                format!("{m} ({})", codes.join(", "))
            }
        }
        _ => {
            let t = body.trim();
            if t.chars().count() > 300 {
                format!("{}...", t.chars().take(300).collect::<String>())
            } else if t.is_empty() {
                "(empty body)".to_string()
            } else {
                t.to_string()
            }
        }
    }
}

/// A short description of a failure, for retry notices.
fn describe(f: &Failure) -> String {
    match f {
        Failure::Transport(m) | Failure::Local(m) => m.clone(),
        Failure::Status(r) => format!("GitHub answered {}", r.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_prefers_env_then_enterprise() {
        assert_eq!(
            api_base(Some("http://127.0.0.1:9/"), "https://github.com"),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            api_base(None, "https://github.com"),
            "https://api.github.com"
        );
        assert_eq!(
            api_base(Some(""), "https://ghe.example.com"),
            "https://ghe.example.com/api/v3"
        );
    }

    #[test]
    fn upload_url_expands_the_template_and_encodes_the_name() {
        assert_eq!(
            upload_url(
                "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}",
                "a b+c.tar.gz"
            ),
            "https://uploads.github.com/repos/o/r/releases/1/assets?name=a%20b%2Bc.tar.gz"
        );
    }

    #[test]
    fn token_never_shows_in_debug_or_redacted_text() {
        let t = Token::new("ghp_canary123", "GITHUB_TOKEN");
        assert!(!format!("{t:?}").contains("canary"));
        assert_eq!(t.redact("x ghp_canary123 y"), "x *** y");
    }

    #[test]
    fn rate_limit_wait_uses_retry_after_then_reset() {
        let mut r = Reply {
            status: 429,
            body: String::new(),
            request: "GET x".into(),
            retry_after: Some(7),
            rate_remaining: None,
            rate_reset: None,
            accepted_scopes: None,
        };
        assert_eq!(rate_limit_wait(&r), Some(Duration::from_secs(7)));
        r.retry_after = None;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        r.rate_reset = Some(now + 10);
        let w = rate_limit_wait(&r).unwrap();
        assert!(
            w >= Duration::from_secs(9) && w <= Duration::from_secs(12),
            "{w:?}"
        );
        r.rate_reset = None;
        assert_eq!(rate_limit_wait(&r), None);
    }

    #[test]
    fn urls_lose_their_credentials_for_display() {
        assert_eq!(
            without_userinfo("https://u:secret@ghe.example.com/api/v3/repos?a=b@c"),
            "https://***@ghe.example.com/api/v3/repos?a=b@c"
        );
        assert_eq!(
            without_userinfo("http://127.0.0.1:9/x"),
            "http://127.0.0.1:9/x"
        );
    }

    #[test]
    fn github_message_reads_validation_errors() {
        assert_eq!(
            github_message(
                r#"{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}"#
            ),
            "Validation Failed (already_exists)"
        );
        assert_eq!(github_message(""), "(empty body)");
    }
}
