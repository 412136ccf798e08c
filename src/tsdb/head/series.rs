//! One in-memory series: its closed chunks, the chunk being appended to, and
//! out-of-order samples, with Prometheus' rules for which samples a series
//! accepts (`memSeries.appendable` upstream).

use bytes::Bytes;

use crate::series::Sample;
use crate::series::chunk::{Chunk, Encoding, XorAppender};
use crate::tsdb::symbols::SymbolId;

/// Samples a chunk holds before a new one is cut, as Prometheus targets.
pub const SAMPLES_PER_CHUNK: usize = 120;

/// Why a series refused a sample; the messages are Prometheus' own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    OutOfOrder,
    OutOfBounds,
    TooOld,
    DuplicateTimestamp,
}

impl Rejection {
    pub fn message(self) -> &'static str {
        match self {
            Rejection::OutOfOrder => "out of order sample",
            Rejection::OutOfBounds => "out of bounds",
            Rejection::TooOld => "too old sample",
            Rejection::DuplicateTimestamp => "duplicate sample for timestamp",
        }
    }
}

/// What the head allows at the time of an append.
#[derive(Clone, Copy, Debug)]
pub struct AppendBounds {
    /// In-order samples older than this are out of bounds.
    pub min_valid_time: i64,
    /// Out-of-order samples at or after this are accepted; `None` when the
    /// out-of-order window is off.
    pub ooo_min_time: Option<i64>,
    /// Chunks never cross multiples of this, so a block cut never splits one.
    pub chunk_range: i64,
}

/// How an accepted sample was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    InOrder,
    OutOfOrder,
    /// The same sample was already stored; nothing changed.
    Duplicate,
}

pub struct MemSeries {
    pub labels: Box<[(SymbolId, SymbolId)]>,
    /// Closed in-order chunks, sorted by time.
    pub chunks: Vec<Chunk>,
    open: XorAppender,
    open_mint: i64,
    /// Out-of-order samples, sorted by time; boxed so series without any
    /// pay one pointer.
    ooo: Option<Box<Vec<Sample>>>,
}

impl MemSeries {
    pub fn new(labels: Box<[(SymbolId, SymbolId)]>) -> Self {
        MemSeries { labels, chunks: Vec::new(), open: XorAppender::default(), open_mint: 0, ooo: None }
    }

    /// The newest in-order sample.
    pub fn last(&self) -> Option<Sample> {
        self.open.last().or_else(|| self.chunks.last().and_then(|c| c.iter().last()))
    }

    /// Whether `sample` would be accepted after `last` (the newest in-order
    /// sample, which callers validating a batch advance themselves), without
    /// storing it.
    pub fn check(&self, sample: Sample, last: Option<Sample>, bounds: &AppendBounds) -> Result<Accepted, Rejection> {
        let Some(last) = last else {
            return match sample.t < bounds.min_valid_time {
                true => self.check_ooo(sample, bounds, Rejection::OutOfBounds),
                false => Ok(Accepted::InOrder),
            };
        };
        if sample.t > last.t {
            return match sample.t < bounds.min_valid_time {
                true => self.check_ooo(sample, bounds, Rejection::OutOfBounds),
                false => Ok(Accepted::InOrder),
            };
        }
        if sample.t == last.t {
            return match sample.v.to_bits() == last.v.to_bits() {
                true => Ok(Accepted::Duplicate),
                false => Err(Rejection::DuplicateTimestamp),
            };
        }
        self.check_ooo(sample, bounds, Rejection::OutOfOrder)
    }

    fn check_ooo(&self, sample: Sample, bounds: &AppendBounds, otherwise: Rejection) -> Result<Accepted, Rejection> {
        let Some(ooo_min_time) = bounds.ooo_min_time else {
            // A sample the head already holds, unchanged, is a repeat (a
            // distributor retrying a push whose answer it lost): accepting
            // it keeps retries idempotent. Prometheus refuses it.
            return match self.sample_at(sample.t) {
                Some(existing) if existing.v.to_bits() == sample.v.to_bits() => Ok(Accepted::Duplicate),
                _ => Err(otherwise),
            };
        };
        if sample.t < ooo_min_time {
            return Err(Rejection::TooOld);
        }
        match self.sample_at(sample.t) {
            Some(existing) if existing.v.to_bits() == sample.v.to_bits() => Ok(Accepted::Duplicate),
            Some(_) => Err(Rejection::DuplicateTimestamp),
            None => Ok(Accepted::OutOfOrder),
        }
    }

    /// Checks and stores a sample.
    pub fn append(&mut self, sample: Sample, bounds: &AppendBounds) -> Result<Accepted, Rejection> {
        let accepted = self.check(sample, self.last(), bounds)?;
        match accepted {
            Accepted::InOrder => self.append_in_order(sample, bounds.chunk_range),
            Accepted::OutOfOrder => {
                let ooo = self.ooo.get_or_insert_with(Default::default);
                let at = ooo.partition_point(|s| s.t < sample.t);
                ooo.insert(at, sample);
            }
            Accepted::Duplicate => {}
        }
        Ok(accepted)
    }

    /// A stored sample at exactly `t`, in-order or not.
    fn sample_at(&self, t: i64) -> Option<Sample> {
        if let Some(ooo) = &self.ooo {
            if let Ok(i) = ooo.binary_search_by_key(&t, |s| s.t) {
                return Some(ooo[i]);
            }
        }
        let in_open = !self.open.is_empty() && t >= self.open_mint;
        if in_open {
            return crate::series::chunk::XorIter::new(self.open.bytes()).find(|s| s.t == t);
        }
        let chunk = self.chunks.iter().find(|c| c.mint <= t && t <= c.maxt)?;
        chunk.iter().find(|s| s.t == t)
    }

    fn append_in_order(&mut self, sample: Sample, chunk_range: i64) {
        if !self.open.is_empty() {
            let boundary = next_boundary(self.open_mint, chunk_range);
            if self.open.len() >= SAMPLES_PER_CHUNK || sample.t >= boundary {
                self.close_open_chunk();
            }
        }
        if self.open.is_empty() {
            self.open_mint = sample.t;
        }
        self.open.append(sample.t, sample.v);
    }

    /// Moves the open chunk into the closed list.
    pub fn close_open_chunk(&mut self) {
        if self.open.is_empty() {
            return;
        }
        let maxt = self.open.last().map_or(self.open_mint, |s| s.t);
        let open = std::mem::take(&mut self.open);
        self.chunks.push(Chunk {
            mint: self.open_mint,
            maxt,
            encoding: Encoding::Xor,
            data: Bytes::from(open.into_bytes()),
        });
    }

    /// The series' chunks overlapping `[mint, maxt]`, the open one and the
    /// out-of-order samples included; sorted by `mint`, possibly overlapping.
    pub fn chunks_in(&self, mint: i64, maxt: i64) -> Vec<Chunk> {
        let mut out: Vec<Chunk> = self.chunks.iter().filter(|c| c.maxt >= mint && c.mint <= maxt).cloned().collect();
        if let Some(last) = self.open.last() {
            if last.t >= mint && self.open_mint <= maxt {
                out.push(Chunk {
                    mint: self.open_mint,
                    maxt: last.t,
                    encoding: Encoding::Xor,
                    data: Bytes::copy_from_slice(self.open.bytes()),
                });
            }
        }
        if let Some(ooo) = &self.ooo {
            let start = ooo.partition_point(|s| s.t < mint);
            let end = ooo.partition_point(|s| s.t <= maxt);
            out.extend(ooo[start..end].chunks(SAMPLES_PER_CHUNK).map(Chunk::encode_xor));
            out.sort_by_key(|c| c.mint);
        }
        out
    }

    /// Time range of everything the series holds.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let in_order_min = self.chunks.first().map(|c| c.mint).or((!self.open.is_empty()).then_some(self.open_mint));
        let in_order_max = self.last().map(|s| s.t);
        let ooo = self.ooo.as_ref().and_then(|o| Some((o.first()?.t, o.last()?.t)));
        let mins = [in_order_min, ooo.map(|o| o.0)];
        let maxs = [in_order_max, ooo.map(|o| o.1)];
        Some((mins.iter().flatten().min().copied()?, maxs.iter().flatten().max().copied()?))
    }

    /// The data below `before` for a block cut: closes the open chunk if it
    /// lies wholly below, then returns closed chunks and out-of-order samples.
    pub fn data_before(&mut self, before: i64) -> (Vec<Chunk>, Vec<Sample>) {
        if !self.open.is_empty() && self.open.last().is_some_and(|s| s.t < before) {
            self.close_open_chunk();
        }
        let chunks = self.chunks.iter().filter(|c| c.maxt < before).cloned().collect();
        let ooo = match &self.ooo {
            Some(ooo) => ooo[..ooo.partition_point(|s| s.t < before)].to_vec(),
            None => Vec::new(),
        };
        (chunks, ooo)
    }

    /// Drops what a block cut persisted: chunks below `before` and the
    /// out-of-order samples at the given (sorted) timestamps. Out-of-order
    /// samples that arrived during the cut stay.
    pub fn drop_persisted(&mut self, before: i64, ooo_persisted: &[i64]) {
        self.chunks.retain(|c| c.maxt >= before);
        if let Some(ooo) = &mut self.ooo {
            ooo.retain(|s| ooo_persisted.binary_search(&s.t).is_err());
            if ooo.is_empty() {
                self.ooo = None;
            }
        }
    }

    /// Whether the series holds no samples at all (and can be collected).
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.open.is_empty() && self.ooo.is_none()
    }

    /// Replaces the series' content with chunks restored from a checkpoint.
    pub fn restore_chunks(&mut self, chunks: Vec<Chunk>, chunk_range: i64) {
        let mut chunks = chunks;
        // The newest chunk becomes the open one again so appends continue it.
        if let Some(last) = chunks.pop() {
            self.chunks = chunks;
            for sample in last.iter() {
                self.append_in_order(sample, chunk_range);
            }
        }
    }

    /// Restores out-of-order samples from a checkpoint.
    pub fn restore_ooo(&mut self, samples: Vec<Sample>) {
        if !samples.is_empty() {
            self.ooo = Some(Box::new(samples));
        }
    }

    /// Out-of-order samples, for checkpoints.
    pub fn ooo_samples(&self) -> &[Sample] {
        self.ooo.as_deref().map_or(&[], |v| v.as_slice())
    }

    /// The in-order chunks with the open one last, for checkpoints.
    pub fn in_order_chunks(&self) -> Vec<Chunk> {
        let mut out = self.chunks.clone();
        if let Some(last) = self.open.last() {
            out.push(Chunk {
                mint: self.open_mint,
                maxt: last.t,
                encoding: Encoding::Xor,
                data: Bytes::copy_from_slice(self.open.bytes()),
            });
        }
        out
    }

    /// Heap bytes held by chunks, for the TSDB status page.
    pub fn chunk_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.data.len()).sum::<usize>() + self.open.bytes().len()
    }
}

/// The first multiple of `range` after `t`.
fn next_boundary(t: i64, range: i64) -> i64 {
    (t.div_euclid(range) + 1).saturating_mul(range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::chunk::merge_chunks;

    fn bounds(ooo: Option<i64>) -> AppendBounds {
        AppendBounds { min_valid_time: i64::MIN, ooo_min_time: ooo, chunk_range: 7_200_000 }
    }

    fn samples(series: &MemSeries) -> Vec<(i64, f64)> {
        merge_chunks(&series.chunks_in(i64::MIN, i64::MAX), i64::MIN, i64::MAX).iter().map(|s| (s.t, s.v)).collect()
    }

    #[test]
    fn duplicate_rules_follow_prometheus() {
        let mut s = MemSeries::new(Box::new([]));
        let b = bounds(None);
        assert_eq!(s.append(Sample::new(10, 1.0), &b), Ok(Accepted::InOrder));
        assert_eq!(s.append(Sample::new(10, 1.0), &b), Ok(Accepted::Duplicate));
        assert_eq!(s.append(Sample::new(10, 2.0), &b), Err(Rejection::DuplicateTimestamp));
        assert_eq!(s.append(Sample::new(5, 2.0), &b), Err(Rejection::OutOfOrder));
        assert_eq!(s.append(Sample::new(20, 3.0), &b), Ok(Accepted::InOrder));
        assert_eq!(s.append(Sample::new(10, 1.0), &b), Ok(Accepted::Duplicate), "a repeat of an older sample");
        assert_eq!(s.append(Sample::new(10, 1.5), &b), Err(Rejection::OutOfOrder));
        assert_eq!(samples(&s), vec![(10, 1.0), (20, 3.0)]);
    }

    #[test]
    fn out_of_order_window_accepts_and_merges() {
        let mut s = MemSeries::new(Box::new([]));
        let b = bounds(Some(0));
        for t in [10, 20, 30] {
            s.append(Sample::new(t, t as f64), &b).unwrap();
        }
        assert_eq!(s.append(Sample::new(15, 15.0), &b), Ok(Accepted::OutOfOrder));
        assert_eq!(s.append(Sample::new(15, 15.0), &b), Ok(Accepted::Duplicate));
        assert_eq!(s.append(Sample::new(15, 16.0), &b), Err(Rejection::DuplicateTimestamp));
        assert_eq!(s.append(Sample::new(-5, 1.0), &b), Err(Rejection::TooOld));
        assert_eq!(samples(&s), vec![(10, 10.0), (15, 15.0), (20, 20.0), (30, 30.0)]);
    }

    #[test]
    fn chunks_are_cut_by_count_and_at_range_boundaries() {
        let mut s = MemSeries::new(Box::new([]));
        let b = AppendBounds { chunk_range: 1000, ..bounds(None) };
        for t in 0..300 {
            s.append(Sample::new(t * 5, 1.0), &b).unwrap();
        }
        // 0..1000 holds 200 samples: cut at 120, then at the 1000 boundary.
        let ranges: Vec<(i64, i64)> = s.chunks.iter().map(|c| (c.mint, c.maxt)).collect();
        assert_eq!(ranges, vec![(0, 595), (600, 995)]);
        assert_eq!(samples(&s).len(), 300);
    }

    #[test]
    fn cut_then_drop_keeps_newer_and_late_ooo_data() {
        let mut s = MemSeries::new(Box::new([]));
        let b = AppendBounds { chunk_range: 100, ..bounds(Some(0)) };
        for t in [10, 20, 110, 120] {
            s.append(Sample::new(t, 1.0), &b).unwrap();
        }
        s.append(Sample::new(15, 2.0), &b).unwrap();
        let (chunks, ooo) = s.data_before(100);
        assert_eq!(chunks.len(), 1);
        assert_eq!(ooo.len(), 1);
        // A late out-of-order sample arrives while the block is written.
        s.append(Sample::new(12, 3.0), &b).unwrap();
        s.drop_persisted(100, &[15]);
        assert_eq!(samples(&s), vec![(12, 3.0), (110, 1.0), (120, 1.0)]);
    }

    #[test]
    fn out_of_bounds_without_window() {
        let mut s = MemSeries::new(Box::new([]));
        let b = AppendBounds { min_valid_time: 100, ..bounds(None) };
        assert_eq!(s.append(Sample::new(50, 1.0), &b), Err(Rejection::OutOfBounds));
    }
}
