//! Scanners for Telegram's two Markdown dialects, for cutting messages
//! (see `telegram_fit`). They follow Telegram's Bot API rules:
//!
//! - MarkdownV2: `*bold*`, `_italic_`, `__underline__` (a `__` is always
//!   underline, greedily), `~strike~`, `||spoiler||`, `` `code` ``,
//!   ```` ```lang ```` blocks, `[text](url)` and `![emoji](tg://emoji…)`,
//!   `>` block quotes and `**>` expandable ones ending in `||`; `\` escapes
//!   any character, and inside code only `` ` `` and `\` matter.
//! - Markdown (legacy): `*bold*`, `_italic_`, `` `code` ``, ```` ``` ````
//!   blocks and links, without nesting; `\` escapes `_*`[` outside them.

use super::telegram_fit::{Scanner, Step, units};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entity {
    Bold,
    Italic,
    Underline,
    Strike,
    Spoiler,
    Code,
    Pre,
    Link,
    ExpandableQuote,
}

impl Entity {
    fn closer(self) -> &'static str {
        match self {
            Entity::Bold => "*",
            Entity::Italic => "_",
            Entity::Underline => "__",
            Entity::Strike => "~",
            Entity::Spoiler | Entity::ExpandableQuote => "||",
            Entity::Code => "`",
            Entity::Pre => "```",
            Entity::Link => "",
        }
    }
}

/// The closing markers for `open`, innermost first. An italic end right
/// before an underline end would read as `___`, which Telegram takes as
/// underline first; a `\r` (which Telegram ignores) keeps them apart.
fn closers(open: &[Entity]) -> String {
    let mut markup = String::new();
    let mut previous = None;
    for &entity in open.iter().rev() {
        if previous == Some(Entity::Italic) && entity == Entity::Underline {
            markup.push('\r');
        }
        markup.push_str(entity.closer());
        previous = Some(entity);
    }
    markup
}

/// One character of text (or an escape showing one character).
fn character_step(position: usize, rest: &str, escaped: bool) -> Step {
    let mut characters = rest.chars();
    let first = characters.next().unwrap_or('\0');
    match characters.next() {
        Some(shown) if escaped => Step { end: position + 1 + shown.len_utf8(), visible: units(shown) },
        _ => Step { end: position + first.len_utf8(), visible: units(first) },
    }
}

fn marker(position: usize, length: usize) -> Step {
    Step { end: position + length, visible: 0 }
}

/// "```", then a language name when whitespace follows it, then one line
/// break, as Telegram reads the start of a code block.
fn pre_opening_length(rest: &str) -> usize {
    let after = &rest[3..];
    let language = after.find(|c: char| c.is_whitespace() || c == '`').unwrap_or(after.len());
    let mut length = 3;
    if language > 0 && after[language..].starts_with(char::is_whitespace) {
        length += language;
    }
    match &rest[length..] {
        tail if tail.starts_with("\r\n") => length + 2,
        tail if tail.starts_with(['\n', '\r']) => length + 1,
        _ => length,
    }
}

/// `](url)` through the closing parenthesis, `\` escaping inside the URL.
fn link_end_length(rest: &str, escapes: bool) -> usize {
    if !rest[1..].starts_with('(') {
        return 1;
    }
    let bytes = rest.as_bytes();
    let mut position = 2;
    while position < bytes.len() {
        match bytes[position] {
            b'\\' if escapes => position += 2,
            b')' => return position + 1,
            _ => position += 1,
        }
    }
    rest.len()
}

pub(crate) struct MarkdownV2Scanner<'a> {
    text: &'a str,
    position: usize,
    open: Vec<Entity>,
    line_start: bool,
}

impl<'a> MarkdownV2Scanner<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        MarkdownV2Scanner { text, position: 0, open: Vec::new(), line_start: true }
    }

    fn toggle(&mut self, entity: Entity, length: usize) -> Step {
        if self.open.last() == Some(&entity) {
            self.open.pop();
        } else {
            self.open.push(entity);
        }
        marker(self.position, length)
    }

    fn inside_code(&mut self, rest: &str, block: bool) -> Step {
        let closing = if block { rest.starts_with("```") } else { rest.starts_with('`') };
        if closing {
            self.open.pop();
            return marker(self.position, if block { 3 } else { 1 });
        }
        character_step(self.position, rest, rest.starts_with('\\'))
    }

    fn at_line_start(&mut self, rest: &str) -> Option<Step> {
        if !self.line_start {
            return None;
        }
        if self.open.last() == Some(&Entity::ExpandableQuote) && !rest.starts_with('>') {
            self.open.pop();
        }
        if rest.starts_with("**>") {
            self.open.push(Entity::ExpandableQuote);
            return Some(marker(self.position, 3));
        }
        rest.starts_with('>').then(|| marker(self.position, 1))
    }

    fn outside_code(&mut self, rest: &str) -> Step {
        if let Some(step) = self.at_line_start(rest) {
            return step;
        }
        let top = self.open.last().copied();
        let quote_end = top == Some(Entity::ExpandableQuote)
            && rest.starts_with("||")
            && (rest.len() == 2 || rest[2..].starts_with('\n'));
        match rest.as_bytes()[0] {
            b'\\' => character_step(self.position, rest, rest.len() > 1),
            b'*' => self.toggle(Entity::Bold, 1),
            b'_' if rest.starts_with("__") => self.toggle(Entity::Underline, 2),
            b'_' => self.toggle(Entity::Italic, 1),
            b'~' => self.toggle(Entity::Strike, 1),
            b'|' if quote_end => {
                self.open.pop();
                marker(self.position, 2)
            }
            b'|' if rest.starts_with("||") => self.toggle(Entity::Spoiler, 2),
            b'`' if rest.starts_with("```") => {
                self.open.push(Entity::Pre);
                marker(self.position, pre_opening_length(rest))
            }
            b'`' => self.toggle(Entity::Code, 1),
            b'[' | b'!' if rest.starts_with('[') || rest.starts_with("![") => {
                self.open.push(Entity::Link);
                marker(self.position, if rest.starts_with('!') { 2 } else { 1 })
            }
            b']' if top == Some(Entity::Link) => {
                self.open.pop();
                marker(self.position, link_end_length(rest, true))
            }
            _ => character_step(self.position, rest, false),
        }
    }
}

impl Scanner for MarkdownV2Scanner<'_> {
    fn next(&mut self) -> Option<Step> {
        let rest = &self.text[self.position..];
        if rest.is_empty() {
            return None;
        }
        let step = match self.open.last() {
            Some(Entity::Code) => self.inside_code(rest, false),
            Some(Entity::Pre) => self.inside_code(rest, true),
            _ => self.outside_code(rest),
        };
        self.line_start = self.text[..step.end].ends_with('\n');
        self.position = step.end;
        Some(step)
    }

    fn can_cut(&self) -> bool {
        !self.open.contains(&Entity::Link)
    }

    fn closers(&self) -> String {
        closers(&self.open)
    }
}

pub(crate) struct MarkdownScanner<'a> {
    text: &'a str,
    position: usize,
    open: Option<Entity>,
}

impl<'a> MarkdownScanner<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        MarkdownScanner { text, position: 0, open: None }
    }

    fn open(&mut self, entity: Entity, length: usize) -> Step {
        self.open = Some(entity);
        marker(self.position, length)
    }

    fn close_or_text(&mut self, entity: Entity, rest: &str) -> Step {
        let closing = match entity {
            Entity::Pre => rest.starts_with("```"),
            Entity::Link => rest.starts_with(']'),
            _ => rest.starts_with(entity.closer()),
        };
        if !closing {
            return character_step(self.position, rest, false);
        }
        self.open = None;
        let length = if entity == Entity::Link { link_end_length(rest, false) } else { entity.closer().len() };
        marker(self.position, length)
    }
}

impl Scanner for MarkdownScanner<'_> {
    fn next(&mut self) -> Option<Step> {
        let rest = &self.text[self.position..];
        if rest.is_empty() {
            return None;
        }
        let step = match self.open {
            Some(entity) => self.close_or_text(entity, rest),
            None => match rest.as_bytes()[0] {
                b'\\' if rest[1..].starts_with(['_', '*', '`', '[']) => character_step(self.position, rest, true),
                b'*' => self.open(Entity::Bold, 1),
                b'_' => self.open(Entity::Italic, 1),
                b'`' if rest.starts_with("```") => self.open(Entity::Pre, pre_opening_length(rest)),
                b'`' => self.open(Entity::Code, 1),
                b'[' => self.open(Entity::Link, 1),
                _ => character_step(self.position, rest, false),
            },
        };
        self.position = step.end;
        Some(step)
    }

    fn can_cut(&self) -> bool {
        self.open != Some(Entity::Link)
    }

    fn closers(&self) -> String {
        self.open.map_or_else(String::new, |entity| entity.closer().to_string())
    }
}
