//! `consign publish-status`: which crates need publishing, what blocks them
//! and the rate-limit cost. A warm cache answers without `cargo metadata`
//! or the network.

use std::time::{SystemTime, UNIX_EPOCH};

use super::publish_crates::look;
use crate::channel::crates_io::status::{self, Status};
use crate::cli::{GlobalArgs, OutputFormat, RegistryArgs};
use crate::output::{Printer, DIM, HEADING};
use crate::settings::{CratesSettings, Environment};

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    args: &RegistryArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let settings = CratesSettings::look(global, args, env);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let key = format!(
        "registry={:?} index={:?}",
        args.registry.as_deref(),
        args.index.as_deref()
    );
    let start = match &settings.load.manifest_path {
        Some(p) => p.parent().map(|d| d.to_path_buf()).unwrap_or_default(),
        None => std::env::current_dir()?,
    };
    let guess = status::find_root(&start);
    if let Some(root) = &guess {
        let head = crate::project::git::head(root);
        let cache = status::cache_path(root, env);
        if let Some(s) = status::read_cache(&cache, &key, head.as_deref(), now) {
            return show(printer, global, &s);
        }
    }
    let ws = crate::project::load(&settings.load)?;
    let looked = look(&settings, &ws)?;
    let s = status::compute(&ws.packages, &looked.target.name, &looked.remote)?;
    // The cache lives where a warm run will look for it.
    let root = guess.unwrap_or_else(|| ws.root.clone());
    let head = crate::project::git::head(&root);
    let files = status::watched_files(&ws.root, &ws.packages);
    let cache = status::cache_path(&root, env);
    if let Err(e) = status::write_cache(&cache, files, &key, head.as_deref(), now, &s) {
        printer.warn(&format!("the status was not cached: {e}"));
    }
    show(printer, global, &s)
}

fn show(printer: &Printer, global: &GlobalArgs, s: &Status) -> anyhow::Result<()> {
    if global.output_format == OutputFormat::Json {
        printer.machine(&format!(
            "{}\n",
            serde_json::to_string_pretty(s).expect("the status serializes")
        ));
        return Ok(());
    }
    let width = s
        .crates
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!(
        "{HEADING}{:<width$}  {:<10} {:<10} {:<14} blocked by{HEADING:#}\n",
        "crate", "local", "registry", "state"
    );
    for r in &s.crates {
        out.push_str(&format!(
            "{:<width$}  {:<10} {:<10} {:<14} {}\n",
            r.name,
            r.local,
            r.registry.as_deref().unwrap_or("-"),
            r.state,
            r.blocked_by.join(", ")
        ));
    }
    out.push_str(&format!("{}\n", s.rate_limit));
    if s.new > 0 {
        out.push_str(
            "new crates need an API token: crates.io's trusted publishing cannot create a crate\n",
        );
    }
    for p in &s.problems {
        out.push_str(&format!("problem: {p}\n"));
    }
    if s.cached {
        out.push_str(&format!(
            "{DIM}(cached; refreshed after 15 minutes or any change){DIM:#}\n"
        ));
    }
    printer.human(&out);
    Ok(())
}
