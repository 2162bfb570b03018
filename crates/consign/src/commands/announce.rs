//! `consign announce`: publish the release if that has not happened yet, then
//! send a `repository_dispatch` to each repository in `dispatch-repositories`.

use super::host::{render, Bars, Setup};
use crate::cli::{AnnounceArgs, GlobalArgs, OutputFormat};
use crate::error::UserError;
use crate::host::{self, HostReport};
use crate::output::Printer;
use crate::settings::{Environment, HostSettings};

pub fn exec(
    global: &GlobalArgs,
    env: &Environment,
    _args: &AnnounceArgs,
    printer: &Printer,
) -> anyhow::Result<()> {
    let setup = Setup::load(&HostSettings::announce(global, env))?;
    let repos = setup
        .ws
        .config
        .dispatch_repositories
        .clone()
        .unwrap_or_default();
    let report = if setup.repo.is_none() {
        if !repos.is_empty() {
            return Err(UserError::new(
                "`dispatch-repositories` is set, but the release is not hosted on GitHub",
            )
            .hint("set `[package].repository` to the GitHub repository the release goes to")
            .into());
        }
        printer.warn("the release is not hosted on GitHub; there is nothing to announce");
        HostReport {
            tag: setup.tag.clone(),
            ..HostReport::default()
        }
    } else {
        let bars = Bars::new(printer);
        let (client, journal) = setup.connect(&bars)?;
        let session = setup.session(&client, &journal);
        let result = host::announce(&session, &repos, &bars);
        bars.clear();
        result?
    };
    match global.output_format {
        OutputFormat::Json => printer.machine(&(serde_json::to_string_pretty(&report)? + "\n")),
        OutputFormat::Human => printer.human(&render(&report)),
    }
    Ok(())
}
