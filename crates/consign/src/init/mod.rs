//! `consign init` and `consign migrate`: write the release configuration.
//!
//! Like the rest of consign, init plans before it acts: [`plan_config`] and
//! [`plan_binstall`] compute every file's new text in memory (validating the
//! result with the same parser `plan` uses), and [`write_changes`] writes only
//! the files whose text changed, each atomically. Edits go through toml_edit,
//! so the user's comments and formatting survive, and a value is only touched
//! when its meaning changes: a rerun with the same answers changes nothing.

mod edit;
pub mod migrate;
pub mod prompt;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_edit::{DocumentMut, Item, Table, Value};

use crate::error::{closest, list, UserError};
use crate::plan::{self, ArtifactMode, PlanOptions};
use crate::project::config::{
    self, CiBackend, ConfigWarning, DistConfig, HostingProvider, InstallerKind, SourceFile,
};
use crate::project::Workspace;
use crate::targets;
use prompt::Prompter;

/// The installers `init --yes` picks on a bare workspace.
pub const DEFAULT_INSTALLERS: &[InstallerKind] = &[InstallerKind::Shell, InstallerKind::Powershell];

/// The questions `init` asks, answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answers {
    /// `ci`.
    pub ci: Vec<CiBackend>,
    /// `installers`.
    pub installers: Vec<InstallerKind>,
    /// `targets`.
    pub targets: Vec<String>,
    /// `hosting`.
    pub hosting: Vec<HostingProvider>,
    /// `simple-download-url` (with `simple` hosting).
    pub simple_download_url: Option<String>,
    /// `tap` (with the Homebrew installer).
    pub tap: Option<String>,
    /// `npm-scope` (with the npm installer).
    pub npm_scope: Option<String>,
}

/// Answers given as flags; they replace both the config and the defaults.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--ci`.
    pub ci: Option<Vec<CiBackend>>,
    /// `--installer` (empty: not given).
    pub installers: Vec<InstallerKind>,
    /// `--target` (empty: not given).
    pub targets: Vec<String>,
    /// `--hosting`.
    pub hosting: Option<Vec<HostingProvider>>,
    /// `--simple-download-url`.
    pub simple_download_url: Option<String>,
    /// `--tap`.
    pub tap: Option<String>,
    /// `--npm-scope`.
    pub npm_scope: Option<String>,
}

impl Answers {
    /// The defaults: the flags, else what the config already says, else
    /// consign's defaults.
    pub fn defaults(config: &DistConfig, o: &Overrides) -> Answers {
        let non_empty = |v: &Vec<InstallerKind>| (!v.is_empty()).then(|| v.clone());
        Answers {
            ci: o
                .ci
                .clone()
                .or_else(|| config.ci.clone())
                .unwrap_or_else(|| vec![CiBackend::Github]),
            installers: non_empty(&o.installers)
                .or_else(|| config.installers.clone())
                .unwrap_or_else(|| DEFAULT_INSTALLERS.to_vec()),
            targets: (!o.targets.is_empty())
                .then(|| o.targets.clone())
                .or_else(|| config.targets.clone())
                .unwrap_or_else(|| {
                    targets::DEFAULT_TARGETS
                        .iter()
                        .map(|t| t.to_string())
                        .collect()
                }),
            hosting: o
                .hosting
                .clone()
                .or_else(|| config.hosting.clone())
                .unwrap_or_else(|| vec![HostingProvider::Github]),
            simple_download_url: o
                .simple_download_url
                .clone()
                .or_else(|| config.simple_download_url.clone()),
            tap: o.tap.clone().or_else(|| config.tap.clone()),
            npm_scope: o.npm_scope.clone().or_else(|| config.npm_scope.clone()),
        }
    }

    /// Ask every question, with `self` as the defaults. An unacceptable answer
    /// is explained and asked again, up to [`MAX_TRIES`] times.
    pub fn ask(mut self, p: &mut dyn Prompter) -> Result<Answers, UserError> {
        self.ci = ask_list(
            p,
            "CI to generate a release workflow for (github, or none)",
            &names(&self.ci),
            |s| parse_enum(s, CiBackend::ALL, CiBackend::parse, "CI"),
        )?;
        self.installers = ask_list(
            p,
            &format!("Installers ({}, or none)", InstallerKind::ALL.join(", ")),
            &names(&self.installers),
            |s| parse_enum(s, InstallerKind::ALL, InstallerKind::parse, "installer"),
        )?;
        self.targets = ask_list(p, "Target triples", &self.targets.join(", "), |s| {
            check_target(s).map(|()| s.to_string())
        })?;
        if self.targets.is_empty() {
            self.targets = targets::DEFAULT_TARGETS
                .iter()
                .map(|t| t.to_string())
                .collect();
        }
        self.hosting = ask_list(
            p,
            "Where releases are hosted (github, simple)",
            &names(&self.hosting),
            |s| parse_enum(s, HostingProvider::ALL, HostingProvider::parse, "hosting"),
        )?;
        if self.hosting.is_empty() {
            self.hosting = vec![HostingProvider::Github];
        }
        if self.hosting.contains(&HostingProvider::Simple) {
            self.simple_download_url = Some(ask_one(
                p,
                "Base URL your release files will be downloadable from",
                self.simple_download_url.as_deref().unwrap_or(""),
                check_url,
            )?);
        }
        if self.installers.contains(&InstallerKind::Homebrew) {
            self.tap = ask_optional(
                p,
                "Homebrew tap to publish the formula to (owner/homebrew-tap, or none)",
                self.tap.as_deref(),
                check_tap,
            )?;
        }
        if self.installers.contains(&InstallerKind::Npm) {
            self.npm_scope = ask_optional(
                p,
                "npm scope for the package (@scope, or none)",
                self.npm_scope.as_deref(),
                check_npm_scope,
            )?;
        }
        Ok(self)
    }

    /// Check answers that came from flags or config.
    pub fn check(&self) -> Result<(), UserError> {
        for t in &self.targets {
            check_target(t).map_err(|m| {
                UserError::new(m)
                    .hint("pass a triple from `rustc --print target-list` with `--target`")
            })?;
        }
        if let Some(tap) = &self.tap {
            check_tap(tap).map_err(|m| UserError::new(format!("--tap: {m}")))?;
        }
        if let Some(scope) = &self.npm_scope {
            check_npm_scope(scope).map_err(|m| UserError::new(format!("--npm-scope: {m}")))?;
        }
        if self.hosting.contains(&HostingProvider::Simple) {
            match &self.simple_download_url {
                Some(url) => check_url(url)
                    .map_err(|m| UserError::new(format!("--simple-download-url: {m}")))?,
                None => return Err(UserError::new(
                    "`simple` hosting needs the URL your release files will be downloadable from",
                )
                .hint("pass `--simple-download-url https://example.com/releases`")),
            }
        }
        Ok(())
    }
}

/// How many times a question is asked before init gives up.
pub const MAX_TRIES: usize = 5;

fn names<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_enum<T>(
    s: &str,
    all: &[&str],
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, String> {
    parse(s).ok_or_else(|| {
        let mut m = format!("`{s}` is not a known {what}; choose from {}", list(all));
        if let Some(c) = closest(s, all.iter().copied()) {
            m.push_str(&format!(" (did you mean `{c}`?)"));
        }
        m
    })
}

fn check_target(t: &str) -> Result<(), String> {
    config::check_target(t).map_err(|hint| format!("`{t}` is not a known target triple: {hint}"))
}

fn check_tap(tap: &str) -> Result<(), String> {
    if !config::is_tap(tap) {
        return Err(format!(
            "`{tap}` is not a tap; expected `owner/repo`, e.g. `my-org/homebrew-tap`"
        ));
    }
    Ok(())
}

/// The scope's shape as the config reads it, and npm's own naming rules.
fn check_npm_scope(scope: &str) -> Result<(), String> {
    if !config::is_npm_scope(scope) {
        return Err(format!(
            "`{scope}` is not an npm scope; expected `@` and a lowercase name, e.g. `@my-org`"
        ));
    }
    crate::installer::npm::validate_package_name(&format!("{scope}/x"))
        .map_err(|why| format!("`{scope}` is not a usable npm scope: {why}"))
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !url.contains(char::is_whitespace) => {
            Ok(())
        }
        _ => Err(format!(
            "`{url}` is not a download URL; expected `https://host/path`"
        )),
    }
}

fn ask_one(
    p: &mut dyn Prompter,
    question: &str,
    default: &str,
    check: fn(&str) -> Result<(), String>,
) -> Result<String, UserError> {
    for _ in 0..MAX_TRIES {
        let answer = read(p, question, default)?;
        match check(&answer) {
            Ok(()) => return Ok(answer),
            Err(m) => p.complain(&m),
        }
    }
    Err(gave_up(question))
}

fn ask_optional(
    p: &mut dyn Prompter,
    question: &str,
    default: Option<&str>,
    check: fn(&str) -> Result<(), String>,
) -> Result<Option<String>, UserError> {
    for _ in 0..MAX_TRIES {
        let answer = read(p, question, default.unwrap_or("none"))?;
        if answer == "none" || answer.is_empty() {
            return Ok(None);
        }
        match check(&answer) {
            Ok(()) => return Ok(Some(answer)),
            Err(m) => p.complain(&m),
        }
    }
    Err(gave_up(question))
}

/// A comma- or space-separated list; `none` is the empty list.
fn ask_list<T>(
    p: &mut dyn Prompter,
    question: &str,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, UserError> {
    let default = if default.is_empty() { "none" } else { default };
    'ask: for _ in 0..MAX_TRIES {
        let answer = read(p, question, default)?;
        let mut out = Vec::new();
        for item in answer.split([',', ' ']).filter(|s| !s.is_empty()) {
            if item == "none" {
                continue;
            }
            match parse(item) {
                Ok(v) => out.push(v),
                Err(m) => {
                    p.complain(&m);
                    continue 'ask;
                }
            }
        }
        return Ok(out);
    }
    Err(gave_up(question))
}

fn read(p: &mut dyn Prompter, question: &str, default: &str) -> Result<String, UserError> {
    match p.ask(question, default) {
        Ok(Some(a)) => Ok(a.trim().to_string()),
        Ok(None) => Err(UserError::new(format!(
            "the input ended before `{question}` was answered"
        ))
        .hint("run `consign init` on a terminal, or pass `--yes` to accept the defaults")),
        Err(e) => Err(UserError::new(format!("cannot read the answer: {e}"))),
    }
}

fn gave_up(question: &str) -> UserError {
    UserError::new(format!(
        "no acceptable answer to `{question}` after {MAX_TRIES} tries"
    ))
    .hint("pass the value as a flag instead (see `consign init --help`)")
}

/// One file init will write.
#[derive(Clone, Debug, Serialize)]
pub struct FileChange {
    /// The file.
    pub path: PathBuf,
    /// Its text before (`None`: the file is new).
    #[serde(skip)]
    pub before: Option<String>,
    /// Its new text.
    #[serde(skip)]
    pub after: String,
    /// `created` or `updated`.
    pub action: &'static str,
}

/// What init will do: the files to write and notes for the user.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InitPlan {
    /// Files whose text changes.
    pub changes: Vec<FileChange>,
    /// Migrations and other things worth saying.
    pub notes: Vec<String>,
}

impl InitPlan {
    /// Add another plan's changes and notes.
    pub fn extend(&mut self, other: InitPlan) {
        self.changes.extend(other.changes);
        self.notes.extend(other.notes);
    }
}

/// TOML documents being edited, each with its text before.
#[derive(Default)]
struct Docs {
    docs: BTreeMap<PathBuf, (Option<String>, DocumentMut)>,
}

impl Docs {
    fn open(&mut self, path: &Path) -> Result<&mut DocumentMut, UserError> {
        if !self.docs.contains_key(path) {
            let file = SourceFile::read(path)?;
            // The config parser's error names the file, line and column.
            file.parse()?;
            let doc: DocumentMut = file.text.parse().expect("parsed above");
            self.docs.insert(path.to_path_buf(), (Some(file.text), doc));
        }
        Ok(&mut self.docs.get_mut(path).expect("inserted above").1)
    }

    fn create(&mut self, path: &Path, text: &str) -> &mut DocumentMut {
        let doc = text.parse().expect("our own template is valid TOML");
        &mut self.docs.entry(path.to_path_buf()).or_insert((None, doc)).1
    }

    fn into_changes(self) -> Vec<FileChange> {
        self.docs
            .into_iter()
            .filter_map(|(path, (before, doc))| {
                let after = doc.to_string();
                (before.as_deref() != Some(after.as_str())).then(|| FileChange {
                    action: if before.is_some() {
                        "updated"
                    } else {
                        "created"
                    },
                    path,
                    before,
                    after,
                })
            })
            .collect()
    }
}

fn table<'a>(
    doc: &'a mut DocumentMut,
    path: &Path,
    at: &[&str],
) -> Result<&'a mut Table, UserError> {
    edit::table_at(doc, at).map_err(|m| {
        UserError::new(format!("cannot edit `{}`: {m}", path.display()))
            .hint("make it a table (`[...]` header) so consign can add keys to it")
    })
}

/// The text of a new `dist-workspace.toml`, before init adds keys.
const NEW_CONFIG: &str = "[workspace]\nmembers = [\"cargo:.\"]\n\n# How consign (or cargo-dist) releases this workspace.\n[dist]\n";

/// Plan the config edits: where the config lives (or a new
/// `dist-workspace.toml`), migrated keys, the answers, and `[profile.dist]`.
pub fn plan_config(ws: &Workspace, answers: &Answers) -> Result<InitPlan, UserError> {
    let mut docs = Docs::default();
    let mut notes = Vec::new();
    let (config_path, table_path) = match &ws.config_origin {
        Some(origin) => (origin.path.clone(), origin.table.clone()),
        None => (ws.root.join("dist-workspace.toml"), "dist".to_string()),
    };
    let at: Vec<&str> = table_path.split('.').collect();
    let doc = if config_path.is_file() {
        docs.open(&config_path)?
    } else {
        docs.create(&config_path, NEW_CONFIG)
    };
    let t = table(doc, &config_path, &at)?;
    let shown = format!("`{table_path}` in `{}`", config_path.display());
    migrate::migrate_keys(t, &shown, &mut notes);

    edit::set(t, "consign-version", Value::from(env!("CARGO_PKG_VERSION")));
    if t.contains_key("cargo-dist-version") {
        notes.push(format!(
            "{shown}: kept `cargo-dist-version` for cargo-dist; consign reads `consign-version`"
        ));
    }
    edit::set(t, "ci", edit::string_array(&names_vec(&answers.ci)));
    edit::set(
        t,
        "installers",
        edit::string_array(&names_vec(&answers.installers)),
    );
    edit::set(t, "targets", edit::string_array(&answers.targets));
    if answers.hosting != [HostingProvider::Github] || t.contains_key("hosting") {
        edit::set(
            t,
            "hosting",
            edit::string_array(&names_vec(&answers.hosting)),
        );
    }
    if answers.hosting.contains(&HostingProvider::Simple) {
        if let Some(url) = &answers.simple_download_url {
            edit::set(t, "simple-download-url", Value::from(url.as_str()));
        }
    }
    set_optional(
        t,
        answers.installers.contains(&InstallerKind::Homebrew),
        "tap",
        answers.tap.as_deref(),
    );
    set_optional(
        t,
        answers.installers.contains(&InstallerKind::Npm),
        "npm-scope",
        answers.npm_scope.as_deref(),
    );

    // The release profile lives in the root Cargo.toml.
    let root_manifest = ws.root.join("Cargo.toml");
    let root = docs.open(&root_manifest)?;
    if root.get("profile").and_then(|p| p.get("dist")).is_none() {
        let profile = table(root, &root_manifest, &["profile", "dist"])?;
        profile
            .decor_mut()
            .set_prefix("\n# The profile consign builds release binaries with.\n");
        profile.insert("inherits", Item::Value("release".into()));
        profile.insert("lto", Item::Value("thin".into()));
        notes.push(format!(
            "added `[profile.dist]` (release with thin LTO) to `{}`",
            root_manifest.display()
        ));
    }

    // Check the result with the parser `plan` uses, before anything is written.
    let changes = docs.into_changes();
    for change in &changes {
        if change.path == config_path {
            validate_config(&config_path, &change.after, &table_path)?;
        }
    }
    Ok(InitPlan { changes, notes })
}

fn names_vec<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

/// Set `key` when the installer that uses it is chosen: to the answer, or
/// removed when the answer is "none". Untouched otherwise.
fn set_optional(t: &mut Table, chosen: bool, key: &str, answer: Option<&str>) {
    if !chosen {
        return;
    }
    match answer {
        Some(v) => {
            edit::set(t, key, Value::from(v));
        }
        None => {
            t.remove(key);
        }
    }
}

fn validate_config(path: &Path, text: &str, table_path: &str) -> Result<(), UserError> {
    let file = SourceFile {
        path: path.to_path_buf(),
        text: text.to_string(),
    };
    let doc = file.parse()?;
    let mut warnings: Vec<ConfigWarning> = Vec::new();
    config::read_dist_at(&file, &doc, table_path, &mut warnings)
        .map(|_| ())
        .map_err(|e| UserError {
            message: format!("the config init would write is invalid: {}", e.message),
            ..e
        })
}

/// Plan `[package.metadata.binstall]` for every published app whose metadata
/// is missing or would not find the release. The tag is the one `plan` infers
/// (`v{version}` when the apps share a version), else each app's own
/// `{name}-v{version}`.
pub fn plan_binstall(ws: &Workspace) -> Result<InitPlan, UserError> {
    let opts = |tag: Option<String>| PlanOptions {
        tag,
        targets: Vec::new(),
        installers: Vec::new(),
        artifacts: ArtifactMode::All,
        host_target: targets::host_triple().to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        every_app: false,
    };
    let apps: Vec<&crate::project::Package> =
        ws.packages.iter().filter(|p| plan::is_app(ws, p)).collect();
    if apps.is_empty() {
        return Ok(InitPlan::default());
    }
    let statuses = match plan::plan(ws, &opts(None)) {
        Ok(p) => p.binstall,
        Err(unified) => {
            let mut all = Vec::new();
            for app in &apps {
                let tag = format!("{}-v{}", app.name, app.version);
                match plan::plan(ws, &opts(Some(tag))) {
                    Ok(p) => all.extend(p.binstall),
                    Err(_) => return Err(unified),
                }
            }
            all
        }
    };
    let mut docs = Docs::default();
    let mut notes = Vec::new();
    for status in statuses {
        let publish = ws
            .packages
            .iter()
            .any(|p| p.name == status.package && p.publish);
        if !publish || (status.declared && status.problems.is_empty()) {
            continue;
        }
        let path = status.manifest_path.clone();
        let doc = docs.open(&path)?;
        let t = table(doc, &path, &["package", "metadata", "binstall"])?;
        t.clear();
        let e = &status.expected;
        edit::set(t, "pkg-url", Value::from(e.pkg_url.as_str()));
        edit::set(t, "bin-dir", Value::from(e.bin_dir.as_str()));
        edit::set(t, "pkg-fmt", Value::from(e.pkg_fmt.as_str()));
        if !e.overrides.is_empty() {
            let mut overrides = Table::new();
            overrides.set_implicit(true);
            for (target, (fmt, bin_dir)) in &e.overrides {
                let mut o = Table::new();
                o.insert("pkg-fmt", Item::Value(fmt.as_str().into()));
                o.insert("bin-dir", Item::Value(bin_dir.as_str().into()));
                overrides.insert(target, Item::Table(o));
            }
            t.insert("overrides", Item::Table(overrides));
        }
        notes.push(if status.declared {
            format!(
                "rewrote `[package.metadata.binstall]` of `{}` so `cargo binstall` finds the release ({})",
                status.package,
                status.problems.join("; ")
            )
        } else {
            format!(
                "added `[package.metadata.binstall]` to `{}` so `cargo binstall {}` downloads the release archives",
                path.display(),
                status.package
            )
        });
    }
    Ok(InitPlan {
        changes: docs.into_changes(),
        notes,
    })
}

/// Write the planned files, each atomically.
pub fn write_changes(changes: &[FileChange]) -> anyhow::Result<()> {
    for c in changes {
        crate::build::checksum::write_atomic(&c.path, c.after.as_bytes()).map_err(|e| {
            anyhow::Error::from(
                UserError::new(format!("cannot write `{}`: {e}", c.path.display()))
                    .hint("check that the file and its directory are writable, then rerun (files already written are kept and left alone by a rerun)"),
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use prompt::Scripted;

    fn defaults() -> Answers {
        Answers::defaults(&DistConfig::default(), &Overrides::default())
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let a = defaults();
        assert_eq!(a.ci, vec![CiBackend::Github]);
        assert_eq!(a.installers, DEFAULT_INSTALLERS);
        assert_eq!(a.targets, targets::DEFAULT_TARGETS);
        assert_eq!(a.hosting, vec![HostingProvider::Github]);
    }

    #[test]
    fn config_then_flags_take_precedence() {
        let config = DistConfig {
            installers: Some(vec![InstallerKind::Homebrew]),
            targets: Some(vec!["x86_64-unknown-linux-musl".into()]),
            tap: Some("o/homebrew-tap".into()),
            ..DistConfig::default()
        };
        let a = Answers::defaults(&config, &Overrides::default());
        assert_eq!(a.installers, vec![InstallerKind::Homebrew]);
        assert_eq!(a.targets, vec!["x86_64-unknown-linux-musl"]);
        assert_eq!(a.tap.as_deref(), Some("o/homebrew-tap"));
        let o = Overrides {
            installers: vec![InstallerKind::Npm],
            npm_scope: Some("@me".into()),
            ..Overrides::default()
        };
        let a = Answers::defaults(&config, &o);
        assert_eq!(a.installers, vec![InstallerKind::Npm]);
        assert_eq!(a.npm_scope.as_deref(), Some("@me"));
    }

    #[test]
    fn empty_answers_take_the_defaults() {
        let mut p = Scripted::new(["", "", "", ""]);
        let a = defaults().ask(&mut p).unwrap();
        assert_eq!(a, defaults());
        assert_eq!(p.transcript.len(), 4, "{:?}", p.transcript);
        assert!(p.transcript[1].contains("[shell, powershell]"));
    }

    #[test]
    fn bad_answers_are_explained_and_asked_again() {
        let mut p = Scripted::new([
            "gitlab",
            "github",
            "shell, homebrw",
            "shell homebrew npm",
            "x86_64-unknown-linux-gnu,not-a-triple",
            "x86_64-unknown-linux-gnu aarch64-apple-darwin",
            "",
            "not a tap",
            "me/homebrew-tap",
            "@Bad/Scope",
            "@me",
        ]);
        let a = defaults().ask(&mut p).unwrap();
        assert_eq!(
            a.installers,
            vec![
                InstallerKind::Shell,
                InstallerKind::Homebrew,
                InstallerKind::Npm
            ]
        );
        assert_eq!(
            a.targets,
            vec!["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"]
        );
        assert_eq!(a.tap.as_deref(), Some("me/homebrew-tap"));
        assert_eq!(a.npm_scope.as_deref(), Some("@me"));
        let complaints: Vec<&String> = p.transcript.iter().filter(|l| l.starts_with('!')).collect();
        assert_eq!(complaints.len(), 5, "{:?}", p.transcript);
        assert!(complaints[0].contains("`gitlab` is not a known CI"));
        assert!(complaints[1].contains("did you mean `homebrew`?"));
        assert!(complaints[2].contains("`not-a-triple`"));
        assert!(complaints[3].contains("owner/repo"));
        assert!(complaints[4].contains("npm scope"));
    }

    #[test]
    fn none_clears_lists_and_optional_answers() {
        let mut start = defaults();
        start.installers = vec![InstallerKind::Homebrew];
        start.tap = Some("o/t".into());
        let mut p = Scripted::new(["none", "", "", "", "none"]);
        let a = start.ask(&mut p).unwrap();
        assert!(a.ci.is_empty());
        assert_eq!(a.tap, None);
    }

    #[test]
    fn simple_hosting_asks_for_the_url() {
        let mut p = Scripted::new(["", "", "", "simple", "ftp://x", "https://dl.example.com/r"]);
        let a = defaults().ask(&mut p).unwrap();
        assert_eq!(a.hosting, vec![HostingProvider::Simple]);
        assert_eq!(
            a.simple_download_url.as_deref(),
            Some("https://dl.example.com/r")
        );
    }

    #[test]
    fn running_out_of_input_or_tries_is_an_error() {
        let err = defaults().ask(&mut Scripted::new([""])).unwrap_err();
        assert!(err.message.contains("input ended"), "{err:?}");
        assert!(err.hint.unwrap().contains("--yes"));
        let err = defaults()
            .ask(&mut Scripted::new(["x"; MAX_TRIES]))
            .unwrap_err();
        assert!(err.message.contains("after 5 tries"), "{err:?}");
    }

    #[test]
    fn flag_values_are_checked() {
        let mut a = defaults();
        a.tap = Some("nope".into());
        assert!(a.check().unwrap_err().message.contains("--tap"));
        let mut a = defaults();
        a.hosting = vec![HostingProvider::Simple];
        assert!(a
            .check()
            .unwrap_err()
            .hint
            .unwrap()
            .contains("--simple-download-url"));
        let mut a = defaults();
        a.targets = vec!["x86_64-unknown-linux-gmu".into()];
        assert!(a
            .check()
            .unwrap_err()
            .message
            .contains("x86_64-unknown-linux-gmu"));
    }
}
