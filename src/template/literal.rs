//! Go literal syntax used inside actions: quoted strings and character
//! constants (strconv.Unquote) and numbers (parse/node.go `newNumber`
//! followed by exec.go `idealConstant`).

use super::ast::Number;

const SYNTAX: &str = "invalid syntax";

/// Go's `strconv.Unquote` for "interpreted" and `raw` strings.
pub(crate) fn unquote(quoted: &str) -> Result<String, String> {
    if let Some(raw) = quoted.strip_prefix('`').and_then(|s| s.strip_suffix('`')) {
        if raw.contains('`') {
            return Err(SYNTAX.into());
        }
        // Go drops carriage returns from raw strings.
        return Ok(raw.replace('\r', ""));
    }
    let body = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .filter(|_| quoted.len() >= 2)
        .ok_or_else(|| SYNTAX.to_string())?;
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let (bytes, tail) = unquote_one(rest, '"')?;
        out.extend_from_slice(&bytes);
        rest = tail;
    }
    // \x and octal escapes may form invalid UTF-8, which Rust strings
    // cannot hold; such bytes become U+FFFD.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The value of a character constant such as `'a'` or `'\n'`.
pub(crate) fn unquote_char(quoted: &str) -> Result<i64, String> {
    let body = quoted.strip_prefix('\'').ok_or_else(|| SYNTAX.to_string())?;
    let (bytes, tail) = unquote_one(body, '\'')?;
    if tail != "'" {
        return Err(format!("malformed character constant: {quoted}"));
    }
    let value = match std::str::from_utf8(&bytes) {
        Ok(s) if s.chars().count() == 1 => s.chars().next().map_or(0, |c| c as i64),
        _ if bytes.len() == 1 => i64::from(bytes[0]),
        _ => return Err(SYNTAX.into()),
    };
    Ok(value)
}

/// Decodes one character or escape at the start of `s` (Go's
/// `strconv.UnquoteChar`), returning its bytes and the remaining text.
fn unquote_one(s: &str, quote: char) -> Result<(Vec<u8>, &str), String> {
    let mut chars = s.chars();
    let c = chars.next().ok_or_else(|| SYNTAX.to_string())?;
    if c == quote || c == '\n' {
        return Err(SYNTAX.into());
    }
    if c != '\\' {
        return Ok((c.to_string().into_bytes(), chars.as_str()));
    }
    let e = chars.next().ok_or_else(|| SYNTAX.to_string())?;
    let rest = chars.as_str();
    let simple = |b: u8| Ok((vec![b], rest));
    match e {
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(11),
        '\\' => simple(b'\\'),
        '\'' | '"' if e == quote => simple(e as u8),
        'x' => hex_escape(rest, 2).map(|(v, tail)| (vec![v as u8], tail)),
        'u' | 'U' => {
            let (v, tail) = hex_escape(rest, if e == 'u' { 4 } else { 8 })?;
            let c = char::from_u32(v).ok_or_else(|| SYNTAX.to_string())?;
            Ok((c.to_string().into_bytes(), tail))
        }
        '0'..='7' => {
            let digits = s.get(1..4).ok_or_else(|| SYNTAX.to_string())?;
            let v = u32::from_str_radix(digits, 8).map_err(|_| SYNTAX.to_string())?;
            if v > 255 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(SYNTAX.into());
            }
            Ok((vec![v as u8], &s[4..]))
        }
        _ => Err(SYNTAX.into()),
    }
}

fn hex_escape(s: &str, len: usize) -> Result<(u32, &str), String> {
    let digits = s.get(..len).ok_or_else(|| SYNTAX.to_string())?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SYNTAX.into());
    }
    let v = u32::from_str_radix(digits, 16).map_err(|_| SYNTAX.to_string())?;
    Ok((v, &s[len..]))
}

/// Parses a number token and types it as Go's `idealConstant` would: a
/// float when written with `.`, `e` or `p` (hex integers and runes aside),
/// otherwise an int.
pub(crate) fn parse_number(text: &str) -> Result<Number, String> {
    if text.ends_with('i') {
        return Err(format!("complex constants are not supported: {text:?}"));
    }
    if text.contains('_') && !underscores_ok(text) {
        return Err(format!("illegal number syntax: {}", super::fmt::quote(text)));
    }
    let int = parse_int(text);
    let looks_float = !is_hex_int(text) && text.contains(['.', 'e', 'E', 'p', 'P']);
    match int {
        Some(IntValue::Signed(i)) if !looks_float => return Ok(Number::Int(i)),
        Some(IntValue::Unsigned) if !looks_float => return Ok(Number::Overflow),
        _ => {}
    }
    match parse_float(text) {
        Some(_) if !text.contains(['.', 'e', 'E', 'p', 'P']) => {
            Err(format!("integer overflow: {}", super::fmt::quote(text)))
        }
        Some(f) => Ok(Number::Float(f)),
        None => Err(format!("illegal number syntax: {}", super::fmt::quote(text))),
    }
}

fn is_hex_int(text: &str) -> bool {
    let t = text.trim_start_matches(['+', '-']);
    (t.starts_with("0x") || t.starts_with("0X")) && !t.contains(['p', 'P'])
}

enum IntValue {
    Signed(i64),
    /// Fits in u64 but not i64.
    Unsigned,
}

/// Go's `strconv.ParseInt(text, 0, 64)` / `ParseUint`: base prefixes,
/// a leading 0 for octal, underscores between digits.
fn parse_int(text: &str) -> Option<IntValue> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let clean = strip_underscores(digits)?;
    let magnitude = u128::from_str_radix(&clean, radix).ok()?;
    let signed = if negative { -(magnitude as i128) } else { magnitude as i128 };
    if let Ok(i) = i64::try_from(signed) {
        return Some(IntValue::Signed(i));
    }
    (!negative && magnitude <= u128::from(u64::MAX)).then_some(IntValue::Unsigned)
}

/// Digits without their underscores, which `underscores_ok` has vetted.
fn strip_underscores(digits: &str) -> Option<String> {
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    (!clean.is_empty() && clean.chars().all(|c| c.is_ascii_alphanumeric())).then_some(clean)
}

/// strconv's `underscoreOK`: underscores only between digits, or between a
/// base prefix and a digit.
fn underscores_ok(text: &str) -> bool {
    let s = text.trim_start_matches(['+', '-']).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat` for decimal and hexadecimal literals.
fn parse_float(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if let Some(hex) = unsigned.strip_prefix("0x").or(unsigned.strip_prefix("0X")) {
        parse_hex_float(hex)?
    } else {
        let clean: String = unsigned.chars().filter(|&c| c != '_').collect();
        if clean.is_empty() || !clean.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        clean.parse::<f64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `1.8p3` (after the 0x): hex mantissa times a power of two.
fn parse_hex_float(text: &str) -> Option<f64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (mantissa, exponent) = clean.split_once(['p', 'P'])?;
    let exponent: i32 = exponent.parse().ok()?;
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in whole.chars().chain(frac.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let frac_bits = i32::try_from(frac.len()).ok()?.checked_mul(4)?;
    Some(value * 2f64.powi(exponent - frac_bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> String {
        match parse_number(text) {
            Ok(Number::Int(i)) => format!("int {i}"),
            Ok(Number::Float(f)) => format!("float {f}"),
            Ok(Number::Overflow) => "overflow".into(),
            Err(e) => format!("error {e}"),
        }
    }

    #[test]
    fn numbers_typed_like_go() {
        let cases = [
            ("42", "int 42"),
            ("-7", "int -7"),
            ("0x1F", "int 31"),
            ("0o17", "int 15"),
            ("017", "int 15"),
            ("0b101", "int 5"),
            ("1_000_000", "int 1000000"),
            ("0x_ff", "int 255"),
            ("1.5", "float 1.5"),
            ("1e3", "float 1000"),
            (".5", "float 0.5"),
            ("0x1p-2", "float 0.25"),
            ("18446744073709551615", "overflow"),
            ("99999999999999999999", "error integer overflow: \"99999999999999999999\""),
            ("1__0", "error illegal number syntax: \"1__0\""),
            ("089", "error integer overflow: \"089\""),
            ("1i", "error complex constants are not supported: \"1i\""),
        ];
        for (text, want) in cases {
            assert_eq!(number(text), want, "{text}");
        }
    }

    #[test]
    fn unquote_handles_go_escapes() {
        assert_eq!(unquote(r#""a\tb\n""#).unwrap(), "a\tb\n");
        assert_eq!(unquote(r#""\x41\101\u00e9\U0001F600""#).unwrap(), "AAé😀");
        assert_eq!(unquote(r#""say \"hi\"""#).unwrap(), "say \"hi\"");
        assert_eq!(unquote("`raw\\n\r`").unwrap(), "raw\\n");
        assert_eq!(unquote(r#""\'""#).unwrap_err(), "invalid syntax");
        assert_eq!(unquote(r#""\q""#).unwrap_err(), "invalid syntax");
    }

    #[test]
    fn char_constants_are_ints() {
        assert_eq!(unquote_char("'a'").unwrap(), 97);
        assert_eq!(unquote_char(r"'\n'").unwrap(), 10);
        assert_eq!(unquote_char(r"'\''").unwrap(), 39);
        assert_eq!(unquote_char("'é'").unwrap(), 233);
        assert!(unquote_char("'ab'").is_err());
    }
}
