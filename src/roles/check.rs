//! `sonde check config FILE…`: promtool's checks and output, exit code 1 when
//! any file fails.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{CheckReport, check_config};
use crate::rules::{Lint, check_rules};

pub fn config(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for file in files {
        match check_config(file) {
            Ok(report) => print!("{report}"),
            Err(e) => {
                failed = true;
                eprint!("{}", CheckReport::failure(file, &e));
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// `sonde check rules FILE…` with promtool's output and exit codes.
pub fn rules(files: &[PathBuf], lint: &str, lint_fatal: bool) -> ExitCode {
    let (lint, warnings) = Lint::from_flag(lint);
    for warning in warnings {
        eprintln!("{warning}");
    }
    let code = check_rules(files, lint, lint_fatal, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(code as u8)
}

/// `sonde check alertmanager-config FILE…` with amtool's output and exit code.
pub fn alertmanager_config(files: &[PathBuf]) -> ExitCode {
    let outcome = crate::alertmanager::check_alertmanager_configs(files);
    print!("{}", outcome.stdout);
    eprint!("{}", outcome.stderr);
    ExitCode::from(outcome.exit_code as u8)
}
