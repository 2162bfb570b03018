//! `consign migrate`: move `[workspace.metadata.dist]` into `dist-workspace.toml`.

use crate::cli::GlobalArgs;
use crate::init;
use crate::output::Printer;
use crate::project;
use crate::settings::{self, Environment};

pub fn exec(global: &GlobalArgs, env: &Environment, printer: &Printer) -> anyhow::Result<()> {
    // Not `project::load`: the config may be in both places after a crash,
    // which loading refuses and migrating repairs.
    let root = project::workspace_root(&settings::load(global, env))?;
    let done = init::migrate::plan_migrate(&root)?;
    init::write_changes(&done.changes)?;
    super::init::report(&done, global, printer)
}
