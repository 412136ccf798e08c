//! Decoding the YAML tree into rule groups the way go-yaml v3 decodes it into
//! Prometheus' `rulefmt` structs: every scalar fits a string field, null is the
//! zero value, and type problems, repeated keys and (in strict mode) unknown keys
//! are collected into one "unmarshal errors" report, while a bad duration aborts
//! at once (prometheus/prometheus model/rulefmt/rulefmt.go `Parse`).
//!
//! Prometheus decodes every file twice, strictly into its structs and loosely into
//! YAML nodes for positions; [`decode`] reproduces both passes' errors. The loose
//! pass only looks at the top level, as in releases that decode groups as
//! `[]yaml.Node` (2.42 checked against promtool); the newest code decodes group
//! fields in both passes and so reports their type errors twice.

use std::collections::BTreeMap;

use crate::config::Duration;

use super::duration::parse_duration;
use super::error::go_quote;
use super::resolve::{Resolved, resolve, tag};
use super::yaml::{Kind, Node, Position};

/// A rule group as decoded, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawGroup {
    pub(crate) position: Position,
    pub(crate) name: String,
    pub(crate) interval: Duration,
    pub(crate) query_offset: Option<Duration>,
    pub(crate) limit: i64,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) rules: Vec<RawRule>,
}

/// A rule as decoded, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawRule {
    pub(crate) record: Located,
    pub(crate) alert: Located,
    pub(crate) expr: Located,
    pub(crate) for_: Duration,
    pub(crate) keep_firing_for: Duration,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) annotations: BTreeMap<String, String>,
}

/// A string field with the position of its value; `0:0` when absent, as
/// Prometheus prints a zero YAML node.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Located {
    pub(crate) value: String,
    pub(crate) position: Position,
}

/// Decodes both passes; `Err` holds every YAML-level error, in Prometheus' order.
pub(crate) fn decode(root: Option<&Node>, strict: bool) -> Result<Vec<RawGroup>, Vec<String>> {
    let strict_pass = Decoder { strict, errors: Vec::new() }.file(root);
    let node_pass = Decoder { strict: false, errors: Vec::new() }.node_pass(root);
    match (strict_pass, node_pass) {
        (Ok(groups), None) => Ok(groups),
        (strict_pass, node_pass) => Err(strict_pass.err().into_iter().chain(node_pass).collect()),
    }
}

/// One decoding pass: type errors collected so far (go-yaml's `terrors`).
struct Decoder {
    strict: bool,
    errors: Vec<String>,
}

/// A decoding failure that stops the pass at once, as a failing
/// `UnmarshalYAML` does in go-yaml.
type Aborted = String;

const FILE_TYPE: &str = "rulefmt.RuleGroups";
const GROUP_TYPE: &str = "rulefmt.RuleGroup";
const RULE_TYPE: &str = "rulefmt.Rule";
const STRING_MAP_TYPE: &str = "map[string]string";

impl Decoder {
    fn file(mut self, root: Option<&Node>) -> Result<Vec<RawGroup>, String> {
        let mut groups = Vec::new();
        if let Some(root) = root {
            for (key, line, value) in self.fields(root, FILE_TYPE) {
                match key.as_str() {
                    "groups" => groups = self.sequence(value, "[]rulefmt.RuleGroup", Self::group)?,
                    _ => self.unknown(&key, line, FILE_TYPE),
                }
            }
        }
        self.finish(groups)
    }

    /// The loose pass: the top level must be a mapping and `groups` a sequence.
    fn node_pass(mut self, root: Option<&Node>) -> Option<String> {
        if let Some(root) = root {
            for (key, _, value) in self.fields(root, "rulefmt.ruleGroups") {
                if key == "groups" && !value.is_null() && !matches!(value.kind, Kind::Sequence(_)) {
                    self.type_error(value, "[]yaml.Node");
                }
            }
        }
        self.finish(()).err()
    }

    fn finish<T>(self, value: T) -> Result<T, String> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(format!("yaml: unmarshal errors:\n  {}", self.errors.join("\n  ")))
        }
    }

    fn group(&mut self, node: &Node) -> Result<RawGroup, Aborted> {
        let mut group = RawGroup { position: node.position, ..RawGroup::default() };
        for (key, line, value) in self.fields(node, GROUP_TYPE) {
            match key.as_str() {
                "name" => group.name = self.string(value),
                "interval" => group.interval = self.duration(value)?.unwrap_or_default(),
                "query_offset" => group.query_offset = self.duration(value)?,
                "limit" => group.limit = self.int(value),
                "labels" => group.labels = self.string_map(value),
                "rules" => group.rules = self.sequence(value, "[]rulefmt.Rule", Self::rule)?,
                _ => self.unknown(&key, line, GROUP_TYPE),
            }
        }
        Ok(group)
    }

    fn rule(&mut self, node: &Node) -> Result<RawRule, Aborted> {
        let mut rule = RawRule::default();
        for (key, line, value) in self.fields(node, RULE_TYPE) {
            let located = |decoder: &mut Self| Located { value: decoder.string(value), position: value.position };
            match key.as_str() {
                "record" => rule.record = located(self),
                "alert" => rule.alert = located(self),
                "expr" => rule.expr = located(self),
                "for" => rule.for_ = self.duration(value)?.unwrap_or_default(),
                "keep_firing_for" => rule.keep_firing_for = self.duration(value)?.unwrap_or_default(),
                "labels" => rule.labels = self.string_map(value),
                "annotations" => rule.annotations = self.string_map(value),
                _ => self.unknown(&key, line, RULE_TYPE),
            }
        }
        Ok(rule)
    }

    /// The entries of a mapping decoded into a struct: key text, key line, value.
    /// Null gives none; a non-mapping or a mapping with repeated keys is an error
    /// and gives none.
    fn fields<'a>(&mut self, node: &'a Node, type_name: &str) -> Vec<(String, u64, &'a Node)> {
        match &node.kind {
            Kind::Map(entries) if self.unique_keys(entries) => entries
                .iter()
                .filter_map(|(key, value)| self.key(key).map(|name| (name, key.position.line, value)))
                .collect(),
            Kind::Map(_) => Vec::new(),
            _ if node.is_null() => Vec::new(),
            _ => {
                self.type_error(node, type_name);
                Vec::new()
            }
        }
    }

    /// go-yaml rejects a mapping whose keys repeat, reporting each later copy.
    fn unique_keys(&mut self, entries: &[(Node, Node)]) -> bool {
        let before = self.errors.len();
        for (index, (first, _)) in entries.iter().enumerate() {
            for (later, _) in &entries[index + 1..] {
                if same_key(first, later) {
                    let name = go_quote(first.scalar().map_or("", |scalar| scalar.text.as_str()));
                    self.errors.push(format!(
                        "line {}: mapping key {name} already defined at line {}",
                        later.position.line, first.position.line
                    ));
                }
            }
        }
        self.errors.len() == before
    }

    fn key(&mut self, key: &Node) -> Option<String> {
        match &key.kind {
            Kind::Scalar(scalar) => Some(if scalar.is_null() { String::new() } else { scalar.text.clone() }),
            _ => {
                self.type_error(key, "string");
                None
            }
        }
    }

    fn unknown(&mut self, key: &str, line: u64, type_name: &str) {
        if self.strict {
            self.errors.push(format!("line {line}: field {key} not found in type {type_name}"));
        }
    }

    fn sequence<T>(
        &mut self,
        node: &Node,
        type_name: &str,
        mut item: impl FnMut(&mut Self, &Node) -> Result<T, Aborted>,
    ) -> Result<Vec<T>, Aborted> {
        match &node.kind {
            Kind::Sequence(items) => items.iter().map(|node| item(self, node)).collect(),
            _ if node.is_null() => Ok(Vec::new()),
            _ => {
                self.type_error(node, type_name);
                Ok(Vec::new())
            }
        }
    }

    fn string(&mut self, node: &Node) -> String {
        match &node.kind {
            Kind::Scalar(scalar) if scalar.is_null() => String::new(),
            Kind::Scalar(scalar) => scalar.text.clone(),
            _ => {
                self.type_error(node, "string");
                String::new()
            }
        }
    }

    fn string_map(&mut self, node: &Node) -> BTreeMap<String, String> {
        let Kind::Map(entries) = &node.kind else {
            if !node.is_null() {
                self.type_error(node, STRING_MAP_TYPE);
            }
            return BTreeMap::new();
        };
        if !self.unique_keys(entries) {
            return BTreeMap::new();
        }
        let mut map = BTreeMap::new();
        for (key, value) in entries {
            if let Some(key) = self.key(key) {
                let value = self.string(value);
                map.insert(key, value);
            }
        }
        map
    }

    /// An `int` field: integers, and floats truncated, as go-yaml allows.
    fn int(&mut self, node: &Node) -> i64 {
        let resolved = node.scalar().map(resolve);
        match resolved {
            Some(Resolved::Null) => 0,
            Some(Resolved::Int(value)) if i64::try_from(value).is_ok() => value as i64,
            Some(Resolved::Float(value)) if value <= i64::MAX as f64 => value as i64,
            _ => {
                self.type_error(node, "int");
                0
            }
        }
    }

    /// A `model.Duration`: read as a string, then parsed; `None` for null.
    fn duration(&mut self, node: &Node) -> Result<Option<Duration>, Aborted> {
        match &node.kind {
            Kind::Scalar(scalar) if scalar.is_null() => Ok(None),
            Kind::Scalar(scalar) => parse_duration(&scalar.text).map(Some),
            _ => {
                self.type_error(node, "string");
                Ok(None)
            }
        }
    }

    /// go-yaml's "cannot unmarshal" line: the node's tag, a scalar's text (cut
    /// to 7 bytes and `...` when longer than 10) and the Go type.
    fn type_error(&mut self, node: &Node, type_name: &str) {
        let (tag, value) = match &node.kind {
            Kind::Map(_) => ("!!map", String::new()),
            Kind::Sequence(_) => ("!!seq", String::new()),
            Kind::Scalar(scalar) => (tag(scalar), format!(" `{}`", shorten(&scalar.text))),
        };
        self.errors.push(format!("line {}: cannot unmarshal {tag}{value} into {type_name}", node.position.line));
    }
}

fn same_key(first: &Node, second: &Node) -> bool {
    match (&first.kind, &second.kind) {
        (Kind::Scalar(first), Kind::Scalar(second)) => first.text == second.text,
        (Kind::Map(_), Kind::Map(_)) | (Kind::Sequence(_), Kind::Sequence(_)) => true,
        _ => false,
    }
}

fn shorten(text: &str) -> String {
    if text.len() <= 10 {
        return text.to_string();
    }
    let mut end = 7;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_text(text: &str, strict: bool) -> Result<Vec<RawGroup>, Vec<String>> {
        let root = super::super::yaml::parse(text).unwrap();
        decode(root.as_ref(), strict)
    }

    fn errors(text: &str) -> Vec<String> {
        decode_text(text, true).unwrap_err()
    }

    #[test]
    fn decodes_every_field() {
        let text = "groups:\n  - name: g\n    interval: 30s\n    query_offset: 0s\n    limit: 10\n    labels: {team: a}\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        keep_firing_for: 1m\n        labels: {severity: page}\n        annotations: {summary: down}\n";
        let groups = decode_text(text, true).unwrap();
        let group = &groups[0];
        assert_eq!((group.name.as_str(), group.limit), ("g", 10));
        assert_eq!(group.interval, Duration::from_seconds(30));
        assert_eq!(group.query_offset, Some(Duration::ZERO));
        assert_eq!(group.labels["team"], "a");
        let rule = &group.rules[0];
        assert_eq!(rule.alert, Located { value: "A".into(), position: Position { line: 8, column: 16 } });
        assert_eq!(rule.record, Located::default());
        assert_eq!(rule.expr.value, "up == 0");
        assert_eq!((rule.for_, rule.keep_firing_for), (Duration::from_minutes(5), Duration::from_minutes(1)));
        assert_eq!(rule.labels["severity"], "page");
        assert_eq!(rule.annotations["summary"], "down");
    }

    #[test]
    fn nulls_are_zero_values() {
        let groups = decode_text(
            "groups:\n  - name:\n    interval:\n    query_offset:\n    limit:\n    labels:\n    rules:\n      -\n",
            true,
        )
        .unwrap();
        assert_eq!(groups[0].name, "");
        assert_eq!(groups[0].query_offset, None);
        assert_eq!(groups[0].rules, vec![RawRule::default()]);
        assert_eq!(decode_text("groups:\n", true).unwrap(), vec![]);
        assert_eq!(decode_text("~\n", true).unwrap(), vec![]);
    }

    #[test]
    fn scalars_keep_their_spelling_in_strings() {
        let groups = decode_text("groups:\n  - name: 1.10\n    labels: {a: 0x1F, b: yes, c: ~, 5: x}\n", true).unwrap();
        assert_eq!(groups[0].name, "1.10");
        let labels: Vec<_> = groups[0].labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(labels, ["5=x", "a=0x1F", "b=yes", "c="]);
    }

    #[test]
    fn limit_takes_integers_and_truncates_floats() {
        let limit = |text: &str| decode_text(&format!("groups:\n  - name: g\n    limit: {text}\n"), true);
        assert_eq!(limit("0x10").unwrap()[0].limit, 16);
        assert_eq!(limit("1.7").unwrap()[0].limit, 1);
        assert_eq!(limit("-3").unwrap()[0].limit, -3);
        assert_eq!(limit("1_000").unwrap()[0].limit, 1000);
        for (text, shown) in [("abc", "!!str `abc`"), ("true", "!!bool `true`"), ("'5'", "!!str `5`"), ("[1]", "!!seq")]
        {
            let expected = format!("yaml: unmarshal errors:\n  line 3: cannot unmarshal {shown} into int");
            assert_eq!(limit(text).unwrap_err(), [expected], "{text}");
        }
        let huge = limit("99999999999999999999").unwrap_err();
        assert_eq!(huge, ["yaml: unmarshal errors:\n  line 3: cannot unmarshal !!float `9999999...` into int"]);
    }

    #[test]
    fn collects_unknown_fields_and_type_errors_in_order() {
        let text = "groups:\n  - name: g\n    limit: abc\n    bogus: 1\n    rules:\n      - record: a\n        expr: up\n        foo: 1\n        labels: [a]\nextra: 1\n";
        assert_eq!(
            errors(text),
            [
                "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `abc` into int\n  line 4: field bogus not found in type rulefmt.RuleGroup\n  line 8: field foo not found in type rulefmt.Rule\n  line 9: cannot unmarshal !!seq into map[string]string\n  line 10: field extra not found in type rulefmt.RuleGroups"
            ]
        );
        assert!(decode_text(text.replace("abc", "1").replace("        labels: [a]\n", "").as_str(), false).is_ok());
    }

    #[test]
    fn shape_errors_come_from_both_passes() {
        assert_eq!(
            errors("foo\n"),
            [
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `foo` into rulefmt.RuleGroups",
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `foo` into rulefmt.ruleGroups",
            ]
        );
        assert_eq!(
            errors("groups: {a: 1}\n"),
            [
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into []rulefmt.RuleGroup",
                "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into []yaml.Node",
            ]
        );
        assert_eq!(
            errors("groups:\n  - just a string\n"),
            ["yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `just a ...` into rulefmt.RuleGroup"]
        );
    }

    #[test]
    fn repeated_keys_are_reported_and_skip_the_mapping() {
        let text = "groups:\n  - name: a\n    limit: x\n    name: b\n    name: c\n";
        assert_eq!(
            errors(text),
            [
                "yaml: unmarshal errors:\n  line 4: mapping key \"name\" already defined at line 2\n  line 5: mapping key \"name\" already defined at line 2\n  line 5: mapping key \"name\" already defined at line 4"
            ]
        );
    }

    #[test]
    fn a_bad_duration_aborts_the_pass_with_only_its_message() {
        let text =
            "groups:\n  - name: g\n    bogus: 1\n    rules:\n      - alert: x\n        expr: up\n        for: 5x\n";
        assert_eq!(errors(text), ["unknown unit \"x\" in duration \"5x\""]);
        let text = "groups:\n  - name: g\n    rules:\n      - alert: x\n        expr: up\n        for: {a: 1}\n";
        assert_eq!(errors(text), ["yaml: unmarshal errors:\n  line 6: cannot unmarshal !!map into string"]);
    }
}
