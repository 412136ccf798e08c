//! Number formatting as Go's strconv and fmt do it: `%g` with shortest
//! digits and the exponent switch at 1e+06 / 1e-05, `%e` with a two-digit
//! exponent, `+Inf`/`NaN`, sign and zero padding rules.

use super::Spec;

/// Decimal digits of |v| without trailing zeros, and the position of the
/// decimal point relative to them (Go's `decimalSlice`: value =
/// 0.DIGITS × 10^dp).
struct Digits {
    digits: Vec<u8>,
    dp: i32,
}

/// `significant == None` asks for the shortest digits that round-trip.
fn digits(v: f64, significant: Option<usize>) -> Digits {
    let v = v.abs();
    if v == 0.0 {
        return Digits { digits: Vec::new(), dp: 0 };
    }
    // Rust prints correctly rounded (half to even) digits, as Go does.
    let text = match significant {
        Some(n) => format!("{:.*e}", n.saturating_sub(1), v),
        None => format!("{v:e}"),
    };
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    let exponent: i32 = exponent.parse().unwrap_or(0);
    Digits { digits, dp: exponent + 1 }
}

fn fmt_e(d: &Digits, prec: usize, upper: bool) -> String {
    let mut out = String::new();
    out.push(d.digits.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.digits.get(i).map_or('0', |&c| c as char));
        }
    }
    out.push(if upper { 'E' } else { 'e' });
    let exp = if d.digits.is_empty() { 0 } else { d.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.unsigned_abs()));
    out
}

fn fmt_f(d: &Digits, prec: usize) -> String {
    let mut out = String::new();
    if d.dp > 0 {
        for i in 0..d.dp as usize {
            out.push(d.digits.get(i).map_or('0', |&c| c as char));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i32 {
            let j = d.dp + i - 1;
            let c = usize::try_from(j).ok().and_then(|j| d.digits.get(j));
            out.push(c.map_or('0', |&c| c as char));
        }
    }
    out
}

/// Go's `strconv.FormatFloat(v, verb, prec, 64)`; `prec < 0` means
/// shortest. Negative numbers carry their '-'.
pub(crate) fn format_float(v: f64, verb: char, prec: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    let body = match verb {
        'e' | 'E' if prec >= 0 => {
            let d = digits(v, Some(prec as usize + 1));
            fmt_e(&d, prec as usize, verb == 'E')
        }
        'f' | 'F' if prec >= 0 => format!("{:.*}", prec as usize, v.abs()),
        'e' | 'E' => {
            let d = digits(v, None);
            fmt_e(&d, d.digits.len().saturating_sub(1), verb == 'E')
        }
        'f' | 'F' => {
            let d = digits(v, None);
            fmt_f(&d, (d.digits.len() as i32 - d.dp).max(0) as usize)
        }
        _ => format_g(v, prec, verb == 'G'),
    };
    format!("{sign}{body}")
}

fn format_g(v: f64, prec: i32, upper: bool) -> String {
    let shortest = prec < 0;
    let d = if shortest { digits(v, None) } else { digits(v, Some(prec.max(1) as usize)) };
    let nd = d.digits.len() as i32;
    let mut prec = if shortest { nd } else { prec.max(1) };
    let mut eprec = prec;
    if eprec > nd && nd >= d.dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = d.dp - 1;
    if exp < -4 || exp >= eprec {
        prec = prec.min(nd);
        return fmt_e(&d, (prec - 1).max(0) as usize, upper);
    }
    if prec > d.dp {
        prec = nd;
    }
    fmt_f(&d, (prec - d.dp).max(0) as usize)
}

/// `%v`/`%g` of a float with fmt's flags: sign, space, zero padding.
pub(crate) fn fmt_float(spec: &Spec, v: f64, verb: char, default_prec: i32) -> String {
    let prec = spec.prec.map_or(default_prec, |p| p as i32);
    let num = format_float(v, verb, prec);
    let (sign, digits) = match num.strip_prefix('-') {
        Some(rest) => ('-', rest.to_string()),
        None => ('+', num.trim_start_matches('+').to_string()),
    };
    let sign = if spec.space && sign == '+' && !spec.plus { ' ' } else { sign };
    if v.is_infinite() || v.is_nan() {
        // Not padded with zeros; NaN shows a sign only when asked.
        let text = if v.is_nan() && !spec.space && !spec.plus { digits } else { format!("{sign}{digits}") };
        return spec.pad_spaces(&text);
    }
    if spec.plus || sign != '+' {
        let len = digits.chars().count() + 1;
        if spec.zero && !spec.minus && spec.width.is_some_and(|w| w > len) {
            let zeros = "0".repeat(spec.width.unwrap_or(0) - len);
            return format!("{sign}{zeros}{digits}");
        }
        return spec.pad(&format!("{sign}{digits}"));
    }
    spec.pad(&digits)
}

/// Go's `fmtInteger`: base, precision as minimum digits, `#` prefixes,
/// zero padding after the sign.
pub(crate) fn fmt_integer(spec: &Spec, v: i64, base: u32, verb: char) -> String {
    let negative = v < 0;
    let magnitude = v.unsigned_abs();
    let mut prec = 0usize;
    if let Some(p) = spec.prec {
        if p == 0 && magnitude == 0 {
            return spec.pad_spaces("");
        }
        prec = p;
    } else if let Some(width) = spec.width.filter(|_| spec.zero && !spec.minus) {
        prec = width.saturating_sub(usize::from(negative || spec.plus || spec.space));
    }
    let mut digits = match base {
        2 => format!("{magnitude:b}"),
        8 => format!("{magnitude:o}"),
        16 if verb == 'X' => format!("{magnitude:X}"),
        16 => format!("{magnitude:x}"),
        _ => magnitude.to_string(),
    };
    if digits.len() < prec {
        digits = format!("{}{digits}", "0".repeat(prec - digits.len()));
    }
    if spec.sharp {
        match base {
            2 => digits.insert_str(0, "0b"),
            8 if !digits.starts_with('0') => digits.insert(0, '0'),
            16 => digits.insert_str(0, if verb == 'X' { "0X" } else { "0x" }),
            _ => {}
        }
    }
    if verb == 'O' {
        digits.insert_str(0, "0o");
    }
    if negative {
        digits.insert(0, '-');
    } else if spec.plus {
        digits.insert(0, '+');
    } else if spec.space {
        digits.insert(0, ' ');
    }
    spec.pad_spaces(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_g_matches_go() {
        let cases = [
            (0.1, "0.1"),
            (1000000.0, "1e+06"),
            (100000.0, "100000"),
            (123456789.0, "1.23456789e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.0, "0"),
            (-2.5, "-2.5"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
            (1e21, "1e+21"),
        ];
        for (v, want) in cases {
            assert_eq!(format_float(v, 'g', -1), want, "{v}");
        }
    }

    #[test]
    fn precision_formats_match_go() {
        let cases = [
            (1234.5678, 'g', 4, "1235"),
            (12345.0, 'g', 4, "1.234e+04"),
            (100.0, 'g', 4, "100"),
            (0.5, 'g', 4, "0.5"),
            (0.0, 'g', 4, "0"),
            (1.2345, 'g', 4, "1.234"),
            (12.345, 'g', 4, "12.35"),
            (1.23456, 'f', 2, "1.23"),
            (2.5, 'f', 0, "2"),
            (1234.5678, 'e', 2, "1.23e+03"),
            (0.000123, 'e', 3, "1.230e-04"),
            (0.0, 'e', 1, "0.0e+00"),
        ];
        for (v, verb, prec, want) in cases {
            assert_eq!(format_float(v, verb, prec), want, "{v} {verb} {prec}");
        }
    }
}
