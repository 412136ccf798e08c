//! Go's `encoding/json` encoding of template values, for Alertmanager's
//! `toJson`: sorted map keys, HTML-safe string escapes, Go's float text.

use super::value::Value;

/// `json.Marshal(value)`.
pub(crate) fn to_json(value: &Value) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), String> {
    match value {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float(*f)?),
        Value::String(s) => write_string(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Map(map) => write_object(out, map.entries.iter().map(|(k, v)| (k.as_str(), v)))?,
        Value::Object(object) => {
            if let Some(time) = super::gotime::downcast(value) {
                write_string(out, &time.format("2006-01-02T15:04:05.999999999Z07:00"));
            } else if let Some(inner) = object.inner() {
                write_value(out, &inner)?;
            } else {
                let fields = object.fields();
                write_object(out, fields.iter().map(|(k, v)| (k.as_str(), v)))?;
            }
        }
    }
    Ok(())
}

fn write_object<'v>(out: &mut String, entries: impl Iterator<Item = (&'v str, &'v Value)>) -> Result<(), String> {
    out.push('{');
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, value)?;
    }
    out.push('}');
    Ok(())
}

/// Go's float encoding: plain decimals between 1e-6 and 1e21, otherwise
/// an exponent without leading zeros ("1e-7").
fn float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        let text = super::fmt::format_float(f, 'g', -1);
        return Err(format!("json: unsupported value: {text}"));
    }
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return Ok(super::fmt::format_float(f, 'f', -1));
    }
    let text = super::fmt::format_float(f, 'e', -1);
    Ok(text.replace("e-0", "e-").replace("e+0", "e+"))
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_go() {
        let value = Value::map([
            ("b", Value::list([Value::Int(1), Value::Float(0.5), Value::Nil])),
            ("a", Value::from("<x & \"y\">\n")),
            ("c", Value::Float(1e-7)),
            ("d", Value::Float(1e21)),
            ("e", Value::Float(100.0)),
        ]);
        assert_eq!(
            to_json(&value).unwrap(),
            r#"{"a":"\u003cx \u0026 \"y\"\u003e\n","b":[1,0.5,null],"c":1e-7,"d":1e+21,"e":100}"#
        );
        assert_eq!(to_json(&Value::Float(f64::NAN)).unwrap_err(), "json: unsupported value: NaN");
    }
}
