//! Errors of the config module. Every problem in a file is reported with the file,
//! the line and column where known, and the field path, for example
//! `prometheus.yml:12:21: scrape_configs[0] (job "node").scrape_timeout: "5x" is not a valid duration (…)`.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::locate::{FieldPath, Segment};

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostic),
}

impl Error {
    /// The located problem, when the file was read but is not a valid configuration.
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            Error::Invalid(diagnostic) => Some(diagnostic),
            Error::Read { .. } => None,
        }
    }
}

/// A problem at a place in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as it was named to the loader.
    pub file: String,
    /// Line and column, counted from 1, when the position is known.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The field path with its context, e.g. `scrape_configs[2] (job "node").scheme`.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
            if let Some(column) = self.column {
                write!(formatter, ":{column}")?;
            }
        }
        if let Some(field) = self.field.as_deref().filter(|field| !field.is_empty()) {
            write!(formatter, ": {field}")?;
        }
        write!(formatter, ": {}", self.message)
    }
}

/// A validation failure at a field path relative to the value being validated;
/// callers prepend their own position with [`Within`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) path: FieldPath,
    pub(crate) message: String,
}

impl Invalid {
    /// A problem with the value being validated as a whole.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Invalid { path: FieldPath::new(), message: message.into() }
    }

    /// A problem with one field of the value being validated.
    pub(crate) fn field(key: &str, message: impl Into<String>) -> Self {
        Invalid::new(message).within(key)
    }

    pub(crate) fn within(mut self, key: &str) -> Self {
        self.path.prepend(Segment::Key(key.to_string()));
        self
    }

    pub(crate) fn at_index(mut self, index: usize) -> Self {
        self.path.prepend(Segment::Index(index));
        self
    }
}

/// Prepends path segments to a validation failure on its way up.
pub(crate) trait Within {
    fn within(self, key: &str) -> Self;
    fn at_index(self, index: usize) -> Self;
}

impl<T> Within for Result<T, Invalid> {
    fn within(self, key: &str) -> Self {
        self.map_err(|invalid| invalid.within(key))
    }

    fn at_index(self, index: usize) -> Self {
        self.map_err(|invalid| invalid.at_index(index))
    }
}

/// Validates each item of a list, naming the failing item by its index.
pub(crate) fn each<T>(items: &mut [T], mut check: impl FnMut(&mut T) -> Result<(), Invalid>) -> Result<(), Invalid> {
    for (index, item) in items.iter_mut().enumerate() {
        check(item).at_index(index)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_file_position_field_and_message() {
        let diagnostic = Diagnostic {
            file: "prometheus.yml".into(),
            line: Some(12),
            column: Some(5),
            field: Some("scrape_configs[0].scrape_timeout".into()),
            message: "\"5x\" is not a valid duration".into(),
        };
        assert_eq!(
            diagnostic.to_string(),
            "prometheus.yml:12:5: scrape_configs[0].scrape_timeout: \"5x\" is not a valid duration"
        );
    }

    #[test]
    fn leaves_out_what_is_unknown() {
        let diagnostic =
            Diagnostic { file: "a.yml".into(), line: None, column: None, field: None, message: "bad".into() };
        assert_eq!(diagnostic.to_string(), "a.yml: bad");
    }

    #[test]
    fn paths_grow_outwards() {
        let invalid: Result<(), Invalid> = Err(Invalid::field("regex", "bad"));
        let invalid = invalid.at_index(2).within("relabel_configs").unwrap_err();
        assert_eq!(invalid.path.to_string(), "relabel_configs[2].regex");
    }
}
