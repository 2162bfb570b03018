//! Settings: what each command runs with, resolved once.
//!
//! A command's settings come from three places: its flags (`cli.rs`), the
//! dist config (`project::config`) and the environment. Each command that
//! mixes them has one `*Settings` struct here, made by one `resolve` at the
//! start of the command; nothing after that looks at a flag, the config or
//! an environment variable again. Precedence is the same everywhere: a flag
//! beats the config, the config beats the environment, and the environment
//! beats the default.
//!
//! [`Environment`] is the process environment, read once in
//! [`crate::main_with_args`] and passed down. It is the only reader of
//! environment variables in consign (test hooks in `fs.rs` aside; a test in
//! `tests/steps.rs` fails when another module calls `std::env::var`), so
//! every variable consign honours is named in this file, and tests can give
//! a command any environment without touching the process's.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::build::{cargo::Toolchain, BuildOptions};
use crate::channel::crates_io::registry::Oidc;
use crate::cli::{
    BumpArg, CratesArgs, GlobalArgs, HostArgs, HostStep, RegistryArgs, ReleaseArgs, ReleasePrArgs,
};
use crate::error::UserError;
use crate::host::github::{RetryPolicy, Token};
use crate::host::Step;
use crate::plan::{ArtifactMode, PlanOptions};
use crate::project::config::DistConfig;
use crate::project::{LoadOptions, Workspace};
use crate::release::bump::{BumpRequest, Level, Prerelease};
use crate::verify::VersionArgs;

/// The process environment, captured once. Values are read through the
/// typed accessors below, one per variable consign honours; `var` is for
/// names the plan or the config holds (a channel's token variable).
#[derive(Clone, Default)]
pub struct Environment {
    vars: HashMap<OsString, OsString>,
}

/// Names only: the values hold tokens, and a settings struct printed with
/// `{:?}` must not show them.
impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.vars.keys().map(|k| k.to_string_lossy()).collect();
        names.sort();
        f.debug_struct("Environment")
            .field("names", &names)
            .finish()
    }
}

impl Environment {
    /// The environment of this process.
    pub fn capture() -> Environment {
        Environment::from_vars(std::env::vars_os())
    }

    /// An environment made of `vars` (for tests and embedding).
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Environment
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        Environment {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// `name`'s value, trimmed; unset, empty and non-UTF-8 values are `None`.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(OsStr::new(name))
            .and_then(|v| v.to_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` is set at all (even to an empty value).
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(OsStr::new(name))
    }

    fn os(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .get(OsStr::new(name))
            .map(OsString::as_os_str)
            .filter(|v| !v.is_empty())
    }

    /// The GitHub token: `GITHUB_TOKEN`, else `GH_TOKEN`.
    pub fn github_token(&self) -> Option<Token> {
        ["GITHUB_TOKEN", "GH_TOKEN"]
            .into_iter()
            .find_map(|name| self.var(name).map(|v| Token::new(v, name)))
    }

    /// `GITHUB_API_URL` (GitHub Actions sets it; GitHub Enterprise's differs).
    pub fn github_api_url(&self) -> Option<&str> {
        self.var("GITHUB_API_URL")
    }

    /// `GITHUB_SHA`: the commit a GitHub Actions run is for.
    pub fn github_sha(&self) -> Option<&str> {
        self.var("GITHUB_SHA")
    }

    /// `GITHUB_REF_NAME`: the branch (or tag) a GitHub Actions run is for.
    pub fn github_ref_name(&self) -> Option<&str> {
        self.var("GITHUB_REF_NAME")
    }

    /// `SOURCE_DATE_EPOCH` (seconds since 1970), if set; a value that is not
    /// a timestamp is an error, never silently ignored.
    pub fn source_date_epoch(&self) -> Result<Option<u64>, UserError> {
        let Some(v) = self.var("SOURCE_DATE_EPOCH") else {
            return Ok(None);
        };
        v.parse::<u64>().map(Some).map_err(|_| {
            UserError::new(format!(
                "`SOURCE_DATE_EPOCH` is `{v}`, not a unix timestamp"
            ))
            .hint(
                "set it to seconds since 1970, e.g. `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`",
            )
        })
    }

    /// The cargo consign runs: `$CARGO` (set when consign runs under cargo,
    /// as a subcommand or in cargo's tests), else `cargo` from `PATH`.
    pub fn cargo(&self) -> OsString {
        self.os("CARGO")
            .map_or_else(|| "cargo".into(), OsStr::to_os_string)
    }

    /// The rustc asked for the sysroot: `$RUSTC`, else `rustc`.
    pub fn rustc(&self) -> OsString {
        self.os("RUSTC")
            .map_or_else(|| "rustc".into(), OsStr::to_os_string)
    }

    /// Whether an executable named `exe` is in a directory of `PATH`.
    pub fn on_path(&self, exe: &str) -> bool {
        self.os("PATH")
            .is_some_and(|paths| std::env::split_paths(paths).any(|d| d.join(exe).is_file()))
    }

    /// cargo's home: `$CARGO_HOME`, else `~/.cargo`.
    pub fn cargo_home(&self) -> Option<PathBuf> {
        self.os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| self.os("HOME").map(|h| Path::new(h).join(".cargo")))
    }

    /// `CARGO_TARGET_DIR`, relative to `root` when relative.
    pub fn cargo_target_dir(&self, root: &Path) -> Option<PathBuf> {
        self.os("CARGO_TARGET_DIR").map(|t| root.join(t))
    }

    /// GitHub Actions' OIDC endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` and
    /// `_TOKEN`), set when a job has `id-token: write`.
    pub fn oidc(&self) -> Option<Oidc> {
        let url = self.var("ACTIONS_ID_TOKEN_REQUEST_URL")?;
        let token = self.var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?;
        Some(Oidc {
            url: url.to_string(),
            request_token: Token::new(token, "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        })
    }
}

/// Loading the workspace: `--manifest-path` and the cargo to ask.
pub fn load(global: &GlobalArgs, env: &Environment) -> LoadOptions {
    LoadOptions {
        manifest_path: global.manifest_path.clone(),
        cargo: env.cargo(),
    }
}

/// A release plan for `--tag`, `--target`, `--installer` and `--artifacts`
/// (else `default_mode`, which depends on the command), on this host.
pub fn plan(global: &GlobalArgs, default_mode: ArtifactMode) -> PlanOptions {
    PlanOptions {
        tag: global.tag.clone(),
        targets: global.targets.clone(),
        installers: global.installers.clone(),
        artifacts: global.artifacts.unwrap_or(default_mode),
        host_target: crate::targets::host_triple().to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        every_app: false,
    }
}

/// `consign build`: the artifacts flag, `--no-local-paths`, `-q`,
/// `SOURCE_DATE_EPOCH` and this machine's tools.
pub fn build(
    global: &GlobalArgs,
    env: &Environment,
    quiet: bool,
) -> Result<BuildOptions, UserError> {
    Ok(BuildOptions {
        mode: global.artifacts.unwrap_or(ArtifactMode::Host),
        no_local_paths: global.no_local_paths,
        source_date_epoch: env.source_date_epoch()?,
        quiet,
        toolchain: Toolchain::detect(crate::targets::host_triple(), env),
    })
}

/// `consign verify`: the arguments that make each app print its version:
/// `--version-args` for every app, else the app's `verify-version-args`.
pub fn verify_version_args(flag: Option<&str>, ws: &Workspace) -> VersionArgs {
    ws.packages
        .iter()
        .filter_map(|p| {
            let words = match flag {
                Some(flag) => flag.split_whitespace().map(str::to_string).collect(),
                None => ws.config_for(p).verify_version_args?,
            };
            Some((p.name.clone(), words))
        })
        .collect()
}

/// Talking to GitHub: the token, the API base and the run's commit.
#[derive(Clone, Debug, Default)]
pub struct GitHubSettings {
    /// `GITHUB_TOKEN` / `GH_TOKEN`.
    pub token: Option<Token>,
    /// `GITHUB_API_URL`, else derived from the repository's web address.
    pub api_url: Option<String>,
    /// `GITHUB_SHA`: the commit a new tag points at in GitHub Actions.
    pub sha: Option<String>,
}

impl GitHubSettings {
    /// From the environment.
    pub fn resolve(env: &Environment) -> GitHubSettings {
        GitHubSettings {
            token: env.github_token(),
            api_url: env.github_api_url().map(str::to_string),
            sha: env.github_sha().map(str::to_string),
        }
    }

    /// The token, or an error naming both variables with `hint`.
    pub fn require_token(&self, hint: impl Into<String>) -> Result<Token, UserError> {
        self.token.clone().ok_or_else(|| {
            UserError::new("no GitHub token: neither `GITHUB_TOKEN` nor `GH_TOKEN` is set")
                .hint(hint.into())
        })
    }

    /// The REST API base for a repository at `web_base`.
    pub fn api_base(&self, web_base: &str) -> String {
        crate::host::github::api_base(self.api_url.as_deref(), web_base)
    }
}

/// `consign host` (and, with the defaults, `consign announce`).
#[derive(Clone, Debug)]
pub struct HostSettings {
    pub load: LoadOptions,
    /// `--tag`: must match the built manifest's tag.
    pub tag: Option<String>,
    /// `--step`s, in order; all three by default.
    pub steps: Vec<Step>,
    pub replace: bool,
    pub concurrency: usize,
    pub retry: RetryPolicy,
    pub github: GitHubSettings,
}

impl HostSettings {
    pub fn resolve(global: &GlobalArgs, args: &HostArgs, env: &Environment) -> HostSettings {
        let steps = if args.steps.is_empty() {
            vec![Step::Create, Step::Upload, Step::Release]
        } else {
            args.steps
                .iter()
                .map(|s| match s {
                    HostStep::Create => Step::Create,
                    HostStep::Upload => Step::Upload,
                    HostStep::Release => Step::Release,
                })
                .collect()
        };
        HostSettings {
            steps,
            replace: args.replace,
            concurrency: args.concurrency,
            retry: RetryPolicy {
                attempts: args.retries.saturating_add(1),
                ..RetryPolicy::default()
            },
            ..HostSettings::announce(global, env)
        }
    }

    /// `consign announce`: no flags of its own, default retries.
    pub fn announce(global: &GlobalArgs, env: &Environment) -> HostSettings {
        HostSettings {
            load: load(global, env),
            tag: global.tag.clone(),
            steps: vec![Step::Create, Step::Upload, Step::Release],
            replace: false,
            concurrency: 1,
            retry: RetryPolicy::default(),
            github: GitHubSettings::resolve(env),
        }
    }
}

/// Publishing crates to a cargo registry (`consign publish --only crates`,
/// and the publish step of `consign release`).
#[derive(Clone, Debug)]
pub struct CratesSettings {
    pub load: LoadOptions,
    /// `--registry` (a name under `[registries]`).
    pub registry: Option<String>,
    /// `--index` (a sparse index URL).
    pub index: Option<String>,
    pub concurrency: usize,
    pub max_retries: u32,
    /// How long to wait for a crate to appear in the index.
    pub timeout: std::time::Duration,
    /// `cargo package` with verification and `cargo test --locked` first.
    pub verify: bool,
    /// `--trusted-publishing` (else chosen when there is no token but OIDC).
    pub trusted_publishing: bool,
    /// `--allow-dirty`, passed on to `cargo package`.
    pub allow_dirty: bool,
    pub dry_run: bool,
    /// GitHub Actions' OIDC endpoint, for trusted publishing.
    pub oidc: Option<Oidc>,
    /// The cargo that packages the crates.
    pub cargo: OsString,
    /// The environment, for the registry's index and token variables
    /// (`CARGO_REGISTRIES_<NAME>_INDEX`, `_TOKEN`, `CARGO_REGISTRY_TOKEN`)
    /// and cargo's home; their names depend on `--registry`.
    pub env: Environment,
}

impl CratesSettings {
    pub fn resolve(
        global: &GlobalArgs,
        args: &CratesArgs,
        dry_run: bool,
        env: &Environment,
    ) -> CratesSettings {
        CratesSettings {
            concurrency: args.concurrency,
            max_retries: args.max_retries,
            timeout: std::time::Duration::from_secs(args.timeout),
            verify: args.verify,
            trusted_publishing: args.trusted_publishing,
            allow_dirty: global.allow_dirty,
            dry_run,
            oidc: env.oidc(),
            ..CratesSettings::look(global, &args.registry, env)
        }
    }

    /// Only what reading the index needs (`consign publish-status`).
    pub fn look(global: &GlobalArgs, args: &RegistryArgs, env: &Environment) -> CratesSettings {
        CratesSettings {
            load: load(global, env),
            registry: args.registry.clone(),
            index: args.index.clone(),
            concurrency: 1,
            max_retries: 0,
            timeout: std::time::Duration::ZERO,
            verify: false,
            trusted_publishing: false,
            allow_dirty: global.allow_dirty,
            dry_run: true,
            oidc: None,
            cargo: env.cargo(),
            env: env.clone(),
        }
    }
}

/// The release branch: `--branch`, else `release-pr-branch`, else
/// `consign/release` (`release::DEFAULT_BRANCH`).
pub fn release_branch(flag: Option<&str>, config: &DistConfig) -> String {
    flag.map(str::to_string)
        .or_else(|| config.release_pr_branch.clone())
        .unwrap_or_else(|| crate::release::DEFAULT_BRANCH.to_string())
}

/// `consign release-pr`.
#[derive(Clone, Debug)]
pub struct ReleasePrSettings {
    pub load: LoadOptions,
    pub dry_run: bool,
    pub force: bool,
    /// `--group`: only this release group.
    pub group: Option<String>,
    /// `--bump`.
    pub bump: BumpRequest,
    /// `--prerelease`, parsed.
    pub prerelease: Option<Prerelease>,
    /// The changelog date: that of `SOURCE_DATE_EPOCH`, else today (UTC).
    pub date: String,
    pub github: GitHubSettings,
    /// `GITHUB_REF_NAME`: the base branch when `HEAD` is detached.
    pub ref_name: Option<String>,
}

impl ReleasePrSettings {
    pub fn resolve(
        global: &GlobalArgs,
        args: &ReleasePrArgs,
        env: &Environment,
    ) -> Result<ReleasePrSettings, UserError> {
        let prerelease = args
            .prerelease
            .as_deref()
            .map(|p| {
                p.parse::<Prerelease>().map_err(|why| {
                    UserError::new(format!("`--prerelease {p}`: {why}"))
                        .hint("pass a label with an optional number: `--prerelease rc.1`, `--prerelease beta`")
                })
            })
            .transpose()?;
        let epoch = env.source_date_epoch()?.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
        Ok(ReleasePrSettings {
            load: load(global, env),
            dry_run: args.dry_run,
            force: args.force,
            group: args.group.clone(),
            bump: match args.bump {
                BumpArg::Auto => BumpRequest::Auto,
                BumpArg::Patch => BumpRequest::Forced(Level::Patch),
                BumpArg::Minor => BumpRequest::Forced(Level::Minor),
                BumpArg::Major => BumpRequest::Forced(Level::Major),
            },
            prerelease,
            date: crate::time::utc_date(epoch),
            github: GitHubSettings::resolve(env),
            ref_name: env.github_ref_name().map(str::to_string),
        })
    }
}

/// `consign release`.
#[derive(Clone, Debug)]
pub struct ReleaseSettings {
    pub load: LoadOptions,
    pub dry_run: bool,
    /// Publish the crates first (not `--skip-publish`).
    pub publish: bool,
    /// `--branch` (see [`release_branch`]).
    pub branch: Option<String>,
    pub github: GitHubSettings,
    /// Whether `CARGO_REGISTRY_TOKEN` is set, for the missing-token hint.
    pub registry_token_set: bool,
    /// How the crates are published.
    pub crates: CratesSettings,
}

impl ReleaseSettings {
    pub fn resolve(
        global: &GlobalArgs,
        args: &ReleaseArgs,
        env: &Environment,
    ) -> Result<ReleaseSettings, UserError> {
        Ok(ReleaseSettings {
            load: load(global, env),
            dry_run: args.dry_run,
            publish: !args.skip_publish,
            branch: args.branch.clone(),
            github: GitHubSettings::resolve(env),
            registry_token_set: env.is_set("CARGO_REGISTRY_TOKEN"),
            // `release --dry-run` does not dry-run the publish step: it is
            // skipped with the rest (`release::finish`).
            crates: CratesSettings::resolve(global, &args.crates, false, env),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_blank_values_count_as_unset() {
        let env = Environment::from_vars([("GITHUB_TOKEN", "  "), ("GH_TOKEN", " t0k ")]);
        let token = env.github_token().unwrap();
        assert_eq!(token.source, "GH_TOKEN");
        assert_eq!(token.secret_for_header(), "t0k");
        assert!(env.is_set("GITHUB_TOKEN"));
        assert_eq!(env.var("GITHUB_TOKEN"), None);
        assert_eq!(env.github_sha(), None);
    }

    #[test]
    fn debug_output_never_shows_a_value() {
        let env = Environment::from_vars([
            ("CARGO_REGISTRY_TOKEN", "cio-secret"),
            ("GITHUB_TOKEN", "ghp-secret"),
        ]);
        let global = crate::cli::parse_from(
            ["consign", "publish", "--only", "crates"].map(std::ffi::OsString::from),
        )
        .global;
        let crates = CratesSettings::look(&global, &RegistryArgs::default(), &env);
        let shown = format!("{env:?} {crates:?} {:?}", GitHubSettings::resolve(&env));
        assert!(shown.contains("CARGO_REGISTRY_TOKEN"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn a_bad_source_date_epoch_is_an_error_naming_it() {
        let env = Environment::from_vars([("SOURCE_DATE_EPOCH", "yesterday")]);
        let err = env.source_date_epoch().unwrap_err();
        assert!(
            err.message.contains("`SOURCE_DATE_EPOCH` is `yesterday`"),
            "{err}"
        );
        let env = Environment::from_vars([("SOURCE_DATE_EPOCH", " 1700000000 ")]);
        assert_eq!(env.source_date_epoch().unwrap(), Some(1_700_000_000));
        assert_eq!(Environment::default().source_date_epoch().unwrap(), None);
    }

    #[test]
    fn programs_and_homes_follow_cargos_variables() {
        let env = Environment::default();
        assert_eq!(env.cargo(), "cargo");
        assert_eq!(env.rustc(), "rustc");
        assert_eq!(env.cargo_home(), None);
        let env = Environment::from_vars([
            ("CARGO", "/opt/cargo"),
            ("HOME", "/home/u"),
            ("CARGO_TARGET_DIR", "out"),
        ]);
        assert_eq!(env.cargo(), "/opt/cargo");
        assert_eq!(env.cargo_home(), Some(PathBuf::from("/home/u/.cargo")));
        assert_eq!(
            env.cargo_target_dir(Path::new("/ws")),
            Some(PathBuf::from("/ws/out"))
        );
        let env = Environment::from_vars([("CARGO_HOME", "/c"), ("HOME", "/home/u")]);
        assert_eq!(env.cargo_home(), Some(PathBuf::from("/c")));
    }

    #[test]
    fn oidc_needs_both_variables() {
        let url = ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:1/token");
        assert!(Environment::from_vars([url]).oidc().is_none());
        let env = Environment::from_vars([url, ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "r")]);
        assert_eq!(env.oidc().unwrap().url, "http://127.0.0.1:1/token");
    }

    #[test]
    fn the_release_branch_is_the_flag_then_the_config_then_the_default() {
        let mut config = DistConfig::default();
        assert_eq!(release_branch(None, &config), "consign/release");
        config.release_pr_branch = Some("rel".into());
        assert_eq!(release_branch(None, &config), "rel");
        assert_eq!(release_branch(Some("flag"), &config), "flag");
    }

    #[test]
    fn on_path_looks_in_every_path_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cargo-zigbuild"), "").unwrap();
        let path = std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap();
        let env = Environment::from_vars([("PATH", path)]);
        assert!(env.on_path("cargo-zigbuild"));
        assert!(!env.on_path("cargo-xwin"));
        assert!(!Environment::default().on_path("cargo-zigbuild"));
    }
}
