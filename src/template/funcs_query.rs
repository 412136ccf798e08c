//! Prometheus' query functions (`query`, `first`, `label`, `value`,
//! `strvalue`, `sortByLabel`) and URL functions (`externalURL`,
//! `pathPrefix`) over a host-supplied query callback, following
//! prometheus/prometheus template/template.go.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::funcs::FuncMap;
use super::funcs_prometheus::{args, expect_str};
use super::value::{Struct, Value};

/// One element of an instant vector: its labels and value.
pub type Sample = (BTreeMap<String, String>, f64);

/// Runs an instant query at the rule's evaluation time.
pub type QueryFn = Arc<dyn Fn(&str) -> Result<Vec<Sample>, String> + Send + Sync>;

const SAMPLE_TYPE: &str = "*template.sample";

/// A sample as templates see it: `.Labels` and `.Value`.
pub fn sample_value(labels: &BTreeMap<String, String>, value: f64) -> Value {
    let labels = Value::string_map(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Value::object(Struct::new(SAMPLE_TYPE).with("Labels", labels).with("Value", value))
}

/// `query` and the functions that take its result apart.
pub fn query_funcs(query: QueryFn) -> FuncMap {
    let mut funcs = FuncMap::new();
    funcs.insert("query", move |a| {
        let [q] = args(a, "query")?;
        let samples = query(expect_str(q)?)?;
        Ok(Value::list(samples.iter().map(|(labels, value)| sample_value(labels, *value))))
    });
    funcs.insert("first", |a| {
        let [v] = args(a, "first")?;
        match samples(v)?.first() {
            Some(first) => Ok(first.clone()),
            None => Err("first() called on vector with no elements".into()),
        }
    });
    funcs.insert("label", |a| {
        let [name, s] = args(a, "label")?;
        Ok(Value::from(label(s, expect_str(name)?)?))
    });
    funcs.insert("value", |a| {
        let [s] = args(a, "value")?;
        sample_field(s, "Value")
    });
    funcs.insert("strvalue", |a| {
        let [s] = args(a, "strvalue")?;
        Ok(Value::from(label(s, "__value__")?))
    });
    funcs.insert("sortByLabel", |a| {
        let [name, v] = args(a, "sortByLabel")?;
        let name = expect_str(name)?;
        let mut keyed =
            samples(v)?.iter().map(|s| Ok((label(s, name)?, s.clone()))).collect::<Result<Vec<_>, String>>()?;
        // Stable, as Go's sort.Stable.
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Value::list(keyed.into_iter().map(|(_, s)| s)))
    });
    funcs
}

/// `externalURL` and `pathPrefix` for the server's external URL.
pub fn url_funcs(external_url: &str) -> FuncMap {
    let url = external_url.to_string();
    let path = url_path(external_url);
    FuncMap::new()
        .with("externalURL", move |a| args::<0>(a, "externalURL").map(|_| Value::from(url.as_str())))
        .with("pathPrefix", move |a| args::<0>(a, "pathPrefix").map(|_| Value::from(path.as_str())))
}

/// The path of an absolute URL ("http://host:9090/prom?x" → "/prom").
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let end = path.find(['?', '#']).unwrap_or(path.len());
    super::funcs_prometheus::query_unescape(&path[..end].replace('+', "%2B")).unwrap_or_else(|_| path.to_string())
}

fn samples(value: &Value) -> Result<&[Value], String> {
    match value {
        Value::List(items) => Ok(items),
        Value::Nil => Ok(&[]),
        other => Err(format!("wrong type for value; expected template.queryResult; got {}", other.type_name())),
    }
}

fn sample_field(sample: &Value, name: &str) -> Result<Value, String> {
    match sample {
        Value::Object(object) if object.type_name() == SAMPLE_TYPE => Ok(object.field(name).unwrap_or_default()),
        other => Err(format!("wrong type for value; expected {SAMPLE_TYPE}; got {}", other.type_name())),
    }
}

fn label(sample: &Value, name: &str) -> Result<String, String> {
    let Value::Map(labels) = sample_field(sample, "Labels")? else {
        return Ok(String::new());
    };
    Ok(labels.entries.get(name).and_then(Value::as_str).unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<String, String> {
        let labels = |instance: &str| BTreeMap::from([("instance".to_string(), instance.to_string())]);
        let results = vec![(labels("c"), 3.0), (labels("a"), 1.0), (labels("b"), 2.0), (labels("a"), 0.5)];
        let funcs =
            query_funcs(Arc::new(move |q: &str| if q == "up" { Ok(results.clone()) } else { Err("bad query".into()) }));
        let template = super::super::Template::parse("t", text, &funcs).map_err(|e| e.to_string())?;
        template.execute(&Value::Nil, &[]).map_err(|e| e.to_string())
    }

    #[test]
    fn query_results_sort_stably_and_take_apart() {
        let sorted =
            "{{ range query \"up\" | sortByLabel \"instance\" }}{{ label \"instance\" . }}{{ value . }} {{ end }}";
        assert_eq!(run(sorted).unwrap(), "a1 a0.5 b2 c3 ");
        assert_eq!(run("{{ query \"up\" | first | value }}").unwrap(), "3");
        assert!(run("{{ query \"bad\" }}").unwrap_err().ends_with("error calling query: bad query"));
        assert!(run("{{ value 1 }}").unwrap_err().contains("expected *template.sample; got int"));
    }

    #[test]
    fn url_path_is_the_unescaped_path() {
        assert_eq!(url_path("http://prom.example.com:9090/sub/path?x=1"), "/sub/path");
        assert_eq!(url_path("http://prom:9090"), "");
        assert_eq!(url_path("https://h/a%20b+c"), "/a b+c");
    }
}
