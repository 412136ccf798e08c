//! The notification template set of a configuration, as upstream's
//! `template.FromGlobs`: Sonde's defaults (`default.tmpl`, `email.tmpl`)
//! first, then every file the `templates` patterns match, each under its
//! base name, so that a user's `define` replaces a default of the same
//! name. Receiver fields are executed against it as `ExecuteTextString`
//! does: an empty field is "", anything else is parsed as one more
//! template and run with `missingkey=zero`.
//!
//! Like upstream, which keeps a `text/template` and an `html/template`
//! copy, there are two sets: the HTML one has its printing actions escaped
//! (see `html_escape`).

use std::path::Path;

use crate::config::expand_glob;
use crate::template::funcs_prometheus::alertmanager_funcs;
use crate::template::{Error, MissingKey, Template, Value};

use super::html_escape::{autoescape, html_funcs};

const DEFAULT_TEMPLATES: [(&str, &str); 2] =
    [("default.tmpl", include_str!("default.tmpl")), ("email.tmpl", include_str!("email.tmpl"))];

/// A configuration's notification templates, parsed once per (re)load.
#[derive(Debug, Clone)]
pub struct Templates {
    text: Template,
    html: Template,
}

/// Sonde's default templates plus the files `patterns` match (a pattern
/// that matches nothing is fine, as upstream allows).
pub fn load_templates(patterns: &[String]) -> Result<Templates, String> {
    let mut templates = Templates::defaults();
    for pattern in patterns {
        for file in expand_glob(pattern).map_err(|error| error.to_string())? {
            let text = std::fs::read_to_string(&file).map_err(|error| format!("open {}: {error}", file.display()))?;
            templates.add(&base_name(&file), &text).map_err(|error| error.to_string())?;
        }
    }
    Ok(templates)
}

impl Templates {
    /// Sonde's default templates alone.
    pub fn defaults() -> Templates {
        let text = Template::new("").with_funcs(&alertmanager_funcs()).with_missing_key(MissingKey::Zero);
        let html = text.clone().with_funcs(&html_funcs());
        let mut templates = Templates { text, html };
        for (name, source) in DEFAULT_TEMPLATES {
            if let Err(error) = templates.add(name, source) {
                unreachable!("default template {name} does not parse: {error}");
            }
        }
        templates
    }

    /// Parses one more template file into both sets.
    pub fn add(&mut self, name: &str, source: &str) -> Result<(), Error> {
        self.text.add(name, source)?;
        self.html.add(name, &autoescape(source))
    }

    /// Runs `source` as a text template (upstream's `ExecuteTextString`).
    pub fn execute_text(&self, source: &str, data: &Value) -> Result<String, Error> {
        execute(&self.text, source, data)
    }

    /// Runs `source` as an HTML template (upstream's `ExecuteHTMLString`).
    pub fn execute_html(&self, source: &str, data: &Value) -> Result<String, Error> {
        execute(&self.html, &autoescape(source), data)
    }
}

fn execute(set: &Template, source: &str, data: &Value) -> Result<String, Error> {
    if source.is_empty() {
        return Ok(String::new());
    }
    let mut template = set.clone();
    template.add("", source)?;
    template.execute_template("", data, &[])
}

fn base_name(file: &Path) -> String {
    file.file_name().map_or_else(|| file.display().to_string(), |name| name.to_string_lossy().into_owned())
}
