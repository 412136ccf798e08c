//! Byte-level building blocks of the block files: LEB128 varints (as Go's
//! `encoding/binary` and Prometheus' `tsdb/encoding`), zigzag signed varints,
//! big-endian fixed-width integers, and CRC-checked sections.

use super::error::Malformed;
use crate::series::chunk::{zigzag_decode, zigzag_encode};

pub fn put_uvarint(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push(value as u8 | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

pub fn put_varint(buf: &mut Vec<u8>, value: i64) {
    put_uvarint(buf, zigzag_encode(value));
}

pub fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_uvarint(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

/// Reads from a byte slice; every read checks bounds and names what it read
/// when the bytes run out.
#[derive(Clone, Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes, position: 0 }
    }

    pub fn position(&self) -> usize {
        self.position
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    pub fn uvarint(&mut self, what: &str) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8(what)?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(Malformed::new(format!("{what}: varint longer than 10 bytes")))
    }

    pub fn varint(&mut self, what: &str) -> Result<i64, Malformed> {
        self.uvarint(what).map(zigzag_decode)
    }

    /// A uvarint that must fit in `u32` (counts, symbol references).
    pub fn uvarint32(&mut self, what: &str) -> Result<u32, Malformed> {
        let value = self.uvarint(what)?;
        u32::try_from(value).map_err(|_| Malformed::new(format!("{what}: {value} exceeds 32 bits")))
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, Malformed> {
        Ok(self.bytes(1, what)?[0])
    }

    pub fn u32(&mut self, what: &str) -> Result<u32, Malformed> {
        let bytes = self.bytes(4, what)?;
        Ok(u32::from_be_bytes(bytes.try_into().expect("4 bytes")))
    }

    pub fn u64(&mut self, what: &str) -> Result<u64, Malformed> {
        let bytes = self.bytes(8, what)?;
        Ok(u64::from_be_bytes(bytes.try_into().expect("8 bytes")))
    }

    pub fn bytes(&mut self, count: usize, what: &str) -> Result<&'a [u8], Malformed> {
        if count > self.remaining() {
            return Err(Malformed::new(format!(
                "{what}: needs {count} bytes at offset {}, only {} left",
                self.position,
                self.remaining()
            )));
        }
        let slice = &self.bytes[self.position..self.position + count];
        self.position += count;
        Ok(slice)
    }

    /// A uvarint length followed by that many UTF-8 bytes.
    pub fn str(&mut self, what: &str) -> Result<&'a str, Malformed> {
        let length = self.uvarint(what)? as usize;
        let bytes = self.bytes(length, what)?;
        std::str::from_utf8(bytes).map_err(|_| Malformed::new(format!("{what}: not valid UTF-8")))
    }
}

/// The bytes around a section's payload: its length (u64) before it, its
/// CRC32 (IEEE polynomial) after it.
pub fn section_frame(payload: &[u8]) -> ([u8; 8], [u8; 4]) {
    ((payload.len() as u64).to_be_bytes(), crc32fast::hash(payload).to_be_bytes())
}

/// Reads the section starting at `offset` of `file`, checking its CRC.
pub fn read_section<'a>(file: &'a [u8], offset: u64, name: &str) -> Result<&'a [u8], Malformed> {
    let start = usize::try_from(offset).ok().filter(|&o| o <= file.len());
    let start = start.ok_or_else(|| Malformed::new(format!("section {name}: offset {offset} beyond the file end")))?;
    let mut decoder = Decoder::new(&file[start..]);
    let length = decoder.u64(&format!("section {name} length"))?;
    let length = usize::try_from(length).map_err(|_| Malformed::new(format!("section {name}: length {length}")))?;
    let payload = decoder.bytes(length, &format!("section {name}"))?;
    let stored = decoder.u32(&format!("section {name} checksum"))?;
    let computed = crc32fast::hash(payload);
    if stored != computed {
        return Err(Malformed::new(format!(
            "section {name} at offset {offset}: checksum mismatch (stored {stored:08x}, computed {computed:08x})"
        )));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn varints_round_trip(unsigned in any::<u64>(), signed in any::<i64>()) {
            let mut buf = Vec::new();
            put_uvarint(&mut buf, unsigned);
            put_varint(&mut buf, signed);
            let mut decoder = Decoder::new(&buf);
            prop_assert_eq!(decoder.uvarint("u").unwrap(), unsigned);
            prop_assert_eq!(decoder.varint("s").unwrap(), signed);
            prop_assert_eq!(decoder.remaining(), 0);
        }
    }

    #[test]
    fn short_input_names_what_was_being_read() {
        let mut decoder = Decoder::new(&[0x80]);
        let error = decoder.uvarint("series count").unwrap_err();
        assert!(error.0.contains("series count"), "{error}");
    }

    #[test]
    fn section_checksum_detects_a_flipped_byte() {
        let (length, checksum) = section_frame(b"hello");
        let mut file = vec![0u8; 3];
        file.extend_from_slice(&length);
        file.extend_from_slice(b"hello");
        file.extend_from_slice(&checksum);
        assert_eq!(read_section(&file, 3, "test").unwrap(), b"hello");
        file[12] ^= 1;
        let error = read_section(&file, 3, "test").unwrap_err();
        assert!(error.0.contains("checksum mismatch"), "{error}");
    }
}
