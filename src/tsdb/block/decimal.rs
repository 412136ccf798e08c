//! The decimal transcoding: how blocks store float samples whose values are
//! all short decimals (counters, gauges of integers or cents — most of
//! node_exporter). Like VictoriaMetrics' `lib/encoding` (decimal mantissas,
//! delta coding, then zstd), values become integers `m` with `v = m / 10^e`,
//! stored as varint deltas or delta-of-deltas, timestamps as varint
//! delta-of-deltas. Byte-aligned runs of small numbers are what zstd
//! compresses well, unlike Gorilla's bit stream. Decoding is bit-exact:
//! samples are only transcoded when every value divides back to its own bits.

use super::encoding::{Decoder, put_uvarint};
use super::error::Malformed;
use super::integers::{put_integers, read_integers};
use crate::series::Sample;

/// Largest decimal exponent tried; 10^e stays exact in an f64 up to 22.
const MAX_EXPONENT: u8 = 15;

/// Largest mantissa: far enough below 2^53 that `round(v * 10^e)` finds the
/// mantissa despite the multiplication's rounding.
const MAX_MANTISSA: f64 = (1u64 << 50) as f64;

const POWERS_OF_TEN: [f64; MAX_EXPONENT as usize + 1] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// The smallest exponent at which every value is a short decimal and the
/// timestamps strictly increase; none when some value is not (NaN,
/// infinities, -0.0, or more digits than fit).
pub fn exponent(samples: &[Sample]) -> Option<u8> {
    if samples.is_empty() || !strictly_increasing(samples) {
        return None;
    }
    common_exponent(samples)
}

/// Whether every value is exact at `exponent` (a larger exponent can push a
/// mantissa past the limit).
pub fn fits(samples: &[Sample], exponent: u8) -> bool {
    samples.iter().all(|s| mantissa(s.v, exponent).is_some())
}

/// Set on the exponent byte when the stream takes its timestamp offsets from
/// an earlier record instead of storing them.
pub const SHARED_TIMESTAMPS: u8 = 0x80;

/// Where the earlier record holding a stream's timestamp offsets is: its
/// chunk page and offset in that page.
pub type SharedRef = (u32, u32);

/// Appends the stream for `samples`, which [`exponent`] and [`fits`]
/// accepted at `exponent`: the exponent, the timestamps as offsets from the
/// first (which the caller keeps) or where an earlier record has the same
/// offsets, and the value mantissas, each differenced in the mode that suits
/// them.
pub fn encode(samples: &[Sample], exponent: u8, shared: Option<SharedRef>, out: &mut Vec<u8>) {
    let mantissas = mantissas(samples, exponent).expect("caller checked the samples fit");
    match shared {
        None => {
            out.push(exponent);
            put_integers(out, &timestamp_offsets(samples));
        }
        Some((page, offset)) => {
            out.push(exponent | SHARED_TIMESTAMPS);
            put_uvarint(out, u64::from(page));
            put_uvarint(out, u64::from(offset));
        }
    }
    put_integers(out, &mantissas);
}

/// Each timestamp minus the first.
pub fn timestamp_offsets(samples: &[Sample]) -> Vec<i64> {
    let first = samples[0].t;
    samples.iter().map(|s| s.t.wrapping_sub(first)).collect()
}

/// Whether timestamps increase without overflowing a delta, which decoding
/// relies on to reject garbage.
fn strictly_increasing(samples: &[Sample]) -> bool {
    samples.windows(2).all(|pair| pair[1].t.checked_sub(pair[0].t).is_some_and(|delta| delta > 0))
}

/// The smallest exponent at which every value is an exact decimal.
fn common_exponent(samples: &[Sample]) -> Option<u8> {
    let mut exponent = 0;
    for sample in samples {
        while mantissa(sample.v, exponent).is_none() {
            exponent += 1;
            if exponent > MAX_EXPONENT {
                return None;
            }
        }
    }
    Some(exponent)
}

fn mantissas(samples: &[Sample], exponent: u8) -> Option<Vec<i64>> {
    samples.iter().map(|s| mantissa(s.v, exponent)).collect()
}

/// The integer `m` with `m / 10^exponent == value` bit for bit, if any.
fn mantissa(value: f64, exponent: u8) -> Option<i64> {
    let scaled = (value * POWERS_OF_TEN[exponent as usize]).round();
    // NaN and infinities fail here too.
    if scaled.abs().partial_cmp(&MAX_MANTISSA) != Some(std::cmp::Ordering::Less) {
        return None;
    }
    let m = scaled as i64;
    (to_float(m, exponent).to_bits() == value.to_bits()).then_some(m)
}

/// IEEE division of two exact doubles is correctly rounded, so this equals
/// parsing the decimal `m e-exponent`.
fn to_float(mantissa: i64, exponent: u8) -> f64 {
    mantissa as f64 / POWERS_OF_TEN[exponent as usize]
}

/// Timestamps as offsets from the first (which the caller keeps): with
/// scrape jitter, deltas vary less than delta-of-deltas, so both are tried.
/// Reads `count` samples written by [`encode`] from the start of `bytes`,
/// the first at `first_time`; `shared` gives the timestamp offsets of the
/// record at a [`SharedRef`].
pub fn decode(
    bytes: &[u8],
    count: usize,
    first_time: i64,
    shared: impl FnOnce(SharedRef) -> Result<Vec<i64>, Malformed>,
) -> Result<Vec<Sample>, Malformed> {
    if count == 0 {
        return Err(Malformed::new("decimal run without samples"));
    }
    let mut decoder = Decoder::new(bytes);
    let (exponent, is_shared) = read_exponent(&mut decoder)?;
    let offsets = if is_shared {
        let page = decoder.uvarint32("shared timestamps page")?;
        let offset = decoder.uvarint32("shared timestamps offset")?;
        let offsets = shared((page, offset))?;
        if offsets.len() != count {
            let problem =
                format!("decimal run of {count} samples shares the {} timestamps at {page}:{offset}", offsets.len());
            return Err(Malformed::new(problem));
        }
        offsets
    } else {
        read_integers(&mut decoder, count)?
    };
    let timestamps = to_timestamps(offsets, first_time)?;
    // The stream ends with its last value; what follows belongs to the next record.
    let mantissas = read_integers(&mut decoder, count)?;
    Ok(timestamps.into_iter().zip(mantissas).map(|(t, m)| Sample::new(t, to_float(m, exponent))).collect())
}

/// The timestamp offsets of a stream of `count` samples that stores its
/// own (a stream sharing another's cannot be shared: no chains, no loops).
pub fn own_offsets(bytes: &[u8], count: usize) -> Result<Vec<i64>, Malformed> {
    let mut decoder = Decoder::new(bytes);
    if read_exponent(&mut decoder)?.1 {
        return Err(Malformed::new("decimal run shares the timestamps of a run that shares its own"));
    }
    read_integers(&mut decoder, count)
}

fn read_exponent(decoder: &mut Decoder) -> Result<(u8, bool), Malformed> {
    let byte = decoder.u8("decimal exponent")?;
    let exponent = byte & !SHARED_TIMESTAMPS;
    if exponent > MAX_EXPONENT {
        return Err(Malformed::new(format!("decimal exponent {exponent} above {MAX_EXPONENT}")));
    }
    Ok((exponent, byte & SHARED_TIMESTAMPS != 0))
}

fn to_timestamps(offsets: Vec<i64>, first_time: i64) -> Result<Vec<i64>, Malformed> {
    if offsets[0] != 0 {
        return Err(Malformed::new("decimal run: first timestamp offset is not zero"));
    }
    if let Some(position) = offsets.windows(2).position(|pair| pair[1] <= pair[0]) {
        return Err(Malformed::new(format!("decimal run: timestamps do not increase at sample {}", position + 1)));
    }
    Ok(offsets.into_iter().map(|offset| first_time.wrapping_add(offset)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::stale_nan;
    use proptest::prelude::*;

    fn unshared(at: SharedRef) -> Result<Vec<i64>, Malformed> {
        panic!("the stream has its own timestamps, yet asked for those at {at:?}")
    }

    #[test]
    fn a_stream_can_take_its_timestamps_from_another() {
        let first = samples(&[1.0, 2.0, 3.0]);
        let second: Vec<Sample> = first.iter().map(|s| Sample::new(s.t + 7, s.v * 10.0)).collect();
        let mut own = Vec::new();
        encode(&first, 0, None, &mut own);
        let mut shared = Vec::new();
        encode(&second, 0, Some((2, 40)), &mut shared);
        assert!(shared.len() < own.len());
        let lookup = |at: SharedRef| {
            assert_eq!(at, (2, 40));
            own_offsets(&own, 3)
        };
        assert_eq!(decode(&shared, 3, second[0].t, lookup).unwrap(), second);
        assert!(own_offsets(&shared, 3).is_err(), "no chains of shared timestamps");
        assert!(decode(&shared, 2, second[0].t, |_| own_offsets(&own, 3)).is_err());
    }

    fn samples(values: &[f64]) -> Vec<Sample> {
        values.iter().enumerate().map(|(i, &v)| Sample::new(1_000_000 + i as i64 * 15_000, v)).collect()
    }

    fn round_trip(input: &[Sample]) -> Option<Vec<Sample>> {
        let exponent = exponent(input)?;
        let mut out = Vec::new();
        encode(input, exponent, None, &mut out);
        Some(decode(&out, input.len(), input[0].t, unshared).unwrap())
    }

    #[test]
    fn short_decimals_round_trip_bit_exactly() {
        let input = samples(&[0.1, 0.2, 1234.56, -7.0, 1e12, 0.0, 0.003]);
        assert_eq!(exponent(&input), Some(3));
        assert_eq!(round_trip(&input).unwrap(), input);
    }

    #[test]
    fn values_that_are_not_short_decimals_are_refused() {
        for bad in [f64::NAN, stale_nan(), f64::INFINITY, -0.0, std::f64::consts::PI, 1e300, 0.1 + 0.2] {
            assert_eq!(exponent(&samples(&[1.0, bad])), None, "{bad}");
        }
        let unordered = vec![Sample::new(2, 1.0), Sample::new(1, 1.0)];
        assert_eq!(exponent(&unordered), None);
    }

    #[test]
    fn a_larger_exponent_can_stop_fitting() {
        let big = samples(&[1e14]);
        assert!(fits(&big, 0) && !fits(&big, 3));
    }

    #[test]
    fn a_steady_counter_takes_two_bytes_a_sample_before_zstd() {
        let values: Vec<f64> = (0..120).map(|i| 1000.0 + 250.0 * i as f64).collect();
        let input = samples(&values);
        let mut out = Vec::new();
        encode(&input, exponent(&input).unwrap(), None, &mut out);
        assert!(out.len() <= 120 * 2 + 16, "{} bytes", out.len());
        // Almost all of them are zero delta-of-deltas, which zstd removes.
        let compressed = zstd::bulk::compress(&out, 3).unwrap();
        assert!(compressed.len() < 40, "{} bytes compressed", compressed.len());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let input = samples(&[1.0, 2.0, 3.0]);
        let mut out = Vec::new();
        encode(&input, 0, None, &mut out);
        assert!(decode(&out[..out.len() - 1], 3, 0, unshared).is_err());
        assert!(decode(&out, 4, 0, unshared).is_err());
        assert!(decode(&out, 0, 0, unshared).is_err());
        assert!(decode(&[99], 1, 0, unshared).is_err());
    }

    proptest! {
        #[test]
        fn any_decimal_series_round_trips(
            start in any::<i32>(),
            points in proptest::collection::vec((1i64..1_000_000, -1_000_000_000i64..1_000_000_000, 0u8..6), 1..200),
        ) {
            let mut t = start as i64;
            let input: Vec<Sample> = points.iter().map(|&(step, m, e)| {
                t += step;
                Sample::new(t, m as f64 / POWERS_OF_TEN[e as usize])
            }).collect();
            // -0.0 cannot occur: m == 0 gives +0.0.
            prop_assert_eq!(round_trip(&input).unwrap(), input);
        }

        #[test]
        fn arbitrary_floats_round_trip_or_are_refused(values in proptest::collection::vec(any::<f64>(), 1..50)) {
            let input = samples(&values);
            if let Some(output) = round_trip(&input) {
                prop_assert_eq!(output, input);
            }
        }
    }
}
