//! `consign migrate`.

use crate::cli::GlobalArgs;
use crate::output::Printer;

pub fn exec(_global: &GlobalArgs, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`consign migrate` is not built yet")
}
