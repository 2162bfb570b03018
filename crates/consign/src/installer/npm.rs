//! The npm package, `{app}-npm-package.tar.gz`: a package with no
//! dependencies whose install script downloads the prebuilt binaries for the
//! machine it runs on, verifies their checksum and unpacks them, and whose
//! `bin` entries are small launchers that run those binaries.
//!
//! The package (everything under `package/` in the tarball):
//!
//! - `package.json`: name, version and metadata, `bin` mapping every command
//!   (binaries and their aliases, without `.exe`) to `run-{command}.js`,
//!   `scripts.postinstall` = `node ./install.js`, `engines.node >= 18`;
//! - `npm-shrinkwrap.json`: a lockfile that pins "no dependencies", so an
//!   install never resolves third-party code;
//! - `install.js` (`templates/npm/install.js.j2`): the installer. All it needs
//!   to know (artifacts, checksums, URLs, environment variable names) is one
//!   JSON document computed here, so every value is a valid JavaScript
//!   literal by construction. It picks the artifact for
//!   `process.platform`/`process.arch` (glibc or musl on Linux), downloads
//!   `{base}/{archive}` (base: `${download_url_env_var}`, else
//!   `$INSTALLER_DOWNLOAD_URL`, else the release's URL) following redirects
//!   and honouring npm's proxy settings, verifies the checksum, unpacks with
//!   the system `tar` into `bin-dist/` (staged, then renamed into place), and
//!   makes alias symlinks (copies on Windows);
//! - `run-{command}.js` (`templates/npm/run.js.j2`): launchers that run
//!   `bin-dist/{command}` with the same arguments and stdio, exit with its
//!   status or signal, and install first when `bin-dist` is missing (an
//!   install with `--ignore-scripts`, or pnpm, which skips install scripts);
//! - `README.md`.
//!
//! The tarball is reproducible: entries sorted, one mtime, uid/gid 0, empty
//! owner names, 0644 files and 0755 launchers, gzip header mtime 0.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use anyhow::{bail, ensure, Context as _, Result};
use minijinja::context;
use serde::Serialize;

use super::{
    check_file_name, check_text, AppInput, Contribution, InstallerArtifact, InstallerContext,
};
use crate::error::UserError;
use crate::project::config::DistConfig;

/// The npm package's name: `npm-package` (else the app's), in `npm-scope`.
pub fn package_name(config: &DistConfig, app: &str) -> String {
    let name = config.npm_package.as_deref().unwrap_or(app);
    match &config.npm_scope {
        Some(scope) => format!("{scope}/{name}"),
        None => name.to_string(),
    }
}

/// The plan contribution: `{app}-npm-package.tar.gz`, for every target,
/// once the package name is one npm accepts.
pub fn plan(app: &AppInput<'_>) -> Result<Contribution, UserError> {
    let npm = package_name(app.config, app.name);
    validate_package_name(&npm).map_err(|why| {
        UserError::new(format!(
            "`{npm}` is not a valid npm package name for `{}`: {why}",
            app.name
        ))
        .hint("set `npm-package` (and `npm-scope`, like `@my-org`) to a lowercase, URL-safe name")
    })?;
    Ok(Contribution {
        file: format!("{}-npm-package.tar.gz", app.name),
        targets: app.targets.to_vec(),
        description: "Install prebuilt binaries into your npm project",
    })
}

/// The built package tarball; as cargo-dist, the package's files are the
/// artifact's assets (kind unknown: launchers and metadata).
pub fn build(
    installer: &crate::plan::InstallerPlan,
    ctx: &InstallerContext,
    mtime: u64,
) -> Result<super::Built> {
    let (bytes, files) = render_package_listed(
        &NpmContext {
            base: ctx.clone(),
            package_name: installer.meta.npm_name.clone(),
            description: installer.meta.description.clone(),
            license: installer.meta.license.clone(),
            repository: installer.meta.repository.clone(),
            homepage: installer.meta.homepage.clone(),
            keywords: Vec::new(),
        },
        mtime,
    )?;
    let assets = files
        .into_iter()
        .map(|path| consign_manifest::Asset {
            name: Some(path.rsplit('/').next().unwrap_or(&path).to_string()),
            path: Some(path),
            kind: consign_manifest::AssetKind::Unknown,
        })
        .collect();
    Ok(super::Built {
        bytes,
        executable: false,
        assets: Some(assets),
    })
}

/// `npm install name@version`.
pub fn install_hint(app: &AppInput<'_>) -> String {
    format!(
        "npm install {}@{}",
        package_name(app.config, app.name),
        app.version
    )
}
use crate::build::tar_writer::TarWriter;

const INSTALL_JS: &str = include_str!("../../templates/npm/install.js.j2");
const RUN_JS: &str = include_str!("../../templates/npm/run.js.j2");
const README_MD: &str = include_str!("../../templates/npm/README.md.j2");

/// The lowest Node version the install script and launchers support.
const NODE_ENGINES: &str = ">=18";

/// Everything the npm package needs: the installer context plus the npm
/// package's own metadata.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NpmContext {
    /// The app, its version, where its archives are and what they contain.
    pub base: InstallerContext,
    /// The npm package name: `my-tool` or `@scope/my-tool` (from
    /// `npm-package` and `npm-scope`).
    pub package_name: String,
    /// `description` in package.json.
    pub description: Option<String>,
    /// `license` in package.json (an SPDX expression).
    pub license: Option<String>,
    /// The repository URL.
    pub repository: Option<String>,
    /// `homepage` in package.json.
    pub homepage: Option<String>,
    /// `keywords` in package.json.
    pub keywords: Vec<String>,
}

/// Names of Node's core modules, which npm refuses as new package names.
const NODE_CORE_MODULES: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// Checks `name` against the npm registry's rules for new package names.
///
/// A name is at most 214 characters; is lowercase; uses only letters,
/// digits, `-`, `.` and `_` (npm also rejects `~'!()*`, and anything else
/// would need URL-encoding); does not start with `.` or `_`; may have one
/// `@scope/` prefix (same characters, neither part empty or starting with
/// `.`); and, unscoped, is neither a Node core module name nor
/// `node_modules` / `favicon.ico`. The error says which rule `name` breaks.
pub fn validate_package_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an npm package name cannot be empty".to_string());
    }
    let length = name.chars().count();
    if length > 214 {
        return Err(format!(
            "`{}…` is {length} characters long; npm package names can have at most 214",
            name.chars().take(40).collect::<String>()
        ));
    }
    if name.trim() != name {
        return Err(format!(
            "`{name}` has leading or trailing whitespace; npm package names cannot"
        ));
    }
    if name.starts_with('.') || name.starts_with('_') {
        return Err(format!(
            "`{name}` starts with `{}`; npm package names cannot start with `.` or `_`",
            &name[..1]
        ));
    }
    if name.chars().any(|c| c.is_uppercase()) {
        return Err(format!(
            "`{name}` has uppercase letters; npm package names must be lowercase (try `{}`)",
            name.to_lowercase()
        ));
    }
    let (scope, bare) = match name.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((scope, bare)) if !scope.is_empty() && !bare.is_empty() => (Some(scope), bare),
            _ => {
                return Err(format!(
                    "`{name}` is not a scoped package name; those look like `@scope/name`"
                ))
            }
        },
        None => (None, name),
    };
    for (what, part) in scope
        .map(|s| ("scope", s))
        .into_iter()
        .chain([("name", bare)])
    {
        if let Some(bad) = part.chars().find(|&c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
        }) {
            return Err(format!(
                "`{}` contains `{}`; npm package names use only lowercase letters, digits, `-`, `.` and `_`{}",
                name.escape_debug(),
                bad.escape_debug(),
                if scope.is_some() { "" } else { ", with an optional `@scope/` prefix" }
            ));
        }
        if part.starts_with('.') {
            return Err(format!(
                "the {what} of `{name}` starts with `.`; npm package names cannot"
            ));
        }
    }
    if scope.is_none() {
        if NODE_CORE_MODULES.contains(&name) {
            return Err(format!(
                "`{name}` is the name of a Node.js core module; npm does not accept it for new packages"
            ));
        }
        if matches!(name, "node_modules" | "favicon.ico") {
            return Err(format!("`{name}` is a name npm reserves"));
        }
    }
    Ok(())
}

/// Renders the bytes of `{app}-npm-package.tar.gz` for `ctx`, with every
/// entry's mtime set to `mtime` (seconds since the epoch).
///
/// Fails when the context cannot make a working package: an invalid package
/// name or version, no artifact a Node platform can run, unknown archive
/// formats or checksum algorithms, checksums that are not hex of the right
/// length (or an algorithm whose checksum is not known yet), names that
/// cannot be file names or commands.
pub fn render_package(ctx: &NpmContext, mtime: u64) -> Result<Vec<u8>> {
    Ok(render_package_listed(ctx, mtime)?.0)
}

/// [`render_package`], with the paths of the package's files (relative to
/// `package/`, sorted): the manifest lists them as the artifact's assets.
pub fn render_package_listed(ctx: &NpmContext, mtime: u64) -> Result<(Vec<u8>, Vec<String>)> {
    let files = package_files(ctx)?;
    let mut paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    paths.sort();
    Ok((tarball(&files, mtime)?, paths))
}

/// One file of the package, relative to `package/`.
#[derive(Debug)]
struct PackageFile {
    path: String,
    contents: Vec<u8>,
    executable: bool,
}

/// The configuration `install.js` is rendered with (its `CONFIG`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Baked<'a> {
    package: &'a str,
    app: &'a str,
    version: &'a str,
    download_url: String,
    user_agent: String,
    success_msg: Option<&'a str>,
    env: BakedEnv<'a>,
    artifacts: Vec<BakedArtifact>,
}

/// Names of the environment variables `install.js` reads (empty: none).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BakedEnv<'a> {
    download_url: &'a str,
    quiet: &'a str,
    verbose: &'a str,
}

/// One artifact, in Node's terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct BakedArtifact {
    target: String,
    /// `process.platform`: `linux`, `darwin`, `win32`, ...
    platform: &'static str,
    /// `process.arch`: `x64`, `arm64`, `ia32`, `arm`, ...
    arch: &'static str,
    /// `gnu`, `musl`, `msvc` or `none`.
    libc: String,
    glibc_floor: Option<String>,
    /// For `arm`: the ARM architecture version the build needs.
    arm_version: Option<u8>,
    /// For `ppc64`: `LE` or `BE` (Node says `ppc64` for both).
    endian: Option<&'static str>,
    archive: String,
    /// `tar.xz`, `tar.gz`, `tar.zst` or `zip`.
    format: String,
    prefix: Option<String>,
    /// The name `crypto.createHash` knows the algorithm by.
    checksum_algo: Option<&'static str>,
    checksum: Option<String>,
    /// File names in the archive (under `prefix`), installed as they are.
    binaries: Vec<String>,
    /// Aliases: files made beside the binaries.
    links: Vec<BakedLink>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct BakedLink {
    /// The alias's file name.
    name: String,
    /// The binary's file name.
    target: String,
}

/// `package.json`, in the order npm writes its fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PackageJson<'a> {
    name: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    keywords: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<Repository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<&'a str>,
    bin: &'a BTreeMap<String, String>,
    files: Vec<String>,
    scripts: BTreeMap<&'static str, &'static str>,
    engines: BTreeMap<&'static str, &'static str>,
    /// Yarn PnP: keep the package on disk, where install.js can write.
    prefer_unplugged: bool,
}

#[derive(Debug, Serialize)]
struct Repository {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

/// `npm-shrinkwrap.json`: the root package and nothing else.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Shrinkwrap<'a> {
    name: &'a str,
    version: &'a str,
    lockfile_version: u8,
    requires: bool,
    packages: BTreeMap<&'static str, ShrinkwrapRoot<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ShrinkwrapRoot<'a> {
    name: &'a str,
    version: &'a str,
    has_install_script: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<&'a str>,
    bin: &'a BTreeMap<String, String>,
    engines: BTreeMap<&'static str, &'static str>,
}

/// Every file of the package, sorted by path.
fn package_files(ctx: &NpmContext) -> Result<Vec<PackageFile>> {
    let base = &ctx.base;
    validate_package_name(&ctx.package_name)
        .map_err(|e| anyhow::anyhow!("invalid npm package name: {e}"))?;
    semver::Version::parse(&base.app_version).with_context(|| {
        format!(
            "the version `{}` of {} is not a semver version, which npm requires",
            base.app_version, base.app_name
        )
    })?;
    check_text("app name", &base.app_name)?;
    let download_url = base.download_url.trim_end_matches('/').to_string();
    ensure!(
        (download_url.starts_with("https://") || download_url.starts_with("http://"))
            && !download_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control()),
        "the npm package of {} needs an http(s) download URL, not `{}`",
        base.app_name,
        base.download_url
    );
    ensure!(
        !base.artifacts.is_empty(),
        "the npm package of {} has no artifacts to install",
        base.app_name
    );

    let mut artifacts = Vec::new();
    for a in &base.artifacts {
        if let Some(baked) = bake_artifact(base, a)? {
            artifacts.push(baked);
        }
    }
    ensure!(
        !artifacts.is_empty(),
        "the npm package of {} has no artifact for a platform Node runs on (targets: {})",
        base.app_name,
        base.artifacts
            .iter()
            .map(|a| a.target.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let commands = commands(&artifacts)?;
    let bin: BTreeMap<String, String> = commands
        .iter()
        .map(|c| (c.clone(), launcher_file(c)))
        .collect();

    let mut files = Vec::new();
    let baked = Baked {
        package: &ctx.package_name,
        app: &base.app_name,
        version: &base.app_version,
        download_url: download_url.clone(),
        user_agent: format!(
            "consign/{} (npm package {}@{})",
            env!("CARGO_PKG_VERSION"),
            ctx.package_name,
            base.app_version
        ),
        success_msg: base.success_msg.as_deref().filter(|m| !m.is_empty()),
        env: BakedEnv {
            download_url: &base.env.download_url_env_var,
            quiet: &base.env.print_quiet_env_var,
            verbose: &base.env.print_verbose_env_var,
        },
        artifacts: artifacts.clone(),
    };
    let config_json =
        serde_json::to_string_pretty(&baked).context("encoding install.js's configuration")?;
    let install_js = super::render_template(
        "npm/install.js.j2",
        INSTALL_JS,
        context! { config_json => config_json },
    )?;
    files.push(text_file("install.js", install_js, false));

    for command in &commands {
        let run_js = super::render_template(
            "npm/run.js.j2",
            RUN_JS,
            context! { command_json => serde_json::Value::from(command.as_str()).to_string() },
        )?;
        files.push(text_file(&launcher_file(command), run_js, true));
    }

    let targets: Vec<&str> = artifacts.iter().map(|a| a.target.as_str()).collect();
    let algos: BTreeSet<&str> = base
        .artifacts
        .iter()
        .filter_map(|a| a.checksum_algo.as_deref())
        .collect();
    let verify_phrase = if algos.is_empty() {
        "skips verification (no checksums were published)".to_string()
    } else {
        format!(
            "verifies its {} checksum",
            algos.into_iter().collect::<Vec<_>>().join(" or ")
        )
    };
    let readme = super::render_template(
        "npm/README.md.j2",
        README_MD,
        context! {
            package_name => &ctx.package_name,
            description => ctx.description.as_deref().unwrap_or(""),
            app_name => &base.app_name,
            app_version => &base.app_version,
            download_url => &download_url,
            verify_phrase => verify_phrase,
            commands => commands.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
            targets => targets.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
            download_url_env => &base.env.download_url_env_var,
            quiet_env => &base.env.print_quiet_env_var,
            verbose_env => &base.env.print_verbose_env_var,
        },
    )?;
    files.push(text_file("README.md", readme, false));

    let mut listed: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    listed.push("npm-shrinkwrap.json".to_string());
    listed.sort();
    let engines = BTreeMap::from([("node", NODE_ENGINES)]);
    let package_json = PackageJson {
        name: &ctx.package_name,
        version: &base.app_version,
        description: ctx.description.as_deref(),
        keywords: &ctx.keywords,
        homepage: ctx.homepage.as_deref(),
        repository: ctx.repository.as_deref().map(repository),
        license: ctx.license.as_deref(),
        bin: &bin,
        files: listed,
        scripts: BTreeMap::from([("postinstall", "node ./install.js")]),
        engines: engines.clone(),
        prefer_unplugged: true,
    };
    files.push(json_file("package.json", &package_json)?);

    let shrinkwrap = Shrinkwrap {
        name: &ctx.package_name,
        version: &base.app_version,
        lockfile_version: 3,
        requires: true,
        packages: BTreeMap::from([(
            "",
            ShrinkwrapRoot {
                name: &ctx.package_name,
                version: &base.app_version,
                has_install_script: true,
                license: ctx.license.as_deref(),
                bin: &bin,
                engines,
            },
        )]),
    };
    files.push(json_file("npm-shrinkwrap.json", &shrinkwrap)?);

    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn text_file(path: &str, text: String, executable: bool) -> PackageFile {
    PackageFile {
        path: path.to_string(),
        contents: text.into_bytes(),
        executable,
    }
}

fn json_file(path: &str, value: &impl Serialize) -> Result<PackageFile> {
    let mut text =
        serde_json::to_string_pretty(value).with_context(|| format!("encoding {path}"))?;
    text.push('\n');
    Ok(text_file(path, text, false))
}

fn launcher_file(command: &str) -> String {
    format!("run-{command}.js")
}

/// `{"type": "git", "url": ...}` for a repository URL, spelled the way npm
/// normalizes it (so `npm publish` has nothing to correct).
fn repository(url: &str) -> Repository {
    let mut url = url.trim().trim_end_matches('/').to_string();
    let host = url.split_once("://").map(|(_, rest)| {
        rest.split(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    });
    if url.starts_with("https://") || url.starts_with("http://") {
        if matches!(
            host.as_deref(),
            Some("github.com" | "gitlab.com" | "bitbucket.org")
        ) && !url.ends_with(".git")
        {
            url.push_str(".git");
        }
        url.insert_str(0, "git+");
    }
    Repository { kind: "git", url }
}

/// The `process.platform` an artifact runs on, if Node runs there.
fn node_platform(a: &InstallerArtifact) -> Option<&'static str> {
    if a.target.contains("-android") {
        return Some("android");
    }
    Some(match a.os.as_str() {
        "linux" => "linux",
        "macos" | "darwin" => "darwin",
        "windows" => "win32",
        "freebsd" => "freebsd",
        "netbsd" => "netbsd",
        "openbsd" => "openbsd",
        "illumos" | "solaris" => "sunos",
        "android" => "android",
        _ => return None,
    })
}

/// The `process.arch` of a triple's architecture, with the ARM version or
/// byte order where Node's name leaves them open.
fn node_arch(arch: &str) -> Option<(&'static str, Option<u8>, Option<&'static str>)> {
    Some(match arch {
        "x86_64" | "amd64" => ("x64", None, None),
        "aarch64" | "arm64" => ("arm64", None, None),
        "i686" | "i586" | "i386" | "x86" => ("ia32", None, None),
        a if a.starts_with("armv7") || a.starts_with("thumbv7") => ("arm", Some(7), None),
        a if a == "arm" || a.starts_with("armv6") => ("arm", Some(6), None),
        "powerpc64le" => ("ppc64", None, Some("LE")),
        "powerpc64" => ("ppc64", None, Some("BE")),
        "s390x" => ("s390x", None, None),
        "riscv64gc" | "riscv64" => ("riscv64", None, None),
        "loongarch64" => ("loong64", None, None),
        _ => return None,
    })
}

/// The algorithm's name for `crypto.createHash` and its digest length in hex.
fn node_hash(algo: &str) -> Option<(&'static str, usize)> {
    Some(match algo {
        "sha256" => ("sha256", 64),
        "sha512" => ("sha512", 128),
        "sha3-256" => ("sha3-256", 64),
        "sha3-512" => ("sha3-512", 128),
        "blake2b" | "blake2b512" => ("blake2b512", 128),
        "blake2s" | "blake2s256" => ("blake2s256", 64),
        _ => return None,
    })
}

/// `a` in Node's terms, or `None` for a platform Node does not run on.
fn bake_artifact(ctx: &InstallerContext, a: &InstallerArtifact) -> Result<Option<BakedArtifact>> {
    let (Some(platform), Some((arch, arm_version, endian))) =
        (node_platform(a), node_arch(&a.arch))
    else {
        return Ok(None);
    };
    check_text("target", &a.target)?;
    check_file_name("archive name", &a.archive)?;
    let format = match a.format.trim_start_matches('.') {
        f @ ("tar.xz" | "tar.gz" | "tar.zst" | "zip") => f.to_string(),
        other => bail!(
            "the npm package cannot unpack `{other}` archives ({}); supported: .tar.xz, .tar.gz, .tar.zst, .zip",
            a.archive
        ),
    };
    if let Some(prefix) = &a.prefix {
        check_text("archive prefix", prefix)?;
        ensure!(
            !prefix.is_empty()
                && !prefix.contains('\\')
                && prefix
                    .split('/')
                    .all(|p| !p.is_empty() && p != "." && p != ".."),
            "archive prefix `{prefix}` of {} must be a relative path inside the archive",
            a.archive
        );
    }
    let (checksum_algo, checksum) = match (&a.checksum_algo, &a.checksum) {
        (None, None) => (None, None),
        (Some(algo), Some(sum)) => {
            let Some((name, len)) = node_hash(algo) else {
                bail!(
                    "unknown checksum algorithm `{algo}` for {}; the npm package knows sha256, sha512, sha3-256, sha3-512, blake2b and blake2s",
                    a.archive
                );
            };
            ensure!(
                sum.len() == len && sum.chars().all(|c| c.is_ascii_hexdigit()),
                "the {algo} checksum of {} is not {len} hex digits: `{sum}`",
                a.archive
            );
            (Some(name), Some(sum.to_ascii_lowercase()))
        }
        (Some(algo), None) => bail!(
            "the {algo} checksum of {} is not known yet; the npm package can only be made once it is",
            a.archive
        ),
        (None, Some(_)) => bail!("{} has a checksum but no checksum algorithm", a.archive),
    };
    if let Some(floor) = &a.glibc_floor {
        ensure!(
            !floor.is_empty() && floor.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "glibc floor `{floor}` of {} is not a version",
            a.target
        );
    }
    ensure!(
        !a.binaries.is_empty(),
        "{} has no binaries for the npm package to run",
        a.archive
    );
    let windows = platform == "win32";
    let mut binaries = Vec::new();
    for binary in &a.binaries {
        check_file_name("binary name", binary)?;
        check_command(&command_name(binary, windows))?;
        binaries.push(binary.clone());
    }
    let mut links = Vec::new();
    for (bin, aliases) in &ctx.aliases {
        let with_exe = format!("{bin}.exe");
        let Some(target) = a
            .binaries
            .iter()
            .find(|b| *b == bin || (windows && b.eq_ignore_ascii_case(&with_exe)))
        else {
            continue;
        };
        for alias in aliases {
            let command = command_name(alias, windows);
            check_command(&command)?;
            let name = if windows {
                format!("{command}.exe")
            } else {
                command.clone()
            };
            if name == *target || (windows && name.eq_ignore_ascii_case(target)) {
                continue;
            }
            links.push(BakedLink {
                name,
                target: target.clone(),
            });
        }
    }
    Ok(Some(BakedArtifact {
        target: a.target.clone(),
        platform,
        arch,
        libc: a.libc.clone(),
        glibc_floor: a.glibc_floor.clone(),
        arm_version,
        endian,
        archive: a.archive.clone(),
        format,
        prefix: a.prefix.clone(),
        checksum_algo,
        checksum,
        binaries,
        links,
    }))
}

/// The command a file is run as: its name without `.exe` on Windows.
fn command_name(file: &str, windows: bool) -> String {
    let lower = file.to_ascii_lowercase();
    if windows && lower.ends_with(".exe") && file.len() > 4 {
        file[..file.len() - 4].to_string()
    } else {
        file.to_string()
    }
}

/// The commands of the package (every binary and alias of every artifact),
/// checked to be distinct even where file names ignore case.
fn commands(artifacts: &[BakedArtifact]) -> Result<BTreeSet<String>> {
    let mut commands = BTreeSet::new();
    for a in artifacts {
        let windows = a.platform == "win32";
        let mut own = BTreeSet::new();
        for file in a.binaries.iter().chain(a.links.iter().map(|l| &l.name)) {
            let command = command_name(file, windows);
            ensure!(
                own.insert(command.clone()),
                "the command `{command}` appears twice in the {} build (binaries and aliases must differ)",
                a.target
            );
            commands.insert(command);
        }
    }
    let mut folded = BTreeMap::new();
    for command in &commands {
        if let Some(other) = folded.insert(command.to_ascii_lowercase(), command) {
            bail!(
                "the commands `{other}` and `{command}` differ only in case; their launchers would be the same file on Windows and macOS"
            );
        }
    }
    Ok(commands)
}

/// A command name: what npm links into `bin` and what names a launcher.
fn check_command(command: &str) -> Result<()> {
    let mut chars = command.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
    ensure!(
        ok,
        "`{}` cannot be an npm command name: use letters, digits, `-`, `_`, `.` and `+`, starting with a letter, digit or `_`",
        command.escape_debug()
    );
    Ok(())
}

/// A reproducible gzip tarball of `files` under `package/`.
fn tarball(files: &[PackageFile], mtime: u64) -> Result<Vec<u8>> {
    let mut sorted: Vec<&PackageFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = TarWriter::new(gz, mtime);
    for file in sorted {
        tar.bytes(
            &format!("package/{}", file.path),
            file.executable,
            &file.contents,
        )
        .with_context(|| format!("adding {} to the npm package", file.path))?;
    }
    let mut gz = tar.finish().context("finishing the npm package tarball")?;
    gz.flush().context("compressing the npm package")?;
    gz.finish().context("compressing the npm package")
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::process::Command;

    use super::*;
    use crate::installer::test_support::{self, rendered_artifact as artifact};

    fn sample() -> NpmContext {
        let mut base = test_support::rendered_sample();
        base.artifacts.push(artifact(
            "x86_64-pc-windows-msvc",
            "windows",
            "x86_64",
            "msvc",
        ));
        NpmContext {
            base,
            package_name: "@me/my-tool".to_string(),
            description: Some("A tool".to_string()),
            license: Some("MIT OR Apache-2.0".to_string()),
            repository: Some("https://github.com/o/r".to_string()),
            homepage: Some("https://example.com".to_string()),
            keywords: vec!["cli".to_string()],
        }
    }

    fn file<'a>(files: &'a [PackageFile], path: &str) -> &'a str {
        let f = files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no {path}"));
        std::str::from_utf8(&f.contents).unwrap()
    }

    fn baked_config(install_js: &str) -> serde_json::Value {
        let start = install_js.find("const CONFIG = ").unwrap() + "const CONFIG = ".len();
        let end = start + install_js[start..].find(";\n").unwrap();
        serde_json::from_str(&install_js[start..end]).unwrap()
    }

    #[test]
    fn package_json_maps_every_command_to_a_launcher() {
        let files = package_files(&sample()).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "README.md",
                "install.js",
                "npm-shrinkwrap.json",
                "package.json",
                "run-mt.js",
                "run-my-tool.js"
            ]
        );
        let pkg: serde_json::Value = serde_json::from_str(file(&files, "package.json")).unwrap();
        assert_eq!(pkg["name"], "@me/my-tool");
        assert_eq!(pkg["version"], "0.3.0");
        assert_eq!(pkg["description"], "A tool");
        assert_eq!(pkg["license"], "MIT OR Apache-2.0");
        assert_eq!(pkg["homepage"], "https://example.com");
        assert_eq!(pkg["keywords"], serde_json::json!(["cli"]));
        assert_eq!(
            pkg["repository"],
            serde_json::json!({"type": "git", "url": "git+https://github.com/o/r.git"})
        );
        assert_eq!(
            pkg["bin"],
            serde_json::json!({"mt": "run-mt.js", "my-tool": "run-my-tool.js"})
        );
        assert_eq!(pkg["scripts"]["postinstall"], "node ./install.js");
        assert_eq!(pkg["engines"]["node"], ">=18");
        assert!(pkg.get("dependencies").is_none());
        let listed: Vec<&str> = pkg["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            listed,
            [
                "README.md",
                "install.js",
                "npm-shrinkwrap.json",
                "run-mt.js",
                "run-my-tool.js"
            ]
        );
        // name and version lead, as npm writes them.
        assert!(file(&files, "package.json")
            .starts_with("{\n  \"name\": \"@me/my-tool\",\n  \"version\": \"0.3.0\","));

        let lock: serde_json::Value =
            serde_json::from_str(file(&files, "npm-shrinkwrap.json")).unwrap();
        assert_eq!(lock["lockfileVersion"], 3);
        assert_eq!(lock["packages"].as_object().unwrap().len(), 1);
        assert_eq!(lock["packages"][""]["hasInstallScript"], true);
        assert_eq!(lock["packages"][""]["bin"], pkg["bin"]);

        assert_eq!(
            file(&files, "run-mt.js")
                .lines()
                .filter(|l| l.contains("launch("))
                .collect::<Vec<_>>(),
            ["require('./install.js').launch(\"mt\");"]
        );
        assert!(file(&files, "run-mt.js").starts_with("#!/usr/bin/env node\n"));
        assert!(files
            .iter()
            .all(|f| f.executable == f.path.starts_with("run-")));
    }

    #[test]
    fn install_js_bakes_artifacts_in_node_terms() {
        let files = package_files(&sample()).unwrap();
        let config = baked_config(file(&files, "install.js"));
        assert_eq!(config["package"], "@me/my-tool");
        assert_eq!(
            config["downloadUrl"],
            "https://github.com/o/r/releases/download/v0.3.0"
        );
        assert_eq!(config["env"]["downloadUrl"], "MY_TOOL_DOWNLOAD_URL");
        let artifacts = config["artifacts"].as_array().unwrap();
        let platforms: Vec<(&str, &str, &str)> = artifacts
            .iter()
            .map(|a| {
                (
                    a["platform"].as_str().unwrap(),
                    a["arch"].as_str().unwrap(),
                    a["libc"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            platforms,
            [
                ("linux", "x64", "gnu"),
                ("linux", "x64", "musl"),
                ("darwin", "arm64", "none"),
                ("win32", "x64", "msvc")
            ]
        );
        assert_eq!(artifacts[0]["glibcFloor"], "2.17");
        assert_eq!(artifacts[0]["format"], "tar.xz");
        assert_eq!(artifacts[0]["checksumAlgo"], "sha256");
        assert_eq!(
            artifacts[0]["links"],
            serde_json::json!([{"name": "mt", "target": "my-tool"}])
        );
        assert_eq!(artifacts[3]["format"], "zip");
        assert_eq!(
            artifacts[3]["links"],
            serde_json::json!([{"name": "mt.exe", "target": "my-tool.exe"}])
        );
    }

    #[test]
    fn node_names_of_platforms_and_arches() {
        let mut a = artifact("aarch64-linux-android", "other", "aarch64", "none");
        assert_eq!(node_platform(&a), Some("android"));
        a.target = "x86_64-unknown-illumos".into();
        a.os = "illumos".into();
        assert_eq!(node_platform(&a), Some("sunos"));
        a.target = "wasm32-unknown-unknown".into();
        a.os = "other".into();
        assert_eq!(node_platform(&a), None);
        for (arch, node) in [
            ("x86_64", Some(("x64", None, None))),
            ("aarch64", Some(("arm64", None, None))),
            ("i686", Some(("ia32", None, None))),
            ("armv7", Some(("arm", Some(7), None))),
            ("arm", Some(("arm", Some(6), None))),
            ("powerpc64le", Some(("ppc64", None, Some("LE")))),
            ("powerpc64", Some(("ppc64", None, Some("BE")))),
            ("riscv64gc", Some(("riscv64", None, None))),
            ("s390x", Some(("s390x", None, None))),
            ("loongarch64", Some(("loong64", None, None))),
            ("wasm32", None),
            ("thumbv6m", None),
        ] {
            assert_eq!(node_arch(arch), node, "{arch}");
        }
        assert_eq!(node_hash("blake2b"), Some(("blake2b512", 128)));
        assert_eq!(node_hash("blake2s"), Some(("blake2s256", 64)));
        assert_eq!(node_hash("md5"), None);
    }

    #[test]
    fn artifacts_node_cannot_run_are_left_out() {
        let mut ctx = sample();
        ctx.base
            .artifacts
            .push(artifact("wasm32-wasip1", "other", "wasm32", "none"));
        let files = package_files(&ctx).unwrap();
        let config = baked_config(file(&files, "install.js"));
        assert_eq!(config["artifacts"].as_array().unwrap().len(), 4);

        ctx.base.artifacts = vec![artifact("wasm32-wasip1", "other", "wasm32", "none")];
        let err = package_files(&ctx).unwrap_err().to_string();
        assert!(
            err.contains("no artifact for a platform Node runs on"),
            "{err}"
        );
    }

    #[test]
    fn repository_urls_are_normalized_like_npm() {
        let url = |u: &str| repository(u).url;
        assert_eq!(
            url("https://github.com/o/r"),
            "git+https://github.com/o/r.git"
        );
        assert_eq!(
            url("https://github.com/o/r/"),
            "git+https://github.com/o/r.git"
        );
        assert_eq!(
            url("https://github.com/o/r.git"),
            "git+https://github.com/o/r.git"
        );
        assert_eq!(
            url("https://git.example.com/o/r"),
            "git+https://git.example.com/o/r"
        );
        assert_eq!(url("git@github.com:o/r.git"), "git@github.com:o/r.git");
    }

    #[test]
    fn bad_contexts_are_refused() {
        type Change = fn(&mut NpmContext);
        let cases: Vec<(&str, Change)> = vec![
            ("invalid npm package name", |c| {
                c.package_name = "My-Tool".into()
            }),
            ("not a semver version", |c| {
                c.base.app_version = "1.2".into()
            }),
            ("http(s) download URL", |c| {
                c.base.download_url = "file:///tmp".into()
            }),
            ("no artifacts", |c| c.base.artifacts.clear()),
            ("cannot unpack `tar.bz2`", |c| {
                c.base.artifacts[0].format = ".tar.bz2".into()
            }),
            ("unknown checksum algorithm", |c| {
                c.base.artifacts[0].checksum_algo = Some("md5".into())
            }),
            ("not 64 hex digits", |c| {
                c.base.artifacts[0].checksum = Some("abc".into())
            }),
            ("not known yet", |c| c.base.artifacts[0].checksum = None),
            ("no checksum algorithm", |c| {
                c.base.artifacts[0].checksum_algo = None
            }),
            ("is not a plain file name", |c| {
                c.base.artifacts[0].archive = "../x.tar.xz".into()
            }),
            ("relative path", |c| {
                c.base.artifacts[0].prefix = Some("../up".into())
            }),
            ("npm command name", |c| {
                c.base.artifacts[0].binaries = vec!["-rf".into()]
            }),
            ("npm command name", |c| {
                c.base.aliases.insert("my-tool".into(), vec!["a b".into()]);
            }),
            ("appears twice", |c| {
                c.base.artifacts[0].binaries.push("mt".into());
            }),
            ("differ only in case", |c| {
                c.base
                    .aliases
                    .insert("my-tool".into(), vec!["My-Tool".into()]);
            }),
            ("not a version", |c| {
                c.base.artifacts[0].glibc_floor = Some("new".into())
            }),
        ];
        for (needle, change) in cases {
            let mut ctx = sample();
            change(&mut ctx);
            let err = match package_files(&ctx) {
                Ok(_) => panic!("expected an error with `{needle}`"),
                Err(e) => format!("{e:#}"),
            };
            assert!(err.contains(needle), "expected `{needle}` in: {err}");
        }
    }

    #[test]
    fn no_checksum_configured_installs_unverified() {
        let mut ctx = sample();
        for a in &mut ctx.base.artifacts {
            a.checksum_algo = None;
            a.checksum = None;
        }
        let files = package_files(&ctx).unwrap();
        let config = baked_config(file(&files, "install.js"));
        assert!(config["artifacts"][0]["checksumAlgo"].is_null());
        assert!(file(&files, "README.md").contains("skips verification"));
    }

    #[test]
    fn package_names() {
        for ok in [
            "my-tool",
            "@me/my-tool",
            "a",
            "tool.js",
            "under_score",
            "@my-org/x-1.2",
            "http-server",
            "@scope/http",
        ] {
            assert_eq!(validate_package_name(ok), Ok(()), "{ok}");
        }
        let long = "a".repeat(215);
        for (bad, why) in [
            ("", "empty"),
            (".hidden", "cannot start with `.` or `_`"),
            ("_private", "cannot start with `.` or `_`"),
            ("My-Tool", "lowercase"),
            ("my tool", "` `"),
            (" my-tool", "whitespace"),
            ("my~tool", "`~`"),
            ("my!tool", "`!`"),
            ("tool(1)", "`(`"),
            ("a/b", "`/`"),
            ("@scope", "`@scope/name`"),
            ("@/name", "`@scope/name`"),
            ("@scope/", "`@scope/name`"),
            ("@scope/a/b", "`/`"),
            ("@sc ope/a", "` `"),
            ("@scope/.x", "starts with `.`"),
            ("http", "core module"),
            ("fs", "core module"),
            ("node_modules", "reserves"),
            ("favicon.ico", "reserves"),
            ("caf\u{e9}", "`\u{e9}`"),
            (long.as_str(), "at most 214"),
        ] {
            let err = validate_package_name(bad).expect_err(bad);
            assert!(err.contains(why), "{bad:?}: expected `{why}` in: {err}");
        }
        assert_eq!(validate_package_name(&"a".repeat(214)), Ok(()));
    }

    #[test]
    fn tarball_is_reproducible_with_fixed_metadata() {
        let ctx = sample();
        let one = render_package(&ctx, 1_700_000_000).unwrap();
        let two = render_package(&ctx, 1_700_000_000).unwrap();
        assert_eq!(one, two);
        assert_ne!(one, render_package(&ctx, 1_700_000_001).unwrap());
        // gzip magic, then a zero mtime in the header.
        assert_eq!(&one[..2], &[0x1f, 0x8b]);
        assert_eq!(&one[4..8], &[0, 0, 0, 0]);

        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(one.as_slice()));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            assert_eq!(header.mtime().unwrap(), 1_700_000_000, "{path}");
            assert_eq!(
                (header.uid().unwrap(), header.gid().unwrap()),
                (0, 0),
                "{path}"
            );
            assert_eq!(header.username().unwrap(), Some(""), "{path}");
            let mode = header.mode().unwrap();
            assert_eq!(
                mode,
                if path.contains("/run-") { 0o755 } else { 0o644 },
                "{path}"
            );
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            assert!(!text.is_empty());
            seen.push(path);
        }
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert!(seen.iter().all(|p| p.starts_with("package/")));
        assert!(seen.contains(&"package/package.json".to_string()));
    }

    /// `node --check` on every script, where node is installed.
    #[test]
    fn scripts_are_valid_javascript() {
        let files = package_files(&sample()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for f in files.iter().filter(|f| f.path.ends_with(".js")) {
            let path = dir.path().join(&f.path);
            std::fs::write(&path, &f.contents).unwrap();
            match Command::new("node").arg("--check").arg(&path).output() {
                Ok(out) => assert!(
                    out.status.success(),
                    "node --check {}: {}",
                    f.path,
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(e) => {
                    eprintln!("note: no node to check the scripts' syntax: {e}");
                    return;
                }
            }
        }
    }
}
