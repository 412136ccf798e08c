//! Tests of the whole decoding layer: the hand-written decoders checked
//! against prost (the generated decoder) plus a naive model of Prometheus'
//! label rules, on random and mutated requests; zero-copy and
//! zero-allocation checks.

use proptest::prelude::*;
use prost::Message;

use super::encode::{SeriesData, request_v2, write_request_v1};
use super::proto::io::prometheus::write::v2;
use super::proto::prometheus;
use super::{DecodeReport, Decoder, Protocol, check_content_encoding, decompress, encode};
use crate::series::{AppendBatch, Sample};

mod counting_allocator;
mod malformed;

/// Series as the batch holds them, owned for comparison.
type Decoded = Vec<(Vec<(String, String)>, Vec<Sample>)>;

fn decode(protocol: Protocol, request: &[u8]) -> Result<(Decoded, DecodeReport), String> {
    let mut batch = AppendBatch::new();
    let report = Decoder::new().decode(protocol, request, &mut batch).map_err(|e| e.to_string())?;
    Ok((owned(&batch), report))
}

fn owned(batch: &AppendBatch<'_>) -> Decoded {
    let series = batch.iter().map(|(labels, samples)| {
        (labels.iter().map(|&(n, v)| (n.to_owned(), v.to_owned())).collect(), samples.to_vec())
    });
    series.collect()
}

/// The naive model: refuse unsorted or invalid label sets, drop empty values and
/// series without samples. Returns the accepted series and how many were
/// refused.
fn model(series: &[SeriesData]) -> (Decoded, u64) {
    let mut accepted = Vec::new();
    let mut refused = 0;
    for (labels, samples) in series {
        let mut sorted = labels.clone();
        let valid = sorted.iter().all(|(name, _)| !name.is_empty())
            && sorted.windows(2).all(|pair| pair[0].0.as_bytes() < pair[1].0.as_bytes())
            && sorted.iter().any(|(name, value)| name == "__name__" && !value.is_empty());
        if !valid {
            refused += 1;
        } else if !samples.is_empty() {
            sorted.retain(|(_, value)| !value.is_empty());
            accepted.push((sorted, samples.iter().map(|&(t, v)| Sample::new(t, v)).collect()));
        }
    }
    (accepted, refused)
}

/// What prost decoded from a 1.0 body, as series data.
fn from_v1(request: &prometheus::WriteRequest) -> Vec<SeriesData> {
    let series = request.timeseries.iter().map(|series| {
        let labels = series.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect();
        (labels, series.samples.iter().map(|s| (s.timestamp, s.value)).collect())
    });
    series.collect()
}

/// What prost decoded from a 2.0 body, as series data, or why the
/// references do not fit the symbols.
fn from_v2(request: &v2::Request) -> Result<Vec<SeriesData>, String> {
    if request.symbols.first().is_some_and(|first| !first.is_empty()) {
        return Err("first symbol".into());
    }
    let symbol = |reference: u32| request.symbols.get(reference as usize).cloned().ok_or("out of range");
    let mut all = Vec::new();
    for series in &request.timeseries {
        let refs = &series.labels_refs;
        let mut labels = Vec::new();
        for pair in refs.chunks(2) {
            let name = symbol(pair[0])?;
            let value = symbol(*pair.get(1).ok_or("odd")?)?;
            labels.push((name, value));
        }
        all.push((labels, series.samples.iter().map(|s| (s.timestamp, s.value)).collect()));
    }
    Ok(all)
}

fn label_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("__name__".to_string()),
        1 => Just(String::new()),
        6 => "[a-z_]{1,6}",
        1 => "[a-z.é]{1,4}",
    ]
}

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![1 => Just(String::new()), 8 => "[a-zA-Z0-9 \"\\\\é]{1,8}"]
}

fn sample() -> impl Strategy<Value = (i64, f64)> {
    (any::<i64>(), any::<f64>())
}

/// Label sets of any kind: unsorted, duplicated, empty names, no name.
fn any_series() -> impl Strategy<Value = Vec<SeriesData>> {
    let labels = prop::collection::vec((label_name(), label_value()), 0..6);
    let samples = prop::collection::vec(sample(), 0..4);
    prop::collection::vec((labels, samples), 0..8)
}

/// Valid series as a well-behaved sender sends them: sorted unique names,
/// a metric name.
fn valid_series() -> impl Strategy<Value = Vec<SeriesData>> {
    let labels = ("[a-z_:]{1,10}", prop::collection::btree_map("[a-z_][a-z0-9_]{0,8}", label_value(), 0..6)).prop_map(
        |(name, others)| {
            let mut labels = vec![("__name__".to_string(), name)];
            labels.extend(others.into_iter().filter(|(n, _)| n.as_str() != "__name__"));
            labels.sort();
            labels
        },
    );
    prop::collection::vec((labels, prop::collection::vec(sample(), 0..5)), 0..10)
}

/// A valid request with one byte replaced.
fn mutated(protocol: Protocol) -> impl Strategy<Value = Vec<u8>> {
    (valid_series(), any::<prop::sample::Index>(), any::<u8>()).prop_map(move |(series, at, byte)| {
        let mut bytes = match protocol {
            Protocol::V1 => write_request_v1(&series).encode_to_vec(),
            Protocol::V2 => request_v2(&series).encode_to_vec(),
        };
        if !bytes.is_empty() {
            let index = at.index(bytes.len());
            bytes[index] = byte;
        }
        bytes
    })
}

/// The series prost reads back from a body of either protocol: the model's
/// input, so that what the encoding itself loses (proto3 writes no -0.0,
/// since it equals the default) is lost on both sides.
fn prost_view(protocol: Protocol, bytes: &[u8]) -> Vec<SeriesData> {
    match protocol {
        Protocol::V1 => from_v1(&prometheus::WriteRequest::decode(bytes).unwrap()),
        Protocol::V2 => from_v2(&v2::Request::decode(bytes).unwrap()).unwrap(),
    }
}

proptest! {
    #[test]
    fn version_one_matches_the_model(series in any_series()) {
        let bytes = write_request_v1(&series).encode_to_vec();
        let (decoded, report) = decode(Protocol::V1, &bytes).unwrap();
        let (expected, refused) = model(&prost_view(Protocol::V1, &bytes));
        prop_assert_eq!(report.samples_accepted, expected.iter().map(|s| s.1.len() as u64).sum::<u64>());
        prop_assert_eq!(decoded, expected);
        prop_assert_eq!(report.series_refused, refused);
    }

    #[test]
    fn version_two_matches_the_model(series in any_series()) {
        let bytes = request_v2(&series).encode_to_vec();
        let (decoded, report) = decode(Protocol::V2, &bytes).unwrap();
        let (expected, refused) = model(&prost_view(Protocol::V2, &bytes));
        prop_assert_eq!(report.series_accepted, expected.len() as u64);
        prop_assert_eq!(decoded, expected);
        prop_assert_eq!(report.series_refused, refused);
    }

    #[test]
    fn valid_requests_decode_whole(series in valid_series()) {
        for protocol in [Protocol::V1, Protocol::V2] {
            let body = encode::encode_body(protocol, &series);
            let mut buffer = Vec::new();
            let request = decompress(&body, usize::MAX, &mut buffer).unwrap();
            let (decoded, report) = decode(protocol, request).unwrap();
            prop_assert_eq!(decoded, model(&prost_view(protocol, request)).0);
            prop_assert!(report.refusal().is_none());
        }
    }

    /// Differential check on corrupted bodies: wherever prost decodes the
    /// body, ours must decode it too, to the model's answer for what prost
    /// saw. (Prost refuses invalid UTF-8, which ours refuses per series.)
    #[test]
    fn mutated_version_one_agrees_with_prost(bytes in mutated(Protocol::V1)) {
        let ours = decode(Protocol::V1, &bytes);
        if let Ok(request) = prometheus::WriteRequest::decode(&bytes[..]) {
            prop_assert_eq!(ours.unwrap().0, model(&from_v1(&request)).0);
        }
    }

    #[test]
    fn mutated_version_two_agrees_with_prost(bytes in mutated(Protocol::V2)) {
        let ours = decode(Protocol::V2, &bytes);
        if let Ok(request) = v2::Request::decode(&bytes[..]) {
            match from_v2(&request) {
                Ok(series) => prop_assert_eq!(ours.unwrap().0, model(&series).0),
                Err(_) => prop_assert!(ours.is_err()),
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for protocol in [Protocol::V1, Protocol::V2] {
            let _ = decode(protocol, &bytes);
            let _ = decompress(&bytes, 1 << 16, &mut Vec::new());
        }
    }

    #[test]
    fn every_prefix_of_a_request_decodes_or_fails_cleanly(series in valid_series()) {
        for protocol in [Protocol::V1, Protocol::V2] {
            let bytes = match protocol {
                Protocol::V1 => write_request_v1(&series).encode_to_vec(),
                Protocol::V2 => request_v2(&series).encode_to_vec(),
            };
            for end in 0..bytes.len() {
                if let Err(message) = decode(protocol, &bytes[..end]) {
                    prop_assert!(message.starts_with("cannot decode") || message.starts_with("invalid"), "{}", message);
                }
            }
        }
    }
}

#[test]
fn labels_borrow_from_the_request_buffer() {
    let series: Vec<SeriesData> =
        vec![(vec![("__name__".into(), "up".into()), ("job".into(), "node".into())], vec![(1, 1.0)])];
    for protocol in [Protocol::V1, Protocol::V2] {
        let body = encode::encode_body(protocol, &series);
        let mut buffer = Vec::new();
        let request = decompress(&body, 1 << 20, &mut buffer).unwrap();
        let mut batch = AppendBatch::new();
        Decoder::new().decode(protocol, request, &mut batch).unwrap();
        let range = request.as_ptr_range();
        let strings = batch.iter().flat_map(|(labels, _)| labels.iter().flat_map(|&(n, v)| [n, v]));
        for text in strings {
            assert!(range.contains(&text.as_ptr()), "{text:?} is not a slice of the request");
        }
    }
}

#[test]
fn a_failed_decode_leaves_the_batch_empty() {
    let series: Vec<SeriesData> = vec![(vec![("__name__".into(), "up".into())], vec![(1, 1.0)])];
    let mut bytes = write_request_v1(&series).encode_to_vec();
    bytes.extend([0x0a, 0x7f]);
    let mut batch = AppendBatch::new();
    assert!(Decoder::new().decode(Protocol::V1, &bytes, &mut batch).is_err());
    assert!(batch.is_empty());
}

#[test]
fn the_whole_pipeline_from_headers_to_batch() {
    let series: Vec<SeriesData> = vec![(vec![("__name__".into(), "up".into())], vec![(5, 2.0)])];
    let body = encode::encode_v2(&series);
    let protocol = Protocol::from_content_type(Some(Protocol::V2.content_type().as_bytes())).unwrap();
    check_content_encoding(Some(b"snappy")).unwrap();
    let mut buffer = Vec::new();
    let request = decompress(&body, 1 << 20, &mut buffer).unwrap();
    let (decoded, report) = decode(protocol, request).unwrap();
    assert_eq!(decoded, vec![(vec![("__name__".to_string(), "up".to_string())], vec![Sample::new(5, 2.0)])]);
    assert_eq!((report.series_accepted, report.samples_accepted), (1, 1));
}
