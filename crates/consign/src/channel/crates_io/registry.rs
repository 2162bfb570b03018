//! The registry: which one (cargo's conventions for names, index URLs and
//! tokens), and the upload (`PUT {api}/api/v1/crates/new`).
//!
//! The upload body is cargo's: a little-endian `u32` length and the JSON
//! metadata, then a `u32` length and the `.crate` bytes. One call is one
//! attempt; the retry rules (which depend on the index) live in
//! [`super::schedule`].
//!
//! **Invariant:** the token goes into the `Authorization` header only; every
//! message leaving this module passes through [`Token::redact`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use super::graph;
use super::CRATES_IO;
use crate::error::UserError;
use crate::host::github::{without_userinfo, Token};
use crate::project::Package;
use crate::settings::Environment;

/// crates.io's sparse index.
pub const CRATES_IO_INDEX: &str = "sparse+https://index.crates.io/";
/// The index URL cargo records for crates.io dependencies.
pub const CRATES_IO_GIT_INDEX: &str = "https://github.com/rust-lang/crates.io-index";

/// The registry a publish goes to.
#[derive(Clone, Debug)]
pub struct Target {
    /// `crates-io`, or the name under `[registries]`.
    pub name: String,
    /// The sparse index URL (with `sparse+`).
    pub index: String,
    /// The token, when one is configured.
    pub token: Option<Token>,
    /// The environment variable the token is read from.
    pub token_var: &'static str,
}

/// Resolve `--registry NAME` / `--index URL` the way cargo does: the index
/// from `[registries.NAME] index` in `.cargo/config.toml` (from `cwd` up,
/// then `$CARGO_HOME`) or `CARGO_REGISTRIES_<NAME>_INDEX`; the token from
/// `CARGO_REGISTRY_TOKEN` (crates.io) or `CARGO_REGISTRIES_<NAME>_TOKEN`,
/// else cargo's `credentials.toml`. Variables come from `env`.
pub fn resolve(
    registry: Option<&str>,
    index: Option<&str>,
    cwd: &Path,
    env: &Environment,
) -> Result<Target, UserError> {
    // With `--index`, the registry is named by its URL.
    let name = match (registry, index) {
        (Some(r), _) => r.to_string(),
        (None, Some(url)) => url.to_string(),
        (None, None) => CRATES_IO.to_string(),
    };
    let env_name = name.to_ascii_uppercase().replace('-', "_");
    let explicit_index = index.is_some();
    let configs = config_files(cwd, env);
    let index = match (index, registry) {
        (Some(url), _) => url.to_string(),
        (None, None) | (None, Some(CRATES_IO)) => CRATES_IO_INDEX.to_string(),
        (None, Some(r)) => env
            .var(&format!("CARGO_REGISTRIES_{env_name}_INDEX"))
            .map(str::to_string)
            .or_else(|| {
                configs
                    .iter()
                    .find_map(|f| toml_str(f, &["registries", r, "index"]))
            })
            .ok_or_else(|| {
                UserError::new(format!(
                    "no index is configured for the registry `{r}`"
                ))
                .hint(format!(
                    "add `[registries.{r}]` with `index = \"sparse+https://...\"` to `.cargo/config.toml`, or set `CARGO_REGISTRIES_{env_name}_INDEX`"
                ))
            })?,
    };
    if !index.starts_with("sparse+") && !index.starts_with("http") {
        return Err(UserError::new(format!(
            "the index of `{name}` is `{index}`, a git index; consign reads sparse indexes only"
        ))
        .hint("use the registry's sparse index URL (`sparse+https://...`)"));
    }
    // A named registry has its own variable and credentials entry;
    // crates.io and a bare `--index` use `CARGO_REGISTRY_TOKEN`.
    let named = registry.filter(|r| *r != CRATES_IO);
    let token_var: &'static str = match named {
        Some(_) => Box::leak(format!("CARGO_REGISTRIES_{env_name}_TOKEN").into_boxed_str()),
        None => "CARGO_REGISTRY_TOKEN",
    };
    let credentials_key: Option<Vec<&str>> = match (named, explicit_index) {
        (Some(r), _) => Some(vec!["registries", r, "token"]),
        (None, false) => Some(vec!["registry", "token"]),
        (None, true) => None,
    };
    let token = env
        .var(token_var)
        .map(|v| Token::new(v, token_var))
        .or_else(|| {
            let home = env.cargo_home()?;
            let key = credentials_key?;
            ["credentials.toml", "credentials"].iter().find_map(|f| {
                toml_str(&home.join(f), &key).map(|t| Token::new(t, "cargo's credentials.toml"))
            })
        });
    Ok(Target {
        name,
        index,
        token,
        token_var,
    })
}

/// cargo's config files, nearest first.
fn config_files(cwd: &Path, env: &Environment) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in cwd.ancestors() {
        for f in ["config.toml", "config"] {
            let p = dir.join(".cargo").join(f);
            if p.is_file() {
                out.push(p);
            }
        }
    }
    if let Some(home) = env.cargo_home() {
        for f in ["config.toml", "config"] {
            let p = home.join(f);
            if p.is_file() && !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// A string at `key` in the TOML file `path`, if readable.
fn toml_str(path: &Path, key: &[&str]) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let doc: toml_edit::DocumentMut = text.parse().ok()?;
    let mut item = doc.as_item();
    for k in key {
        item = item.get(k)?;
    }
    item.as_str().map(str::to_string)
}

/// The metadata JSON cargo sends with a crate, from the workspace model.
/// `readme` is the README's text; `target_index` the index we publish to.
pub fn metadata(pkg: &Package, readme: Option<String>, target_index: &str) -> Value {
    let target = target_index
        .trim_start_matches("sparse+")
        .trim_end_matches('/');
    let deps: Vec<Value> = pkg
        .registry
        .dependencies
        .iter()
        .filter(|d| graph::is_kept(d))
        .map(|d| {
            // A dependency from another registry names its index; one from
            // the registry we publish to (or a workspace path) does not.
            let registry = match (&d.registry, &d.source) {
                (Some(r), _) => Some(r.clone()),
                (None, Some(src)) if src.starts_with("registry+") => {
                    Some(src.trim_start_matches("registry+").to_string())
                }
                (None, Some(src)) if src.starts_with("sparse+") => Some(src.clone()),
                _ => None,
            }
            .filter(|r| r.trim_start_matches("sparse+").trim_end_matches('/') != target)
            .filter(|r| {
                !(target
                    == CRATES_IO_INDEX
                        .trim_start_matches("sparse+")
                        .trim_end_matches('/')
                    && r == CRATES_IO_GIT_INDEX)
            });
            json!({
                "name": d.name,
                "version_req": d.req,
                "features": d.features,
                "optional": d.optional,
                "default_features": d.uses_default_features,
                "target": d.target,
                "kind": d.kind.as_deref().unwrap_or("normal"),
                "registry": registry,
                "explicit_name_in_toml": d.rename,
            })
        })
        .collect();
    json!({
        "name": pkg.name,
        "vers": pkg.version.to_string(),
        "deps": deps,
        "features": pkg.registry.features,
        "authors": pkg.authors,
        "description": pkg.description,
        "documentation": pkg.registry.documentation,
        "homepage": pkg.homepage,
        "readme": readme,
        "readme_file": pkg.readme,
        "keywords": pkg.registry.keywords,
        "categories": pkg.registry.categories,
        "license": pkg.license,
        "license_file": pkg.license_file,
        "repository": pkg.repository,
        "badges": {},
        "links": pkg.registry.links,
        "rust_version": pkg.registry.rust_version,
    })
}

/// The body of `PUT /api/v1/crates/new`.
pub fn upload_body(metadata: &Value, crate_file: &[u8]) -> Vec<u8> {
    let meta = serde_json::to_vec(metadata).expect("JSON values serialize");
    let mut body = Vec::with_capacity(8 + meta.len() + crate_file.len());
    body.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    body.extend_from_slice(&meta);
    body.extend_from_slice(&(crate_file.len() as u32).to_le_bytes());
    body.extend_from_slice(crate_file);
    body
}

/// How one upload attempt ended, short of success.
#[derive(Debug)]
pub enum UploadError {
    /// A 429 reply. `until` comes from `Retry-After` (an HTTP-date or seconds); it
    /// is `None` when the registry said nothing (crates.io's per-crate daily cap).
    RateLimited {
        /// When to try again.
        until: Option<SystemTime>,
        /// The registry's message.
        message: String,
    },
    /// 5xx: the registry had trouble; the upload may or may not have landed.
    Server(u16, String),
    /// No reply (refused, dropped, timed out): it may have landed.
    Lost(String),
    /// Anything else (401, 403, a 400 other than "already uploaded"): final.
    Rejected(u16, String),
}

/// How one upload attempt succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uploaded {
    /// The registry took it.
    New,
    /// The registry already had this version (a race, or a lost reply).
    AlreadyThere,
}

/// The registry's web API.
pub struct Registry {
    agent: ureq::Agent,
    api: String,
    auth: std::sync::Mutex<Auth>,
    /// How to mint a trusted-publishing token again (GitHub Actions' OIDC).
    oidc: Option<Oidc>,
    /// Mint again once the token is this old.
    remint_after: Duration,
}

/// The token in use, when it was minted, and every token used so far (all
/// of them are redacted).
struct Auth {
    token: Token,
    minted: Instant,
    seen: Vec<Token>,
}

/// GitHub Actions' OIDC token endpoint.
#[derive(Clone, Debug)]
pub struct Oidc {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
    pub url: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub request_token: Token,
}

/// The `source` of minted tokens.
const TRUSTED_PUBLISHING: &str = "trusted publishing";

/// A trusted-publishing token lives 30 minutes; mint a new one after this.
pub const REMINT_AFTER: Duration = Duration::from_secs(25 * 60);

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("api", &self.api)
            .field("trusted_publishing", &self.oidc.is_some())
            .finish()
    }
}

/// `text` of a registry error reply: crates.io's `errors[].detail`, else
/// the body (cut short).
pub fn error_detail(body: &str) -> String {
    let details: Vec<String> = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.get("detail").and_then(|d| d.as_str()).map(str::to_string))
        .collect();
    if details.is_empty() {
        let t = body.trim();
        if t.is_empty() {
            "(empty body)".into()
        } else {
            t.chars().take(300).collect()
        }
    } else {
        details.join("; ")
    }
}

/// `Retry-After` as a point in time: an HTTP-date, or delay seconds.
pub fn retry_after(value: &str, now: SystemTime) -> Option<SystemTime> {
    let v = value.trim();
    match v.parse::<u64>() {
        Ok(secs) => Some(now + Duration::from_secs(secs)),
        Err(_) => httpdate::parse_http_date(v).ok(),
    }
}

impl Registry {
    fn agent() -> ureq::Agent {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("consign/{}", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(300)))
            .build();
        ureq::Agent::new_with_config(config)
    }

    /// The API at `api` (the index config's `api`), with an API token.
    pub fn new(api: &str, token: Token) -> Registry {
        Registry {
            agent: Self::agent(),
            api: api.trim_end_matches('/').to_string(),
            auth: std::sync::Mutex::new(Auth {
                seen: vec![token.clone()],
                token,
                minted: Instant::now(),
            }),
            oidc: None,
            remint_after: REMINT_AFTER,
        }
    }

    /// The API at `api` with crates.io trusted publishing: an OIDC token
    /// (audience `crates.io`) exchanged for a short-lived publish token,
    /// minted again once it is `remint_after` old ([`REMINT_AFTER`]: before
    /// its 30 minutes run out).
    pub fn trusted(api: &str, oidc: Oidc, remint_after: Duration) -> Result<Registry, String> {
        let agent = Self::agent();
        let api = api.trim_end_matches('/').to_string();
        let token = mint(&agent, &api, &oidc)?;
        Ok(Registry {
            agent,
            api,
            auth: std::sync::Mutex::new(Auth {
                seen: vec![oidc.request_token.clone(), token.clone()],
                token,
                minted: Instant::now(),
            }),
            oidc: Some(oidc),
            remint_after,
        })
    }

    /// `text` with every token replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let auth = self.auth.lock().expect("no poisoned lock");
        auth.seen
            .iter()
            .fold(text.to_string(), |t, tok| tok.redact(&t))
    }

    /// Where the token came from.
    pub fn token_source(&self) -> &'static str {
        self.auth.lock().expect("no poisoned lock").token.source
    }

    /// The token to send, minted again when a trusted-publishing token is
    /// near its end.
    fn token(&self) -> Result<Token, String> {
        let mut auth = self.auth.lock().expect("no poisoned lock");
        if let Some(oidc) = &self.oidc {
            if auth.minted.elapsed() >= self.remint_after {
                // The old token may still be in use by an upload in flight:
                // it is revoked at the end, with the others.
                let fresh = mint(&self.agent, &self.api, oidc)?;
                auth.token = fresh.clone();
                auth.seen.push(fresh);
                auth.minted = Instant::now();
            }
        }
        Ok(auth.token.clone())
    }

    /// Revoke every trusted-publishing token minted (nothing for an API
    /// token). The current one must go; older ones may have expired.
    pub fn finish(&self) -> Result<(), String> {
        if self.oidc.is_none() {
            return Ok(());
        }
        let auth = self.auth.lock().expect("no poisoned lock");
        let minted = auth.seen.iter().filter(|t| t.source == TRUSTED_PUBLISHING);
        for old in minted.filter(|t| t.secret_for_header() != auth.token.secret_for_header()) {
            revoke_token(&self.agent, &self.api, old);
        }
        match revoke_token(&self.agent, &self.api, &auth.token) {
            Some(s) if (200..300).contains(&s) => Ok(()),
            Some(s) => Err(format!(
                "revoking the trusted-publishing token answered {s}"
            )),
            None => Err("revoking the trusted-publishing token got no reply".into()),
        }
    }

    /// One upload attempt.
    pub fn upload(&self, body: &[u8]) -> Result<Uploaded, UploadError> {
        let url = format!("{}/api/v1/crates/new", self.api);
        let shown = without_userinfo(&url);
        let token = self
            .token()
            .map_err(|e| UploadError::Rejected(401, self.redact(&e)))?;
        let result = self
            .agent
            .put(&url)
            .header("Authorization", token.secret_for_header())
            .header("Accept", "application/json")
            .content_type("application/octet-stream")
            .send(body);
        let mut resp =
            result.map_err(|e| UploadError::Lost(self.redact(&format!("`PUT {shown}`: {e}"))))?;
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| UploadError::Lost(self.redact(&format!("`PUT {shown}`: {e}"))))?;
        let detail = self.redact(&error_detail(&text));
        match status {
            200..=299 => Ok(Uploaded::New),
            400 | 409 if is_already_uploaded(&detail) => Ok(Uploaded::AlreadyThere),
            429 => Err(UploadError::RateLimited {
                until: retry,
                message: detail,
            }),
            s if s >= 500 => Err(UploadError::Server(s, detail)),
            s => Err(UploadError::Rejected(s, detail)),
        }
    }
}

/// Exchange a GitHub Actions OIDC token (audience `crates.io`) for a
/// trusted-publishing token at `POST {api}/api/v1/trusted_publishing/tokens`.
fn mint(agent: &ureq::Agent, api: &str, oidc: &Oidc) -> Result<Token, String> {
    let sep = if oidc.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}audience=crates.io", oidc.url);
    let redact = |t: &str| oidc.request_token.redact(t);
    let mut resp = agent
        .get(&url)
        .header(
            "Authorization",
            format!("bearer {}", oidc.request_token.secret_for_header()),
        )
        .call()
        .map_err(|e| redact(&format!("requesting the OIDC token: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| redact(&format!("reading the OIDC token: {e}")))?;
    if status != 200 {
        return Err(format!(
            "GitHub's OIDC endpoint answered {status}; the job needs `permissions: id-token: write`"
        ));
    }
    let jwt = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("value").and_then(|j| j.as_str()).map(str::to_string))
        .ok_or("GitHub's OIDC endpoint sent no `value`")?;
    let jwt_token = Token::new(jwt.clone(), "the OIDC token");
    let mint_url = format!("{api}/api/v1/trusted_publishing/tokens");
    let mut resp = agent
        .post(&mint_url)
        .content_type("application/json")
        .send(json!({ "jwt": jwt }).to_string())
        .map_err(|e| jwt_token.redact(&format!("`POST {mint_url}`: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(jwt_token.redact(&format!(
            "the registry refused the trusted-publishing exchange with {status}: {}; configure this repository and workflow as a trusted publisher of every crate on crates.io",
            error_detail(&text)
        )));
    }
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string))
        .map(|t| Token::new(t, TRUSTED_PUBLISHING))
        .ok_or_else(|| "the trusted-publishing exchange sent no `token`".to_string())
}

/// `DELETE {api}/api/v1/trusted_publishing/tokens`; the status, if any.
fn revoke_token(agent: &ureq::Agent, api: &str, token: &Token) -> Option<u16> {
    agent
        .delete(&format!("{api}/api/v1/trusted_publishing/tokens"))
        .header(
            "Authorization",
            format!("Bearer {}", token.secret_for_header()),
        )
        .call()
        .ok()
        .map(|r| r.status().as_u16())
}

/// Whether a 400 says the version exists (crates.io: "crate version `x` is
/// already uploaded"; other registries: "already exists").
pub fn is_already_uploaded(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("already uploaded") || d.contains("already exists")
}

#[cfg(test)]
#[path = "../../../tests/publish/fake_registry.rs"]
mod fake;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_http_dates_and_seconds() {
        let now = httpdate::parse_http_date("Mon, 07 Dec 2026 12:00:00 GMT").unwrap();
        assert_eq!(
            retry_after("Mon, 07 Dec 2026 12:00:30 GMT", now),
            Some(now + Duration::from_secs(30))
        );
        assert_eq!(retry_after(" 5 ", now), Some(now + Duration::from_secs(5)));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn errors_read_crates_io_details() {
        let body = r#"{"errors":[{"detail":"crate version `1.0.0` is already uploaded"}]}"#;
        assert!(is_already_uploaded(&error_detail(body)));
        assert_eq!(error_detail(""), "(empty body)");
        assert!(!is_already_uploaded("missing description"));
    }

    #[test]
    fn trusted_publishing_re_mints_and_revokes_every_token() {
        let reg = fake::FakeRegistry::start("api-token-unused");
        let oidc = Oidc {
            url: format!("{}/oidc?api-version=2.0", reg.base),
            request_token: Token::new(fake::OIDC_REQUEST_TOKEN, "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        };
        // Every upload finds its token too old and mints a fresh one.
        let registry = Registry::trusted(&reg.base, oidc, Duration::ZERO).unwrap();
        for name in ["one", "two"] {
            let meta = json!({"name": name, "vers": "1.0.0", "deps": [], "features": {}});
            assert_eq!(
                registry.upload(&upload_body(&meta, b"crate")).unwrap(),
                Uploaded::New
            );
        }
        registry.finish().unwrap();
        let s = reg.lock();
        assert_eq!(s.oidc_issued, 3, "one mint, then one per upload");
        assert!(s.tp_valid.is_empty(), "a token was left unrevoked");
        assert_eq!(s.tp_revoked.len(), 3);
        assert_eq!((s.stored("one", "1.0.0"), s.stored("two", "1.0.0")), (1, 1));
        assert!(!registry.redact("cio_tp_secret_2").contains("secret"));
    }

    #[test]
    fn the_upload_body_is_length_prefixed() {
        let body = upload_body(&json!({"a": 1}), b"crate");
        assert_eq!(&body[..4], &7u32.to_le_bytes());
        assert_eq!(&body[4..11], br#"{"a":1}"#);
        assert_eq!(&body[11..15], &5u32.to_le_bytes());
        assert_eq!(&body[15..], b"crate");
    }
}
