//! The data model templates run on: the few Go kinds that Prometheus and
//! Alertmanager templates see (nil, bool, int, float64, string, slices and
//! string-keyed maps) plus host objects with fields and methods.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A value a template can evaluate, print, range over or pass to functions.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Go's untyped nil; also a missing map entry or field.
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Arc<str>),
    List(Arc<Vec<Value>>),
    Map(Arc<Map>),
    Object(Arc<dyn Object>),
}

/// A string-keyed map, iterated in key order as Go's templates do.
///
/// `zero` is what a missing key yields under `index` or `missingkey=zero`:
/// Go returns the zero value of the map's element type, so a label map
/// (`map[string]string`) yields "" while a `map[string]any` yields nil.
#[derive(Clone, Debug, Default)]
pub struct Map {
    pub entries: BTreeMap<String, Value>,
    pub zero: Value,
}

impl Map {
    /// A map whose missing keys are nil, like Go's `map[string]any`.
    pub fn new(entries: BTreeMap<String, Value>) -> Self {
        Map { entries, zero: Value::Nil }
    }

    /// A map whose missing keys are "", like Go's `map[string]string`.
    pub fn strings(entries: BTreeMap<String, Value>) -> Self {
        Map { entries, zero: Value::from("") }
    }

    /// Go's type name for this map, for error messages and `%T`.
    pub fn type_name(&self) -> &'static str {
        match self.zero {
            Value::String(_) => "map[string]string",
            _ => "map[string]interface {}",
        }
    }
}

/// A host value with Go-style fields and methods, e.g. Alertmanager's
/// `KV` (a map with `SortedPairs`, `Names`, `Values`, `Remove`) or `Alerts`
/// (a slice with `Firing` and `Resolved`).
///
/// As in Go, `.Name` resolves a method first, then the wrapped map's key or
/// the struct field.
pub trait Object: Send + Sync + fmt::Debug {
    /// Go's type name, used in error messages and `%T`.
    fn type_name(&self) -> String;

    /// Calls method `name` with `args`; `None` when there is no such method.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }

    /// Struct field `name`; `None` when there is no such field.
    fn field(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// The map or list this object is a named type of (Go's `type KV
    /// map[string]string`): `len`, `range`, `index`, truth and printing use it.
    fn inner(&self) -> Option<Value> {
        None
    }

    /// Text when printed, like a Go `String()` method.
    fn display(&self) -> Option<String> {
        None
    }

    /// The concrete value, for hosts and functions that downcast (e.g. to
    /// `GoTime`).
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }

    /// Fields in declaration order, printed as Go prints a struct: `{a b}`.
    fn fields(&self) -> Vec<(String, Value)> {
        Vec::new()
    }
}

/// A plain struct: named fields in declaration order and no methods.
#[derive(Clone, Debug, Default)]
pub struct Struct {
    pub type_name: String,
    pub fields: Vec<(String, Value)>,
}

impl Struct {
    pub fn new(type_name: impl Into<String>) -> Self {
        Struct { type_name: type_name.into(), fields: Vec::new() }
    }

    /// Adds a field, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }
}

impl Object for Struct {
    fn type_name(&self) -> String {
        self.type_name.clone()
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    fn fields(&self) -> Vec<(String, Value)> {
        self.fields.clone()
    }
}

impl Value {
    /// A `map[string]any` from pairs.
    pub fn map<K: Into<String>, V: Into<Value>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let entries = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Value::Map(Arc::new(Map::new(entries)))
    }

    /// A `map[string]string` from pairs, e.g. a label set.
    pub fn string_map<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let entries = pairs.into_iter().map(|(k, v)| (k.into(), Value::from(v.into()))).collect();
        Value::Map(Arc::new(Map::strings(entries)))
    }

    /// A list from values.
    pub fn list<V: Into<Value>>(items: impl IntoIterator<Item = V>) -> Self {
        Value::List(Arc::new(items.into_iter().map(Into::into).collect()))
    }

    /// A host object.
    pub fn object(object: impl Object + 'static) -> Self {
        Value::Object(Arc::new(object))
    }

    /// Go's truth: false for nil, false, 0, "" and empty collections.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.entries.is_empty(),
            Value::Object(o) => o.inner().is_none_or(|inner| inner.is_true()),
        }
    }

    /// Go's type name, as `%T` and error messages print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(m) => m.type_name().into(),
            Value::Object(o) => o.type_name(),
        }
    }

    /// The value with a host object replaced by the map or list it wraps.
    pub fn resolved(&self) -> Value {
        match self {
            Value::Object(o) => o.inner().unwrap_or_else(|| self.clone()),
            _ => self.clone(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(Arc::from(s.as_str()))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(Arc::new(items))
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Self {
        Value::Map(Arc::new(map))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Nil, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_follows_go() {
        let cases: Vec<(Value, bool)> = vec![
            (Value::Nil, false),
            (false.into(), false),
            (true.into(), true),
            (0i64.into(), false),
            (3i64.into(), true),
            (0.0.into(), false),
            (f64::NAN.into(), true),
            ("".into(), false),
            ("x".into(), true),
            (Value::list(Vec::<Value>::new()), false),
            (Value::list([1i64]), true),
            (Value::map(Vec::<(String, Value)>::new()), false),
            (Value::string_map([("a", "b")]), true),
            (Value::object(Struct::new("T")), true),
        ];
        for (value, want) in cases {
            assert_eq!(value.is_true(), want, "{value:?}");
        }
    }

    #[test]
    fn type_names_match_go() {
        assert_eq!(Value::Float(1.0).type_name(), "float64");
        assert_eq!(Value::string_map([("a", "b")]).type_name(), "map[string]string");
        assert_eq!(Value::map([("a", 1i64)]).type_name(), "map[string]interface {}");
        assert_eq!(Value::list([1i64]).type_name(), "[]interface {}");
    }
}
