//! Data-driven tests of the config module: every file in `tests/config/good` must
//! load and pass `check config`; every file in `tests/config/bad` must fail with
//! the error its first line names (`# error: <substring>`).

use std::path::{Path, PathBuf};

use sonde::config::{Action, Config, Duration, check_config};

fn examples(kind: &str) -> Vec<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "yml"))
        .collect();
    files.sort();
    files
}

fn expected_error(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap_or("");
    first
        .strip_prefix("# error: ")
        .unwrap_or_else(|| panic!("{} must start with `# error: <expected message>`", path.display()))
        .to_string()
}

#[test]
fn good_examples_load_and_pass_the_check() {
    let files = examples("good");
    assert!(files.len() >= 10, "only {} good examples", files.len());
    let mut failures = Vec::new();
    for file in &files {
        if let Err(error) = check_config(file) {
            failures.push(format!("{}: {error}", file.display()));
        }
    }
    assert!(failures.is_empty(), "good examples failed:\n{}", failures.join("\n"));
}

#[test]
fn good_examples_print_to_yaml_that_loads_the_same() {
    for file in examples("good") {
        let config = Config::load(&file).unwrap();
        let printed = config.to_yaml();
        let reparsed = Config::parse(&printed, "printed.yml").unwrap_or_else(|error| {
            panic!("{} printed as YAML that does not load: {error}\n{printed}", file.display())
        });
        assert_eq!(reparsed.to_yaml(), printed, "{} does not print stably", file.display());
    }
}

#[test]
fn bad_examples_fail_with_their_expected_error() {
    let files = examples("bad");
    assert!(files.len() >= 25, "only {} bad examples", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let expected = expected_error(file);
        match check_config(file) {
            Ok(_) => failures.push(format!("{}: loaded, expected error containing {expected:?}", file.display())),
            Err(error) if !error.to_string().contains(&expected) => {
                failures.push(format!("{}:\n  expected: {expected}\n  got:      {error}", file.display()))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "bad examples:\n{}", failures.join("\n"));
}

#[test]
fn bad_examples_name_their_file_and_position() {
    for file in examples("bad") {
        let error = check_config(&file).unwrap_err().to_string();
        assert!(error.starts_with(&file.display().to_string()), "{error}");
    }
}

#[test]
fn the_full_example_resolves_to_final_values() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config/good/full.yml");
    let report = check_config(&file).unwrap();
    assert_eq!(report.rule_files.len(), 2);
    let config = &report.config;
    let jobs: Vec<&str> = config.scrape_configs.iter().map(|job| job.job_name.as_str()).collect();
    assert_eq!(jobs, ["prometheus", "node", "containers", "blackbox-http", "federate"]);
    let node = &config.scrape_configs[1];
    assert_eq!(node.scrape_interval, Duration::from_seconds(30));
    assert_eq!(node.scrape_timeout, Duration::from_seconds(10));
    assert_eq!(node.relabel_configs.len(), 3);
    assert_eq!(node.relabel_configs[2].action, Action::LabelDrop);
    assert!(node.discovery.file_sd_configs[0].files[0].ends_with("good/targets/*.json"));
    assert_eq!(config.scrape_configs[0].scrape_timeout, Duration::from_seconds(10));
    assert_eq!(config.storage.tsdb.out_of_order_time_window, Duration::from_minutes(30));
    assert_eq!(config.remote_write[0].name, "long-term");
    assert_eq!(config.remote_write[0].queue_config.max_shards, 30);
    assert_eq!(config.remote_write[0].queue_config.min_shards, 1);
    assert_eq!(config.alerting.alertmanagers[0].discovery.static_configs[0].targets.len(), 2);
    assert!(config.global.query_log_file.ends_with("good/queries.log"));
    let federate = &config.scrape_configs[4];
    assert_eq!(federate.http_client.basic_auth.as_ref().unwrap().password.expose(), "not-a-real-password");
    assert!(!config.to_yaml().contains("not-a-real-password"));
}

/// The reference Prometheus on this machine (Debian's 2.42) must accept every good
/// example except those marked `# beyond promtool 2.42: <why>` on their first line.
#[test]
fn promtool_accepts_the_good_examples_within_its_schema() {
    let Some(promtool) = crate::support::reference_binary("promtool") else {
        return;
    };
    let mut failures = Vec::new();
    for file in examples("good") {
        let first_line = std::fs::read_to_string(&file).unwrap().lines().next().unwrap_or("").to_string();
        if first_line.starts_with("# beyond promtool 2.42:") {
            continue;
        }
        let output = std::process::Command::new(&promtool).arg("check").arg("config").arg(&file).output().unwrap();
        if !output.status.success() {
            failures.push(format!("{}: {}", file.display(), String::from_utf8_lossy(&output.stderr)));
        }
    }
    assert!(failures.is_empty(), "promtool rejected:\n{}", failures.join("\n"));
}
