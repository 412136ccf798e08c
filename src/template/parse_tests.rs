//! Parse trees and parse errors, after golang/go
//! src/text/template/parse/parse_test.go.

use super::*;

fn has_function(name: &str) -> bool {
    super::super::FuncMap::new().with("printf", |_| Ok(super::super::Value::Nil)).has_function(name) || name == "f"
}

/// The root tree printed as Go's `String()` does.
fn tree(text: &str) -> Result<String, String> {
    let trees = parse("t", text, &has_function, &[]).map_err(|e| e.to_string())?;
    let root = &trees["t"].root;
    Ok(root.iter().map(ToString::to_string).collect())
}

#[test]
fn round_trips_through_go_node_strings() {
    let cases = [
        ("{{.X}}", "{{.X}}"),
        ("{{ .X.Y | f 1 \"s\" }}", "{{.X.Y | f 1 \"s\"}}"),
        ("{{$x := 3}}{{$x}}", "{{$x := 3}}{{$x}}"),
        ("{{range $i, $e := .L}}{{$e}}{{end}}", "{{range $i, $e := .L}}{{$e}}{{end}}"),
        (
            "{{if .A}}a{{else if .B}}b{{else}}c{{end}}",
            "{{if .A}}\"a\"{{else}}{{if .B}}\"b\"{{else}}\"c\"{{end}}{{end}}",
        ),
        ("{{with .A}}x{{end}}", "{{with .A}}\"x\"{{end}}"),
        ("{{template \"x\" .}}", "{{template \"x\" .}}"),
        ("{{(f .A).B}}", "{{(f .A).B}}"),
        ("{{f (f 1)}}", "{{f (f 1)}}"),
        ("{{$.A}}{{$x := 1}}{{$x = 2}}", "{{$.A}}{{$x := 1}}{{$x = 2}}"),
        ("{{range .L}}{{break}}{{continue}}{{end}}", "{{range .L}}{{break}}{{continue}}{{end}}"),
    ];
    for (text, want) in cases {
        assert_eq!(tree(text).as_deref(), Ok(want), "{text:?}");
    }
}

#[test]
fn defines_and_blocks_become_trees() {
    let text = "{{define \"a\"}}A{{end}}{{block \"b\" .}}B{{end}}body";
    let trees = parse("t", text, &has_function, &[]).unwrap();
    let mut names: Vec<&String> = trees.keys().collect();
    names.sort();
    assert_eq!(names, ["a", "b", "t"]);
    assert_eq!(trees["t"].root.iter().map(ToString::to_string).collect::<String>(), "{{template \"b\" .}}\"body\"");
    let err = parse("t", "{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}", &has_function, &[]).unwrap_err();
    assert_eq!(err.to_string(), "template: t:1: template: multiple definition of template \"a\"");
    // An empty redefinition is allowed.
    assert!(parse("t", "{{define \"a\"}}1{{end}}{{define \"a\"}} {{end}}", &has_function, &[]).is_ok());
}

#[test]
fn errors_match_go() {
    let cases = [
        ("{{foo}}", "template: t:1: function \"foo\" not defined"),
        ("{{$x}}", "template: t:1: undefined variable \"$x\""),
        ("{{end}}", "template: t:1: unexpected {{end}}"),
        ("{{else}}", "template: t:1: unexpected {{else}}"),
        ("{{if .X}}", "template: t:1: unexpected EOF"),
        ("{{if}}{{end}}", "template: t:1: missing value for if"),
        ("{{range .X}}{{else}}{{else}}{{end}}", "template: t:1: expected end; found {{else}}"),
        ("{{break}}", "template: t:1: {{break}} outside {{range}}"),
        ("{{range .X}}{{break 1}}{{end}}", "template: t:1: unexpected \"1\" in {{break}}"),
        ("{{.X | 3}}", "template: t:1: non executable command in pipeline stage 2"),
        ("{{3.X}}", "template: t:1: bad number syntax: \"3.X\""),
        ("{{1.E}}", "template: t:1: illegal number syntax: \"1.E\""),
        ("{{true.E}}", "template: t:1: unexpected . after term \"true\""),
        ("{{\"x\".Y}}", "template: t:1: unexpected . after term \"\\\"x\\\"\""),
        ("{{$x, $y := 1}}", "template: t:1: too many declarations in command"),
        ("{{range $x, 3}}{{end}}", "template: t:1: range can only initialize variables"),
        ("{{template .X}}", "template: t:1: unexpected \".X\" in template clause"),
        ("{{define \"a\"}}", "template: t:1: unexpected EOF"),
        ("{{\"\\q\"}}", "template: t:1: invalid syntax"),
        ("{{1__0}}", "template: t:1: illegal number syntax: \"1__0\""),
        ("{{1i}}", "template: t:1: complex constants are not supported: \"1i\""),
        ("{{.X\n\n}}{{.Y", "template: t:3: unclosed action"),
        ("a\n{{.X\n\n", "template: t:4: unclosed action started at t:2"),
        ("{{ .X }} {{ )", "template: t:1: unexpected right paren U+0029 ')'"),
        ("{{ | }}", "template: t:1: unexpected \"|\" in command"),
        ("{{}}", "template: t:1: missing value for command"),
        ("{{\n}}", "template: t:2: missing value for command"),
        ("line1\n{{\nx\n}}", "template: t:3: function \"x\" not defined"),
        ("{{`x`3}}", "template: t:1: unexpected \"3\" in operand"),
        ("{{printf 3, 4}}", "template: t:1: unexpected \",\" in operand"),
        ("{{range $u, $v, $w := 3}}{{end}}", "template: t:1: too many declarations in range"),
        ("{{range .}}{{else}}{{break}}{{end}}", "template: t:1: {{break}} outside {{range}}"),
        ("{{if .X}}a{{else if .Y}}b{{end}}{{end}}", "template: t:1: unexpected {{end}}"),
        ("{{block \"foo\"}}hello{{end}}", "template: t:1: missing value for block clause"),
    ];
    for (text, want) in cases {
        assert_eq!(tree(text).unwrap_err(), want, "{text:?}");
    }
}

#[test]
fn nesting_is_bounded() {
    let deep_parens = format!("{{{{{}1{}}}}}", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
    assert!(tree(&deep_parens).unwrap_err().contains("max expression depth exceeded"));
    let deep_ifs = format!("{}{}", "{{if 1}}".repeat(MAX_NESTING + 1), "{{end}}".repeat(MAX_NESTING + 1));
    assert!(tree(&deep_ifs).unwrap_err().contains("max nesting depth exceeded"));
    let ok_ifs = format!("{}x{}", "{{if 1}}".repeat(MAX_NESTING), "{{end}}".repeat(MAX_NESTING));
    assert!(tree(&ok_ifs).is_ok());
}
