//! Builtin functions through templates, after golang/go
//! src/text/template/exec_test.go.

use super::super::{FuncMap, Template, Value};

fn run(text: &str) -> Result<String, String> {
    let funcs = FuncMap::new().with("fail", |_| Err("boom".into()));
    let data = Value::map([
        ("List", Value::list([1i64, 2, 3])),
        ("Labels", Value::string_map([("job", "node")])),
        ("Any", Value::map([("a", 1i64)])),
        ("Nested", Value::map([("Inner", Value::map([("Deep", "deep")]))])),
        ("Count", Value::Int(3)),
        ("Name", Value::from("alice")),
    ]);
    let template = Template::parse("t", text, &funcs).map_err(|e| e.to_string())?;
    template.execute(&data, &[]).map_err(|e| e.to_string())
}

fn check(cases: &[(&str, &str)]) {
    for (text, want) in cases {
        match want.strip_prefix("ERR ") {
            Some(fragment) => {
                let err = run(text).expect_err(text);
                assert!(err.contains(fragment), "{text:?}: {err:?} lacks {fragment:?}");
            }
            None => assert_eq!(run(text).as_deref(), Ok(*want), "{text:?}"),
        }
    }
}

#[test]
fn and_or_not_short_circuit() {
    check(&[
        ("{{ and 1 0 2 }}|{{ and 1 2 }}|{{ and 0 (fail) }}", "0|2|0"),
        ("{{ or 0 \"\" \"x\" }}|{{ or 0 \"\" }}|{{ or 1 (fail) }}", "x||1"),
        ("{{ 0 | and 1 }}|{{ 5 | or 0 }}", "0|5"),
        ("{{ not 0 }} {{ not \"x\" }} {{ not .Missing }}", "true false true"),
        ("{{ and }}", "ERR wrong number of args for and: want at least 1 got 0"),
        ("{{ and 1 (fail) }}", "ERR error calling fail: boom"),
        ("{{ not 1 2 }}", "ERR wrong number of args for not: want 1 got 2"),
    ]);
}

#[test]
fn len_index_slice() {
    check(&[
        ("{{ len \"héllo\" }} {{ len .List }} {{ len .Labels }}", "6 3 1"),
        ("{{ len 3 }}", "ERR len of type int"),
        ("{{ index .List 1 }} {{ index .Nested \"Inner\" \"Deep\" }} {{ index \"abc\" 1 }}", "2 deep 98"),
        ("[{{ index .Labels \"nope\" }}] [{{ index .Any \"nope\" }}]", "[] [<no value>]"),
        ("{{ index .List 3 }}", "ERR index out of range: 3"),
        ("{{ index .List -1 }}", "ERR index out of range: -1"),
        ("{{ index .List \"a\" }}", "ERR cannot index slice/array with type string"),
        ("{{ index 1 0 }}", "ERR can't index item of type int"),
        ("{{ index nil 1 }}", "ERR index of untyped nil"),
        ("{{ index .Labels 1 }}", "ERR value has type int; should be string"),
        ("{{ index .List }}", "[1 2 3]"),
        (
            "{{ slice \"hello\" 1 3 }} {{ slice .List 1 }} {{ slice .List 1 2 3 }} {{ slice .List }}",
            "el [2 3] [2] [1 2 3]",
        ),
        ("{{ slice \"abc\" 1 2 3 }}", "ERR cannot 3-index slice a string"),
        ("{{ slice .List 2 1 }}", "ERR invalid slice index: 2 > 1"),
        ("{{ slice .List 0 5 }}", "ERR index out of range: 5"),
        ("{{ slice 3 1 }}", "ERR can't slice item of type int"),
    ]);
}

#[test]
fn comparisons() {
    check(&[
        (
            "{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ eq .Name \"bob\" }} {{ eq .Missing nil }}",
            "true true false true",
        ),
        (
            "{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge \"b\" \"a\" }} {{ lt 1.5 2.5 }}",
            "true true true true true true",
        ),
        ("{{ if gt (len .List) 0 }}some{{ end }}", "some"),
        ("{{ eq .Labels.missing \"x\" }}", "false"),
        ("{{ eq 1 1.0 }}", "ERR incompatible types for comparison: int and float64"),
        ("{{ gt 1.5 1 }}", "ERR incompatible types for comparison: float64 and int"),
        ("{{ lt true false }}", "ERR invalid type for comparison"),
        ("{{ lt .Missing 1 }}", "ERR invalid type for comparison"),
        ("{{ eq .List .List }}", "ERR non-comparable type [1 2 3]: []interface {}"),
        ("{{ eq 1 }}", "ERR missing argument for comparison"),
        ("{{ lt 1 }}", "ERR wrong number of args for lt: want 2 got 1"),
    ]);
}

#[test]
fn printing_and_escaping() {
    check(&[
        ("{{ print \"a\" 1 2 \"b\" }}", "a1 2b"),
        ("{{ println 1 2 }}", "1 2\n"),
        ("{{ printf \"%5.2f|%-4s|%03d\" 3.14159 \"ab\" 7 }}", " 3.14|ab  |007"),
        ("{{ print }}|{{ print nil }}", "|<nil>"),
        ("{{ html \"<a href='x'>&\\\"\" }}", "&lt;a href=&#39;x&#39;&gt;&amp;&#34;"),
        ("{{ html .Missing }}", "&lt;no value&gt;"),
        ("{{ js \"a'b\\\"<>&=\\n\" }}", "a\\'b\\\"\\u003C\\u003E\\u0026\\u003D\\u000A"),
        ("{{ urlquery \"a b&c=d/é\" }}", "a+b%26c%3Dd%2F%C3%A9"),
        ("{{ printf 1 }}", "ERR expected string; found 1"),
        ("{{ printf .Count }}", "ERR wrong type for value; expected string; got int"),
        ("{{ call .Name }}", "ERR error calling call: non-function of type string"),
    ]);
}

#[test]
fn host_functions_shadow_builtins() {
    let funcs = FuncMap::new().with("len", |_| Ok(Value::from("mine")));
    let t = Template::parse("t", "{{ len 1 2 }}", &funcs).unwrap();
    assert_eq!(t.execute(&Value::Nil, &[]).unwrap(), "mine");
}
