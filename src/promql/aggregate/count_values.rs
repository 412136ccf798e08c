//! `count_values`, as Prometheus' `aggregationCountValues`: each sample's
//! value, formatted as Go's `strconv.FormatFloat(v, 'f', -1, 64)`, becomes the
//! value of the given label, and samples are counted per resulting group.

use super::{Grouping, split_groups};
use crate::promql::gofmt;
use crate::promql::labelset;
use crate::promql::value::{InstantSample, Vector};

/// Counts the samples of `input` per value and group. With `by`, the value
/// label joins the grouping labels; with `without`, it is kept unless listed.
pub(super) fn count_values(label: &str, grouping: &Grouping, input: Vector, t_ms: i64) -> Result<Vector, String> {
    // Prometheus accepts any non-empty UTF-8 name; a Rust string is always UTF-8.
    if label.is_empty() {
        return Err(format!("invalid label name {}", gofmt::quote(label)));
    }
    let grouping = match grouping {
        Grouping::By(names) => Grouping::By(names.iter().cloned().chain([label.to_string()]).collect()),
        without => without.clone(),
    };
    let labelled = input.into_iter().map(|sample| InstantSample {
        labels: labelset::with_label(&sample.labels, label, &gofmt::float_decimal(sample.v)),
        ..sample
    });
    let groups = split_groups(labelled.collect(), &grouping);
    Ok(groups.into_iter().map(|(labels, samples)| InstantSample { labels, t: t_ms, v: samples.len() as f64 }).collect())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{sample, strings};
    use super::*;

    fn summary(out: &Vector) -> Vec<(String, f64)> {
        out.iter().map(|s| (s.labels.to_string(), s.v)).collect()
    }

    #[test]
    fn counts_values_formatted_as_go() {
        let input = vec![
            sample(&[("__name__", "version"), ("job", "a")], 1.0),
            sample(&[("__name__", "version"), ("job", "b")], 0.5),
            sample(&[("__name__", "version"), ("job", "c")], 1.0),
            sample(&[("__name__", "version"), ("job", "d")], f64::INFINITY),
            sample(&[("__name__", "version"), ("job", "e")], f64::NAN),
        ];
        let out = count_values("version", &Grouping::By(vec![]), input, 5).unwrap();
        let expected = [
            (r#"{version="1"}"#, 2.0),
            (r#"{version="0.5"}"#, 1.0),
            (r#"{version="+Inf"}"#, 1.0),
            (r#"{version="NaN"}"#, 1.0),
        ];
        assert_eq!(summary(&out), expected.map(|(l, v)| (l.to_string(), v)).to_vec());
        assert!(out.iter().all(|s| s.t == 5));
    }

    #[test]
    fn without_keeps_other_labels_and_may_overwrite_one() {
        let input = vec![
            sample(&[("__name__", "version"), ("job", "a"), ("instance", "1")], 6.0),
            sample(&[("__name__", "version"), ("job", "a"), ("instance", "2")], 6.0),
            sample(&[("__name__", "version"), ("job", "b"), ("instance", "1")], 7.0),
        ];
        let without_instance = Grouping::Without(strings(&["instance"]));
        let out = count_values("version", &without_instance, input.clone(), 0).unwrap();
        assert_eq!(
            summary(&out),
            vec![(r#"{job="a", version="6"}"#.to_string(), 2.0), (r#"{job="b", version="7"}"#.to_string(), 1.0)]
        );
        let out = count_values("job", &without_instance, input, 0).unwrap();
        assert_eq!(summary(&out), vec![(r#"{job="6"}"#.to_string(), 2.0), (r#"{job="7"}"#.to_string(), 1.0)]);
    }

    #[test]
    fn by_adds_the_value_label_to_the_grouping() {
        let input = vec![sample(&[("job", "a"), ("x", "1")], 1.0), sample(&[("job", "a"), ("x", "2")], 2.0)];
        let out = count_values("v", &Grouping::By(strings(&["job"])), input, 0).unwrap();
        assert_eq!(
            summary(&out),
            vec![(r#"{job="a", v="1"}"#.to_string(), 1.0), (r#"{job="a", v="2"}"#.to_string(), 1.0)]
        );
    }

    #[test]
    fn empty_label_name_is_invalid() {
        let err = count_values("", &Grouping::By(vec![]), vec![], 0).unwrap_err();
        assert_eq!(err, r#"invalid label name """#);
    }
}
