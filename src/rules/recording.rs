//! A recording rule (`rules/recording.go`): the query's result renamed to
//! the rule's name, with the rule's labels set over the series' own.

use crate::promql::InstantSample;
use crate::series::{Labels, METRIC_NAME};

use super::alerting::LabelMap;

#[derive(Debug, Clone, PartialEq)]
pub struct RecordingRule {
    pub name: String,
    pub query: String,
    pub labels: LabelMap,
}

impl RecordingRule {
    /// The series to write for one evaluation's result.
    pub fn eval(&self, vector: Vec<InstantSample>, limit: usize) -> Result<Vec<(Labels, f64)>, String> {
        let mut output: Vec<(Labels, f64)> = vector
            .into_iter()
            .map(|sample| {
                let mut labels: LabelMap = sample.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect();
                labels.insert(METRIC_NAME.to_string(), self.name.clone());
                for (name, value) in &self.labels {
                    match value.is_empty() {
                        true => labels.remove(name),
                        false => labels.insert(name.clone(), value.clone()),
                    };
                }
                (Labels::from_pairs(labels), sample.v)
            })
            .collect();
        output.sort_by(|a, b| a.0.cmp(&b.0));
        if output.windows(2).any(|pair| pair[0].0 == pair[1].0) {
            return Err("vector contains metrics with the same labelset after applying rule labels".into());
        }
        if limit > 0 && output.len() > limit {
            return Err(format!("exceeded limit of {limit} with {} series", output.len()));
        }
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(&str, &str)], v: f64) -> InstantSample {
        InstantSample { labels: Labels::from_pairs(pairs.iter().copied()), t: 0, v }
    }

    fn rule(labels: &[(&str, &str)]) -> RecordingRule {
        let labels = labels.iter().map(|&(k, v)| (k.to_string(), v.to_string())).collect();
        RecordingRule { name: "job:up:sum".into(), query: "sum by (job) (up)".into(), labels }
    }

    #[test]
    fn renames_and_overrides_labels() {
        let out = rule(&[("team", "infra"), ("job", "")])
            .eval(vec![sample(&[("__name__", "x"), ("job", "node"), ("env", "prod")], 2.0)], 0)
            .unwrap();
        assert_eq!(
            out,
            vec![(Labels::from_pairs([("__name__", "job:up:sum"), ("env", "prod"), ("team", "infra")]), 2.0)]
        );
    }

    #[test]
    fn duplicates_and_limits_fail() {
        let result = rule(&[("job", "all")]).eval(vec![sample(&[("job", "a")], 1.0), sample(&[("job", "b")], 1.0)], 0);
        assert_eq!(result.unwrap_err(), "vector contains metrics with the same labelset after applying rule labels");
        let result = rule(&[]).eval(vec![sample(&[("job", "a")], 1.0), sample(&[("job", "b")], 1.0)], 1);
        assert_eq!(result.unwrap_err(), "exceeded limit of 1 with 2 series");
    }
}
