//! A Go `text/template` engine: the template language of Prometheus rule
//! labels and annotations and of Alertmanager notifications, with Go's
//! syntax, semantics and error messages (golang/go src/text/template).
//!
//! ```
//! use sonde::template::{FuncMap, Template, Value};
//!
//! let t = Template::parse("x", "{{ range . }}[{{ . }}]{{ end }}", &FuncMap::new()).unwrap();
//! assert_eq!(t.execute(&Value::list(["a", "b"]), &[]).unwrap(), "[a][b]");
//! ```
//!
//! Rule templates: `Template::new(name).with_funcs(&prometheus_funcs())`
//! plus `funcs_query::query_funcs`, `with_missing_key(MissingKey::Zero)`
//! and `with_vars(&ALERT_VARS)`, then `execute(&Value::Nil, &alert_vars(..))`.
//! Notification templates: `alertmanager_funcs()`, one `add` per template
//! file, a clone plus `add("", field)` per receiver field, and data built
//! from `Struct`, `alertmanager::{Kv, Alerts}` and `GoTime`.
//!
//! Where this differs from Go: host functions take `&[Value]` rather than
//! typed parameters, so argument conversions and their error wording are
//! the function's own ("error calling f: ..."); there are no complex
//! numbers, unsigned integers, channels or function values (`call` always
//! fails); nesting is capped at 100 levels of blocks or parentheses and
//! execution depth at `Limits::max_depth` (1000) to protect thread stacks;
//! time zones other than UTC are unknown.

pub mod alertmanager;
mod ast;
mod compare;
mod error;
mod exec;
mod fmt;
mod funcs;
pub mod funcs_prometheus;
pub mod funcs_query;
mod gotime;
mod gotime_format;
mod json;
mod lex;
mod literal;
mod parse;
mod template;
mod token;
mod value;

pub use error::Error;
pub use fmt::{quote as go_quote, sprint, sprintf, sprintln};
pub use funcs::{Func, FuncMap, html_escape, js_escape, query_escape};
pub use gotime::{GoDuration, GoTime};
pub use template::{Limits, MissingKey, Template};
pub use value::{Map, Object, Struct, Value};

#[cfg(test)]
mod real_world_tests;
#[cfg(test)]
mod robustness_tests;
