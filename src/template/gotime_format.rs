//! Go's reference-time layouts (`Mon Jan 2 15:04:05 MST 2006`), following
//! golang/go src/time/format.go `nextStdChunk` and `appendFormat`.

use super::gotime::GoTime;

/// Civil fields of a time in its own zone.
pub(crate) struct Fields {
    pub year: i64,
    pub month: u32,
    pub month_name: &'static str,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    pub weekday_name: &'static str,
    pub yday: u32,
}

/// Layout elements, longest spellings first where they share a prefix.
const CHUNKS: [&str; 35] = [
    "January",
    "Jan",
    "Monday",
    "Mon",
    "MST",
    "2006",
    "002",
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "15",
    "1",
    "2",
    "__2",
    "_2",
    "3",
    "4",
    "5",
    "PM",
    "pm",
    "-07:00:00",
    "-070000",
    "-07:00",
    "-0700",
    "-07",
    "Z07:00:00",
    "Z070000",
    "Z07:00",
    "Z0700",
    "Z07",
    ".",
    ",",
];

/// The layout element at the start of `s`, if any.
fn chunk_at(s: &str) -> Option<&'static str> {
    let after = |n: usize| &s[n.min(s.len())..];
    let lower_follows = |n: usize| after(n).starts_with(|c: char| c.is_ascii_lowercase());
    CHUNKS.iter().copied().find(|&chunk| match chunk {
        "Jan" | "Mon" => s.starts_with(chunk) && !lower_follows(3),
        "." | "," => s.starts_with(chunk) && fraction_len(&s[1..]).is_some(),
        _ => s.starts_with(chunk),
    })
}

/// Length of a run of all-0 or all-9 digits not followed by another digit.
fn fraction_len(s: &str) -> Option<usize> {
    let first = s.chars().next().filter(|c| matches!(c, '0' | '9'))?;
    let n = s.chars().take_while(|&c| c == first).count();
    (!s[n..].starts_with(|c: char| c.is_ascii_digit())).then_some(n)
}

fn pad(v: impl Into<i64>, width: usize) -> String {
    let v: i64 = v.into();
    if v < 0 { format!("-{:0width$}", -v, width = width) } else { format!("{v:0width$}") }
}

/// Formats `time` (whose civil fields are `f`) per Go `layout`.
pub(crate) fn format(time: &GoTime, f: &Fields, layout: &str) -> String {
    let mut out = String::new();
    let mut rest = layout;
    while !rest.is_empty() {
        let Some(chunk) = chunk_at(rest) else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        // "_2006" is a literal underscore then the year.
        if chunk == "_2" && rest.starts_with("_2006") {
            out.push('_');
            rest = &rest[1..];
            continue;
        }
        let consumed = if chunk == "." || chunk == "," {
            let n = fraction_len(&rest[1..]).unwrap_or(0);
            out.push_str(&fraction(chunk, &rest[1..=n], f.nanos));
            n + 1
        } else {
            out.push_str(&element(time, f, chunk));
            chunk.len()
        };
        rest = &rest[consumed..];
    }
    out
}

fn element(time: &GoTime, f: &Fields, chunk: &str) -> String {
    let hour12 = if f.hour % 12 == 0 { 12 } else { f.hour % 12 };
    match chunk {
        "January" => f.month_name.into(),
        "Jan" => f.month_name[..3].into(),
        "Monday" => f.weekday_name.into(),
        "Mon" => f.weekday_name[..3].into(),
        "MST" if !time.zone.is_empty() => time.zone.clone(),
        "MST" => offset(time.offset_seconds, false, false),
        "2006" => pad(f.year, 4),
        "06" => pad(f.year.rem_euclid(100), 2),
        "002" => pad(f.yday, 3),
        "__2" => format!("{:>3}", f.yday),
        "01" => pad(f.month, 2),
        "1" => f.month.to_string(),
        "02" => pad(f.day, 2),
        "2" => f.day.to_string(),
        "_2" => format!("{:>2}", f.day),
        "15" => pad(f.hour, 2),
        "03" => pad(hour12, 2),
        "3" => hour12.to_string(),
        "04" => pad(f.minute, 2),
        "4" => f.minute.to_string(),
        "05" => pad(f.second, 2),
        "5" => f.second.to_string(),
        "PM" => if f.hour >= 12 { "PM" } else { "AM" }.into(),
        "pm" => if f.hour >= 12 { "pm" } else { "am" }.into(),
        zone => {
            let z = zone.starts_with('Z');
            if z && time.offset_seconds == 0 {
                return "Z".into();
            }
            let digits = &zone[1..];
            if digits == "07" {
                let sign = if time.offset_seconds < 0 { '-' } else { '+' };
                return format!("{sign}{:02}", time.offset_seconds.unsigned_abs() / 3600);
            }
            let with_seconds = matches!(digits, "07:00:00" | "070000");
            offset(time.offset_seconds, digits.contains(':'), with_seconds)
        }
    }
}

/// "+0100", "+01:00" or with seconds "+01:00:00".
fn offset(seconds: i32, colon: bool, with_seconds: bool) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let sep = if colon { ":" } else { "" };
    let mut out = format!("{sign}{:02}{sep}{:02}", s / 3600, s / 60 % 60);
    if with_seconds {
        out.push_str(&format!("{sep}{:02}", s % 60));
    }
    out
}

/// ".000" pads to the digits given; ".999" drops trailing zeros and
/// disappears when the fraction is zero.
fn fraction(separator: &str, digits: &str, nanos: u32) -> String {
    let n = digits.len().min(9);
    let text = format!("{nanos:09}");
    let text = &text[..n];
    if digits.starts_with('9') {
        let trimmed = text.trim_end_matches('0');
        if trimmed.is_empty() {
            return String::new();
        }
        return format!("{separator}{trimmed}");
    }
    format!("{separator}{text}")
}
