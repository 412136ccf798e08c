//! The entry point of the hand-written remote write decoders and what the
//! 1.0 and 2.0 decoders share: the scratch vectors kept from request to
//! request, the sample message (identical in both schemas), and how a decoded
//! series ends up in the batch or in the report.

use crate::series::{AppendBatch, Sample};

use super::series_labels::{SeriesLabels, Text};
use super::wire::{Reader, WireError, WireType};
use super::{DecodeReport, Error, Protocol, decode_v1, decode_v2};

/// Decodes remote write requests into an [`AppendBatch`] whose label strings
/// borrow from the request buffer. Keep one per worker: it holds the scratch
/// vectors, so that a warm decoder allocates nothing per request. (The batch
/// borrows the buffer, so keeping a batch's allocation across requests whose
/// buffers differ needs a way to empty it into a batch of another lifetime,
/// as [`Scratch`] does for its vectors.)
#[derive(Debug, Default)]
pub struct Decoder {
    scratch: Scratch<'static>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes a decompressed request of the given protocol. The batch is
    /// cleared first; on success it holds the accepted series, on error it
    /// is left empty. Refused series are not errors: they are in the report
    /// (see [`DecodeReport::refusal`]).
    pub fn decode<'a>(
        &mut self,
        protocol: Protocol,
        request: &'a [u8],
        batch: &mut AppendBatch<'a>,
    ) -> Result<DecodeReport, Error> {
        batch.clear();
        let mut scratch = std::mem::take(&mut self.scratch).recycle();
        let result = match protocol {
            Protocol::V1 => decode_v1::decode(request, batch, &mut scratch),
            Protocol::V2 => decode_v2::decode(request, batch, &mut scratch),
        };
        self.scratch = scratch.recycle();
        if result.is_err() {
            batch.clear();
        }
        result
    }
}

/// Vectors reused from series to series and from request to request.
#[derive(Debug, Default)]
pub(super) struct Scratch<'a> {
    pub labels: SeriesLabels<'a>,
    pub samples: Vec<Sample>,
    /// The 2.0 symbols table.
    pub symbols: Vec<Text<'a>>,
}

impl<'a> Scratch<'a> {
    fn recycle<'b>(mut self) -> Scratch<'b> {
        self.samples.clear();
        Scratch { labels: self.labels.recycle(), samples: self.samples, symbols: recycle(self.symbols) }
    }

    /// Starts a series.
    pub fn clear_series(&mut self) {
        self.labels.clear();
        self.samples.clear();
    }

    /// Ends a series whose labels and samples are in the scratch: into the
    /// batch if its labels are valid and it has samples, else into the report.
    pub fn finish_series(&mut self, batch: &mut AppendBatch<'a>, report: &mut DecodeReport, counts: SeriesCounts) {
        report.exemplars_ignored += counts.exemplars;
        let samples = self.samples.len() as u64;
        let labels = match self.labels.check() {
            Ok(labels) => labels,
            Err(problem) => {
                let labels = &self.labels;
                report.refuse_series(samples, counts.histograms, || format!("series {}: {problem}", labels.describe()));
                return;
            }
        };
        if samples > 0 {
            batch.push_series(labels, &self.samples);
            report.series_accepted += 1;
            report.samples_accepted += samples;
        }
        if counts.histograms > 0 {
            let histograms = counts.histograms;
            let labels = &self.labels;
            report.refuse_histograms(histograms, || {
                format!(
                    "series {}: {histograms} native histogram samples refused: native histograms are not supported yet",
                    labels.describe()
                )
            });
        }
    }
}

/// What a series carried besides labels and float samples.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct SeriesCounts {
    pub histograms: u64,
    pub exemplars: u64,
}

/// Reads a `Sample` message (`double value = 1; int64 timestamp = 2;` in both
/// schemas).
pub(super) fn decode_sample(mut reader: Reader<'_>) -> Result<Sample, WireError> {
    let mut sample = Sample::default();
    while !reader.is_empty() {
        let key = reader.key()?;
        match key.field {
            1 => {
                reader.expect(key, WireType::Fixed64)?;
                sample.v = reader.double()?;
            }
            2 => {
                reader.expect(key, WireType::Varint)?;
                // int64 is the two's complement of the varint's 64 bits.
                sample.t = reader.varint()? as i64;
            }
            _ => reader.skip(key)?,
        }
    }
    Ok(sample)
}

/// Counts a repeated message field that the decoders do not read
/// (histograms, exemplars), checking only that it is length-delimited.
pub(super) fn skip_message(reader: &mut Reader<'_>, key: super::wire::Key) -> Result<(), WireError> {
    reader.expect(key, WireType::Len)?;
    reader.bytes().map(drop)
}

/// Empties a vector and returns its allocation for elements of another type,
/// here the same tuple of borrowed strings with another lifetime. Collecting
/// an empty vector's iterator reuses the allocation when sizes and alignments
/// match (std's in-place collection); otherwise this yields a new, empty
/// vector, which costs nothing until it grows. No unsafe code either way.
pub(super) fn recycle<T, U>(mut vec: Vec<T>) -> Vec<U> {
    vec.clear();
    vec.into_iter().filter_map(|_| None).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycling_keeps_the_allocation() {
        let owner = String::from("label");
        let mut borrowed: Vec<(&str, &str)> = Vec::with_capacity(64);
        borrowed.push((&owner, &owner));
        let pointer = borrowed.as_ptr() as usize;
        let kept: Vec<(&'static str, &'static str)> = recycle(borrowed);
        assert_eq!((kept.as_ptr() as usize, kept.capacity(), kept.len()), (pointer, 64, 0));
    }

    #[test]
    fn samples_decode_negative_timestamps_and_skip_unknown_fields() {
        // value = 1.5, timestamp = -2 (ten-byte varint), field 9 varint 7.
        let mut bytes = vec![0x09];
        bytes.extend(1.5f64.to_le_bytes());
        bytes.extend([0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x48, 0x07]);
        let sample = decode_sample(Reader::new(&bytes)).unwrap();
        assert_eq!(sample, Sample::new(-2, 1.5));
    }

    #[test]
    fn a_sample_value_with_the_wrong_wire_type_is_an_error() {
        let error = decode_sample(Reader::new(&[0x08, 0x01])).unwrap_err();
        assert_eq!(error.to_string(), "at byte 1: field 1 has wire type varint, expected 64-bit");
    }
}
