//! Rule files to groups: every file parsed and checked, expressions printed
//! as PromQL prints them, and the global interval and query offset filled in.

use std::path::PathBuf;

use super::alerting::AlertingRule;
use super::file::{RuleDef, parse_rule_file};
use super::group::Group;
use super::manager::GroupDefaults;
use super::recording::RecordingRule;
use super::rule::Rule;

/// All groups of all files; every problem of every file in the error.
pub fn load_groups(files: &[PathBuf], defaults: GroupDefaults) -> Result<Vec<Group>, String> {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("{name}: cannot read rule file: {e}"));
                continue;
            }
        };
        match parse_rule_file(&name, &text) {
            Ok(file) => {
                for group in file.groups {
                    let rules = group.rules.iter().map(|def| to_rule(def, &group.labels)).collect();
                    let interval_ms = group.interval.map(|d| d.milliseconds() as i64).filter(|&ms| ms > 0);
                    let offset_ms = group.query_offset.map(|d| d.milliseconds() as i64);
                    groups.push(Group::new(
                        group.name.clone(),
                        name.clone(),
                        interval_ms.unwrap_or(defaults.interval_ms),
                        offset_ms.unwrap_or(defaults.query_offset_ms),
                        group.limit,
                        rules,
                    ));
                }
            }
            Err(errors) => problems.extend(errors),
        }
    }
    match problems.is_empty() {
        true => Ok(groups),
        false => Err(problems.join("\n")),
    }
}

/// A checked rule definition as a rule; group labels go under the rule's own.
fn to_rule(def: &RuleDef, group_labels: &std::collections::BTreeMap<String, String>) -> Rule {
    // Checked while parsing: the expression parses.
    let query = crate::promql::parse(&def.expr).map(|e| e.to_string()).unwrap_or_else(|_| def.expr.clone());
    let mut labels = group_labels.clone();
    labels.extend(def.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    match (&def.record, &def.alert) {
        (Some(record), _) => Rule::Recording(RecordingRule { name: record.clone(), query, labels }),
        (None, alert) => Rule::Alerting(AlertingRule::new(
            alert.clone().unwrap_or_default(),
            query,
            def.for_.milliseconds() as i64,
            def.keep_firing_for.milliseconds() as i64,
            labels,
            def.annotations.clone(),
        )),
    }
}
