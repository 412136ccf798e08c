//! A rule file read into a tree of YAML nodes, each with the line and column
//! that go-yaml v3 gives the same node, so that errors point where promtool's
//! do. serde-saphyr parses; this module only records what it saw.
//!
//! Where the two differ: saphyr places a block scalar (`expr: |`) at its first
//! content line, a tagged or anchored value after its tag, and an empty value
//! (`record:`) on the colon; go-yaml places all of these at the first character
//! after the colon (the `|`, the tag) or, for an empty value, just past the colon.
//! Positions of mapping values are therefore recomputed from the text.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Location, Spanned};

/// A line and column, both counted from 1 (columns in characters), as go-yaml
/// reports them; `0:0` stands for a node that is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.line, self.column)
    }
}

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) position: Position,
    pub(crate) kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Map(Vec<(Node, Node)>),
    Sequence(Vec<Node>),
    Scalar(Scalar),
}

/// A scalar: its value (decoded for quoted and block scalars, as written for
/// plain ones) and whether it was plain, which decides its implicit type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    pub(crate) text: String,
    pub(crate) plain: bool,
}

impl Node {
    /// The scalar's text, if this is a scalar.
    pub(crate) fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// Whether this is YAML null (`~`, `null`, or nothing at all).
    pub(crate) fn is_null(&self) -> bool {
        self.scalar().is_some_and(Scalar::is_null)
    }
}

impl Scalar {
    pub(crate) fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
}

/// Parses `text` into its first document; `Ok(None)` for a document without
/// content (empty, only comments). A syntax error comes back in go-yaml's shape,
/// `yaml: line N: <message>`, with serde-saphyr's wording.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, String> {
    let mut document = text;
    loop {
        let options = serde_saphyr::options! {
            // Repeated keys reach the tree so the decoder can report them as go-yaml does.
            duplicate_keys: DuplicateKeyPolicy::PassThrough,
            with_snippet: false,
        };
        match serde_saphyr::from_str_with_options::<Option<Spanned<Raw>>>(document, options) {
            Ok(root) => return Ok(root.map(|root| Builder { text }.node(&root, None))),
            // go-yaml reads the first document and ignores the rest, unparsed.
            Err(serde_saphyr::Error::MultipleDocuments { location, .. }) => match first_document(document, &location) {
                Some(first) => document = first,
                None => return Err(syntax_error(serde_saphyr::Error::MultipleDocuments { hint: "", location })),
            },
            Err(error) => return Err(syntax_error(error)),
        }
    }
}

/// The text before the line where saphyr saw a second document begin, if
/// that is shorter than `text`.
fn first_document<'a>(text: &'a str, second: &Location) -> Option<&'a str> {
    let offset = usize::try_from(second.span().byte_offset()?).ok()?;
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |newline| newline + 1);
    (line_start < text.len()).then(|| &text[..line_start])
}

fn syntax_error(error: serde_saphyr::Error) -> String {
    let message = error.without_snippet().to_string();
    match error.location() {
        Some(location) => {
            let suffix = format!(" at line {}, column {}", location.line(), location.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            format!("yaml: line {}: {message}", location.line())
        }
        None => format!("yaml: {message}"),
    }
}

/// What serde-saphyr hands over, before positions are corrected.
#[derive(Debug)]
enum Raw {
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
    Sequence(Vec<Spanned<Raw>>),
    /// A string value, already unquoted and unfolded.
    Text(String),
    /// A number or boolean; its text is taken from the source as written.
    Typed,
    Null,
}

struct Builder<'a> {
    text: &'a str,
}

impl Builder<'_> {
    /// Converts a saphyr node; `key` is the mapping key this node is the value of.
    fn node(&self, raw: &Spanned<Raw>, key: Option<&Spanned<Raw>>) -> Node {
        let position = match key {
            Some(key) => self.value_position(key, raw),
            None => self.position(&raw.referenced),
        };
        let kind = match &raw.value {
            Raw::Map(entries) => Kind::Map(
                entries.iter().map(|(key, value)| (self.node(key, None), self.node(value, Some(key)))).collect(),
            ),
            Raw::Sequence(items) => Kind::Sequence(items.iter().map(|item| self.node(item, None)).collect()),
            Raw::Text(text) => {
                Kind::Scalar(Scalar { plain: self.source(&raw.defined) == Some(text.as_str()), text: text.clone() })
            }
            Raw::Typed => {
                Kind::Scalar(Scalar { text: self.source(&raw.defined).unwrap_or("").to_string(), plain: true })
            }
            Raw::Null => {
                Kind::Scalar(Scalar { text: self.source(&raw.defined).unwrap_or("").trim().to_string(), plain: true })
            }
        };
        Node { position, kind }
    }

    /// The text a location spans, when saphyr knows its bytes.
    fn source(&self, location: &Location) -> Option<&str> {
        let span = location.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let end = start.checked_add(usize::try_from(span.byte_len()?).ok()?)?;
        self.text.get(start..end)
    }

    fn position(&self, location: &Location) -> Position {
        match location.span().byte_offset().and_then(|offset| usize::try_from(offset).ok()) {
            Some(offset) if offset <= self.text.len() => self.position_at(offset),
            _ => Position { line: location.line(), column: location.column() },
        }
    }

    fn position_at(&self, offset: usize) -> Position {
        let before = &self.text[..offset];
        let line = 1 + before.bytes().filter(|&byte| byte == b'\n').count() as u64;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Position { line, column: 1 + before[line_start..].chars().count() as u64 }
    }

    /// Where go-yaml places the value of `key`: the first character after the
    /// colon that is not blank or comment, or just past the colon when the value
    /// is empty. Falls back to saphyr's position when the text does not read as
    /// expected (explicit `?` keys, merged values).
    fn value_position(&self, key: &Spanned<Raw>, value: &Spanned<Raw>) -> Position {
        let fallback = self.position(&value.referenced);
        let (Some(key_start), Some(key_length), Some(value_start)) = (
            key.referenced.span().byte_offset(),
            key.referenced.span().byte_len(),
            value.referenced.span().byte_offset(),
        ) else {
            return fallback;
        };
        let (key_end, value_start) = ((key_start + key_length) as usize, value_start as usize);
        let Some(colon) = self.colon_after(key_end) else { return fallback };
        if matches!(value.value, Raw::Null) && value.referenced.span().byte_len() == Some(0) {
            return self.position_at(colon + 1);
        }
        match self.first_token_after(colon + 1) {
            Some(start) if start <= value_start => self.position_at(start),
            _ => fallback,
        }
    }

    /// The offset of the `:` that ends a key, allowing only spaces before it.
    fn colon_after(&self, key_end: usize) -> Option<usize> {
        let rest = self.text.get(key_end..)?;
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        (rest[skipped..].starts_with(':')).then_some(key_end + skipped)
    }

    /// The offset of the first character from `start` on that is not white space
    /// or part of a comment.
    fn first_token_after(&self, start: usize) -> Option<usize> {
        let mut offset = start;
        let mut in_comment = false;
        for character in self.text.get(start..)?.chars() {
            match character {
                '\n' => in_comment = false,
                _ if in_comment => {}
                ' ' | '\t' | '\r' => {}
                '#' => in_comment = true,
                _ => return Some(offset),
            }
            offset += character.len_utf8();
        }
        None
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Raw, E> {
        Ok(Raw::Text(value.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = access.next_key::<Spanned<Raw>>()? {
            entries.push((key, access.next_value::<Spanned<Raw>>()?));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, column: u64) -> Position {
        Position { line, column }
    }

    fn entry<'a>(node: &'a Node, key: &str) -> &'a Node {
        let Kind::Map(entries) = &node.kind else { panic!("not a map: {node:?}") };
        &entries.iter().find(|(name, _)| name.scalar().is_some_and(|s| s.text == key)).unwrap().1
    }

    fn item(node: &Node, index: usize) -> &Node {
        let Kind::Sequence(items) = &node.kind else { panic!("not a sequence: {node:?}") };
        &items[index]
    }

    #[test]
    fn positions_match_go_yaml() {
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: |\n          sum(up\n      - record: ~\n        alert:\n        expr: >-  # folded\n          up\n  - {name: x}\n";
        let root = parse(text).unwrap().unwrap();
        let groups = entry(&root, "groups");
        assert_eq!(groups.position, at(2, 3));
        assert_eq!(item(groups, 0).position, at(2, 5));
        assert_eq!(item(groups, 1).position, at(11, 5));
        let rules = entry(item(groups, 0), "rules");
        assert_eq!(entry(item(rules, 0), "alert").position, at(4, 16));
        assert_eq!(entry(item(rules, 0), "expr").position, at(5, 15));
        assert_eq!(entry(item(rules, 1), "record").position, at(7, 17));
        assert_eq!(entry(item(rules, 1), "alert").position, at(8, 15));
        assert_eq!(entry(item(rules, 1), "expr").position, at(9, 15));
    }

    #[test]
    fn plain_scalars_keep_their_spelling() {
        let root = parse("a: 1.10\nb: yes\nc: '1.10'\nd: ~\ne:\nf: \"x\"\n").unwrap().unwrap();
        let scalar = |key| entry(&root, key).scalar().unwrap().clone();
        assert_eq!(scalar("a"), Scalar { text: "1.10".into(), plain: true });
        assert_eq!(scalar("b"), Scalar { text: "yes".into(), plain: true });
        assert_eq!(scalar("c"), Scalar { text: "1.10".into(), plain: false });
        assert!(scalar("d").is_null() && scalar("e").is_null());
        assert_eq!(scalar("f"), Scalar { text: "x".into(), plain: false });
    }

    #[test]
    fn empty_documents_have_no_root() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }

    #[test]
    fn only_the_first_document_counts() {
        let root = parse("a: 1\n---\nb: [\n").unwrap().unwrap();
        assert!(matches!(&root.kind, Kind::Map(entries) if entries.len() == 1));
        let root = parse("a: 1\n--- {b: 2}\n...\n---\nc: 3\n").unwrap().unwrap();
        assert!(matches!(&root.kind, Kind::Map(entries) if entries.len() == 1));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let error = parse("groups: [\n").unwrap_err();
        assert!(error.starts_with("yaml: line 1: "), "{error}");
    }

    #[test]
    fn columns_count_characters() {
        let root = parse("é: {x: 1}\n").unwrap().unwrap();
        assert_eq!(entry(&root, "é").position, at(1, 4));
    }
}
