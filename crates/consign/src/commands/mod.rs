//! One module per command. A command resolves its settings from the flags,
//! calls into the library, and prints the result; no release logic lives here.

mod announce;
mod build;
mod generate;
mod host;
mod init;
mod linkage;
mod manifest_schema;
mod merge_manifests;
mod migrate;
mod plan;
mod publish;
mod publish_crates;
mod publish_status;
mod release;
mod release_pr;
mod verify;

use crate::cli::{Cli, Command};
use crate::output::Printer;
use crate::settings::Environment;

/// Run the parsed command line in the environment `env`.
pub fn run(cli: &Cli, printer: &Printer, env: &Environment) -> anyhow::Result<()> {
    match &cli.command {
        Command::Plan => plan::exec(&cli.global, env, printer),
        Command::Verify {
            timeout,
            version_args,
        } => verify::exec(&cli.global, env, *timeout, version_args.as_deref(), printer),
        Command::Build => build::exec(&cli.global, env, printer),
        Command::Linkage { paths } => linkage::exec(&cli.global, env, paths, printer),
        Command::MergeManifests { manifests, output } => {
            merge_manifests::exec(manifests, output.as_deref(), printer)
        }
        Command::ManifestSchema => manifest_schema::exec(printer),
        Command::Init(args) => init::exec(&cli.global, env, args, printer),
        Command::Migrate => migrate::exec(&cli.global, env, printer),
        Command::Generate(args) => generate::exec(&cli.global, env, args, printer),
        Command::Host(args) => host::exec(&cli.global, env, args, printer),
        Command::Announce(args) => announce::exec(&cli.global, env, args, printer),
        Command::Publish(args) => publish::exec(&cli.global, env, args, printer),
        Command::PublishStatus(args) => publish_status::exec(&cli.global, env, args, printer),
        Command::ReleasePr(args) => release_pr::exec(&cli.global, env, args, printer),
        Command::Release(args) => release::exec(&cli.global, env, args, printer),
    }
}
