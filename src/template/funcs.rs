//! Host function registry and Go's builtin functions (golang/go
//! src/text/template/funcs.go): len, index, slice, not, comparisons,
//! print*, html, js, urlquery. `and`/`or` short-circuit in exec.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::value::Value;

/// A host function: receives the evaluated arguments (the piped value
/// last) and returns a value or an error message.
pub type Func = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Functions the host adds to templates, by name. They shadow builtins of
/// the same name, as in Go.
#[derive(Clone, Default)]
pub struct FuncMap {
    funcs: HashMap<String, Func>,
}

impl fmt::Debug for FuncMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.funcs.keys().collect();
        names.sort();
        f.debug_struct("FuncMap").field("names", &names).finish()
    }
}

impl FuncMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(
        &mut self,
        name: impl Into<String>,
        func: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) {
        self.funcs.insert(name.into(), Arc::new(func));
    }

    /// Builder form of `insert`.
    pub fn with(
        mut self,
        name: impl Into<String>,
        func: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        self.insert(name, func);
        self
    }

    /// Adds all of `other`, replacing functions of the same name.
    pub fn extend(&mut self, other: &FuncMap) {
        self.funcs.extend(other.funcs.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// Whether templates may call `name`: a host function or a builtin.
    pub fn has_function(&self, name: &str) -> bool {
        self.funcs.contains_key(name) || Builtin::lookup(name).is_some()
    }
}

/// How many arguments a builtin takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arity {
    Exact(usize),
    AtLeast(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Print,
    Printf,
    Println,
    Html,
    Js,
    UrlQuery,
    Call,
}

impl Builtin {
    pub(crate) fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::UrlQuery,
            "call" => Builtin::Call,
            _ => return None,
        })
    }

    pub(crate) fn arity(self) -> Arity {
        match self {
            Builtin::Not | Builtin::Len => Arity::Exact(1),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => Arity::Exact(2),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::UrlQuery => Arity::AtLeast(0),
            _ => Arity::AtLeast(1),
        }
    }
}

/// Runs a builtin other than `and`/`or` on evaluated arguments whose
/// count `Builtin::arity` has checked.
pub(crate) fn call_builtin(builtin: Builtin, args: &[Value]) -> Result<Value, String> {
    use super::compare::{eq, lt};
    Ok(match builtin {
        Builtin::And | Builtin::Or => args.last().cloned().unwrap_or_default(),
        Builtin::Not => Value::Bool(!args[0].is_true()),
        Builtin::Len => Value::from(length(&args[0])?),
        Builtin::Index => index(&args[0], &args[1..])?,
        Builtin::Slice => slice(&args[0], &args[1..])?,
        Builtin::Eq => Value::Bool(eq(&args[0], &args[1..])?),
        Builtin::Ne => Value::Bool(!eq(&args[0], &args[1..])?),
        Builtin::Lt => Value::Bool(lt(&args[0], &args[1])?),
        Builtin::Le => Value::Bool(lt(&args[0], &args[1])? || eq(&args[0], &args[1..])?),
        Builtin::Gt => Value::Bool(!(lt(&args[0], &args[1])? || eq(&args[0], &args[1..])?)),
        Builtin::Ge => Value::Bool(!lt(&args[0], &args[1])?),
        Builtin::Print => Value::from(super::fmt::sprint(args)),
        Builtin::Println => Value::from(super::fmt::sprintln(args)),
        Builtin::Printf => {
            let format = args[0].as_str().unwrap_or_default();
            Value::from(super::fmt::sprintf(format, &args[1..]))
        }
        Builtin::Html => Value::from(html_escape(&eval_args(args))),
        Builtin::Js => Value::from(js_escape(&eval_args(args))),
        Builtin::UrlQuery => Value::from(query_escape(&eval_args(args))),
        Builtin::Call => {
            return Err(match &args[0] {
                Value::Nil => "call of nil".into(),
                other => format!("non-function of type {}", other.type_name()),
            });
        }
    })
}

fn length(item: &Value) -> Result<usize, String> {
    match item.resolved() {
        Value::String(s) => Ok(s.len()),
        Value::List(items) => Ok(items.len()),
        Value::Map(map) => Ok(map.entries.len()),
        Value::Nil => Err("len of untyped nil".into()),
        other => Err(format!("len of type {}", other.type_name())),
    }
}

/// Go's `indexArg`: an int within `0..=cap`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match index {
        Value::Int(i) => *i,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!("cannot index slice/array with type {}", other.type_name()));
        }
    };
    match usize::try_from(x) {
        Ok(i) if i <= cap => Ok(i),
        _ => Err(format!("index out of range: {x}")),
    }
}

/// `index x 1 2` is x[1][2]; a missing map key yields the map's zero value.
fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let mut item = item.resolved();
    if matches!(item, Value::Nil) {
        return Err("index of untyped nil".into());
    }
    for index in indexes {
        item = match item.resolved() {
            Value::List(items) => {
                let i = index_arg(index, items.len())?;
                items.get(i).cloned().ok_or_else(|| format!("index out of range: {i}"))?
            }
            Value::String(s) => {
                let i = index_arg(index, s.len())?;
                let byte = s.as_bytes().get(i).ok_or_else(|| format!("index out of range: {i}"))?;
                Value::Int(i64::from(*byte))
            }
            Value::Map(map) => match index {
                Value::String(key) => map.entries.get(key.as_ref()).cloned().unwrap_or_else(|| map.zero.clone()),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!("value has type {}; should be string", other.type_name()));
                }
            },
            Value::Nil => return Err("index of nil pointer".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

/// `slice x 1 2` is x[1:2]; strings slice by bytes.
fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let item = item.resolved();
    if matches!(item, Value::Nil) {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &item {
        Value::String(_) if indexes.len() == 3 => {
            return Err("cannot 3-index slice a string".into());
        }
        Value::String(s) => s.len(),
        Value::List(items) => items.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match item {
        Value::String(s) => Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned()),
        Value::List(items) => Value::from(items[idx[0]..idx[1]].to_vec()),
        _ => Value::Nil,
    })
}

/// Go's `evalArgs`: a lone string as is, otherwise `Sprint` of the
/// arguments with nil shown as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Nil => Value::from("<no value>"),
            other => other.clone(),
        })
        .collect();
    super::fmt::sprint(&printable)
}

/// Go's `HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_ascii() || !c.is_control() => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
#[path = "funcs_tests.rs"]
mod tests;
