//! Deterministic node_exporter-like remote-write load, shaped the way
//! Prometheus' remote-write queue manager sends scraped data: one sample per
//! series per request, the full label set every time, scrapes 15 s apart and
//! sent in timestamp order. The hosts and values come from `hosts.rs`.

use std::sync::Arc;

use bytes::Bytes;
use prost::Message;
// The one line to change when the wire types move: the project generates
// them from `proto/prometheus/{remote,types}.proto` at this same path.
use sonde::ingest::remote_write::proto::prometheus as proto;

#[path = "hosts.rs"]
mod hosts;
pub use hosts::SplitMix64;
use hosts::{Fleet, Series};

/// Why a load cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the series count must be at least 1")]
    NoSeries,
    #[error("the round count must be at least 1")]
    NoRounds,
    #[error("the batch size must be at least 1")]
    EmptyBatch,
    #[error("the scrape interval must be at least 10 ms, got {0} ms")]
    ShortInterval(i64),
    #[error("cannot snappy-compress a write request: {0}")]
    Compress(#[from] snap::Error),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub series: usize,
    pub rounds: usize,
    /// Series (each with one sample) per request.
    pub batch: usize,
    pub interval_ms: i64,
    /// Every timestamp is before this instant (usually now).
    pub end_ms: i64,
    pub seed: u64,
}

/// One pre-encoded remote-write request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Snappy-compressed protobuf `WriteRequest`.
    pub body: Bytes,
    pub samples: usize,
}

/// The whole load, encoded before any system starts.
#[derive(Debug)]
pub struct Load {
    /// The requests of each scrape round, rounds in timestamp order.
    pub rounds: Arc<Vec<Vec<Request>>>,
    pub series: usize,
    pub hosts: usize,
    pub samples: u64,
    /// Compressed bytes of all request bodies.
    pub wire_bytes: u64,
    pub first_timestamp_ms: i64,
    /// An instant after every sample and within 15 s of the last round, for
    /// instant queries that should see every series.
    pub query_time_ms: i64,
}

/// One sample of one series, as it goes into a request.
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    pub labels: &'a [(&'static str, String)],
    pub timestamp_ms: i64,
    pub value: f64,
}

/// Generates and encodes every request of `spec`.
pub fn generate(spec: &LoadSpec) -> Result<Load, LoadError> {
    validate(spec)?;
    let mut rng = SplitMix64::new(spec.seed);
    let mut fleet = Fleet::build(&mut rng, spec.series, spec.interval_ms);
    // Round bases sit on the interval grid; host offsets stay inside an
    // interval, so the last sample is before `aligned_end <= end_ms`.
    let aligned_end = spec.end_ms - spec.end_ms.rem_euclid(spec.interval_ms);
    let first_base = aligned_end - spec.rounds as i64 * spec.interval_ms;
    let mut rounds = Vec::with_capacity(spec.rounds);
    for round in 0..spec.rounds {
        let base = first_base + round as i64 * spec.interval_ms;
        rounds.push(encode_round(&mut fleet, &mut rng, base, spec.batch)?);
    }
    let wire_bytes = rounds.iter().flatten().map(|r| r.body.len() as u64).sum();
    Ok(Load {
        rounds: Arc::new(rounds),
        series: fleet.series.len(),
        hosts: fleet.hosts.len(),
        samples: (fleet.series.len() * spec.rounds) as u64,
        wire_bytes,
        first_timestamp_ms: first_base,
        query_time_ms: aligned_end,
    })
}

fn validate(spec: &LoadSpec) -> Result<(), LoadError> {
    if spec.series == 0 {
        return Err(LoadError::NoSeries);
    }
    if spec.rounds == 0 {
        return Err(LoadError::NoRounds);
    }
    if spec.batch == 0 {
        return Err(LoadError::EmptyBatch);
    }
    if spec.interval_ms < 10 {
        return Err(LoadError::ShortInterval(spec.interval_ms));
    }
    Ok(())
}

/// Advances every series by one scrape and cuts the samples into requests.
fn encode_round(
    fleet: &mut Fleet,
    rng: &mut SplitMix64,
    base_ms: i64,
    batch: usize,
) -> Result<Vec<Request>, LoadError> {
    let stamps = fleet.scrape_timestamps(rng, base_ms);
    let mut points = Vec::with_capacity(batch);
    let mut requests = Vec::new();
    for Series { labels, track, host } in &mut fleet.series {
        let timestamp_ms = stamps[*host];
        track.advance(rng, timestamp_ms);
        points.push(Point { labels, timestamp_ms, value: track.value() });
        if points.len() == batch {
            requests.push(Request { body: encode_request(&points)?, samples: points.len() });
            points.clear();
        }
    }
    if !points.is_empty() {
        requests.push(Request { body: encode_request(&points)?, samples: points.len() });
    }
    Ok(requests)
}

/// Encodes one remote-write 1.0 body: a protobuf `WriteRequest` compressed
/// with snappy's block format. The only function that names the wire types.
// The project's generated types carry more fields (exemplars, histograms,
// metadata), which the struct update fills with their defaults.
#[allow(clippy::needless_update)]
pub fn encode_request(points: &[Point<'_>]) -> Result<Bytes, LoadError> {
    let timeseries = points
        .iter()
        .map(|point| proto::TimeSeries {
            labels: point
                .labels
                .iter()
                .map(|(name, value)| proto::Label { name: name.to_string(), value: value.clone() })
                .collect(),
            samples: vec![proto::Sample { value: point.value, timestamp: point.timestamp_ms }],
            ..Default::default()
        })
        .collect();
    let request = proto::WriteRequest { timeseries, ..Default::default() };
    let body = snap::raw::Encoder::new().compress_vec(&request.encode_to_vec())?;
    Ok(Bytes::from(body))
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn spec(series: usize, rounds: usize, batch: usize) -> LoadSpec {
        LoadSpec { series, rounds, batch, interval_ms: 15_000, end_ms: 1_700_000_007_000, seed: 7 }
    }

    fn decode(request: &Request) -> proto::WriteRequest {
        let raw = snap::raw::Decoder::new().decompress_vec(&request.body).unwrap();
        proto::WriteRequest::decode(raw.as_slice()).unwrap()
    }

    fn key(series: &proto::TimeSeries) -> Vec<(String, String)> {
        series.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect()
    }

    #[test]
    fn rejects_empty_specs() {
        assert!(matches!(generate(&spec(0, 1, 1)), Err(LoadError::NoSeries)));
        assert!(matches!(generate(&spec(1, 0, 1)), Err(LoadError::NoRounds)));
        assert!(matches!(generate(&spec(1, 1, 0)), Err(LoadError::EmptyBatch)));
        let short = LoadSpec { interval_ms: 0, ..spec(1, 1, 1) };
        assert!(matches!(generate(&short), Err(LoadError::ShortInterval(0))));
    }

    #[test]
    fn same_spec_gives_same_bytes() {
        let first = generate(&spec(700, 3, 100)).unwrap();
        let second = generate(&spec(700, 3, 100)).unwrap();
        let bodies = |load: &Load| -> Vec<Bytes> { load.rounds.iter().flatten().map(|r| r.body.clone()).collect() };
        assert_eq!(bodies(&first), bodies(&second));
        let other_seed = generate(&LoadSpec { seed: 8, ..spec(700, 3, 100) }).unwrap();
        assert_ne!(bodies(&first), bodies(&other_seed));
    }

    #[test]
    fn every_series_gets_one_sample_per_round_in_order() {
        let load = generate(&spec(1_234, 4, 300)).unwrap();
        assert_eq!((load.series, load.samples), (1_234, 1_234 * 4));
        let mut last: HashMap<Vec<(String, String)>, (usize, i64)> = HashMap::new();
        for (round, requests) in load.rounds.iter().enumerate() {
            assert_eq!(requests.iter().map(|r| r.samples).sum::<usize>(), 1_234);
            for request in requests {
                let decoded = decode(request);
                assert!(decoded.timeseries.len() <= 300);
                assert_eq!(decoded.timeseries.len(), request.samples);
                for series in &decoded.timeseries {
                    let sample = &series.samples[..];
                    assert_eq!(sample.len(), 1);
                    assert!(sample[0].timestamp < load.query_time_ms);
                    assert!(sample[0].timestamp >= load.first_timestamp_ms);
                    let previous = last.insert(key(series), (round, sample[0].timestamp));
                    if let Some((previous_round, previous_time)) = previous {
                        assert_eq!(previous_round + 1, round, "one sample per series per round");
                        assert!(previous_time < sample[0].timestamp);
                    }
                }
            }
        }
        assert_eq!(last.len(), 1_234, "label sets are unique");
    }

    #[test]
    fn label_sets_look_like_node_exporter() {
        let load = generate(&spec(3_000, 1, 3_000)).unwrap();
        let decoded = decode(&load.rounds[0][0]);
        let mut families = HashSet::new();
        for series in &decoded.timeseries {
            let names: Vec<&str> = series.labels.iter().map(|l| l.name.as_str()).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(names, sorted, "label names sorted and unique");
            assert_eq!(series.labels[0].name, "__name__");
            let label = |name: &str| series.labels.iter().find(|l| l.name == name).map(|l| l.value.as_str());
            assert_eq!(label("job"), Some("node"));
            let instance = label("instance").unwrap();
            assert!(instance.starts_with("host-") && instance.ends_with(":9100"), "{instance}");
            families.insert(series.labels[0].value.clone());
        }
        assert!((20..=50).contains(&families.len()), "{} families", families.len());
        assert!(families.contains("node_cpu_seconds_total"));
        assert!(families.contains("node_filesystem_avail_bytes"));
    }

    #[test]
    fn counters_never_decrease() {
        let load = generate(&spec(500, 6, 500)).unwrap();
        let mut last: HashMap<Vec<(String, String)>, f64> = HashMap::new();
        for request in load.rounds.iter().flatten() {
            for series in decode(request).timeseries {
                let value = series.samples[0].value;
                let counter = series.labels[0].value.ends_with("_total");
                if let Some(previous) = last.insert(key(&series), value) {
                    assert!(!counter || value >= previous, "{:?}", series.labels[0]);
                }
            }
        }
    }
}
