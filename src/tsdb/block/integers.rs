//! Integer series of the decimal transcoding (timestamp offsets, value
//! mantissas): differenced in the mode that suits them (deltas for gauges
//! and noisy counters, delta-of-deltas for steady counters, residuals from a
//! straight line for jittered timestamps), then stored as a sequence:
//! divided by the greatest common divisor (byte counts in 4 KiB pages,
//! timestamps in whole seconds), as zigzag varints (left to zstd: best for
//! small or repetitive numbers) or bit-packed with a frame of reference (best
//! for noise spread over many values, which zstd's byte-wise entropy coder
//! handles poorly), whichever is estimated smaller.

use super::encoding::{Decoder, put_uvarint, put_varint};
use super::error::Malformed;
use crate::series::chunk::zigzag_encode;

const VARINTS: u8 = 0;
const PACKED: u8 = 1;

/// How a series of integers is turned into small numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The first value, then differences of consecutive values.
    Delta = 0,
    /// The first value and difference, then differences of differences.
    DeltaOfDelta = 1,
    /// The first value and a step, then each value's distance from
    /// `first + i * step`.
    Linear = 2,
}

/// Appends `values` (at least one; the reader must know how many) in the
/// mode estimated smallest.
pub fn put_integers(out: &mut Vec<u8>, values: &[i64]) {
    let deltas = differences(values);
    let delta_of_deltas = differences(&deltas);
    let step = median(&deltas[1..]);
    let residuals: Vec<i64> = (1..values.len()).map(|i| values[i].wrapping_sub(line(values[0], step, i))).collect();
    let candidates = [
        (Mode::Delta, estimated_size(&deltas[1..])),
        (Mode::DeltaOfDelta, estimated_size(delta_of_deltas.get(2..).unwrap_or(&[])) + 2.0),
        (Mode::Linear, estimated_size(&residuals) + 2.0),
    ];
    let (mode, _) =
        candidates.into_iter().fold((Mode::Delta, f64::INFINITY), |best, c| if c.1 < best.1 { c } else { best });
    out.push(mode as u8);
    put_varint(out, values[0]);
    match mode {
        Mode::Delta => put_sequence(out, &deltas[1..]),
        Mode::DeltaOfDelta if values.len() > 1 => {
            put_varint(out, deltas[1]);
            put_sequence(out, &delta_of_deltas[2..]);
        }
        Mode::Linear if values.len() > 1 => {
            put_varint(out, step);
            put_sequence(out, &residuals);
        }
        _ => {}
    }
}

/// Reads `count` (at least one) values written by [`put_integers`].
pub fn read_integers(decoder: &mut Decoder, count: usize) -> Result<Vec<i64>, Malformed> {
    let mode = decoder.u8("integers mode")?;
    let first = decoder.varint("first integer")?;
    let mut values = vec![first];
    values.reserve(count.min(decoder.remaining() * 8));
    match mode {
        0 => values.extend(read_sequence(decoder, count - 1)?),
        1 | 2 if count == 1 => {}
        1 => {
            let mut delta_of_deltas = vec![decoder.varint("first delta")?];
            delta_of_deltas.extend(read_sequence(decoder, count - 2)?);
            values.extend(running_sum(&delta_of_deltas));
        }
        2 => {
            let step = decoder.varint("step")?;
            let residuals = read_sequence(decoder, count - 1)?;
            let points = residuals.iter().enumerate().map(|(i, r)| line(first, step, i + 1).wrapping_add(*r));
            return Ok(std::iter::once(first).chain(points).collect());
        }
        other => return Err(Malformed::new(format!("unknown integers mode {other}"))),
    }
    Ok(running_sum(&values))
}

fn line(first: i64, step: i64, i: usize) -> i64 {
    first.wrapping_add(step.wrapping_mul(i as i64))
}

fn median(values: &[i64]) -> i64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

/// The first value followed by the differences of consecutive values.
fn differences(values: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(values.len());
    let mut previous = 0i64;
    for &value in values {
        out.push(value.wrapping_sub(previous));
        previous = value;
    }
    out
}

fn running_sum(values: &[i64]) -> Vec<i64> {
    let mut sum = 0i64;
    values
        .iter()
        .map(|&v| {
            sum = sum.wrapping_add(v);
            sum
        })
        .collect()
}

/// Appends `values` (the reader must know how many); nothing when empty.
fn put_sequence(out: &mut Vec<u8>, values: &[i64]) {
    if values.is_empty() {
        return;
    }
    let divisor = common_divisor(values);
    let scaled: Vec<i64> = values.iter().map(|&v| v / divisor).collect();
    let varints = varint_bytes(&scaled);
    let (reference, width) = frame(&scaled);
    let packed_length = packed_length(scaled.len(), width) + 2;
    let packed = (packed_length as f64) < estimated_compressed(&varints);
    out.push(if packed { PACKED } else { VARINTS });
    put_uvarint(out, divisor as u64);
    if packed {
        put_varint(out, reference);
        out.push(width);
        put_packed(out, &scaled, reference, width);
    } else {
        out.extend_from_slice(&varints);
    }
}

/// About how many bytes `values` take once stored and compressed, to choose
/// between ways of differencing them.
fn estimated_size(values: &[i64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let divisor = common_divisor(values);
    let scaled: Vec<i64> = values.iter().map(|&v| v / divisor).collect();
    let (_, width) = frame(&scaled);
    estimated_compressed(&varint_bytes(&scaled)).min(packed_length(scaled.len(), width) as f64)
}

/// The greatest common divisor of the values (1 when all are zero).
fn common_divisor(values: &[i64]) -> i64 {
    let divisor = values.iter().fold(0u64, |g, &v| gcd(g, v.unsigned_abs()));
    if divisor == 0 || divisor > i64::MAX as u64 { 1 } else { divisor as i64 }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn varint_bytes(values: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 2);
    for &value in values {
        put_uvarint(&mut out, zigzag_encode(value));
    }
    out
}

/// Order-0 entropy of the bytes (what zstd's Huffman stage approaches),
/// with the Miller–Madow correction since short inputs look less random
/// than they are; in bytes.
fn estimated_compressed(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let total = bytes.len() as f64;
    let mut bits = 0.0;
    let mut distinct = 0;
    for &count in counts.iter().filter(|&&c| c > 0) {
        let p = count as f64 / total;
        bits -= p * p.log2();
        distinct += 1;
    }
    bits += (distinct - 1) as f64 / (2.0 * total * std::f64::consts::LN_2);
    bits * total / 8.0
}

/// The smallest value and the bits needed for the largest distance from it.
fn frame(values: &[i64]) -> (i64, u8) {
    let min = *values.iter().min().expect("not empty");
    let max = *values.iter().max().expect("not empty");
    let range = (max as u64).wrapping_sub(min as u64);
    (min, (64 - range.leading_zeros()) as u8)
}

fn packed_length(count: usize, width: u8) -> usize {
    (count * width as usize).div_ceil(8)
}

/// Values minus the reference, `width` bits each, least significant first.
fn put_packed(out: &mut Vec<u8>, values: &[i64], reference: i64, width: u8) {
    let mut accumulator = 0u128;
    let mut bits = 0u32;
    for &value in values {
        let offset = (value as u64).wrapping_sub(reference as u64);
        accumulator |= u128::from(offset) << bits;
        bits += u32::from(width);
        while bits >= 8 {
            out.push(accumulator as u8);
            accumulator >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push(accumulator as u8);
    }
}

/// Reads `count` values written by [`put_sequence`].
fn read_sequence(decoder: &mut Decoder, count: usize) -> Result<Vec<i64>, Malformed> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let form = decoder.u8("sequence form")?;
    let divisor = decoder.uvarint("sequence divisor")?;
    if divisor == 0 || divisor > i64::MAX as u64 {
        return Err(Malformed::new(format!("sequence divisor {divisor}")));
    }
    let values = match form {
        VARINTS => (0..count).map(|_| decoder.varint("sequence value")).collect::<Result<Vec<_>, _>>()?,
        PACKED => read_packed(decoder, count)?,
        other => return Err(Malformed::new(format!("unknown sequence form {other}"))),
    };
    Ok(values.into_iter().map(|v| v.wrapping_mul(divisor as i64)).collect())
}

fn read_packed(decoder: &mut Decoder, count: usize) -> Result<Vec<i64>, Malformed> {
    let reference = decoder.varint("packed reference")?;
    let width = decoder.u8("packed width")?;
    if width > 64 {
        return Err(Malformed::new(format!("packed width {width} above 64")));
    }
    let bytes = decoder.bytes(packed_length(count, width), "packed values")?;
    let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    let mut values = Vec::with_capacity(count);
    let (mut accumulator, mut bits, mut next) = (0u128, 0u32, 0usize);
    for _ in 0..count {
        while bits < u32::from(width) {
            accumulator |= u128::from(bytes[next]) << bits;
            next += 1;
            bits += 8;
        }
        let offset = accumulator as u64 & mask;
        accumulator >>= width;
        bits -= u32::from(width);
        values.push(reference.wrapping_add(offset as i64));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(values: &[i64]) -> (Vec<i64>, Vec<u8>) {
        let mut out = Vec::new();
        put_sequence(&mut out, values);
        let mut decoder = Decoder::new(&out);
        let read = read_sequence(&mut decoder, values.len()).unwrap();
        assert_eq!(decoder.remaining(), 0);
        (read, out)
    }

    #[test]
    fn noise_is_packed_and_multiples_are_divided() {
        let noise: Vec<i64> = (0..200).map(|i| (i * 7919 % 401) - 200).collect();
        let (read, out) = round_trip(&noise);
        assert_eq!(read, noise);
        assert_eq!(out[0], PACKED);
        assert!(out.len() <= 200 * 9 / 8 + 6, "{} bytes", out.len());
        let pages: Vec<i64> = noise.iter().map(|v| v * 4096).collect();
        let (read, paged) = round_trip(&pages);
        assert_eq!(read, pages);
        assert!(paged.len() <= out.len() + 2, "{} bytes", paged.len());
    }

    #[test]
    fn rare_spikes_stay_varints() {
        let mut values = vec![0i64; 200];
        values[50] = 1 << 40;
        let (read, out) = round_trip(&values);
        assert_eq!(read, values);
        assert_eq!(out[0], VARINTS);
    }

    #[test]
    fn extremes_round_trip() {
        for values in [vec![i64::MIN, i64::MAX], vec![i64::MIN], vec![0, 0, 0], vec![-1, 1, i64::MIN, 5]] {
            assert_eq!(round_trip(&values).0, values);
        }
    }

    #[test]
    fn truncated_input_is_an_error() {
        let values: Vec<i64> = (0..100).map(|i| i * 37 % 100).collect();
        let mut out = Vec::new();
        put_sequence(&mut out, &values);
        assert!(read_sequence(&mut Decoder::new(&out[..out.len() - 1]), values.len()).is_err());
        assert!(read_sequence(&mut Decoder::new(&[7, 1]), 3).is_err());
        assert!(read_sequence(&mut Decoder::new(&[1, 1, 0, 65]), 3).is_err());
    }

    fn integers_round_trip(values: &[i64]) -> Vec<i64> {
        let mut out = Vec::new();
        put_integers(&mut out, values);
        let mut decoder = Decoder::new(&out);
        let read = read_integers(&mut decoder, values.len()).unwrap();
        assert_eq!(decoder.remaining(), 0);
        read
    }

    #[test]
    fn each_mode_is_chosen_where_it_fits() {
        let mode = |values: &[i64]| {
            let mut out = Vec::new();
            put_integers(&mut out, values);
            out[0]
        };
        let steady: Vec<i64> = (0..100).map(|i| 1_000_000 + i * i * 5).collect();
        let mut state = 12345u64;
        let mut jitter = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as i64 % 5 - 2
        };
        let jittered: Vec<i64> = (0..100).map(|i| i * 15_000 + jitter()).collect();
        let gauge: Vec<i64> = (0..100).map(|i| 500 + (i * 31 % 7) - 3).collect();
        assert_eq!(mode(&steady), Mode::DeltaOfDelta as u8);
        assert_eq!(mode(&jittered), Mode::Linear as u8);
        assert_eq!(mode(&gauge), Mode::Delta as u8);
        for values in [steady, jittered, gauge] {
            assert_eq!(integers_round_trip(&values), values);
        }
    }

    proptest! {
        #[test]
        fn any_integers_round_trip(values in prop::collection::vec(prop_oneof![any::<i64>(), -300i64..300], 1..300)) {
            prop_assert_eq!(integers_round_trip(&values), values);
        }

        #[test]
        fn any_sequence_round_trips(values in prop::collection::vec(prop_oneof![any::<i64>(), -300i64..300], 0..300)) {
            prop_assert_eq!(round_trip(&values).0, values);
        }

        #[test]
        fn scaled_sequences_round_trip(values in prop::collection::vec(-1000i64..1000, 1..300), scale in 1i64..100_000) {
            let scaled: Vec<i64> = values.iter().map(|v| v * scale).collect();
            prop_assert_eq!(round_trip(&scaled).0, scaled);
        }
    }
}
