//! Rule files: the groups of recording and alerting rules in one YAML file,
//! read and checked as Prometheus 3.x reads them (prometheus/prometheus
//! model/rulefmt/rulefmt.go `Parse` and `ParseFile`), with every problem reported
//! in Prometheus' words.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use crate::config::{Duration, ValidationScheme};

use super::decode::{RawGroup, RawRule, decode};
use super::error::{Error, FileError};
use super::validate::validate;
use super::yaml;

/// The rule groups of one file, in file order. An empty file has none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

/// Rules evaluated one after another at a common interval.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleGroup {
    /// Unique within its file, never empty.
    pub name: String,
    /// `None` when absent or zero: use `global.evaluation_interval`.
    pub interval: Option<Duration>,
    /// `None` when absent: use `global.rule_query_offset`. A zero offset given
    /// here is kept, since it overrides the global one.
    pub query_offset: Option<Duration>,
    /// Most series or alerts a rule may produce; 0 (also for negative values in
    /// the file) means no limit.
    pub limit: usize,
    /// Labels added to every rule's output, beneath the rule's own labels.
    pub labels: BTreeMap<String, String>,
    pub rules: Vec<RuleDef>,
}

/// One recording (`record`) or alerting (`alert`) rule; exactly one is set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleDef {
    pub record: Option<String>,
    pub alert: Option<String>,
    /// PromQL text as written; it parses.
    pub expr: String,
    /// How long an alert stays pending before it fires; zero for recording rules.
    pub for_: Duration,
    /// How long an alert keeps firing after its condition clears.
    pub keep_firing_for: Duration,
    /// Literal for recording rules; templates for alerting rules.
    pub labels: BTreeMap<String, String>,
    /// Templates; alerting rules only.
    pub annotations: BTreeMap<String, String>,
}

impl RuleDef {
    /// The alert name or, for a recording rule, the recorded metric name.
    pub fn name(&self) -> &str {
        self.alert.as_deref().or(self.record.as_deref()).unwrap_or("")
    }

    pub fn is_alert(&self) -> bool {
        self.alert.is_some()
    }
}

/// How strictly to read a rule file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept keys Prometheus does not know (promtool's `--ignore-unknown-fields`).
    pub ignore_unknown_fields: bool,
    /// How label and recorded metric names are checked (3.x: UTF-8; 2.x: legacy).
    pub name_validation: ValidationScheme,
}

/// Reads rule file text with Prometheus 3.x defaults. Every error is returned,
/// each as `<path_for_messages>: <error>`.
pub fn parse_rule_file(path_for_messages: &str, text: &str) -> Result<RuleFile, Vec<String>> {
    parse_rules(text, &ParseOptions::default()).map_err(|errors| {
        errors.into_iter().map(|error| FileError { file: path_for_messages.to_string(), error }.to_string()).collect()
    })
}

/// Reads rule file text. YAML errors come alone (as Prometheus stops there);
/// otherwise every validation error is returned.
pub fn parse_rules(text: &str, options: &ParseOptions) -> Result<RuleFile, Vec<Error>> {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        // Prometheus decodes twice and both decodings fail.
        Err(message) => return Err(vec![Error::Yaml(message.clone()), Error::Yaml(message)]),
    };
    let groups = decode(root.as_ref(), !options.ignore_unknown_fields)
        .map_err(|messages| messages.into_iter().map(Error::Yaml).collect::<Vec<_>>())?;
    let errors = validate(&groups, options.name_validation);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RuleFile { groups: groups.into_iter().map(RuleGroup::from).collect() })
}

/// Reads and checks a rule file; errors name the file as `path` is written.
pub fn read_rule_file(path: &Path, options: &ParseOptions) -> Result<RuleFile, Vec<FileError>> {
    let file = path.display().to_string();
    let located = |error| FileError { file: file.clone(), error };
    let bytes = std::fs::read(path).map_err(|error| vec![located(Error::Read(read_error(&file, &error)))])?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(error) => {
            let message = format!("yaml: {}", utf8_problem(&bytes, error));
            return Err(vec![located(Error::Yaml(message.clone())), located(Error::Yaml(message))]);
        }
    };
    parse_rules(text, options).map_err(|errors| errors.into_iter().map(located).collect())
}

/// Go's `os.ReadFile` wording: `open <file>: no such file or directory`.
fn read_error(file: &str, error: &io::Error) -> String {
    let reason = match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => return format!("read {file}: is a directory"),
        _ => error.to_string(),
    };
    format!("open {file}: {reason}")
}

/// libyaml's reader message for the first bad byte.
fn utf8_problem(bytes: &[u8], error: std::str::Utf8Error) -> &'static str {
    let lead = bytes[error.valid_up_to()];
    match error.error_len() {
        None => "incomplete UTF-8 octet sequence",
        Some(_) if lead & 0xC0 == 0x80 || lead >= 0xF8 => "invalid leading UTF-8 octet",
        Some(_) => "invalid trailing UTF-8 octet",
    }
}

impl From<RawGroup> for RuleGroup {
    fn from(group: RawGroup) -> Self {
        RuleGroup {
            name: group.name,
            interval: Some(group.interval).filter(|interval| !interval.is_zero()),
            query_offset: group.query_offset,
            limit: usize::try_from(group.limit).unwrap_or(0),
            labels: group.labels,
            rules: group.rules.into_iter().map(RuleDef::from).collect(),
        }
    }
}

impl From<RawRule> for RuleDef {
    fn from(rule: RawRule) -> Self {
        let set = |text: String| Some(text).filter(|text| !text.is_empty());
        RuleDef {
            record: set(rule.record.value),
            alert: set(rule.alert.value),
            expr: rule.expr.value,
            for_: rule.for_,
            keep_firing_for: rule.keep_firing_for,
            labels: rule.labels,
            annotations: rule.annotations,
        }
    }
}
