//! Rule file parsing: one case per Prometheus validation message, YAML-level
//! errors, and what good files decode to.

use std::collections::BTreeMap;

use crate::config::{Duration, ValidationScheme};

use super::file::{ParseOptions, RuleDef, RuleFile, RuleGroup, parse_rule_file, parse_rules, read_rule_file};

const LEGACY: ParseOptions = ParseOptions { ignore_unknown_fields: false, name_validation: ValidationScheme::Legacy };

fn errors(text: &str) -> Vec<String> {
    parse_rule_file("t.yml", text).expect_err("the file should be rejected")
}

/// A file with one group `g` holding the given rules (each a YAML flow mapping
/// or block written at rule indentation).
fn group_of(rules: &str) -> String {
    format!("groups:\n  - name: g\n    rules:\n{rules}")
}

#[test]
fn each_validation_message() {
    let cases: &[(&str, String, &[&str])] = &[
        (
            "empty group name",
            "groups:\n  - name: ''\n    rules: []\n".into(),
            &["t.yml: 2:5: Groupname must not be empty"],
        ),
        ("group name given but null", "groups:\n  - name:\n".into(), &["t.yml: 2:5: Groupname must not be empty"]),
        (
            "repeated group, reported for each later copy",
            "groups:\n  - name: a\n  - name: b\n  - {name: a}\n  - name: a\n".into(),
            &[
                "t.yml: 4:5: groupname: \"a\" is repeated in the same file",
                "t.yml: 5:5: groupname: \"a\" is repeated in the same file",
            ],
        ),
        (
            "group label names",
            "groups:\n  - name: g\n    labels: {__name__: x, '': y, ok: z}\n".into(),
            &["t.yml: invalid label name: ", "t.yml: invalid label name: __name__"],
        ),
        (
            "record and alert",
            group_of("      - record: a\n        alert: b\n        expr: up\n"),
            &["t.yml: 4:17: 5:16: group \"g\", rule 1, \"b\": only one of 'record' and 'alert' must be set"],
        ),
        (
            "neither record nor alert",
            group_of("      - expr: up\n"),
            &["t.yml: 0:0: 0:0: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set"],
        ),
        (
            "null record and empty alert",
            group_of("      - record: ~\n        alert: ''\n        expr: up\n"),
            &["t.yml: 4:17: 5:16: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set"],
        ),
        (
            "no expr",
            group_of("      - record: a\n      - alert: b\n        expr: ''\n"),
            &[
                "t.yml: 0:0: group \"g\", rule 1, \"a\": field 'expr' must be set in rule",
                "t.yml: 6:15: group \"g\", rule 2, \"b\": field 'expr' must be set in rule",
            ],
        ),
        (
            "expr that does not parse, in a block scalar",
            group_of("      - alert: A\n        expr: |\n          sum(up\n"),
            &[
                "t.yml: 5:15: group \"g\", rule 1, \"A\": could not parse expression: 2:1: parse error: unclosed left parenthesis",
            ],
        ),
        (
            "annotations, for and keep_firing_for in a recording rule",
            group_of(
                "      - record: r\n        expr: up\n        for: 5m\n        keep_firing_for: 1m\n        annotations: {a: b}\n",
            ),
            &[
                "t.yml: 4:17: group \"g\", rule 1, \"r\": invalid field 'annotations' in recording rule",
                "t.yml: 4:17: group \"g\", rule 1, \"r\": invalid field 'for' in recording rule",
                "t.yml: 4:17: group \"g\", rule 1, \"r\": invalid field 'keep_firing_for' in recording rule",
            ],
        ),
        (
            "braces in a recording rule name",
            group_of("      - record: 'up{job=\"a\"}'\n        expr: up\n"),
            &[
                "t.yml: 4:17: group \"g\", rule 1, \"up{job=\\\"a\\\"}\": braces present in the recording rule name; should it be in expr?: up{job=\"a\"}",
            ],
        ),
        (
            "rule label names",
            group_of("      - record: r\n        expr: up\n        labels: {__name__: x, '': y}\n"),
            &[
                "t.yml: group \"g\", rule 1, \"r\": invalid label name: ",
                "t.yml: group \"g\", rule 1, \"r\": invalid label name: __name__",
            ],
        ),
        (
            "annotation names: empty is invalid, __name__ is not",
            group_of("      - alert: A\n        expr: up\n        annotations: {'': x, __name__: y}\n"),
            &["t.yml: group \"g\", rule 1, \"A\": invalid annotation name: "],
        ),
        (
            "templates of alerting rules, labels before annotations",
            group_of(
                "      - alert: A\n        expr: up\n        labels: {severity: '{{ foo }}'}\n        annotations: {summary: '{{ $labels.instance'}\n",
            ),
            &[
                "t.yml: group \"g\", rule 1, \"A\": label \"severity\": template: __alert_A:1: function \"foo\" not defined",
                "t.yml: group \"g\", rule 1, \"A\": annotation \"summary\": template: __alert_A:1: unclosed action",
            ],
        ),
        (
            "recording rule labels are not templates",
            group_of("      - record: r\n        expr: up\n        labels: {x: '{{ foo }}'}\n"),
            &[],
        ),
    ];
    for (name, text, expected) in cases {
        let result = parse_rule_file("t.yml", text);
        let got = result.err().unwrap_or_default();
        assert_eq!(got, *expected, "{name}:\n{text}");
    }
}

#[test]
fn legacy_names_are_checked_by_pattern() {
    let text = group_of(
        "      - record: bad-name\n        expr: up\n        labels: {bad-label: x}\n      - alert: A\n        expr: up\n        annotations: {bad ann: x}\n",
    );
    let messages: Vec<String> = parse_rules(&text, &LEGACY).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "4:17: group \"g\", rule 1, \"bad-name\": invalid recording rule name: bad-name",
            "group \"g\", rule 1, \"bad-name\": invalid label name: bad-label",
            "group \"g\", rule 2, \"A\": invalid annotation name: bad ann",
        ]
    );
    assert!(parse_rule_file("t.yml", &text).is_ok(), "UTF-8 names are all valid in 3.x");
}

#[test]
fn errors_of_several_rules_and_groups_come_in_file_order() {
    let text = "groups:\n  - name: a\n    rules:\n      - {record: r}\n      - {alert: X, expr: 'up =='}\n  - name: a\n    rules:\n      - {expr: up}\n";
    assert_eq!(
        errors(text),
        [
            "t.yml: 0:0: group \"a\", rule 1, \"r\": field 'expr' must be set in rule",
            "t.yml: 5:26: group \"a\", rule 2, \"X\": could not parse expression: parse error: invalid promql query",
            "t.yml: 6:5: groupname: \"a\" is repeated in the same file",
            "t.yml: 0:0: 0:0: group \"a\", rule 1, \"\": one of 'record' or 'alert' must be set",
        ]
    );
}

#[test]
fn yaml_errors_stop_validation() {
    let cases: &[(&str, &[&str])] = &[
        (
            "groups:\n  - name: ''\n    interval: 1m\n    bogus: 1\n    rules:\n      - {record: r, expr: up, extra: 1}\n",
            &[
                "t.yml: yaml: unmarshal errors:\n  line 4: field bogus not found in type rulefmt.RuleGroup\n  line 6: field extra not found in type rulefmt.Rule",
            ],
        ),
        ("groups:\n  - name: g\n    interval: 1x\n", &["t.yml: unknown unit \"x\" in duration \"1x\""]),
        (
            "groups: {}\n",
            &[
                "t.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into []rulefmt.RuleGroup",
                "t.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into []yaml.Node",
            ],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(errors(text), *expected, "{text}");
    }
    let syntax = errors("groups: [\n");
    assert_eq!(syntax.len(), 2, "both decodings report it: {syntax:?}");
    assert!(syntax[0].starts_with("t.yml: yaml: line 1: ") && syntax[0] == syntax[1], "{syntax:?}");
}

#[test]
fn unknown_fields_can_be_ignored() {
    let text = "groups:\n  - name: g\n    bogus: 1\n    rules:\n      - {record: r, expr: up, extra: 1}\n";
    let options = ParseOptions { ignore_unknown_fields: true, ..ParseOptions::default() };
    let file = parse_rules(text, &options).unwrap();
    assert_eq!(file.groups[0].rules[0].name(), "r");
}

#[test]
fn empty_files_have_no_groups() {
    for text in ["", "\n", "# comment only\n", "---\n", "~\n", "groups:\n", "groups: []\n"] {
        assert_eq!(parse_rule_file("t.yml", text), Ok(RuleFile::default()), "{text:?}");
    }
}

#[test]
fn good_file_decodes_to_groups_and_rules() {
    let text = r#"
groups:
  - name: node
    interval: 30s
    query_offset: 0s
    limit: -1
    labels:
      team: infra
    rules:
      - record: instance:node_cpu:rate5m
        expr: sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} is down"
  - name: defaults
    interval: 0
    rules: []
"#;
    let file = parse_rule_file("t.yml", text).unwrap();
    let expected = RuleFile {
        groups: vec![
            RuleGroup {
                name: "node".into(),
                interval: Some(Duration::from_seconds(30)),
                query_offset: Some(Duration::ZERO),
                limit: 0,
                labels: BTreeMap::from([("team".into(), "infra".into())]),
                rules: vec![
                    RuleDef {
                        record: Some("instance:node_cpu:rate5m".into()),
                        expr: "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m]))".into(),
                        ..RuleDef::default()
                    },
                    RuleDef {
                        alert: Some("NodeDown".into()),
                        expr: "up{job=\"node\"} == 0".into(),
                        for_: Duration::from_minutes(5),
                        keep_firing_for: Duration::from_minutes(1),
                        labels: BTreeMap::from([("severity".into(), "page".into())]),
                        annotations: BTreeMap::from([("summary".into(), "{{ $labels.instance }} is down".into())]),
                        ..RuleDef::default()
                    },
                ],
            },
            RuleGroup { name: "defaults".into(), ..RuleGroup::default() },
        ],
    };
    assert_eq!(file, expected);
    let [recording, alerting] = &file.groups[0].rules[..] else { panic!() };
    assert_eq!((recording.name(), recording.is_alert()), ("instance:node_cpu:rate5m", false));
    assert_eq!((alerting.name(), alerting.is_alert()), ("NodeDown", true));
}

#[test]
fn anchors_and_aliases_work() {
    let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: &e up == 0\n        labels: &l {severity: page}\n      - alert: B\n        expr: *e\n        labels: *l\n";
    let file = parse_rule_file("t.yml", text).unwrap();
    let rules = &file.groups[0].rules;
    assert_eq!(rules[1].expr, "up == 0");
    assert_eq!(rules[1].labels, rules[0].labels);
}

#[test]
fn reading_files_reports_go_wording() {
    let directory = std::env::temp_dir().join(format!("sonde-rules-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let missing = directory.join("missing.yml");
    let error = read_rule_file(&missing, &ParseOptions::default()).unwrap_err();
    let name = missing.display().to_string();
    assert_eq!(error[0].to_string(), format!("{name}: open {name}: no such file or directory"));

    let binary = directory.join("binary.yml");
    std::fs::write(&binary, b"groups:\n  - name: \"\xff\"\n").unwrap();
    let errors = read_rule_file(&binary, &ParseOptions::default()).unwrap_err();
    let name = binary.display().to_string();
    let expected = format!("{name}: yaml: invalid leading UTF-8 octet");
    assert_eq!(errors.iter().map(ToString::to_string).collect::<Vec<_>>(), [expected.clone(), expected]);
    std::fs::remove_dir_all(&directory).unwrap();
}
