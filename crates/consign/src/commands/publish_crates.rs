//! `consign publish --only crates` (or `publish-crates = true`): the
//! workspace's crates to a cargo registry. Look (the
//! index), plan (pure), check, package, then publish in parallel by
//! readiness. The shared "load and look" of `publish-status` lives here too.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crate::channel::crates_io::index::{Index, IndexConfig, Poll};
use crate::channel::crates_io::journal::Journal;
use crate::channel::crates_io::registry::{self, Registry, Target};
use crate::channel::crates_io::schedule::{self, Observer, Outcome};
use crate::channel::crates_io::{self as crates_io, CrateStep, PublishKind, Remote};
use crate::error::UserError;
use crate::output::{Printer, HEADING};
use crate::project::{self, Workspace};
use crate::settings::CratesSettings;

/// The registry, and what its index holds for the workspace's members.
pub(super) struct Looked {
    pub target: Target,
    pub index: Index,
    pub config: IndexConfig,
    pub remote: BTreeMap<String, Remote>,
}

/// Read the index entry of every member of `ws` that may go to the
/// registry, 16 at a time.
pub(super) fn look(settings: &CratesSettings, ws: &Workspace) -> anyhow::Result<Looked> {
    let target = registry::resolve(
        settings.registry.as_deref(),
        settings.index.as_deref(),
        &ws.root,
        &settings.env,
    )?;
    let mut index = Index::new(&target.index, target.token.clone());
    let unreachable = |e: String| {
        UserError::new(format!("cannot read the index of `{}`: {e}", target.name))
            .hint("check the network and the index URL (`--index`, or `[registries]` in `.cargo/config.toml`)")
    };
    let config = index.config().map_err(unreachable)?;
    let names: Vec<String> = ws
        .packages
        .iter()
        .filter(|p| crates_io::allowed(p, &target.name).is_ok())
        .map(|p| p.name.clone())
        .collect();
    let remote = index.fetch_all(&names, 16).map_err(unreachable)?;
    Ok(Looked {
        target,
        index,
        config,
        remote,
    })
}

struct Progress(Printer);

impl Observer for Progress {
    fn event(&self, name: &str, message: &str) {
        self.0
            .human(&format!("{HEADING}{name:>20}{HEADING:#} {message}\n"));
    }
}

/// Publish the crates; `json` prints the outcomes as JSON on stdout.
/// Returns a one-line summary.
/// `ws` is the workspace the calling command loaded.
pub fn exec(
    settings: &CratesSettings,
    ws: &Workspace,
    json: bool,
    printer: &Printer,
) -> anyhow::Result<String> {
    let dry_run = settings.dry_run;
    let looked = look(settings, ws)?;
    let Looked {
        target,
        index,
        config,
        remote,
    } = &looked;
    let plan = crates_io::plan(&ws.packages, &target.name, remote)?;
    for s in &plan.skipped {
        printer.verbose(&format!(
            "{} {}: not published ({})",
            s.name, s.version, s.reason
        ));
    }
    for s in &plan.present {
        printer.verbose(&format!(
            "{} {}: already in `{}`",
            s.name, s.version, target.name
        ));
    }
    for w in &plan.warnings {
        printer.warn(w);
    }
    if !plan.problems.is_empty() {
        return Err(UserError::new(format!(
            "{} problem{} must be fixed before publishing:\n  - {}",
            plan.problems.len(),
            if plan.problems.len() == 1 { "" } else { "s" },
            plan.problems.join("\n  - ")
        ))
        .hint("fix them in the named `Cargo.toml` files; nothing was uploaded")
        .into());
    }
    let new = plan
        .steps
        .iter()
        .filter(|s| s.kind == PublishKind::New)
        .count();
    let updates = plan.steps.len() - new;
    // A run killed while writing the journal left its temporary file; this
    // run may have nothing to record, so sweep it now.
    crate::fs::remove_stale_temps(
        &ws.target_dir
            .join(crate::channel::crates_io::journal::FILE_NAME),
    );
    if plan.steps.is_empty() {
        printer.human(&format!(
            "Nothing to publish: every crate is already in `{}`\n",
            target.name
        ));
        return report(printer, json, &[], dry_run);
    }
    printer.human(&format!(
        "{HEADING}Publishing{HEADING:#} {} crate{} to `{}` ({})\n",
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        target.name,
        crates_io::describe_forecast(new, updates)
    ));
    let oidc = settings.oidc.clone();
    let trusted = settings.trusted_publishing
        || (target.token.is_none() && oidc.is_some() && target.name == crates_io::CRATES_IO);
    if trusted {
        let fresh: Vec<&str> = plan
            .steps
            .iter()
            .filter(|s| s.kind == PublishKind::New)
            .map(|s| s.name.as_str())
            .collect();
        if !fresh.is_empty() {
            return Err(UserError::new(format!(
                "trusted publishing cannot create crates, and these are new to `{}`: {}",
                target.name,
                fresh.join(", ")
            ))
            .hint("publish them once with an API token in `CARGO_REGISTRY_TOKEN`, then add this repository as their trusted publisher on crates.io; nothing was uploaded")
            .into());
        }
        if oidc.is_none() && !dry_run {
            return Err(UserError::new(
                "trusted publishing needs GitHub Actions' OIDC token, and `ACTIONS_ID_TOKEN_REQUEST_URL` is not set",
            )
            .hint("run it in GitHub Actions with `permissions: id-token: write`, or set `CARGO_REGISTRY_TOKEN` instead")
            .into());
        }
    } else if target.token.is_none() && !dry_run {
        return Err(UserError::new(format!("no token for the registry `{}`", target.name))
            .hint(format!(
                "set `{}` (or run `cargo login`); a new crate needs an API token, trusted publishing cannot create one",
                target.token_var
            ))
            .into());
    }
    package(ws, &target.name, settings, &plan.steps, printer)?;
    if settings.verify {
        test_locked(ws, &plan.steps, &settings.cargo)?;
    }
    if dry_run {
        printer.human(&format!(
            "Dry run: {} crate{} checked and packaged; nothing uploaded\n",
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" },
        ));
        let outcomes: Vec<(String, Outcome)> = Vec::new();
        return report(printer, json, &outcomes, true);
    }
    let api = config.api.as_deref().ok_or_else(|| {
        UserError::new(format!(
            "the index of `{}` names no `api` in its `config.json`, so it takes no uploads",
            target.name
        ))
        .hint("check that this is the registry's index URL")
    })?;
    let (registry, journal_token) = match (trusted, oidc, &target.token) {
        (true, Some(oidc), _) => (
            Registry::trusted(api, oidc, registry::REMINT_AFTER).map_err(|e| {
                UserError::new(format!("trusted publishing failed: {e}"))
                    .hint("nothing was uploaded; check the trusted publisher settings of the crates on crates.io")
            })?,
            None,
        ),
        (_, _, Some(token)) => (Registry::new(api, token.clone()), Some(token.clone())),
        _ => unreachable!("checked above: a token, or trusted publishing with OIDC"),
    };
    let journal = Journal::open(&ws.target_dir, &target.index, journal_token);
    let by_name: BTreeMap<&str, &project::Package> =
        ws.packages.iter().map(|p| (p.name.as_str(), p)).collect();
    let package_dir = ws.target_dir.join("package");
    let body = |step: &CrateStep| -> Result<Vec<u8>, String> {
        let pkg = by_name[step.name.as_str()];
        let file = package_dir.join(format!("{}-{}.crate", step.name, step.version));
        let bytes =
            std::fs::read(&file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let readme = pkg
            .readme
            .as_ref()
            .and_then(|r| std::fs::read_to_string(pkg.dir.join(r)).ok());
        let meta = registry::metadata(pkg, readme, &target.index);
        Ok(registry::upload_body(&meta, &bytes))
    };
    let ctx = schedule::Context {
        index,
        registry: &registry,
        journal: &journal,
        body: &body,
        observer: &Progress(*printer),
        options: schedule::Options {
            concurrency: settings.concurrency,
            max_retries: settings.max_retries,
            poll: Poll {
                timeout: settings.timeout,
                ..Poll::default()
            },
            ..schedule::Options::default()
        },
    };
    let outcomes = schedule::run(&plan.steps, &ctx);
    if let Err(e) = registry.finish() {
        printer.warn(&registry.redact(&e));
    }
    let summary = report(printer, json, &outcomes, false)?;
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| !o.is_ok())
        .map(|(n, _)| n.as_str())
        .collect();
    if failed.is_empty() {
        return Ok(summary);
    }
    Err(UserError::new(format!(
        "{} of {} crates did not publish: {}",
        failed.len(),
        outcomes.len(),
        failed.join(", ")
    ))
    .hint("run `consign publish` again: it asks the index and sends only what is missing")
    .into())
}

/// The summary: a line per crate, or JSON on stdout.
fn report(
    printer: &Printer,
    json: bool,
    outcomes: &[(String, Outcome)],
    dry_run: bool,
) -> anyhow::Result<String> {
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|(_, o)| f(o)).count();
    let summary = if dry_run {
        "dry run: checked and packaged, nothing uploaded".to_string()
    } else if outcomes.is_empty() {
        "every crate is already in the registry".to_string()
    } else {
        format!(
            "{} published, {} already present, {} failed, {} skipped",
            count(|o| *o == Outcome::Published),
            count(|o| *o == Outcome::Present),
            count(|o| matches!(o, Outcome::Failed(_))),
            count(|o| matches!(o, Outcome::Skipped(_))),
        )
    };
    if json {
        let crates: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|(n, o)| {
                let mut v = serde_json::to_value(o).expect("outcomes serialize");
                v["name"] = n.clone().into();
                v
            })
            .collect();
        printer.machine(&format!(
            "{}\n",
            serde_json::json!({ "dry_run": dry_run, "crates": crates })
        ));
    } else if !outcomes.is_empty() {
        printer.human(&format!("{summary}\n"));
    }
    Ok(summary)
}

/// `cargo package` for every step at once (cargo resolves members that are
/// not yet published from the packages it is making). Libraries are
/// packaged without `Cargo.lock` (their users never read it), which needs
/// no resolution; cargo cannot resolve an unpublished member used as a
/// versioned dev-dependency, so when a crate with binaries hits that, it is
/// packaged without its lockfile too, with a warning.
fn package(
    ws: &Workspace,
    registry: &str,
    settings: &CratesSettings,
    steps: &[CrateStep],
    printer: &Printer,
) -> anyhow::Result<()> {
    let command = |exclude_lockfile: bool| {
        let mut cmd = Command::new(&settings.cargo);
        cmd.arg("package")
            .arg("--manifest-path")
            .arg(ws.root.join("Cargo.toml"))
            .arg("--quiet");
        if !settings.verify {
            cmd.arg("--no-verify");
        }
        if settings.allow_dirty {
            cmd.arg("--allow-dirty");
        }
        if exclude_lockfile {
            cmd.arg("--exclude-lockfile");
        }
        match (&settings.index, registry) {
            (Some(url), _) => {
                cmd.arg("--index").arg(url);
            }
            (None, crates_io::CRATES_IO) => {}
            (None, name) => {
                cmd.arg("--registry").arg(name);
            }
        }
        for s in steps {
            cmd.arg("-p").arg(format!("{}@{}", s.name, s.version));
        }
        cmd
    };
    let has_binaries = steps.iter().any(|s| {
        ws.packages
            .iter()
            .any(|p| p.name == s.name && !p.binaries.is_empty())
    });
    if !has_binaries {
        return run_cargo(command(true), "package", &ws.root);
    }
    match run_cargo(command(false), "package", &ws.root) {
        Err(e) if format!("{e}").contains("no matching package named") => {
            printer.warn("cargo could not resolve an unpublished workspace member (a versioned dev-dependency?); packaging without `Cargo.lock`");
            run_cargo(command(true), "package", &ws.root)
        }
        other => other,
    }
}

/// `cargo test --locked` for every step (`--verify`).
fn test_locked(ws: &Workspace, steps: &[CrateStep], cargo: &OsStr) -> anyhow::Result<()> {
    let mut cmd = Command::new(cargo);
    cmd.args(["test", "--locked", "--manifest-path"])
        .arg(ws.root.join("Cargo.toml"));
    for s in steps {
        cmd.arg("-p").arg(&s.name);
    }
    run_cargo(cmd, "test --locked", &ws.root)
}

fn run_cargo(mut cmd: Command, what: &str, root: &Path) -> anyhow::Result<()> {
    let out = cmd
        .current_dir(root)
        .output()
        .map_err(|e| UserError::new(format!("cannot run `cargo {what}`: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    // Test failures are reported on stdout: show its end too.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let tail = lines[lines.len().saturating_sub(40)..].join("\n");
    Err(UserError::new(format!(
        "`cargo {what}` failed:\n{}\n{}",
        tail.trim_end(),
        String::from_utf8_lossy(&out.stderr).trim_end()
    ))
    .hint("fix what cargo reports; nothing was uploaded")
    .into())
}
