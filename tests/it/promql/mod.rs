//! Prometheus' own PromQL test files (`promql/promqltest/testdata/*.test`) as
//! Sonde's acceptance suite. The files are read from `../shared/promql-testdata/`
//! (or `SONDE_PROMQL_TESTDATA`), never copied here. The run fails only on a
//! regression against `baseline.txt`, the evals known to pass, so the engine
//! can grow file by file; `SONDE_PROMQL_BLESS=1` rewrites the baseline.

mod compare;
mod notation;
mod on_cluster;
mod runner;
mod script;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use runner::{Backend, Outcome};

/// Failure messages shown per file.
const FAILURES_SHOWN: usize = 3;

/// `SONDE_PROMQL_VERBOSE=1` shows every failure instead of the first few.
fn failures_shown() -> usize {
    if std::env::var_os("SONDE_PROMQL_VERBOSE").is_some() { usize::MAX } else { FAILURES_SHOWN }
}
/// Longest failure message shown.
const MESSAGE_CHARS: usize = 400;

/// Evals known to pass: file name and eval line.
type Baseline = BTreeSet<(String, usize)>;

fn testdata_dir() -> PathBuf {
    match std::env::var_os("SONDE_PROMQL_TESTDATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/promql-testdata"),
    }
}

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/promql/baseline.txt")
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read PromQL test files in {dir:?}: {e}"));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "test"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .test files in {dir:?}");
    files
}

/// Parses `<file>:<line>` lines; `#` starts a comment.
fn parse_baseline(text: &str) -> Result<Baseline, String> {
    let mut baseline = Baseline::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line.rsplit_once(':').and_then(|(file, number)| Some((file.to_string(), number.parse().ok()?)));
        baseline.insert(
            parsed.ok_or_else(|| format!("baseline line {}: expected <file>:<line>, found {line:?}", index + 1))?,
        );
    }
    Ok(baseline)
}

fn format_baseline(baseline: &Baseline) -> String {
    let mut text = String::from(
        "# PromQL test-file evals known to pass (<file>:<eval line>); checked by\n\
         # tests/it/promql. Regenerate with SONDE_PROMQL_BLESS=1 cargo test promql_test_files.\n",
    );
    for (file, line) in baseline {
        text.push_str(&format!("{file}:{line}\n"));
    }
    text
}

/// What one file's run came to.
struct FileReport {
    name: String,
    outcomes: Vec<(usize, Outcome)>,
    notes: Vec<String>,
}

impl FileReport {
    fn count(&self, wanted: fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, outcome)| wanted(outcome)).count()
    }

    fn passed(&self) -> impl Iterator<Item = usize> + '_ {
        self.outcomes.iter().filter(|(_, o)| *o == Outcome::Passed).map(|(line, _)| *line)
    }

    /// Summary line, first failures and grouped skip reasons.
    fn render(&self) -> String {
        let passed = self.count(|o| *o == Outcome::Passed);
        let failed = self.count(|o| matches!(o, Outcome::Failed(_)));
        let skipped = self.count(|o| matches!(o, Outcome::Skipped(_)));
        let mut text = format!("{}: {passed} passed, {failed} failed, {skipped} skipped\n", self.name);
        let failures = self.outcomes.iter().filter_map(|(line, o)| match o {
            Outcome::Failed(message) => Some((line, message)),
            _ => None,
        });
        for (line, message) in failures.take(failures_shown()) {
            text.push_str(&format!("    line {line}: {}\n", shorten(message)));
        }
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, outcome) in &self.outcomes {
            if let Outcome::Skipped(reason) = outcome {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
        }
        for (reason, count) in reasons {
            text.push_str(&format!("    skipped {count}: {}\n", shorten(reason)));
        }
        for note in &self.notes {
            text.push_str(&format!("    note: {}\n", shorten(note)));
        }
        text
    }
}

fn shorten(message: &str) -> String {
    match message.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_string(),
    }
}

async fn run_file(path: &Path, backend: &Backend) -> FileReport {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return FileReport { name, outcomes: Vec::new(), notes: vec![format!("cannot read: {e}")] },
    };
    let (outcomes, notes) = runner::run_script(&script::parse_script(&text), backend).await;
    FileReport { name, outcomes, notes }
}

/// Baseline entries that did not pass (regressions) and passes the baseline
/// lacks (newly passing).
fn against_baseline(baseline: &Baseline, reports: &[FileReport]) -> (Vec<String>, Baseline) {
    let mut passing = Baseline::new();
    for report in reports {
        passing.extend(report.passed().map(|line| (report.name.clone(), line)));
    }
    let mut regressions = Vec::new();
    for (file, line) in baseline.difference(&passing) {
        let report = reports.iter().find(|r| &r.name == file);
        let outcome = report.and_then(|r| r.outcomes.iter().find(|(l, _)| l == line)).map(|(_, o)| o);
        let why = match outcome {
            Some(Outcome::Failed(message)) => shorten(message),
            Some(Outcome::Skipped(reason)) => format!("skipped: {reason}"),
            Some(Outcome::Passed) | None => "no eval at this line".to_string(),
        };
        regressions.push(format!("{file}:{line}: {why}"));
    }
    let newly_passing = passing.difference(baseline).cloned().collect();
    (regressions, newly_passing)
}

fn summarize(reports: &[FileReport]) -> String {
    let total = |wanted: fn(&Outcome) -> bool| reports.iter().map(|r| r.count(wanted)).sum::<usize>();
    format!(
        "total: {} passed, {} failed, {} skipped (step-invariance variants with `@` are not run)",
        total(|o| *o == Outcome::Passed),
        total(|o| matches!(o, Outcome::Failed(_))),
        total(|o| matches!(o, Outcome::Skipped(_)))
    )
}

#[test]
fn promql_test_files() {
    let dir = testdata_dir();
    if !dir.is_dir() && std::env::var_os("CI").is_none() {
        eprintln!(
            "SKIPPED: no PromQL test files at {dir:?}; they live in ../shared/promql-testdata beside the checkout"
        );
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let files = test_files(&dir);
    let reports: Vec<FileReport> = files.iter().map(|path| runtime.block_on(run_file(path, &Backend::Local))).collect();
    for report in &reports {
        print!("{}", report.render());
    }
    println!("{}", summarize(&reports));
    let baseline_text = std::fs::read_to_string(baseline_path()).unwrap_or_default();
    let baseline = parse_baseline(&baseline_text).unwrap_or_else(|e| panic!("{e}"));
    let (regressions, newly_passing) = against_baseline(&baseline, &reports);
    if std::env::var("SONDE_PROMQL_BLESS").is_ok_and(|v| v == "1") {
        let passing: Baseline = reports.iter().flat_map(|r| r.passed().map(|l| (r.name.clone(), l))).collect();
        std::fs::write(baseline_path(), format_baseline(&passing)).expect("cannot write the baseline");
        println!("baseline rewritten: {} passing evals", passing.len());
        return;
    }
    if !newly_passing.is_empty() {
        let shown: Vec<String> = newly_passing.iter().take(20).map(|(f, l)| format!("{f}:{l}")).collect();
        println!("{} newly passing — add to baseline (SONDE_PROMQL_BLESS=1): {}", newly_passing.len(), shown.join(" "));
    }
    assert!(
        regressions.is_empty(),
        "{} regressions against the baseline:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
}

/// The same files through a loopback cluster (distributor → 5 storage
/// nodes with RF 3 → fan-out reads): every eval of the baseline must pass
/// there too.
#[test]
fn promql_test_files_against_the_cluster() {
    let dir = testdata_dir();
    if !dir.is_dir() && std::env::var_os("CI").is_none() {
        eprintln!(
            "SKIPPED: no PromQL test files at {dir:?}; they live in ../shared/promql-testdata beside the checkout"
        );
        return;
    }
    let cluster = on_cluster::start_cluster();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let (backend, _member) = runtime.block_on(on_cluster::backend(&cluster));
    let started = std::time::Instant::now();
    let reports: Vec<FileReport> =
        test_files(&dir).iter().map(|path| runtime.block_on(run_file(path, &backend))).collect();
    println!("cluster: {} in {:.1} s", summarize(&reports), started.elapsed().as_secs_f64());
    let baseline_text = std::fs::read_to_string(baseline_path()).unwrap_or_default();
    let baseline = parse_baseline(&baseline_text).unwrap_or_else(|e| panic!("{e}"));
    let (regressions, _) = against_baseline(&baseline, &reports);
    assert!(
        regressions.is_empty(),
        "{} evals of the baseline fail against the cluster:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
}

#[test]
fn baseline_round_trips_and_rejects_garbage() {
    let baseline: Baseline = [("a.test".to_string(), 3), ("b-c.test".to_string(), 10)].into();
    assert_eq!(parse_baseline(&format_baseline(&baseline)).unwrap(), baseline);
    assert!(parse_baseline("a.test").is_err());
    assert!(parse_baseline("a.test:x").is_err());
}

#[test]
fn regressions_and_new_passes_are_told_apart() {
    let report = FileReport {
        name: "f.test".into(),
        outcomes: vec![
            (1, Outcome::Passed),
            (5, Outcome::Failed("wrong value".into())),
            (9, Outcome::Skipped("native histograms".into())),
            (12, Outcome::Passed),
        ],
        notes: Vec::new(),
    };
    let baseline: Baseline = [("f.test".to_string(), 1), ("f.test".to_string(), 5), ("f.test".to_string(), 9)].into();
    let (regressions, newly_passing) = against_baseline(&baseline, &[report]);
    assert_eq!(regressions, vec!["f.test:5: wrong value", "f.test:9: skipped: native histograms"]);
    assert_eq!(newly_passing, [("f.test".to_string(), 12)].into());
    let missing: Baseline = [("gone.test".to_string(), 2)].into();
    assert_eq!(against_baseline(&missing, &[]).0, vec!["gone.test:2: no eval at this line"]);
}

#[test]
fn report_groups_skip_reasons() {
    let report = FileReport {
        name: "f.test".into(),
        outcomes: vec![
            (1, Outcome::Skipped("native histograms".into())),
            (2, Outcome::Skipped("native histograms".into())),
            (3, Outcome::Failed("x".into())),
        ],
        notes: vec!["line 7: load failed".into()],
    };
    let text = report.render();
    assert!(text.starts_with("f.test: 0 passed, 1 failed, 2 skipped\n"), "{text}");
    assert!(text.contains("skipped 2: native histograms"), "{text}");
    assert!(text.contains("line 3: x") && text.contains("note: line 7: load failed"), "{text}");
}
