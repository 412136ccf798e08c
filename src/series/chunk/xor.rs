//! Gorilla float chunks in Prometheus' `chunkenc/xor.go` layout: a 2-byte
//! big-endian sample count, the first timestamp as a zigzag varint and value
//! as 64 raw bits, the second timestamp as a delta uvarint, then
//! delta-of-delta timestamps in 14/17/20/64-bit buckets and XOR'd values.

use super::bits::{BitReader, BitWriter, write_uvarint, zigzag_encode};
use crate::series::Sample;

/// Most samples a chunk holds: the count field is 16 bits.
pub const MAX_SAMPLES: usize = u16::MAX as usize;

const LEADING_UNSET: u8 = 0xff;

/// An XOR chunk being appended to; its bytes are a valid chunk at any time.
#[derive(Clone, Debug)]
pub struct XorAppender {
    writer: BitWriter,
    count: u16,
    t: i64,
    v: f64,
    t_delta: u64,
    leading: u8,
    trailing: u8,
}

impl Default for XorAppender {
    fn default() -> Self {
        XorAppender {
            writer: BitWriter::from_bytes(vec![0, 0], 0),
            count: 0,
            t: 0,
            v: 0.0,
            t_delta: 0,
            leading: LEADING_UNSET,
            trailing: 0,
        }
    }
}

impl XorAppender {
    pub fn with_capacity(bytes: usize) -> Self {
        let mut data = Vec::with_capacity(bytes.max(2));
        data.extend_from_slice(&[0, 0]);
        XorAppender { writer: BitWriter::from_bytes(data, 0), ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn bytes(&self) -> &[u8] {
        self.writer.bytes()
    }

    /// The chunk's bytes, trimmed, for storing once it is full.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut bytes = self.writer.bytes;
        bytes.shrink_to_fit();
        bytes
    }

    pub fn last(&self) -> Option<Sample> {
        (self.count > 0).then_some(Sample::new(self.t, self.v))
    }

    /// Appends a sample; the caller keeps timestamps strictly increasing and
    /// the count below [`MAX_SAMPLES`].
    pub fn append(&mut self, t: i64, v: f64) {
        debug_assert!(self.count == 0 || t > self.t, "timestamps must increase");
        debug_assert!((self.count as usize) < MAX_SAMPLES);
        match self.count {
            0 => {
                write_uvarint(&mut self.writer, zigzag_encode(t));
                self.writer.write_bits(v.to_bits(), 64);
            }
            1 => {
                self.t_delta = (t - self.t) as u64;
                write_uvarint(&mut self.writer, self.t_delta);
                self.write_value(v);
            }
            _ => {
                let t_delta = (t - self.t) as u64;
                let dod = t_delta.wrapping_sub(self.t_delta) as i64;
                self.write_dod(dod);
                self.t_delta = t_delta;
                self.write_value(v);
            }
        }
        self.t = t;
        self.v = v;
        self.count += 1;
        self.writer.bytes[..2].copy_from_slice(&self.count.to_be_bytes());
    }

    fn write_dod(&mut self, dod: i64) {
        const BUCKETS: [(u8, u64, u8); 3] = [(14, 0b10, 2), (17, 0b110, 3), (20, 0b1110, 4)];
        if dod == 0 {
            self.writer.write_bit(false);
            return;
        }
        for (bits, prefix, prefix_len) in BUCKETS {
            if fits_in_bits(dod, bits) {
                self.writer.write_bits(prefix, prefix_len);
                self.writer.write_bits(dod as u64, bits);
                return;
            }
        }
        self.writer.write_bits(0b1111, 4);
        self.writer.write_bits(dod as u64, 64);
    }

    fn write_value(&mut self, v: f64) {
        let delta = v.to_bits() ^ self.v.to_bits();
        if delta == 0 {
            self.writer.write_bit(false);
            return;
        }
        self.writer.write_bit(true);
        let leading = (delta.leading_zeros() as u8).min(31);
        let trailing = delta.trailing_zeros() as u8;
        if self.leading != LEADING_UNSET && leading >= self.leading && trailing >= self.trailing {
            self.writer.write_bit(false);
            let significant = 64 - self.leading - self.trailing;
            self.writer.write_bits(delta >> self.trailing, significant);
            return;
        }
        self.leading = leading;
        self.trailing = trailing;
        self.writer.write_bit(true);
        self.writer.write_bits(leading as u64, 5);
        let significant = 64 - leading - trailing;
        // 64 significant bits do not fit in 6 bits; 0 stands for 64.
        self.writer.write_bits((significant & 63) as u64, 6);
        self.writer.write_bits(delta >> trailing, significant);
    }
}

/// Prometheus' `bitRange`: whether `x` fits the asymmetric signed range of
/// an `n`-bit bucket.
fn fits_in_bits(x: i64, n: u8) -> bool {
    -((1i64 << (n - 1)) - 1) <= x && x <= (1i64 << (n - 1))
}

/// Iterates an XOR chunk's samples; stops early (and reports it) on corrupt bytes.
#[derive(Clone, Debug)]
pub struct XorIter<'a> {
    reader: BitReader<'a>,
    total: u16,
    read: u16,
    t: i64,
    v: f64,
    t_delta: u64,
    leading: u8,
    trailing: u8,
    corrupt: bool,
}

impl<'a> XorIter<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        let total = if bytes.len() >= 2 { u16::from_be_bytes([bytes[0], bytes[1]]) } else { 0 };
        let body = bytes.get(2..).unwrap_or(&[]);
        XorIter {
            reader: BitReader::new(body),
            total,
            read: 0,
            t: 0,
            v: 0.0,
            t_delta: 0,
            leading: 0,
            trailing: 0,
            corrupt: bytes.len() < 2,
        }
    }

    /// Whether iteration ended on corrupt data rather than the sample count.
    pub fn is_corrupt(&self) -> bool {
        self.corrupt
    }

    fn read_next(&mut self) -> Option<Sample> {
        match self.read {
            0 => {
                self.t = self.reader.read_varint()?;
                self.v = f64::from_bits(self.reader.read_bits(64)?);
            }
            1 => {
                self.t_delta = self.reader.read_uvarint()?;
                self.t = self.t.wrapping_add(self.t_delta as i64);
                self.read_value()?;
            }
            _ => {
                let dod = self.read_dod()?;
                self.t_delta = self.t_delta.wrapping_add(dod as u64);
                self.t = self.t.wrapping_add(self.t_delta as i64);
                self.read_value()?;
            }
        }
        Some(Sample::new(self.t, self.v))
    }

    fn read_dod(&mut self) -> Option<i64> {
        let mut prefix_ones = 0;
        while prefix_ones < 4 && self.reader.read_bit()? {
            prefix_ones += 1;
        }
        let bits = match prefix_ones {
            0 => return Some(0),
            1 => 14,
            2 => 17,
            3 => 20,
            _ => return self.reader.read_bits(64).map(|b| b as i64),
        };
        let raw = self.reader.read_bits(bits)? as i64;
        // Undo the asymmetric range: values above 2^(n-1) were negative.
        Some(if raw > (1i64 << (bits - 1)) { raw - (1i64 << bits) } else { raw })
    }

    fn read_value(&mut self) -> Option<()> {
        if !self.reader.read_bit()? {
            return Some(());
        }
        if self.reader.read_bit()? {
            self.leading = self.reader.read_bits(5)? as u8;
            let significant = self.reader.read_bits(6)? as u8;
            let significant = if significant == 0 { 64 } else { significant };
            self.trailing = 64u8.checked_sub(self.leading + significant)?;
        }
        let significant = 64 - self.leading - self.trailing;
        let bits = self.reader.read_bits(significant)?;
        self.v = f64::from_bits(self.v.to_bits() ^ (bits << self.trailing));
        Some(())
    }
}

impl Iterator for XorIter<'_> {
    type Item = Sample;

    fn next(&mut self) -> Option<Sample> {
        if self.read >= self.total || self.corrupt {
            return None;
        }
        match self.read_next() {
            Some(sample) => {
                self.read += 1;
                Some(sample)
            }
            None => {
                self.corrupt = true;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.total - self.read) as usize;
        (0, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::sample::stale_nan;
    use proptest::prelude::*;

    fn round_trip(samples: &[Sample]) -> Vec<Sample> {
        let mut chunk = XorAppender::default();
        for s in samples {
            chunk.append(s.t, s.v);
        }
        let mut iter = XorIter::new(chunk.bytes());
        let out: Vec<Sample> = iter.by_ref().collect();
        assert!(!iter.is_corrupt());
        out
    }

    #[test]
    fn special_values_survive_bit_exactly() {
        let samples = vec![
            Sample::new(1000, 1.0),
            Sample::new(2000, f64::NAN),
            Sample::new(3000, f64::INFINITY),
            Sample::new(4000, f64::NEG_INFINITY),
            Sample::new(5000, stale_nan()),
            Sample::new(6000, -0.0),
            Sample::new(7000, f64::MIN_POSITIVE),
            Sample::new(7001, f64::MAX),
        ];
        assert_eq!(round_trip(&samples), samples);
    }

    #[test]
    fn regular_scrapes_compress_below_two_bytes_a_sample() {
        let mut chunk = XorAppender::default();
        for i in 0..120 {
            chunk.append(1_700_000_000_000 + i * 15_000, 1000.0 + i as f64);
        }
        assert!(chunk.bytes().len() < 240, "{} bytes", chunk.bytes().len());
    }

    #[test]
    fn header_counts_samples_like_prometheus() {
        let mut chunk = XorAppender::default();
        chunk.append(5, 2.5);
        assert_eq!(&chunk.bytes()[..2], &[0, 1]);
        // zigzag varint of 5 is 10; then the raw bits of 2.5.
        assert_eq!(chunk.bytes()[2], 10);
        assert_eq!(&chunk.bytes()[3..11], &2.5f64.to_bits().to_be_bytes());
    }

    #[test]
    fn truncated_chunk_reports_corruption() {
        let mut chunk = XorAppender::default();
        for i in 0..10 {
            chunk.append(i * 1000, i as f64 * 1.5);
        }
        let bytes = &chunk.bytes()[..chunk.bytes().len() - 3];
        let mut iter = XorIter::new(bytes);
        let read = iter.by_ref().count();
        assert!(read < 10);
        assert!(iter.is_corrupt());
    }

    fn arbitrary_series() -> impl Strategy<Value = Vec<Sample>> {
        let step = prop_oneof![1i64..100, 1i64..100_000, 1i64..(1 << 40)];
        let value =
            prop_oneof![any::<f64>(), (-1000i64..1000).prop_map(|v| v as f64), Just(f64::NAN), Just(stale_nan()),];
        (any::<i32>(), proptest::collection::vec((step, value), 1..300)).prop_map(|(start, points)| {
            let mut t = start as i64;
            points
                .into_iter()
                .map(|(step, v)| {
                    t += step;
                    Sample::new(t, v)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn any_series_round_trips(samples in arbitrary_series()) {
            prop_assert_eq!(round_trip(&samples), samples);
        }
    }
}
