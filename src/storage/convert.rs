//! Conversions between the seams' types and the storage service's messages.

use bytes::Bytes;
use tonic::Status;

use crate::ingest::remote_write::proto::prometheus;
use crate::series::chunk::{Chunk, Encoding};
use crate::series::{AppendBatch, ChunkedSeries, Error, Label, Labels, MatchOp, Matcher, Sample, SelectHints};

use super::proto::{self, label_matcher::Type};

pub fn matchers_to_proto(matchers: &[Matcher]) -> Vec<proto::LabelMatcher> {
    matchers
        .iter()
        .map(|m| proto::LabelMatcher {
            r#type: match m.op {
                MatchOp::Equal => Type::Eq,
                MatchOp::NotEqual => Type::Neq,
                MatchOp::Regex => Type::Re,
                MatchOp::NotRegex => Type::Nre,
            } as i32,
            name: m.name.clone(),
            value: m.value.clone(),
        })
        .collect()
}

pub fn matchers_from_proto(matchers: &[proto::LabelMatcher]) -> Result<Vec<Matcher>, Status> {
    matchers
        .iter()
        .map(|m| {
            let op = match Type::try_from(m.r#type) {
                Ok(Type::Eq) => MatchOp::Equal,
                Ok(Type::Neq) => MatchOp::NotEqual,
                Ok(Type::Re) => MatchOp::Regex,
                Ok(Type::Nre) => MatchOp::NotRegex,
                Err(_) => return Err(Status::invalid_argument(format!("unknown matcher type {}", m.r#type))),
            };
            Matcher::new(op, m.name.clone(), m.value.clone()).map_err(|e| Status::invalid_argument(e.to_string()))
        })
        .collect()
}

pub fn hints_to_proto(hints: &SelectHints) -> proto::Hints {
    proto::Hints { mint: hints.mint, maxt: hints.maxt, labels_only: hints.labels_only, limit: hints.limit as u64 }
}

pub fn hints_from_proto(hints: Option<&proto::Hints>) -> SelectHints {
    match hints {
        Some(h) => SelectHints { mint: h.mint, maxt: h.maxt, labels_only: h.labels_only, limit: h.limit as usize },
        None => SelectHints::all_time(),
    }
}

pub fn series_to_proto(series: &ChunkedSeries) -> proto::Series {
    proto::Series {
        labels: series
            .labels
            .iter()
            .map(|l| prometheus::Label { name: l.name.clone(), value: l.value.clone() })
            .collect(),
        chunks: series
            .chunks
            .iter()
            .map(|c| proto::Chunk { mint: c.mint, maxt: c.maxt, encoding: c.encoding as u32, data: c.data.to_vec() })
            .collect(),
    }
}

/// A series from a storage node; labels must come sorted, as Select sends them.
pub fn series_from_proto(series: proto::Series) -> Result<ChunkedSeries, Error> {
    let labels: Vec<Label> = series.labels.into_iter().map(|l| Label { name: l.name, value: l.value }).collect();
    if labels.windows(2).any(|pair| pair[0].name >= pair[1].name) {
        return Err(Error::Internal("a storage node sent a series with unsorted labels".to_string()));
    }
    let chunks = series
        .chunks
        .into_iter()
        .map(|c| {
            let encoding = u8::try_from(c.encoding)
                .ok()
                .and_then(Encoding::from_byte)
                .ok_or_else(|| Error::Internal(format!("a storage node sent a chunk of unknown encoding {}", c.encoding)))?;
            Ok(Chunk { mint: c.mint, maxt: c.maxt, encoding, data: Bytes::from(c.data) })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ChunkedSeries { labels: Labels::from_sorted(labels), chunks })
}

/// The remote write form of the series at `indexes` of a batch.
pub fn timeseries(batch: &AppendBatch<'_>, indexes: &[usize]) -> Vec<prometheus::TimeSeries> {
    indexes
        .iter()
        .map(|&index| {
            let (labels, samples) = batch.series_at(index);
            prometheus::TimeSeries {
                labels: labels
                    .iter()
                    .map(|(name, value)| prometheus::Label { name: name.to_string(), value: value.to_string() })
                    .collect(),
                samples: samples.iter().map(|s| prometheus::Sample { value: s.v, timestamp: s.t }).collect(),
                ..Default::default()
            }
        })
        .collect()
}

/// A batch borrowing the request's strings. The distributor sends labels
/// sorted; a request whose labels are not is refused.
pub fn batch_from_proto(series: &[prometheus::TimeSeries]) -> Result<AppendBatch<'_>, Status> {
    let labels: usize = series.iter().map(|s| s.labels.len()).sum();
    let mut batch = AppendBatch::with_capacity(series.len(), labels);
    for one in series {
        if one.labels.windows(2).any(|pair| pair[0].name >= pair[1].name) {
            return Err(Status::invalid_argument("series labels must be sorted by name and unique"));
        }
        for label in &one.labels {
            batch.push_label(&label.name, &label.value);
        }
        for sample in &one.samples {
            batch.push_sample(Sample::new(sample.timestamp, sample.value));
        }
        batch.finish_series();
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_hints_and_series_survive_the_round_trip() {
        let matchers = vec![
            Matcher::new(MatchOp::Equal, "job", "a").unwrap(),
            Matcher::new(MatchOp::NotRegex, "instance", "x.*").unwrap(),
        ];
        let back = matchers_from_proto(&matchers_to_proto(&matchers)).unwrap();
        assert_eq!(back.len(), 2);
        assert!(back[1].matches("y") && !back[1].matches("xy"));
        let bad = proto::LabelMatcher { r#type: 2, name: "a".into(), value: "(".into() };
        assert!(matchers_from_proto(&[bad]).is_err());

        let hints = SelectHints { mint: 5, maxt: 9, labels_only: true, limit: 3 };
        assert_eq!(hints_from_proto(Some(&hints_to_proto(&hints))), hints);

        let series = ChunkedSeries {
            labels: Labels::from_pairs([("__name__", "up"), ("job", "a")]),
            chunks: vec![Chunk::encode_xor(&[Sample::new(1, 1.0), Sample::new(2, 0.0)])],
        };
        assert_eq!(series_from_proto(series_to_proto(&series)).unwrap(), series);
    }

    #[test]
    fn pushed_series_become_a_batch_and_unsorted_labels_are_refused() {
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "a"), ("x", "1")], &[Sample::new(10, 1.5)]);
        batch.push_series(&[("__name__", "b")], &[Sample::new(20, 2.5), Sample::new(30, 3.5)]);
        let wire = timeseries(&batch, &[1, 0]);
        let back = batch_from_proto(&wire).unwrap();
        assert_eq!(back.series_count(), 2);
        assert_eq!(back.series_at(0).0, &[("__name__", "b")]);
        assert_eq!(back.series_at(1).1, &[Sample::new(10, 1.5)]);
        let mut unsorted = wire.clone();
        unsorted[1].labels.reverse();
        assert!(batch_from_proto(&unsorted).is_err());
    }
}
