//! Pipelines, commands and operands: the inside of an action.

use super::super::ast::{Command, Operand, Pipe};
use super::super::lex::{Kind, Token};
use super::super::literal::{parse_number, unquote, unquote_char};
use super::{ParseResult, Parser};

impl Parser<'_> {
    /// `declarations? command ('|' command)*` up to `end`.
    pub(super) fn pipeline(&mut self, context: &str, end: Kind) -> ParseResult<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe { pos, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        self.declarations(&mut pipe, context)?;
        loop {
            let token = self.next_non_space();
            match token.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    /// `$x :=`, `$x =`, or in a range `$i, $e :=`.
    fn declarations(&mut self, pipe: &mut Pipe, context: &str) -> ParseResult<()> {
        loop {
            let variable = self.peek_non_space().clone();
            if variable.kind != Kind::Variable {
                return Ok(());
            }
            let start = self.index;
            self.next();
            let next = self.peek_non_space().clone();
            match next.kind {
                Kind::Assign | Kind::Declare => {
                    pipe.is_assign = next.kind == Kind::Assign;
                    self.next_non_space();
                    pipe.decl.push(variable.val.clone());
                    self.vars.push(variable.val);
                    return Ok(());
                }
                Kind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(variable.val.clone());
                    self.vars.push(variable.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            Kind::Variable | Kind::RightDelim | Kind::RightParen => continue,
                            _ => return self.error("range can only initialize variables"),
                        }
                    }
                    return self.error(format!("too many declarations in {context}"));
                }
                _ => {
                    // An ordinary argument: undo the lookahead.
                    self.index = start;
                    return Ok(());
                }
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> ParseResult<()> {
        if pipe.cmds.is_empty() {
            return self.error(format!("missing value for {context}"));
        }
        // Only the first stage may be a literal; later ones receive input.
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args.first(),
                Some(
                    Operand::Bool(..)
                        | Operand::Dot(_)
                        | Operand::Nil(_)
                        | Operand::Number { .. }
                        | Operand::String { .. }
                )
            ) {
                return self.error(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    /// Space-separated operands up to `|`, `)` or `}}`.
    fn command(&mut self) -> ParseResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.error("empty command");
        }
        Ok(cmd)
    }

    /// A term followed by `.Field` accesses.
    fn operand(&mut self) -> ParseResult<Option<Operand>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some(node));
        }
        self.chain(node).map(Some)
    }

    /// `term.Field1.Field2`; fields of `.X` and `$x` merge into them.
    #[inline(never)]
    fn chain(&mut self, node: Operand) -> ParseResult<Operand> {
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == Kind::Field {
            fields.push(self.next().val[1..].to_string());
        }
        Ok(match node {
            Operand::Field { mut idents, .. } => {
                idents.extend(fields);
                Operand::Field { pos, idents }
            }
            Operand::Variable { mut idents, .. } => {
                idents.extend(fields);
                Operand::Variable { pos, idents }
            }
            Operand::Bool(..) | Operand::String { .. } | Operand::Number { .. } | Operand::Nil(_) | Operand::Dot(_) => {
                let term = super::super::fmt::quote(&node.to_string());
                return self.error(format!("unexpected . after term {term}"));
            }
            node => Operand::Chain { pos, node: Box::new(node), fields },
        })
    }

    /// A literal, function name, `.`, field, variable or parenthesized
    /// pipeline; `None` when the next token starts none of these.
    fn term(&mut self) -> ParseResult<Option<Operand>> {
        let token = self.next_non_space();
        match token.kind {
            Kind::LeftParen => self.parenthesized().map(Some),
            Kind::Identifier
            | Kind::Dot
            | Kind::Nil
            | Kind::Variable
            | Kind::Field
            | Kind::Bool
            | Kind::CharConstant
            | Kind::Complex
            | Kind::Number
            | Kind::String
            | Kind::RawString => self.simple_term(token).map(Some),
            _ => {
                self.backup();
                Ok(None)
            }
        }
    }

    /// `( pipeline )`; the `(` is consumed.
    #[inline(never)]
    fn parenthesized(&mut self) -> ParseResult<Operand> {
        self.enter("max expression depth exceeded")?;
        let pipe = self.pipeline("parenthesized pipeline", Kind::RightParen);
        self.depth -= 1;
        Ok(Operand::Pipe(Box::new(pipe?)))
    }

    #[inline(never)]
    fn simple_term(&mut self, token: Token) -> ParseResult<Operand> {
        let pos = token.pos;
        Ok(match token.kind {
            Kind::Identifier => {
                if !(self.has_function)(&token.val) {
                    let name = super::super::fmt::quote(&token.val);
                    return self.error(format!("function {name} not defined"));
                }
                Operand::Identifier { pos, name: token.val }
            }
            Kind::Dot => Operand::Dot(pos),
            Kind::Nil => Operand::Nil(pos),
            Kind::Variable => self.use_var(&token)?,
            Kind::Field => Operand::Field { pos, idents: vec![token.val[1..].to_string()] },
            Kind::Bool => Operand::Bool(pos, token.val == "true"),
            Kind::String | Kind::RawString => match unquote(&token.val) {
                Ok(text) => Operand::String { pos, quoted: token.val, text },
                Err(e) => return self.error(e),
            },
            _ => self.number(token)?,
        })
    }

    fn number(&mut self, token: Token) -> ParseResult<Operand> {
        let value = if token.kind == Kind::CharConstant {
            unquote_char(&token.val).map(super::super::ast::Number::Int)
        } else {
            parse_number(&token.val)
        };
        match value {
            Ok(value) => Ok(Operand::Number { pos: token.pos, text: token.val, value }),
            Err(e) => self.error(e),
        }
    }

    fn use_var(&self, token: &Token) -> ParseResult<Operand> {
        let name = token.val.as_str();
        if !self.vars.iter().any(|v| v == name) {
            return self.error(format!("undefined variable {}", super::super::fmt::quote(name)));
        }
        Ok(Operand::Variable { pos: token.pos, idents: vec![name.to_string()] })
    }
}
