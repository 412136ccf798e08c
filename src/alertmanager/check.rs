//! `check-config` for alertmanager.yml, reporting as `amtool check-config`
//! does: per file a SUCCESS or FAILED line, what the file holds, and
//! whether its templates parse; exit code 1 when any file failed.

use std::fmt::Write as _;
use std::path::Path;

use super::config::Config;
use crate::config::expand_glob;
use crate::template::Template;
use crate::template::funcs_prometheus::alertmanager_funcs;

/// What a check printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub stdout: String,
    pub stderr: String,
    /// 0 when every file and its templates are valid, 1 otherwise.
    pub exit_code: i32,
}

/// Checks one file.
pub fn check_alertmanager_config(path: impl AsRef<Path>) -> CheckOutcome {
    check_alertmanager_configs(&[path])
}

/// Checks each file in turn, as `amtool check-config FILE...` does.
pub fn check_alertmanager_configs<P: AsRef<Path>>(paths: &[P]) -> CheckOutcome {
    let mut stdout = String::new();
    let mut failed = 0;
    for path in paths {
        failed += check_one(path.as_ref(), &mut stdout);
    }
    let stderr = if failed > 0 { format!("failed to validate {failed} file(s)\n") } else { String::new() };
    CheckOutcome { stdout, stderr, exit_code: i32::from(failed > 0) }
}

/// Appends one file's report; returns how many checks failed (0, 1 or 2).
fn check_one(path: &Path, out: &mut String) -> usize {
    let _ = write!(out, "Checking '{}'", path.display());
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(error) => {
            let _ = writeln!(out, "  FAILED: {error}\n");
            return 1;
        }
    };
    let _ = writeln!(out, "  SUCCESS");
    let _ = writeln!(out, "Found:\n - global config\n - route");
    let _ = writeln!(out, " - {} inhibit rules", config.inhibit_rules.len());
    let _ = writeln!(out, " - {} receivers", config.receivers.len());
    let _ = writeln!(out, " - {} templates", config.templates.len());
    let mut failed = 0;
    if !config.templates.is_empty() {
        match check_templates(&config.templates) {
            Ok(()) => out.push_str("  SUCCESS\n"),
            Err(error) => {
                let _ = writeln!(out, "  FAILED: {error}");
                failed = 1;
            }
        }
    }
    out.push('\n');
    failed
}

/// Parses every file the template patterns match into one template set,
/// each under its base name, as upstream's `template.FromGlobs` does;
/// patterns that match nothing are fine.
pub fn check_templates(patterns: &[String]) -> Result<(), String> {
    let mut template = Template::new("").with_funcs(&alertmanager_funcs());
    for pattern in patterns {
        for file in expand_glob(pattern).map_err(|error| error.to_string())? {
            let text = std::fs::read_to_string(&file).map_err(|error| format!("open {}: {error}", file.display()))?;
            template.add(&base_name(&file), &text).map_err(|error| error.to_string())?;
        }
    }
    Ok(())
}

fn base_name(file: &Path) -> String {
    file.file_name().map_or_else(|| file.display().to_string(), |name| name.to_string_lossy().into_owned())
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
