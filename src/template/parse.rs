//! Recursive-descent parser following golang/go
//! src/text/template/parse/parse.go: same grammar, same variable scoping
//! checks, same error messages.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::{Branch, Node, Tree};
use super::error::Error;
use super::lex::{Kind, LexOptions, Token, lex};

/// Deepest nesting of parentheses and control structures. Go allows 10000
/// parentheses (and unbounded blocks) on its growable stacks; parsing and
/// executing recurse once per level, and 100 levels stay well within a
/// 2 MiB thread stack even in debug builds, far beyond what real templates
/// nest.
pub(crate) const MAX_NESTING: usize = 100;

/// Result of parsing one text: the top-level tree and every `define` and
/// `block`, keyed by name.
pub(crate) type TreeSet = HashMap<String, Arc<Tree>>;

/// Parses `text` as template `name`. `has_function` tells which
/// identifiers are functions; `predeclared` names variables (with `$`)
/// that the top-level body may use without declaring them.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_function: &dyn Fn(&str) -> bool,
    predeclared: &[String],
) -> Result<TreeSet, Error> {
    let options = LexOptions { break_ok: !has_function("break"), continue_ok: !has_function("continue") };
    let mut parser = Parser {
        tokens: lex(text, options),
        index: 0,
        furthest: 0,
        parse_name: name.to_string(),
        text: Arc::from(text),
        has_function,
        vars: vec!["$".to_string()],
        range_depth: 0,
        depth: 0,
        action_line: 0,
        trees: TreeSet::new(),
    };
    parser.vars.extend(predeclared.iter().cloned());
    let root = parser.parse_root().map_err(|e| *e)?;
    parser.add(name, root, predeclared.to_vec()).map_err(|e| *e)?;
    Ok(parser.trees)
}

/// What `text_or_action` found: a node, or the `{{end}}`/`{{else}}` that
/// closes the enclosing list.
enum Item {
    Node(Node),
    End,
    Else,
}

impl Item {
    fn describe(&self) -> String {
        match self {
            Item::Node(node) => node.to_string(),
            Item::End => "{{end}}".into(),
            Item::Else => "{{else}}".into(),
        }
    }
}

/// Errors are boxed so that the frames of the recursive descent stay
/// small; see `MAX_NESTING`.
type ParseResult<T> = Result<T, Box<Error>>;

struct Parser<'a> {
    tokens: Vec<Token>,
    index: usize,
    /// Furthest token read; Go reports errors at its line.
    furthest: usize,
    parse_name: String,
    text: Arc<str>,
    has_function: &'a dyn Fn(&str) -> bool,
    /// Variables in scope, innermost last.
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    /// Line of the action being parsed, for unterminated-action errors.
    action_line: usize,
    trees: TreeSet,
}

impl Parser<'_> {
    fn token(&mut self, index: usize) -> &Token {
        let index = index.min(self.tokens.len() - 1);
        self.furthest = self.furthest.max(index);
        &self.tokens[index]
    }

    /// Reading past the end keeps returning the final EOF or error token.
    fn next(&mut self) -> Token {
        let token = self.token(self.index).clone();
        self.index += 1;
        token
    }

    fn peek(&mut self) -> &Token {
        self.token(self.index)
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let token = self.next();
            if token.kind != Kind::Space {
                return token;
            }
        }
    }

    /// Skips spaces and returns the next token without consuming it.
    fn peek_non_space(&mut self) -> &Token {
        while self.peek().kind == Kind::Space {
            self.index += 1;
        }
        self.peek()
    }

    fn backup(&mut self) {
        self.index -= 1;
    }

    #[cold]
    #[inline(never)]
    fn error<T>(&self, message: impl Into<String>) -> ParseResult<T> {
        Err(Box::new(Error::Parse {
            name: self.parse_name.clone(),
            line: self.tokens[self.furthest].line,
            message: message.into(),
        }))
    }

    fn expect(&mut self, kind: Kind, context: &str) -> ParseResult<Token> {
        let token = self.next_non_space();
        if token.kind != kind {
            return self.unexpected(&token, context);
        }
        Ok(token)
    }

    fn unexpected<T>(&self, token: &Token, context: &str) -> ParseResult<T> {
        if token.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.error(format!("{token}{extra}"));
        }
        self.error(format!("unexpected {token} in {context}"))
    }

    /// Adds a tree to the set; a second non-empty definition is an error.
    fn add(&mut self, name: &str, root: Vec<Node>, predeclared: Vec<String>) -> ParseResult<()> {
        let tree = Tree {
            name: name.to_string(),
            parse_name: self.parse_name.clone(),
            root,
            text: self.text.clone(),
            predeclared,
        };
        if self.trees.get(name).is_some_and(|existing| !existing.is_empty()) {
            if tree.is_empty() {
                return Ok(());
            }
            return self.error(format!("template: multiple definition of template {}", super::fmt::quote(name)));
        }
        self.trees.insert(name.to_string(), Arc::new(tree));
        Ok(())
    }

    fn parse_root(&mut self) -> ParseResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != Kind::Eof {
            if self.peek().kind == Kind::LeftDelim {
                let delim_index = self.index;
                self.next();
                if self.next_non_space().kind == Kind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.index = delim_index;
            }
            match self.text_or_action()? {
                Item::Node(node) => root.push(node),
                item => return self.error(format!("unexpected {}", item.describe())),
            }
        }
        Ok(root)
    }

    /// Nodes up to the `{{end}}` or `{{else}}` that closes them.
    fn item_list(&mut self) -> ParseResult<(Vec<Node>, Item)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Item::Node(node) => list.push(node),
                end => return Ok((list, end)),
            }
        }
        self.error("unexpected EOF")
    }

    fn text_or_action(&mut self) -> ParseResult<Item> {
        let token = self.next_non_space();
        match token.kind {
            Kind::Text => Ok(Item::Node(Node::Text(token.val))),
            Kind::LeftDelim => {
                self.action_line = token.line;
                let item = self.action();
                self.action_line = 0;
                item
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> ParseResult<Item> {
        let token = self.next_non_space();
        let node = match token.kind {
            Kind::Block => self.block_control(),
            Kind::Break | Kind::Continue => self.loop_control(&token),
            Kind::Else => return self.else_control(),
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                return Ok(Item::End);
            }
            Kind::If | Kind::Range | Kind::With => self.parse_control(token.kind),
            Kind::Template => self.template_control(),
            _ => {
                self.backup();
                self.action_pipeline()
            }
        };
        node.map(Item::Node)
    }

    fn action_pipeline(&mut self) -> ParseResult<Node> {
        // Variables declared here persist until the enclosing end.
        let pipe = self.pipeline("command", Kind::RightDelim)?;
        Ok(Node::Action(Box::new(pipe)))
    }

    fn loop_control(&mut self, keyword: &Token) -> ParseResult<Node> {
        let context = format!("{{{{{}}}}}", keyword.val);
        let token = self.next_non_space();
        if token.kind != Kind::RightDelim {
            return self.unexpected(&token, &context);
        }
        if self.range_depth == 0 {
            return self.error(format!("{context} outside {{{{range}}}}"));
        }
        Ok(if keyword.kind == Kind::Break { Node::Break(keyword.pos) } else { Node::Continue(keyword.pos) })
    }

    fn else_control(&mut self) -> ParseResult<Item> {
        // "{{else if" and "{{else with" leave the keyword for parse_control.
        if matches!(self.peek_non_space().kind, Kind::If | Kind::With) {
            return Ok(Item::Else);
        }
        self.expect(Kind::RightDelim, "else")?;
        Ok(Item::Else)
    }

    fn enter(&mut self, message: &str) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.error(message);
        }
        Ok(())
    }

    /// `if`, `range` or `with`, up to its `{{end}}`.
    fn parse_control(&mut self, keyword: Kind) -> ParseResult<Node> {
        self.enter("max nesting depth exceeded")?;
        let vars_len = self.vars.len();
        let node = self.parse_control_body(keyword);
        self.vars.truncate(vars_len);
        self.depth -= 1;
        node
    }

    fn parse_control_body(&mut self, keyword: Kind) -> ParseResult<Node> {
        let context = match keyword {
            Kind::If => "if",
            Kind::Range => "range",
            _ => "with",
        };
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        if keyword == Kind::Range {
            self.range_depth += 1;
        }
        let listed = self.item_list();
        if keyword == Kind::Range {
            self.range_depth -= 1;
        }
        let (list, next) = listed?;
        let else_list = match next {
            Item::End => None,
            _ => Some(self.else_branch(keyword)?),
        };
        let branch = Box::new(Branch { pipe, list, else_list });
        Ok(match keyword {
            Kind::If => Node::If(branch),
            Kind::Range => Node::Range(branch),
            _ => Node::With(branch),
        })
    }

    /// After `{{else`: treats `{{else if x}}` as `{{else}}{{if x}}...{{end}}`
    /// with the inner `{{end}}` shared, and likewise for `with`.
    fn else_branch(&mut self, keyword: Kind) -> ParseResult<Vec<Node>> {
        let next = self.peek().kind;
        if next == keyword && matches!(keyword, Kind::If | Kind::With) {
            self.next();
            return Ok(vec![self.parse_control(keyword)?]);
        }
        let (list, next) = self.item_list()?;
        if !matches!(next, Item::End) {
            return self.error(format!("expected end; found {}", next.describe()));
        }
        Ok(list)
    }
}

#[path = "parse_define.rs"]
mod define;
#[path = "parse_pipeline.rs"]
mod pipeline;

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
