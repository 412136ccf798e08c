//! The write seam: a batch of series with samples, borrowed from the request
//! that carried it, and the `Appender` that stores it.

use async_trait::async_trait;

use super::{Error, Sample};

/// Series and their samples, laid out flat so that a decoder fills it with
/// label strings borrowed from its input and no allocation per label.
#[derive(Debug, Default, Clone)]
pub struct AppendBatch<'a> {
    labels: Vec<(&'a str, &'a str)>,
    samples: Vec<Sample>,
    /// For each series, the end of its labels and of its samples.
    ends: Vec<(u32, u32)>,
    /// Per series, a storage reference from an earlier outcome (0: none);
    /// empty when the batch carries none.
    hints: Vec<u64>,
    /// Whether the outcome should report each series' storage reference.
    refs_wanted: bool,
}

impl<'a> AppendBatch<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `series` series of `labels` labels in
    /// all (so that filling it does not reallocate).
    pub fn with_capacity(series: usize, labels: usize) -> Self {
        AppendBatch {
            labels: Vec::with_capacity(labels),
            samples: Vec::with_capacity(series),
            ends: Vec::with_capacity(series),
            hints: Vec::new(),
            refs_wanted: false,
        }
    }

    /// Number of labels of all series so far.
    pub fn label_count(&self) -> usize {
        self.labels.len()
    }

    pub fn clear(&mut self) {
        self.labels.clear();
        self.samples.clear();
        self.ends.clear();
        self.hints.clear();
    }

    /// Adds a label to the series being built; labels must come sorted by name.
    pub fn push_label(&mut self, name: &'a str, value: &'a str) {
        self.labels.push((name, value));
    }

    /// Adds a sample to the series being built.
    pub fn push_sample(&mut self, sample: Sample) {
        self.samples.push(sample);
    }

    /// Closes the series being built.
    pub fn finish_series(&mut self) {
        self.ends.push((self.labels.len() as u32, self.samples.len() as u32));
    }

    /// Closes the series being built, with a storage reference the
    /// appender returned for the same labels earlier (see
    /// [`AppendOutcome::series_refs`]). A stale or foreign reference is
    /// harmless: the appender then looks the labels up as usual.
    pub fn finish_series_with_hint(&mut self, hint: u64) {
        if self.hints.capacity() == 0 {
            self.hints.reserve_exact(self.ends.capacity());
        }
        self.hints.resize(self.ends.len(), 0);
        self.hints.push(hint);
        self.finish_series();
    }

    /// The hint of each finished series (0 where none was given).
    pub fn hints(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.ends.len()).map(|index| self.hints.get(index).copied().unwrap_or(0))
    }

    /// Asks the appender to report each series' storage reference.
    pub fn request_refs(&mut self) {
        self.refs_wanted = true;
    }

    pub fn refs_requested(&self) -> bool {
        self.refs_wanted
    }

    /// Adds a whole series at once.
    pub fn push_series(&mut self, labels: &[(&'a str, &'a str)], samples: &[Sample]) {
        self.labels.extend_from_slice(labels);
        self.samples.extend_from_slice(samples);
        self.finish_series();
    }

    /// The labels of the series being built (not yet finished).
    pub fn open_labels(&self) -> &[(&'a str, &'a str)] {
        let start = self.ends.last().map_or(0, |e| e.0 as usize);
        &self.labels[start..]
    }

    pub fn series_count(&self) -> usize {
        self.ends.len()
    }

    pub fn sample_count(&self) -> usize {
        self.ends.last().map_or(0, |e| e.1 as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Each finished series' labels and samples.
    /// The labels and samples of the series at `index`.
    pub fn series_at(&self, index: usize) -> (&[(&'a str, &'a str)], &[Sample]) {
        let (label_start, sample_start) = match index {
            0 => (0, 0),
            _ => self.ends[index - 1],
        };
        let (label_end, sample_end) = self.ends[index];
        (
            &self.labels[label_start as usize..label_end as usize],
            &self.samples[sample_start as usize..sample_end as usize],
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[(&'a str, &'a str)], &[Sample])> + '_ {
        let mut label_start = 0usize;
        let mut sample_start = 0usize;
        self.ends.iter().map(move |&(label_end, sample_end)| {
            let labels = &self.labels[label_start..label_end as usize];
            let samples = &self.samples[sample_start..sample_end as usize];
            label_start = label_end as usize;
            sample_start = sample_end as usize;
            (labels, samples)
        })
    }
}

/// What happened to a batch: samples stored, and samples refused the way
/// Prometheus refuses them (out of order, out of bounds, conflicting
/// duplicates) while the rest of the batch is still stored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    pub samples_appended: u64,
    pub samples_rejected: u64,
    /// The first rejection, as a message for the client.
    pub first_rejection: Option<String>,
    /// When the batch asked for them: per series, a reference the appender
    /// can resolve cheaply next time (0: none). Only meaningful to the same
    /// appender and tenant; appenders without references leave this empty.
    pub series_refs: Vec<u64>,
}

impl AppendOutcome {
    pub fn reject(&mut self, message: impl FnOnce() -> String) {
        self.samples_rejected += 1;
        if self.first_rejection.is_none() {
            self.first_rejection = Some(message());
        }
    }

    pub fn merge(&mut self, other: AppendOutcome) {
        self.samples_appended += other.samples_appended;
        self.samples_rejected += other.samples_rejected;
        if self.first_rejection.is_none() {
            self.first_rejection = other.first_rejection;
        }
        self.series_refs.extend(other.series_refs);
    }
}

/// Takes batches of samples for a tenant: the TSDB in one process, the
/// replicating distributor in a cluster. The scraper, the remote-write
/// receiver and the ruler know only this.
#[async_trait]
pub trait Appender: Send + Sync {
    /// Stores a batch; returns once it is durable (in the WAL). An `Err`
    /// means nothing in the batch may be assumed stored, and the client
    /// should retry when the error's code says so.
    async fn append(&self, tenant: &str, batch: &AppendBatch<'_>) -> Result<AppendOutcome, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_iterates_series_in_order() {
        let mut batch = AppendBatch::new();
        batch.push_label("__name__", "a");
        batch.push_sample(Sample::new(1, 1.0));
        batch.push_sample(Sample::new(2, 2.0));
        batch.finish_series();
        batch.push_series(&[("__name__", "b"), ("x", "y")], &[Sample::new(3, 3.0)]);
        let series: Vec<_> = batch.iter().map(|(l, s)| (l.to_vec(), s.len())).collect();
        assert_eq!(series, vec![(vec![("__name__", "a")], 2), (vec![("__name__", "b"), ("x", "y")], 1)]);
        assert_eq!((batch.series_count(), batch.sample_count()), (2, 3));
    }

    #[test]
    fn hints_default_to_zero() {
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "a")], &[Sample::new(1, 1.0)]);
        batch.push_label("__name__", "b");
        batch.push_sample(Sample::new(1, 1.0));
        batch.finish_series_with_hint(7);
        batch.push_series(&[("__name__", "c")], &[Sample::new(1, 1.0)]);
        assert_eq!(batch.hints().collect::<Vec<_>>(), [0, 7, 0]);
    }
}
