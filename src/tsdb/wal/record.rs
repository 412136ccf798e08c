//! WAL record payloads: series definitions and float samples, in the spirit of
//! Prometheus' `tsdb/record` (samples delta-encoded against the record's first
//! entry) with varint refs. The byte layout is in `docs/format/wal.md`.

use bytes::Bytes;

use crate::series::chunk::{Chunk, Encoding};

use super::error::Error;
use super::varint::{Decoder, put_uvarint, put_varint};

/// The first byte of every payload. Values 4 and up are reserved for later
/// types (histogram samples, exemplars, metadata); a reader that meets one it
/// does not know fails with [`Error::UnknownRecordType`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordType {
    Series = 1,
    Samples = 2,
    /// A series' head chunks, as checkpoints store them (compressed, so a
    /// checkpoint is a fraction of the samples it replaces).
    Chunks = 3,
}

impl RecordType {
    /// The type of a payload, from its first byte.
    pub fn of(payload: &[u8]) -> Result<RecordType, Error> {
        match payload.first() {
            None => Err(Error::EmptyRecord),
            Some(1) => Ok(RecordType::Series),
            Some(2) => Ok(RecordType::Samples),
            Some(3) => Ok(RecordType::Chunks),
            Some(&other) => Err(Error::UnknownRecordType(other)),
        }
    }
}

/// A series definition: the ref that sample records use for it, and its labels.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RefSeries {
    pub series_ref: u64,
    pub labels: Vec<(String, String)>,
}

/// One float sample of the series `series_ref`, at `t` milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct RefSample {
    pub series_ref: u64,
    pub t: i64,
    pub v: f64,
}

impl PartialEq for RefSample {
    /// Bitwise on the value, so NaNs and the staleness marker compare as stored.
    fn eq(&self, other: &Self) -> bool {
        self.series_ref == other.series_ref && self.t == other.t && self.v.to_bits() == other.v.to_bits()
    }
}

/// Writes a series record entry by entry from borrowed labels, so callers
/// holding their own label type encode without building [`RefSeries`].
pub struct SeriesEncoder<'a> {
    buffer: &'a mut Vec<u8>,
}

impl<'a> SeriesEncoder<'a> {
    /// Starts a record in `buffer`, replacing its contents but keeping its
    /// capacity.
    pub fn new(buffer: &'a mut Vec<u8>) -> Self {
        buffer.clear();
        buffer.push(RecordType::Series as u8);
        SeriesEncoder { buffer }
    }

    pub fn add<'l>(&mut self, series_ref: u64, labels: impl ExactSizeIterator<Item = (&'l str, &'l str)>) {
        put_uvarint(self.buffer, series_ref);
        put_uvarint(self.buffer, labels.len() as u64);
        for (name, value) in labels {
            put_string(self.buffer, name);
            put_string(self.buffer, value);
        }
    }
}

fn put_string(buffer: &mut Vec<u8>, text: &str) {
    put_uvarint(buffer, text.len() as u64);
    buffer.extend_from_slice(text.as_bytes());
}

/// Replaces `buffer`'s contents with a series record of `series`.
pub fn encode_series(series: &[RefSeries], buffer: &mut Vec<u8>) {
    let mut encoder = SeriesEncoder::new(buffer);
    for entry in series {
        encoder.add(entry.series_ref, entry.labels.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    }
}

/// Replaces `buffer`'s contents with a samples record of `samples`: the first
/// sample's ref and timestamp as the base, then every sample as zigzag deltas
/// against that base and its value's raw bits.
pub fn encode_samples(samples: &[RefSample], buffer: &mut Vec<u8>) {
    buffer.clear();
    buffer.push(RecordType::Samples as u8);
    let Some(first) = samples.first() else {
        return;
    };
    // Base (at most 20 bytes) plus at most 28 bytes a sample; usually ~12.
    buffer.reserve(20 + samples.len() * 12);
    put_uvarint(buffer, first.series_ref);
    put_varint(buffer, first.t);
    for sample in samples {
        // Wrapping arithmetic keeps every pair of u64 refs / i64 times
        // representable; decoding wraps back.
        put_varint(buffer, sample.series_ref.wrapping_sub(first.series_ref) as i64);
        put_varint(buffer, sample.t.wrapping_sub(first.t));
        buffer.extend_from_slice(&sample.v.to_bits().to_le_bytes());
    }
}

/// Decodes a series record into `out`, replacing its contents.
pub fn decode_series(payload: &[u8], out: &mut Vec<RefSeries>) -> Result<(), Error> {
    out.clear();
    let mut decoder = body(payload, RecordType::Series)?;
    while !decoder.is_empty() {
        let series_ref = decoder.uvarint("series ref")?;
        let count_position = decoder.position();
        let count = decoder.uvarint("label count")?;
        // Each label takes at least two bytes (two empty strings), which
        // bounds the allocation a corrupt count could ask for.
        if count > (decoder.remaining() / 2) as u64 {
            return Err(Error::malformed(count_position, format!("label count {count} exceeds the record")));
        }
        let mut labels = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let name = decoder.string("label name")?;
            let value = decoder.string("label value")?;
            labels.push((name, value));
        }
        out.push(RefSeries { series_ref, labels });
    }
    Ok(())
}

/// Decodes a samples record into `out`, replacing its contents.
pub fn decode_samples(payload: &[u8], out: &mut Vec<RefSample>) -> Result<(), Error> {
    out.clear();
    let mut decoder = body(payload, RecordType::Samples)?;
    if decoder.is_empty() {
        return Ok(());
    }
    let base_ref = decoder.uvarint("base series ref")?;
    let base_t = decoder.varint("base timestamp")?;
    if decoder.is_empty() {
        // The encoder writes a base only before at least one sample.
        return Err(Error::malformed(decoder.position(), "samples record has a base but no samples"));
    }
    // The smallest entry is 10 bytes: two one-byte deltas and the value.
    out.reserve(decoder.remaining() / 10);
    while !decoder.is_empty() {
        let ref_delta = decoder.varint("series ref delta")?;
        let t_delta = decoder.varint("timestamp delta")?;
        let bits = decoder.u64_le("sample value")?;
        out.push(RefSample {
            series_ref: base_ref.wrapping_add(ref_delta as u64),
            t: base_t.wrapping_add(t_delta),
            v: f64::from_bits(bits),
        });
    }
    Ok(())
}

/// Replaces `buffer`'s contents with a chunks record: the series ref, the
/// chunk count, then each chunk's mint and maxt (zigzag varints), encoding
/// byte, and length-prefixed bytes.
pub fn encode_chunks(series_ref: u64, chunks: &[Chunk], buffer: &mut Vec<u8>) {
    buffer.clear();
    buffer.push(RecordType::Chunks as u8);
    put_uvarint(buffer, series_ref);
    put_uvarint(buffer, chunks.len() as u64);
    for chunk in chunks {
        put_varint(buffer, chunk.mint);
        put_varint(buffer, chunk.maxt);
        buffer.push(chunk.encoding as u8);
        put_uvarint(buffer, chunk.data.len() as u64);
        buffer.extend_from_slice(&chunk.data);
    }
}

/// Decodes a chunks record into the series ref and its chunks.
pub fn decode_chunks(payload: &[u8]) -> Result<(u64, Vec<Chunk>), Error> {
    let mut decoder = body(payload, RecordType::Chunks)?;
    let series_ref = decoder.uvarint("series ref")?;
    let count_position = decoder.position();
    let count = decoder.uvarint("chunk count")?;
    // Each chunk takes at least four bytes, which bounds a corrupt count.
    if count > (decoder.remaining() / 4) as u64 {
        return Err(Error::malformed(count_position, format!("chunk count {count} exceeds the record")));
    }
    let mut chunks = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let mint = decoder.varint("chunk mint")?;
        let maxt = decoder.varint("chunk maxt")?;
        let encoding_position = decoder.position();
        let byte = decoder.bytes(1, "chunk encoding")?[0];
        let encoding = Encoding::from_byte(byte)
            .ok_or_else(|| Error::malformed(encoding_position, format!("unknown chunk encoding {byte}")))?;
        let length = decoder.uvarint("chunk length")?;
        let data = decoder.bytes(usize::try_from(length).unwrap_or(usize::MAX), "chunk data")?;
        chunks.push(Chunk { mint, maxt, encoding, data: Bytes::copy_from_slice(data) });
    }
    Ok((series_ref, chunks))
}

/// A decoder positioned after the type byte, once that byte is `expected`.
fn body(payload: &[u8], expected: RecordType) -> Result<Decoder<'_>, Error> {
    let found = RecordType::of(payload)?;
    if found != expected {
        return Err(Error::malformed(0, format!("expected a {expected:?} record, found {found:?}")));
    }
    Ok(Decoder::new(payload, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

    fn sample(series_ref: u64, t: i64, v: f64) -> RefSample {
        RefSample { series_ref, t, v }
    }

    fn round_trip_samples(samples: &[RefSample]) -> Vec<RefSample> {
        let mut buffer = Vec::new();
        encode_samples(samples, &mut buffer);
        let mut out = Vec::new();
        decode_samples(&buffer, &mut out).unwrap();
        out
    }

    #[test]
    fn chunks_round_trip() {
        let samples: Vec<crate::series::Sample> =
            (0..10).map(|i| crate::series::Sample::new(i * 1000, i as f64)).collect();
        let chunks = vec![Chunk::encode_xor(&samples[..5]), Chunk::encode_xor(&samples[5..])];
        let mut buffer = Vec::new();
        encode_chunks(42, &chunks, &mut buffer);
        assert_eq!(decode_chunks(&buffer).unwrap(), (42, chunks));
        buffer.truncate(buffer.len() - 1);
        assert!(decode_chunks(&buffer).is_err());
    }

    #[test]
    fn special_values_survive_bit_for_bit() {
        let samples = [
            sample(7, 1_700_000_000_000, f64::from_bits(STALE_NAN_BITS)),
            sample(3, 1_699_999_999_000, f64::NAN),
            sample(u64::MAX, i64::MIN, f64::INFINITY),
            sample(0, i64::MAX, f64::NEG_INFINITY),
            sample(9, -5, -0.0),
        ];
        assert_eq!(round_trip_samples(&samples), samples);
    }

    #[test]
    fn dense_samples_are_compact() {
        // Deltas below 64 zigzag into one byte each.
        let samples: Vec<RefSample> = (0..60).map(|i| sample(1000 + i, 1_700_000_000_000 + i as i64, 1.0)).collect();
        let mut buffer = Vec::new();
        encode_samples(&samples, &mut buffer);
        // type + base (2 + 6 bytes) + per sample: 2 delta bytes + 8 value bytes
        assert_eq!(buffer.len(), 1 + 8 + 60 * 10);
    }

    #[test]
    fn empty_records_round_trip() {
        assert!(round_trip_samples(&[]).is_empty());
        let mut buffer = Vec::new();
        encode_series(&[], &mut buffer);
        let mut out = vec![RefSeries::default()];
        decode_series(&buffer, &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn encoders_replace_the_buffer() {
        let mut buffer = vec![9, 9, 9];
        encode_samples(&[sample(1, 2, 3.0)], &mut buffer);
        assert_eq!(buffer[0], RecordType::Samples as u8);
        let mut out = Vec::new();
        decode_samples(&buffer, &mut out).unwrap();
        assert_eq!(out, [sample(1, 2, 3.0)]);
    }

    #[test]
    fn unknown_type_names_the_byte() {
        let error = RecordType::of(&[7, 0, 0]).unwrap_err();
        assert_eq!(error.to_string(), "unknown wal record type 7");
        assert!(matches!(decode_samples(&[0], &mut Vec::new()), Err(Error::UnknownRecordType(0))));
        assert!(matches!(decode_series(&[], &mut Vec::new()), Err(Error::EmptyRecord)));
    }

    #[test]
    fn wrong_decoder_for_the_type_is_an_error() {
        let mut buffer = Vec::new();
        encode_samples(&[sample(1, 2, 3.0)], &mut buffer);
        let error = decode_series(&buffer, &mut Vec::new()).unwrap_err();
        assert!(error.to_string().contains("expected a Series record"), "{error}");
    }

    #[test]
    fn truncated_samples_are_errors() {
        let samples = [sample(300, 1_700_000_000_000, 1.5), sample(301, 1_700_000_000_015, 2.5)];
        let mut buffer = Vec::new();
        encode_samples(&samples, &mut buffer);
        // type, base ref (2 bytes), base time (6 bytes), then 10 bytes a sample
        let first_entry_end = 1 + 2 + 6 + 10;
        for length in 2..buffer.len() {
            let mut out = Vec::new();
            let result = decode_samples(&buffer[..length], &mut out);
            if length == first_entry_end {
                // Records carry no count: a cut between entries is a shorter
                // record, which the frame checksum rules out on disk.
                assert_eq!(out, samples[..1]);
                continue;
            }
            assert!(matches!(result, Err(Error::MalformedRecord { .. })), "length {length}: {result:?}");
        }
    }

    #[test]
    fn truncated_series_are_errors() {
        let series = [RefSeries { series_ref: 1000, labels: vec![("job".into(), "node".into())] }];
        let mut buffer = Vec::new();
        encode_series(&series, &mut buffer);
        for length in 2..buffer.len() {
            let result = decode_series(&buffer[..length], &mut Vec::new());
            assert!(matches!(result, Err(Error::MalformedRecord { .. })), "length {length}: {result:?}");
        }
    }

    #[test]
    fn series_labels_must_be_utf8() {
        // ref 1, one label: name "a", value 0xff
        let payload = [1, 1, 1, 1, b'a', 1, 0xff];
        let error = decode_series(&payload, &mut Vec::new()).unwrap_err();
        assert_eq!(error.to_string(), "malformed wal record at byte 5: label value is not valid UTF-8");
    }

    #[test]
    fn absurd_label_count_is_an_error_not_an_allocation() {
        let mut payload = vec![1, 1];
        put_uvarint(&mut payload, u64::MAX);
        let error = decode_series(&payload, &mut Vec::new()).unwrap_err();
        assert!(error.to_string().contains("label count"), "{error}");
    }

    #[test]
    fn series_encoder_takes_borrowed_labels() {
        let labels = [("__name__".to_string(), "up".to_string())];
        let mut buffer = Vec::new();
        let mut encoder = SeriesEncoder::new(&mut buffer);
        encoder.add(5, labels.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let mut out = Vec::new();
        decode_series(&buffer, &mut out).unwrap();
        assert_eq!(out, [RefSeries { series_ref: 5, labels: labels.to_vec() }]);
    }

    fn any_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            Just(f64::from_bits(STALE_NAN_BITS)),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
            any::<f64>(),
        ]
    }

    fn any_sample() -> impl Strategy<Value = RefSample> {
        (any::<u64>(), any::<i64>(), any_value()).prop_map(|(series_ref, t, v)| sample(series_ref, t, v))
    }

    fn any_series() -> impl Strategy<Value = RefSeries> {
        let labels = prop::collection::vec(("\\PC{0,12}", "\\PC{0,24}"), 0..6);
        (any::<u64>(), labels).prop_map(|(series_ref, labels)| RefSeries { series_ref, labels })
    }

    proptest! {
        #[test]
        fn samples_round_trip(samples in prop::collection::vec(any_sample(), 0..50)) {
            prop_assert_eq!(round_trip_samples(&samples), samples);
        }

        #[test]
        fn series_round_trip(series in prop::collection::vec(any_series(), 0..20)) {
            let mut buffer = Vec::new();
            encode_series(&series, &mut buffer);
            let mut out = Vec::new();
            decode_series(&buffer, &mut out).unwrap();
            prop_assert_eq!(out, series);
        }

        #[test]
        fn arbitrary_bytes_never_panic(kind in 1u8..=3, body in prop::collection::vec(any::<u8>(), 0..64)) {
            let mut payload = vec![kind];
            payload.extend(body);
            let _ = decode_series(&payload, &mut Vec::new());
            let _ = decode_samples(&payload, &mut Vec::new());
        }
    }
}
