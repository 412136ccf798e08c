//! Malformed and hostile templates must fail with errors, never panics.

use crate::template::funcs_prometheus::prometheus_funcs;
use crate::template::{Template, Value};

/// Fragments that, glued at random, reach odd corners of the lexer,
/// parser and executor.
const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    ".",
    ".A",
    ".B.C",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    "\"s\"",
    "`r`",
    "'c'",
    "'\\",
    "1",
    "-2",
    "0x1F",
    "1e3",
    "1.5",
    "_",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "nil",
    "true",
    "len",
    "index",
    "slice",
    "printf",
    "\"%d %s %5.2f %!\"",
    "and",
    "or",
    "not",
    "eq",
    "lt",
    "html",
    "humanize",
    "toUpper",
    "/*",
    "*/",
    ",",
    "é",
    "\\",
    "\"",
    "`",
    "#",
    "{{end}}",
    "{{else}}",
    "{{range .L}}",
    "{{if .A}}",
    "{{define \"d\"}}",
    "{{template \"d\" .}}",
    "{{block \"b\" .}}",
    "%",
    "0",
    "9",
];

#[test]
fn random_templates_never_panic() {
    let data = Value::map([
        ("A", Value::from("a")),
        ("B", Value::map([("C", Value::Int(1))])),
        ("L", Value::list([Value::Int(1), Value::from("x"), Value::Nil])),
    ]);
    let funcs = prometheus_funcs();
    // A fixed linear congruential generator keeps the run reproducible.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    let (mut parsed, mut executed) = (0, 0);
    for _ in 0..20_000 {
        let len = 1 + next(12);
        let text: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
        let Ok(template) = Template::parse("fuzz", &text, &funcs) else { continue };
        parsed += 1;
        if template.execute(&data, &[]).is_ok() {
            executed += 1;
        }
    }
    // The generator must reach the executor, not only the parser.
    assert!(parsed > 1000 && executed > 500, "parsed {parsed}, executed {executed}");
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let funcs = prometheus_funcs();
    let cases = [
        "{{".repeat(10_000),
        "{{ (1))))) }}".to_string(),
        format!("{{{{ {}1{} }}}}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}{}", "{{ if 1 }}".repeat(10_000), "{{ end }}".repeat(10_000)),
        "{{ printf \"%.999999999f\" 1.0 }}{{ slice \"é\" 0 1 }}{{ index \"é\" 1 }}".to_string(),
        "{{ define \"a\" }}{{ template \"a\" . }}{{ template \"a\" . }}{{ end }}{{ template \"a\" }}".to_string(),
    ];
    for text in cases {
        let Ok(template) = Template::parse("h", &text, &funcs) else { continue };
        let _ = template.execute(&Value::Nil, &[]);
    }
}
