//! A minimal protobuf wire-format reader that borrows from its input, for the
//! hand-written remote write decoders. Follows the protobuf encoding spec
//! (https://protobuf.dev/programming-guides/encoding/): unknown fields of any
//! wire type, groups included, are skipped; a known field with the wrong
//! wire type is an error, as in prost and gogo/protobuf.

use std::fmt;

/// Groups nested deeper than this are refused rather than followed, so that a
/// hostile body cannot make skipping unbounded work (prost uses the same limit).
const MAX_GROUP_DEPTH: u32 = 100;

/// How a field's value is laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireType {
    Varint,
    Fixed64,
    Len,
    StartGroup,
    EndGroup,
    Fixed32,
}

impl WireType {
    fn from_bits(bits: u8) -> Option<WireType> {
        Some(match bits {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            3 => WireType::StartGroup,
            4 => WireType::EndGroup,
            5 => WireType::Fixed32,
            _ => return None,
        })
    }
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireType::Varint => "varint",
            WireType::Fixed64 => "64-bit",
            WireType::Len => "length-delimited",
            WireType::StartGroup => "start-group",
            WireType::EndGroup => "end-group",
            WireType::Fixed32 => "32-bit",
        })
    }
}

/// What is wrong with the bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireProblem {
    #[error("varint runs past the end of the message")]
    TruncatedVarint,
    #[error("varint is longer than 64 bits")]
    VarintOverflow,
    #[error("{needed} bytes needed but only {remaining} remain")]
    Truncated { needed: u64, remaining: usize },
    #[error("invalid wire type {0}")]
    InvalidWireType(u8),
    #[error("invalid field number {0}")]
    InvalidFieldNumber(u64),
    #[error("field {field} has wire type {found}, expected {expected}")]
    WrongWireType { field: u32, expected: WireType, found: WireType },
    #[error("end of group {found} without a matching start")]
    UnexpectedEndGroup { found: u32 },
    #[error("group {0} is not closed")]
    UnclosedGroup(u32),
    #[error("groups nested deeper than {MAX_GROUP_DEPTH}")]
    GroupTooDeep,
}

/// A problem at a byte offset of the whole decoded body, with the path of
/// the field it was found in (e.g. `timeseries[3].samples[0]`), which is
/// built only once an error happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub offset: usize,
    pub problem: WireProblem,
    /// Innermost first.
    path: Vec<(&'static str, usize)>,
}

impl WireError {
    fn new(offset: usize, problem: WireProblem) -> Self {
        WireError { offset, problem, path: Vec::new() }
    }

    /// Adds the enclosing repeated field and the element's index to the path.
    pub fn within(mut self, field: &'static str, index: usize) -> Self {
        self.path.push((field, index));
        self
    }

    /// The field path, outermost first, e.g. `timeseries[3].labels[0]`.
    pub fn path(&self) -> String {
        let parts: Vec<String> = self.path.iter().rev().map(|(f, i)| format!("{f}[{i}]")).collect();
        parts.join(".")
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}", self.offset)?;
        if !self.path.is_empty() {
            write!(f, " in {}", self.path())?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for WireError {}

/// A field key: number and wire type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub field: u32,
    pub wire_type: WireType,
}

/// Reads one message's bytes front to back.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where `buf` starts in the whole body, for error offsets.
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0, base: 0 }
    }

    /// A reader over a nested message found at `base` in the whole body.
    pub fn nested(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The offset in the whole body of the next byte to read.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn error(&self, problem: WireProblem) -> WireError {
        WireError::new(self.offset(), problem)
    }

    pub fn varint(&mut self) -> Result<u64, WireError> {
        // Most varints on this path (keys, lengths, small refs) are one byte.
        if let Some(&byte) = self.buf.get(self.pos) {
            if byte < 0x80 {
                self.pos += 1;
                return Ok(u64::from(byte));
            }
        }
        self.varint_slow()
    }

    fn varint_slow(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for index in 0..10 {
            let Some(&byte) = self.buf.get(self.pos + index) else {
                return Err(self.error(WireProblem::TruncatedVarint));
            };
            // The tenth byte may only carry the 64th bit.
            if index == 9 && byte > 1 {
                return Err(self.error(WireProblem::VarintOverflow));
            }
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte < 0x80 {
                self.pos += index + 1;
                return Ok(value);
            }
        }
        Err(self.error(WireProblem::VarintOverflow))
    }

    /// The next field key, or an error for field number 0 or wire types 6 and 7.
    pub fn key(&mut self) -> Result<Key, WireError> {
        let start = self.pos;
        let raw = self.varint()?;
        let field = raw >> 3;
        if field == 0 || field > u64::from(u32::MAX >> 3) {
            self.pos = start;
            return Err(self.error(WireProblem::InvalidFieldNumber(field)));
        }
        let bits = (raw & 7) as u8;
        let Some(wire_type) = WireType::from_bits(bits) else {
            self.pos = start;
            return Err(self.error(WireProblem::InvalidWireType(bits)));
        };
        Ok(Key { field: field as u32, wire_type })
    }

    /// Checks that a known field came with the wire type its schema gives it.
    pub fn expect(&self, key: Key, expected: WireType) -> Result<(), WireError> {
        if key.wire_type == expected {
            return Ok(());
        }
        let problem = WireProblem::WrongWireType { field: key.field, expected, found: key.wire_type };
        Err(self.error(problem))
    }

    fn take(&mut self, length: u64) -> Result<&'a [u8], WireError> {
        let remaining = self.buf.len() - self.pos;
        if length > remaining as u64 {
            return Err(self.error(WireProblem::Truncated { needed: length, remaining }));
        }
        let bytes = &self.buf[self.pos..self.pos + length as usize];
        self.pos += length as usize;
        Ok(bytes)
    }

    /// A length-delimited value, borrowed from the input.
    pub fn bytes(&mut self) -> Result<&'a [u8], WireError> {
        let length = self.varint()?;
        self.take(length)
    }

    /// A length-delimited nested message, as a reader that reports offsets in
    /// the whole body.
    pub fn message(&mut self) -> Result<Reader<'a>, WireError> {
        let length = self.varint()?;
        let base = self.offset();
        Ok(Reader::nested(self.take(length)?, base))
    }

    pub fn fixed64(&mut self) -> Result<u64, WireError> {
        let bytes = self.take(8)?;
        let array: [u8; 8] = bytes.try_into().expect("take returned 8 bytes");
        Ok(u64::from_le_bytes(array))
    }

    pub fn double(&mut self) -> Result<f64, WireError> {
        self.fixed64().map(f64::from_bits)
    }

    /// Skips the value of a field that the decoder does not use.
    pub fn skip(&mut self, key: Key) -> Result<(), WireError> {
        match key.wire_type {
            WireType::Varint => self.varint().map(drop),
            WireType::Fixed64 => self.take(8).map(drop),
            WireType::Fixed32 => self.take(4).map(drop),
            WireType::Len => self.bytes().map(drop),
            WireType::StartGroup => self.skip_group(key.field),
            WireType::EndGroup => Err(self.error(WireProblem::UnexpectedEndGroup { found: key.field })),
        }
    }

    /// Skips a group's fields up to the end-group key matching `field`,
    /// keeping a stack of open groups instead of recursing.
    fn skip_group(&mut self, field: u32) -> Result<(), WireError> {
        let mut open = vec![field];
        while let Some(&innermost) = open.last() {
            if self.is_empty() {
                return Err(self.error(WireProblem::UnclosedGroup(innermost)));
            }
            let key = self.key()?;
            match key.wire_type {
                WireType::StartGroup if open.len() as u32 >= MAX_GROUP_DEPTH => {
                    return Err(self.error(WireProblem::GroupTooDeep));
                }
                WireType::StartGroup => open.push(key.field),
                WireType::EndGroup if key.field == innermost => {
                    open.pop();
                }
                WireType::EndGroup => {
                    return Err(self.error(WireProblem::UnexpectedEndGroup { found: key.field }));
                }
                _ => self.skip(key)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_varint(mut value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
        out
    }

    #[test]
    fn varints_round_trip_at_every_length() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX - 1, u64::MAX] {
            let bytes = encode_varint(value);
            let mut reader = Reader::new(&bytes);
            assert_eq!(reader.varint(), Ok(value));
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn truncated_and_overlong_varints_are_errors() {
        let mut reader = Reader::new(&[0x80, 0x80]);
        assert_eq!(reader.varint().unwrap_err().problem, WireProblem::TruncatedVarint);
        let overlong = [0xff; 10];
        let mut reader = Reader::new(&overlong);
        assert_eq!(reader.varint().unwrap_err().problem, WireProblem::VarintOverflow);
        let eleven = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00];
        let mut reader = Reader::new(&eleven);
        assert_eq!(reader.varint().unwrap_err().problem, WireProblem::VarintOverflow);
    }

    #[test]
    fn keys_reject_field_zero_and_wire_types_six_and_seven() {
        assert_eq!(Reader::new(&[0x02]).key().unwrap_err().problem, WireProblem::InvalidFieldNumber(0));
        assert_eq!(Reader::new(&[0x0e]).key().unwrap_err().problem, WireProblem::InvalidWireType(6));
        assert_eq!(Reader::new(&[0x0f]).key().unwrap_err().problem, WireProblem::InvalidWireType(7));
        assert_eq!(Reader::new(&[0x0a]).key(), Ok(Key { field: 1, wire_type: WireType::Len }));
    }

    #[test]
    fn length_past_end_names_the_sizes() {
        let mut reader = Reader::new(&[0x05, b'a', b'b']);
        let error = reader.bytes().unwrap_err();
        assert_eq!(error.problem, WireProblem::Truncated { needed: 5, remaining: 2 });
        assert_eq!(error.to_string(), "at byte 1: 5 bytes needed but only 2 remain");
    }

    #[test]
    fn skips_every_wire_type_including_nested_groups() {
        // field 1 varint, field 2 fixed64, field 3 bytes, field 4 group holding
        // field 5 group holding field 6 fixed32, then field 7 varint.
        let mut bytes = vec![0x08, 0x96, 0x01, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a, 2, b'h', b'i'];
        bytes.extend([0x23, 0x2b, 0x35, 1, 2, 3, 4, 0x2c, 0x24, 0x38, 0x2a]);
        let mut reader = Reader::new(&bytes);
        let mut fields = Vec::new();
        while !reader.is_empty() {
            let key = reader.key().unwrap();
            fields.push(key.field);
            if key.field == 7 {
                assert_eq!(reader.varint(), Ok(42));
            } else {
                reader.skip(key).unwrap();
            }
        }
        assert_eq!(fields, vec![1, 2, 3, 4, 7]);
    }

    #[test]
    fn unbalanced_groups_are_errors() {
        let mismatched = [0x23, 0x2c];
        let mut reader = Reader::new(&mismatched);
        let key = reader.key().unwrap();
        assert_eq!(reader.skip(key).unwrap_err().problem, WireProblem::UnexpectedEndGroup { found: 5 });
        let unclosed = [0x23, 0x08, 0x01];
        let mut reader = Reader::new(&unclosed);
        let key = reader.key().unwrap();
        assert_eq!(reader.skip(key).unwrap_err().problem, WireProblem::UnclosedGroup(4));
        let mut reader = Reader::new(&[0x24]);
        let key = reader.key().unwrap();
        assert_eq!(reader.skip(key).unwrap_err().problem, WireProblem::UnexpectedEndGroup { found: 4 });
    }

    #[test]
    fn deep_groups_are_refused() {
        let bytes = vec![0x0b; 200];
        let mut reader = Reader::new(&bytes);
        let key = reader.key().unwrap();
        assert_eq!(reader.skip(key).unwrap_err().problem, WireProblem::GroupTooDeep);
    }

    #[test]
    fn nested_readers_report_offsets_in_the_whole_body() {
        let bytes = [0x0a, 0x03, 0x08, 0x80, 0x80];
        let mut outer = Reader::new(&bytes);
        outer.key().unwrap();
        let mut inner = outer.message().unwrap();
        inner.key().unwrap();
        let error = inner.varint().unwrap_err().within("samples", 2).within("timeseries", 7);
        assert_eq!(error.offset, 3);
        assert_eq!(error.to_string(), "at byte 3 in timeseries[7].samples[2]: varint runs past the end of the message");
    }
}
