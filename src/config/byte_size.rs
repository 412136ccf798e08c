//! Byte sizes such as `body_size_limit: 10MB`, read as Prometheus reads them with
//! `units.ParseBase2Bytes` from alecthomas/units: every unit is a power of 1024, so
//! `KB` and `KiB` both mean 1024 bytes; a unit is required except for a bare `0`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

const PREFIXES: [&str; 7] = ["", "K", "M", "G", "T", "P", "E"];

/// A size in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize {
    bytes: u64,
}

/// Why a size string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a valid size ({reason})")]
pub struct ParseByteSizeError {
    text: String,
    reason: &'static str,
}

impl ByteSize {
    pub const ZERO: ByteSize = ByteSize { bytes: 0 };

    pub const fn from_bytes(bytes: u64) -> Self {
        ByteSize { bytes }
    }

    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    pub const fn is_zero(self) -> bool {
        self.bytes == 0
    }

    /// Parses a sequence of `<number><unit>` parts (`1GB512MB`, `1.5GiB`); a string
    /// must use one unit family, either `KiB, MiB, …` or `KB, MB, …`, plus `B`.
    pub fn parse(text: &str) -> Result<Self, ParseByteSizeError> {
        let fail = |reason| ParseByteSizeError { text: text.to_string(), reason };
        match text {
            "0" => return Ok(ByteSize::ZERO),
            "" => return Err(fail("empty")),
            _ => {}
        }
        if text.starts_with('-') {
            return Err(fail("must not be negative"));
        }
        let body = text.strip_prefix('+').unwrap_or(text);
        let total = sum_parts(body, "iB")
            .or_else(|| sum_parts(body, "B"))
            .ok_or_else(|| fail("use a number with a unit such as B, KB, MB, GB or KiB, MiB, GiB"))?;
        let bytes = u64::try_from(total).map_err(|_| fail("out of range"))?;
        Ok(ByteSize::from_bytes(bytes))
    }
}

/// Adds up `<number><unit>` parts whose units end in `suffix` (or are plain `B`);
/// `None` when any part does not fit that family. Whole numbers are summed exactly;
/// fractions of a byte are dropped, as upstream converts to an integer.
fn sum_parts(mut rest: &str, suffix: &str) -> Option<u128> {
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_length = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        let (number, after) = rest.split_at(number_length);
        let unit_length = after.bytes().take_while(|b| !b.is_ascii_digit() && *b != b'.').count();
        let (unit, after) = after.split_at(unit_length);
        let multiplier = unit_multiplier(unit, suffix)?;
        total = total.checked_add(part_bytes(number, multiplier)?)?;
        rest = after;
    }
    Some(total)
}

fn part_bytes(number: &str, multiplier: u128) -> Option<u128> {
    if !number.contains('.') {
        return number.parse::<u128>().ok()?.checked_mul(multiplier);
    }
    if number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let bytes = value * multiplier as f64;
    // 2^100 is far past u64 and still exact in f64, so larger means overflow.
    (bytes < 2f64.powi(100)).then_some(bytes as u128)
}

fn unit_multiplier(unit: &str, suffix: &str) -> Option<u128> {
    if unit == "B" {
        return Some(1);
    }
    let prefix = unit.strip_suffix(suffix)?;
    let power = PREFIXES.iter().skip(1).position(|candidate| *candidate == prefix)? + 1;
    Some(1024u128.pow(power as u32))
}

impl fmt::Display for ByteSize {
    /// Prints the exact size in binary units, largest first (`10MiB`, `1GiB512MiB`),
    /// as upstream's `Base2Bytes.String` does.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bytes == 0 {
            return formatter.write_str("0B");
        }
        let mut parts = Vec::new();
        let mut rest = self.bytes;
        for prefix in PREFIXES {
            let remainder = rest % 1024;
            if remainder != 0 {
                let unit = if prefix.is_empty() { "B".to_string() } else { format!("{prefix}iB") };
                parts.push(format!("{remainder}{unit}"));
            }
            rest /= 1024;
            if rest == 0 {
                break;
            }
        }
        parts.reverse();
        formatter.write_str(&parts.concat())
    }
}

impl FromStr for ByteSize {
    type Err = ParseByteSizeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ByteSize::parse(text)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ByteSizeVisitor)
    }
}

/// Accepts strings and integers; YAML reads `0` as a number.
struct ByteSizeVisitor;

impl Visitor<'_> for ByteSizeVisitor {
    type Value = ByteSize;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a size such as 512KB, 10MB or 1GiB")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
        ByteSize::parse(text).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<ByteSize, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<ByteSize, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<ByteSize, E> {
        self.visit_str(&number.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_unit_families_are_powers_of_1024() {
        let cases = [
            ("0", 0),
            ("1B", 1),
            ("1KB", 1024),
            ("1KiB", 1024),
            ("10MB", 10 << 20),
            ("1GiB", 1 << 30),
            ("1GB512MB", (1 << 30) + (512 << 20)),
            ("1.5KB", 1536),
            ("2TB", 2 << 40),
            ("1EB", 1 << 60),
        ];
        for (text, bytes) in cases {
            assert_eq!(ByteSize::parse(text).unwrap().bytes(), bytes, "{text}");
        }
    }

    #[test]
    fn rejects_missing_or_unknown_units() {
        for text in ["", "1024", "10kB", "10mb", "1GiB1MB", "-1MB", "MB", "1.2.3MB", "16EB"] {
            let error = ByteSize::parse(text).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{text:?} is not a valid size")), "{error}");
        }
    }

    #[test]
    fn prints_binary_units() {
        assert_eq!(ByteSize::parse("10MB").unwrap().to_string(), "10MiB");
        assert_eq!(ByteSize::parse("1GB512MB").unwrap().to_string(), "1GiB512MiB");
        assert_eq!(ByteSize::from_bytes(1025).to_string(), "1KiB1B");
        assert_eq!(ByteSize::ZERO.to_string(), "0B");
    }

    #[test]
    fn reads_yaml_zero_as_a_number() {
        let zero: ByteSize = serde_saphyr::from_str("0").unwrap();
        assert!(zero.is_zero());
        let size: ByteSize = serde_saphyr::from_str("100MB").unwrap();
        assert_eq!(size.bytes(), 100 << 20);
    }

    proptest! {
        #[test]
        fn display_parses_back(bytes in 0u64..(1u64 << 62)) {
            let size = ByteSize::from_bytes(bytes);
            prop_assert_eq!(ByteSize::parse(&size.to_string()).unwrap(), size);
        }
    }
}
