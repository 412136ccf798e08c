//! Quoted strings, character constants and numbers inside actions. The
//! lexer only finds where they end; the parser checks their syntax.

use super::{Kind, Lexer, State, is_alphanumeric};

impl Lexer<'_> {
    pub(super) fn lex_char(&mut self) -> State {
        self.lex_quoted('\'', Kind::CharConstant, "unterminated character constant")
    }

    pub(super) fn lex_quote(&mut self) -> State {
        self.lex_quoted('"', Kind::String, "unterminated quoted string")
    }

    fn lex_quoted(&mut self, quote: char, kind: Kind, unterminated: &str) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some(c) if c != '\n' => {}
                    _ => return self.error(unterminated.into()),
                },
                None | Some('\n') => return self.error(unterminated.into()),
                Some(c) if c == quote => break,
                Some(_) => {}
            }
        }
        self.emit(kind);
        State::InsideAction
    }

    pub(super) fn lex_raw_quote(&mut self) -> State {
        match self.rest().find('`') {
            Some(i) => self.pos += i + 1,
            None => return self.error("unterminated raw quoted string".into()),
        }
        self.emit(Kind::RawString);
        State::InsideAction
    }

    pub(super) fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return self.error(format!("bad number syntax: {}", super::super::fmt::quote(&text)));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            // Complex: 1+2i. No spaces, must end in 'i'.
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_string();
                return self.error(format!("bad number syntax: {}", super::super::fmt::quote(&text)));
            }
            self.emit(Kind::Complex);
        } else {
            self.emit(Kind::Number);
        }
        State::InsideAction
    }

    /// Accepts a superset of Go number literals; the parser validates.
    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }
}
