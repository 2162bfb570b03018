//! `consign host`.

use crate::cli::{GlobalArgs, HostArgs};
use crate::output::Printer;

pub fn exec(_global: &GlobalArgs, _args: &HostArgs, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`consign host` is not built yet")
}
