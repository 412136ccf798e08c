//! `define`, `block` and `template`: named sub-templates and their calls.

use super::super::ast::Node;
use super::super::lex::{Kind, Token};
use super::super::literal::unquote;
use super::{Item, ParseResult, Parser};

impl Parser<'_> {
    /// Parses a sub-template body with a fresh variable scope, as Go gives
    /// each `define` and `block` its own tree.
    fn parse_subtree(&mut self, context: &str) -> ParseResult<Vec<Node>> {
        let vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let range_depth = std::mem::take(&mut self.range_depth);
        let listed = self.item_list();
        self.vars = vars;
        self.range_depth = range_depth;
        let (list, end) = listed?;
        if !matches!(end, Item::End) {
            return self.error(format!("unexpected {} in {context}", end.describe()));
        }
        Ok(list)
    }

    pub(super) fn parse_definition(&mut self) -> ParseResult<()> {
        const CONTEXT: &str = "define clause";
        let token = self.next_non_space();
        if !matches!(token.kind, Kind::String | Kind::RawString) {
            return self.unexpected(&token, CONTEXT);
        }
        let name = match unquote(&token.val) {
            Ok(name) => name,
            Err(e) => return self.error(e),
        };
        self.expect(Kind::RightDelim, CONTEXT)?;
        let list = self.parse_subtree(CONTEXT)?;
        self.add(&name, list, Vec::new())
    }

    fn template_name(&mut self, token: &Token, context: &str) -> ParseResult<String> {
        if !matches!(token.kind, Kind::String | Kind::RawString) {
            return self.unexpected(token, context);
        }
        match unquote(&token.val) {
            Ok(name) => Ok(name),
            Err(e) => self.error(e),
        }
    }

    pub(super) fn block_control(&mut self) -> ParseResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, Kind::RightDelim)?;
        self.enter("max nesting depth exceeded")?;
        let list = self.parse_subtree(CONTEXT);
        self.depth -= 1;
        self.add(&name, list?, Vec::new())?;
        Ok(Node::Template { pos: token.pos, name, pipe: Some(Box::new(pipe)) })
    }

    pub(super) fn template_control(&mut self) -> ParseResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = if self.peek_non_space().kind == Kind::RightDelim {
            self.next();
            None
        } else {
            Some(Box::new(self.pipeline(CONTEXT, Kind::RightDelim)?))
        };
        Ok(Node::Template { pos: token.pos, name, pipe })
    }
}
