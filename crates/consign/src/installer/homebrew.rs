//! The Homebrew formula, `{formula}.rb`, published to a tap.
//!
//! The formula installs the prebuilt archives: one `url`/`sha256` pair per
//! operating system and architecture Homebrew knows (`on_macos`/`on_linux`,
//! each with `on_arm`/`on_intel`), then copies the binaries, alias symlinks,
//! shell completions and man pages out of the unpacked archive. Homebrew
//! changes into an archive's single top-level directory (`{app}-{target}/`)
//! before `install` runs, so every path in the formula is relative to it.
//!
//! Every decision is made here, in Rust: which artifacts Homebrew can use,
//! which completion directory a file belongs in, which `manN` a page goes to,
//! how the SPDX license expression is spelled in Homebrew's license DSL.
//! Every value reaches the template (`templates/homebrew.rb.j2`) as a
//! finished Ruby expression, so no value can break out of its string literal
//! or be interpolated.

use super::{check_file_name, AppInput, Contribution};
use crate::error::UserError;
use crate::targets::{self, Libc, Os};
use std::collections::{BTreeMap, BTreeSet};

/// The formula's name: `formula`, else the app's.
pub fn formula_name(app: &AppInput<'_>) -> String {
    app.config
        .formula
        .clone()
        .unwrap_or_else(|| app.name.to_string())
}

/// The plan contribution: `{formula}.rb`, for one archive per OS (macOS,
/// Linux) and arm/intel, a gnu build before a musl one. Without a `tap` the
/// formula is built but not published, which is worth a warning.
pub fn plan(app: &AppInput<'_>, warnings: &mut Vec<String>) -> Contribution {
    let mut brew: Vec<String> = Vec::new();
    for t in app.targets_where(|os| matches!(os, Os::Macos | Os::Linux)) {
        let info = targets::info(&t);
        if !matches!(info.arch.as_str(), "x86_64" | "aarch64") {
            continue;
        }
        let same = brew.iter().position(|b| {
            let o = targets::info(b);
            (o.os, o.arch.as_str()) == (info.os, info.arch.as_str())
        });
        match same {
            None => brew.push(t),
            Some(i) if info.libc == Libc::Gnu => brew[i] = t,
            Some(_) => {}
        }
    }
    if app.config.tap.is_none() && !brew.is_empty() {
        warnings.push(format!(
            "`{}` has the `homebrew` installer but no `tap`: the formula is built but will not be published",
            app.name
        ));
    }
    Contribution {
        file: format!("{}.rb", formula_name(app)),
        targets: brew,
        description: "Install prebuilt binaries with Homebrew",
    }
}

/// `brew install owner/tap/formula`, only for a `homebrew-` tap (`brew tap`
/// cannot find another by name, so that case is a warning instead).
pub fn install_hint(
    app: &AppInput<'_>,
    file: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, UserError> {
    let Some(tap) = app.config.tap.as_deref() else {
        return Ok(None);
    };
    let formula = file.trim_end_matches(".rb");
    let hint = crate::channel::homebrew::install_hint(tap, formula).map_err(|why| {
        UserError::new(format!("`tap` of `{}`: {why}", app.name))
            .hint("set `tap = \"owner/homebrew-name\"`")
    })?;
    if hint.is_none() {
        warnings.push(format!(
            "the tap `{tap}` of `{}` has no `homebrew-` prefix, so `brew tap` cannot find it by name and the release shows no `brew install` command; rename the repository to `homebrew-...`",
            app.name
        ));
    }
    Ok(hint)
}
use std::fmt::Write as _;

use anyhow::{bail, Context as _};
use minijinja::{context, Value};

const TEMPLATE_NAME: &str = "homebrew.rb.j2";
const TEMPLATE: &str = include_str!("../../templates/homebrew.rb.j2");

/// Where the test block looks for the binaries: `#{bin}` is Homebrew's bin
/// directory of the installed keg.
const BIN_INTERPOLATION: &str = "#{bin}/";

/// Everything a formula needs. Built by the executor from the plan and the
/// checksums the build recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HomebrewContext {
    /// The formula (and file) name, e.g. `my-tool`: the `formula` config, by
    /// default the app name.
    pub formula: String,
    /// The version being released, e.g. `1.2.3`.
    pub app_version: String,
    /// The package's `description`. Whitespace runs (newlines included)
    /// become single spaces; an empty description is left out.
    pub desc: Option<String>,
    /// The package's `homepage`, else its repository URL.
    pub homepage: Option<String>,
    /// The package's SPDX license expression, e.g. `MIT OR Apache-2.0`.
    pub license: Option<String>,
    /// The tap repository the formula is published to, `owner/homebrew-tap`.
    pub tap: Option<String>,
    /// One archive per operating system and architecture. Artifacts that are
    /// not macOS or Linux on x86_64 or aarch64 are ignored (Homebrew has no
    /// way to select them).
    pub artifacts: Vec<HomebrewArtifact>,
    /// Binary names inside the archives.
    pub binaries: Vec<String>,
    /// Extra names for binaries (binary → aliases), installed as symlinks.
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Homebrew packages the app needs (`[dist.dependencies.homebrew]`).
    pub dependencies: Vec<String>,
    /// Shell completion files inside the archives, relative to the archive's
    /// top directory: `*.bash`, `*.zsh` or `_name` (zsh), `*.fish`.
    /// PowerShell, elvish and nushell completions are skipped (Homebrew has
    /// no directory for them).
    pub completions: Vec<String>,
    /// Man pages inside the archives, relative to the archive's top
    /// directory: `name.N` (or `name.N.gz`) goes to `manN`.
    pub manpages: Vec<String>,
}

/// One archive the formula can install.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HomebrewArtifact {
    /// The target triple, e.g. `aarch64-apple-darwin`.
    pub target: String,
    /// `macos` or `linux` (others are ignored).
    pub os: String,
    /// `x86_64` or `aarch64` (others are ignored).
    pub arch: String,
    /// Where the archive downloads from.
    pub url: String,
    /// The archive's SHA-256 (64 hex digits).
    pub sha256: String,
}

/// The Ruby class name Homebrew expects for a formula file name: Homebrew
/// loads `{formula}.rb` and looks the class up by this name.
///
/// The rule: the first character is upper-cased and the rest lower-cased;
/// a `-`, `_`, `.` or whitespace followed by a letter or digit is dropped and
/// that character upper-cased; `+` becomes `x`; the first `@` that follows a
/// character and precedes a digit becomes `AT`. So `my-tool` → `MyTool`,
/// `foo_bar` → `FooBar`, `a2b` → `A2b`, `c++` → `Cxx`, `tool@2` → `ToolAT2`.
///
/// A name that starts with a digit keeps it (`2fa` → `2fa`), as Homebrew
/// does; that is not a valid Ruby constant, so [`render`] refuses it.
pub fn class_name(formula: &str) -> String {
    let mut lowered = String::with_capacity(formula.len());
    for (i, c) in formula.chars().enumerate() {
        if i == 0 {
            lowered.extend(c.to_uppercase());
        } else {
            lowered.extend(c.to_lowercase());
        }
    }

    let chars: Vec<char> = lowered.chars().collect();
    let mut camel = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if is_word_separator(c) && next.is_some_and(|n| n.is_ascii_alphanumeric()) {
            camel.push(next.unwrap_or(c).to_ascii_uppercase());
            i += 2;
        } else {
            camel.push(if c == '+' { 'x' } else { c });
            i += 1;
        }
    }

    let chars: Vec<char> = camel.chars().collect();
    let at = (1..chars.len().saturating_sub(1))
        .find(|&i| chars[i] == '@' && chars[i - 1] != '\n' && chars[i + 1].is_ascii_digit());
    match at {
        Some(i) => {
            let mut out: String = chars[..i].iter().collect();
            out.push_str("AT");
            out.extend(&chars[i + 1..]);
            out
        }
        None => camel,
    }
}

/// The characters Homebrew's class-name rule treats as word breaks (Ruby's
/// `\s` is space, tab, newline, vertical tab, form feed and carriage return).
fn is_word_separator(c: char) -> bool {
    matches!(
        c,
        '-' | '_' | '.' | ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'
    )
}

/// Whether `s` is a Ruby constant name made of ASCII (what a formula class
/// must be for Homebrew to find it).
fn is_ruby_constant(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The built formula, `None` (with a warning) when no macOS or Linux
/// archive has been built.
pub fn build(
    installer: &crate::plan::InstallerPlan,
    ctx: &super::InstallerContext,
    manifest: &consign_manifest::DistManifest,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Option<super::Built>> {
    let Some(hb) = context(installer, ctx, manifest, warnings)? else {
        return Ok(None);
    };
    Ok(Some(super::Built {
        bytes: render(&hb)?.into_bytes(),
        executable: false,
        assets: None,
    }))
}

/// The Homebrew formula's context: the planned archive per macOS/Linux ×
/// arm/intel, with its SHA-256, which Homebrew requires whatever the
/// configured checksum algorithm.
fn context(
    installer: &crate::plan::InstallerPlan,
    ctx: &super::InstallerContext,
    manifest: &consign_manifest::DistManifest,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Option<HomebrewContext>> {
    let mut artifacts = Vec::new();
    for a in &ctx.artifacts {
        let Some(sha256) = manifest
            .artifacts
            .get(&a.archive)
            .and_then(|x| x.checksums.get("sha256"))
        else {
            continue;
        };
        artifacts.push(HomebrewArtifact {
            target: a.target.clone(),
            os: a.os.clone(),
            arch: a.arch.clone(),
            url: installer
                .meta
                .archive_urls
                .get(&a.archive)
                .cloned()
                .with_context(|| {
                    format!("internal error: the plan has no URL for `{}`", a.archive)
                })?,
            sha256: sha256.clone(),
        });
    }
    if artifacts.is_empty() {
        warnings.push(format!(
            "`{}` is not written: no macOS or Linux archive has been built",
            installer.artifact
        ));
        return Ok(None);
    }
    let entries: Vec<crate::build::archive::ArchiveEntry> = installer
        .meta
        .archive_files
        .iter()
        .map(|(dest, source)| crate::build::archive::ArchiveEntry {
            source: source.clone(),
            dest: dest.clone(),
            executable: false,
        })
        .collect();
    let (completions, manpages) =
        completions_and_manpages(&crate::build::archive::file_paths(&entries)?);
    let mut binaries: Vec<String> = ctx
        .artifacts
        .iter()
        .flat_map(|a| a.binaries.iter().cloned())
        .collect();
    binaries.sort();
    binaries.dedup();
    Ok(Some(HomebrewContext {
        formula: installer.meta.formula.clone(),
        app_version: ctx.app_version.clone(),
        desc: installer.meta.description.clone(),
        homepage: installer.meta.homepage.clone(),
        license: installer.meta.license.clone(),
        tap: installer.meta.tap.clone(),
        artifacts,
        binaries,
        aliases: ctx.aliases.clone(),
        dependencies: installer.meta.homebrew_dependencies.clone(),
        completions,
        manpages,
    }))
}

/// Renders `{formula}.rb` for `ctx`.
///
/// Fails when the formula can't be right: no macOS or Linux artifact on
/// x86_64 or aarch64, two artifacts for the same OS and architecture, a
/// SHA-256 that isn't 64 hex digits, a formula name whose class name isn't a
/// Ruby constant, a binary or alias that isn't a plain file name, or a
/// completion or man page whose kind can't be told from its name.
pub fn render(ctx: &HomebrewContext) -> anyhow::Result<String> {
    let formula = formula_data(ctx)
        .with_context(|| format!("making the Homebrew formula `{}`", ctx.formula))?;
    super::render_template(TEMPLATE_NAME, TEMPLATE, formula.into_value())
        .with_context(|| format!("rendering the Homebrew formula `{}`", ctx.formula))
}

// ------------------------------------------------------------ template data

/// What the template sees. Every string is a finished Ruby expression.
#[derive(Debug)]
struct FormulaData {
    /// The `brew install` command, for a comment on the first line.
    install_hint: Option<String>,
    class_name: String,
    desc: Option<String>,
    homepage: Option<String>,
    version: String,
    /// The arguments of `license`.
    license: Option<String>,
    platforms: Vec<OsBlock>,
    /// `:macos` or `:linux` when only one of them has artifacts.
    os_requirement: Option<&'static str>,
    dependencies: Vec<String>,
    binaries: Vec<String>,
    symlinks: Vec<Symlink>,
    completions: Vec<Install>,
    manpages: Vec<Install>,
    /// `"#{bin}/name"`: what the test block runs with `--version`.
    test_binary: String,
}

#[derive(Debug)]
struct OsBlock {
    /// `on_macos` or `on_linux`.
    block: &'static str,
    arches: Vec<ArchBlock>,
}

#[derive(Debug)]
struct ArchBlock {
    /// `on_arm` or `on_intel`.
    block: &'static str,
    url: String,
    sha256: String,
}

/// `bin.install_symlink bin/{target} => {link}`.
#[derive(Debug)]
struct Symlink {
    target: String,
    link: String,
}

/// `{dir}.install {args}`, e.g. `man1.install "man/my-tool.1"`.
#[derive(Debug)]
struct Install {
    dir: String,
    args: String,
}

impl FormulaData {
    fn into_value(self) -> Value {
        let platforms: Vec<Value> = self
            .platforms
            .into_iter()
            .map(|os| {
                let arches: Vec<Value> = os
                    .arches
                    .into_iter()
                    .map(|a| context! { block => a.block, url => a.url, sha256 => a.sha256 })
                    .collect();
                context! { block => os.block, arches => arches }
            })
            .collect();
        let symlinks: Vec<Value> = self
            .symlinks
            .into_iter()
            .map(|s| context! { target => s.target, link => s.link })
            .collect();
        let installs = |items: Vec<Install>| -> Vec<Value> {
            items
                .into_iter()
                .map(|i| context! { dir => i.dir, args => i.args })
                .collect()
        };
        context! {
            install_hint => self.install_hint,
            class_name => self.class_name,
            desc => self.desc,
            homepage => self.homepage,
            version => self.version,
            license => self.license,
            platforms => platforms,
            os_requirement => self.os_requirement,
            dependencies => self.dependencies,
            binaries => self.binaries,
            symlinks => symlinks,
            completions => installs(self.completions),
            manpages => installs(self.manpages),
            test_binary => self.test_binary,
        }
    }
}

/// The operating systems Homebrew runs on, in formula order.
const OSES: [(&str, &str); 2] = [("macos", "on_macos"), ("linux", "on_linux")];
/// The architectures Homebrew distinguishes, in formula order.
const ARCHES: [(&str, &str); 2] = [("aarch64", "on_arm"), ("x86_64", "on_intel")];

fn formula_data(ctx: &HomebrewContext) -> anyhow::Result<FormulaData> {
    let class_name = class_name(&ctx.formula);
    if !is_ruby_constant(&class_name) {
        bail!(
            "the formula name `{}` gives the Ruby class name `{class_name}`, which is not a \
             valid constant: a formula name must start with a letter and contain only letters, \
             digits, `-`, `_`, `.`, `+` or `@` (set `formula` to another name)",
            ctx.formula
        );
    }
    if ctx.app_version.trim().is_empty() {
        bail!("the version is empty");
    }

    let (platforms, os_requirement) = platforms(&ctx.artifacts)?;
    let (binaries, symlinks) = binaries(ctx)?;
    let first_binary = ctx
        .binaries
        .first()
        .context("the app has no binaries to install")?;

    let desc = ctx
        .desc
        .as_deref()
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty());

    let install_hint = match &ctx.tap {
        Some(tap) => {
            crate::channel::homebrew::install_hint(tap, &ctx.formula).map_err(anyhow::Error::msg)?
        }
        None => None,
    };

    let dependencies = ctx
        .dependencies
        .iter()
        .map(|dep| {
            if dep.trim().is_empty() {
                bail!("a Homebrew dependency has an empty name");
            }
            Ok(ruby_string(dep))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let completions = ctx
        .completions
        .iter()
        .filter_map(|path| completion(path).transpose())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let manpages = ctx
        .manpages
        .iter()
        .map(|path| manpage(path))
        .collect::<anyhow::Result<Vec<_>>>()?;

    Ok(FormulaData {
        install_hint,
        class_name,
        desc: desc.as_deref().map(ruby_string),
        homepage: ctx.homepage.as_deref().map(ruby_string),
        version: ruby_string(&ctx.app_version),
        license: ctx.license.as_deref().map(license),
        platforms,
        os_requirement,
        dependencies,
        binaries,
        symlinks,
        completions,
        manpages,
        test_binary: format!("\"{BIN_INTERPOLATION}{}\"", ruby_escape(first_binary)),
    })
}

/// The `on_macos`/`on_linux` blocks, and the OS requirement when only one OS
/// has artifacts.
fn platforms(
    artifacts: &[HomebrewArtifact],
) -> anyhow::Result<(Vec<OsBlock>, Option<&'static str>)> {
    let mut chosen: BTreeMap<(usize, usize), &HomebrewArtifact> = BTreeMap::new();
    for artifact in artifacts {
        let os = OSES.iter().position(|(os, _)| *os == artifact.os);
        let arch = ARCHES.iter().position(|(arch, _)| *arch == artifact.arch);
        let (Some(os), Some(arch)) = (os, arch) else {
            continue;
        };
        if let Some(previous) = chosen.insert((os, arch), artifact) {
            bail!(
                "two artifacts for {} {}: {} and {}; a formula takes one archive per OS and \
                 architecture",
                artifact.os,
                artifact.arch,
                previous.target,
                artifact.target
            );
        }
    }
    if chosen.is_empty() {
        let targets: Vec<&str> = artifacts.iter().map(|a| a.target.as_str()).collect();
        bail!(
            "no macOS or Linux artifact for x86_64 or aarch64 to install (artifacts: {})",
            if targets.is_empty() {
                "none".to_string()
            } else {
                targets.join(", ")
            }
        );
    }

    let mut blocks = Vec::new();
    for (os_index, (_, os_block)) in OSES.iter().enumerate() {
        let mut arches = Vec::new();
        for (arch_index, (_, arch_block)) in ARCHES.iter().enumerate() {
            let Some(artifact) = chosen.get(&(os_index, arch_index)) else {
                continue;
            };
            if artifact.url.trim().is_empty() {
                bail!("{}: the download URL is empty", artifact.target);
            }
            arches.push(ArchBlock {
                block: arch_block,
                url: ruby_string(&artifact.url),
                sha256: ruby_string(&checked_sha256(artifact)?),
            });
        }
        if !arches.is_empty() {
            blocks.push(OsBlock {
                block: os_block,
                arches,
            });
        }
    }
    let requirement = match blocks.as_slice() {
        [only] if only.block == "on_macos" => Some(":macos"),
        [only] if only.block == "on_linux" => Some(":linux"),
        _ => None,
    };
    Ok((blocks, requirement))
}

/// The lowercase SHA-256, after checking it is 64 hex digits.
fn checked_sha256(artifact: &HomebrewArtifact) -> anyhow::Result<String> {
    let sha = &artifact.sha256;
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!(
            "{}: the SHA-256 {sha:?} is not 64 hex digits",
            artifact.target
        );
    }
    Ok(sha.to_ascii_lowercase())
}

/// The quoted binary names, and the alias symlinks.
fn binaries(ctx: &HomebrewContext) -> anyhow::Result<(Vec<String>, Vec<Symlink>)> {
    let mut names = BTreeSet::new();
    for bin in &ctx.binaries {
        check_file_name("binary", bin)?;
        if !names.insert(bin.as_str()) {
            bail!("the binary `{bin}` is listed twice");
        }
    }
    let mut symlinks = Vec::new();
    for (bin, aliases) in &ctx.aliases {
        if !ctx.binaries.contains(bin) {
            bail!("aliases are given for `{bin}`, which is not one of the binaries");
        }
        for alias in aliases {
            check_file_name("alias", alias)?;
            if !names.insert(alias.as_str()) {
                bail!("the alias `{alias}` of `{bin}` is already the name of a binary or alias");
            }
            symlinks.push(Symlink {
                target: ruby_string(bin),
                link: ruby_string(alias),
            });
        }
    }
    let binaries = ctx.binaries.iter().map(|b| ruby_string(b)).collect();
    Ok((binaries, symlinks))
}

/// A path inside the archive must be relative and stay inside it.
fn check_archive_path(what: &str, path: &str) -> anyhow::Result<()> {
    let bad = path.is_empty()
        || path.contains(['\\', '\0'])
        || path.chars().any(char::is_control)
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        bail!("the {what} path {path:?} is not a relative path inside the archive");
    }
    Ok(())
}

/// `(stem, extension)` of a path's file name; the extension is empty when
/// there is none (a leading dot doesn't start one).
fn split_name(path: &str) -> (&str, &str) {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot + 1..]),
        _ => (name, ""),
    }
}

/// Pick, from the files of an archive (relative to its top directory), the
/// shell completions (files under a directory whose name mentions
/// completions, for a shell Homebrew has a directory for) and the man pages
/// (`name.N[.gz]`, N from 1 to 8) the formula should install.
pub fn completions_and_manpages(files: &[String]) -> (Vec<String>, Vec<String>) {
    let mut completions = Vec::new();
    let mut manpages = Vec::new();
    for path in files {
        let in_completions = path
            .rsplit_once('/')
            .is_some_and(|(dir, _)| dir.to_ascii_lowercase().contains("complet"));
        if in_completions && matches!(completion(path), Ok(Some(_))) {
            completions.push(path.clone());
        } else if manpage(path).is_ok() {
            manpages.push(path.clone());
        }
    }
    (completions, manpages)
}

/// How a completion file is installed, or `None` for shells Homebrew has no
/// completion directory for. Files are renamed to what each shell looks for:
/// `name` for bash, `_name` for zsh (compinit only reads files starting with
/// `_`, and the file name is the completion function's name), `name.fish`
/// for fish.
fn completion(path: &str) -> anyhow::Result<Option<Install>> {
    check_archive_path("completion", path)?;
    let (stem, ext) = split_name(path);
    let quoted = ruby_string(path);
    let (dir, args) = match ext {
        "bash" => (
            "bash_completion",
            format!("{quoted} => {}", ruby_string(stem)),
        ),
        "zsh" => {
            let name = if stem.starts_with('_') {
                stem.to_string()
            } else {
                format!("_{stem}")
            };
            (
                "zsh_completion",
                format!("{quoted} => {}", ruby_string(&name)),
            )
        }
        "fish" => ("fish_completion", quoted),
        "ps1" | "elv" | "nu" => return Ok(None),
        _ if stem.starts_with('_') && stem.len() > 1 => ("zsh_completion", quoted),
        _ => bail!(
            "can't tell which shell the completion file `{path}` is for: name it `*.bash`, \
             `*.zsh`, `_name` (zsh) or `*.fish`"
        ),
    };
    Ok(Some(Install {
        dir: dir.to_string(),
        args,
    }))
}

/// How a man page is installed: `name.N[suffix][.gz]` goes to `manN`
/// (sections 1 to 8, the directories Homebrew has).
fn manpage(path: &str) -> anyhow::Result<Install> {
    check_archive_path("man page", path)?;
    let uncompressed = path.strip_suffix(".gz").unwrap_or(path);
    let (_, ext) = split_name(uncompressed);
    let mut chars = ext.chars();
    let section = chars
        .next()
        .filter(|c| ('1'..='8').contains(c))
        .filter(|_| chars.all(|c| c.is_ascii_alphanumeric()));
    let Some(section) = section else {
        bail!(
            "can't tell the section of the man page `{path}`: name it `name.N` with N from 1 to 8"
        );
    };
    Ok(Install {
        dir: format!("man{section}"),
        args: ruby_string(path),
    })
}

// ------------------------------------------------------------------ Ruby

/// A Ruby double-quoted string literal for `s`.
fn ruby_string(s: &str) -> String {
    format!("\"{}\"", ruby_escape(s))
}

/// The inside of a Ruby double-quoted string literal for `s`: backslashes and
/// double quotes are escaped, a `#` that would start an interpolation (`#{`,
/// `#$`, `#@`) becomes `\#`, and control characters are spelled as escapes.
/// Other characters (UTF-8 included, Ruby's default source encoding) are
/// kept.
fn ruby_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '#' if matches!(chars.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The arguments of Homebrew's `license` for an SPDX expression: `"MIT"`,
/// `any_of: ["MIT", "Apache-2.0"]`, `all_of: [...]`, and
/// `"GPL-2.0-only" => { with: "Classpath-exception-2.0" }` for exceptions.
/// `/` (the old Cargo spelling) means `OR`. An expression that doesn't parse
/// is passed as one string.
fn license(expression: &str) -> String {
    match spdx::parse(expression) {
        Some(tree) => license_args(&tree),
        None => ruby_string(expression.trim()),
    }
}

/// `license`'s arguments: a bare string, or a hash without braces.
fn license_args(tree: &spdx::Expr) -> String {
    match tree {
        spdx::Expr::License(id) => ruby_string(id),
        _ => license_hash(tree),
    }
}

/// An element of an `any_of`/`all_of` array: hashes need their braces there.
fn license_element(tree: &spdx::Expr) -> String {
    match tree {
        spdx::Expr::License(id) => ruby_string(id),
        _ => format!("{{ {} }}", license_hash(tree)),
    }
}

/// The hash (without braces) for a compound expression.
fn license_hash(tree: &spdx::Expr) -> String {
    match tree {
        spdx::Expr::License(id) => ruby_string(id),
        spdx::Expr::With(id, exception) => {
            format!(
                "{} => {{ with: {} }}",
                ruby_string(id),
                ruby_string(exception)
            )
        }
        spdx::Expr::AnyOf(items) | spdx::Expr::AllOf(items) => {
            let key = if matches!(tree, spdx::Expr::AnyOf(_)) {
                "any_of"
            } else {
                "all_of"
            };
            let items: Vec<String> = items.iter().map(license_element).collect();
            format!("{key}: [{}]", items.join(", "))
        }
    }
}

/// A small parser for SPDX license expressions: `OR` binds loosest, then
/// `AND`, then `WITH`; parentheses group.
mod spdx {
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(super) enum Expr {
        License(String),
        With(String, String),
        AnyOf(Vec<Expr>),
        AllOf(Vec<Expr>),
    }

    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Token {
        Open,
        Close,
        Or,
        And,
        With,
        Id(String),
    }

    pub(super) fn parse(text: &str) -> Option<Expr> {
        let tokens = tokenize(text)?;
        let mut pos = 0;
        let expr = parse_or(&tokens, &mut pos)?;
        (pos == tokens.len()).then_some(expr)
    }

    fn tokenize(text: &str) -> Option<Vec<Token>> {
        let mut tokens = Vec::new();
        let mut word = String::new();
        let flush = |word: &mut String, tokens: &mut Vec<Token>| -> Option<()> {
            if word.is_empty() {
                return Some(());
            }
            let token = match word.as_str() {
                "OR" | "or" => Token::Or,
                "AND" | "and" => Token::And,
                "WITH" | "with" => Token::With,
                id if id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+' | ':')) =>
                {
                    Token::Id(id.to_string())
                }
                _ => return None,
            };
            tokens.push(token);
            word.clear();
            Some(())
        };
        for c in text.chars() {
            match c {
                '(' | ')' | '/' => {
                    flush(&mut word, &mut tokens)?;
                    tokens.push(match c {
                        '(' => Token::Open,
                        ')' => Token::Close,
                        _ => Token::Or,
                    });
                }
                c if c.is_whitespace() => flush(&mut word, &mut tokens)?,
                c => word.push(c),
            }
        }
        flush(&mut word, &mut tokens)?;
        Some(tokens)
    }

    fn parse_or(tokens: &[Token], pos: &mut usize) -> Option<Expr> {
        let mut items = vec![parse_and(tokens, pos)?];
        while tokens.get(*pos) == Some(&Token::Or) {
            *pos += 1;
            items.push(parse_and(tokens, pos)?);
        }
        Some(combine(items, Expr::AnyOf))
    }

    fn parse_and(tokens: &[Token], pos: &mut usize) -> Option<Expr> {
        let mut items = vec![parse_with(tokens, pos)?];
        while tokens.get(*pos) == Some(&Token::And) {
            *pos += 1;
            items.push(parse_with(tokens, pos)?);
        }
        Some(combine(items, Expr::AllOf))
    }

    fn parse_with(tokens: &[Token], pos: &mut usize) -> Option<Expr> {
        match tokens.get(*pos)? {
            Token::Open => {
                *pos += 1;
                let inner = parse_or(tokens, pos)?;
                if tokens.get(*pos) != Some(&Token::Close) {
                    return None;
                }
                *pos += 1;
                Some(inner)
            }
            Token::Id(id) => {
                *pos += 1;
                if tokens.get(*pos) == Some(&Token::With) {
                    let Some(Token::Id(exception)) = tokens.get(*pos + 1) else {
                        return None;
                    };
                    *pos += 2;
                    return Some(Expr::With(id.clone(), exception.clone()));
                }
                Some(Expr::License(id.clone()))
            }
            _ => None,
        }
    }

    /// One item stays as it is; several become `make(items)`, with nested
    /// lists of the same kind flattened (`(A OR B) OR C` is one `any_of`).
    fn combine(items: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
        if items.len() == 1 {
            return items.into_iter().next().expect("one item");
        }
        let same = |e: &Expr| {
            matches!(
                (e, make(Vec::new())),
                (Expr::AnyOf(_), Expr::AnyOf(_)) | (Expr::AllOf(_), Expr::AllOf(_))
            )
        };
        let mut flat = Vec::new();
        for item in items {
            if same(&item) {
                if let Expr::AnyOf(inner) | Expr::AllOf(inner) = item {
                    flat.extend(inner);
                }
            } else {
                flat.push(item);
            }
        }
        make(flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_completions_and_manpages_from_archive_files() {
        let files: Vec<String> = [
            "README.md",
            "completions/_tool",
            "completions/tool.bash",
            "completions/tool.ps1",
            "completions/notes.txt",
            "man/tool.1",
            "tool-config.5.gz",
            "tool.bash",
        ]
        .map(String::from)
        .to_vec();
        let (completions, manpages) = completions_and_manpages(&files);
        assert_eq!(completions, ["completions/_tool", "completions/tool.bash"]);
        assert_eq!(manpages, ["man/tool.1", "tool-config.5.gz"]);
    }

    const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn artifact(target: &str, sha256: &str) -> HomebrewArtifact {
        let os = if target.contains("apple") {
            "macos"
        } else if target.contains("linux") {
            "linux"
        } else {
            "windows"
        };
        HomebrewArtifact {
            target: target.to_string(),
            os: os.to_string(),
            arch: target.split('-').next().unwrap().to_string(),
            url: format!("https://example.com/dl/my-tool-{target}.tar.xz"),
            sha256: sha256.to_string(),
        }
    }

    fn ctx() -> HomebrewContext {
        HomebrewContext {
            formula: "my-tool".to_string(),
            app_version: "1.2.3".to_string(),
            desc: Some("Does things".to_string()),
            homepage: Some("https://example.com".to_string()),
            license: Some("MIT".to_string()),
            tap: Some("acme/homebrew-tap".to_string()),
            artifacts: vec![
                artifact("aarch64-apple-darwin", SHA_A),
                artifact("x86_64-unknown-linux-gnu", SHA_B),
            ],
            binaries: vec!["my-tool".to_string()],
            aliases: BTreeMap::new(),
            dependencies: Vec::new(),
            completions: Vec::new(),
            manpages: Vec::new(),
        }
    }

    fn render_err(ctx: &HomebrewContext) -> String {
        format!("{:#}", render(ctx).unwrap_err())
    }

    #[test]
    fn class_names_follow_homebrew() {
        for (formula, class) in [
            ("my-tool", "MyTool"),
            ("foo_bar", "FooBar"),
            ("a2b", "A2b"),
            ("my.tool", "MyTool"),
            ("tool", "Tool"),
            ("MyTool", "Mytool"),
            ("a-2b", "A2b"),
            ("x-y-z", "XYZ"),
            ("c++", "Cxx"),
            ("tool@2", "ToolAT2"),
            ("tool@1.2", "ToolAT12"),
            ("python@3@4", "PythonAT3@4"),
            ("a--b", "A-B"),
            ("a-", "A-"),
            ("my tool", "MyTool"),
            ("2fa", "2fa"),
            ("123-go", "123Go"),
            ("", ""),
        ] {
            assert_eq!(class_name(formula), class, "{formula}");
        }
    }

    #[test]
    fn ruby_constants() {
        assert!(is_ruby_constant("MyTool"));
        assert!(is_ruby_constant("A_"));
        assert!(is_ruby_constant("ToolAT2"));
        assert!(!is_ruby_constant("2fa"));
        assert!(!is_ruby_constant("A-B"));
        assert!(!is_ruby_constant(""));
        assert!(!is_ruby_constant("Caf\u{e9}"));
    }

    #[test]
    fn escaping() {
        assert_eq!(ruby_string("plain"), r#""plain""#);
        assert_eq!(ruby_string(r"back\slash"), r#""back\\slash""#);
        assert_eq!(ruby_string(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(ruby_string("#{evil}"), r#""\#{evil}""#);
        assert_eq!(ruby_string("#$0 #@x"), r#""\#$0 \#@x""#);
        assert_eq!(ruby_string("# not #1 #"), r##""# not #1 #""##);
        assert_eq!(ruby_string(r"\#{x}"), r#""\\\#{x}""#);
        assert_eq!(ruby_string("a\nb\tc\r"), r#""a\nb\tc\r""#);
        assert_eq!(ruby_string("\0\x1b\x7f"), r#""\u{0}\u{1b}\u{7f}""#);
        assert_eq!(ruby_string("café ✓"), "\"café ✓\"");
        assert_eq!(ruby_string(""), r#""""#);
    }

    #[test]
    fn licenses() {
        for (spdx, ruby) in [
            ("MIT", r#""MIT""#),
            ("MIT OR Apache-2.0", r#"any_of: ["MIT", "Apache-2.0"]"#),
            ("MIT/Apache-2.0", r#"any_of: ["MIT", "Apache-2.0"]"#),
            ("MIT AND Zlib", r#"all_of: ["MIT", "Zlib"]"#),
            ("A OR B OR C", r#"any_of: ["A", "B", "C"]"#),
            ("(A OR B) OR C", r#"any_of: ["A", "B", "C"]"#),
            ("A OR B AND C", r#"any_of: ["A", { all_of: ["B", "C"] }]"#),
            ("(A OR B) AND C", r#"all_of: [{ any_of: ["A", "B"] }, "C"]"#),
            (
                "Apache-2.0 WITH LLVM-exception",
                r#""Apache-2.0" => { with: "LLVM-exception" }"#,
            ),
            (
                "MIT OR Apache-2.0 WITH LLVM-exception",
                r#"any_of: ["MIT", { "Apache-2.0" => { with: "LLVM-exception" } }]"#,
            ),
            ("GPL-2.0+", r#""GPL-2.0+""#),
            ("LicenseRef-Mine", r#""LicenseRef-Mine""#),
            ("  (MIT)  ", r#""MIT""#),
            ("MIT OR", r#""MIT OR""#),
            ("(MIT", r#""(MIT""#),
            ("MIT WITH", r#""MIT WITH""#),
            ("Some \"odd\" #{text}", r#""Some \"odd\" \#{text}""#),
        ] {
            assert_eq!(license(spdx), ruby, "{spdx}");
        }
    }

    #[test]
    fn full_formula() {
        let mut ctx = ctx();
        ctx.artifacts = vec![
            artifact("x86_64-unknown-linux-gnu", SHA_B),
            artifact("aarch64-apple-darwin", SHA_A),
            artifact("x86_64-apple-darwin", SHA_B),
            artifact("aarch64-unknown-linux-gnu", &SHA_A.to_uppercase()),
            artifact("x86_64-pc-windows-msvc", "not-a-checksum"),
            artifact("armv7-unknown-linux-gnueabihf", SHA_A),
        ];
        ctx.license = Some("MIT OR Apache-2.0".to_string());
        ctx.binaries.push("helper".to_string());
        ctx.aliases
            .insert("my-tool".to_string(), vec!["mt".to_string()]);
        ctx.dependencies = vec!["openssl@3".to_string()];
        ctx.completions = vec![
            "completions/my-tool.bash".to_string(),
            "completions/_my-tool".to_string(),
            "completions/my-tool.fish".to_string(),
            "completions/_my-tool.ps1".to_string(),
        ];
        ctx.manpages = vec![
            "man/my-tool.1".to_string(),
            "man/my-tool.conf.5.gz".to_string(),
        ];
        let expected = r##"# brew install acme/tap/my-tool
class MyTool < Formula
  desc "Does things"
  homepage "https://example.com"
  version "1.2.3"
  license any_of: ["MIT", "Apache-2.0"]

  on_macos do
    on_arm do
      url "https://example.com/dl/my-tool-aarch64-apple-darwin.tar.xz"
      sha256 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    end
    on_intel do
      url "https://example.com/dl/my-tool-x86_64-apple-darwin.tar.xz"
      sha256 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    end
  end

  on_linux do
    on_arm do
      url "https://example.com/dl/my-tool-aarch64-unknown-linux-gnu.tar.xz"
      sha256 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    end
    on_intel do
      url "https://example.com/dl/my-tool-x86_64-unknown-linux-gnu.tar.xz"
      sha256 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    end
  end

  depends_on "openssl@3"

  def install
    bin.install "my-tool"
    bin.install "helper"
    bin.install_symlink bin/"my-tool" => "mt"
    bash_completion.install "completions/my-tool.bash" => "my-tool"
    zsh_completion.install "completions/_my-tool"
    fish_completion.install "completions/my-tool.fish"
    man1.install "man/my-tool.1"
    man5.install "man/my-tool.conf.5.gz"
  end

  test do
    system "#{bin}/my-tool", "--version"
  end
end
"##;
        assert_eq!(render(&ctx).unwrap(), expected);
    }

    #[test]
    fn optional_lines_are_omitted() {
        let mut ctx = ctx();
        ctx.desc = None;
        ctx.homepage = None;
        ctx.license = None;
        ctx.tap = None;
        ctx.artifacts = vec![artifact("x86_64-apple-darwin", SHA_A)];
        let expected = r##"class MyTool < Formula
  version "1.2.3"

  on_macos do
    on_intel do
      url "https://example.com/dl/my-tool-x86_64-apple-darwin.tar.xz"
      sha256 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    end
  end

  depends_on :macos

  def install
    bin.install "my-tool"
  end

  test do
    system "#{bin}/my-tool", "--version"
  end
end
"##;
        assert_eq!(render(&ctx).unwrap(), expected);

        // A blank description counts as none.
        ctx.desc = Some(" \n ".to_string());
        assert!(!render(&ctx).unwrap().contains("desc"));
    }

    #[test]
    fn linux_only_requires_linux() {
        let mut ctx = ctx();
        ctx.artifacts = vec![artifact("aarch64-unknown-linux-musl", SHA_A)];
        let formula = render(&ctx).unwrap();
        assert!(formula.contains("  depends_on :linux\n"), "{formula}");
        assert!(!formula.contains("on_macos"), "{formula}");
        assert!(
            formula.contains("  on_linux do\n    on_arm do\n"),
            "{formula}"
        );
    }

    #[test]
    fn values_are_escaped() {
        let mut ctx = ctx();
        ctx.desc = Some("A \"quoted\"\ntool: #{system('x')} \\o/".to_string());
        ctx.homepage = Some("https://example.com/#{x}".to_string());
        ctx.binaries = vec!["my\"tool".to_string()];
        let formula = render(&ctx).unwrap();
        assert!(
            formula.contains(r#"  desc "A \"quoted\" tool: \#{system('x')} \\o/""#),
            "{formula}"
        );
        assert!(
            formula.contains(r#"  homepage "https://example.com/\#{x}""#),
            "{formula}"
        );
        assert!(
            formula.contains(r#"    bin.install "my\"tool""#),
            "{formula}"
        );
        assert!(
            formula.contains(r##"    system "#{bin}/my\"tool", "--version""##),
            "{formula}"
        );
    }

    #[test]
    fn completion_kinds() {
        let cases = [
            (
                "c/x.bash",
                Some(("bash_completion", r#""c/x.bash" => "x""#)),
            ),
            ("c/x.zsh", Some(("zsh_completion", r#""c/x.zsh" => "_x""#))),
            (
                "c/_x.zsh",
                Some(("zsh_completion", r#""c/_x.zsh" => "_x""#)),
            ),
            ("_x", Some(("zsh_completion", r#""_x""#))),
            ("c/x.fish", Some(("fish_completion", r#""c/x.fish""#))),
            ("c/_x.ps1", None),
            ("c/x.elv", None),
            ("c/x.nu", None),
        ];
        for (path, expected) in cases {
            let got = completion(path).unwrap();
            let got = got.as_ref().map(|i| (i.dir.as_str(), i.args.as_str()));
            assert_eq!(got, expected, "{path}");
        }
        for bad in [
            "c/x",
            "c/x.txt",
            "c/_",
            "/abs/x.bash",
            "../x.bash",
            "c//x.bash",
            "",
        ] {
            assert!(completion(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn manpage_sections() {
        for (path, dir) in [
            ("man/x.1", "man1"),
            ("x.8", "man8"),
            ("man/x.3pm", "man3"),
            ("man/x.conf.5.gz", "man5"),
        ] {
            assert_eq!(manpage(path).unwrap().dir, dir, "{path}");
        }
        for bad in [
            "man/x",
            "man/x.9",
            "man/x.0",
            "man/x.md",
            "man/x.1.bz2",
            "../x.1",
        ] {
            assert!(manpage(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_without_usable_artifacts() {
        let mut ctx = ctx();
        ctx.artifacts = vec![
            artifact("x86_64-pc-windows-msvc", SHA_A),
            artifact("i686-unknown-linux-gnu", SHA_A),
            artifact("x86_64-unknown-freebsd", SHA_A),
        ];
        let err = render_err(&ctx);
        assert!(err.contains("no macOS or Linux artifact"), "{err}");
        ctx.artifacts.clear();
        assert!(render_err(&ctx).contains("artifacts: none"));
    }

    #[test]
    fn error_on_bad_sha256() {
        for bad in [
            "",
            "abc",
            &SHA_A[..63],
            &format!("{SHA_A}a"),
            &SHA_A.replace('a', "g"),
        ] {
            let mut ctx = ctx();
            ctx.artifacts[0].sha256 = bad.to_string();
            let err = render_err(&ctx);
            assert!(err.contains("is not 64 hex digits"), "{bad}: {err}");
            assert!(err.contains("aarch64-apple-darwin"), "{err}");
        }
    }

    #[test]
    fn error_on_duplicate_platform() {
        let mut ctx = ctx();
        ctx.artifacts
            .push(artifact("x86_64-unknown-linux-musl", SHA_A));
        let err = render_err(&ctx);
        assert!(
            err.contains(
                "two artifacts for linux x86_64: x86_64-unknown-linux-gnu and \
                 x86_64-unknown-linux-musl"
            ),
            "{err}"
        );
    }

    #[test]
    fn error_on_bad_names() {
        let mut bad = ctx();
        bad.formula = "2fa".to_string();
        assert!(render_err(&bad).contains("class name `2fa`, which is not a valid constant"));

        let mut bad = ctx();
        bad.formula = "a/b".to_string();
        assert!(render_err(&bad).contains("not a valid constant"));

        for name in ["", "a/b", "..", "a\nb"] {
            let mut bad = ctx();
            bad.binaries = vec![name.to_string()];
            assert!(
                render_err(&bad).contains("not a plain file name"),
                "{name:?}"
            );
        }

        let mut bad = ctx();
        bad.binaries.clear();
        assert!(render_err(&bad).contains("no binaries"));

        let mut bad = ctx();
        bad.binaries.push("my-tool".to_string());
        assert!(render_err(&bad).contains("listed twice"));

        let mut bad = ctx();
        bad.aliases
            .insert("other".to_string(), vec!["o".to_string()]);
        assert!(render_err(&bad).contains("not one of the binaries"));

        let mut bad = ctx();
        bad.aliases
            .insert("my-tool".to_string(), vec!["my-tool".to_string()]);
        assert!(render_err(&bad).contains("already the name"));

        let mut bad = ctx();
        bad.tap = Some("acme/tap\nsystem 'x'".to_string());
        assert!(render_err(&bad).contains("not `owner/repository`"));

        let mut bad = ctx();
        bad.dependencies = vec![" ".to_string()];
        assert!(render_err(&bad).contains("empty name"));

        let mut bad = ctx();
        bad.artifacts[0].url = String::new();
        assert!(render_err(&bad).contains("download URL is empty"));
    }
}
