//! Executes parse trees against data, following golang/go
//! src/text/template/exec.go: the walk over actions, `if`/`with`/`range`,
//! template invocation and the variable stack.

use std::fmt;

use super::ast::{Branch, Command, Node, Operand, Pipe, Tree};
use super::error::{Error, line_col};
use super::template::Set;
use super::value::{Map, Value};

#[path = "exec_eval.rs"]
mod eval;

/// How a walk ended: normally, or by `{{break}}`/`{{continue}}` heading
/// for the innermost range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

enum Source {
    List(std::sync::Arc<Vec<Value>>),
    Map(std::sync::Arc<Map>),
    Count(i64),
}

/// The node an error is reported at; prints as Go's node `String()`.
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    Node(&'a Node),
    Pipe(&'a Pipe),
    Command(&'a Command),
    Operand(&'a Operand),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Node(Node::Action(pipe)) => pipe.pos,
            At::Pipe(pipe) => pipe.pos,
            At::Node(Node::If(b) | Node::With(b) | Node::Range(b)) => b.pipe.pos,
            At::Node(Node::Template { pos, .. } | Node::Break(pos) | Node::Continue(pos)) => *pos,
            At::Node(Node::Text(_)) => 0,
            At::Command(cmd) => cmd.pos,
            At::Operand(operand) => operand.pos(),
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Node(node) => write!(f, "{node}"),
            At::Pipe(pipe) => write!(f, "{pipe}"),
            At::Command(cmd) => write!(f, "{cmd}"),
            At::Operand(operand) => write!(f, "{operand}"),
        }
    }
}

/// The variables and template of one template invocation. Go gives each
/// `{{template}}` call a fresh stack holding only `$`.
pub(crate) struct Frame<'a> {
    tree: &'a Tree,
    vars: Vec<(String, Value)>,
}

/// State shared by all frames of one execution.
pub(crate) struct Exec<'a> {
    set: &'a Set,
    out: String,
    depth: usize,
    steps: u64,
}

/// Errors are boxed inside the engine: a small `Result` keeps the frames
/// of the recursive walk small, which bounds stack use per nesting level.
type ExecResult<T> = Result<T, Box<Error>>;

/// Runs template `tree` with `data` as dot and `$`, and the host's
/// predeclared variables.
pub(crate) fn execute(set: &Set, tree: &Tree, data: &Value, vars: &[(&str, Value)]) -> Result<String, Error> {
    let mut exec = Exec { set, out: String::new(), depth: 0, steps: 0 };
    let mut frame = Frame { tree, vars: vec![("$".to_string(), data.clone())] };
    for name in &tree.predeclared {
        let bare = name.trim_start_matches('$');
        let value =
            vars.iter().find(|(n, _)| n.trim_start_matches('$') == bare).map(|(_, v)| v.clone()).unwrap_or_default();
        frame.vars.push((name.clone(), value));
    }
    exec.walk_list(&mut frame, data, &tree.root).map_err(|e| *e)?;
    Ok(exec.out)
}

impl<'a> Exec<'a> {
    #[cold]
    #[inline(never)]
    fn error(&self, frame: &Frame<'_>, at: At<'_>, message: impl Into<String>) -> Box<Error> {
        let (line, col) = line_col(&frame.tree.text, at.pos());
        Box::new(Error::Exec {
            location: format!("{}:{line}:{col}", frame.tree.parse_name),
            template: frame.tree.name.clone(),
            context: at.to_string(),
            message: message.into(),
        })
    }

    fn write(&mut self, frame: &Frame<'_>, at: At<'_>, text: &str) -> ExecResult<()> {
        self.out.push_str(text);
        let limit = self.set.limits.max_output_bytes;
        if self.out.len() > limit {
            return Err(self.error(frame, at, format!("output exceeds the limit of {limit} bytes")));
        }
        Ok(())
    }

    /// Counts work so that loops like `{{range 1000000000}}` end in an
    /// error rather than running for hours.
    fn step(&mut self, frame: &Frame<'_>, at: At<'_>) -> ExecResult<()> {
        self.steps += 1;
        let limit = self.set.limits.max_steps;
        if self.steps > limit {
            return Err(self.error(frame, at, format!("execution exceeds the limit of {limit} steps")));
        }
        Ok(())
    }

    /// Bounds the recursion of nested blocks and template calls; see
    /// `Limits::max_depth`.
    fn enter(&mut self, frame: &Frame<'_>, at: At<'_>) -> ExecResult<()> {
        let limit = self.set.limits.max_depth;
        if self.depth >= limit {
            return Err(self.error(frame, at, format!("exceeded maximum template depth ({limit})")));
        }
        self.depth += 1;
        Ok(())
    }

    fn walk_list(&mut self, frame: &mut Frame<'a>, dot: &Value, list: &'a [Node]) -> ExecResult<Flow> {
        for node in list {
            let flow = self.walk(frame, dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    // The walk recurses once per nested block or template call; each arm
    // lives in its own function so that no frame on that path carries the
    // locals of the others.
    fn walk(&mut self, frame: &mut Frame<'a>, dot: &Value, node: &'a Node) -> ExecResult<Flow> {
        self.step(frame, At::Node(node))?;
        match node {
            Node::Text(text) => self.write(frame, At::Node(node), text).map(|()| Flow::Normal),
            Node::Action(pipe) => self.walk_action(frame, dot, node, pipe),
            Node::If(branch) | Node::With(branch) | Node::Range(branch) => self.walk_block(frame, dot, node, branch),
            Node::Template { name, pipe, .. } => self.walk_template(frame, dot, node, name, pipe.as_deref()),
            Node::Break(_) => Ok(Flow::Break),
            Node::Continue(_) => Ok(Flow::Continue),
        }
    }

    #[inline(never)]
    fn walk_action(&mut self, frame: &mut Frame<'a>, dot: &Value, node: &'a Node, pipe: &'a Pipe) -> ExecResult<Flow> {
        // Variables declared here persist to the enclosing end; a
        // declaration prints nothing.
        let value = self.eval_pipeline(frame, dot, pipe)?;
        if pipe.decl.is_empty() {
            self.write(frame, At::Node(node), &super::fmt::display(&value))?;
        }
        Ok(Flow::Normal)
    }

    #[inline(never)]
    fn walk_block(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        node: &'a Node,
        branch: &'a Branch,
    ) -> ExecResult<Flow> {
        self.enter(frame, At::Node(node))?;
        let flow = match node {
            Node::Range(_) => self.walk_range(frame, dot, branch),
            _ => self.walk_if_or_with(frame, dot, branch, matches!(node, Node::With(_))),
        };
        self.depth -= 1;
        flow
    }

    #[inline(never)]
    fn walk_if_or_with(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        branch: &'a Branch,
        is_with: bool,
    ) -> ExecResult<Flow> {
        let mark = frame.vars.len();
        let value = self.eval_pipeline(frame, dot, &branch.pipe)?;
        let flow = match (value.is_true(), &branch.else_list) {
            (true, _) => self.walk_list(frame, if is_with { &value } else { dot }, &branch.list),
            (false, Some(else_list)) => self.walk_list(frame, dot, else_list),
            (false, None) => Ok(Flow::Normal),
        };
        frame.vars.truncate(mark);
        flow
    }

    #[inline(never)]
    fn walk_range(&mut self, frame: &mut Frame<'a>, dot: &Value, branch: &'a Branch) -> ExecResult<Flow> {
        let mark = frame.vars.len();
        let ran = match self.range_source(frame, dot, branch)? {
            Source::List(items) => self.range_list(frame, branch, &items)?,
            Source::Map(map) => self.range_map(frame, branch, &map)?,
            Source::Count(count) => self.range_count(frame, branch, count)?,
        };
        let flow = match &branch.else_list {
            Some(else_list) if !ran => self.walk_list(frame, dot, else_list),
            _ => Ok(Flow::Normal),
        };
        frame.vars.truncate(mark);
        flow
    }

    /// What a range iterates over: lists, maps in key order, and (as in
    /// Go 1.22) an int counting from zero; nil is empty.
    #[inline(never)]
    fn range_source(&mut self, frame: &mut Frame<'a>, dot: &Value, branch: &'a Branch) -> ExecResult<Source> {
        match self.eval_pipeline(frame, dot, &branch.pipe)?.resolved() {
            Value::List(items) => Ok(Source::List(items)),
            Value::Map(map) => Ok(Source::Map(map)),
            Value::Int(n) if branch.pipe.decl.len() > 1 => {
                let message = format!("can't use {n} to iterate over more than one variable");
                Err(self.error(frame, At::Pipe(&branch.pipe), message))
            }
            Value::Int(n) => Ok(Source::Count(n)),
            Value::Nil => Ok(Source::Count(0)),
            other => {
                let message = format!("range can't iterate over {}", super::fmt::display(&other));
                Err(self.error(frame, At::Pipe(&branch.pipe), message))
            }
        }
    }

    /// Each loop returns whether the body ran at least once.
    #[inline(never)]
    fn range_list(&mut self, frame: &mut Frame<'a>, branch: &'a Branch, items: &[Value]) -> ExecResult<bool> {
        for (i, item) in items.iter().enumerate() {
            if self.iterate(frame, branch, Value::from(i), item)? == Flow::Break {
                break;
            }
        }
        Ok(!items.is_empty())
    }

    #[inline(never)]
    fn range_map(&mut self, frame: &mut Frame<'a>, branch: &'a Branch, map: &Map) -> ExecResult<bool> {
        for (key, item) in &map.entries {
            if self.iterate(frame, branch, Value::from(key), item)? == Flow::Break {
                break;
            }
        }
        Ok(!map.entries.is_empty())
    }

    /// `{{range 5}}`: the element is the counter.
    #[inline(never)]
    fn range_count(&mut self, frame: &mut Frame<'a>, branch: &'a Branch, count: i64) -> ExecResult<bool> {
        for i in 0..count {
            if self.iterate(frame, branch, Value::Int(i), &Value::Int(i))? == Flow::Break {
                break;
            }
        }
        Ok(count > 0)
    }

    /// One pass of a range body with `$i, $e` bound; returns `Break` when
    /// the body breaks out of the loop.
    #[inline(never)]
    fn iterate(
        &mut self,
        frame: &mut Frame<'a>,
        branch: &'a Branch,
        index: Value,
        element: &Value,
    ) -> ExecResult<Flow> {
        let body_mark = frame.vars.len();
        self.bind_range_vars(frame, &branch.pipe, index, element)?;
        let flow = self.walk_list(frame, element, &branch.list)?;
        frame.vars.truncate(body_mark);
        Ok(if flow == Flow::Break { Flow::Break } else { Flow::Normal })
    }

    /// Sets `$e` or `$i, $e` for one iteration: declared variables sit on
    /// top of the stack; assigned ones (`=`) are found by name.
    #[inline(never)]
    fn bind_range_vars(&mut self, frame: &mut Frame<'a>, pipe: &Pipe, index: Value, element: &Value) -> ExecResult<()> {
        self.step(frame, At::Pipe(pipe))?;
        let top = frame.vars.len();
        match (pipe.decl.as_slice(), pipe.is_assign) {
            ([only], true) => self.set_var(frame, pipe, only, element.clone())?,
            ([first, second], true) => {
                self.set_var(frame, pipe, first, index)?;
                self.set_var(frame, pipe, second, element.clone())?;
            }
            ([_], false) => frame.vars[top - 1].1 = element.clone(),
            ([_, _], false) => {
                frame.vars[top - 1].1 = element.clone();
                frame.vars[top - 2].1 = index;
            }
            _ => {}
        }
        Ok(())
    }

    #[inline(never)]
    fn walk_template(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        node: &'a Node,
        name: &str,
        pipe: Option<&'a Pipe>,
    ) -> ExecResult<Flow> {
        let mut callee = self.template_frame(frame, dot, node, name, pipe)?;
        let dot = callee.vars[0].1.clone();
        let tree: &'a Tree = callee.tree;
        let result = self.walk_list(&mut callee, &dot, &tree.root);
        self.depth -= 1;
        result.map(|_| Flow::Normal)
    }

    /// Looks up the callee, enters one level and evaluates its dot. Kept
    /// apart from `walk_template` so the recursion carries no temporaries.
    #[inline(never)]
    fn template_frame(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        node: &'a Node,
        name: &str,
        pipe: Option<&'a Pipe>,
    ) -> ExecResult<Frame<'a>> {
        let at = At::Node(node);
        let Some(tree) = self.set.trees.get(name) else {
            let message = format!("template {} not defined", super::fmt::quote(name));
            return Err(self.error(frame, at, message));
        };
        // Variables declared by the pipeline persist in the caller.
        let new_dot = match pipe {
            Some(pipe) => self.eval_pipeline(frame, dot, pipe)?,
            None => Value::Nil,
        };
        self.enter(frame, at)?;
        // No dynamic scoping: the callee sees only `$`.
        Ok(Frame { tree, vars: vec![("$".to_string(), new_dot)] })
    }

    fn set_var(&self, frame: &mut Frame<'_>, pipe: &Pipe, name: &str, value: Value) -> ExecResult<()> {
        match frame.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => Err(self.error(frame, At::Pipe(pipe), format!("undefined variable: {name}"))),
        }
    }
}

#[cfg(test)]
#[path = "exec_tests.rs"]
mod tests;
