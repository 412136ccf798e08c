//! `sonde check rules FILE…`, with `promtool check rules`' output: each
//! file's problems or its rule count, the duplicate-rule lint, and exit
//! code 1 on errors (3 for lint failures with `--lint-fatal`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use super::file::{RuleFile, parse_rule_file};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lint {
    #[default]
    DuplicateRules,
    None,
}

pub fn check_rules(files: &[PathBuf], lint: Lint, lint_fatal: bool, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let (mut failed, mut lint_failed) = (false, false);
    for path in files {
        let name = path.display().to_string();
        let _ = writeln!(out, "Checking {name}");
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| vec![format!("{name}: {e}")])
            .and_then(|text| parse_rule_file(&name, &text));
        let file = match parsed {
            Ok(file) => file,
            Err(problems) => {
                failed = true;
                let _ = writeln!(err, "  FAILED:");
                for problem in problems {
                    let _ = writeln!(err, "{problem}");
                }
                continue;
            }
        };
        if lint == Lint::DuplicateRules {
            let duplicates = duplicates(&file);
            if !duplicates.is_empty() {
                lint_failed = true;
                let _ = writeln!(err, "  FAILED:");
                let _ = writeln!(err, "{}", duplicate_message(&duplicates));
            }
        }
        let count: usize = file.groups.iter().map(|g| g.rules.len()).sum();
        let _ = writeln!(out, "  SUCCESS: {count} rules found");
        let _ = writeln!(out);
    }
    if failed {
        1
    } else if lint_failed && lint_fatal {
        3
    } else {
        0
    }
}

type RuleKey = (String, BTreeMap<String, String>);

/// Rules with the same name and labels, each listed once.
fn duplicates(file: &RuleFile) -> Vec<RuleKey> {
    let mut counts: BTreeMap<RuleKey, usize> = BTreeMap::new();
    for group in &file.groups {
        for rule in &group.rules {
            let mut labels = group.labels.clone();
            labels.extend(rule.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            *counts.entry((rule.name().to_string(), labels)).or_default() += 1;
        }
    }
    counts.into_iter().filter(|(_, n)| *n > 1).map(|(key, _)| key).collect()
}

fn duplicate_message(duplicates: &[RuleKey]) -> String {
    let mut message = format!("lint error {} duplicate rule(s) found.\n", duplicates.len());
    for (name, labels) in duplicates {
        message.push_str(&format!("Metric: {name}\nLabel(s):\n"));
        for (k, v) in labels {
            message.push_str(&format!("\t{k}: {v}\n"));
        }
    }
    message.push_str("Might cause inconsistency while recording expressions");
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, lint_fatal: bool) -> (i32, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.yml");
        std::fs::write(&path, text).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = check_rules(&[path.clone()], Lint::DuplicateRules, lint_fatal, &mut out, &mut err);
        let name = path.display().to_string();
        let clean = |b: Vec<u8>| String::from_utf8(b).unwrap().replace(&name, "FILE");
        (code, clean(out), clean(err))
    }

    #[test]
    fn success_counts_rules() {
        let (code, out, err) = run("groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n  - alert: A\n    expr: up == 0\n", false);
        assert_eq!((code, out.as_str(), err.as_str()), (0, "Checking FILE\n  SUCCESS: 2 rules found\n\n", ""));
    }

    #[test]
    fn failures_list_problems() {
        let (code, out, err) = run("groups:\n- name: a\n  rules:\n  - record: r\n", false);
        assert_eq!(code, 1);
        assert_eq!(out, "Checking FILE\n");
        assert_eq!(err, "  FAILED:\nFILE: group \"a\", rule 1, \"r\": field 'expr' must be set in rule\n");
    }

    #[test]
    fn duplicates_are_a_lint_error() {
        let text = "groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n    labels: {x: y}\n- name: b\n  rules:\n  - record: r\n    expr: up\n    labels: {x: y}\n";
        let (code, _, err) = run(text, false);
        assert_eq!(code, 0);
        assert_eq!(err, "  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: r\nLabel(s):\n\tx: y\nMight cause inconsistency while recording expressions\n");
        assert_eq!(run(text, true).0, 3);
    }
}
