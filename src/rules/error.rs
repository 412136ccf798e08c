//! Errors of the rules module: problems in a rule file, worded exactly as
//! Prometheus words them (prometheus/prometheus model/rulefmt/rulefmt.go), so
//! that `check rules` output matches promtool's line for line.

use super::yaml::Position;

/// One problem with a rule file. `Display` gives Prometheus' text without the
/// file name; [`FileError`] adds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The file could not be read, e.g. `open x.yml: no such file or directory`.
    #[error("{0}")]
    Read(String),
    /// Not well-formed YAML, or YAML of the wrong shape (go-yaml's wording).
    #[error("{0}")]
    Yaml(String),
    #[error("{position}: Groupname must not be empty")]
    EmptyGroupName { position: Position },
    /// A group name used before in the same file; reported for every later use.
    #[error("{position}: groupname: \"{name}\" is repeated in the same file")]
    RepeatedGroupName { position: Position, name: String },
    /// A group-level label name that is invalid or `__name__`.
    #[error("invalid label name: {0}")]
    GroupLabelName(String),
    /// A problem with one rule; `index` counts from 1.
    #[error("{}group {}, rule {index}, {}: {problem}", prefix(positions), go_quote(group), go_quote(rule))]
    Rule { positions: Vec<Position>, group: String, index: usize, rule: String, problem: RuleProblem },
}

/// What is wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    #[error("only one of 'record' and 'alert' must be set")]
    RecordAndAlert,
    #[error("one of 'record' or 'alert' must be set")]
    NoRecordOrAlert,
    #[error("field 'expr' must be set in rule")]
    NoExpr,
    /// The PromQL parser's message, e.g. `1:7: parse error: unclosed left parenthesis`.
    #[error("could not parse expression: {0}")]
    BadExpr(String),
    #[error("invalid field 'annotations' in recording rule")]
    AnnotationsInRecordingRule,
    #[error("invalid field 'for' in recording rule")]
    ForInRecordingRule,
    #[error("invalid field 'keep_firing_for' in recording rule")]
    KeepFiringForInRecordingRule,
    #[error("invalid recording rule name: {0}")]
    RecordName(String),
    #[error("braces present in the recording rule name; should it be in expr?: {0}")]
    BracesInRecordName(String),
    #[error("invalid label name: {0}")]
    LabelName(String),
    #[error("invalid annotation name: {0}")]
    AnnotationName(String),
    /// A label value that does not parse as a template, with Go's error text.
    #[error("label {}: {message}", go_quote(name))]
    LabelTemplate { name: String, message: String },
    #[error("annotation {}: {message}", go_quote(name))]
    AnnotationTemplate { name: String, message: String },
}

/// An [`Error`] in a named file: `<file>: <error>`, as `rulefmt.ParseFile` reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {error}")]
pub struct FileError {
    pub file: String,
    pub error: Error,
}

/// `L:C: ` for each YAML node an error is attached to.
fn prefix(positions: &[Position]) -> String {
    positions.iter().map(|position| format!("{position}: ")).collect()
}

/// Go's `%q` of a string.
pub(crate) fn go_quote(text: &str) -> String {
    crate::template::go_quote(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, column: u64) -> Position {
        Position { line, column }
    }

    #[test]
    fn rule_errors_carry_zero_one_or_two_positions() {
        let rule = |positions: Vec<Position>| Error::Rule {
            positions,
            group: "some group".into(),
            index: 1,
            rule: "some rule name".into(),
            problem: RuleProblem::NoExpr,
        };
        let message = "group \"some group\", rule 1, \"some rule name\": field 'expr' must be set in rule";
        assert_eq!(rule(vec![]).to_string(), message);
        assert_eq!(rule(vec![at(10, 20)]).to_string(), format!("10:20: {message}"));
        assert_eq!(rule(vec![at(10, 20), at(11, 21)]).to_string(), format!("10:20: 11:21: {message}"));
    }

    #[test]
    fn names_are_go_quoted() {
        let error = Error::Rule {
            positions: vec![],
            group: "a\"b".into(),
            index: 2,
            rule: "tab\there".into(),
            problem: RuleProblem::LabelTemplate { name: "é".into(), message: "boom".into() },
        };
        assert_eq!(error.to_string(), "group \"a\\\"b\", rule 2, \"tab\\there\": label \"é\": boom");
    }

    #[test]
    fn group_errors_keep_prometheus_wording() {
        assert_eq!(Error::EmptyGroupName { position: at(3, 5) }.to_string(), "3:5: Groupname must not be empty");
        let repeated = Error::RepeatedGroupName { position: at(7, 5), name: "a\"b".into() };
        assert_eq!(repeated.to_string(), "7:5: groupname: \"a\"b\" is repeated in the same file");
        let located = FileError { file: "r.yml".into(), error: Error::GroupLabelName("__name__".into()) };
        assert_eq!(located.to_string(), "r.yml: invalid label name: __name__");
    }
}
