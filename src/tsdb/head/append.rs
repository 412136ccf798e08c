//! Appending to the head. The TSDB appends a batch and writes what was stored
//! to the WAL under one commit lock, so the WAL order is the order samples
//! reached the series, and acknowledges only after the WAL write.

use crate::series::{AppendBatch, AppendOutcome, Labels, Sample};

use super::{Accepted, Head};

impl Head {
    /// Ids of the batch's series that exist, `None` for new ones.
    /// A hint is the id plus one from an earlier append; ids are never
    /// reused while the process runs, so a hinted id that still exists is
    /// that series and the label lookup is skipped. Whether it still exists
    /// is checked by `append_batch` under the series' shard lock, where a
    /// gone id is reported back instead of costing every series a second
    /// lock here.
    pub fn resolve(&self, batch: &AppendBatch<'_>) -> Vec<Option<u32>> {
        batch
            .iter()
            .zip(batch.hints())
            .map(|((labels, _), hint)| {
                let hinted = hint.checked_sub(1).and_then(|id| u32::try_from(id).ok());
                hinted.or_else(|| self.lookup(crate::series::hash_pairs(labels.iter().copied()), labels))
            })
            .collect()
    }

    /// Stores the batch's samples (the caller holds the commit lock) and
    /// returns those the WAL must get: every sample stored, and exact
    /// duplicates too — a retried request whose first attempt reached the
    /// head but failed to reach the WAL is then made durable by the retry.
    /// Refused samples are counted in `outcome` with a message naming the series.
    /// Positions of series whose id no longer exists (a stale hint) go to
    /// `gone`, their samples untouched, for the caller to resolve and retry.
    pub fn append_batch(
        &self,
        batch: &AppendBatch<'_>,
        ids: &[u32],
        outcome: &mut AppendOutcome,
        gone: &mut Vec<usize>,
    ) -> Vec<(u32, Sample)> {
        let mut to_log = Vec::with_capacity(batch.sample_count());
        let positions = 0..ids.len();
        self.append_series(batch, ids, positions, outcome, gone, &mut to_log);
        to_log
    }

    /// Appends the series at `positions` of the batch to `to_log`'s samples.
    pub fn append_series(
        &self,
        batch: &AppendBatch<'_>,
        ids: &[u32],
        positions: impl IntoIterator<Item = usize>,
        outcome: &mut AppendOutcome,
        gone: &mut Vec<usize>,
        to_log: &mut Vec<(u32, Sample)>,
    ) {
        let bounds = self.bounds();
        for position in positions {
            let (labels, samples) = batch.series_at(position);
            let id = ids[position];
            let mut max_in_order = None;
            let found = self.with_series(id, |series| {
                for &sample in samples {
                    match series.append(sample, &bounds) {
                        Ok(accepted) => {
                            outcome.samples_appended += 1;
                            to_log.push((id, sample));
                            if accepted == Accepted::InOrder {
                                max_in_order = Some(sample.t);
                                self.min_time.fetch_min(sample.t, std::sync::atomic::Ordering::AcqRel);
                            }
                        }
                        Err(rejection) => outcome.reject(|| {
                            let labels = Labels::from_pairs(labels.iter().copied());
                            format!("{} for series {labels} at timestamp {}", rejection.message(), sample.t)
                        }),
                    }
                }
            });
            if found.is_none() {
                gone.push(position);
            }
            if let Some(t) = max_in_order {
                self.note_in_order_time(t);
            }
        }
    }

    /// Stores samples by series id, as WAL replay does.
    pub fn apply(&self, samples: &[(u32, Sample)], outcome: &mut AppendOutcome) {
        let bounds = self.bounds();
        let mut start = 0;
        while start < samples.len() {
            let id = samples[start].0;
            let end = start + samples[start..].iter().take_while(|(i, _)| *i == id).count();
            let mut max_in_order = None;
            self.with_series(id, |series| {
                for &(_, sample) in &samples[start..end] {
                    match series.append(sample, &bounds) {
                        Ok(accepted) => {
                            outcome.samples_appended += 1;
                            if accepted == Accepted::InOrder {
                                max_in_order = Some(sample.t);
                                self.min_time.fetch_min(sample.t, std::sync::atomic::Ordering::AcqRel);
                            }
                        }
                        Err(rejection) => {
                            outcome.reject(|| format!("{} at timestamp {}", rejection.message(), sample.t))
                        }
                    }
                }
            });
            if let Some(t) = max_in_order {
                self.note_in_order_time(t);
            }
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Head, HeadOptions};
    use crate::series::{AppendBatch, AppendOutcome, Sample, hash_pairs};

    fn head() -> Head {
        Head::new(HeadOptions { chunk_range: 7_200_000, ooo_window: 0 })
    }

    fn append(head: &Head, batch: &AppendBatch<'_>) -> AppendOutcome {
        let mut outcome = AppendOutcome::default();
        let ids: Vec<u32> =
            batch.iter().map(|(labels, _)| head.get_or_create(hash_pairs(labels.iter().copied()), labels).0).collect();
        head.append_batch(batch, &ids, &mut outcome, &mut Vec::new());
        outcome
    }

    #[test]
    fn batch_rejections_name_series_and_keep_the_rest() {
        let head = head();
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "a")], &[Sample::new(10, 1.0), Sample::new(20, 2.0)]);
        batch.push_series(&[("__name__", "b")], &[Sample::new(10, 1.0)]);
        assert_eq!(append(&head, &batch).samples_appended, 3);
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "a")], &[Sample::new(15, 1.0), Sample::new(30, 3.0)]);
        let outcome = append(&head, &batch);
        assert_eq!((outcome.samples_appended, outcome.samples_rejected), (1, 1));
        let message = outcome.first_rejection.unwrap();
        assert!(message.contains("out of order sample for series a{}"), "{message}");
        assert_eq!((head.min_time(), head.max_time()), (10, 30));
        assert_eq!(head.num_series(), 2);
    }

    #[test]
    fn in_order_samples_far_behind_the_newest_are_out_of_bounds() {
        let head = head();
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "a")], &[Sample::new(10_000_000, 1.0)]);
        append(&head, &batch);
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "new")], &[Sample::new(1_000, 1.0)]);
        let outcome = append(&head, &batch);
        assert!(outcome.first_rejection.unwrap().starts_with("out of bounds"));
    }
}
