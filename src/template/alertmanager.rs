//! Alertmanager's template data types as objects (prometheus/alertmanager
//! template/template.go): `KV` label sets with `SortedPairs`, `Names`,
//! `Values` and `Remove`, `Pairs`, and `Alerts` with `Firing` and
//! `Resolved`. Hosts build `Data` and `Alert` themselves, e.g. with
//! `Struct`, using these for the fields that carry methods.

use std::collections::BTreeMap;

use super::value::{Object, Struct, Value};

/// A label or annotation set. Sorted pairs put `alertname` first, as
/// Alertmanager does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kv(pub BTreeMap<String, String>);

impl Kv {
    pub fn new<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Kv(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    pub fn sorted_pairs(&self) -> Pairs {
        let alertname = self.0.get_key_value("alertname");
        let rest = self.0.iter().filter(|(k, _)| k.as_str() != "alertname");
        Pairs(alertname.into_iter().chain(rest).map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn remove(&self, keys: &Value) -> Result<Kv, String> {
        let Value::List(keys) = keys.resolved() else {
            return Err(format!("wrong type for value; expected []string; got {}", keys.type_name()));
        };
        let keys: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        Ok(Kv(self
            .0
            .iter()
            .filter(|(k, _)| !keys.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()))
    }
}

impl Object for Kv {
    fn type_name(&self) -> String {
        "template.KV".into()
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(match (name, args) {
            ("SortedPairs", []) => Value::object(self.sorted_pairs()),
            ("Names", []) => Value::list(self.sorted_pairs().0.into_iter().map(|(k, _)| k)),
            ("Values", []) => Value::list(self.sorted_pairs().0.into_iter().map(|(_, v)| v)),
            ("String", []) => Value::from(self.sorted_pairs().to_string()),
            ("Remove", [keys]) => return Some(self.remove(keys).map(Value::object)),
            ("Remove", _) => return Some(Err(format!("wrong number of args for Remove: want 1 got {}", args.len()))),
            ("SortedPairs" | "Names" | "Values" | "String", _) => {
                return Some(Err(format!("wrong number of args for {name}: want 0 got {}", args.len())));
            }
            _ => return None,
        }))
    }

    fn inner(&self) -> Option<Value> {
        Some(Value::string_map(self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    }

    fn display(&self) -> Option<String> {
        Some(self.sorted_pairs().to_string())
    }
}

/// Name/value pairs in order; each prints as a `Pair{Name, Value}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pairs(pub Vec<(String, String)>);

impl std::fmt::Display for Pairs {
    /// "a=1, b=2", as Alertmanager's `Pairs.String`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&parts.join(", "))
    }
}

impl Object for Pairs {
    fn type_name(&self) -> String {
        "template.Pairs".into()
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !args.is_empty() {
            return None;
        }
        Some(Ok(match name {
            "Names" => Value::list(self.0.iter().map(|(k, _)| k.clone())),
            "Values" => Value::list(self.0.iter().map(|(_, v)| v.clone())),
            "String" => Value::from(self.to_string()),
            _ => return None,
        }))
    }

    fn inner(&self) -> Option<Value> {
        let pairs = self.0.iter().map(|(k, v)| {
            Value::object(Struct::new("template.Pair").with("Name", k.as_str()).with("Value", v.as_str()))
        });
        Some(Value::list(pairs))
    }

    fn display(&self) -> Option<String> {
        Some(self.to_string())
    }
}

/// The alerts of a notification; `Firing` and `Resolved` filter on each
/// alert's `Status` field.
#[derive(Clone, Debug, Default)]
pub struct Alerts(pub Vec<Value>);

impl Alerts {
    fn with_status(&self, status: &str) -> Value {
        let matching = self.0.iter().filter(|alert| status_of(alert).as_deref() == Some(status)).cloned();
        Value::list(matching)
    }
}

fn status_of(alert: &Value) -> Option<String> {
    let status = match alert {
        Value::Object(object) => object.field("Status")?,
        Value::Map(map) => map.entries.get("Status")?.clone(),
        _ => return None,
    };
    status.as_str().map(str::to_string)
}

impl Object for Alerts {
    fn type_name(&self) -> String {
        "template.Alerts".into()
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match (name, args) {
            ("Firing", []) => Some(Ok(self.with_status("firing"))),
            ("Resolved", []) => Some(Ok(self.with_status("resolved"))),
            _ => None,
        }
    }

    fn inner(&self) -> Option<Value> {
        Some(Value::List(std::sync::Arc::new(self.0.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_pairs_put_alertname_first() {
        let kv = Kv::new([("zone", "a"), ("alertname", "Down"), ("job", "node")]);
        assert_eq!(kv.sorted_pairs().to_string(), "alertname=Down, job=node, zone=a");
        let removed = kv.remove(&Value::list(["job"])).unwrap();
        assert_eq!(removed.sorted_pairs().to_string(), "alertname=Down, zone=a");
    }
}
