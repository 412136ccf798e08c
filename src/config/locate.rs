//! Maps between positions in a YAML document and field paths such as
//! `scrape_configs[0].scrape_timeout`, so that every error names both the line and
//! the field. The document is read a second time, into a tree of spanned nodes,
//! only when an error needs reporting.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path to a field, printed the way a user would point at it in the YAML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    pub fn new() -> Self {
        FieldPath::default()
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    pub(crate) fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    pub(crate) fn prepend(&mut self, segment: Segment) {
        self.segments.insert(0, segment);
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(formatter, "[{index}]")?,
                Segment::Key(key) if is_plain_key(key) && position == 0 => formatter.write_str(key)?,
                Segment::Key(key) if is_plain_key(key) => write!(formatter, ".{key}")?,
                Segment::Key(key) => write!(formatter, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// A line and column, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl Position {
    fn of(location: &serde_saphyr::Location) -> Self {
        Position { line: location.line(), column: location.column() }
    }
}

/// A YAML node with its position; scalars keep their text.
#[derive(Debug)]
enum Node {
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    Sequence(Vec<Spanned<Node>>),
    Scalar(Option<String>),
}

/// A parsed document that answers "which field is at this position" and
/// "where is this field".
pub(crate) struct Document {
    root: Spanned<Node>,
}

impl Document {
    /// Reads the YAML tree; `None` when the text is not well-formed YAML, in which
    /// case the parser's own error already carries the position.
    pub(crate) fn parse(text: &str) -> Option<Document> {
        serde_saphyr::from_str::<Spanned<Node>>(text).ok().map(|root| Document { root })
    }

    /// The path of the deepest key or value that starts at or before `position`.
    pub(crate) fn path_at(&self, position: Position) -> FieldPath {
        let mut best: Option<(Position, FieldPath)> = None;
        visit(&self.root, &mut FieldPath::new(), &mut |start, path| {
            let better = match &best {
                None => start <= position,
                Some((found, found_path)) => {
                    start <= position
                        && (start > *found || (start == *found && path.segments.len() > found_path.segments.len()))
                }
            };
            if better {
                best = Some((start, path.clone()));
            }
        });
        best.map(|(_, path)| path).unwrap_or_default()
    }

    /// Where `path` is written: the key of its last mapping segment or the start of
    /// its last list item; for a field that is absent, its nearest present parent.
    pub(crate) fn position_of(&self, path: &FieldPath) -> Position {
        let mut node = &self.root;
        let mut position = Position::of(&node.referenced);
        for segment in &path.segments {
            let next = match (&node.value, segment) {
                (Node::Map(entries), Segment::Key(key)) => entries
                    .iter()
                    .find(|(name, _)| name.value == *key)
                    .map(|(name, value)| (Position::of(&name.referenced), value)),
                (Node::Sequence(items), Segment::Index(index)) => {
                    items.get(*index).map(|item| (Position::of(&item.referenced), item))
                }
                _ => None,
            };
            let Some((found, child)) = next else { break };
            position = found;
            node = child;
        }
        position
    }

    /// The text of the scalar at `path`, if there is one.
    pub(crate) fn scalar_at(&self, path: &FieldPath) -> Option<&str> {
        let mut node = &self.root;
        for segment in &path.segments {
            node = match (&node.value, segment) {
                (Node::Map(entries), Segment::Key(key)) => &entries.iter().find(|(name, _)| name.value == *key)?.1,
                (Node::Sequence(items), Segment::Index(index)) => items.get(*index)?,
                _ => return None,
            };
        }
        match &node.value {
            Node::Scalar(text) => text.as_deref(),
            _ => None,
        }
    }
}

/// Calls `found` with the start and path of every node and key, parents first.
fn visit(node: &Spanned<Node>, path: &mut FieldPath, found: &mut impl FnMut(Position, &FieldPath)) {
    found(Position::of(&node.referenced), path);
    match &node.value {
        Node::Map(entries) => {
            for (key, value) in entries {
                path.push(Segment::Key(key.value.clone()));
                found(Position::of(&key.referenced), path);
                visit(value, path, found);
                path.segments.pop();
            }
        }
        Node::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(Segment::Index(index));
                visit(item, path, found);
                path.segments.pop();
            }
        }
        Node::Scalar(_) => {}
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Some(value.to_string())))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Some(value.to_string())))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Some(value.to_string())))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Scalar(Some(value.to_string())))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Some(value.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = access.next_key::<Spanned<String>>()? {
            let value = access.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: node
    scrape_timeout: 5x
    static_configs:
      - targets: [a, b]
        labels: {app.kubernetes.io/name: x}
";

    fn path(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn finds_the_field_at_a_value_or_key() {
        let document = Document::parse(TEXT).unwrap();
        let at = |line, column| document.path_at(Position { line, column }).to_string();
        assert_eq!(at(5, 21), path("scrape_configs[0].scrape_timeout"));
        assert_eq!(at(5, 5), path("scrape_configs[0].scrape_timeout"));
        assert_eq!(at(2, 20), path("global.scrape_interval"));
        assert_eq!(at(7, 22), path("scrape_configs[0].static_configs[0].targets[1]"));
        assert_eq!(at(8, 18), path("scrape_configs[0].static_configs[0].labels[\"app.kubernetes.io/name\"]"));
    }

    #[test]
    fn finds_where_a_field_is_written() {
        let document = Document::parse(TEXT).unwrap();
        let mut field = FieldPath::new();
        field.push(Segment::Key("scrape_configs".into()));
        field.push(Segment::Index(0));
        assert_eq!(document.position_of(&field), Position { line: 4, column: 5 });
        field.push(Segment::Key("scrape_timeout".into()));
        assert_eq!(document.position_of(&field), Position { line: 5, column: 5 });
        let mut absent = FieldPath::new();
        absent.push(Segment::Key("scrape_configs".into()));
        absent.push(Segment::Index(0));
        absent.push(Segment::Key("metrics_path".into()));
        assert_eq!(document.position_of(&absent), Position { line: 4, column: 5 });
    }

    #[test]
    fn reads_scalars_by_path() {
        let document = Document::parse(TEXT).unwrap();
        let mut field = FieldPath::new();
        field.push(Segment::Key("scrape_configs".into()));
        field.push(Segment::Index(0));
        field.push(Segment::Key("job_name".into()));
        assert_eq!(document.scalar_at(&field), Some("node"));
    }

    #[test]
    fn malformed_yaml_has_no_tree() {
        assert!(Document::parse("a: [").is_none());
    }
}
