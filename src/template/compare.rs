//! Go's template comparison functions (`eq`, `lt` and the ones built on
//! them): basic kinds compare within their kind, ints never equal floats,
//! nil equals only nil.

use super::value::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Option<Kind> {
    match v {
        Value::Bool(_) => Some(Kind::Bool),
        Value::Int(_) => Some(Kind::Int),
        Value::Float(_) => Some(Kind::Float),
        Value::String(_) => Some(Kind::String),
        _ => None,
    }
}

fn incompatible(a: &Value, b: &Value) -> String {
    format!("incompatible types for comparison: {} and {}", a.type_name(), b.type_name())
}

/// `eq a b c...`: whether `a` equals any of the others.
pub(crate) fn eq(first: &Value, others: &[Value]) -> Result<bool, String> {
    let a = first.resolved();
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    for other in others {
        let b = other.resolved();
        let truth = match (basic_kind(&a), basic_kind(&b)) {
            (Some(ka), Some(kb)) if ka == kb => basic_equal(&a, &b),
            (Some(_), Some(_)) => return Err(incompatible(&a, &b)),
            (Some(_), None) | (None, Some(_)) => {
                if !matches!(a, Value::Nil) && !matches!(b, Value::Nil) {
                    return Err(incompatible(&a, &b));
                }
                false
            }
            (None, None) => composite_equal(&a, &b)?,
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn basic_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// Nil, lists, maps and structs: only nil compares with nil; lists and
/// maps are not comparable in Go; structs compare by identity here.
fn composite_equal(a: &Value, b: &Value) -> Result<bool, String> {
    let same_kind = std::mem::discriminant(a) == std::mem::discriminant(b);
    let a_nil = matches!(a, Value::Nil);
    let b_nil = matches!(b, Value::Nil);
    if !same_kind && !a_nil && !b_nil {
        return Err(format!(
            "non-comparable types {}: {}, {}: {}",
            super::fmt::display(a),
            a.type_name(),
            b.type_name(),
            super::fmt::display(b)
        ));
    }
    if a_nil || b_nil {
        return Ok(a_nil == b_nil);
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => Ok(std::sync::Arc::ptr_eq(x, y)),
        _ => Err(format!("non-comparable type {}: {}", super::fmt::display(b), b.type_name())),
    }
}

/// `lt a b`: ordered basic kinds of the same kind only.
pub(crate) fn lt(first: &Value, second: &Value) -> Result<bool, String> {
    let (a, b) = (first.resolved(), second.resolved());
    let (Some(ka), Some(kb)) = (basic_kind(&a), basic_kind(&b)) else {
        return Err("invalid type for comparison".into());
    };
    if ka != kb {
        return Err(incompatible(&a, &b));
    }
    match (&a, &b) {
        (Value::Int(x), Value::Int(y)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq_follows_go_kind_rules() {
        let s = |x: &str| Value::from(x);
        assert_eq!(eq(&s("a"), &[s("b"), s("a")]), Ok(true));
        assert_eq!(eq(&Value::Int(1), &[Value::Int(2)]), Ok(false));
        assert_eq!(eq(&Value::Nil, &[s("x")]), Ok(false));
        assert_eq!(eq(&Value::Nil, &[Value::Nil]), Ok(true));
        assert_eq!(
            eq(&Value::Int(1), &[Value::Float(1.0)]),
            Err("incompatible types for comparison: int and float64".into())
        );
        assert_eq!(eq(&Value::Int(1), &[]), Err("missing argument for comparison".into()));
        assert!(eq(&Value::list([1i64]), &[Value::list([1i64])]).is_err());
    }

    #[test]
    fn lt_needs_same_basic_kind() {
        assert_eq!(lt(&Value::Int(1), &Value::Int(2)), Ok(true));
        assert_eq!(lt(&Value::from("b"), &Value::from("a")), Ok(false));
        assert_eq!(lt(&Value::Nil, &Value::Int(1)), Err("invalid type for comparison".into()));
        assert_eq!(lt(&Value::Bool(true), &Value::Bool(false)), Err("invalid type for comparison".into()));
        assert_eq!(
            lt(&Value::Float(1.5), &Value::Int(2)),
            Err("incompatible types for comparison: float64 and int".into())
        );
    }
}
