//! Alert label sets and the text forms Alertmanager gives them: Go-quoted
//! values in `{a="b", c="d"}` (prometheus/common `model.LabelSet.String`),
//! which group keys are built from.

use std::collections::BTreeMap;

/// An alert's labels, sorted by name as Alertmanager prints them.
pub type LabelSet = BTreeMap<String, String>;

/// Whether `name` is a label name Alertmanager 0.25 accepts in `group_by`,
/// `equal` and `match` keys: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_valid_label_name(name: &str) -> bool {
    crate::config::is_legacy_label_name(name)
}

/// `{a="b", c="d"}`, names sorted, values quoted as Go's `%q` quotes them.
pub fn label_set_string(labels: &LabelSet) -> String {
    let pairs: Vec<String> = labels.iter().map(|(name, value)| format!("{name}={}", go_quote(value))).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Go's `strconv.Quote`: printable characters stay, the rest are escaped.
pub(crate) fn go_quote(text: &str) -> String {
    crate::template::go_quote(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_sets_print_sorted_and_quoted() {
        let labels: LabelSet = [("b", "x\"y"), ("a", "line\nbreak"), ("c", "é")]
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        assert_eq!(label_set_string(&labels), r#"{a="line\nbreak", b="x\"y", c="é"}"#);
        assert_eq!(label_set_string(&LabelSet::new()), "{}");
    }

    #[test]
    fn quoting_escapes_control_characters() {
        assert_eq!(go_quote("\u{1}\t\\"), r#""\x01\t\\""#);
        assert_eq!(go_quote("\u{85}"), r#""\u0085""#);
    }

    #[test]
    fn label_names_use_the_legacy_charset() {
        assert!(is_valid_label_name("severity") && is_valid_label_name("_x1"));
        assert!(!is_valid_label_name("a-b") && !is_valid_label_name("1a") && !is_valid_label_name(""));
        assert!(!is_valid_label_name("a:b"));
    }
}
