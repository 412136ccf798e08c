//! Evaluation of pipelines, commands, fields and function calls
//! (exec.go's `eval*` functions).

use super::super::ast::{Command, Number, Operand, Pipe};
use super::super::funcs::{Arity, Builtin, call_builtin};
use super::super::template::MissingKey;
use super::super::value::Value;
use super::{At, Exec, ExecResult, Frame};

impl<'a> Exec<'a> {
    /// Evaluates a pipeline, pushing or assigning its declared variables.
    pub(super) fn eval_pipeline(&mut self, frame: &mut Frame<'a>, dot: &Value, pipe: &'a Pipe) -> ExecResult<Value> {
        let mut value = None;
        for cmd in &pipe.cmds {
            // Each command receives the previous result as its last argument.
            value = Some(self.eval_command(frame, dot, cmd, value)?);
        }
        let value = value.unwrap_or_default();
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(frame, pipe, name, value.clone())?;
            } else {
                frame.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn eval_command(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        cmd: &'a Command,
        last: Option<Value>,
    ) -> ExecResult<Value> {
        let first = &cmd.args[0];
        let args = cmd.args.as_slice();
        match first {
            Operand::Field { idents, .. } => self.eval_fields(frame, dot, dot.clone(), first, idents, args, last),
            Operand::Chain { node, fields, .. } => self.eval_chain(frame, dot, first, node, fields, args, last),
            Operand::Identifier { name, .. } => self.eval_function(frame, dot, name, At::Command(cmd), args, last),
            Operand::Variable { idents, .. } => self.eval_variable(frame, dot, first, idents, args, last),
            Operand::Pipe(pipe) => {
                self.not_a_function(frame, args, &last)?;
                self.eval_pipeline(frame, dot, pipe)
            }
            Operand::Nil(_) => Err(self.error(frame, At::Operand(first), "nil is not a command")),
            literal => {
                self.not_a_function(frame, args, &last)?;
                self.eval_arg(frame, dot, literal)
            }
        }
    }

    fn not_a_function(&self, frame: &Frame<'_>, args: &[Operand], last: &Option<Value>) -> ExecResult<()> {
        if args.len() > 1 || last.is_some() {
            let message = format!("can't give argument to non-function {}", args[0]);
            return Err(self.error(frame, At::Operand(&args[0]), message));
        }
        Ok(())
    }

    /// An operand in argument position.
    pub(super) fn eval_arg(&mut self, frame: &mut Frame<'a>, dot: &Value, arg: &'a Operand) -> ExecResult<Value> {
        let alone = std::slice::from_ref(arg);
        match arg {
            Operand::Dot(_) => Ok(dot.clone()),
            Operand::Nil(_) => Ok(Value::Nil),
            Operand::Bool(_, b) => Ok(Value::Bool(*b)),
            Operand::String { text, .. } => Ok(Value::from(text.as_str())),
            Operand::Number { value, text, .. } => match value {
                Number::Int(i) => Ok(Value::Int(*i)),
                Number::Float(f) => Ok(Value::Float(*f)),
                Number::Overflow => Err(self.error(frame, At::Operand(arg), format!("{text} overflows int"))),
            },
            Operand::Field { idents, .. } => self.eval_fields(frame, dot, dot.clone(), arg, idents, alone, None),
            Operand::Variable { idents, .. } => self.eval_variable(frame, dot, arg, idents, alone, None),
            Operand::Chain { node, fields, .. } => self.eval_chain(frame, dot, arg, node, fields, alone, None),
            Operand::Identifier { name, .. } => self.eval_function(frame, dot, name, At::Operand(arg), alone, None),
            Operand::Pipe(pipe) => self.eval_pipeline(frame, dot, pipe),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_chain(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        chain: &'a Operand,
        node: &'a Operand,
        fields: &'a [String],
        args: &'a [Operand],
        last: Option<Value>,
    ) -> ExecResult<Value> {
        if matches!(node, Operand::Nil(_)) {
            let message = format!("indirection through explicit nil in {chain}");
            return Err(self.error(frame, At::Operand(chain), message));
        }
        let receiver = self.eval_arg(frame, dot, node)?;
        self.eval_fields(frame, dot, receiver, chain, fields, args, last)
    }

    fn eval_variable(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        node: &'a Operand,
        idents: &'a [String],
        args: &'a [Operand],
        last: Option<Value>,
    ) -> ExecResult<Value> {
        let name = &idents[0];
        let Some(value) = frame.vars.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone()) else {
            return Err(self.error(frame, At::Operand(node), format!("undefined variable: {name}")));
        };
        if idents.len() == 1 {
            self.not_a_function(frame, args, &last)?;
            return Ok(value);
        }
        self.eval_fields(frame, dot, value, node, &idents[1..], args, last)
    }

    /// `.X.Y.Z args`: walks the chain; only the last element receives the
    /// arguments.
    #[allow(clippy::too_many_arguments)]
    fn eval_fields(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        mut receiver: Value,
        node: &'a Operand,
        idents: &'a [String],
        args: &'a [Operand],
        last: Option<Value>,
    ) -> ExecResult<Value> {
        let Some((final_ident, path)) = idents.split_last() else {
            return Ok(receiver);
        };
        for ident in path {
            receiver = self.eval_field(frame, dot, ident, node, &[], None, receiver)?;
        }
        self.eval_field(frame, dot, final_ident, node, args, last, receiver)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        name: &str,
        node: &'a Operand,
        args: &'a [Operand],
        last: Option<Value>,
        receiver: Value,
    ) -> ExecResult<Value> {
        let at = At::Operand(node);
        let has_args = args.len() > 1 || last.is_some();
        match receiver {
            Value::Nil => {
                if self.set.missing_key == MissingKey::Error {
                    let message = format!("nil data; no entry for key {}", super::super::fmt::quote(name));
                    return Err(self.error(frame, at, message));
                }
                Ok(Value::Nil)
            }
            Value::Object(object) => {
                // As in Go, a method wins over a map key or field.
                let call_args = self.eval_call_args(frame, dot, args, last)?;
                if let Some(result) = object.call(name, &call_args) {
                    return result.map_err(|e| self.error(frame, at, format!("error calling {name}: {e}")));
                }
                if let Some(Value::Map(map)) = object.inner() {
                    return self.map_field(frame, at, &map, name, has_args);
                }
                match object.field(name) {
                    Some(_) if has_args => {
                        let message = format!("{name} has arguments but cannot be invoked as function");
                        Err(self.error(frame, at, message))
                    }
                    Some(value) => Ok(value),
                    None => {
                        let message = format!("can't evaluate field {name} in type {}", object.type_name());
                        Err(self.error(frame, at, message))
                    }
                }
            }
            Value::Map(map) => self.map_field(frame, at, &map, name, has_args),
            other => {
                let message = format!("can't evaluate field {name} in type {}", other.type_name());
                Err(self.error(frame, at, message))
            }
        }
    }

    fn map_field(
        &self,
        frame: &Frame<'_>,
        at: At<'_>,
        map: &super::super::value::Map,
        name: &str,
        has_args: bool,
    ) -> ExecResult<Value> {
        if has_args {
            return Err(self.error(frame, at, format!("{name} is not a method but has arguments")));
        }
        if let Some(value) = map.entries.get(name) {
            return Ok(value.clone());
        }
        match self.set.missing_key {
            MissingKey::Default => Ok(Value::Nil),
            MissingKey::Zero => Ok(map.zero.clone()),
            MissingKey::Error => {
                let message = format!("map has no entry for key {}", super::super::fmt::quote(name));
                Err(self.error(frame, at, message))
            }
        }
    }

    /// Arguments after the callee, then the piped-in value.
    fn eval_call_args(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        args: &'a [Operand],
        last: Option<Value>,
    ) -> ExecResult<Vec<Value>> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args.iter().skip(1) {
            values.push(self.eval_arg(frame, dot, arg)?);
        }
        values.extend(last);
        Ok(values)
    }

    /// Calls a host function or builtin; host functions shadow builtins.
    fn eval_function(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        name: &str,
        call_at: At<'a>,
        args: &'a [Operand],
        last: Option<Value>,
    ) -> ExecResult<Value> {
        let ident_at = At::Operand(&args[0]);
        if let Some(function) = self.set.funcs.get(name).cloned() {
            let values = self.eval_call_args(frame, dot, args, last)?;
            return function(&values).map_err(|e| self.error(frame, call_at, format!("error calling {name}: {e}")));
        }
        let Some(builtin) = Builtin::lookup(name) else {
            let message = format!("{} is not a defined function", super::super::fmt::quote(name));
            return Err(self.error(frame, ident_at, message));
        };
        let count = args.len() - 1 + usize::from(last.is_some());
        if let Some(message) = arity_error(name, builtin.arity(), count, args.len() - 1) {
            return Err(self.error(frame, ident_at, message));
        }
        if matches!(builtin, Builtin::And | Builtin::Or) {
            return self.and_or(frame, dot, builtin == Builtin::Or, args, last);
        }
        let values = self.eval_call_args(frame, dot, args, last)?;
        if builtin == Builtin::Printf {
            if let Some(message) = format_arg_error(args.get(1), values.first()) {
                let at = args.get(1).map_or(ident_at, At::Operand);
                return Err(self.error(frame, at, message));
            }
        }
        call_builtin(builtin, &values).map_err(|e| self.error(frame, call_at, format!("error calling {name}: {e}")))
    }

    /// `and`/`or` stop at the first operand that decides the result and
    /// return that operand itself.
    fn and_or(
        &mut self,
        frame: &mut Frame<'a>,
        dot: &Value,
        is_or: bool,
        args: &'a [Operand],
        last: Option<Value>,
    ) -> ExecResult<Value> {
        let mut value = Value::Nil;
        for arg in &args[1..] {
            value = self.eval_arg(frame, dot, arg)?;
            if value.is_true() == is_or {
                return Ok(value);
            }
        }
        Ok(last.unwrap_or(value))
    }
}

/// printf's format must be a string, as Go's typed parameter demands.
fn format_arg_error(node: Option<&Operand>, value: Option<&Value>) -> Option<String> {
    Some(match (node, value?) {
        (_, Value::String(_)) => return None,
        (Some(node @ (Operand::Bool(..) | Operand::Number { .. })), _) => {
            format!("expected string; found {node}")
        }
        (Some(Operand::Nil(_)), _) => "cannot assign nil to string".into(),
        (_, Value::Nil) => "invalid value; expected string".into(),
        (_, other) => format!("wrong type for value; expected string; got {}", other.type_name()),
    })
}

/// Go's argument count check, with its wording.
fn arity_error(name: &str, arity: Arity, count: usize, explicit: usize) -> Option<String> {
    match arity {
        Arity::Exact(n) if count != n => Some(format!("wrong number of args for {name}: want {n} got {count}")),
        Arity::AtLeast(n) if count < n => {
            Some(format!("wrong number of args for {name}: want at least {n} got {explicit}"))
        }
        _ => None,
    }
}
