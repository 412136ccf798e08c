//! One `alertmanager_config` entry: its HTTP client and the Alertmanagers
//! its discovery found, turned into URLs as Prometheus' notifier does
//! (`__scheme__`, `__alerts_path__`, `relabel_configs`).

use std::collections::BTreeMap;

use crate::config::{AlertmanagerConfig, ValidationScheme};
use crate::discovery::TargetGroup;
use crate::httpclient::HttpClient;
use crate::relabel;

pub struct AlertmanagerSet {
    pub config: AlertmanagerConfig,
    pub client: HttpClient,
    pub active: Vec<String>,
    pub dropped: Vec<String>,
}

impl AlertmanagerSet {
    pub fn new(config: AlertmanagerConfig, user_agent: &str) -> Result<Self, String> {
        let client = HttpClient::new(&config.http_client, user_agent, false).map_err(|e| e.to_string())?;
        Ok(AlertmanagerSet { config, client, active: Vec::new(), dropped: Vec::new() })
    }

    /// Replaces the set's Alertmanagers with those of the discovered groups.
    pub fn sync(&mut self, groups: &[TargetGroup], scheme: ValidationScheme) {
        let (mut active, mut dropped) = (Vec::new(), Vec::new());
        for group in groups {
            match self.group_urls(group, scheme) {
                Ok((a, d)) => {
                    active.extend(a);
                    dropped.extend(d);
                }
                Err(e) => {
                    tracing::warn!(error = %e, source = %group.source, "creating discovered Alertmanagers failed")
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        active.retain(|url| seen.insert(url.clone()));
        self.active = active;
        self.dropped = dropped;
    }

    fn group_urls(&self, group: &TargetGroup, scheme: ValidationScheme) -> Result<(Vec<String>, Vec<String>), String> {
        let (mut active, mut dropped) = (Vec::new(), Vec::new());
        for target in &group.targets {
            let mut labels: BTreeMap<String, String> = target.clone();
            labels.insert("__scheme__".into(), self.config.scheme.clone());
            labels.insert("__alerts_path__".into(), alerts_path(&self.config.path_prefix));
            for (name, value) in &group.labels {
                labels.entry(name.clone()).or_insert_with(|| value.clone());
            }
            let before = labels.clone();
            if !relabel::process(&mut labels, &self.config.relabel_configs, scheme) {
                dropped.push(url_of(&before));
                continue;
            }
            let address = labels.get("__address__").map(String::as_str).unwrap_or_default();
            if address.contains('/') {
                return Err(format!("{address:?} is not a valid hostname"));
            }
            active.push(url_of(&labels));
        }
        Ok((active, dropped))
    }
}

/// `path.Join("/", prefix, "/api/v2/alerts")`.
fn alerts_path(prefix: &str) -> String {
    let parts = prefix.split('/').filter(|p| !p.is_empty() && *p != ".");
    let mut path = String::new();
    for part in parts.chain(["api", "v2", "alerts"]) {
        path.push('/');
        path.push_str(part);
    }
    path
}

fn url_of(labels: &BTreeMap<String, String>) -> String {
    let get = |name: &str| labels.get(name).map(String::as_str).unwrap_or_default();
    format!("{}://{}{}", get("__scheme__"), get("__address__"), get("__alerts_path__"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_scheme_prefix_and_relabeling() {
        let yaml = "path_prefix: am/\nscheme: https\nrelabel_configs:\n- source_labels: [__address__]\n  regex: drop.*\n  action: drop\n";
        let config: AlertmanagerConfig = serde_saphyr::from_str(yaml).unwrap();
        let mut set = AlertmanagerSet::new(config, "test").unwrap();
        let target = |address: &str| BTreeMap::from([("__address__".to_string(), address.to_string())]);
        let group = TargetGroup {
            source: "0".into(),
            targets: vec![target("a:9093"), target("drop:9093"), target("a:9093")],
            labels: BTreeMap::new(),
        };
        set.sync(&[group], ValidationScheme::Utf8);
        assert_eq!(set.active, ["https://a:9093/am/api/v2/alerts"]);
        assert_eq!(set.dropped, ["https://drop:9093/am/api/v2/alerts"]);
        assert_eq!(alerts_path(""), "/api/v2/alerts");
    }
}
