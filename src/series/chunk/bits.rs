//! Big-endian bit streams for the Gorilla chunk encoding.

/// Appends bits, most significant first.
#[derive(Clone, Debug, Default)]
pub struct BitWriter {
    pub(crate) bytes: Vec<u8>,
    /// Bits still free in the last byte (0 means a new byte is needed).
    free: u8,
}

impl BitWriter {
    pub fn from_bytes(bytes: Vec<u8>, free: u8) -> Self {
        BitWriter { bytes, free }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn free_bits(&self) -> u8 {
        self.free
    }

    pub fn write_bit(&mut self, bit: bool) {
        if self.free == 0 {
            self.bytes.push(0);
            self.free = 8;
        }
        if bit {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 1 << (self.free - 1);
        }
        self.free -= 1;
    }

    /// Writes the low `count` bits of `value`, most significant first.
    pub fn write_bits(&mut self, value: u64, count: u8) {
        let mut remaining = count;
        while remaining > 0 {
            if self.free == 0 {
                self.bytes.push(0);
                self.free = 8;
            }
            let take = remaining.min(self.free);
            let shift = remaining - take;
            let chunk = ((value >> shift) & ((1u64 << take) - 1)) as u8;
            let last = self.bytes.len() - 1;
            self.bytes[last] |= chunk << (self.free - take);
            self.free -= take;
            remaining -= take;
        }
    }

    pub fn write_byte(&mut self, byte: u8) {
        self.write_bits(byte as u64, 8);
    }
}

/// Reads bits written by [`BitWriter`].
#[derive(Clone, Debug)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    /// Position in bits from the start.
    position: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader { bytes, position: 0 }
    }

    pub fn byte_position(&self) -> usize {
        self.position.div_ceil(8)
    }

    pub fn read_bit(&mut self) -> Option<bool> {
        let byte = *self.bytes.get(self.position / 8)?;
        let bit = byte & (0x80 >> (self.position % 8)) != 0;
        self.position += 1;
        Some(bit)
    }

    pub fn read_bits(&mut self, count: u8) -> Option<u64> {
        if self.position + count as usize > self.bytes.len() * 8 {
            return None;
        }
        let mut value = 0u64;
        let mut remaining = count;
        while remaining > 0 {
            let byte = self.bytes[self.position / 8];
            let offset = (self.position % 8) as u8;
            let available = 8 - offset;
            let take = remaining.min(available);
            let bits = (byte >> (available - take)) & ((1u16 << take) - 1) as u8;
            value = (value << take) | bits as u64;
            self.position += take as usize;
            remaining -= take;
        }
        Some(value)
    }

    pub fn read_uvarint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.read_bits(8)?;
            value |= (byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    pub fn read_varint(&mut self) -> Option<i64> {
        self.read_uvarint().map(zigzag_decode)
    }
}

pub fn zigzag_encode(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub fn zigzag_decode(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

pub fn write_uvarint(writer: &mut BitWriter, mut value: u64) {
    while value >= 0x80 {
        writer.write_byte((value as u8) | 0x80);
        value >>= 7;
    }
    writer.write_byte(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn bits_round_trip(values in proptest::collection::vec((any::<u64>(), 1u8..=64), 0..50)) {
            let mut writer = BitWriter::default();
            for &(v, n) in &values {
                writer.write_bits(v, n);
            }
            let mut reader = BitReader::new(writer.bytes());
            for &(v, n) in &values {
                let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                prop_assert_eq!(reader.read_bits(n), Some(v & mask));
            }
        }

        #[test]
        fn varints_round_trip(v in any::<i64>()) {
            let mut writer = BitWriter::default();
            write_uvarint(&mut writer, zigzag_encode(v));
            let mut reader = BitReader::new(writer.bytes());
            prop_assert_eq!(reader.read_varint(), Some(v));
        }
    }
}
