//! The pure template functions of Prometheus (prometheus/prometheus
//! template/template.go, prometheus/common helpers/templates) and
//! Alertmanager (prometheus/alertmanager template/template.go). Functions
//! that need query results or the clock (`query`, `first`, `label`,
//! `value`, `sortByLabel`, `since`, ...) are left to the host.

use std::sync::Arc;

use regex::Regex;

use super::fmt::format_float;
use super::funcs::FuncMap;
use super::gotime::{self, GoTime};
use super::value::Value;

/// Variables Prometheus defines for alerting and recording rule templates,
/// to pass to `Template::with_vars`.
pub const ALERT_VARS: [&str; 4] = ["labels", "externalLabels", "externalURL", "value"];

/// Values for `ALERT_VARS`, in that order.
pub fn alert_vars(
    labels: Value,
    external_labels: Value,
    external_url: &str,
    value: Value,
) -> Vec<(&'static str, Value)> {
    vec![
        ("labels", labels),
        ("externalLabels", external_labels),
        ("externalURL", Value::from(external_url)),
        ("value", value),
    ]
}

/// Functions of Prometheus rule templates that need no query engine.
pub fn prometheus_funcs() -> FuncMap {
    let mut funcs = common_funcs();
    funcs.insert("title", |a| string_fn(a, "title", |s| title(s, false)));
    funcs.insert("humanize", |a| number_fn(a, "humanize", humanize));
    funcs.insert("humanize1024", |a| number_fn(a, "humanize1024", humanize1024));
    funcs.insert("humanizePercentage", |a| {
        number_fn(a, "humanizePercentage", |v| format!("{}%", format_float(v * 100.0, 'g', 4)))
    });
    funcs.insert("humanizeTimestamp", |a| {
        let [arg] = args(a, "humanizeTimestamp")?;
        humanize_timestamp(arg).map(Value::from)
    });
    funcs.insert("toTime", |a| {
        let [arg] = args(a, "toTime")?;
        let v = to_float(arg)?;
        if !v.is_finite() {
            return Err("value is NaN or Inf".into());
        }
        GoTime::from_seconds(v).map(Value::object)
    });
    funcs.insert("stripPort", |a| string_fn(a, "stripPort", strip_port));
    funcs.insert("stripDomain", |a| string_fn(a, "stripDomain", strip_domain));
    funcs.insert("parseDuration", |a| {
        let [arg] = args(a, "parseDuration")?;
        parse_duration(expect_str(arg)?).map(Value::Float)
    });
    funcs.insert("args", |a| Ok(Value::map(a.iter().enumerate().map(|(i, v)| (format!("arg{i}"), v.clone())))));
    funcs.insert("graphLink", |a| {
        string_fn(a, "graphLink", |s| format!("/graph?g0.expr={}&g0.tab=0", super::query_escape(s)))
    });
    funcs.insert("tableLink", |a| {
        string_fn(a, "tableLink", |s| format!("/graph?g0.expr={}&g0.tab=1", super::query_escape(s)))
    });
    funcs
}

/// Alertmanager's default notification template functions.
pub fn alertmanager_funcs() -> FuncMap {
    let mut funcs = common_funcs();
    funcs.insert("title", |a| string_fn(a, "title", |s| title(s, true)));
    funcs.insert("trimSpace", |a| string_fn(a, "trimSpace", |s| s.trim().to_string()));
    funcs.insert("join", |a| {
        let [sep, list] = args(a, "join")?;
        let sep = expect_str(sep)?;
        let items = string_list(list)?;
        Ok(Value::from(items.join(sep)))
    });
    funcs.insert("stringSlice", |a| {
        let items: Result<Vec<Value>, String> = a.iter().map(|v| expect_str(v).map(Value::from)).collect();
        Ok(Value::from(items?))
    });
    funcs.insert("safeUrl", |a| string_fn(a, "safeUrl", str::to_string));
    funcs.insert("urlUnescape", |a| {
        let [arg] = args(a, "urlUnescape")?;
        query_unescape(expect_str(arg)?).map(Value::from)
    });
    funcs.insert("toJson", |a| {
        let [arg] = args(a, "toJson")?;
        super::json::to_json(arg).map(Value::from)
    });
    funcs.insert("date", |a| {
        let [layout, time] = args(a, "date")?;
        Ok(Value::from(gotime::time_of(time)?.format(expect_str(layout)?)))
    });
    funcs.insert("since", |a| {
        let [time] = args(a, "since")?;
        gotime::since(time)
    });
    funcs.insert("tz", |a| {
        let [name, time] = args(a, "tz")?;
        gotime::time_of(time)?.in_zone(expect_str(name)?).map(Value::object)
    });
    funcs
}

/// Functions Prometheus and Alertmanager define alike.
fn common_funcs() -> FuncMap {
    let mut funcs = FuncMap::new();
    funcs.insert("toUpper", |a| string_fn(a, "toUpper", |s| map_chars(s, char::to_uppercase)));
    funcs.insert("toLower", |a| string_fn(a, "toLower", |s| map_chars(s, char::to_lowercase)));
    funcs.insert("safeHtml", |a| string_fn(a, "safeHtml", str::to_string));
    funcs.insert("match", |a| {
        let [pattern, text] = args(a, "match")?;
        let re = compile(expect_str(pattern)?)?;
        Ok(Value::Bool(re.is_match(expect_str(text)?)))
    });
    funcs.insert("reReplaceAll", |a| {
        let [pattern, repl, text] = args(a, "reReplaceAll")?;
        let re = compile(expect_str(pattern)?)?;
        Ok(Value::from(re.replace_all(expect_str(text)?, expect_str(repl)?).into_owned()))
    });
    funcs.insert("humanizeDuration", |a| number_fn(a, "humanizeDuration", humanize_duration));
    funcs
}

/// The arguments as a fixed-size array, or Go's arity complaint.
pub fn args<'a, const N: usize>(values: &'a [Value], name: &str) -> Result<&'a [Value; N], String> {
    values.try_into().map_err(|_| format!("wrong number of args for {name}: want {N} got {}", values.len()))
}

pub fn expect_str(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| format!("wrong type for value; expected string; got {}", value.type_name()))
}

fn string_fn(values: &[Value], name: &str, f: impl Fn(&str) -> String) -> Result<Value, String> {
    let [arg] = args(values, name)?;
    Ok(Value::from(f(expect_str(arg)?)))
}

fn number_fn(values: &[Value], name: &str, f: impl Fn(f64) -> String) -> Result<Value, String> {
    let [arg] = args(values, name)?;
    Ok(Value::from(f(to_float(arg)?)))
}

/// A list of strings, as `join` takes (`[]string`).
fn string_list(value: &Value) -> Result<Vec<&str>, String> {
    match value {
        Value::List(items) => items.iter().map(expect_str).collect(),
        Value::Nil => Ok(Vec::new()),
        other => Err(format!("wrong type for value; expected []string; got {}", other.type_name())),
    }
}

fn compile(pattern: &str) -> Result<Arc<Regex>, String> {
    Regex::new(pattern).map(Arc::new).map_err(|e| format!("error parsing regexp: {e}"))
}

/// Go's simple case mapping: a character whose mapping is several
/// characters (ß → SS) stays as it is.
fn map_chars<I: Iterator<Item = char> + ExactSizeIterator>(s: &str, f: impl Fn(char) -> I) -> String {
    s.chars()
        .map(|c| {
            let mut mapped = f(c);
            if mapped.len() == 1 { mapped.next().unwrap_or(c) } else { c }
        })
        .collect()
}

/// prometheus/common's `ConvertToFloat`: numbers, numeric strings and
/// durations (as seconds).
pub fn to_float(value: &Value) -> Result<f64, String> {
    match value {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::String(s) => parse_go_float(s)
            .ok_or_else(|| format!("strconv.ParseFloat: parsing {}: invalid syntax", super::fmt::quote(s))),
        Value::Object(o) if o.type_name() == "time.Duration" => match o.inner() {
            Some(Value::Int(nanos)) => Ok(nanos as f64 / 1e9),
            _ => Err("can't convert time.Duration to float".into()),
        },
        other => Err(format!("can't convert {} to float", other.type_name())),
    }
}

/// `strconv.ParseFloat`, including Go's spellings of infinity and NaN.
fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        let v = if unsigned == "nan" { f64::NAN } else { f64::INFINITY };
        return Some(if lower.starts_with('-') { -v } else { v });
    }
    if s.is_empty() || s.contains(['i', 'I', 'n', 'N']) {
        return None;
    }
    s.parse().ok()
}

fn g4(v: f64) -> String {
    format_float(v, 'g', 4)
}

/// SI prefixes, `%.4g`.
pub fn humanize(mut v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return g4(v);
    }
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", g4(v))
}

/// Binary prefixes, `%.4g`.
pub fn humanize1024(mut v: f64) -> String {
    if v.abs() <= 1.0 || !v.is_finite() {
        return g4(v);
    }
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", g4(v))
}

/// "1d 2h 3m 4s" for a second or more, "1.234s" under a minute,
/// "12.3ms" below a second.
pub fn humanize_duration(mut v: f64) -> String {
    if !v.is_finite() {
        return g4(v);
    }
    if v == 0.0 {
        return format!("{}s", g4(v));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        v = v.abs();
        // Go's int64(v) saturates differently, but such durations are absurd.
        let total = v as i64;
        let (days, hours, minutes, seconds) = (total / 86400, (total / 3600) % 24, (total / 60) % 60, total % 60);
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", g4(v))
        };
    }
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", g4(v))
}

/// A Unix time in seconds as Go prints a UTC time, millisecond precision
/// as Prometheus' model.Time keeps it.
fn humanize_timestamp(value: &Value) -> Result<String, String> {
    if let Ok(time) = gotime::time_of(value) {
        return Ok(time.utc().to_string());
    }
    let v = to_float(value)?;
    if !v.is_finite() {
        return Ok(g4(v));
    }
    Ok(GoTime::from_seconds(v)?.to_string())
}

/// Go's `strings.Title` (Prometheus, keeping other letters) or
/// `cases.Title` (Alertmanager, lowering them): the first letter of every
/// word upper-cased.
fn title(s: &str, lower_rest: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        // An apostrophe or period between letters continues a word: "it's".
        let joined =
            prev.is_some_and(|p| matches!(p, '\'' | '’' | '.' | ':')) && i >= 2 && chars[i - 2].is_alphanumeric();
        let starts_word = is_word(c) && !prev.is_some_and(is_word) && !joined;
        if starts_word {
            out.push_str(&map_chars(&c.to_string(), char::to_uppercase));
        } else if lower_rest {
            out.push_str(&map_chars(&c.to_string(), char::to_lowercase));
        } else {
            out.push(c);
        }
    }
    out
}

#[path = "funcs_net.rs"]
mod net;

pub use net::{parse_duration, query_unescape, strip_domain, strip_port};

#[cfg(test)]
#[path = "funcs_prometheus_tests.rs"]
mod tests;
