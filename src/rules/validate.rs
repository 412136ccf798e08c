//! The checks Prometheus makes on decoded rule groups (`RuleGroups.Validate` and
//! `Rule.Validate` in prometheus/prometheus model/rulefmt/rulefmt.go), every
//! problem collected, in Prometheus' order. Go walks label and annotation maps in
//! random order; here they go in sorted key order so output is stable.

use std::collections::BTreeSet;

use crate::config::ValidationScheme;

use super::decode::{RawGroup, RawRule};
use super::error::{Error, RuleProblem};
use super::template_check::check_template;
use super::yaml::Position;

const METRIC_NAME_LABEL: &str = "__name__";

/// Every problem with the groups of one file.
pub(crate) fn validate(groups: &[RawGroup], scheme: ValidationScheme) -> Vec<Error> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for group in groups {
        if group.name.is_empty() {
            errors.push(Error::EmptyGroupName { position: group.position });
        }
        if !seen.insert(group.name.as_str()) {
            errors.push(Error::RepeatedGroupName { position: group.position, name: group.name.clone() });
        }
        for name in group.labels.keys() {
            if !is_valid_label_name(name, scheme) {
                errors.push(Error::GroupLabelName(name.clone()));
            }
        }
        for (index, rule) in group.rules.iter().enumerate() {
            let name = if rule.alert.value.is_empty() { &rule.record.value } else { &rule.alert.value };
            errors.extend(validate_rule(rule, scheme).into_iter().map(|(positions, problem)| Error::Rule {
                positions,
                group: group.name.clone(),
                index: index + 1,
                rule: name.clone(),
                problem,
            }));
        }
    }
    errors
}

/// A rule problem with the positions of the YAML nodes it is attached to.
type Problem = (Vec<Position>, RuleProblem);

fn validate_rule(rule: &RawRule, scheme: ValidationScheme) -> Vec<Problem> {
    let (record, alert) = (&rule.record, &rule.alert);
    let both = vec![record.position, alert.position];
    let mut problems = Vec::new();
    match (record.value.is_empty(), alert.value.is_empty()) {
        (false, false) => problems.push((both, RuleProblem::RecordAndAlert)),
        (true, true) => problems.push((both, RuleProblem::NoRecordOrAlert)),
        _ => {}
    }
    if let Some(problem) = check_expr(&rule.expr.value) {
        problems.push((vec![rule.expr.position], problem));
    }
    if !record.value.is_empty() {
        problems.extend(recording_problems(rule, scheme).into_iter().map(|problem| (vec![record.position], problem)));
    }
    problems.extend(label_problems(rule, scheme).into_iter().map(|problem| (Vec::new(), problem)));
    if !alert.value.is_empty() {
        problems.extend(template_problems(rule).into_iter().map(|problem| (Vec::new(), problem)));
    }
    problems
}

fn check_expr(expr: &str) -> Option<RuleProblem> {
    if expr.is_empty() {
        return Some(RuleProblem::NoExpr);
    }
    promql_parser::parser::parse(expr)
        .err()
        .map(|message| RuleProblem::BadExpr(crate::promql::prometheus_parse_error(expr, &message)))
}

fn recording_problems(rule: &RawRule, scheme: ValidationScheme) -> Vec<RuleProblem> {
    let name = &rule.record.value;
    let mut problems = Vec::new();
    if !rule.annotations.is_empty() {
        problems.push(RuleProblem::AnnotationsInRecordingRule);
    }
    if !rule.for_.is_zero() {
        problems.push(RuleProblem::ForInRecordingRule);
    }
    if !rule.keep_firing_for.is_zero() {
        problems.push(RuleProblem::KeepFiringForInRecordingRule);
    }
    if !scheme.is_valid_metric_name(name) {
        problems.push(RuleProblem::RecordName(name.clone()));
    }
    // Valid UTF-8, but most likely a selector pasted where the name goes.
    if name.contains(['{', '}']) {
        problems.push(RuleProblem::BracesInRecordName(name.clone()));
    }
    problems
}

/// Label and annotation names. Values are always valid: they are Rust strings,
/// so the UTF-8 check Prometheus makes on them cannot fail.
fn label_problems(rule: &RawRule, scheme: ValidationScheme) -> Vec<RuleProblem> {
    let labels = rule
        .labels
        .keys()
        .filter(|name| !is_valid_label_name(name, scheme))
        .map(|name| RuleProblem::LabelName(name.clone()));
    let annotations = rule
        .annotations
        .keys()
        .filter(|name| !scheme.is_valid_label_name(name))
        .map(|name| RuleProblem::AnnotationName(name.clone()));
    labels.chain(annotations).collect()
}

fn template_problems(rule: &RawRule) -> Vec<RuleProblem> {
    let alert = &rule.alert.value;
    let labels = rule.labels.iter().filter_map(|(name, text)| {
        check_template(alert, text).err().map(|message| RuleProblem::LabelTemplate { name: name.clone(), message })
    });
    let annotations = rule.annotations.iter().filter_map(|(name, text)| {
        check_template(alert, text).err().map(|message| RuleProblem::AnnotationTemplate { name: name.clone(), message })
    });
    labels.chain(annotations).collect()
}

/// Rule and group labels may not set the metric name.
fn is_valid_label_name(name: &str, scheme: ValidationScheme) -> bool {
    scheme.is_valid_label_name(name) && name != METRIC_NAME_LABEL
}
