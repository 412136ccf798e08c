//! Conversions between the seams' types and the storage service's messages.

use tonic::Status;

use crate::ingest::remote_write::proto::prometheus;
use crate::series::chunk::{Chunk, Encoding};
use crate::series::{AppendBatch, ChunkedSeries, Error, Label, Labels, MatchOp, Matcher, SelectHints, TsdbStatus};

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
            .map(|c| proto::Chunk { mint: c.mint, maxt: c.maxt, encoding: c.encoding as u32, data: c.data.clone() })
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
            let encoding = u8::try_from(c.encoding).ok().and_then(Encoding::from_byte).ok_or_else(|| {
                Error::Internal(format!("a storage node sent a chunk of unknown encoding {}", c.encoding))
            })?;
            Ok(Chunk { mint: c.mint, maxt: c.maxt, encoding, data: c.data })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ChunkedSeries { labels: Labels::from_sorted(labels), chunks })
}

/// The series at `indexes` of a batch as an encoded remote write 1.0
/// `WriteRequest`, written straight from the batch's borrowed strings: no
/// allocation per label or sample.
pub fn encode_write_request(batch: &AppendBatch<'_>, indexes: &[usize]) -> Vec<u8> {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
    let string_len = |tag_len: usize, text: &str| tag_len + encoded_len_varint(text.len() as u64) + text.len();
    let label_len = |name: &str, value: &str| string_len(1, name) + string_len(1, value);
    // A sample: the value as fixed64 (tag + 8 bytes), the timestamp as varint.
    let sample_len = |t: i64| 9 + 1 + encoded_len_varint(t as u64);
    let series_len = |index: usize| {
        let (labels, samples) = batch.series_at(index);
        let labels: usize =
            labels.iter().map(|(n, v)| label_len(n, v)).map(|len| 1 + encoded_len_varint(len as u64) + len).sum();
        let samples: usize =
            samples.iter().map(|s| sample_len(s.t)).map(|len| 1 + encoded_len_varint(len as u64) + len).sum();
        labels + samples
    };
    let total: usize = indexes.iter().map(|&i| series_len(i)).map(|len| 1 + encoded_len_varint(len as u64) + len).sum();
    let mut out = Vec::with_capacity(total);
    for &index in indexes {
        encode_key(1, WireType::LengthDelimited, &mut out);
        encode_varint(series_len(index) as u64, &mut out);
        let (labels, samples) = batch.series_at(index);
        for (name, value) in labels {
            encode_key(1, WireType::LengthDelimited, &mut out);
            encode_varint(label_len(name, value) as u64, &mut out);
            for (tag, text) in [(1, name), (2, value)] {
                encode_key(tag, WireType::LengthDelimited, &mut out);
                encode_varint(text.len() as u64, &mut out);
                out.extend_from_slice(text.as_bytes());
            }
        }
        for sample in samples {
            encode_key(2, WireType::LengthDelimited, &mut out);
            encode_varint(sample_len(sample.t) as u64, &mut out);
            encode_key(1, WireType::SixtyFourBit, &mut out);
            out.extend_from_slice(&sample.v.to_le_bytes());
            encode_key(2, WireType::Varint, &mut out);
            encode_varint(sample.t as u64, &mut out);
        }
    }
    debug_assert_eq!(out.len(), total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Sample;

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
    fn write_requests_encode_straight_from_the_batch() {
        use prost::Message;
        let stale = f64::from_bits(crate::series::STALE_NAN_BITS);
        let long = "v".repeat(300);
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "a"), ("x", "1")], &[Sample::new(10, 1.5), Sample::new(-5, stale)]);
        batch.push_series(&[("__name__", "b")], &[Sample::new(0, 0.0), Sample::new(1 << 40, -2.5)]);
        batch.push_series(&[("__name__", "c"), ("long", &long)], &[]);
        let bytes = encode_write_request(&batch, &[2, 0, 1]);
        let decoded = prometheus::WriteRequest::decode(bytes.as_slice()).unwrap();
        assert_eq!(decoded.timeseries.len(), 3);
        assert_eq!(decoded.timeseries[0].labels[1].value.len(), 300);
        let a = &decoded.timeseries[1];
        assert_eq!((a.labels[1].name.as_str(), a.labels[1].value.as_str()), ("x", "1"));
        assert_eq!((a.samples[0].timestamp, a.samples[0].value), (10, 1.5));
        assert_eq!(a.samples[1].timestamp, -5);
        assert_eq!(a.samples[1].value.to_bits(), stale.to_bits());
        let b = &decoded.timeseries[2];
        assert_eq!((b.samples[0].timestamp, b.samples[0].value), (0, 0.0));
        assert_eq!((b.samples[1].timestamp, b.samples[1].value), (1 << 40, -2.5));
        assert!(encode_write_request(&batch, &[]).is_empty());
    }
}

pub fn tsdb_status_to_proto(status: TsdbStatus) -> proto::TsdbStatusResponse {
    let list =
        |pairs: Vec<(String, u64)>| pairs.into_iter().map(|(name, count)| proto::NameCount { name, count }).collect();
    proto::TsdbStatusResponse {
        num_series: status.num_series,
        num_label_pairs: status.num_label_pairs,
        chunk_count: status.chunk_count,
        min_time: status.min_time,
        max_time: status.max_time,
        series_count_by_metric_name: list(status.series_count_by_metric_name),
        label_value_count_by_label_name: list(status.label_value_count_by_label_name),
        memory_in_bytes_by_label_name: list(status.memory_in_bytes_by_label_name),
        series_count_by_label_value_pair: list(status.series_count_by_label_value_pair),
    }
}

pub fn tsdb_status_from_proto(status: proto::TsdbStatusResponse) -> TsdbStatus {
    let list = |counts: Vec<proto::NameCount>| counts.into_iter().map(|c| (c.name, c.count)).collect();
    TsdbStatus {
        num_series: status.num_series,
        num_label_pairs: status.num_label_pairs,
        chunk_count: status.chunk_count,
        min_time: status.min_time,
        max_time: status.max_time,
        series_count_by_metric_name: list(status.series_count_by_metric_name),
        label_value_count_by_label_name: list(status.label_value_count_by_label_name),
        memory_in_bytes_by_label_name: list(status.memory_in_bytes_by_label_name),
        series_count_by_label_value_pair: list(status.series_count_by_label_value_pair),
    }
}
