//! `check config`: loads a configuration and checks what `promtool check config`
//! checks beyond syntax (rule files that exist, readable credential and TLS files,
//! well-formed `file_sd_configs` files), and reports in promtool's words.
//! Checking the rule files themselves belongs to the rules component.

use std::fmt;
use std::path::{Path, PathBuf};

use super::discovery::{ServiceDiscoveryConfigs, parse_target_groups};
use super::error::{Diagnostic, Error};
use super::glob;
use super::http_client::HttpClientConfig;
use super::load::Config;

/// What to check besides syntax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Only parse and validate the file; touch no other file (`--syntax-only`).
    pub syntax_only: bool,
}

/// The outcome of a successful check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The checked file, as named.
    pub file: PathBuf,
    /// Every rule file the patterns matched, for the caller to check next.
    pub rule_files: Vec<PathBuf>,
    /// Problems that do not fail the check, e.g. a `file_sd_configs` file that does
    /// not exist yet.
    pub warnings: Vec<String>,
    /// The loaded configuration.
    pub config: Config,
}

impl fmt::Display for CheckReport {
    /// The lines promtool prints for a valid file.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(formatter, "Checking {}", self.file.display())?;
        for warning in &self.warnings {
            writeln!(formatter, "  WARNING: {warning}")?;
        }
        if !self.rule_files.is_empty() {
            writeln!(formatter, "  SUCCESS: {} rule files found", self.rule_files.len())?;
        }
        writeln!(formatter, " SUCCESS: {} is valid prometheus config file syntax", self.file.display())
    }
}

impl CheckReport {
    /// The lines promtool prints when a file fails the check.
    pub fn failure(file: &Path, error: &Error) -> String {
        format!("Checking {}\n  FAILED: {error}\n", file.display())
    }
}

/// Checks a configuration file with every check enabled.
pub fn check_config(path: impl AsRef<Path>) -> Result<CheckReport, Error> {
    check_config_with(path, CheckOptions::default())
}

/// Checks a configuration file.
pub fn check_config_with(path: impl AsRef<Path>, options: CheckOptions) -> Result<CheckReport, Error> {
    let path = path.as_ref();
    let config = Config::load(path)?;
    let mut report = CheckReport { file: path.to_path_buf(), rule_files: Vec::new(), warnings: Vec::new(), config };
    if options.syntax_only {
        return Ok(report);
    }
    let failure = |field: String, message: String| {
        Error::Invalid(Diagnostic {
            file: path.display().to_string(),
            line: None,
            column: None,
            field: Some(field),
            message,
        })
    };
    report.rule_files = find_rule_files(&report.config).map_err(|(field, message)| failure(field, message))?;
    for (index, scrape) in report.config.all_scrape_configs()?.iter().enumerate() {
        let field = format!("scrape_configs[{index}] (job {:?})", scrape.job_name);
        check_client_files(&scrape.http_client).map_err(|message| failure(field.clone(), message))?;
        for kubernetes in &scrape.discovery.kubernetes_sd_configs {
            check_client_files(&kubernetes.http_client).map_err(|message| failure(field.clone(), message))?;
        }
        let owner = format!("scrape job {:?}", scrape.job_name);
        check_sd_files(&scrape.discovery, &owner, &mut report.warnings)
            .map_err(|message| failure(field.clone(), message))?;
    }
    for (index, alertmanager) in report.config.alerting.alertmanagers.iter().enumerate() {
        let field = format!("alerting.alertmanagers[{index}]");
        check_sd_files(&alertmanager.discovery, "alertmanager config", &mut report.warnings)
            .map_err(|message| failure(field, message))?;
    }
    Ok(report)
}

/// Expands the rule file patterns; a name without `*` must match a file.
fn find_rule_files(config: &Config) -> Result<Vec<PathBuf>, (String, String)> {
    for (index, pattern) in config.rule_files.iter().enumerate() {
        let matched = glob::expand(pattern).map_err(|error| (format!("rule_files[{index}]"), error.to_string()))?;
        if !pattern.contains('*') && matched.is_empty() {
            return Err((format!("rule_files[{index}]"), format!("{pattern:?} does not point to an existing file")));
        }
    }
    Ok(config.rule_file_paths())
}

/// The credential and client certificate files a client will read must exist.
fn check_client_files(client: &HttpClientConfig) -> Result<(), String> {
    if let Some(authorization) = &client.authorization {
        check_file_exists(&authorization.credentials_file, "authorization credentials or bearer token file")?;
    }
    check_file_exists(&client.tls_config.cert_file, "client cert file")?;
    check_file_exists(&client.tls_config.key_file, "client key file")
}

fn check_file_exists(file: &str, what: &str) -> Result<(), String> {
    if file.is_empty() {
        return Ok(());
    }
    std::fs::metadata(file).map(|_| ()).map_err(|error| format!("error checking {what} {file:?}: {error}"))
}

/// Every existing `file_sd_configs` file must hold valid target groups; a pattern
/// that matches nothing only warns, as the files may appear later.
fn check_sd_files(discovery: &ServiceDiscoveryConfigs, owner: &str, warnings: &mut Vec<String>) -> Result<(), String> {
    for pattern in discovery.file_sd_configs.iter().flat_map(|config| &config.files) {
        let files = glob::expand(pattern).map_err(|error| error.to_string())?;
        if files.is_empty() {
            warnings.push(format!("file {pattern:?} for file_sd in {owner} does not exist"));
        }
        for file in files {
            let name = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).map_err(|error| format!("checking SD file {pattern:?}: {error}"))?;
            parse_target_groups(&text, &name).map_err(|error| format!("checking SD file {pattern:?}: {error}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
        let directory = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = directory.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        directory
    }

    #[test]
    fn reports_rule_files_like_promtool() {
        let directory = setup(&[
            ("prometheus.yml", "rule_files: [rules/*.yml]\nscrape_configs: [{job_name: a}]\n"),
            ("rules/a.yml", "groups: []\n"),
            ("rules/b.yml", "groups: []\n"),
        ]);
        let path = directory.path().join("prometheus.yml");
        let report = check_config(&path).unwrap();
        assert_eq!(report.rule_files.len(), 2);
        let text = report.to_string();
        let name = path.display();
        assert_eq!(
            text,
            format!(
                "Checking {name}\n  SUCCESS: 2 rule files found\n SUCCESS: {name} is valid prometheus config file syntax\n"
            )
        );
    }

    #[test]
    fn an_explicit_rule_file_must_exist() {
        let directory = setup(&[("prometheus.yml", "rule_files: [missing.yml]\n")]);
        let error = check_config(directory.path().join("prometheus.yml")).unwrap_err().to_string();
        assert!(error.ends_with("missing.yml\" does not point to an existing file"), "{error}");
        assert!(error.contains(": rule_files[0]: "), "{error}");
        let syntax_only = CheckOptions { syntax_only: true };
        assert!(check_config_with(directory.path().join("prometheus.yml"), syntax_only).is_ok());
    }

    #[test]
    fn missing_sd_files_warn_and_bad_ones_fail() {
        let directory = setup(&[
            (
                "prometheus.yml",
                "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [targets/*.json, later.yml]}]\n",
            ),
            ("targets/good.json", r#"[{"targets": ["a:1"]}]"#),
        ]);
        let path = directory.path().join("prometheus.yml");
        let report = check_config(&path).unwrap();
        assert_eq!(report.warnings.len(), 1);
        assert!(
            report.warnings[0].ends_with(r#"later.yml" for file_sd in scrape job "a" does not exist"#),
            "{:?}",
            report.warnings
        );
        assert!(report.to_string().contains("\n  WARNING: file "));
        std::fs::write(directory.path().join("targets/bad.json"), r#"[{"targets": "a:1"}]"#).unwrap();
        let error = check_config(&path).unwrap_err().to_string();
        assert!(error.contains("checking SD file") && error.contains("scrape_configs[0] (job \"a\")"), "{error}");
    }

    #[test]
    fn credential_files_must_exist() {
        let directory =
            setup(&[("prometheus.yml", "scrape_configs:\n  - job_name: a\n    bearer_token_file: token\n")]);
        let error = check_config(directory.path().join("prometheus.yml")).unwrap_err().to_string();
        assert!(error.contains("error checking authorization credentials or bearer token file"), "{error}");
        std::fs::write(directory.path().join("token"), "t").unwrap();
        assert!(check_config(directory.path().join("prometheus.yml")).is_ok());
    }

    #[test]
    fn failures_print_like_promtool() {
        let error = Config::parse("bogus: 1", "p.yml").unwrap_err();
        assert_eq!(
            CheckReport::failure(Path::new("p.yml"), &error),
            "Checking p.yml\n  FAILED: p.yml:1:1: bogus: unknown field `bogus`\n"
        );
    }
}
