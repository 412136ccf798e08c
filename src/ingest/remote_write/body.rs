//! The request body's compression: Content-Encoding must be `snappy` (block
//! format, as both remote write specs require); a missing header is taken as
//! snappy, as Prometheus' write handler does for old 1.0 senders; anything
//! else is 415. Decompression checks the length the body announces against
//! the limit before allocating, and reuses the caller's buffer.

use super::Error;

/// The one content coding remote write uses.
pub const SNAPPY: &str = "snappy";

/// Checks the Content-Encoding header value (`None` when absent). The header
/// is a comma-separated list (RFC 9110 §8.4) whose codings are
/// case-insensitive; empty elements are ignored.
pub fn check_content_encoding(header: Option<&[u8]>) -> Result<(), Error> {
    let Some(header) = header else {
        return Ok(());
    };
    let mut codings = header.split(|&byte| byte == b',').map(<[u8]>::trim_ascii).filter(|c| !c.is_empty());
    match (codings.next(), codings.next()) {
        (None, _) => Ok(()),
        (Some(coding), None) if coding.eq_ignore_ascii_case(SNAPPY.as_bytes()) => Ok(()),
        _ => Err(Error::UnsupportedEncoding(String::from_utf8_lossy(header).into_owned())),
    }
}

/// Decompresses a snappy (block format) body into `scratch`, refusing one
/// that announces more than `max_decoded` bytes before allocating anything.
/// `scratch` only grows, so a pooled buffer stops allocating once warm.
pub fn decompress<'s>(body: &[u8], max_decoded: usize, scratch: &'s mut Vec<u8>) -> Result<&'s [u8], Error> {
    let length = snap::raw::decompress_len(body).map_err(Error::Snappy)?;
    if length > max_decoded {
        return Err(Error::TooLarge { length, limit: max_decoded });
    }
    if scratch.len() < length {
        scratch.resize(length, 0);
    }
    let output = &mut scratch[..length];
    let written = snap::raw::Decoder::new().decompress(body, output).map_err(Error::Snappy)?;
    Ok(&scratch[..written])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(raw: &[u8]) -> Vec<u8> {
        snap::raw::Encoder::new().compress_vec(raw).unwrap()
    }

    #[test]
    fn snappy_or_nothing_is_accepted() {
        for header in [None, Some(""), Some("snappy"), Some(" Snappy "), Some("SNAPPY,"), Some(", snappy")] {
            assert!(check_content_encoding(header.map(str::as_bytes)).is_ok(), "{header:?}");
        }
    }

    #[test]
    fn other_encodings_are_unsupported_media_types() {
        for header in ["gzip", "identity", "snappy, gzip", "zstd", "x-snappy-framed"] {
            let error = check_content_encoding(Some(header.as_bytes())).unwrap_err();
            assert_eq!(error.http_status(), 415);
            assert_eq!(error.to_string(), format!("unsupported content encoding {header:?}: only snappy is accepted"));
        }
    }

    #[test]
    fn decompresses_into_a_reused_buffer() {
        let mut scratch = Vec::new();
        let first = b"a first, longer body".repeat(10);
        assert_eq!(decompress(&compress(&first), 1000, &mut scratch).unwrap(), &first[..]);
        let capacity = scratch.capacity();
        assert_eq!(decompress(&compress(b"short"), 1000, &mut scratch).unwrap(), b"short");
        assert_eq!(scratch.capacity(), capacity);
    }

    #[test]
    fn oversized_bodies_are_refused_before_allocating() {
        // A preamble announcing 2 GiB, followed by nothing.
        let body = [0x80, 0x80, 0x80, 0x80, 0x08];
        let mut scratch = Vec::new();
        let error = decompress(&body, 1 << 20, &mut scratch).unwrap_err();
        assert_eq!(error.http_status(), 400);
        assert_eq!(error.to_string(), "decompressed body of 2147483648 bytes exceeds the limit of 1048576 bytes");
        assert_eq!(scratch.capacity(), 0);
    }

    #[test]
    fn corrupt_bodies_are_bad_requests() {
        let mut body = compress(&b"some body that compresses: abcabcabcabcabcabc".repeat(4));
        let last = body.len() - 1;
        body.truncate(last);
        let mut scratch = Vec::new();
        for corrupt in [&body[..], &[][..], &[0x05, 0xff][..]] {
            let error = decompress(corrupt, 1000, &mut scratch).unwrap_err();
            assert_eq!(error.http_status(), 400);
            assert!(error.to_string().starts_with("cannot decompress snappy body: snappy: "), "{error}");
        }
    }
}
