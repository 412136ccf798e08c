//! Lexer for Go template text, following golang/go
//! src/text/template/parse/lex.go: `{{`/`}}` delimiters, `{{- ` and ` -}}`
//! trim markers, comments, and the tokens allowed inside actions.

pub(crate) use super::token::{Kind, Token};

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
const SPACE_CHARS: &[char] = &[' ', '\t', '\r', '\n'];

fn is_space(c: char) -> bool {
    SPACE_CHARS.contains(&c)
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// "{{- " trims the text before an action: a minus then a space.
fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

/// " -}}" trims the text after an action: a space then a minus.
fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

/// Which keywords are recognised: `break` and `continue` stay identifiers
/// when the host defines functions of that name, as in Go.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LexOptions {
    pub break_ok: bool,
    pub continue_ok: bool,
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    options: LexOptions,
    pos: usize,
    start: usize,
    paren_depth: usize,
    tokens: Vec<Token>,
    // Incremental line counting: the line at `line_pos`.
    line_pos: usize,
    line: usize,
}

/// Lexes the whole input; the last token is `Eof` or `Error`.
pub(crate) fn lex(input: &str, options: LexOptions) -> Vec<Token> {
    let mut lexer =
        Lexer { input, options, pos: 0, start: 0, paren_depth: 0, tokens: Vec::new(), line_pos: 0, line: 1 };
    lexer.run();
    lexer.tokens
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn line_at(&mut self, pos: usize) -> usize {
        if pos < self.line_pos {
            self.line_pos = 0;
            self.line = 1;
        }
        let newlines = self.input[self.line_pos..pos].bytes().filter(|&b| b == b'\n').count();
        self.line += newlines;
        self.line_pos = pos;
        self.line
    }

    fn emit(&mut self, kind: Kind) {
        let line = self.line_at(self.start);
        let val = self.input[self.start..self.pos].to_string();
        self.tokens.push(Token { kind, pos: self.start, line, val });
        self.start = self.pos;
    }

    fn error(&mut self, message: String) -> State {
        let line = self.line_at(self.start);
        self.tokens.push(Token { kind: Kind::Error, pos: self.start, line, val: message });
        State::Done
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::RightDelim => self.lex_right_delim(),
                State::Done => return,
            };
        }
    }

    fn lex_text(&mut self) -> State {
        let Some(x) = self.rest().find(LEFT_DELIM) else {
            self.pos = self.input.len();
            if self.pos > self.start {
                self.emit(Kind::Text);
            }
            self.emit(Kind::Eof);
            return State::Done;
        };
        self.pos += x;
        let after = &self.input[self.pos + LEFT_DELIM.len()..];
        let trim = if has_left_trim_marker(after) {
            let text = &self.input[self.start..self.pos];
            text.len() - text.trim_end_matches(SPACE_CHARS).len()
        } else {
            0
        };
        self.pos -= trim;
        if self.pos > self.start {
            self.emit(Kind::Text);
        }
        self.pos += trim;
        self.ignore();
        State::LeftDelim
    }

    /// Whether the input is at a right delimiter, and whether a trim
    /// marker precedes it.
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if rest.starts_with(RIGHT_DELIM) {
            return (true, false);
        }
        if has_right_trim_marker(rest) && rest[2..].starts_with(RIGHT_DELIM) {
            return (true, true);
        }
        (false, false)
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { 2 } else { 0 };
        if self.input[self.pos + after_marker..].starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            self.ignore();
            return self.lex_comment();
        }
        self.emit(Kind::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        State::InsideAction
    }

    fn lex_comment(&mut self) -> State {
        self.pos += LEFT_COMMENT.len();
        let Some(i) = self.rest().find(RIGHT_COMMENT) else {
            return self.error("unclosed comment".into());
        };
        self.pos += i + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.pos += self.rest().len() - self.rest().trim_start_matches(SPACE_CHARS).len();
        }
        self.ignore();
        State::Text
    }

    fn lex_right_delim(&mut self) -> State {
        let trim = has_right_trim_marker(self.rest());
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        self.emit(Kind::RightDelim);
        if trim {
            self.pos += self.rest().len() - self.rest().trim_start_matches(SPACE_CHARS).len();
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> State {
        if self.at_right_delim().0 {
            if self.paren_depth == 0 {
                return State::RightDelim;
            }
            return self.error("unclosed left paren".into());
        }
        let Some(c) = self.next() else {
            return self.error("unclosed action".into());
        };
        match c {
            c if is_space(c) => {
                self.pos -= c.len_utf8();
                return self.lex_space();
            }
            '=' => self.emit(Kind::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(Kind::Declare);
            }
            '|' => self.emit(Kind::Pipe),
            '"' => return self.lex_quote(),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_variable(),
            '\'' => return self.lex_char(),
            '.' if !self.rest().starts_with(|c: char| c.is_ascii_digit()) => {
                return self.lex_field_or_variable(Kind::Field);
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.pos -= 1;
                return self.lex_number();
            }
            c if is_alphanumeric(c) => {
                self.pos -= c.len_utf8();
                return self.lex_identifier();
            }
            '(' => {
                self.emit(Kind::LeftParen);
                self.paren_depth += 1;
            }
            ')' => {
                if self.paren_depth == 0 {
                    return self.error(format!("unexpected right paren {}", unicode_desc(c)));
                }
                self.emit(Kind::RightParen);
                self.paren_depth -= 1;
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(Kind::Char),
            c => {
                return self.error(format!("unrecognized character in action: {}", unicode_desc(c)));
            }
        }
        State::InsideAction
    }

    fn lex_space(&mut self) -> State {
        let mut spaces = 0;
        while self.peek().is_some_and(is_space) {
            self.next();
            spaces += 1;
        }
        // A space may belong to a " -}}" trim marker rather than separate
        // arguments.
        let from_last = &self.input[self.pos - 1..];
        if has_right_trim_marker(from_last) && from_last[2..].starts_with(RIGHT_DELIM) {
            self.pos -= 1;
            if spaces == 1 {
                return State::RightDelim;
            }
        }
        self.emit(Kind::Space);
        State::InsideAction
    }

    fn lex_identifier(&mut self) -> State {
        while self.peek().is_some_and(is_alphanumeric) {
            self.next();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        let kind = match &self.input[self.start..self.pos] {
            "block" => Kind::Block,
            "break" if self.options.break_ok => Kind::Break,
            "continue" if self.options.continue_ok => Kind::Continue,
            "define" => Kind::Define,
            "else" => Kind::Else,
            "end" => Kind::End,
            "if" => Kind::If,
            "range" => Kind::Range,
            "nil" => Kind::Nil,
            "template" => Kind::Template,
            "with" => Kind::With,
            "true" | "false" => Kind::Bool,
            _ => Kind::Identifier,
        };
        self.emit(kind);
        State::InsideAction
    }

    fn lex_variable(&mut self) -> State {
        if self.at_terminator() {
            self.emit(Kind::Variable);
            return State::InsideAction;
        }
        self.lex_field_or_variable(Kind::Variable)
    }

    /// Scans `.Alphanumeric` or `$Alphanumeric`; the `.` or `$` is consumed.
    fn lex_field_or_variable(&mut self, kind: Kind) -> State {
        if self.at_terminator() {
            self.emit(if kind == Kind::Variable { Kind::Variable } else { Kind::Dot });
            return State::InsideAction;
        }
        while self.peek().is_some_and(is_alphanumeric) {
            self.next();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        self.emit(kind);
        State::InsideAction
    }

    fn bad_character(&mut self) -> State {
        let c = self.peek().unwrap_or('\u{fffd}');
        self.error(format!("bad character {}", unicode_desc(c)))
    }

    /// Whether the next character may end an identifier. Breaks `.X.Y`
    /// into two pieces and rejects `$x+2`.
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.rest().starts_with(RIGHT_DELIM),
        }
    }
}

enum State {
    Text,
    LeftDelim,
    InsideAction,
    RightDelim,
    Done,
}

/// Go's `%#U`: "U+0041 'A'".
fn unicode_desc(c: char) -> String {
    if c.is_control() { format!("U+{:04X}", c as u32) } else { format!("U+{:04X} '{}'", c as u32, c) }
}

#[path = "lex_literal.rs"]
mod literal;

#[cfg(test)]
#[path = "lex_tests.rs"]
mod tests;
