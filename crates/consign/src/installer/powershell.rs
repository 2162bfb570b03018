//! The PowerShell installer, `{app}-installer.ps1`, for Windows PowerShell 5.1
//! and PowerShell 7.
//!
//! Every decision that doesn't depend on the machine is made here, in Rust:
//! which artifacts are Windows builds, the order they're tried in for each
//! architecture (native before emulated, msvc before gnu), the `Get-FileHash`
//! algorithm for each checksum, the install-path expressions and the alias
//! file names. The template (`templates/installer.ps1.j2`) only loops and
//! branches over the result.
//!
//! Every value reaches the template as a finished PowerShell expression
//! ([`ps_quote`], [`ps_array`], `$true`/`$false`, `$null`), never as raw
//! text, so no value can break out of its string. Those expressions are pure
//! ASCII: Windows PowerShell 5.1 reads a script without a byte-order mark in
//! the ANSI code page, so any other character is spelled `[char]0xNNNN`.
//!
//! `-Verbose` is PowerShell's own common parameter: the script declares
//! `[CmdletBinding()]` and reads `$VerbosePreference`, rather than adding a
//! `-VerboseInstall` switch.

use std::fmt::Write as _;

use anyhow::{bail, Context as _};
use minijinja::{context, Value};

use super::{
    check_file_name, AppInput, Contribution, InstallPathSpec, InstallerArtifact, InstallerContext,
};
use crate::targets::Os;

/// The plan contribution: `{app}-installer.ps1`, for every Windows target.
pub fn plan(app: &AppInput<'_>) -> Contribution {
    Contribution {
        file: format!("{}-installer.ps1", app.name),
        targets: app.targets_where(|os| os == Os::Windows),
        description: "Install prebuilt binaries with PowerShell",
    }
}

/// The built script.
pub fn build(ctx: &InstallerContext) -> anyhow::Result<super::Built> {
    Ok(super::Built {
        bytes: render(ctx)?.into_bytes(),
        executable: false,
        assets: None,
    })
}

/// `irm ... | iex` of the installer at `url`.
pub fn install_hint(url: &str) -> String {
    format!("powershell -ExecutionPolicy Bypass -c \"irm {url} | iex\"")
}

const TEMPLATE_NAME: &str = "installer.ps1.j2";
const TEMPLATE: &str = include_str!("../../templates/installer.ps1.j2");

/// The download-URL override every installer honours, besides the app's own
/// `{APP}_DOWNLOAD_URL`.
const GENERIC_DOWNLOAD_URL_VAR: &str = "INSTALLER_DOWNLOAD_URL";

/// The architectures the script detects (`x64`, `arm64`, `x86`), each with the
/// architectures whose builds it can run, best first: arm64 Windows emulates
/// x64 (Windows 11) and x86; x64 Windows runs x86 builds through WOW64.
const ARCH_FALLBACKS: [(&str, &[&str]); 3] = [
    ("x64", &["x64", "x86"]),
    ("arm64", &["arm64", "x64", "x86"]),
    ("x86", &["x86"]),
];

/// Renders `{app}-installer.ps1` for `ctx`.
///
/// Only the artifacts whose `os` is `windows` are installable by it. Fails
/// when a baked value can't be right: a checksum that isn't hex of the
/// algorithm's length, or a binary, alias or prefix that isn't a plain file
/// name.
pub fn render(ctx: &InstallerContext) -> anyhow::Result<String> {
    let value = render_context(ctx)?;
    let script = super::render_template(TEMPLATE_NAME, TEMPLATE, value)
        .with_context(|| format!("rendering the PowerShell installer of {}", ctx.app_name))?;
    Ok(script)
}

/// A PowerShell expression for the string `s`: a single-quoted literal, in
/// which the only special characters are the quotes (`'` and the typographic
/// single quotes U+2018..U+201B, which PowerShell also accepts), escaped by
/// doubling. Characters outside printable ASCII are appended as `[char]`
/// codes (UTF-16 units), giving `('caf' + [char]0x00E9)`.
fn ps_quote(s: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut literal = String::new();
    let mut units = [0u16; 2];
    for c in s.chars() {
        if c == '\'' {
            literal.push_str("''");
        } else if c == ' ' || c.is_ascii_graphic() {
            literal.push(c);
        } else {
            if !literal.is_empty() || parts.is_empty() {
                parts.push(format!("'{}'", std::mem::take(&mut literal)));
            }
            for unit in c.encode_utf16(&mut units) {
                parts.push(format!("[char]0x{unit:04X}"));
            }
        }
    }
    if parts.is_empty() {
        return format!("'{literal}'");
    }
    if !literal.is_empty() {
        parts.push(format!("'{literal}'"));
    }
    format!("({})", parts.join(" + "))
}

/// `$null`, or the quoted string.
fn ps_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "$null".to_string(), ps_quote)
}

/// `@('a', 'b')`: an array even with one element or none.
fn ps_array<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|s| ps_quote(s.as_ref())).collect();
    format!("@({})", quoted.join(", "))
}

/// The PowerShell-side name of a triple's architecture, for those the script
/// can detect.
fn ps_arch(arch: &str) -> Option<&'static str> {
    match arch {
        "x86_64" => Some("x64"),
        "aarch64" | "arm64ec" => Some("arm64"),
        "i686" | "i586" | "i386" => Some("x86"),
        _ => None,
    }
}

/// msvc builds are preferred to gnu ones: they need no MinGW runtime.
fn libc_rank(libc: &str) -> u8 {
    match libc {
        "msvc" => 0,
        "gnu" => 1,
        _ => 2,
    }
}

fn arch_rank(arch: &str) -> usize {
    ARCH_FALLBACKS
        .iter()
        .position(|(a, _)| ps_arch(arch) == Some(a))
        .unwrap_or(ARCH_FALLBACKS.len())
}

/// The context's Windows artifacts, in the order the script lists them: by
/// architecture (x64, arm64, x86, others), then msvc before gnu, then target.
fn windows_artifacts(ctx: &InstallerContext) -> Vec<&InstallerArtifact> {
    let mut artifacts: Vec<&InstallerArtifact> =
        ctx.artifacts.iter().filter(|a| a.os == "windows").collect();
    artifacts.sort_by(|a, b| {
        (arch_rank(&a.arch), libc_rank(&a.libc), &a.target).cmp(&(
            arch_rank(&b.arch),
            libc_rank(&b.libc),
            &b.target,
        ))
    });
    artifacts
}

/// For each architecture the script detects: indexes into `artifacts` to try,
/// best first.
fn candidates(artifacts: &[&InstallerArtifact]) -> Vec<(&'static str, Vec<usize>)> {
    ARCH_FALLBACKS
        .iter()
        .map(|(host, runs)| {
            let mut indexes = Vec::new();
            for arch in *runs {
                let mut native: Vec<usize> = (0..artifacts.len())
                    .filter(|&i| ps_arch(&artifacts[i].arch) == Some(arch))
                    .collect();
                native.sort_by_key(|&i| libc_rank(&artifacts[i].libc));
                indexes.extend(native);
            }
            (*host, indexes)
        })
        .collect()
}

/// How the script computes a digest: a `Get-FileHash -Algorithm` name, else
/// a .NET type (SHA-3, .NET 8+ only), else neither (a loud warning).
fn hash_method(algo: &str) -> (Option<&'static str>, Option<&'static str>) {
    match algo {
        "sha256" => (Some("SHA256"), None),
        "sha512" => (Some("SHA512"), None),
        "sha3-256" => (None, Some("System.Security.Cryptography.SHA3_256")),
        "sha3-512" => (None, Some("System.Security.Cryptography.SHA3_512")),
        _ => (None, None),
    }
}

/// The hex length of a digest, for the algorithms consign knows.
fn digest_hex_len(algo: &str) -> Option<usize> {
    match algo {
        "sha256" | "sha3-256" | "blake2s" => Some(64),
        "sha512" | "sha3-512" | "blake2b" => Some(128),
        _ => None,
    }
}

/// The lowercase checksum, after checking it fits its algorithm.
fn checked_checksum(a: &InstallerArtifact) -> anyhow::Result<Option<String>> {
    checked_checksum_of(
        &a.archive,
        a.checksum_algo.as_deref(),
        a.checksum.as_deref(),
    )
}

/// The lowercase checksum of the file `name`, after checking it fits `algo`.
fn checked_checksum_of(
    name: &str,
    algo: Option<&str>,
    checksum: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let Some(checksum) = checksum else {
        return Ok(None);
    };
    let Some(algo) = algo else {
        bail!("{name}: a checksum without a checksum algorithm");
    };
    if checksum.is_empty() || !checksum.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("{name}: the {algo} checksum {checksum:?} is not hex");
    }
    if let Some(len) = digest_hex_len(algo) {
        if checksum.len() != len {
            bail!(
                "{name}: the {algo} checksum has {} hex digits, not {len}",
                checksum.len()
            );
        }
    }
    Ok(Some(checksum.to_ascii_lowercase()))
}

fn exe_name(name: &str) -> String {
    if name.to_ascii_lowercase().ends_with(".exe") {
        name.to_string()
    } else {
        format!("{name}.exe")
    }
}

/// `(binary, alias)` file names for the artifact: the configured aliases of
/// the binaries it contains, both with `.exe`.
fn aliases(ctx: &InstallerContext, a: &InstallerArtifact) -> anyhow::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for (bin, names) in &ctx.aliases {
        let Some(binary) = a
            .binaries
            .iter()
            .find(|b| *b == bin || **b == exe_name(bin))
        else {
            continue;
        };
        for name in names {
            let alias = exe_name(name);
            check_file_name("alias", &alias)?;
            if alias.eq_ignore_ascii_case(binary) {
                continue;
            }
            pairs.push((binary.clone(), alias));
        }
    }
    Ok(pairs)
}

fn artifact_value(
    ctx: &InstallerContext,
    a: &InstallerArtifact,
    base_url: &str,
) -> anyhow::Result<Value> {
    for binary in &a.binaries {
        check_file_name("binary", binary)?;
    }
    check_file_name("archive", &a.archive)?;
    if let Some(prefix) = &a.prefix {
        check_file_name("archive prefix", prefix)?;
    }
    let checksum = checked_checksum(a)?;
    let (file_hash, dotnet_hash) = a.checksum_algo.as_deref().map_or((None, None), hash_method);
    let url = (!base_url.is_empty()).then(|| format!("{base_url}/{}", a.archive));
    let updater = a.updater.as_ref();
    if let Some(u) = updater {
        check_file_name("updater artifact", &u.artifact)?;
    }
    let updater_checksum = match updater {
        Some(u) => checked_checksum_of(
            &u.artifact,
            a.checksum_algo.as_deref(),
            u.checksum.as_deref(),
        )?,
        None => None,
    };
    let updater_url = updater
        .filter(|_| !base_url.is_empty())
        .map(|u| format!("{base_url}/{}", u.artifact));
    let aliases: Vec<Value> = aliases(ctx, a)?
        .into_iter()
        .map(|(binary, alias)| {
            context! {
                binary => ps_quote(&binary),
                alias => ps_quote(&alias),
            }
        })
        .collect();
    Ok(context! {
        target => ps_quote(&a.target),
        arch => ps_quote(ps_arch(&a.arch).unwrap_or(&a.arch)),
        libc => ps_quote(&a.libc),
        archive => ps_quote(&a.archive),
        url => ps_opt(url.as_deref()),
        format => ps_quote(&a.format),
        prefix => ps_opt(a.prefix.as_deref()),
        checksum_algo => ps_opt(a.checksum_algo.as_deref()),
        checksum => ps_opt(checksum.as_deref()),
        file_hash_algorithm => ps_opt(file_hash),
        dotnet_hash_type => ps_opt(dotnet_hash),
        binaries => ps_array(&a.binaries),
        updater => ps_opt(updater.map(|u| u.artifact.as_str())),
        updater_url => ps_opt(updater_url.as_deref()),
        updater_checksum => ps_opt(updater_checksum.as_deref()),
        aliases => aliases,
    })
}

/// Windows spelling of a `/`-separated subdirectory.
fn windows_subdir(subdir: &str) -> String {
    subdir.trim_matches('/').replace('/', "\\")
}

fn install_path_value(spec: &InstallPathSpec) -> Value {
    match spec {
        InstallPathSpec::CargoHome => context! { kind => "cargo-home" },
        InstallPathSpec::HomeSubdir { subdir } => {
            let subdir = windows_subdir(subdir);
            context! {
                kind => "home-subdir",
                has_subdir => !subdir.is_empty(),
                subdir => ps_quote(&subdir),
            }
        }
        InstallPathSpec::EnvSubdir { var, subdir } => {
            let subdir = windows_subdir(subdir);
            context! {
                kind => "env-subdir",
                var => ps_quote(var),
                has_subdir => !subdir.is_empty(),
                subdir => ps_quote(&subdir),
            }
        }
    }
}

fn render_context(ctx: &InstallerContext) -> anyhow::Result<Value> {
    check_file_name("app name", &ctx.app_name)?;
    let base_url = ctx.download_url.trim_end_matches('/');
    let windows = windows_artifacts(ctx);
    let artifacts = windows
        .iter()
        .map(|a| artifact_value(ctx, a, base_url))
        .collect::<anyhow::Result<Vec<Value>>>()?;
    let candidates: Vec<Value> = candidates(&windows)
        .into_iter()
        .map(|(arch, indexes)| {
            let mut list = String::new();
            for (n, i) in indexes.iter().enumerate() {
                if n > 0 {
                    list.push_str(", ");
                }
                let _ = write!(list, "{i}");
            }
            context! { arch => ps_quote(arch), indexes => list }
        })
        .collect();
    let install_paths: Vec<Value> = ctx.install_paths.iter().map(install_path_value).collect();
    let env = &ctx.env;
    Ok(context! {
        app_name => ps_quote(&ctx.app_name),
        app_version => ps_quote(&ctx.app_version),
        download_url => ps_quote(base_url),
        success_msg => ps_opt(ctx.success_msg.as_deref()),
        release_type => ps_quote(&ctx.source.release_type),
        source_owner => ps_opt(ctx.source.owner.as_deref()),
        source_name => ps_opt(ctx.source.name.as_deref()),
        provider_version => ps_quote(env!("CARGO_PKG_VERSION")),
        receipt_relative_path => ps_quote(&format!("{0}\\{0}-receipt.json", ctx.app_name)),
        all_targets => ps_array(ctx.artifacts.iter().map(|a| &a.target)),
        env_install_dir => ps_quote(&env.install_dir_env_var),
        forced_layout => ps_quote(ctx.forced_install_layout()),
        forced_layout_is_cargo_home => ctx.forced_install_layout() == "cargo-home",
        env_unmanaged_install => ps_quote(&env.unmanaged_dir_env_var),
        env_no_modify_path => ps_quote(&env.no_modify_path_env_var),
        env_print_quiet => ps_quote(&env.print_quiet_env_var),
        env_print_verbose => ps_quote(&env.print_verbose_env_var),
        env_download_url => ps_quote(&env.download_url_env_var),
        env_disable_update => ps_quote(&env.disable_update_env_var),
        env_generic_download_url => ps_quote(GENERIC_DOWNLOAD_URL_VAR),
        artifacts => artifacts,
        candidates => candidates,
        install_paths => install_paths,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::installer::{test_support, ReceiptSource};

    const BASE: &str = "https://github.com/o/r/releases/download/v1.2.3";

    fn artifact(target: &str, algo: Option<&str>, checksum: Option<&str>) -> InstallerArtifact {
        let mut parts = target.split('-');
        let arch = parts.next().unwrap().to_string();
        let (os, libc, format, exe) = if target.contains("windows") {
            let libc = if target.ends_with("msvc") {
                "msvc"
            } else {
                "gnu"
            };
            ("windows", libc, ".zip", ".exe")
        } else if target.contains("apple") {
            ("macos", "none", ".tar.xz", "")
        } else {
            let libc = if target.ends_with("musl") {
                "musl"
            } else {
                "gnu"
            };
            ("linux", libc, ".tar.xz", "")
        };
        InstallerArtifact {
            target: target.to_string(),
            os: os.to_string(),
            arch,
            libc: libc.to_string(),
            archive: format!("my-tool-{target}{format}"),
            format: format.to_string(),
            prefix: Some(format!("my-tool-{target}")),
            checksum_algo: algo.map(str::to_string),
            checksum: checksum.map(str::to_string),
            binaries: vec![format!("my-tool{exe}"), format!("helper{exe}")],
            glibc_floor: None,
            updater: None,
        }
    }

    fn hex(c: char, len: usize) -> String {
        std::iter::repeat_n(c, len).collect()
    }

    fn ctx(artifacts: Vec<InstallerArtifact>) -> InstallerContext {
        InstallerContext {
            aliases: BTreeMap::new(),
            ..test_support::context("1.2.3", BASE, artifacts)
        }
    }

    /// A release like a real one: gnu listed before msvc (so the order must
    /// come from the installer), Linux and macOS builds to filter out.
    fn full_ctx() -> InstallerContext {
        ctx(vec![
            artifact(
                "x86_64-unknown-linux-gnu",
                Some("sha256"),
                Some(&hex('1', 64)),
            ),
            artifact("x86_64-pc-windows-gnu", Some("sha256"), Some(&hex('2', 64))),
            artifact(
                "x86_64-pc-windows-msvc",
                Some("sha256"),
                Some(&hex('3', 64)),
            ),
            artifact(
                "aarch64-pc-windows-msvc",
                Some("sha256"),
                Some(&hex('4', 64)),
            ),
            artifact("aarch64-apple-darwin", Some("sha256"), Some(&hex('5', 64))),
            artifact("i686-pc-windows-msvc", Some("sha256"), Some(&hex('6', 64))),
        ])
    }

    fn render_ok(ctx: &InstallerContext) -> String {
        let script = render(ctx).expect("renders");
        check_script(&script);
        script
    }

    /// What every rendered script must satisfy.
    fn check_script(script: &str) {
        let code = code_only(script).unwrap_or_else(|e| panic!("{e}"));
        for delim in ["{{", "}}", "{%", "%}", "{#", "#}"] {
            assert!(!code.contains(delim), "unrendered {delim:?} in the script");
        }
        assert!(
            script.is_ascii(),
            "the script must be ASCII for PowerShell 5.1"
        );
        if let Err(e) = check_balanced(script) {
            panic!("unbalanced script: {e}");
        }
    }

    /// `src` with the contents of strings (single-quoted with `''`,
    /// double-quoted with `` ` `` escapes and `""`, here-strings) and of
    /// comments (`#` to the end of the line, `<# ... #>`) blanked out, line
    /// breaks kept: what PowerShell reads as code.
    fn code_only(src: &str) -> Result<String, String> {
        let chars: Vec<char> = src.chars().collect();
        let line = |i: usize| chars[..i].iter().filter(|&&c| c == '\n').count() + 1;
        let is_quote = |c: char| matches!(c, '\'' | '\u{2018}'..='\u{201B}');
        let is_dquote = |c: char| matches!(c, '"' | '\u{201C}'..='\u{201E}');
        let mut code = String::new();
        // Blanks chars[from..to], keeping line breaks.
        let blank = |code: &mut String, from: usize, to: usize| {
            code.extend(chars[from..to.min(chars.len())].iter().map(|&c| {
                if c == '\n' {
                    c
                } else {
                    ' '
                }
            }));
        };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '<' && next == Some('#') {
                let close = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '#' && chars[j + 1] == '>')
                    .ok_or_else(|| format!("unterminated block comment at line {}", line(i)))?;
                blank(&mut code, i, close + 2);
                i = close + 2;
            } else if c == '#' {
                let end = (i..chars.len())
                    .find(|&j| chars[j] == '\n')
                    .unwrap_or(chars.len());
                blank(&mut code, i, end);
                i = end;
            } else if c == '`' {
                blank(&mut code, i, i + 2);
                i += 2;
            } else if c == '@'
                && next.is_some_and(|n| is_quote(n) || is_dquote(n))
                && matches!(chars.get(i + 2), Some('\n' | '\r'))
            {
                // A here-string ends with its quote and @ at the start of a line.
                let q = next.unwrap();
                let close = (i + 2..chars.len().saturating_sub(2))
                    .find(|&j| chars[j] == '\n' && chars[j + 1] == q && chars[j + 2] == '@')
                    .ok_or_else(|| format!("unterminated here-string at line {}", line(i)))?;
                code.push_str("@'");
                blank(&mut code, i + 2, close + 1);
                code.push_str("'@");
                i = close + 3;
            } else if is_quote(c) || is_dquote(c) {
                let single = is_quote(c);
                let closes = |d: char| if single { is_quote(d) } else { is_dquote(d) };
                let start = i;
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err(format!("unterminated string at line {}", line(start)));
                    };
                    // A backtick escape, or a doubled quote.
                    let escaped = if single { false } else { d == '`' }
                        || (closes(d) && chars.get(i + 1).is_some_and(|&e| closes(e)));
                    if escaped {
                        i += 2;
                    } else if closes(d) {
                        i += 1;
                        break;
                    } else {
                        i += 1;
                    }
                }
                code.push('\'');
                blank(&mut code, start + 1, i - 1);
                code.push('\'');
            } else {
                code.push(c);
                i += 1;
            }
        }
        Ok(code)
    }

    /// Checks that `()`, `{}` and `[]` nest properly in PowerShell source,
    /// ignoring strings and comments.
    fn check_balanced(src: &str) -> Result<(), String> {
        let code = code_only(src)?;
        let mut stack: Vec<(char, usize)> = Vec::new();
        for (n, text) in code.lines().enumerate() {
            for c in text.chars() {
                let want = match c {
                    '(' | '{' | '[' => {
                        stack.push((c, n + 1));
                        continue;
                    }
                    ')' => '(',
                    '}' => '{',
                    ']' => '[',
                    _ => continue,
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Err(format!(
                            "{c:?} at line {} closes {open:?} from line {at}",
                            n + 1
                        ))
                    }
                    None => return Err(format!("unopened {c:?} at line {}", n + 1)),
                }
            }
        }
        match stack.pop() {
            Some((open, at)) => Err(format!("{open:?} from line {at} is never closed")),
            None => Ok(()),
        }
    }

    /// The targets in `$Artifacts`, in order.
    fn listed_targets(script: &str) -> Vec<String> {
        script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Target = '"))
            .map(|t| t.trim_end_matches('\'').to_string())
            .collect()
    }

    /// The `@{ ... }` block of `$Artifacts` for `target`.
    fn artifact_block<'a>(script: &'a str, target: &str) -> &'a str {
        let start = script
            .find(&format!("Target = '{target}'"))
            .unwrap_or_else(|| panic!("{target} is not listed"));
        let end = script[start..].find("\n        }\n").expect("block end");
        &script[start..start + end]
    }

    /// The targets tried, in order, on a machine reporting `arch`.
    fn candidate_targets(script: &str, arch: &str) -> Vec<String> {
        let targets = listed_targets(script);
        let prefix = format!("'{arch}' = @(");
        let line = script
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no candidates for {arch}"));
        let list = line[prefix.len()..].trim_end_matches(')');
        list.split(", ")
            .filter(|s| !s.is_empty())
            .map(|i| targets[i.parse::<usize>().unwrap()].clone())
            .collect()
    }

    /// The body of a function defined in the script.
    fn function<'a>(script: &'a str, name: &str) -> &'a str {
        let start = script
            .find(&format!("function {name}"))
            .unwrap_or_else(|| panic!("no function {name}"));
        let end = script[start..].find("\n    }\n").expect("function end");
        &script[start..start + end]
    }

    #[test]
    fn ps_quote_escapes_every_quote() {
        assert_eq!(ps_quote("my-tool"), "'my-tool'");
        assert_eq!(ps_quote(""), "''");
        assert_eq!(ps_quote("it's"), "'it''s'");
        assert_eq!(ps_quote("''"), "''''''");
        assert_eq!(ps_quote("$env:X `n \"q\""), "'$env:X `n \"q\"'");
        // Typographic quotes also end a PowerShell single-quoted string: they
        // are spelled as [char] codes, like every non-ASCII character.
        assert_eq!(ps_quote("a\u{2019}b"), "('a' + [char]0x2019 + 'b')");
        assert_eq!(ps_quote("caf\u{e9}"), "('caf' + [char]0x00E9)");
        assert_eq!(
            ps_quote("\u{e9}t\u{e9}"),
            "('' + [char]0x00E9 + 't' + [char]0x00E9)"
        );
        assert_eq!(ps_quote("\u{1F680}"), "('' + [char]0xD83D + [char]0xDE80)");
        assert_eq!(ps_quote("a\nb"), "('a' + [char]0x000A + 'b')");
        assert_eq!(ps_opt(None), "$null");
        assert_eq!(ps_opt(Some("x'")), "'x'''");
        assert_eq!(ps_array(["a.exe", "b'c.exe"]), "@('a.exe', 'b''c.exe')");
        assert_eq!(ps_array(Vec::<String>::new()), "@()");
    }

    #[test]
    fn ps_quote_output_is_always_balanced_ascii() {
        for s in [
            "'",
            "'(",
            "}'{",
            "\u{2018}'\u{201B}",
            "\"",
            "`",
            "#",
            "<#",
            "@'",
            "\r\n\t\0",
        ] {
            let quoted = ps_quote(s);
            assert!(quoted.is_ascii(), "{quoted}");
            check_balanced(&format!("$x = {quoted}\n")).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        }
    }

    #[test]
    fn balance_checker_catches_mistakes_and_skips_strings() {
        assert!(check_balanced("if ($a) { $b = @(1, 2)[0] }").is_ok());
        assert!(check_balanced("$s = ')}]'; $t = \"(`\"{\"\"\"; # ({[\n<# ) #>").is_ok());
        assert!(check_balanced("$h = @'\n)}\n'@\n").is_ok());
        assert!(check_balanced("if ($a) { $b").is_err());
        assert!(check_balanced("($a))").is_err());
        assert!(check_balanced("{ ( }").is_err());
        assert!(check_balanced("$s = 'open").is_err());
    }

    #[test]
    fn leaves_no_template_syntax_behind() {
        let script = render_ok(&full_ctx());
        for delim in ["{{", "}}", "{%", "%}", "{#", "#}"] {
            assert!(
                !script.contains(delim),
                "unrendered {delim:?} in the script"
            );
        }
        assert!(script.starts_with("<#\n.SYNOPSIS\n"));
        assert!(script.ends_with("($VerbosePreference -ne 'SilentlyContinue')\n"));
    }

    #[test]
    fn bakes_url_and_checksum_per_target() {
        let script = render_ok(&full_ctx());
        for (target, digit) in [
            ("x86_64-pc-windows-gnu", '2'),
            ("x86_64-pc-windows-msvc", '3'),
            ("aarch64-pc-windows-msvc", '4'),
            ("i686-pc-windows-msvc", '6'),
        ] {
            let block = artifact_block(&script, target);
            let archive = format!("my-tool-{target}.zip");
            assert!(block.contains(&format!("Archive = '{archive}'")), "{block}");
            assert!(
                block.contains(&format!("Url = '{BASE}/{archive}'")),
                "{block}"
            );
            assert!(
                block.contains(&format!("Checksum = '{}'", hex(digit, 64))),
                "{block}"
            );
            assert!(block.contains("ChecksumAlgo = 'sha256'"), "{block}");
            assert!(
                block.contains(&format!("Prefix = 'my-tool-{target}'")),
                "{block}"
            );
            assert!(block.contains("Format = '.zip'"), "{block}");
            assert!(
                block.contains("Binaries = @('my-tool.exe', 'helper.exe')"),
                "{block}"
            );
        }
        assert!(script.contains(&format!("$DownloadUrl = '{BASE}'")));
        assert!(script.contains("$AppName = 'my-tool'"));
        assert!(script.contains("$AppVersion = '1.2.3'"));
    }

    #[test]
    fn lists_exactly_the_windows_artifacts_of_the_context() {
        let ctx = full_ctx();
        let script = render_ok(&ctx);
        let mut expected: Vec<String> = ctx
            .artifacts
            .iter()
            .filter(|a| a.os == "windows")
            .map(|a| a.target.clone())
            .collect();
        let mut listed = listed_targets(&script);
        expected.sort();
        listed.sort();
        assert_eq!(listed, expected);
        // Every Windows artifact can be chosen on some machine, and nothing else.
        let mut reachable: Vec<String> = ["x64", "arm64", "x86"]
            .iter()
            .flat_map(|arch| candidate_targets(&script, arch))
            .collect();
        reachable.sort();
        reachable.dedup();
        assert_eq!(reachable, expected);
        // The error for an unsupported machine lists every target of the release.
        let all: Vec<&str> = ctx.artifacts.iter().map(|a| a.target.as_str()).collect();
        assert!(script.contains(&format!("$AllTargets = {}", ps_array(&all))));
    }

    #[test]
    fn prefers_msvc_to_gnu_and_native_to_emulated() {
        let script = render_ok(&full_ctx());
        assert_eq!(
            candidate_targets(&script, "x64"),
            [
                "x86_64-pc-windows-msvc",
                "x86_64-pc-windows-gnu",
                "i686-pc-windows-msvc"
            ]
        );
        assert_eq!(
            candidate_targets(&script, "arm64"),
            [
                "aarch64-pc-windows-msvc",
                "x86_64-pc-windows-msvc",
                "x86_64-pc-windows-gnu",
                "i686-pc-windows-msvc"
            ]
        );
        assert_eq!(candidate_targets(&script, "x86"), ["i686-pc-windows-msvc"]);
        // The script takes the first candidate for the detected architecture.
        let select = function(&script, "Select-Artifact");
        assert!(
            select.contains("$indexes = @($Candidates[$Arch])"),
            "{select}"
        );
        assert!(
            select.contains("$artifact = $Artifacts[$indexes[0]]"),
            "{select}"
        );
    }

    #[test]
    fn arm64_falls_back_to_x64_under_emulation() {
        let script = render_ok(&ctx(vec![
            artifact("x86_64-pc-windows-gnu", None, None),
            artifact("x86_64-pc-windows-msvc", None, None),
        ]));
        assert_eq!(
            candidate_targets(&script, "arm64"),
            ["x86_64-pc-windows-msvc", "x86_64-pc-windows-gnu"]
        );
        assert_eq!(candidate_targets(&script, "x86"), Vec::<String>::new());
        let select = function(&script, "Select-Artifact");
        assert!(select.contains("if ($artifact.Arch -ne $Arch)"), "{select}");
        assert!(select.contains("under emulation"), "{select}");
        assert!(artifact_block(&script, "x86_64-pc-windows-msvc").contains("Arch = 'x64'"));
    }

    #[test]
    fn detects_the_architecture_with_a_fallback() {
        let script = render_ok(&full_ctx());
        let detect = function(&script, "Get-HostArchitecture");
        assert!(detect.contains("'System.Runtime.InteropServices.RuntimeInformation' -as [type]"));
        assert!(detect.contains("::OSArchitecture"));
        assert!(detect.contains("$env:PROCESSOR_ARCHITEW6432"));
        assert!(detect.contains("$env:PROCESSOR_ARCHITECTURE"));
        let names = function(&script, "ConvertTo-ArchName");
        for (from, to) in [
            ("amd64", "x64"),
            ("x64", "x64"),
            ("arm64", "arm64"),
            ("x86", "x86"),
        ] {
            assert!(
                names.contains(&format!("'{from}' {{ return '{to}' }}")),
                "{from}"
            );
        }
    }

    #[test]
    fn no_windows_build_gives_a_clear_error() {
        let script = render_ok(&ctx(vec![artifact("x86_64-unknown-linux-gnu", None, None)]));
        assert!(listed_targets(&script).is_empty());
        for arch in ["x64", "arm64", "x86"] {
            assert!(candidate_targets(&script, arch).is_empty());
        }
        assert!(script.contains("$AllTargets = @('x86_64-unknown-linux-gnu')"));
        let select = function(&script, "Select-Artifact");
        assert!(
            select.contains("'. Supported targets: ' + $supported"),
            "{select}"
        );
    }

    #[test]
    fn renders_every_install_path_kind() {
        let mut c = full_ctx();
        c.install_paths = vec![
            InstallPathSpec::EnvSubdir {
                var: "MY_HOME".into(),
                subdir: "tools/bin".into(),
            },
            InstallPathSpec::EnvSubdir {
                var: "OTHER".into(),
                subdir: String::new(),
            },
            InstallPathSpec::HomeSubdir {
                subdir: ".my-tool/bin".into(),
            },
            InstallPathSpec::CargoHome,
        ];
        let script = render_ok(&c);
        let body = function(&script, "Get-ConfiguredInstallDir");
        let expected = [
            "$base = [Environment]::GetEnvironmentVariable('MY_HOME')",
            "return @{ Prefix = [System.IO.Path]::Combine($base, 'tools\\bin'); Layout = 'flat' }",
            "Write-Detail ('skipping an install path: ' + 'MY_HOME' + ' is not set')",
            "$base = [Environment]::GetEnvironmentVariable('OTHER')",
            "return @{ Prefix = $base; Layout = 'flat' }",
            "return @{ Prefix = [System.IO.Path]::Combine((Get-HomeDirectory), '.my-tool\\bin'); Layout = 'flat' }",
        ];
        let mut at = 0;
        for line in expected {
            let found = body[at..]
                .find(line)
                .unwrap_or_else(|| panic!("{line} missing, in order, from\n{body}"));
            at += found + line.len();
        }
        // The env-subdir entries are skipped when unset; the home one always wins.
        assert_eq!(
            body.matches("if (-not [string]::IsNullOrEmpty($base))")
                .count(),
            2
        );

        c.install_paths = vec![InstallPathSpec::CargoHome];
        let script = render_ok(&c);
        let body = function(&script, "Get-ConfiguredInstallDir");
        // The Cargo home itself (its bin\ is added later), as cargo-dist's
        // receipts record it.
        assert!(body.contains("return @{ Prefix = (Get-CargoHome); Layout = 'cargo-home' }"));
        let home = function(&script, "Get-CargoHome");
        assert!(home.contains("return $env:CARGO_HOME"));
        assert!(home.contains("return [System.IO.Path]::Combine((Get-HomeDirectory), '.cargo')"));
        assert!(function(&script, "Get-HomeDirectory").contains("return $HOME"));

        c.install_paths = vec![InstallPathSpec::HomeSubdir {
            subdir: String::new(),
        }];
        let body_script = render_ok(&c);
        assert!(function(&body_script, "Get-ConfiguredInstallDir")
            .contains("return @{ Prefix = (Get-HomeDirectory); Layout = 'flat' }"));
    }

    #[test]
    fn forced_install_dir_takes_cargo_dists_layout_and_unmanaged_touches_nothing_else() {
        let script = render_ok(&full_ctx());
        assert!(script.contains("$EnvInstallDir = 'MY_TOOL_INSTALL_DIR'"));
        assert!(script.contains("$EnvUnmanagedInstall = 'MY_TOOL_UNMANAGED_INSTALL'"));
        // A CARGO_HOME install-path: a forced directory is a Cargo home.
        assert!(script.contains("$ForcedInstallLayout = 'cargo-home'\n"));
        let layout = function(&script, "Resolve-InstallLayout");
        // Unmanaged: straight into the given directory, no bin\ added.
        assert!(layout.contains(
            "$dir = Resolve-FullPath $unmanaged\n            return @{ Dir = $dir; Prefix = $dir; Layout = 'flat'; Managed = $false }"
        ));
        // The app's variable, else the generic one cargo-dist's updaters set.
        let app = layout
            .find("$forced = [Environment]::GetEnvironmentVariable($EnvInstallDir)")
            .unwrap();
        let generic = layout
            .find("$forced = $env:CARGO_DIST_FORCE_INSTALL_DIR")
            .unwrap();
        assert!(layout.find("$EnvUnmanagedInstall").unwrap() < app && app < generic);
        assert!(layout.contains(
            "$prefix = Resolve-FullPath $forced\n            $layout = $ForcedInstallLayout"
        ));
        // A flat release still installs into the Cargo home's bin\ when
        // that is the forced directory (an update of a cargo-home install).
        assert!(layout.contains(
            "if (($layout -eq 'flat') -and ((ConvertTo-ComparablePath $prefix) -eq (ConvertTo-ComparablePath (Resolve-FullPath (Get-CargoHome))))) {\n                $layout = 'cargo-home'"
        ));
        // cargo-home: binaries in Prefix\bin; the receipt records Prefix.
        assert!(layout.contains(
            "if ($layout -eq 'cargo-home') { $dir = [System.IO.Path]::Combine($prefix, 'bin') }\n        return @{ Dir = $dir; Prefix = $prefix; Layout = $layout; Managed = $true }"
        ));
        let main = function(&script, "Invoke-Install");
        assert!(main.contains("$installDir = $layout.Dir"));
        assert!(main.contains("$modifyPath = $layout.Managed -and -not $OptNoModifyPath -and -not (Test-EnvFlag $EnvNoModifyPath)"));
        assert!(main.contains("if ($layout.Managed) {\n            Write-Receipt $layout.Prefix $layout.Layout $installed"));
        assert!(
            main.contains("if ($modifyPath) {\n            $pathChanged = Update-Path $installDir")
        );
        let help = function(&script, "Show-Help");
        assert!(
            help.contains("install into DIR\\bin, as into a Cargo home (the receipt records DIR)")
        );
        assert!(help.contains("CARGO_DIST_FORCE_INSTALL_DIR"));

        // Any other install-path: a forced directory is flat.
        let mut c = full_ctx();
        c.install_paths = vec![InstallPathSpec::HomeSubdir {
            subdir: ".my-tool/bin".into(),
        }];
        let script = render_ok(&c);
        assert!(script.contains("$ForcedInstallLayout = 'flat'\n"));
        assert!(function(&script, "Show-Help")
            .contains("install into this directory (DIR\\bin when DIR is the Cargo home)"));
    }

    #[test]
    fn honours_switches_and_environment_variables() {
        let script = render_ok(&full_ctx());
        assert!(script.contains("[CmdletBinding()]\nparam(\n    [switch]$NoModifyPath,\n    [switch]$Quiet,\n    [switch]$Help\n)"));
        assert!(script.contains("} ([bool]$NoModifyPath) ([bool]$Quiet) ([bool]$Help) ($VerbosePreference -ne 'SilentlyContinue')"));
        for (var, name) in [
            ("$EnvNoModifyPath", "MY_TOOL_NO_MODIFY_PATH"),
            ("$EnvPrintQuiet", "MY_TOOL_PRINT_QUIET"),
            ("$EnvPrintVerbose", "MY_TOOL_PRINT_VERBOSE"),
            ("$EnvDownloadUrl", "MY_TOOL_DOWNLOAD_URL"),
            ("$EnvGenericDownloadUrl", "INSTALLER_DOWNLOAD_URL"),
        ] {
            assert!(script.contains(&format!("{var} = '{name}'")), "{var}");
        }
        // Set unless empty, 0 or false, like the shell installer's flags.
        assert!(
            function(&script, "Test-EnvFlag").contains("return -not (@('0', 'false') -contains")
        );
        assert!(script.contains("$IsQuiet = $OptQuiet -or (Test-EnvFlag $EnvPrintQuiet)"));
        assert!(script.contains(
            "$IsVerbose = (-not $IsQuiet) -and ($OptVerbose -or (Test-EnvFlag $EnvPrintVerbose))"
        ));
        let url = function(&script, "Get-ArtifactUrl");
        assert!(url.contains("foreach ($name in @($EnvDownloadUrl, $EnvGenericDownloadUrl))"));
        assert!(url.contains("return ($base.TrimEnd('/') + '/' + $Artifact.Archive)"));
        assert!(function(&script, "Invoke-Install").starts_with("function Invoke-Install {\n        if ($OptHelp) {\n            Show-Help\n            return"));
    }

    #[test]
    fn downloads_through_proxies_with_tls12() {
        let script = render_ok(&full_ctx());
        let proxy = function(&script, "Get-EnvProxy");
        for var in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            assert!(proxy.contains(&format!("'{var}'")), "{var}");
        }
        assert!(proxy.contains("New-Object System.Net.WebProxy"));
        assert!(proxy.contains("if (Test-NoProxy $uri.Host)"));
        assert!(
            function(&script, "Test-NoProxy").contains("Get-EnvValue @('NO_PROXY', 'no_proxy')")
        );
        let download = function(&script, "Save-Download");
        assert!(download.contains("New-Object System.Net.WebClient"));
        assert!(download.contains("$client.Proxy = $proxy"));
        assert!(function(&script, "Enable-Tls12").contains(
            "[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12"
        ));
    }

    #[test]
    fn verifies_checksums_with_the_right_algorithm() {
        let script = render_ok(&ctx(vec![
            artifact(
                "x86_64-pc-windows-msvc",
                Some("sha256"),
                Some(&hex('A', 64)),
            ),
            artifact(
                "aarch64-pc-windows-msvc",
                Some("sha512"),
                Some(&hex('b', 128)),
            ),
            artifact(
                "i686-pc-windows-msvc",
                Some("blake2b"),
                Some(&hex('c', 128)),
            ),
            artifact(
                "x86_64-pc-windows-gnu",
                Some("sha3-256"),
                Some(&hex('d', 64)),
            ),
        ]));
        let sha256 = artifact_block(&script, "x86_64-pc-windows-msvc");
        assert!(sha256.contains("FileHashAlgorithm = 'SHA256'"), "{sha256}");
        // Baked lowercase; compared lowercase.
        assert!(
            sha256.contains(&format!("Checksum = '{}'", hex('a', 64))),
            "{sha256}"
        );
        let sha512 = artifact_block(&script, "aarch64-pc-windows-msvc");
        assert!(sha512.contains("FileHashAlgorithm = 'SHA512'"), "{sha512}");
        let blake = artifact_block(&script, "i686-pc-windows-msvc");
        assert!(blake.contains("FileHashAlgorithm = $null"), "{blake}");
        assert!(blake.contains("DotNetHashType = $null"), "{blake}");
        assert!(blake.contains("ChecksumAlgo = 'blake2b'"), "{blake}");
        let sha3 = artifact_block(&script, "x86_64-pc-windows-gnu");
        assert!(
            sha3.contains("DotNetHashType = 'System.Security.Cryptography.SHA3_256'"),
            "{sha3}"
        );

        let digest = function(&script, "Get-ArchiveDigest");
        assert!(digest
            .contains("Get-FileHash -LiteralPath $Path -Algorithm $Artifact.FileHashAlgorithm"));
        assert!(digest.contains("$hashType::IsSupported"));
        let confirm = function(&script, "Confirm-Checksum");
        // Unsupported algorithm: a loud warning, never a silent skip.
        assert!(confirm.contains(
            "if ($null -eq $actual) {\n            Write-Warning ('!!! THE CHECKSUM OF "
        ));
        assert!(confirm.contains("COULD NOT BE VERIFIED"));
        // Mismatch: an error with both digests, before anything is installed.
        assert!(confirm
            .contains("if ($actual -ne $expected) {\n            throw ('checksum mismatch for '"));
        assert!(confirm.contains("'  expected ' + $Artifact.ChecksumAlgo + ': ' + $expected"));
        assert!(confirm.contains("'  actual ' + $Artifact.ChecksumAlgo + ':   ' + $actual"));
        let main = function(&script, "Invoke-Install");
        assert!(main.find("Confirm-Checksum").unwrap() < main.find("Expand-Artifact").unwrap());
        assert!(
            main.find("Confirm-Checksum").unwrap() < main.find("New-StagingDirectory").unwrap()
        );
    }

    #[test]
    fn rejects_checksums_that_cannot_be_right() {
        let bad = |algo: &str, sum: &str| {
            let err = render(&ctx(vec![artifact(
                "x86_64-pc-windows-msvc",
                Some(algo),
                Some(sum),
            )]));
            err.expect_err("must fail").to_string()
        };
        assert!(bad("sha256", &hex('g', 64)).contains("not hex"));
        assert!(bad("sha256", &hex('a', 128)).contains("not 64"));
        assert!(bad("sha512", "'; Remove-Item C:\\").contains("not hex"));
        let mut a = artifact("x86_64-pc-windows-msvc", None, Some(&hex('a', 64)));
        a.checksum_algo = None;
        assert!(render(&ctx(vec![a])).is_err());
        // No checksum at all is fine (checksums off): the script says so.
        let script = render_ok(&ctx(vec![artifact("x86_64-pc-windows-msvc", None, None)]));
        assert!(artifact_block(&script, "x86_64-pc-windows-msvc").contains("Checksum = $null"));
        assert!(function(&script, "Confirm-Checksum").contains("was not verified"));
    }

    #[test]
    fn extracts_zip_and_tar_archives() {
        let mut tarball = artifact("x86_64-pc-windows-msvc", None, None);
        tarball.format = ".tar.gz".into();
        tarball.archive = "my-tool-x86_64-pc-windows-msvc.tar.gz".into();
        let script = render_ok(&ctx(vec![tarball]));
        assert!(artifact_block(&script, "x86_64-pc-windows-msvc").contains("Format = '.tar.gz'"));
        let expand = function(&script, "Expand-Artifact");
        assert!(expand.contains("if ($Artifact.Format -eq '.zip')"));
        assert!(expand.contains(
            "Expand-Archive -LiteralPath $ArchivePath -DestinationPath $Destination -Force"
        ));
        assert!(expand.contains("[System.IO.Compression.ZipFile]::ExtractToDirectory"));
        assert!(expand.contains("[System.IO.Path]::Combine($env:SystemRoot, 'System32\\tar.exe')"));
        assert!(expand.contains("& $tar -xf $ArchivePath -C $Destination"));
    }

    #[test]
    fn installs_by_renaming_from_a_staging_directory() {
        let mut c = full_ctx();
        c.aliases
            .insert("my-tool".into(), vec!["mt".into(), "my-tool2.exe".into()]);
        c.aliases.insert("absent".into(), vec!["nope".into()]);
        let script = render_ok(&c);
        let block = artifact_block(&script, "x86_64-pc-windows-msvc");
        assert!(
            block.contains("@{ Binary = 'my-tool.exe'; Alias = 'mt.exe' }"),
            "{block}"
        );
        assert!(
            block.contains("@{ Binary = 'my-tool.exe'; Alias = 'my-tool2.exe' }"),
            "{block}"
        );
        assert!(!block.contains("nope"), "{block}");
        // Staged beside the install directory, so the move is a rename.
        let stage = function(&script, "New-StagingDirectory");
        assert!(stage.contains("$parent = [System.IO.Path]::GetDirectoryName($InstallDir)"));
        let install = function(&script, "Install-Binaries");
        assert!(install
            .contains("Copy-Item -LiteralPath ([System.IO.Path]::Combine($root, $alias.Binary))"));
        assert!(
            install.find("does not contain").unwrap() < install.find("Move-IntoPlace").unwrap()
        );
        let place = function(&script, "Move-IntoPlace");
        assert!(place.contains("Move-Item -LiteralPath $Source -Destination $Destination -Force"));
        assert!(place.contains(
            "Move-Item -LiteralPath $aside -Destination $Destination -Force\n            throw"
        ));
        // Temporary directories go whatever happens.
        assert!(script
            .contains("} finally {\n        foreach ($dir in @($State.TempDir, $State.StageDir))"));
    }

    #[test]
    fn rejects_file_names_that_escape_the_install_dir() {
        let mut c = full_ctx();
        c.aliases.insert("my-tool".into(), vec!["..\\evil".into()]);
        assert!(render(&c).is_err());
        let mut a = artifact("x86_64-pc-windows-msvc", None, None);
        a.binaries = vec!["../my-tool.exe".into()];
        assert!(render(&ctx(vec![a])).is_err());
    }

    #[test]
    fn installs_the_planned_updater_verified_beside_the_binaries() {
        let mut c = full_ctx();
        let sum = hex('c', 64);
        for a in &mut c.artifacts {
            a.checksum_algo = Some("sha256".into());
            a.checksum = Some(hex('a', 64));
            a.updater = Some(crate::installer::InstallerUpdater {
                artifact: format!("my-tool-{}-update", a.target),
                checksum: Some(sum.to_uppercase()),
            });
        }
        c.install_updater = true;
        let script = render_ok(&c);
        let target = "x86_64-pc-windows-msvc";
        assert!(script.contains(&format!("Updater = 'my-tool-{target}-update'")));
        assert!(script.contains(&format!(
            "UpdaterUrl = '{}/my-tool-{target}-update'",
            c.download_url.trim_end_matches('/')
        )));
        assert!(script.contains(&format!("UpdaterChecksum = '{sum}'")));
        assert!(script.contains("$EnvDisableUpdate = 'MY_TOOL_DISABLE_UPDATE'"));
        let download = function(&script, "Get-UpdaterDownload");
        assert!(download.contains("if (-not $Managed)"));
        assert!(download.contains("Test-EnvFlag $EnvDisableUpdate"));
        assert!(script.contains("Confirm-Checksum $updater $updaterPath"));
        assert!(script.contains("$updaterName = $AppName + '-update.exe'"));
        assert!(script.contains(
            "Write-Receipt $layout.Prefix $layout.Layout $installed $modifyPath ($null -ne $updater)"
        ));

        // An updater checksum that cannot be right is refused.
        c.artifacts[2].updater.as_mut().unwrap().checksum = Some("abc".into());
        assert!(render(&c).is_err());
        // No updater: nothing to download.
        let script = render_ok(&full_ctx());
        assert!(script.contains("Updater = $null"));
    }

    #[test]
    fn writes_the_receipt() {
        let mut c = full_ctx();
        let script = render_ok(&c);
        assert!(script.contains("$ReceiptRelativePath = 'my-tool\\my-tool-receipt.json'"));
        assert!(script.contains("$ReleaseType = 'github'"));
        assert!(script.contains("$SourceOwner = 'o'"));
        assert!(script.contains("$SourceName = 'r'"));
        assert!(script.contains(&format!(
            "$ProviderVersion = '{}'",
            env!("CARGO_PKG_VERSION")
        )));
        let receipt = function(&script, "Write-Receipt");
        assert!(
            receipt.contains("[System.IO.Path]::Combine($env:LOCALAPPDATA, $ReceiptRelativePath)")
        );
        for field in [
            "install_prefix = $Prefix",
            "install_layout = $Layout",
            "binaries = @($Binaries)",
            "version = $AppVersion",
            "source = [ordered]@{",
            "release_type = $ReleaseType",
            "owner = $SourceOwner",
            "name = $SourceName",
            "app_name = $AppName",
            "modify_path = $ModifyPath",
            "install_updater = $InstallUpdater",
            "provider = [ordered]@{",
            "source = 'consign'",
            "version = $ProviderVersion",
        ] {
            assert!(receipt.contains(field), "{field} missing from\n{receipt}");
        }
        assert!(receipt.contains("ConvertTo-Json -InputObject $receipt -Depth 5"));

        c.source = ReceiptSource {
            release_type: "simple".into(),
            owner: None,
            name: None,
        };
        let script = render_ok(&c);
        assert!(script.contains("$SourceOwner = $null"));
        assert!(script.contains("$SourceName = $null"));
    }

    #[test]
    fn adds_the_install_dir_to_the_user_path_once() {
        let script = render_ok(&full_ctx());
        let add = function(&script, "Add-ToUserPath");
        assert!(add.contains("Get-Item -LiteralPath 'HKCU:\\Environment'"));
        assert!(add.contains("$key.GetValue('Path', '', 'DoNotExpandEnvironmentNames')"));
        assert!(add.contains("if (Test-PathContains $current $Dir) {"));
        assert!(add.contains(
            "Set-ItemProperty -Path 'HKCU:\\Environment' -Name 'Path' -Value $updated -Type $kind"
        ));
        assert!(add.contains("$kind = 'ExpandString'"));
        assert!(add.contains("Send-SettingChange"));
        let contains = function(&script, "Test-PathContains");
        assert!(contains.contains("[StringComparison]::OrdinalIgnoreCase"));
        assert!(contains.contains("[Environment]::ExpandEnvironmentVariables($entry)"));
        assert!(function(&script, "ConvertTo-ComparablePath").contains(".TrimEnd('\\')"));
        let update = function(&script, "Update-Path");
        assert!(update.contains("$env:Path = $Dir + ';' + $env:Path"));
        assert!(update.contains("$env:GITHUB_PATH"));
        assert!(function(&script, "Send-SettingChange")
            .contains("SetEnvironmentVariable($name, $null, 'User')"));
    }

    #[test]
    fn prints_the_success_message_and_path_hint() {
        let script = render_ok(&full_ctx());
        assert!(script.contains("$SuccessMessage = $null"));
        let main = function(&script, "Invoke-Install");
        assert!(main.contains("Write-Info ($AppName + ' ' + $AppVersion + ' is installed!')"));
        assert!(main.contains("restart your shell"));

        let mut c = full_ctx();
        c.success_msg = Some("Run 'my-tool init' to begin \u{2728}".into());
        let script = render_ok(&c);
        assert!(
            script.contains("$SuccessMessage = ('Run ''my-tool init'' to begin ' + [char]0x2728)")
        );
    }

    #[test]
    fn fails_with_exit_code_1_on_stderr() {
        let script = render_ok(&full_ctx());
        assert!(script.contains("$ErrorActionPreference = 'Stop'"));
        assert!(script.contains("$RunFromFile = -not [string]::IsNullOrEmpty(({ $null }).File)"));
        assert!(script.contains(
            "if ($RunFromFile) {\n            # Run as a script file: report on stderr and exit with 1.\n            [Console]::Error.WriteLine($message)\n            exit 1\n        }"
        ));
        assert!(script.contains("throw $message\n    }\n}"));
        // Success never calls exit: a script that pipes this into iex goes on.
        let exits: Vec<&str> = script
            .lines()
            .filter(|l| l.trim().starts_with("exit"))
            .collect();
        assert_eq!(exits, ["            exit 1"]);
    }

    #[test]
    fn quotes_hostile_names_and_urls() {
        let mut c = full_ctx();
        c.app_version = "1.0.0-it's'); Remove-Item -Recurse C:\\ #".into();
        c.download_url = "https://example.com/o'brien/{{x}}/$(calc)/".into();
        c.source.owner = Some("o'brien".into());
        c.env.install_dir_env_var = "IT'S_INSTALL_DIR".into();
        c.install_paths = vec![InstallPathSpec::EnvSubdir {
            var: "A'B".into(),
            subdir: "it's/bin".into(),
        }];
        let script = render_ok(&c);
        assert!(script.contains("$AppVersion = '1.0.0-it''s''); Remove-Item -Recurse C:\\ #'"));
        assert!(script.contains("$DownloadUrl = 'https://example.com/o''brien/{{x}}/$(calc)'"));
        let block = artifact_block(&script, "x86_64-pc-windows-msvc");
        assert!(block.contains(
            "Url = 'https://example.com/o''brien/{{x}}/$(calc)/my-tool-x86_64-pc-windows-msvc.zip'"
        ));
        assert!(script.contains("$SourceOwner = 'o''brien'"));
        assert!(script.contains("$EnvInstallDir = 'IT''S_INSTALL_DIR'"));
        assert!(script.contains("[Environment]::GetEnvironmentVariable('A''B')"));
        assert!(script.contains("[System.IO.Path]::Combine($base, 'it''s\\bin')"));
    }

    #[test]
    fn rejects_an_app_name_that_is_not_a_file_name() {
        let mut c = full_ctx();
        c.app_name = "a/b".into();
        assert!(render(&c).is_err());
        // A quote is a legal (if odd) file name character, and is escaped.
        c.app_name = "it's".into();
        let script = render(&c).unwrap();
        assert!(script.contains("$AppName = 'it''s'"));
        assert!(script.contains("$ReceiptRelativePath = 'it''s\\it''s-receipt.json'"));
    }
}
