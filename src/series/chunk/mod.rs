//! Compressed chunks: how samples are held in memory, persisted, and carried
//! across the `Queryable` seam. Each chunk names its encoding so that others
//! (native histograms) can be added without changing any format around it.

mod bits;
mod xor;

pub use bits::{BitReader, BitWriter, zigzag_decode, zigzag_encode};
pub use xor::{MAX_SAMPLES, XorAppender, XorIter};

use bytes::Bytes;

use crate::series::Sample;

/// A chunk's encoding; the byte values are part of the on-disk formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Encoding {
    Xor = 1,
}

impl Encoding {
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Encoding::Xor),
            _ => None,
        }
    }
}

/// An immutable encoded chunk with the time range it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    pub mint: i64,
    pub maxt: i64,
    pub encoding: Encoding,
    pub data: Bytes,
}

impl Chunk {
    /// Encodes samples (increasing timestamps) into one XOR chunk.
    pub fn encode_xor(samples: &[Sample]) -> Chunk {
        debug_assert!(!samples.is_empty() && samples.len() <= MAX_SAMPLES);
        let mut appender = XorAppender::with_capacity(samples.len() * 2 + 16);
        for s in samples {
            appender.append(s.t, s.v);
        }
        Chunk {
            mint: samples[0].t,
            maxt: samples[samples.len() - 1].t,
            encoding: Encoding::Xor,
            data: Bytes::from(appender.into_bytes()),
        }
    }

    pub fn iter(&self) -> XorIter<'_> {
        match self.encoding {
            Encoding::Xor => XorIter::new(&self.data),
        }
    }

    pub fn num_samples(&self) -> usize {
        if self.data.len() < 2 { 0 } else { u16::from_be_bytes([self.data[0], self.data[1]]) as usize }
    }
}

/// The samples of chunks (sorted by `mint`, possibly overlapping, as when
/// out-of-order data or replicas meet) within `[mint, maxt]`, sorted by time
/// with duplicate timestamps dropped; the first chunk's sample wins a tie.
pub fn merge_chunks(chunks: &[Chunk], mint: i64, maxt: i64) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    let mut sorted = true;
    for chunk in chunks.iter().filter(|c| c.maxt >= mint && c.mint <= maxt) {
        for sample in chunk.iter().filter(|s| s.t >= mint && s.t <= maxt) {
            if let Some(last) = out.last() {
                if sample.t <= last.t {
                    sorted = false;
                }
            }
            out.push(sample);
        }
    }
    if !sorted {
        // Stable sort keeps the earlier chunk's sample first among equal timestamps.
        out.sort_by_key(|s| s.t);
        out.dedup_by(|later, earlier| later.t == earlier.t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(points: &[(i64, f64)]) -> Chunk {
        let samples: Vec<Sample> = points.iter().map(|&(t, v)| Sample::new(t, v)).collect();
        Chunk::encode_xor(&samples)
    }

    #[test]
    fn merge_filters_range_and_dedups_overlaps() {
        let a = chunk(&[(1, 1.0), (3, 3.0), (5, 5.0)]);
        let b = chunk(&[(2, 2.0), (3, 30.0), (6, 6.0)]);
        let merged = merge_chunks(&[a, b], 2, 5);
        let points: Vec<(i64, f64)> = merged.iter().map(|s| (s.t, s.v)).collect();
        assert_eq!(points, vec![(2, 2.0), (3, 3.0), (5, 5.0)]);
    }

    #[test]
    fn chunk_reports_count_and_range() {
        let c = chunk(&[(10, 1.0), (20, 2.0)]);
        assert_eq!((c.mint, c.maxt, c.num_samples()), (10, 20, 2));
    }
}
