//! Relabeling rules (`relabel_configs`, `metric_relabel_configs`, …): their fields,
//! Prometheus' defaults and the checks of `relabel.Config.Validate` in
//! prometheus/model/relabel. Applying the rules belongs to the relabel component.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::Invalid;
use super::label::{LabelName, ValidationScheme};
use super::regex::{DEFAULT_RELABEL_REGEX, Regex};
use super::serde_fields::{displayed, is_default, nullable, parsed};

pub const DEFAULT_SEPARATOR: &str = ";";
pub const DEFAULT_REPLACEMENT: &str = "$1";

/// What a relabeling rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Action {
    /// Sets `target_label` to `replacement` expanded with the regex's groups.
    #[default]
    Replace,
    /// Drops the target or series unless the joined source labels match.
    Keep,
    /// Drops the target or series when the joined source labels match.
    Drop,
    /// Keeps only when the joined source labels equal `target_label`'s value.
    KeepEqual,
    /// Drops when the joined source labels equal `target_label`'s value.
    DropEqual,
    /// Sets `target_label` to a hash of the joined source labels modulo `modulus`.
    HashMod,
    /// Copies labels whose names match to names built from `replacement`.
    LabelMap,
    /// Removes labels whose names match.
    LabelDrop,
    /// Removes labels whose names do not match.
    LabelKeep,
    /// Sets `target_label` to the joined source labels in lower case.
    Lowercase,
    /// Sets `target_label` to the joined source labels in upper case.
    Uppercase,
}

const ACTIONS: [(&str, Action); 11] = [
    ("replace", Action::Replace),
    ("keep", Action::Keep),
    ("drop", Action::Drop),
    ("keepequal", Action::KeepEqual),
    ("dropequal", Action::DropEqual),
    ("hashmod", Action::HashMod),
    ("labelmap", Action::LabelMap),
    ("labeldrop", Action::LabelDrop),
    ("labelkeep", Action::LabelKeep),
    ("lowercase", Action::Lowercase),
    ("uppercase", Action::Uppercase),
];

impl Action {
    pub fn as_str(self) -> &'static str {
        ACTIONS.iter().find(|(_, action)| *action == self).map(|(name, _)| *name).unwrap_or("replace")
    }

    /// Actions that write `target_label`.
    fn needs_target_label(self) -> bool {
        matches!(
            self,
            Action::Replace
                | Action::HashMod
                | Action::Lowercase
                | Action::Uppercase
                | Action::KeepEqual
                | Action::DropEqual
        )
    }

    /// Actions whose `target_label` is a plain label name, never a template.
    fn needs_plain_target(self) -> bool {
        matches!(self, Action::Lowercase | Action::Uppercase | Action::KeepEqual | Action::DropEqual)
    }
}

impl FromStr for Action {
    type Err = String;

    /// Case-insensitive, as upstream lower-cases the action before matching.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.to_lowercase();
        ACTIONS
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, action)| *action)
            .ok_or_else(|| format!("unknown relabel action {text:?}"))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One relabeling rule.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RelabelConfig {
    /// Labels whose values are joined with `separator` and matched against `regex`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub source_labels: Vec<LabelName>,
    #[serde(default = "default_separator", deserialize_with = "nullable")]
    pub separator: String,
    /// Anchored at both ends; `(.*)` when not given.
    #[serde(default, skip_serializing_if = "is_default")]
    pub regex: Regex,
    /// For `hashmod`: the hash is taken modulo this.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub modulus: u64,
    /// The label written by `replace`, `hashmod`, `lowercase`, `uppercase`, and
    /// compared by `keepequal` and `dropequal`; may use `$1`-style groups for `replace`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub target_label: String,
    #[serde(default = "default_replacement", deserialize_with = "nullable")]
    pub replacement: String,
    #[serde(default, deserialize_with = "parsed", serialize_with = "displayed", skip_serializing_if = "is_default")]
    pub action: Action,
}

fn default_separator() -> String {
    DEFAULT_SEPARATOR.to_string()
}

fn default_replacement() -> String {
    DEFAULT_REPLACEMENT.to_string()
}

impl Default for RelabelConfig {
    fn default() -> Self {
        RelabelConfig {
            source_labels: Vec::new(),
            separator: default_separator(),
            regex: Regex::match_all(),
            modulus: 0,
            target_label: String::new(),
            replacement: default_replacement(),
            action: Action::Replace,
        }
    }
}

impl RelabelConfig {
    /// Checks the rule as upstream's `Validate` does, with label names judged by
    /// the scrape config's (or global) validation scheme.
    pub(crate) fn validate(&self, scheme: ValidationScheme) -> Result<(), Invalid> {
        let action = self.action;
        if action == Action::HashMod && self.modulus == 0 {
            return Err(Invalid::field("modulus", "relabel configuration for hashmod requires non-zero modulus"));
        }
        if action.needs_target_label() && self.target_label.is_empty() {
            return Err(Invalid::field(
                "target_label",
                format!("relabel configuration for {action} action requires 'target_label' value"),
            ));
        }
        self.validate_target(scheme)?;
        self.validate_replacement(scheme)?;
        self.validate_exclusive_fields()
    }

    fn validate_target(&self, scheme: ValidationScheme) -> Result<(), Invalid> {
        let (action, target) = (self.action, self.target_label.as_str());
        let valid = match action {
            Action::Replace if is_template(target) => is_valid_template_name(target, scheme),
            Action::Replace | Action::HashMod => scheme.is_valid_label_name(target),
            _ if action.needs_plain_target() => scheme.is_valid_label_name(target),
            _ => true,
        };
        if valid {
            return Ok(());
        }
        Err(Invalid::field("target_label", format!("{target:?} is invalid 'target_label' for {action} action")))
    }

    fn validate_replacement(&self, scheme: ValidationScheme) -> Result<(), Invalid> {
        let action = self.action;
        if action.needs_plain_target() && self.replacement != DEFAULT_REPLACEMENT {
            return Err(Invalid::field("replacement", format!("'replacement' can not be set for {action} action")));
        }
        if action == Action::LabelMap && !is_valid_template_name(&self.replacement, scheme) {
            let replacement = &self.replacement;
            return Err(Invalid::field(
                "replacement",
                format!("{replacement:?} is invalid 'replacement' for {action} action"),
            ));
        }
        Ok(())
    }

    /// `keepequal`/`dropequal` only compare labels and `labeldrop`/`labelkeep` only
    /// match names, so any other field set on them is a mistake.
    fn validate_exclusive_fields(&self) -> Result<(), Invalid> {
        let action = self.action;
        let changed_common =
            self.modulus != 0 || self.separator != DEFAULT_SEPARATOR || self.replacement != DEFAULT_REPLACEMENT;
        match action {
            Action::KeepEqual | Action::DropEqual if changed_common || self.regex.as_str() != DEFAULT_RELABEL_REGEX => {
                Err(Invalid::new(format!(
                    "{action} action requires only 'source_labels' and 'target_label', and no other fields"
                )))
            }
            Action::LabelDrop | Action::LabelKeep
                if changed_common || !self.source_labels.is_empty() || !self.target_label.is_empty() =>
            {
                Err(Invalid::new(format!("{action} action requires only 'regex', and no other fields")))
            }
            _ => Ok(()),
        }
    }
}

/// Upstream treats any `$` as the start of a regex group reference.
fn is_template(text: &str) -> bool {
    text.contains('$')
}

/// A label name that may contain `$1`, `$name` or `${name}` references: anything
/// non-empty under utf8; letters, digits, `_` and references under legacy.
fn is_valid_template_name(text: &str, scheme: ValidationScheme) -> bool {
    match scheme {
        ValidationScheme::Utf8 => !text.is_empty(),
        ValidationScheme::Legacy => is_legacy_template(text),
    }
}

/// Upstream's `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: the text must not start
/// with a digit, and every `$` must introduce `{word}` or a word.
fn is_legacy_template(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes[0].is_ascii_digit() {
        return false;
    }
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'$' {
            if !is_word(bytes[index]) {
                return false;
            }
            index += 1;
            continue;
        }
        index += 1;
        if bytes.get(index) == Some(&b'{') {
            let length = bytes[index + 1..].iter().take_while(|byte| is_word(**byte)).count();
            if length == 0 || bytes.get(index + 1 + length) != Some(&b'}') {
                return false;
            }
            index += length + 2;
        } else {
            let length = bytes[index..].iter().take_while(|byte| is_word(**byte)).count();
            if length == 0 {
                return false;
            }
            index += length;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> RelabelConfig {
        serde_saphyr::from_str(yaml).unwrap()
    }

    fn check(yaml: &str) -> Result<(), String> {
        rule(yaml).validate(ValidationScheme::Utf8).map_err(|invalid| invalid.message)
    }

    #[test]
    fn defaults_match_prometheus() {
        let config = rule("target_label: x");
        assert_eq!(config.separator, ";");
        assert_eq!(config.regex.as_str(), "(.*)");
        assert_eq!(config.replacement, "$1");
        assert_eq!(config.action, Action::Replace);
        assert_eq!(config, RelabelConfig { target_label: "x".into(), ..RelabelConfig::default() });
    }

    #[test]
    fn actions_are_case_insensitive() {
        assert_eq!(rule("action: LabelDrop\nregex: tmp_.*").action, Action::LabelDrop);
        let error = serde_saphyr::from_str::<RelabelConfig>("action: rename").unwrap_err();
        assert!(error.to_string().contains(r#"unknown relabel action "rename""#), "{error}");
    }

    #[test]
    fn reports_upstream_messages() {
        let cases = [
            ("action: hashmod\ntarget_label: shard", "relabel configuration for hashmod requires non-zero modulus"),
            ("source_labels: [a]", "relabel configuration for replace action requires 'target_label' value"),
            ("action: lowercase", "relabel configuration for lowercase action requires 'target_label' value"),
            ("action: uppercase\ntarget_label: x\nreplacement: y", "'replacement' can not be set for uppercase action"),
            (
                "action: keepequal\nsource_labels: [a]\ntarget_label: b\nregex: x",
                "keepequal action requires only 'source_labels' and 'target_label', and no other fields",
            ),
            ("action: dropequal\ntarget_label: b\nseparator: ','", "dropequal action requires only"),
            (
                "action: labeldrop\nregex: x\nsource_labels: [a]",
                "labeldrop action requires only 'regex', and no other fields",
            ),
            ("action: labelkeep\ntarget_label: b", "labelkeep action requires only 'regex'"),
            ("action: labelmap\nreplacement: ''", r#""" is invalid 'replacement' for labelmap action"#),
        ];
        for (yaml, message) in cases {
            let error = check(yaml).unwrap_err();
            assert!(error.contains(message), "{yaml}: {error}");
        }
    }

    #[test]
    fn accepts_valid_rules() {
        for yaml in [
            "source_labels: [__meta_kubernetes_pod_name]\ntarget_label: pod",
            "action: hashmod\nsource_labels: [__address__]\nmodulus: 4\ntarget_label: __tmp_hash",
            "action: keep\nsource_labels: [__tmp_hash]\nregex: '0'",
            "action: labelmap\nregex: __meta_kubernetes_pod_label_(.+)",
            "action: keepequal\nsource_labels: [a]\ntarget_label: b",
            "action: labeldrop\nregex: tmp_.*",
            "source_labels: [a]\nregex: (.+)\ntarget_label: ${1}_copy",
            "target_label: app.kubernetes.io/name\nreplacement: x",
        ] {
            assert_eq!(check(yaml), Ok(()), "{yaml}");
        }
    }

    #[test]
    fn legacy_scheme_restricts_target_names() {
        let dotted = rule("target_label: app.name\nreplacement: x");
        let error = dotted.validate(ValidationScheme::Legacy).unwrap_err();
        assert_eq!(error.message, r#""app.name" is invalid 'target_label' for replace action"#);
        assert_eq!(error.path.to_string(), "target_label");
        assert!(rule("target_label: ${1}x").validate(ValidationScheme::Legacy).is_ok());
        assert!(rule("target_label: 1$x").validate(ValidationScheme::Legacy).is_err());
    }

    #[test]
    fn legacy_templates_follow_the_upstream_pattern() {
        for text in ["a", "_x", "$1", "${1}", "a$1b", "${name}_x", "x$y"] {
            assert!(is_legacy_template(text), "{text}");
        }
        for text in ["", "1a", "a-b", "$", "${}", "${1", "a$-"] {
            assert!(!is_legacy_template(text), "{text}");
        }
    }
}
