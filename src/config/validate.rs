//! Whole-configuration checks and inheritance, in the order of upstream's
//! `Config.UnmarshalYAML`: the global section first, then file patterns, scrape
//! configs (inheriting from global, unique job names), alerting, remote write and
//! read (unique names), tracing and OTLP.

use super::discovery::is_valid_star_pattern;
use super::error::{Invalid, Within, each};
use super::glob;
use super::global::GlobalConfig;
use super::load::Config;
use super::remote::check_unique_names;
use super::scrape::ScrapeConfig;

pub(crate) fn validate(config: &mut Config) -> Result<(), Invalid> {
    config.global.resolve().within("global")?;
    check_patterns(&config.rule_files, "rule file").within("rule_files")?;
    check_patterns(&config.scrape_config_files, "scrape config file").within("scrape_config_files")?;
    resolve_scrape_configs(&mut config.scrape_configs, &config.global).within("scrape_configs")?;
    let scheme = config.global.validation_scheme();
    config.alerting.validate(scheme).within("alerting")?;
    each(&mut config.remote_write, |remote| remote.validate(scheme)).within("remote_write")?;
    check_unique_names(config.remote_write.iter().map(|remote| remote.name.as_str()), "remote write")
        .within("remote_write")?;
    each(&mut config.remote_read, |remote| remote.validate()).within("remote_read")?;
    check_unique_names(config.remote_read.iter().map(|remote| remote.name.as_str()), "remote read")
        .within("remote_read")?;
    if let Some(tracing) = &config.tracing {
        tracing.validate().within("tracing")?;
    }
    config.otlp.validate(scheme).within("otlp")
}

/// Rule and scrape config file patterns may use `*` in their last element only,
/// and must be well-formed patterns.
fn check_patterns(patterns: &[String], kind: &str) -> Result<(), Invalid> {
    for (index, pattern) in patterns.iter().enumerate() {
        let well_formed = glob::matches(pattern, "").is_ok();
        if !well_formed || !is_valid_star_pattern(pattern) {
            return Err(Invalid::new(format!("invalid {kind} path {pattern:?}")).at_index(index));
        }
    }
    Ok(())
}

/// Resolves every scrape config against `global` and rejects repeated job names.
pub(crate) fn resolve_scrape_configs(configs: &mut [ScrapeConfig], global: &GlobalConfig) -> Result<(), Invalid> {
    for (index, config) in configs.iter_mut().enumerate() {
        config.resolve(global).at_index(index)?;
    }
    for (index, config) in configs.iter().enumerate() {
        if configs[..index].iter().any(|earlier| earlier.job_name == config.job_name) {
            let message = format!("found multiple scrape configs with job name {:?}", config.job_name);
            return Err(Invalid::field("job_name", message).at_index(index));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Config::parse(text, "p.yml").unwrap_err().to_string()
    }

    #[test]
    fn duplicate_job_names_point_at_the_second() {
        let text = "scrape_configs:\n  - job_name: a\n  - job_name: b\n  - job_name: a\n";
        assert_eq!(
            error(text),
            r#"p.yml:4:5: scrape_configs[2] (job "a").job_name: found multiple scrape configs with job name "a""#
        );
    }

    #[test]
    fn file_patterns_are_checked() {
        assert_eq!(
            error("rule_files: [ok.yml, 'rules/*/x.yml']\n"),
            r#"p.yml:1:22: rule_files[1]: invalid rule file path "rules/*/x.yml""#
        );
        assert!(error("scrape_config_files: ['[x.yml']\n").contains(r#"invalid scrape config file path "[x.yml""#));
    }

    #[test]
    fn duplicate_remote_write_names_are_rejected() {
        let text = "remote_write:\n  - {url: 'http://a', name: x}\n  - {url: 'http://b', name: x}\n";
        assert_eq!(
            error(text),
            r#"p.yml:3:23: remote_write[1].name: found multiple remote write configs with name "x""#
        );
    }

    #[test]
    fn global_problems_are_named() {
        let text = "global:\n  scrape_interval: 10s\n  scrape_timeout: 20s\n";
        assert_eq!(error(text), "p.yml:3:3: global.scrape_timeout: global scrape timeout greater than scrape interval");
    }
}
