//! Template expansion of alert labels and annotations as Prometheus does it
//! (`rules/alerting.go`, `template/template.go`): the four variables
//! `$labels`, `$externalLabels`, `$externalURL` and `$value`, missing label
//! keys as "", and a failed expansion written into the value instead of
//! failing the rule.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::promql::{Engine, Value as QueryValue};
use crate::template::funcs_prometheus::{ALERT_VARS, alert_vars, prometheus_funcs};
use crate::template::funcs_query::{QueryFn, Sample, query_funcs, url_funcs};
use crate::template::{FuncMap, MissingKey, Template, Value};

use super::metrics;

/// What templates of one evaluation see besides the sample.
pub struct Expander {
    external_labels: Value,
    external_url: String,
    funcs: FuncMap,
}

impl Expander {
    pub fn new(external_labels: &BTreeMap<String, String>, external_url: &str, query: Option<QueryFn>) -> Self {
        let mut funcs = prometheus_funcs();
        funcs.extend(&url_funcs(external_url));
        funcs.extend(&super::template_check::missing_funcs());
        if let Some(query) = query {
            funcs.extend(&query_funcs(query));
        }
        let external_labels = Value::string_map(external_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Expander { external_labels, external_url: external_url.to_string(), funcs }
    }

    /// Expands `text` for one sample of rule `rule`; errors become the text.
    pub fn expand(&self, rule: &str, text: &str, labels: &BTreeMap<String, String>, value: f64) -> String {
        if !text.contains("{{") {
            return text.to_string();
        }
        metrics::TEMPLATE_EXPANSIONS.inc();
        let name = format!("__alert_{rule}");
        let mut template = Template::new(name.clone())
            .with_funcs(&self.funcs)
            .with_missing_key(MissingKey::Zero)
            .with_vars(&ALERT_VARS);
        if let Err(e) = template.parse_text(text) {
            return self.failed(&name, format!("error parsing template {name}: {e}"));
        }
        let labels = Value::string_map(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let vars = alert_vars(labels, self.external_labels.clone(), &self.external_url, Value::Float(value));
        match template.execute(&Value::Nil, &vars) {
            Ok(expanded) => expanded,
            Err(e) => self.failed(&name, format!("error executing template {name}: {e}")),
        }
    }

    fn failed(&self, name: &str, error: String) -> String {
        metrics::TEMPLATE_EXPANSION_FAILURES.inc();
        tracing::warn!(template = name, %error, "expanding alert template failed");
        format!("<error expanding template: {error}>")
    }
}

/// The template `query` function: an instant query at the evaluation time.
/// Templates run synchronously, so the query blocks this worker thread
/// (moved out of the async scheduler with `block_in_place`).
pub fn query_fn(engine: Arc<Engine>, tenant: String, time_ms: i64) -> QueryFn {
    Arc::new(move |query: &str| {
        let handle = tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?;
        if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
            return Err("the query template function needs the multi-threaded runtime".to_string());
        }
        let result = tokio::task::block_in_place(|| handle.block_on(engine.instant(&tenant, query, time_ms)))
            .map_err(|e| e.to_string())?;
        match result.value {
            QueryValue::Vector(vector) => Ok(vector
                .into_iter()
                .map(|s| (s.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect(), s.v))
                .collect::<Vec<Sample>>()),
            QueryValue::Scalar { v, .. } => Ok(vec![(BTreeMap::new(), v)]),
            _ => Err("query result is not a vector or scalar".to_string()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|&(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn expands_the_four_variables_and_functions() {
        let external = labels(&[("cluster", "eu1")]);
        let expander = Expander::new(&external, "http://sonde:9090", None);
        let sample = labels(&[("__name__", "up"), ("instance", "a:9100")]);
        let cases = [
            ("{{ $labels.instance }} is down", "a:9100 is down"),
            ("{{ $value }}", "1e+06"),
            ("{{ $value | humanize }}", "1M"),
            ("{{ $externalLabels.cluster }} {{ $externalURL }}", "eu1 http://sonde:9090"),
            ("[{{ $labels.missing }}]", "[]"),
            ("no template", "no template"),
        ];
        for (text, want) in cases {
            assert_eq!(expander.expand("A", text, &sample, 1e6), want, "{text}");
        }
    }

    #[test]
    fn errors_become_the_value() {
        let expander = Expander::new(&BTreeMap::new(), "", None);
        let got = expander.expand("HighLoad", "{{ nosuch }}", &BTreeMap::new(), 1.0);
        assert!(got.starts_with("<error expanding template: error parsing template __alert_HighLoad: "), "{got}");
    }
}
