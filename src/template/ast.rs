//! Parse tree of a template, shaped like golang/go
//! src/text/template/parse/node.go. `Display` reproduces Go's `String()`,
//! which execution errors quote as the failing node ("at <.Foo>").

use std::fmt;
use std::sync::Arc;

/// One parsed template: the body of a file or of a `{{define}}`.
#[derive(Debug)]
pub(crate) struct Tree {
    /// Name under which the template is invoked.
    pub name: String,
    /// Name of the top-level template being parsed, for error locations.
    pub parse_name: String,
    pub root: Vec<Node>,
    /// The whole source text, for turning positions into lines.
    pub text: Arc<str>,
    /// Variables the host predeclares for the top-level body ($labels, ...).
    pub predeclared: Vec<String>,
}

impl Tree {
    /// Go's `IsEmptyTree`: nothing but whitespace text.
    pub fn is_empty(&self) -> bool {
        self.root.iter().all(|node| match node {
            Node::Text(text) => text.trim().is_empty(),
            _ => false,
        })
    }
}

#[derive(Debug)]
// Children are boxed to keep `Node` small: parsing and executing recurse
// through nested nodes, and small values mean small stack frames.
pub(crate) enum Node {
    Text(String),
    Action(Box<Pipe>),
    If(Box<Branch>),
    With(Box<Branch>),
    Range(Box<Branch>),
    Template { pos: usize, name: String, pipe: Option<Box<Pipe>> },
    Break(usize),
    Continue(usize),
}

/// The shared shape of `if`, `with` and `range`.
#[derive(Debug)]
pub(crate) struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

/// A pipeline with optional variable declarations: `$x := a | b c`.
#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared or assigned variable names, with their `$`.
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

/// A function or value followed by its space-separated arguments.
#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Operand>,
}

#[derive(Debug)]
pub(crate) enum Operand {
    /// `.A.B`: fields of dot.
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    /// `$x.A.B`: the variable name first, then fields.
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    /// `(pipeline).A.B` or `func.A`.
    Chain {
        pos: usize,
        node: Box<Operand>,
        fields: Vec<String>,
    },
    Identifier {
        pos: usize,
        name: String,
    },
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    Number {
        pos: usize,
        text: String,
        value: Number,
    },
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    Pipe(Box<Pipe>),
}

/// A numeric constant as Go's `idealConstant` types it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
    /// Fits only an unsigned 64-bit integer: an error when used, as in Go.
    Overflow,
}

impl Operand {
    pub fn pos(&self) -> usize {
        match self {
            Operand::Field { pos, .. }
            | Operand::Variable { pos, .. }
            | Operand::Chain { pos, .. }
            | Operand::Identifier { pos, .. }
            | Operand::Number { pos, .. }
            | Operand::String { pos, .. } => *pos,
            Operand::Dot(pos) | Operand::Nil(pos) | Operand::Bool(pos, _) => *pos,
            Operand::Pipe(pipe) => pipe.pos,
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(text) => write!(f, "{}", super::fmt::quote(text)),
            Node::Action(pipe) => write!(f, "{{{{{pipe}}}}}"),
            Node::If(branch) => write_branch(f, "if", branch),
            Node::With(branch) => write_branch(f, "with", branch),
            Node::Range(branch) => write_branch(f, "range", branch),
            Node::Template { name, pipe, .. } => match pipe {
                Some(pipe) => write!(f, "{{{{template {} {pipe}}}}}", super::fmt::quote(name)),
                None => write!(f, "{{{{template {}}}}}", super::fmt::quote(name)),
            },
            Node::Break(_) => write!(f, "{{{{break}}}}"),
            Node::Continue(_) => write!(f, "{{{{continue}}}}"),
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Node]) -> fmt::Result {
    list.iter().try_for_each(|node| write!(f, "{node}"))
}

fn write_branch(f: &mut fmt::Formatter<'_>, keyword: &str, branch: &Branch) -> fmt::Result {
    write!(f, "{{{{{keyword} {}}}}}", branch.pipe)?;
    write_list(f, &branch.list)?;
    if let Some(else_list) = &branch.else_list {
        write!(f, "{{{{else}}}}")?;
        write_list(f, else_list)?;
    }
    write!(f, "{{{{end}}}}")
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            let op = if self.is_assign { "=" } else { ":=" };
            write!(f, "{} {op} ", self.decl.join(", "))?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            match arg {
                Operand::Pipe(pipe) => write!(f, "({pipe})")?,
                arg => write!(f, "{arg}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field { idents, .. } => idents.iter().try_for_each(|id| write!(f, ".{id}")),
            Operand::Variable { idents, .. } => write!(f, "{}", idents.join(".")),
            Operand::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Operand::Pipe(pipe) => write!(f, "({pipe})")?,
                    node => write!(f, "{node}")?,
                }
                fields.iter().try_for_each(|field| write!(f, ".{field}"))
            }
            Operand::Identifier { name, .. } => write!(f, "{name}"),
            Operand::Dot(_) => write!(f, "."),
            Operand::Nil(_) => write!(f, "nil"),
            Operand::Bool(_, b) => write!(f, "{b}"),
            Operand::Number { text, .. } => write!(f, "{text}"),
            Operand::String { quoted, .. } => write!(f, "{quoted}"),
            Operand::Pipe(pipe) => write!(f, "{pipe}"),
        }
    }
}
