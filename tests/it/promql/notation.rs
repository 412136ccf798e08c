//! The series notation of PromQL test files, as upstream's
//! `parser.ParseSeriesDesc` and `model.ParseDuration`: `name{label="value"}`
//! followed by expanding values (`1 2+3x2 _x3 stale {{...}}`), and durations
//! such as `1h30m`.

use sonde::series::stale_nan;

/// One point of a series description, at index i of its series.
#[derive(Clone, Debug)]
pub enum Point {
    Value(f64),
    /// `_`: no sample at this step.
    Omitted,
    /// A native histogram, kept as written (Sonde does not store them yet).
    Histogram(String),
}

impl PartialEq for Point {
    /// Bitwise on values so that NaN and the stale marker compare as written.
    fn eq(&self, other: &Point) -> bool {
        match (self, other) {
            (Point::Value(a), Point::Value(b)) => a.to_bits() == b.to_bits(),
            (Point::Omitted, Point::Omitted) => true,
            (Point::Histogram(a), Point::Histogram(b)) => a == b,
            _ => false,
        }
    }
}

/// Label pairs as written (unsorted; the metric name as `__name__`).
pub type LabelPairs = Vec<(String, String)>;

/// Parses `<series> <points>`.
pub fn parse_series(line: &str) -> Result<(LabelPairs, Vec<Point>), String> {
    let (labels, rest) = parse_metric(line)?;
    Ok((labels, parse_points(rest)?))
}

/// Parses a load line, which may be `<series>@st <start timestamps>` (the
/// experimental start-timestamp notation); true when it is.
pub fn parse_load_series(line: &str) -> Result<(LabelPairs, Vec<Point>, bool), String> {
    let (labels, rest) = parse_metric(line)?;
    match rest.strip_prefix("@st") {
        Some(rest) => Ok((labels, parse_points(rest)?, true)),
        None => Ok((labels, parse_points(rest)?, false)),
    }
}

/// A duration as Prometheus writes them: `0`, or `<n><unit>` parts in
/// decreasing order of y, w, d, h, m, s, ms.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("ms", 1),
        ("m", 60_000),
        ("s", 1000),
    ];
    const ORDER: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    if text == "0" {
        return Ok(0);
    }
    let (mut rest, mut total, mut last_rank) = (text, 0i64, None::<usize>);
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let number: i64 = rest[..digits].parse().map_err(|_| format!("invalid duration {text:?}"))?;
        rest = &rest[digits..];
        let (unit, scale) = UNITS
            .iter()
            .find(|(unit, _)| rest.starts_with(unit))
            .ok_or_else(|| format!("invalid duration {text:?}"))?;
        let rank = ORDER.iter().position(|u| u == unit).unwrap_or(0);
        if last_rank.is_some_and(|last| rank <= last) {
            return Err(format!("invalid duration {text:?}: units out of order"));
        }
        last_rank = Some(rank);
        total = number.checked_mul(*scale).and_then(|v| v.checked_add(total)).ok_or("duration overflows")?;
        rest = &rest[unit.len()..];
    }
    match last_rank {
        Some(_) => Ok(total),
        None => Err(format!("invalid duration {text:?}")),
    }
}

/// A number as the PromQL lexer reads one: decimal, hex, `Inf`, `NaN`, or
/// a duration (in seconds), with an optional sign.
pub fn parse_number(text: &str) -> Result<f64, String> {
    let (sign, body) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    let lower = body.to_ascii_lowercase();
    let magnitude = if lower == "inf" || lower == "+inf" {
        f64::INFINITY
    } else if lower == "nan" {
        f64::NAN
    } else if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).map_err(|_| format!("invalid number {text:?}"))? as f64
    } else if body.starts_with(|c: char| c.is_ascii_digit() || c == '.') && !lower.contains("inf") {
        match body.parse::<f64>() {
            Ok(v) => v,
            Err(_) => {
                parse_duration_ms(body).map(|ms| ms as f64 / 1000.0).map_err(|_| format!("invalid number {text:?}"))?
            }
        }
    } else {
        return Err(format!("invalid number {text:?}"));
    };
    Ok(sign * magnitude)
}

/// Splits off `name{labels}` and returns the labels and the remaining text.
fn parse_metric(line: &str) -> Result<(LabelPairs, &str), String> {
    let name_end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(line.len());
    let name = &line[..name_end];
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("series expected, found {line:?}"));
    }
    let mut labels = LabelPairs::new();
    if !name.is_empty() {
        labels.push(("__name__".to_string(), name.to_string()));
    }
    let rest = &line[name_end..];
    let Some(inside) = rest.strip_prefix('{') else {
        return match name.is_empty() {
            true => Err(format!("series expected, found {line:?}")),
            false => Ok((labels, rest)),
        };
    };
    let rest = parse_label_list(inside, &mut labels)?;
    Ok((labels, rest))
}

/// Parses `a="b", "c"="d", "name"}` (after the `{`), returning what follows `}`.
fn parse_label_list<'a>(mut text: &'a str, labels: &mut LabelPairs) -> Result<&'a str, String> {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix('}') {
            return Ok(rest);
        }
        let (name, quoted, rest) = parse_label_name(text)?;
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix('=') {
            Some(after) => {
                let (value, after) = parse_quoted(after.trim_start())?;
                labels.push((name, value));
                after
            }
            None if quoted => {
                labels.push(("__name__".to_string(), name));
                rest
            }
            None => return Err(format!("expected \"=\" after label name {name:?}")),
        };
        let rest = rest.trim_start();
        text = match rest.strip_prefix(',') {
            Some(after) => after,
            None if rest.starts_with('}') => rest,
            None => return Err(format!("expected \",\" or \"}}\" in label set, found {rest:?}")),
        };
    }
}

fn parse_label_name(text: &str) -> Result<(String, bool, &str), String> {
    if text.starts_with(['"', '\'', '`']) {
        let (name, rest) = parse_quoted(text)?;
        return Ok((name, true, rest));
    }
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    match end {
        0 => Err(format!("label name expected, found {text:?}")),
        _ => Ok((text[..end].to_string(), false, &text[end..])),
    }
}

/// A Go-style quoted string (`"..."`, `'...'` or raw `` `...` ``) and what follows it.
pub fn parse_quoted(text: &str) -> Result<(String, &str), String> {
    let quote = text.chars().next().ok_or("quoted string expected")?;
    if !matches!(quote, '"' | '\'' | '`') {
        return Err(format!("quoted string expected, found {text:?}"));
    }
    let body = &text[1..];
    if quote == '`' {
        let end = body.find('`').ok_or("unterminated raw string")?;
        return Ok((body[..end].to_string(), &body[end + 1..]));
    }
    let mut bytes = Vec::new();
    let mut chars = body.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((String::from_utf8_lossy(&bytes).into_owned(), &body[index + 1..])),
            '\\' => unescape(&mut chars, &mut bytes)?,
            c => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Err(format!("unterminated string {text:?}"))
}

fn unescape(chars: &mut std::str::CharIndices<'_>, bytes: &mut Vec<u8>) -> Result<(), String> {
    let (_, escape) = chars.next().ok_or("unterminated escape")?;
    let mut take = |count: usize, radix: u32| -> Result<u32, String> {
        let digits: String = (0..count).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
        u32::from_str_radix(&digits, radix).map_err(|_| format!("invalid escape digits {digits:?}"))
    };
    let simple = match escape {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'v' => Some('\u{b}'),
        '\\' | '"' | '\'' => Some(escape),
        _ => None,
    };
    if let Some(c) = simple {
        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        return Ok(());
    }
    let code = match escape {
        'x' => {
            bytes.push(take(2, 16)? as u8);
            return Ok(());
        }
        'u' => take(4, 16)?,
        'U' => take(8, 16)?,
        '0'..='7' => {
            bytes.push((escape.to_digit(8).unwrap_or(0) * 64 + take(2, 8)?) as u8);
            return Ok(());
        }
        other => return Err(format!("unknown escape \\{other}")),
    };
    let c = char::from_u32(code).ok_or_else(|| format!("invalid code point {code:#x}"))?;
    bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    Ok(())
}

/// Expands the values after the series: numbers, `a+bxn`, `a-bxn`, `axn`,
/// `_`, `_xn`, `stale`, and histograms `{{...}}` (with the same forms).
pub fn parse_points(mut text: &str) -> Result<Vec<Point>, String> {
    let mut points = Vec::new();
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return Ok(points);
        }
        if text.starts_with("{{") {
            text = parse_histogram_item(text, &mut points)?;
            continue;
        }
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        parse_value_item(&text[..end], &mut points)?;
        text = &text[end..];
    }
}

/// `{{...}}`, `{{...}}xn`, `{{...}}+{{...}}xn` or `{{...}}-{{...}}xn`.
fn parse_histogram_item<'a>(text: &'a str, points: &mut Vec<Point>) -> Result<&'a str, String> {
    let end = text.find("}}").ok_or("unterminated histogram \"{{\"")? + 2;
    let (first, mut rest) = (&text[..end], &text[end..]);
    let mut written = first.to_string();
    if rest.starts_with("+{{") || rest.starts_with("-{{") {
        let second_end = rest.find("}}").ok_or("unterminated histogram \"{{\"")? + 2;
        written.push_str(&rest[..second_end]);
        rest = &rest[second_end..];
    }
    let count = match rest.strip_prefix('x') {
        Some(after) => {
            let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
            let times: usize = after[..digits].parse().map_err(|_| format!("invalid repetition after {written}"))?;
            rest = &after[digits..];
            times + 1
        }
        None => 1,
    };
    points.extend(std::iter::repeat_n(Point::Histogram(written), count));
    Ok(rest)
}

fn parse_value_item(item: &str, points: &mut Vec<Point>) -> Result<(), String> {
    if item == "_" {
        points.push(Point::Omitted);
        return Ok(());
    }
    if let Some(times) = item.strip_prefix("_x") {
        let times: usize = times.parse().map_err(|_| format!("invalid repetition {item:?}"))?;
        points.extend(std::iter::repeat_n(Point::Omitted, times));
        return Ok(());
    }
    let (head, times) = split_repetition(item)?;
    let (start, increment) = split_increment(head)?;
    let mut value = start;
    for _ in 0..=times.unwrap_or(0) {
        points.push(Point::Value(value));
        value += increment;
    }
    Ok(())
}

/// Splits `headxN` into the head and N; in series notation `0x3` is a
/// repetition, not a hex number (upstream's lexer reads no hex there).
fn split_repetition(item: &str) -> Result<(&str, Option<usize>), String> {
    let Some(position) = item.rfind('x') else { return Ok((item, None)) };
    let times = item[position + 1..].parse().map_err(|_| format!("invalid repetition in {item:?}"))?;
    Ok((&item[..position], Some(times)))
}

/// Splits `a+b` / `a-b` into a and ±b; a sign at the start or after an
/// exponent `e` belongs to the number.
fn split_increment(head: &str) -> Result<(f64, f64), String> {
    let bytes = head.as_bytes();
    let split = (1..bytes.len())
        .find(|&i| matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E' | b'+' | b'-'));
    match split {
        Some(i) => Ok((parse_value(&head[..i])?, parse_number(&head[i..])?)),
        None => Ok((parse_value(head)?, 0.0)),
    }
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "stale" => Ok(stale_nan()),
        _ => parse_number(text),
    }
}
