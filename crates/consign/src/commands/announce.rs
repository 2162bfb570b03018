//! `consign announce`.

use crate::cli::{AnnounceArgs, GlobalArgs};
use crate::output::Printer;

pub fn exec(_global: &GlobalArgs, _args: &AnnounceArgs, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`consign announce` is not built yet")
}
