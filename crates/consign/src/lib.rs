//! # consign
//!
//! A release and distribution tool for Rust. A release is a plan before it is
//! an action: [`project`] loads the workspace (the only I/O before planning),
//! [`plan`] turns it into a pure, serializable [`plan::Plan`], and
//! [`commands`] carry the plan out.

pub mod build;
pub mod changelog;
pub mod channel;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod error;
pub mod fs;
pub mod host;
pub mod init;
pub mod installer;
pub mod journal;
pub mod output;
pub mod plan;
pub mod project;
/// Parser properties shared by the fuzz targets and the corpus replay test.
#[doc(hidden)]
pub mod properties;
pub mod release;
pub mod settings;
pub mod targets;
pub mod time;
pub mod verify;

/// The integration tests' rule for external tools, shared with the unit
/// tests: a missing tool fails the test with "install X (see .ci/run)".
#[cfg(test)]
#[path = "../tests/common/tools.rs"]
pub(crate) mod test_tools;

use std::process::ExitCode;

/// Run the CLI: exit code 0 on success, 1 on error, 2 on a usage error.
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = cli::parse_from(args);
    let printer = output::Printer::new(cli.global.color, cli.global.quiet, cli.global.verbose);
    let env = settings::Environment::capture();
    match commands::run(&cli, &printer, &env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            printer.error(&err);
            ExitCode::from(1)
        }
    }
}
