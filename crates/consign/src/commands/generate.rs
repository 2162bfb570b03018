//! `consign generate`.

use crate::cli::{GenerateArgs, GlobalArgs};
use crate::output::Printer;

pub fn exec(_global: &GlobalArgs, _args: &GenerateArgs, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`consign generate` is not built yet")
}

/// Run `generate` at the end of `consign init`.
pub(super) fn after_init(global: &GlobalArgs, printer: &Printer) -> anyhow::Result<()> {
    let _ = (global, printer);
    Ok(())
}
