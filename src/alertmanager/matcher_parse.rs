//! The classic matchers syntax of Alertmanager 0.25 (pkg/labels `ParseMatchers`):
//! `{foo="bar", baz=~"qu+x"}`, braces optional, values quoted or not. Commas
//! inside double quotes do not separate; inside a value `\"`, `\n` and `\\`
//! are escapes and any other backslash is literal. The parser is lenient in
//! the ways upstream is (a trailing comma, an empty value) and fails with
//! upstream's messages.

use super::matcher::{MatchType, Matcher, MatcherError};

/// Parses a comma-separated list of matchers.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, MatcherError> {
    let text = text.strip_prefix('{').unwrap_or(text);
    let text = text.strip_suffix('}').unwrap_or(text);
    split_outside_quotes(text).iter().map(|token| parse_matcher(token)).collect()
}

/// Splits at commas outside double quotes. Upstream hands inner tokens on
/// untrimmed (so error messages keep their spaces) and drops a blank last one.
fn split_outside_quotes(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut token = String::new();
    let (mut inside_quotes, mut escaped) = (false, false);
    for character in text.chars() {
        match character {
            ',' if !inside_quotes => {
                tokens.push(std::mem::take(&mut token));
                continue;
            }
            ',' => {}
            '"' if escaped => escaped = false,
            '"' => inside_quotes = !inside_quotes,
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(character);
    }
    let last = token.trim();
    if !last.is_empty() {
        tokens.push(last.to_string());
    }
    tokens
}

/// Parses one `name op value` matcher.
pub fn parse_matcher(text: &str) -> Result<Matcher, MatcherError> {
    let (name, kind, raw_value) = split_matcher(text).ok_or_else(|| MatcherError::BadFormat(text.to_string()))?;
    let value = unescape(raw_value)?;
    Matcher::new(kind, name, value)
}

/// The three parts of `\s*name\s*op\s*value\s*`, with the value untrimmed of
/// its quotes; `None` when the text does not have that shape.
fn split_matcher(text: &str) -> Option<(&str, MatchType, &str)> {
    let rest = text.trim_start_matches(is_go_space);
    let name_length = rest
        .char_indices()
        .find(|&(index, character)| !is_name_character(character, index == 0))
        .map_or(rest.len(), |(index, _)| index);
    if name_length == 0 {
        return None;
    }
    let (name, rest) = rest.split_at(name_length);
    let rest = rest.trim_start_matches(is_go_space);
    let (kind, rest) =
        [("=~", MatchType::Regexp), ("=", MatchType::Equal), ("!=", MatchType::NotEqual), ("!~", MatchType::NotRegexp)]
            .into_iter()
            .find_map(|(operator, kind)| rest.strip_prefix(operator).map(|rest| (kind, rest)))?;
    let value = rest.trim_start_matches(is_go_space).trim_end_matches(is_go_space);
    Some((name, kind, value))
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: the classic syntax allows colons in names.
fn is_name_character(character: char, first: bool) -> bool {
    character.is_ascii_alphabetic() || character == '_' || character == ':' || (!first && character.is_ascii_digit())
}

/// RE2's `\s`: ASCII space, tab, newline, form feed and carriage return.
fn is_go_space(character: char) -> bool {
    matches!(character, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

/// Removes optional surrounding quotes and resolves OpenMetrics escapes.
fn unescape(raw: &str) -> Result<String, MatcherError> {
    let unescaped_quote = || MatcherError::UnescapedQuote(raw.to_string());
    let (body, mut expect_closing_quote) = match raw.strip_prefix('"') {
        Some(body) => (body, true),
        None => (raw, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut escaped = false;
    for (index, character) in body.char_indices() {
        let is_last = index + character.len_utf8() == body.len();
        if escaped {
            escaped = false;
            match character {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(character),
                other => {
                    value.push('\\');
                    value.push(other);
                }
            }
            continue;
        }
        match character {
            '\\' if !is_last => escaped = true,
            '\\' => value.push('\\'),
            '"' if expect_closing_quote && is_last => expect_closing_quote = false,
            '"' => return Err(unescaped_quote()),
            other => value.push(other),
        }
    }
    if expect_closing_quote {
        return Err(unescaped_quote());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<(String, MatchType, String)> {
        parse_matchers(text)
            .unwrap_or_else(|error| panic!("{text}: {error}"))
            .into_iter()
            .map(|matcher| (matcher.name().to_string(), matcher.kind(), matcher.value().to_string()))
            .collect()
    }

    type Expected<'a> = &'a [(&'a str, MatchType, &'a str)];

    fn owned(expected: Expected) -> Vec<(String, MatchType, String)> {
        expected.iter().map(|(name, kind, value)| (name.to_string(), *kind, value.to_string())).collect()
    }

    #[test]
    fn accepts_the_forms_upstream_accepts() {
        use MatchType::*;
        let cases: &[(&str, Expected)] = &[
            (r#"{foo="bar"}"#, &[("foo", Equal, "bar")]),
            (r#"{foo=~"bar.*"}"#, &[("foo", Regexp, "bar.*")]),
            (r#"{foo!="bar"}"#, &[("foo", NotEqual, "bar")]),
            (r#"{foo!~"bar.*"}"#, &[("foo", NotRegexp, "bar.*")]),
            (r#"{foo="bar", baz!="quux"}"#, &[("foo", Equal, "bar"), ("baz", NotEqual, "quux")]),
            (
                r#"{foo="bar",baz!~".*quux", derp="wat"}"#,
                &[("foo", Equal, "bar"), ("baz", NotRegexp, ".*quux"), ("derp", Equal, "wat")],
            ),
            (r#"{foo=""}"#, &[("foo", Equal, "")]),
            (r#"{foo="bar,quux", job="job1"}"#, &[("foo", Equal, "bar,quux"), ("job", Equal, "job1")]),
            (r#"{foo = "bar", dings != "bums", }"#, &[("foo", Equal, "bar"), ("dings", NotEqual, "bums")]),
            ("foo=bar,dings!=bums", &[("foo", Equal, "bar"), ("dings", NotEqual, "bums")]),
            (r#"{quote="She said: \"Hi, all…\""}"#, &[("quote", Equal, r#"She said: "Hi, all…""#)]),
            (r#"statuscode=~"5..""#, &[("statuscode", Regexp, "5..")]),
            ("tricky=~~~", &[("tricky", Regexp, "~~")]),
            (r#"trickier==\\=\=\""#, &[("trickier", Equal, r#"=\=\=""#)]),
            (
                r#"contains_quote != "\"" , contains_comma !~ "foo,bar" , "#,
                &[("contains_quote", NotEqual, "\""), ("contains_comma", NotRegexp, "foo,bar")],
            ),
            ("job=", &[("job", Equal, "")]),
            ("a==", &[("a", Equal, "=")]),
            ("a:b=c", &[("a:b", Equal, "c")]),
            (r#"a="x\ny""#, &[("a", Equal, "x\ny")]),
            (r#"a="x\qy\"""#, &[("a", Equal, "x\\qy\"")]),
            ("a=trailing\\", &[("a", Equal, "trailing\\")]),
            ("  spaced  =  value with spaces  ", &[("spaced", Equal, "value with spaces")]),
            ("", &[]),
            ("{}", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(parsed(text), owned(expected), "{text}");
        }
    }

    #[test]
    fn rejects_with_upstream_messages() {
        let cases = [
            (r#"job="value"#, r#"matcher value contains unescaped double quote: "value"#),
            (r#"job=value""#, r#"matcher value contains unescaped double quote: value""#),
            (r#"trickier==\\=\=\"""#, r#"matcher value contains unescaped double quote: =\\=\=\"""#),
            (r#"contains_unescaped_quote = foo"bar"#, r#"matcher value contains unescaped double quote: foo"bar"#),
            (r#"{invalid-name = "valid label"}"#, r#"bad matcher format: invalid-name = "valid label""#),
            (r#""{foo=\"bar"}"#, r#"bad matcher format: "{foo=\"bar""#),
            (r#""foo=\"bar\"""#, r#"bad matcher format: "foo=\"bar\"""#),
            (r#""foo="bar"""#, r#"bad matcher format: "foo="bar"""#),
            ("a=b,,c=d", "bad matcher format: "),
            ("1a=b", "bad matcher format: 1a=b"),
            ("a-b=c, d=e", "bad matcher format: a-b=c"),
            ("a=b, c-d=e", "bad matcher format: c-d=e"),
            ("a=b , c~d", "bad matcher format: c~d"),
        ];
        for (text, message) in cases {
            match parse_matchers(text) {
                Err(error) => assert_eq!(error.to_string(), message, "{text}"),
                Ok(matchers) => panic!("{text} parsed as {matchers:?}"),
            }
        }
    }

    #[test]
    fn inner_tokens_keep_their_spaces_in_errors() {
        let error = parse_matchers("a=b, c-d=e, f=g").unwrap_err();
        assert_eq!(error.to_string(), "bad matcher format:  c-d=e");
    }

    #[test]
    fn bad_regexes_fail_when_parsed() {
        let error = parse_matchers(r#"{foo=~"invalid[regexp"}"#).unwrap_err();
        assert!(matches!(error, MatcherError::Regex { .. }), "{error}");
        assert!(error.to_string().ends_with(": `invalid[regexp`"), "{error}");
    }

    #[test]
    fn a_single_matcher_needs_all_three_parts() {
        assert_eq!(parse_matcher("x!~y").unwrap().kind(), MatchType::NotRegexp);
        assert_eq!(parse_matcher("=x").unwrap_err(), MatcherError::BadFormat("=x".into()));
        assert_eq!(parse_matcher("x").unwrap_err(), MatcherError::BadFormat("x".into()));
    }
}
