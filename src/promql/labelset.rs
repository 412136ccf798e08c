//! Label-set edits shared by aggregations and binary operators, as
//! Prometheus' `labels.Builder` (`Keep`, `Del`, `Set`), `Labels.MatchLabels`
//! and the engine's duplicate-labelset check.

use std::collections::HashSet;

use crate::promql::value::Vector;
use crate::series::{Label, Labels, METRIC_NAME};

/// Labels that describe the metric rather than identify the series
/// (Prometheus' `schema.IsMetadataLabel`); an operation that changes what a
/// value means drops all of them, not only the name.
const METADATA_LABELS: [&str; 3] = [METRIC_NAME, "__type__", "__unit__"];

/// The error Prometheus raises when an operation leaves two samples with one label set.
pub const DUPLICATE_LABELSET: &str = "vector cannot contain metrics with the same labelset";

/// Only the labels named in `names`.
pub fn keep(labels: &Labels, names: &[String]) -> Labels {
    filtered(labels, |name| names.iter().any(|n| n == name))
}

/// All labels except those named in `names`.
pub fn remove(labels: &Labels, names: &[String]) -> Labels {
    filtered(labels, |name| !names.iter().any(|n| n == name))
}

/// All labels except the name and the other metadata labels.
pub fn drop_metadata(labels: Labels) -> Labels {
    if !labels.iter().any(|l| METADATA_LABELS.contains(&l.name.as_str())) {
        return labels;
    }
    filtered(&labels, |name| !METADATA_LABELS.contains(&name))
}

/// `labels` with `name` set to `value`; an empty value removes the label,
/// since Prometheus treats an empty value as an absent label.
pub fn with_label(labels: &Labels, name: &str, value: &str) -> Labels {
    let mut pairs: Vec<Label> = labels.iter().filter(|l| l.name != name).cloned().collect();
    if !value.is_empty() {
        let at = pairs.partition_point(|l| l.name.as_str() < name);
        pairs.insert(at, Label::new(name, value));
    }
    Labels::from_sorted(pairs)
}

/// The labels two series are matched on (Prometheus' `MatchLabels`): the
/// `on` labels, or every label but the ignored ones and the metric name.
pub fn match_labels(labels: &Labels, on: bool, names: &[String]) -> Labels {
    match on {
        true => keep(labels, names),
        false => filtered(labels, |name| name != METRIC_NAME && !names.iter().any(|n| n == name)),
    }
}

/// Fails when two samples of `vector` share a label set, as the engine does
/// after every step once metric names have been dropped.
pub fn ensure_unique_labelsets(vector: &Vector) -> Result<(), String> {
    let mut seen = HashSet::with_capacity(vector.len());
    match vector.iter().all(|sample| seen.insert(&sample.labels)) {
        true => Ok(()),
        false => Err(DUPLICATE_LABELSET.to_string()),
    }
}

fn filtered(labels: &Labels, mut wanted: impl FnMut(&str) -> bool) -> Labels {
    Labels::from_sorted(labels.iter().filter(|l| wanted(&l.name)).cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::value::InstantSample;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied())
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keep_and_remove_are_complements() {
        let set = labels(&[("__name__", "m"), ("a", "1"), ("b", "2")]);
        assert_eq!(keep(&set, &names(&["a", "zz"])), labels(&[("a", "1")]));
        assert_eq!(remove(&set, &names(&["a"])), labels(&[("__name__", "m"), ("b", "2")]));
    }

    #[test]
    fn drop_metadata_removes_name_type_and_unit() {
        let set = labels(&[("__name__", "m"), ("__type__", "counter"), ("__unit__", "s"), ("a", "1")]);
        assert_eq!(drop_metadata(set), labels(&[("a", "1")]));
    }

    #[test]
    fn with_label_sets_replaces_and_deletes() {
        let set = labels(&[("a", "1"), ("c", "3")]);
        assert_eq!(with_label(&set, "b", "2"), labels(&[("a", "1"), ("b", "2"), ("c", "3")]));
        assert_eq!(with_label(&set, "a", "9"), labels(&[("a", "9"), ("c", "3")]));
        assert_eq!(with_label(&set, "a", ""), labels(&[("c", "3")]));
    }

    #[test]
    fn match_labels_ignoring_drops_the_name() {
        let set = labels(&[("__name__", "m"), ("a", "1"), ("b", "2")]);
        assert_eq!(match_labels(&set, false, &names(&["b"])), labels(&[("a", "1")]));
        assert_eq!(match_labels(&set, true, &names(&["__name__"])), labels(&[("__name__", "m")]));
    }

    #[test]
    fn duplicate_labelsets_are_rejected() {
        let sample = |v| InstantSample { labels: labels(&[("a", "1")]), t: 0, v };
        assert!(ensure_unique_labelsets(&vec![sample(1.0)]).is_ok());
        assert_eq!(ensure_unique_labelsets(&vec![sample(1.0), sample(2.0)]).unwrap_err(), DUPLICATE_LABELSET);
    }
}
