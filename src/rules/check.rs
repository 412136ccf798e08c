//! `check rules`: checks rule files and reports as `promtool check rules` of
//! Prometheus 3.x does (prometheus/prometheus cmd/promtool/main.go
//! `CheckRules`): per file `Checking <file>` on stdout, then either the errors
//! under `  FAILED:` on stderr, or the lint failure, or `  SUCCESS: <n> rules
//! found`; exit code 0, 1 for errors, 3 for lint failures with `--lint-fatal`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::file::{ParseOptions, RuleFile, read_rule_file};
use super::lint::{duplicate_rules, duplicates_message};

pub const SUCCESS_EXIT_CODE: i32 = 0;
pub const FAILURE_EXIT_CODE: i32 = 1;
/// One or more lint problems, with `--lint-fatal`.
pub const LINT_EXIT_CODE: i32 = 3;

/// Which lints run (`--lint`); promtool's default is `duplicate-rules`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lint {
    None,
    #[default]
    DuplicateRules,
    All,
}

impl Lint {
    /// Reads the comma-separated `--lint` value; unknown options come back as
    /// the warnings promtool prints on stdout.
    pub fn from_flag(value: &str) -> (Lint, Vec<String>) {
        let mut lint = Lint::None;
        let mut warnings = Vec::new();
        if value.is_empty() {
            return (lint, warnings);
        }
        for option in value.split(',') {
            match option {
                "all" => lint = Lint::All,
                "duplicate-rules" if lint != Lint::All => lint = Lint::DuplicateRules,
                "duplicate-rules" | "none" => {}
                _ => warnings.push(format!("WARNING: unknown lint option: {}", super::error::go_quote(option))),
            }
        }
        (lint, warnings)
    }

    fn duplicate_rules(self) -> bool {
        self != Lint::None
    }
}

/// Everything `check rules` can be told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    pub lint: Lint,
    /// Exit with [`LINT_EXIT_CODE`] when only lints failed (`--lint-fatal`).
    pub lint_fatal: bool,
    pub parse: ParseOptions,
}

/// Checks `files` with Prometheus 3.x name validation, writing promtool's
/// report; returns the exit code.
pub fn check_rules(files: &[PathBuf], lint: Lint, lint_fatal: bool, out: &mut impl Write, err: &mut impl Write) -> i32 {
    check_rules_with(files, &CheckOptions { lint, lint_fatal, parse: ParseOptions::default() }, out, err)
}

/// Like [`check_rules`], with every option.
pub fn check_rules_with(files: &[PathBuf], options: &CheckOptions, out: &mut impl Write, err: &mut impl Write) -> i32 {
    if files.is_empty() {
        let _ = writeln!(err, "no rule files given");
        return FAILURE_EXIT_CODE;
    }
    let mut outcome = Outcome::default();
    for file in files {
        outcome.add(check_file(file, options, out, err));
    }
    outcome.exit_code(options.lint_fatal)
}

/// How one file fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileOutcome {
    Valid,
    LintFailed,
    Invalid,
}

#[derive(Debug, Default)]
struct Outcome {
    failed: bool,
    has_errors: bool,
}

impl Outcome {
    fn add(&mut self, file: FileOutcome) {
        self.failed |= file != FileOutcome::Valid;
        self.has_errors |= file == FileOutcome::Invalid;
    }

    fn exit_code(&self, lint_fatal: bool) -> i32 {
        match (self.failed, self.has_errors) {
            (true, true) => FAILURE_EXIT_CODE,
            (true, false) if lint_fatal => LINT_EXIT_CODE,
            _ => SUCCESS_EXIT_CODE,
        }
    }
}

// Write errors on the report streams are ignored, as promtool's fmt.Print calls do.
fn check_file(file: &Path, options: &CheckOptions, out: &mut impl Write, err: &mut impl Write) -> FileOutcome {
    let _ = writeln!(out, "Checking {}", file.display());
    let rules = match read_rule_file(file, &options.parse) {
        Ok(rules) => rules,
        Err(errors) => {
            let _ = writeln!(err, "  FAILED:");
            for error in errors {
                let _ = writeln!(err, "{error}");
            }
            // 3.x prints no blank line after parse errors.
            return FileOutcome::Invalid;
        }
    };
    let outcome = match lint_problems(&rules, options.lint) {
        Some(message) => {
            let _ = writeln!(err, "  FAILED:\n{message}");
            FileOutcome::LintFailed
        }
        None => {
            let _ = writeln!(out, "  SUCCESS: {} rules found", rule_count(&rules));
            FileOutcome::Valid
        }
    };
    let _ = writeln!(out);
    outcome
}

fn lint_problems(rules: &RuleFile, lint: Lint) -> Option<String> {
    if !lint.duplicate_rules() {
        return None;
    }
    let duplicates = duplicate_rules(rules);
    (!duplicates.is_empty()).then(|| duplicates_message(&duplicates))
}

fn rule_count(rules: &RuleFile) -> usize {
    rules.groups.iter().map(|group| group.rules.len()).sum()
}
