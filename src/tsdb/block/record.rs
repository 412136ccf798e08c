//! Chunk records, the unit stored in a chunks page: either one chunk in its
//! own encoding, or a run of consecutive chunks of one series whose samples
//! are all short decimals, stored as one decimal stream (one header for up to
//! 16 chunks, deltas running across chunk boundaries). Reading gives back the
//! original chunks, re-encoded in their in-memory encoding.

use bytes::Bytes;

use super::decimal::{self, SharedRef};
use super::encoding::{Decoder, put_uvarint};
use super::error::Malformed;
use crate::series::Sample;
use crate::series::chunk::{Chunk, Encoding, MAX_SAMPLES};

/// Set on a record's kind byte for a decimal run of chunks of that encoding.
pub const DECIMAL_RUN: u8 = 0x80;
pub const MAX_RUN_CHUNKS: usize = 16;
/// Reading one chunk of a run decodes the whole run; this bounds that work.
pub const MAX_RUN_SAMPLES: usize = 2048;

/// Where a record lives: its page's number and its offset in the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordRef {
    pub page: u32,
    pub offset: u32,
}

/// What the index keeps of a record: the time range of its chunks, where it
/// is, and how many chunks it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordMeta {
    pub mint: i64,
    pub maxt: i64,
    pub at: RecordRef,
    pub chunks: u32,
}

/// Chunks being gathered into one decimal run.
#[derive(Default)]
pub struct Run {
    samples: Vec<Sample>,
    counts: Vec<u32>,
    exponent: u8,
}

impl Run {
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Adds a chunk's samples (exact decimals at `exponent`) if the run has
    /// room, follows on in time and still fits one exponent.
    pub fn try_push(&mut self, samples: &[Sample], exponent: u8) -> bool {
        if !self.is_empty() && !self.accepts(samples, exponent) {
            return false;
        }
        let combined = self.exponent.max(exponent);
        self.samples.extend_from_slice(samples);
        self.counts.push(samples.len() as u32);
        self.exponent = combined;
        true
    }

    fn accepts(&self, samples: &[Sample], exponent: u8) -> bool {
        let combined = self.exponent.max(exponent);
        self.counts.len() < MAX_RUN_CHUNKS
            && self.samples.len() + samples.len() <= MAX_RUN_SAMPLES
            && self.samples.last().is_some_and(|last| samples[0].t.checked_sub(last.t).is_some_and(|d| d > 0))
            && (combined == exponent || decimal::fits(samples, combined))
            && (combined == self.exponent || decimal::fits(&self.samples, combined))
    }

    /// The run's timestamps, each minus the first.
    pub fn timestamp_offsets(&self) -> Vec<i64> {
        decimal::timestamp_offsets(&self.samples)
    }

    /// The record (kind, chunk count, samples per chunk, decimal stream,
    /// with the timestamps of the record at `shared` if given) and its time
    /// range; the run is left empty.
    pub fn take_record(&mut self, encoding: Encoding, shared: Option<SharedRef>, out: &mut Vec<u8>) -> (i64, i64, u32) {
        out.push(encoding as u8 | DECIMAL_RUN);
        put_uvarint(out, self.counts.len() as u64);
        for &count in &self.counts {
            put_uvarint(out, u64::from(count));
        }
        decimal::encode(&self.samples, self.exponent, shared, out);
        let range = (self.samples[0].t, self.samples[self.samples.len() - 1].t, self.counts.len() as u32);
        self.samples.clear();
        self.counts.clear();
        self.exponent = 0;
        range
    }
}

/// A record holding one chunk as it is: kind, uvarint length, bytes.
pub fn put_raw(chunk: &Chunk, out: &mut Vec<u8>) {
    out.push(chunk.encoding as u8);
    put_uvarint(out, chunk.data.len() as u64);
    out.extend_from_slice(&chunk.data);
}

/// The chunks of the record at the start of `bytes`, described by `meta`;
/// `shared` gives the timestamp offsets of the record at a [`SharedRef`]
/// (see [`shared_offsets`]).
pub fn read_record(
    bytes: &[u8],
    meta: &RecordMeta,
    shared: impl FnOnce(SharedRef) -> Result<Vec<i64>, Malformed>,
) -> Result<Vec<Chunk>, Malformed> {
    let mut decoder = Decoder::new(bytes);
    let kind = decoder.u8("record kind")?;
    let encoding = Encoding::from_byte(kind & !DECIMAL_RUN)
        .ok_or_else(|| Malformed::new(format!("record at {:?}: unknown chunk encoding {kind}", meta.at)))?;
    if kind & DECIMAL_RUN == 0 {
        let length = decoder.uvarint("chunk length")? as usize;
        let data = Bytes::copy_from_slice(decoder.bytes(length, "chunk data")?);
        return Ok(vec![Chunk { mint: meta.mint, maxt: meta.maxt, encoding, data }]);
    }
    let counts = read_counts(&mut decoder)?;
    let total = counts.iter().sum();
    let samples = decimal::decode(&bytes[decoder.position()..], total, meta.mint, shared)?;
    if samples[total - 1].t != meta.maxt {
        let problem =
            format!("record at {:?}: last sample at {}, index says {}", meta.at, samples[total - 1].t, meta.maxt);
        return Err(Malformed::new(problem));
    }
    let mut chunks = Vec::with_capacity(counts.len());
    let mut start = 0;
    for count in counts {
        chunks.push(to_chunk(encoding, &samples[start..start + count]));
        start += count;
    }
    Ok(chunks)
}

/// The timestamp offsets of the decimal run at the start of `bytes`, for a
/// later run sharing them.
pub fn shared_offsets(bytes: &[u8]) -> Result<Vec<i64>, Malformed> {
    let mut decoder = Decoder::new(bytes);
    if decoder.u8("record kind")? & DECIMAL_RUN == 0 {
        return Err(Malformed::new("shared timestamps refer to a record that is not a decimal run"));
    }
    let total = read_counts(&mut decoder)?.iter().sum();
    decimal::own_offsets(&bytes[decoder.position()..], total)
}

fn read_counts(decoder: &mut Decoder) -> Result<Vec<usize>, Malformed> {
    let chunks = decoder.uvarint("run chunk count")? as usize;
    if chunks == 0 || chunks > MAX_RUN_CHUNKS {
        return Err(Malformed::new(format!("run of {chunks} chunks")));
    }
    let mut counts = Vec::with_capacity(chunks);
    for _ in 0..chunks {
        let count = decoder.uvarint("run samples per chunk")? as usize;
        if count == 0 || count > MAX_SAMPLES {
            return Err(Malformed::new(format!("run chunk of {count} samples")));
        }
        counts.push(count);
    }
    if counts.iter().sum::<usize>() > MAX_RUN_SAMPLES {
        return Err(Malformed::new(format!("run of more than {MAX_RUN_SAMPLES} samples")));
    }
    Ok(counts)
}

fn to_chunk(encoding: Encoding, samples: &[Sample]) -> Chunk {
    match encoding {
        Encoding::Xor => Chunk::encode_xor(samples),
    }
}

/// The samples of a chunk if it can join a decimal run: a float chunk that
/// decodes completely with exact short decimal values.
pub fn decimal_samples(chunk: &Chunk) -> Option<(Vec<Sample>, u8)> {
    if chunk.encoding != Encoding::Xor {
        return None;
    }
    let mut iter = chunk.iter();
    let samples: Vec<Sample> = iter.by_ref().collect();
    if iter.is_corrupt() || samples.len() != chunk.num_samples() {
        return None;
    }
    let exponent = decimal::exponent(&samples)?;
    Some((samples, exponent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(start: i64, values: &[f64]) -> Chunk {
        let samples: Vec<Sample> = values.iter().enumerate().map(|(i, &v)| Sample::new(start + i as i64, v)).collect();
        Chunk::encode_xor(&samples)
    }

    fn unshared(at: SharedRef) -> Result<Vec<i64>, Malformed> {
        panic!("the record has its own timestamps, yet asked for those at {at:?}")
    }

    fn run_of(chunks: &[Chunk]) -> (Vec<u8>, RecordMeta) {
        let mut run = Run::default();
        for c in chunks {
            let (samples, exponent) = decimal_samples(c).unwrap();
            assert!(run.try_push(&samples, exponent));
        }
        let mut out = Vec::new();
        let (mint, maxt, count) = run.take_record(Encoding::Xor, None, &mut out);
        (out, RecordMeta { mint, maxt, at: RecordRef { page: 0, offset: 0 }, chunks: count })
    }

    #[test]
    fn a_run_gives_back_the_original_chunks() {
        let chunks = [chunk(0, &[1.0, 2.5]), chunk(10, &[3.25]), chunk(20, &[1e9, 7.0, 8.0])];
        let (bytes, meta) = run_of(&chunks);
        assert_eq!((meta.mint, meta.maxt, meta.chunks), (0, 22, 3));
        assert_eq!(read_record(&bytes, &meta, unshared).unwrap(), chunks);
    }

    #[test]
    fn runs_refuse_overlaps_and_stop_at_their_limits() {
        let mut run = Run::default();
        let (a, e) = decimal_samples(&chunk(10, &[1.0, 2.0])).unwrap();
        assert!(run.try_push(&a, e));
        let (overlapping, e) = decimal_samples(&chunk(11, &[1.0])).unwrap();
        assert!(!run.try_push(&overlapping, e));
        for i in 1..MAX_RUN_CHUNKS {
            let (next, e) = decimal_samples(&chunk(10 + 10 * i as i64, &[1.0])).unwrap();
            assert!(run.try_push(&next, e));
        }
        let (one_more, e) = decimal_samples(&chunk(1000, &[1.0])).unwrap();
        assert!(!run.try_push(&one_more, e));
    }

    #[test]
    fn nan_chunks_cannot_join_a_run() {
        assert!(decimal_samples(&chunk(0, &[1.0, f64::NAN])).is_none());
    }

    #[test]
    fn a_raw_record_keeps_the_bytes() {
        let original = chunk(5, &[f64::NAN, 1.0]);
        let mut out = Vec::new();
        put_raw(&original, &mut out);
        let meta = RecordMeta { mint: 5, maxt: 6, at: RecordRef { page: 0, offset: 0 }, chunks: 1 };
        assert_eq!(read_record(&out, &meta, unshared).unwrap(), vec![original]);
    }

    #[test]
    fn a_mismatched_index_entry_is_caught() {
        let (bytes, mut meta) = run_of(&[chunk(0, &[1.0, 2.0])]);
        meta.maxt = 5;
        assert!(read_record(&bytes, &meta, unshared).is_err());
    }
}
