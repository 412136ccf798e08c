//! A hand-written, zero-copy decoder of the remote write 2.0
//! `io.prometheus.write.v2.Request`
//! (https://prometheus.io/docs/specs/remote_write_spec_2_0/): label strings go
//! into the batch as slices of the request buffer, found through the symbols
//! table. Native histograms are counted and refused, exemplars counted and
//! ignored, metadata and created timestamps skipped.
//!
//! ```text
//! Request    { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
//! TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2;
//!              repeated Histogram histograms = 3; repeated Exemplar exemplars = 4;
//!              Metadata metadata = 5; int64 created_timestamp = 6; }
//! Sample     { double value = 1; int64 timestamp = 2; }
//! ```
//!
//! The spec requires `symbols[0]` to be the empty string and `labels_refs` to
//! hold an even number of references, all in range; a request breaking these
//! is refused whole (400), like one that is not valid protobuf.

use crate::series::AppendBatch;

use super::decoder::{Scratch, SeriesCounts, decode_sample, skip_message};
use super::series_labels::Text;
use super::wire::{Key, Reader, WireError, WireType};
use super::{DecodeReport, Error};

const MESSAGE: &str = "io.prometheus.write.v2.Request";

const REQUEST_SYMBOLS: u32 = 4;
const REQUEST_TIMESERIES: u32 = 5;
const SERIES_LABELS_REFS: u32 = 1;
const SERIES_SAMPLES: u32 = 2;
const SERIES_HISTOGRAMS: u32 = 3;
const SERIES_EXEMPLARS: u32 = 4;
const SERIES_METADATA: u32 = 5;
const SERIES_CREATED_TIMESTAMP: u32 = 6;

/// Why a series could not be decoded: bad bytes, or references that do not
/// fit the symbols table.
enum Failure {
    Wire(WireError),
    Request(Error),
}

impl From<WireError> for Failure {
    fn from(error: WireError) -> Self {
        Failure::Wire(error)
    }
}

fn protobuf(source: WireError) -> Error {
    Error::Protobuf { message: MESSAGE, source }
}

pub(super) fn decode<'a>(
    request: &'a [u8],
    batch: &mut AppendBatch<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<DecodeReport, Error> {
    // Fields may come in any order, so the symbols are read in a first pass
    // that skips over the series.
    read_symbols(request, &mut scratch.symbols).map_err(protobuf)?;
    check_first_symbol(&scratch.symbols)?;
    let mut report = DecodeReport::default();
    let mut reader = Reader::new(request);
    let mut index = 0;
    while !reader.is_empty() {
        let key = reader.key().map_err(protobuf)?;
        if key.field != REQUEST_TIMESERIES {
            reader.skip(key).map_err(protobuf)?;
            continue;
        }
        reader.expect(key, WireType::Len).map_err(protobuf)?;
        let series = reader.message().map_err(protobuf)?;
        decode_series(index, series, batch, scratch, &mut report).map_err(|failure| match failure {
            Failure::Wire(error) => protobuf(error.within("timeseries", index)),
            Failure::Request(error) => error,
        })?;
        index += 1;
    }
    Ok(report)
}

fn read_symbols<'a>(request: &'a [u8], symbols: &mut Vec<Text<'a>>) -> Result<(), WireError> {
    symbols.clear();
    let mut reader = Reader::new(request);
    while !reader.is_empty() {
        let key = reader.key()?;
        if key.field != REQUEST_SYMBOLS {
            reader.skip(key)?;
            continue;
        }
        reader.expect(key, WireType::Len)?;
        let index = symbols.len();
        let symbol = reader.bytes().map_err(|e| e.within("symbols", index))?;
        symbols.push(Text::new(symbol));
    }
    Ok(())
}

/// A request without symbols is fine as long as nothing refers to one.
fn check_first_symbol(symbols: &[Text<'_>]) -> Result<(), Error> {
    match symbols.first() {
        Some(first) if !first.as_bytes().is_empty() => {
            Err(Error::FirstSymbolNotEmpty(String::from_utf8_lossy(first.as_bytes()).into_owned()))
        }
        _ => Ok(()),
    }
}

fn decode_series<'a>(
    index: usize,
    mut reader: Reader<'a>,
    batch: &mut AppendBatch<'a>,
    scratch: &mut Scratch<'a>,
    report: &mut DecodeReport,
) -> Result<(), Failure> {
    scratch.clear_series();
    let mut refs = LabelRefs { series: index, pending_name: None, count: 0 };
    let mut counts = SeriesCounts::default();
    while !reader.is_empty() {
        let key = reader.key()?;
        match key.field {
            SERIES_LABELS_REFS => refs.read(&mut reader, key, scratch)?,
            SERIES_SAMPLES => {
                reader.expect(key, WireType::Len)?;
                let sample_index = scratch.samples.len();
                let sample = decode_sample(reader.message()?).map_err(|e| e.within("samples", sample_index))?;
                scratch.samples.push(sample);
            }
            SERIES_HISTOGRAMS => {
                skip_message(&mut reader, key)?;
                counts.histograms += 1;
            }
            SERIES_EXEMPLARS => {
                skip_message(&mut reader, key)?;
                counts.exemplars += 1;
            }
            SERIES_METADATA => skip_message(&mut reader, key)?,
            SERIES_CREATED_TIMESTAMP => {
                reader.expect(key, WireType::Varint)?;
                reader.varint()?;
            }
            _ => reader.skip(key)?,
        }
    }
    if refs.count % 2 == 1 {
        return Err(Failure::Request(Error::OddLabelRefs { series: index, count: refs.count }));
    }
    scratch.finish_series(batch, report, counts);
    Ok(())
}

/// Pairs up a series' label references, which may come packed in several
/// chunks or unpacked one by one (parsers must accept both).
struct LabelRefs<'a> {
    series: usize,
    pending_name: Option<Text<'a>>,
    count: usize,
}

impl<'a> LabelRefs<'a> {
    fn read(&mut self, reader: &mut Reader<'a>, key: Key, scratch: &mut Scratch<'a>) -> Result<(), Failure> {
        match key.wire_type {
            WireType::Varint => self.add(reader.varint()?, scratch),
            _ => {
                reader.expect(key, WireType::Len)?;
                let mut packed = reader.message()?;
                while !packed.is_empty() {
                    self.add(packed.varint()?, scratch)?;
                }
                Ok(())
            }
        }
    }

    fn add(&mut self, reference: u64, scratch: &mut Scratch<'a>) -> Result<(), Failure> {
        // A uint32 field keeps the low 32 bits of a longer varint, as in
        // prost and gogo/protobuf.
        let reference = reference as u32;
        let Some(&symbol) = scratch.symbols.get(reference as usize) else {
            let symbols = scratch.symbols.len();
            let error = Error::SymbolOutOfRange { series: self.series, field: "labels_refs", reference, symbols };
            return Err(Failure::Request(error));
        };
        self.count += 1;
        match self.pending_name.take() {
            None => self.pending_name = Some(symbol),
            Some(name) => scratch.labels.push(name, symbol),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::remote_write::{Decoder, Protocol};
    use crate::series::{AppendBatch, Sample};

    fn field(number: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![number << 3 | 2, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    fn symbols(names: &[&str]) -> Vec<u8> {
        names.iter().flat_map(|name| field(4, name.as_bytes())).collect()
    }

    fn sample(t: u8, v: f64) -> Vec<u8> {
        let mut payload = vec![0x09];
        payload.extend(v.to_le_bytes());
        payload.extend([0x10, t]);
        field(2, &payload)
    }

    type Decoded = Vec<(Vec<(String, String)>, Vec<Sample>)>;

    fn decode(bytes: &[u8]) -> Result<Decoded, String> {
        let mut batch = AppendBatch::new();
        Decoder::new().decode(Protocol::V2, bytes, &mut batch).map_err(|e| e.to_string())?;
        let owned = batch.iter().map(|(labels, samples)| {
            (labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(), samples.to_vec())
        });
        Ok(owned.collect())
    }

    fn up_job_a() -> Decoded {
        let labels = vec![("__name__".to_string(), "up".to_string()), ("job".to_string(), "a".to_string())];
        vec![(labels, vec![Sample::new(7, 1.0)])]
    }

    #[test]
    fn series_before_symbols_and_unpacked_refs_decode() {
        // labels_refs unpacked (one varint field each), split around a sample.
        let series = [vec![0x08, 1, 0x08, 2], sample(7, 1.0), vec![0x08, 3, 0x08, 4]].concat();
        let request = [field(5, &series), symbols(&["", "__name__", "up", "job", "a"])].concat();
        assert_eq!(decode(&request), Ok(up_job_a()));
    }

    #[test]
    fn packed_refs_may_come_in_several_chunks() {
        let series = [field(1, &[1, 2, 3]), field(1, &[4]), sample(7, 1.0)].concat();
        let request = [symbols(&["", "__name__", "up", "job", "a"]), field(5, &series)].concat();
        assert_eq!(decode(&request), Ok(up_job_a()));
    }

    #[test]
    fn metadata_created_timestamp_and_exemplars_are_skipped() {
        let series =
            [field(1, &[1, 2, 3, 4]), sample(7, 1.0), field(5, &[0x08, 1]), vec![0x30, 0x05], field(4, &[])].concat();
        let request = [symbols(&["", "__name__", "up", "job", "a"]), field(5, &series)].concat();
        assert_eq!(decode(&request), Ok(up_job_a()));
    }

    #[test]
    fn first_symbol_must_be_empty() {
        let request = [symbols(&["up", ""]), field(5, &[])].concat();
        let error = decode(&request).unwrap_err();
        assert_eq!(error, r#"invalid symbols table: the first symbol must be the empty string, got "up""#);
    }

    #[test]
    fn a_request_without_symbols_or_series_is_empty() {
        assert_eq!(decode(&[]), Ok(vec![]));
    }
}
