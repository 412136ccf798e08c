//! A YAML file being read: deserializes it and turns every failure, from the YAML
//! parser, from serde or from validation, into a [`Diagnostic`] that names the file,
//! the position and the field.

use std::cell::OnceCell;

use serde::de::DeserializeOwned;

use super::error::{Diagnostic, Error, Invalid};
use super::locate::{Document, FieldPath, Position, Segment};
use super::unsupported;

pub(crate) struct Source<'a> {
    file: String,
    text: &'a str,
    document: OnceCell<Option<Document>>,
}

impl<'a> Source<'a> {
    pub(crate) fn new(file: impl Into<String>, text: &'a str) -> Self {
        Source { file: file.into(), text, document: OnceCell::new() }
    }

    /// Deserializes the whole text as `T`.
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_saphyr::from_str(self.text).map_err(|error| self.yaml_error(&error))
    }

    /// Places a validation failure in the file.
    pub(crate) fn invalid(&self, invalid: Invalid) -> Error {
        let position = self.document().map(|document| document.position_of(&invalid.path));
        self.diagnostic(position, &invalid.path, invalid.message)
    }

    fn document(&self) -> Option<&Document> {
        self.document.get_or_init(|| Document::parse(self.text)).as_ref()
    }

    fn yaml_error(&self, error: &serde_saphyr::Error) -> Error {
        let position = error.location().map(|location| Position { line: location.line(), column: location.column() });
        let mut message = clean_message(&error.without_snippet().to_string(), position);
        let mut path = match (self.document(), position) {
            (Some(document), Some(position)) => document.path_at(position),
            _ => FieldPath::new(),
        };
        if let Some(field) = unknown_field(&message) {
            message = unknown_field_message(&field, &message);
            if path.segments().last() != Some(&Segment::Key(field.clone())) {
                path.push(Segment::Key(field));
            }
        }
        self.diagnostic(position, &path, message)
    }

    fn diagnostic(&self, position: Option<Position>, path: &FieldPath, message: String) -> Error {
        Error::Invalid(Diagnostic {
            file: self.file.clone(),
            line: position.map(|position| position.line),
            column: position.map(|position| position.column),
            field: (!path.is_empty()).then(|| self.describe(path)),
            message,
        })
    }

    /// The path, with the job name after a scrape config's index so a reader can
    /// find it without counting: `scrape_configs[2] (job "node").scheme`.
    fn describe(&self, path: &FieldPath) -> String {
        let text = path.to_string();
        let [Segment::Key(section), Segment::Index(index), ..] = path.segments() else { return text };
        if section != "scrape_configs" {
            return text;
        }
        let mut job_field = FieldPath::new();
        job_field.push(Segment::Key(section.clone()));
        job_field.push(Segment::Index(*index));
        let prefix = job_field.to_string();
        job_field.push(Segment::Key("job_name".to_string()));
        match self.document().and_then(|document| document.scalar_at(&job_field)) {
            Some(job) => format!("{prefix} (job {job:?}){}", &text[prefix.len()..]),
            None => text,
        }
    }
}

/// Drops the position the library appends (we print it in front) and rewrites its
/// Rust-flavoured wording.
fn clean_message(message: &str, position: Option<Position>) -> String {
    let mut message = message.to_string();
    if let Some(position) = position {
        let suffix = format!(" at line {}, column {}", position.line, position.column);
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    let message = message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace("cannot deserialize null into string; use Option<String>", "expected a string, found null");
    let reworded = match message.trim() {
        "invalid u8" | "invalid u32" | "invalid u64" | "invalid usize" => "expected a non-negative integer",
        "invalid u16" => "expected an integer from 0 to 65535",
        "invalid i8" | "invalid i16" | "invalid i32" | "invalid i64" => "expected an integer",
        "invalid f32" | "invalid f64" => "expected a number",
        "invalid boolean" => "expected true or false",
        "expected mapping start" => "expected a mapping",
        "expected sequence start" => "expected a list",
        other => other,
    };
    reworded.to_string()
}

/// The field named by serde's "unknown field `name`, expected …" message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

/// Upstream fields Sonde does not implement say so; typos get a suggestion.
fn unknown_field_message(field: &str, message: &str) -> String {
    if let Some(unsupported) = unsupported::message_for(field) {
        return unsupported;
    }
    match closest_expected(field, message) {
        Some(suggestion) => format!("unknown field `{field}` (did you mean `{suggestion}`?)"),
        None => format!("unknown field `{field}`"),
    }
}

/// The expected field nearest to `field` by edit distance, when it is close enough
/// to be a likely typo.
fn closest_expected(field: &str, message: &str) -> Option<String> {
    let (_, expected) = message.split_once("expected ")?;
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    expected
        .split(", ")
        .map(|name| name.trim().trim_matches('`'))
        .filter(|name| !name.is_empty())
        .map(|name| (edit_distance(field, name), name))
        .filter(|(distance, name)| *distance <= 2.max(name.len() / 5) && *distance < name.len())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.to_string())
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (row, left_char) in left.chars().enumerate() {
        let mut current = vec![row + 1; right.len() + 1];
        for (column, right_char) in right.iter().enumerate() {
            let substitution = previous[column] + usize::from(left_char != *right_char);
            current[column + 1] = substitution.min(previous[column + 1] + 1).min(current[column] + 1);
        }
        previous = current;
    }
    previous[right.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Job {
        #[serde(default)]
        job_name: String,
        #[serde(default)]
        scrape_interval: Option<crate::config::Duration>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Top {
        #[serde(default)]
        scrape_configs: Vec<Job>,
    }

    fn error(text: &str) -> Diagnostic {
        match Source::new("p.yml", text).parse::<Top>().unwrap_err() {
            Error::Invalid(diagnostic) => diagnostic,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn value_errors_name_the_field_and_job() {
        let diagnostic = error("scrape_configs:\n  - job_name: node\n    scrape_interval: 5x\n");
        assert_eq!(diagnostic.line, Some(3));
        assert_eq!(diagnostic.column, Some(22));
        assert_eq!(diagnostic.field.as_deref(), Some("scrape_configs[0] (job \"node\").scrape_interval"));
        assert!(diagnostic.message.starts_with("\"5x\" is not a valid duration"), "{}", diagnostic.message);
    }

    #[test]
    fn typos_get_a_suggestion() {
        let diagnostic = error("scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n");
        assert_eq!(diagnostic.message, "unknown field `scrape_intervall` (did you mean `scrape_interval`?)");
        assert_eq!(diagnostic.field.as_deref(), Some("scrape_configs[0] (job \"a\").scrape_intervall"));
    }

    #[test]
    fn unknown_fields_without_a_near_match_are_just_named() {
        let diagnostic = error("bogus: 1\n");
        assert_eq!(diagnostic.message, "unknown field `bogus`");
        assert_eq!(diagnostic.to_string(), "p.yml:1:1: bogus: unknown field `bogus`");
    }

    #[test]
    fn unsupported_discovery_says_so() {
        let diagnostic = error("scrape_configs:\n  - consul_sd_configs: []\n");
        assert!(
            diagnostic.message.starts_with("consul_sd_configs is not supported by Sonde"),
            "{}",
            diagnostic.message
        );
        assert_eq!(diagnostic.field.as_deref(), Some("scrape_configs[0].consul_sd_configs"));
    }

    #[test]
    fn library_wording_is_made_plain() {
        assert_eq!(
            clean_message("invalid u64 at line 4, column 19", Some(Position { line: 4, column: 19 })),
            "expected a non-negative integer"
        );
        assert_eq!(clean_message("invalid boolean", None), "expected true or false");
        assert_eq!(
            clean_message("duplicate mapping key: a, set DuplicateKeyPolicy in Options if acceptable", None),
            "duplicate mapping key: a"
        );
    }

    #[test]
    fn malformed_yaml_still_has_a_position() {
        let diagnostic = error("scrape_configs: [\n");
        assert_eq!(diagnostic.line, Some(1));
        assert!(diagnostic.field.is_none());
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
