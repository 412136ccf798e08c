//! The data the query benchmark loads: HTTP services as a dashboard sees
//! them. Each instance exports a request counter by method and status, a
//! classic latency histogram on client_golang's default buckets (with
//! `_sum` and `_count`) and an in-flight gauge, scraped every 15 s and sent
//! by remote write in timestamp order.
//!
//! Every instance scrapes at its own offset inside the interval, never on a
//! multiple of 15 s, while queries ask on a 60 s grid with windows and steps
//! of whole 15 s: no sample sits on a window's left edge, which Prometheus
//! 2.42 includes (`[t-5m, t]`) and 3.x, as Sonde, excludes (`(t-5m, t]`).
//! The data also starts `LEAD_MINUTES` before the span queries look at, so
//! that no series begins inside a window: where one does, 2.42 and 3.x
//! extrapolate `rate` towards the counter's zero point in a different order
//! (prometheus/prometheus#13725) and both are right by their own rules.

use std::sync::Arc;

use super::load::{self, LoadError, Point, Request, SplitMix64};

pub const INTERVAL_MS: i64 = 15_000;
/// Query times sit on this grid, a multiple of every window and step asked.
pub const GRID_MS: i64 = 60_000;
/// Scrape offsets stay this far from the interval's edges.
const OFFSET_MARGIN_MS: i64 = 500;
/// The 5 m window, one scrape and the rest of a grid step.
pub const LEAD_MINUTES: u64 = 6;
const JOBS: usize = 10;
/// Methods and statuses with their share of the requests.
const METHODS: [(&str, f64); 5] = [("GET", 0.62), ("POST", 0.22), ("PUT", 0.08), ("PATCH", 0.03), ("DELETE", 0.05)];
const STATUSES: [(&str, f64); 5] = [("200", 0.86), ("201", 0.05), ("404", 0.05), ("500", 0.025), ("503", 0.015)];
/// client_golang's `DefBuckets`; `+Inf` comes on top.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const COUNTERS: usize = METHODS.len() * STATUSES.len();
/// Counters, finite buckets, `+Inf`, `_sum`, `_count` and the gauge.
pub const SERIES_PER_INSTANCE: usize = COUNTERS + BUCKETS.len() + 4;
/// An instance restarts (its counters reset) once in this many scrapes on
/// average, so `rate` meets resets as it does in production.
const RESTART_ONE_IN: u64 = 2_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DatasetSpec {
    /// Rounded to whole instances of `SERIES_PER_INSTANCE` series.
    pub series: usize,
    /// The span queries look at; the data starts `LEAD_MINUTES` earlier.
    pub minutes: u64,
    /// Series (each with one sample) per remote-write request.
    pub batch: usize,
    /// The data ends before this instant (usually now).
    pub now_ms: i64,
    pub seed: u64,
}

/// Every request, encoded before any system starts.
#[derive(Debug)]
pub struct Dataset {
    /// The requests of each scrape round, rounds in timestamp order.
    pub rounds: Arc<Vec<Vec<Request>>>,
    pub instances: usize,
    pub series: usize,
    pub samples: u64,
    /// Compressed bytes of all request bodies.
    pub wire_bytes: u64,
    /// A grid instant just before the first sample.
    pub first_ms: i64,
    /// `minutes` before `end_ms`: from here on every 5 m window holds
    /// samples of every series and no series begins inside one.
    pub start_ms: i64,
    /// A grid instant after the last sample, less than one interval later.
    pub end_ms: i64,
}

/// One instance's series and the state their values move from.
struct Instance {
    /// Label sets in the order of `values`, names sorted.
    labels: Vec<Vec<(&'static str, String)>>,
    offset_ms: i64,
    requests_per_second: f64,
    mean_latency_seconds: f64,
    counters: [f64; COUNTERS],
    /// Cumulative, as exposed: the finite buckets then `+Inf`.
    buckets: [f64; BUCKETS.len() + 1],
    latency_sum: f64,
    in_flight: f64,
}

/// Generates and encodes every request of `spec`.
pub fn generate(spec: &DatasetSpec) -> Result<Dataset, LoadError> {
    if spec.series == 0 {
        return Err(LoadError::NoSeries);
    }
    if spec.batch == 0 {
        return Err(LoadError::EmptyBatch);
    }
    let mut rng = SplitMix64::new(spec.seed);
    let count = spec.series.div_ceil(SERIES_PER_INSTANCE);
    let mut instances: Vec<Instance> = (0..count).map(|index| Instance::new(index, &mut rng)).collect();
    if spec.minutes == 0 {
        return Err(LoadError::NoRounds);
    }
    let end_ms = spec.now_ms - spec.now_ms.rem_euclid(GRID_MS);
    let first_ms = end_ms - (spec.minutes + LEAD_MINUTES) as i64 * 60_000;
    let rounds = ((end_ms - first_ms) / INTERVAL_MS) as usize;
    let mut encoded = Vec::with_capacity(rounds);
    for round in 0..rounds {
        for instance in &mut instances {
            instance.scrape(&mut rng);
        }
        encoded.push(encode_round(&instances, first_ms + round as i64 * INTERVAL_MS, spec.batch)?);
    }
    let series = count * SERIES_PER_INSTANCE;
    Ok(Dataset {
        wire_bytes: encoded.iter().flatten().map(|request| request.body.len() as u64).sum(),
        rounds: Arc::new(encoded),
        instances: count,
        series,
        samples: (series * rounds) as u64,
        first_ms,
        start_ms: end_ms - spec.minutes as i64 * 60_000,
        end_ms,
    })
}

fn encode_round(instances: &[Instance], base_ms: i64, batch: usize) -> Result<Vec<Request>, LoadError> {
    let mut requests = Vec::new();
    let mut points = Vec::with_capacity(batch);
    for instance in instances {
        let timestamp_ms = base_ms + instance.offset_ms;
        for (labels, value) in instance.labels.iter().zip(instance.values()) {
            points.push(Point { labels, timestamp_ms, value });
            if points.len() == batch {
                requests.push(Request { body: load::encode_request(&points)?, samples: points.len() });
                points.clear();
            }
        }
    }
    if !points.is_empty() {
        requests.push(Request { body: load::encode_request(&points)?, samples: points.len() });
    }
    Ok(requests)
}

impl Instance {
    fn new(index: usize, rng: &mut SplitMix64) -> Self {
        let instance = format!("10.{}.{}.{}:8080", index / 65_536, index / 256 % 256, index % 256);
        let job = format!("api-{}", index % JOBS);
        let base = |name: &'static str| vec![("__name__", name.to_string()), ("instance", instance.clone())];
        let mut labels = Vec::with_capacity(SERIES_PER_INSTANCE);
        for (method, _) in METHODS {
            for (status, _) in STATUSES {
                let mut set = base("bench_requests_total");
                set.extend([("job", job.clone()), ("method", method.into()), ("status", status.into())]);
                labels.push(set);
            }
        }
        let bucket_bounds = BUCKETS.iter().map(|bound| bound.to_string()).chain(["+Inf".to_string()]);
        for bound in bucket_bounds {
            let mut set = base("bench_request_duration_seconds_bucket");
            set.extend([("job", job.clone()), ("le", bound)]);
            labels.push(set);
        }
        for name in
            ["bench_request_duration_seconds_sum", "bench_request_duration_seconds_count", "bench_in_flight_requests"]
        {
            let mut set = base(name);
            set.push(("job", job.clone()));
            labels.push(set);
        }
        Instance {
            labels,
            offset_ms: rng.between(OFFSET_MARGIN_MS, INTERVAL_MS - OFFSET_MARGIN_MS),
            requests_per_second: log_uniform(rng, 0.5, 200.0),
            mean_latency_seconds: log_uniform(rng, 0.01, 0.5),
            counters: [0.0; COUNTERS],
            buckets: [0.0; BUCKETS.len() + 1],
            latency_sum: 0.0,
            in_flight: 0.0,
        }
    }

    /// Advances by one interval: whole requests split over methods and
    /// statuses, their latencies exponential around a drifting mean.
    fn scrape(&mut self, rng: &mut SplitMix64) {
        if rng.next_u64() % RESTART_ONE_IN == 0 {
            self.counters = [0.0; COUNTERS];
            self.buckets = [0.0; BUCKETS.len() + 1];
            self.latency_sum = 0.0;
        }
        let seconds = INTERVAL_MS as f64 / 1000.0;
        let shares = METHODS.iter().flat_map(|(_, method)| STATUSES.iter().map(move |(_, status)| method * status));
        let mut requests = 0.0;
        for (counter, share) in self.counters.iter_mut().zip(shares) {
            let added = (self.requests_per_second * share * seconds * (0.5 + unit(rng))).floor();
            *counter += added;
            requests += added;
        }
        let latency = self.mean_latency_seconds * (0.7 + 0.6 * unit(rng));
        // Flooring a rising share keeps the buckets cumulative.
        for (bucket, bound) in self.buckets.iter_mut().zip(BUCKETS) {
            *bucket += (requests * (1.0 - (-bound / latency).exp())).floor();
        }
        self.buckets[BUCKETS.len()] += requests;
        self.latency_sum += requests * latency;
        self.in_flight = (self.requests_per_second * latency).round();
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let count = self.buckets[BUCKETS.len()];
        self.counters.iter().chain(&self.buckets).copied().chain([self.latency_sum, count, self.in_flight])
    }
}

/// A value in `[0, 1)`.
fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn log_uniform(rng: &mut SplitMix64, low: f64, high: f64) -> f64 {
    low * (high / low).powf(unit(rng))
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;
    use prost::Message;
    use sonde::ingest::remote_write::proto::prometheus as proto;
    use std::collections::HashMap;

    fn spec(series: usize, minutes: u64) -> DatasetSpec {
        DatasetSpec { series, minutes, batch: 300, now_ms: 1_700_000_123_456, seed: 3 }
    }

    fn decode(request: &Request) -> proto::WriteRequest {
        let raw = snap::raw::Decoder::new().decompress_vec(&request.body).unwrap();
        proto::WriteRequest::decode(raw.as_slice()).unwrap()
    }

    fn label<'a>(series: &'a proto::TimeSeries, name: &str) -> Option<&'a str> {
        series.labels.iter().find(|l| l.name == name).map(|l| l.value.as_str())
    }

    #[test]
    fn whole_instances_and_one_sample_per_series_per_round() {
        let data = generate(&spec(1_000, 10)).unwrap();
        assert_eq!((data.instances, data.series, data.samples), (25, 1_000, 64_000));
        assert_eq!(data.rounds.len(), 64);
        assert_eq!(data.end_ms - data.start_ms, 10 * 60_000);
        assert_eq!(data.start_ms - data.first_ms, LEAD_MINUTES as i64 * 60_000);
        assert_eq!(data.end_ms % GRID_MS, 0);
        for round in data.rounds.iter() {
            assert_eq!(round.iter().map(|r| r.samples).sum::<usize>(), 1_000);
        }
        assert_eq!(generate(&spec(1_001, 1)).unwrap().instances, 26);
    }

    #[test]
    fn no_sample_sits_on_the_15_s_grid() {
        let data = generate(&spec(400, 5)).unwrap();
        for request in data.rounds.iter().flatten() {
            for series in decode(request).timeseries {
                let at = series.samples[0].timestamp;
                assert!(at > data.first_ms && at < data.end_ms);
                let phase = (at - data.end_ms).rem_euclid(INTERVAL_MS);
                assert!((OFFSET_MARGIN_MS..=INTERVAL_MS - OFFSET_MARGIN_MS).contains(&phase), "{phase}");
            }
        }
    }

    #[test]
    fn buckets_are_cumulative_and_end_at_the_count() {
        let data = generate(&spec(200, 5)).unwrap();
        let last = data.rounds.last().unwrap();
        let mut buckets: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
        let mut counts = HashMap::new();
        for series in last.iter().flat_map(|r| decode(r).timeseries) {
            let instance = label(&series, "instance").unwrap().to_string();
            let value = series.samples[0].value;
            match label(&series, "__name__").unwrap() {
                "bench_request_duration_seconds_bucket" => {
                    let bound: f64 = label(&series, "le").unwrap().replace("+Inf", "inf").parse().unwrap();
                    buckets.entry(instance).or_default().push((bound, value));
                }
                "bench_request_duration_seconds_count" => {
                    counts.insert(instance, value);
                }
                _ => {}
            }
        }
        assert_eq!(buckets.len(), 5);
        for (instance, mut bucket) in buckets {
            bucket.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(bucket.windows(2).all(|pair| pair[0].1 <= pair[1].1), "{bucket:?}");
            assert_eq!(bucket.last().unwrap().1, counts[&instance]);
            assert!(counts[&instance] > 0.0);
        }
    }

    #[test]
    fn label_sets_are_sorted_and_unique() {
        let data = generate(&spec(80, 1)).unwrap();
        let mut seen = std::collections::HashSet::new();
        for series in data.rounds[0].iter().flat_map(|r| decode(r).timeseries) {
            let names: Vec<&str> = series.labels.iter().map(|l| l.name.as_str()).collect();
            assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "{names:?}");
            assert!(seen.insert(format!("{:?}", series.labels)));
        }
        assert_eq!(seen.len(), 80);
    }
}
