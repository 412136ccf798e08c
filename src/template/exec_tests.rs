//! Execution of each construct against Go's documented behaviour
//! (golang/go src/text/template/exec_test.go and doc.go).

use super::super::{FuncMap, MissingKey, Object, Struct, Template, Value};

/// A host object with a method, a field and a wrapped map, like
/// Alertmanager's `KV`.
#[derive(Debug)]
struct Greeter;

impl Object for Greeter {
    fn type_name(&self) -> String {
        "test.Greeter".into()
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match (name, args) {
            ("Hello", []) => Some(Ok(Value::from("hello"))),
            ("Greet", [Value::String(who)]) => Some(Ok(Value::from(format!("hi {who}")))),
            ("Greet", _) => Some(Err("Greet wants one string".into())),
            ("Self", []) => Some(Ok(Value::object(Greeter))),
            _ => None,
        }
    }

    fn field(&self, name: &str) -> Option<Value> {
        (name == "X").then(|| Value::Int(7))
    }
}

fn data() -> Value {
    Value::map([
        ("Name", Value::from("alice")),
        ("Count", Value::Int(3)),
        ("Zero", Value::Int(0)),
        ("Float", Value::Float(1.5)),
        ("Empty", Value::from("")),
        ("True", Value::Bool(true)),
        ("False", Value::Bool(false)),
        ("List", Value::list([1i64, 2, 3])),
        ("Strs", Value::list(["a", "b"])),
        ("EmptyList", Value::list(Vec::<Value>::new())),
        ("Map", Value::map([("one", 1i64), ("two", 2), ("three", 3)])),
        ("Labels", Value::string_map([("instance", "host:9090"), ("job", "node")])),
        ("Nil", Value::Nil),
        ("Nested", Value::map([("Inner", Value::map([("Deep", "deep")]))])),
        ("Obj", Value::object(Greeter)),
        ("Struct", Value::object(Struct::new("test.T").with("A", 1i64).with("B", "b"))),
    ])
}

fn funcs() -> FuncMap {
    FuncMap::new()
        .with("double", |args| match args {
            [Value::Int(i)] => Ok(Value::Int(i * 2)),
            _ => Err("double wants an int".into()),
        })
        .with("fail", |_| Err("it failed".into()))
        .with("list", |args| Ok(Value::list(args.to_vec())))
}

fn run_with(text: &str, missing_key: MissingKey) -> Result<String, String> {
    let mut template = Template::new("t").with_funcs(&funcs()).with_missing_key(missing_key);
    template.parse_text(text).map_err(|e| e.to_string())?;
    template.execute(&data(), &[]).map_err(|e| e.to_string())
}

fn run(text: &str) -> Result<String, String> {
    run_with(text, MissingKey::Default)
}

/// Each case: template, and the output or (prefixed with "ERR ") a
/// fragment of the error.
fn check(cases: &[(&str, &str)]) {
    for (text, want) in cases {
        let got = run(text);
        match want.strip_prefix("ERR ") {
            Some(fragment) => {
                let err = got.expect_err(&format!("{text:?} should fail"));
                assert!(err.contains(fragment), "{text:?}: error {err:?} lacks {fragment:?}");
            }
            None => assert_eq!(got.as_deref(), Ok(*want), "{text:?}"),
        }
    }
}

#[test]
fn text_and_trim_markers() {
    check(&[
        ("hello", "hello"),
        ("a {{- 1 -}} b", "a1b"),
        ("a  \n {{- 1}} b", "a1 b"),
        ("a {{1 -}} \n\t b", "a 1b"),
        ("{{- 3 -}}", "3"),
        ("x {{- /* comment */ -}} y", "xy"),
        ("x {{/* comment */}} y", "x  y"),
        ("{{-3}}", "-3"),
        ("{{ 3 }}{{- \"\" -}}\n\n{{ 4 }}", "34"),
    ]);
}

#[test]
fn literals_and_dot() {
    check(&[
        (
            "{{ .Nested }} {{ .List }} {{ .Struct }} {{ .Strs }} {{ .Float }}",
            "map[Inner:map[Deep:deep]] [1 2 3] {1 b} [a b] 1.5",
        ),
        ("{{ 1 }} {{ -2 }} {{ 0x10 }} {{ 0o17 }} {{ 1_000 }} {{ 010 }}", "1 -2 16 15 1000 8"),
        ("{{ 1.5 }} {{ 1e3 }} {{ 1.0 }} {{ 0x1p-2 }}", "1.5 1000 1 0.25"),
        ("{{ 'a' }} {{ '\\n' }}", "97 10"),
        ("{{ true }} {{ false }}", "true false"),
        ("{{ \"a\\tb\" }}|{{ `raw\\n` }}", "a\tb|raw\\n"),
        ("{{ nil }}", "ERR nil is not a command"),
        ("{{ 18446744073709551615 }}", "ERR 18446744073709551615 overflows int"),
    ]);
}

#[test]
fn fields_maps_and_objects() {
    check(&[
        ("{{ .Name }}", "alice"),
        ("{{ .Nested.Inner.Deep }}", "deep"),
        ("{{ .Labels.instance }}", "host:9090"),
        ("{{ .Missing }}", "<no value>"),
        ("{{ .Labels.missing }}", "<no value>"),
        ("{{ .Nil.Foo.Bar }}", "<no value>"),
        ("{{ .Obj.Hello }}", "hello"),
        ("{{ .Obj.Greet \"bob\" }}", "hi bob"),
        ("{{ \"carol\" | .Obj.Greet }}", "hi carol"),
        ("{{ .Obj.Self.X }}", "7"),
        ("{{ .Obj.X }}", "7"),
        ("{{ .Struct.B }}", "b"),
        ("{{ .Obj.Greet 1 2 }}", "ERR error calling Greet: Greet wants one string"),
        ("{{ .Obj.Nope }}", "ERR can't evaluate field Nope in type test.Greeter"),
        ("{{ .Obj.X 1 }}", "ERR X has arguments but cannot be invoked as function"),
        ("{{ .Name.Foo }}", "ERR can't evaluate field Foo in type string"),
        ("{{ .Map.one 1 }}", "ERR one is not a method but has arguments"),
        ("{{ (.Nested).Inner.Deep }}", "deep"),
        ("{{ (index .Nested \"Inner\").Deep }}", "deep"),
        ("{{ $x := .Nested }}{{ $x.Inner.Deep }}", "deep"),
        ("{{ .Name 1 }}", "ERR Name is not a method but has arguments"),
    ]);
}

#[test]
fn missing_key_options() {
    assert_eq!(run_with("{{ .Labels.nope }}|{{ .Map.nope }}", MissingKey::Zero).unwrap(), "|<no value>");
    let err = run_with("{{ .Labels.nope }}", MissingKey::Error).unwrap_err();
    assert!(err.contains("map has no entry for key \"nope\""), "{err}");
    let err = run_with("{{ .Nil.x }}", MissingKey::Error).unwrap_err();
    assert!(err.contains("nil data; no entry for key \"x\""), "{err}");
}

#[test]
fn variables_and_scoping() {
    check(&[
        ("{{ $x := 1 }}{{ $x }}", "1"),
        ("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2"),
        ("{{ with .Nested }}{{ $.Name }}{{ end }}", "alice"),
        ("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}", "21"),
        ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"),
        ("{{ $x := 0 }}{{ range .List }}{{ $x = . }}{{ end }}{{ $x }}", "3"),
        ("{{ if $x := .Count }}{{ $x }}{{ else }}{{ $x }}{{ end }}", "3"),
        ("{{ if $x := .Zero }}a{{ else if $x }}b{{ else }}{{ $x }}c{{ end }}", "0c"),
        ("{{ with $x := .Name }}{{ $x }}{{ . }}{{ end }}", "alicealice"),
        ("{{ range $i, $e := .Strs }}{{ $i }}{{ $e }}{{ end }}", "0a1b"),
        ("{{ range $e := .Strs }}{{ $e }}{{ end }}", "ab"),
        ("{{ $i := 9 }}{{ range $i, $e := .Strs }}{{ end }}{{ $i }}", "9"),
        ("{{ $y = 1 }}", "ERR undefined variable: $y"),
        ("{{ $x := 1 }}{{ $x 2 }}", "ERR can't give argument to non-function $x"),
    ]);
    // Declared at parse time only inside their scope.
    assert!(run("{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}").unwrap_err().contains("undefined variable \"$x\""));
}

#[test]
fn truthiness() {
    check(&[
        ("{{ if .Empty }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Name }}t{{ else }}f{{ end }}", "t"),
        ("{{ if .Zero }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Float }}t{{ else }}f{{ end }}", "t"),
        ("{{ if .EmptyList }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .List }}t{{ else }}f{{ end }}", "t"),
        ("{{ if .Nil }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Missing }}t{{ else }}f{{ end }}", "f"),
        ("{{ if .Map }}t{{ else }}f{{ end }}", "t"),
        ("{{ if .Struct }}t{{ else }}f{{ end }}", "t"),
        ("{{ if .False }}t{{ else }}f{{ end }}", "f"),
        ("{{ if 0.0 }}t{{ else }}f{{ end }}", "f"),
    ]);
}

#[test]
fn if_else_chains() {
    check(&[
        (
            "{{ if eq .Count 1 }}one{{ else if eq .Count 2 }}two{{ else if eq .Count 3 }}three{{ else }}many{{ end }}",
            "three",
        ),
        ("{{ if false }}a{{ else if false }}b{{ end }}", ""),
        ("{{ if true }}a{{ else }}b{{ end }}", "a"),
        ("{{ with .Missing }}x{{ else with .Name }}{{ . }}{{ end }}", "alice"),
        ("{{ with .Missing }}x{{ else with .Nil }}y{{ else }}z{{ end }}", "z"),
        ("{{ with .Nested.Inner }}{{ .Deep }}{{ end }}", "deep"),
        ("{{ with .Empty }}x{{ else }}{{ .Name }}{{ end }}", "alice"),
    ]);
}

#[test]
fn range_forms() {
    check(&[
        ("{{ range .List }}[{{ . }}]{{ end }}", "[1][2][3]"),
        ("{{ range .Map }}{{ . }}{{ end }}", "132"),
        ("{{ range $k, $v := .Map }}{{ $k }}={{ $v }};{{ end }}", "one=1;three=3;two=2;"),
        ("{{ range .EmptyList }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ range .Nil }}x{{ else }}nil{{ end }}", "nil"),
        ("{{ range 3 }}{{ . }}{{ end }}", "012"),
        ("{{ range $i := 2 }}{{ $i }}{{ end }}", "01"),
        ("{{ range 0 }}x{{ else }}none{{ end }}", "none"),
        ("{{ range $i, $e := 3 }}{{ end }}", "ERR can't use 3 to iterate over more than one variable"),
        ("{{ range .List }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}", "1"),
        ("{{ range .List }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}", "13"),
        ("{{ range .List }}{{ range .$.Strs }}{{ end }}{{ end }}", "ERR bad character U+0024 '$'"),
        ("{{ range $.Strs }}{{ range $.List }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}|{{ end }}", "1|1|"),
        ("{{ range .Labels }}{{ . }},{{ end }}", "host:9090,node,"),
        ("{{ range .Name }}{{ end }}", "ERR range can't iterate over alice"),
        ("{{ range $i, $e := .List }}{{ if $i }}, {{ end }}{{ $e }}{{ end }}", "1, 2, 3"),
        ("{{ range .Strs }}{{ $.Name }}{{ end }}", "alicealice"),
    ]);
}

#[test]
fn templates_define_and_block() {
    check(&[
        ("{{ define \"a\" }}A{{ . }}{{ end }}{{ template \"a\" 1 }}{{ template \"a\" }}", "A1A<no value>"),
        (
            "{{ define \"a\" }}{{ template \"b\" . }}{{ end }}{{ define \"b\" }}B{{ .Name }}{{ end }}{{ template \"a\" . }}",
            "Balice",
        ),
        ("{{ block \"x\" .Name }}[{{ . }}]{{ end }}", "[alice]"),
        ("{{ template \"nope\" }}", "ERR template \"nope\" not defined"),
        ("{{ $x := 1 }}{{ define \"a\" }}{{ $x }}{{ end }}", "ERR undefined variable \"$x\""),
        ("{{ define \"a\" }}{{ $ }}{{ end }}{{ template \"a\" .Count }}", "3"),
        (
            "{{ define \"r\" }}{{ if gt . 0 }}{{ . }}{{ template \"r\" (double 0) }}{{ end }}{{ end }}{{ template \"r\" 2 }}",
            "2",
        ),
        (
            "{{ define \"loop\" }}{{ template \"loop\" . }}{{ end }}{{ template \"loop\" }}",
            "ERR exceeded maximum template depth (1000)",
        ),
    ]);
}

#[test]
fn associated_templates_across_parses() {
    let mut t = Template::new("root").with_funcs(&funcs());
    t.parse_text("{{ define \"a\" }}A{{ end }}root:{{ template \"a\" }}").unwrap();
    t.add("other", "{{ define \"a\" }}A2{{ end }}other").unwrap();
    assert_eq!(t.execute(&Value::Nil, &[]).unwrap(), "root:A2");
    assert_eq!(t.execute_template("other", &Value::Nil, &[]).unwrap(), "other");
    assert_eq!(t.defined_templates(), ["a", "other", "root"]);
    assert!(t.lookup("a").is_some() && t.lookup("zzz").is_none());
    // An empty redefinition keeps the old body.
    t.add("a", "  ").unwrap();
    assert_eq!(t.execute_template("a", &Value::Nil, &[]).unwrap(), "A2");
    let err = t.execute_template("zzz", &Value::Nil, &[]).unwrap_err();
    assert_eq!(err.to_string(), "template: no template \"zzz\" associated with template \"root\"");
    let empty = Template::new("e");
    assert_eq!(
        empty.execute(&Value::Nil, &[]).unwrap_err().to_string(),
        "template: e: \"e\" is an incomplete or empty template"
    );
}

#[test]
fn predeclared_variables() {
    let funcs = FuncMap::new();
    let mut t = Template::new("alert").with_funcs(&funcs).with_vars(&["labels", "$value"]);
    t.parse_text("{{ $labels.job }} is {{ $value }}{{ define \"d\" }}x{{ end }}").unwrap();
    let vars = [("labels", Value::string_map([("job", "node")])), ("$value", Value::Float(0.5))];
    assert_eq!(t.execute(&Value::Nil, &vars).unwrap(), "node is 0.5");
    assert_eq!(t.execute(&Value::Nil, &[]).unwrap(), "<no value> is <no value>");
    let mut inner = Template::new("x").with_vars(&["labels"]);
    let err = inner.parse_text("{{ define \"d\" }}{{ $labels }}{{ end }}").unwrap_err();
    assert!(err.to_string().contains("undefined variable \"$labels\""), "{err}");
}

#[test]
fn pipelines_and_host_functions() {
    check(&[
        ("{{ 2 | double }}", "4"),
        ("{{ 2 | double | double }}", "8"),
        ("{{ double (double 1) }}", "4"),
        ("{{ .Count | printf \"%d-%s\" \"x\" }}", "%!d(string=x)-%!s(int=3)"),
        ("{{ list 1 \"a\" | len }}", "2"),
        ("{{ fail }}", "ERR error calling fail: it failed"),
        ("{{ \"x\" | 1 }}", "ERR non executable command in pipeline stage 2"),
        ("{{ (1) 2 }}", "ERR can't give argument to non-function 1"),
        ("{{ .Count | .Name }}", "ERR Name is not a method but has arguments"),
    ]);
}

#[test]
fn exec_errors_carry_location_and_context() {
    let err = run("line1\n  {{ .Name.X }}").unwrap_err();
    assert_eq!(err, "template: t:2:10: executing \"t\" at <.Name.X>: can't evaluate field X in type string");
    let err = run("{{ index .List 10 }}").unwrap_err();
    assert_eq!(
        err,
        "template: t:1:3: executing \"t\" at <index .List 10>: error calling index: index out of range: 10"
    );
    let err = run("{{ len }}").unwrap_err();
    assert_eq!(err, "template: t:1:3: executing \"t\" at <len>: wrong number of args for len: want 1 got 0");
}

#[test]
fn limits_stop_runaway_templates() {
    let limits = super::super::Limits { max_steps: 1000, ..Default::default() };
    let t = Template::parse("t", "{{ range 1000000000 }}{{ end }}", &FuncMap::new()).unwrap().with_limits(limits);
    assert!(t.execute(&Value::Nil, &[]).unwrap_err().to_string().contains("limit of 1000 steps"));
    let limits = super::super::Limits { max_output_bytes: 10, ..Default::default() };
    let t = Template::parse("t", "{{ range 100 }}xx{{ end }}", &FuncMap::new()).unwrap().with_limits(limits);
    assert!(t.execute(&Value::Nil, &[]).unwrap_err().to_string().contains("output exceeds the limit of 10 bytes"));
}

#[test]
fn deep_recursion_fits_a_small_stack() {
    // Sonde runs templates on 2 MiB worker threads; the depth limit must
    // trigger long before the stack runs out, even unoptimised.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let text =
                "{{define \"a\"}}{{range 1}}{{with 1}}{{template \"a\" .}}{{end}}{{end}}{{end}}{{template \"a\" 1}}";
            let t = Template::parse("t", text, &FuncMap::new()).unwrap();
            t.execute(&Value::Nil, &[]).unwrap_err().to_string()
        })
        .unwrap();
    assert!(handle.join().unwrap().contains("exceeded maximum template depth (1000)"));
}

#[test]
fn template_pipeline_variables_persist_in_caller() {
    check(&[("{{ define \"a\" }}{{ . }}{{ end }}{{ template \"a\" $x := 5 }}{{ $x }}", "55")]);
}

#[test]
fn whitespace_and_comment_only_templates() {
    check(&[("{{/* only a comment */}}", ""), ("  \n", "  \n"), ("{{- /* c */ -}}  \n x", "x"), ("", "")]);
}

#[test]
fn objects_wrapping_collections_act_like_them() {
    use super::super::alertmanager::Kv;
    let kv = Value::object(Kv::new([("b", "2"), ("a", "1")]));
    let data = Value::map([("KV", kv)]);
    let text = "{{ len .KV }} {{ index .KV \"a\" }} {{ range $k, $v := .KV }}{{ $k }}{{ $v }}{{ end }} {{ .KV }} {{ printf \"%v|%s\" .KV .KV.SortedPairs }} {{ if .KV }}t{{ end }}";
    let t = Template::parse("t", text, &FuncMap::new()).unwrap();
    assert_eq!(t.execute(&data, &[]).unwrap(), "2 1 a1b2 a=1, b=2 a=1, b=2|a=1, b=2 t");
    let t = Template::parse("t", "{{ eq .KV .KV }}", &FuncMap::new()).unwrap();
    assert!(t.execute(&data, &[]).unwrap_err().to_string().contains("non-comparable type"));
}

#[test]
fn templates_and_values_are_thread_safe() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    assert_send_sync::<Value>();
    assert_send_sync::<super::super::Error>();
    // One parsed template serves many threads at once.
    let t = std::sync::Arc::new(Template::parse("t", "{{ . }}", &FuncMap::new()).unwrap());
    let handles: Vec<_> = (0..4i64)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || t.execute(&Value::Int(i), &[]).unwrap())
        })
        .collect();
    let outputs: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(outputs, ["0", "1", "2", "3"]);
}
