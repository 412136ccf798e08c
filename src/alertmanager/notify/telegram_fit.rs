//! Cutting a Telegram message to what `sendMessage` accepts without
//! breaking its markup. Telegram takes at most 4096 characters after
//! entity parsing (counted in UTF-16 code units, as Telegram counts) and
//! rejects formatted input over 32 KiB. Alertmanager cuts the raw text
//! at 4096 runes with "…" whatever the parse mode, which can split a tag,
//! an entity or an escape and make Telegram refuse the whole message.
//!
//! Here the text is scanned as Telegram parses it: the cut falls between
//! tokens (never inside a tag, an HTML entity, a Markdown escape or a link,
//! whose URL comes after its text), "…" is appended, and the entities open
//! at the cut are closed: `</b></i>` in HTML, `*`, `_`, `__`, `~`, `||`,
//! `` ` ``, ```` ``` ```` in Markdown. Plain text is cut between
//! characters.

use super::telegram_markdown::{MarkdownScanner, MarkdownV2Scanner};

/// Telegram's limit on a message's text after entity parsing.
pub(crate) const MAX_CHARACTERS: usize = 4096;
/// Telegram's limit on the raw text, markup included.
pub(crate) const MAX_BYTES: usize = 1 << 15;

const ELLIPSIS: &str = "…";

/// One token: where it ends (a byte offset) and how many UTF-16 code units
/// of text it shows.
pub(crate) struct Step {
    pub end: usize,
    pub visible: usize,
}

/// Walks a message token by token, tracking the entities left open.
pub(crate) trait Scanner {
    fn next(&mut self) -> Option<Step>;
    /// Whether the message may be cut after the last token.
    fn can_cut(&self) -> bool;
    /// The markup that closes the entities open after the last token.
    fn closers(&self) -> String;
}

/// `text` as sent in `parse_mode`, cut to Telegram's limits when longer;
/// the flag says whether it was cut.
pub(crate) fn fit_message(text: &str, parse_mode: &str) -> (String, bool) {
    fit_within(text, parse_mode, MAX_CHARACTERS, MAX_BYTES)
}

pub(crate) fn fit_within(text: &str, parse_mode: &str, characters: usize, bytes: usize) -> (String, bool) {
    match parse_mode {
        "HTML" => fit(text, HtmlScanner::new(text), characters, bytes),
        "MarkdownV2" => fit(text, MarkdownV2Scanner::new(text), characters, bytes),
        "Markdown" => fit(text, MarkdownScanner::new(text), characters, bytes),
        _ => fit(text, PlainScanner { text, position: 0 }, characters, bytes),
    }
}

fn fit(text: &str, mut scanner: impl Scanner, characters: usize, bytes: usize) -> (String, bool) {
    let ellipsis_units = ELLIPSIS.encode_utf16().count();
    let mut visible = 0;
    let mut cut: (usize, String) = (0, String::new());
    while let Some(step) = scanner.next() {
        visible += step.visible;
        if step.end > bytes || visible > characters {
            let (end, closers) = cut;
            return (format!("{}{ELLIPSIS}{closers}", &text[..end]), true);
        }
        if visible + ellipsis_units <= characters && scanner.can_cut() {
            let closers = scanner.closers();
            if step.end + ELLIPSIS.len() + closers.len() <= bytes {
                cut = (step.end, closers);
            }
        }
    }
    (text.to_string(), false)
}

/// Utf-16 code units of `character`, as Telegram counts text length.
pub(crate) fn units(character: char) -> usize {
    character.len_utf16()
}

struct PlainScanner<'a> {
    text: &'a str,
    position: usize,
}

impl Scanner for PlainScanner<'_> {
    fn next(&mut self) -> Option<Step> {
        let character = self.text[self.position..].chars().next()?;
        self.position += character.len_utf8();
        Some(Step { end: self.position, visible: units(character) })
    }

    fn can_cut(&self) -> bool {
        true
    }

    fn closers(&self) -> String {
        String::new()
    }
}

/// Telegram's HTML: tags, the entities `&lt;` `&gt;` `&amp;` `&quot;` and
/// numeric ones, and text.
struct HtmlScanner<'a> {
    text: &'a str,
    position: usize,
    /// Open tags, lower case names.
    open: Vec<String>,
}

impl<'a> HtmlScanner<'a> {
    fn new(text: &'a str) -> Self {
        HtmlScanner { text, position: 0, open: Vec::new() }
    }

    fn tag(&mut self, rest: &str) -> Step {
        let closing = rest.starts_with("</");
        let length = tag_length(rest);
        let name: String = rest[if closing { 2 } else { 1 }..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if closing {
            if let Some(index) = self.open.iter().rposition(|open| *open == name) {
                self.open.truncate(index);
            }
        } else {
            self.open.push(name);
        }
        Step { end: self.position + length, visible: 0 }
    }
}

impl Scanner for HtmlScanner<'_> {
    fn next(&mut self) -> Option<Step> {
        let rest = &self.text[self.position..];
        let first = rest.chars().next()?;
        let step = if first == '<' && is_tag_start(rest) {
            self.tag(rest)
        } else if first == '&' {
            let length = entity_length(rest).unwrap_or(1);
            Step { end: self.position + length, visible: entity_units(&rest[..length]) }
        } else {
            Step { end: self.position + first.len_utf8(), visible: units(first) }
        };
        self.position = step.end;
        Some(step)
    }

    fn can_cut(&self) -> bool {
        // A custom emoji's text must stay the emoji it stands for.
        !self.open.iter().any(|tag| tag == "tg-emoji")
    }

    fn closers(&self) -> String {
        self.open.iter().rev().map(|tag| format!("</{tag}>")).collect()
    }
}

fn is_tag_start(rest: &str) -> bool {
    let after = rest[1..].strip_prefix('/').unwrap_or(&rest[1..]);
    after.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Through the closing `>`, quoted attribute values skipped; the rest of
/// the text when unclosed.
fn tag_length(rest: &str) -> usize {
    let mut quote = None;
    for (index, character) in rest.char_indices() {
        match (quote, character) {
            (None, '"' | '\'') => quote = Some(character),
            (Some(open), _) if character == open => quote = None,
            (None, '>') => return index + 1,
            _ => {}
        }
    }
    rest.len()
}

/// The length of a character reference Telegram decodes (`&lt;`, `&gt;`,
/// `&amp;`, `&quot;`, `&#NNN;`, `&#xHH;`, the `;` optional), else `None`.
fn entity_length(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut end = 1;
    if bytes.get(1) == Some(&b'#') {
        end = 2;
        let hex = matches!(bytes.get(2), Some(b'x' | b'X'));
        if hex {
            end = 3;
        }
        let digits_start = end;
        while bytes.get(end).is_some_and(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() }) {
            end += 1;
        }
        let digits = &rest[digits_start..end];
        let code = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok()?;
        char::from_u32(code).filter(|c| *c != '\0')?;
    } else {
        while bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            end += 1;
        }
        if !matches!(&rest[1..end], "lt" | "gt" | "amp" | "quot") {
            return None;
        }
    }
    if bytes.get(end) == Some(&b';') {
        end += 1;
    }
    Some(end)
}

/// What a reference shows: one character, two UTF-16 units above U+FFFF.
fn entity_units(reference: &str) -> usize {
    let digits = reference.trim_start_matches("&#").trim_end_matches(';');
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => digits.parse().ok(),
    };
    code.and_then(char::from_u32).map_or(1, units)
}

#[cfg(test)]
#[path = "telegram_fit_tests.rs"]
mod tests;
