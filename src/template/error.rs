//! Errors of the template engine, worded as Go's text/template words them
//! so that users see the messages they know from Prometheus and Alertmanager.

/// A parse or execution error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The template text is malformed: "template: NAME:LINE: MESSAGE".
    #[error("template: {name}:{line}: {message}")]
    Parse { name: String, line: usize, message: String },
    /// Execution failed at a node:
    /// "template: NAME:LINE:COL: executing \"TEMPLATE\" at <NODE>: MESSAGE".
    #[error("template: {location}: executing \"{template}\" at <{context}>: {message}")]
    Exec { location: String, template: String, context: String, message: String },
    /// Execution failed before any node ran, e.g. a missing template.
    #[error("template: {0}")]
    Template(String),
}

impl Error {
    /// The bare message without the location prefix.
    pub fn message(&self) -> &str {
        match self {
            Error::Parse { message, .. } | Error::Exec { message, .. } => message,
            Error::Template(message) => message,
        }
    }

    /// Whether the error comes from parsing (a bad template) rather than
    /// from executing it against data.
    pub fn is_parse(&self) -> bool {
        matches!(self, Error::Parse { .. })
    }
}

/// Line (1-based) and column (0-based byte offset in the line) of `pos`,
/// as Go's `ErrorContext` counts them.
pub(crate) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    let col = match before.rfind('\n') {
        Some(nl) => pos - nl - 1,
        None => pos,
    };
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let parse = Error::Parse { name: "x".into(), line: 1, message: "function \"foo\" not defined".into() };
        assert_eq!(parse.to_string(), "template: x:1: function \"foo\" not defined");
        let exec = Error::Exec {
            location: "x:1:2".into(),
            template: "x".into(),
            context: ".A".into(),
            message: "boom".into(),
        };
        assert_eq!(exec.to_string(), "template: x:1:2: executing \"x\" at <.A>: boom");
        assert_eq!(exec.message(), "boom");
    }

    #[test]
    fn line_col_counts_from_last_newline() {
        assert_eq!(line_col("ab\ncd", 4), (2, 1));
        assert_eq!(line_col("abc", 2), (1, 2));
    }
}
