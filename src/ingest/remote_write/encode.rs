//! Builds remote write request bodies with the prost types, as a sender
//! (Prometheus' queue manager) would: for tests and the load generator.
//! Labels are encoded in the order given, so callers can also build the
//! malformed requests a receiver must refuse.

use std::collections::HashMap;

use prost::Message;

use super::Protocol;
use super::proto::io::prometheus::write::v2;
use super::proto::prometheus;

/// One series: its labels and its (timestamp in milliseconds, value) samples.
pub type SeriesData = (Vec<(String, String)>, Vec<(i64, f64)>);

/// The snappy-compressed body of a request of either protocol.
pub fn encode_body(protocol: Protocol, series: &[SeriesData]) -> Vec<u8> {
    match protocol {
        Protocol::V1 => compress(&write_request_v1(series).encode_to_vec()),
        Protocol::V2 => compress(&request_v2(series).encode_to_vec()),
    }
}

/// The snappy-compressed body of a remote write 1.0 request.
pub fn encode_v1(series: &[SeriesData]) -> Vec<u8> {
    encode_body(Protocol::V1, series)
}

/// The snappy-compressed body of a remote write 2.0 request.
pub fn encode_v2(series: &[SeriesData]) -> Vec<u8> {
    encode_body(Protocol::V2, series)
}

/// Snappy block-format compression, as remote write uses.
pub fn compress(raw: &[u8]) -> Vec<u8> {
    // Only inputs over ~4 GiB fail to compress; a body that size is a bug.
    snap::raw::Encoder::new().compress_vec(raw).expect("remote write body too large for snappy")
}

pub fn write_request_v1(series: &[SeriesData]) -> prometheus::WriteRequest {
    let timeseries = series
        .iter()
        .map(|(labels, samples)| prometheus::TimeSeries {
            labels: labels
                .iter()
                .map(|(name, value)| prometheus::Label { name: name.clone(), value: value.clone() })
                .collect(),
            samples: samples.iter().map(|&(timestamp, value)| prometheus::Sample { value, timestamp }).collect(),
            ..Default::default()
        })
        .collect();
    prometheus::WriteRequest { timeseries, metadata: Vec::new() }
}

pub fn request_v2(series: &[SeriesData]) -> v2::Request {
    let mut symbols = Symbols::default();
    let timeseries = series
        .iter()
        .map(|(labels, samples)| v2::TimeSeries {
            labels_refs: labels.iter().flat_map(|(name, value)| [symbols.add(name), symbols.add(value)]).collect(),
            samples: samples.iter().map(|&(timestamp, value)| v2::Sample { value, timestamp }).collect(),
            ..Default::default()
        })
        .collect();
    v2::Request { symbols: symbols.table, timeseries }
}

/// A 2.0 symbols table under construction; starts with the empty string, as
/// the spec requires.
struct Symbols {
    table: Vec<String>,
    references: HashMap<String, u32>,
}

impl Default for Symbols {
    fn default() -> Self {
        Symbols { table: vec![String::new()], references: HashMap::from([(String::new(), 0)]) }
    }
}

impl Symbols {
    fn add(&mut self, text: &str) -> u32 {
        if let Some(&reference) = self.references.get(text) {
            return reference;
        }
        let reference = u32::try_from(self.table.len()).expect("more than 2^32 symbols");
        self.table.push(text.to_owned());
        self.references.insert(text.to_owned(), reference);
        reference
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Vec<SeriesData> {
        let labels = |job: &str| vec![("__name__".to_string(), "up".to_string()), ("job".to_string(), job.to_string())];
        vec![(labels("a"), vec![(1, 1.0)]), (labels("b"), vec![(2, 0.0), (3, 1.0)])]
    }

    #[test]
    fn version_two_interns_strings_after_the_empty_one() {
        let request = request_v2(&series());
        assert_eq!(request.symbols, vec!["", "__name__", "up", "job", "a", "b"]);
        assert_eq!(request.timeseries[1].labels_refs, vec![1, 2, 3, 5]);
        assert_eq!(request.timeseries[1].samples[1], v2::Sample { value: 1.0, timestamp: 3 });
    }

    #[test]
    fn bodies_are_snappy_compressed_protobuf() {
        let body = encode_v1(&series());
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        assert_eq!(prometheus::WriteRequest::decode(&raw[..]).unwrap(), write_request_v1(&series()));
        let body = encode_v2(&series());
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        assert_eq!(v2::Request::decode(&raw[..]).unwrap(), request_v2(&series()));
    }
}
