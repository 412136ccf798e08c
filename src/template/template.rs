//! The public template type: a named template plus the set of templates
//! associated with it, as Go's `*template.Template` (golang/go
//! src/text/template/template.go).

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::Tree;
use super::error::Error;
use super::funcs::FuncMap;
use super::value::Value;

/// What a missing map key yields (Go's `Option("missingkey=...")`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// Nil, printed as `<no value>` (Go's "default"/"invalid").
    #[default]
    Default,
    /// The map's zero value: "" for label maps (Prometheus and
    /// Alertmanager use this).
    Zero,
    /// An execution error.
    Error,
}

/// Bounds on one execution, so that a bad template fails instead of
/// exhausting the stack, memory or time of the process.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of `if`/`with`/`range` blocks and `{{template}}`
    /// calls together. Go allows 100000 template calls, relying on its
    /// growable goroutine stacks; ours run on fixed 2 MiB thread stacks
    /// (tokio workers, test threads), and 1000 levels of recursion fit in
    /// that even in debug builds while no real template nests that deep.
    pub max_depth: usize,
    pub max_output_bytes: usize,
    /// Nodes walked plus loop iterations.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 1000, max_output_bytes: 16 << 20, max_steps: 10_000_000 }
    }
}

/// Everything templates of one family share.
#[derive(Clone, Debug, Default)]
pub(crate) struct Set {
    pub trees: HashMap<String, Arc<Tree>>,
    pub funcs: FuncMap,
    pub missing_key: MissingKey,
    pub limits: Limits,
    /// Variables (with `$`) every top-level body may use undeclared.
    pub predeclared: Vec<String>,
}

/// A parsed template and its associated templates (`define`, `block`,
/// other files). Cheap to clone; parsing into a clone leaves the original
/// unchanged.
#[derive(Clone, Debug)]
pub struct Template {
    name: String,
    set: Arc<Set>,
}

impl Template {
    /// An empty template named `name`; configure it, then parse into it.
    pub fn new(name: impl Into<String>) -> Self {
        Template { name: name.into(), set: Arc::new(Set::default()) }
    }

    /// Parses `text` as template `name` with the host functions `funcs`.
    pub fn parse(name: &str, text: &str, funcs: &FuncMap) -> Result<Template, Error> {
        let mut template = Template::new(name).with_funcs(funcs);
        template.parse_text(text)?;
        Ok(template)
    }

    /// Adds host functions; they must be present before parsing text that
    /// calls them.
    pub fn with_funcs(mut self, funcs: &FuncMap) -> Self {
        Arc::make_mut(&mut self.set).funcs.extend(funcs);
        self
    }

    pub fn with_missing_key(mut self, missing_key: MissingKey) -> Self {
        Arc::make_mut(&mut self.set).missing_key = missing_key;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        Arc::make_mut(&mut self.set).limits = limits;
        self
    }

    /// Names variables (`"labels"` or `"$labels"`) that top-level template
    /// bodies may use without declaring them; `execute` supplies their
    /// values. This replaces Prometheus' `{{$labels := .Labels}}` prelude.
    /// As with that prelude, `define`d templates do not see them.
    pub fn with_vars(mut self, names: &[&str]) -> Self {
        let set = Arc::make_mut(&mut self.set);
        set.predeclared = names.iter().map(|n| format!("${}", n.trim_start_matches('$'))).collect();
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parses `text` as the body of this template, adding its `define`s
    /// (Go's `t.Parse`). A later definition replaces an earlier one, but an
    /// empty body never replaces a non-empty one.
    pub fn parse_text(&mut self, text: &str) -> Result<(), Error> {
        let name = self.name.clone();
        self.add(&name, text)
    }

    /// Parses `text` as template `name` in this family (Go's
    /// `t.New(name).Parse(text)`), e.g. one more template file.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let trees = {
            let set = &self.set;
            super::parse::parse(name, text, &|f| set.funcs.has_function(f), &set.predeclared)?
        };
        let set = Arc::make_mut(&mut self.set);
        for (tree_name, tree) in trees {
            let keep_old = set.trees.get(&tree_name).is_some_and(|_| tree.is_empty());
            if !keep_old {
                set.trees.insert(tree_name, tree);
            }
        }
        Ok(())
    }

    /// The template `name` of this family, sharing its definitions.
    pub fn lookup(&self, name: &str) -> Option<Template> {
        self.set.trees.contains_key(name).then(|| Template { name: name.to_string(), set: self.set.clone() })
    }

    /// Names of all templates in the family, sorted.
    pub fn defined_templates(&self) -> Vec<String> {
        let mut names: Vec<String> = self.set.trees.keys().cloned().collect();
        names.sort();
        names
    }

    /// Runs this template with `data` as dot and the predeclared variables
    /// set from `vars` (missing ones are nil).
    pub fn execute(&self, data: &Value, vars: &[(&str, Value)]) -> Result<String, Error> {
        let Some(tree) = self.set.trees.get(&self.name) else {
            let name = super::fmt::quote(&self.name);
            return Err(Error::Template(format!("{}: {name} is an incomplete or empty template", self.name)));
        };
        super::exec::execute(&self.set, tree, data, vars)
    }

    /// Runs the associated template `name` (Go's `ExecuteTemplate`).
    pub fn execute_template(&self, name: &str, data: &Value, vars: &[(&str, Value)]) -> Result<String, Error> {
        match self.lookup(name) {
            Some(template) => template.execute(data, vars),
            None => Err(Error::Template(format!(
                "no template {} associated with template {}",
                super::fmt::quote(name),
                super::fmt::quote(&self.name)
            ))),
        }
    }
}
