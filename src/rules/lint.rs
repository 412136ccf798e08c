//! promtool's `duplicate-rules` lint: rules of one file that would produce the
//! same series, i.e. share a name and a label set (group labels merged beneath
//! rule labels), as `checkDuplicates` in prometheus/prometheus cmd/promtool/main.go.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::file::RuleFile;

/// A rule name with its sorted label set; ordered by name, then label pairs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleIdentity {
    pub name: String,
    pub labels: Vec<(String, String)>,
}

/// Each identity held by more than one rule, once, sorted.
pub fn duplicate_rules(file: &RuleFile) -> Vec<RuleIdentity> {
    let mut identities: Vec<RuleIdentity> = file
        .groups
        .iter()
        .flat_map(|group| {
            group.rules.iter().map(|rule| {
                let mut labels: BTreeMap<&String, &String> = group.labels.iter().collect();
                labels.extend(&rule.labels);
                let labels = labels.into_iter().map(|(name, value)| (name.clone(), value.clone())).collect();
                RuleIdentity { name: rule.name().to_string(), labels }
            })
        })
        .collect();
    identities.sort();
    let mut duplicates: Vec<RuleIdentity> = Vec::new();
    for pair in identities.windows(2) {
        if pair[0] == pair[1] && duplicates.last() != Some(&pair[1]) {
            duplicates.push(pair[1].clone());
        }
    }
    duplicates
}

/// promtool's lint error text (without a trailing newline).
pub fn duplicates_message(duplicates: &[RuleIdentity]) -> String {
    let mut message = format!("lint error {} duplicate rule(s) found.\n", duplicates.len());
    for duplicate in duplicates {
        let _ = write!(message, "Metric: {}\nLabel(s):\n", duplicate.name);
        for (name, value) in &duplicate.labels {
            let _ = writeln!(message, "\t{name}: {value}");
        }
    }
    message.push_str("Might cause inconsistency while recording expressions");
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::file::parse_rule_file;

    fn duplicates(text: &str) -> Vec<RuleIdentity> {
        duplicate_rules(&parse_rule_file("t.yml", text).unwrap())
    }

    #[test]
    fn finds_each_duplicate_once_across_groups() {
        let text = "groups:\n  - name: a\n    rules:\n      - {record: r, expr: up}\n      - {alert: X, expr: up, labels: {s: p, t: a}}\n  - name: b\n    rules:\n      - {record: r, expr: up}\n      - {alert: X, expr: up, labels: {t: a, s: p}}\n      - {alert: X, expr: up, labels: {t: a, s: p}}\n      - {record: r, expr: up, labels: {x: ''}}\n";
        let found = duplicates(text);
        let pairs = |labels: &[(&str, &str)]| labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        assert_eq!(
            found,
            [
                RuleIdentity { name: "X".into(), labels: pairs(&[("s", "p"), ("t", "a")]) },
                RuleIdentity { name: "r".into(), labels: vec![] },
            ]
        );
        assert_eq!(
            duplicates_message(&found),
            "lint error 2 duplicate rule(s) found.\nMetric: X\nLabel(s):\n\ts: p\n\tt: a\nMetric: r\nLabel(s):\nMight cause inconsistency while recording expressions"
        );
    }

    #[test]
    fn group_labels_count_and_rule_labels_win() {
        let text = "groups:\n  - name: a\n    labels: {team: x}\n    rules:\n      - {record: r, expr: up}\n      - {record: r, expr: up, labels: {team: y}}\n  - name: b\n    rules:\n      - {record: r, expr: up, labels: {team: x}}\n";
        let found = duplicates(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels, [("team".to_string(), "x".to_string())]);
    }

    #[test]
    fn distinct_rules_are_fine() {
        assert!(
            duplicates(
                "groups:\n  - name: a\n    rules:\n      - {record: r, expr: up}\n      - {record: s, expr: up}\n"
            )
            .is_empty()
        );
        assert!(duplicates("").is_empty());
    }
}
