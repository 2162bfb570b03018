//! The shell installer, `{app}-installer.sh`: a POSIX `sh` script (dash,
//! bash, zsh, mksh, busybox ash) that detects the platform, downloads the
//! matching archive, verifies its checksum and installs the binaries
//! atomically.
//!
//! The script is `templates/installer.sh.j2`. Everything the template needs is
//! computed here: every value is shell-quoted before it reaches the template,
//! environment variable names are checked to be shell identifiers and turned
//! into `"${NAME:-}"` references, and the JSON pieces of the install receipt
//! are encoded here. The template itself only loops and branches.
//!
//! How an install goes (the script's comments say why):
//!
//! - the download streams through `tee` into `tar`, as `curl | tar -x` would,
//!   into a work directory inside the install directory; the kept copy is
//!   checksummed (openssl first: it is the fastest) before anything moves;
//! - binaries are then renamed into place (atomic on one file system), alias
//!   symlinks made beside them;
//! - install directories follow cargo-dist's layouts, so either tool's
//!   updater can reinstall from either tool's receipt: `cargo-home` (a
//!   `CARGO_HOME` install-path, or a forced directory that is the Cargo
//!   home) puts binaries in `DIR/bin` and records `DIR`; `flat` puts them
//!   in `DIR` and records it (see `InstallerContext::forced_install_layout`);
//! - managed installs write `${XDG_CONFIG_HOME:-$HOME/.config}/{app}/`
//!   `{app}-receipt.json`, and `env` (POSIX sh) and `env.fish` beside it,
//!   sourced once each from `~/.profile`, bash's and zsh's startup files and
//!   fish's `conf.d/{app}.env.fish`.

use anyhow::{bail, ensure, Context as _, Result};
use minijinja::context;
use minijinja::value::Value;

use super::{
    check_file_name, check_text, AppInput, Contribution, InstallPathSpec, InstallerArtifact,
    InstallerContext,
};
use crate::targets::Os;

/// The plan contribution: `{app}-installer.sh`, for every non-Windows target.
pub fn plan(app: &AppInput<'_>) -> Contribution {
    Contribution {
        file: format!("{}-installer.sh", app.name),
        targets: app.targets_where(|os| os != Os::Windows),
        description: "Install prebuilt binaries with a shell script",
    }
}

/// The built script (executable).
pub fn build(ctx: &InstallerContext) -> Result<super::Built> {
    Ok(super::Built {
        bytes: render(ctx)?.into_bytes(),
        executable: true,
        assets: None,
    })
}

/// `curl ... | sh` of the installer at `url`.
pub fn install_hint(url: &str) -> String {
    format!("curl --proto '=https' --tlsv1.2 -LsSf {url} | sh")
}

const TEMPLATE: &str = include_str!("../../templates/installer.sh.j2");
const TEMPLATE_NAME: &str = "installer.sh.j2";

/// Renders `{app}-installer.sh` for `ctx`.
///
/// Fails when the context cannot make a working script: no artifacts, names
/// that cannot be file names (`/`, control characters), environment variable
/// names that are not shell identifiers, unknown archive formats or checksum
/// algorithms, or checksums that are not hex.
pub fn render(ctx: &InstallerContext) -> Result<String> {
    let data = render_context(ctx)?;
    let script = super::render_template(TEMPLATE_NAME, TEMPLATE, data)
        .context("rendering the shell installer")?;
    Ok(script)
}

/// The template's context: `ctx` with every value shell-quoted and the
/// derived pieces (variable references, JSON fragments) computed.
fn render_context(ctx: &InstallerContext) -> Result<Value> {
    check_file_name("app name", &ctx.app_name)?;
    check_text("app version", &ctx.app_version)?;
    ensure!(
        !ctx.artifacts.is_empty(),
        "the shell installer for {} has no artifacts to install",
        ctx.app_name
    );

    let artifacts = ctx
        .artifacts
        .iter()
        .enumerate()
        .map(|(i, a)| artifact_value(ctx, i + 1, a))
        .collect::<Result<Vec<_>>>()?;
    let install_paths = ctx
        .install_paths
        .iter()
        .map(install_path_value)
        .collect::<Result<Vec<_>>>()?;
    ensure!(
        !install_paths.is_empty(),
        "the shell installer for {} has no install paths",
        ctx.app_name
    );

    let env = &ctx.env;
    let vars = [
        ("install_dir", &env.install_dir_env_var),
        ("unmanaged_dir", &env.unmanaged_dir_env_var),
        ("no_modify_path", &env.no_modify_path_env_var),
        ("quiet", &env.print_quiet_env_var),
        ("verbose", &env.print_verbose_env_var),
        ("download_url", &env.download_url_env_var),
        ("disable_update", &env.disable_update_env_var),
    ];
    let mut env_refs = std::collections::BTreeMap::new();
    for (key, name) in vars {
        if !name.is_empty() {
            check_identifier(name)?;
        }
        env_refs.insert(
            key,
            context! {
                name => name.as_str(),
                name_q => shell_quote(name),
                value => var_ref(name),
            },
        );
    }

    let mut source = serde_json::Map::new();
    source.insert(
        "release_type".into(),
        ctx.source.release_type.clone().into(),
    );
    source.insert("owner".into(), ctx.source.owner.clone().into());
    source.insert("name".into(), ctx.source.name.clone().into());
    source.insert("app_name".into(), ctx.app_name.clone().into());

    let supported: Vec<&str> = ctx.artifacts.iter().map(|a| a.target.as_str()).collect();

    Ok(context! {
        app_name => ctx.app_name.as_str(),
        app_name_q => shell_quote(&ctx.app_name),
        app_version => ctx.app_version.as_str(),
        app_version_q => shell_quote(&ctx.app_version),
        consign_version => env!("CARGO_PKG_VERSION"),
        download_base_q => shell_quote(ctx.download_url.trim_end_matches('/')),
        supported_targets_q => shell_quote(&supported.join(", ")),
        version_json_q => shell_quote(&json_string(&ctx.app_version)),
        source_json_q => shell_quote(&serde_json::Value::Object(source).to_string()),
        provider_json_q => shell_quote(&format!(
            r#"{{"source":"consign","version":{}}}"#,
            json_string(env!("CARGO_PKG_VERSION"))
        )),
        success_msg_q => shell_quote(ctx.success_msg.as_deref().unwrap_or("")),
        env => Value::from(env_refs),
        artifacts => artifacts,
        install_paths => install_paths,
        forced_layout => ctx.forced_install_layout(),
    })
}

/// One artifact, as the template's `_load_artifact` and per-artifact loops
/// use it.
fn artifact_value(ctx: &InstallerContext, index: usize, a: &InstallerArtifact) -> Result<Value> {
    check_file_name("target", &a.target)?;
    check_file_name("archive name", &a.archive)?;
    for (what, value) in [("os", &a.os), ("arch", &a.arch), ("libc", &a.libc)] {
        check_text(what, value)?;
    }
    let format = match a.format.trim_start_matches('.') {
        f @ ("tar.xz" | "tar.gz" | "tar.zst" | "zip") => f,
        other => bail!(
            "the shell installer cannot unpack `{other}` archives ({}); supported: .tar.xz, .tar.gz, .tar.zst, .zip",
            a.archive
        ),
    };
    if let Some(prefix) = &a.prefix {
        ensure!(
            !prefix.is_empty() && !prefix.starts_with('/') && prefix.split('/').all(|p| p != ".."),
            "archive prefix `{prefix}` of {} must be a relative path inside the archive",
            a.archive
        );
        check_text("archive prefix", prefix)?;
    }
    let (algo, checksum) = match (&a.checksum_algo, &a.checksum) {
        (Some(algo), Some(sum)) => {
            ensure!(
                matches!(
                    algo.as_str(),
                    "sha256" | "sha512" | "sha3-256" | "sha3-512" | "blake2s" | "blake2b"
                ),
                "unknown checksum algorithm `{algo}` for {}",
                a.archive
            );
            ensure!(
                !sum.is_empty() && sum.chars().all(|c| c.is_ascii_hexdigit()),
                "the {algo} checksum of {} is not hex: `{sum}`",
                a.archive
            );
            (algo.clone(), sum.to_ascii_lowercase())
        }
        _ => (String::new(), String::new()),
    };
    if let Some(floor) = &a.glibc_floor {
        ensure!(
            !floor.is_empty() && floor.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "glibc floor `{floor}` of {} is not a version",
            a.target
        );
    }
    for bin in &a.binaries {
        check_file_name("binary name", bin)?;
    }
    let mut aliases = Vec::new();
    for (bin, names) in &ctx.aliases {
        if !a.binaries.contains(bin) {
            continue;
        }
        for alias in names {
            check_file_name("alias", alias)?;
            aliases.push(context! { bin => shell_quote(bin), alias => shell_quote(alias) });
        }
    }
    let binaries_json = serde_json::Value::from(a.binaries.clone()).to_string();
    let (updater, updater_checksum) = match &a.updater {
        Some(u) => {
            check_file_name("updater artifact name", &u.artifact)?;
            let sum = match (&u.checksum, algo.is_empty()) {
                (Some(sum), false) => {
                    ensure!(
                        !sum.is_empty() && sum.chars().all(|c| c.is_ascii_hexdigit()),
                        "the {algo} checksum of {} is not hex: `{sum}`",
                        u.artifact
                    );
                    sum.to_ascii_lowercase()
                }
                _ => String::new(),
            };
            (u.artifact.as_str(), sum)
        }
        None => ("", String::new()),
    };

    Ok(context! {
        index => index,
        target => shell_quote(&a.target),
        os => shell_quote(&a.os),
        arch => shell_quote(&a.arch),
        libc => shell_quote(&a.libc),
        archive => shell_quote(&a.archive),
        format => shell_quote(format),
        prefix => shell_quote(a.prefix.as_deref().unwrap_or("")),
        checksum_algo => shell_quote(&algo),
        checksum => shell_quote(&checksum),
        glibc_floor => shell_quote(a.glibc_floor.as_deref().unwrap_or("")),
        binaries => a.binaries.iter().map(|b| shell_quote(b)).collect::<Vec<_>>(),
        binaries_json => shell_quote(&binaries_json),
        updater => shell_quote(updater),
        updater_checksum => shell_quote(&updater_checksum),
        aliases => aliases,
    })
}

/// One `install-path` entry.
fn install_path_value(spec: &InstallPathSpec) -> Result<Value> {
    Ok(match spec {
        InstallPathSpec::CargoHome => context! { kind => "cargo-home" },
        InstallPathSpec::HomeSubdir { subdir } => {
            check_subdir(subdir)?;
            context! {
                kind => "home-subdir",
                subdir => shell_quote(subdir),
                shown => format!("~/{subdir}"),
            }
        }
        InstallPathSpec::EnvSubdir { var, subdir } => {
            check_identifier(var)?;
            check_subdir(subdir)?;
            context! {
                kind => "env-subdir",
                var_q => shell_quote(var),
                value => var_ref(var),
                subdir => shell_quote(subdir),
                shown => if subdir.is_empty() { format!("${var}") } else { format!("${var}/{subdir}") },
            }
        }
    })
}

/// Quotes `s` as one shell word: `'...'`, with `'` written as `'\''`; or,
/// when `s` has a `$` or a backquote (which shellcheck would take for an
/// expansion meant to happen), `"..."` with `\`, `"`, `$` and `` ` `` escaped.
fn shell_quote(s: &str) -> String {
    if s.contains(['$', '`']) {
        let mut out = String::with_capacity(s.len() + 8);
        out.push('"');
        for c in s.chars() {
            if matches!(c, '\\' | '"' | '$' | '`') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `"${NAME:-}"`, the expansion of an environment variable that is empty
/// rather than an error under `set -u` when unset; `''` for no variable.
fn var_ref(name: &str) -> String {
    if name.is_empty() {
        "''".to_string()
    } else {
        format!("\"${{{name}:-}}\"")
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn check_identifier(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ensure!(
        ok,
        "`{name}` is not a valid environment variable name for the shell installer \
         (letters, digits and `_`, not starting with a digit)"
    );
    Ok(())
}

/// A relative directory below `~` or `$VAR`.
/// An `install-path` subdirectory: relative (it may be empty under a
/// variable, or climb with `..`, as cargo-dist allows).
fn check_subdir(subdir: &str) -> Result<()> {
    check_text("install path", subdir)?;
    ensure!(
        !subdir.starts_with('/'),
        "install path subdirectory `{subdir}` must be relative"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::process::Command;

    use super::*;
    use crate::installer::test_support::rendered_sample as sample;

    /// `sh -n` on the script, where a `sh` is installed.
    fn assert_parses(script: &str) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("installer.sh");
        std::fs::write(&file, script).unwrap();
        match Command::new("sh").arg("-n").arg(&file).output() {
            Ok(out) => assert!(
                out.status.success(),
                "sh -n failed: {}\n{script}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("note: no sh to check the script's syntax: {e}"),
        }
    }

    #[test]
    fn bakes_in_checksums_url_and_targets() {
        let ctx = sample();
        let script = render(&ctx).unwrap();
        assert!(script.starts_with("#!/bin/sh\n"));
        // Trailing slash trimmed.
        assert!(
            script.contains("DOWNLOAD_BASE='https://github.com/o/r/releases/download/v0.3.0'\n")
        );
        for a in &ctx.artifacts {
            assert!(script.contains(&format!("_a_target='{}'", a.target)));
            assert!(script.contains(&format!("_a_archive='{}'", a.archive)));
            assert!(script.contains(&format!("_a_checksum='{}'", a.checksum.as_ref().unwrap())));
        }
        assert!(script.contains("_a_checksum_algo='sha256'"));
        assert!(script.contains("_a_glibc_floor='2.17'"));
        assert!(script.contains(
            "SUPPORTED_TARGETS='x86_64-unknown-linux-gnu, x86_64-unknown-linux-musl, aarch64-apple-darwin'"
        ));
        assert!(script.contains(r#""${MY_TOOL_DOWNLOAD_URL:-}""#));
        assert!(script.contains(r#""${MY_TOOL_INSTALL_DIR:-}""#));
        assert!(script.contains("_cb_alias 'my-tool' 'mt'"));
        assert!(script.contains("ARTIFACT_COUNT=3\n"));
        // No template syntax survives.
        assert!(!script.contains("{{") && !script.contains("{%"));
        assert!(script.ends_with("main \"$@\"\n"));
        assert_parses(&script);
    }

    #[test]
    fn no_checksum_renders_empty() {
        let mut ctx = sample();
        for a in &mut ctx.artifacts {
            a.checksum = None;
        }
        let script = render(&ctx).unwrap();
        assert!(script.contains("_a_checksum=''"));
        assert!(script.contains("_a_checksum_algo=''"));
        assert_parses(&script);
    }

    #[test]
    fn odd_app_names_are_quoted() {
        let mut ctx = sample();
        ctx.app_name = r#"it's "odd" $(touch pwned) `x` {{ y }}"#.to_string();
        ctx.success_msg = Some("it's done; $HOME `whoami`".to_string());
        ctx.artifacts[0].binaries = vec!["bin with 'quote'".to_string()];
        ctx.aliases =
            BTreeMap::from([("bin with 'quote'".to_string(), vec!["alias $x".to_string()])]);
        let script = render(&ctx).unwrap();
        assert!(script.contains(r#"APP_NAME="it's \"odd\" \$(touch pwned) \`x\` {{ y }}""#));
        assert!(script.contains(r#"SUCCESS_MSG="it's done; \$HOME \`whoami\`""#));
        assert!(script.contains(r#"_cb_alias 'bin with '\''quote'\''' "alias \$x""#));
        assert_parses(&script);

        // The help text shows the name verbatim and runs nothing.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("installer.sh");
        std::fs::write(&file, &script).unwrap();
        if let Ok(out) = Command::new("sh")
            .arg(&file)
            .arg("--help")
            .current_dir(dir.path())
            .output()
        {
            assert!(out.status.success());
            let help = String::from_utf8_lossy(&out.stdout);
            assert!(help.contains(&ctx.app_name), "{help}");
            assert!(!dir.path().join("pwned").exists());
        }
    }

    #[test]
    fn every_install_path_kind_renders() {
        let mut ctx = sample();
        ctx.install_paths = vec![
            InstallPathSpec::EnvSubdir {
                var: "MY_HOME".to_string(),
                subdir: "tools/bin".to_string(),
            },
            InstallPathSpec::HomeSubdir {
                subdir: ".my tool's/bin".to_string(),
            },
            InstallPathSpec::CargoHome,
        ];
        let script = render(&ctx).unwrap();
        assert!(script.contains(r#"_try_env_subdir 'MY_HOME' "${MY_HOME:-}" 'tools/bin'"#));
        assert!(script.contains(r"_try_home_subdir '.my tool'\''s/bin'"));
        assert!(script.contains("_try_cargo_home"));
        let env_pos = script.find("_try_env_subdir 'MY_HOME'").unwrap();
        let home_pos = script.find("_try_home_subdir '.my").unwrap();
        let cargo_pos = script.find("_try_cargo_home &&").unwrap();
        assert!(env_pos < home_pos && home_pos < cargo_pos, "order kept");
        assert_parses(&script);
    }

    #[test]
    fn a_variable_alone_or_a_climbing_subdir_installs_where_it_says() {
        let mut ctx = sample();
        ctx.install_paths = vec![
            InstallPathSpec::EnvSubdir {
                var: "UNSET_BIN_HOME".to_string(),
                subdir: String::new(),
            },
            InstallPathSpec::EnvSubdir {
                var: "MY_DATA".to_string(),
                subdir: "../bin".to_string(),
            },
        ];
        let script = render(&ctx).unwrap();
        assert_parses(&script);
        let start = script.find("_try_env_subdir() {").unwrap();
        let end = start + script[start..].find("\n}\n").unwrap() + 3;
        let choose = script.find("_choose_from_install_paths() {").unwrap();
        let choose_end = choose + script[choose..].find("\n}\n").unwrap() + 3;
        let probe = |env: &[(&str, &str)]| {
            let body = format!(
                "_say_verbose() {{ :; }}\n_die() {{ echo die; exit 1; }}\n{}{}_choose_from_install_paths\necho \"$_dir\"\n",
                &script[start..end],
                &script[choose..choose_end]
            );
            let out = Command::new("sh")
                .arg("-c")
                .arg(body)
                .env_clear()
                .envs(env.iter().copied())
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        assert_eq!(probe(&[("UNSET_BIN_HOME", "/x/bin")]), "/x/bin");
        assert_eq!(probe(&[("MY_DATA", "/d/share")]), "/d/share/../bin");
    }

    #[test]
    fn rejects_what_cannot_work() {
        let mut ctx = sample();
        ctx.app_name = "a/b".to_string();
        assert!(render(&ctx).is_err());

        let mut ctx = sample();
        ctx.env.install_dir_env_var = "1BAD-NAME".to_string();
        assert!(render(&ctx).is_err());

        let mut ctx = sample();
        ctx.install_paths = vec![InstallPathSpec::EnvSubdir {
            var: "X; rm -rf /".to_string(),
            subdir: "bin".to_string(),
        }];
        assert!(render(&ctx).is_err());

        let mut ctx = sample();
        ctx.artifacts[0].format = ".tar.bz2".to_string();
        assert!(render(&ctx).is_err());

        let mut ctx = sample();
        ctx.artifacts[0].checksum = Some("not hex".to_string());
        assert!(render(&ctx).is_err());

        let mut ctx = sample();
        ctx.artifacts[0].binaries = vec!["../evil".to_string()];
        assert!(render(&ctx).is_err());

        let mut ctx = sample();
        ctx.artifacts.clear();
        assert!(render(&ctx).is_err());
    }

    #[test]
    fn shell_quote_round_trips() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote(r"a\b"), r"'a\b'");
        assert_eq!(shell_quote(r#"$x "y" `z` \"#), r#""\$x \"y\" \`z\` \\""#);
        assert_eq!(var_ref("FOO"), r#""${FOO:-}""#);
        assert_eq!(var_ref(""), "''");
    }
}
