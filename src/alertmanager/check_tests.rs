use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

fn testdata(directory: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/alertmanager/testdata").join(directory);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|error| panic!("{}: {error}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "yml"))
        .collect();
    files.sort();
    files
}

/// The `# expect: …` first line of a test file.
fn expectation(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap_or("");
    first.strip_prefix("# expect: ").unwrap_or_else(|| panic!("{}: no expect line", path.display())).to_string()
}

#[test]
fn success_is_reported_like_amtool() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/alertmanager/testdata/good/minimal.yml");
    let outcome = check_alertmanager_config(&path);
    let expected = format!(
        "Checking '{}'  SUCCESS\nFound:\n - global config\n - route\n - 0 inhibit rules\n - 1 receivers\n - 0 templates\n\n",
        path.display()
    );
    assert_eq!(outcome, CheckOutcome { stdout: expected, stderr: String::new(), exit_code: 0 });
}

#[test]
fn templates_are_parsed_when_present() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/alertmanager/testdata/good/full.yml");
    let outcome = check_alertmanager_config(&path);
    assert!(
        outcome.stdout.ends_with(" - 2 inhibit rules\n - 5 receivers\n - 1 templates\n  SUCCESS\n\n"),
        "{}",
        outcome.stdout
    );
    assert_eq!(outcome.exit_code, 0);

    let broken = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/alertmanager/testdata/bad/broken_template.yml");
    let outcome = check_alertmanager_config(&broken);
    assert!(outcome.stdout.contains("  SUCCESS\nFound:\n"), "the file itself is valid: {}", outcome.stdout);
    assert!(outcome.stdout.contains(" - 1 templates\n  FAILED: template: broken.tmpl:"), "{}", outcome.stdout);
    assert_eq!((outcome.exit_code, outcome.stderr.as_str()), (1, "failed to validate 1 file(s)\n"));
}

#[test]
fn failures_are_reported_like_amtool() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/alertmanager/testdata/bad/undefined_receiver.yml");
    let outcome = check_alertmanager_configs(&[&path, &path]);
    let line = format!(
        "Checking '{0}'  FAILED: {0}:6:7: route.routes[0].receiver: undefined receiver \"nobody\" used in route\n\n",
        path.display()
    );
    assert_eq!(outcome.stdout, line.repeat(2));
    assert_eq!((outcome.exit_code, outcome.stderr.as_str()), (1, "failed to validate 2 file(s)\n"));
}

#[test]
fn good_files_pass_and_bad_files_fail_with_their_message() {
    for path in testdata("good") {
        let outcome = check_alertmanager_config(&path);
        assert_eq!(outcome.exit_code, 0, "{}", outcome.stdout);
    }
    for path in testdata("bad").into_iter().chain(testdata("differs")) {
        let outcome = check_alertmanager_config(&path);
        let expected = expectation(&path);
        if expected == "SUCCESS" {
            assert_eq!(outcome.exit_code, 0, "{}", outcome.stdout);
            continue;
        }
        assert_eq!(outcome.exit_code, 1, "{}", outcome.stdout);
        assert!(outcome.stdout.contains(&expected), "{}: expected {expected:?} in\n{}", path.display(), outcome.stdout);
    }
}

/// amtool's verdict on a file, when amtool (Debian's prometheus-alertmanager) is installed.
fn amtool_accepts(path: &Path) -> Option<bool> {
    let output = Command::new("amtool").arg("check-config").arg(path).output().ok()?;
    Some(output.status.success())
}

#[test]
fn agrees_with_amtool_when_installed() {
    let Some(_) = amtool_accepts(Path::new("/dev/null")) else {
        eprintln!("amtool is not installed; skipping the comparison");
        return;
    };
    for path in testdata("good").into_iter().chain(testdata("bad")) {
        let ours = check_alertmanager_config(&path).exit_code == 0;
        assert_eq!(amtool_accepts(&path), Some(ours), "{}", path.display());
    }
    // Known, deliberate differences: each verdict is the opposite of amtool 0.25's.
    for path in testdata("differs") {
        let ours = check_alertmanager_config(&path).exit_code == 0;
        assert_eq!(amtool_accepts(&path), Some(!ours), "{}", path.display());
    }
}
