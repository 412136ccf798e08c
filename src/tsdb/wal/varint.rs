//! Varints as Go's `encoding/binary` writes them (LEB128 unsigned, zigzag
//! signed, at most 10 bytes), and a bounds-checked cursor that decodes record
//! payloads without ever panicking.

use super::error::Error;

/// The longest encoding of a u64: ten groups of seven bits.
const MAX_VARINT_LENGTH: usize = 10;

pub(crate) fn put_uvarint(buffer: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buffer.push(value as u8 | 0x80);
        value >>= 7;
    }
    buffer.push(value as u8);
}

pub(crate) fn put_varint(buffer: &mut Vec<u8>, value: i64) {
    put_uvarint(buffer, zigzag_encode(value));
}

/// Maps small magnitudes of either sign to small unsigned numbers.
pub(crate) fn zigzag_encode(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub(crate) fn zigzag_decode(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// A read position in a payload; every read checks the bounds and names what
/// it was reading when it fails.
pub(crate) struct Decoder<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(bytes: &'a [u8], position: usize) -> Self {
        Decoder { bytes, position }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.position >= self.bytes.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }

    pub(crate) fn position(&self) -> usize {
        self.position
    }

    pub(crate) fn uvarint(&mut self, what: &str) -> Result<u64, Error> {
        let start = self.position;
        let mut value: u64 = 0;
        for index in 0..MAX_VARINT_LENGTH {
            let Some(&byte) = self.bytes.get(start + index) else {
                return Err(Error::malformed(start, format!("truncated varint in {what}")));
            };
            // The tenth byte may only carry the single top bit of a u64.
            if index == MAX_VARINT_LENGTH - 1 && byte > 1 {
                break;
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                self.position = start + index + 1;
                return Ok(value);
            }
        }
        Err(Error::malformed(start, format!("varint in {what} overflows 64 bits")))
    }

    pub(crate) fn varint(&mut self, what: &str) -> Result<i64, Error> {
        self.uvarint(what).map(zigzag_decode)
    }

    pub(crate) fn u64_le(&mut self, what: &str) -> Result<u64, Error> {
        let bytes = self.bytes(8, what)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }

    pub(crate) fn bytes(&mut self, length: usize, what: &str) -> Result<&'a [u8], Error> {
        if length > self.remaining() {
            let problem = format!("{what} of {length} bytes runs past the end ({} bytes left)", self.remaining());
            return Err(Error::malformed(self.position, problem));
        }
        let slice = &self.bytes[self.position..self.position + length];
        self.position += length;
        Ok(slice)
    }

    /// A uvarint length followed by that many bytes of UTF-8.
    pub(crate) fn string(&mut self, what: &str) -> Result<String, Error> {
        let start = self.position;
        let length = self.uvarint(what)?;
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        let bytes = self.bytes(length, what)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => Err(Error::malformed(start, format!("{what} is not valid UTF-8"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uvarint_matches_go_encoding() {
        let mut buffer = Vec::new();
        put_uvarint(&mut buffer, 300);
        assert_eq!(buffer, [0xac, 0x02]);
        buffer.clear();
        put_uvarint(&mut buffer, u64::MAX);
        assert_eq!(buffer.len(), MAX_VARINT_LENGTH);
        assert_eq!(buffer[9], 1);
    }

    #[test]
    fn zigzag_interleaves_signs() {
        assert_eq!(zigzag_encode(0), 0);
        assert_eq!(zigzag_encode(-1), 1);
        assert_eq!(zigzag_encode(1), 2);
        assert_eq!(zigzag_encode(i64::MIN), u64::MAX);
    }

    #[test]
    fn truncated_varint_is_an_error() {
        let mut decoder = Decoder::new(&[0x80, 0x80], 0);
        let error = decoder.uvarint("series ref").unwrap_err();
        assert_eq!(error.to_string(), "malformed wal record at byte 0: truncated varint in series ref");
    }

    #[test]
    fn overlong_varint_is_an_error() {
        let bytes = [0xff; 11];
        assert!(Decoder::new(&bytes, 0).uvarint("x").unwrap_err().to_string().contains("overflows"));
        let mut tenth_too_big = [0xff; 10];
        tenth_too_big[9] = 0x02;
        assert!(Decoder::new(&tenth_too_big, 0).uvarint("x").is_err());
    }

    #[test]
    fn string_rejects_bad_utf8_and_short_input() {
        assert!(Decoder::new(&[2, 0xc3, 0x28], 0).string("label name").unwrap_err().to_string().contains("UTF-8"));
        assert!(Decoder::new(&[5, b'a'], 0).string("label name").unwrap_err().to_string().contains("runs past"));
        assert_eq!(Decoder::new(&[2, 0xc3, 0xa9], 0).string("label name").unwrap(), "é");
    }

    proptest! {
        #[test]
        fn varints_round_trip(unsigned: u64, signed: i64) {
            let mut buffer = Vec::new();
            put_uvarint(&mut buffer, unsigned);
            put_varint(&mut buffer, signed);
            let mut decoder = Decoder::new(&buffer, 0);
            prop_assert_eq!(decoder.uvarint("a").unwrap(), unsigned);
            prop_assert_eq!(decoder.varint("b").unwrap(), signed);
            prop_assert!(decoder.is_empty());
        }
    }
}
