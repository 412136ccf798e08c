//! `check rules`: report format and exit codes, the data-driven suite in
//! `src/rules/testdata/` and, where promtool is installed, agreement with it.
//!
//! Each `src/rules/testdata/<name>.yml` has `<name>.expected`: the exit code, then
//! stdout and stderr of checking that file alone with the default lint. Run the
//! tests with `UPDATE_EXPECTED=1` to rewrite them after a deliberate change.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::check::{CheckOptions, Lint, check_rules, check_rules_with};

struct Report {
    code: i32,
    out: String,
    err: String,
}

fn run(files: &[PathBuf], options: &CheckOptions) -> Report {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = check_rules_with(files, options, &mut out, &mut err);
    Report { code, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}

/// A scratch directory with the given files, removed on drop.
struct Files {
    directory: PathBuf,
}

impl Files {
    fn new(test: &str, files: &[(&str, &str)]) -> Files {
        let directory = std::env::temp_dir().join(format!("sonde-check-rules-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        for (name, text) in files {
            std::fs::write(directory.join(name), text).unwrap();
        }
        Files { directory }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.directory.join(name)
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

const GOOD: &str =
    "groups:\n  - name: g\n    rules:\n      - {record: a, expr: up}\n      - {alert: B, expr: up == 0}\n";
const BAD: &str = "groups:\n  - name: g\n    rules:\n      - {record: a}\n";
const DUPLICATE: &str =
    "groups:\n  - name: g\n    rules:\n      - {record: a, expr: up}\n      - {record: a, expr: up}\n";

#[test]
fn reports_success_failure_and_lint_in_promtool_format() {
    let files = Files::new("format", &[("good.yml", GOOD), ("bad.yml", BAD), ("dup.yml", DUPLICATE)]);
    let paths = [files.path("good.yml"), files.path("bad.yml"), files.path("dup.yml")];
    let report = run(&paths, &CheckOptions::default());
    let [good, bad, dup] = paths.map(|path| path.display().to_string());
    assert_eq!(report.out, format!("Checking {good}\n  SUCCESS: 2 rules found\n\nChecking {bad}\nChecking {dup}\n\n"));
    assert_eq!(
        report.err,
        format!(
            "  FAILED:\n{bad}: 0:0: group \"g\", rule 1, \"a\": field 'expr' must be set in rule\n  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: a\nLabel(s):\nMight cause inconsistency while recording expressions\n"
        )
    );
    assert_eq!(report.code, 1);
}

#[test]
fn exit_codes() {
    let files = Files::new("exit", &[("good.yml", GOOD), ("bad.yml", BAD), ("dup.yml", DUPLICATE)]);
    let (good, bad, dup) = (files.path("good.yml"), files.path("bad.yml"), files.path("dup.yml"));
    let code = |paths: &[PathBuf], lint: Lint, lint_fatal: bool| {
        check_rules(paths, lint, lint_fatal, &mut Vec::new(), &mut Vec::new())
    };
    assert_eq!(code(std::slice::from_ref(&good), Lint::DuplicateRules, true), 0);
    assert_eq!(code(std::slice::from_ref(&dup), Lint::DuplicateRules, false), 0, "lint failures alone pass");
    assert_eq!(code(std::slice::from_ref(&dup), Lint::DuplicateRules, true), 3);
    assert_eq!(code(std::slice::from_ref(&dup), Lint::All, true), 3);
    assert_eq!(code(std::slice::from_ref(&dup), Lint::None, true), 0);
    assert_eq!(code(&[dup.clone(), bad.clone()], Lint::DuplicateRules, true), 1, "errors outrank lints");
    assert_eq!(code(&[bad, good], Lint::None, false), 1, "a later good file does not clear a failure");
    assert_eq!(code(&[files.path("missing.yml")], Lint::None, false), 1);
    assert_eq!(code(&[], Lint::None, false), 1);
}

#[test]
fn lint_none_counts_duplicates_as_rules() {
    let files = Files::new("lint-none", &[("dup.yml", DUPLICATE)]);
    let path = files.path("dup.yml");
    let report = run(std::slice::from_ref(&path), &CheckOptions { lint: Lint::None, ..CheckOptions::default() });
    assert_eq!(report.out, format!("Checking {}\n  SUCCESS: 2 rules found\n\n", path.display()));
    assert_eq!(report.err, "");
}

#[test]
fn missing_files_and_no_files() {
    let missing = PathBuf::from("/nonexistent/rules.yml");
    let report = run(&[missing], &CheckOptions::default());
    assert_eq!(report.out, "Checking /nonexistent/rules.yml\n");
    assert_eq!(
        report.err,
        "  FAILED:\n/nonexistent/rules.yml: open /nonexistent/rules.yml: no such file or directory\n"
    );
    let report = run(&[], &CheckOptions::default());
    assert_eq!((report.code, report.out.as_str(), report.err.as_str()), (1, "", "no rule files given\n"));
}

#[test]
fn lint_flag_values() {
    assert_eq!(Lint::from_flag("duplicate-rules"), (Lint::DuplicateRules, vec![]));
    assert_eq!(Lint::from_flag("all,none"), (Lint::All, vec![]));
    assert_eq!(Lint::from_flag("none"), (Lint::None, vec![]));
    assert_eq!(Lint::from_flag(""), (Lint::None, vec![]));
    assert_eq!(
        Lint::from_flag("foo,duplicate-rules"),
        (Lint::DuplicateRules, vec!["WARNING: unknown lint option: \"foo\"".to_string()])
    );
}

fn testdata() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("src/rules/testdata")
        .expect("run from the crate root")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "yml"))
        .collect();
    files.sort();
    files
}

fn expected_text(report: &Report) -> String {
    format!("exit code: {}\n--- stdout\n{}--- stderr\n{}", report.code, report.out, report.err)
}

#[test]
fn testdata_files_give_the_expected_reports() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let files = testdata();
    assert!(files.len() >= 8, "testdata/rules is missing files: {files:?}");
    for file in files {
        let report = run(std::slice::from_ref(&file), &CheckOptions::default());
        let expected_file = file.with_extension("expected");
        let actual = expected_text(&report);
        if update {
            std::fs::write(&expected_file, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
        assert_eq!(actual, expected, "{} (rerun with UPDATE_EXPECTED=1 to accept)", file.display());
        let kind = file.file_stem().and_then(|stem| Path::new(stem).extension()).and_then(|kind| kind.to_str());
        let want = match kind {
            Some("good") | Some("lint") => 0,
            _ => 1,
        };
        assert_eq!(report.code, want, "{}", file.display());
    }
}

/// What promtool says of a file: its exit code and the rule count it found.
fn promtool(file: &Path) -> Option<(i32, Option<usize>)> {
    let output = Command::new("promtool").args(["check", "rules"]).arg(file).output().ok()?;
    Some((output.status.code()?, rule_count(&String::from_utf8_lossy(&output.stdout))))
}

fn rule_count(stdout: &str) -> Option<usize> {
    stdout.lines().find_map(|line| line.trim().strip_prefix("SUCCESS: ")?.strip_suffix(" rules found")?.parse().ok())
}

/// Files on which Prometheus 2.42's promtool (the one packaged here) must not
/// agree with a 3.x reading: `query_offset` is a 2.53 addition.
const NEWER_THAN_2_42: &[&str] = &["node_recording.good.yml"];

#[test]
fn testdata_agrees_with_promtool_where_installed() {
    if promtool(Path::new("testdata/rules/empty.good.yml")).is_none() {
        eprintln!("promtool not installed; skipping");
        return;
    }
    for file in testdata() {
        let ours = run(std::slice::from_ref(&file), &CheckOptions::default());
        let ours = (ours.code, rule_count(&ours.out));
        let theirs = promtool(&file).unwrap();
        let name = file.file_name().unwrap().to_str().unwrap();
        if NEWER_THAN_2_42.contains(&name) {
            assert_ne!(ours, theirs, "{name} is listed as differing but agrees");
        } else {
            assert_eq!(ours, theirs, "{name}: (exit code, rules) differ from promtool");
        }
    }
}
