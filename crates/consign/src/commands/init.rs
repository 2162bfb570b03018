//! `consign init`.

use crate::cli::{GlobalArgs, InitArgs};
use crate::output::Printer;

pub fn exec(_global: &GlobalArgs, _args: &InitArgs, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`consign init` is not built yet")
}
