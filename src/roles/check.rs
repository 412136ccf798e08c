//! `sonde check …`: promtool's checks and output (config, rules, an
//! Alertmanager config, a node's health), exit code 1 when a check fails.

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

/// `sonde check healthy|ready --url URL`: GETs URL's `path` and exits 0 on a
/// 200 answer, 1 otherwise, saying why (promtool's behaviour, so the same
/// command serves as a container health check in an image with no shell).
pub fn endpoint(url: &str, path: &str, state: &str) -> ExitCode {
    let target = format!("{}{path}", url.trim_end_matches('/'));
    match get_status(&target) {
        Ok(200) => {
            println!("Sonde server at {url} is {state}.");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("  FAILED: {target} answered HTTP {status}");
            ExitCode::FAILURE
        }
        Err(reason) => {
            eprintln!("  FAILED: {target}: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn get_status(url: &str) -> Result<u16, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client =
            reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
        let response = client.get(url).send().await.map_err(|e| format!("{:#}", anyhow::Error::from(e)))?;
        Ok(response.status().as_u16())
    })
}
