//! Go's fmt for template values: `print`, `println`, `printf` and the
//! default `%v` text of an action's result, following golang/go
//! src/fmt/print.go and format.go (verbs, flags, width, precision,
//! `%!verb(type=value)` complaints).

use super::value::Value;

#[path = "fmt_number.rs"]
mod number;

pub(crate) use number::format_float;
use number::{fmt_float, fmt_integer};

/// Flags, width and precision of one verb.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Spec {
    pub minus: bool,
    pub plus: bool,
    pub sharp: bool,
    pub space: bool,
    pub zero: bool,
    pub width: Option<usize>,
    pub prec: Option<usize>,
}

impl Spec {
    fn padding(&self, text: &str, fill: char) -> String {
        let len = text.chars().count();
        let Some(width) = self.width.filter(|&w| w > len) else {
            return text.to_string();
        };
        let pad: String = std::iter::repeat_n(fill, width - len).collect();
        if self.minus { format!("{text}{pad}") } else { format!("{pad}{text}") }
    }

    /// Pads to the width; zeros on the left when the `0` flag asks.
    pub(crate) fn pad(&self, text: &str) -> String {
        let fill = if self.zero && !self.minus { '0' } else { ' ' };
        self.padding(text, fill)
    }

    pub(crate) fn pad_spaces(&self, text: &str) -> String {
        self.padding(text, ' ')
    }
}

/// `fmt.Sprint`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&format_value(&Spec::default(), arg, 'v'));
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: always spaces, and a final newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(|a| format_value(&Spec::default(), a, 'v')).collect();
    format!("{}\n", parts.join(" "))
}

/// The text of an action's value: nil shows as `<no value>`.
pub(crate) fn display(value: &Value) -> String {
    match value {
        Value::Nil => "<no value>".into(),
        value => format_value(&Spec::default(), value, 'v'),
    }
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut arg_num = 0;
    let mut reordered = false;
    let mut rest = format;
    while let Some(percent) = rest.find('%') {
        out.push_str(&rest[..percent]);
        rest = &rest[percent + 1..];
        let mut spec = Spec::default();
        while let Some(c) = rest.chars().next() {
            match c {
                '#' => spec.sharp = true,
                '0' => spec.zero = !spec.minus,
                '+' => spec.plus = true,
                '-' => {
                    spec.minus = true;
                    spec.zero = false;
                }
                ' ' => spec.space = true,
                _ => break,
            }
            rest = &rest[1..];
        }
        let mut good_index = true;
        if let Some(index) = arg_index(&mut rest, args.len(), &mut good_index) {
            reordered = true;
            arg_num = index;
        }
        if let Some(tail) = rest.strip_prefix('*') {
            rest = tail;
            spec.width = star_arg(args, &mut arg_num, &mut out, "%!(BADWIDTH)", &mut spec, true);
        } else {
            spec.width = leading_number(&mut rest);
        }
        if rest.len() > 1 && rest.starts_with('.') {
            rest = &rest[1..];
            if let Some(tail) = rest.strip_prefix('*') {
                rest = tail;
                spec.prec = star_arg(args, &mut arg_num, &mut out, "%!(BADPREC)", &mut spec, false);
            } else {
                spec.prec = Some(leading_number(&mut rest).unwrap_or(0));
            }
        }
        if let Some(index) = arg_index(&mut rest, args.len(), &mut good_index) {
            reordered = true;
            arg_num = index;
        }
        let Some(verb) = rest.chars().next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        rest = &rest[verb.len_utf8()..];
        if verb == '%' {
            out.push('%');
        } else if !good_index {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if arg_num >= args.len() {
            out.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                // %+v and %#v select struct and Go syntax; neither is a sign.
                spec.plus = false;
                spec.sharp = false;
            }
            out.push_str(&format_value(&spec, &args[arg_num], verb));
            arg_num += 1;
        }
    }
    out.push_str(rest);
    if !reordered && arg_num < args.len() {
        let extra: Vec<String> = args[arg_num..].iter().map(typed).collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

/// `[n]` explicit argument index; sets `good` false when out of range.
fn arg_index(rest: &mut &str, count: usize, good: &mut bool) -> Option<usize> {
    let tail = rest.strip_prefix('[')?;
    let Some(close) = tail.find(']') else {
        *rest = tail;
        *good = false;
        return Some(0);
    };
    let number = tail[..close].parse::<usize>().ok().filter(|&n| n >= 1 && n <= count);
    *rest = &tail[close + 1..];
    match number {
        Some(n) => Some(n - 1),
        None => {
            *good = false;
            Some(0)
        }
    }
}

/// Go ignores widths and precisions over a million (`tooLarge`), which
/// also keeps `%.999999999f` from allocating gigabytes.
const MAX_WIDTH: usize = 1_000_000;

fn leading_number(rest: &mut &str) -> Option<usize> {
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    let number = rest[..end].parse().ok().filter(|&n| n <= MAX_WIDTH);
    *rest = &rest[end..];
    number
}

/// A width or precision taken from an int argument (`%*d`).
fn star_arg(
    args: &[Value],
    arg_num: &mut usize,
    out: &mut String,
    bad: &str,
    spec: &mut Spec,
    is_width: bool,
) -> Option<usize> {
    let value = args.get(*arg_num);
    if value.is_some() {
        *arg_num += 1;
    }
    match value {
        Some(Value::Int(n)) if n.unsigned_abs() > MAX_WIDTH as u64 => {
            out.push_str(bad);
            None
        }
        Some(Value::Int(n)) if *n >= 0 => Some(*n as usize),
        Some(Value::Int(n)) if is_width => {
            spec.minus = true;
            spec.zero = false;
            Some(n.unsigned_abs() as usize)
        }
        Some(Value::Int(_)) => None,
        _ => {
            out.push_str(bad);
            None
        }
    }
}

/// `type=value` as the EXTRA and bad-verb complaints show an operand.
fn typed(value: &Value) -> String {
    match value {
        Value::Nil => "<nil>".into(),
        v => format!("{}={}", v.type_name(), format_value(&Spec::default(), v, 'v')),
    }
}

fn bad_verb(spec: &Spec, value: &Value, verb: char) -> String {
    match value {
        Value::Nil => format!("%!{verb}(<nil>)"),
        v => format!("%!{verb}({}={})", v.type_name(), format_value(spec, v, 'v')),
    }
}

/// Formats one operand with one verb.
pub(crate) fn format_value(spec: &Spec, value: &Value, verb: char) -> String {
    if verb == 'T' {
        return spec.pad(&value.type_name());
    }
    match value {
        Value::Nil if verb == 'v' => spec.pad("<nil>"),
        Value::Nil => bad_verb(spec, value, verb),
        Value::Bool(b) if matches!(verb, 'v' | 't') => spec.pad(&b.to_string()),
        Value::Int(i) => format_int(spec, *i, verb).unwrap_or_else(|| bad_verb(spec, value, verb)),
        Value::Float(f) => match verb {
            'v' | 'g' | 'G' => fmt_float(spec, *f, if verb == 'G' { 'G' } else { 'g' }, -1),
            'e' | 'E' | 'f' | 'F' => fmt_float(spec, *f, verb, 6),
            _ => bad_verb(spec, value, verb),
        },
        Value::String(s) => format_string(spec, s, verb).unwrap_or_else(|| bad_verb(spec, value, verb)),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|v| format_element(spec, v, verb)).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(map) => {
            let parts: Vec<String> = map
                .entries
                .iter()
                .map(|(k, v)| {
                    let key =
                        format_string(spec, k, verb).unwrap_or_else(|| bad_verb(spec, &Value::from(k.as_str()), verb));
                    format!("{key}:{}", format_element(spec, v, verb))
                })
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        Value::Object(object) => {
            if let Some(text) = object.display().filter(|_| matches!(verb, 'v' | 's' | 'q' | 'x' | 'X')) {
                return format_string(spec, &text, verb).unwrap_or_default();
            }
            match object.inner() {
                Some(inner) => format_value(spec, &inner, verb),
                None => {
                    let parts: Vec<String> =
                        object.fields().iter().map(|(_, v)| format_element(spec, v, verb)).collect();
                    format!("{{{}}}", parts.join(" "))
                }
            }
        }
        Value::Bool(_) => bad_verb(spec, value, verb),
    }
}

/// Elements of lists and maps are interfaces: nil prints as `<nil>`
/// whatever the verb.
fn format_element(spec: &Spec, value: &Value, verb: char) -> String {
    match value {
        Value::Nil => "<nil>".into(),
        v => format_value(spec, v, verb),
    }
}

fn format_int(spec: &Spec, i: i64, verb: char) -> Option<String> {
    Some(match verb {
        'v' | 'd' => fmt_integer(spec, i, 10, verb),
        'b' => fmt_integer(spec, i, 2, verb),
        'o' | 'O' => fmt_integer(spec, i, 8, verb),
        'x' | 'X' => fmt_integer(spec, i, 16, verb),
        'c' => spec.pad_spaces(&rune_of(i).to_string()),
        'q' => spec.pad_spaces(&quote_rune(rune_of(i))),
        'U' => {
            let mut text = format!("U+{:04X}", i);
            if spec.sharp {
                text.push_str(&format!(" '{}'", rune_of(i)));
            }
            spec.pad_spaces(&text)
        }
        _ => return None,
    })
}

fn rune_of(i: i64) -> char {
    u32::try_from(i).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
}

fn format_string(spec: &Spec, s: &str, verb: char) -> Option<String> {
    let truncated = |s: &str| match spec.prec {
        Some(p) => s.chars().take(p).collect::<String>(),
        None => s.to_string(),
    };
    Some(match verb {
        'v' | 's' => spec.pad(&truncated(s)),
        'q' if spec.sharp && !s.contains(['`', '\n', '\r']) => spec.pad(&format!("`{}`", truncated(s))),
        'q' => spec.pad(&quote(&truncated(s))),
        'x' | 'X' => {
            let bytes = s.as_bytes();
            let bytes = &bytes[..spec.prec.unwrap_or(bytes.len()).min(bytes.len())];
            let hex: String =
                bytes.iter().map(|b| if verb == 'x' { format!("{b:02x}") } else { format!("{b:02X}") }).collect();
            spec.pad(&hex)
        }
        _ => return None,
    })
}

/// Go's `strconv.Quote`; also what PromQL, rules and Alertmanager messages
/// quote with.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    escape_into(&mut out, c, '\'');
    out.push('\'');
    out
}

fn escape_into(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if is_print(c) => out.push(c),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Approximates Go's `strconv.IsPrint`: graphic characters and ASCII space.
fn is_print(c: char) -> bool {
    c == ' ' || !(c.is_control() || c.is_whitespace() || ('\u{e000}'..='\u{f8ff}').contains(&c))
}

#[cfg(test)]
#[path = "fmt_tests.rs"]
mod tests;
