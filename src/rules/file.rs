//! Prometheus' rule file format (`model/rulefmt`): decoded strictly (an
//! unknown key is an error), then checked with every problem reported in
//! Prometheus' words, each prefixed with the file and naming the group and
//! rule.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::Duration;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub interval: Option<Duration>,
    #[serde(default)]
    pub query_offset: Option<Duration>,
    #[serde(default)]
    pub limit: usize,
    /// Labels set on every rule of the group (a rule's own win).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub rules: Vec<RuleDef>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    #[serde(default)]
    pub record: Option<String>,
    #[serde(default)]
    pub alert: Option<String>,
    #[serde(default)]
    pub expr: String,
    #[serde(default, rename = "for")]
    pub for_: Duration,
    #[serde(default)]
    pub keep_firing_for: Duration,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl RuleDef {
    /// The alert or record name.
    pub fn name(&self) -> &str {
        self.alert.as_deref().or(self.record.as_deref()).unwrap_or("")
    }
}

/// Parses and checks a rule file; `file` prefixes every problem.
pub fn parse_rule_file(file: &str, text: &str) -> Result<RuleFile, Vec<String>> {
    if text.trim().lines().all(|line| line.trim().is_empty() || line.trim_start().starts_with('#')) {
        return Ok(RuleFile::default());
    }
    let parsed: Option<RuleFile> = serde_saphyr::from_str(text).map_err(|e| vec![format!("{file}: {e}")])?;
    let parsed = parsed.unwrap_or_default();
    let problems: Vec<String> = validate(&parsed).into_iter().map(|p| format!("{file}: {p}")).collect();
    match problems.is_empty() {
        true => Ok(parsed),
        false => Err(problems),
    }
}

fn validate(file: &RuleFile) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for group in &file.groups {
        if group.name.is_empty() {
            problems.push("Groupname must not be empty".to_string());
        } else if !seen.insert(group.name.as_str()) {
            problems.push(format!("groupname: {:?} is repeated in the same file", group.name));
        }
        for name in group.labels.keys() {
            if name.is_empty() || name == crate::series::METRIC_NAME {
                problems.push(format!("invalid label name: {name}"));
            }
        }
        for (index, rule) in group.rules.iter().enumerate() {
            for problem in validate_rule(rule) {
                problems.push(format!("group {:?}, rule {}, {:?}: {problem}", group.name, index + 1, rule.name()));
            }
        }
    }
    problems
}

fn validate_rule(rule: &RuleDef) -> Vec<String> {
    let mut problems = Vec::new();
    match (&rule.record, &rule.alert) {
        (Some(_), Some(_)) => problems.push("only one of 'record' and 'alert' must be set".to_string()),
        (None, None) => problems.push("one of 'record' or 'alert' must be set".to_string()),
        _ => {}
    }
    if rule.expr.is_empty() {
        problems.push("field 'expr' must be set in rule".to_string());
    } else if let Err(e) = crate::promql::parse(&rule.expr) {
        problems.push(format!("could not parse expression: {e}"));
    }
    if let Some(record) = &rule.record {
        if !rule.annotations.is_empty() {
            problems.push("invalid field 'annotations' in recording rule".to_string());
        }
        if !rule.for_.is_zero() {
            problems.push("invalid field 'for' in recording rule".to_string());
        }
        if !rule.keep_firing_for.is_zero() {
            problems.push("invalid field 'keep_firing_for' in recording rule".to_string());
        }
        if record.is_empty() {
            problems.push(format!("invalid recording rule name: {record}"));
        } else if record.contains(['{', '}']) {
            problems.push(format!("braces present in the recording rule name; should it be in expr?: {record}"));
        }
    }
    if rule.alert.as_deref() == Some("") {
        problems.push("one of 'record' or 'alert' must be set".to_string());
    }
    for name in rule.labels.keys() {
        if name.is_empty() || name == crate::series::METRIC_NAME {
            problems.push(format!("invalid label name: {name}"));
        }
    }
    for name in rule.annotations.keys() {
        if name.is_empty() {
            problems.push(format!("invalid annotation name: {name}"));
        }
    }
    if let Some(alert) = &rule.alert {
        for (name, text) in &rule.labels {
            if let Err(e) = super::expand::check_template(alert, text) {
                problems.push(format!("label {name:?}: {e}"));
            }
        }
        for (name, text) in &rule.annotations {
            if let Err(e) = super::expand::check_template(alert, text) {
                problems.push(format!("annotation {name:?}: {e}"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_files_parse() {
        let text = "groups:\n- name: node\n  interval: 30s\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n  - alert: InstanceDown\n    expr: up == 0\n    for: 5m\n    labels: {severity: page}\n    annotations: {summary: '{{ $labels.instance }} down'}\n";
        let file = parse_rule_file("r.yml", text).unwrap();
        assert_eq!(file.groups[0].rules.len(), 2);
        assert_eq!(file.groups[0].rules[1].for_.milliseconds(), 300_000);
        assert_eq!(parse_rule_file("r.yml", "# nothing\n").unwrap(), RuleFile::default());
    }

    #[test]
    fn every_problem_is_reported() {
        let text = "groups:\n- name: a\n  rules:\n  - record: x{y}\n    expr: up\n    for: 1m\n  - alert: A\n    expr: 'sum('\n    annotations: {s: '{{ nosuch }}'}\n  - expr: up\n- name: a\n  rules: []\n";
        let problems = parse_rule_file("r.yml", text).unwrap_err();
        let want = [
            "r.yml: group \"a\", rule 1, \"x{y}\": invalid field 'for' in recording rule",
            "r.yml: group \"a\", rule 1, \"x{y}\": braces present in the recording rule name; should it be in expr?: x{y}",
            "r.yml: group \"a\", rule 3, \"\": one of 'record' or 'alert' must be set",
            "r.yml: groupname: \"a\" is repeated in the same file",
        ];
        for want in want {
            assert!(problems.iter().any(|p| p == want), "missing {want:?} in {problems:#?}");
        }
        assert!(problems.iter().any(|p| p.contains("rule 2, \"A\": could not parse expression")), "{problems:#?}");
        assert!(problems.iter().any(|p| p.contains("annotation \"s\": template: __alert_A:1: function \"nosuch\" not defined")), "{problems:#?}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let problems = parse_rule_file("r.yml", "groups:\n- name: a\n  rulez: []\n").unwrap_err();
        assert!(problems[0].starts_with("r.yml: ") && problems[0].contains("rulez"), "{problems:?}");
    }
}
