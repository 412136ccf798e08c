//! A hand-written, zero-copy decoder of the remote write 1.0
//! `prometheus.WriteRequest` (https://prometheus.io/docs/specs/remote_write_spec/):
//! label strings go into the batch as slices of the request buffer. Metadata
//! is skipped, exemplars are counted and ignored, and native histograms are
//! counted and refused, as in the 2.0 decoder.
//!
//! ```text
//! WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//! TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
//!                repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
//! Label        { string name = 1; string value = 2; }
//! Sample       { double value = 1; int64 timestamp = 2; }
//! ```

use crate::series::AppendBatch;

use super::decoder::{Scratch, SeriesCounts, decode_sample, skip_message};
use super::series_labels::Text;
use super::wire::{Reader, WireError, WireType};
use super::{DecodeReport, Error};

const MESSAGE: &str = "prometheus.WriteRequest";

const REQUEST_TIMESERIES: u32 = 1;
const SERIES_LABELS: u32 = 1;
const SERIES_SAMPLES: u32 = 2;
const SERIES_EXEMPLARS: u32 = 3;
const SERIES_HISTOGRAMS: u32 = 4;
const LABEL_NAME: u32 = 1;
const LABEL_VALUE: u32 = 2;

pub(super) fn decode<'a>(
    request: &'a [u8],
    batch: &mut AppendBatch<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<DecodeReport, Error> {
    decode_request(request, batch, scratch).map_err(|source| Error::Protobuf { message: MESSAGE, source })
}

fn decode_request<'a>(
    request: &'a [u8],
    batch: &mut AppendBatch<'a>,
    scratch: &mut Scratch<'a>,
) -> Result<DecodeReport, WireError> {
    let mut report = DecodeReport::default();
    let mut reader = Reader::new(request);
    let mut index = 0;
    while !reader.is_empty() {
        let key = reader.key()?;
        if key.field != REQUEST_TIMESERIES {
            reader.skip(key)?;
            continue;
        }
        reader.expect(key, WireType::Len)?;
        let series = reader.message()?;
        decode_series(series, batch, scratch, &mut report).map_err(|e| e.within("timeseries", index))?;
        index += 1;
    }
    Ok(report)
}

fn decode_series<'a>(
    mut reader: Reader<'a>,
    batch: &mut AppendBatch<'a>,
    scratch: &mut Scratch<'a>,
    report: &mut DecodeReport,
) -> Result<(), WireError> {
    scratch.clear_series();
    let mut counts = SeriesCounts::default();
    let mut label_index = 0;
    while !reader.is_empty() {
        let key = reader.key()?;
        match key.field {
            SERIES_LABELS => {
                reader.expect(key, WireType::Len)?;
                let (name, value) = decode_label(reader.message()?).map_err(|e| e.within("labels", label_index))?;
                scratch.labels.push(name, value);
                label_index += 1;
            }
            SERIES_SAMPLES => {
                reader.expect(key, WireType::Len)?;
                let index = scratch.samples.len();
                let sample = decode_sample(reader.message()?).map_err(|e| e.within("samples", index))?;
                scratch.samples.push(sample);
            }
            SERIES_EXEMPLARS => {
                skip_message(&mut reader, key)?;
                counts.exemplars += 1;
            }
            SERIES_HISTOGRAMS => {
                skip_message(&mut reader, key)?;
                counts.histograms += 1;
            }
            _ => reader.skip(key)?,
        }
    }
    scratch.finish_series(batch, report, counts);
    Ok(())
}

fn decode_label<'a>(mut reader: Reader<'a>) -> Result<(Text<'a>, Text<'a>), WireError> {
    let mut name: &[u8] = &[];
    let mut value: &[u8] = &[];
    while !reader.is_empty() {
        let key = reader.key()?;
        match key.field {
            LABEL_NAME => {
                reader.expect(key, WireType::Len)?;
                name = reader.bytes()?;
            }
            LABEL_VALUE => {
                reader.expect(key, WireType::Len)?;
                value = reader.bytes()?;
            }
            _ => reader.skip(key)?,
        }
    }
    Ok((Text::new(name), Text::new(value)))
}

#[cfg(test)]
mod tests {
    use crate::ingest::remote_write::{Decoder, Protocol};
    use crate::series::{AppendBatch, Sample};

    type Decoded = Vec<(Vec<(String, String)>, Vec<Sample>)>;

    fn decode(bytes: &[u8]) -> Result<Decoded, String> {
        let mut batch = AppendBatch::new();
        Decoder::new().decode(Protocol::V1, bytes, &mut batch).map_err(|e| e.to_string())?;
        let owned = batch.iter().map(|(labels, samples)| {
            (labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(), samples.to_vec())
        });
        Ok(owned.collect())
    }

    /// A length-delimited field.
    fn field(number: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![number << 3 | 2, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    fn label(name: &str, value: &str) -> Vec<u8> {
        field(1, &[field(1, name.as_bytes()), field(2, value.as_bytes())].concat())
    }

    fn sample(t: u8, v: f64) -> Vec<u8> {
        let mut payload = vec![0x09];
        payload.extend(v.to_le_bytes());
        payload.extend([0x10, t]);
        field(2, &payload)
    }

    #[test]
    fn decodes_fields_in_any_order_and_skips_unknown_ones() {
        // Samples before labels, a field 9 varint, metadata (field 3) at the top.
        let series = [sample(5, 2.5), vec![0x48, 0x01], label("__name__", "up"), label("job", "a")].concat();
        let request = [field(3, b"\x10\x01"), field(1, &series)].concat();
        let expected = vec![(
            vec![("__name__".to_string(), "up".to_string()), ("job".to_string(), "a".to_string())],
            vec![Sample::new(5, 2.5)],
        )];
        assert_eq!(decode(&request), Ok(expected));
    }

    #[test]
    fn an_empty_request_is_an_empty_batch() {
        assert_eq!(decode(&[]), Ok(vec![]));
    }

    #[test]
    fn errors_name_the_field_path() {
        let broken_label = field(1, &[0x0a, 0x05, b'a']);
        let series = [label("__name__", "up"), broken_label].concat();
        let error = decode(&field(1, &series)).unwrap_err();
        assert_eq!(
            error,
            "cannot decode prometheus.WriteRequest: at byte 22 in timeseries[0].labels[1]: 5 bytes needed but only 1 remain"
        );
    }

    #[test]
    fn a_series_that_is_not_length_delimited_is_an_error() {
        let error = decode(&[0x09, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(
            error,
            "cannot decode prometheus.WriteRequest: at byte 1: field 1 has wire type 64-bit, expected length-delimited"
        );
    }
}
