//! Implicit YAML types as go-yaml v3 resolves plain scalars (YAML 1.2 core
//! schema: only `true`/`false` spellings are booleans, `0x`/`0o`/`0b` and
//! leading-zero octal integers, underscores ignored in numbers). Used where
//! the type shows: `int` fields and "cannot unmarshal !!tag" messages.

use super::yaml::Scalar;

/// The implicit type go-yaml v3 resolves a scalar to (YAML 1.2 core schema,
/// without timestamps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool,
    Int(i128),
    Float(f64),
    Str,
}

pub(crate) fn tag(scalar: &Scalar) -> &'static str {
    match resolve(scalar) {
        Resolved::Null => "!!null",
        Resolved::Bool => "!!bool",
        Resolved::Int(_) => "!!int",
        Resolved::Float(_) => "!!float",
        Resolved::Str => "!!str",
    }
}

pub(crate) fn resolve(scalar: &Scalar) -> Resolved {
    if !scalar.plain {
        return Resolved::Str;
    }
    let text = scalar.text.as_str();
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return Resolved::Bool,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    if !text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) {
        return Resolved::Str;
    }
    let plain = text.replace('_', "");
    if let Some(value) = parse_go_int(&plain) {
        return Resolved::Int(value);
    }
    if is_yaml_float(&plain) {
        if let Ok(value) = plain.parse::<f64>() {
            return Resolved::Float(value);
        }
    }
    Resolved::Str
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)`: optional sign,
/// then `0x`, `0o`, `0b` or a leading `0` (octal) prefix.
fn parse_go_int(text: &str) -> Option<i128> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(body) = lower.strip_prefix("0x") {
        (16, body)
    } else if let Some(body) = lower.strip_prefix("0o") {
        (8, body)
    } else if let Some(body) = lower.strip_prefix("0b") {
        (2, body)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()? as i128;
    match negative {
        true if magnitude <= 1 << 63 => Some(-magnitude),
        true => None,
        false => Some(magnitude),
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(index) => (&text[..index], Some(&text[index + 1..])),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_scalars_as_go_yaml_v3() {
        let plain = |text: &str| resolve(&Scalar { text: text.into(), plain: true });
        assert_eq!(plain("~"), Resolved::Null);
        assert_eq!(plain("True"), Resolved::Bool);
        assert_eq!(plain("yes"), Resolved::Str);
        assert_eq!(plain("017"), Resolved::Int(15));
        assert_eq!(plain("0o17"), Resolved::Int(15));
        assert_eq!(plain("-0x10"), Resolved::Int(-16));
        assert_eq!(plain("1e3"), Resolved::Float(1000.0));
        assert_eq!(plain(".5"), Resolved::Float(0.5));
        assert_eq!(plain("1.2.3"), Resolved::Str);
        assert_eq!(plain("5m"), Resolved::Str);
        assert_eq!(resolve(&Scalar { text: "5".into(), plain: false }), Resolved::Str);
    }
}
