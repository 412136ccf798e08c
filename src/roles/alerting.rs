//! What `sonde all` and `sonde ruler` share: the rule groups and the
//! notifier that sends their alerts, configured from `rule_files`,
//! `alerting` and the global settings of `prometheus.yml`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Config, ServiceDiscoveryConfigs};
use crate::discovery::DiscoveryManager;
use crate::notifier::Notifier;
use crate::rules::{GroupDefaults, RuleManager};

pub(crate) struct Alerting {
    pub rules: Arc<RuleManager>,
    pub notifier: Arc<Notifier>,
    pub discovery: Arc<DiscoveryManager>,
}

/// A configuration's alerting part, checked and ready to apply.
pub(crate) struct Checked {
    alertmanagers: Vec<(String, ServiceDiscoveryConfigs)>,
    rule_files: Vec<PathBuf>,
    defaults: GroupDefaults,
}

impl Alerting {
    /// Starts handing discovered Alertmanagers to the notifier.
    pub fn new(rules: Arc<RuleManager>, notifier: Arc<Notifier>, throttle: std::time::Duration) -> Arc<Self> {
        let alerting = Arc::new(Alerting { rules, notifier, discovery: Arc::new(DiscoveryManager::new(throttle)) });
        tokio::spawn(feed_alertmanagers(alerting.clone()));
        alerting
    }

    /// Everything that can fail, before anything changes.
    pub fn check(config: &Config) -> Result<Checked, String> {
        let alertmanagers: Vec<_> = config
            .alerting
            .alertmanagers
            .iter()
            .enumerate()
            .map(|(index, am)| (Notifier::set_key(index), am.discovery.clone()))
            .collect();
        DiscoveryManager::check(&alertmanagers)?;
        let rule_files = expand_rule_files(config)?;
        let defaults = GroupDefaults {
            interval_ms: config.global.evaluation_interval.milliseconds() as i64,
            query_offset_ms: config.global.rule_query_offset.milliseconds() as i64,
        };
        RuleManager::check(&rule_files, defaults)?;
        Ok(Checked { alertmanagers, rule_files, defaults })
    }

    pub async fn apply(&self, config: &Config, checked: Checked) -> Result<(), String> {
        let external_labels: BTreeMap<String, String> =
            config.global.external_labels.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        self.notifier.apply(&config.alerting, external_labels.clone(), config.global.validation_scheme())?;
        *self.rules.context().external_labels.write() = external_labels;
        self.discovery.apply(checked.alertmanagers)?;
        self.rules.update(&checked.rule_files, checked.defaults).await
    }

    /// Stops discovery and the rule groups (shutdown).
    pub async fn stop(&self) {
        self.discovery.stop();
        self.rules.stop().await;
    }
}

async fn feed_alertmanagers(alerting: Arc<Alerting>) {
    loop {
        for (key, groups) in alerting.discovery.next_updates().await {
            alerting.notifier.sync(&key, &groups);
        }
    }
}

/// The files the `rule_files` globs match now.
fn expand_rule_files(config: &Config) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for pattern in &config.rule_files {
        let matched = crate::config::expand_glob(pattern).map_err(|e| format!("rule_files: {e}"))?;
        files.extend(matched);
    }
    files.sort();
    files.dedup();
    Ok(files)
}
