//! HTML templates as Alertmanager runs them through Go's `html/template`
//! (the e-mail `html` body and Telegram messages in `HTML` parse mode):
//! every action that prints a value has its output HTML-escaped, while the
//! template's own text is kept, so label values cannot inject markup.
//!
//! Go escapes by context (text, attribute, URL, script); Sonde's engine is
//! `text/template` only, so this rewrites the template source instead:
//! each printing action `{{ pipeline }}` becomes
//! `{{ pipeline | _sonde_escape_html }}`, which escapes as Go's escaper for
//! the HTML text context does (`&<>"'+` and NUL). In attribute values that
//! is also a safe escaping, though Go would additionally normalise URLs
//! there (spaces to `%20`, `javascript:` links replaced). As in Go, a
//! pipeline ending in `html` is not escaped twice, and `safeHtml` marks its
//! argument as trusted markup that passes unchanged.

use std::any::Any;

use crate::template::{FuncMap, Object, Value, sprint};

/// The function appended to printing actions; a name users do not write.
pub(crate) const ESCAPE_FUNCTION: &str = "_sonde_escape_html";

/// Words that start actions that print nothing.
const SILENT_KEYWORDS: [&str; 10] =
    ["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"];

/// The functions HTML templates get on top of Alertmanager's.
pub(crate) fn html_funcs() -> FuncMap {
    let mut funcs = FuncMap::new();
    funcs.insert("safeHtml", |args: &[Value]| match args {
        [text] => match text.as_str() {
            Some(text) => Ok(Value::object(TrustedHtml(text.to_string()))),
            None => Err(format!("wrong type for value; expected string; got {}", text.type_name())),
        },
        _ => Err(format!("wrong number of args for safeHtml: want 1 got {}", args.len())),
    });
    funcs.insert(ESCAPE_FUNCTION, |args: &[Value]| Ok(Value::from(escape_values(args))));
    funcs
}

/// Markup `safeHtml` vouched for (Go's `template.HTML`).
#[derive(Debug)]
struct TrustedHtml(String);

impl Object for TrustedHtml {
    fn type_name(&self) -> String {
        "template.HTML".into()
    }

    fn display(&self) -> Option<String> {
        Some(self.0.clone())
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

fn escape_values(args: &[Value]) -> String {
    if let [Value::Object(object)] = args {
        if let Some(trusted) = object.as_any().and_then(|any| any.downcast_ref::<TrustedHtml>()) {
            return trusted.0.clone();
        }
    }
    // Go's escapers skip untyped nil rather than printing "<nil>".
    let printed: Vec<Value> = args.iter().filter(|value| !matches!(value, Value::Nil)).cloned().collect();
    escape_text(&sprint(&printed))
}

/// Go's `html/template` escaping for text and quoted attribute values.
pub(crate) fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\0' => escaped.push('\u{fffd}'),
            '"' => escaped.push_str("&#34;"),
            '&' => escaped.push_str("&amp;"),
            '\'' => escaped.push_str("&#39;"),
            '+' => escaped.push_str("&#43;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Rewrites `text` so that every printing action escapes its output.
/// Malformed actions are left as they are for the parser to report.
pub(crate) fn autoescape(text: &str) -> String {
    let mut rewritten = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        rewritten.push_str(&rest[..start]);
        let action = &rest[start..];
        let Some(length) = action_length(action) else {
            rewritten.push_str(action);
            return rewritten;
        };
        rewritten.push_str(&rewrite_action(&action[..length]));
        rest = &action[length..];
    }
    rewritten.push_str(rest);
    rewritten
}

/// The length of the action at the start of `text` (which begins with
/// `{{`), through its closing `}}`; `None` when it is not closed.
fn action_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut position = 2;
    let content_start = position + trim_marker_length(&text[position..]);
    if text[content_start..].starts_with("/*") {
        let close = text[content_start..].find("*/")? + content_start + 2;
        return text[close..].find("}}").map(|end| close + end + 2);
    }
    while position < bytes.len() {
        match bytes[position] {
            b'"' | b'`' | b'\'' => position = skip_literal(bytes, position)?,
            b'}' if bytes.get(position + 1) == Some(&b'}') => return Some(position + 2),
            _ => position += 1,
        }
    }
    None
}

/// 2 for a left trim marker (`- ` and any whitespace), else 0.
fn trim_marker_length(content: &str) -> usize {
    let mut characters = content.chars();
    match (characters.next(), characters.next()) {
        (Some('-'), Some(space)) if space.is_ascii_whitespace() => 2,
        _ => 0,
    }
}

/// The position just after the quoted literal starting at `start`.
fn skip_literal(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = bytes[start];
    let mut position = start + 1;
    while position < bytes.len() {
        match bytes[position] {
            b'\\' if quote != b'`' => position += 2,
            byte if byte == quote => return Some(position + 1),
            _ => position += 1,
        }
    }
    None
}

fn rewrite_action(action: &str) -> String {
    let inner = &action[2..action.len() - 2];
    let (content, right_marker) = split_right_trim(inner);
    let body = content[trim_marker_length(content)..].trim_start();
    if body.is_empty() || body.starts_with("/*") || is_silent(body) || ends_in_html(body) {
        return action.to_string();
    }
    format!("{{{{{content} | {ESCAPE_FUNCTION}{right_marker}}}}}")
}

/// Splits a right trim marker (whitespace and `-`) off the action's inside.
fn split_right_trim(inner: &str) -> (&str, &str) {
    match inner.strip_suffix('-') {
        Some(before) if before.ends_with(|character: char| character.is_ascii_whitespace()) => {
            let marker_start = before.len() - 1;
            (&inner[..marker_start], &inner[marker_start..])
        }
        _ => (inner, ""),
    }
}

/// Whether the action is a control word or a variable declaration or
/// assignment, which print nothing.
fn is_silent(body: &str) -> bool {
    let word: String = body.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if SILENT_KEYWORDS.contains(&word.as_str()) {
        return true;
    }
    let Some(variable) = body.strip_prefix('$') else { return false };
    let after = variable.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_').trim_start();
    after.starts_with(":=") || after.starts_with(',') || (after.starts_with('=') && !after.starts_with("=="))
}

/// Whether the pipeline's last command is Go's `html` escaper.
fn ends_in_html(body: &str) -> bool {
    let bytes = body.as_bytes();
    let (mut position, mut depth, mut last_start) = (0, 0usize, 0);
    while position < bytes.len() {
        match bytes[position] {
            b'"' | b'`' | b'\'' => {
                position = match skip_literal(bytes, position) {
                    Some(next) => next,
                    None => return false,
                };
                continue;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'|' if depth == 0 => last_start = position + 1,
            _ => {}
        }
        position += 1;
    }
    let last = body[last_start..].trim_start();
    last == "html" || last.strip_prefix("html").is_some_and(|rest| rest.starts_with(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_actions_are_escaped() {
        let cases = [
            ("<b>{{ .X }}</b>", "<b>{{ .X  | _sonde_escape_html}}</b>"),
            ("{{- .X -}}", "{{- .X | _sonde_escape_html -}}"),
            ("{{ .X | html }}", "{{ .X | html }}"),
            ("{{ if .X }}a{{ else }}b{{ end }}", "{{ if .X }}a{{ else }}b{{ end }}"),
            ("{{ $x := .X }}{{ $x }}", "{{ $x := .X }}{{ $x  | _sonde_escape_html}}"),
            ("{{ template \"t\" . }}", "{{ template \"t\" . }}"),
            ("{{/* a }} b */}}", "{{/* a }} b */}}"),
            ("{{ \"}}\" }}", "{{ \"}}\"  | _sonde_escape_html}}"),
            ("{{ range $i, $v := . }}", "{{ range $i, $v := . }}"),
            ("{{ .X", "{{ .X"),
        ];
        for (text, expected) in cases {
            assert_eq!(autoescape(text), expected, "{text}");
        }
    }

    #[test]
    fn escaping_follows_go_html_template() {
        assert_eq!(escape_text("a<b> & \"c\" 'd' +e\0"), "a&lt;b&gt; &amp; &#34;c&#34; &#39;d&#39; &#43;e\u{fffd}");
        let trusted = Value::object(TrustedHtml("<i>x</i>".into()));
        assert_eq!(escape_values(&[trusted]), "<i>x</i>");
        assert_eq!(escape_values(&[Value::Nil]), "");
    }
}
