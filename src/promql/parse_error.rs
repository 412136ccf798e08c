//! Parse errors in Prometheus' words: `L:C: parse error: <message>`. The
//! parser we use gives messages without positions, so a position is added
//! where the message tells it — the end of the input for an unclosed
//! bracket, the opening quote of an unterminated string, the argument of a
//! function given the wrong type — and the wording is Prometheus' where
//! ours differs. Other messages keep `parse error: <message>` alone.

/// The parser's `message` about `expr`, as Prometheus prints it.
pub fn prometheus_parse_error(expr: &str, message: &str) -> String {
    let (message, at) = match message {
        "unclosed left parenthesis" | "unexpected end of input inside braces" => {
            (message.to_string(), Some(expr.len()))
        }
        "unexpected end of input inside brackets" => ("unclosed left bracket".to_string(), Some(expr.len())),
        _ if message.starts_with("unterminated quoted string") => {
            ("unterminated quoted string".to_string(), open_quote(expr))
        }
        _ => match wrong_argument_type(expr, message) {
            Some((message, at)) => (message, Some(at)),
            None => (message.to_string(), None),
        },
    };
    match at {
        Some(offset) => {
            let (line, column) = line_and_column(expr, offset);
            format!("{line}:{column}: parse error: {message}")
        }
        None => format!("parse error: {message}"),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(expr: &str, offset: usize) -> (usize, usize) {
    let before = &expr[..offset.min(expr.len())];
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The byte offset of the quote that opens a string still open at the end.
fn open_quote(expr: &str) -> Option<usize> {
    let mut open: Option<(usize, char)> = None;
    let mut escaped = false;
    for (offset, c) in expr.char_indices() {
        match open {
            Some(_) if escaped => escaped = false,
            // Backticks are raw strings: no escapes.
            Some((_, quote)) if c == '\\' && quote != '`' => escaped = true,
            Some((_, quote)) if c == quote => open = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => open = Some((offset, c)),
            None => {}
        }
    }
    open.map(|(offset, _)| offset)
}

/// `expected type matrix in call to function 'rate', got vector` in
/// Prometheus' words, at the function's first argument.
fn wrong_argument_type(expr: &str, message: &str) -> Option<(String, usize)> {
    let rest = message.strip_prefix("expected type ")?;
    let (wanted, rest) = rest.split_once(" in call to function '")?;
    let (function, got) = rest.split_once("', got ")?;
    let call = format!("{function}(");
    let at = expr.find(&call).map(|start| start + call.len())?;
    let argument = &expr[at..];
    let at = at + (argument.len() - argument.trim_start().len());
    Some((format!("expected type {} in call to function {function:?}, got {}", type_name(wanted), type_name(got)), at))
}

fn type_name(parser_name: &str) -> &str {
    match parser_name {
        "matrix" => "range vector",
        "vector" => "instant vector",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expr: &str) -> String {
        let message = promql_parser::parser::parse(expr).err().expect("a parse error");
        prometheus_parse_error(expr, &message)
    }

    /// Each expected text is what Prometheus 2.42's query API said.
    #[test]
    fn parse_errors_read_as_prometheus_writes_them() {
        assert_eq!(check("sum(up"), "1:7: parse error: unclosed left parenthesis");
        assert_eq!(check("sum(rate(x[5m])) by (job"), "1:25: parse error: unclosed left parenthesis");
        assert_eq!(check("up{job=~\"x}"), "1:9: parse error: unterminated quoted string");
        assert_eq!(check("up[5m"), "1:6: parse error: unclosed left bracket");
        assert_eq!(check("up{a=\"b\""), "1:9: parse error: unexpected end of input inside braces");
        assert_eq!(
            check("rate(up)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"
        );
        assert_eq!(check("sum(up\n"), "2:1: parse error: unclosed left parenthesis");
        assert_eq!(prometheus_parse_error("foo bar", "invalid promql query"), "parse error: invalid promql query");
    }
}
