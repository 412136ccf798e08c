//! The `sonde` binary: parses the role and its flags, then starts it.

use std::process::ExitCode;

use clap::Parser;
use sonde::cli::{CheckCommand, Cli, Command, PushCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::All(args) => exit(sonde::roles::all::run(args)),
        Command::Meta(args) => exit(sonde::roles::meta::run(args)),
        Command::Scraper(args) => exit(sonde::roles::scraper::run(args)),
        Command::Storage(args) => exit(sonde::roles::storage::run(args)),
        Command::Query(args) => exit(sonde::roles::query::run(args)),
        Command::Ruler(args) => exit(sonde::roles::ruler::run(args)),
        Command::Alertmanager(args) => exit(sonde::roles::alertmanager::run(args)),
        Command::Cluster(command) => sonde::roles::cluster::run(command),
        Command::Check(CheckCommand::Config { files }) => sonde::roles::check::config(&files),
        Command::Check(CheckCommand::AlertmanagerConfig { files }) => sonde::roles::check::alertmanager_config(&files),
        Command::Check(CheckCommand::Rules { files, lint, lint_fatal }) => {
            sonde::roles::check::rules(&files, &lint, lint_fatal)
        }
        Command::Check(CheckCommand::Healthy { url }) => sonde::roles::check::endpoint(&url, "/-/healthy", "Healthy"),
        Command::Push(PushCommand::Metrics { url, files, labels, timeout }) => {
            sonde::roles::push::metrics(&url, &files, &labels, &timeout)
        }
        Command::Check(CheckCommand::Ready { url }) => sonde::roles::check::endpoint(&url, "/-/ready", "Ready"),
    }
}

fn exit(result: anyhow::Result<()>) -> ExitCode {
    sonde::telemetry::trace::shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sonde: {e:#}");
            ExitCode::FAILURE
        }
    }
}
