//! One module per command. A command resolves its settings from the flags,
//! calls into the library, and prints the result; no release logic lives here.

mod manifest_schema;
mod plan;

use crate::cli::{Cli, Command};
use crate::output::Printer;

/// Run the parsed command line.
pub fn run(cli: &Cli, printer: &Printer) -> anyhow::Result<()> {
    match &cli.command {
        Command::Plan => plan::exec(&cli.global, printer),
        Command::ManifestSchema => manifest_schema::exec(printer),
    }
}
