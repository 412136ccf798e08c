//! Label sets: sorted, unique label pairs that identify a series, as
//! Prometheus' `model/labels`.

use std::fmt;

use xxhash_rust::xxh3::xxh3_64;

/// The label that holds the metric name.
pub const METRIC_NAME: &str = "__name__";

/// One label pair.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Label {
    pub name: String,
    pub value: String,
}

impl Label {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Label { name: name.into(), value: value.into() }
    }
}

/// A label set sorted by name with unique names; empty values are dropped,
/// since Prometheus treats an empty value as an absent label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Labels(Vec<Label>);

impl Labels {
    /// Builds a label set from pairs in any order; a later duplicate name wins.
    pub fn from_pairs<N: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (N, V)>) -> Self {
        let mut labels: Vec<Label> = pairs.into_iter().map(|(n, v)| Label::new(n, v)).collect();
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        let mut deduped: Vec<Label> = Vec::with_capacity(labels.len());
        for label in labels {
            match deduped.last_mut() {
                Some(last) if last.name == label.name => *last = label,
                _ => deduped.push(label),
            }
        }
        deduped.retain(|l| !l.value.is_empty());
        Labels(deduped)
    }

    /// Wraps labels that the caller knows are sorted and unique.
    pub fn from_sorted(labels: Vec<Label>) -> Self {
        debug_assert!(labels.windows(2).all(|w| w[0].name < w[1].name), "labels not sorted");
        Labels(labels)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.binary_search_by(|l| l.name.as_str().cmp(name)).ok().map(|i| self.0[i].value.as_str())
    }

    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Label> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[Label] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<Label> {
        self.0
    }

    /// The stable 64-bit hash of the set, equal to [`hash_pairs`] of the same pairs.
    pub fn stable_hash(&self) -> u64 {
        hash_pairs(self.0.iter().map(|l| (l.name.as_str(), l.value.as_str())))
    }
}

impl fmt::Display for Labels {
    /// Prometheus' notation: `name{a="b", c="d"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.metric_name().unwrap_or("");
        f.write_str(name)?;
        f.write_str("{")?;
        let mut first = true;
        for label in self.0.iter().filter(|l| l.name != METRIC_NAME) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{}={:?}", label.name, label.value)?;
        }
        f.write_str("}")
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a Label;
    type IntoIter = std::slice::Iter<'a, Label>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A stable hash of sorted label pairs; the separator byte 0xff cannot occur
/// in UTF-8, so `("a", "bc")` and `("ab", "c")` hash differently.
pub fn hash_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> u64 {
    // One-shot hashing of a contiguous buffer is several times faster than
    // feeding a streaming hasher four small slices per label.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        for (name, value) in pairs {
            buffer.extend_from_slice(name.as_bytes());
            buffer.push(0xff);
            buffer.extend_from_slice(value.as_bytes());
            buffer.push(0xff);
        }
        xxh3_64(buffer)
    })
}

/// Whether `name` is a legacy (pre-UTF-8) label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_pairs_sorts_dedups_and_drops_empty_values() {
        let labels = Labels::from_pairs([("b", "2"), ("a", "1"), ("c", ""), ("a", "3")]);
        let names: Vec<_> = labels.iter().map(|l| (l.name.as_str(), l.value.as_str())).collect();
        assert_eq!(names, vec![("a", "3"), ("b", "2")]);
    }

    #[test]
    fn display_matches_prometheus_notation() {
        let labels = Labels::from_pairs([("__name__", "up"), ("job", "node"), ("instance", "a:1")]);
        assert_eq!(labels.to_string(), r#"up{instance="a:1", job="node"}"#);
    }

    #[test]
    fn hash_separates_names_from_values() {
        assert_ne!(hash_pairs([("a", "bc")]), hash_pairs([("ab", "c")]));
        let labels = Labels::from_pairs([("x", "1"), ("y", "2")]);
        assert_eq!(labels.stable_hash(), hash_pairs([("x", "1"), ("y", "2")]));
    }

    #[test]
    fn legacy_names() {
        assert!(is_legacy_label_name("_a9"));
        assert!(!is_legacy_label_name("9a"));
        assert!(!is_legacy_label_name(""));
        assert!(!is_legacy_label_name("a.b"));
    }
}
