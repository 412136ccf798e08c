//! Token streams, after golang/go src/text/template/parse/lex_test.go.

use super::*;

const OPTIONS: LexOptions = LexOptions { break_ok: true, continue_ok: true };

/// Tokens as "Kind:text" with spaces shown as "_".
fn tokens(input: &str) -> Vec<String> {
    lex(input, OPTIONS)
        .into_iter()
        .map(|t| match t.kind {
            Kind::Space => "_".to_string(),
            Kind::Eof => "EOF".to_string(),
            kind => format!("{kind:?}:{}", t.val),
        })
        .collect()
}

fn last_error(input: &str) -> String {
    let tokens = lex(input, OPTIONS);
    let last = tokens.last().expect("at least one token");
    assert_eq!(last.kind, Kind::Error, "{input:?} should fail");
    last.val.clone()
}

#[test]
fn text_and_actions() {
    assert_eq!(tokens(""), ["EOF"]);
    assert_eq!(tokens("now is the time"), ["Text:now is the time", "EOF"]);
    assert_eq!(tokens("a{{.X}}b"), ["Text:a", "LeftDelim:{{", "Field:.X", "RightDelim:}}", "Text:b", "EOF"]);
    assert_eq!(
        tokens("{{$x := .A.B | f 1 \"s\"}}"),
        [
            "LeftDelim:{{",
            "Variable:$x",
            "_",
            "Declare::=",
            "_",
            "Field:.A",
            "Field:.B",
            "_",
            "Pipe:|",
            "_",
            "Identifier:f",
            "_",
            "Number:1",
            "_",
            "String:\"s\"",
            "RightDelim:}}",
            "EOF"
        ]
    );
}

#[test]
fn keywords_and_literals() {
    assert_eq!(
        tokens("{{if else end range with define template block break continue nil true . $}}")
            .into_iter()
            .filter(|t| t != "_")
            .collect::<Vec<_>>(),
        [
            "LeftDelim:{{",
            "If:if",
            "Else:else",
            "End:end",
            "Range:range",
            "With:with",
            "Define:define",
            "Template:template",
            "Block:block",
            "Break:break",
            "Continue:continue",
            "Nil:nil",
            "Bool:true",
            "Dot:.",
            "Variable:$",
            "RightDelim:}}",
            "EOF"
        ]
    );
    assert_eq!(
        tokens("{{'a' `r\nx` 0x1F 1e3 -7 +1.5 $x = 1}}").into_iter().filter(|t| t != "_").collect::<Vec<_>>(),
        [
            "LeftDelim:{{",
            "CharConstant:'a'",
            "RawString:`r\nx`",
            "Number:0x1F",
            "Number:1e3",
            "Number:-7",
            "Number:+1.5",
            "Variable:$x",
            "Assign:=",
            "Number:1",
            "RightDelim:}}",
            "EOF"
        ]
    );
    // Go wants a space before `=`: `$x=1` is a bad character.
    assert_eq!(last_error("{{$x=1}}"), "bad character U+003D '='");
    // A host function named break keeps the word an identifier.
    let tokens = lex("{{break}}", LexOptions { break_ok: false, continue_ok: true });
    assert_eq!(tokens[1].kind, Kind::Identifier);
}

#[test]
fn trim_markers_and_comments() {
    assert_eq!(tokens("a \n{{- 3 -}}\n b"), ["Text:a", "LeftDelim:{{", "Number:3", "RightDelim:}}", "Text:b", "EOF"]);
    assert_eq!(tokens("a {{-3}}"), ["Text:a ", "LeftDelim:{{", "Number:-3", "RightDelim:}}", "EOF"]);
    assert_eq!(tokens("a {{/* c */}} b"), ["Text:a ", "Text: b", "EOF"]);
    assert_eq!(tokens("a {{- /* c */ -}} b"), ["Text:a", "Text:b", "EOF"]);
    // Newlines may separate arguments inside an action.
    assert_eq!(tokens("{{1\n2}}"), ["LeftDelim:{{", "Number:1", "_", "Number:2", "RightDelim:}}", "EOF"]);
    assert_eq!(
        tokens("{{( 3 )}}"),
        ["LeftDelim:{{", "LeftParen:(", "_", "Number:3", "_", "RightParen:)", "RightDelim:}}", "EOF"]
    );
}

#[test]
fn errors() {
    let cases = [
        ("{{", "unclosed action"),
        ("{{ 1", "unclosed action"),
        ("{{/* x", "unclosed comment"),
        ("{{/* x */ 1}}", "comment ends before closing delimiter"),
        ("{{\"abc}}", "unterminated quoted string"),
        ("{{`abc}}", "unterminated raw quoted string"),
        ("{{'a}}", "unterminated character constant"),
        ("{{3k}}", "bad number syntax: \"3k\""),
        ("{{(3}}", "unclosed left paren"),
        ("{{3)}}", "unexpected right paren U+0029 ')'"),
        ("{{a:b}}", "expected :="),
        ("{{$x+2}}", "bad character U+002B '+'"),
        ("{{ \u{1} }}", "unrecognized character in action: U+0001"),
    ];
    for (input, want) in cases {
        assert_eq!(last_error(input), want, "{input:?}");
    }
}

#[test]
fn lines_are_tracked() {
    let tokens = lex("a\nb{{.X\n}}\n{{`\n`}}{{.Y}}", OPTIONS);
    let field = |name: &str| tokens.iter().find(|t| t.val == name).map(|t| t.line);
    assert_eq!(field(".X"), Some(2));
    assert_eq!(field(".Y"), Some(5));
}
