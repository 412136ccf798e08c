//! Each class of malformed request, with the error or refusal it must give.

use prost::Message;

use super::super::encode::{SeriesData, request_v2};
use super::super::{DecodeReport, Protocol, decompress, encode};
use super::decode;

fn varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A length-delimited field.
fn field(number: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3 | 2, &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

fn label(name: &[u8], value: &[u8]) -> Vec<u8> {
    field(1, &[field(1, name), field(2, value)].concat())
}

fn sample() -> Vec<u8> {
    let mut payload = vec![0x09];
    payload.extend(1.0f64.to_le_bytes());
    payload.extend([0x10, 0x01]);
    field(2, &payload)
}

/// A 1.0 request with one series of these labels and one sample.
fn v1_series(labels: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut series: Vec<u8> = labels.iter().flat_map(|(n, v)| label(n, v)).collect();
    series.extend(sample());
    field(1, &series)
}

fn error(protocol: Protocol, bytes: &[u8]) -> String {
    decode(protocol, bytes).unwrap_err()
}

fn refusal(report: &DecodeReport) -> String {
    report.refusal().expect("a refusal").to_string()
}

#[test]
fn broken_protobuf_is_a_decode_error_with_offset() {
    let cases: [(&[u8], &str); 5] = [
        (&[0x0a, 0x80], "at byte 1: varint runs past the end of the message"),
        (&[0x0f], "at byte 0: invalid wire type 7"),
        (&[0x0a, 0x05, 0x00], "at byte 2: 5 bytes needed but only 1 remain"),
        (
            &[0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
            "at byte 1: varint is longer than 64 bits",
        ),
        (&[0x00], "at byte 0: invalid field number 0"),
    ];
    for (bytes, expected) in cases {
        assert_eq!(error(Protocol::V1, bytes), format!("cannot decode prometheus.WriteRequest: {expected}"));
        assert_eq!(error(Protocol::V2, bytes), format!("cannot decode io.prometheus.write.v2.Request: {expected}"));
    }
}

#[test]
fn a_sample_with_a_bad_wire_type_names_its_place() {
    let series = [label(b"__name__", b"up"), field(2, &[0x0d, 0, 0, 0, 0])].concat();
    assert_eq!(
        error(Protocol::V1, &field(1, &series)),
        "cannot decode prometheus.WriteRequest: at byte 21 in timeseries[0].samples[0]: \
         field 1 has wire type 32-bit, expected 64-bit"
    );
}

#[test]
fn invalid_label_sets_are_refused_by_series() {
    type Labels = &'static [(&'static [u8], &'static [u8])];
    let cases: [(Labels, &str); 6] = [
        (
            &[(b"__name__", b"up"), (b"job", b"\xff")],
            "series up{job=\"\u{fffd}\"}: value of label \"job\" is not valid UTF-8",
        ),
        (
            &[(b"__name__", b"up"), (b"j\xc3", b"a")],
            "series up{\"j\u{fffd}\"=\"a\"}: label name \"j\u{fffd}\" is not valid UTF-8",
        ),
        (
            &[(b"__name__", b"up"), (b"job", b"a"), (b"job", b"b")],
            "series up{job=\"a\", job=\"b\"}: duplicate label name \"job\"",
        ),
        (&[(b"__name__", b"up"), (b"", b"x")], "series up{\"\"=\"x\"}: empty label name"),
        (&[(b"job", b"a")], "series {job=\"a\"}: missing metric name (no non-empty __name__ label)"),
        (
            &[(b"__name__", b""), (b"job", b"a")],
            "series {job=\"a\"}: missing metric name (no non-empty __name__ label)",
        ),
    ];
    for (labels, expected) in cases {
        // A valid series alongside is still accepted: partial write.
        let request = [v1_series(labels), v1_series(&[(b"__name__", b"ok")])].concat();
        let (decoded, report) = decode(Protocol::V1, &request).unwrap();
        assert_eq!(decoded.len(), 1);
        assert_eq!((report.series_refused, report.samples_refused), (1, 1));
        assert_eq!(refusal(&report), format!("refused 1 series: {expected}"));
    }
}

#[test]
fn unsorted_labels_are_refused() {
    let request = [v1_series(&[(b"job", b"a"), (b"__name__", b"up")]), v1_series(&[(b"__name__", b"ok")])].concat();
    let (decoded, report) = decode(Protocol::V1, &request).unwrap();
    assert_eq!(decoded.len(), 1);
    let message = refusal(&report);
    assert!(message.contains(r#"labels are not sorted by name: "__name__" comes after "job""#), "{message}");
}

#[test]
fn histograms_are_refused_in_both_protocols() {
    let histogram_v1 = field(4, &[0x08, 0x01]);
    let series = [label(b"__name__", b"h"), label(b"job", b"a"), sample(), histogram_v1.clone(), histogram_v1].concat();
    let (decoded, report) = decode(Protocol::V1, &field(1, &series)).unwrap();
    assert_eq!((decoded.len(), report.histograms_refused, report.series_refused), (1, 2, 0));
    assert_eq!(
        refusal(&report),
        "refused 1 series: series h{job=\"a\"}: 2 native histogram samples refused: native histograms are not supported yet"
    );

    let mut request = request_v2(&[(vec![("__name__".into(), "h".into())], vec![])]);
    request.timeseries[0].histograms.push(Default::default());
    request.timeseries[0].exemplars.push(Default::default());
    let (decoded, report) = decode(Protocol::V2, &request.encode_to_vec()).unwrap();
    assert_eq!((decoded.len(), report.histograms_refused, report.exemplars_ignored), (0, 1, 1));
    assert!(refusal(&report).contains("series h{}: 1 native histogram samples refused"));
}

fn one_series_v2() -> super::super::proto::io::prometheus::write::v2::Request {
    let labels = vec![("__name__".to_string(), "up".to_string()), ("job".to_string(), "a".to_string())];
    request_v2(&[(labels, vec![(1, 1.0)])])
}

#[test]
fn symbol_references_out_of_range_are_errors() {
    let mut request = one_series_v2();
    request.timeseries[0].labels_refs[3] = 9;
    let message = error(Protocol::V2, &request.encode_to_vec());
    assert_eq!(message, "invalid timeseries[0]: labels_refs reference 9 is out of range, the request has 5 symbols");
    request.symbols.clear();
    let message = error(Protocol::V2, &request.encode_to_vec());
    assert_eq!(message, "invalid timeseries[0]: labels_refs reference 1 is out of range, the request has 0 symbols");
}

#[test]
fn an_odd_number_of_label_references_is_an_error() {
    let mut request = one_series_v2();
    request.timeseries[0].labels_refs.pop();
    let message = error(Protocol::V2, &request.encode_to_vec());
    assert_eq!(message, "invalid timeseries[0]: labels_refs holds 3 references, an odd number");
}

#[test]
fn invalid_symbols_refuse_only_the_series_using_them() {
    let mut request = one_series_v2();
    request.timeseries.push(request.timeseries[0].clone());
    request.symbols.push("x".into());
    request.timeseries[1].labels_refs[3] = 5;
    let mut bytes = request.encode_to_vec();
    // Turn the last symbol, "x", into an invalid byte.
    let position = bytes.iter().rposition(|&b| b == b'x').unwrap();
    bytes[position] = 0xfe;
    let (decoded, report) = decode(Protocol::V2, &bytes).unwrap();
    assert_eq!(decoded.len(), 1);
    assert_eq!(
        refusal(&report),
        "refused 1 series: series up{job=\"\u{fffd}\"}: value of label \"job\" is not valid UTF-8"
    );
}

#[test]
fn snappy_problems_come_before_decoding() {
    let series: Vec<SeriesData> = vec![(vec![("__name__".into(), "up".into())], vec![(1, 1.0)])];
    let body = encode::encode_v1(&series);
    let mut buffer = Vec::new();
    let too_large = decompress(&body, 4, &mut buffer).unwrap_err();
    assert_eq!(too_large.http_status(), 400);
    assert!(too_large.to_string().ends_with("exceeds the limit of 4 bytes"));
    let corrupt = decompress(&body[..body.len() - 2], 1 << 20, &mut buffer).unwrap_err();
    assert_eq!(corrupt.http_status(), 400);
    assert!(corrupt.to_string().starts_with("cannot decompress snappy body"));
}
