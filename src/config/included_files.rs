//! Files a configuration refers to: the rule files its patterns match, and
//! `scrape_config_files`, scrape configs kept in other files and read when asked
//! for (so that a reload picks up changes), as `Config.GetScrapeConfigs` in
//! prometheus/config: each is checked against the main file's `global`, and job
//! names must be unique across all files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::{Diagnostic, Error, Invalid, Within};
use super::glob;
use super::load::Config;
use super::scrape::{ScrapeConfig, ScrapeConfigsFile};
use super::source::Source;

impl Config {
    /// The rule files the `rule_files` patterns match now, in order, each pattern's
    /// matches sorted. Patterns were checked when loading, so none is malformed.
    pub fn rule_file_paths(&self) -> Vec<PathBuf> {
        self.rule_files.iter().flat_map(|pattern| glob::expand(pattern).unwrap_or_default()).collect()
    }

    /// The scrape configs of this file followed by those of every file matched by
    /// `scrape_config_files`, fully resolved.
    pub fn all_scrape_configs(&self) -> Result<Vec<ScrapeConfig>, Error> {
        let mut configs = self.scrape_configs.clone();
        let mut origins: HashMap<String, String> =
            configs.iter().map(|config| (config.job_name.clone(), "the main config file".to_string())).collect();
        for pattern in &self.scrape_config_files {
            let files = glob::expand(pattern).map_err(|error| pattern_error(pattern, &error))?;
            for file in files {
                for config in self.read_scrape_config_file(&file, &mut origins)? {
                    configs.push(config);
                }
            }
        }
        Ok(configs)
    }

    fn read_scrape_config_file(
        &self,
        file: &Path,
        origins: &mut HashMap<String, String>,
    ) -> Result<Vec<ScrapeConfig>, Error> {
        let text = std::fs::read_to_string(file).map_err(|source| Error::Read { path: file.to_path_buf(), source })?;
        let name = file.display().to_string();
        let source = Source::new(name.clone(), &text);
        let mut configs = source.parse::<Option<ScrapeConfigsFile>>()?.unwrap_or_default().scrape_configs;
        for (index, config) in configs.iter_mut().enumerate() {
            let checked = config.resolve(&self.global).and_then(|()| match origins.get(&config.job_name) {
                Some(first) => Err(Invalid::field(
                    "job_name",
                    format!(
                        "found multiple scrape configs with job name {:?}, first found in {first}",
                        config.job_name
                    ),
                )),
                None => Ok(()),
            });
            checked.at_index(index).within("scrape_configs").map_err(|invalid| source.invalid(invalid))?;
            origins.insert(config.job_name.clone(), format!("{name:?}"));
            config.set_directory(file.parent().unwrap_or(Path::new("")));
        }
        Ok(configs)
    }
}

fn pattern_error(pattern: &str, error: &glob::BadPattern) -> Error {
    Error::Invalid(Diagnostic {
        file: pattern.to_string(),
        line: None,
        column: None,
        field: Some("scrape_config_files".to_string()),
        message: error.to_string(),
    })
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
    fn reads_matching_files_with_global_defaults() {
        let directory = setup(&[
            (
                "prometheus.yml",
                "global: {scrape_interval: 15s}\nscrape_config_files: [jobs/*.yml]\nscrape_configs: [{job_name: main}]\n",
            ),
            ("jobs/a.yml", "scrape_configs:\n  - job_name: a\n    tls_config: {ca_file: ca.pem}\n"),
            ("jobs/b.yml", "scrape_configs: [{job_name: b}]\n"),
        ]);
        let config = Config::load(directory.path().join("prometheus.yml")).unwrap();
        let all = config.all_scrape_configs().unwrap();
        let names: Vec<&str> = all.iter().map(|config| config.job_name.as_str()).collect();
        assert_eq!(names, ["main", "a", "b"]);
        assert_eq!(all[1].scrape_interval.to_string(), "15s");
        let ca = directory.path().join("jobs/ca.pem").display().to_string();
        assert_eq!(all[1].http_client.tls_config.ca_file, ca);
    }

    #[test]
    fn rule_patterns_expand_relative_to_the_config() {
        let directory = setup(&[
            ("prometheus.yml", "rule_files: [rules/*.yml, extra.yml, missing.yml]\n"),
            ("rules/b.yml", ""),
            ("rules/a.yml", ""),
            ("extra.yml", ""),
        ]);
        let config = Config::load(directory.path().join("prometheus.yml")).unwrap();
        let names: Vec<PathBuf> = config
            .rule_file_paths()
            .iter()
            .map(|path| path.strip_prefix(directory.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(names, [PathBuf::from("rules/a.yml"), PathBuf::from("rules/b.yml"), PathBuf::from("extra.yml")]);
    }

    #[test]
    fn job_names_are_unique_across_files() {
        let directory = setup(&[
            ("prometheus.yml", "scrape_config_files: [jobs/*.yml]\nscrape_configs: [{job_name: a}]\n"),
            ("jobs/a.yml", "scrape_configs:\n  - job_name: a\n"),
        ]);
        let config = Config::load(directory.path().join("prometheus.yml")).unwrap();
        let error = config.all_scrape_configs().unwrap_err().to_string();
        assert!(error.ends_with(r#"a.yml:2:5: scrape_configs[0] (job "a").job_name: found multiple scrape configs with job name "a", first found in the main config file"#), "{error}");
    }

    #[test]
    fn errors_in_included_files_name_that_file() {
        let directory = setup(&[
            ("prometheus.yml", "scrape_config_files: [jobs/*.yml]\n"),
            ("jobs/bad.yml", "scrape_configs:\n  - job_name: x\n    scrape_timeout: 2m\n"),
        ]);
        let config = Config::load(directory.path().join("prometheus.yml")).unwrap();
        let error = config.all_scrape_configs().unwrap_err().to_string();
        assert!(
            error.contains("bad.yml:3:5: scrape_configs[0] (job \"x\").scrape_timeout: scrape timeout (2m) greater"),
            "{error}"
        );
    }
}
