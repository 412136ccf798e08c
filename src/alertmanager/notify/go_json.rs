//! JSON bodies byte for byte as Go's `json.NewEncoder(w).Encode(v)` writes
//! them, which is how Alertmanager encodes every request: `<`, `>`, `&`,
//! U+2028 and U+2029 escaped as `\u003c`…, and a trailing newline. Struct
//! fields keep their declaration order and map keys are sorted, which
//! serde's derive and `BTreeMap` give.

use serde::Serialize;

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing plain structs, strings and maps cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut encoded = String::with_capacity(text.len() + 16);
    // These characters only occur inside JSON strings, where the escapes
    // are equivalent.
    for character in text.chars() {
        match character {
            '<' => encoded.push_str("\\u003c"),
            '>' => encoded.push_str("\\u003e"),
            '&' => encoded.push_str("\\u0026"),
            '\u{2028}' => encoded.push_str("\\u2028"),
            '\u{2029}' => encoded.push_str("\\u2029"),
            other => encoded.push(other),
        }
    }
    encoded.push('\n');
    encoded.into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_characters_are_escaped_like_go() {
        let body = super::encode(&serde_json::json!({"a": "<b>&\u{2028}\n\"x\"", "b": 1}));
        assert_eq!(String::from_utf8(body).unwrap(), "{\"a\":\"\\u003cb\\u003e\\u0026\\u2028\\n\\\"x\\\"\",\"b\":1}\n");
    }
}
