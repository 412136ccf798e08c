//! `sonde check config FILE…`: promtool's checks and output, exit code 1 when
//! any file fails.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{CheckReport, check_config};

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
